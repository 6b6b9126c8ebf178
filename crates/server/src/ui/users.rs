//! The Users pages' forms: create an account (its one-time password shown
//! once), edit its name, email, role, sites, linked person and whether it
//! is disabled, and reset its password. Only an administrator with access
//! to every site sees or posts them. The rules are the API's own, in
//! `crate::users` (the last administrator, sessions ended on disable, the
//! one-time password) and `resource` (field rules, references, versions).

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use rampart_domain::{Id, Role, User};

use super::forms::Fieldset;
use super::forms::{
    Errors, FormField, FormKind, FormState, Options, Parse, edit_form, field_errors, fieldset,
    id_of, in_frame, may_write, new_form, options, render, update,
};
use super::{FormData, Layout, PageResult, PageUser, check_csrf, code, html};
use crate::access;
use crate::auth::Principal;
use crate::state::AppState;
use crate::users;

pub fn routes(r: Router<AppState>) -> Router<AppState> {
    // The same paths as the GET pages of `pages`: their methods merge.
    r.route("/users/new", get(new_form::<User>))
        .route("/users/{id}/edit", get(edit_form::<User>))
        .route("/users", post(create))
        .route("/users/{id}", post(update::<User>))
        .route("/users/{id}/password", post(reset_password))
}

const LOGIN_HINT: &str = "The name the user logs in with, and the account's id: letters, digits, '-', '_' or '.', starting with a letter or digit; cannot be changed later.";

fn roles() -> Vec<(String, String)> {
    access::ROLES
        .iter()
        .map(|r| (code(r), access::role_label(*r).to_owned()))
        .collect()
}

impl FormKind for User {
    const NOUN: &'static str = "user";
    const BASE: &'static str = "/users";
    fn title(&self) -> String {
        self.display_name.clone()
    }
    fn may_create(p: &Principal) -> bool {
        super::is_account_admin(p)
    }
    fn may_edit(p: &Principal) -> bool {
        super::is_account_admin(p)
    }
    fn values(&self) -> FormData {
        let mut v = FormData::default();
        v.set("id", self.id.to_string());
        v.set("display_name", self.display_name.clone());
        v.set("email", self.email.clone().unwrap_or_default());
        v.set("role", code(&self.role));
        v.set("all_sites", if self.all_sites { "true" } else { "false" });
        for s in &self.sites {
            v.0.push(("sites".to_owned(), s.to_string()));
        }
        v.set(
            "person",
            self.person
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
        );
        v.set("disabled", if self.disabled { "1" } else { "" });
        v
    }
    fn fieldsets(v: &FormData, o: &Options, creating: bool) -> Vec<Fieldset> {
        let mut account = vec![
            {
                let f = FormField::new("id", "Login", "text", v).hint(LOGIN_HINT);
                if creating { f.required() } else { f.readonly() }
            },
            FormField::new("display_name", "Display name", "text", v)
                .required()
                .hint("Shown in the application and in the audit log."),
            FormField::new("email", "Email", "email", v)
                .hint("Single sign-on, where it is set up, matches users by it."),
            FormField::new("role", "Role", "select", v)
                .required()
                .options(Some("Choose a role"), roles())
                .hint("What the user may do; see the Roles page."),
            FormField::new("person", "Linked person", "select", v)
                .options(Some("No linked person"), o.people.clone()),
        ];
        if !creating {
            account.push(
                FormField::new("disabled", "Disabled", "checkbox", v)
                    .hint("A disabled account cannot log in; its sessions end now and its API tokens stop working until it is enabled again."),
            );
        }
        let chosen = v.all("sites");
        vec![
            fieldset("Account", "", account),
            fieldset(
                "Sites",
                "",
                vec![
                    FormField::new("all_sites", "Sites the user sees", "select", v)
                        .required()
                        .options(
                            None,
                            vec![
                                (
                                    "true".to_owned(),
                                    "Every site, present and future".to_owned(),
                                ),
                                ("false".to_owned(), "Only the sites ticked below".to_owned()),
                            ],
                        ),
                    FormField::new("sites", "Chosen sites", "checkboxes", v)
                        .checks(o.sites.clone(), &chosen)
                        .hint("Used when the user sees only some sites."),
                ],
            ),
        ]
    }
    fn parse(v: &FormData, base: Option<&User>, _o: &Options) -> Result<User, Errors> {
        let mut p = Parse::new(v);
        let id = id_of(&mut p, base.map(|b| &b.id));
        let display_name = p.text("display_name", "a display name", 200);
        let email = p.opt_text("email", 320);
        if let Some(e) = &email
            && (!e.contains('@') || e.chars().any(|c| c.is_whitespace() || c.is_control()))
        {
            p.fail("email", "Enter an email address like name@example.com.");
        }
        let role: Option<Role> = p.choice("role", "a role");
        let person = p.opt_id("person");
        let all_sites = match p.raw("all_sites") {
            "true" => Some(true),
            "false" => Some(false),
            _ => {
                p.fail("all_sites", "Choose every site or only some.");
                None
            }
        };
        let mut sites = Vec::new();
        for s in v.all("sites") {
            match Id::new(s.trim()) {
                Ok(id) if !sites.contains(&id) => sites.push(id),
                Ok(_) => {}
                Err(e) => p.fail("sites", super::capitalise(&e.to_string())),
            }
        }
        if all_sites == Some(false) && sites.is_empty() {
            p.fail(
                "sites",
                "Tick at least one site, or let the user see every site.",
            );
        }
        // Only the edit form shows it: a new account starts enabled.
        let disabled = base.is_some() && p.raw("disabled") == "1";
        p.done()?;
        let (Some(id), Some(role), Some(all_sites)) = (id, role, all_sites) else {
            return Err(Errors::new());
        };
        Ok(User {
            id,
            display_name,
            email,
            role,
            all_sites,
            sites: if all_sites { Vec::new() } else { sites },
            person,
            disabled,
        })
    }
}

