//! The store conformance suite: every check runs against SQLite and against
//! PostgreSQL, through the same `Store` trait. A backend is conformant when
//! all of them pass.

use rampart_domain::{Asset, AssetKind, EntityKind, Id, OrgDocument, Rating, Site, Zone};
use rampart_store::{
    ImportMode, ListQuery, Record, Store, StoreError, export_document, import_document,
};
use rampart_store_postgres::PostgresStore;
use rampart_store_sqlite::SqliteStore;

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
    lists_filter_by_site_and_page,
    the_audit_log_records_every_change_and_detects_tampering,
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
    let written: serde_json::Value =
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
