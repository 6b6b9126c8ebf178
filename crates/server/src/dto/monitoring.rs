//! Acceptance and monitoring: the acceptance test plans of newly installed
//! systems and the recurring inspections that keep them as accepted.

use rampart_domain as d;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Date, Id, search, text};

/// A recurring inspection of a site: a walk-round or a test done on a
/// schedule, with a reminder before each round and how far it has been
/// done. The calendar feed and the overdue list come from these.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InspectionBody {
    /// The inspection's id (`hq-perimeter-walk`).
    pub id: Id,
    /// The site inspected.
    pub site: Id,
    /// What is inspected; must not be blank.
    #[schema(
        min_length = 1,
        pattern = r"\S",
        example = "Perimeter fence walk (night)"
    )]
    pub title: String,
    /// How often: `{"days": N}`, `{"weeks": N}` or `{"months": N}`, N from 1 to 366.
    pub every: Recurrence,
    /// The first round.
    pub start: Date,
    /// No round after this date; not before `start`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<Date>,
    /// Remind this many days before each round (0 to 366, default 7).
    #[serde(default = "seven")]
    #[schema(minimum = 0, maximum = 366)]
    pub reminder_days: u32,
    /// Rounds on or before this date have been done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_through: Option<Date>,
    /// The checklist walked (a framework).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub framework: Option<Id>,
    /// Who carries it out (a person).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Id>,
}

fn seven() -> u32 {
    7
}

/// How often an inspection recurs: one of `days`, `weeks`, `months`, with a
/// count from 1 to 366.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Recurrence {
    Days(u32),
    Weeks(u32),
    Months(u32),
}

mirrored!(Inspections, d::Inspection, InspectionBody, "inspections", "inspection",
    filters: &[
        text("owner", "owner", "Only the inspections of this person."),
        search("q", "title", "Inspections whose title contains this text (any case)."),
    ],
    sorts: &["title", "start"]);

/// A plan of acceptance tests for a security system newly installed or
/// changed at a site: the tests it must pass, every run of each, and the
/// sign-off. A test with a measurable criterion is decided by the
/// measurement. A plan may be signed off only when every test's latest run
/// passed (422 otherwise, naming the test).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptancePlanBody {
    /// The plan's id (`hq-entrance-acs-2025`).
    pub id: Id,
    /// The site of the system.
    pub site: Id,
    /// What the plan accepts; must not be blank.
    #[schema(
        min_length = 1,
        pattern = r"\S",
        example = "Main entrance access control upgrade"
    )]
    pub title: String,
    /// The system, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// The installer or integrator handing the system over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contractor: Option<String>,
    /// The devices the plan covers, on the plan's site.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<Id>,
    /// When the tests are to be run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned: Option<Date>,
    /// The recurring inspection that keeps the system as accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitoring: Option<Id>,
    /// At least one test; ids unique within the plan.
    #[schema(min_items = 1)]
    pub tests: Vec<AcceptanceTestBody>,
    /// The acceptance, once every test has passed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_off: Option<SignOffBody>,
}

/// One acceptance test.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptanceTestBody {
    /// Unique within the plan (`expired-badge`).
    pub id: Id,
    #[schema(
        min_length = 1,
        pattern = r"\S",
        example = "The reader refuses an expired badge"
    )]
    pub title: String,
    /// How to run the test.
    #[schema(min_length = 1, pattern = r"\S")]
    pub procedure: String,
    /// What must happen for the test to pass.
    #[schema(min_length = 1, pattern = r"\S")]
    pub expected: String,
    /// A measurable pass criterion: the measurement then decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criterion: Option<CriterionBody>,
    /// The device tested: one of the plan's devices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<Id>,
    /// Every run, oldest first; the latest decides.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub results: Vec<TestRunBody>,
}

/// A measurable criterion: one bound or both (bounds included).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CriterionBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<f64>,
    /// The unit measured in (`s`, `px/m`, `lux`, `mm`).
    #[schema(min_length = 1, pattern = r"\S", example = "s")]
    pub unit: String,
}

/// One run of a test. With a criterion, `measured` decides the outcome
/// (a pass needs it; a contradicting outcome is refused).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestRunBody {
    pub on: Date,
    /// Who ran or witnessed the test.
    #[schema(min_length = 1, pattern = r"\S")]
    pub by: String,
    pub outcome: RunOutcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunOutcome {
    Pass,
    Fail,
}

/// Who accepted the system, and when (not before the last run).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignOffBody {
    #[schema(min_length = 1, pattern = r"\S")]
    pub by: String,
    pub on: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

mirrored!(AcceptancePlans, d::AcceptancePlan, AcceptancePlanBody, "acceptance-plans", "acceptance test plan",
    filters: &[
        search("q", "title", "Plans whose title contains this text (any case)."),
    ],
    sorts: &["title", "planned"]);
