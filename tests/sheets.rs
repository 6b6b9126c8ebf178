//! Spreadsheets end to end: `export sheet` of each register read back with
//! calamine and compared with the store (the organisation exported as
//! JSON); `import risks` from an XLSX, which lists every bad row and writes
//! nothing, or writes every row.

use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook};
use rampart_sheets::{Cell, Table, to_xlsx};
use serde_json::Value;

use crate::util::{assert_ok, rampart, stderr};

fn demo_db(dir: &Path) -> String {
    let db = format!("sqlite:{}", dir.join("demo.db").display());
    assert_ok(&rampart(&["demo", "--db", &db, "--no-serve", "--quiet"]));
    db
}

/// The organisation as the store holds it.
fn org_json(db: &str) -> Value {
    let out = rampart(&["export", "--db", db, "--format", "json"]);
    assert_ok(&out);
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The first worksheet, as text by header.
fn read_back(path: &Path) -> (Vec<String>, Vec<Vec<Data>>) {
    let mut wb: Xlsx<_> = open_workbook(path).unwrap();
    let range = wb.worksheet_range_at(0).unwrap().unwrap();
    let mut rows = range.rows().map(<[Data]>::to_vec);
    let headers = rows.next().unwrap().iter().map(|d| d.to_string()).collect();
    (headers, rows.collect())
}

fn col(headers: &[String], name: &str) -> usize {
    headers
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {headers:?}"))
}

fn export_sheet(db: &str, register: &str, site: Option<&str>, out: &Path) {
    let mut args = vec![
        "export",
        "sheet",
        "--db",
        db,
        "--register",
        register,
        "-o",
        out.to_str().unwrap(),
        "--as-of",
        "2026-03-05",
    ];
    if let Some(s) = site {
        args.extend(["--site", s]);
    }
    assert_ok(&rampart(&args));
}

#[test]
fn risk_register_exports_what_the_store_holds() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let org = org_json(&db);
    let xlsx = dir.path().join("risks.xlsx");
    export_sheet(&db, "risks", None, &xlsx);
    let (h, rows) = read_back(&xlsx);
    let stored = org["risks"].as_array().unwrap();
    assert_eq!(rows.len(), stored.len());
    for (row, r) in rows.iter().zip(stored) {
        let cell = |name: &str| row[col(&h, name)].to_string();
        assert_eq!(cell("ID"), r["id"].as_str().unwrap());
        assert_eq!(cell("Site"), r["site"].as_str().unwrap());
        assert_eq!(cell("Title"), r["title"].as_str().unwrap());
        assert_eq!(cell("Method"), r["assessment"]["method"].as_str().unwrap());
        assert_eq!(cell("Owner"), r["owner"].as_str().unwrap_or(""));
        assert_eq!(
            cell("Treatment"),
            r["treatment"].as_str().unwrap_or("undecided")
        );
        // FEMA 452 inputs and their product, by hand from the stored ratings.
        if r["assessment"]["method"] == "fema452" {
            let i = &r["assessment"]["inherent"];
            let (a, t, v) = (
                i["asset_value"].as_u64().unwrap(),
                i["threat"].as_u64().unwrap(),
                i["vulnerability"].as_u64().unwrap(),
            );
            assert!(
                cell("Inherent").starts_with(&format!("{a} × {t} × {v} = {}", a * t * v)),
                "{}",
                cell("Inherent")
            );
        }
        // Dates are real dates in the workbook, not text.
        if let Some(d) = r["review_date"].as_str() {
            let Data::DateTime(dt) = &row[col(&h, "Review date")] else {
                panic!("{:?} is not a date", row[col(&h, "Review date")]);
            };
            let (y, m, day, ..) = dt.to_ymd_hms_milli();
            assert_eq!(format!("{y:04}-{m:02}-{day:02}"), d);
        }
    }

    // One site only; and CSV from the extension.
    let csv = dir.path().join("whs.csv");
    export_sheet(&db, "risks", Some("whs"), &csv);
    let text = std::fs::read_to_string(&csv).unwrap();
    let whs = stored.iter().filter(|r| r["site"] == "whs").count();
    assert_eq!(text.matches("\r\n").count(), whs + 1);
    assert!(text.starts_with("ID,Site,Title,Threat,Asset,Method,Inherent,"));
}

#[test]
fn findings_poam_devices_and_audits_export() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let org = org_json(&db);
    let audits = org["audits"].as_array().unwrap();

    let findings: Vec<&Value> = audits
        .iter()
        .flat_map(|a| a["content"]["findings"].as_array().into_iter().flatten())
        .collect();
    assert!(!findings.is_empty(), "the demo has findings");
    let path = dir.path().join("findings.xlsx");
    export_sheet(&db, "findings", None, &path);
    let (h, rows) = read_back(&path);
    let mut got: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            (
                r[col(&h, "ID")].to_string(),
                r[col(&h, "Severity")].to_string(),
            )
        })
        .collect();
    let mut want: Vec<(String, String)> = findings
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap().into(),
                f["severity"].as_str().unwrap().into(),
            )
        })
        .collect();
    got.sort();
    want.sort();
    assert_eq!(got, want);

    let items: Vec<&Value> = audits
        .iter()
        .flat_map(|a| {
            a["content"]["remediation"]["items"]
                .as_array()
                .into_iter()
                .flatten()
        })
        .collect();
    let path = dir.path().join("poam.xlsx");
    export_sheet(&db, "poam", None, &path);
    let (h, rows) = read_back(&path);
    assert_eq!(rows.len(), items.len());
    for (row, i) in rows.iter().zip(&items) {
        assert_eq!(row[col(&h, "ID")].to_string(), i["id"].as_str().unwrap());
        assert_eq!(
            row[col(&h, "Status")].to_string(),
            i["status"].as_str().unwrap().replace('_', " ")
        );
    }

    let devices = org["devices"].as_array().unwrap();
    let dc = devices.iter().filter(|d| d["site"] == "dc").count();
    let path = dir.path().join("devices.xlsx");
    export_sheet(&db, "devices", Some("dc"), &path);
    let (h, rows) = read_back(&path);
    assert_eq!(rows.len(), dc);
    assert!(
        rows.iter()
            .all(|r| r[col(&h, "Site")] == Data::String("dc".into()))
    );

    let path = dir.path().join("audits.xlsx");
    export_sheet(&db, "audits", None, &path);
    let (h, rows) = read_back(&path);
    assert_eq!(rows.len(), audits.len());
    for (row, a) in rows.iter().zip(audits) {
        assert_eq!(row[col(&h, "ID")].to_string(), a["id"].as_str().unwrap());
        let n = a["content"]["findings"].as_array().map_or(0, Vec::len);
        assert_eq!(row[col(&h, "Findings")], Data::Float(n as f64));
    }
}

