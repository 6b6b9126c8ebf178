//! The entities of an organisation's security programme.
//!
//! Every entity is a plain value with an [`Id`]; references to other entities
//! are ids, checked by [`crate::OrgDocument::validate`] (or by the store for
//! single edits). Field rules that need no other entity live in
//! [`crate::Entity::check`].

use std::collections::BTreeMap;

use jiff::civil::{Date, Time};
use serde::{Deserialize, Serialize};

use crate::{Id, Rating};

/// The organisation whose security programme Rampart holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    pub id: Id,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sector: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// ISO 4217 code of the currency every cost and loss is expressed in.
    #[serde(default = "default_currency")]
    pub currency: String,
    /// The likelihood and impact scales of the organisation's risk matrix.
    #[serde(default)]
    pub risk_matrix: RiskMatrixScales,
    /// Risk appetite: the highest acceptable FEMA 452 score (1..=1000) and
    /// matrix level, organisation-wide and per threat category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk_appetite: Option<RiskAppetite>,
}

fn default_currency() -> String {
    "EUR".to_owned()
}

/// Named levels of the likelihood and impact axes, lowest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskMatrixScales {
    pub likelihood: Vec<String>,
    pub impact: Vec<String>,
}

impl Default for RiskMatrixScales {
    fn default() -> Self {
        let s = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect();
        RiskMatrixScales {
            likelihood: s(&["Rare", "Unlikely", "Possible", "Likely", "Almost certain"]),
            impact: s(&["Negligible", "Minor", "Moderate", "Major", "Severe"]),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskAppetite {
    /// Highest acceptable FEMA 452 risk score (A x T x V).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_fema_score: Option<u16>,
    /// Highest acceptable likelihood x impact product on the matrix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_matrix_score: Option<u16>,
    /// Highest acceptable annualised loss expectancy, in the organisation's currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_annual_loss: Option<f64>,
    /// Stricter appetites for some threat categories (FEMA score).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_category: BTreeMap<ThreatCategory, u16>,
}

/// A place the organisation protects: an office, a data centre, a warehouse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Site {
    pub id: Id,
    pub name: String,
    #[serde(default)]
    pub kind: SiteKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coordinates: Option<Coordinates>,
    /// Facility security level I..V in the sense of the US Interagency
    /// Security Committee standard, written 1..5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facility_security_level: Option<u8>,
    #[serde(default)]
    pub operating_hours: OperatingHours,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteKind {
    #[default]
    Office,
    DataCentre,
    Warehouse,
    Retail,
    Manufacturing,
    Laboratory,
    Campus,
    Other,
}

/// WGS 84 latitude and longitude in decimal degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coordinates {
    pub lat: f64,
    pub lon: f64,
}

/// When a site is normally open. Access outside these hours is what an
/// after-hours detection rule looks for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OperatingHours {
    /// Staffed around the clock (a data centre, a guarded site).
    #[default]
    Always,
    /// Open during these periods; closed otherwise.
    Weekly(Vec<OpeningPeriod>),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpeningPeriod {
    pub days: Vec<Weekday>,
    pub open: Time,
    pub close: Time,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

/// A part of a site: a building, a floor, an area or a room. Zones nest
/// through `parent`, and carry the security classification that decides
/// who may enter and what protection they need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Zone {
    pub id: Id,
    pub site: Id,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<Id>,
    pub name: String,
    #[serde(default)]
    pub kind: ZoneKind,
    #[serde(default)]
    pub classification: Classification,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoneKind {
    Perimeter,
    Building,
    Floor,
    #[default]
    Area,
    Room,
    Parking,
    Yard,
}

/// Security classification of a zone, from open to the public to the most
/// protected rooms (the layered "onion" of physical protection).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    Public,
    #[default]
    Controlled,
    Restricted,
    HighSecurity,
}

/// Something of value to protect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Asset {
    pub id: Id,
    pub site: Id,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<Id>,
    pub name: String,
    pub kind: AssetKind,
    /// Value / criticality, 1..10 (FEMA 452 asset value rating).
    pub value: Rating,
    /// The person accountable for the asset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Id>,
    /// What it would cost to replace, in the organisation's currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replacement_cost: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssetKind {
    People,
    Physical,
    Information,
    System,
    Facility,
}

/// An entry of the threat catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Threat {
    pub id: Id,
    pub name: String,
    pub category: ThreatCategory,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The design-basis adversary, for threats that have one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adversary: Option<AdversaryProfile>,
    /// Threat rating (1..10) per site, from the threat assessment.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ratings: Vec<ThreatRating>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThreatCategory {
    Criminal,
    Insider,
    Terrorism,
    NaturalHazard,
    TechnicalFailure,
    Cyber,
}

