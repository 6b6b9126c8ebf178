//! The remediation plan (plan of action and milestones) and risk
//! acceptances.
//!
//! Each POA&M item answers one finding: an owner, milestones, a status
//! (open, in progress, risk accepted, closed) and the result of the re-test.
//! An item closes only on a re-test that finds the item compliant (or no
//! longer applicable); a failed re-test puts it back in progress. An item is
//! risk-accepted only under an acceptance with an approver and an expiry.

use crate::audit::Outcome;
use crate::finding::{Finding, Severity};
use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Where a remediation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RemediationStatus {
    Open,
    InProgress,
    RiskAccepted,
    Closed,
}

/// A dated step of a remediation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Milestone {
    pub id: String,
    pub title: String,
    pub due: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done: Option<Date>,
}

/// The re-test after remediation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retest {
    pub date: Date,
    pub outcome: Outcome,
    pub auditor: String,
    #[serde(default)]
    pub notes: String,
}

/// One line of the plan: the remediation of one finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoamItem {
    pub id: String,
    pub finding: String,
    pub title: String,
    pub description: String,
    pub severity: Severity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    pub status: RemediationStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<Date>,
    #[serde(default)]
    pub milestones: Vec<Milestone>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retest: Option<Retest>,
    /// The acceptance under which the item is risk-accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acceptance: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk_scenario: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<String>,
}

/// A plan of action and milestones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemediationPlan {
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    pub items: Vec<PoamItem>,
}

/// A decision to live with a finding for a while.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskAcceptance {
    pub id: String,
    /// The finding (or POA&M item) accepted.
    pub finding: String,
    pub justification: String,
    pub approver: String,
    pub approved_on: Date,
    pub expires: Date,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compensating_controls: Vec<String>,
}

/// A change of status the rules refuse.
#[derive(Debug, Error, PartialEq)]
pub enum RemediationError {
    #[error("POA&M item {0}: a re-test found it {1}, so it cannot close")]
    RetestFailed(String, &'static str),
    #[error("acceptance {id} is for finding {accepted}, not {finding}")]
    WrongFinding {
        id: String,
        accepted: String,
        finding: String,
    },
    #[error("acceptance {id} expires on {expires}, before it was approved ({approved_on})")]
    ExpiresBeforeApproval {
        id: String,
        approved_on: Date,
        expires: Date,
    },
    #[error("acceptance {0} names no approver")]
    NoApprover(String),
}

impl RemediationPlan {
    /// A plan with one open item per finding, each with one milestone
    /// ("remediate") due when the finding is due.
    pub fn from_findings(id: &str, title: &str, findings: &[Finding]) -> RemediationPlan {
        let items = findings
            .iter()
            .map(|f| PoamItem {
                id: format!("poam-{}", f.id),
                finding: f.id.clone(),
                title: f.title.clone(),
                description: f.description.clone(),
                severity: f.severity,
                owner: f.owner.clone(),
                status: RemediationStatus::Open,
                due: f.due,
                milestones: f
                    .due
                    .map(|due| Milestone {
                        id: format!("poam-{}-m1", f.id),
                        title: "Remediate".into(),
                        due,
                        done: None,
                    })
                    .into_iter()
                    .collect(),
                retest: None,
                acceptance: None,
                risk_scenario: f.risk_scenario.clone(),
                controls: f.controls.clone(),
            })
            .collect();
        RemediationPlan {
            id: id.to_owned(),
            title: title.to_owned(),
            site: None,
            items,
        }
    }

    /// Items not closed or accepted whose due date is before `today`.
    pub fn overdue(&self, today: Date) -> Vec<&PoamItem> {
        self.items
            .iter()
            .filter(|i| {
                matches!(
                    i.status,
                    RemediationStatus::Open | RemediationStatus::InProgress
                )
            })
            .filter(|i| i.due.is_some_and(|d| d < today))
            .collect()
    }
}

impl PoamItem {
    /// Record a re-test: compliant or not applicable closes the item;
    /// anything else puts it (back) in progress and is reported as an error
    /// after being recorded.
    pub fn record_retest(&mut self, retest: Retest) -> Result<(), RemediationError> {
        let outcome = retest.outcome;
        self.retest = Some(retest);
        if matches!(outcome, Outcome::Compliant | Outcome::NotApplicable) {
            self.status = RemediationStatus::Closed;
            Ok(())
        } else {
            self.status = RemediationStatus::InProgress;
            Err(RemediationError::RetestFailed(
                self.id.clone(),
                outcome.as_str(),
            ))
        }
    }

    /// Accept the risk under `acceptance`, which must be for this item's
    /// finding, name an approver and expire after its approval.
    pub fn accept(&mut self, acceptance: &RiskAcceptance) -> Result<(), RemediationError> {
        acceptance.check()?;
        if acceptance.finding != self.finding && acceptance.finding != self.id {
            return Err(RemediationError::WrongFinding {
                id: acceptance.id.clone(),
                accepted: acceptance.finding.clone(),
                finding: self.finding.clone(),
            });
        }
        self.status = RemediationStatus::RiskAccepted;
        self.acceptance = Some(acceptance.id.clone());
        Ok(())
    }
}

impl RiskAcceptance {
    /// An approver, and an expiry not before the approval.
    pub fn check(&self) -> Result<(), RemediationError> {
        if self.approver.trim().is_empty() {
            return Err(RemediationError::NoApprover(self.id.clone()));
        }
        if self.expires < self.approved_on {
            return Err(RemediationError::ExpiresBeforeApproval {
                id: self.id.clone(),
                approved_on: self.approved_on,
                expires: self.expires,
            });
        }
        Ok(())
    }
}

/// Whether an acceptance has run out or soon will.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ExpiryState {
    /// Expired this many days ago (an acceptance is valid through its
    /// expiry date, so it is expired from the day after).
    Expired { days_ago: i64 },
    /// Still valid, for this many more days (0: expires today).
    Expiring { days_left: i64 },
}

/// An acceptance that needs attention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpiryNotice<'a> {
    pub acceptance: &'a RiskAcceptance,
    pub state: ExpiryState,
}

/// The acceptances expired on `today`, or expiring within `within_days`
/// days of it (expiry on or before `today + within_days`), soonest first.
pub fn expiring(
    acceptances: &[RiskAcceptance],
    today: Date,
    within_days: i64,
) -> Vec<ExpiryNotice<'_>> {
    let horizon = today
        .checked_add(within_days.max(0).days())
        .unwrap_or(Date::MAX);
    let mut out: Vec<ExpiryNotice<'_>> = acceptances
        .iter()
        .filter(|a| a.expires <= horizon)
        .map(|a| {
            let days = days_between(a.expires, today);
            let state = if a.expires < today {
                ExpiryState::Expired { days_ago: days }
            } else {
                ExpiryState::Expiring { days_left: -days }
            };
            ExpiryNotice {
                acceptance: a,
                state,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        a.acceptance
            .expires
            .cmp(&b.acceptance.expires)
            .then_with(|| a.acceptance.id.cmp(&b.acceptance.id))
    });
    out
}

/// Whole days from `from` to `to` (positive when `to` is later).
fn days_between(from: Date, to: Date) -> i64 {
    to.since(from).map(|s| i64::from(s.get_days())).unwrap_or(0)
}
