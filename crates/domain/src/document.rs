//! A whole organisation as one value, and the rules that hold between its
//! entities: ids unique per kind, references that exist, zones on the same
//! site as what they contain, no cycles among zones.
//!
//! Reading and writing the document (YAML, JSON) is the orgfile crate's job;
//! storing it is the store's.

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::model::*;
use crate::{Entity, EntityKind, Id};

/// An organisation with everything it holds, as in an organisation file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgDocument {
    pub organisation: Organisation,
    #[serde(default)]
    pub sites: Vec<Site>,
    #[serde(default)]
    pub zones: Vec<Zone>,
    #[serde(default)]
    pub people: Vec<Person>,
    #[serde(default)]
    pub assets: Vec<Asset>,
    #[serde(default)]
    pub threats: Vec<Threat>,
    #[serde(default)]
    pub controls: Vec<Control>,
    #[serde(default)]
    pub applied_controls: Vec<AppliedControl>,
    #[serde(default)]
    pub devices: Vec<Device>,
    #[serde(default)]
    pub risks: Vec<RiskScenario>,
    #[serde(default)]
    pub facility_models: Vec<FacilityModel>,
    #[serde(default)]
    pub floor_plans: Vec<FloorPlan>,
    #[serde(default)]
    pub frameworks: Vec<Framework>,
    #[serde(default)]
    pub audits: Vec<Audit>,
    #[serde(default)]
    pub inspections: Vec<Inspection>,
    #[serde(default)]
    pub acceptance_plans: Vec<crate::AcceptancePlan>,
}

