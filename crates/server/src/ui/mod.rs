//! The server-rendered pages: askama templates (autoescaped) enhanced by
//! htmx, with every asset embedded in the binary.
//!
//! - Every page reads without JavaScript: links and forms are plain HTML;
//!   htmx only swaps the results of a filter form in place (and pushes the
//!   same URL, which renders the full page when loaded directly).
//! - The Content-Security-Policy allows scripts and styles from this server
//!   only, so there is no inline script, no `style` attribute and no
//!   `hx-on` (which needs eval): behaviour is in `assets/app.js`, looks in
//!   `assets/app.css`.
//! - Pages authenticate with the same session as the API. A page that needs
//!   a login sends the browser to `/login?next=...`. State-changing forms
//!   carry the session's CSRF token in a hidden `csrf_token` field, checked
//!   here (the API checks the `X-CSRF-Token` header instead); writes go
//!   through `resource::create_entity` / `update_entity`, so the pages obey
//!   exactly the API's rules.
//! - Every list can be downloaded as CSV (`?format=csv`), with cells that a
//!   spreadsheet would run as a formula defused.

pub(crate) mod acceptance;
mod account;
mod audits;
mod catalogue_forms;
mod countermeasures;
mod designs;
mod evidence;
mod forms;
mod pages;
mod reports;
mod users;
pub use pages::PAGE_TRIALS;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::CookieJar;
use serde::Serialize;

use crate::access;
use crate::auth::{self, LoginRefused, Principal, Via};
use crate::problem::Problem;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    let r = Router::new()
        .route("/assets/{file}", get(asset))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout));
    #[cfg(feature = "oidc")]
    let r = crate::oidc::routes(r);
    let r = pages::routes(r);
    let r = forms::routes(r);
    let r = designs::routes(r);
    let r = countermeasures::routes(r);
    let r = audits::routes(r);
    let r = acceptance::routes(r);
    let r = users::routes(r);
    let r = evidence::routes(r);
    reports::routes(account::routes(r))
}

// ------------------------------------------------------------ assets

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../assets/app.css"),
    },
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../assets/app.js"),
    },
    Asset {
        name: "htmx.min.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../assets/htmx.min.js"),
    },
    Asset {
        name: "htmx.LICENSE.txt",
        content_type: "text/plain; charset=utf-8",
        body: include_bytes!("../../assets/htmx.LICENSE.txt"),
    },
    Asset {
        name: "favicon.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("../../assets/favicon.svg"),
    },
];

/// A short fingerprint of the embedded assets, appended to their URLs so
/// that a long cache lifetime never serves an old file after an upgrade.
fn asset_version() -> &'static str {
    static V: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    V.get_or_init(|| {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for a in ASSETS {
            h.update(a.body);
        }
        hex::encode(h.finalize())[..12].to_owned()
    })
}

