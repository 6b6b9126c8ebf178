//! What authentication keeps in the store: password hashes, sessions, API
//! tokens and login throttling.
//!
//! The store never sees a password or a token, only what the server derived
//! from them: an argon2id PHC string for a password, the SHA-256 (hex) of a
//! session or API token. Hashing, expiry rules and lockout policy are the
//! server's; the store keeps the rows, applies each change atomically and
//! shares them between every server process on the same database, so a
//! session, a lockout or a revoked token means the same thing behind any of
//! several load-balanced servers.
//!
//! Timestamps are RFC 3339 UTC text in the store's one form
//! ([`crate::timestamp_text`]), so text order is time order and callers pass
//! "now" in: the store reads no clock for these decisions.
//!
//! Changes to credentials and API tokens append to the audit log (without
//! any hash in the entry); sessions and throttle counters do not, as they
//! change on every request or failed login.

use async_trait::async_trait;
use rampart_domain::Id;

use crate::Result;

/// A user's password, as a hash, and the login name it answers to.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    /// The name typed at the login form; unique across the store.
    pub login: String,
    pub org: Id,
    pub user: Id,
    /// argon2id in PHC string form.
    pub password_hash: String,
    /// The user must choose a new password at the next login (a one-time
    /// password printed at first run).
    pub must_change: bool,
    pub updated_at: String,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("login", &self.login)
            .field("org", &self.org)
            .field("user", &self.user)
            .field("password_hash", &"<redacted>")
            .field("must_change", &self.must_change)
            .field("updated_at", &self.updated_at)
            .finish()
    }
}

/// A logged-in browser session.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    /// SHA-256 (hex) of the cookie's value; the value itself is never stored.
    pub token_hash: String,
    pub org: Id,
    pub user: Id,
    /// The synchroniser token that state-changing requests must echo.
    pub csrf_token: String,
    pub created_at: String,
    /// Last request seen; the server expires sessions idle for too long.
    pub last_seen_at: String,
    /// Absolute end, whatever the activity.
    pub expires_at: String,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("org", &self.org)
            .field("user", &self.user)
            .field("created_at", &self.created_at)
            .field("last_seen_at", &self.last_seen_at)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// A bearer token for automation.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiToken {
    /// Public identifier, shown in lists and used to revoke it.
    pub id: String,
    /// SHA-256 (hex) of the secret; the secret is shown once, at creation.
    pub token_hash: String,
    pub org: Id,
    pub user: Id,
    /// What it is for, in the owner's words.
    pub name: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    pub revoked: bool,
}

impl std::fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiToken")
            .field("id", &self.id)
            .field("org", &self.org)
            .field("user", &self.user)
            .field("name", &self.name)
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .field("revoked", &self.revoked)
            .finish_non_exhaustive()
    }
}

/// Failed logins counted against one key (a login name, or a client
/// address), and the lockout they led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Throttle {
    pub key: String,
    /// Failures since `window_start`.
    pub failures: i64,
    pub window_start: String,
    /// Logins under this key are refused until then.
    pub locked_until: Option<String>,
}

/// One failed login, as [`AuthStore::register_failure`] applies it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedLogin<'a> {
    pub key: &'a str,
    pub now: &'a str,
    /// A counting window that started before this is over: start again at 1.
    pub window_starts_after: &'a str,
    /// At this many failures in the window the key is locked...
    pub max_failures: i64,
    /// ... until then.
    pub lock_until: &'a str,
}

/// Authentication state, shared by every server on the database.
#[async_trait]
pub trait AuthStore: Send + Sync + std::fmt::Debug {
    /// Create or replace the credential of `(org, user)`. The user must
    /// exist; a login name already used by another user is
    /// `StoreError::AlreadyExists`. Audited without the hash.
    async fn set_credential(&self, actor: &str, credential: &Credential) -> Result<()>;

    async fn credential_by_login(&self, login: &str) -> Result<Option<Credential>>;

    async fn credential_of(&self, org: &Id, user: &Id) -> Result<Option<Credential>>;

    async fn insert_session(&self, session: &Session) -> Result<()>;

    async fn session(&self, token_hash: &str) -> Result<Option<Session>>;

    /// The session of `token_hash` with the stored record of its user (none
    /// when that record is gone), in one read: what every page request
    /// needs first.
    async fn session_with_user(
        &self,
        token_hash: &str,
    ) -> Result<Option<(Session, Option<crate::StoredRecord>)>>;

    /// Note activity on a session.
    async fn touch_session(&self, token_hash: &str, last_seen_at: &str) -> Result<()>;

    async fn delete_session(&self, token_hash: &str) -> Result<()>;

    /// End every session of a user (password change, account disabled).
    async fn delete_sessions_of(&self, org: &Id, user: &Id) -> Result<u64>;

    /// Remove sessions idle since before `idle_before` or past `expires_at`
    /// at `now`.
    async fn delete_expired_sessions(&self, idle_before: &str, now: &str) -> Result<u64>;

    /// Store a new token; audited without the hash.
    async fn insert_api_token(&self, actor: &str, token: &ApiToken) -> Result<()>;

