//! Timing of the compliance engine on realistic sizes: parsing the SP 800-53
//! rev5 MODERATE resolved catalog (3.9 MB, from ../shared/data when present,
//! else the HIGH minified copy in tests/data), resolving the MODERATE
//! profile, and exporting a 10,000-item POA&M.
//!
//! `cargo bench -p rampart-compliance --bench frameworks`

use divan::{Bencher, black_box};
use jiff::civil::date;
use rampart_compliance::Outcome;
use rampart_compliance::export::{ExportOptions, poam};
use rampart_compliance::finding::{Finding, FindingSource, Severity};
use rampart_compliance::oscal::{CatalogSources, parse_catalog, parse_profile, resolve};
use rampart_compliance::remediation::RemediationPlan;
use std::path::PathBuf;

fn main() {
    divan::main();
}

fn read(rel: &str) -> Option<String> {
    std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)).ok()
}

fn moderate() -> String {
    read("../../../shared/data/oscal/catalogs/NIST_SP-800-53_rev5_MODERATE-baseline-resolved-profile_catalog.json")
        .or_else(|| {
            eprintln!("MODERATE catalog absent: timing the HIGH minified catalog instead");
            read("tests/data/NIST_SP-800-53_rev5_HIGH-baseline-resolved-profile_catalog-min.json")
        })
        .unwrap_or_default()
}

#[divan::bench(sample_count = 20)]
fn parse_moderate_catalog(b: Bencher) {
    let text = moderate();
    b.bench(|| parse_catalog(black_box(&text)).map(|c| c.count()));
}

#[divan::bench(sample_count = 20)]
fn resolve_moderate_profile(b: Bencher) {
    let high =
        read("tests/data/NIST_SP-800-53_rev5_HIGH-baseline-resolved-profile_catalog-min.json")
            .and_then(|t| parse_catalog(&t).ok());
    let profile = read("tests/data/NIST_SP-800-53_rev5_MODERATE-baseline_profile.json")
        .and_then(|t| parse_profile(&t).ok());
    let (Some(high), Some(profile)) = (high, profile) else {
        return;
    };
    let sources = CatalogSources::new().with("NIST_SP-800-53_rev5_catalog.json", &high);
    b.bench(|| resolve(black_box(&profile), &sources).map(|c| c.count()));
}

#[divan::bench(sample_count = 10)]
fn export_poam_10000(b: Bencher) {
    let findings: Vec<Finding> = (0..10_000)
        .map(|i| Finding {
            id: format!("AUD-1-ITEM-{i}"),
            title: format!("Exterior door {i} is not monitored"),
            description: "The door has no position switch; it can be left open unnoticed.".into(),
            severity: Severity::High,
            source: FindingSource::Audit {
                audit: "AUD-1".into(),
                item: format!("ITEM-{i}"),
                zone: None,
                outcome: Outcome::NonCompliant,
            },
            owner: Some("facilities".into()),
            due: Some(date(2026, 4, 1)),
            risk_scenario: Some("RS-1".into()),
            controls: vec!["pe-3".into(), "pe-6.1".into()],
            evidence: vec![],
        })
        .collect();
    let plan = RemediationPlan::from_findings("POAM-1", "Portfolio remediation", &findings);
    let opts = ExportOptions {
        last_modified: "2026-03-05T09:30:00Z".parse().unwrap_or_default(),
        version: "1".into(),
        import_ap_href: "./ap.json".into(),
    };
    b.bench(|| poam(black_box(&plan), &opts).len());
}
