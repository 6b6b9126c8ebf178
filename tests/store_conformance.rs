//! The store conformance suite: every check runs against SQLite and against
//! PostgreSQL, through the same `Store` trait. A backend is conformant when
//! all of them pass.

use std::cmp::Ordering;

use rampart_domain::{
    Asset, AssetKind, EntityKind, Id, OrgDocument, Rating, Role, Site, User, Zone,
};
use rampart_store::{
    ApiToken, AttachTo, AuditQuery, AuthStore, Credential, EvidenceStore, EvidenceUpload,
    FailedLogin, FieldFilter, FieldPath, FilterOp, FilterValue, ImportMode, Invariant, ListQuery,
    Record, RecordWrite, Session, SortField, SortKey, Store, StoreError, StoredRecord,
    UserScopeChange, export_document, import_document,
};
use rampart_store_postgres::PostgresStore;
use rampart_store_sqlite::SqliteStore;
use serde_json::Value;

use crate::util;

/// A backend under test, with raw access for tampering.
enum Subject {
    // The directory lives as long as the store that is in it.
    Sqlite(SqliteStore, #[allow(dead_code)] tempfile::TempDir),
    Postgres(PostgresStore, String),
}

impl Subject {
    fn store(&self) -> &dyn Store {
        match self {
            Subject::Sqlite(s, _) => s,
            Subject::Postgres(s, _) => s,
        }
    }

    fn auth(&self) -> &dyn AuthStore {
        match self {
            Subject::Sqlite(s, _) => s,
            Subject::Postgres(s, _) => s,
        }
    }

    fn evidence(&self) -> &dyn EvidenceStore {
        match self {
            Subject::Sqlite(s, _) => s,
            Subject::Postgres(s, _) => s,
        }
    }

    async fn raw(&self, sql: &str) -> u64 {
        match self {
            Subject::Sqlite(s, _) => s.execute_raw_for_tests(sql).await,
            Subject::Postgres(s, _) => s.execute_raw_for_tests(sql).await,
        }
        .expect("raw statement")
    }

    async fn finish(self) {
        if let Subject::Postgres(s, schema) = self {
            s.drop_schema_for_tests(&schema).await.expect("drop schema");
        }
    }
}

async fn sqlite() -> Subject {
    let dir = tempfile::tempdir().expect("tempdir");
    let url =
        rampart_store::DatabaseUrl::new(format!("sqlite:{}", dir.path().join("t.db").display()));
    Subject::Sqlite(SqliteStore::open(&url).await.expect("open sqlite"), dir)
}

async fn postgres() -> Option<Subject> {
    let url = util::postgres_url().await?;
    let schema = util::unique_schema("conformance");
    let store = PostgresStore::open_in_schema(&rampart_store::DatabaseUrl::new(url), Some(&schema))
        .await
        .expect("open postgres");
    Some(Subject::Postgres(store, schema))
}

/// Each check as two tests, one per backend.
macro_rules! conformance {
    ($($check:ident),* $(,)?) => {$(
        mod $check {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let s = super::sqlite().await;
                super::$check(&s).await;
                s.finish().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(s) = super::postgres().await else { return };
                super::$check(&s).await;
                s.finish().await;
            }
        }
    )*};
}

conformance!(
    import_then_export_round_trips,
    edits_carry_versions_and_stale_edits_are_refused,
    concurrent_edits_of_one_version_let_exactly_one_through,
    references_are_enforced_by_the_store,
    imports_are_all_or_nothing,
    batch_writes_land_whole_with_one_audit_entry_each,
    a_failed_batch_leaves_the_store_and_the_audit_log_as_they_were,
    lists_filter_by_site_and_page,
    list_totals_follow_every_write,
    the_audit_log_records_every_change_and_detects_tampering,
    filtered_sorted_lists_and_counts_agree_with_the_oracle,
    grouped_counts_agree_with_the_oracle,
    credentials_are_set_replaced_refused_and_audited_without_hashes,
    sessions_are_kept_touched_and_expired,
    api_tokens_are_listed_revoked_and_audited_without_hashes,
    failed_logins_are_counted_windowed_and_locked,
    concurrent_failed_logins_are_all_counted,
    audit_pages_filter_and_page_backwards,
    a_replacing_import_keeps_the_users_and_drops_only_what_the_file_lost,
    evidence_is_stored_once_by_content_and_attached_in_one_transaction,
    evidence_outlives_the_replacement_of_its_organisation,
    an_invariant_lets_only_one_of_two_racing_writes_break_even,
    a_detached_file_keeps_its_bytes_and_its_other_attachments,
);

fn demo() -> OrgDocument {
    let text = std::fs::read_to_string(util::root().join("examples/demo-organisation.yaml"))
        .expect("demo file");
    rampart_orgfile::parse(
        "demo-organisation.yaml",
        &text,
        rampart_orgfile::Format::Yaml,
    )
    .expect("demo parses")
}

fn id(s: &str) -> Id {
    Id::new(s).expect("id")
}

fn no_progress(_: u64) {}

async fn load_demo(store: &dyn Store) -> OrgDocument {
    let doc = demo();
    import_document(store, "tester", &doc, ImportMode::CreateOnly, &no_progress)
        .await
        .expect("import demo");
    doc
}

fn new_asset(name: &str) -> Asset {
    Asset {
        id: id("hq-new-safe"),
        site: id("hq"),
        zone: Some(id("hq-exec-suite")),
        name: name.into(),
        kind: AssetKind::Physical,
        value: Rating::new(6).expect("rating"),
        owner: Some(id("p-brennan")),
        replacement_cost: Some(4_500.0),
        description: None,
    }
}

async fn import_then_export_round_trips(s: &Subject) {
    let store = s.store();
    let doc = load_demo(store).await;
    let back = export_document(store, &doc.organisation.id)
        .await
        .expect("export");
    assert_eq!(back, doc);
    let orgs = store.organisations().await.expect("organisations");
    assert_eq!(orgs.len(), 1);
    assert_eq!(orgs[0].version, 1);
}

async fn edits_carry_versions_and_stale_edits_are_refused(s: &Subject) {
    let store = s.store();
    let org = load_demo(store).await.organisation.id;
    let created = store
        .create("alice", &org, &new_asset("Wall safe"))
        .await
        .expect("create");
    assert_eq!(created.version, 1);
    assert_eq!(created.updated_by, "alice");
    let again = store.create("alice", &org, &new_asset("Wall safe")).await;
    assert!(
        matches!(
            again,
            Err(StoreError::AlreadyExists {
                kind: EntityKind::Asset,
                ..
            })
        ),
        "{again:?}"
    );

    let mut edit = created.value.clone();
    edit.value = Rating::new(9).expect("rating");
    let v2 = store
        .update("bob", &org, &edit, 1)
        .await
        .expect("update at version 1");
    assert_eq!(v2.version, 2);

    // Carol edited the copy she loaded at version 1: refused, nothing changed.
    let mut stale = created.value.clone();
    stale.name = "Carol's name".into();
    let err = store.update("carol", &org, &stale, 1).await.unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Conflict {
                expected: 1,
                actual: 2,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("version 1") && err.to_string().contains("version 2"),
        "{err}"
    );
    let now = store
        .get::<Asset>(&org, &edit.id)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(
        (now.value.name.as_str(), now.value.value.get(), now.version),
        ("Wall safe", 9, 2)
    );

    let err = store
        .delete::<Asset>("carol", &org, &edit.id, 1)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
    store
        .delete::<Asset>("bob", &org, &edit.id, 2)
        .await
        .expect("delete at version 2");
    assert!(
        store
            .get::<Asset>(&org, &edit.id)
            .await
            .expect("get")
            .is_none()
    );
    let err = store.update("bob", &org, &edit, 2).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
}

async fn concurrent_edits_of_one_version_let_exactly_one_through(s: &Subject) {
    let store = s.store();
    let org = load_demo(store).await.organisation.id;
    store
        .create("alice", &org, &new_asset("Wall safe"))
        .await
        .expect("create");
    let edits = (0..8).map(|i| {
        let org = org.clone();
        async move {
            let mut a = new_asset("Wall safe");
            a.name = format!("Edit {i}");
            store.update(&format!("user{i}"), &org, &a, 1).await
        }
    });
    let results = futures_join_all(edits).await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let conflicts = results
        .iter()
        .filter(|r| matches!(r, Err(StoreError::Conflict { .. })))
        .count();
    assert_eq!((ok, conflicts), (1, 7), "{results:?}");
    let now = store
        .get::<Asset>(&org, &id("hq-new-safe"))
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(now.version, 2);
}

/// Run futures concurrently on the current task (no extra dependency).
async fn futures_join_all<F: Future>(futs: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let mut set = Vec::new();
    for f in futs {
        set.push(Box::pin(f));
    }
    let mut out: Vec<Option<F::Output>> = set.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in set.iter_mut().enumerate() {
            if out[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => out[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter()
        .map(|o| o.expect("every future finished"))
        .collect()
}

async fn references_are_enforced_by_the_store(s: &Subject) {
    let store = s.store();
    let org = load_demo(store).await.organisation.id;
    let mut a = new_asset("Wall safe");
    a.zone = Some(id("hq-vault"));
    let err = store.create("alice", &org, &a).await.unwrap_err();
    assert!(
        matches!(&err, StoreError::DanglingReference { target_kind: EntityKind::Zone, target, .. } if target.as_str() == "hq-vault"),
        "{err:?}"
    );
    assert!(
        store
            .get::<Asset>(&org, &a.id)
            .await
            .expect("get")
            .is_none()
    );

    // The reception zone has devices, assets and a parent: it cannot go.
    let zone = store
        .get::<Zone>(&org, &id("hq-reception"))
        .await
        .expect("get")
        .expect("zone");
    let err = store
        .delete::<Zone>("alice", &org, &id("hq-reception"), zone.version)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Referenced {
                kind: EntityKind::Zone,
                ..
            }
        ),
        "{err:?}"
    );
    let site = store
        .get::<Site>(&org, &id("whs"))
        .await
        .expect("get")
        .expect("site");
    assert!(matches!(
        store
            .delete::<Site>("alice", &org, &id("whs"), site.version)
            .await,
        Err(StoreError::Referenced { .. })
    ));

    // Re-pointing an asset releases the old reference.
    let created = store
        .create("alice", &org, &new_asset("Wall safe"))
        .await
        .expect("create");
    let mut moved = created.value.clone();
    moved.zone = None;
    store
        .update("alice", &org, &moved, 1)
        .await
        .expect("update");
    let z = Zone {
        id: id("hq-scratch"),
        site: id("hq"),
        parent: None,
        name: "Scratch".into(),
        kind: Default::default(),
        classification: Default::default(),
        description: None,
    };
    store.create("alice", &org, &z).await.expect("zone");
    moved.zone = Some(z.id.clone());
    store
        .update("alice", &org, &moved, 2)
        .await
        .expect("point at the new zone");
    assert!(matches!(
        store.delete::<Zone>("alice", &org, &z.id, 1).await,
        Err(StoreError::Referenced { .. })
    ));
    moved.zone = None;
    store
        .update("alice", &org, &moved, 3)
        .await
        .expect("point away");
    store
        .delete::<Zone>("alice", &org, &z.id, 1)
        .await
        .expect("now it can go");
}

async fn imports_are_all_or_nothing(s: &Subject) {
    let store = s.store();
    let doc = load_demo(store).await;
    let org = doc.organisation.id.clone();
    let before = export_document(store, &org).await.expect("export");
    let audit_before = store.verify_audit_log().await.expect("verify").entries;

    // Importing again without replace is refused.
    let err = import_document(store, "t", &doc, ImportMode::CreateOnly, &no_progress)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::OrganisationExists(_)), "{err:?}");

    // A replacement with a broken rule is refused before anything is written.
    let mut bad = doc.clone();
    bad.assets.push(bad.assets[0].clone());
    let err = import_document(store, "t", &bad, ImportMode::Replace, &no_progress)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Invalid(ref p) if p.len() == 1),
        "{err:?}"
    );

    // A replacement the database refuses half-way (a reference to nothing,
    // smuggled past validation) is rolled back whole: the old organisation stays.
    let mut records: Vec<Record> = bad
        .sites
        .iter()
        .map(|e| Record::from_entity(e).expect("record"))
        .collect();
    let mut dangling = Record::from_entity(&new_asset("Orphan")).expect("record");
    dangling.refs.push((EntityKind::Zone, id("no-such-zone")));
    records.push(dangling);
    let err = store
        .import_records(
            "t",
            &doc.organisation,
            &records,
            ImportMode::Replace,
            &no_progress,
        )
        .await;
    assert!(err.is_err(), "a dangling reference must fail the import");
    assert_eq!(export_document(store, &org).await.expect("export"), before);
    assert_eq!(
        store.verify_audit_log().await.expect("verify").entries,
        audit_before
    );

    // The same for a brand-new organisation: nothing of it remains.
    let mut other = doc.organisation.clone();
    other.id = id("other");
    let err = store
        .import_records("t", &other, &records, ImportMode::CreateOnly, &no_progress)
        .await;
    assert!(err.is_err());
    assert!(store.organisation(&other.id).await.expect("get").is_none());

    // A valid replacement replaces.
    let mut smaller = doc.clone();
    smaller.risks.clear();
    let summary = import_document(store, "t", &smaller, ImportMode::Replace, &no_progress)
        .await
        .expect("replace");
    assert!(summary.replaced);
    assert_eq!(export_document(store, &org).await.expect("export"), smaller);
    assert_eq!(
        store
            .organisation(&org)
            .await
            .expect("get")
            .expect("org")
            .version,
        2
    );
}

