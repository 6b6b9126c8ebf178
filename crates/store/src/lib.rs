//! The store interface: what Rampart persists, and the guarantees every
//! backend gives, whatever the database.
//!
//! - Every write is one transaction: it happens whole or not at all.
//! - Entities carry a version; an edit names the version it was based on and
//!   a stale edit is refused with [`StoreError::Conflict`], never applied.
//! - References between entities are enforced by the database: an entity
//!   cannot refer to one that does not exist, nor can a referenced one be
//!   deleted.
//! - Every change appends to the audit log in the same transaction, and each
//!   entry carries the SHA-256 of the one before ([`audit`]).
//!
//! The backends (SQLite, PostgreSQL) live in their own crates and own their
//! schema, migrations and queries; this crate knows no SQL. A conformance
//! suite (the `tests` binary at the workspace root) runs against both.

pub mod audit;
pub mod auth;
mod error;
pub mod evidence;
mod group;
mod record;
mod replace;
mod url;

use async_trait::async_trait;
use rampart_domain::{EntityKind, Id, OrgDocument, Organisation};

pub use audit::{AuditEntry, AuditVerification, ChangeAction};
pub use auth::{ApiToken, AuthStore, Credential, FailedLogin, Session, Throttle};
pub use error::StoreError;
pub use evidence::{
    AttachTo, Attached, Attachment, Evidence, EvidenceFile, EvidenceStore, EvidenceUpload,
};
pub use group::{Group, group_value, merge_groups};
pub use record::{
    FieldFilter, FieldPath, FilterOp, FilterValue, ListQuery, Record, RecordRow, RecordValueRow,
    SortField, SortKey, Stored, StoredRecord, TotalRecordRow, import_audit_text,
    import_reference_rows, key_from_row, organisation_from_row, record_from_row, records_from_rows,
    records_from_value_rows, records_with_total, site_marks_from_rows,
};
pub use replace::{KeptUser, UserScopeChange, keep_user};
pub use url::DatabaseUrl;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// What to do when an imported organisation already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ImportMode {
    /// Refuse: the store is left as it was.
    #[default]
    CreateOnly,
    /// Replace the organisation and everything it holds, in one transaction,
    /// except its users (not part of an organisation file): they are kept,
    /// with their credentials, sessions and tokens, and lose only the sites
    /// and linked person the new file no longer has ([`keep_user`]).
    Replace,
}

/// Counts of what an import wrote.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportSummary {
    pub organisation: Option<Id>,
    pub entities: u64,
    pub replaced: bool,
    /// Users kept by a replacing import.
    pub users_kept: u64,
    /// What a replacing import took from the users it kept, one per user
    /// changed (each also an update in the audit log).
    pub user_changes: Vec<UserScopeChange>,
}

/// A rule a write must leave true, checked inside the write's transaction,
/// after the write, on every record of `kind` in the organisation as it
/// would be committed. Writes are serialised (SQLite: `BEGIN IMMEDIATE`;
/// PostgreSQL: one advisory lock), so two writes racing each other cannot
/// both pass a rule that only one of them may pass: the second sees the
/// first. A rule that does not hold refuses the write
/// ([`StoreError::Refused`] with its reason) and nothing is written.
pub struct Invariant<'a> {
    pub kind: EntityKind,
    /// `Err(why)` when the records as they would be break the rule.
    pub holds: &'a (dyn Fn(&[StoredRecord]) -> std::result::Result<(), String> + Send + Sync),
}

impl std::fmt::Debug for Invariant<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invariant")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl Invariant<'_> {
    /// Check the rule on the records of its kind.
    pub fn check(&self, records: &[StoredRecord]) -> Result<()> {
        (self.holds)(records).map_err(StoreError::Refused)
    }
}

/// Called with the number of entities written so far during a long import.
pub type Progress<'a> = &'a (dyn Fn(u64) + Send + Sync);

