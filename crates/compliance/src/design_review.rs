//! Design review checks over the site model, as pure functions of plain
//! inputs (the caller maps its domain model onto these structs, so the
//! engine knows no domain crate). Each check returns findings, with ids
//! `DR-<check>-<subject>` so that re-running a review names the same
//! findings.

use crate::finding::{Finding, FindingSource, Severity};
use serde::{Deserialize, Serialize};

/// A door of the site model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Door {
    pub id: String,
    pub exterior: bool,
    pub has_reader: bool,
    pub has_alarm_contact: bool,
}

/// An asset and the controls applied to protect it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetProtection {
    pub id: String,
    pub critical: bool,
    pub applied_controls: Vec<String>,
}

/// A risk of the register, against the organisation's appetite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskTreatment {
    pub id: String,
    /// The current risk level on the organisation's scale.
    pub level: f64,
    /// The appetite on the same scale; a level above it needs treatment.
    pub appetite: f64,
    /// Why it is above the appetite, in words, where the caller knows
    /// better than the two numbers ("mean annual loss 1.2M is above 1M").
    #[serde(default)]
    pub why: Option<String>,
    #[serde(default)]
    pub treatment: Option<String>,
    #[serde(default)]
    pub owner: Option<String>,
}

/// Whether a zone meets its required camera level (from the surveillance
/// engine's coverage per zone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneCoverage {
    pub zone: String,
    pub required_level: String,
    pub met: bool,
}

/// Everything a design review looks at.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DesignReviewInput {
    #[serde(default)]
    pub doors: Vec<Door>,
    #[serde(default)]
    pub assets: Vec<AssetProtection>,
    #[serde(default)]
    pub risks: Vec<RiskTreatment>,
    #[serde(default)]
    pub zones: Vec<ZoneCoverage>,
}

fn finding(
    check: &str,
    subject: &str,
    severity: Severity,
    title: String,
    description: String,
    controls: &[&str],
) -> Finding {
    Finding {
        id: format!("DR-{check}-{subject}"),
        title,
        description,
        severity,
        source: FindingSource::DesignReview {
            check: check.to_owned(),
            subject: subject.to_owned(),
        },
        owner: None,
        due: None,
        risk_scenario: None,
        controls: controls.iter().map(|c| (*c).to_owned()).collect(),
        evidence: Vec::new(),
    }
}

/// Every exterior door has a reader or an alarm contact.
pub fn exterior_doors(doors: &[Door]) -> Vec<Finding> {
    doors
        .iter()
        .filter(|d| d.exterior && !d.has_reader && !d.has_alarm_contact)
        .map(|d| {
            finding(
                "exterior-door",
                &d.id,
                Severity::High,
                format!("Exterior door {} has neither a reader nor an alarm contact", d.id),
                "An exterior door with no reader and no door contact can be opened or left open without anyone knowing.".into(),
                &["pe-3", "pe-6.1"],
            )
        })
        .collect()
}

/// Every critical asset has at least one applied control.
pub fn critical_assets(assets: &[AssetProtection]) -> Vec<Finding> {
    assets
        .iter()
        .filter(|a| a.critical && a.applied_controls.is_empty())
        .map(|a| {
            finding(
                "critical-asset",
                &a.id,
                Severity::Critical,
                format!("Critical asset {} has no applied control", a.id),
                "A critical asset is protected by nothing in the model.".into(),
                &["pe-3", "ra-3"],
            )
        })
        .collect()
}

/// Every risk above appetite has a treatment and an owner.
pub fn risks_above_appetite(risks: &[RiskTreatment]) -> Vec<Finding> {
    let blank = |s: &Option<String>| s.as_deref().is_none_or(|s| s.trim().is_empty());
    risks
        .iter()
        .filter(|r| r.level > r.appetite && (blank(&r.treatment) || blank(&r.owner)))
        .map(|r| {
            let missing = match (blank(&r.treatment), blank(&r.owner)) {
                (true, true) => "a treatment and an owner",
                (true, false) => "a treatment",
                _ => "an owner",
            };
            finding(
                "risk-treatment",
                &r.id,
                Severity::High,
                format!("Risk {} is above appetite and lacks {missing}", r.id),
                match &r.why {
                    Some(why) => format!("Above the appetite: {why}; it needs {missing}."),
                    None => format!(
                        "Level {} exceeds the appetite {}; it needs {missing}.",
                        r.level, r.appetite
                    ),
                },
                &["ra-7"],
            )
        })
        .collect()
}

/// Every zone's required camera level is met.
pub fn camera_levels(zones: &[ZoneCoverage]) -> Vec<Finding> {
    zones
        .iter()
        .filter(|z| !z.met)
        .map(|z| {
            finding(
                "camera-level",
                &z.zone,
                Severity::Medium,
                format!(
                    "Zone {} does not reach its required camera level ({})",
                    z.zone, z.required_level
                ),
                format!(
                    "The cameras do not give the {} level over the zone as required.",
                    z.required_level
                ),
                &["pe-6"],
            )
        })
        .collect()
}

/// All four checks, in the order above.
pub fn review(input: &DesignReviewInput) -> Vec<Finding> {
    let mut out = exterior_doors(&input.doors);
    out.extend(critical_assets(&input.assets));
    out.extend(risks_above_appetite(&input.risks));
    out.extend(camera_levels(&input.zones));
    out
}