fn scratch_zone() -> Zone {
    Zone {
        id: id("hq-scratch"),
        site: id("hq"),
        parent: None,
        name: "Scratch".into(),
        kind: Default::default(),
        classification: Default::default(),
        description: None,
    }
}

/// The newest audit entry's sequence number and hash, and how many there are.
async fn audit_state(store: &dyn Store) -> (i64, String, usize) {
    let all = store.audit_entries(0, 100_000).await.expect("entries");
    let last = all.last().expect("an audit entry");
    (last.seq, last.hash.clone(), all.len())
}

async fn batch_writes_land_whole_with_one_audit_entry_each(s: &Subject) {
    let store = s.store();
    let org = load_demo(store).await.organisation.id;
    let assets = store
        .list::<Asset>(&org, &ListQuery::all())
        .await
        .expect("list");
    let (a0, a1) = (assets[0].clone(), assets[1].clone());
    let (head_seq, _, entries_before) = audit_state(store).await;

    // The new asset refers to the zone created earlier in the same batch.
    let zone = scratch_zone();
    let mut safe = new_asset("Wall safe");
    safe.zone = Some(zone.id.clone());
    let mut e0 = a0.value.clone();
    e0.name = format!("{} (renamed)", e0.name);
    let mut e1 = a1.value.clone();
    e1.description = Some("Checked in the batch".into());
    let mut batch = store.batch();
    batch.create(&zone).expect("record");
    batch.create(&safe).expect("record");
    batch.update(&e0, a0.version).expect("record");
    batch.update(&e1, a1.version).expect("record");
    assert_eq!(batch.len(), 4);
    let written = batch.commit("alice", &org).await.expect("batch");
    let summary: Vec<(EntityKind, &str, i64)> = written
        .iter()
        .map(|r| (r.kind, r.id.as_str(), r.version))
        .collect();
    assert_eq!(
        summary,
        [
            (EntityKind::Zone, "hq-scratch", 1),
            (EntityKind::Asset, "hq-new-safe", 1),
            (EntityKind::Asset, a0.value.id.as_str(), a0.version + 1),
            (EntityKind::Asset, a1.value.id.as_str(), a1.version + 1),
        ]
    );

    // Everything reads back as written.
    let org_ref = &org;
    let got = |i: Id| async move { store.get::<Asset>(org_ref, &i).await };
    assert_eq!(
        got(safe.id.clone())
            .await
            .expect("get")
            .expect("safe")
            .value,
        safe
    );
    let g0 = got(e0.id.clone()).await.expect("get").expect("a0");
    assert_eq!((g0.value, g0.version), (e0, a0.version + 1));
    let g1 = got(e1.id.clone()).await.expect("get").expect("a1");
    assert_eq!((g1.value, g1.version), (e1, a1.version + 1));
    assert_eq!(
        store
            .get::<Zone>(&org, &zone.id)
            .await
            .expect("get")
            .expect("zone")
            .value,
        zone
    );
    // The batch wrote the new asset's reference: its zone cannot go.
    assert!(matches!(
        store.delete::<Zone>("bob", &org, &zone.id, 1).await,
        Err(StoreError::Referenced { .. })
    ));

    // One audit entry per write, in order, chained onto the old head.
    let tail = store.audit_entries(head_seq, 100).await.expect("entries");
    let got: Vec<(&str, &str, &str, &str, bool)> = tail
        .iter()
        .map(|e| {
            (
                e.actor.as_str(),
                e.action.as_str(),
                e.kind.as_str(),
                e.entity_id.as_str(),
                e.before.is_some(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("alice", "create", "zone", "hq-scratch", false),
            ("alice", "create", "asset", "hq-new-safe", false),
            ("alice", "update", "asset", a0.value.id.as_str(), true),
            ("alice", "update", "asset", a1.value.id.as_str(), true),
        ]
    );
    assert!(
        tail[2]
            .after
            .as_deref()
            .is_some_and(|a| a.contains("(renamed)"))
    );
    let v = store.verify_audit_log().await.expect("verify");
    assert!(v.is_intact(), "{v:?}");
    assert_eq!(v.entries, (entries_before + 4) as u64);

    // An empty batch writes nothing.
    assert!(
        store
            .write_records("alice", &org, &[])
            .await
            .expect("empty")
            .is_empty()
    );
    assert_eq!(audit_state(store).await.2, entries_before + 4);
}

async fn a_failed_batch_leaves_the_store_and_the_audit_log_as_they_were(s: &Subject) {
    let store = s.store();
    let org = load_demo(store).await.organisation.id;
    let assets = store
        .list::<Asset>(&org, &ListQuery::all())
        .await
        .expect("list");
    let (a0, a1) = (assets[0].clone(), assets[1].clone());
    // Someone else edits a1 after we read it: our version of it is stale.
    let mut theirs = a1.value.clone();
    theirs.name = "Edited elsewhere".into();
    store
        .update("bob", &org, &theirs, a1.version)
        .await
        .expect("their edit");
    let before = export_document(store, &org).await.expect("export");
    let audit_before = audit_state(store).await;
    let zones_before = store
        .count_records(&org, EntityKind::Zone, &ListQuery::all())
        .await
        .expect("count");

    let mut e0 = a0.value.clone();
    e0.name = "Renamed by the batch".into();
    let mut e1 = a1.value.clone();
    e1.name = "Stale edit".into();
    let zone = Record::from_entity(&scratch_zone()).expect("record");
    let update0 = RecordWrite::Update {
        record: Record::from_entity(&e0).expect("record"),
        expected_version: a0.version,
    };

    // The 3rd write is stale: a conflict, and nothing of the batch remains.
    let stale = RecordWrite::Update {
        record: Record::from_entity(&e1).expect("record"),
        expected_version: a1.version,
    };
    let safe = RecordWrite::Create(Record::from_entity(&new_asset("Wall safe")).expect("record"));
    let err = store
        .write_records(
            "alice",
            &org,
            &[
                RecordWrite::Create(zone.clone()),
                update0.clone(),
                stale,
                safe.clone(),
            ],
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            StoreError::Conflict { kind: EntityKind::Asset, id, expected, actual }
                if *id == a1.value.id && *expected == a1.version && *actual == a1.version + 1
        ),
        "{err:?}"
    );
    let check_untouched = async || {
        assert_eq!(export_document(store, &org).await.expect("export"), before);
        assert_eq!(audit_state(store).await, audit_before);
        assert_eq!(
            store
                .count_records(&org, EntityKind::Zone, &ListQuery::all())
                .await
                .expect("count"),
            zones_before
        );
        let g0 = store
            .get::<Asset>(&org, &a0.value.id)
            .await
            .expect("get")
            .expect("a0");
        assert_eq!((g0.version, &g0.value), (a0.version, &a0.value));
        assert!(
            store
                .get::<Asset>(&org, &id("hq-new-safe"))
                .await
                .expect("get")
                .is_none()
        );
        assert!(store.verify_audit_log().await.expect("verify").is_intact());
    };
    check_untouched().await;

    // The 3rd write refers to nothing: the same.
    let mut orphan = Record::from_entity(&new_asset("Orphan")).expect("record");
    orphan.refs.push((EntityKind::Zone, id("no-such-zone")));
    let err = store
        .write_records(
            "alice",
            &org,
            &[
                RecordWrite::Create(zone.clone()),
                update0.clone(),
                RecordWrite::Create(orphan),
            ],
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::DanglingReference { target_kind: EntityKind::Zone, target, .. } if target.as_str() == "no-such-zone"),
        "{err:?}"
    );
    check_untouched().await;

    // The 3rd write creates what the 1st created: the same.
    let err = store
        .write_records(
            "alice",
            &org,
            &[
                RecordWrite::Create(zone.clone()),
                update0.clone(),
                RecordWrite::Create(zone.clone()),
            ],
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            StoreError::AlreadyExists {
                kind: EntityKind::Zone,
                ..
            }
        ),
        "{err:?}"
    );
    check_untouched().await;

    // The writes that failed with it go through on their own, at the
    // versions read before: none of them was half-applied.
    let written = store
        .write_records("alice", &org, &[RecordWrite::Create(zone), update0, safe])
        .await
        .expect("batch");
    assert_eq!(written[1].version, a0.version + 1);
    assert_eq!(audit_state(store).await.2, audit_before.2 + 3);
}

async fn lists_filter_by_site_and_page(s: &Subject) {
    let store = s.store();
    let doc = load_demo(store).await;
    let org = doc.organisation.id;
    let all = store
        .list::<Asset>(&org, &ListQuery::all())
        .await
        .expect("list");
    assert_eq!(all.len(), doc.assets.len());
    let dc = store
        .list::<Asset>(&org, &ListQuery::site(&id("dc")))
        .await
        .expect("list");
    assert_eq!(
        dc.len(),
        doc.assets
            .iter()
            .filter(|a| a.site.as_str() == "dc")
            .count()
    );
    assert!(dc.iter().all(|a| a.value.site.as_str() == "dc"));
    let two_sites = ListQuery {
        sites: Some(vec![id("dc"), id("whs")]),
        ..ListQuery::all()
    };
    let n = store
        .list::<Asset>(&org, &two_sites)
        .await
        .expect("list")
        .len();
    assert_eq!(
        n,
        doc.assets
            .iter()
            .filter(|a| a.site.as_str() != "hq")
            .count()
    );
    let page = ListQuery {
        limit: Some(10),
        offset: 20,
        ..ListQuery::all()
    };
    let got: Vec<String> = store
        .list::<Asset>(&org, &page)
        .await
        .expect("page")
        .into_iter()
        .map(|a| a.value.id.to_string())
        .collect();
    let want: Vec<String> = doc.assets[20..30]
        .iter()
        .map(|a| a.id.to_string())
        .collect();
    assert_eq!(got, want);
    let none = ListQuery {
        sites: Some(vec![]),
        ..ListQuery::all()
    };
    assert!(
        store
            .list::<Asset>(&org, &none)
            .await
            .expect("list")
            .is_empty()
    );
}

