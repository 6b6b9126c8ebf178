//! Video surveillance design: camera geometry and pixel-density levels (IEC/EN 62676-4),
//! floor plans, occlusion-exact visibility and coverage per level, camera placement, device
//! schedules and drawings.
//!
//! Architecture invariant: this crate does no I/O. It takes plans as values (or parses them
//! from a `&str`) and returns values; it knows nothing of files, HTTP, SQL or the CLI.
//!
//! - [`optics`]: field of view, pixel density, distance per level.
//! - [`levels`]: the IEC 62676-4 2015 and 2025 level profiles, and custom ones.
//! - [`plan`]: the floor plan and its YAML format, validated.
//! - [`visibility`]: exact visibility fans and their areas within wedges and discs.
//! - [`region`]: polygon booleans for unions across cameras.
//! - [`coverage`]: the coverage report per level, zone and camera.
//! - [`placement`]: choosing cameras from candidates, and the device schedule.
//! - [`drawing`]: SVG of the plan and its coverage.

pub mod coverage;
pub mod drawing;
#[cfg(feature = "dxf")]
pub mod dxf_import;
pub mod geometry;
pub mod levels;
pub mod optics;
pub mod placement;
pub mod plan;
pub mod region;
pub mod synthetic;
pub mod visibility;

pub use coverage::{CoverageOptions, CoverageReport, coverage};
pub use levels::{Level, LevelProfile};
pub use optics::Optics;
pub use plan::{FloorPlan, PlanError};
