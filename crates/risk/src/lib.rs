//! Rampart's risk engine: qualitative ratings (likelihood x impact matrices,
//! FEMA 426/452, NIST SP 800-30 rev1, OWASP), Open FAIR Monte Carlo with
//! per-scenario and portfolio results, and countermeasure economics
//! (risk reduction, ROSI, best set under a budget, efficient frontier).
//!
//! Architecture invariant: the risk engine does no I/O and knows no HTTP,
//! SQL or command line. It takes values (or a scenario file's text) and
//! returns values; results are deterministic for a seed whatever the
//! number of threads.
//!
//! Modules: `qualitative` rates, `assessment` stages risk and judges it
//! against the appetite, `dist` holds the calibrated-estimate
//! distributions, `fair` the validated taxonomy and controls,
//! `scenario_file` parses the YAML/JSON format, `simulate` runs the Monte
//! Carlo, `quantiles` gives exact or sketched percentiles, and
//! `countermeasures` chooses controls.

pub mod assessment;
pub mod countermeasures;
pub mod dist;
pub mod fair;
pub mod qualitative;
pub mod quantiles;
pub mod scenario_file;
pub mod simulate;
mod special;

pub use countermeasures::{Optimisation, OptimiseOptions, optimise};
pub use dist::Distribution;
pub use fair::{Control, LossMode, ModelError, Node, Portfolio, Scenario};
pub use scenario_file::{ScenarioFile, parse};
pub use simulate::{SimulationOptions, SimulationResult, simulate, tornado};
