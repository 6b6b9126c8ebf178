//! Authentication state in SQLite: credentials, sessions, API tokens and
//! login throttling (see [`rampart_store::auth`]).
//!
//! Credential and token changes are write transactions (`BEGIN IMMEDIATE`)
//! that append to the audit chain like every other change; sessions and
//! throttle counters are single statements, atomic on their own.

use async_trait::async_trait;
use rampart_domain::{EntityKind, Id};
use rampart_store::auth::{api_token_audit_text, credential_audit_text, login_taken};
use rampart_store::{
    ApiToken, AuthStore, ChangeAction, Credential, FailedLogin, Result, Session, StoreError,
    Throttle, key_from_row, now_text,
};
use sqlx::{Sqlite, Transaction};

use crate::{SqliteStore, append_audit, audit_head, db};

/// A user id as read back from the store, checked.
fn user_id(id: String) -> Result<Id> {
    key_from_row(EntityKind::User.as_str(), id).map(|(_, id)| id)
}

fn org_id(id: String) -> Result<Id> {
    Id::new(id.clone()).map_err(|e| {
        StoreError::Database(format!("stored organisation id {id:?} cannot be read: {e}"))
    })
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.is_unique_violation())
}

/// The sequence number of the user record `(org, user)`: what credentials,
/// sessions and tokens hang on, so that they go when the user goes.
async fn user_seq(tx: &mut Transaction<'_, Sqlite>, org: &Id, user: &Id) -> Result<i64> {
    let (o, u) = (org.as_str(), user.as_str());
    sqlx::query_scalar!(
        r#"SELECT seq AS "seq!: i64" FROM records WHERE org_id = ?1 AND kind = 'user' AND id = ?2"#,
        o,
        u
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(db)?
    .ok_or_else(|| StoreError::NotFound {
        kind: EntityKind::User,
        id: user.clone(),
    })
}

#[allow(clippy::too_many_arguments)]
fn token(
    id: String,
    token_hash: String,
    org: String,
    user: String,
    name: String,
    created_at: String,
    expires_at: Option<String>,
    last_used_at: Option<String>,
    revoked: bool,
) -> Result<ApiToken> {
    Ok(ApiToken {
        id,
        token_hash,
        org: org_id(org)?,
        user: user_id(user)?,
        name,
        created_at,
        expires_at,
        last_used_at,
        revoked,
    })
}

impl SqliteStore {
    /// The row `sql` gives for a token's hash (its `?1`). Every request
    /// asks this (its session or API token, with the user): through the
    /// reader, on the caller's thread, when there is one.
    async fn by_token_hash<T>(&self, sql: &'static str, hash: &str) -> Result<Option<T>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + for<'a> TryFrom<&'a rusqlite::Row<'a>, Error = rusqlite::Error>
            + Send
            + Unpin,
    {
        match &self.reader {
            Some(reader) => {
                reader.one(sql, &[rusqlite::types::Value::Text(hash.to_owned())], |r| {
                    T::try_from(r)
                })
            }
            None => sqlx::query_as(sql)
                .bind(hash)
                .fetch_optional(&self.pool)
                .await
                .map_err(db),
        }
    }
}

#[async_trait]
impl AuthStore for SqliteStore {
    async fn set_credential(&self, actor: &str, c: &Credential) -> Result<()> {
        let now = now_text();
        let (o, u) = (c.org.as_str(), c.user.as_str());
        let mut tx = self.write_tx().await?;
        let seq = user_seq(&mut tx, &c.org, &c.user).await?;
        let holder = sqlx::query!(
            "SELECT org_id, user_id FROM credentials WHERE login = ?1",
            c.login
        )
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        if holder.is_some_and(|h| h.org_id != o || h.user_id != u) {
            return Err(login_taken(c));
        }
        let old = sqlx::query!(
            r#"SELECT login, must_change AS "must_change!: bool" FROM credentials WHERE org_id = ?1 AND user_id = ?2"#,
            o,
            u
        )
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        // Replace whole: the login may change with the password.
        sqlx::query!(
            "DELETE FROM credentials WHERE org_id = ?1 AND user_id = ?2",
            o,
            u
        )
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query!(
            r#"INSERT INTO credentials (login, org_id, user_id, user_seq, password_hash, must_change, updated_at)
               VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"#,
            c.login,
            o,
            u,
            seq,
            c.password_hash,
            c.must_change,
            c.updated_at
        )
        .execute(&mut *tx)
        .await
        .map_err(|e| if is_unique_violation(&e) { login_taken(c) } else { db(e) })?;
        let before = old.map(|old| credential_audit_text(&old.login, old.must_change));
        let action = if before.is_some() {
            ChangeAction::Update
        } else {
            ChangeAction::Create
        };
        let after = credential_audit_text(&c.login, c.must_change);
        let mut chain = audit_head(&mut tx).await?;
        let entry = chain.append(&now, actor, action, o, "credential", u, before, Some(after));
        append_audit(&mut tx, &entry).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn credential_by_login(&self, login: &str) -> Result<Option<Credential>> {
        let row = sqlx::query!(
            r#"SELECT login, org_id, user_id, password_hash, must_change AS "must_change!: bool", updated_at
               FROM credentials WHERE login = ?1"#,
            login
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.map(|r| {
            Ok(Credential {
                login: r.login,
                org: org_id(r.org_id)?,
                user: user_id(r.user_id)?,
                password_hash: r.password_hash,
                must_change: r.must_change,
                updated_at: r.updated_at,
            })
        })
        .transpose()
    }

    async fn credential_of(&self, org: &Id, user: &Id) -> Result<Option<Credential>> {
        let (o, u) = (org.as_str(), user.as_str());
        let row = sqlx::query!(
            r#"SELECT login, org_id, user_id, password_hash, must_change AS "must_change!: bool", updated_at
               FROM credentials WHERE org_id = ?1 AND user_id = ?2"#,
            o,
            u
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.map(|r| {
            Ok(Credential {
                login: r.login,
                org: org_id(r.org_id)?,
                user: user_id(r.user_id)?,
                password_hash: r.password_hash,
                must_change: r.must_change,
                updated_at: r.updated_at,
            })
        })
        .transpose()
    }

    async fn insert_session(&self, s: &Session) -> Result<()> {
        let (o, u) = (s.org.as_str(), s.user.as_str());
        // One statement: the user's row is looked up and referenced at once.
        let inserted = sqlx::query!(
            r#"INSERT INTO sessions (token_hash, org_id, user_id, user_seq, csrf_token, created_at, last_seen_at, expires_at)
               SELECT ?1, ?2, ?3, seq, ?4, ?5, ?6, ?7 FROM records WHERE org_id = ?2 AND kind = 'user' AND id = ?3"#,
            s.token_hash,
            o,
            u,
            s.csrf_token,
            s.created_at,
            s.last_seen_at,
            s.expires_at
        )
        .execute(&self.pool)
        .await
        .map_err(db)?
        .rows_affected();
        if inserted == 0 {
            return Err(StoreError::NotFound {
                kind: EntityKind::User,
                id: s.user.clone(),
            });
        }
        Ok(())
    }

    async fn session_with_user(
        &self,
        token_hash: &str,
    ) -> Result<Option<(Session, Option<rampart_store::StoredRecord>)>> {
        const SQL: &str = "SELECT s.token_hash, s.org_id, s.user_id, s.csrf_token, s.created_at, \
                s.last_seen_at, s.expires_at, r.kind, r.id, r.site_id, r.body, r.version, \
                r.updated_at, r.updated_by \
             FROM sessions s LEFT JOIN records r \
               ON r.org_id = s.org_id AND r.kind = 'user' AND r.id = s.user_id \
             WHERE s.token_hash = ?1";
        let row: Option<rampart_store::auth::SessionUserRow> =
            self.by_token_hash(SQL, token_hash).await?;
        row.map(rampart_store::auth::session_user_from_row)
            .transpose()
    }

    async fn session(&self, token_hash: &str) -> Result<Option<Session>> {
        let row = sqlx::query!(
            r#"SELECT token_hash, org_id, user_id, csrf_token, created_at, last_seen_at, expires_at
               FROM sessions WHERE token_hash = ?1"#,
            token_hash
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.map(|r| {
            Ok(Session {
                token_hash: r.token_hash,
                org: org_id(r.org_id)?,
                user: user_id(r.user_id)?,
                csrf_token: r.csrf_token,
                created_at: r.created_at,
                last_seen_at: r.last_seen_at,
                expires_at: r.expires_at,
            })
        })
        .transpose()
    }

    async fn touch_session(&self, token_hash: &str, last_seen_at: &str) -> Result<()> {
        // Only forwards: two requests finishing out of order keep the later time.
        sqlx::query!(
            "UPDATE sessions SET last_seen_at = ?2 WHERE token_hash = ?1 AND last_seen_at < ?2",
            token_hash,
            last_seen_at
        )
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query!("DELETE FROM sessions WHERE token_hash = ?1", token_hash)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn delete_sessions_of(&self, org: &Id, user: &Id) -> Result<u64> {
        let (o, u) = (org.as_str(), user.as_str());
        sqlx::query!(
            "DELETE FROM sessions WHERE org_id = ?1 AND user_id = ?2",
            o,
            u
        )
        .execute(&self.pool)
        .await
        .map(|r| r.rows_affected())
        .map_err(db)
    }

    async fn delete_expired_sessions(&self, idle_before: &str, now: &str) -> Result<u64> {
        sqlx::query!(
            "DELETE FROM sessions WHERE last_seen_at < ?1 OR expires_at <= ?2",
            idle_before,
            now
        )
        .execute(&self.pool)
        .await
        .map(|r| r.rows_affected())
        .map_err(db)
    }

    async fn insert_api_token(&self, actor: &str, t: &ApiToken) -> Result<()> {
        let now = now_text();
        let (o, u) = (t.org.as_str(), t.user.as_str());
        let mut tx = self.write_tx().await?;
        let seq = user_seq(&mut tx, &t.org, &t.user).await?;
        sqlx::query!(
            r#"INSERT INTO api_tokens (id, token_hash, org_id, user_id, user_seq, name, created_at, expires_at, last_used_at, revoked)
               VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"#,
            t.id,
            t.token_hash,
            o,
            u,
            seq,
            t.name,
            t.created_at,
            t.expires_at,
            t.last_used_at,
            t.revoked
        )
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::Database(format!("API token {:?} already exists", t.id))
            } else {
                db(e)
            }
        })?;
        let after = api_token_audit_text(u, &t.name, t.expires_at.as_deref(), t.revoked);
        let mut chain = audit_head(&mut tx).await?;
        let entry = chain.append(
            &now,
            actor,
            ChangeAction::Create,
            o,
            "api_token",
            &t.id,
            None,
            Some(after),
        );
        append_audit(&mut tx, &entry).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn api_token(&self, token_hash: &str) -> Result<Option<ApiToken>> {
        let row = sqlx::query!(
            r#"SELECT id, token_hash, org_id, user_id, name, created_at, expires_at, last_used_at, revoked AS "revoked!: bool"
               FROM api_tokens WHERE token_hash = ?1"#,
            token_hash
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.map(|r| {
            token(
                r.id,
                r.token_hash,
                r.org_id,
                r.user_id,
                r.name,
                r.created_at,
                r.expires_at,
                r.last_used_at,
                r.revoked,
            )
        })
        .transpose()
    }

    async fn api_token_with_user(
        &self,
        token_hash: &str,
    ) -> Result<Option<(ApiToken, Option<rampart_store::StoredRecord>)>> {
        const SQL: &str = "SELECT t.id, t.token_hash, t.org_id, t.user_id, t.name, t.created_at, \
                t.expires_at, t.last_used_at, t.revoked, r.kind, r.id, r.site_id, r.body, \
                r.version, r.updated_at, r.updated_by \
             FROM api_tokens t LEFT JOIN records r \
               ON r.org_id = t.org_id AND r.kind = 'user' AND r.id = t.user_id \
             WHERE t.token_hash = ?1";
        let row: Option<rampart_store::auth::TokenUserRow> =
            self.by_token_hash(SQL, token_hash).await?;
        row.map(rampart_store::auth::token_user_from_row)
            .transpose()
    }

    async fn api_tokens_of(&self, org: &Id, user: &Id) -> Result<Vec<ApiToken>> {
        let (o, u) = (org.as_str(), user.as_str());
        let rows = sqlx::query!(
            r#"SELECT id, token_hash, org_id, user_id, name, created_at, expires_at, last_used_at, revoked AS "revoked!: bool"
               FROM api_tokens WHERE org_id = ?1 AND user_id = ?2
               ORDER BY created_at DESC, rowid DESC"#,
            o,
            u
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.into_iter()
            .map(|r| {
                token(
                    r.id,
                    r.token_hash,
                    r.org_id,
                    r.user_id,
                    r.name,
                    r.created_at,
                    r.expires_at,
                    r.last_used_at,
                    r.revoked,
                )
            })
            .collect()
    }

    async fn revoke_api_token(&self, actor: &str, org: &Id, id: &str) -> Result<bool> {
        let now = now_text();
        let o = org.as_str();
        let mut tx = self.write_tx().await?;
        let Some(t) = sqlx::query!(
            r#"SELECT user_id, name, expires_at, revoked AS "revoked!: bool" FROM api_tokens WHERE org_id = ?1 AND id = ?2"#,
            o,
            id
        )
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        else {
            return Ok(false);
        };
        if t.revoked {
            // Nothing changes, so nothing is audited.
            return Ok(true);
        }
        sqlx::query!(
            "UPDATE api_tokens SET revoked = 1 WHERE org_id = ?1 AND id = ?2",
            o,
            id
        )
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let expires = t.expires_at.as_deref();
        let before = api_token_audit_text(&t.user_id, &t.name, expires, false);
        let after = api_token_audit_text(&t.user_id, &t.name, expires, true);
        let mut chain = audit_head(&mut tx).await?;
        let entry = chain.append(
            &now,
            actor,
            ChangeAction::Update,
            o,
            "api_token",
            id,
            Some(before),
            Some(after),
        );
        append_audit(&mut tx, &entry).await?;
        tx.commit().await.map_err(db)?;
        Ok(true)
    }

    async fn touch_api_token(&self, token_hash: &str, at: &str) -> Result<()> {
        sqlx::query!(
            "UPDATE api_tokens SET last_used_at = ?2 WHERE token_hash = ?1 AND (last_used_at IS NULL OR last_used_at < ?2)",
            token_hash,
            at
        )
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn register_failure(&self, f: &FailedLogin<'_>) -> Result<Throttle> {
        // One statement, so two servers counting at once both count: the
        // window restarts at 1 when it began at or before
        // `window_starts_after`, and the key is locked when the count
        // reaches `max_failures` (an existing later lock is kept).
        let row = sqlx::query!(
            r#"INSERT INTO login_throttle (key, failures, window_start, locked_until)
               VALUES (?1, 1, ?2, CASE WHEN ?4 <= 1 THEN ?5 END)
               ON CONFLICT (key) DO UPDATE SET
                   failures = CASE WHEN login_throttle.window_start <= ?3 THEN 1 ELSE login_throttle.failures + 1 END,
                   window_start = CASE WHEN login_throttle.window_start <= ?3 THEN ?2 ELSE login_throttle.window_start END,
                   locked_until = CASE
                       WHEN (CASE WHEN login_throttle.window_start <= ?3 THEN 1 ELSE login_throttle.failures + 1 END) >= ?4
                        AND (login_throttle.locked_until IS NULL OR login_throttle.locked_until < ?5)
                       THEN ?5
                       ELSE login_throttle.locked_until END
               RETURNING key AS "key!: String", failures AS "failures!: i64", window_start AS "window_start!: String", locked_until AS "locked_until?: String""#,
            f.key,
            f.now,
            f.window_starts_after,
            f.max_failures,
            f.lock_until
        )
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        Ok(Throttle {
            key: row.key,
            failures: row.failures,
            window_start: row.window_start,
            locked_until: row.locked_until,
        })
    }

    async fn throttle(&self, key: &str) -> Result<Option<Throttle>> {
        let row = sqlx::query!(
            r#"SELECT key, failures AS "failures!: i64", window_start, locked_until FROM login_throttle WHERE key = ?1"#,
            key
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        Ok(row.map(|r| Throttle {
            key: r.key,
            failures: r.failures,
            window_start: r.window_start,
            locked_until: r.locked_until,
        }))
    }

    async fn clear_throttle(&self, key: &str) -> Result<()> {
        sqlx::query!("DELETE FROM login_throttle WHERE key = ?1", key)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }
}
