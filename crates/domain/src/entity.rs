//! What all entities have in common: a kind, an id, an optional site, the
//! references they make to other entities, and field rules.

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::AcceptancePlan;
use crate::model::*;
use crate::{Id, ProblemKind};

/// The kinds of entity an organisation holds. The string form is what the
/// store keys records by and what the audit log names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EntityKind {
    Site,
    Zone,
    Asset,
    Threat,
    Control,
    AppliedControl,
    Device,
    Person,
    Risk,
    User,
    FacilityModel,
    FloorPlan,
    Framework,
    Audit,
    Inspection,
    AcceptancePlan,
}

impl EntityKind {
    pub const ALL: [EntityKind; 16] = [
        EntityKind::Site,
        EntityKind::Zone,
        EntityKind::Asset,
        EntityKind::Threat,
        EntityKind::Control,
        EntityKind::AppliedControl,
        EntityKind::Device,
        EntityKind::Person,
        EntityKind::Risk,
        EntityKind::User,
        EntityKind::FacilityModel,
        EntityKind::FloorPlan,
        EntityKind::Framework,
        EntityKind::Audit,
        EntityKind::Inspection,
        EntityKind::AcceptancePlan,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Site => "site",
            EntityKind::Zone => "zone",
            EntityKind::Asset => "asset",
            EntityKind::Threat => "threat",
            EntityKind::Control => "control",
            EntityKind::AppliedControl => "applied_control",
            EntityKind::Device => "device",
            EntityKind::Person => "person",
            EntityKind::Risk => "risk",
            EntityKind::User => "user",
            EntityKind::FacilityModel => "facility_model",
            EntityKind::FloorPlan => "floor_plan",
            EntityKind::Framework => "framework",
            EntityKind::Audit => "audit",
            EntityKind::Inspection => "inspection",
            EntityKind::AcceptancePlan => "acceptance_plan",
        }
    }

    pub fn parse(s: &str) -> Option<EntityKind> {
        EntityKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The key of the list of this kind in an organisation file.
    pub fn plural(self) -> &'static str {
        match self {
            EntityKind::Site => "sites",
            EntityKind::Zone => "zones",
            EntityKind::Asset => "assets",
            EntityKind::Threat => "threats",
            EntityKind::Control => "controls",
            EntityKind::AppliedControl => "applied_controls",
            EntityKind::Device => "devices",
            EntityKind::Person => "people",
            EntityKind::Risk => "risks",
            EntityKind::User => "users",
            EntityKind::FacilityModel => "facility_models",
            EntityKind::FloorPlan => "floor_plans",
            EntityKind::Framework => "frameworks",
            EntityKind::Audit => "audits",
            EntityKind::Inspection => "inspections",
            EntityKind::AcceptancePlan => "acceptance_plans",
        }
    }
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A reference from one entity to another, by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reference<'a> {
    /// The field that holds it, as written in files.
    pub field: &'static str,
    pub kind: EntityKind,
    pub id: &'a Id,
}

/// An entity of the domain model.
pub trait Entity: Serialize + DeserializeOwned + Clone + fmt::Debug + Send + Sync {
    const KIND: EntityKind;

    fn id(&self) -> &Id;

    /// The site the entity belongs to, for entities that belong to one.
    /// Access is scoped by it.
    fn site(&self) -> Option<&Id>;

    /// Every reference this entity makes.
    fn references(&self) -> Vec<Reference<'_>>;

    /// Field rules that need no other entity: (field, problem, message).
    fn check(&self) -> Vec<(&'static str, ProblemKind, String)> {
        Vec::new()
    }
}

fn r<'a>(field: &'static str, kind: EntityKind, id: &'a Id) -> Reference<'a> {
    Reference { field, kind, id }
}

fn opt<'a>(
    out: &mut Vec<Reference<'a>>,
    field: &'static str,
    kind: EntityKind,
    id: &'a Option<Id>,
) {
    if let Some(id) = id {
        out.push(r(field, kind, id));
    }
}

