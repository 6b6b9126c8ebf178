//! Acceptance tests of a security system newly installed or changed, and
//! their sign-off.
//!
//! A plan lists the tests the system must pass before the organisation
//! accepts it from the installer ("a reader refuses an expired badge", "the
//! camera at the door meets Identify", "an alarm reaches the monitoring
//! station within 30 s"). A test may carry a measurable criterion (at most
//! 30 s, at least 250 px/m); its result is then decided by the measurement,
//! not by whoever records it. Every run is kept: a failed test is re-tested
//! after the fix and the history shows both. The plan is signed off when
//! every test's latest run passed, and is closed from then on: a change to
//! the system needs a new plan. Ongoing monitoring is the recurring
//! inspection the plan names.
//!
//! The rules live here, with the model, because every way of writing a plan
//! (the organisation file, the API, the pages, the command line) must obey
//! them: [`AcceptancePlan::problems`] for a whole plan, and
//! [`AcceptancePlan::record`] and [`AcceptancePlan::sign`] for the two
//! changes made in the field.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::Id;

/// A plan of acceptance tests for one system at a site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceptancePlan {
    pub id: Id,
    pub site: Id,
    pub title: String,
    /// The system accepted, in words ("Access control, main entrance").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// The installer or integrator handing the system over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contractor: Option<String>,
    /// The installed devices the plan covers, on the plan's site.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<Id>,
    /// When the tests are to be run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub planned: Option<Date>,
    /// The recurring inspection that keeps the system as accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitoring: Option<Id>,
    pub tests: Vec<AcceptanceTest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_off: Option<SignOff>,
}

/// One test of a plan: what to do, what must happen, and its runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceptanceTest {
    /// Unique within the plan (`expired-badge`).
    pub id: Id,
    pub title: String,
    /// How to run the test.
    pub procedure: String,
    /// What must happen for the test to pass.
    pub expected: String,
    /// A measurable pass criterion; the measurement then decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criterion: Option<Criterion>,
    /// The device tested, one of the plan's devices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<Id>,
    /// Every run, oldest first; the latest decides.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub results: Vec<TestRun>,
}

/// A measurable criterion: `{at_most: 30, unit: s}`, `{at_least: 250,
/// unit: px/m}`, or both bounds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<f64>,
    pub unit: String,
}

/// One run of a test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestRun {
    pub on: Date,
    /// Who ran or witnessed it.
    pub by: String,
    pub outcome: RunOutcome,
    /// The measured value, in the criterion's unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunOutcome {
    Pass,
    Fail,
}

/// The acceptance of the system.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignOff {
    pub by: String,
    pub on: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// Where a plan stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    /// No test has been run.
    NotStarted,
    /// Some tests have passed, none has failed, some are still to run.
    InProgress,
    /// The latest run of at least one test failed.
    Failing,
    /// Every test's latest run passed; waiting for the sign-off.
    ReadyForSignOff,
    /// Signed off.
    Accepted,
}

impl PlanStatus {
    pub fn label(self) -> &'static str {
        match self {
            PlanStatus::NotStarted => "Not started",
            PlanStatus::InProgress => "In progress",
            PlanStatus::Failing => "Failing",
            PlanStatus::ReadyForSignOff => "Ready for sign-off",
            PlanStatus::Accepted => "Accepted",
        }
    }
}

/// A test's state from its latest run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestState {
    NotRun,
    Passed,
    Failed,
}

/// How many tests are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TestCounts {
    pub passed: usize,
    pub failed: usize,
    pub not_run: usize,
}

/// A run as the field records it: the outcome may be left to the
/// measurement when the test has a criterion.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRun {
    pub on: Date,
    pub by: String,
    pub outcome: Option<RunOutcome>,
    pub measured: Option<f64>,
    pub notes: Option<String>,
}

/// Why a run or a sign-off was refused: the field of the form or command
/// at fault and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub field: &'static str,
    pub message: String,
}

fn refuse<T>(field: &'static str, message: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal {
        field,
        message: message.into(),
    })
}

fn number(v: f64) -> String {
    // Shortest form that reads back the same: 30, 2.5, 0.125.
    format!("{v}")
}

impl Criterion {
    /// Whether a measurement meets the criterion (bounds included).
    pub fn met_by(&self, v: f64) -> bool {
        self.at_least.is_none_or(|lo| v >= lo) && self.at_most.is_none_or(|hi| v <= hi)
    }

