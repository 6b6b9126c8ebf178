//! Risk scenarios and their assessments.

use rampart_domain as d;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Date, Id, Rating, text};

/// A risk scenario: a threat against an asset at a site, assessed by one
/// method, with the decision taken about it and the applied controls that
/// treat it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskBody {
    /// The scenario's id (`r-dc-cage-insider`).
    pub id: Id,
    /// The site where the risk arises.
    pub site: Id,
    /// The threat of the catalogue that causes it.
    pub threat: Id,
    /// The asset harmed, on the same site.
    pub asset: Id,
    /// A one-line statement of the risk; must not be blank.
    #[schema(
        min_length = 1,
        pattern = r"\S",
        example = "Theft of loaded trailers from the yard"
    )]
    pub title: String,
    /// Free text: the scenario in detail, its assumptions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The assessment: its `method` and that method's inputs.
    pub assessment: Assessment,
    /// What was decided about the risk. Default `undecided`.
    #[serde(default)]
    pub treatment: Treatment,
    /// The person who owns the risk and its treatment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Id>,
    /// When the assessment is next due for review.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_date: Option<Date>,
    /// Applied controls (on the same site) that treat this risk.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<Id>,
}

/// How a risk is assessed, chosen by `method`, with its inputs before any
/// control (inherent), with the controls in place (current) and with the
/// proposed ones as well (residual).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum Assessment {
    /// Likelihood x impact on the organisation's risk matrix.
    Matrix {
        /// Before any control.
        inherent: MatrixInputs,
        /// With the controls in place.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        current: Option<MatrixInputs>,
        /// With the proposed controls as well.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        residual: Option<MatrixInputs>,
    },
    /// FEMA 426/452: risk = asset value x threat rating x vulnerability
    /// rating, 1..1000.
    Fema452 {
        /// Before any control.
        inherent: FemaInputs,
        /// With the controls in place.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        current: Option<FemaInputs>,
        /// With the proposed controls as well.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        residual: Option<FemaInputs>,
    },
    /// NIST SP 800-30 rev1 qualitative levels (tables G-5 and I-2).
    Nist80030 {
        /// Before any control.
        inherent: NistInputs,
        /// With the controls in place.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        current: Option<NistInputs>,
        /// With the proposed controls as well.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        residual: Option<NistInputs>,
    },
    /// Open FAIR, quantified by Monte Carlo simulation.
    Fair {
        /// The risk engine's scenario description, kept as written: a
        /// mapping of FAIR factors (`tef`, `vulnerability`, `primary_loss`,
        /// ...) to calibrated ranges such as `{"pert": [2, 6, 15]}` or
        /// `{"lognormal_90": [80000, 600000]}`. Checked by the engine when
        /// the risk is written.
        #[schema(value_type = Object)]
        model: serde_json::Value,
    },
}

/// A position on the organisation's risk matrix, levels counted from 1
/// (the lowest) up to the number of levels of each axis.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatrixInputs {
    /// Likelihood level, 1 = the lowest (e.g. "Rare").
    #[schema(minimum = 1, maximum = 255)]
    pub likelihood: u8,
    /// Impact level, 1 = the lowest (e.g. "Negligible").
    #[schema(minimum = 1, maximum = 255)]
    pub impact: u8,
}

/// The three FEMA 452 ratings.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FemaInputs {
    /// Asset value rating, 1..10.
    pub asset_value: Rating,
    /// Threat rating, 1..10.
    pub threat: Rating,
    /// Vulnerability rating, 1..10: how easily the threat succeeds
    /// against the protection in place.
    pub vulnerability: Rating,
}

/// The NIST SP 800-30 rev1 likelihood and impact determinations.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NistInputs {
    /// Likelihood of threat event initiation (adversarial) or occurrence
    /// (non-adversarial).
    pub initiation: QualitativeLevel,
    /// Likelihood that the event, once initiated, results in adverse impact.
    pub adverse_impact: QualitativeLevel,
    /// Level of impact.
    pub impact: QualitativeLevel,
}

/// The NIST SP 800-30 qualitative scale.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QualitativeLevel {
    VeryLow,
    Low,
    Moderate,
    High,
    VeryHigh,
}

/// The decision taken about a risk: `undecided` (not decided yet),
/// `mitigate` (reduce it with controls), `accept` (within appetite, or
/// consciously retained), `transfer` (insurance, contract), `avoid` (stop
/// the activity).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Treatment {
    #[default]
    Undecided,
    Mitigate,
    Accept,
    Transfer,
    Avoid,
}

mirrored!(Risks, d::RiskScenario, RiskBody, "risks", "risk",
    filters: &[
        text("threat", "threat", "Only risks caused by this threat."),
        text("asset", "asset", "Only risks to this asset."),
        text("owner", "owner", "Only risks owned by this person."),
        text("treatment", "treatment", "Only risks with this treatment (`undecided`, `mitigate`...)."),
        text("method", "assessment.method", "Only risks assessed by this method (`matrix`, `fema452`, `nist80030`, `fair`)."),
    ],
    sorts: &["title", "treatment", "review_date"]);