/// One thing wrong with a document, located by entity kind, position in its
/// list and field, so that a reader of the file can be pointed at it.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// `None` for the organisation header itself.
    pub kind: Option<EntityKind>,
    pub index: usize,
    pub id: Option<Id>,
    /// The field at fault, as written in the file (`zone`, `ratings.site`).
    pub field: Option<&'static str>,
    pub problem: ProblemKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    Duplicate,
    DanglingReference,
    OutOfRange,
    Required,
    Inconsistent,
    Cycle,
    Invalid,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.kind, &self.id) {
            (Some(k), Some(id)) => write!(f, "{k} {id}")?,
            (Some(k), None) => write!(f, "{} #{}", k.plural(), self.index + 1)?,
            (None, _) => f.write_str("organisation")?,
        }
        if let Some(field) = self.field {
            write!(f, ", field {field}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl OrgDocument {
    /// A document with no entities.
    pub fn empty(organisation: Organisation) -> OrgDocument {
        OrgDocument {
            organisation,
            sites: Vec::new(),
            zones: Vec::new(),
            people: Vec::new(),
            assets: Vec::new(),
            threats: Vec::new(),
            controls: Vec::new(),
            applied_controls: Vec::new(),
            devices: Vec::new(),
            risks: Vec::new(),
            facility_models: Vec::new(),
            floor_plans: Vec::new(),
            frameworks: Vec::new(),
            audits: Vec::new(),
            inspections: Vec::new(),
            acceptance_plans: Vec::new(),
        }
    }

    /// Number of entities, the organisation not counted.
    pub fn entity_count(&self) -> usize {
        self.sites.len()
            + self.zones.len()
            + self.people.len()
            + self.assets.len()
            + self.threats.len()
            + self.controls.len()
            + self.applied_controls.len()
            + self.devices.len()
            + self.risks.len()
            + self.facility_models.len()
            + self.floor_plans.len()
            + self.frameworks.len()
            + self.audits.len()
            + self.inspections.len()
            + self.acceptance_plans.len()
    }

    /// Every rule of the model; an empty list means the document is sound.
    /// Problems come in file order within each check, so the first one
    /// reported is the first a reader meets.
    pub fn validate(&self) -> Vec<Problem> {
        let mut v = Validator {
            problems: Vec::new(),
        };
        let org = &self.organisation;
        if org.name.trim().is_empty() {
            v.problems.push(Problem {
                kind: None,
                index: 0,
                id: Some(org.id.clone()),
                field: Some("name"),
                problem: ProblemKind::Required,
                message: "the organisation needs a name".to_owned(),
            });
        }
        if org.risk_matrix.likelihood.len() < 2 || org.risk_matrix.impact.len() < 2 {
            v.problems.push(Problem {
                kind: None,
                index: 0,
                id: Some(org.id.clone()),
                field: Some("risk_matrix"),
                problem: ProblemKind::OutOfRange,
                message: "a risk matrix needs at least two likelihood and two impact levels"
                    .to_owned(),
            });
        }

        let sites = v.index(&self.sites);
        let zones = v.index(&self.zones);
        let people = v.index(&self.people);
        let assets = v.index(&self.assets);
        let threats = v.index(&self.threats);
        let controls = v.index(&self.controls);
        let applied = v.index(&self.applied_controls);
        let devices = v.index(&self.devices);
        let risks = v.index(&self.risks);
        let facility_models = v.index(&self.facility_models);
        let floor_plans = v.index(&self.floor_plans);
        let frameworks = v.index(&self.frameworks);
        let audits = v.index(&self.audits);
        let inspections = v.index(&self.inspections);
        let acceptance_plans = v.index(&self.acceptance_plans);
        let _ = (
            risks,
            facility_models,
            floor_plans,
            audits,
            acceptance_plans,
        );

        let ids = Ids {
            site: sites.keys().copied().collect(),
            zone: zones
                .iter()
                .map(|(k, &i)| (*k, &self.zones[i].site))
                .collect(),
            person: people.keys().copied().collect(),
            asset: assets
                .iter()
                .map(|(k, &i)| (*k, &self.assets[i].site))
                .collect(),
            threat: threats.keys().copied().collect(),
            control: controls.keys().copied().collect(),
            framework: frameworks.keys().copied().collect(),
            applied: applied
                .iter()
                .map(|(k, &i)| (*k, &self.applied_controls[i].site))
                .collect(),
            device: devices
                .iter()
                .map(|(k, &i)| (*k, &self.devices[i].site))
                .collect(),
            inspection: inspections
                .iter()
                .map(|(k, &i)| (*k, &self.inspections[i].site))
                .collect(),
        };

        v.entities(&self.sites, &ids);
        v.entities(&self.zones, &ids);
        v.entities(&self.people, &ids);
        v.entities(&self.assets, &ids);
        v.entities(&self.threats, &ids);
        v.entities(&self.controls, &ids);
        v.entities(&self.applied_controls, &ids);
        v.entities(&self.devices, &ids);
        v.entities(&self.risks, &ids);
        v.entities(&self.facility_models, &ids);
        v.entities(&self.floor_plans, &ids);
        v.entities(&self.frameworks, &ids);
        v.entities(&self.audits, &ids);
        v.entities(&self.inspections, &ids);
        v.entities(&self.acceptance_plans, &ids);

        v.zone_cycles(&self.zones, &zones);
        v.risk_inputs(&self.risks, org);
        v.problems
    }
}

struct Validator {
    problems: Vec<Problem>,
}

/// Ids known per kind; for site-bound kinds, the site each belongs to.
struct Ids<'a> {
    site: HashSet<&'a Id>,
    zone: HashMap<&'a Id, &'a Id>,
    person: HashSet<&'a Id>,
    asset: HashMap<&'a Id, &'a Id>,
    threat: HashSet<&'a Id>,
    control: HashSet<&'a Id>,
    framework: HashSet<&'a Id>,
    applied: HashMap<&'a Id, &'a Id>,
    device: HashMap<&'a Id, &'a Id>,
    inspection: HashMap<&'a Id, &'a Id>,
}

impl<'a> Ids<'a> {
    /// Whether the id exists, and the site of the target where it has one.
    fn lookup(&self, kind: EntityKind, id: &Id) -> Option<Option<&'a Id>> {
        let set = |s: &HashSet<&'a Id>| s.contains(id).then_some(None);
        let map = |m: &HashMap<&'a Id, &'a Id>| m.get(id).map(|s| Some(*s));
        match kind {
            EntityKind::Site => set(&self.site),
            EntityKind::Zone => map(&self.zone),
            EntityKind::Person => set(&self.person),
            EntityKind::Asset => map(&self.asset),
            EntityKind::Threat => set(&self.threat),
            EntityKind::Control => set(&self.control),
            EntityKind::Framework => set(&self.framework),
            EntityKind::AppliedControl => map(&self.applied),
            EntityKind::Device => map(&self.device),
            EntityKind::Inspection => map(&self.inspection),
            EntityKind::Risk
            | EntityKind::User
            | EntityKind::FacilityModel
            | EntityKind::FloorPlan
            | EntityKind::Audit
            | EntityKind::AcceptancePlan => None,
        }
    }
}

