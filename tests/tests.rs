//! The integration tests: one test binary for the whole project (one link
//! step), one module per area.

// Tests fail by panicking; unwrapping is how they say "this must work".
#![allow(clippy::unwrap_used)]

mod util;

mod acceptance_web;
mod audits_web;
mod browser;
mod cctv;
mod cli_org;
mod compliance_cli;
mod designs;
mod evidence_web;
#[cfg(feature = "oidc")]
mod oidc;
mod pps;
mod report;
mod reports_web;
mod risk;
mod sheets;
mod store_conformance;
mod users_web;
mod web;
