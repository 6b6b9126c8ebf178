-- Rampart store, SQLite schema 2: authentication state (see rampart_store::auth).
--
-- The store keeps only what the server derived from secrets: argon2id PHC
-- strings for passwords, SHA-256 (hex) of session and API tokens. Timestamps
-- are RFC 3339 UTC text in the store's one form, so text order is time order.
--
-- A user is a record of kind 'user'. Credentials, sessions and API tokens
-- point at that record by sequence number with ON DELETE CASCADE: deleting a
-- user (or replacing the organisation) takes its password, its sessions and
-- its tokens with it, so none can outlive the account it opens.

CREATE TABLE credentials (
    login         TEXT PRIMARY KEY NOT NULL,
    org_id        TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    user_seq      INTEGER NOT NULL REFERENCES records (seq) ON DELETE CASCADE,
    password_hash TEXT NOT NULL,
    must_change   INTEGER NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (org_id, user_id)
) STRICT;

CREATE INDEX credentials_by_user_seq ON credentials (user_seq);

CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY NOT NULL,
    org_id        TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    user_seq      INTEGER NOT NULL REFERENCES records (seq) ON DELETE CASCADE,
    csrf_token    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL,
    expires_at    TEXT NOT NULL
) STRICT;

CREATE INDEX sessions_by_user ON sessions (org_id, user_id);
CREATE INDEX sessions_by_user_seq ON sessions (user_seq);

CREATE TABLE api_tokens (
    id            TEXT PRIMARY KEY NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    org_id        TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    user_seq      INTEGER NOT NULL REFERENCES records (seq) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    expires_at    TEXT,
    last_used_at  TEXT,
    revoked       INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX api_tokens_by_user ON api_tokens (org_id, user_id);
CREATE INDEX api_tokens_by_user_seq ON api_tokens (user_seq);

-- Failed logins per key (a login name or a client address). No foreign key:
-- failures against logins that do not exist are counted too.
CREATE TABLE login_throttle (
    key           TEXT PRIMARY KEY NOT NULL,
    failures      INTEGER NOT NULL,
    window_start  TEXT NOT NULL,
    locked_until  TEXT
) STRICT;

-- Audit pages by organisation, kind and entity, newest first.
CREATE INDEX audit_log_by_entity ON audit_log (org_id, kind, entity_id, seq);
