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
        "9. Audit results and findings",
        "10. Prioritised recommendations",
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
    // The acceptance of new systems, one row per plan of the demo.
    assert!(html.contains("<h3>Acceptance of new systems</h3>"));
    for row in [
        "<td>Dock shutter alarm contacts <small>(whs-dock-contacts-2025)</small></td><td>Failing</td><td class=\"num\">1</td><td class=\"num\">1</td><td class=\"num\">0</td>",
        "<td>Main entrance access control upgrade <small>(hq-entrance-acs-2025)</small></td><td>Accepted</td><td class=\"num\">5</td><td class=\"num\">0</td><td class=\"num\">0</td><td>2025-12-03 by Adaeze Okafor</td>",
    ] {
        assert!(html.contains(row), "no row {row}");
    }
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

    // The warehouse's frontier, by hand (the candidates of tests/risk.rs,
    // each scaling the one FAIR risk's loss event frequency): the cage
    // alone (6,500 a year, 0.3 of the loss left), cage + CCTV analytics
    // (57,500, 0.3 x 0.45 = 0.135), all three (122,500, 0.135 x 0.55 =
    // 0.07425); cage + insider (71,500, 0.165) is dominated.
    let part = html
        .split("What the proposed controls buy: M62 distribution warehouse")
        .nth(1)
        .expect("the warehouse's frontier");
    let part = &part[..part.find("</table>").unwrap()];
    assert!(part.contains("<title>Efficient frontier: M62 distribution warehouse"));
    let rows: Vec<(f64, f64)> = part
        .split("<tr><td class=\"num\">")
        .skip(1)
        .map(|row| {
            let cells: Vec<f64> = row
                .split("<td class=\"num\">")
                .take(2)
                .map(|c| {
                    c.split('<')
                        .next()
                        .unwrap()
                        .replace(',', "")
                        .parse()
                        .unwrap()
                })
                .collect();
            (cells[0], cells[1])
        })
        .collect();
    let costs: Vec<f64> = rows.iter().map(|r| r.0).collect();
    assert_eq!(costs, [0.0, 6_500.0, 57_500.0, 122_500.0], "{part}");
    let current = rows[0].1;
    for ((_, residual), share) in rows.iter().zip([1.0, 0.3, 0.135, 0.074_25]) {
        // Amounts are printed to the unit.
        assert!(
            (residual - current * share).abs() <= 1.0,
            "{residual} vs {share} of {current}"
        );
    }
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
    let pdf = std::fs::read(dir.path().join("northwind-assessment-report.pdf")).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
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
    let audit = rampart(&[
        "report", "audit", "--db", &db, "--audit", "nothing", "--format", "html", "-o", o,
    ]);
    assert!(!audit.status.success());
    assert!(
        stderr(&audit).contains("organisation northwind has no audit nothing (it has: "),
        "{}",
        stderr(&audit)
    );
    assert!(!out.exists());
}

// ---------------------------------------------------------------- PDF

/// Runs a poppler tool; `None` (after saying so) when it is not installed,
/// except under CI, where the tools must be there.
fn poppler(tool: &str, args: &[&str]) -> Option<String> {
    match std::process::Command::new(tool).args(args).output() {
        Ok(o) => {
            assert!(
                o.status.success(),
                "{tool} {args:?}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            Some(String::from_utf8(o.stdout).unwrap())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{tool} is not installed, and CI=true requires it (poppler-utils)"
            );
            println!("SKIPPED: {tool} not installed");
            None
        }
        Err(e) => panic!("{tool}: {e}"),
    }
}

/// The text of a PDF, every run of whitespace one space.
pub(crate) fn pdf_text(path: &Path) -> Option<String> {
    let text = poppler("pdftotext", &[path.to_str().unwrap(), "-"])?;
    Some(text.split_whitespace().collect::<Vec<_>>().join(" "))
}

fn pdf_pages(path: &Path) -> Option<u32> {
    let info = poppler("pdfinfo", &[path.to_str().unwrap()])?;
    let line = info.lines().find(|l| l.starts_with("Pages:")).unwrap();
    Some(line["Pages:".len()..].trim().parse().unwrap())
}

