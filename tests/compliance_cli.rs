//! The compliance commands end to end: `framework import` and `list`,
//! `audit list`, `audit calendar`, `export oscal`, through the real binary on the demo
//! organisation; OSCAL output checked against NIST's 1.0.6 JSON schemas.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::util::{assert_ok, rampart, root, stderr, stdout};

fn db_arg(dir: &Path, name: &str) -> String {
    format!("sqlite:{}", dir.join(name).display())
}

fn demo_db(dir: &Path) -> String {
    let db = db_arg(dir, "demo.db");
    assert_ok(&rampart(&["demo", "--db", &db, "--no-serve", "--quiet"]));
    db
}

fn compliance_data(name: &str) -> PathBuf {
    root().join("crates/compliance/tests/data").join(name)
}

/// Controls and enhancements of an OSCAL catalog, counted by walking the
/// JSON: every object in a `controls` array, at any depth.
fn count_controls(v: &Value) -> usize {
    match v {
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| match (k.as_str(), v) {
                ("controls", Value::Array(cs)) => {
                    cs.len() + cs.iter().map(count_controls).sum::<usize>()
                }
                _ => count_controls(v),
            })
            .sum(),
        Value::Array(a) => a.iter().map(count_controls).sum(),
        _ => 0,
    }
}

fn audit_count(db: &str) -> usize {
    let out = rampart(&["audit", "list", "--db", db, "--json"]);
    assert_ok(&out);
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    v.as_array().unwrap().len()
}

fn framework_ids(db: &str) -> Vec<String> {
    let out = rampart(&["framework", "list", "--db", db, "--json"]);
    assert_ok(&out);
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect()
}

fn import_json(db: &str, args: &[&str]) -> Value {
    let mut all = vec!["framework", "import", "--db", db, "--json"];
    all.extend_from_slice(args);
    let out = rampart(&all);
    assert_ok(&out);
    serde_json::from_str(stdout(&out).trim()).unwrap()
}

#[test]
fn frameworks_import_and_list() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    assert_eq!(
        framework_ids(&db),
        ["physical-security", "nist-sp-800-53-rev5-moderate"]
    );

    // The real MODERATE resolved catalog when the shared data is there; the
    // HIGH one that the compliance crate keeps otherwise.
    let shared = root().join(
        "../shared/data/oscal/catalogs/NIST_SP-800-53_rev5_MODERATE-baseline-resolved-profile_catalog.json",
    );
    let catalog = if shared.exists() {
        shared
    } else {
        eprintln!("SKIPPED: the MODERATE catalog from ../shared/data (using the HIGH copy)");
        compliance_data("NIST_SP-800-53_rev5_HIGH-baseline-resolved-profile_catalog-min.json")
    };
    let expected = count_controls(
        &serde_json::from_str::<Value>(&std::fs::read_to_string(&catalog).unwrap()).unwrap(),
    );
    assert!(expected > 100, "{expected}");
    let v = import_json(&db, &[catalog.to_str().unwrap(), "--id", "nist-baseline"]);
    assert_eq!(
        v,
        serde_json::json!({"framework": "nist-baseline", "controls": expected})
    );

    // A profile resolved against its catalog: LOW from HIGH.
    let v = import_json(
        &db,
        &[
            compliance_data("NIST_SP-800-53_rev5_LOW-baseline_profile.json")
                .to_str()
                .unwrap(),
            "--catalog",
            compliance_data("NIST_SP-800-53_rev5_HIGH-baseline-resolved-profile_catalog-min.json")
                .to_str()
                .unwrap(),
            "--id",
            "low",
        ],
    );
    assert_eq!(v, serde_json::json!({"framework": "low", "controls": 149}));

    // A checklist in YAML, under its own id.
    let checklist = dir.path().join("dock.yaml");
    std::fs::write(
        &checklist,
        "id: dock-check\ntitle: Dock inspection\nsections:\n  - id: doors\n    title: Doors\n    items:\n      - {id: D-01, title: Dock doors locked out of hours, look_for: Locked doors, how_to_test: Try each}\n      - {id: D-02, title: Door alarms reach the gatehouse, look_for: Alarm, how_to_test: Open one}\n",
    )
    .unwrap();
    let v = import_json(&db, &[checklist.to_str().unwrap()]);
    assert_eq!(
        v,
        serde_json::json!({"framework": "dock-check", "controls": 2})
    );

    // Again is refused; --replace replaces.
    let again = rampart(&[
        "framework",
        "import",
        "--db",
        &db,
        checklist.to_str().unwrap(),
    ]);
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("already has a framework dock-check"),
        "{}",
        stderr(&again)
    );
    assert_ok(&rampart(&[
        "framework",
        "import",
        "--db",
        &db,
        "--replace",
        checklist.to_str().unwrap(),
    ]));

    let out = rampart(&["framework", "list", "--db", &db, "--json"]);
    assert_ok(&out);
    let list: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let items = |id: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == id)
            .unwrap_or_else(|| panic!("{id} in {list}"))["items"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(items("nist-sp-800-53-rev5-moderate"), 287);
    assert_eq!(items("low"), 149);
    assert_eq!(items("dock-check"), 2);
    assert!(items("physical-security") >= 80);

    // Imports are audited changes like any other.
    let verify = rampart(&["audit-log", "verify", "--db", &db]);
    assert_ok(&verify);
}

