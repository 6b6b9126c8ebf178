//! The design review of a stored site: the compliance engine's checks
//! (`rampart_compliance::design_review`) run on what the store holds.
//!
//! The engine takes plain inputs; this module maps the organisation onto
//! them, with the other engines where a check needs one:
//! - **exterior doors**: doors, gates and portals of the site's facility
//!   models (the protection engine's files) that lead out of an entry area
//!   (outside the facility); a badge reader counts as a reader, any
//!   detection (P_D > 0) as an alarm contact;
//! - **critical assets**: an asset valued 8 or more (FEMA 452's high and
//!   very high) needs at least one applied control in place (implemented or
//!   verified) that protects it;
//! - **risks above appetite**: the assessment report's verdict (the risk
//!   method's score against the organisation's appetite, or the FAIR mean
//!   annual loss against its limit) and the risk's treatment and owner;
//! - **camera levels**: every zone of the site's floor plans against the
//!   level it requires, from the surveillance engine's coverage.
//!
//! A model an engine cannot read is named in [`DesignReview::problems`],
//! never silently passed.

use anyhow::Result;
use jiff::civil::Date;
use rampart_compliance::design_review::{
    AssetProtection, DesignReviewInput, Door, RiskTreatment, ZoneCoverage, review,
};
use rampart_compliance::finding::Finding;
use rampart_domain::{OrgDocument, Treatment};
use rampart_protection::facility::ElementKind;

use crate::report::{Provenance, Settings, build};

/// The asset value (1..=10, FEMA 452) from which an asset is critical.
pub const CRITICAL_VALUE: u8 = 8;

/// What the review looked at and what it found.
#[derive(Debug, Clone)]
pub struct DesignReview {
    pub site: String,
    /// How many of each the checks covered: exterior doors, critical
    /// assets, risks, zones with a camera requirement.
    pub checked: [usize; 4],
    pub findings: Vec<Finding>,
    /// Models that could not be read, one line each.
    pub problems: Vec<String>,
}

/// Review `site` of `doc` as of `as_of` (which decides the FAIR figures'
/// run; `settings` says how many trials).
pub fn design_review(
    doc: &OrgDocument,
    site: &str,
    as_of: Date,
    settings: &Settings,
) -> Result<DesignReview> {
    let Some(s) = doc.sites.iter().find(|s| s.id.as_str() == site) else {
        return Err(crate::report::no_such_site(doc, site));
    };
    let mut problems = Vec::new();
    let here = |id: &rampart_domain::Id| id == &s.id;

    let mut doors = Vec::new();
    for f in doc.facility_models.iter().filter(|f| here(&f.site)) {
        let facility = match rampart_protection::Facility::from_yaml(&f.model.to_string()) {
            Ok(x) => x,
            Err(e) => {
                problems.push(format!("facility model {}: {e}", f.id));
                continue;
            }
        };
        for e in &facility.elements {
            let doorway = matches!(
                e.kind,
                ElementKind::Door | ElementKind::Gate | ElementKind::Portal
            );
            if doorway && facility.entries.contains(&e.from) {
                doors.push(Door {
                    id: format!("{}/{}", f.id, e.id),
                    exterior: true,
                    has_reader: e.badge_reader,
                    has_alarm_contact: e.p_detect > 0.0,
                });
            }
        }
    }

    let assets: Vec<AssetProtection> = doc
        .assets
        .iter()
        .filter(|a| here(&a.site))
        .map(|a| AssetProtection {
            id: a.id.to_string(),
            critical: a.value.get() >= CRITICAL_VALUE,
            applied_controls: doc
                .applied_controls
                .iter()
                .filter(|c| c.status.in_place() && c.protects.contains(&a.id))
                .map(|c| c.id.to_string())
                .collect(),
        })
        .collect();

    let report = build(&Provenance::default(), doc, Some(site), as_of, settings)?;
    let mut risks = Vec::new();
    let mut zones = Vec::new();
    for rs in &report.sites {
        for r in &rs.risks {
            let stored = doc.risks.iter().find(|x| x.id.as_str() == r.id);
            risks.push(RiskTreatment {
                id: r.id.clone(),
                // The report's verdict (each method has its own scale): 1
                // above the appetite, 0 within; `why` says it in words.
                level: if r.out_of_appetite.is_some() {
                    1.0
                } else {
                    0.0
                },
                appetite: 0.5,
                why: r.out_of_appetite.clone(),
                treatment: stored
                    .filter(|x| x.treatment != Treatment::Undecided)
                    .map(|_| r.treatment.clone()),
                owner: r.owner.clone(),
            });
        }
        for c in &rs.surveillance {
            if let Some(p) = &c.problem {
                problems.push(format!("floor plan {}: {p}", c.id));
            }
            zones.extend(c.zones.iter().map(|z| ZoneCoverage {
                zone: format!("{}/{}", c.id, z.id),
                required_level: z.required.clone(),
                met: z.met,
            }));
        }
    }
    let input = DesignReviewInput {
        doors,
        assets,
        risks,
        zones,
    };
    Ok(DesignReview {
        site: format!("{} ({})", s.name, s.id),
        checked: [
            input.doors.len(),
            input.assets.iter().filter(|a| a.critical).count(),
            input.risks.len(),
            input.zones.len(),
        ],
        findings: review(&input),
        problems,
    })
}
