//! OSCAL assessment results into the audit model.
//!
//! Each `result` becomes an audit. Findings become item results: the item
//! is Rampart's `item` prop if there is one, else the finding's target id up
//! to its first `_` (OSCAL names objectives `ac-6.1_obj` after their
//! control); the outcome is Rampart's `outcome` prop, else `satisfied` →
//! compliant and `not-satisfied` → non-compliant. Observations that carry
//! Rampart's `item` and `outcome` props but no finding (not-applicable
//! results) become results too. Notes: for documents Rampart wrote, the
//! observation's remarks; for others, the finding's description followed by
//! the remarks of its observations. The auditor is the party named as
//! origin, else the first person in the metadata. Evidence is read from
//! back-matter resources that carry a SHA-256 hash.

use crate::audit::{Audit, AuditStatus, EvidenceRef, ItemResult, Outcome, Scope, Sha256};
use crate::export::{RAMPART_NS, outcome_from_token};
use crate::oscal::{OscalError, parse_document};
use jiff::civil::Date;
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Ar {
    metadata: ArMetadata,
    results: Vec<ArResult>,
    #[serde(default)]
    back_matter: Option<ArBackMatter>,
}

#[derive(Deserialize)]
struct ArMetadata {
    #[serde(default)]
    parties: Vec<Party>,
}