/// Every kind's total, whole and per site (one site, two sites, none), as
/// counted and as paged, against the records actually listed.
async fn assert_totals_true(store: &dyn Store, org: &Id, when: &str) {
    let scopes = [
        None,
        Some(vec![id("hq")]),
        Some(vec![id("dc")]),
        Some(vec![id("dc"), id("whs")]),
        Some(vec![]),
    ];
    for kind in EntityKind::ALL {
        for sites in &scopes {
            let q = ListQuery {
                sites: sites.clone(),
                ..ListQuery::all()
            };
            let listed = store.list_records(org, kind, &q).await.expect("list").len();
            let counted = store.count_records(org, kind, &q).await.expect("count");
            let page = ListQuery {
                limit: Some(2),
                ..q.clone()
            };
            let (_, paged) = store.page_records(org, kind, &page).await.expect("page");
            assert_eq!(
                (counted, paged),
                (listed as i64, listed as i64),
                "{when}: {kind} at {sites:?}"
            );
        }
    }
}

/// Each site's mark ('' for none), as [`Store::site_marks`] gives them.
async fn marks(store: &dyn Store, org: &Id) -> std::collections::BTreeMap<String, i64> {
    store
        .site_marks(org, &EntityKind::ALL)
        .await
        .expect("site marks")
        .into_iter()
        .map(|(site, mark)| (site.map(|s| s.to_string()).unwrap_or_default(), mark))
        .collect()
}

/// Which sites' marks moved between two readings; a mark never goes back.
fn marks_moved(
    before: &std::collections::BTreeMap<String, i64>,
    after: &std::collections::BTreeMap<String, i64>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (site, now) in after {
        let was = before.get(site).copied().unwrap_or(0);
        assert!(
            *now >= was,
            "the mark of {site:?} went back: {was} -> {now}"
        );
        if *now > was {
            out.push(site.clone());
        }
    }
    out
}

/// Totals without content filters come from counts the database keeps in
/// each write's transaction: they must follow inserts, moves between
/// sites, deletions, batches, a failed batch and a replacing import.
async fn list_totals_follow_every_write(s: &Subject) {
    let store = s.store();
    let doc = load_demo(store).await;
    let org = doc.organisation.id.clone();
    assert_totals_true(store, &org, "after the import").await;
    let m0 = marks(store, &org).await;
    let zones_before = store
        .site_marks(&org, &[EntityKind::Zone])
        .await
        .expect("marks");
    let assets_before = store
        .site_marks(&org, &[EntityKind::Asset])
        .await
        .expect("marks");

    let created = store
        .create("t", &org, &new_asset("Wall safe"))
        .await
        .expect("create");
    assert_totals_true(store, &org, "after an insert").await;
    let m1 = marks(store, &org).await;
    assert_eq!(marks_moved(&m0, &m1), ["hq"]);
    // Only the marks of the asset's kind moved: a zone's did not.
    let zones_after = store
        .site_marks(&org, &[EntityKind::Zone])
        .await
        .expect("marks");
    assert_eq!(zones_after, zones_before);
    let assets_after = store
        .site_marks(&org, &[EntityKind::Asset])
        .await
        .expect("marks");
    assert_ne!(assets_after, assets_before);

    // The asset moves from hq to dc (its zone goes with the site).
    let mut moved = created.value.clone();
    moved.site = id("dc");
    moved.zone = None;
    let moved = store.update("t", &org, &moved, 1).await.expect("move");
    assert_totals_true(store, &org, "after a move").await;
    let m2 = marks(store, &org).await;
    assert_eq!(marks_moved(&m1, &m2), ["dc", "hq"]);

    // A batch: a second new asset, and the first one moved on to whs.
    let mut second = new_asset("Key cabinet");
    second.id = id("whs-key-cabinet");
    second.site = id("whs");
    second.zone = None;
    let mut again = moved.value.clone();
    again.site = id("whs");
    store
        .write_records(
            "t",
            &org,
            &[
                RecordWrite::Create(Record::from_entity(&second).expect("record")),
                RecordWrite::Update {
                    record: Record::from_entity(&again).expect("record"),
                    expected_version: moved.version,
                },
            ],
        )
        .await
        .expect("batch");
    assert_totals_true(store, &org, "after a batch").await;
    let m3 = marks(store, &org).await;
    assert_eq!(marks_moved(&m2, &m3), ["dc", "whs"]);

    // A batch that fails at its end (a stale version) leaves the counts as they were.
    let mut third = new_asset("Spare safe");
    third.id = id("hq-spare-safe");
    let mut back = again.clone();
    back.site = id("hq");
    let failed = store
        .write_records(
            "t",
            &org,
            &[
                RecordWrite::Create(Record::from_entity(&third).expect("record")),
                RecordWrite::Update {
                    record: Record::from_entity(&back).expect("record"),
                    expected_version: moved.version,
                },
            ],
        )
        .await;
    assert!(failed.is_err(), "{failed:?}");
    assert_totals_true(store, &org, "after a failed batch").await;
    let m4 = marks(store, &org).await;
    assert!(marks_moved(&m3, &m4).is_empty(), "{m3:?} -> {m4:?}");

    store
        .delete::<Asset>("t", &org, &again.id, moved.version + 1)
        .await
        .expect("delete");
    assert_totals_true(store, &org, "after a deletion").await;
    let m5 = marks(store, &org).await;
    assert_eq!(marks_moved(&m4, &m5), ["whs"]);

    // A replacing import with fewer assets.
    let mut smaller = doc.clone();
    let dropped = smaller.assets.pop().expect("an asset");
    smaller.risks.retain(|r| r.asset != dropped.id);
    import_document(store, "t", &smaller, ImportMode::Replace, &no_progress)
        .await
        .expect("replace");
    assert_totals_true(store, &org, "after a replacing import").await;
    let m6 = marks(store, &org).await;
    let all: Vec<String> = m5.keys().cloned().collect();
    assert_eq!(
        marks_moved(&m5, &m6),
        all,
        "a replacing import moves every mark"
    );

    // An import counts its records once at its end; writes after it are
    // counted one by one again.
    let mut fourth = new_asset("Cash drawer");
    fourth.id = id("hq-cash-drawer");
    let fourth = store.create("t", &org, &fourth).await.expect("create");
    assert_totals_true(store, &org, "after a write that follows an import").await;
    let m7 = marks(store, &org).await;
    assert_eq!(marks_moved(&m6, &m7), ["hq"]);

    // An edit in place marks its own site only.
    let mut renamed = fourth.value.clone();
    renamed.name = "Cash drawer, front desk".into();
    store
        .update("t", &org, &renamed, fourth.version)
        .await
        .expect("edit");
    let m8 = marks(store, &org).await;
    assert_eq!(marks_moved(&m7, &m8), ["hq"]);
}

async fn the_audit_log_records_every_change_and_detects_tampering(s: &Subject) {
    let store = s.store();
    let doc = load_demo(store).await;
    let org = doc.organisation.id.clone();
    let created = store
        .create("alice", &org, &new_asset("Wall safe"))
        .await
        .expect("create");
    let mut edit = created.value.clone();
    edit.name = "Floor safe".into();
    store.update("bob", &org, &edit, 1).await.expect("update");
    store
        .delete::<Asset>("carol", &org, &edit.id, 2)
        .await
        .expect("delete");

    let v = store.verify_audit_log().await.expect("verify");
    assert!(v.is_intact(), "{v:?}");
    // One entry for the import (holding everything it wrote), one per edit.
    assert_eq!(v.entries, 4);
    let import = &store.audit_entries(0, 1).await.expect("entries")[0];
    assert_eq!(
        (
            import.action.as_str(),
            import.kind.as_str(),
            import.entity_id.as_str()
        ),
        ("import", "organisation", "northwind")
    );
    let written: Value =
        serde_json::from_str(import.after.as_deref().expect("after")).expect("JSON");
    assert_eq!(
        written["records"].as_array().expect("records").len(),
        doc.entity_count()
    );
    assert_eq!(
        written["organisation"]["name"],
        doc.organisation.name.as_str()
    );
    let tail = store.audit_entries(1, 10).await.expect("entries");
    let summary: Vec<(&str, &str, bool, bool)> = tail
        .iter()
        .map(|e| {
            (
                e.actor.as_str(),
                e.action.as_str(),
                e.before.is_some(),
                e.after.is_some(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("alice", "create", false, true),
            ("bob", "update", true, true),
            ("carol", "delete", true, false)
        ]
    );
    assert!(
        tail[1]
            .before
            .as_deref()
            .is_some_and(|b| b.contains("Wall safe"))
    );
    assert!(
        tail[1]
            .after
            .as_deref()
            .is_some_and(|a| a.contains("Floor safe"))
    );

    // Someone edits an entry behind Rampart's back.
    assert_eq!(
        s.raw("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")
            .await,
        1
    );
    let v = store.verify_audit_log().await.expect("verify");
    assert!(!v.is_intact());
    assert_eq!(
        v.breaks.iter().map(|b| b.seq).collect::<Vec<_>>(),
        [2],
        "{v:?}"
    );

    // ... and deletes another.
    s.raw("DELETE FROM audit_log WHERE seq = 3").await;
    let v = store.verify_audit_log().await.expect("verify");
    assert!(
        v.breaks
            .iter()
            .any(|b| b.seq == 4 && b.reason.contains("entry 3 is missing")),
        "{v:?}"
    );
    assert_eq!(v.entries, 3);
}

// ---------------------------------------------------------------------------
// Filters, sort keys and counts, against an in-memory oracle.

/// A field of a record's content; JSON `null` counts as missing.
fn field<'a>(body: &'a Value, path: &FieldPath) -> Option<&'a Value> {
    let mut v = body;
    for name in path.names() {
        v = v.get(name)?;
    }
    (!v.is_null()).then_some(v)
}

fn value_eq(v: &Value, want: &FilterValue) -> bool {
    match (v, want) {
        (Value::String(s), FilterValue::Text(t)) => s == t,
        (Value::Number(n), FilterValue::Number(x)) => n.as_f64() == Some(*x),
        (Value::Bool(b), FilterValue::Bool(c)) => b == c,
        _ => false,
    }
}

fn filter_matches(f: &FieldFilter, r: &StoredRecord) -> bool {
    let Some(v) = field(&r.body, &f.field) else {
        return false;
    };
    match f.op {
        FilterOp::Eq => value_eq(v, &f.value),
        FilterOp::In => match &f.value {
            FilterValue::List(values) => values.iter().any(|x| value_eq(v, x)),
            one => value_eq(v, one),
        },
        FilterOp::Contains => v
            .as_array()
            .is_some_and(|a| a.iter().any(|e| value_eq(e, &f.value))),
        FilterOp::Like => match (v, &f.value) {
            (Value::String(s), FilterValue::Text(t)) => {
                s.to_ascii_lowercase().contains(&t.to_ascii_lowercase())
            }
            _ => false,
        },
        FilterOp::AtLeast | FilterOp::AtMost => {
            let ord = match (v, &f.value) {
                (Value::String(s), FilterValue::Text(t)) => Some(s.as_str().cmp(t.as_str())),
                (Value::Number(n), FilterValue::Number(x)) => {
                    n.as_f64().and_then(|n| n.partial_cmp(x))
                }
                _ => None,
            };
            match (ord, f.op) {
                (Some(o), FilterOp::AtLeast) => o != Ordering::Less,
                (Some(o), _) => o != Ordering::Greater,
                (None, _) => false,
            }
        }
    }
}

