//! Audits: what is inspected, by whom and when, the result recorded for each
//! item, and the scores.
//!
//! **Scoring rule.** Each result scores compliant = 1, partially compliant =
//! 0.5, non-compliant = 0; not-applicable results are left out of both the
//! sum and the count. A section's score is the mean over its scored results;
//! the overall score is the mean over all scored results of the audit (each
//! result counts once, whatever its section). A section, or an audit, with
//! no scored result has no score (`None`), not 0: "nothing was assessed" is
//! not "everything failed". Items in scope with no result yet are counted as
//! unassessed and do not move the score.

use crate::framework::Framework;
use jiff::civil::Date;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::HashSet;
use std::fmt;
use thiserror::Error;

/// Where an audit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditStatus {
    Planned,
    InProgress,
    Completed,
}

/// The verdict on one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Compliant,
    PartiallyCompliant,
    NonCompliant,
    NotApplicable,
}

impl Outcome {
    /// The score of this outcome, `None` for not applicable.
    pub fn score(self) -> Option<f64> {
        match self {
            Outcome::Compliant => Some(1.0),
            Outcome::PartiallyCompliant => Some(0.5),
            Outcome::NonCompliant => Some(0.0),
            Outcome::NotApplicable => None,
        }
    }

    /// Whether this outcome raises a finding.
    pub fn is_failure(self) -> bool {
        matches!(self, Outcome::PartiallyCompliant | Outcome::NonCompliant)
    }

    /// The snake_case name used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Compliant => "compliant",
            Outcome::PartiallyCompliant => "partially_compliant",
            Outcome::NonCompliant => "non_compliant",
            Outcome::NotApplicable => "not_applicable",
        }
    }
}

/// A SHA-256 digest as 64 lowercase hex digits; built only from valid text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Sha256(String);

/// A digest that is not 64 hex digits.
#[derive(Debug, Error, PartialEq)]
#[error("a SHA-256 digest is 64 hex digits, got {0:?}")]
pub struct BadDigest(pub String);

impl Sha256 {
    /// Accepts upper or lower case hex; keeps lower case.
    pub fn new(hex: &str) -> Result<Self, BadDigest> {
        if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(Sha256(hex.to_ascii_lowercase()))
        } else {
            Err(BadDigest(hex.to_owned()))
        }
    }

    /// The digest of `bytes` (evidence held in memory by the caller).
    pub fn of(bytes: &[u8]) -> Self {
        use sha2::Digest;
        Sha256(hex::encode(sha2::Sha256::digest(bytes)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Sha256 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Sha256::new(&s).map_err(serde::de::Error::custom)
    }
}

/// A piece of evidence, named by its content's digest. The bytes live in the
/// store, not here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceRef {
    pub sha256: Sha256,
    /// What it is (`photo of gate 3 at 02:10`).
    #[serde(default)]
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
}

/// What an audit covers.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Scope {
    /// Zones of the site inspected; empty means the whole site.
    #[serde(default)]
    pub zones: Vec<String>,
    /// Items of the framework in scope; `None` means all of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Vec<String>>,
}

/// The result recorded for one item (in one zone, when zones are scoped).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemResult {
    pub item: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    pub outcome: Outcome,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub evidence: Vec<EvidenceRef>,
    pub auditor: String,
    /// When, as the auditor gave it (ideally RFC 3339; kept as written).
    pub recorded_at: String,
}

/// An audit of one site against one framework.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Audit {
    pub id: String,
    pub title: String,
    pub site: String,
    pub framework: String,
    #[serde(default)]
    pub scope: Scope,
    pub auditors: Vec<String>,
    pub planned_start: Date,
    pub planned_end: Date,
    pub status: AuditStatus,
    #[serde(default)]
    pub results: Vec<ItemResult>,
}

/// A result that does not fit its audit.
#[derive(Debug, Error, PartialEq)]
pub enum AuditError {
    #[error("audit {audit} is against framework {expected}, not {given}")]
    WrongFramework {
        audit: String,
        expected: String,
        given: String,
    },
    #[error("result {index}: item {item} is not in framework {framework}")]
    UnknownItem {
        index: usize,
        item: String,
        framework: String,
    },
    #[error("result {index}: item {item} is not in the audit's scope")]
    OutOfScope { index: usize, item: String },
    #[error("result {index}: zone {zone} is not in the audit's scope")]
    ZoneOutOfScope { index: usize, zone: String },
    #[error("result {index}: item {item} already has a result{}", .zone.as_ref().map(|z| format!(" for zone {z}")).unwrap_or_default())]
    Duplicate {
        index: usize,
        item: String,
        zone: Option<String>,
    },
    #[error("the planned end {end} is before the planned start {start}")]
    Dates { start: Date, end: Date },
}

/// Scores of one section.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SectionScore {
    pub section: String,
    pub title: String,
    /// Mean over scored results; `None` when nothing in it was scored.
    pub score: Option<f64>,
    pub tally: Tally,
}

/// How many results of each outcome, and items not yet assessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Tally {
    pub compliant: usize,
    pub partially_compliant: usize,
    pub non_compliant: usize,
    pub not_applicable: usize,
    pub unassessed: usize,
}

