//! The PostgreSQL backend of the Rampart store: for teams, with several
//! stateless application servers on one database.
//!
//! Every write is one transaction that first takes a transaction-scoped
//! advisory lock, so that audit entries from concurrent servers append to a
//! single linear chain. Bulk writes pass columns as arrays and `UNNEST` them:
//! one statement per chunk, every query checked at compile time.
//!
//! This crate owns its schema (`migrations/`) and is the only place that
//! knows PostgreSQL's SQL.

mod auth;
mod evidence;
mod list;

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use rampart_domain::{EntityKind, Id, Organisation};
use rampart_store::audit::Chain;
use rampart_store::{
    AuditEntry, AuditQuery, Backend, ChangeAction, DatabaseUrl, FieldPath, Group, ImportMode,
    ImportSummary, Invariant, ListQuery, Progress, Record, RecordWrite, Result, Store, StoreError,
    Stored, StoredRecord, UserScopeChange, group_value, import_audit_text, import_reference_rows,
    keep_user, key_from_row, merge_groups, now_text, organisation_from_row, record_from_row,
    records_from_rows,
};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Postgres, Transaction};

/// How many records one bulk statement carries.
const CHUNK: usize = 5_000;

/// The advisory lock key that serialises writers (the audit chain is linear).
const WRITE_LOCK: i64 = 0x0052_414d_5041_5254; // "RAMPART"

#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

pub(crate) fn db(e: sqlx::Error) -> StoreError {
    StoreError::Database(e.to_string())
}

fn json_text<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Encode(e.to_string()))
}

/// Schema names go into SQL as identifiers, which cannot be bound as
/// parameters: only lower-case letters, digits and `_` are let through.
fn check_schema_name(schema: &str) -> Result<()> {
    let valid = !schema.is_empty()
        && schema
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if valid {
        Ok(())
    } else {
        Err(StoreError::Database(format!(
            "invalid schema name {schema:?}"
        )))
    }
}

impl PostgresStore {
    /// Connect to `url` (`postgres://...`) and bring the schema up to date.
    pub async fn open(url: &DatabaseUrl) -> Result<PostgresStore> {
        Self::open_in_schema(url, None).await
    }

    /// As [`PostgresStore::open`], with every table in `schema` (created if
    /// missing): several independent stores on one database, as tests and
    /// multi-tenant deployments need. A schema name is lower-case letters,
    /// digits and `_`.
    pub async fn open_in_schema(url: &DatabaseUrl, schema: Option<&str>) -> Result<PostgresStore> {
        let mut opts = PgConnectOptions::from_str(url.expose())
            .map_err(|e| StoreError::Database(format!("{url}: {e}")))?;
        if let Some(schema) = schema {
            check_schema_name(schema)?;
            let admin = PgPoolOptions::new()
                .max_connections(1)
                .connect_with(opts.clone())
                .await
                .map_err(|e| StoreError::Database(format!("cannot connect to {url}: {e}")))?;
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "CREATE SCHEMA IF NOT EXISTS {schema}"
            )))
            .execute(&admin)
            .await
            .map_err(db)?;
            admin.close().await;
            opts = opts.options([("search_path", schema)]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts)
            .await
            .map_err(|e| StoreError::Database(format!("cannot connect to {url}: {e}")))?;
        let store = PostgresStore { pool };
        store.migrate().await?;
        Ok(store)
    }

    pub(crate) async fn write_tx(&self) -> Result<Transaction<'static, Postgres>> {
        let mut tx = self.pool.begin().await.map_err(db)?;
        sqlx::query!("SELECT pg_advisory_xact_lock($1)", WRITE_LOCK)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        Ok(tx)
    }

    /// Run a statement against the raw database. For tests that play the
    /// part of someone tampering with the database behind Rampart's back.
    #[doc(hidden)]
    pub async fn execute_raw_for_tests(&self, sql: &str) -> Result<u64> {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&self.pool)
            .await
            .map(|r| r.rows_affected())
            .map_err(db)
    }

    /// Drop a schema made by [`PostgresStore::open_in_schema`].
    #[doc(hidden)]
    pub async fn drop_schema_for_tests(&self, schema: &str) -> Result<()> {
        check_schema_name(schema)?;
        self.execute_raw_for_tests(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .await
            .map(|_| ())
    }
}