/// The reference semantics of a query's conditions (its page aside).
fn matches(q: &ListQuery, r: &StoredRecord) -> bool {
    let on_site = match &q.sites {
        None => true,
        Some(sites) => r.site.as_ref().is_some_and(|s| sites.contains(s)),
    };
    on_site && q.filters.iter().all(|f| filter_matches(f, r))
}

/// Numbers, then text, then booleans, then lists and objects.
fn rank(v: &Value) -> u8 {
    match v {
        Value::Number(_) => 0,
        Value::String(_) => 1,
        Value::Bool(_) => 2,
        _ => 3,
    }
}

fn value_cmp(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Value::String(x), Value::String(y)) => x.as_str().cmp(y.as_str()),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}

/// The reference order: each key (records lacking a content field last in
/// both directions), then creation order.
fn oracle_cmp(
    keys: &[SortKey],
    a: &(usize, &StoredRecord),
    b: &(usize, &StoredRecord),
) -> Ordering {
    for k in keys {
        let dir = |o: Ordering| if k.descending { o.reverse() } else { o };
        let ord = match &k.field {
            SortField::Id => dir(a.1.id.as_str().cmp(b.1.id.as_str())),
            SortField::UpdatedAt => dir(a.1.updated_at.cmp(&b.1.updated_at)),
            SortField::Content(p) => match (field(&a.1.body, p), field(&b.1.body, p)) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(x), Some(y)) => dir(rank(x).cmp(&rank(y)).then(value_cmp(x, y))),
            },
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    a.0.cmp(&b.0)
}

/// What a backend must answer for `q`, from every record in creation order.
fn oracle(all: &[StoredRecord], q: &ListQuery) -> (Vec<String>, usize) {
    let mut hits: Vec<(usize, &StoredRecord)> = all
        .iter()
        .enumerate()
        .filter(|(_, r)| matches(q, r))
        .collect();
    hits.sort_by(|a, b| oracle_cmp(&q.sort, a, b));
    let total = hits.len();
    let ids = hits
        .into_iter()
        .skip(usize::try_from(q.offset).expect("offset"))
        .take(
            q.limit
                .map_or(usize::MAX, |l| usize::try_from(l).expect("limit")),
        )
        .map(|(_, r)| r.id.to_string())
        .collect();
    (ids, total)
}

fn path(p: &str) -> FieldPath {
    FieldPath::new(p).expect("field path")
}

fn filter(p: &str, op: FilterOp, value: FilterValue) -> FieldFilter {
    FieldFilter {
        field: path(p),
        value,
        op,
    }
}

fn text(s: &str) -> FilterValue {
    FilterValue::Text(s.into())
}

fn by(p: &str, descending: bool) -> SortKey {
    SortKey {
        field: SortField::Content(path(p)),
        descending,
    }
}

fn query(filters: Vec<FieldFilter>, sort: Vec<SortKey>) -> ListQuery {
    ListQuery {
        filters,
        sort,
        ..ListQuery::all()
    }
}

async fn filtered_sorted_lists_and_counts_agree_with_the_oracle(s: &Subject) {
    use FilterOp::*;
    use FilterValue::Number;
    let store = s.store();
    let org = load_demo(store).await.organisation.id;
    let id_desc = SortKey {
        field: SortField::Id,
        descending: true,
    };
    let id_asc = SortKey {
        field: SortField::Id,
        descending: false,
    };
    let cases: Vec<(EntityKind, ListQuery)> = vec![
        (
            EntityKind::Asset,
            query(vec![filter("owner", Eq, text("p-okafor"))], vec![]),
        ),
        (
            EntityKind::Asset,
            query(
                vec![filter("kind", Eq, text("system"))],
                vec![by("value", true)],
            ),
        ),
        (
            EntityKind::Asset,
            query(vec![filter("name", Like, text("SERVER"))], vec![]),
        ),
        // Pattern characters match themselves.
        (
            EntityKind::Asset,
            query(vec![filter("name", Like, text("(2"))], vec![]),
        ),
        (
            EntityKind::Asset,
            query(vec![filter("name", Like, text("_"))], vec![]),
        ),
        (
            EntityKind::Asset,
            query(vec![filter("name", Like, text("%"))], vec![]),
        ),
        (
            EntityKind::Asset,
            query(vec![filter("value", AtLeast, Number(9.0))], vec![]),
        ),
        (
            EntityKind::Asset,
            query(
                vec![filter("value", AtMost, Number(4.0))],
                vec![by("name", false)],
            ),
        ),
        (
            EntityKind::Asset,
            query(
                vec![filter("replacement_cost", AtLeast, Number(1_000_000.0))],
                vec![by("replacement_cost", true)],
            ),
        ),
        // Missing values sort last in both directions.
        (
            EntityKind::Asset,
            query(vec![], vec![by("replacement_cost", false)]),
        ),
        (
            EntityKind::Asset,
            query(vec![], vec![by("replacement_cost", true)]),
        ),
        (
            EntityKind::Asset,
            query(vec![], vec![by("value", true), id_asc.clone()]),
        ),
        (EntityKind::Asset, query(vec![], vec![id_desc.clone()])),
        (
            EntityKind::Asset,
            query(
                vec![],
                vec![SortKey {
                    field: SortField::UpdatedAt,
                    descending: true,
                }],
            ),
        ),
        // Types must agree: text never equals a number, nor a number text.
        (
            EntityKind::Asset,
            query(vec![filter("value", Eq, text("9"))], vec![]),
        ),
        (
            EntityKind::Asset,
            query(vec![filter("owner", AtLeast, Number(0.0))], vec![]),
        ),
        (
            EntityKind::Asset,
            query(
                vec![filter("owner", AtLeast, text("p-m"))],
                vec![by("owner", false)],
            ),
        ),
        (
            EntityKind::Asset,
            query(vec![filter("owner", Contains, text("p-okafor"))], vec![]),
        ),
        (
            EntityKind::Asset,
            query(vec![filter("no_such_field", Eq, text("x"))], vec![]),
        ),
        // Site scope and several filters at once.
        (
            EntityKind::Asset,
            ListQuery {
                sites: Some(vec![id("dc"), id("whs")]),
                ..query(
                    vec![
                        filter("value", AtLeast, Number(7.0)),
                        filter("kind", Eq, text("system")),
                    ],
                    vec![by("replacement_cost", true)],
                )
            },
        ),
        (
            EntityKind::Risk,
            query(
                vec![filter("treatment", Eq, text("mitigate"))],
                vec![by("title", false)],
            ),
        ),
        (
            EntityKind::Risk,
            query(vec![filter("treatment", Eq, text("accept"))], vec![]),
        ),
        (
            EntityKind::Risk,
            query(
                vec![filter("title", Like, text("THEFT"))],
                vec![by("title", true)],
            ),
        ),
        (
            EntityKind::Risk,
            query(
                vec![filter("controls", Contains, text("ac-whs-alarm"))],
                vec![],
            ),
        ),
        (
            EntityKind::Risk,
            query(
                vec![filter("assessment.method", Eq, text("matrix"))],
                vec![by("owner", true)],
            ),
        ),
        (
            EntityKind::Risk,
            query(
                vec![],
                vec![by("assessment.method", false), by("title", true)],
            ),
        ),
        (
            EntityKind::Device,
            query(vec![filter("status", Eq, text("degraded"))], vec![]),
        ),
        // One of several values; types must agree; an empty list matches
        // nothing, and a list with any other operator matches nothing.
        (
            EntityKind::Device,
            query(
                vec![filter(
                    "status",
                    In,
                    FilterValue::List(vec![text("degraded"), text("out_of_service")]),
                )],
                vec![by("name", false)],
            ),
        ),
        (
            EntityKind::Device,
            query(vec![filter("status", In, text("operational"))], vec![]),
        ),
        (
            EntityKind::Device,
            query(
                vec![filter("status", In, FilterValue::List(vec![]))],
                vec![],
            ),
        ),
        (
            EntityKind::Device,
            query(
                vec![filter(
                    "status",
                    Eq,
                    FilterValue::List(vec![text("degraded")]),
                )],
                vec![],
            ),
        ),
        (
            EntityKind::Asset,
            query(
                vec![filter(
                    "value",
                    In,
                    FilterValue::List(vec![
                        Number(9.0),
                        Number(10.0),
                        text("8"),
                        FilterValue::Bool(true),
                    ]),
                )],
                vec![],
            ),
        ),
        (
            EntityKind::Risk,
            query(
                vec![
                    filter(
                        "id",
                        In,
                        FilterValue::List(vec![text("r-whs-cargo-yard"), text("no-such")]),
                    ),
                    filter(
                        "assessment.method",
                        In,
                        FilterValue::List(vec![text("matrix"), text("fema452")]),
                    ),
                ],
                vec![],
            ),
        ),
        (
            EntityKind::Device,
            query(
                vec![filter("kind", Eq, text("camera"))],
                vec![by("name", false)],
            ),
        ),
        (
            EntityKind::Control,
            query(
                vec![filter("capex", AtLeast, Number(100_000.0))],
                vec![by("capex", true)],
            ),
        ),
        (
            EntityKind::Control,
            query(
                vec![filter("effectiveness", AtMost, Number(0.5))],
                vec![by("effectiveness", false)],
            ),
        ),
        (
            EntityKind::Person,
            query(
                vec![filter("sites", Contains, text("dc"))],
                vec![by("name", false)],
            ),
        ),
        (
            EntityKind::Person,
            query(
                vec![filter("roles", Contains, text("Security Officer"))],
                vec![],
            ),
        ),
        (
            EntityKind::Person,
            query(vec![filter("sites", Contains, Number(1.0))], vec![]),
        ),
        (
            EntityKind::Person,
            query(vec![filter("kind", Eq, FilterValue::Bool(true))], vec![]),
        ),
    ];
    for (kind, q) in &cases {
        let all = store
            .list_records(&org, *kind, &ListQuery::all())
            .await
            .expect("list all");
        let (want, total) = oracle(&all, q);
        let got: Vec<String> = store
            .list_records(&org, *kind, q)
            .await
            .expect("list")
            .into_iter()
            .map(|r| r.id.to_string())
            .collect();
        assert_eq!(got, want, "{kind} {q:?}");
        let count = store.count_records(&org, *kind, q).await.expect("count");
        assert_eq!(
            count,
            i64::try_from(total).expect("total"),
            "count of {kind} {q:?}"
        );
        // A page of it, and the count ignores the page.
        let page = ListQuery {
            limit: Some(5),
            offset: 3,
            ..q.clone()
        };
        let got: Vec<String> = store
            .list_records(&org, *kind, &page)
            .await
            .expect("page")
            .into_iter()
            .map(|r| r.id.to_string())
            .collect();
        assert_eq!(got, oracle(&all, &page).0, "page of {kind} {q:?}");
        assert_eq!(
            store
                .count_records(&org, *kind, &page)
                .await
                .expect("count"),
            count
        );
        // The page and its total in one call: the same records, whole, and the same total.
        let listed = store.list_records(&org, *kind, &page).await.expect("page");
        let (paged, paged_total) = store
            .page_records(&org, *kind, &page)
            .await
            .expect("page_records");
        assert_eq!(paged, listed, "page_records of {kind} {q:?}");
        assert_eq!(paged_total, count, "page_records total of {kind} {q:?}");
    }
    // The cases above are not all trivially empty.
    let nonempty = {
        let mut n = 0;
        for (kind, q) in &cases {
            if store.count_records(&org, *kind, q).await.expect("count") > 0 {
                n += 1;
            }
        }
        n
    };
    assert!(nonempty >= 20, "only {nonempty} cases select anything");

    // Paging through a sorted list, page by page, reads it whole, once.
    let sorted = query(
        vec![filter("value", AtLeast, Number(5.0))],
        vec![by("value", true), by("name", false)],
    );
    let all = store
        .list_records(&org, EntityKind::Asset, &ListQuery::all())
        .await
        .expect("list all");
    let (want, total) = oracle(&all, &sorted);
    assert!(total > 20);
    let mut paged = Vec::new();
    for offset in (0..).step_by(7) {
        let page = ListQuery {
            limit: Some(7),
            offset,
            ..sorted.clone()
        };
        let got = store
            .list_records(&org, EntityKind::Asset, &page)
            .await
            .expect("page");
        if got.is_empty() {
            break;
        }
        paged.extend(got.into_iter().map(|r| r.id.to_string()));
    }
    assert_eq!(paged, want);

    // Without filters or sort, the count is the plain list's length.
    let n = store
        .count_records(&org, EntityKind::Asset, &ListQuery::site(&id("dc")))
        .await
        .expect("count");
    assert_eq!(
        n,
        i64::try_from(
            store
                .list::<Asset>(&org, &ListQuery::site(&id("dc")))
                .await
                .expect("list")
                .len()
        )
        .expect("len")
    );
}