/// The persistence of an organisation's security programme.
///
/// Methods take already-validated records; [`import_document`] and the
/// typed helpers on `dyn Store` do the conversion from domain values.
#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug {
    fn backend(&self) -> Backend;

    /// Create or upgrade the schema. Safe to run on every start.
    async fn migrate(&self) -> Result<()>;

    /// All organisations, in creation order.
    async fn organisations(&self) -> Result<Vec<Stored<Organisation>>>;

    async fn organisation(&self, id: &Id) -> Result<Option<Stored<Organisation>>>;

    /// Write a whole organisation in one transaction: the organisation
    /// itself, then `records` in order (referenced before referencing).
    async fn import_records(
        &self,
        actor: &str,
        organisation: &Organisation,
        records: &[Record],
        mode: ImportMode,
        progress: Progress<'_>,
    ) -> Result<ImportSummary>;

    async fn get_record(&self, org: &Id, kind: EntityKind, id: &Id)
    -> Result<Option<StoredRecord>>;

    /// Records of one kind, in creation order.
    async fn list_records(
        &self,
        org: &Id,
        kind: EntityKind,
        query: &ListQuery,
    ) -> Result<Vec<StoredRecord>>;

    /// How many records of a kind match `query` (its limit and offset aside).
    async fn count_records(&self, org: &Id, kind: EntityKind, query: &ListQuery) -> Result<i64>;

    /// One page of a list and the total it is a page of: what
    /// [`Store::list_records`] and [`Store::count_records`] answer, in one
    /// call that a backend may answer in one round trip.
    async fn page_records(
        &self,
        org: &Id,
        kind: EntityKind,
        query: &ListQuery,
    ) -> Result<(Vec<StoredRecord>, i64)> {
        let records = self.list_records(org, kind, query).await?;
        let total = self.count_records(org, kind, query).await?;
        Ok((records, total))
    }

    /// How many records of a kind match `query` (its sort and page aside),
    /// grouped by the values of the content fields `group`: one entry per
    /// distinct combination, the values in `group`'s order, a missing or
    /// null field as `null`; ordered by [`merge_groups`]' rule. With no
    /// fields, one group holding the count (none when nothing matches).
    async fn count_by(
        &self,
        org: &Id,
        kind: EntityKind,
        query: &ListQuery,
        group: &[FieldPath],
    ) -> Result<Vec<Group>>;

    /// A mark for each site of `org` that moves whenever a record of one of
    /// `kinds` at that site is created, changed or deleted, and never comes
    /// back: the number of such writes so far. `None` is the records of no
    /// site. A cache keyed by a site's mark is never stale, whichever
    /// server made the write.
    async fn site_marks(&self, org: &Id, kinds: &[EntityKind]) -> Result<Vec<(Option<Id>, i64)>>;

    /// Audit entries of one organisation, newest first, optionally of one
    /// kind and entity or by one actor; `before` pages backwards by `seq`.
    async fn audit_page(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>>;

    /// Create one record. Its references must exist.
    async fn insert_record(&self, actor: &str, org: &Id, record: &Record) -> Result<StoredRecord>;

    /// Replace a record's content if its version is still `expected_version`
    /// (and the `invariant`, if any, holds after it).
    async fn update_record(
        &self,
        actor: &str,
        org: &Id,
        record: &Record,
        expected_version: i64,
        invariant: Option<&Invariant<'_>>,
    ) -> Result<StoredRecord>;

    /// Apply `writes` in order, all in one transaction: each with exactly
    /// the checks of [`Store::insert_record`] / [`Store::update_record`]
    /// (existence, version, references, which may name records created
    /// earlier in the batch) and one audit entry per write, in order. The
    /// first failure rolls back everything: the store and the audit log are
    /// left as they were. Returns the written records, in order.
    async fn write_records(
        &self,
        actor: &str,
        org: &Id,
        writes: &[RecordWrite],
    ) -> Result<Vec<StoredRecord>>;

    /// Delete a record if its version is still `expected_version`, nothing
    /// refers to it (and the `invariant`, if any, holds after it).
    async fn delete_record(
        &self,
        actor: &str,
        org: &Id,
        kind: EntityKind,
        id: &Id,
        expected_version: i64,
        invariant: Option<&Invariant<'_>>,
    ) -> Result<()>;

    /// Audit entries with `seq > after`, oldest first, at most `limit`.
    async fn audit_entries(&self, after: i64, limit: i64) -> Result<Vec<AuditEntry>>;
}

/// One write of a [`Store::write_records`] batch.
#[derive(Debug, Clone, PartialEq)]
pub enum RecordWrite {
    /// Create a record, as [`Store::insert_record`].
    Create(Record),
    /// Replace a record's content, as [`Store::update_record`].
    Update {
        record: Record,
        expected_version: i64,
    },
}

impl RecordWrite {
    /// The record this write creates or replaces.
    pub fn record(&self) -> &Record {
        match self {
            RecordWrite::Create(record) | RecordWrite::Update { record, .. } => record,
        }
    }
}

/// A whole backend: the entity store, the authentication state and the
/// audit evidence. Both backends implement all three; the server holds one
/// `Arc<dyn Database>`.
pub trait Database: Store + AuthStore + EvidenceStore {}

impl<T: Store + AuthStore + EvidenceStore> Database for T {}

/// Which audit entries to read, for [`Store::audit_page`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuditQuery {
    pub org: Option<Id>,
    pub kind: Option<String>,
    pub entity_id: Option<String>,
    pub actor: Option<String>,
    /// Entries with `seq` below this; `None` from the newest.
    pub before: Option<i64>,
    pub limit: i64,
    /// Leave out `before` and `after` (an import's entry holds the whole
    /// organisation): for callers that need only who, what and the hashes.
    pub without_content: bool,
}

/// Validate a document, turn it into records and import it.
pub async fn import_document(
    store: &dyn Store,
    actor: &str,
    doc: &OrgDocument,
    mode: ImportMode,
    progress: Progress<'_>,
) -> Result<ImportSummary> {
    let problems = doc.validate();
    if !problems.is_empty() {
        return Err(StoreError::Invalid(problems));
    }
    let records = record::document_records(doc)?;
    store
        .import_records(actor, &doc.organisation, &records, mode, progress)
        .await
}