pub(crate) async fn audit_head(tx: &mut Transaction<'_, Postgres>) -> Result<Chain> {
    let head = sqlx::query!("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
        .fetch_optional(&mut **tx)
        .await
        .map_err(db)?;
    Ok(Chain::after(head.map(|h| (h.seq, h.hash))))
}

pub(crate) async fn append_audit(tx: &mut Transaction<'_, Postgres>, e: &AuditEntry) -> Result<()> {
    sqlx::query!(
        r#"INSERT INTO audit_log (seq, at, actor, action, org_id, kind, entity_id, before, after, prev_hash, hash)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"#,
        e.seq,
        e.at,
        e.actor,
        e.action,
        e.org,
        e.kind,
        e.entity_id,
        e.before,
        e.after,
        e.prev_hash,
        e.hash
    )
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(())
}

/// The sequence numbers of what `record` refers to, or the first reference
/// whose target does not exist.
async fn resolve_references(
    tx: &mut Transaction<'_, Postgres>,
    org: &str,
    record: &Record,
) -> Result<Vec<i64>> {
    let mut seqs = Vec::with_capacity(record.refs.len());
    for (kind, id) in &record.refs {
        let found = sqlx::query_scalar!(
            "SELECT seq FROM records WHERE org_id = $1 AND kind = $2 AND id = $3",
            org,
            kind.as_str(),
            id.as_str()
        )
        .fetch_optional(&mut **tx)
        .await
        .map_err(db)?;
        match found {
            Some(seq) => seqs.push(seq),
            None => {
                return Err(StoreError::DanglingReference {
                    kind: record.kind,
                    id: record.id.clone(),
                    target_kind: *kind,
                    target: id.clone(),
                });
            }
        }
    }
    Ok(seqs)
}

async fn insert_refs(tx: &mut Transaction<'_, Postgres>, rows: &[(i64, i64)]) -> Result<()> {
    for chunk in rows.chunks(CHUNK * 4) {
        let from: Vec<i64> = chunk.iter().map(|r| r.0).collect();
        let to: Vec<i64> = chunk.iter().map(|r| r.1).collect();
        sqlx::query!(
            "INSERT INTO record_refs (from_seq, to_seq) SELECT * FROM UNNEST($1::bigint[], $2::bigint[])",
            &from,
            &to
        )
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    }
    Ok(())
}

/// The next sequence number for a record; writers are serialised by the
/// advisory lock, so it is ours until the transaction ends.
async fn next_seq(tx: &mut Transaction<'_, Postgres>) -> Result<i64> {
    sqlx::query_scalar!(r#"SELECT COALESCE(MAX(seq), 0) + 1 AS "next!" FROM records"#)
        .fetch_one(&mut **tx)
        .await
        .map_err(db)
}

/// [`Store::insert_record`] inside an open write transaction.
async fn insert_in(
    tx: &mut Transaction<'_, Postgres>,
    actor: &str,
    org: &Id,
    record: &Record,
    now: &str,
) -> Result<StoredRecord> {
    let now = now.to_owned();
    let (o, k, i) = (org.as_str(), record.kind.as_str(), record.id.as_str());
    let site = record.site.as_ref().map(Id::as_str);
    let body = json_text(&record.body)?;
    let org_found =
        sqlx::query_scalar!(r#"SELECT 1 AS "one!" FROM organisations WHERE id = $1"#, o)
            .fetch_optional(&mut **tx)
            .await
            .map_err(db)?;
    if org_found.is_none() {
        return Err(StoreError::UnknownOrganisation(org.clone()));
    }
    let exists = sqlx::query_scalar!(
        r#"SELECT version FROM records WHERE org_id = $1 AND kind = $2 AND id = $3"#,
        o,
        k,
        i
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(db)?;
    if exists.is_some() {
        return Err(StoreError::AlreadyExists {
            kind: record.kind,
            id: record.id.clone(),
        });
    }
    let targets = resolve_references(tx, o, record).await?;
    let seq = next_seq(tx).await?;
    sqlx::query!(
            r#"INSERT INTO records (seq, org_id, kind, id, site_id, body, version, created_at, updated_at, updated_by)
               VALUES ($8, $1, $2, $3, $4, $5::text::jsonb, 1, $6, $6, $7)"#,
            o,
            k,
            i,
            site,
            &body,
            &now,
            actor,
            seq
        )
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    let rows: Vec<(i64, i64)> = targets.into_iter().map(|t| (seq, t)).collect();
    insert_refs(tx, &rows).await?;
    let mut chain = audit_head(tx).await?;
    let entry = chain.append(&now, actor, ChangeAction::Create, o, k, i, None, Some(body));
    append_audit(tx, &entry).await?;
    Ok(StoredRecord::written(record, 1, now, actor))
}

/// [`Store::update_record`] inside an open write transaction.
/// Check `invariant` on the records of its kind as the transaction sees
/// them (after its writes); an error leaves `tx` to roll back.
async fn check_in(
    tx: &mut Transaction<'_, Postgres>,
    org: &Id,
    invariant: Option<&Invariant<'_>>,
) -> Result<()> {
    let Some(inv) = invariant else { return Ok(()) };
    let sql = format!(
        "{} WHERE org_id = $1 AND kind = $2 ORDER BY seq",
        list::RECORD_COLUMNS
    );
    let rows: Vec<list::RecordRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(org.as_str())
        .bind(inv.kind.as_str())
        .fetch_all(&mut **tx)
        .await
        .map_err(db)?;
    let records = records_from_rows(rows)?;
    inv.check(&records)
}

async fn update_in(
    tx: &mut Transaction<'_, Postgres>,
    actor: &str,
    org: &Id,
    record: &Record,
    expected_version: i64,
    now: &str,
) -> Result<StoredRecord> {
    let now = now.to_owned();
    let (o, k, i) = (org.as_str(), record.kind.as_str(), record.id.as_str());
    let site = record.site.as_ref().map(Id::as_str);
    let body = json_text(&record.body)?;
    let before = sqlx::query!(
            r#"SELECT seq, body::text AS "body!", version FROM records WHERE org_id = $1 AND kind = $2 AND id = $3"#,
            o,
            k,
            i
        )
        .fetch_optional(&mut **tx)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::NotFound { kind: record.kind, id: record.id.clone() })?;
    if before.version != expected_version {
        return Err(StoreError::Conflict {
            kind: record.kind,
            id: record.id.clone(),
            expected: expected_version,
            actual: before.version,
        });
    }
    let targets = resolve_references(tx, o, record).await?;
    let version = expected_version + 1;
    sqlx::query!(
            r#"UPDATE records SET site_id = $4, body = $5::text::jsonb, version = $6, updated_at = $7, updated_by = $8
               WHERE org_id = $1 AND kind = $2 AND id = $3"#,
            o,
            k,
            i,
            site,
            &body,
            version,
            &now,
            actor
        )
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    sqlx::query!("DELETE FROM record_refs WHERE from_seq = $1", before.seq)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    let rows: Vec<(i64, i64)> = targets.into_iter().map(|t| (before.seq, t)).collect();
    insert_refs(tx, &rows).await?;
    let mut chain = audit_head(tx).await?;
    let entry = chain.append(
        &now,
        actor,
        ChangeAction::Update,
        o,
        k,
        i,
        Some(before.body),
        Some(body),
    );
    append_audit(tx, &entry).await?;
    Ok(StoredRecord::written(record, version, now, actor))
}

/// After a replacing import wrote `records`: point each kept user (seq, id,
/// body, version) at the new rows, dropping the sites and person the new
/// records lack; a user so changed is updated (new version, audited).
async fn keep_users(
    tx: &mut Transaction<'_, Postgres>,
    actor: &str,
    org: &Id,
    users: &[(i64, String, String, i64)],
    records: &[Record],
    now: &str,
) -> Result<Vec<UserScopeChange>> {
    let mut changes = Vec::new();
    for (seq, id, body, version) in users {
        let kept = keep_user(id, body, records)?;
        match kept.change {
            Some(change) => {
                update_in(tx, actor, org, &kept.record, *version, now).await?;
                changes.push(change);
            }
            None => {
                let targets = resolve_references(tx, org.as_str(), &kept.record).await?;
                let rows: Vec<(i64, i64)> = targets.into_iter().map(|t| (*seq, t)).collect();
                insert_refs(tx, &rows).await?;
            }
        }
    }
    Ok(changes)
}

#[async_trait]
impl Store for PostgresStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn migrate(&self) -> Result<()> {
        sqlx::migrate!("./migrations")
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))
    }

    async fn organisations(&self) -> Result<Vec<Stored<Organisation>>> {
        let rows = sqlx::query!(r#"SELECT body::text AS "body!", version, updated_at, updated_by FROM organisations ORDER BY created_at, id"#)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.into_iter()
            .map(|r| organisation_from_row(&r.body, r.version, r.updated_at, r.updated_by))
            .collect()
    }

    async fn organisation(&self, id: &Id) -> Result<Option<Stored<Organisation>>> {
        let row = sqlx::query!(
            r#"SELECT body::text AS "body!", version, updated_at, updated_by FROM organisations WHERE id = $1"#,
            id.as_str()
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.map(|r| organisation_from_row(&r.body, r.version, r.updated_at, r.updated_by))
            .transpose()
    }

    async fn import_records(
        &self,
        actor: &str,
        organisation: &Organisation,
        records: &[Record],
        mode: ImportMode,
        progress: Progress<'_>,
    ) -> Result<ImportSummary> {
        let now = now_text();
        let org = organisation.id.as_str();
        let org_body = json_text(organisation)?;
        let mut tx = self.write_tx().await?;

        let existing = sqlx::query!(
            r#"SELECT body::text AS "body!" FROM organisations WHERE id = $1"#,
            org
        )
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let replaced = existing.is_some();
        let user_kind = EntityKind::User.as_str();
        let mut users: Vec<(i64, String, String, i64)> = Vec::new();
        let before = match existing {
            Some(old) => {
                if mode != ImportMode::Replace {
                    return Err(StoreError::OrganisationExists(organisation.id.clone()));
                }
                // The audit entry keeps everything that is replaced; users
                // are not in an organisation file and are kept.
                let old_records = sqlx::query!(
                    r#"SELECT kind, id, body::text AS "body!" FROM records WHERE org_id = $1 AND kind <> $2 ORDER BY seq"#,
                    org,
                    user_kind
                )
                .fetch_all(&mut *tx)
                .await
                .map_err(db)?;
                let before = import_audit_text(
                    &old.body,
                    old_records
                        .iter()
                        .map(|r| (r.kind.as_str(), r.id.as_str(), r.body.as_str())),
                );
                sqlx::query!("DELETE FROM record_refs WHERE from_seq IN (SELECT seq FROM records WHERE org_id = $1)", org)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                users = sqlx::query!(
                    r#"SELECT seq, id, body::text AS "body!", version FROM records WHERE org_id = $1 AND kind = $2 ORDER BY seq"#,
                    org,
                    user_kind
                )
                .fetch_all(&mut *tx)
                .await
                .map_err(db)?
                .into_iter()
                .map(|u| (u.seq, u.id, u.body, u.version))
                .collect();
                // Every reference went above, the users' too: they point at
                // rows about to be deleted, and are made again below.
                sqlx::query!(
                    "DELETE FROM records WHERE org_id = $1 AND kind <> $2",
                    org,
                    user_kind
                )
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                sqlx::query!(
                    "UPDATE organisations SET body = $2::text::jsonb, version = version + 1, updated_at = $3, updated_by = $4 WHERE id = $1",
                    org,
                    &org_body,
                    &now,
                    actor
                )
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                Some(before)
            }
            None => {
                sqlx::query!(
                    "INSERT INTO organisations (id, body, version, created_at, updated_at, updated_by) VALUES ($1, $2::text::jsonb, 1, $3, $3, $4)",
                    org,
                    &org_body,
                    &now,
                    actor
                )
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                None
            }
        };

        let first_seq = next_seq(&mut tx).await?;
        let ref_rows = import_reference_rows(records, first_seq)?;
        let mut all_bodies = Vec::with_capacity(records.len());
        let mut written = 0u64;
        for chunk in records.chunks(CHUNK) {
            let base = first_seq + all_bodies.len() as i64;
            let seqs: Vec<i64> = (base..base + chunk.len() as i64).collect();
            let bodies = chunk
                .iter()
                .map(|r| json_text(&r.body))
                .collect::<Result<Vec<String>>>()?;
            let kinds: Vec<&str> = chunk.iter().map(|r| r.kind.as_str()).collect();
            let ids: Vec<&str> = chunk.iter().map(|r| r.id.as_str()).collect();
            let sites: Vec<Option<&str>> = chunk
                .iter()
                .map(|r| r.site.as_ref().map(Id::as_str))
                .collect();
            sqlx::query!(
                r#"INSERT INTO records (seq, org_id, kind, id, site_id, body, version, created_at, updated_at, updated_by)
                   SELECT q, $1, k, i, s, b::jsonb, 1, $2, $2, $3
                   FROM UNNEST($8::bigint[], $4::text[], $5::text[], $6::text[], $7::text[]) AS t(q, k, i, s, b)"#,
                org,
                &now,
                actor,
                &kinds as &[&str],
                &ids as &[&str],
                &sites as &[Option<&str>],
                &bodies,
                &seqs,
            )
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            all_bodies.extend(bodies);
            written += chunk.len() as u64;
            progress(written);
        }
        insert_refs(&mut tx, &ref_rows).await?;
        let after = import_audit_text(
            &org_body,
            records
                .iter()
                .zip(&all_bodies)
                .map(|(r, b)| (r.kind.as_str(), r.id.as_str(), b.as_str())),
        );
        let mut chain = audit_head(&mut tx).await?;
        let entry = chain.append(
            &now,
            actor,
            ChangeAction::Import,
            org,
            "organisation",
            org,
            before,
            Some(after),
        );
        append_audit(&mut tx, &entry).await?;
        let user_changes =
            keep_users(&mut tx, actor, &organisation.id, &users, records, &now).await?;
        tx.commit().await.map_err(db)?;
        // A bulk load leaves the planner's statistics and the visibility map
        // behind until autovacuum comes by: the planner then takes a kind of
        // 100,000 records for a handful, and a page's index-only scan for a
        // heap walk. Both brought up to date now (0.2 s for 300,000
        // records), outside the transaction as VACUUM must be. Only a hint:
        // a failure loses nothing.
        if let Err(e) = sqlx::raw_sql("VACUUM (ANALYZE) records, record_counts")
            .execute(&self.pool)
            .await
        {
            tracing::warn!("statistics not refreshed after the import: {e}");
        }
        Ok(ImportSummary {
            organisation: Some(organisation.id.clone()),
            entities: written,
            replaced,
            users_kept: users.len() as u64,
            user_changes,
        })
    }

    async fn get_record(
        &self,
        org: &Id,
        kind: EntityKind,
        id: &Id,
    ) -> Result<Option<StoredRecord>> {
        let row = sqlx::query!(
            r#"SELECT kind, id, site_id, body::text AS "body!", version, updated_at, updated_by
               FROM records WHERE org_id = $1 AND kind = $2 AND id = $3"#,
            org.as_str(),
            kind.as_str(),
            id.as_str()
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.map(|r| {
            record_from_row(
                &r.kind,
                r.id,
                r.site_id,
                &r.body,
                r.version,
                r.updated_at,
                r.updated_by,
            )
        })
        .transpose()
    }

    async fn list_records(
        &self,
        org: &Id,
        kind: EntityKind,
        query: &ListQuery,
    ) -> Result<Vec<StoredRecord>> {
        // Built for its shape: one statement with `($3 IS NULL OR site_id =
        // ANY($3))` would get a generic plan that can use no index for its
        // order, and sort every record of the kind for each page.
        let mut qb = list::list_query(org.as_str(), kind.as_str(), query);
        let rows: Vec<list::RecordRow> = qb
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        records_from_rows(rows)
    }

    async fn page_records(
        &self,
        org: &Id,
        kind: EntityKind,
        query: &ListQuery,
    ) -> Result<(Vec<StoredRecord>, i64)> {
        if query.sort.is_empty() {
            let mut qb = list::page_query(org.as_str(), kind.as_str(), query);
            let rows: Vec<rampart_store::TotalRecordRow> = qb
                .build_query_as()
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
            let (records, total) = rampart_store::records_with_total(rows)?;
            let total = match total {
                Some(t) => t,
                None => self.count_records(org, kind, query).await?,
            };
            return Ok((records, total));
        }
        // Sorted: two connections at once, the page and its count.
        tokio::try_join!(
            self.list_records(org, kind, query),
            self.count_records(org, kind, query)
        )
    }

    async fn count_records(&self, org: &Id, kind: EntityKind, query: &ListQuery) -> Result<i64> {
        let mut qb = list::count_query(org.as_str(), kind.as_str(), query);
        qb.build_query_scalar::<i64>()
            .fetch_one(&self.pool)
            .await
            .map_err(db)
    }

    async fn count_by(
        &self,
        org: &Id,
        kind: EntityKind,
        query: &ListQuery,
        group: &[FieldPath],
    ) -> Result<Vec<Group>> {
        use sqlx::Row;
        let mut qb = list::count_by_query(org.as_str(), kind.as_str(), query, group);
        let rows = qb.build().fetch_all(&self.pool).await.map_err(db)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let mut key = Vec::with_capacity(group.len());
            for n in 0..group.len() {
                let text: Option<String> = row.try_get(n).map_err(db)?;
                key.push(group_value(text.as_deref()));
            }
            let count: i64 = row.try_get(group.len()).map_err(db)?;
            if count > 0 {
                out.push((key, count));
            }
        }
        Ok(merge_groups(out))
    }

    async fn site_marks(&self, org: &Id, kinds: &[EntityKind]) -> Result<Vec<(Option<Id>, i64)>> {
        let kinds: Vec<String> = kinds.iter().map(|k| k.as_str().to_owned()).collect();
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT site_id, SUM(changes)::int8 FROM record_counts \
             WHERE org_id = $1 AND kind = ANY($2::text[]) GROUP BY site_id",
        )
        .bind(org.as_str())
        .bind(kinds)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rampart_store::site_marks_from_rows(rows)
    }

    async fn audit_page(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>> {
        let mut qb = list::audit_page_query(query);
        let rows: Vec<list::AuditRow> = qb
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        Ok(rows.into_iter().map(list::audit_entry).collect())
    }

    async fn insert_record(&self, actor: &str, org: &Id, record: &Record) -> Result<StoredRecord> {
        let now = now_text();
        let mut tx = self.write_tx().await?;
        let stored = insert_in(&mut tx, actor, org, record, &now).await?;
        tx.commit().await.map_err(db)?;
        Ok(stored)
    }

    async fn update_record(
        &self,
        actor: &str,
        org: &Id,
        record: &Record,
        expected_version: i64,
        invariant: Option<&Invariant<'_>>,
    ) -> Result<StoredRecord> {
        let now = now_text();
        let mut tx = self.write_tx().await?;
        let stored = update_in(&mut tx, actor, org, record, expected_version, &now).await?;
        check_in(&mut tx, org, invariant).await?;
        tx.commit().await.map_err(db)?;
        Ok(stored)
    }

    async fn write_records(
        &self,
        actor: &str,
        org: &Id,
        writes: &[RecordWrite],
    ) -> Result<Vec<StoredRecord>> {
        let now = now_text();
        // One transaction (one advisory lock) for the whole batch.
        let mut tx = self.write_tx().await?;
        let mut written = Vec::with_capacity(writes.len());
        for w in writes {
            written.push(match w {
                RecordWrite::Create(record) => insert_in(&mut tx, actor, org, record, &now).await?,
                RecordWrite::Update {
                    record,
                    expected_version,
                } => update_in(&mut tx, actor, org, record, *expected_version, &now).await?,
            });
        }
        // An error above drops `tx` uncommitted, which rolls every write back.
        tx.commit().await.map_err(db)?;
        Ok(written)
    }

    async fn delete_record(
        &self,
        actor: &str,
        org: &Id,
        kind: EntityKind,
        id: &Id,
        expected_version: i64,
        invariant: Option<&Invariant<'_>>,
    ) -> Result<()> {
        let now = now_text();
        let (o, k, i) = (org.as_str(), kind.as_str(), id.as_str());
        let mut tx = self.write_tx().await?;
        let before = sqlx::query!(
            r#"SELECT seq, body::text AS "body!", version FROM records WHERE org_id = $1 AND kind = $2 AND id = $3"#,
            o,
            k,
            i
        )
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or_else(|| StoreError::NotFound { kind, id: id.clone() })?;
        if before.version != expected_version {
            return Err(StoreError::Conflict {
                kind,
                id: id.clone(),
                expected: expected_version,
                actual: before.version,
            });
        }
        let referrer = sqlx::query!(
            r#"SELECT f.kind AS from_kind, f.id AS from_id
               FROM record_refs r JOIN records f ON f.seq = r.from_seq
               WHERE r.to_seq = $1 LIMIT 1"#,
            before.seq
        )
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        if let Some(r) = referrer {
            let (referrer_kind, referrer) = key_from_row(&r.from_kind, r.from_id)?;
            return Err(StoreError::Referenced {
                kind,
                id: id.clone(),
                referrer_kind,
                referrer,
            });
        }
        sqlx::query!(
            "DELETE FROM records WHERE org_id = $1 AND kind = $2 AND id = $3",
            o,
            k,
            i
        )
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let mut chain = audit_head(&mut tx).await?;
        let entry = chain.append(
            &now,
            actor,
            ChangeAction::Delete,
            o,
            k,
            i,
            Some(before.body),
            None,
        );
        append_audit(&mut tx, &entry).await?;
        check_in(&mut tx, org, invariant).await?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn audit_entries(&self, after: i64, limit: i64) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query!(
            r#"SELECT seq, at, actor, action, org_id, kind, entity_id, before, after, prev_hash, hash
               FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"#,
            after,
            limit
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        Ok(rows
            .into_iter()
            .map(|r| AuditEntry {
                seq: r.seq,
                at: r.at,
                actor: r.actor,
                action: r.action,
                org: r.org_id,
                kind: r.kind,
                entity_id: r.entity_id,
                before: r.before,
                after: r.after,
                prev_hash: r.prev_hash,
                hash: r.hash,
            })
            .collect())
    }
}