/// What [`Store::count_by`] must answer, from every record.
fn oracle_groups(
    all: &[StoredRecord],
    q: &ListQuery,
    group: &[FieldPath],
) -> Vec<(Vec<Value>, i64)> {
    let rows = all.iter().filter(|r| matches(q, r)).map(|r| {
        let key = group
            .iter()
            .map(|p| field(&r.body, p).cloned().unwrap_or(Value::Null))
            .collect();
        (key, 1)
    });
    rampart_store::merge_groups(rows)
}

async fn grouped_counts_agree_with_the_oracle(s: &Subject) {
    use FilterOp::*;
    let store = s.store();
    let org = load_demo(store).await.organisation.id;
    let paths = |ps: &[&str]| ps.iter().map(|p| path(p)).collect::<Vec<_>>();
    let cases: Vec<(EntityKind, ListQuery, Vec<FieldPath>)> = vec![
        (
            EntityKind::Risk,
            ListQuery::all(),
            paths(&[
                "site",
                "assessment.method",
                "assessment.inherent.likelihood",
                "assessment.inherent.impact",
                "assessment.current.likelihood",
                "assessment.current.impact",
            ]),
        ),
        (
            EntityKind::Risk,
            query(
                vec![filter("assessment.method", Eq, text("fema452"))],
                vec![],
            ),
            paths(&[
                "site",
                "assessment.inherent.asset_value",
                "assessment.inherent.threat",
                "assessment.inherent.vulnerability",
                "assessment.current",
            ]),
        ),
        (
            EntityKind::Device,
            ListQuery::site(&id("whs")),
            paths(&["status", "kind"]),
        ),
        // Lists and objects group by their whole value; missing is null.
        (
            EntityKind::Person,
            ListQuery::all(),
            paths(&["sites", "no_such_field"]),
        ),
        (EntityKind::Asset, ListQuery::all(), paths(&["value"])),
        (
            EntityKind::Asset,
            query(vec![filter("kind", Eq, text("no-such-kind"))], vec![]),
            paths(&["value"]),
        ),
        // No fields: the count, as one group.
        (EntityKind::Control, ListQuery::all(), Vec::new()),
    ];
    let mut nonempty = 0;
    for (kind, q, group) in &cases {
        let all = store
            .list_records(&org, *kind, &ListQuery::all())
            .await
            .expect("list all");
        let want = oracle_groups(&all, q, group);
        let got = store
            .count_by(&org, *kind, q, group)
            .await
            .expect("count by");
        assert_eq!(got, want, "{kind} {q:?} by {group:?}");
        let total: i64 = got.iter().map(|g| g.1).sum();
        assert_eq!(
            total,
            store.count_records(&org, *kind, q).await.expect("count"),
            "{kind} {q:?}"
        );
        if got.len() > 1 {
            nonempty += 1;
        }
    }
    assert!(nonempty >= 4, "only {nonempty} cases have several groups");
}

// ---------------------------------------------------------------------------
// Authentication state.

const HASH_1: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$first-hash-AAAAAAAAAAAAAAAA";
const HASH_2: &str = "$argon2id$v=19$m=19456,t=2,p=1$b3RoZXJzYWx0$second-hash-BBBBBBBBBBBBBBB";

/// An RFC 3339 time in the store's form, `minutes` after a fixed start.
fn at(minutes: i64) -> String {
    let t = jiff::Timestamp::from_second(1_767_225_600 + minutes * 60).expect("time");
    rampart_store::timestamp_text(t)
}

async fn add_user(store: &dyn Store, org: &Id, user: &str) -> Id {
    let u = User {
        id: id(user),
        display_name: user.to_uppercase(),
        email: None,
        role: Role::Assessor,
        all_sites: false,
        sites: vec![id("hq")],
        person: None,
        disabled: false,
    };
    store.create("admin", org, &u).await.expect("create user");
    u.id
}

fn credential(org: &Id, user: &Id, login: &str, hash: &str) -> Credential {
    Credential {
        login: login.into(),
        org: org.clone(),
        user: user.clone(),
        password_hash: hash.into(),
        must_change: true,
        updated_at: at(0),
    }
}

/// Every audit entry, as text, for "no hash in the log" checks.
async fn audit_text(store: &dyn Store) -> String {
    let entries = store.audit_entries(0, 100_000).await.expect("audit");
    serde_json::to_string(&entries).expect("JSON")
}

async fn credentials_are_set_replaced_refused_and_audited_without_hashes(s: &Subject) {
    let (store, auth) = (s.store(), s.auth());
    let org = load_demo(store).await.organisation.id;
    let alice = add_user(store, &org, "alice").await;
    let bob = add_user(store, &org, "bob").await;

    let first = credential(&org, &alice, "alice@northwind.example", HASH_1);
    auth.set_credential("admin", &first).await.expect("set");
    assert_eq!(
        auth.credential_by_login("alice@northwind.example")
            .await
            .expect("get"),
        Some(first.clone())
    );
    assert_eq!(
        auth.credential_of(&org, &alice).await.expect("get"),
        Some(first.clone())
    );
    assert_eq!(auth.credential_by_login("nobody").await.expect("get"), None);

    // Replaced whole: a new hash and a new login; the old login is free again.
    let second = Credential {
        login: "alice".into(),
        password_hash: HASH_2.into(),
        must_change: false,
        updated_at: at(5),
        ..first.clone()
    };
    auth.set_credential("alice", &second)
        .await
        .expect("replace");
    assert_eq!(
        auth.credential_by_login("alice").await.expect("get"),
        Some(second.clone())
    );
    assert_eq!(
        auth.credential_by_login("alice@northwind.example")
            .await
            .expect("get"),
        None
    );
    assert_eq!(
        auth.credential_of(&org, &alice).await.expect("get"),
        Some(second.clone())
    );

    // Another user cannot take a login in use.
    let err = auth
        .set_credential("admin", &credential(&org, &bob, "alice", HASH_1))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::AlreadyExists {
                kind: EntityKind::User,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(auth.credential_of(&org, &bob).await.expect("get"), None);
    assert_eq!(
        auth.credential_by_login("alice").await.expect("get"),
        Some(second.clone())
    );

    // Nor can a user that does not exist have one.
    let err = auth
        .set_credential("admin", &credential(&org, &id("ghost"), "ghost", HASH_1))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::NotFound { kind: EntityKind::User, id } if id.as_str() == "ghost"),
        "{err:?}"
    );
    let err = auth
        .set_credential(
            "admin",
            &credential(&id("no-such-org"), &alice, "x", HASH_1),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");

    // Audited: created then updated, the login in, the hash never.
    let page = store
        .audit_page(&AuditQuery {
            org: Some(org.clone()),
            kind: Some("credential".into()),
            limit: 10,
            ..AuditQuery::default()
        })
        .await
        .expect("audit page");
    let summary: Vec<(&str, &str, &str)> = page
        .iter()
        .map(|e| (e.actor.as_str(), e.action.as_str(), e.entity_id.as_str()))
        .collect();
    assert_eq!(
        summary,
        [("alice", "update", "alice"), ("admin", "create", "alice")]
    );
    assert!(
        page[0]
            .after
            .as_deref()
            .is_some_and(|a| a.contains("\"alice\""))
    );
    assert!(
        page[0]
            .before
            .as_deref()
            .is_some_and(|b| b.contains("alice@northwind.example"))
    );
    let log = audit_text(store).await;
    for secret in [HASH_1, HASH_2, "first-hash", "second-hash", "argon2"] {
        assert!(!log.contains(secret), "the audit log holds {secret:?}");
    }
    let v = store.verify_audit_log().await.expect("verify");
    assert!(v.is_intact(), "{v:?}");

    // A credential does not outlive its user.
    auth.set_credential("admin", &credential(&org, &bob, "bob", HASH_1))
        .await
        .expect("set");
    store
        .delete::<User>("admin", &org, &bob, 1)
        .await
        .expect("delete user");
    assert_eq!(auth.credential_of(&org, &bob).await.expect("get"), None);
    assert_eq!(auth.credential_by_login("bob").await.expect("get"), None);
    assert!(store.verify_audit_log().await.expect("verify").is_intact());
}

fn session(org: &Id, user: &Id, n: u8, created: i64, expires: i64) -> Session {
    Session {
        token_hash: format!("{n:02x}").repeat(32),
        org: org.clone(),
        user: user.clone(),
        csrf_token: format!("csrf-{n}"),
        created_at: at(created),
        last_seen_at: at(created),
        expires_at: at(expires),
    }
}

