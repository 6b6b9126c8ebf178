//! Rampart's domain model, in the security specialist's words.
//!
//! An [`Organisation`] owns [`Site`]s; a site is divided into nested [`Zone`]s
//! (buildings, floors, areas) and holds [`Asset`]s and security [`Device`]s.
//! [`Threat`]s come from a catalogue shared by the organisation; a
//! [`RiskScenario`] is a threat against an asset at a site, assessed with one
//! method. [`Control`]s are catalogue entries with costs, applied at sites as
//! [`AppliedControl`]s. [`Person`]s are the people on the sites; [`User`]s are
//! accounts of the application.
//!
//! This crate knows nothing of storage, files, HTTP or SQL: it defines values
//! and the rules they obey. Field-level rules are enforced when a value is
//! built or deserialised (a [`Rating`] of 11 cannot exist); cross-entity rules
//! (unique ids, references that exist, zones without cycles) are checked by
//! [`OrgDocument::validate`].

mod acceptance;
mod document;
mod entity;
mod id;
mod model;

pub use acceptance::{
    AcceptancePlan, AcceptanceTest, Criterion, NewRun, PlanStatus, Refusal, RunOutcome, SignOff,
    TestCounts, TestRun, TestState,
};
pub use document::{OrgDocument, Problem, ProblemKind};
pub use entity::{Entity, EntityKind, Reference};
pub use id::{Id, IdError, Rating, RatingError};
pub use model::*;