/// An adversary profile of the design-basis threat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdversaryProfile {
    pub kind: AdversaryKind,
    /// Skills, tools and resources, 1..10.
    pub capability: Rating,
    /// Intent and determination, 1..10.
    pub motivation: Rating,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_size: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tactics: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdversaryKind {
    Outsider,
    Insider,
    Collusion,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThreatRating {
    pub site: Id,
    pub rating: Rating,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rationale: Option<String>,
}

/// A threat against an asset at a site, assessed with one method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RiskScenario {
    pub id: Id,
    pub site: Id,
    pub threat: Id,
    pub asset: Id,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub assessment: Assessment,
    #[serde(default)]
    pub treatment: Treatment,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_date: Option<Date>,
    /// Applied controls that treat this risk.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<Id>,
}

/// How a risk is assessed, with its inputs before any control (inherent),
/// with the controls in place (current) and with the proposed ones (residual).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum Assessment {
    /// Likelihood x impact on the organisation's matrix (levels from 1).
    Matrix {
        inherent: MatrixInputs,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        current: Option<MatrixInputs>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        residual: Option<MatrixInputs>,
    },
    /// FEMA 426/452: asset value x threat rating x vulnerability rating.
    Fema452 {
        inherent: FemaInputs,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        current: Option<FemaInputs>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        residual: Option<FemaInputs>,
    },
    /// NIST SP 800-30 rev1 qualitative levels.
    Nist80030 {
        inherent: NistInputs,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        current: Option<NistInputs>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        residual: Option<NistInputs>,
    },
    /// Open FAIR: the model is the risk engine's scenario description
    /// (calibrated ranges for its factors), kept as written.
    Fair { model: serde_json::Value },
}

impl Assessment {
    pub fn method_name(&self) -> &'static str {
        match self {
            Assessment::Matrix { .. } => "matrix",
            Assessment::Fema452 { .. } => "fema452",
            Assessment::Nist80030 { .. } => "nist80030",
            Assessment::Fair { .. } => "fair",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatrixInputs {
    pub likelihood: u8,
    pub impact: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FemaInputs {
    pub asset_value: Rating,
    pub threat: Rating,
    pub vulnerability: Rating,
}

impl FemaInputs {
    /// Risk = A x T x V, 1..=1000 (FEMA 452).
    pub fn score(&self) -> u16 {
        u16::from(self.asset_value.get())
            * u16::from(self.threat.get())
            * u16::from(self.vulnerability.get())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NistInputs {
    /// Likelihood of threat event initiation (adversarial) or occurrence.
    pub initiation: QualitativeLevel,
    /// Likelihood that the event, once initiated, results in adverse impact.
    pub adverse_impact: QualitativeLevel,
    /// Level of impact.
    pub impact: QualitativeLevel,
}

/// NIST SP 800-30 qualitative scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QualitativeLevel {
    VeryLow,
    Low,
    Moderate,
    High,
    VeryHigh,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Treatment {
    /// Not decided yet.
    #[default]
    Undecided,
    Mitigate,
    Accept,
    Transfer,
    Avoid,
}

/// A countermeasure in the organisation's catalogue, with what it costs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Control {
    pub id: Id,
    pub name: String,
    pub function: ControlFunction,
    #[serde(default)]
    pub kind: ControlKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// One-off cost to put in place.
    #[serde(default)]
    pub capex: f64,
    /// Yearly running cost.
    #[serde(default)]
    pub opex_annual: f64,
    /// Expected fraction of the risk it removes, 0..=1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effectiveness: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifetime_years: Option<u32>,
}

/// The classic functions of physical protection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ControlFunction {
    Deter,
    Detect,
    Delay,
    Respond,
    Recover,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ControlKind {
    #[default]
    Physical,
    Technical,
    Procedural,
    Personnel,
}

/// A catalogue control put (or proposed to be put) in place at a site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppliedControl {
    pub id: Id,
    pub control: Id,
    pub site: Id,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<Id>,
    /// Assets this instance protects.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub protects: Vec<Id>,
    pub status: ControlStatus,
    /// Measured or estimated effectiveness of this instance, 0..=1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effectiveness: Option<f64>,
    /// Overrides of the catalogue costs for this instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capex: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opex_annual: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<Date>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ControlStatus {
    Proposed,
    Planned,
    InProgress,
    Implemented,
    Verified,
    Retired,
}

impl ControlStatus {
    /// Whether the control counts for current risk (as opposed to residual).
    pub fn in_place(self) -> bool {
        matches!(self, ControlStatus::Implemented | ControlStatus::Verified)
    }
}

/// A piece of security equipment at a site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Device {
    pub id: Id,
    pub site: Id,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<Id>,
    pub kind: DeviceKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub make: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// Where it sits on the floor plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<PlanPosition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install_date: Option<Date>,
    pub status: DeviceStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    Camera,
    CardReader,
    Lock,
    DoorContact,
    MotionSensor,
    GlassBreak,
    AlarmPanel,
    Nvr,
    Vms,
    Intercom,
    Turnstile,
    Barrier,
    DuressButton,
    FenceSensor,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceStatus {
    Planned,
    Operational,
    Degraded,
    OutOfService,
    Decommissioned,
}

/// A position on a floor plan, in metres from the plan's origin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanPosition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    pub x: f64,
    pub y: f64,
    /// Direction it faces, degrees counter-clockwise from +x (cameras).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heading_deg: Option<f64>,
}

/// Someone on the sites: staff, a contractor or a visitor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    pub id: Id,
    pub name: String,
    pub kind: PersonKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Job roles (security manager, guard, facilities technician...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// Sites the person is normally at.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sites: Vec<Id>,
    #[serde(default)]
    pub status: PersonStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonKind {
    Staff,
    Contractor,
    Visitor,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonStatus {
    #[default]
    Active,
    Suspended,
    Terminated,
}

/// An account of the application. Credentials are not part of the domain:
/// the server's authentication keeps them apart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    pub id: Id,
    pub display_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub role: Role,
    /// Whether the user may see every site; otherwise only `sites`.
    #[serde(default)]
    pub all_sites: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sites: Vec<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<Id>,
    #[serde(default)]
    pub disabled: bool,
}

impl User {
    pub fn may_see_site(&self, site: &Id) -> bool {
        !self.disabled && (self.all_sites || self.sites.contains(site))
    }
}

/// What a user may do, from most to least privileged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    SecurityManager,
    Assessor,
    Responder,
    Viewer,
}

/// A site's physical protection system as a facility model: areas, path
/// elements with detection and delay, entries, targets and the response
/// force. The model is the protection engine's facility description, kept as
/// written; the engine checks it when it is analysed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FacilityModel {
    pub id: Id,
    pub site: Id,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub model: serde_json::Value,
}

/// A floor plan of a site with its cameras and the camera level each zone
/// requires: the surveillance engine's plan description, kept as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FloorPlan {
    pub id: Id,
    pub site: Id,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<Id>,
    pub name: String,
    pub plan: serde_json::Value,
}

