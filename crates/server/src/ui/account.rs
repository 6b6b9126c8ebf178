//! The account page: who you are, changing your password, and your API
//! tokens (made, shown once, revoked). The checks are the API's own
//! (`endpoints::change_own_password`, `new_token`, `revoke`).

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};

use super::{FormData, Layout, PageError, PageResult, PageUser, capitalise, check_csrf, html};
use crate::access;
use crate::auth::{Principal, Via};
use crate::endpoints;
use crate::problem::Problem;
use crate::state::AppState;

pub fn routes(r: Router<AppState>) -> Router<AppState> {
    r.route("/account", get(account))
        .route("/account/password", post(change_password))
        .route("/account/tokens", post(create_token))
        .route("/account/tokens/{id}/revoke", post(revoke_token))
}

struct TokenRow {
    id: String,
    name: String,
    created: String,
    expires: String,
    last_used: String,
    state: &'static str,
    active: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    layout: Layout,
    name: String,
    role: &'static str,
    sites: String,
    has_password: bool,
    password_errors: BTreeMap<&'static str, String>,
    token_errors: BTreeMap<&'static str, String>,
    token_name: String,
    token_days: String,
    tokens: Vec<TokenRow>,
    /// A token just made: its secret, shown this once.
    new_secret: Option<String>,
    csrf: String,
    via_token: bool,
}

impl AccountPage {
    fn password_error(&self, f: &str) -> Option<&String> {
        self.password_errors.get(f)
    }
    fn token_error(&self, f: &str) -> Option<&String> {
        self.token_errors.get(f)
    }
}

fn short(t: &str) -> String {
    t.replace('T', " ").chars().take(16).collect()
}

async fn page(state: &AppState, p: &Principal) -> Result<AccountPage, Problem> {
    let (cred, tokens) = tokio::try_join!(
        state.db.credential_of(&p.org, &p.user.id),
        state.db.api_tokens_of(&p.org, &p.user.id),
    )?;
    let now = rampart_store::now_text();
    Ok(AccountPage {
        layout: Layout::new(p, "Your account", ""),
        name: p.user.display_name.clone(),
        role: access::role_label(p.user.role),
        sites: if p.user.all_sites {
            "Every site".to_owned()
        } else {
            p.user
                .sites
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        },
        has_password: cred.is_some(),
        password_errors: BTreeMap::new(),
        token_errors: BTreeMap::new(),
        token_name: String::new(),
        token_days: "90".to_owned(),
        tokens: tokens
            .iter()
            .map(|t| {
                let expired = t.expires_at.as_deref().is_some_and(|e| e <= now.as_str());
                TokenRow {
                    id: t.id.clone(),
                    name: t.name.clone(),
                    created: short(&t.created_at),
                    expires: t.expires_at.as_deref().map_or("Never".to_owned(), short),
                    last_used: t.last_used_at.as_deref().map_or("Never".to_owned(), short),
                    state: if t.revoked {
                        "Revoked"
                    } else if expired {
                        "Expired"
                    } else {
                        "Active"
                    },
                    active: !t.revoked && !expired,
                }
            })
            .collect(),
        new_secret: None,
        csrf: p.csrf_token().unwrap_or("").to_owned(),
        via_token: !matches!(p.via, Via::Session { .. }),
    })
}

fn framed(p: &Principal, e: Problem) -> PageError {
    PageError(e, Some(Layout::new(p, "Your account", "")))
}

async fn account(State(state): State<AppState>, PageUser(p): PageUser) -> PageResult {
    let page = page(&state, &p).await.map_err(|e| framed(&p, e))?;
    Ok(html(StatusCode::OK, &page))
}

/// A problem's field errors keyed by form field name.
fn errors_of(problem: &Problem, fields: &[&'static str]) -> BTreeMap<&'static str, String> {
    let mut out = BTreeMap::new();
    for e in &problem.errors {
        let name = e.field.trim_start_matches('/');
        if let Some(f) = fields.iter().find(|f| **f == name) {
            out.insert(*f, capitalise(&e.message));
        }
    }
    if out.is_empty() {
        out.insert(fields[0], capitalise(&problem.detail));
    }
    out
}

async fn change_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageUser(p): PageUser,
    Form(form): Form<Vec<(String, String)>>,
) -> PageResult {
    let values = FormData(form);
    check_csrf(&p, &values, &headers).map_err(|e| framed(&p, e))?;
    let mut shown = page(&state, &p).await.map_err(|e| framed(&p, e))?;
    let (current, new, again) = (
        values.get("current_password"),
        values.get("new_password"),
        values.get("new_password_again"),
    );
    if new != again {
        shown.password_errors.insert(
            "new_password_again",
            "The two new passwords differ.".to_owned(),
        );
        return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &shown));
    }
    match endpoints::change_own_password(&state, &p, current, new).await {
        // The new password ended every session, this one too.
        Ok(()) => Ok(Redirect::to("/login?next=/account").into_response()),
        Err(problem) if problem.status == 422 || problem.status == 409 => {
            shown.password_errors = errors_of(&problem, &["current_password", "new_password"]);
            Ok(html(problem.status(), &shown))
        }
        Err(problem) => Err(framed(&p, problem)),
    }
}

async fn create_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageUser(p): PageUser,
    Form(form): Form<Vec<(String, String)>>,
) -> PageResult {
    let values = FormData(form);
    check_csrf(&p, &values, &headers).map_err(|e| framed(&p, e))?;
    let name = values.get("name").to_owned();
    let days_text = values.get("expires_in_days").trim().to_owned();
    let days = if days_text.is_empty() {
        Ok(None)
    } else {
        days_text.parse::<u32>().map(Some)
    };
    let mut shown = page(&state, &p).await.map_err(|e| framed(&p, e))?;
    shown.token_name = name.clone();
    shown.token_days = days_text;
    let Ok(days) = days else {
        shown.token_errors.insert(
            "expires_in_days",
            "Enter a whole number of days from 1 to 3650, or leave it empty for no expiry."
                .to_owned(),
        );
        return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &shown));
    };
    match endpoints::new_token(&state, &p, &name, days).await {
        Ok((secret, _)) => {
            // Shown on this answer only: the store keeps its hash.
            let mut shown = page(&state, &p).await.map_err(|e| framed(&p, e))?;
            shown.new_secret = Some(secret);
            let mut res = html(StatusCode::CREATED, &shown);
            res.headers_mut().insert(
                axum::http::header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("no-store"),
            );
            Ok(res)
        }
        Err(problem) if problem.status == 422 => {
            shown.token_errors = errors_of(&problem, &["name", "expires_in_days"]);
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &shown))
        }
        Err(problem) => Err(framed(&p, problem)),
    }
}

async fn revoke_token(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> PageResult {
    check_csrf(&p, &FormData(form), &headers).map_err(|e| framed(&p, e))?;
    endpoints::revoke(&state, &p, &id)
        .await
        .map_err(|e| framed(&p, e))?;
    Ok(Redirect::to("/account").into_response())
}
