//! Rampart's compliance engine: framework libraries (OSCAL catalogs and
//! profiles, Rampart checklists), audits with per-item results and scores,
//! findings, remediation plans and risk acceptances, OSCAL export and
//! import, and design review checks.
//!
//! **Architecture invariant: the compliance engine does no I/O.** No files,
//! no clock, no network, no environment, no printing; it knows nothing of
//! HTTP, SQL, the command line or the store, and depends on no other Rampart
//! crate. It parses from `&str` and returns values. Where a date or time is
//! needed ("today", an export's last-modified), the caller passes it.
//!
//! Modules:
//! - [`oscal`]: OSCAL catalog and profile JSON (1.0.x, 1.1.x), control
//!   counts, profile resolution.
//! - [`framework`]: the one model of a framework (sections, items, mappings)
//!   that catalogs and checklists share.
//! - [`checklist`]: the YAML checklist format and the built-in physical
//!   security inspection checklist ([`checklist::physical_security`]).
//! - [`audit`]: audits, item results, evidence by SHA-256, and scoring
//!   (compliant 1, partial 0.5, non-compliant 0, N/A excluded; an empty
//!   section has no score).
//! - [`finding`]: findings from failed and partial items, severity from the
//!   item's criticality.
//! - [`remediation`]: the POA&M (milestones, status, re-test) and risk
//!   acceptances with their expiry.
//! - [`export`] and [`import`]: OSCAL 1.0.6 assessment results and POA&M
//!   out, assessment results in, with deterministic UUIDs ([`uuid`]).
//! - [`design_review`]: checks over a plain description of the site model.
//! - [`evidence`]: an uploaded evidence file checked from its content (type
//!   from magic bytes, size limit, SVG without script) and its name made safe
//!   to show.
//! - [`schedule`]: recurring inspections and planned audits; what is
//!   upcoming and overdue on a day the caller passes in.
//! - [`ical`]: the RFC 5545 iCalendar feed of those occurrences, and a small
//!   reader that checks it.
//! - [`library`]: the built-in frameworks (the checklist, the SP 800-53
//!   rev5 baselines), by name.
//! - [`stored`]: an audit's work as the product stores it (scope, results,
//!   findings, remediation plan, acceptances) and the rules between them.
//!
//! ```
//! use rampart_compliance::checklist::physical_security;
//! let checklist = physical_security();
//! assert!(checklist.len() >= 80);
//! ```

pub mod audit;
pub mod checklist;
pub mod design_review;
pub mod evidence;
pub mod export;
pub mod finding;
pub mod framework;
pub mod ical;
pub mod import;
pub mod library;
pub mod oscal;
pub mod remediation;
pub mod schedule;
pub mod stored;
pub mod uuid;

pub use audit::{Audit, AuditStatus, ItemResult, Outcome, Scope, Scorecard, Sha256};
pub use finding::{Finding, FindingPolicy, Severity, derive_findings};
pub use framework::{Criticality, Framework, Item, Mapping, Section};
pub use remediation::{PoamItem, RemediationPlan, RemediationStatus, RiskAcceptance, expiring};
