//! The models the engines own, kept as written: facility models for path
//! analysis and floor plans for camera coverage.

use rampart_domain as d;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Id, search, text};

/// A site's physical protection system as a facility model: areas, path
/// elements with their detection and delay, entries, targets and the
/// response force. Analysed by the protection engine (EASI, most
/// vulnerable path).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FacilityModelBody {
    /// The model's id (`dc-pps`).
    pub id: Id,
    /// The site modelled.
    pub site: Id,
    /// What the model covers; must not be blank.
    #[schema(
        min_length = 1,
        pattern = r"\S",
        example = "MAN-1 physical protection system"
    )]
    pub name: String,
    /// Free text: the scope and the assumptions of the model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The protection engine's facility description, kept as written: a
    /// mapping with the areas, the path elements between them (with
    /// probabilities of detection and delay times), the entries, the
    /// targets and the response force time. Checked by the engine when the
    /// model is written.
    #[schema(value_type = Object)]
    pub model: serde_json::Value,
}

mirrored!(FacilityModels, d::FacilityModel, FacilityModelBody, "facility-models", "facility model",
    filters: &[
        search("q", "name", "Facility models whose name contains this text (any case)."),
    ],
    sorts: &["name"]);

/// A floor plan of a site, with its cameras and the camera level (IEC
/// 62676-4: detection, observation, recognition, identification) each zone
/// requires. Analysed by the surveillance engine for coverage.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FloorPlanBody {
    /// The plan's id (`hq-lobby-plan`).
    pub id: Id,
    /// The site drawn.
    pub site: Id,
    /// The zone the plan covers, on the same site; none for a whole site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<Id>,
    /// What the plan shows; must not be blank.
    #[schema(
        min_length = 1,
        pattern = r"\S",
        example = "Reception lobby, ground floor"
    )]
    pub name: String,
    /// The surveillance engine's plan description, kept as written: a
    /// mapping with the boundary, obstacles and walls (metres), the
    /// cameras with their optics, and the zones with the level each
    /// requires. Checked by the engine when the plan is written.
    #[schema(value_type = Object)]
    pub plan: serde_json::Value,
}

mirrored!(FloorPlans, d::FloorPlan, FloorPlanBody, "floor-plans", "floor plan",
    filters: &[
        text("zone", "zone", "Only plans of this zone."),
        search("q", "name", "Floor plans whose name contains this text (any case)."),
    ],
    sorts: &["name"]);
