//! The SQLite backend of the Rampart store: the embedded default.
//!
//! One file, WAL journal (readers never wait for the writer), foreign keys
//! on, and every write in a `BEGIN IMMEDIATE` transaction so that writers
//! queue on the file lock instead of failing half-way. Bulk writes pass a
//! chunk of rows as one JSON parameter and let SQLite's `json_each` unpack
//! it: one prepared statement per chunk, every query checked at compile time.
//!
//! This crate owns its schema (`migrations/`) and is the only place that
//! knows SQLite's SQL.

mod auth;
mod evidence;
mod list;
mod reader;

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
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};

/// How many records one bulk statement carries.
const CHUNK: usize = 2_000;

#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// The hottest reads, without sqlx's thread hand-off (see `reader`);
    /// none for an in-memory database, which exists only in its one
    /// connection.
    reader: Option<std::sync::Arc<reader::Reader>>,
}

pub(crate) fn db(e: sqlx::Error) -> StoreError {
    StoreError::Database(e.to_string())
}

/// A bounded page and its total, read on the caller's thread (`reader`).
fn page_on_reader(
    reader: &reader::Reader,
    org: &Id,
    kind: EntityKind,
    query: &ListQuery,
) -> Result<(Vec<StoredRecord>, i64)> {
    let (o, k) = (org.as_str(), kind.as_str());
    let params = list::page_params(o, k, query);
    let qb = list::page_rows_query(o, k, query)?;
    let rows = reader.rows(qb.sql().as_str(), &params, |r| {
        rampart_store::TotalRecordRow::try_from(r)
    })?;
    let (records, total) = rampart_store::records_with_total(rows)?;
    let total = match total {
        Some(t) => t,
        None => {
            // The total's conditions are the first half of the page's values.
            let qb = list::count_query(o, k, query)?;
            let half = &params[..(params.len() - 2) / 2];
            reader
                .one(qb.sql().as_str(), half, |r| r.get(0))?
                .unwrap_or(0)
        }
    };
    Ok((records, total))
}

pub(crate) fn json_text<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Encode(e.to_string()))
}

