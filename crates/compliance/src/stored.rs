//! What the product stores of an audit beyond its header (who, where, when,
//! status, which the product keeps as fields of its own): the scope, the
//! item results, the findings, the remediation plan and the risk
//! acceptances, and the rules between them.

use crate::audit::{Audit, AuditError, AuditStatus, ItemResult, Scope};
use crate::finding::{Finding, FindingSource};
use crate::framework::Framework;
use crate::remediation::{RemediationError, RemediationPlan, RemediationStatus, RiskAcceptance};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use thiserror::Error;

/// The work of an audit, as stored.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditContent {
    #[serde(default)]
    pub scope: Scope,
    #[serde(default)]
    pub results: Vec<ItemResult>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<RemediationPlan>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub acceptances: Vec<RiskAcceptance>,
}

/// The header the product keeps for an audit.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditHeader {
    pub id: String,
    pub title: String,
    pub site: String,
    pub framework: String,
    pub auditors: Vec<String>,
    pub planned_start: Date,
    pub planned_end: Date,
    pub status: AuditStatus,
}

/// Why stored audit content does not hold together.
#[derive(Debug, Error, PartialEq)]
pub enum ContentError {
    #[error(transparent)]
    Audit(#[from] AuditError),
    #[error(transparent)]
    Remediation(#[from] RemediationError),
    #[error("finding {0} is listed twice")]
    DuplicateFinding(String),
    #[error("finding {finding} comes from audit {source_audit}, not from this one ({audit})")]
    OtherAudit {
        finding: String,
        source_audit: String,
        audit: String,
    },
    #[error("finding {finding}: item {item} is not in framework {framework}")]
    UnknownItem {
        finding: String,
        item: String,
        framework: String,
    },
    #[error("remediation item {item} answers finding {finding}, which the audit does not have")]
    UnknownFinding { item: String, finding: String },
    #[error("remediation item {item} names acceptance {acceptance}, which the audit does not have")]
    UnknownAcceptance { item: String, acceptance: String },
    #[error("remediation item {0} is risk-accepted but names no acceptance")]
    AcceptedWithout(String),
    #[error(
        "acceptance {id} is for {finding}, which is neither a finding nor a remediation item of the audit"
    )]
    AcceptanceTarget { id: String, finding: String },
}

impl AuditContent {
    /// Read stored content from its JSON.
    pub fn from_json(v: &serde_json::Value) -> Result<AuditContent, serde_json::Error> {
        if v.is_null() {
            return Ok(AuditContent::default());
        }
        AuditContent::deserialize(v)
    }

    /// The engine's audit: the header with the scope and results.
    pub fn audit(&self, h: &AuditHeader) -> Audit {
        Audit {
            id: h.id.clone(),
            title: h.title.clone(),
            site: h.site.clone(),
            framework: h.framework.clone(),
            scope: self.scope.clone(),
            auditors: h.auditors.clone(),
            planned_start: h.planned_start,
            planned_end: h.planned_end,
            status: h.status,
            results: self.results.clone(),
        }
    }

    /// Every rule: the results fit the framework and scope (see
    /// [`Audit::check`]); findings are unique, from this audit, on items of
    /// the framework; each remediation item answers a finding of the audit
    /// and a risk-accepted one names an acceptance of the audit; each
    /// acceptance has an approver, expires after its approval and is for a
    /// finding or remediation item of the audit.
    pub fn check(&self, h: &AuditHeader, framework: &Framework) -> Result<(), ContentError> {
        self.audit(h).check(framework)?;
        let mut findings = HashSet::new();
        for f in &self.findings {
            if !findings.insert(f.id.as_str()) {
                return Err(ContentError::DuplicateFinding(f.id.clone()));
            }
            if let FindingSource::Audit { audit, item, .. } = &f.source {
                if audit != &h.id {
                    return Err(ContentError::OtherAudit {
                        finding: f.id.clone(),
                        source_audit: audit.clone(),
                        audit: h.id.clone(),
                    });
                }
                if framework.item(item).is_none() {
                    return Err(ContentError::UnknownItem {
                        finding: f.id.clone(),
                        item: item.clone(),
                        framework: framework.id.clone(),
                    });
                }
            }
        }
        let acceptances: HashSet<&str> = self.acceptances.iter().map(|a| a.id.as_str()).collect();
        let items = self.remediation.iter().flat_map(|p| &p.items);
        let mut poam_ids = HashSet::new();
        for i in items {
            poam_ids.insert(i.id.as_str());
            if !findings.contains(i.finding.as_str()) {
                return Err(ContentError::UnknownFinding {
                    item: i.id.clone(),
                    finding: i.finding.clone(),
                });
            }
            match (&i.acceptance, i.status) {
                (Some(a), _) if !acceptances.contains(a.as_str()) => {
                    return Err(ContentError::UnknownAcceptance {
                        item: i.id.clone(),
                        acceptance: a.clone(),
                    });
                }
                (None, RemediationStatus::RiskAccepted) => {
                    return Err(ContentError::AcceptedWithout(i.id.clone()));
                }
                _ => {}
            }
        }
        for a in &self.acceptances {
            a.check()?;
            if !findings.contains(a.finding.as_str()) && !poam_ids.contains(a.finding.as_str()) {
                return Err(ContentError::AcceptanceTarget {
                    id: a.id.clone(),
                    finding: a.finding.clone(),
                });
            }
        }
        Ok(())
    }
}
