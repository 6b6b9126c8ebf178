//! The organisation commands end to end: `demo`, `import`, `export`,
//! `audit-log`, through the real binary.

use std::path::Path;

use crate::util::{assert_ok, rampart, rampart_in, root, stderr, stdout};

fn db_arg(dir: &Path, name: &str) -> String {
    format!("sqlite:{}", dir.join(name).display())
}

#[test]
fn the_demo_imports_exports_and_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let a = db_arg(dir.path(), "a.db");
    let b = db_arg(dir.path(), "b.db");
    let out = rampart(&["demo", "--no-serve", "--db", &a]);
    assert_ok(&out);
    assert!(
        stderr(&out).contains("Northwind Freight & Data Ltd — 3 sites"),
        "{}",
        stderr(&out)
    );

    // A second run leaves it alone and says so.
    let again = rampart(&["demo", "--no-serve", "--db", &a]);
    assert_ok(&again);
    assert!(stderr(&again).contains("already in"), "{}", stderr(&again));

    let yaml1 = dir.path().join("one.yaml");
    assert_ok(&rampart(&[
        "export",
        "--db",
        &a,
        "-o",
        yaml1.to_str().unwrap(),
    ]));
    assert_ok(&rampart(&["import", "--db", &b, yaml1.to_str().unwrap()]));
    let yaml2 = rampart(&["export", "--db", &b, "--org", "northwind"]);
    assert_ok(&yaml2);
    assert_eq!(std::fs::read_to_string(&yaml1).unwrap(), stdout(&yaml2));

    // JSON too, and the export of an import of the demo file is the demo file's content.
    let json = dir.path().join("org.json");
    assert_ok(&rampart(&[
        "export",
        "--db",
        &b,
        "-o",
        json.to_str().unwrap(),
    ]));
    assert!(
        std::fs::read_to_string(&json)
            .unwrap()
            .trim_start()
            .starts_with('{')
    );
    let c = db_arg(dir.path(), "c.db");
    assert_ok(&rampart(&["import", "--db", &c, json.to_str().unwrap()]));
    let demo = std::fs::read_to_string(root().join("examples/demo-organisation.yaml")).unwrap();
    let demo = rampart_orgfile::parse("demo", &demo, rampart_orgfile::Format::Yaml).unwrap();
    let back = rampart(&["export", "--db", &c, "--format", "json"]);
    assert_ok(&back);
    let back =
        rampart_orgfile::parse("back", &stdout(&back), rampart_orgfile::Format::Json).unwrap();
    assert_eq!(back, demo);

    let verify = rampart(&["audit-log", "verify", "--db", &c]);
    assert_ok(&verify);
    assert!(
        stdout(&verify).starts_with("audit log intact"),
        "{}",
        stdout(&verify)
    );
}

/// A store holding the demo, and its export and audit count, to check later
/// that a refused import changed nothing.
struct Baseline {
    dir: tempfile::TempDir,
    db: String,
    export: String,
    audit_entries: u64,
}

fn baseline() -> Baseline {
    let dir = tempfile::tempdir().unwrap();
    let db = db_arg(dir.path(), "store.db");
    assert_ok(&rampart(&["demo", "--no-serve", "--db", &db]));
    let (export, audit_entries) = snapshot(&db);
    Baseline {
        dir,
        db,
        export,
        audit_entries,
    }
}

fn snapshot(db: &str) -> (String, u64) {
    let export = rampart(&["export", "--db", db, "--org", "northwind"]);
    assert_ok(&export);
    let verify = rampart(&["audit-log", "verify", "--db", db, "--json"]);
    assert_ok(&verify);
    let v: serde_json::Value = serde_json::from_str(&stdout(&verify)).unwrap();
    (stdout(&export), v["entries"].as_u64().unwrap())
}

/// The 1-based line of the first occurrence of `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in file"));
    text[..at].matches('\n').count() + 1
}