fn write(db: &str, what: &[&str], format: &str, out: &Path, as_of: &str) -> Vec<u8> {
    let mut args = vec!["report"];
    args.extend_from_slice(what);
    args.extend_from_slice(&["--db", db, "--format", format, "-o", out.to_str().unwrap()]);
    args.extend_from_slice(&["--as-of", as_of]);
    assert_ok(&rampart(&args));
    std::fs::read(out).unwrap()
}

#[test]
fn the_assessment_pdf_has_every_section_and_the_same_as_of_gives_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_store(dir.path());
    let doc = demo_doc();
    let a = dir.path().join("a.pdf");
    let one = write(&db, &["assessment"], "pdf", &a, "2026-05-01");
    let two = write(
        &db,
        &["assessment"],
        "pdf",
        &dir.path().join("b.pdf"),
        "2026-05-01",
    );
    assert!(one.starts_with(b"%PDF-"));
    assert_eq!(one, two, "the same data and as-of gave different PDFs");
    let later = write(
        &db,
        &["assessment"],
        "pdf",
        &dir.path().join("c.pdf"),
        "2026-06-01",
    );
    assert_ne!(one, later);
    let Some(text) = pdf_text(&a) else { return };
    for heading in rampart_report::SECTIONS.map(|s| s.1) {
        assert!(text.contains(heading), "no section {heading}");
    }
    assert!(text.contains("Document control"));
    assert!(text.contains("As of 2026-05-01"));
    assert!(text.contains("Acceptance of new systems"));
    assert!(text.contains("Dock shutter alarm contacts"));
    // The FEMA 452 risk: A x T x V from the file.
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
    let score = u32::from(c.asset_value.get())
        * u32::from(c.threat.get())
        * u32::from(c.vulnerability.get());
    assert_eq!(score, 384);
    let (a_, t, v) = (c.asset_value.get(), c.threat.get(), c.vulnerability.get());
    assert!(
        text.contains(&format!("{a_} × {t} × {v} = {score}")),
        "no FEMA score {score}"
    );
    assert!(text.contains(&format!("FEMA score {score} is above 200")));
    assert!(text.contains(&format!(
        "the register holds {} risk scenarios",
        doc.risks.len()
    )));
    for site in &doc.sites {
        let devices = doc.devices.iter().filter(|d| d.site == site.id).count();
        assert!(
            text.contains(&format!("{devices} devices.")),
            "devices of {}",
            site.id
        );
    }
    assert!(text.contains("Not met"));
    // The audit section gives each audit's overall score as the engine makes it.
    for (id, score) in audit_scores(&doc) {
        assert!(
            text.contains(&format!("Overall score {score:.1}% over")),
            "score of audit {id}: {score:.1}%"
        );
    }
    // The document's dates are the as-of date.
    if let Some(info) = poppler("pdfinfo", &[a.to_str().unwrap()]) {
        let created = info
            .lines()
            .find(|l| l.starts_with("CreationDate:"))
            .unwrap();
        assert!(
            created.contains("2026") && created.contains("May") && created.contains(" 1 "),
            "{created}"
        );
    }
}

/// Each audit's overall score in percent, counted here from the demo file:
/// compliant 1, partially compliant 0.5, non-compliant 0, n/a not scored.
fn audit_scores(doc: &OrgDocument) -> Vec<(String, f64)> {
    doc.audits
        .iter()
        .map(|a| {
            let results = a.content["results"].as_array().cloned().unwrap_or_default();
            let count = |o: &str| results.iter().filter(|r| r["outcome"] == o).count() as f64;
            let (c, p, n) = (
                count("compliant"),
                count("partially_compliant"),
                count("non_compliant"),
            );
            (a.id.to_string(), 100.0 * (c + 0.5 * p) / (c + p + n))
        })
        .collect()
}