async fn sessions_are_kept_touched_and_expired(s: &Subject) {
    let (store, auth) = (s.store(), s.auth());
    let org = load_demo(store).await.organisation.id;
    let alice = add_user(store, &org, "alice").await;
    let bob = add_user(store, &org, "bob").await;
    let audit_before = store.verify_audit_log().await.expect("verify").entries;

    let a1 = session(&org, &alice, 1, 0, 600);
    let a2 = session(&org, &alice, 2, 10, 600);
    let b1 = session(&org, &bob, 3, 20, 30);
    for x in [&a1, &a2, &b1] {
        auth.insert_session(x).await.expect("insert session");
    }
    assert_eq!(
        auth.session(&a1.token_hash).await.expect("get"),
        Some(a1.clone())
    );
    assert_eq!(auth.session(&"ff".repeat(32)).await.expect("get"), None);
    // The session and its user's record in one read, as pages authenticate.
    let (got, user) = auth
        .session_with_user(&b1.token_hash)
        .await
        .expect("get with user")
        .expect("session");
    assert_eq!(got, b1);
    assert_eq!(
        user,
        store
            .get_record(&org, EntityKind::User, &bob)
            .await
            .expect("get bob")
    );
    assert!(user.is_some());
    assert_eq!(
        auth.session_with_user(&"ff".repeat(32))
            .await
            .expect("get with user"),
        None
    );
    let err = auth
        .insert_session(&session(&org, &id("ghost"), 4, 0, 60))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NotFound {
                kind: EntityKind::User,
                ..
            }
        ),
        "{err:?}"
    );

    auth.touch_session(&a1.token_hash, &at(40))
        .await
        .expect("touch");
    let touched = auth
        .session(&a1.token_hash)
        .await
        .expect("get")
        .expect("session");
    assert_eq!(touched.last_seen_at, at(40));
    assert_eq!(
        (touched.created_at, touched.csrf_token),
        (a1.created_at.clone(), a1.csrf_token.clone())
    );

    auth.delete_session(&a2.token_hash).await.expect("delete");
    assert_eq!(auth.session(&a2.token_hash).await.expect("get"), None);
    auth.insert_session(&a2).await.expect("again");

    // At minute 45, idle since before minute 15 (a2, last seen at 10) or past
    // the absolute end (b1, at 30) goes; a1, seen at 40, stays.
    assert_eq!(
        auth.delete_expired_sessions(&at(15), &at(45))
            .await
            .expect("expire"),
        2
    );
    assert!(auth.session(&a1.token_hash).await.expect("get").is_some());
    assert!(auth.session(&a2.token_hash).await.expect("get").is_none());
    assert!(auth.session(&b1.token_hash).await.expect("get").is_none());

    auth.insert_session(&a2).await.expect("again");
    auth.insert_session(&b1).await.expect("again");
    assert_eq!(
        auth.delete_sessions_of(&org, &alice)
            .await
            .expect("delete of"),
        2
    );
    assert!(auth.session(&a1.token_hash).await.expect("get").is_none());
    assert!(auth.session(&b1.token_hash).await.expect("get").is_some());
    assert_eq!(
        auth.delete_sessions_of(&org, &alice)
            .await
            .expect("delete of"),
        0
    );

    // Sessions change on every request: they are not audited.
    assert_eq!(
        store.verify_audit_log().await.expect("verify").entries,
        audit_before
    );
    // A deleted user's sessions end with it.
    store
        .delete::<User>("admin", &org, &bob, 1)
        .await
        .expect("delete user");
    assert!(auth.session(&b1.token_hash).await.expect("get").is_none());
}

fn api_token(org: &Id, user: &Id, n: u8, created: i64, expires: Option<i64>) -> ApiToken {
    ApiToken {
        id: format!("tok-{n}"),
        token_hash: format!("{:02x}", 0xa0 + n).repeat(32),
        org: org.clone(),
        user: user.clone(),
        name: format!("CI job {n}"),
        created_at: at(created),
        expires_at: expires.map(at),
        last_used_at: None,
        revoked: false,
    }
}

async fn api_tokens_are_listed_revoked_and_audited_without_hashes(s: &Subject) {
    let (store, auth) = (s.store(), s.auth());
    let org = load_demo(store).await.organisation.id;
    let alice = add_user(store, &org, "alice").await;
    let bob = add_user(store, &org, "bob").await;

    let t1 = api_token(&org, &alice, 1, 0, None);
    let t2 = api_token(&org, &alice, 2, 10, Some(60 * 24 * 90));
    let t3 = api_token(&org, &bob, 3, 20, None);
    for t in [&t1, &t2, &t3] {
        auth.insert_api_token("alice", t)
            .await
            .expect("insert token");
    }
    assert_eq!(
        auth.api_token(&t1.token_hash).await.expect("get"),
        Some(t1.clone())
    );
    assert_eq!(auth.api_token(&"00".repeat(32)).await.expect("get"), None);
    // The token and its user's record in one read, as the API authenticates.
    let (token, user) = auth
        .api_token_with_user(&t3.token_hash)
        .await
        .expect("get with user")
        .expect("token");
    assert_eq!(token, t3);
    assert_eq!(
        user,
        store
            .get_record(&org, EntityKind::User, &bob)
            .await
            .expect("get bob")
    );
    assert!(user.is_some());
    assert_eq!(
        auth.api_token_with_user(&"00".repeat(32))
            .await
            .expect("get with user"),
        None
    );
    assert_eq!(
        auth.api_tokens_of(&org, &alice).await.expect("list"),
        [t2.clone(), t1.clone()]
    );
    assert_eq!(
        auth.api_tokens_of(&org, &bob).await.expect("list"),
        std::slice::from_ref(&t3)
    );
    let err = auth
        .insert_api_token("alice", &api_token(&org, &id("ghost"), 4, 0, None))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NotFound {
                kind: EntityKind::User,
                ..
            }
        ),
        "{err:?}"
    );

    auth.touch_api_token(&t2.token_hash, &at(30))
        .await
        .expect("touch");
    let used = auth
        .api_token(&t2.token_hash)
        .await
        .expect("get")
        .expect("token");
    assert_eq!(used.last_used_at, Some(at(30)));

    assert!(
        auth.revoke_api_token("alice", &org, "tok-1")
            .await
            .expect("revoke")
    );
    assert!(
        auth.api_token(&t1.token_hash)
            .await
            .expect("get")
            .expect("token")
            .revoked
    );
    assert!(
        !auth
            .api_token(&t2.token_hash)
            .await
            .expect("get")
            .expect("token")
            .revoked
    );
    // Revoking again changes nothing; unknown ids and other organisations' ids are not found.
    assert!(
        auth.revoke_api_token("alice", &org, "tok-1")
            .await
            .expect("revoke")
    );
    assert!(
        !auth
            .revoke_api_token("alice", &org, "tok-9")
            .await
            .expect("revoke")
    );
    assert!(
        !auth
            .revoke_api_token("alice", &id("other"), "tok-2")
            .await
            .expect("revoke")
    );
    assert_eq!(
        auth.api_tokens_of(&org, &alice).await.expect("list").len(),
        2
    );

    let page = store
        .audit_page(&AuditQuery {
            org: Some(org.clone()),
            kind: Some("api_token".into()),
            limit: 10,
            ..AuditQuery::default()
        })
        .await
        .expect("audit page");
    let summary: Vec<(&str, &str)> = page
        .iter()
        .map(|e| (e.action.as_str(), e.entity_id.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            ("update", "tok-1"),
            ("create", "tok-3"),
            ("create", "tok-2"),
            ("create", "tok-1")
        ]
    );
    let created: Value =
        serde_json::from_str(page[2].after.as_deref().expect("after")).expect("JSON");
    assert_eq!(created["name"], "CI job 2");
    assert_eq!(created["expires_at"], at(60 * 24 * 90).as_str());
    assert!(
        page[0]
            .after
            .as_deref()
            .is_some_and(|a| a.contains("\"revoked\":true"))
    );
    let log = audit_text(store).await;
    for t in [&t1, &t2, &t3] {
        assert!(
            !log.contains(&t.token_hash),
            "the audit log holds a token hash"
        );
    }
    let v = store.verify_audit_log().await.expect("verify");
    assert!(v.is_intact(), "{v:?}");
}

fn failure<'a>(
    key: &'a str,
    now: &'a str,
    window_starts_after: &'a str,
    lock_until: &'a str,
) -> FailedLogin<'a> {
    FailedLogin {
        key,
        now,
        window_starts_after,
        max_failures: 3,
        lock_until,
    }
}

async fn failed_logins_are_counted_windowed_and_locked(s: &Subject) {
    let auth = s.auth();
    let (t0, t1, t2, t3) = (at(0), at(1), at(2), at(3));
    let (before, lock, early_lock) = (at(-15), at(30), at(20));
    let r = auth
        .register_failure(&failure("alice", &t0, &before, &lock))
        .await
        .expect("fail");
    assert_eq!(
        (
            r.failures,
            r.window_start.as_str(),
            r.locked_until.as_deref()
        ),
        (1, t0.as_str(), None)
    );
    let r = auth
        .register_failure(&failure("alice", &t1, &before, &lock))
        .await
        .expect("fail");
    assert_eq!(
        (
            r.failures,
            r.window_start.as_str(),
            r.locked_until.as_deref()
        ),
        (2, t0.as_str(), None)
    );
    let r = auth
        .register_failure(&failure("alice", &t2, &before, &lock))
        .await
        .expect("fail");
    assert_eq!(
        (r.failures, r.locked_until.as_deref()),
        (3, Some(lock.as_str()))
    );
    // A later failure with an earlier lock end keeps the later lock.
    let r = auth
        .register_failure(&failure("alice", &t3, &before, &early_lock))
        .await
        .expect("fail");
    assert_eq!(
        (r.failures, r.locked_until.as_deref()),
        (4, Some(lock.as_str()))
    );
    assert_eq!(auth.throttle("alice").await.expect("get"), Some(r));
    // Other keys count apart.
    let r = auth
        .register_failure(&failure("10.0.0.7", &t3, &before, &lock))
        .await
        .expect("fail");
    assert_eq!(r.failures, 1);

    // Once the window is over, counting starts again at 1 from now.
    let (later, after_window, later_lock) = (at(60), at(45), at(90));
    let r = auth
        .register_failure(&failure("alice", &later, &after_window, &later_lock))
        .await
        .expect("fail");
    assert_eq!((r.failures, r.window_start.as_str()), (1, later.as_str()));
    // A window that starts exactly at the boundary is over too.
    let r = auth
        .register_failure(&failure("alice", &at(61), &later, &later_lock))
        .await
        .expect("fail");
    assert_eq!((r.failures, r.window_start.as_str()), (1, at(61).as_str()));
    for n in 2..=3 {
        let r = auth
            .register_failure(&failure("alice", &at(61 + n), &after_window, &later_lock))
            .await
            .expect("fail");
        assert_eq!(r.failures, n);
    }
    let r = auth
        .throttle("alice")
        .await
        .expect("get")
        .expect("throttle");
    assert_eq!(
        (r.failures, r.locked_until.as_deref()),
        (3, Some(later_lock.as_str()))
    );

    // A successful login forgets.
    auth.clear_throttle("alice").await.expect("clear");
    assert_eq!(auth.throttle("alice").await.expect("get"), None);
    assert!(auth.throttle("10.0.0.7").await.expect("get").is_some());
    let r = auth
        .register_failure(&failure("alice", &later, &after_window, &later_lock))
        .await
        .expect("fail");
    assert_eq!((r.failures, r.locked_until), (1, None));
}

async fn concurrent_failed_logins_are_all_counted(s: &Subject) {
    let auth = s.auth();
    let (now, before, lock) = (at(0), at(-15), at(30));
    let tries = (0..8).map(|_| {
        let f = FailedLogin {
            max_failures: 100,
            ..failure("burst", &now, &before, &lock)
        };
        async move { auth.register_failure(&f).await }
    });
    let results = futures_join_all(tries).await;
    let mut counts: Vec<i64> = results
        .into_iter()
        .map(|r| r.expect("register failure").failures)
        .collect();
    counts.sort_unstable();
    assert_eq!(counts, (1..=8).collect::<Vec<i64>>());
    assert_eq!(
        auth.throttle("burst")
            .await
            .expect("get")
            .expect("throttle")
            .failures,
        8
    );
}

// ---------------------------------------------------------------------------
// Audit pages.