fn risk_table(rows: Vec<Vec<&str>>) -> Table {
    let mut t = Table::new(
        "Risk register",
        &[
            "id",
            "SITE",
            "Title",
            "Threat",
            "Asset",
            "Method",
            "Inherent",
            "treatment",
        ],
    );
    for r in rows {
        t.push(r.into_iter().map(Cell::text).collect());
    }
    t
}

fn risk(db: &str, id: &str) -> Option<Value> {
    org_json(db)["risks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .cloned()
}

#[test]
fn import_lists_every_bad_row_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let before = org_json(&db)["risks"].clone();
    let path = dir.path().join("risks.xlsx");
    let good_update = vec![
        "r-whs-burglary",
        "",
        "Break-in to the warehouse at night",
        "",
        "",
        "fema452",
        "6 × 7 × 6",
        "Mitigate",
    ];
    let good_new = vec![
        "r-whs-new",
        "whs",
        "Trailer seal tampering",
        "cargo-theft",
        "whs-trailers",
        "matrix",
        "3 x 4",
        "",
    ];
    let bad = risk_table(vec![
        good_update.clone(),
        vec![
            "r-whs-cargo-yard",
            "",
            "",
            "",
            "",
            "fema452",
            "8 × 8 × 11",
            "",
        ],
        good_new.clone(),
        vec![
            "r-new-2",
            "nowhere",
            "Ghost",
            "cargo-theft",
            "whs-trailers",
            "matrix",
            "2 × 2",
            "maybe",
        ],
    ]);
    std::fs::write(&path, to_xlsx(&bad, jiff::civil::date(2026, 3, 5)).unwrap()).unwrap();
    let out = rampart(&["import", "risks", path.to_str().unwrap(), "--db", &db]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("nothing was written"), "{err}");
    assert!(
        err.contains("row 3, column \"Inherent\"") && err.contains("1 to 10"),
        "{err}"
    );
    assert!(err.contains("row 5, column \"Treatment\""), "{err}");
    assert!(!err.contains("row 2,") && !err.contains("row 4,"), "{err}");
    assert_eq!(org_json(&db)["risks"], before, "nothing was written");

    // The site is checked against the store, with the row named.
    let unknown_site = risk_table(vec![
        good_new.clone(),
        vec![
            "r-new-2",
            "nowhere",
            "Ghost",
            "cargo-theft",
            "whs-trailers",
            "matrix",
            "2 × 2",
            "",
        ],
    ]);
    std::fs::write(
        &path,
        to_xlsx(&unknown_site, jiff::civil::date(2026, 3, 5)).unwrap(),
    )
    .unwrap();
    let out = rampart(&["import", "risks", path.to_str().unwrap(), "--db", &db]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("row 3") && err.contains("nowhere"), "{err}");
    assert_eq!(org_json(&db)["risks"], before, "nothing was written");

    // The good rows alone: a dry run writes nothing, then the import does.
    let good = risk_table(vec![good_update, good_new]);
    std::fs::write(
        &path,
        to_xlsx(&good, jiff::civil::date(2026, 3, 5)).unwrap(),
    )
    .unwrap();
    let dry = rampart(&[
        "import",
        "risks",
        path.to_str().unwrap(),
        "--db",
        &db,
        "--dry-run",
    ]);
    assert_ok(&dry);
    assert!(
        stderr(&dry).contains("1 new risk(s), 1 updated"),
        "{}",
        stderr(&dry)
    );
    assert_eq!(org_json(&db)["risks"], before);
    assert_ok(&rampart(&[
        "import",
        "risks",
        path.to_str().unwrap(),
        "--db",
        &db,
    ]));
    let updated = risk(&db, "r-whs-burglary").unwrap();
    assert_eq!(updated["title"], "Break-in to the warehouse at night");
    assert_eq!(updated["assessment"]["inherent"]["vulnerability"], 6);
    assert_eq!(
        updated["assessment"].get("current"),
        None,
        "stages not given are cleared"
    );
    let new = risk(&db, "r-whs-new").unwrap();
    assert_eq!(new["assessment"]["inherent"]["likelihood"], 3);
    assert_eq!(new["treatment"], "undecided");
}

#[test]
fn an_exported_register_imports_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let before = org_json(&db)["risks"].clone();
    let path = dir.path().join("risks.xlsx");
    export_sheet(&db, "risks", None, &path);
    let out = rampart(&["import", "risks", path.to_str().unwrap(), "--db", &db]);
    assert_ok(&out);
    assert_eq!(org_json(&db)["risks"], before);
}