#[test]
fn the_briefing_is_one_page_with_the_posture_top_risks_investment_and_audits() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_store(dir.path());
    let doc = demo_doc();
    let html = String::from_utf8(write(
        &db,
        &["briefing"],
        "html",
        &dir.path().join("b.html"),
        "2026-05-01",
    ))
    .unwrap();
    for h in [
        "Overall posture",
        "Top 5 risks",
        "Recommended investment",
        "Audit status",
    ] {
        assert!(html.contains(&format!("<h3>{h}</h3>")), "no {h}");
    }
    assert!(html.contains(&format!(
        "the register holds {} risk scenarios",
        doc.risks.len()
    )));
    let pdf = dir.path().join("b.pdf");
    let one = write(&db, &["briefing"], "pdf", &pdf, "2026-05-01");
    let two = write(
        &db,
        &["briefing"],
        "pdf",
        &dir.path().join("b2.pdf"),
        "2026-05-01",
    );
    assert_eq!(one, two);
    let Some(pages) = pdf_pages(&pdf) else { return };
    assert_eq!(pages, 1, "the briefing is not one page");
    let Some(text) = pdf_text(&pdf) else { return };
    for h in [
        "Executive security briefing",
        "Overall posture",
        "Top 5 risks",
        "Recommended investment",
        "Audit status",
    ] {
        assert!(text.contains(h), "no {h}");
    }
    assert!(text.contains(&format!(
        "the register holds {} risk scenarios",
        doc.risks.len()
    )));
    for (id, score) in audit_scores(&doc) {
        assert!(
            text.contains(&format!("{score:.1}%")),
            "score of audit {id}"
        );
    }
}

#[test]
fn the_audit_report_gives_scores_findings_and_remediation() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_store(dir.path());
    let doc = demo_doc();
    let a = doc
        .audits
        .iter()
        .find(|a| a.id.as_str() == "hq-inspection-2025")
        .unwrap();
    let (_, score) = audit_scores(&doc)
        .into_iter()
        .find(|(id, _)| id == "hq-inspection-2025")
        .unwrap();
    let findings = a.content["findings"].as_array().unwrap();
    let sev = |s: &str| findings.iter().filter(|f| f["severity"] == s).count();
    let items = a.content["remediation"]["items"].as_array().unwrap();
    let as_of = "2026-05-01";
    let settled = items
        .iter()
        .filter(|i| i["status"] == "closed" || i["status"] == "risk_accepted")
        .count();
    let overdue = items
        .iter()
        .filter(|i| {
            (i["status"] == "open" || i["status"] == "in_progress")
                && i["due"].as_str().is_some_and(|d| d < as_of)
        })
        .count();
    let expected = [
        format!("Overall score: {score:.1}%"),
        format!(
            "{} findings: {} critical, {} high, {} medium, {} low.",
            findings.len(),
            sev("critical"),
            sev("high"),
            sev("medium"),
            sev("low")
        ),
        format!(
            "{} items: {settled} settled (closed or risk-accepted), {} open, {overdue} overdue.",
            items.len(),
            items.len() - settled
        ),
    ];
    let args = ["audit", "--audit", "hq-inspection-2025"];
    let html =
        String::from_utf8(write(&db, &args, "html", &dir.path().join("a.html"), as_of)).unwrap();
    for title in rampart_report::AUDIT_SECTIONS.map(|s| s.1) {
        assert!(html.contains(&format!("<h2>{title}</h2>")), "no {title}");
    }
    for e in &expected {
        assert!(html.contains(e.as_str()), "no {e:?}");
    }
    let pdf = dir.path().join("a.pdf");
    let one = write(&db, &args, "pdf", &pdf, as_of);
    assert_eq!(
        one,
        write(&db, &args, "pdf", &dir.path().join("b.pdf"), as_of)
    );
    let Some(text) = pdf_text(&pdf) else { return };
    for title in rampart_report::AUDIT_SECTIONS.map(|s| s.1) {
        assert!(text.contains(title), "no {title}");
    }
    for e in &expected {
        assert!(text.contains(e.as_str()), "no {e:?}");
    }
}

/// (items, settled, overdue, milestones done, milestones) over the demo's
/// remediation plans of `site` (or all), counted here from the file.
fn remediation_counts(doc: &OrgDocument, site: Option<&str>, as_of: &str) -> [usize; 5] {
    let mut c = [0; 5];
    for a in doc
        .audits
        .iter()
        .filter(|a| site.is_none_or(|s| a.site.as_str() == s))
    {
        let Some(items) = a.content["remediation"]["items"].as_array() else {
            continue;
        };
        for i in items {
            c[0] += 1;
            let st = i["status"].as_str().unwrap();
            c[1] += usize::from(st == "closed" || st == "risk_accepted");
            c[2] += usize::from(
                (st == "open" || st == "in_progress")
                    && i["due"].as_str().is_some_and(|d| d < as_of),
            );
            let ms = i["milestones"].as_array().map_or(&[][..], Vec::as_slice);
            c[3] += ms.iter().filter(|m| m.get("done").is_some()).count();
            c[4] += ms.len();
        }
    }
    c
}

