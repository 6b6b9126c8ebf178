//! The API routes that are not plain records: login and logout, the
//! current user, API tokens, passwords, the audit log, health and metrics.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum_extra::extract::cookie::CookieJar;
use rampart_domain::{EntityKind, Id, User};
use rampart_store::AuditQuery;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::access;
use crate::auth::{self, LoginRefused, Principal, Via};
use crate::openapi::{Api, Op, READ_ERRORS, WRITE_ERRORS, schema_ref};
use crate::problem::{ApiResult, Problem};
use crate::resource::json_problem;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(min_length = 1, max_length = 128)]
    pub login: String,
    #[schema(min_length = 1, max_length = 1024)]
    pub password: String,
    /// Required when the password is a one-time password: its replacement.
    #[serde(default)]
    pub new_password: Option<String>,
}

/// Who is logged in, and the token state-changing requests must echo.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionInfo {
    pub user: Me,
    /// Send it as `X-CSRF-Token` on every POST, PUT and DELETE.
    pub csrf_token: String,
    pub expires_at: String,
}

/// The current user.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub id: String,
    pub organisation: String,
    pub display_name: String,
    pub role: String,
    pub all_sites: bool,
    pub sites: Vec<String>,
}

impl Me {
    pub fn of(org: &Id, u: &User) -> Me {
        Me {
            id: u.id.to_string(),
            organisation: org.to_string(),
            display_name: u.display_name.clone(),
            role: access::role_name(u.role).to_owned(),
            all_sites: u.all_sites,
            sites: u.sites.iter().map(ToString::to_string).collect(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    #[schema(min_length = 1, max_length = 1024)]
    pub current_password: String,
    #[schema(min_length = 12, max_length = 1024)]
    pub new_password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordSet {
    /// The name the user logs in with; unique.
    #[schema(min_length = 1, max_length = 128)]
    pub login: String,
    #[schema(min_length = 12, max_length = 1024)]
    pub password: String,
    /// Make the user choose a new one at the next login.
    #[serde(default)]
    pub must_change: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// What the token is for.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// Days until it expires; none for no expiry.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 3650)]
    pub expires_in_days: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenInfo {
    pub id: String,
    pub name: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    pub revoked: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NewToken {
    /// The secret, shown this once: store it now.
    pub token: String,
    #[serde(flatten)]
    pub info: TokenInfo,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenList {
    pub items: Vec<TokenInfo>,
}

fn token_info(t: &rampart_store::ApiToken) -> TokenInfo {
    TokenInfo {
        id: t.id.clone(),
        name: t.name.clone(),
        created_at: t.created_at.clone(),
        expires_at: t.expires_at.clone(),
        last_used_at: t.last_used_at.clone(),
        revoked: t.revoked,
    }
}

/// One entry of the audit log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditItem {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub kind: String,
    pub entity_id: String,
    /// The content before the change, as stored (JSON text).
    pub before: Option<String>,
    pub after: Option<String>,
    pub hash: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditItem>,
    /// Pass as `before` for the next (older) page; null at the start of the log.
    pub next_before: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub status: String,
}

fn client(parts: &Parts, state: &AppState) -> String {
    auth::client_address(parts, state.config.trust_forwarded_for)
}

async fn login(
    State(state): State<AppState>,
    parts: Parts,
    jar: CookieJar,
    body: Result<Json<LoginRequest>, JsonRejection>,
) -> ApiResult<Response> {
    let Json(req) = body.map_err(json_problem)?;
    if req.login.len() > 128 || req.password.len() > 1024 {
        return Err(Problem::bad_request("the login or password is too long"));
    }
    let address = client(&parts, &state);
    match auth::login(
        &state,
        &req.login,
        &req.password,
        &address,
        req.new_password.as_deref(),
    )
    .await
    {
        Ok(done) => {
            let info = SessionInfo {
                user: Me::of(&done.session.org, &done.user),
                csrf_token: done.session.csrf_token.clone(),
                expires_at: done.session.expires_at.clone(),
            };
            // Replace whatever session cookie came in: a new session per login.
            let jar = jar.add(auth::session_cookie(&state, done.cookie_secret));
            Ok((jar, Json(info)).into_response())
        }
        Err(LoginRefused::MustChange) => Err(Problem::forbidden(
            "this is a one-time password: log in again with new_password set to the password you choose",
        )),
        Err(LoginRefused::Problem(p)) => Err(p),
    }
}

async fn logout(
    State(state): State<AppState>,
    principal: Principal,
    jar: CookieJar,
) -> ApiResult<Response> {
    if let Via::Session { token_hash, .. } = &principal.via {
        state.db.delete_session(token_hash).await?;
    }
    let jar = jar.add(auth::cleared_cookie(&state));
    Ok((jar, StatusCode::NO_CONTENT).into_response())
}

async fn me(principal: Principal) -> Json<Me> {
    Json(Me::of(&principal.org, &principal.user))
}

async fn change_password(
    State(state): State<AppState>,
    principal: Principal,
    body: Result<Json<PasswordChange>, JsonRejection>,
) -> ApiResult<StatusCode> {
    let Json(req) = body.map_err(json_problem)?;
    change_own_password(&state, &principal, &req.current_password, &req.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Change the principal's own password, given the current one (the API's
/// and the account page's one path). Field errors name `/current_password`
/// and `/new_password`. Every session of the account ends.
pub(crate) async fn change_own_password(
    state: &AppState,
    principal: &Principal,
    current: &str,
    new: &str,
) -> ApiResult<()> {
    let cred = state
        .db
        .credential_of(&principal.org, &principal.user.id)
        .await?
        .ok_or_else(|| Problem::conflict("this account has no password to change"))?;
    let (pw, hash) = (current.to_owned(), cred.password_hash.clone());
    let ok = tokio::task::spawn_blocking(move || auth::verify_password(&pw, &hash))
        .await
        .map_err(|e| Problem::internal("verifying a password", e))?;
    if !ok {
        return Err(Problem::field(
            "/current_password",
            "the current password is wrong",
        ));
    }
    auth::check_new_password(new, &cred.login).map_err(|m| Problem::field("/new_password", m))?;
    auth::set_password(
        state,
        &principal.actor(),
        &principal.org,
        &principal.user.id,
        &cred.login,
        new,
        false,
    )
    .await
}

async fn set_user_password(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    body: Result<Json<PasswordSet>, JsonRejection>,
) -> ApiResult<StatusCode> {
    crate::users::require_account_admin(&principal)?;
    let Json(req) = body.map_err(json_problem)?;
    set_password_of(
        &state,
        &principal,
        &id,
        &req.login,
        &req.password,
        req.must_change,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Set the login and password of user `id` (the API's and the Users
/// page's one path): only an administrator of every site; field errors
/// name `/login` and `/password`. Every session of the account ends.
pub(crate) async fn set_password_of(
    state: &AppState,
    principal: &Principal,
    id: &str,
    login: &str,
    password: &str,
    must_change: bool,
) -> ApiResult<()> {
    crate::users::require_account_admin(principal)?;
    let missing = || Problem::not_found(format!("there is no user {id:?}"));
    let id = Id::new(id).map_err(|_| missing())?;
    if state
        .store()
        .get_record(&principal.org, EntityKind::User, &id)
        .await?
        .is_none()
    {
        return Err(missing());
    }
    let login = login.trim();
    if login.is_empty() || login.len() > 128 || login.chars().any(char::is_whitespace) {
        return Err(Problem::field(
            "/login",
            "a login is 1 to 128 characters without spaces",
        ));
    }
    auth::check_new_password(password, login).map_err(|m| Problem::field("/password", m))?;
    auth::set_password(
        state,
        &principal.actor(),
        &principal.org,
        &id,
        login,
        password,
        must_change,
    )
    .await
}

async fn list_tokens(
    State(state): State<AppState>,
    principal: Principal,
) -> ApiResult<Json<TokenList>> {
    let tokens = state
        .db
        .api_tokens_of(&principal.org, &principal.user.id)
        .await?;
    Ok(Json(TokenList {
        items: tokens.iter().map(token_info).collect(),
    }))
}

async fn create_token(
    State(state): State<AppState>,
    principal: Principal,
    body: Result<Json<TokenRequest>, JsonRejection>,
) -> ApiResult<Response> {
    let Json(req) = body.map_err(json_problem)?;
    let (secret, token) = new_token(&state, &principal, &req.name, req.expires_in_days).await?;
    Ok((
        StatusCode::CREATED,
        Json(NewToken {
            token: secret,
            info: token_info(&token),
        }),
    )
        .into_response())
}

/// Issue the principal an API token after checking the request (the API's
/// and the account page's one path): field errors name `/name` and
/// `/expires_in_days`.
pub(crate) async fn new_token(
    state: &AppState,
    principal: &Principal,
    name: &str,
    expires_in_days: Option<u32>,
) -> ApiResult<(String, rampart_store::ApiToken)> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Problem::field(
            "/name",
            "a token's name is 1 to 100 characters",
        ));
    }
    if let Some(d) = expires_in_days
        && !(1..=3650).contains(&d)
    {
        return Err(Problem::field("/expires_in_days", "from 1 to 3650 days"));
    }
    auth::issue_token(state, principal, name, expires_in_days).await
}

async fn revoke_token(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    revoke(&state, &principal, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Revoke one of the principal's tokens (any token, for an administrator
/// of every site).
pub(crate) async fn revoke(state: &AppState, principal: &Principal, id: &str) -> ApiResult<()> {
    let mine = state
        .db
        .api_tokens_of(&principal.org, &principal.user.id)
        .await?;
    let is_admin = principal.user.role == rampart_domain::Role::Admin && principal.user.all_sites;
    if !is_admin && !mine.iter().any(|t| t.id == id) {
        return Err(Problem::not_found(format!("you have no token {id:?}")));
    }
    if state
        .db
        .revoke_api_token(&principal.actor(), &principal.org, id)
        .await?
    {
        Ok(())
    } else {
        Err(Problem::not_found(format!("there is no token {id:?}")))
    }
}

async fn audit_log(
    State(state): State<AppState>,
    principal: Principal,
    Query(params): Query<BTreeMap<String, String>>,
) -> ApiResult<Json<AuditPage>> {
    if !access::may_read_audit_log(&principal.user) {
        return Err(Problem::forbidden(
            "the audit log is for administrators and security managers with access to every site",
        ));
    }
    // Without content unless asked: an import's entry holds a whole
    // organisation. One entry's content is at /api/v1/audit-log/{seq}.
    let mut q = AuditQuery {
        org: Some(principal.org.clone()),
        limit: 50,
        without_content: true,
        ..AuditQuery::default()
    };
    for (k, v) in &params {
        let bad = |what: &str| Problem::bad_request(format!("{k}: {what}, got {v:?}"));
        match k.as_str() {
            "kind" => q.kind = Some(v.clone()),
            "entity" => q.entity_id = Some(v.clone()),
            "actor" => q.actor = Some(v.clone()),
            "before" => {
                q.before = Some(
                    v.parse()
                        .ok()
                        .filter(|n: &i64| *n >= 1)
                        .ok_or_else(|| bad("a sequence number from 1"))?,
                )
            }
            "limit" => {
                q.limit = v
                    .parse()
                    .ok()
                    .filter(|n| (1..=500).contains(n))
                    .ok_or_else(|| bad("a whole number from 1 to 500"))?
            }
            "content" => {
                q.without_content = match v.as_str() {
                    "true" => false,
                    "false" => true,
                    _ => return Err(bad("true or false")),
                }
            }
            _ => {
                return Err(Problem::bad_request(format!(
                    "unknown query parameter {k:?}; the audit log takes kind, entity, actor, before, limit, content"
                )));
            }
        }
    }
    let entries = state.store().audit_page(&q).await?;
    let next_before = if entries.len() as i64 == q.limit {
        entries.last().map(|e| e.seq).filter(|s| *s > 1)
    } else {
        None
    };
    Ok(Json(AuditPage {
        items: entries.into_iter().map(audit_item).collect(),
        next_before,
    }))
}

fn audit_item(e: rampart_store::AuditEntry) -> AuditItem {
    AuditItem {
        seq: e.seq,
        at: e.at,
        actor: e.actor,
        action: e.action,
        kind: e.kind,
        entity_id: e.entity_id,
        before: e.before,
        after: e.after,
        hash: e.hash,
    }
}

/// One entry of the audit log, with the content before and after.
async fn audit_entry(
    State(state): State<AppState>,
    principal: Principal,
    Path(seq): Path<String>,
) -> ApiResult<Json<AuditItem>> {
    if !access::may_read_audit_log(&principal.user) {
        return Err(Problem::forbidden(
            "the audit log is for administrators and security managers with access to every site",
        ));
    }
    let missing = || Problem::not_found(format!("there is no audit entry {seq:?}"));
    let n: i64 = seq.parse().ok().filter(|n| *n >= 1).ok_or_else(missing)?;
    let q = AuditQuery {
        org: Some(principal.org.clone()),
        before: n.checked_add(1),
        limit: 1,
        ..AuditQuery::default()
    };
    let entry = state
        .store()
        .audit_page(&q)
        .await?
        .into_iter()
        .find(|e| e.seq == n)
        .ok_or_else(missing)?;
    Ok(Json(audit_item(entry)))
}

async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok".to_owned(),
    })
}

async fn readyz(State(state): State<AppState>) -> Response {
    match state.store().organisations().await {
        Ok(_) => Json(Health {
            status: "ready".to_owned(),
        })
        .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready: the database does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "the database does not answer".to_owned(),
                }),
            )
                .into_response()
        }
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}

/// Register the non-record routes.
pub fn register(api: &mut Api) {
    let login_req = api.schema::<LoginRequest>();
    let session = api.schema::<SessionInfo>();
    let me_s = api.schema::<Me>();
    let pw_change = api.schema::<PasswordChange>();
    let pw_set = api.schema::<PasswordSet>();
    let token_req = api.schema::<TokenRequest>();
    let token_list = api.schema::<TokenList>();
    let _ = api.schema::<TokenInfo>();
    let new_token = api.raw_schema(
        "NewToken",
        json!({"allOf": [schema_ref("TokenInfo"), {"type": "object", "required": ["token"], "properties": {"token": {"type": "string", "description": "The secret, shown this once."}}}]}),
    );
    let audit = api.schema::<AuditPage>();
    let audit_entry_schema = api.schema::<AuditItem>();
    let health = api.schema::<Health>();

    api.route(
        "/api/v1/auth/login",
        "post",
        Op::new("login", "auth", "Log in")
            .describe("Starts a session: sets an HttpOnly, SameSite=Strict session cookie and returns the CSRF token. Repeated failures lock the login name and the client address for a while (429).")
            .public()
            .body(login_req, "The login name and password.")
            .answers(200, "Logged in.", Some(session))
            .errors(&[400, 401, 403, 413, 415, 422, 429]),
        post(login),
    );
    api.route(
        "/api/v1/auth/logout",
        "post",
        Op::new("logout", "auth", "Log out")
            .describe("Ends the session and clears its cookie.")
            .answers(204, "Logged out.", None)
            .errors(&[401, 403]),
        post(logout),
    );
    api.route(
        "/api/v1/auth/password",
        "post",
        Op::new("change_password", "auth", "Change your password")
            .describe("Ends every session of the account, this one included.")
            .body(pw_change, "The current and the new password.")
            .answers(204, "Changed.", None)
            .errors(&[400, 401, 403, 409, 413, 415, 422]),
        post(change_password),
    );
    api.route(
        "/api/v1/me",
        "get",
        Op::new("me", "auth", "Who am I")
            .answers(200, "The current user.", Some(me_s))
            .errors(&[401]),
        get(me),
    );
    api.route(
        "/api/v1/users/{id}/password",
        "put",
        Op::new(
            "set_user_password",
            "users",
            "Set a user's login and password",
        )
        .param(
            "id",
            "path",
            true,
            json!({"type": "string"}),
            "The user's id.",
        )
        .body(pw_set, "The login name and the password.")
        .answers(204, "Set.", None)
        .errors(WRITE_ERRORS),
        put(set_user_password),
    );
    api.route(
        "/api/v1/tokens",
        "get",
        Op::new("list_tokens", "auth", "Your API tokens")
            .answers(
                200,
                "Tokens, newest first, without their secrets.",
                Some(token_list),
            )
            .errors(&[401]),
        get(list_tokens),
    );
    api.route(
        "/api/v1/tokens",
        "post",
        Op::new("create_token", "auth", "Create an API token")
            .describe("The secret is in the answer, once; only its hash is kept.")
            .body(token_req, "A name and an optional expiry.")
            .answers(201, "Created.", Some(new_token))
            .errors(&[400, 401, 403, 413, 415, 422]),
        post(create_token),
    );
    api.route(
        "/api/v1/tokens/{id}",
        "delete",
        Op::new("revoke_token", "auth", "Revoke an API token")
            .param(
                "id",
                "path",
                true,
                json!({"type": "string"}),
                "The token's id.",
            )
            .answers(204, "Revoked.", None)
            .errors(&[401, 403, 404]),
        delete(revoke_token),
    );
    api.route(
        "/api/v1/audit-log",
        "get",
        Op::new("audit_log", "audit", "Read the audit log")
            .describe("Newest first. Every change is hash-chained; `rampart audit-log verify` checks the chain.")
            .param("kind", "query", false, json!({"type": "string", "maxLength": 64}), "Only entries of this kind (asset, risk, credential, ...).")
            .param("entity", "query", false, json!({"type": "string", "maxLength": 64}), "Only entries of this entity id.")
            .param("actor", "query", false, json!({"type": "string", "maxLength": 200}), "Only entries by this actor.")
            .param("before", "query", false, json!({"type": "integer", "minimum": 1}), "Only entries older than this sequence number.")
            .param("limit", "query", false, json!({"type": "integer", "minimum": 1, "maximum": 500, "default": 50}), "Page size.")
            .param("content", "query", false, json!({"type": "boolean", "default": false}), "Include each entry's content before and after (an import's entry holds a whole organisation); otherwise `before` and `after` are null and /api/v1/audit-log/{seq} gives one entry's.")
            .answers(200, "A page of entries.", Some(audit))
            .errors(READ_ERRORS),
        get(audit_log),
    );
    api.route(
        "/api/v1/audit-log/{seq}",
        "get",
        Op::new(
            "audit_entry",
            "audit",
            "Read one audit entry with its content",
        )
        .param(
            "seq",
            "path",
            true,
            json!({"type": "integer", "minimum": 1}),
            "The entry's sequence number.",
        )
        .answers(
            200,
            "The entry, with the content before and after the change.",
            Some(audit_entry_schema),
        )
        .errors(READ_ERRORS),
        get(audit_entry),
    );
    api.route(
        "/healthz",
        "get",
        Op::new("healthz", "operations", "Liveness")
            .public()
            .answers(200, "The process is up.", Some(health.clone())),
        get(healthz),
    );
    api.route(
        "/readyz",
        "get",
        Op::new("readyz", "operations", "Readiness")
            .public()
            .answers(200, "The database answers.", Some(health.clone()))
            .answers(503, "The database does not answer.", Some(health)),
        get(readyz),
    );
    api.route(
        "/metrics",
        "get",
        Op::new("metrics", "operations", "Prometheus metrics")
            .public()
            .answers_as(
                200,
                "Metrics in the Prometheus text format.",
                Some(("text/plain", json!({"type": "string"}))),
            ),
        get(metrics),
    );
}
