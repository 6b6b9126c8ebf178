//! The facility model: areas, one-way path elements between them, entries, targets, the
//! response force, adversary profiles and candidate upgrades, read from the facility YAML format
//! and validated.
//!
//! This module knows the specialist's vocabulary and the file format. It leaves the arithmetic
//! of interruption to [`crate::easi`] and the path search to [`crate::search`].
//!
//! ```yaml
//! entries: [offsite]
//! target: vault             # or `targets: [vault, cage]`
//! p_communication: 0.95     # P_C, default 1
//! p_neutralization: 0.9     # P_N when an adversary profile does not give its own, default 1
//! response: {mean: 300, sd: 90}
//! elements:
//!   - {id: north-fence, type: fence, from: offsite, to: yard, p_detect: 0.5, location: B, delay_mean: 10, delay_sd: 3}
//!   - {id: dock-door, type: door, from: yard, to: warehouse, p_detect: 0.9, location: E, delay_mean: 90, delay_sd: 27}
//! adversaries:              # the design basis threat; default: one outsider without tools
//!   - {name: cutting-team, p_neutralization: 0.7, rules: [{type: fence, delay_factor: 0.5}]}
//!   - {name: insider, kind: insider, entries: [yard], p_neutralization: 0.95}
//! upgrades:                 # candidates for `upgrade`
//!   - {id: fence-sensor, element: north-fence, cost: 40000, p_detect: 0.9}
//!   - {id: faster-guards, cost: 60000, response_mean: 180, response_sd: 50}
//! ```
//!
//! Areas are the names used by `from` and `to`; an optional `areas:` list makes every name
//! checked against it, so that a typo is an error rather than a new, unreachable area.

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};

/// Where along a path element its sensors detect the adversary. EASI weights the element's own
/// delay by 1, 1/2 or 0 (beginning, middle, end) when it counts the time left after detection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DetectionLocation {
    /// Detection as the adversary starts the task: all its delay still lies ahead.
    #[serde(rename = "B", alias = "beginning", alias = "b")]
    Beginning,
    /// Detection halfway through the task.
    #[serde(rename = "M", alias = "middle", alias = "m")]
    Middle,
    /// Detection as the task is completed: none of its delay is left.
    #[serde(rename = "E", alias = "end", alias = "e")]
    End,
}

impl DetectionLocation {
    /// The share of the element's own delay still ahead of the adversary when detected.
    pub fn remaining_share(self) -> f64 {
        match self {
            Self::Beginning => 1.0,
            Self::Middle => 0.5,
            Self::End => 0.0,
        }
    }
}

/// What a path element physically is; adversary profiles change delay and detection by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ElementKind {
    Fence,
    Gate,
    Wall,
    Door,
    Window,
    Vent,
    Roof,
    Floor,
    OpenGround,
    Portal,
    Mantrap,
    Hatch,
    Container,
    #[default]
    Other,
}

impl fmt::Display for ElementKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Self::Fence => "fence",
            Self::Gate => "gate",
            Self::Wall => "wall",
            Self::Door => "door",
            Self::Window => "window",
            Self::Vent => "vent",
            Self::Roof => "roof",
            Self::Floor => "floor",
            Self::OpenGround => "open-ground",
            Self::Portal => "portal",
            Self::Mantrap => "mantrap",
            Self::Hatch => "hatch",
            Self::Container => "container",
            Self::Other => "other",
        };
        f.write_str(name)
    }
}

/// A one-way way from one area into another: a fence to climb, a door to breach, ground to cross.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathElement {
    pub id: String,
    #[serde(rename = "type", default)]
    pub kind: ElementKind,
    pub from: String,
    pub to: String,
    /// Probability that the element's sensors detect the adversary (P_D).
    #[serde(default)]
    pub p_detect: f64,
    #[serde(default = "middle")]
    pub location: DetectionLocation,
    /// Mean time the element holds the adversary, in seconds.
    #[serde(default)]
    pub delay_mean: f64,
    #[serde(default)]
    pub delay_sd: f64,
    /// Probability that an alarm here is correctly assessed; multiplies P_D. Default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_assessment: Option<f64>,
    /// Probability that an assessed alarm here reaches the response force; replaces the
    /// facility's P_C for this element.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_communication: Option<f64>,
    /// The element is opened with an access badge: an authorised insider passes it unseen.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub badge_reader: bool,
}

