//! The integration tests: one test binary for the whole project (one link
//! step), one module per area.

mod util;

mod cli_org;
mod store_conformance;