#[test]
fn the_remediation_status_counts_items_overdue_work_and_expiring_acceptances() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_store(dir.path());
    let doc = demo_doc();
    // Ten days before the warehouse's acceptance of the missing vehicle
    // barrier runs out (it is valid through 2026-03-31).
    let as_of = "2026-03-21";
    let [items, settled, overdue, done, milestones] = remediation_counts(&doc, None, as_of);
    assert!(
        items > 0 && overdue > 0 && settled > 0,
        "the demo has work in every state"
    );
    let plans = doc
        .audits
        .iter()
        .filter(|a| a.content["remediation"].is_object())
        .count();
    let summary = format!(
        "{items} items in {plans} plans: {settled} settled (closed or risk-accepted, {:.0}%), {} open, of which {overdue} overdue; {done} of {milestones} milestones done.",
        settled as f64 / items as f64 * 100.0,
        items - settled
    );
    let html = String::from_utf8(write(
        &db,
        &["remediation"],
        "html",
        &dir.path().join("r.html"),
        as_of,
    ))
    .unwrap();
    for title in rampart_report::REMEDIATION_SECTIONS.map(|s| s.1) {
        assert!(html.contains(&format!("<h2>{title}</h2>")), "no {title}");
    }
    assert!(html.contains(&summary), "no {summary:?} in\n{html}");
    assert!(html.contains("acc-whs-hvm"));
    assert!(html.contains("expires in 10 days"), "{html}");
    // The overdue table lists exactly the overdue items.
    let section = &html[html.find("<section id=\"overdue\">").unwrap()..];
    let section = &section[..section.find("</section>").unwrap()];
    assert_eq!(section.matches("<tr><td>").count(), overdue, "{section}");

    // After the expiry, the acceptance is flagged as expired.
    let later = String::from_utf8(write(
        &db,
        &["remediation"],
        "html",
        &dir.path().join("l.html"),
        "2026-05-01",
    ))
    .unwrap();
    assert!(later.contains("expired 31 days ago"), "{later}");

    // One site: only its plans.
    let [w_items, w_settled, w_overdue, ..] = remediation_counts(&doc, Some("whs"), as_of);
    assert!(w_items < items);
    let site = String::from_utf8(write(
        &db,
        &["remediation", "--site", "whs"],
        "html",
        &dir.path().join("w.html"),
        as_of,
    ))
    .unwrap();
    let expected = format!(
        "{w_items} items in 1 plan: {w_settled} settled (closed or risk-accepted, {:.0}%), {} open, of which {w_overdue} overdue;",
        w_settled as f64 / w_items as f64 * 100.0,
        w_items - w_settled
    );
    assert!(site.contains(&expected), "no {expected:?} in\n{site}");
    assert!(
        !site.contains("dc-800-53-2025"),
        "another site's plan leaked"
    );

    // The PDF says the same, and the same date gives the same bytes.
    let pdf = dir.path().join("r.pdf");
    let one = write(&db, &["remediation"], "pdf", &pdf, as_of);
    assert_eq!(
        one,
        write(
            &db,
            &["remediation"],
            "pdf",
            &dir.path().join("s.pdf"),
            as_of
        )
    );
    if let Some(text) = pdf_text(&pdf) {
        for title in rampart_report::REMEDIATION_SECTIONS.map(|s| s.1) {
            assert!(text.contains(title), "no {title}");
        }
        assert!(text.contains(&summary), "no {summary:?} in\n{text}");
        assert!(text.contains("expires in 10 days"));
    }

    // An unknown site is a clear error.
    let out = rampart(&[
        "report",
        "remediation",
        "--db",
        &db,
        "--site",
        "nowhere",
        "--format",
        "html",
        "-o",
        dir.path().join("x.html").to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("no site nowhere"), "{}", stderr(&out));
}