async fn asset(Path(file): Path<String>) -> Response {
    match ASSETS.iter().find(|a| a.name == file) {
        Some(a) => (
            [
                (header::CONTENT_TYPE, a.content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            a.body,
        )
            .into_response(),
        None => error_response(&Problem::not_found("there is no such file")),
    }
}

// ------------------------------------------------------------ layout

/// What every page's frame shows: the title, who is logged in, the
/// navigation and the CSRF token for htmx requests.
#[derive(Debug)]
pub struct Layout {
    pub title: String,
    pub user: Option<UserBar>,
    pub nav: Vec<NavItem>,
    pub csrf: String,
    pub v: &'static str,
}

#[derive(Debug)]
pub struct UserBar {
    pub name: String,
    pub role: &'static str,
    pub org: String,
}

#[derive(Debug)]
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

impl Layout {
    pub fn bare(title: impl Into<String>) -> Layout {
        Layout {
            title: title.into(),
            user: None,
            nav: Vec::new(),
            csrf: String::new(),
            v: asset_version(),
        }
    }

    /// The frame of a page for `p`; `section` is the navigation entry to mark.
    pub fn new(p: &Principal, title: impl Into<String>, section: &str) -> Layout {
        let mut nav = vec![
            ("/", "Dashboard"),
            ("/sites", "Sites"),
            ("/asset-register", "Assets"),
            ("/threats", "Threats"),
            ("/risks", "Risk register"),
            ("/controls", "Controls"),
            ("/devices", "Devices"),
            ("/protection", "Protection"),
            ("/coverage", "Coverage"),
            ("/audits", "Audits"),
            ("/inspections", "Inspections"),
            ("/acceptance", "Acceptance"),
            ("/people", "People"),
            ("/reports", "Reports"),
        ];
        if is_account_admin(p) {
            nav.push(("/users", "Users"));
            nav.push(("/roles", "Roles"));
        }
        if access::may_read_audit_log(&p.user) {
            nav.push(("/audit-log", "Audit log"));
        }
        Layout {
            title: title.into(),
            user: Some(UserBar {
                name: p.user.display_name.clone(),
                role: access::role_label(p.user.role),
                org: p.org.to_string(),
            }),
            nav: nav
                .into_iter()
                .map(|(href, label)| NavItem {
                    href,
                    label,
                    current: href == section,
                })
                .collect(),
            csrf: p.csrf_token().unwrap_or("").to_owned(),
            v: asset_version(),
        }
    }
}

pub fn is_account_admin(p: &Principal) -> bool {
    crate::users::is_account_admin(&p.user)
}

/// Render a template as an HTML answer.
pub fn html<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(body) => (status, Html(body)).into_response(),
        Err(e) => Problem::internal("rendering a page", e).into_response(),
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    status: u16,
    heading: String,
    detail: String,
}

fn error_response(p: &Problem) -> Response {
    error_page(p, Layout::bare(p.title.clone()))
}

fn error_page(p: &Problem, layout: Layout) -> Response {
    let heading = match p.status {
        403 => "You may not do this".to_owned(),
        404 => "Not found".to_owned(),
        409 => "Changed by someone else".to_owned(),
        _ => p.title.clone(),
    };
    let page = ErrorPage {
        layout,
        status: p.status,
        heading,
        detail: p.detail.clone(),
    };
    html(p.status(), &page)
}

/// A page handler's failure: an HTML error page (inside the frame when the
/// user is known).
#[derive(Debug)]
pub struct PageError(pub Problem, pub Option<Layout>);

impl From<Problem> for PageError {
    fn from(p: Problem) -> Self {
        PageError(p, None)
    }
}

impl From<rampart_store::StoreError> for PageError {
    fn from(e: rampart_store::StoreError) -> Self {
        PageError(e.into(), None)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let layout = self.1.unwrap_or_else(|| Layout::bare(self.0.title.clone()));
        error_page(&self.0, layout)
    }
}

pub type PageResult = Result<Response, PageError>;

// ------------------------------------------------------------ who is asking

/// The logged-in user of a page. Without a valid session the browser is
/// sent to the login form, which brings it back here afterwards.
#[derive(Debug)]
pub struct PageUser(pub Principal);

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match Principal::from_request_parts(parts, state).await {
            Ok(p) => Ok(PageUser(p)),
            Err(problem) if problem.status == 401 => {
                let here = parts
                    .uri
                    .path_and_query()
                    .map(|pq| pq.as_str().to_owned())
                    .unwrap_or_else(|| "/".to_owned());
                let target = if auth::is_safe(&parts.method) && here != "/" {
                    format!("/login?next={}", url_encode(&here))
                } else {
                    "/login".to_owned()
                };
                if parts.headers.contains_key("hx-request") {
                    // An XHR follows a redirect silently and would swap the
                    // login form into a table: tell htmx to load the page.
                    let mut res = StatusCode::OK.into_response();
                    if let Ok(v) = HeaderValue::from_str(&target) {
                        res.headers_mut().insert("hx-redirect", v);
                    }
                    return Err(res);
                }
                let res = Redirect::to(&target).into_response();
                Err(res)
            }
            Err(problem) => Err(error_response(&problem)),
        }
    }
}

/// Refuse a form that does not carry the session's CSRF token.
pub fn check_csrf(p: &Principal, form: &FormData, headers: &HeaderMap) -> Result<(), Problem> {
    let expected = p.csrf_token().unwrap_or("");
    let sent = form.get("csrf_token");
    let sent = if sent.is_empty() {
        headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    } else {
        sent
    };
    if !expected.is_empty() && auth::constant_time_eq(sent.as_bytes(), expected.as_bytes()) {
        Ok(())
    } else {
        Err(Problem::forbidden(
            "the form did not carry this session's security token; reload the page and try again",
        ))
    }
}