#[test]
fn the_demo_has_four_audits() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let out = rampart(&["audit", "list", "--db", &db, "--json"]);
    assert_ok(&out);
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let mut got: Vec<(String, String, String, String)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            assert_eq!(a.as_object().unwrap().len(), 4, "{a}");
            let s = |k: &str| a[k].as_str().unwrap().to_owned();
            (s("id"), s("site"), s("framework"), s("status"))
        })
        .collect();
    got.sort();
    let t = |a: &str, b: &str, c: &str, d: &str| (a.into(), b.into(), c.into(), d.into());
    assert_eq!(
        got,
        vec![
            t(
                "dc-800-53-2025",
                "dc",
                "nist-sp-800-53-rev5-moderate",
                "in_progress"
            ),
            t("dc-inspection-2025", "dc", "physical-security", "completed"),
            t("hq-inspection-2025", "hq", "physical-security", "completed"),
            t(
                "whs-inspection-2025",
                "whs",
                "physical-security",
                "completed"
            ),
        ]
    );
    let dc = rampart(&["audit", "list", "--db", &db, "--site", "dc"]);
    assert_ok(&dc);
    assert_eq!(stdout(&dc).lines().count(), 2, "{}", stdout(&dc));
}

fn validate(schema_file: &str, path: &Path) -> Value {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(compliance_data(schema_file)).unwrap())
            .unwrap();
    let v = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let errors: Vec<String> = v
        .iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{schema_file}: {errors:#?}");
    doc
}

#[test]
fn oscal_exports_of_the_data_centre_validate() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let ar = dir.path().join("dc-ar.json");
    assert_ok(&rampart(&[
        "export",
        "oscal",
        "assessment-results",
        "--db",
        &db,
        "--audit",
        "dc-800-53-2025",
        "-o",
        ar.to_str().unwrap(),
    ]));
    let doc = validate("oscal_assessment-results_schema.json", &ar);
    let results = &doc["assessment-results"]["results"][0];
    assert_eq!(
        doc["assessment-results"]["metadata"]["oscal-version"],
        "1.0.6"
    );
    let not_satisfied = results["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["target"]["status"]["state"] == "not-satisfied")
        .count();
    assert_eq!(not_satisfied, 4, "pe-3, pe-8, ac-2, ir-8");

    // Same record, same bytes.
    let again = dir.path().join("again.json");
    assert_ok(&rampart(&[
        "export",
        "oscal",
        "assessment-results",
        "--db",
        &db,
        "--audit",
        "dc-800-53-2025",
        "-o",
        again.to_str().unwrap(),
    ]));
    assert_eq!(std::fs::read(&ar).unwrap(), std::fs::read(&again).unwrap());

    let poam = dir.path().join("dc-poam.json");
    assert_ok(&rampart(&[
        "export",
        "oscal",
        "poam",
        "--db",
        &db,
        "--site",
        "dc",
        "-o",
        poam.to_str().unwrap(),
    ]));
    let doc = validate("oscal_poam_schema.json", &poam);
    // Both dc audits' plans: 4 items of the inspection, 4 of the assessment.
    assert_eq!(
        doc["plan-of-action-and-milestones"]["poam-items"]
            .as_array()
            .unwrap()
            .len(),
        8
    );

    // The organisation export still works beside `export oscal`.
    let org = dir.path().join("org.yaml");
    assert_ok(&rampart(&[
        "export",
        "--db",
        &db,
        "-o",
        org.to_str().unwrap(),
    ]));
    assert!(std::fs::read_to_string(&org).unwrap().contains("audits:"));
}

