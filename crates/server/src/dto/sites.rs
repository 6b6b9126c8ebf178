//! Sites and the zones inside them.

use rampart_domain as d;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Id, search, text};

// ---------------------------------------------------------------- sites

/// A place the organisation protects: an office, a data centre, a warehouse.
/// Every site-scoped record belongs to one; users are granted sites.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteBody {
    /// The site's id, chosen once and never changed (`hq`, `dc-man-1`).
    pub id: Id,
    /// What people call the site; must not be blank.
    #[schema(min_length = 1, pattern = r"\S", example = "Leeds head office")]
    pub name: String,
    /// What kind of facility it is; decides which baselines apply. Default `office`.
    #[serde(default)]
    pub kind: SiteKind,
    /// Postal address, as the response force would need it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Where the site is, for maps and response times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coordinates: Option<Coordinates>,
    /// Facility security level I..V in the sense of the US Interagency
    /// Security Committee standard, written 1..5 (V the most critical).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 5)]
    pub facility_security_level: Option<u8>,
    /// When the site is normally open; access outside these hours is what
    /// after-hours detection looks for. Default `always` (staffed 24/7).
    #[serde(default)]
    pub operating_hours: OperatingHours,
    /// Free text: what the site is, what makes it special.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// The kind of facility.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema)]
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

/// WGS 84 latitude and longitude, decimal degrees.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Coordinates {
    /// Latitude, -90 (south pole) to 90 (north pole).
    #[schema(minimum = -90, maximum = 90)]
    pub lat: f64,
    /// Longitude, -180 to 180, east positive.
    #[schema(minimum = -180, maximum = 180)]
    pub lon: f64,
}

/// `"always"`, or `{"weekly": [{"days": ["mon"], "open": "08:00", "close": "18:00"}]}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OperatingHours {
    /// Staffed around the clock (a data centre, a guarded site).
    #[default]
    Always,
    /// Open during these periods, closed otherwise.
    Weekly(Vec<OpeningPeriod>),
}

/// A period the site is open, on some days of the week.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpeningPeriod {
    /// The days it applies to; at least one.
    #[schema(min_items = 1)]
    pub days: Vec<Weekday>,
    /// Opening time, local, `HH:MM` or `HH:MM:SS`.
    #[schema(
        example = "08:00",
        pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,9})?)?$"
    )]
    pub open: String,
    /// Closing time, local, `HH:MM` or `HH:MM:SS`; not the opening time.
    /// Earlier than the opening time for a period that runs past midnight.
    #[schema(
        example = "18:00",
        pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,9})?)?$"
    )]
    pub close: String,
}

/// A day of the week.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
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

mirrored!(Sites, d::Site, SiteBody, "sites", "site",
    filters: &[
        text("kind", "kind", "Only sites of this kind (`office`, `data_centre`...)."),
        search("q", "name", "Sites whose name contains this text (any case)."),
    ],
    sorts: &["name", "kind"]);

// ---------------------------------------------------------------- zones

/// A part of a site: a perimeter, a building, a floor, an area or a room.
/// Zones nest through `parent` (the layered "onion" of physical protection)
/// and carry the classification that decides who may enter and what
/// protection they need.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ZoneBody {
    /// The zone's id (`dc-hall-a`).
    pub id: Id,
    /// The site the zone is part of.
    pub site: Id,
    /// The zone this one is inside (a room's floor, a floor's building), on
    /// the same site; none for an outermost zone. Zones cannot form a cycle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<Id>,
    /// What people call the zone; must not be blank.
    #[schema(min_length = 1, pattern = r"\S", example = "Data hall A")]
    pub name: String,
    /// What the zone physically is. Default `area`.
    #[serde(default)]
    pub kind: ZoneKind,
    /// Security classification, from open to the public to the most
    /// protected rooms. Default `controlled`.
    #[serde(default)]
    pub classification: Classification,
    /// Free text: what the zone holds, how it is entered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// What a zone physically is.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema)]
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

/// Security classification of a zone, from least to most protected:
/// `public` (open to anyone), `controlled` (staff and escorted visitors),
/// `restricted` (those with a need), `high_security` (named people only).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    Public,
    #[default]
    Controlled,
    Restricted,
    HighSecurity,
}

mirrored!(Zones, d::Zone, ZoneBody, "zones", "zone",
    filters: &[
        text("parent", "parent", "Only the zones directly inside this zone."),
        text("kind", "kind", "Only zones of this kind (`building`, `room`...)."),
        text("classification", "classification", "Only zones of this classification (`restricted`...)."),
        search("q", "name", "Zones whose name contains this text (any case)."),
    ],
    sorts: &["name", "kind", "classification"]);