    /// "at most 30 s", "at least 250 px/m", "from 1 to 2 s".
    pub fn describe(&self) -> String {
        let u = &self.unit;
        match (self.at_least, self.at_most) {
            (Some(lo), Some(hi)) => format!("from {} to {} {u}", number(lo), number(hi)),
            (Some(lo), None) => format!("at least {} {u}", number(lo)),
            (None, Some(hi)) => format!("at most {} {u}", number(hi)),
            (None, None) => format!("any value in {u}"),
        }
    }

    fn problems(&self) -> Option<String> {
        let finite = |b: Option<f64>| b.is_none_or(f64::is_finite);
        if self.at_least.is_none() && self.at_most.is_none() {
            Some("a criterion needs at_least, at_most or both".to_owned())
        } else if !finite(self.at_least) || !finite(self.at_most) {
            Some("a criterion's bounds must be finite numbers".to_owned())
        } else if let (Some(lo), Some(hi)) = (self.at_least, self.at_most)
            && lo > hi
        {
            Some(format!(
                "at_least ({}) is above at_most ({})",
                number(lo),
                number(hi)
            ))
        } else if self.unit.trim().is_empty() {
            Some("a criterion needs its unit (s, px/m, lux, ...)".to_owned())
        } else {
            None
        }
    }
}

impl AcceptanceTest {
    pub fn latest(&self) -> Option<&TestRun> {
        self.results.last()
    }

    pub fn state(&self) -> TestState {
        match self.latest().map(|r| r.outcome) {
            None => TestState::NotRun,
            Some(RunOutcome::Pass) => TestState::Passed,
            Some(RunOutcome::Fail) => TestState::Failed,
        }
    }

    /// The outcome a run must have: from the measurement when the test has
    /// a criterion, as given otherwise.
    fn decide(
        &self,
        outcome: Option<RunOutcome>,
        measured: Option<f64>,
    ) -> Result<RunOutcome, Refusal> {
        if let Some(m) = measured
            && !m.is_finite()
        {
            return refuse(
                "measured",
                format!("the measured value must be a finite number, not {m}"),
            );
        }
        match (&self.criterion, measured) {
            (Some(c), Some(m)) => {
                let by_measure = if c.met_by(m) {
                    RunOutcome::Pass
                } else {
                    RunOutcome::Fail
                };
                match outcome {
                    Some(o) if o != by_measure => refuse(
                        "measured",
                        format!(
                            "{} {} {} the criterion ({}): the outcome is {}, not {}",
                            number(m),
                            c.unit,
                            if by_measure == RunOutcome::Pass {
                                "meets"
                            } else {
                                "fails"
                            },
                            c.describe(),
                            outcome_word(by_measure),
                            outcome_word(o)
                        ),
                    ),
                    _ => Ok(by_measure),
                }
            }
            (Some(c), None) if outcome != Some(RunOutcome::Fail) => refuse(
                "measured",
                format!(
                    "the test passes on a measurement ({}): give the measured value",
                    c.describe()
                ),
            ),
            (_, _) => {
                outcome.map_or_else(|| refuse("outcome", "give the outcome: pass or fail"), Ok)
            }
        }
    }
}

fn outcome_word(o: RunOutcome) -> &'static str {
    match o {
        RunOutcome::Pass => "pass",
        RunOutcome::Fail => "fail",
    }
}

impl AcceptancePlan {
    pub fn test(&self, id: &str) -> Option<&AcceptanceTest> {
        self.tests.iter().find(|t| t.id.as_str() == id)
    }

    pub fn counts(&self) -> TestCounts {
        let mut c = TestCounts::default();
        for t in &self.tests {
            match t.state() {
                TestState::NotRun => c.not_run += 1,
                TestState::Passed => c.passed += 1,
                TestState::Failed => c.failed += 1,
            }
        }
        c
    }

    pub fn status(&self) -> PlanStatus {
        if self.sign_off.is_some() {
            return PlanStatus::Accepted;
        }
        let c = self.counts();
        if c.failed > 0 {
            PlanStatus::Failing
        } else if c.not_run == 0 && c.passed > 0 {
            PlanStatus::ReadyForSignOff
        } else if c.passed > 0 {
            PlanStatus::InProgress
        } else {
            PlanStatus::NotStarted
        }
    }

    /// The latest date of any run.
    pub fn last_run(&self) -> Option<Date> {
        self.tests
            .iter()
            .flat_map(|t| t.results.iter().map(|r| r.on))
            .max()
    }