/// A framework audits are run against: a checklist or a catalog of
/// controls. The content is the compliance engine's framework (sections of
/// items, mappings), kept as written; the engine checks it at import. A
/// framework without content is one shipped with Rampart, named by its
/// `source` (`builtin:physical-security`, `builtin:nist-sp-800-53-rev5-moderate`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Framework {
    pub id: Id,
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
    /// Where it came from: a file name, a URL, or `builtin:NAME`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub content: serde_json::Value,
}

/// An audit of one site against one framework: who, when, where it stands.
/// The content is the compliance engine's record of the work (scope, item
/// results, findings, remediation plan, risk acceptances), kept as written;
/// the engine checks it against the framework at import.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Audit {
    pub id: Id,
    pub site: Id,
    pub framework: Id,
    pub title: String,
    pub status: AuditStatus,
    pub planned_start: Date,
    pub planned_end: Date,
    /// The people who carry it out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub auditors: Vec<Id>,
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub content: serde_json::Value,
}

/// A recurring inspection of a site: a walk-round or a test done on a
/// schedule ("the perimeter fence every 2 weeks", "test the duress buttons
/// every 3 months"), with a reminder before each, and how far it has been
/// done. The calendar feed and the overdue list come from these.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inspection {
    pub id: Id,
    pub site: Id,
    pub title: String,
    pub every: Recurrence,
    /// The first occurrence.
    pub start: Date,
    /// No occurrence after this date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<Date>,
    /// Remind this many days before each occurrence.
    #[serde(default = "seven")]
    pub reminder_days: u32,
    /// Occurrences on or before this date have been done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_through: Option<Date>,
    /// The checklist walked, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub framework: Option<Id>,
    /// Who carries it out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Id>,
}

fn seven() -> u32 {
    7
}

/// How often an inspection recurs: `{days: 7}`, `{weeks: 2}`, `{months: 3}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Recurrence {
    Days(u32),
    Weeks(u32),
    Months(u32),
}

impl Recurrence {
    pub fn count(self) -> u32 {
        match self {
            Recurrence::Days(n) | Recurrence::Weeks(n) | Recurrence::Months(n) => n,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditStatus {
    Planned,
    InProgress,
    Completed,
}

impl AuditStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditStatus::Planned => "planned",
            AuditStatus::InProgress => "in_progress",
            AuditStatus::Completed => "completed",
        }
    }
}