#[test]
fn a_ten_megabyte_file_with_an_error_is_refused_with_its_location_and_changes_nothing() {
    let base = baseline();
    let big = base.dir.path().join("big.yaml");
    assert_ok(&rampart(&[
        "synth-org",
        "--sites",
        "40",
        "--entities",
        "54000",
        "-o",
        big.to_str().unwrap(),
    ]));
    let text = std::fs::read_to_string(&big).unwrap();
    assert!(
        text.len() > 10_000_000,
        "the synthetic file is {} bytes",
        text.len()
    );

    // Each case: what to change, the line it lands on, what the message says.
    let cases: Vec<(&str, String, usize, &str)> = {
        let dup_at = line_of(&text, "- id: asset-011999\n");
        let dangling_at = line_of(&text, "- id: device-005000\n") + 2;
        let rating_at = line_of(&text, "- id: asset-015000\n") + 5;
        vec![
            (
                "duplicate id",
                text.replacen("- id: asset-011999\n", "- id: asset-011998\n", 1),
                dup_at,
                "duplicate id \"asset-011998\"",
            ),
            (
                "dangling reference",
                {
                    let at = text.find("- id: device-005000\n").unwrap();
                    let mut t = text.clone();
                    let zone_at = at + t[at..].find("zone: ").unwrap();
                    let end = zone_at + t[zone_at..].find('\n').unwrap();
                    t.replace_range(zone_at..end, "zone: site-0000-z99");
                    t
                },
                dangling_at,
                "zone \"site-0000-z99\", which does not exist",
            ),
            (
                "rating of 11",
                {
                    let at = text.find("- id: asset-015000\n").unwrap();
                    let mut t = text.clone();
                    let v = at + t[at..].find("value: ").unwrap();
                    let end = v + t[v..].find('\n').unwrap();
                    t.replace_range(v..end, "value: 11");
                    t
                },
                rating_at,
                "a rating is a whole number from 1 to 10, got 11",
            ),
        ]
    };
    for (what, bad, line, message) in cases {
        let path = base.dir.path().join("bad.yaml");
        std::fs::write(&path, &bad).unwrap();
        let out = rampart(&["import", "--db", &base.db, path.to_str().unwrap()]);
        assert!(!out.status.success(), "{what}: accepted");
        let err = stderr(&out);
        let location = format!("bad.yaml:{line}:");
        assert!(
            err.contains(&location),
            "{what}: expected {location} in:\n{err}"
        );
        assert!(
            err.contains(message),
            "{what}: expected {message:?} in:\n{err}"
        );
        let (export, entries) = snapshot(&base.db);
        assert_eq!(export, base.export, "{what}: the store changed");
        assert_eq!(entries, base.audit_entries, "{what}: the audit log grew");
    }
}