fn middle() -> DetectionLocation {
    DetectionLocation::Middle
}

/// The response force's time to interrupt after an alarm is communicated, in seconds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseForce {
    pub mean: f64,
    #[serde(default)]
    pub sd: f64,
}

/// Insider or outsider: an insider with authorised access passes badge readers unseen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AdversaryKind {
    #[default]
    Outsider,
    Insider,
}

/// A change to delay and detection that an adversary's tools or skills make, for the elements
/// that match its selectors (all given selectors must match).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileRule {
    /// Applies to elements of this kind only.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<ElementKind>,
    /// Applies to elements with (or without) a badge reader only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub badge_reader: Option<bool>,
    /// Multiplies P_D (a skilled adversary defeats sensors: < 1).
    #[serde(default = "one")]
    pub detect_factor: f64,
    /// Multiplies delay mean and sd (a cutting tool halves a fence's delay: 0.5).
    #[serde(default = "one")]
    pub delay_factor: f64,
}

fn one() -> f64 {
    1.0
}

/// One adversary of the design basis threat.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdversaryProfile {
    pub name: String,
    #[serde(default)]
    pub kind: AdversaryKind,
    /// P_N, the response force's chance of neutralising this adversary once it interrupts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_neutralization: Option<f64>,
    /// Where this adversary starts, when not the facility's entries (an insider starts inside).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entries: Option<Vec<String>>,
    /// An insider's authorised access: badge-reader elements do not detect or delay it.
    /// Defaults to true for insiders, false for outsiders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorised_access: Option<bool>,
    /// With authorised access: the badge-reader elements this badge opens. Default: all of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub badge_access: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<ProfileRule>,
}

impl AdversaryProfile {
    /// The profile used when a facility names none: an outsider without special tools.
    pub fn default_outsider() -> Self {
        Self {
            name: "outsider".to_owned(),
            kind: AdversaryKind::Outsider,
            p_neutralization: None,
            entries: None,
            authorised_access: None,
            badge_access: None,
            rules: Vec::new(),
        }
    }

    /// Whether badge readers let this adversary through.
    pub fn has_authorised_access(&self) -> bool {
        self.authorised_access
            .unwrap_or(self.kind == AdversaryKind::Insider)
    }

    /// Whether this adversary's badge opens the badge-reader element `element`.
    pub fn badge_opens(&self, element: &str) -> bool {
        self.has_authorised_access()
            && self
                .badge_access
                .as_ref()
                .is_none_or(|list| list.iter().any(|e| e == element))
    }
}

/// A candidate improvement with its cost: raise an element's detection or delay, or speed up the
/// response force. Values are the new ones, not increments; an upgrade never lowers a value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpgradeCandidate {
    pub id: String,
    /// The element it changes; none for a response-force upgrade.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub element: Option<String>,
    pub cost: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_detect: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_assessment: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_mean: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_sd: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_mean: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_sd: Option<f64>,
}

/// A validated facility model.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Facility {
    /// All areas: those listed under `areas:` and those named by elements, in first-seen order.
    pub areas: Vec<String>,
    pub entries: Vec<String>,
    pub targets: Vec<String>,
    /// P_C, used for every element that does not give its own.
    pub p_communication: f64,
    /// P_N, used for every adversary profile that does not give its own.
    pub p_neutralization: f64,
    pub response: ResponseForce,
    pub elements: Vec<PathElement>,
    /// The design basis threat; never empty (a default outsider when the file names none).
    pub adversaries: Vec<AdversaryProfile>,
    pub upgrades: Vec<UpgradeCandidate>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FacilityFile {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    areas: Option<Vec<String>>,
    entries: Vec<String>,
    #[serde(default)]
    target: Option<String>,
    #[serde(default)]
    targets: Vec<String>,
    #[serde(default = "one")]
    p_communication: f64,
    #[serde(default = "one")]
    p_neutralization: f64,
    response: ResponseForce,
    elements: Vec<PathElement>,
    #[serde(default)]
    adversaries: Vec<AdversaryProfile>,
    #[serde(default)]
    upgrades: Vec<UpgradeCandidate>,
}