#[derive(Deserialize)]
struct Party {
    uuid: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
struct ArBackMatter {
    #[serde(default)]
    resources: Vec<ArResource>,
}

#[derive(Deserialize)]
struct ArResource {
    uuid: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    rlinks: Vec<ArRlink>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct ArRlink {
    #[serde(default)]
    media_type: Option<String>,
    #[serde(default)]
    hashes: Vec<Hash>,
}

#[derive(Deserialize)]
struct Hash {
    algorithm: String,
    value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct ArResult {
    uuid: String,
    title: String,
    start: String,
    #[serde(default)]
    end: Option<String>,
    #[serde(default)]
    props: Vec<Prop>,
    reviewed_controls: Reviewed,
    #[serde(default)]
    observations: Vec<Observation>,
    #[serde(default)]
    findings: Vec<Finding>,
}

#[derive(Deserialize)]
struct Prop {
    name: String,
    value: String,
    #[serde(default)]
    ns: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Reviewed {
    control_selections: Vec<Selection>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Selection {
    #[serde(default)]
    include_all: Option<serde::de::IgnoredAny>,
    #[serde(default)]
    include_controls: Vec<ControlRef>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct ControlRef {
    control_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Origin {
    actors: Vec<Actor>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Actor {
    #[serde(rename = "type")]
    kind: String,
    actor_uuid: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Observation {
    uuid: String,
    #[serde(default)]
    props: Vec<Prop>,
    collected: String,
    #[serde(default)]
    origins: Vec<Origin>,
    #[serde(default)]
    relevant_evidence: Vec<Evidence>,
    #[serde(default)]
    remarks: Option<String>,
}

#[derive(Deserialize)]
struct Evidence {
    #[serde(default)]
    href: Option<String>,
    description: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Finding {
    description: String,
    #[serde(default)]
    props: Vec<Prop>,
    #[serde(default)]
    origins: Vec<Origin>,
    target: Target,
    #[serde(default)]
    related_observations: Vec<RelatedObservation>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Target {
    target_id: String,
    status: Status,
}

#[derive(Deserialize)]
struct Status {
    state: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RelatedObservation {
    observation_uuid: String,
}

fn ours<'a>(props: &'a [Prop], name: &str) -> Option<&'a str> {
    props
        .iter()
        .find(|p| p.name == name && p.ns.as_deref() == Some(RAMPART_NS))
        .map(|p| p.value.as_str())
}

fn all_ours<'a>(props: &'a [Prop], name: &'a str) -> impl Iterator<Item = &'a str> {
    props
        .iter()
        .filter(move |p| p.name == name && p.ns.as_deref() == Some(RAMPART_NS))
        .map(|p| p.value.as_str())
}

fn date_of(text: &str) -> Option<Date> {
    text.get(..10)?.parse().ok()
}

/// Read OSCAL assessment results (1.0.x or 1.1.x JSON) as audits, one per
/// result. `site` and `framework` are used where the document does not say
/// (documents Rampart wrote do).
pub fn import_assessment_results(
    text: &str,
    site: &str,
    framework: &str,
) -> Result<Vec<Audit>, OscalError> {
    let ar: Ar = parse_document(text, "assessment-results")?;
    let names: HashMap<&str, &str> = ar
        .metadata
        .parties
        .iter()
        .filter_map(|p| Some((p.uuid.as_str(), p.name.as_deref()?)))
        .collect();
    let first_person = ar
        .metadata
        .parties
        .iter()
        .find(|p| p.kind == "person")
        .and_then(|p| p.name.clone());
    let evidence: HashMap<String, EvidenceRef> = ar
        .back_matter
        .iter()
        .flat_map(|b| &b.resources)
        .filter_map(|r| {
            let link = r
                .rlinks
                .iter()
                .find(|l| l.hashes.iter().any(|h| h.algorithm == "SHA-256"))?;
            let hash = link.hashes.iter().find(|h| h.algorithm == "SHA-256")?;
            let sha256 = Sha256::new(&hash.value).ok()?;
            Some((
                format!("#{}", r.uuid),
                EvidenceRef {
                    sha256,
                    description: r.title.clone().unwrap_or_default(),
                    media_type: link.media_type.clone(),
                },
            ))
        })
        .collect();
    let auditor_of = |origins: &[Origin]| -> Option<String> {
        origins
            .iter()
            .flat_map(|o| &o.actors)
            .filter(|a| a.kind == "party")
            .find_map(|a| names.get(a.actor_uuid.as_str()).map(|n| (*n).to_owned()))
    };

    let mut audits = Vec::new();
    for r in ar.results {
        let observations: HashMap<&str, &Observation> = r
            .observations
            .iter()
            .map(|o| (o.uuid.as_str(), o))
            .collect();
        let include_all = r
            .reviewed_controls
            .control_selections
            .iter()
            .any(|s| s.include_all.is_some());
        let items: Vec<String> = r
            .reviewed_controls
            .control_selections
            .iter()
            .flat_map(|s| &s.include_controls)
            .map(|c| c.control_id.clone())
            .collect();
        let start = date_of(&r.start).ok_or_else(|| OscalError::Invalid {
            expected: "assessment-results",
            path: format!("result {} start", r.uuid),
            line: 0,
            column: 0,
            message: format!("not a date-time: {:?}", r.start),
        })?;
        let end = r.end.as_deref().and_then(date_of).unwrap_or(start);
        let status = match ours(&r.props, "audit-status") {
            Some("planned") => AuditStatus::Planned,
            Some("in-progress") => AuditStatus::InProgress,
            Some("completed") => AuditStatus::Completed,
            _ if r.end.is_some() => AuditStatus::Completed,
            _ => AuditStatus::InProgress,
        };
        let mut results = Vec::new();
        let mut used = std::collections::HashSet::new();
        let result_of = |obs: Option<&Observation>,
                         item: String,
                         outcome: Outcome,
                         notes: String,
                         zone: Option<String>,
                         auditor: Option<String>| {
            let recorded_at = obs
                .and_then(|o| {
                    ours(&o.props, "recorded-at")
                        .map(str::to_owned)
                        .or_else(|| Some(o.collected.clone()))
                })
                .unwrap_or_else(|| r.start.clone());
            let evidence = obs
                .iter()
                .flat_map(|o| &o.relevant_evidence)
                .filter_map(|e| {
                    let mut x = evidence.get(e.href.as_deref()?)?.clone();
                    // Rampart writes "SHA-256 <hex>" when there was no
                    // description; that placeholder is not one.
                    if x.description.is_empty() && e.description != format!("SHA-256 {}", x.sha256)
                    {
                        x.description = e.description.clone();
                    }
                    Some(x)
                })
                .collect();
            let auditor = auditor
                .or_else(|| obs.and_then(|o| auditor_of(&o.origins)))
                .or_else(|| first_person.clone())
                .unwrap_or_else(|| "unknown".into());
            ItemResult {
                item,
                zone,
                outcome,
                notes,
                evidence,
                auditor,
                recorded_at,
            }
        };
        for f in &r.findings {
            let related: Vec<&Observation> = f
                .related_observations
                .iter()
                .filter_map(|o| observations.get(o.observation_uuid.as_str()).copied())
                .collect();
            used.extend(related.iter().map(|o| o.uuid.as_str()));
            let item = ours(&f.props, "item")
                .map(str::to_owned)
                .unwrap_or_else(|| {
                    f.target
                        .target_id
                        .split('_')
                        .next()
                        .unwrap_or(&f.target.target_id)
                        .to_owned()
                });
            let outcome = ours(&f.props, "outcome")
                .and_then(outcome_from_token)
                .unwrap_or(if f.target.status.state == "satisfied" {
                    Outcome::Compliant
                } else {
                    Outcome::NonCompliant
                });
            let notes = if ours(&f.props, "outcome").is_some() {
                related
                    .first()
                    .and_then(|o| o.remarks.clone())
                    .unwrap_or_default()
            } else {
                let mut n = f.description.clone();
                for o in &related {
                    if let Some(rm) = &o.remarks {
                        n.push_str("\n\n");
                        n.push_str(rm);
                    }
                }
                n
            };
            let zone = ours(&f.props, "zone").map(str::to_owned);
            results.push(result_of(
                related.first().copied(),
                item,
                outcome,
                notes,
                zone,
                auditor_of(&f.origins),
            ));
        }
        for o in &r.observations {
            if used.contains(o.uuid.as_str()) {
                continue;
            }
            let (Some(item), Some(outcome)) = (
                ours(&o.props, "item"),
                ours(&o.props, "outcome").and_then(outcome_from_token),
            ) else {
                continue;
            };
            let zone = ours(&o.props, "zone").map(str::to_owned);
            results.push(result_of(
                Some(o),
                item.to_owned(),
                outcome,
                o.remarks.clone().unwrap_or_default(),
                zone,
                None,
            ));
        }
        let mut auditors: Vec<String> = Vec::new();
        let people = ar
            .metadata
            .parties
            .iter()
            .filter(|p| p.kind == "person")
            .filter_map(|p| p.name.clone());
        for a in people.chain(results.iter().map(|x| x.auditor.clone())) {
            if !auditors.contains(&a) {
                auditors.push(a);
            }
        }
        audits.push(Audit {
            id: ours(&r.props, "audit-id").unwrap_or(&r.uuid).to_owned(),
            title: r.title.clone(),
            site: ours(&r.props, "site").unwrap_or(site).to_owned(),
            framework: ours(&r.props, "framework").unwrap_or(framework).to_owned(),
            scope: Scope {
                zones: all_ours(&r.props, "zone").map(str::to_owned).collect(),
                items: (!include_all).then_some(items),
            },
            auditors,
            planned_start: start,
            planned_end: end,
            status,
            results,
        });
    }
    Ok(audits)
}
