//! The threat catalogue, with per-site threat ratings.

use rampart_domain as d;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Id, Rating, keep_visible, merge_visible, search, text};
use crate::auth::Principal;

/// An entry of the threat catalogue: who or what could cause harm, the
/// design-basis adversary where there is one, and how likely it is at each
/// site. Threats belong to no site; a user sees the ratings of the sites
/// granted to them only.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThreatBody {
    /// The threat's id (`burglary`, `insider-theft`).
    pub id: Id,
    /// What the threat is; must not be blank.
    #[schema(min_length = 1, pattern = r"\S", example = "Burglary / break-in")]
    pub name: String,
    /// The family of threat; risk appetite can be set per category.
    pub category: ThreatCategory,
    /// Free text: the threat's history and indicators.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The design-basis adversary, for threats that have one (natural
    /// hazards and technical failures usually do not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adversary: Option<AdversaryProfile>,
    /// Threat rating per site, from the threat assessment; at most one per
    /// site. Ratings of sites not granted to the user are neither shown nor
    /// changed by the user's edits.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ratings: Vec<ThreatRating>,
}

/// The family of threat.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ThreatCategory {
    Criminal,
    Insider,
    Terrorism,
    NaturalHazard,
    TechnicalFailure,
    Cyber,
}

/// The design-basis adversary: who they are, what they can do and how
/// determined they are. Drives delay and detection in path analysis.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdversaryProfile {
    /// Outsider, insider, or outsiders helped by an insider.
    pub kind: AdversaryKind,
    /// Skills, tools and resources, 1..10.
    pub capability: Rating,
    /// Intent and determination, 1..10.
    pub motivation: Rating,
    /// How many people act together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_size: Option<u32>,
    /// How they operate (forced entry, tailgating, social engineering...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tactics: Vec<String>,
    /// What they bring (hand tools, power tools, vehicles, explosives...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<String>,
}

/// Where the adversary comes from.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AdversaryKind {
    Outsider,
    Insider,
    Collusion,
}

/// How likely the threat is at one site.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThreatRating {
    /// The site rated.
    pub site: Id,
    /// The FEMA 452 threat rating at that site, 1..10.
    pub rating: Rating,
    /// Why: incidents, intelligence, the neighbourhood.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rationale: Option<String>,
}

fn rating_site(r: &d::ThreatRating) -> &d::Id {
    &r.site
}

/// A threat as `principal` may see it: without other sites' ratings.
pub fn threat_scoped(mut t: d::Threat, principal: &Principal) -> d::Threat {
    keep_visible(&mut t.ratings, rating_site, principal);
    t
}

/// An edited threat with the ratings of sites `principal` may not see put
/// back from the stored one.
pub fn threat_merge_hidden(
    mut new: d::Threat,
    old: &d::Threat,
    principal: &Principal,
) -> d::Threat {
    merge_visible(&mut new.ratings, &old.ratings, rating_site, principal);
    new
}

mirrored!(Threats, d::Threat, ThreatBody, "threats", "threat",
    filters: &[
        text("category", "category", "Only threats of this category (`criminal`, `insider`...)."),
        search("q", "name", "Threats whose name contains this text (any case)."),
    ],
    sorts: &["name", "category"],
    hidden: threat_scoped, threat_merge_hidden);