/// What is wrong with a facility model. Each variant names the item and the field.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum FacilityError {
    #[error("the facility file is not a valid facility model: {0}")]
    Syntax(String),
    #[error("element `{element}`: `{field}` names unknown area `{area}`")]
    UnknownArea {
        element: String,
        field: &'static str,
        area: String,
    },
    #[error("`{field}` names unknown area `{area}`")]
    UnknownFacilityArea { field: String, area: String },
    #[error("{item}: `{field}` is {value}, outside [0, 1]")]
    ProbabilityOutOfRange {
        item: String,
        field: &'static str,
        value: f64,
    },
    #[error("{item}: `{field}` is {value}; it must be a finite number of at least zero")]
    Negative {
        item: String,
        field: &'static str,
        value: f64,
    },
    #[error("element `{element}` goes from area `{area}` to itself")]
    SelfLoop { element: String, area: String },
    #[error("element id `{0}` is used twice")]
    DuplicateElement(String),
    #[error("adversary profile `{0}` is defined twice")]
    DuplicateAdversary(String),
    #[error("upgrade id `{0}` is used twice")]
    DuplicateUpgrade(String),
    #[error("{0}: no entry area given")]
    NoEntries(String),
    #[error("no target given: set `target` or `targets`")]
    NoTargets,
    #[error("area `{area}` is both an entry ({of}) and a target")]
    EntryIsTarget { area: String, of: String },
    #[error("adversary `{adversary}`: `badge_access` names unknown element `{element}`")]
    UnknownBadgeElement { adversary: String, element: String },
    #[error("adversary `{adversary}`: `badge_access` names `{element}`, which has no badge reader")]
    NotABadgeReader { adversary: String, element: String },
    #[error("no adversary profile named `{0}`")]
    UnknownAdversary(String),
    #[error("upgrade `{upgrade}`: element `{element}` does not exist")]
    UnknownUpgradeElement { upgrade: String, element: String },
    #[error(
        "upgrade `{0}`: it changes nothing (give p_detect, p_assessment, delay_mean, delay_sd, response_mean or response_sd)"
    )]
    EmptyUpgrade(String),
    #[error("upgrade `{0}`: an element upgrade cannot change the response force; split it in two")]
    MixedUpgrade(String),
}

impl Facility {
    /// Reads and validates a facility from its YAML text.
    pub fn from_yaml(text: &str) -> Result<Self, FacilityError> {
        let file: FacilityFile =
            serde_saphyr::from_str(text).map_err(|e| FacilityError::Syntax(e.to_string()))?;
        let _ = file.name;
        if let Some(declared) = &file.areas {
            // The file listed its areas, so an element naming another area is a typo.
            let known: HashSet<&str> = declared.iter().map(String::as_str).collect();
            for e in &file.elements {
                for (field, area) in [("from", &e.from), ("to", &e.to)] {
                    if !known.contains(area.as_str()) {
                        return Err(FacilityError::UnknownArea {
                            element: e.id.clone(),
                            field,
                            area: area.clone(),
                        });
                    }
                }
            }
        }
        let mut targets = file.targets;
        if let Some(t) = file.target {
            targets.insert(0, t);
        }
        let facility = Facility {
            areas: collect_areas(file.areas.as_deref(), &file.elements),
            entries: file.entries,
            targets,
            p_communication: file.p_communication,
            p_neutralization: file.p_neutralization,
            response: file.response,
            elements: file.elements,
            adversaries: if file.adversaries.is_empty() {
                vec![AdversaryProfile::default_outsider()]
            } else {
                file.adversaries
            },
            upgrades: file.upgrades,
        };
        facility.validate()?;
        Ok(facility)
    }

