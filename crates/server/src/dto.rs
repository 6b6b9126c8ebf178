//! The API's bodies: the JSON the REST API reads and writes, with their
//! OpenAPI schemas. These are not the domain types: the domain knows
//! nothing of HTTP or OpenAPI, and a change to it must not silently change
//! the wire contract. Each body mirrors its entity's JSON shape, so the
//! conversion goes through JSON (`resource::via_json`), and the test
//! `the_demo_organisation_round_trips_through_the_api_bodies` catches drift.

use rampart_domain as d;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::problem::FieldError;
use crate::resource::{Filter, FilterKind, Resource, via_json};

/// Implements [`Resource`] for a body that mirrors its entity's JSON.
macro_rules! mirrored {
    ($res:ident, $entity:ty, $body:ty, $path:literal, $noun:literal, filters: $filters:expr, sorts: $sorts:expr) => {
        #[derive(Debug)]
        pub struct $res;
        impl Resource for $res {
            type Entity = $entity;
            type Body = $body;
            const PATH: &'static str = $path;
            const NOUN: &'static str = $noun;
            const FILTERS: &'static [Filter] = $filters;
            const SORTS: &'static [&'static str] = $sorts;
            fn to_body(e: &$entity) -> $body {
                // Both sides are plain data with the same shape; a failure
                // here is a drift the round-trip test catches.
                via_json(e).unwrap_or_else(|_| unreachable_body())
            }
            fn from_body(b: $body) -> Result<$entity, Vec<FieldError>> {
                via_json(&b)
            }
        }
    };
}

#[track_caller]
fn unreachable_body<T>() -> T {
    panic!("an API body no longer mirrors its domain entity; see dto.rs")
}

const fn text(param: &'static str, field: &'static str, doc: &'static str) -> Filter {
    Filter {
        param,
        field,
        kind: FilterKind::Text,
        doc,
    }
}

const fn search(param: &'static str, field: &'static str, doc: &'static str) -> Filter {
    Filter {
        param,
        field,
        kind: FilterKind::Search,
        doc,
    }
}

// ---------------------------------------------------------------- sites

/// A place the organisation protects.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteBody {
    /// 1 to 64 letters, digits, `-`, `_` or `.`, starting with a letter or digit.
    #[schema(pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", example = "hq")]
    pub id: String,
    #[schema(min_length = 1, example = "Leeds head office")]
    pub name: String,
    #[serde(default)]
    pub kind: SiteKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coordinates: Option<Coordinates>,
    /// ISC facility security level I..V, written 1..5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 5)]
    pub facility_security_level: Option<u8>,
    #[serde(default)]
    pub operating_hours: OperatingHours,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

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

/// WGS 84, decimal degrees.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Coordinates {
    #[schema(minimum = -90, maximum = 90)]
    pub lat: f64,
    #[schema(minimum = -180, maximum = 180)]
    pub lon: f64,
}

/// `"always"`, or `{"weekly": [{"days": ["mon"], "open": "08:00", "close": "18:00"}]}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OperatingHours {
    #[default]
    Always,
    Weekly(Vec<OpeningPeriod>),
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpeningPeriod {
    pub days: Vec<Weekday>,
    /// Local time, `HH:MM` or `HH:MM:SS`.
    #[schema(example = "08:00")]
    pub open: String,
    #[schema(example = "18:00")]
    pub close: String,
}

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
        text("kind", "kind", "Only sites of this kind."),
        search("q", "name", "Sites whose name contains this text."),
    ],
    sorts: &["name", "kind"]);

/// Register every resource with the API.
pub fn register(api: &mut crate::openapi::Api) {
    api.resource::<Sites>("sites");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every entity of the demo organisation survives domain -> body ->
    /// domain unchanged: the API bodies still mirror the domain.
    #[test]
    fn the_demo_organisation_round_trips_through_the_api_bodies() {
        let doc = demo();
        fn check<R: Resource>(list: &[R::Entity])
        where
            R::Entity: PartialEq,
        {
            assert!(!list.is_empty(), "{} has no demo records", R::PATH);
            for e in list {
                let body = R::to_body(e);
                let back = R::from_body(body).expect("the body converts back");
                assert_eq!(&back, e, "{} round trip", R::PATH);
            }
        }
        check::<Sites>(&doc.sites);
    }

    pub(crate) fn demo() -> d::OrgDocument {
        let text = include_str!("../../../examples/demo-organisation.yaml");
        rampart_orgfile::parse("demo-organisation.yaml", text, rampart_orgfile::Format::Yaml)
            .expect("the demo organisation parses")
    }
}