async fn audit_pages_filter_and_page_backwards(s: &Subject) {
    let store = s.store();
    let doc = load_demo(store).await;
    let org = doc.organisation.id.clone();
    let created = store
        .create("alice", &org, &new_asset("Wall safe"))
        .await
        .expect("create");
    let mut edit = created.value.clone();
    for (n, actor) in ["bob", "carol", "bob", "dave"].into_iter().enumerate() {
        edit.name = format!("Safe {n}");
        store
            .update(actor, &org, &edit, 1 + n as i64)
            .await
            .expect("update");
    }
    let zone = store
        .get::<Zone>(&org, &id("hq-exec-suite"))
        .await
        .expect("get")
        .expect("zone");
    let mut z = zone.value.clone();
    z.name = "Executive floor".into();
    store
        .update("alice", &org, &z, zone.version)
        .await
        .expect("update zone");
    let mut other = doc.clone();
    other.organisation.id = id("other");
    import_document(store, "erin", &other, ImportMode::CreateOnly, &no_progress)
        .await
        .expect("import other");

    let page = |q: AuditQuery| async move { store.audit_page(&q).await.expect("audit page") };
    let seqs = |p: &[rampart_store::AuditEntry]| p.iter().map(|e| e.seq).collect::<Vec<_>>();

    // Everything, newest first.
    let everything = page(AuditQuery {
        limit: 100,
        ..AuditQuery::default()
    })
    .await;
    assert_eq!(seqs(&everything), (1..=8).rev().collect::<Vec<i64>>());
    assert_eq!(everything, {
        let mut all = store.audit_entries(0, 100).await.expect("entries");
        all.reverse();
        all
    });

    // Without content: the same entries, hashes and all, but no before/after.
    let light = page(AuditQuery {
        limit: 100,
        without_content: true,
        ..AuditQuery::default()
    })
    .await;
    assert_eq!(light.len(), everything.len());
    for (l, e) in light.iter().zip(&everything) {
        assert_eq!(
            (l.seq, &l.hash, &l.actor, &l.kind),
            (e.seq, &e.hash, &e.actor, &e.kind)
        );
        assert_eq!((&l.before, &l.after), (&None, &None));
    }
    assert!(everything.iter().any(|e| e.after.is_some()));

    let mine = page(AuditQuery {
        org: Some(org.clone()),
        limit: 100,
        ..AuditQuery::default()
    })
    .await;
    assert_eq!(seqs(&mine), (1..=7).rev().collect::<Vec<i64>>());
    let theirs = page(AuditQuery {
        org: Some(id("other")),
        limit: 100,
        ..AuditQuery::default()
    })
    .await;
    assert_eq!(
        theirs
            .iter()
            .map(|e| (e.seq, e.actor.as_str(), e.action.as_str()))
            .collect::<Vec<_>>(),
        [(8, "erin", "import")]
    );

    let safe = AuditQuery {
        org: Some(org.clone()),
        kind: Some("asset".into()),
        entity_id: Some("hq-new-safe".into()),
        limit: 100,
        ..AuditQuery::default()
    };
    let history = page(safe.clone()).await;
    assert_eq!(seqs(&history), [6, 5, 4, 3, 2]);
    assert_eq!(history.last().map(|e| e.action.as_str()), Some("create"));
    let zones = page(AuditQuery {
        kind: Some("zone".into()),
        limit: 100,
        ..AuditQuery::default()
    })
    .await;
    assert_eq!(seqs(&zones), [7]);
    let bobs = page(AuditQuery {
        actor: Some("bob".into()),
        limit: 100,
        ..AuditQuery::default()
    })
    .await;
    assert_eq!(seqs(&bobs), [5, 3]);
    let bob_on_safe = page(AuditQuery {
        actor: Some("bob".into()),
        ..safe.clone()
    })
    .await;
    assert_eq!(seqs(&bob_on_safe), [5, 3]);
    assert!(
        page(AuditQuery {
            entity_id: Some("nothing".into()),
            limit: 100,
            ..AuditQuery::default()
        })
        .await
        .is_empty()
    );

    // Cursor paging: two at a time, each page before the last one's oldest.
    let mut cursor = None;
    let mut walked = Vec::new();
    loop {
        let p = page(AuditQuery {
            before: cursor,
            limit: 2,
            ..safe.clone()
        })
        .await;
        assert!(p.len() <= 2);
        let Some(last) = p.last() else { break };
        cursor = Some(last.seq);
        walked.extend(seqs(&p));
    }
    assert_eq!(walked, seqs(&history));
    assert_eq!(
        seqs(
            &page(AuditQuery {
                before: Some(4),
                ..safe.clone()
            })
            .await
        ),
        [3, 2]
    );
    assert!(page(AuditQuery { limit: 0, ..safe }).await.is_empty());
}

/// Users are not in an organisation file: `import --replace` keeps them,
/// with their password, sessions and tokens. A site of a user's scope or a
/// linked person that the new file no longer has is taken off the user (an
/// audited update), and every reference a kept user still makes is enforced
/// again by the database.
async fn a_replacing_import_keeps_the_users_and_drops_only_what_the_file_lost(s: &Subject) {
    let (store, auth) = (s.store(), s.auth());
    let doc = demo();
    let org = doc.organisation.id.clone();
    // First the demo with two more sites and a person; the replacement is
    // the demo with only `solo` of them.
    let extra_site = |name: &str| {
        let mut x = doc.sites[0].clone();
        x.id = id(name);
        x.name = name.to_uppercase();
        x
    };
    let mut first = doc.clone();
    first.sites.push(extra_site("annex"));
    first.sites.push(extra_site("solo"));
    let mut temp = doc.people[0].clone();
    temp.id = id("p-temp");
    first.people.push(temp);
    import_document(store, "t", &first, ImportMode::CreateOnly, &no_progress)
        .await
        .expect("import");
    let mut second = doc.clone();
    second.sites.push(extra_site("solo"));

    let boss = User {
        id: id("boss"),
        display_name: "Boss".into(),
        email: None,
        role: Role::Admin,
        all_sites: true,
        sites: Vec::new(),
        person: Some(id("p-okafor")),
        disabled: false,
    };
    let ann = User {
        id: id("ann"),
        display_name: "Ann".into(),
        email: None,
        role: Role::Assessor,
        all_sites: false,
        sites: vec![id("solo"), id("annex")],
        person: Some(id("p-temp")),
        disabled: false,
    };
    store.create("admin", &org, &boss).await.expect("boss");
    store.create("admin", &org, &ann).await.expect("ann");
    auth.set_credential("admin", &credential(&org, &boss.id, "boss", HASH_1))
        .await
        .expect("credential");
    auth.set_credential("admin", &credential(&org, &ann.id, "ann", HASH_1))
        .await
        .expect("credential");
    let ann_session = session(&org, &ann.id, 7, 0, 600);
    auth.insert_session(&ann_session).await.expect("session");
    let token = api_token(&org, &boss.id, 3, 0, None);
    auth.insert_api_token("admin", &token).await.expect("token");
    let audit_before = store.verify_audit_log().await.expect("verify").entries;

    let summary = import_document(store, "t", &second, ImportMode::Replace, &no_progress)
        .await
        .expect("replace");
    assert!(summary.replaced);
    assert_eq!(summary.users_kept, 2);
    assert_eq!(
        summary.user_changes,
        vec![UserScopeChange {
            user: ann.id.clone(),
            removed_sites: vec![id("annex")],
            removed_person: Some(id("p-temp")),
        }]
    );

    // The organisation is the file's; the users are not part of it.
    assert_eq!(export_document(store, &org).await.expect("export"), second);
    // Both can still log in, ann keeps her session and boss his token.
    assert!(
        auth.credential_by_login("boss")
            .await
            .expect("get")
            .is_some()
    );
    assert_eq!(
        auth.credential_of(&org, &ann.id)
            .await
            .expect("get")
            .map(|c| c.login),
        Some("ann".to_owned())
    );
    assert!(
        auth.session(&ann_session.token_hash)
            .await
            .expect("get")
            .is_some()
    );
    assert_eq!(
        auth.api_token(&token.token_hash)
            .await
            .expect("get")
            .map(|t| t.id),
        Some(token.id.clone())
    );
    // Boss lost nothing and is untouched; ann lost annex and p-temp.
    let boss_now = store
        .get::<User>(&org, &boss.id)
        .await
        .expect("get")
        .expect("boss kept");
    assert_eq!((boss_now.value, boss_now.version), (boss.clone(), 1));
    let ann_now = store
        .get::<User>(&org, &ann.id)
        .await
        .expect("get")
        .expect("ann kept");
    assert_eq!(ann_now.version, 2);
    assert_eq!(ann_now.value.sites, vec![id("solo")]);
    assert_eq!(ann_now.value.person, None);

    // One entry for the import, one for ann's update; the chain holds.
    let v = store.verify_audit_log().await.expect("verify");
    assert!(v.is_intact());
    assert_eq!(v.entries, audit_before + 2);
    let last = store
        .audit_entries(audit_before as i64, 10)
        .await
        .expect("audit");
    assert_eq!(
        last.iter()
            .map(|e| (e.action.as_str(), e.kind.as_str(), e.entity_id.as_str()))
            .collect::<Vec<_>>(),
        vec![
            ("import", "organisation", org.as_str()),
            ("update", "user", "ann")
        ]
    );
    assert!(
        last[1]
            .after
            .as_deref()
            .is_some_and(|a| !a.contains("annex"))
    );
    assert!(!last[0].after.as_deref().unwrap_or("").contains("\"ann\""));

    // The kept references are enforced again: `solo` is referred to by
    // ann only, and cannot be deleted from under her; p-okafor by boss.
    let solo = store
        .get_record(&org, EntityKind::Site, &id("solo"))
        .await
        .expect("get")
        .expect("solo");
    let err = store
        .delete_record("t", &org, EntityKind::Site, &id("solo"), solo.version, None)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Referenced { .. }), "{err:?}");

    // Replacing again changes no one.
    let again = import_document(store, "t", &second, ImportMode::Replace, &no_progress)
        .await
        .expect("replace again");
    assert_eq!((again.users_kept, again.user_changes.len()), (2, 0));
}

// ---------------------------------------------------------------------------
// Audit evidence.

/// SHA-256("abc"), FIPS 180-2 appendix B.1: the content address is checked
/// against a value computed elsewhere.
const ABC_SHA256: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

fn to<'a>(org: &'a Id, audit: &'a Id, item: &'a str, name: &'a str) -> AttachTo<'a> {
    AttachTo {
        org,
        audit,
        item,
        display_name: name,
        at: "2026-01-01T00:00:00.000000Z",
    }
}

/// How many files the store holds (an update touches every row).
async fn stored_files(s: &Subject) -> u64 {
    s.raw("UPDATE evidence SET size = size").await
}