/// A submitted urlencoded form, in order, names repeated for multiple values.
#[derive(Debug, Clone, Default)]
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    /// Every value sent under `name` (ticked checkboxes), in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        let value = value.into();
        match self.0.iter_mut().find(|(k, _)| k == name) {
            Some(slot) => slot.1 = value,
            None => self.0.push((name.to_owned(), value)),
        }
    }
}

// ------------------------------------------------------------ login

/// Only a path on this server: one leading `/`, not `//` (another host) nor
/// `/\` (which some browsers read as `//`).
pub fn safe_next(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && next.len() <= 2000
        && !next.chars().any(|c| c.is_control());
    ok.then_some(next)
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    login: String,
    next: String,
    must_change: bool,
    error: Option<String>,
    login_error: Option<String>,
    password_error: Option<String>,
    new_password_error: Option<String>,
    locked: bool,
    min_len: usize,
    /// The single sign-on link, when it is set up.
    sso_href: Option<String>,
}

/// Whether single sign-on is set up (feature `oidc` and configured).
fn sso_enabled(state: &AppState) -> bool {
    #[cfg(feature = "oidc")]
    {
        state.config.oidc.is_some()
    }
    #[cfg(not(feature = "oidc"))]
    {
        let _ = state;
        false
    }
}

impl LoginPage {
    fn new(state: &AppState, next: &str) -> LoginPage {
        let next = safe_next(next).unwrap_or("");
        let sso_href = sso_enabled(state).then(|| {
            if next.is_empty() {
                "/auth/oidc/login".to_owned()
            } else {
                format!("/auth/oidc/login?next={}", url_encode(next))
            }
        });
        LoginPage {
            layout: Layout::bare("Log in"),
            login: String::new(),
            next: next.to_owned(),
            must_change: false,
            error: None,
            login_error: None,
            password_error: None,
            new_password_error: None,
            locked: false,
            min_len: auth::MIN_PASSWORD_LEN,
            sso_href,
        }
    }
}

async fn login_page(
    State(state): State<AppState>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let page = LoginPage::new(&state, q.get("next").map(String::as_str).unwrap_or(""));
    html(StatusCode::OK, &page)
}

