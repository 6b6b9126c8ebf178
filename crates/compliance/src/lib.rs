//! Rampart's compliance engine.
pub mod checklist;
pub mod framework;
pub mod oscal;
pub mod uuid;