fn required(out: &mut Vec<(&'static str, ProblemKind, String)>, field: &'static str, v: &str) {
    if v.trim().is_empty() {
        out.push((
            field,
            ProblemKind::Required,
            format!("{field} must not be empty"),
        ));
    }
}

fn money(out: &mut Vec<(&'static str, ProblemKind, String)>, field: &'static str, v: Option<f64>) {
    if let Some(v) = v
        && !(v.is_finite() && v >= 0.0)
    {
        out.push((
            field,
            ProblemKind::OutOfRange,
            format!("{field} must be a finite amount of zero or more, got {v}"),
        ));
    }
}

fn fraction(
    out: &mut Vec<(&'static str, ProblemKind, String)>,
    field: &'static str,
    v: Option<f64>,
) {
    if let Some(v) = v
        && !(0.0..=1.0).contains(&v)
    {
        out.push((
            field,
            ProblemKind::OutOfRange,
            format!("{field} is a fraction from 0 to 1, got {v}"),
        ));
    }
}

impl Entity for Site {
    const KIND: EntityKind = EntityKind::Site;
    fn id(&self) -> &Id {
        &self.id
    }
    fn site(&self) -> Option<&Id> {
        Some(&self.id)
    }
    fn references(&self) -> Vec<Reference<'_>> {
        Vec::new()
    }
    fn check(&self) -> Vec<(&'static str, ProblemKind, String)> {
        let mut out = Vec::new();
        required(&mut out, "name", &self.name);
        if let Some(c) = self.coordinates
            && !((-90.0..=90.0).contains(&c.lat) && (-180.0..=180.0).contains(&c.lon))
        {
            out.push((
                "coordinates",
                ProblemKind::OutOfRange,
                format!(
                    "latitude must be within -90..90 and longitude within -180..180, got ({}, {})",
                    c.lat, c.lon
                ),
            ));
        }
        if let Some(fsl) = self.facility_security_level
            && !(1..=5).contains(&fsl)
        {
            out.push((
                "facility_security_level",
                ProblemKind::OutOfRange,
                format!("the facility security level is 1 (I) to 5 (V), got {fsl}"),
            ));
        }
        if let OperatingHours::Weekly(periods) = &self.operating_hours {
            for p in periods {
                if p.days.is_empty() {
                    out.push((
                        "operating_hours",
                        ProblemKind::Required,
                        "an opening period needs at least one day".to_owned(),
                    ));
                }
                if p.open == p.close {
                    out.push((
                        "operating_hours",
                        ProblemKind::OutOfRange,
                        format!(
                            "an opening period opens and closes at the same time ({})",
                            p.open
                        ),
                    ));
                }
            }
        }
        out
    }
}

impl Entity for Zone {
    const KIND: EntityKind = EntityKind::Zone;
    fn id(&self) -> &Id {
        &self.id
    }
    fn site(&self) -> Option<&Id> {
        Some(&self.site)
    }
    fn references(&self) -> Vec<Reference<'_>> {
        let mut out = vec![r("site", EntityKind::Site, &self.site)];
        opt(&mut out, "parent", EntityKind::Zone, &self.parent);
        out
    }
    fn check(&self) -> Vec<(&'static str, ProblemKind, String)> {
        let mut out = Vec::new();
        required(&mut out, "name", &self.name);
        if self.parent.as_ref() == Some(&self.id) {
            out.push((
                "parent",
                ProblemKind::Cycle,
                "a zone cannot be its own parent".to_owned(),
            ));
        }
        out
    }
}

impl Entity for Asset {
    const KIND: EntityKind = EntityKind::Asset;
    fn id(&self) -> &Id {
        &self.id
    }
    fn site(&self) -> Option<&Id> {
        Some(&self.site)
    }
    fn references(&self) -> Vec<Reference<'_>> {
        let mut out = vec![r("site", EntityKind::Site, &self.site)];
        opt(&mut out, "zone", EntityKind::Zone, &self.zone);
        opt(&mut out, "owner", EntityKind::Person, &self.owner);
        out
    }
    fn check(&self) -> Vec<(&'static str, ProblemKind, String)> {
        let mut out = Vec::new();
        required(&mut out, "name", &self.name);
        money(&mut out, "replacement_cost", self.replacement_cost);
        out
    }
}