async fn login_submit(
    State(state): State<AppState>,
    parts: Parts,
    jar: CookieJar,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let form = FormData(form);
    let mut page = LoginPage::new(&state, form.get("next"));
    let login = form.get("login").trim().to_owned();
    let password = form.get("password").to_owned();
    let new_password = form.get("new_password");
    page.login = login.clone();
    page.must_change = form.get("must_change") == "1";
    if login.is_empty() || login.len() > 128 {
        page.login_error = Some("Enter your login name.".to_owned());
    }
    if password.is_empty() || password.len() > 1024 {
        page.password_error = Some("Enter your password.".to_owned());
    }
    if page.must_change && new_password.is_empty() {
        page.new_password_error = Some("Choose a new password.".to_owned());
    }
    if page.login_error.is_some()
        || page.password_error.is_some()
        || page.new_password_error.is_some()
    {
        return html(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let address = auth::client_address(&parts, state.config.trust_forwarded_for);
    let new_pw = (page.must_change && !new_password.is_empty()).then_some(new_password);
    match auth::login(&state, &login, &password, &address, new_pw).await {
        Ok(done) => {
            let jar = jar.add(auth::session_cookie(&state, done.cookie_secret));
            let to = safe_next(form.get("next")).unwrap_or("/").to_owned();
            (jar, Redirect::to(&to)).into_response()
        }
        Err(LoginRefused::MustChange) => {
            page.must_change = true;
            page.error = Some(
                "This is a one-time password. Enter it again with the new password you choose."
                    .to_owned(),
            );
            html(StatusCode::OK, &page)
        }
        Err(LoginRefused::Problem(p)) => {
            let status = p.status();
            match p.status {
                429 => {
                    page.locked = true;
                    page.error = Some(
                        "Too many failed logins for this name or address. Logging in is locked for a while; try again later, or ask an administrator."
                            .to_owned(),
                    );
                }
                401 => {
                    page.password_error =
                        Some("The login name or the password is wrong.".to_owned())
                }
                422 => {
                    let msg = p
                        .errors
                        .first()
                        .map(|e| e.message.clone())
                        .unwrap_or(p.detail.clone());
                    page.new_password_error = Some(capitalise(&msg));
                }
                _ => page.error = Some(p.detail.clone()),
            }
            let mut res = html(status, &page);
            if let Some(secs) = p.retry_after
                && let Ok(v) = HeaderValue::from_str(&secs.to_string())
            {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            res
        }
    }
}

async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageUser(p): PageUser,
    jar: CookieJar,
    Form(form): Form<Vec<(String, String)>>,
) -> PageResult {
    check_csrf(&p, &FormData(form), &headers)?;
    if let Via::Session { token_hash, .. } = &p.via {
        state.db.delete_session(token_hash).await?;
    }
    let jar = jar.add(auth::cleared_cookie(&state));
    Ok((jar, Redirect::to("/login")).into_response())
}

// ------------------------------------------------------------ tables and CSV

/// One cell of a table: text, optionally a link and a style class.
#[derive(Debug, Clone, Default)]
pub struct Cell {
    pub text: String,
    pub href: Option<String>,
    /// A class from app.css (`level-high`, `status-degraded`, `num`).
    pub class: &'static str,
}

impl Cell {
    pub fn text(t: impl Into<String>) -> Cell {
        Cell {
            text: t.into(),
            ..Cell::default()
        }
    }
    pub fn link(t: impl Into<String>, href: impl Into<String>) -> Cell {
        Cell {
            text: t.into(),
            href: Some(href.into()),
            class: "",
        }
    }
    pub fn num(t: impl Into<String>) -> Cell {
        Cell {
            text: t.into(),
            href: None,
            class: "num",
        }
    }
    pub fn class(mut self, class: &'static str) -> Cell {
        self.class = class;
        self
    }
}

/// A table: what a list page shows and what its CSV export holds.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub caption: String,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
    /// What to say when there are no rows.
    pub empty: String,
}

impl Table {
    pub fn new(caption: impl Into<String>, headers: &[&'static str], empty: &str) -> Table {
        Table {
            caption: caption.into(),
            headers: headers.to_vec(),
            rows: Vec::new(),
            empty: empty.to_owned(),
        }
    }
}

/// A CSV cell that a spreadsheet will not run: text starting with `=`, `+`,
/// `-`, `@` (or a tab or carriage return) is prefixed with `'` (OWASP's
/// advice on CSV injection); then quoted as RFC 4180 says.
pub fn csv_cell(text: &str) -> String {
    let defused = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

/// The server's calendar day: what the pages date overdue work, expiries
/// and the forms' defaults by.
pub fn today() -> jiff::civil::Date {
    jiff::Zoned::now().date()
}

pub fn csv_response(name: &str, table: &Table) -> Response {
    let mut out = String::new();
    let line = |cells: Vec<String>| cells.join(",") + "\r\n";
    out.push_str(&line(table.headers.iter().map(|h| csv_cell(h)).collect()));
    for row in &table.rows {
        out.push_str(&line(row.iter().map(|c| csv_cell(&c.text)).collect()));
    }
    let date = today();
    let disposition = format!("attachment; filename=\"rampart-{name}-{date}.csv\"");
    let mut res = ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], out).into_response();
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

// ------------------------------------------------------------ small helpers

/// The label of a snake_case enum value (`out_of_service` -> `Out of service`).
pub fn label<T: Serialize>(v: &T) -> String {
    capitalise(&code(v).replace('_', " "))
}

/// The wire form of an enum value (`out_of_service`).
pub fn code<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Percent-encode a query value.
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Whether a request comes from htmx to update one part of the page (not a
/// history restore, which needs the whole page).
pub fn wants_fragment(headers: &HeaderMap, target: &str) -> bool {
    headers.get("hx-request").is_some()
        && headers.get("hx-history-restore-request").is_none()
        && headers
            .get("hx-target")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t == target)
}

/// Money in the organisation's currency, grouped by thousands.
pub fn money(v: f64, currency: &str) -> String {
    let whole = v.round() as i64;
    let digits = whole.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let sign = if whole < 0 { "-" } else { "" };
    format!("{sign}{currency} {grouped}")
}