    async fn api_token(&self, token_hash: &str) -> Result<Option<ApiToken>>;

    /// The token of `token_hash` with the stored record of its user (none
    /// when that record is gone), in one read: what every API request
    /// authenticated by a token needs first.
    async fn api_token_with_user(
        &self,
        token_hash: &str,
    ) -> Result<Option<(ApiToken, Option<crate::StoredRecord>)>>;

    /// A user's tokens, newest first, revoked ones included.
    async fn api_tokens_of(&self, org: &Id, user: &Id) -> Result<Vec<ApiToken>>;

    /// Revoke a token of the organisation; false if there is none with that id.
    async fn revoke_api_token(&self, actor: &str, org: &Id, id: &str) -> Result<bool>;

    async fn touch_api_token(&self, token_hash: &str, at: &str) -> Result<()>;

    /// Count one failed login, atomically (two servers counting at once
    /// both count), and return the state after it.
    async fn register_failure(&self, failure: &FailedLogin<'_>) -> Result<Throttle>;

    async fn throttle(&self, key: &str) -> Result<Option<Throttle>>;

    /// A successful login forgets the failures counted against `key`.
    async fn clear_throttle(&self, key: &str) -> Result<()>;
}

/// The audit text of a credential change: the login and whether a change is
/// due, never the hash (the log is read by more people than the hash should
/// be, and a hash in it would outlive a password change). Both backends
/// write it with this, so entries read the same whatever the database.
pub fn credential_audit_text(login: &str, must_change: bool) -> String {
    serde_json::json!({ "login": login, "must_change": must_change }).to_string()
}

/// The audit text of an API token: what it is, whose, until when and
/// whether it is revoked, never its hash.
pub fn api_token_audit_text(
    user: &str,
    name: &str,
    expires_at: Option<&str>,
    revoked: bool,
) -> String {
    serde_json::json!({
        "user": user,
        "name": name,
        "expires_at": expires_at,
        "revoked": revoked,
    })
    .to_string()
}

/// The error for a login name that another user already has. Login names
/// need not be ids (they may hold `@`), so the error names the login when it
/// is a valid id and otherwise the user who asked for it.
pub fn login_taken(credential: &Credential) -> crate::StoreError {
    crate::StoreError::AlreadyExists {
        kind: rampart_domain::EntityKind::User,
        id: Id::new(credential.login.clone()).unwrap_or_else(|_| credential.user.clone()),
    }
}

/// The columns of a token read with its user's record, as both backends
/// select them: the token's (id, hash, organisation, user, name, created,
/// expires, last used, revoked), then the record's (kind, id, site, body,
/// version, updated at, updated by), NULL when the record is gone.
pub type TokenUserRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    bool,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<String>,
);

/// The columns of a session read with its user's record: the session's
/// (hash, organisation, user, CSRF token, created, last seen, expires),
/// then the record's as in [`TokenUserRow`].
pub type SessionUserRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<String>,
);

/// An organisation id as read back from the store, checked.
pub fn org_id_from_row(id: String) -> Result<Id> {
    Id::new(id.clone()).map_err(|e| {
        crate::StoreError::Database(format!("stored organisation id {id:?} cannot be read: {e}"))
    })
}

/// A user id as read back from the store, checked.
pub fn user_id_from_row(id: String) -> Result<Id> {
    crate::key_from_row(rampart_domain::EntityKind::User.as_str(), id).map(|(_, id)| id)
}

type JoinedRecord = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<String>,
);

fn joined_record(c: JoinedRecord) -> Result<Option<crate::StoredRecord>> {
    match c {
        (Some(kind), Some(id), site, Some(body), Some(version), Some(at), Some(by)) => {
            crate::record_from_row(&kind, id, site, &body, version, at, by).map(Some)
        }
        _ => Ok(None),
    }
}

/// A token and its user's record from a [`TokenUserRow`].
pub fn token_user_from_row(r: TokenUserRow) -> Result<(ApiToken, Option<crate::StoredRecord>)> {
    let token = ApiToken {
        id: r.0,
        token_hash: r.1,
        org: org_id_from_row(r.2)?,
        user: user_id_from_row(r.3)?,
        name: r.4,
        created_at: r.5,
        expires_at: r.6,
        last_used_at: r.7,
        revoked: r.8,
    };
    Ok((
        token,
        joined_record((r.9, r.10, r.11, r.12, r.13, r.14, r.15))?,
    ))
}

/// A session and its user's record from a [`SessionUserRow`].
pub fn session_user_from_row(r: SessionUserRow) -> Result<(Session, Option<crate::StoredRecord>)> {
    let session = Session {
        token_hash: r.0,
        org: org_id_from_row(r.1)?,
        user: user_id_from_row(r.2)?,
        csrf_token: r.3,
        created_at: r.4,
        last_seen_at: r.5,
        expires_at: r.6,
    };
    Ok((
        session,
        joined_record((r.7, r.8, r.9, r.10, r.11, r.12, r.13))?,
    ))
}