/// Read a whole organisation back as a document, lists in creation order.
pub async fn export_document(store: &dyn Store, org: &Id) -> Result<OrgDocument> {
    let organisation = store
        .organisation(org)
        .await?
        .ok_or_else(|| StoreError::UnknownOrganisation(org.clone()))?
        .value;
    let mut doc = OrgDocument::empty(organisation);
    let all = ListQuery::all();
    macro_rules! load {
        ($field:ident, $kind:expr) => {
            for r in store.list_records(org, $kind, &all).await? {
                doc.$field.push(r.decode()?.value);
            }
        };
    }
    load!(sites, EntityKind::Site);
    load!(zones, EntityKind::Zone);
    load!(people, EntityKind::Person);
    load!(assets, EntityKind::Asset);
    load!(threats, EntityKind::Threat);
    load!(controls, EntityKind::Control);
    load!(applied_controls, EntityKind::AppliedControl);
    load!(devices, EntityKind::Device);
    load!(risks, EntityKind::Risk);
    load!(facility_models, EntityKind::FacilityModel);
    load!(floor_plans, EntityKind::FloorPlan);
    load!(frameworks, EntityKind::Framework);
    load!(audits, EntityKind::Audit);
    load!(inspections, EntityKind::Inspection);
    load!(acceptance_plans, EntityKind::AcceptancePlan);
    Ok(doc)
}

/// Typed access for callers that work with domain entities.
impl dyn Store + '_ {
    pub async fn get<E: rampart_domain::Entity>(
        &self,
        org: &Id,
        id: &Id,
    ) -> Result<Option<Stored<E>>> {
        match self.get_record(org, E::KIND, id).await? {
            Some(r) => Ok(Some(r.decode()?)),
            None => Ok(None),
        }
    }

    pub async fn list<E: rampart_domain::Entity>(
        &self,
        org: &Id,
        query: &ListQuery,
    ) -> Result<Vec<Stored<E>>> {
        self.list_records(org, E::KIND, query)
            .await?
            .into_iter()
            .map(|r| r.decode())
            .collect()
    }

    pub async fn create<E: rampart_domain::Entity>(
        &self,
        actor: &str,
        org: &Id,
        e: &E,
    ) -> Result<Stored<E>> {
        let rec = Record::from_entity(e)?;
        self.insert_record(actor, org, &rec).await?.decode()
    }

    pub async fn update<E: rampart_domain::Entity>(
        &self,
        actor: &str,
        org: &Id,
        e: &E,
        expected_version: i64,
    ) -> Result<Stored<E>> {
        let rec = Record::from_entity(e)?;
        self.update_record(actor, org, &rec, expected_version, None)
            .await?
            .decode()
    }

    /// Start a typed batch for [`Store::write_records`].
    pub fn batch(&self) -> Batch<'_> {
        Batch {
            store: self,
            writes: Vec::new(),
        }
    }

    pub async fn delete<E: rampart_domain::Entity>(
        &self,
        actor: &str,
        org: &Id,
        id: &Id,
        expected_version: i64,
    ) -> Result<()> {
        self.delete_record(actor, org, E::KIND, id, expected_version, None)
            .await
    }

    /// Walk the whole audit log and check its hash chain.
    pub async fn verify_audit_log(&self) -> Result<AuditVerification> {
        let mut v = audit::Verifier::default();
        let mut after = 0;
        loop {
            let page = self.audit_entries(after, 10_000).await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            for e in &page {
                v.check(e);
            }
        }
        Ok(v.finish())
    }
}

/// A list of typed writes applied all together or not at all, built with
/// `dyn Store::batch` and applied with [`Batch::commit`].
#[derive(Debug)]
pub struct Batch<'a> {
    store: &'a dyn Store,
    writes: Vec<RecordWrite>,
}

impl Batch<'_> {
    /// Add the creation of `e`.
    pub fn create<E: rampart_domain::Entity>(&mut self, e: &E) -> Result<&mut Self> {
        self.writes
            .push(RecordWrite::Create(Record::from_entity(e)?));
        Ok(self)
    }

    /// Add the replacement of `e`, if its stored version is still `expected_version`.
    pub fn update<E: rampart_domain::Entity>(
        &mut self,
        e: &E,
        expected_version: i64,
    ) -> Result<&mut Self> {
        self.writes.push(RecordWrite::Update {
            record: Record::from_entity(e)?,
            expected_version,
        });
        Ok(self)
    }

    /// The writes added so far.
    pub fn writes(&self) -> &[RecordWrite] {
        &self.writes
    }

    pub fn is_empty(&self) -> bool {
        self.writes.is_empty()
    }

    pub fn len(&self) -> usize {
        self.writes.len()
    }

    /// Apply every write in one transaction; see [`Store::write_records`].
    pub async fn commit(self, actor: &str, org: &Id) -> Result<Vec<StoredRecord>> {
        self.store.write_records(actor, org, &self.writes).await
    }
}

/// The current time as the store writes it: RFC 3339, UTC, microseconds.
/// A fixed text form, so that audit hashes recompute identically on every
/// backend.
pub fn now_text() -> String {
    timestamp_text(jiff::Timestamp::now())
}

pub fn timestamp_text(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}