/// A one-time password, shown on this answer only.
#[derive(Template)]
#[template(path = "user_password.html")]
struct OneTimePassword {
    layout: Layout,
    heading: String,
    intro: String,
    user_href: String,
    name: String,
    login: String,
    password: String,
}

/// The page of a new one-time password: never cached, never stored.
fn one_time_page(status: StatusCode, page: &OneTimePassword) -> Response {
    let mut res = html(status, page);
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageUser(p): PageUser,
    Form(form): Form<Vec<(String, String)>>,
) -> PageResult {
    let values = FormData(form);
    check_csrf(&p, &values, &headers).map_err(|e| in_frame(&p, e))?;
    may_write::<User>(&p, true).map_err(|e| in_frame(&p, e))?;
    let o = options(&state, &p).await?;
    let mut s = FormState {
        p: &p,
        values,
        errors: Errors::new(),
        conflict: None,
        creating: true,
        id: String::new(),
        heading: "New user".to_owned(),
    };
    let user = match User::parse(&s.values, None, &o) {
        Ok(u) => u,
        Err(errors) => {
            s.errors = errors;
            return Ok(render::<User>(s, &o, StatusCode::UNPROCESSABLE_ENTITY));
        }
    };
    match users::create_with_one_time_password(&state, &p, &user).await {
        Ok((stored, password)) => {
            let page = OneTimePassword {
                layout: Layout::new(&p, "User created", "/users"),
                heading: format!("{} can now log in", stored.value.display_name),
                intro: "The account is created. Give its one-time password to the user by a channel you trust: it is shown only this once, and Rampart keeps only its hash. At the first login the user chooses their own password.".to_owned(),
                user_href: format!("/users/{}", stored.value.id),
                name: stored.value.display_name.clone(),
                login: stored.value.id.to_string(),
                password,
            };
            Ok(one_time_page(StatusCode::CREATED, &page))
        }
        Err(problem) if problem.status == 409 => {
            s.errors.insert(
                "id".to_owned(),
                "There is already a user with this id.".to_owned(),
            );
            Ok(render::<User>(s, &o, StatusCode::CONFLICT))
        }
        Err(problem) if problem.status == 422 => {
            s.errors = field_errors(&problem);
            Ok(render::<User>(s, &o, StatusCode::UNPROCESSABLE_ENTITY))
        }
        Err(problem) => Err(in_frame(&p, problem)),
    }
}

async fn reset_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> PageResult {
    check_csrf(&p, &FormData(form), &headers).map_err(|e| in_frame(&p, e))?;
    users::require_account_admin(&p).map_err(|e| in_frame(&p, e))?;
    let user = super::pages::load_one::<User>(&state, &p, &id)
        .await
        .map_err(|e| in_frame(&p, e))?;
    let (login, password) = users::reset_password(&state, &p, &user.value.id)
        .await
        .map_err(|e| in_frame(&p, e))?;
    let name = user.value.display_name.clone();
    let page = OneTimePassword {
        layout: Layout::new(&p, "Password reset", "/users"),
        heading: format!("A new password for {name}"),
        intro: "The old password no longer works and every session of the account has ended. Give this one-time password to the user by a channel you trust: it is shown only this once. At the next login the user chooses their own password.".to_owned(),
        user_href: format!("/users/{}", user.value.id),
        name,
        login,
        password,
    };
    Ok(one_time_page(StatusCode::OK, &page))
}
