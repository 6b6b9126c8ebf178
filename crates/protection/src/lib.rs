//! Physical protection system (PPS) evaluation: can the response force interrupt an adversary
//! before the target is reached?
//!
//! - [`facility`]: the facility model (areas, one-way path elements, entries, targets, response
//!   force, adversary profiles, upgrade candidates), read from YAML and validated.
//! - [`network`]: the facility as one adversary meets it (profile rules applied).
//! - [`easi`]: EASI probability of interruption for a path, and the critical detection point.
//! - [`search`]: the most vulnerable paths (exact minimum P_I over simple paths; top K).
//! - [`analysis`]: the paths reported in the specialist's terms, with P_E and the rating.
//! - [`upgrade`]: the cheapest upgrades to reach a P_E, the best for a budget, sensitivity.
//! - [`rating`]: the FEMA 452 vulnerability rating from P_E.
//! - [`synthetic`]: synthetic campuses for benchmarks.
//!
//! Architecture invariant: this crate does no I/O. It takes text or values and returns values;
//! it knows nothing of files, the CLI, HTTP or SQL.

pub mod analysis;
pub mod easi;
pub mod facility;
pub mod network;
pub mod normal;
pub mod rating;
pub mod search;
pub mod synthetic;
pub mod upgrade;

pub use analysis::{Analysis, PathReport, analyze, analyze_all};
pub use facility::{
    AdversaryKind, AdversaryProfile, DetectionLocation, ElementKind, Facility, FacilityError,
    PathElement, ProfileRule, ResponseForce, UpgradeCandidate,
};
pub use network::{Network, Stage};
pub use rating::vulnerability_rating;
pub use search::{SearchOptions, most_vulnerable_paths};
