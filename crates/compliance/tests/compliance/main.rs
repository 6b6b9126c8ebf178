//! The compliance engine's tests, one binary: OSCAL import and resolution
//! against NIST's published data, the checklist, scoring by hand and by
//! property, findings and remediation, OSCAL export validated against NIST's
//! 1.0.6 schemas, and design review checks.

// Helpers shared by the tests unwrap as the tests do: a failure is a failed test.
#![allow(clippy::unwrap_used)]

mod audit;
mod checklist;
mod design_review;
mod evidence;
mod export;
mod oscal;

use std::path::PathBuf;

/// A file copied into this crate's tests/data.
pub fn data(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A file of ../shared/data/oscal, when the checkout has it.
pub fn shared(name: &str) -> Option<String> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/oscal")
        .join(name);
    std::fs::read_to_string(p).ok()
}

pub fn high_catalog() -> rampart_compliance::oscal::Catalog {
    rampart_compliance::oscal::parse_catalog(&data(
        "NIST_SP-800-53_rev5_HIGH-baseline-resolved-profile_catalog-min.json",
    ))
    .unwrap()
}