    /// Why the plan cannot be signed off now; empty when it can.
    pub fn sign_off_blockers(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.tests.is_empty() {
            out.push("the plan has no test".to_owned());
        }
        for t in &self.tests {
            match t.state() {
                TestState::NotRun => out.push(format!("test {} has not been run", t.id)),
                TestState::Failed => out.push(format!(
                    "test {} failed on {} and has not passed a re-test",
                    t.id,
                    t.latest().map_or_else(String::new, |r| r.on.to_string())
                )),
                TestState::Passed => {}
            }
        }
        out
    }

    /// Adds a run to test `test`. Refused when the plan is signed off, the
    /// test is unknown, the run is dated before the test's latest run, no
    /// one is named, or the outcome disagrees with the measurement.
    pub fn record(&mut self, test: &str, run: NewRun) -> Result<RunOutcome, Refusal> {
        if let Some(s) = &self.sign_off {
            return refuse(
                "test",
                format!(
                    "the plan was signed off by {} on {}: it is closed; a change to the system needs a new plan",
                    s.by, s.on
                ),
            );
        }
        let Some(t) = self.tests.iter_mut().find(|t| t.id.as_str() == test) else {
            let ids: Vec<&str> = self.tests.iter().map(|t| t.id.as_str()).collect();
            return refuse(
                "test",
                format!("the plan has no test {test:?} (it has: {})", ids.join(", ")),
            );
        };
        if run.by.trim().is_empty() {
            return refuse("by", "name who ran or witnessed the test");
        }
        if let Some(last) = t.latest()
            && run.on < last.on
        {
            return refuse(
                "on",
                format!(
                    "the test's latest run is of {}; a run is recorded after it",
                    last.on
                ),
            );
        }
        let outcome = t.decide(run.outcome, run.measured)?;
        t.results.push(TestRun {
            on: run.on,
            by: run.by.trim().to_owned(),
            outcome,
            measured: run.measured,
            notes: run.notes.filter(|n| !n.trim().is_empty()),
        });
        Ok(outcome)
    }

    /// Signs the plan off. Refused when it is already signed off, when a
    /// test has not passed its latest run, or when the date is before the
    /// latest run.
    pub fn sign(&mut self, sign_off: SignOff) -> Result<(), Refusal> {
        if let Some(s) = &self.sign_off {
            return refuse(
                "sign_off",
                format!("the plan was already signed off by {} on {}", s.by, s.on),
            );
        }
        if sign_off.by.trim().is_empty() {
            return refuse("by", "name who accepts the system");
        }
        let blockers = self.sign_off_blockers();
        if !blockers.is_empty() {
            return refuse(
                "sign_off",
                format!("not every test has passed: {}", blockers.join("; ")),
            );
        }
        if let Some(last) = self.last_run()
            && sign_off.on < last
        {
            return refuse(
                "on",
                format!("the sign-off cannot come before the last test run ({last})"),
            );
        }
        self.sign_off = Some(SignOff {
            by: sign_off.by.trim().to_owned(),
            ..sign_off
        });
        Ok(())
    }

