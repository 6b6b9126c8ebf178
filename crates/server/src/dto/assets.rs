//! Assets: what the organisation protects.

use rampart_domain as d;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Id, Rating, at_least, search, text};

/// Something of value to protect at a site: people, property, information,
/// systems or the facility itself.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssetBody {
    /// The asset's id (`dc-customer-data`).
    pub id: Id,
    /// The site the asset is at.
    pub site: Id,
    /// The zone it is kept in, on the same site; none if it is site-wide.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<Id>,
    /// What the asset is; must not be blank.
    #[schema(min_length = 1, pattern = r"\S", example = "Customer cage row B3")]
    pub name: String,
    /// The kind of asset.
    pub kind: AssetKind,
    /// Value / criticality to the organisation, 1..10 (the FEMA 452 asset
    /// value rating: 10 for loss of life or of the mission).
    pub value: Rating,
    /// The person accountable for the asset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Id>,
    /// What it would cost to replace, in the organisation's currency; zero or more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0)]
    pub replacement_cost: Option<f64>,
    /// Free text: why it matters, what depends on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// The kind of asset.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssetKind {
    People,
    Physical,
    Information,
    System,
    Facility,
}

mirrored!(Assets, d::Asset, AssetBody, "assets", "asset",
    filters: &[
        text("zone", "zone", "Only assets kept in this zone."),
        text("kind", "kind", "Only assets of this kind (`people`, `information`...)."),
        text("owner", "owner", "Only assets this person is accountable for."),
        at_least("min_value", "value", "Only assets whose value rating is at least this (1..10)."),
        search("q", "name", "Assets whose name contains this text (any case)."),
    ],
    sorts: &["name", "value", "kind"]);