#[test]
fn bad_inputs_are_refused_with_the_file_named_and_nothing_stored() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let before = (framework_ids(&db), audit_count(&db));

    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let not_oscal = write("not-oscal.json", r#"{"hello": "world"}"#);
    let ssp = write("ssp.json", r#"{"system-security-plan": {"uuid": "x"}}"#);
    let broken = write("broken.json", r#"{"catalog": {"uuid": "#);
    let bad_checklist = write("bad.yaml", "id: x\ntitle: X\nsections: 12\n");
    let profile = compliance_data("NIST_SP-800-53_rev5_LOW-baseline_profile.json");
    let big = dir.path().join("big.json");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(50 * 1024 * 1024).unwrap();

    let cases: Vec<(&Path, Vec<&str>, &str)> = vec![
        (&not_oscal, vec![], "expected an OSCAL catalog"),
        (&not_oscal, vec![], "top-level keys are hello"),
        (&ssp, vec![], "system-security-plan"),
        (&broken, vec![], "not valid JSON"),
        (&bad_checklist, vec![], "not a checklist"),
        (&profile, vec![], "give the catalog with --catalog"),
        (
            &profile,
            vec!["--catalog", not_oscal.to_str().unwrap()],
            "not-oscal.json",
        ),
        (&big, vec![], "larger than"),
    ];
    for (file, extra, message) in cases {
        let mut args = vec!["framework", "import", "--db", &db, file.to_str().unwrap()];
        args.extend(extra);
        let out = rampart(&args);
        assert!(!out.status.success(), "{file:?} was accepted");
        let err = stderr(&out);
        let name = file.file_name().unwrap().to_str().unwrap();
        assert!(err.contains(name), "{name} not named: {err}");
        assert!(
            err.contains(message),
            "{name}: expected {message:?} in {err}"
        );
    }

    // Exports of things that are not there.
    let out = rampart(&[
        "export",
        "oscal",
        "assessment-results",
        "--db",
        &db,
        "--audit",
        "nope",
        "-o",
        dir.path().join("x.json").to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("no audit nope"), "{}", stderr(&out));
    assert!(!dir.path().join("x.json").exists());

    // An organisation file whose audit does not fit its framework.
    let demo = std::fs::read_to_string(root().join("examples/demo-organisation.yaml")).unwrap();
    let wrong = demo.replacen("{item: PER-01,", "{item: PER-99,", 1);
    assert_ne!(wrong, demo);
    let wrong_file = write("wrong.yaml", &wrong);
    let out = rampart(&[
        "import",
        "--db",
        &db_arg(dir.path(), "other.db"),
        wrong_file.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("wrong.yaml") && stderr(&out).contains("PER-99"),
        "{}",
        stderr(&out)
    );

    assert_eq!((framework_ids(&db), audit_count(&db)), before);
}

#[test]
fn audit_calendar_feed() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let ics = dir.path().join("audits.ics");
    let feed = |as_of: &str| {
        let out = rampart(&[
            "audit",
            "calendar",
            "--db",
            &db,
            "--days",
            "30",
            "--as-of",
            as_of,
            "-o",
            ics.to_str().unwrap(),
        ]);
        assert_ok(&out);
        (std::fs::read_to_string(&ics).unwrap(), stderr(&out))
    };
    let of_kind =
        |cal: &rampart_compliance::ical::Component, kind: &str| -> Vec<(String, String)> {
            cal.components
                .iter()
                .filter(|c| c.get("CATEGORIES") == Some(kind))
                .map(|c| {
                    (
                        c.get("DTSTART").unwrap().to_owned(),
                        c.get("LOCATION").unwrap_or("").to_owned(),
                    )
                })
                .collect()
        };
    // On 1 May 2025 the in-progress 800-53 assessment (12 to 30 May) is
    // upcoming; the completed audits are not.
    let (text, err) = feed("2025-05-01");
    let cal = rampart_compliance::ical::parse(&text).unwrap();
    let audits: Vec<_> = cal
        .components
        .iter()
        .filter(|c| c.get("CATEGORIES") != Some("INSPECTION"))
        .collect();
    assert_eq!(audits.len(), 1);
    let ev = audits[0];
    // The demo's recurring inspections, by hand over 1-31 May: the
    // head-office walk every 2 weeks from Monday 6 January (12 and 26 May),
    // the dock doors weekly from Monday 3 March (5, 12, 19 and 26 May); the
    // data centre's quarterly test next falls on 15 July.
    let mut inspections = of_kind(&cal, "INSPECTION");
    inspections.sort();
    let want: Vec<(String, String)> = [
        ("20250505", "whs"),
        ("20250512", "hq"),
        ("20250512", "whs"),
        ("20250519", "whs"),
        ("20250526", "hq"),
        ("20250526", "whs"),
    ]
    .iter()
    .map(|(d, s)| ((*d).to_owned(), (*s).to_owned()))
    .collect();
    assert_eq!(inspections, want);
    // The dock doors were done through 21 April: the 28 April round is overdue.
    assert!(
        err.contains("overdue: inspection whs-dock-doors at site whs (due 2025-04-28)"),
        "{err}"
    );
    assert!(
        err.contains("1 upcoming audit(s), 6 inspection(s) and 0 acceptance test day(s)"),
        "{err}"
    );
    assert_eq!(ev.get("DTSTART"), Some("20250512"));
    assert_eq!(ev.get("DTEND"), Some("20250531"));
    assert_eq!(ev.get("DTSTAMP"), Some("20250501T000000Z"));
    assert_eq!(ev.get("LOCATION"), Some("dc"));
    assert_eq!(ev.components[0].get("TRIGGER"), Some("-P7D"));
    // The same day gives the same bytes, the same UID on another day.
    let uid = ev.get("UID").unwrap().to_owned();
    assert_eq!(feed("2025-05-01").0, text);
    let (later, _) = feed("2025-05-20");
    assert!(later.contains(&uid));
    // After its planned end it is overdue: out of the feed, named on stderr.
    let (late, err) = feed("2025-06-15");
    let late = rampart_compliance::ical::parse(&late).unwrap();
    assert_eq!(
        late.components.len(),
        of_kind(&late, "INSPECTION").len(),
        "no audit left"
    );
    assert!(err.contains("overdue: audit dc-800-53-2025"), "{err}");
    // The warehouse's dock contacts are to be tested on 1 August 2025: in
    // the feed from 20 July; overdue, as is the data centre's plan of 27
    // November, once their day has passed without a sign-off. The head
    // office's plan of the same day was signed off: neither.
    let (text, _) = feed("2025-07-20");
    let cal = rampart_compliance::ical::parse(&text).unwrap();
    assert_eq!(
        of_kind(&cal, "ACCEPTANCE TESTS"),
        [("20250801".to_owned(), "whs".to_owned())]
    );
    let (_, err) = feed("2025-12-10");
    for plan in ["whs-dock-contacts-2025", "dc-duress-cctv-2025"] {
        assert!(
            err.contains(&format!("overdue: acceptance tests {plan}")),
            "{err}"
        );
    }
    assert!(!err.contains("hq-entrance-acs-2025"), "{err}");
}

#[test]
fn uploaded_evidence_is_exported_with_its_results() {
    use rampart_store::{AttachTo, EvidenceStore, EvidenceUpload};
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let photo = b"\x89PNG\r\n\x1a\n a photo of the hall door".to_vec();
    let digest = rampart_store::evidence::content_address(&photo);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store =
            rampart_store_sqlite::SqliteStore::open(&rampart_store::DatabaseUrl::new(db.clone()))
                .await
                .unwrap();
        let org = rampart_domain::Id::new("northwind").unwrap();
        let audit = rampart_domain::Id::new("dc-800-53-2025").unwrap();
        for (item, name) in [("pe-3", "hall door.png"), ("pe-12", "not yet assessed.png")] {
            store
                .put_evidence(
                    "p-chen",
                    &EvidenceUpload {
                        to: AttachTo {
                            org: &org,
                            audit: &audit,
                            item,
                            display_name: name,
                            // Later than the demo's seeding, so the document's time moves.
                            at: "2030-05-20T09:00:00Z",
                        },
                        media_type: "image/png",
                        bytes: &photo,
                    },
                )
                .await
                .unwrap();
        }
    });
    let ar = dir.path().join("ar.json");
    let out = rampart(&[
        "export",
        "oscal",
        "assessment-results",
        "--db",
        &db,
        "--audit",
        "dc-800-53-2025",
        "-o",
        ar.to_str().unwrap(),
    ]);
    assert_ok(&out);
    // pe-12 has no result yet: said, not exported.
    assert!(
        stderr(&out).contains("not yet assessed.png (pe-12)"),
        "{}",
        stderr(&out)
    );
    let doc = validate("oscal_assessment-results_schema.json", &ar);
    let ar = &doc["assessment-results"];
    assert!(
        ar["metadata"]["last-modified"]
            .as_str()
            .unwrap()
            .starts_with("2030-05-20T09:00:00"),
        "{}",
        ar["metadata"]
    );
    let resource = ar["back-matter"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["title"] == "hall door.png")
        .expect("the photo is a resource of the back matter");
    assert_eq!(resource["rlinks"][0]["hashes"][0]["value"], digest.as_str());
    assert_eq!(resource["rlinks"][0]["media-type"], "image/png");
    let uuid = resource["uuid"].as_str().unwrap();
    let observations = ar["results"][0]["observations"].as_array().unwrap();
    let citing: Vec<&Value> = observations
        .iter()
        .filter(|o| {
            o["relevant-evidence"].as_array().is_some_and(|e| {
                e.iter()
                    .any(|e| e["href"].as_str() == Some(format!("#{uuid}").as_str()))
            })
        })
        .collect();
    assert_eq!(citing.len(), 1, "one observation, pe-3's, cites the photo");
}

#[test]
fn the_design_review_finds_an_unprotected_critical_asset_from_the_stored_model() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("examples/demo-organisation.yaml")).unwrap();
    let mut doc = rampart_orgfile::parse("demo", &text, rampart_orgfile::Format::Yaml).unwrap();
    let critical = |doc: &rampart_domain::OrgDocument| -> Vec<String> {
        doc.assets
            .iter()
            .filter(|a| a.site.as_str() == "dc" && a.value.get() >= 8)
            .map(|a| a.id.to_string())
            .collect()
    };
    let crit = critical(&doc);
    assert!(!crit.is_empty(), "the data centre has critical assets");
    // Take away every control protecting the first critical asset.
    let bare = crit[0].clone();
    for c in &mut doc.applied_controls {
        c.protects.retain(|p| p.as_str() != bare);
    }
    let unprotected: Vec<String> = crit
        .iter()
        .filter(|a| {
            !doc.applied_controls
                .iter()
                .any(|c| c.status.in_place() && c.protects.iter().any(|p| p.as_str() == a.as_str()))
        })
        .map(|a| format!("DR-critical-asset-{a}"))
        .collect();
    assert!(unprotected.contains(&format!("DR-critical-asset-{bare}")));
    let file = dir.path().join("org.json");
    std::fs::write(&file, serde_json::to_vec(&doc).unwrap()).unwrap();
    let db = db_arg(dir.path(), "r.db");
    assert_ok(&rampart(&["import", "--db", &db, file.to_str().unwrap()]));

    let out = rampart(&[
        "audit",
        "review",
        "--db",
        &db,
        "--site",
        "dc",
        "--json",
        "--trials",
        "2000",
        "--as-of",
        "2026-05-01",
    ]);
    assert_ok(&out);
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["checked"]["critical_assets"], crit.len());
    let ids: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    let found: Vec<String> = ids
        .iter()
        .filter(|i| i.starts_with("DR-critical-asset-"))
        .map(|i| (*i).to_owned())
        .collect();
    assert_eq!(found, unprotected, "{v}");
    assert!(ids.iter().all(|i| i.starts_with("DR-")), "{ids:?}");
    // The zones checked are the data centre's floor-plan zones.
    let zones: usize = doc
        .floor_plans
        .iter()
        .filter(|p| p.site.as_str() == "dc")
        .map(|p| p.plan["zones"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(v["checked"]["zones"], zones, "{v}");

    let out = rampart(&["audit", "review", "--db", &db, "--site", "atlantis"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no site atlantis"),
        "{}",
        stderr(&out)
    );
}

/// A checklist workbook: one item per row, under the headers given.
fn checklist_xlsx(path: &Path, headers: &[&str], rows: &[&[&str]]) {
    use rampart_sheets::{Cell, Table};
    let mut t = Table::new("Checklist", headers);
    for r in rows {
        t.push(r.iter().map(|c| Cell::text(*c)).collect());
    }
    let date = jiff::civil::date(2026, 12, 4);
    std::fs::write(path, rampart_sheets::to_xlsx(&t, date).unwrap()).unwrap();
}

#[test]
fn a_checklist_filled_in_as_a_spreadsheet_is_imported_and_its_errors_are_listed_by_row() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    // Columns in another order, an alias ("Item"), an extra column; rows of
    // one section apart.
    let headers = [
        "Item",
        "Title",
        "Section",
        "Section title",
        "How to test",
        "Look for",
        "Criticality",
        "Maps",
        "Notes",
    ];
    let good = dir.path().join("loading-bay.xlsx");
    checklist_xlsx(
        &good,
        &headers,
        &[
            &[
                "LB-01",
                "Dock doors locked out of hours",
                "doors",
                "Doors",
                "Try each door at 22:00",
                "Padlocks on the shutter rails",
                "high",
                "nist-sp-800-53-rev5: pe-3, pe-6",
                "",
            ],
            &[
                "LB-02",
                "Yard lit to 20 lux",
                "yard",
                "Yard",
                "Measure at the fence line",
                "",
                "",
                "",
                "ask facilities",
            ],
            &[
                "LB-03",
                "Shutter alarm contacts tested monthly",
                "doors",
                "",
                "Read the test log",
                "Signed log",
                "critical",
                "",
                "",
            ],
        ],
    );
    let v = import_json(&db, &[good.to_str().unwrap()]);
    assert_eq!(
        v,
        serde_json::json!({"framework": "loading-bay", "controls": 3})
    );
    assert!(framework_ids(&db).contains(&"loading-bay".to_owned()));

    // Bad rows: all listed, by row, and nothing stored.
    let bad = dir.path().join("bad-bay.xlsx");
    checklist_xlsx(
        &bad,
        &headers,
        &[
            &["B-01", "Fine", "doors", "Doors", "", "", "severe", "", ""],
            &[
                "B-02",
                "Also fine",
                "doors",
                "",
                "",
                "",
                "",
                "pe-3 pe-6",
                "",
            ],
            &["B-03", "", "doors", "", "", "", "", "", ""],
        ],
    );
    let out = rampart(&["framework", "import", "--db", &db, bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = stderr(&out);
    for expected in [
        "3 problem(s), nothing stored",
        "row 2, column \"Criticality\": \"severe\" is not low, medium, high or critical",
        "row 3, column \"Maps\"",
        "row 4, column \"Title\"",
    ] {
        assert!(err.contains(expected), "no {expected:?} in:\n{err}");
    }
    assert!(!framework_ids(&db).contains(&"bad-bay".to_owned()));

    // Not a workbook at all.
    let fake = dir.path().join("fake.xlsx");
    std::fs::write(&fake, b"id: not a workbook").unwrap();
    let out = rampart(&["framework", "import", "--db", &db, fake.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("not an XLSX workbook"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn acceptance_tests_are_recorded_and_signed_off_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let list = |site: &str| -> Value {
        let o = rampart(&["--db", &db, "acceptance", "list", "--site", site, "--json"]);
        assert_ok(&o);
        serde_json::from_str(&stdout(&o)).unwrap()
    };
    assert_eq!(
        list("dc"),
        json!([{"id": "dc-duress-cctv-2025", "site": "dc",
                "title": "Duress alarms and data hall door camera",
                "status": "in_progress", "passed": 2, "failed": 0, "not_run": 1,
                "signed_off": null}])
    );
    let plan = "whs-dock-contacts-2025";
    let run = |extra: &[&str]| {
        let mut args = vec!["--db", db.as_str(), "acceptance", "record", plan];
        args.extend_from_slice(extra);
        rampart(&args)
    };
    // The contact now alarms at 140 mm: still over the 100 mm limit, so a
    // claimed pass is refused and the measurement alone records a failure.
    let o = run(&[
        "shutter-open",
        "--pass",
        "--measured",
        "140",
        "--by",
        "P. Novak",
        "--on",
        "2025-08-10",
    ]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("140 mm fails the criterion (at most 100 mm)"),
        "{}",
        stderr(&o)
    );
    let o = run(&[
        "shutter-open",
        "--measured",
        "140",
        "--by",
        "P. Novak",
        "--on",
        "2025-08-10",
    ]);
    assert_ok(&o);
    assert!(stdout(&o).contains("shutter-open failed"), "{}", stdout(&o));
    // Not before the last run, not a test the plan lacks.
    let o = run(&[
        "shutter-open",
        "--measured",
        "60",
        "--by",
        "P. Novak",
        "--on",
        "2025-08-09",
    ]);
    assert!(
        stderr(&o).contains("latest run is of 2025-08-10"),
        "{}",
        stderr(&o)
    );
    let o = run(&["no-such", "--pass", "--by", "P. Novak"]);
    assert!(
        stderr(&o).contains("has no test \"no-such\""),
        "{}",
        stderr(&o)
    );
    // Signing off a failing plan is refused, naming the test.
    let sign = |on: &str| {
        rampart(&[
            "--db",
            &db,
            "acceptance",
            "sign-off",
            plan,
            "--by",
            "Adaeze Okafor",
            "--on",
            on,
        ])
    };
    let o = sign("2025-08-20");
    assert!(
        stderr(&o).contains("test shutter-open failed on 2025-08-10"),
        "{}",
        stderr(&o)
    );
    // The re-test after the contact is moved: 60 mm passes.
    let o = run(&[
        "shutter-open",
        "--measured",
        "60",
        "--by",
        "P. Novak",
        "--on",
        "2025-08-15",
    ]);
    assert_ok(&o);
    assert!(stdout(&o).contains("ready for sign-off"), "{}", stdout(&o));
    assert_ok(&sign("2025-08-20"));
    let shown = rampart(&["--db", &db, "acceptance", "show", plan, "--json"]);
    assert_ok(&shown);
    let shown: Value = serde_json::from_str(&stdout(&shown)).unwrap();
    assert_eq!(shown["status"], "accepted");
    assert_eq!(
        shown["tests"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (
                r["outcome"].as_str().unwrap(),
                r["measured"].as_f64().unwrap()
            ))
            .collect::<Vec<_>>(),
        [("fail", 240.0), ("fail", 140.0), ("pass", 60.0)]
    );
    assert_eq!(shown["sign_off"]["by"], "Adaeze Okafor");
    // Closed.
    let o = run(&["tamper", "--fail", "--by", "P. Novak"]);
    assert!(stderr(&o).contains("closed"), "{}", stderr(&o));
    let o = rampart(&["--db", &db, "acceptance", "show", "nope"]);
    assert!(
        stderr(&o).contains("no acceptance test plan nope"),
        "{}",
        stderr(&o)
    );
}
