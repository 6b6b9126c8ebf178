//! The control catalogue and the controls applied at sites.

use rampart_domain as d;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Date, Id, search, text};

/// A countermeasure of the organisation's catalogue, with what it costs
/// and how much risk it is expected to remove.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ControlBody {
    /// The control's id (`ctl-perimeter-fence`).
    pub id: Id,
    /// What the control is; must not be blank.
    #[schema(
        min_length = 1,
        pattern = r"\S",
        example = "2.4 m weldmesh security fence (LPS 1175 SR2)"
    )]
    pub name: String,
    /// Which function of physical protection it serves.
    pub function: ControlFunction,
    /// What sort of measure it is. Default `physical`.
    #[serde(default)]
    pub kind: ControlKind,
    /// Free text: specification, standard, rating.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// One-off cost to put it in place, in the organisation's currency;
    /// zero or more. Default 0.
    #[serde(default)]
    #[schema(minimum = 0)]
    pub capex: f64,
    /// Yearly running cost (maintenance, monitoring, staff), in the
    /// organisation's currency; zero or more. Default 0.
    #[serde(default)]
    #[schema(minimum = 0)]
    pub opex_annual: f64,
    /// Expected fraction of the risk it removes, 0 (none) to 1 (all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 1)]
    pub effectiveness: Option<f64>,
    /// Service life in years, over which capex is spread for return on
    /// security investment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifetime_years: Option<u32>,
}

/// The functions of physical protection.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ControlFunction {
    Deter,
    Detect,
    Delay,
    Respond,
    Recover,
}

/// What sort of measure a control is.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ControlKind {
    #[default]
    Physical,
    Technical,
    Procedural,
    Personnel,
}

mirrored!(Controls, d::Control, ControlBody, "controls", "control",
    filters: &[
        text("function", "function", "Only controls serving this function (`deter`, `detect`, `delay`...)."),
        text("kind", "kind", "Only controls of this kind (`physical`, `procedural`...)."),
        search("q", "name", "Controls whose name contains this text (any case)."),
    ],
    sorts: &["name", "capex", "opex_annual"]);

/// A catalogue control put, or proposed to be put, in place at a site.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppliedControlBody {
    /// The applied control's id (`ac-dc-fuel-locks`).
    pub id: Id,
    /// The catalogue control applied.
    pub control: Id,
    /// The site it is applied at.
    pub site: Id,
    /// The zone it is applied in, on the same site; none if site-wide.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<Id>,
    /// Assets (on the same site) this instance protects.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub protects: Vec<Id>,
    /// Where it stands; `implemented` and `verified` count for current
    /// risk, the others for residual risk.
    pub status: ControlStatus,
    /// Measured or estimated effectiveness of this instance, 0 to 1;
    /// overrides the catalogue's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 1)]
    pub effectiveness: Option<f64>,
    /// One-off cost of this instance, overriding the catalogue's; zero or more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0)]
    pub capex: Option<f64>,
    /// Yearly running cost of this instance, overriding the catalogue's;
    /// zero or more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0)]
    pub opex_annual: Option<f64>,
    /// The person responsible for putting it in place and keeping it working.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Id>,
    /// When it is due to be in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<Date>,
}

/// Where an applied control stands in its life.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ControlStatus {
    Proposed,
    Planned,
    InProgress,
    Implemented,
    Verified,
    Retired,
}

mirrored!(AppliedControls, d::AppliedControl, AppliedControlBody, "applied-controls", "applied control",
    filters: &[
        text("control", "control", "Only instances of this catalogue control."),
        text("zone", "zone", "Only controls applied in this zone."),
        text("status", "status", "Only controls in this status (`planned`, `implemented`...)."),
        text("owner", "owner", "Only controls this person is responsible for."),
    ],
    sorts: &["status", "due"]);