impl Entity for Threat {
    const KIND: EntityKind = EntityKind::Threat;
    fn id(&self) -> &Id {
        &self.id
    }
    fn site(&self) -> Option<&Id> {
        None
    }
    fn references(&self) -> Vec<Reference<'_>> {
        self.ratings
            .iter()
            .map(|t| r("ratings.site", EntityKind::Site, &t.site))
            .collect()
    }
    fn check(&self) -> Vec<(&'static str, ProblemKind, String)> {
        let mut out = Vec::new();
        required(&mut out, "name", &self.name);
        let mut seen = std::collections::BTreeSet::new();
        for t in &self.ratings {
            if !seen.insert(&t.site) {
                out.push((
                    "ratings",
                    ProblemKind::Duplicate,
                    format!("site {} is rated twice", t.site),
                ));
            }
        }
        out
    }
}

impl Entity for RiskScenario {
    const KIND: EntityKind = EntityKind::Risk;
    fn id(&self) -> &Id {
        &self.id
    }
    fn site(&self) -> Option<&Id> {
        Some(&self.site)
    }
    fn references(&self) -> Vec<Reference<'_>> {
        let mut out = vec![
            r("site", EntityKind::Site, &self.site),
            r("threat", EntityKind::Threat, &self.threat),
            r("asset", EntityKind::Asset, &self.asset),
        ];
        opt(&mut out, "owner", EntityKind::Person, &self.owner);
        out.extend(
            self.controls
                .iter()
                .map(|c| r("controls", EntityKind::AppliedControl, c)),
        );
        out
    }
    fn check(&self) -> Vec<(&'static str, ProblemKind, String)> {
        let mut out = Vec::new();
        required(&mut out, "title", &self.title);
        if let Assessment::Fair { model } = &self.assessment
            && !model.is_object()
        {
            out.push((
                "assessment.model",
                ProblemKind::Invalid,
                "a FAIR model is a mapping of factors to ranges".to_owned(),
            ));
        }
        out
    }
}

impl Entity for Control {
    const KIND: EntityKind = EntityKind::Control;
    fn id(&self) -> &Id {
        &self.id
    }
    fn site(&self) -> Option<&Id> {
        None
    }
    fn references(&self) -> Vec<Reference<'_>> {
        Vec::new()
    }
    fn check(&self) -> Vec<(&'static str, ProblemKind, String)> {
        let mut out = Vec::new();
        required(&mut out, "name", &self.name);
        money(&mut out, "capex", Some(self.capex));
        money(&mut out, "opex_annual", Some(self.opex_annual));
        fraction(&mut out, "effectiveness", self.effectiveness);
        out
    }
}

impl Entity for AppliedControl {
    const KIND: EntityKind = EntityKind::AppliedControl;
    fn id(&self) -> &Id {
        &self.id
    }
    fn site(&self) -> Option<&Id> {
        Some(&self.site)
    }
    fn references(&self) -> Vec<Reference<'_>> {
        let mut out = vec![
            r("control", EntityKind::Control, &self.control),
            r("site", EntityKind::Site, &self.site),
        ];
        opt(&mut out, "zone", EntityKind::Zone, &self.zone);
        out.extend(
            self.protects
                .iter()
                .map(|a| r("protects", EntityKind::Asset, a)),
        );
        opt(&mut out, "owner", EntityKind::Person, &self.owner);
        out
    }
    fn check(&self) -> Vec<(&'static str, ProblemKind, String)> {
        let mut out = Vec::new();
        money(&mut out, "capex", self.capex);
        money(&mut out, "opex_annual", self.opex_annual);
        fraction(&mut out, "effectiveness", self.effectiveness);
        out
    }
}