impl Tally {
    fn add(&mut self, o: Outcome) {
        match o {
            Outcome::Compliant => self.compliant += 1,
            Outcome::PartiallyCompliant => self.partially_compliant += 1,
            Outcome::NonCompliant => self.non_compliant += 1,
            Outcome::NotApplicable => self.not_applicable += 1,
        }
    }

    /// Results that count in the score.
    pub fn scored(&self) -> usize {
        self.compliant + self.partially_compliant + self.non_compliant
    }

    /// The score this tally gives, by the rule in the module docs.
    pub fn score(&self) -> Option<f64> {
        let n = self.scored();
        (n > 0).then(|| (self.compliant as f64 + 0.5 * self.partially_compliant as f64) / n as f64)
    }
}

/// The scores of an audit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scorecard {
    pub overall: Option<f64>,
    pub tally: Tally,
    /// Sections with at least one item in scope, in framework order.
    pub sections: Vec<SectionScore>,
}

impl Audit {
    /// Add `evidence` to every result recorded for `item` (each zone's)
    /// that does not hold it yet (the same digest). Returns how many
    /// results it was added to: 0 when the item has no result yet, or
    /// already had it.
    pub fn attach_evidence(&mut self, item: &str, evidence: &EvidenceRef) -> usize {
        let mut added = 0;
        for r in self.results.iter_mut().filter(|r| r.item == item) {
            if !r.evidence.iter().any(|e| e.sha256 == evidence.sha256) {
                r.evidence.push(evidence.clone());
                added += 1;
            }
        }
        added
    }

    /// The ids of the items in scope, in framework order.
    pub fn items_in_scope<'f>(&self, framework: &'f Framework) -> Vec<&'f str> {
        let subset: Option<HashSet<&str>> = self
            .scope
            .items
            .as_ref()
            .map(|v| v.iter().map(String::as_str).collect());
        framework
            .items()
            .map(|(_, i)| i.id.as_str())
            .filter(|id| subset.as_ref().is_none_or(|s| s.contains(id)))
            .collect()
    }

    /// Check the audit against its framework: known items, in scope, in a
    /// scoped zone, one result per item and zone, dates in order.
    pub fn check(&self, framework: &Framework) -> Result<(), AuditError> {
        if self.framework != framework.id {
            return Err(AuditError::WrongFramework {
                audit: self.id.clone(),
                expected: self.framework.clone(),
                given: framework.id.clone(),
            });
        }
        if self.planned_end < self.planned_start {
            return Err(AuditError::Dates {
                start: self.planned_start,
                end: self.planned_end,
            });
        }
        if let Some(items) = &self.scope.items {
            for (index, item) in items.iter().enumerate() {
                if framework.item(item).is_none() {
                    return Err(AuditError::UnknownItem {
                        index,
                        item: item.clone(),
                        framework: framework.id.clone(),
                    });
                }
            }
        }
        let scope: HashSet<&str> = self.items_in_scope(framework).into_iter().collect();
        let mut seen = HashSet::new();
        for (index, r) in self.results.iter().enumerate() {
            if framework.item(&r.item).is_none() {
                return Err(AuditError::UnknownItem {
                    index,
                    item: r.item.clone(),
                    framework: framework.id.clone(),
                });
            }
            if !scope.contains(r.item.as_str()) {
                return Err(AuditError::OutOfScope {
                    index,
                    item: r.item.clone(),
                });
            }
            if let Some(z) = &r.zone
                && !self.scope.zones.is_empty()
                && !self.scope.zones.contains(z)
            {
                return Err(AuditError::ZoneOutOfScope {
                    index,
                    zone: z.clone(),
                });
            }
            if !seen.insert((r.item.as_str(), r.zone.as_deref())) {
                return Err(AuditError::Duplicate {
                    index,
                    item: r.item.clone(),
                    zone: r.zone.clone(),
                });
            }
        }
        Ok(())
    }

    /// Score the audit by the rule in the module docs. The audit is checked
    /// first.
    pub fn score(&self, framework: &Framework) -> Result<Scorecard, AuditError> {
        self.check(framework)?;
        let scope: HashSet<&str> = self.items_in_scope(framework).into_iter().collect();
        let mut by_item: std::collections::HashMap<&str, Vec<Outcome>> = Default::default();
        for r in &self.results {
            by_item.entry(r.item.as_str()).or_default().push(r.outcome);
        }
        let mut total = Tally::default();
        let mut sections = Vec::new();
        for s in &framework.sections {
            let mut t = Tally::default();
            let mut in_scope = 0;
            for i in s.items.iter().filter(|i| scope.contains(i.id.as_str())) {
                in_scope += 1;
                match by_item.get(i.id.as_str()) {
                    Some(outcomes) => outcomes.iter().for_each(|&o| t.add(o)),
                    None => t.unassessed += 1,
                }
            }
            if in_scope == 0 {
                continue;
            }
            total.compliant += t.compliant;
            total.partially_compliant += t.partially_compliant;
            total.non_compliant += t.non_compliant;
            total.not_applicable += t.not_applicable;
            total.unassessed += t.unassessed;
            sections.push(SectionScore {
                section: s.id.clone(),
                title: s.title.clone(),
                score: t.score(),
                tally: t,
            });
        }
        Ok(Scorecard {
            overall: total.score(),
            tally: total,
            sections,
        })
    }
}