impl Validator {
    fn index<'a, E: Entity>(&mut self, list: &'a [E]) -> HashMap<&'a Id, usize> {
        let mut map = HashMap::with_capacity(list.len());
        for (i, e) in list.iter().enumerate() {
            if let Some(first) = map.insert(e.id(), i) {
                // Keep the first occurrence as the one references resolve to.
                map.insert(e.id(), first);
                self.problems.push(Problem {
                    kind: Some(E::KIND),
                    index: i,
                    id: Some(e.id().clone()),
                    field: Some("id"),
                    problem: ProblemKind::Duplicate,
                    message: format!(
                        "duplicate id {:?}: {} #{} already uses it",
                        e.id().as_str(),
                        E::KIND.plural(),
                        first + 1
                    ),
                });
            }
        }
        map
    }

    fn entities<E: Entity>(&mut self, list: &[E], ids: &Ids<'_>) {
        for (i, e) in list.iter().enumerate() {
            for (field, problem, message) in e.check() {
                self.problems.push(Problem {
                    kind: Some(E::KIND),
                    index: i,
                    id: Some(e.id().clone()),
                    field: Some(field),
                    problem,
                    message,
                });
            }
            for r in e.references() {
                match ids.lookup(r.kind, r.id) {
                    None => self.problems.push(Problem {
                        kind: Some(E::KIND),
                        index: i,
                        id: Some(e.id().clone()),
                        field: Some(r.field),
                        problem: ProblemKind::DanglingReference,
                        message: format!(
                            "refers to {} {:?}, which does not exist",
                            r.kind,
                            r.id.as_str()
                        ),
                    }),
                    // A zone, asset or applied control must be on the
                    // entity's own site: a camera in another site's lobby is a
                    // data error, not a design.
                    Some(Some(target_site)) => {
                        if let Some(site) = e.site()
                            && E::KIND != EntityKind::Site
                            && target_site != site
                        {
                            self.problems.push(Problem {
                                kind: Some(E::KIND),
                                index: i,
                                id: Some(e.id().clone()),
                                field: Some(r.field),
                                problem: ProblemKind::Inconsistent,
                                message: format!(
                                    "{} {:?} is at site {:?}, not at {:?}",
                                    r.kind,
                                    r.id.as_str(),
                                    target_site.as_str(),
                                    site.as_str()
                                ),
                            });
                        }
                    }
                    Some(None) => {}
                }
            }
        }
    }

    fn zone_cycles(&mut self, zones: &[Zone], index: &HashMap<&Id, usize>) {
        // Walk up from each zone; a walk longer than the number of zones
        // has gone round a cycle. Report each cycle once, at its first zone.
        let mut reported: HashSet<usize> = HashSet::new();
        for (start, z) in zones.iter().enumerate() {
            let mut seen = vec![start];
            let mut at = z;
            while let Some(parent) = &at.parent {
                let Some(&p) = index.get(parent) else { break };
                if p == start {
                    if seen.iter().all(|i| !reported.contains(i)) {
                        reported.extend(seen.iter().copied());
                        let names: Vec<&str> = seen.iter().map(|&i| zones[i].id.as_str()).collect();
                        self.problems.push(Problem {
                            kind: Some(EntityKind::Zone),
                            index: start,
                            id: Some(z.id.clone()),
                            field: Some("parent"),
                            problem: ProblemKind::Cycle,
                            message: format!(
                                "zones contain each other in a cycle: {} -> {}",
                                names.join(" -> "),
                                z.id
                            ),
                        });
                    }
                    break;
                }
                if seen.contains(&p) || seen.len() > zones.len() {
                    break;
                }
                seen.push(p);
                at = &zones[p];
            }
        }
    }

    fn risk_inputs(&mut self, risks: &[RiskScenario], org: &Organisation) {
        let nl = org.risk_matrix.likelihood.len();
        let ni = org.risk_matrix.impact.len();
        for (i, risk) in risks.iter().enumerate() {
            if let Assessment::Matrix {
                inherent,
                current,
                residual,
            } = &risk.assessment
            {
                let stages = [
                    ("inherent", Some(inherent)),
                    ("current", current.as_ref()),
                    ("residual", residual.as_ref()),
                ];
                for (stage, m) in stages {
                    let Some(m) = m else { continue };
                    if m.likelihood == 0
                        || usize::from(m.likelihood) > nl
                        || m.impact == 0
                        || usize::from(m.impact) > ni
                    {
                        self.problems.push(Problem {
                            kind: Some(EntityKind::Risk),
                            index: i,
                            id: Some(risk.id.clone()),
                            field: Some("assessment"),
                            problem: ProblemKind::OutOfRange,
                            message: format!(
                                "{stage} likelihood must be 1..{nl} and impact 1..{ni} on this organisation's matrix, got {} x {}",
                                m.likelihood, m.impact
                            ),
                        });
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Rating;

    fn id(s: &str) -> Id {
        Id::new(s).unwrap()
    }

    fn doc() -> OrgDocument {
        let mut d = OrgDocument::empty(Organisation {
            id: id("acme"),
            name: "Acme".into(),
            sector: None,
            description: None,
            currency: "EUR".into(),
            risk_matrix: RiskMatrixScales::default(),
            risk_appetite: None,
        });
        for s in ["hq", "dc"] {
            d.sites.push(Site {
                id: id(s),
                name: s.into(),
                kind: SiteKind::Office,
                address: None,
                coordinates: None,
                facility_security_level: Some(3),
                operating_hours: OperatingHours::Always,
                description: None,
            });
        }
        d.zones.push(Zone {
            id: id("hq-lobby"),
            site: id("hq"),
            parent: None,
            name: "Lobby".into(),
            kind: ZoneKind::Area,
            classification: Classification::Public,
            description: None,
        });
        d.assets.push(Asset {
            id: id("servers"),
            site: id("hq"),
            zone: Some(id("hq-lobby")),
            name: "Servers".into(),
            kind: AssetKind::System,
            value: Rating::new(8).unwrap(),
            owner: None,
            replacement_cost: Some(1.0e5),
            description: None,
        });
        d
    }

    #[test]
    fn a_sound_document_has_no_problems() {
        assert_eq!(doc().validate(), vec![]);
    }

    #[test]
    fn duplicate_ids_are_reported_at_the_second_occurrence() {
        let mut d = doc();
        d.sites[1].id = id("hq");
        let p = d.validate();
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].problem, ProblemKind::Duplicate);
        assert_eq!(
            (p[0].kind, p[0].index, p[0].field),
            (Some(EntityKind::Site), 1, Some("id"))
        );
    }

    #[test]
    fn dangling_and_cross_site_references_are_reported() {
        let mut d = doc();
        d.assets[0].owner = Some(id("nobody"));
        let p = d.validate();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].problem, ProblemKind::DanglingReference);
        assert_eq!(p[0].field, Some("owner"));
        assert!(p[0].to_string().contains("person \"nobody\""), "{}", p[0]);

        let mut d = doc();
        d.assets[0].site = id("dc");
        let p = d.validate();
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].problem, ProblemKind::Inconsistent);
        assert_eq!(p[0].field, Some("zone"));
    }

    #[test]
    fn zone_cycles_are_found_once() {
        let mut d = doc();
        let mut z2 = d.zones[0].clone();
        z2.id = id("hq-hall");
        z2.parent = Some(id("hq-lobby"));
        d.zones[0].parent = Some(id("hq-hall"));
        d.zones.push(z2);
        let p = d.validate();
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].problem, ProblemKind::Cycle);
    }

    #[test]
    fn matrix_inputs_must_fit_the_organisation_scales() {
        let mut d = doc();
        d.threats.push(Threat {
            id: id("burglary"),
            name: "Burglary".into(),
            category: ThreatCategory::Criminal,
            description: None,
            adversary: None,
            ratings: vec![],
        });
        d.risks.push(RiskScenario {
            id: id("r1"),
            site: id("hq"),
            threat: id("burglary"),
            asset: id("servers"),
            title: "Server theft".into(),
            description: None,
            assessment: Assessment::Matrix {
                inherent: MatrixInputs {
                    likelihood: 6,
                    impact: 2,
                },
                current: None,
                residual: None,
            },
            treatment: Treatment::Mitigate,
            owner: None,
            review_date: None,
            controls: vec![],
        });
        let p = d.validate();
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].problem, ProblemKind::OutOfRange);
    }

    #[test]
    fn audits_need_their_framework_and_site() {
        let mut d = doc();
        d.frameworks.push(Framework {
            id: id("physical"),
            title: "Physical inspection".into(),
            version: String::new(),
            source: "builtin:physical-security".into(),
            content: serde_json::Value::Null,
        });
        let audit = Audit {
            id: id("a1"),
            site: id("hq"),
            framework: id("physical"),
            title: "HQ inspection".into(),
            status: AuditStatus::Completed,
            planned_start: jiff::civil::date(2025, 3, 10),
            planned_end: jiff::civil::date(2025, 3, 11),
            auditors: vec![],
            content: serde_json::json!({"results": []}),
        };
        d.audits.push(audit.clone());
        assert_eq!(d.validate(), vec![]);

        let mut bad = audit.clone();
        bad.id = id("a2");
        bad.framework = id("iso-27001");
        bad.site = id("nowhere");
        d.audits.push(bad);
        d.audits.push(audit);
        let p = d.validate();
        let fields: Vec<_> = p.iter().map(|p| (p.problem, p.field)).collect();
        assert_eq!(
            fields,
            vec![
                (ProblemKind::Duplicate, Some("id")),
                (ProblemKind::DanglingReference, Some("site")),
                (ProblemKind::DanglingReference, Some("framework")),
            ],
            "{p:?}"
        );

        // Content may be left out only for a built-in framework.
        let mut d = doc();
        d.frameworks.push(Framework {
            id: id("mine"),
            title: "Mine".into(),
            version: String::new(),
            source: "mine.yaml".into(),
            content: serde_json::Value::Null,
        });
        let p = d.validate();
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].field, Some("content"));
    }

    #[test]
    fn fema_scores_match_the_product_check_vectors() {
        for ((a, t, v), r) in [((8, 2, 9), 144), ((8, 6, 8), 384), ((5, 8, 7), 280)] {
            let f = FemaInputs {
                asset_value: Rating::new(a).unwrap(),
                threat: Rating::new(t).unwrap(),
                vulnerability: Rating::new(v).unwrap(),
            };
            assert_eq!(f.score(), r);
        }
    }

    #[test]
    fn inspections_are_checked_for_their_schedule_and_references() {
        let inspection = |every, until| Inspection {
            id: id("fence"),
            site: id("hq"),
            title: "Fence walk".into(),
            every,
            start: jiff::civil::date(2025, 1, 6),
            until,
            reminder_days: 2,
            done_through: None,
            framework: None,
            owner: None,
        };
        let mut d = doc();
        d.inspections.push(inspection(Recurrence::Weeks(2), None));
        assert_eq!(d.validate(), vec![]);
        d.inspections[0] = inspection(Recurrence::Weeks(0), Some(jiff::civil::date(2024, 1, 1)));
        let fields: Vec<_> = d.validate().iter().map(|p| p.field).collect();
        assert_eq!(fields, [Some("every"), Some("until")]);
        d.inspections[0] = Inspection {
            owner: Some(id("nobody")),
            ..inspection(Recurrence::Months(3), None)
        };
        let p = d.validate();
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(
            (p[0].kind, p[0].field),
            (Some(EntityKind::Inspection), Some("owner"))
        );
        // The file form: `every: {weeks: 2}`.
        let parsed: Inspection = serde_json::from_value(serde_json::json!({
            "id": "fence", "site": "hq", "title": "Fence walk",
            "every": {"weeks": 2}, "start": "2025-01-06"
        }))
        .unwrap();
        assert_eq!(
            (parsed.every, parsed.reminder_days),
            (Recurrence::Weeks(2), 7)
        );
    }
}
