//! Authentication: passwords, sessions, API tokens, CSRF and lockout.
//!
//! - Passwords are hashed with argon2id (the crate's defaults: 19 MiB,
//!   2 passes, 1 lane, OWASP's recommended minimum) and verified off the
//!   async threads. Unknown logins cost the same as known ones.
//! - A session is a random 256-bit value in an HttpOnly, SameSite=Strict
//!   cookie (Secure with the `__Host-` prefix behind TLS); the store keeps
//!   only its SHA-256. Every login makes a new one, so a value planted before
//!   login is worthless after. Sessions end when idle or at an absolute limit.
//! - State-changing requests made with a session cookie must echo the
//!   session's CSRF token (`X-CSRF-Token` header, or a `csrf_token` form
//!   field checked by the page handlers); on top, a cross-origin request is
//!   refused by `Sec-Fetch-Site` / `Origin` (see `layers`).
//! - API tokens (`Authorization: Bearer rmp_...`) are shown once and stored
//!   hashed, with an optional expiry; requests made with them need no CSRF
//!   token, as no browser sends them by itself.
//! - Failed logins count against the login name and the client address in
//!   the store, so every server behind a load balancer sees the lockout.

use std::net::SocketAddr;
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{Method, header};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use rampart_domain::{EntityKind, Id, User};
use rampart_store::{ApiToken, Credential, FailedLogin, Session, timestamp_text};
use sha2::{Digest, Sha256};

use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// The shortest password accepted (NIST SP 800-63B asks for at least 8; a
/// security product asks for more).
pub const MIN_PASSWORD_LEN: usize = 12;

pub fn hash_password(password: &str) -> ApiResult<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| Problem::internal("hashing a password", e))
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash to verify against when the login is unknown, so that the answer
/// takes as long as for a known login with a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password, never valid").unwrap_or_default())
}

/// Check a new password against the policy.
pub fn check_new_password(password: &str, login: &str) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(format!(
            "a password needs at least {MIN_PASSWORD_LEN} characters"
        ));
    }
    if password.len() > 1024 {
        return Err("a password is at most 1024 bytes".to_owned());
    }
    if password.eq_ignore_ascii_case(login) {
        return Err("the password must not be the login name".to_owned());
    }
    Ok(())
}

/// 256 random bits, hex.
pub fn random_secret() -> ApiResult<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| Problem::internal("reading randomness", e))?;
    Ok(hex::encode(bytes))
}

/// A one-time password a person can type: 20 characters from an alphabet
/// without look-alikes (about 110 bits).
pub fn random_password() -> ApiResult<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).map_err(|e| Problem::internal("reading randomness", e))?;
    // 256 is not a multiple of 55; the bias (under 0.5 %) costs a fraction of a bit.
    Ok(bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect())
}

pub fn token_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

pub const API_TOKEN_PREFIX: &str = "rmp_";

fn now() -> jiff::Timestamp {
    jiff::Timestamp::now()
}

fn at(t: jiff::Timestamp) -> String {
    timestamp_text(t)
}

fn plus(t: jiff::Timestamp, d: Duration) -> jiff::Timestamp {
    let span = jiff::SignedDuration::try_from(d).unwrap_or(jiff::SignedDuration::MAX);
    t.checked_add(span).unwrap_or(jiff::Timestamp::MAX)
}

fn minus(t: jiff::Timestamp, d: Duration) -> jiff::Timestamp {
    let span = jiff::SignedDuration::try_from(d).unwrap_or(jiff::SignedDuration::MAX);
    t.checked_sub(span).unwrap_or(jiff::Timestamp::MIN)
}

/// How a request proved who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    Session {
        token_hash: String,
        csrf_token: String,
    },
    ApiToken {
        id: String,
    },
}

/// The user behind a request, with the organisation they belong to.
#[derive(Debug, Clone)]
pub struct Principal {
    pub org: Id,
    pub user: User,
    pub via: Via,
}

impl Principal {
    pub fn actor(&self) -> String {
        match &self.via {
            Via::Session { .. } => format!("{}@web", self.user.id),
            Via::ApiToken { id } => format!("{}@api:{id}", self.user.id),
        }
    }

    pub fn csrf_token(&self) -> Option<&str> {
        match &self.via {
            Via::Session { csrf_token, .. } => Some(csrf_token),
            Via::ApiToken { .. } => None,
        }
    }

