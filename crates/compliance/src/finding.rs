//! Findings: what an audit or a design review found wrong, with a severity,
//! an owner, a due date and the risk scenario it feeds.
//!
//! **Severity rule.** A non-compliant item gives a finding of the item's
//! criticality (low, medium, high, critical); a partially compliant one gives
//! one step less (never below low). Due dates are the audit's planned end
//! plus the days the policy allows for that severity.

use crate::audit::{Audit, AuditError, EvidenceRef, Outcome};
use crate::framework::{Criticality, Framework};
use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// The severity of a failed item of `criticality`, by the rule above.
    pub fn of(criticality: Criticality, outcome: Outcome) -> Option<Severity> {
        let full = match criticality {
            Criticality::Low => Severity::Low,
            Criticality::Medium => Severity::Medium,
            Criticality::High => Severity::High,
            Criticality::Critical => Severity::Critical,
        };
        match outcome {
            Outcome::NonCompliant => Some(full),
            Outcome::PartiallyCompliant => Some(match full {
                Severity::Critical => Severity::High,
                Severity::High => Severity::Medium,
                Severity::Medium | Severity::Low => Severity::Low,
            }),
            Outcome::Compliant | Outcome::NotApplicable => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// Where a finding came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FindingSource {
    /// A failed or partial item of an audit.
    Audit {
        audit: String,
        item: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        zone: Option<String>,
        outcome: Outcome,
    },
    /// A design review check on the site model.
    DesignReview { check: String, subject: String },
}

/// Something found wrong that someone must fix or accept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub id: String,
    pub title: String,
    pub description: String,
    pub severity: Severity,
    pub source: FindingSource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<Date>,
    /// The risk scenario of the register this finding bears on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk_scenario: Option<String>,
    /// Controls of other frameworks the failed item maps to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<EvidenceRef>,
}

/// Who owns findings, when they are due and which risks they feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingPolicy {
    /// Days from the audit's planned end to the due date, by severity.
    pub due_days: BTreeMap<Severity, i64>,
    /// Owner by section id of the framework.
    #[serde(default)]
    pub owners_by_section: BTreeMap<String, String>,
    /// Owner when the section has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_owner: Option<String>,
    /// Risk scenario by item id.
    #[serde(default)]
    pub risk_by_item: BTreeMap<String, String>,
    /// The framework whose mapped controls are copied onto findings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mapped_framework: Option<String>,
}

impl Default for FindingPolicy {
    /// 7, 30, 90 and 180 days for critical, high, medium and low; SP 800-53
    /// mappings copied.
    fn default() -> Self {
        FindingPolicy {
            due_days: [
                (Severity::Critical, 7),
                (Severity::High, 30),
                (Severity::Medium, 90),
                (Severity::Low, 180),
            ]
            .into(),
            owners_by_section: BTreeMap::new(),
            default_owner: None,
            risk_by_item: BTreeMap::new(),
            mapped_framework: Some(crate::framework::NIST_800_53_REV5.to_owned()),
        }
    }
}

/// One finding per failed or partially compliant result, in result order.
/// Ids are `<audit>-<item>` (and `-<zone>` when the result has one).
pub fn derive_findings(
    audit: &Audit,
    framework: &Framework,
    policy: &FindingPolicy,
) -> Result<Vec<Finding>, AuditError> {
    audit.check(framework)?;
    let mut out = Vec::new();
    for r in &audit.results {
        let Some((section, item)) = framework.item(&r.item) else {
            continue;
        };
        let Some(severity) = Severity::of(item.criticality, r.outcome) else {
            continue;
        };
        let id = match &r.zone {
            Some(z) => format!("{}-{}-{}", audit.id, r.item, z),
            None => format!("{}-{}", audit.id, r.item),
        };
        let verdict = match r.outcome {
            Outcome::NonCompliant => "not met",
            _ => "partly met",
        };
        let title = match &r.zone {
            Some(z) => format!("{} ({verdict}, zone {z})", item.title),
            None => format!("{} ({verdict})", item.title),
        };
        let description = if r.notes.is_empty() {
            format!("{}: {}", item.id, item.text)
        } else {
            r.notes.clone()
        };
        let due = policy
            .due_days
            .get(&severity)
            .and_then(|d| audit.planned_end.checked_add(d.days()).ok());
        out.push(Finding {
            id,
            title,
            description,
            severity,
            source: FindingSource::Audit {
                audit: audit.id.clone(),
                item: r.item.clone(),
                zone: r.zone.clone(),
                outcome: r.outcome,
            },
            owner: policy
                .owners_by_section
                .get(&section.id)
                .or(policy.default_owner.as_ref())
                .cloned(),
            due,
            risk_scenario: policy.risk_by_item.get(&r.item).cloned(),
            controls: policy
                .mapped_framework
                .as_deref()
                .map(|f| {
                    framework
                        .mapped(&r.item, f)
                        .into_iter()
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            evidence: r.evidence.clone(),
        });
    }
    Ok(out)
}