impl SqliteStore {
    /// Open (creating if needed) the database at `url` (`sqlite:PATH` or
    /// `sqlite::memory:`) and bring its schema up to date.
    pub async fn open(url: &DatabaseUrl) -> Result<SqliteStore> {
        let opts = SqliteConnectOptions::from_str(url.expose())
            .map_err(|e| StoreError::Database(format!("{url}: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30));
        let in_memory = url.expose().contains(":memory:");
        let pool = SqlitePoolOptions::new()
            // An in-memory database exists per connection: keep exactly one.
            .max_connections(if in_memory { 1 } else { 8 })
            .min_connections(if in_memory { 1 } else { 0 })
            .idle_timeout(if in_memory {
                None
            } else {
                Some(Duration::from_secs(600))
            })
            .max_lifetime(if in_memory {
                None
            } else {
                Some(Duration::from_secs(3600))
            })
            .connect_with(opts.clone())
            .await
            .map_err(|e| StoreError::Database(format!("cannot open {url}: {e}")))?;
        let reader =
            (!in_memory).then(|| std::sync::Arc::new(reader::Reader::new(opts.get_filename())));
        let store = SqliteStore { pool, reader };
        store.migrate().await?;
        Ok(store)
    }

    pub(crate) async fn write_tx(&self) -> Result<Transaction<'static, Sqlite>> {
        self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(db)
    }
}

pub(crate) async fn audit_head(tx: &mut Transaction<'_, Sqlite>) -> Result<Chain> {
    let head =
        sqlx::query!(r#"SELECT seq AS "seq!: i64", hash FROM audit_log ORDER BY seq DESC LIMIT 1"#)
            .fetch_optional(&mut **tx)
            .await
            .map_err(db)?;
    Ok(Chain::after(head.map(|h| (h.seq, h.hash))))
}

pub(crate) async fn append_audit(tx: &mut Transaction<'_, Sqlite>, e: &AuditEntry) -> Result<()> {
    sqlx::query!(
        r#"INSERT INTO audit_log (seq, at, actor, action, org_id, kind, entity_id, before, after, prev_hash, hash)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"#,
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
    tx: &mut Transaction<'_, Sqlite>,
    org: &str,
    record: &Record,
) -> Result<Vec<i64>> {
    let mut seqs = Vec::with_capacity(record.refs.len());
    for (kind, id) in &record.refs {
        let (k, i) = (kind.as_str(), id.as_str());
        let found = sqlx::query_scalar!(
            r#"SELECT seq AS "seq!: i64" FROM records WHERE org_id = ?1 AND kind = ?2 AND id = ?3"#,
            org,
            k,
            i
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

async fn insert_refs(tx: &mut Transaction<'_, Sqlite>, rows: &[(i64, i64)]) -> Result<()> {
    for chunk in rows.chunks(CHUNK * 4) {
        let rows = json_text(&chunk)?;
        sqlx::query!(
            r#"INSERT INTO record_refs (from_seq, to_seq) SELECT value ->> 0, value ->> 1 FROM json_each(?1)"#,
            rows
        )
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    }
    Ok(())
}

async fn current_version(
    tx: &mut Transaction<'_, Sqlite>,
    org: &str,
    kind: &str,
    id: &str,
) -> Result<Option<i64>> {
    sqlx::query_scalar!(r#"SELECT version AS "version!: i64" FROM records WHERE org_id = ?1 AND kind = ?2 AND id = ?3"#, org, kind, id)
        .fetch_optional(&mut **tx)
        .await
        .map_err(db)
}

/// [`Store::insert_record`] inside an open write transaction.
async fn insert_in(
    tx: &mut Transaction<'_, Sqlite>,
    actor: &str,
    org: &Id,
    record: &Record,
    now: &str,
) -> Result<StoredRecord> {
    let now = now.to_owned();
    let (o, k, i) = (org.as_str(), record.kind.as_str(), record.id.as_str());
    let site = record.site.as_ref().map(Id::as_str);
    let body = json_text(&record.body)?;
    ensure_org(tx, org).await?;
    if current_version(tx, o, k, i).await?.is_some() {
        return Err(StoreError::AlreadyExists {
            kind: record.kind,
            id: record.id.clone(),
        });
    }
    let targets = resolve_references(tx, o, record).await?;
    let seq = sqlx::query_scalar!(
            r#"INSERT INTO records (org_id, kind, id, site_id, body, version, created_at, updated_at, updated_by)
               VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?6, ?7) RETURNING seq AS "seq!: i64""#,
            o,
            k,
            i,
            site,
            body,
            now,
            actor
        )
        .fetch_one(&mut **tx)
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
    tx: &mut Transaction<'_, Sqlite>,
    org: &Id,
    invariant: Option<&Invariant<'_>>,
) -> Result<()> {
    let Some(inv) = invariant else { return Ok(()) };
    let (o, k) = (org.as_str(), inv.kind.as_str());
    let sql = format!(
        "{} WHERE org_id = ?1 AND kind = ?2 ORDER BY seq",
        list::RECORD_COLUMNS
    );
    let rows: Vec<list::RecordRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(o)
        .bind(k)
        .fetch_all(&mut **tx)
        .await
        .map_err(db)?;
    let records = records_from_rows(rows)?;
    inv.check(&records)
}

async fn update_in(
    tx: &mut Transaction<'_, Sqlite>,
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
            r#"SELECT seq AS "seq!: i64", body, version AS "version!: i64" FROM records WHERE org_id = ?1 AND kind = ?2 AND id = ?3"#,
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
            r#"UPDATE records SET site_id = ?4, body = ?5, version = ?6, updated_at = ?7, updated_by = ?8
               WHERE org_id = ?1 AND kind = ?2 AND id = ?3"#,
            o,
            k,
            i,
            site,
            body,
            version,
            now,
            actor
        )
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    sqlx::query!("DELETE FROM record_refs WHERE from_seq = ?1", before.seq)
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
    tx: &mut Transaction<'_, Sqlite>,
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
impl Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn migrate(&self) -> Result<()> {
        sqlx::migrate!("./migrations")
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))
    }

    async fn organisations(&self) -> Result<Vec<Stored<Organisation>>> {
        let rows = sqlx::query!(r#"SELECT body, version AS "version!: i64", updated_at, updated_by FROM organisations ORDER BY rowid"#)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.into_iter()
            .map(|r| organisation_from_row(&r.body, r.version, r.updated_at, r.updated_by))
            .collect()
    }

    async fn organisation(&self, id: &Id) -> Result<Option<Stored<Organisation>>> {
        let id = id.as_str();
        let row = sqlx::query!(
            r#"SELECT body, version AS "version!: i64", updated_at, updated_by FROM organisations WHERE id = ?1"#,
            id
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
        // A large import should not spill its pages to the WAL mid-way.
        sqlx::query!("PRAGMA cache_size = -131072")
            .execute(&mut *tx)
            .await
            .map_err(db)?;

        // Counted once at the end, not record by record (schema 5).
        sqlx::query("INSERT INTO record_counts_paused (org_id) VALUES (?1)")
            .bind(org)
            .execute(&mut *tx)
            .await
            .map_err(db)?;

        let existing = sqlx::query!(r#"SELECT body FROM organisations WHERE id = ?1"#, org)
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
                    r#"SELECT kind, id, body FROM records WHERE org_id = ?1 AND kind <> ?2 ORDER BY seq"#,
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
                sqlx::query!("DELETE FROM record_refs WHERE from_seq IN (SELECT seq FROM records WHERE org_id = ?1)", org)
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
                users = sqlx::query!(
                    r#"SELECT seq AS "seq!: i64", id, body, version AS "version!: i64" FROM records WHERE org_id = ?1 AND kind = ?2 ORDER BY seq"#,
                    org,
                    user_kind
                )
                .fetch_all(&mut *tx)
                .await
                .map_err(db)?
                .into_iter()
                .map(|u| (u.seq, u.id, u.body, u.version))
                .collect();
                // Every reference goes, the users' too: they point at rows
                // about to be deleted, and are made again below.
                sqlx::query!(
                    "DELETE FROM records WHERE org_id = ?1 AND kind <> ?2",
                    org,
                    user_kind
                )
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                sqlx::query!(
                    "UPDATE organisations SET body = ?2, version = version + 1, updated_at = ?3, updated_by = ?4 WHERE id = ?1",
                    org,
                    org_body,
                    now,
                    actor
                )
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                Some(before)
            }
            None => {
                sqlx::query!(
                    "INSERT INTO organisations (id, body, version, created_at, updated_at, updated_by) VALUES (?1, ?2, 1, ?3, ?3, ?4)",
                    org,
                    org_body,
                    now,
                    actor
                )
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                None
            }
        };

        // Writers are serialised, so the next sequence numbers are ours.
        let first_seq =
            sqlx::query_scalar!(r#"SELECT COALESCE(MAX(seq), 0) + 1 AS "next!: i64" FROM records"#)
                .fetch_one(&mut *tx)
                .await
                .map_err(db)?;
        let ref_rows = import_reference_rows(records, first_seq)?;
        let mut bodies = Vec::with_capacity(records.len());
        let mut written = 0u64;
        for chunk in records.chunks(CHUNK) {
            let mut rows = String::with_capacity(chunk.len() * 256);
            rows.push('[');
            for (n, r) in chunk.iter().enumerate() {
                let body = json_text(&r.body)?;
                if n > 0 {
                    rows.push(',');
                }
                let seq = first_seq + bodies.len() as i64;
                rows.push_str(&json_text(&(seq, r.kind.as_str(), &r.id, &r.site, &body))?);
                bodies.push(body);
            }
            rows.push(']');
            sqlx::query!(
                r#"INSERT INTO records (seq, org_id, kind, id, site_id, body, version, created_at, updated_at, updated_by)
                   SELECT value ->> 0, ?1, value ->> 1, value ->> 2, value ->> 3, value ->> 4, 1, ?2, ?2, ?3 FROM json_each(?4)"#,
                org,
                now,
                actor,
                rows
            )
            .execute(&mut *tx)
            .await
            .map_err(|e| import_error(e, chunk))?;
            written += chunk.len() as u64;
            progress(written);
        }
        insert_refs(&mut tx, &ref_rows).await?;
        let after = import_audit_text(
            &org_body,
            records
                .iter()
                .zip(&bodies)
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
        // The counts anew; every mark of the organisation moves on.
        for sql in [
            "UPDATE record_counts SET n = 0, changes = changes + 1 WHERE org_id = ?1",
            "INSERT INTO record_counts (org_id, kind, site_id, n, changes) \
             SELECT org_id, kind, COALESCE(site_id, ''), COUNT(*), 1 FROM records \
             WHERE org_id = ?1 GROUP BY 1, 2, 3 \
             ON CONFLICT (org_id, kind, site_id) DO UPDATE SET n = excluded.n",
            "DELETE FROM record_counts_paused WHERE org_id = ?1",
        ] {
            sqlx::query(sql)
                .bind(org)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        tx.commit().await.map_err(db)?;
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
        let (o, k, i) = (org.as_str(), kind.as_str(), id.as_str());
        if let Some(reader) = &self.reader {
            // A record's detail, by its unique key: on the caller's thread.
            type Row = (String, String, Option<String>, String, i64, String, String);
            use rusqlite::types::Value;
            let row = reader.one(
                "SELECT kind, id, site_id, body, version, updated_at, updated_by \
                 FROM records WHERE org_id = ?1 AND kind = ?2 AND id = ?3",
                &[
                    Value::Text(o.to_owned()),
                    Value::Text(k.to_owned()),
                    Value::Text(i.to_owned()),
                ],
                |r| Row::try_from(r),
            )?;
            return row
                .map(|(kind, id, site, body, version, at, by)| {
                    record_from_row(&kind, id, site, &body, version, at, by)
                })
                .transpose();
        }
        let row = sqlx::query!(
            r#"SELECT kind, id, site_id, body, version AS "version!: i64", updated_at, updated_by
               FROM records WHERE org_id = ?1 AND kind = ?2 AND id = ?3"#,
            o,
            k,
            i
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
        let (o, k) = (org.as_str(), kind.as_str());
        // With sites, the built query lets SQLite use records_by_site.
        if !query.filters.is_empty() || !query.sort.is_empty() || query.sites.is_some() {
            let mut qb = list::list_query(o, k, query)?;
            let rows: Vec<list::RecordRow> = qb
                .build_query_as()
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
            return records_from_rows(rows);
        }
        // The common case keeps its compile-time checked (and benchmarked) query.
        let sites = query.sites.as_ref().map(json_text).transpose()?;
        let limit = query.limit.unwrap_or(-1);
        let offset = query.offset;
        let rows = sqlx::query!(
            r#"SELECT kind, id, site_id, body, version AS "version!: i64", updated_at, updated_by
               FROM records
               WHERE org_id = ?1 AND kind = ?2
                 AND (?3 IS NULL OR site_id IN (SELECT value FROM json_each(?3)))
               ORDER BY seq
               LIMIT ?4 OFFSET ?5"#,
            o,
            k,
            sites,
            limit,
            offset
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.into_iter()
            .map(|r| {
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
            .collect()
    }

    async fn page_records(
        &self,
        org: &Id,
        kind: EntityKind,
        query: &ListQuery,
    ) -> Result<(Vec<StoredRecord>, i64)> {
        if let Some(reader) = self
            .reader
            .as_ref()
            .filter(|_| reader::page_is_bounded(query))
        {
            return page_on_reader(reader, org, kind, query);
        }
        let mut qb = list::page_query(org.as_str(), kind.as_str(), query)?;
        let (total, page): (i64, String) = qb
            .build_query_as()
            .fetch_one(&self.pool)
            .await
            .map_err(db)?;
        let rows: Vec<rampart_store::RecordValueRow> = serde_json::from_str(&page)
            .map_err(|e| StoreError::Database(format!("reading a page of {kind}: {e}")))?;
        let records = rampart_store::records_from_value_rows(rows)?;
        Ok((records, total))
    }

    async fn count_records(&self, org: &Id, kind: EntityKind, query: &ListQuery) -> Result<i64> {
        let mut qb = list::count_query(org.as_str(), kind.as_str(), query)?;
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
        let mut qb = list::count_by_query(org.as_str(), kind.as_str(), query, group)?;
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
        const SQL: &str = "SELECT site_id, SUM(changes) FROM record_counts \
             WHERE org_id = ?1 AND kind IN (SELECT value FROM json_each(?2)) GROUP BY site_id";
        let kinds = json_text(&kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>())?;
        // Every dashboard view asks this (a row per kind and site): on the
        // caller's thread when it can be.
        let rows: Vec<(String, i64)> = match &self.reader {
            Some(reader) => reader.rows(
                SQL,
                &[
                    rusqlite::types::Value::Text(org.as_str().to_owned()),
                    rusqlite::types::Value::Text(kinds),
                ],
                |r| <(String, i64)>::try_from(r),
            )?,
            None => sqlx::query_as(SQL)
                .bind(org.as_str())
                .bind(kinds)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?,
        };
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
        // One transaction (BEGIN IMMEDIATE) for the whole batch.
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
            r#"SELECT seq AS "seq!: i64", body, version AS "version!: i64" FROM records WHERE org_id = ?1 AND kind = ?2 AND id = ?3"#,
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
               WHERE r.to_seq = ?1 LIMIT 1"#,
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
            "DELETE FROM records WHERE org_id = ?1 AND kind = ?2 AND id = ?3",
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
            r#"SELECT seq AS "seq!: i64", at, actor, action, org_id, kind, entity_id, before, after, prev_hash, hash
               FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2"#,
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

impl SqliteStore {
    /// Run a statement against the raw database. For tests that play the
    /// part of someone tampering with the file behind Rampart's back.
    #[doc(hidden)]
    pub async fn execute_raw_for_tests(&self, sql: &str) -> Result<u64> {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&self.pool)
            .await
            .map(|r| r.rows_affected())
            .map_err(db)
    }
}

async fn ensure_org(tx: &mut Transaction<'_, Sqlite>, org: &Id) -> Result<()> {
    let o = org.as_str();
    let found = sqlx::query_scalar!(
        r#"SELECT 1 AS "one!: i64" FROM organisations WHERE id = ?1"#,
        o
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(db)?;
    match found {
        Some(_) => Ok(()),
        None => Err(StoreError::UnknownOrganisation(org.clone())),
    }
}

fn import_error(e: sqlx::Error, chunk: &[Record]) -> StoreError {
    let msg = e.to_string();
    if msg.contains("UNIQUE") {
        // The document was validated, so this is a clash within the chunk's kind.
        let first = chunk
            .first()
            .map(|r| r.kind.to_string())
            .unwrap_or_default();
        return StoreError::Database(format!("duplicate {first} id while importing: {msg}"));
    }
    db(e)
}