impl Entity for Device {
    const KIND: EntityKind = EntityKind::Device;
    fn id(&self) -> &Id {
        &self.id
    }
    fn site(&self) -> Option<&Id> {
        Some(&self.site)
    }
    fn references(&self) -> Vec<Reference<'_>> {
        let mut out = vec![r("site", EntityKind::Site, &self.site)];
        opt(&mut out, "zone", EntityKind::Zone, &self.zone);
        out
    }
    fn check(&self) -> Vec<(&'static str, ProblemKind, String)> {
        let mut out = Vec::new();
        if let Some(p) = &self.position
            && !(p.x.is_finite() && p.y.is_finite())
        {
            out.push((
                "position",
                ProblemKind::OutOfRange,
                "a plan position needs finite x and y".to_owned(),
            ));
        }
        out
    }
}

impl Entity for Person {
    const KIND: EntityKind = EntityKind::Person;
    fn id(&self) -> &Id {
        &self.id
    }
    fn site(&self) -> Option<&Id> {
        None
    }
    fn references(&self) -> Vec<Reference<'_>> {
        self.sites
            .iter()
            .map(|s| r("sites", EntityKind::Site, s))
            .collect()
    }
    fn check(&self) -> Vec<(&'static str, ProblemKind, String)> {
        let mut out = Vec::new();
        required(&mut out, "name", &self.name);
        out
    }
}

impl Entity for User {
    const KIND: EntityKind = EntityKind::User;
    fn id(&self) -> &Id {
        &self.id
    }
    fn site(&self) -> Option<&Id> {
        None
    }
    fn references(&self) -> Vec<Reference<'_>> {
        let mut out: Vec<_> = self
            .sites
            .iter()
            .map(|s| r("sites", EntityKind::Site, s))
            .collect();
        opt(&mut out, "person", EntityKind::Person, &self.person);
        out
    }
    fn check(&self) -> Vec<(&'static str, ProblemKind, String)> {
        let mut out = Vec::new();
        required(&mut out, "display_name", &self.display_name);
        out
    }
}

fn object(
    out: &mut Vec<(&'static str, ProblemKind, String)>,
    field: &'static str,
    v: &serde_json::Value,
) {
    if !v.is_object() {
        out.push((
            field,
            ProblemKind::Invalid,
            format!("{field} must be a mapping"),
        ));
    }
}

impl Entity for FacilityModel {
    const KIND: EntityKind = EntityKind::FacilityModel;
    fn id(&self) -> &Id {
        &self.id
    }
    fn site(&self) -> Option<&Id> {
        Some(&self.site)
    }
    fn references(&self) -> Vec<Reference<'_>> {
        vec![r("site", EntityKind::Site, &self.site)]
    }
    fn check(&self) -> Vec<(&'static str, ProblemKind, String)> {
        let mut out = Vec::new();
        required(&mut out, "name", &self.name);
        object(&mut out, "model", &self.model);
        out
    }
}

impl Entity for FloorPlan {
    const KIND: EntityKind = EntityKind::FloorPlan;
    fn id(&self) -> &Id {
        &self.id
    }
    fn site(&self) -> Option<&Id> {
        Some(&self.site)
    }
    fn references(&self) -> Vec<Reference<'_>> {
        let mut out = vec![r("site", EntityKind::Site, &self.site)];
        opt(&mut out, "zone", EntityKind::Zone, &self.zone);
        out
    }
    fn check(&self) -> Vec<(&'static str, ProblemKind, String)> {
        let mut out = Vec::new();
        required(&mut out, "name", &self.name);
        object(&mut out, "plan", &self.plan);
        out
    }
}

