//! `rampart report assessment` end to end on the demo store: every section,
//! figures recomputed here from the demo file, identical bytes for the same
//! `--as-of`, and clear errors.

use std::path::Path;

use rampart_domain::{Assessment, OrgDocument};

use crate::util::{assert_ok, rampart, root, stderr};

fn demo_store(dir: &Path) -> String {
    let db = format!("sqlite:{}", dir.join("demo.db").display());
    assert_ok(&rampart(&["demo", "--no-serve", "--db", &db, "--quiet"]));
    db
}

fn demo_doc() -> OrgDocument {
    let text = std::fs::read_to_string(root().join("examples/demo-organisation.yaml")).unwrap();
    rampart_orgfile::parse("demo", &text, rampart_orgfile::Format::Yaml).unwrap()
}

fn report(db: &str, out: &Path, extra: &[&str]) -> String {
    let mut args = vec![
        "report",
        "assessment",
        "--db",
        db,
        "--format",
        "html",
        "-o",
        out.to_str().unwrap(),
        "--as-of",
        "2026-05-01",
    ];
    args.extend_from_slice(extra);
    assert_ok(&rampart(&args));
    std::fs::read_to_string(out).unwrap()
}

/// The table row of a risk in the register.
fn risk_row<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<tr id=\"risk-{id}\">"))
        .unwrap_or_else(|| panic!("no register row for {id}"));
    let end = html[start..].find("</tr>").unwrap() + start;
    &html[start..end]
}

/// The amount after `prefix` in `text`: `GBP 1,234` -> 1234.
fn amount_after(text: &str, prefix: &str) -> f64 {
    let at = text.find(prefix).unwrap_or_else(|| panic!("no {prefix:?}")) + prefix.len();
    let digits: String = text[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .filter(char::is_ascii_digit)
        .collect();
    digits.parse().unwrap()
}

#[test]
fn the_assessment_report_of_the_demo_has_every_section_and_its_figures() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_store(dir.path());
    let doc = demo_doc();
    let html = report(&db, &dir.path().join("all.html"), &[]);

    for heading in [
        "1. Executive summary",
        "2. Scope, method and scales",
        "3. Site description",
        "4. Threat assessment",
        "5. Risk register",
        "6. Quantitative results",
        "7. Protection-path analysis",
        "8. Surveillance coverage",
        "9. Prioritised recommendations",
        "Appendix A. Asset list",
        "Appendix B. Device schedule",
    ] {
        assert!(
            html.contains(&format!("<h2>{heading}</h2>")),
            "no section {heading}"
        );
    }
    assert!(html.contains("Document control"));
    assert!(html.contains("As of 2026-05-01"));
    assert!(!html.contains("<script"));

    // Per site: the number of risk scenarios and of devices, counted here.
    for site in &doc.sites {
        let risks = doc.risks.iter().filter(|r| r.site == site.id).count();
        let devices = doc.devices.iter().filter(|d| d.site == site.id).count();
        assert!(
            html.contains(&format!("{} ({}): ", site.name, site.id)),
            "scope line of {}",
            site.id
        );
        assert!(html.contains(&format!("{risks} risk scenarios at this site.")));
        assert!(html.contains(&format!("<p>{devices} devices.</p>")));
    }
    let total = doc.risks.len();
    assert!(html.contains(&format!("the register holds {total} risk scenarios")));

    // A FEMA 452 risk: current score = A x T x V from the file, and outside
    // the organisation's appetite of 200.
    let r = doc
        .risks
        .iter()
        .find(|r| r.id.as_str() == "r-whs-cargo-yard")
        .unwrap();
    let Assessment::Fema452 {
        current: Some(c), ..
    } = &r.assessment
    else {
        panic!("the demo risk is not FEMA 452 with a current stage")
    };
    let (a, t, v) = (c.asset_value.get(), c.threat.get(), c.vulnerability.get());
    let score = u32::from(a) * u32::from(t) * u32::from(v);
    assert_eq!(score, 384);
    let row = risk_row(&html, "r-whs-cargo-yard");
    assert!(row.contains(&format!("{a} × {t} × {v} = {score}")), "{row}");
    assert!(row.contains("Outside"), "{row}");
    assert!(
        row.contains(&format!("FEMA score {score} is above 200")),
        "{row}"
    );

    // A FAIR risk: the mean annual loss against its analytic value,
    // E[LEF] x (E[primary] + E[secondary]) with PERT and lognormal means.
    let pert = |a: f64, m: f64, b: f64| (a + 4.0 * m + b) / 6.0;
    let (lo, hi) = (500_000f64.ln(), 8_000_000f64.ln());
    let (mu, sigma) = ((lo + hi) / 2.0, (hi - lo) / (2.0 * 1.644_853_6));
    let expected = pert(0.02, 0.1, 0.4)
        * (pert(250_000.0, 900_000.0, 3_000_000.0) + (mu + sigma * sigma / 2.0).exp());
    let row = risk_row(&html, "r-dc-breach-fair");
    let simulated = amount_after(row, "mean annual loss GBP ");
    assert!(
        (simulated - expected).abs() / expected < 0.03,
        "simulated {simulated}, analytic {expected}"
    );

    // The charts: heat maps, loss exceedance curves, percentile bars and the adversary sequence.
    for title in [
        "organisation risk matrix: present risk, whole scope",
        "Loss exceedance curve: Manchester data centre MAN-1",
        "Annual loss percentiles: M62 distribution warehouse",
        "Adversary sequence: ",
    ] {
        assert!(
            html.contains(&format!("<title>{title}")),
            "no chart {title}"
        );
    }
    // The lobby plan's zone misses its level (the cctv tests say so too).
    assert!(html.contains("Not met"));
}