#[test]
fn bad_files_get_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_arg(dir.path(), "s.db");
    let cases = [
        ("not yaml", "organisation: [unclosed\n", "not-yaml.yaml:"),
        (
            "wrong type",
            "organisation:\n  id: acme\n  name: Acme\nsites: 12\n",
            "not-yaml.yaml:4:",
        ),
        (
            "unknown field",
            "organisation:\n  id: acme\n  name: Acme\n  colour: blue\n",
            "unknown field `colour`",
        ),
        (
            "bad id",
            "organisation:\n  id: ../etc\n  name: Acme\n",
            "an id must start with a letter or digit",
        ),
    ];
    for (what, text, expect) in cases {
        let path = dir.path().join("not-yaml.yaml");
        std::fs::write(&path, text).unwrap();
        let out = rampart(&["import", "--db", &db, path.to_str().unwrap()]);
        assert!(!out.status.success(), "{what}: accepted");
        assert!(
            stderr(&out).contains(expect),
            "{what}: expected {expect:?} in:\n{}",
            stderr(&out)
        );
    }
    let out = rampart(&["import", "--db", &db, "/nonexistent/org.yaml"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("cannot read /nonexistent/org.yaml"),
        "{}",
        stderr(&out)
    );
    // A machine-written file is one long line: its problems are told by
    // line and column, without drawing the line (no panic of the renderer).
    let text = std::fs::read_to_string(root().join("examples/demo-organisation.yaml")).unwrap();
    let mut doc = rampart_orgfile::parse("demo", &text, rampart_orgfile::Format::Yaml).unwrap();
    doc.applied_controls
        .retain(|c| c.id.as_str() != "ac-dc-mantrap");
    let one_line = dir.path().join("one-line.json");
    std::fs::write(&one_line, serde_json::to_vec(&doc).unwrap()).unwrap();
    let out = rampart(&["import", "--db", &db, one_line.to_str().unwrap()]);
    assert!(!out.status.success());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("refers to applied_control \"ac-dc-mantrap\", which does not exist"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    std::fs::write(dir.path().join("bin.yaml"), [0xff, 0xfe, 0x00]).unwrap();
    let out = rampart_in(dir.path(), &["import", "--db", &db, "bin.yaml"]);
    assert!(stderr(&out).contains("not UTF-8"), "{}", stderr(&out));
}

#[test]
fn audit_log_verify_detects_an_edited_or_deleted_entry() {
    let base = baseline();
    // The demo's import, then its accounts (a user and a credential each).
    let (head, entries) = {
        let v = rampart(&["audit-log", "verify", "--db", &base.db, "--json"]);
        let v: serde_json::Value = serde_json::from_str(&stdout(&v)).unwrap();
        (
            v["head"].as_str().unwrap().to_owned(),
            v["entries"].as_u64().unwrap(),
        )
    };
    assert_eq!(entries, 1 + 2 * 5, "the demo import and five accounts");
    assert_ok(&rampart(&[
        "audit-log",
        "verify",
        "--db",
        &base.db,
        "--expect-head",
        &head,
    ]));
    let wrong = rampart(&[
        "audit-log",
        "verify",
        "--db",
        &base.db,
        "--expect-head",
        &"0".repeat(64),
    ]);
    assert_eq!(wrong.status.code(), Some(1));

    // Two more changes: another organisation, imported then replaced.
    let other = base.dir.path().join("other.yaml");
    assert_ok(&rampart(&[
        "synth-org",
        "--sites",
        "2",
        "--entities",
        "30",
        "-o",
        other.to_str().unwrap(),
    ]));
    assert_ok(&rampart(&[
        "import",
        "--db",
        &base.db,
        other.to_str().unwrap(),
    ]));
    assert_ok(&rampart(&[
        "import",
        "--db",
        &base.db,
        "--replace",
        other.to_str().unwrap(),
    ]));
    let shown = rampart(&[
        "audit-log",
        "show",
        "--db",
        &base.db,
        "--after",
        &entries.to_string(),
        "--limit",
        "5",
    ]);
    assert_ok(&shown);
    let lines: Vec<String> = stdout(&shown).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].contains("import") && lines[0].contains("synthetic"),
        "{lines:?}"
    );
    assert_ok(&rampart(&["audit-log", "verify", "--db", &base.db]));

    let rt = tokio::runtime::Runtime::new().unwrap();
    let raw = |sql: &str| {
        rt.block_on(async {
            let url = rampart_store::DatabaseUrl::new(base.db.clone());
            let s = rampart_store_sqlite::SqliteStore::open(&url).await.unwrap();
            s.execute_raw_for_tests(sql).await.unwrap()
        })
    };
    assert_eq!(
        raw(
            "UPDATE audit_log SET after = replace(after, 'Leeds head office', 'Somewhere else') WHERE seq = 1"
        ),
        1
    );
    let out = rampart(&["audit-log", "verify", "--db", &base.db]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("BROKEN at entry 1: entry 1's content does not match its hash"),
        "{}",
        stdout(&out)
    );

    raw("DELETE FROM audit_log WHERE seq = 2");
    let out = rampart(&["audit-log", "verify", "--db", &base.db]);
    assert!(
        stdout(&out).contains("entry 2 is missing"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn help_explains_each_command_with_an_example() {
    for cmd in ["init", "import", "export", "demo"] {
        let out = rampart(&[cmd, "--help"]);
        assert_ok(&out);
        assert!(
            stdout(&out).contains("Example: rampart"),
            "{cmd}: {}",
            stdout(&out)
        );
    }
    let out = rampart(&["completions", "bash"]);
    assert_ok(&out);
    assert!(stdout(&out).contains("_rampart"));
}

#[test]
fn engine_models_are_checked_at_import() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_arg(dir.path(), "s.db");
    let demo = std::fs::read_to_string(root().join("examples/demo-organisation.yaml")).unwrap();
    let fence = "{id: fence-north, type: fence, from: offsite, to: yard, p_detect: 0.7, location: B, delay_mean: 12,";
    assert!(demo.contains(fence));
    let cases = [
        (
            demo.replacen(
                fence,
                &fence.replace("delay_mean: 12", "delay_mean: -12"),
                1,
            ),
            "facility model dc-pps (site dc)",
        ),
        (
            demo.replacen("focal_mm: 4,", "focal_mm: 0,", 1),
            "floor plan hq-lobby-plan (site hq)",
        ),
        (
            demo.replacen(
                "lef: {pert: [0.02, 0.1, 0.4]}",
                "lef: {pert: [0.5, 0.1, 0.4]}",
                1,
            ),
            "risk r-dc-breach-fair: its FAIR model",
        ),
    ];
    for (text, expect) in cases {
        let path = dir.path().join("org.yaml");
        std::fs::write(&path, text).unwrap();
        let out = rampart(&["import", "--db", &db, path.to_str().unwrap()]);
        assert!(!out.status.success(), "{expect}: accepted");
        assert!(
            stderr(&out).contains(expect),
            "expected {expect:?} in:\n{}",
            stderr(&out)
        );
    }
    // Nothing was stored by the refused imports.
    let export = rampart(&["export", "--db", &db]);
    assert!(
        stderr(&export).contains("holds no organisation"),
        "{}",
        stderr(&export)
    );
}

/// `rampart` with `input` on its standard input.
fn rampart_with_stdin(args: &[&str], input: &str) -> std::process::Output {
    use std::io::Write as _;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(args)
        .env_remove("RAMPART_DATABASE_URL")
        .env("RAMPART_ACTOR", "tester@test")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run rampart");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Users are not in an organisation file: after `rampart import --replace`
/// the administrator still logs in, and a user whose site the new file no
/// longer has loses that site, which the import says.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_that_replaces_the_organisation_keeps_its_users() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_arg(dir.path(), "r.db");
    let demo = root().join("examples/demo-organisation.yaml");
    assert_ok(&rampart(&["import", "--db", &db, demo.to_str().unwrap()]));
    let exported = rampart(&["export", "--db", &db, "--format", "json"]);
    assert_ok(&exported);
    let plain = dir.path().join("plain.json");
    std::fs::write(&plain, stdout(&exported)).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&stdout(&exported)).unwrap();
    doc["sites"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"id": "annex", "name": "Annex"}));
    let bigger = dir.path().join("bigger.json");
    std::fs::write(&bigger, doc.to_string()).unwrap();
    assert_ok(&rampart(&[
        "import",
        "--db",
        &db,
        "--replace",
        bigger.to_str().unwrap(),
    ]));

    let password = "correct horse battery staple";
    assert_ok(&rampart_with_stdin(
        &[
            "user",
            "create",
            "--db",
            &db,
            "--login",
            "boss",
            "--admin",
            "--password-stdin",
        ],
        &format!("{password}\n"),
    ));
    assert_ok(&rampart(&[
        "user", "create", "--db", &db, "--login", "ann", "--role", "assessor", "--sites",
        "hq,annex",
    ]));

    let out = rampart(&["import", "--db", &db, "--replace", plain.to_str().unwrap()]);
    assert_ok(&out);
    let err = stderr(&out);
    assert!(
        err.contains("kept the organisation's 2 user account(s)"),
        "{err}"
    );
    assert!(
        err.contains("warning: user ann: no longer sees site annex (not in the new file)"),
        "{err}"
    );
    assert!(!err.contains("user boss:"), "{err}");
    // Both accounts still exist for the command line...
    assert_ok(&rampart(&[
        "user", "token", "--db", &db, "--login", "ann", "--name", "after",
    ]));
    // ... and the administrator logs in to the web application on this file.
    let store =
        rampart_store_sqlite::SqliteStore::open(&rampart_store::DatabaseUrl::new(db.clone()))
            .await
            .unwrap();
    let web = crate::web::Web::serving(
        std::sync::Arc::new(store),
        rampart_server::ServerConfig::default(),
        rampart_domain::Id::new("northwind").unwrap(),
    );
    let req = axum::http::Request::builder()
        .method(axum::http::Method::POST)
        .uri("/api/v1/auth/login")
        .header(axum::http::header::CONTENT_TYPE, "application/json")
        .body(axum::body::Body::from(
            serde_json::json!({"login": "boss", "password": password}).to_string(),
        ))
        .unwrap();
    let a = web.send(req).await;
    assert_eq!(a.status, axum::http::StatusCode::OK, "{}", a.text);
    assert_eq!(a.body["user"]["role"], "admin");
    drop(web);
    let verify = rampart(&["audit-log", "verify", "--db", &db]);
    assert_ok(&verify);
}