    pub fn may_see_site(&self, site: &Id) -> bool {
        self.user.may_see_site(site)
    }
}

/// The client address the lockout counts against.
pub fn client_address(parts: &Parts, trust_forwarded_for: bool) -> String {
    if trust_forwarded_for
        && let Some(first) = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
    {
        return first.trim().to_owned();
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// A request with no valid credentials: the API answers 401, pages send the
/// browser to the login form (see `ui`).
impl FromRequestParts<AppState> for Principal {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Principal> {
        if let Some(p) = parts.extensions.get::<Principal>() {
            return Ok(p.clone());
        }
        let principal = authenticate(parts, state).await?;
        if let Via::Session { csrf_token, .. } = &principal.via
            && !is_safe(&parts.method)
            && parts.uri.path().starts_with("/api/")
        {
            let sent = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !constant_time_eq(sent.as_bytes(), csrf_token.as_bytes()) {
                return Err(Problem::forbidden(
                    "a request made with a session cookie must carry the session's X-CSRF-Token header",
                ));
            }
        }
        parts.extensions.insert(principal.clone());
        Ok(principal)
    }
}

pub fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn authenticate(parts: &Parts, state: &AppState) -> ApiResult<Principal> {
    if let Some(auth) = parts.headers.get(header::AUTHORIZATION) {
        let value = auth
            .to_str()
            .map_err(|_| Problem::unauthorized("the Authorization header is not text"))?;
        let secret = value
            .strip_prefix("Bearer ")
            .filter(|s| s.starts_with(API_TOKEN_PREFIX))
            .ok_or_else(|| {
                Problem::unauthorized("use `Authorization: Bearer rmp_...` with an API token")
            })?;
        return authenticate_token(state, secret).await;
    }
    let jar = CookieJar::from_headers(&parts.headers);
    let Some(cookie) = jar.get(state.session_cookie_name()) else {
        return Err(Problem::unauthorized(
            "log in first (POST /api/v1/auth/login), or send an API token",
        ));
    };
    authenticate_session(state, cookie.value()).await
}

async fn authenticate_token(state: &AppState, secret: &str) -> ApiResult<Principal> {
    let hash = token_hash(secret);
    let invalid =
        || Problem::unauthorized("the API token is not valid, has expired or was revoked");
    let (token, user) = state
        .db
        .api_token_with_user(&hash)
        .await?
        .ok_or_else(invalid)?;
    let now_text = at(now());
    if token.revoked
        || token
            .expires_at
            .as_deref()
            .is_some_and(|e| e <= now_text.as_str())
    {
        return Err(invalid());
    }
    let user = enabled(user)?.ok_or_else(invalid)?;
    // Recording use is for the owner's list; an hour's precision is enough
    // and keeps automation from writing on every call.
    let stale = token
        .last_used_at
        .as_deref()
        .is_none_or(|t| t < at(minus(now(), Duration::from_secs(3600))).as_str());
    if stale {
        state.db.touch_api_token(&hash, &now_text).await?;
    }
    Ok(Principal {
        org: token.org,
        user,
        via: Via::ApiToken { id: token.id },
    })
}

async fn authenticate_session(state: &AppState, secret: &str) -> ApiResult<Principal> {
    let expired = || Problem::unauthorized("the session has ended; log in again");
    if secret.len() != 64 {
        return Err(expired());
    }
    let hash = token_hash(secret);
    let (session, user) = state
        .db
        .session_with_user(&hash)
        .await?
        .ok_or_else(expired)?;
    let t = now();
    let now_text = at(t);
    let idle_limit = at(minus(t, state.config.session_idle));
    if session.expires_at <= now_text || session.last_seen_at < idle_limit {
        state.db.delete_session(&hash).await?;
        return Err(expired());
    }
    let user = enabled(user)?.ok_or_else(expired)?;
    // Note activity once a minute, not on every request.
    if session.last_seen_at < at(minus(t, Duration::from_secs(60))) {
        state.db.touch_session(&hash, &now_text).await?;
    }
    Ok(Principal {
        org: session.org,
        user,
        via: Via::Session {
            token_hash: hash,
            csrf_token: session.csrf_token,
        },
    })
}

/// The user, if they exist and are not disabled.
/// The user of a stored record read with a token or a session, if the
/// account is still enabled.
fn enabled(stored: Option<rampart_store::StoredRecord>) -> ApiResult<Option<User>> {
    let Some(stored) = stored else {
        return Ok(None);
    };
    let user: User = stored.decode()?.value;
    Ok((!user.disabled).then_some(user))
}

async fn load_user(state: &AppState, org: &Id, user: &Id) -> ApiResult<Option<User>> {
    let Some(stored) = state
        .store()
        .get_record(org, EntityKind::User, user)
        .await?
    else {
        return Ok(None);
    };
    let user: User = stored.decode()?.value;
    Ok((!user.disabled).then_some(user))
}

/// What a successful login hands back.
#[derive(Debug)]
pub struct LoggedIn {
    pub cookie_secret: String,
    pub session: Session,
    pub user: User,
}

/// Why a login did not succeed.
#[derive(Debug)]
pub enum LoginRefused {
    Problem(Problem),
    /// The password was right, but it is a one-time password to replace.
    MustChange,
}

impl From<Problem> for LoginRefused {
    fn from(p: Problem) -> Self {
        LoginRefused::Problem(p)
    }
}

impl From<rampart_store::StoreError> for LoginRefused {
    fn from(e: rampart_store::StoreError) -> Self {
        LoginRefused::Problem(e.into())
    }
}

const BAD_LOGIN: &str = "the login name or the password is wrong";

/// Check a login and password, with lockout; on success, a new session.
pub async fn login(
    state: &AppState,
    login: &str,
    password: &str,
    address: &str,
    new_password: Option<&str>,
) -> Result<LoggedIn, LoginRefused> {
    let t = now();
    let now_text = at(t);
    let login_key = format!("login:{}", login.to_lowercase());
    let address_key = format!("address:{address}");
    for key in [&login_key, &address_key] {
        if let Some(th) = state.db.throttle(key).await?
            && let Some(until) = th.locked_until
            && until > now_text
        {
            state.metrics.login(false);
            let secs = jiff::Timestamp::strptime("%Y-%m-%dT%H:%M:%S%.fZ", &until)
                .map(|u| (u.as_second() - t.as_second()).max(1) as u64)
                .unwrap_or(60);
            return Err(Problem::too_many("too many failed logins; try again later", secs).into());
        }
    }
    let credential = state.db.credential_by_login(login).await?;
    let hash = credential
        .as_ref()
        .map(|c| c.password_hash.clone())
        .unwrap_or_else(|| decoy_hash().to_owned());
    let pw = password.to_owned();
    let ok = tokio::task::spawn_blocking(move || verify_password(&pw, &hash))
        .await
        .map_err(|e| Problem::internal("verifying a password", e))?;
    let user = match (&credential, ok) {
        (Some(c), true) => load_user(state, &c.org, &c.user).await?,
        _ => None,
    };
    let (Some(credential), Some(user)) = (credential, user) else {
        let lock_until = at(plus(t, state.config.lockout_for));
        let window = at(minus(t, state.config.lockout_window));
        for (key, max) in [
            (&login_key, state.config.max_login_failures),
            (&address_key, state.config.max_address_failures),
        ] {
            let th = state
                .db
                .register_failure(&FailedLogin {
                    key,
                    now: &now_text,
                    window_starts_after: &window,
                    max_failures: max,
                    lock_until: &lock_until,
                })
                .await?;
            if th.locked_until.as_deref() == Some(lock_until.as_str()) && th.failures == max {
                tracing::warn!(key = %key, "login locked after repeated failures");
            }
        }
        state.metrics.login(false);
        return Err(Problem::unauthorized(BAD_LOGIN).into());
    };
    if credential.must_change {
        let Some(new) = new_password else {
            return Err(LoginRefused::MustChange);
        };
        check_new_password(new, login).map_err(|m| Problem::field("/new_password", m))?;
        if new == password {
            return Err(Problem::field(
                "/new_password",
                "choose a password other than the one-time one",
            )
            .into());
        }
        set_password(
            state,
            &format!("{}@web", user.id),
            &credential.org,
            &user.id,
            login,
            new,
            false,
        )
        .await?;
    }
    state.db.clear_throttle(&login_key).await?;
    Ok(start_session(state, &credential.org, user).await?)
}

/// A new session for a user whose identity was just proved (by password,
/// or by single sign-on in `oidc`), counted as a successful login.
pub async fn start_session(state: &AppState, org: &Id, user: User) -> ApiResult<LoggedIn> {
    let t = now();
    let now_text = at(t);
    let cookie_secret = random_secret()?;
    let session = Session {
        token_hash: token_hash(&cookie_secret),
        org: org.clone(),
        user: user.id.clone(),
        csrf_token: random_secret()?,
        created_at: now_text.clone(),
        last_seen_at: now_text,
        expires_at: at(plus(t, state.config.session_absolute)),
    };
    state.db.insert_session(&session).await?;
    state.metrics.login(true);
    Ok(LoggedIn {
        cookie_secret,
        session,
        user,
    })
}

/// Hash and store a password for a user.
pub async fn set_password(
    state: &AppState,
    actor: &str,
    org: &Id,
    user: &Id,
    login: &str,
    password: &str,
    must_change: bool,
) -> ApiResult<()> {
    let pw = password.to_owned();
    let hash = tokio::task::spawn_blocking(move || hash_password(&pw))
        .await
        .map_err(|e| Problem::internal("hashing a password", e))??;
    state
        .db
        .set_credential(
            actor,
            &Credential {
                login: login.to_owned(),
                org: org.clone(),
                user: user.clone(),
                password_hash: hash,
                must_change,
                updated_at: at(now()),
            },
        )
        .await?;
    // A new password ends every other session of the account.
    state.db.delete_sessions_of(org, user).await?;
    Ok(())
}

/// Issue an API token; the secret is returned once and never stored.
pub async fn issue_token(
    state: &AppState,
    principal: &Principal,
    name: &str,
    expires_in_days: Option<u32>,
) -> ApiResult<(String, ApiToken)> {
    let secret = format!("{API_TOKEN_PREFIX}{}", random_secret()?);
    let t = now();
    let id = random_secret()?[..16].to_owned();
    let token = ApiToken {
        id,
        token_hash: token_hash(&secret),
        org: principal.org.clone(),
        user: principal.user.id.clone(),
        name: name.to_owned(),
        created_at: at(t),
        expires_at: expires_in_days
            .map(|d| at(plus(t, Duration::from_secs(u64::from(d) * 86_400)))),
        last_used_at: None,
        revoked: false,
    };
    state
        .db
        .insert_api_token(&principal.actor(), &token)
        .await?;
    Ok((secret, token))
}

/// The session cookie for a new session.
pub fn session_cookie(state: &AppState, secret: String) -> Cookie<'static> {
    let mut c = Cookie::new(state.session_cookie_name(), secret);
    c.set_http_only(true);
    c.set_same_site(SameSite::Strict);
    c.set_path("/");
    c.set_secure(state.config.secure_cookies);
    c
}

/// A cookie that removes the session cookie.
pub fn cleared_cookie(state: &AppState) -> Cookie<'static> {
    let mut c = session_cookie(state, String::new());
    c.make_removal();
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let h = hash_password("correct horse battery staple").unwrap();
        assert!(h.starts_with("$argon2id$v=19$"), "{h}");
        assert!(verify_password("correct horse battery staple", &h));
        assert!(!verify_password("correct horse battery stapler", &h));
        assert!(!verify_password("anything", "not a hash"));
        // Salted: the same password hashes differently each time.
        assert_ne!(h, hash_password("correct horse battery staple").unwrap());
    }

    #[test]
    fn the_password_policy_explains_itself() {
        assert!(
            check_new_password("short", "ann")
                .unwrap_err()
                .contains("12")
        );
        assert!(check_new_password("ann.smith.example", "ann.smith.example").is_err());
        assert!(check_new_password("a long enough passphrase", "ann").is_ok());
    }

    #[test]
    fn secrets_are_random_and_hashes_fixed() {
        let a = random_secret().unwrap();
        assert_eq!(a.len(), 64);
        assert_ne!(a, random_secret().unwrap());
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let p = random_password().unwrap();
        assert_eq!(p.chars().count(), 20);
        assert!(!p.contains(['0', 'O', 'l', '1', 'I']));
    }

    #[test]
    fn comparison_is_exact() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }
}