#[test]
fn the_same_as_of_gives_the_same_bytes_and_a_site_report_keeps_to_its_site() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_store(dir.path());
    let one = report(&db, &dir.path().join("one.html"), &["--site", "dc"]);
    let two = report(&db, &dir.path().join("two.html"), &["--site", "dc"]);
    assert_eq!(one, two);
    assert!(one.contains("This report covers one site: Manchester data centre MAN-1 (dc)."));
    assert!(!one.contains("Leeds head office"));
    // The data centre has no floor plan: the section says what is missing.
    assert!(one.contains("No floor plan is recorded for Manchester data centre MAN-1 yet"));
}

#[test]
fn the_demo_writes_its_report_beside_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("demo.db").display());
    let out = rampart(&["demo", "--no-serve", "--db", &db]);
    assert_ok(&out);
    let path = dir.path().join("northwind-assessment-report.html");
    assert!(
        stderr(&out).contains(&path.display().to_string()),
        "{}",
        stderr(&out)
    );
    let html = std::fs::read_to_string(path).unwrap();
    assert!(html.contains("<h2>1. Executive summary</h2>"));
}

#[test]
fn bad_requests_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_store(dir.path());
    let out = dir.path().join("x.html");
    let o = out.to_str().unwrap();
    let unknown = rampart(&[
        "report",
        "assessment",
        "--db",
        &db,
        "--site",
        "nowhere",
        "--format",
        "html",
        "-o",
        o,
    ]);
    assert!(!unknown.status.success());
    assert!(
        stderr(&unknown).contains("organisation northwind has no site nowhere (it has: "),
        "{}",
        stderr(&unknown)
    );
    assert!(!out.exists());
    let pdf = rampart(&[
        "report",
        "assessment",
        "--db",
        &db,
        "--format",
        "pdf",
        "-o",
        o,
    ]);
    assert!(!pdf.status.success());
    assert!(
        stderr(&pdf).contains("PDF reports are not built yet"),
        "{}",
        stderr(&pdf)
    );
}