    /// Every rule a stored plan obeys: (field, message). The field is the
    /// plan's (`tests`, `sign_off`); the message names the test.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if self.tests.is_empty() {
            out.push(("tests", "a plan has at least one test".to_owned()));
        }
        let mut seen = std::collections::HashSet::new();
        for t in &self.tests {
            let name = t.id.as_str();
            if !seen.insert(name) {
                out.push(("tests", format!("two tests have the id {name:?}")));
            }
            for (field, v) in [
                ("title", &t.title),
                ("procedure", &t.procedure),
                ("expected", &t.expected),
            ] {
                if v.trim().is_empty() {
                    out.push(("tests", format!("test {name}: {field} must not be empty")));
                }
            }
            if let Some(c) = &t.criterion
                && let Some(m) = c.problems()
            {
                out.push(("tests", format!("test {name}: {m}")));
            }
            if let Some(d) = &t.device
                && !self.devices.contains(d)
            {
                out.push((
                    "tests",
                    format!("test {name}: device {d} is not one of the plan's devices"),
                ));
            }
            for (i, r) in t.results.iter().enumerate() {
                let run = || format!("test {name}, run {} ({})", i + 1, r.on);
                if r.by.trim().is_empty() {
                    out.push(("tests", format!("{}: by must not be empty", run())));
                }
                if i > 0 && r.on < t.results[i - 1].on {
                    out.push(("tests", format!("{}: runs are listed oldest first", run())));
                }
                if let Err(e) = t.decide(Some(r.outcome), r.measured) {
                    out.push(("tests", format!("{}: {}", run(), e.message)));
                }
            }
        }
        if let Some(s) = &self.sign_off {
            if s.by.trim().is_empty() {
                out.push(("sign_off", "by must not be empty".to_owned()));
            }
            for b in self.sign_off_blockers() {
                out.push(("sign_off", format!("signed off, but {b}")));
            }
            if let Some(last) = self.last_run()
                && s.on < last
            {
                out.push((
                    "sign_off",
                    format!("signed off on {} before the last test run ({last})", s.on),
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> Id {
        Id::new(s).unwrap()
    }

    fn d(day: i8) -> Date {
        jiff::civil::date(2025, 6, day)
    }

    fn plan() -> AcceptancePlan {
        AcceptancePlan {
            id: id("hq-acs"),
            site: id("hq"),
            title: "Main entrance access control".into(),
            system: None,
            contractor: None,
            devices: vec![id("rdr-1")],
            planned: None,
            monitoring: None,
            tests: vec![
                AcceptanceTest {
                    id: id("expired-badge"),
                    title: "A reader refuses an expired badge".into(),
                    procedure: "Present a badge expired yesterday".into(),
                    expected: "Red LED, door stays locked, event logged".into(),
                    criterion: None,
                    device: Some(id("rdr-1")),
                    results: vec![],
                },
                AcceptanceTest {
                    id: id("alarm-path"),
                    title: "Forced door reaches the monitoring station".into(),
                    procedure: "Force the door; time until the operator sees it".into(),
                    expected: "Alarm on the operator's screen".into(),
                    criterion: Some(Criterion {
                        at_least: None,
                        at_most: Some(30.0),
                        unit: "s".into(),
                    }),
                    device: None,
                    results: vec![],
                },
            ],
            sign_off: None,
        }
    }

    fn run(day: i8, outcome: Option<RunOutcome>, measured: Option<f64>) -> NewRun {
        NewRun {
            on: d(day),
            by: "J. Novak".into(),
            outcome,
            measured,
            notes: None,
        }
    }

    #[test]
    fn a_measurement_decides_the_outcome_bounds_included() {
        let c = Criterion {
            at_least: Some(250.0),
            at_most: None,
            unit: "px/m".into(),
        };
        assert!(c.met_by(250.0) && c.met_by(400.0) && !c.met_by(249.9));
        assert_eq!(c.describe(), "at least 250 px/m");
        let both = Criterion {
            at_least: Some(1.0),
            at_most: Some(2.5),
            unit: "s".into(),
        };
        assert!(both.met_by(1.0) && both.met_by(2.5) && !both.met_by(2.6) && !both.met_by(0.9));
        assert_eq!(both.describe(), "from 1 to 2.5 s");
    }

    #[test]
    fn a_plan_goes_from_not_started_through_a_failed_retest_to_accepted() {
        let mut p = plan();
        assert_eq!(p.status(), PlanStatus::NotStarted);
        assert_eq!(p.problems(), vec![]);
        // 42 s is over the 30 s limit: the measurement decides "fail".
        assert_eq!(
            p.record("alarm-path", run(2, None, Some(42.0))),
            Ok(RunOutcome::Fail)
        );
        assert_eq!(p.status(), PlanStatus::Failing);
        assert_eq!(
            p.record("expired-badge", run(2, Some(RunOutcome::Pass), None)),
            Ok(RunOutcome::Pass)
        );
        assert_eq!(p.status(), PlanStatus::Failing);
        let refused = p.sign(SignOff {
            by: "A. Okafor".into(),
            on: d(3),
            notes: None,
        });
        assert_eq!(refused.unwrap_err().field, "sign_off");
        // The re-test after the fix passes: 18 s.
        assert_eq!(
            p.record("alarm-path", run(5, None, Some(18.0))),
            Ok(RunOutcome::Pass)
        );
        assert_eq!(p.status(), PlanStatus::ReadyForSignOff);
        assert_eq!(
            p.counts(),
            TestCounts {
                passed: 2,
                failed: 0,
                not_run: 0
            }
        );
        // Both runs are kept.
        assert_eq!(p.test("alarm-path").unwrap().results.len(), 2);
        // Not before the last run.
        assert_eq!(
            p.sign(SignOff {
                by: "A. Okafor".into(),
                on: d(4),
                notes: None
            })
            .unwrap_err()
            .field,
            "on"
        );
        p.sign(SignOff {
            by: " A. Okafor ".into(),
            on: d(5),
            notes: None,
        })
        .unwrap();
        assert_eq!(p.status(), PlanStatus::Accepted);
        assert_eq!(p.sign_off.as_ref().unwrap().by, "A. Okafor");
        assert_eq!(p.problems(), vec![]);
        // Closed: no more runs, no second sign-off.
        let closed = p.record("expired-badge", run(6, Some(RunOutcome::Fail), None));
        assert!(closed.unwrap_err().message.contains("closed"));
        assert!(
            p.sign(SignOff {
                by: "B".into(),
                on: d(7),
                notes: None
            })
            .is_err()
        );
    }

    #[test]
    fn runs_that_contradict_their_measurement_or_lack_it_are_refused() {
        let mut p = plan();
        let e = p
            .record("alarm-path", run(2, Some(RunOutcome::Pass), Some(31.0)))
            .unwrap_err();
        assert_eq!(e.field, "measured");
        assert!(
            e.message.contains("fails the criterion (at most 30 s)"),
            "{}",
            e.message
        );
        let e = p
            .record("alarm-path", run(2, Some(RunOutcome::Pass), None))
            .unwrap_err();
        assert!(
            e.message.contains("give the measured value"),
            "{}",
            e.message
        );
        // A failure needs no measurement (the alarm never arrived).
        assert_eq!(
            p.record("alarm-path", run(2, Some(RunOutcome::Fail), None)),
            Ok(RunOutcome::Fail)
        );
        assert_eq!(
            p.record("expired-badge", run(2, None, None))
                .unwrap_err()
                .field,
            "outcome"
        );
        assert_eq!(
            p.record("alarm-path", run(1, None, Some(3.0)))
                .unwrap_err()
                .field,
            "on"
        );
        assert_eq!(
            p.record("nope", run(3, None, None)).unwrap_err().field,
            "test"
        );
        assert_eq!(
            p.record("alarm-path", run(3, None, Some(f64::NAN)))
                .unwrap_err()
                .field,
            "measured"
        );
        let blank = NewRun {
            by: "  ".into(),
            ..run(3, Some(RunOutcome::Pass), Some(3.0))
        };
        assert_eq!(p.record("alarm-path", blank).unwrap_err().field, "by");
        // Nothing refused was written.
        assert_eq!(p.test("alarm-path").unwrap().results.len(), 1);
    }

    #[test]
    fn a_stored_plan_that_breaks_the_rules_is_reported_by_test() {
        let mut p = plan();
        p.tests[1].results.push(TestRun {
            on: d(2),
            by: "X".into(),
            outcome: RunOutcome::Pass,
            measured: Some(45.0),
            notes: None,
        });
        p.tests[0].results.push(TestRun {
            on: d(2),
            by: "X".into(),
            outcome: RunOutcome::Pass,
            measured: None,
            notes: None,
        });
        p.tests[0].device = Some(id("rdr-9"));
        p.sign_off = Some(SignOff {
            by: "Y".into(),
            on: d(1),
            notes: None,
        });
        let problems = p.problems();
        let text: Vec<&str> = problems.iter().map(|(_, m)| m.as_str()).collect();
        assert!(
            text.iter()
                .any(|m| m.contains("device rdr-9 is not one of")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|m| m.contains("alarm-path, run 1") && m.contains("the outcome is fail")),
            "{text:?}"
        );
        assert!(
            text.iter().any(|m| m.contains("before the last test run")),
            "{text:?}"
        );
        let mut early = plan();
        early.sign_off = p.sign_off.clone();
        let problems = early.problems();
        assert_eq!(
            problems[0],
            (
                "sign_off",
                "signed off, but test expired-badge has not been run".to_owned()
            )
        );
        let mut dup = plan();
        dup.tests[1].id = id("expired-badge");
        dup.tests[1].criterion = Some(Criterion {
            at_least: Some(5.0),
            at_most: Some(1.0),
            unit: "s".into(),
        });
        let problems = dup.problems();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].1.contains("two tests"));
        assert!(problems[1].1.contains("at_least (5) is above at_most (1)"));
    }

    #[test]
    fn the_file_form_reads() {
        let p: AcceptancePlan = serde_json::from_value(serde_json::json!({
            "id": "p", "site": "hq", "title": "T",
            "tests": [{"id": "t", "title": "x", "procedure": "y", "expected": "z",
                       "criterion": {"at_most": 30, "unit": "s"},
                       "results": [{"on": "2025-06-02", "by": "N", "outcome": "pass", "measured": 12}]}]
        }))
        .unwrap();
        assert_eq!(p.status(), PlanStatus::ReadyForSignOff);
        assert_eq!(p.problems(), vec![]);
    }
}