impl Entity for Framework {
    const KIND: EntityKind = EntityKind::Framework;
    fn id(&self) -> &Id {
        &self.id
    }
    fn site(&self) -> Option<&Id> {
        None
    }
    fn references(&self) -> Vec<Reference<'_>> {
        Vec::new()
    }
    fn check(&self) -> Vec<(&'static str, ProblemKind, String)> {
        let mut out = Vec::new();
        required(&mut out, "title", &self.title);
        if self.content.is_null() {
            if !self.source.starts_with("builtin:") {
                out.push((
                    "content",
                    ProblemKind::Required,
                    "a framework needs content, unless its source names a built-in one (builtin:NAME)"
                        .to_owned(),
                ));
            }
        } else {
            object(&mut out, "content", &self.content);
        }
        out
    }
}

impl Entity for Audit {
    const KIND: EntityKind = EntityKind::Audit;
    fn id(&self) -> &Id {
        &self.id
    }
    fn site(&self) -> Option<&Id> {
        Some(&self.site)
    }
    fn references(&self) -> Vec<Reference<'_>> {
        let mut out = vec![
            r("site", EntityKind::Site, &self.site),
            r("framework", EntityKind::Framework, &self.framework),
        ];
        out.extend(
            self.auditors
                .iter()
                .map(|p| r("auditors", EntityKind::Person, p)),
        );
        out
    }
    fn check(&self) -> Vec<(&'static str, ProblemKind, String)> {
        let mut out = Vec::new();
        required(&mut out, "title", &self.title);
        if self.planned_end < self.planned_start {
            out.push((
                "planned_end",
                ProblemKind::OutOfRange,
                format!(
                    "the planned end {} is before the planned start {}",
                    self.planned_end, self.planned_start
                ),
            ));
        }
        if !self.content.is_null() {
            object(&mut out, "content", &self.content);
        }
        out
    }
}

impl Entity for Inspection {
    const KIND: EntityKind = EntityKind::Inspection;
    fn id(&self) -> &Id {
        &self.id
    }
    fn site(&self) -> Option<&Id> {
        Some(&self.site)
    }
    fn references(&self) -> Vec<Reference<'_>> {
        let mut out = vec![r("site", EntityKind::Site, &self.site)];
        opt(
            &mut out,
            "framework",
            EntityKind::Framework,
            &self.framework,
        );
        opt(&mut out, "owner", EntityKind::Person, &self.owner);
        out
    }
    fn check(&self) -> Vec<(&'static str, ProblemKind, String)> {
        let mut out = Vec::new();
        required(&mut out, "title", &self.title);
        let n = self.every.count();
        if n == 0 || n > 366 {
            out.push((
                "every",
                ProblemKind::OutOfRange,
                format!("an inspection recurs every 1 to 366 days, weeks or months, not {n}"),
            ));
        }
        if self.until.is_some_and(|u| u < self.start) {
            out.push((
                "until",
                ProblemKind::OutOfRange,
                format!("the last date is before the first ({})", self.start),
            ));
        }
        if self.reminder_days > 366 {
            out.push((
                "reminder_days",
                ProblemKind::OutOfRange,
                "a reminder comes at most 366 days before".to_owned(),
            ));
        }
        out
    }
}

impl Entity for AcceptancePlan {
    const KIND: EntityKind = EntityKind::AcceptancePlan;
    fn id(&self) -> &Id {
        &self.id
    }
    fn site(&self) -> Option<&Id> {
        Some(&self.site)
    }
    fn references(&self) -> Vec<Reference<'_>> {
        let mut out = vec![r("site", EntityKind::Site, &self.site)];
        out.extend(
            self.devices
                .iter()
                .map(|d| r("devices", EntityKind::Device, d)),
        );
        opt(
            &mut out,
            "monitoring",
            EntityKind::Inspection,
            &self.monitoring,
        );
        out
    }
    fn check(&self) -> Vec<(&'static str, ProblemKind, String)> {
        let mut out = Vec::new();
        required(&mut out, "title", &self.title);
        out.extend(
            self.problems()
                .into_iter()
                .map(|(field, m)| (field, ProblemKind::Invalid, m)),
        );
        out
    }
}