async fn evidence_is_stored_once_by_content_and_attached_in_one_transaction(s: &Subject) {
    let (store, ev) = (s.store(), s.evidence());
    let org = load_demo(store).await.organisation.id;
    let hq = id("hq-inspection-2025");
    let dc = id("dc-inspection-2025");
    let first = ev
        .put_evidence(
            "ann@web",
            &EvidenceUpload {
                to: to(&org, &hq, "PER-04", "gate.txt"),
                media_type: "text/plain",
                bytes: b"abc",
            },
        )
        .await
        .expect("put");
    assert!(first.stored_new && first.attached_new);
    let a = &first.attachment;
    assert_eq!(a.sha256, ABC_SHA256);
    assert_eq!(
        (
            a.item.as_str(),
            a.display_name.as_str(),
            a.attached_by.as_str()
        ),
        ("PER-04", "gate.txt", "ann@web")
    );
    assert_eq!((a.media_type.as_str(), a.size), ("text/plain", 3));

    // The same bytes again, on another item, by someone else: one file.
    let audit_before = audit_state(store).await;
    let again = ev
        .put_evidence(
            "bob@web",
            &EvidenceUpload {
                to: to(&org, &hq, "KEY-04", "copy.txt"),
                media_type: "text/plain",
                bytes: b"abc",
            },
        )
        .await
        .expect("put again");
    assert!(!again.stored_new && again.attached_new);
    assert_eq!(stored_files(s).await, 1);
    assert_eq!(audit_state(store).await.0, audit_before.0 + 1);
    let file = ev
        .evidence(&org, ABC_SHA256)
        .await
        .expect("read")
        .expect("file");
    assert_eq!(file.bytes, b"abc");
    assert_eq!(file.evidence.uploaded_by, "ann@web", "the first uploader");
    assert_eq!(file.evidence.size, 3);

    // And to the same item once more: nothing changes, nothing is audited.
    let audit_before = audit_state(store).await;
    let same = ev
        .put_evidence(
            "bob@web",
            &EvidenceUpload {
                to: to(&org, &hq, "PER-04", "renamed.txt"),
                media_type: "text/plain",
                bytes: b"abc",
            },
        )
        .await
        .expect("put the same");
    assert!(!same.stored_new && !same.attached_new);
    assert_eq!(same.attachment.display_name, "gate.txt");
    assert_eq!(audit_state(store).await, audit_before);

    // A larger binary file round-trips byte for byte.
    let photo: Vec<u8> = (0..3 * 1024 * 1024u32)
        .map(|i| (i * 7 % 251) as u8)
        .collect();
    let big = ev
        .put_evidence(
            "ann@web",
            &EvidenceUpload {
                to: to(&org, &hq, "PER-04", "gate.jpg"),
                media_type: "image/jpeg",
                bytes: &photo,
            },
        )
        .await
        .expect("put photo");
    let back = ev
        .evidence(&org, &big.attachment.sha256)
        .await
        .expect("read")
        .expect("photo");
    assert_eq!(back.bytes.len(), photo.len());
    assert!(back.bytes == photo);
    assert_eq!(back.evidence.media_type, "image/jpeg");

    let list = ev.attachments_of(&org, &hq).await.expect("list");
    let summary: Vec<(&str, &str)> = list
        .iter()
        .map(|a| (a.item.as_str(), a.display_name.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            ("PER-04", "gate.txt"),
            ("KEY-04", "copy.txt"),
            ("PER-04", "gate.jpg")
        ]
    );
    assert!(ev.attachments_of(&org, &dc).await.expect("list").is_empty());

    // Attach a stored file by its digest; an unknown digest attaches nothing.
    let linked = ev
        .attach("ann@web", ABC_SHA256, &to(&org, &dc, "PER-01", "abc.txt"))
        .await
        .expect("attach")
        .expect("a stored file");
    assert!(!linked.stored_new && linked.attached_new);
    assert_eq!(linked.attachment.size, 3);
    let unknown = "0".repeat(64);
    assert!(
        ev.attach("ann@web", &unknown, &to(&org, &dc, "PER-01", "x.txt"))
            .await
            .expect("attach unknown")
            .is_none()
    );
    assert!(ev.evidence(&org, &unknown).await.expect("read").is_none());

    // An audit that does not exist: refused, nothing stored, nothing audited.
    let audit_before = audit_state(store).await;
    let files_before = stored_files(s).await;
    let missing = id("no-such-audit");
    let err = ev
        .put_evidence(
            "ann@web",
            &EvidenceUpload {
                to: to(&org, &missing, "PER-01", "lost.txt"),
                media_type: "text/plain",
                bytes: b"never stored",
            },
        )
        .await
        .expect_err("no such audit");
    assert!(
        matches!(&err, StoreError::NotFound { kind: EntityKind::Audit, id } if id.as_str() == "no-such-audit"),
        "{err:?}"
    );
    assert_eq!(stored_files(s).await, files_before);
    assert_eq!(audit_state(store).await, audit_before);
    assert!(
        ev.attach(
            "ann@web",
            ABC_SHA256,
            &to(&org, &missing, "PER-01", "x.txt")
        )
        .await
        .is_err()
    );

    // Each upload is audited with where, what and which bytes, never the bytes.
    let page = store
        .audit_page(&AuditQuery {
            org: Some(org.clone()),
            kind: Some("evidence".into()),
            limit: 10,
            ..AuditQuery::default()
        })
        .await
        .expect("audit page");
    let summary: Vec<(&str, &str)> = page
        .iter()
        .map(|e| (e.actor.as_str(), e.entity_id.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            ("ann@web", "dc-inspection-2025"),
            ("ann@web", "hq-inspection-2025"),
            ("bob@web", "hq-inspection-2025"),
            ("ann@web", "hq-inspection-2025"),
        ]
    );
    let after: Value =
        serde_json::from_str(page[3].after.as_deref().expect("after")).expect("JSON");
    assert_eq!(after["sha256"], ABC_SHA256);
    assert_eq!(after["name"], "gate.txt");
    assert_eq!(after["item"], "PER-04");
    assert_eq!(after["stored_new"], true);
    let text = audit_text(store).await;
    assert!(!text.contains("never stored"));
    assert!(text.len() < photo.len() / 2, "the bytes are not in the log");
    let v = store.verify_audit_log().await.expect("verify");
    assert!(v.is_intact(), "{v:?}");
}

async fn evidence_outlives_the_replacement_of_its_organisation(s: &Subject) {
    let (store, ev) = (s.store(), s.evidence());
    let doc = load_demo(store).await;
    let org = doc.organisation.id.clone();
    let hq = id("hq-inspection-2025");
    ev.put_evidence(
        "ann@web",
        &EvidenceUpload {
            to: to(&org, &hq, "PER-04", "gate.txt"),
            media_type: "text/plain",
            bytes: b"abc",
        },
    )
    .await
    .expect("put");
    // `rampart import --replace` writes every record anew.
    import_document(store, "tester", &doc, ImportMode::Replace, &no_progress)
        .await
        .expect("replace");
    let list = ev.attachments_of(&org, &hq).await.expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].sha256, ABC_SHA256);
    assert!(ev.evidence(&org, ABC_SHA256).await.expect("read").is_some());
}

/// The rule of the test below: at least one administrator among the users.
fn one_admin_left(records: &[StoredRecord]) -> Result<(), String> {
    let admins = records
        .iter()
        .filter_map(|r| r.clone().decode::<User>().ok())
        .filter(|u| u.value.role == Role::Admin)
        .count();
    if admins > 0 {
        Ok(())
    } else {
        Err("no administrator would be left".into())
    }
}

async fn an_invariant_lets_only_one_of_two_racing_writes_break_even(s: &Subject) {
    let store = s.store();
    let org = load_demo(store).await.organisation.id;
    for name in ["ann", "bob"] {
        let uid = add_user(store, &org, name).await;
        let mut u = store
            .get::<User>(&org, &uid)
            .await
            .expect("get")
            .expect("user")
            .value;
        u.role = Role::Admin;
        store.update("t", &org, &u, 1).await.expect("make admin");
    }
    let rule = Invariant {
        kind: EntityKind::User,
        holds: &one_admin_left,
    };
    let before = audit_state(store).await;
    // Each administrator demotes the other at the same moment: each write
    // alone keeps an administrator, both together would leave none.
    let demote = |name: &'static str| {
        let org = org.clone();
        let rule = &rule;
        async move {
            let mut u = store
                .get::<User>(&org, &id(name))
                .await
                .expect("get")
                .expect("user")
                .value;
            u.role = Role::Viewer;
            let rec = Record::from_entity(&u).expect("record");
            store.update_record(name, &org, &rec, 2, Some(rule)).await
        }
    };
    let results = futures_join_all([demote("ann"), demote("bob")]).await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let refused: Vec<&StoreError> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert_eq!(ok, 1, "{results:?}");
    assert!(
        matches!(refused[..], [StoreError::Refused(why)] if why == "no administrator would be left"),
        "{refused:?}"
    );
    let users = store
        .list::<User>(&org, &ListQuery::all())
        .await
        .expect("list");
    assert_eq!(
        users.iter().filter(|u| u.value.role == Role::Admin).count(),
        1
    );
    let after = audit_state(store).await;
    assert_eq!(
        after.2,
        before.2 + 1,
        "one audit entry, for the write that landed"
    );

    // Deleting the last administrator is refused the same way, and nothing changes.
    let admin = users
        .iter()
        .find(|u| u.value.role == Role::Admin)
        .expect("admin");
    let err = store
        .delete_record(
            "t",
            &org,
            EntityKind::User,
            &admin.value.id,
            admin.version,
            Some(&rule),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Refused(_)), "{err:?}");
    assert!(
        store
            .get::<User>(&org, &admin.value.id)
            .await
            .expect("get")
            .is_some()
    );
    assert_eq!(
        audit_state(store).await,
        after,
        "the refused delete left no trace"
    );
    // A write the rule does not concern passes.
    let other = users
        .iter()
        .find(|u| u.value.role != Role::Admin)
        .expect("demoted");
    store
        .delete_record(
            "t",
            &org,
            EntityKind::User,
            &other.value.id,
            other.version,
            Some(&rule),
        )
        .await
        .expect("deleting a non-administrator keeps the rule");
}

async fn a_detached_file_keeps_its_bytes_and_its_other_attachments(s: &Subject) {
    let (store, ev) = (s.store(), s.evidence());
    let org = load_demo(store).await.organisation.id;
    let hq = id("hq-inspection-2025");
    for (item, name) in [("PER-04", "gate.txt"), ("KEY-04", "copy.txt")] {
        ev.put_evidence(
            "ann@web",
            &EvidenceUpload {
                to: to(&org, &hq, item, name),
                media_type: "text/plain",
                bytes: b"abc",
            },
        )
        .await
        .expect("put");
    }
    let before = audit_state(store).await;
    let gone = ev
        .detach("bob@web", &org, &hq, "PER-04", ABC_SHA256)
        .await
        .expect("detach")
        .expect("it was attached");
    assert_eq!(
        (
            gone.display_name.as_str(),
            gone.attached_by.as_str(),
            gone.size
        ),
        ("gate.txt", "ann@web", 3)
    );
    let left: Vec<String> = ev
        .attachments_of(&org, &hq)
        .await
        .expect("list")
        .into_iter()
        .map(|a| a.item)
        .collect();
    assert_eq!(left, ["KEY-04"]);
    assert!(ev.evidence(&org, ABC_SHA256).await.expect("file").is_some());
    let after = audit_state(store).await;
    assert_eq!(after.2, before.2 + 1, "one audit entry");
    let entry = store
        .audit_entries(before.0, 10)
        .await
        .expect("entries")
        .remove(0);
    assert_eq!(
        (
            entry.action.as_str(),
            entry.kind.as_str(),
            entry.actor.as_str()
        ),
        ("delete", "evidence", "bob@web")
    );
    assert!(
        entry
            .before
            .as_deref()
            .is_some_and(|b| b.contains("gate.txt"))
            && entry.after.is_none()
    );
    assert!(
        store.verify_audit_log().await.expect("verify").is_intact(),
        "the chain holds"
    );
    // Not attached (any more, or never): nothing written.
    assert!(
        ev.detach("bob@web", &org, &hq, "PER-04", ABC_SHA256)
            .await
            .expect("again")
            .is_none()
    );
    assert!(
        ev.detach(
            "bob@web",
            &org,
            &id("dc-inspection-2025"),
            "KEY-04",
            ABC_SHA256
        )
        .await
        .expect("other audit")
        .is_none()
    );
    assert_eq!(audit_state(store).await, after);
}