    /// The adversary profile of that name, or the first one (the file's order) when `None`.
    pub fn adversary(&self, name: Option<&str>) -> Result<&AdversaryProfile, FacilityError> {
        match name {
            None => self
                .adversaries
                .first()
                .ok_or_else(|| FacilityError::UnknownAdversary(String::new())),
            Some(n) => self
                .adversaries
                .iter()
                .find(|a| a.name == n)
                .ok_or_else(|| FacilityError::UnknownAdversary(n.to_owned())),
        }
    }

    /// Checks every reference and number.
    pub fn validate(&self) -> Result<(), FacilityError> {
        let areas: HashSet<&str> = self.areas.iter().map(String::as_str).collect();
        let mut ids = HashSet::new();
        for e in &self.elements {
            if !ids.insert(e.id.as_str()) {
                return Err(FacilityError::DuplicateElement(e.id.clone()));
            }
            let item = format!("element `{}`", e.id);
            if e.from == e.to {
                return Err(FacilityError::SelfLoop {
                    element: e.id.clone(),
                    area: e.from.clone(),
                });
            }
            probability(&item, "p_detect", e.p_detect)?;
            if let Some(p) = e.p_assessment {
                probability(&item, "p_assessment", p)?;
            }
            if let Some(p) = e.p_communication {
                probability(&item, "p_communication", p)?;
            }
            non_negative(&item, "delay_mean", e.delay_mean)?;
            non_negative(&item, "delay_sd", e.delay_sd)?;
        }
        probability("facility", "p_communication", self.p_communication)?;
        probability("facility", "p_neutralization", self.p_neutralization)?;
        non_negative("response force", "mean", self.response.mean)?;
        non_negative("response force", "sd", self.response.sd)?;
        if self.targets.is_empty() {
            return Err(FacilityError::NoTargets);
        }
        let check_area = |field: &str, area: &String| {
            if areas.contains(area.as_str()) {
                Ok(())
            } else {
                Err(FacilityError::UnknownFacilityArea {
                    field: field.to_owned(),
                    area: area.clone(),
                })
            }
        };
        for t in &self.targets {
            check_area("targets", t)?;
        }
        let check_entries = |of: &str, entries: &[String]| {
            if entries.is_empty() {
                return Err(FacilityError::NoEntries(of.to_owned()));
            }
            for a in entries {
                check_area(&format!("{of} entries"), a)?;
                if self.targets.contains(a) {
                    return Err(FacilityError::EntryIsTarget {
                        area: a.clone(),
                        of: of.to_owned(),
                    });
                }
            }
            Ok(())
        };
        check_entries("facility", &self.entries)?;
        let mut names = HashSet::new();
        for a in &self.adversaries {
            if !names.insert(a.name.as_str()) {
                return Err(FacilityError::DuplicateAdversary(a.name.clone()));
            }
            let item = format!("adversary `{}`", a.name);
            if let Some(p) = a.p_neutralization {
                probability(&item, "p_neutralization", p)?;
            }
            if let Some(entries) = &a.entries {
                check_entries(&item, entries)?;
            }
            for id in a.badge_access.iter().flatten() {
                match self.elements.iter().find(|e| &e.id == id) {
                    None => {
                        return Err(FacilityError::UnknownBadgeElement {
                            adversary: a.name.clone(),
                            element: id.clone(),
                        });
                    }
                    Some(e) if !e.badge_reader => {
                        return Err(FacilityError::NotABadgeReader {
                            adversary: a.name.clone(),
                            element: id.clone(),
                        });
                    }
                    Some(_) => {}
                }
            }
            for r in &a.rules {
                non_negative(&item, "detect_factor", r.detect_factor)?;
                non_negative(&item, "delay_factor", r.delay_factor)?;
            }
        }
        let mut upgrade_ids = HashSet::new();
        for u in &self.upgrades {
            if !upgrade_ids.insert(u.id.as_str()) {
                return Err(FacilityError::DuplicateUpgrade(u.id.clone()));
            }
            let item = format!("upgrade `{}`", u.id);
            non_negative(&item, "cost", u.cost)?;
            for (field, v) in [("p_detect", u.p_detect), ("p_assessment", u.p_assessment)] {
                if let Some(p) = v {
                    probability(&item, field, p)?;
                }
            }
            for (field, v) in [
                ("delay_mean", u.delay_mean),
                ("delay_sd", u.delay_sd),
                ("response_mean", u.response_mean),
                ("response_sd", u.response_sd),
            ] {
                if let Some(x) = v {
                    non_negative(&item, field, x)?;
                }
            }
            let element_change = u.p_detect.is_some()
                || u.p_assessment.is_some()
                || u.delay_mean.is_some()
                || u.delay_sd.is_some();
            let response_change = u.response_mean.is_some() || u.response_sd.is_some();
            match &u.element {
                Some(el) => {
                    if !ids.contains(el.as_str()) {
                        return Err(FacilityError::UnknownUpgradeElement {
                            upgrade: u.id.clone(),
                            element: el.clone(),
                        });
                    }
                    if response_change {
                        return Err(FacilityError::MixedUpgrade(u.id.clone()));
                    }
                    if !element_change {
                        return Err(FacilityError::EmptyUpgrade(u.id.clone()));
                    }
                }
                None => {
                    if element_change {
                        return Err(FacilityError::MixedUpgrade(u.id.clone()));
                    }
                    if !response_change {
                        return Err(FacilityError::EmptyUpgrade(u.id.clone()));
                    }
                }
            }
        }
        Ok(())
    }

    /// Index of each area name.
    pub(crate) fn area_index(&self) -> HashMap<&str, u32> {
        self.areas
            .iter()
            .enumerate()
            .map(|(i, a)| (a.as_str(), i as u32))
            .collect()
    }
}

fn collect_areas(declared: Option<&[String]>, elements: &[PathElement]) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut areas = Vec::new();
    let named = elements.iter().flat_map(|e| [&e.from, &e.to]);
    for a in declared.into_iter().flatten().chain(named) {
        if seen.insert(a.as_str()) {
            areas.push(a.clone());
        }
    }
    areas
}

fn probability(item: &str, field: &'static str, value: f64) -> Result<(), FacilityError> {
    if (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(FacilityError::ProbabilityOutOfRange {
            item: item.to_owned(),
            field,
            value,
        })
    }
}

fn non_negative(item: &str, field: &'static str, value: f64) -> Result<(), FacilityError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(FacilityError::Negative {
            item: item.to_owned(),
            field,
            value,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISSUE_EXAMPLE: &str = "
entries: [offsite]
target: vault
p_communication: 0.95
response: {mean: 300, sd: 90}
elements:
  - {id: north-fence, from: offsite, to: yard, p_detect: 0.5, location: B, delay_mean: 10, delay_sd: 3}
  - {id: dock-door, from: yard, to: warehouse, p_detect: 0.9, location: E, delay_mean: 90, delay_sd: 27}
  - {id: vault-door, type: door, from: warehouse, to: vault, p_detect: 0.9, location: M, delay_mean: 300, delay_sd: 90}
";

    #[test]
    fn reads_the_issue_example() {
        let f = Facility::from_yaml(ISSUE_EXAMPLE).unwrap();
        assert_eq!(f.areas, ["offsite", "yard", "warehouse", "vault"]);
        assert_eq!(f.targets, ["vault"]);
        assert_eq!(f.elements[1].location, DetectionLocation::End);
        assert_eq!(f.elements[0].kind, ElementKind::Other);
        assert_eq!(f.elements[2].kind, ElementKind::Door);
        assert_eq!(f.p_communication, 0.95);
        assert_eq!(f.adversaries[0].name, "outsider");
    }

    fn error_of(yaml: &str) -> FacilityError {
        Facility::from_yaml(yaml).unwrap_err()
    }

    #[test]
    fn names_the_element_and_field_that_is_wrong() {
        let bad_p = ISSUE_EXAMPLE.replace("p_detect: 0.5", "p_detect: 1.5");
        let e = error_of(&bad_p);
        assert_eq!(
            e,
            FacilityError::ProbabilityOutOfRange {
                item: "element `north-fence`".into(),
                field: "p_detect",
                value: 1.5
            }
        );
        assert!(e.to_string().contains("north-fence"));
        let bad_delay = ISSUE_EXAMPLE.replace("delay_mean: 90", "delay_mean: -90");
        assert!(matches!(
            error_of(&bad_delay),
            FacilityError::Negative { field: "delay_mean", ref item, .. } if item == "element `dock-door`"
        ));
        let declared = format!(
            "areas: [offsite, yard, warehouse, vault]\n{}",
            ISSUE_EXAMPLE
        )
        .replace("to: warehouse", "to: warehose");
        assert_eq!(
            error_of(&declared),
            FacilityError::UnknownArea {
                element: "dock-door".into(),
                field: "to",
                area: "warehose".into()
            }
        );
        let bad_target = ISSUE_EXAMPLE.replace("target: vault", "target: vualt");
        assert!(
            matches!(error_of(&bad_target), FacilityError::UnknownFacilityArea { ref area, .. } if area == "vualt")
        );
        let typo_field = ISSUE_EXAMPLE.replace("delay_sd: 3", "delay_sdd: 3");
        assert!(
            matches!(error_of(&typo_field), FacilityError::Syntax(ref m) if m.contains("delay_sdd"))
        );
        let twice = ISSUE_EXAMPLE.replace("id: dock-door", "id: north-fence");
        assert_eq!(
            error_of(&twice),
            FacilityError::DuplicateElement("north-fence".into())
        );
        let entry_target = ISSUE_EXAMPLE.replace("entries: [offsite]", "entries: [vault]");
        assert!(matches!(
            error_of(&entry_target),
            FacilityError::EntryIsTarget { .. }
        ));
        let no_target = ISSUE_EXAMPLE.replace("target: vault\n", "");
        assert_eq!(error_of(&no_target), FacilityError::NoTargets);
        let nan = ISSUE_EXAMPLE.replace("delay_sd: 27", "delay_sd: .nan");
        assert!(matches!(
            error_of(&nan),
            FacilityError::Negative {
                field: "delay_sd",
                ..
            }
        ));
    }

    #[test]
    fn checks_profiles_and_upgrades() {
        let with = |extra: &str| format!("{ISSUE_EXAMPLE}{extra}");
        let e = error_of(&with(
            "upgrades:\n  - {id: u1, element: south-fence, cost: 10, p_detect: 0.9}\n",
        ));
        assert_eq!(
            e,
            FacilityError::UnknownUpgradeElement {
                upgrade: "u1".into(),
                element: "south-fence".into()
            }
        );
        let e = error_of(&with(
            "upgrades:\n  - {id: u1, element: dock-door, cost: 10}\n",
        ));
        assert_eq!(e, FacilityError::EmptyUpgrade("u1".into()));
        let e = error_of(&with(
            "adversaries:\n  - {name: insider, kind: insider, entries: [nowhere]}\n",
        ));
        assert!(
            matches!(e, FacilityError::UnknownFacilityArea { ref area, .. } if area == "nowhere")
        );
        let f = Facility::from_yaml(&with(
            "adversaries:\n  - {name: insider, kind: insider, entries: [yard], p_neutralization: 0.5}\n",
        ))
        .unwrap();
        assert!(
            f.adversary(Some("insider"))
                .unwrap()
                .has_authorised_access()
        );
        assert_eq!(
            f.adversary(Some("spy")).unwrap_err(),
            FacilityError::UnknownAdversary("spy".into())
        );
    }
}
