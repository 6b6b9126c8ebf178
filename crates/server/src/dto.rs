//! The API's bodies: the JSON the REST API reads and writes, with their
//! OpenAPI schemas. These are not the domain types: the domain knows
//! nothing of HTTP or OpenAPI, and a change to it must not silently change
//! the wire contract. Each body mirrors its entity's JSON shape, so the
//! conversion goes through JSON (`resource::via_json`), and the test
//! `the_demo_organisation_round_trips_through_the_api_bodies` catches drift.
//!
//! The schemas say what the domain accepts, as closely as JSON Schema can:
//! a field the domain requires is `required`, an optional one has
//! `#[serde(default)]`; names must not be blank, ratings are 1..10, money is
//! never negative, fractions are 0..1. A schema-driven client (or fuzzer)
//! that sends valid data is therefore refused only for what a schema cannot
//! say: references to records that do not exist, duplicates, and the
//! engine's checks of the models it owns.
//!
//! One module per area of the model; each has its bodies and the
//! [`Resource`] impls that expose them.

use std::borrow::Cow;

use rampart_domain as d;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::{PartialSchema, ToSchema};

use crate::auth::Principal;
use crate::resource::{Filter, FilterKind};

/// Implements [`Resource`] for a body that mirrors its entity's JSON.
///
/// The optional `hidden: scoped_fn, merge_fn` tail names the
/// [`Resource::scoped`] and [`Resource::merge_hidden`] hooks of an entity
/// that holds data of several sites (a threat's ratings, a person's sites).
macro_rules! mirrored {
    ($res:ident, $entity:ty, $body:ty, $path:literal, $noun:literal,
     filters: $filters:expr, sorts: $sorts:expr) => {
        mirrored!(@impl $res, $entity, $body, $path, $noun, $filters, $sorts, {});
    };
    ($res:ident, $entity:ty, $body:ty, $path:literal, $noun:literal,
     filters: $filters:expr, sorts: $sorts:expr, hidden: $scoped:path, $merge:path) => {
        mirrored!(@impl $res, $entity, $body, $path, $noun, $filters, $sorts, {
            const HIDES: bool = true;
            fn scoped(e: $entity, p: &$crate::auth::Principal) -> $entity {
                $scoped(e, p)
            }
            fn merge_hidden(
                new: $entity,
                old: &$entity,
                p: &$crate::auth::Principal,
            ) -> $entity {
                $merge(new, old, p)
            }
        });
    };
    (@impl $res:ident, $entity:ty, $body:ty, $path:literal, $noun:literal,
     $filters:expr, $sorts:expr, { $($hooks:tt)* }) => {
        #[doc = concat!("The `/api/v1/", $path, "` resource.")]
        #[derive(Debug)]
        pub struct $res;
        impl $crate::resource::Resource for $res {
            type Entity = $entity;
            type Body = $body;
            const PATH: &'static str = $path;
            const NOUN: &'static str = $noun;
            const FILTERS: &'static [$crate::resource::Filter] = $filters;
            const SORTS: &'static [&'static str] = $sorts;
            fn to_body(e: &$entity) -> $body {
                // Both sides are plain data with the same shape; a failure
                // here is a drift the round-trip test catches.
                $crate::resource::via_json(e).unwrap_or_else(|_| $crate::dto::unreachable_body())
            }
            fn from_body(
                b: $body,
            ) -> Result<$entity, Vec<$crate::problem::FieldError>> {
                $crate::resource::via_json(&b)
            }
            $($hooks)*
        }
    };
}

mod assets;
mod compliance;
mod controls;
mod devices;
mod models;
mod monitoring;
mod people;
mod risks;
mod sites;
mod threats;

pub use assets::*;
pub use compliance::*;
pub use controls::*;
pub use devices::*;
pub use models::*;
pub use monitoring::*;
pub use people::*;
pub use risks::*;
pub use sites::*;
pub use threats::*;

#[track_caller]
#[doc(hidden)]
pub fn unreachable_body<T>() -> T {
    panic!("an API body no longer mirrors its domain entity; see dto.rs")
}

// ------------------------------------------------------------ filters

const fn filter(
    kind: FilterKind,
    param: &'static str,
    field: &'static str,
    doc: &'static str,
) -> Filter {
    Filter {
        param,
        field,
        kind,
        doc,
    }
}

/// Equal text: an id or an enum value.
const fn text(param: &'static str, field: &'static str, doc: &'static str) -> Filter {
    filter(FilterKind::Text, param, field, doc)
}

/// Case-insensitive substring.
const fn search(param: &'static str, field: &'static str, doc: &'static str) -> Filter {
    filter(FilterKind::Search, param, field, doc)
}

/// A list field that holds the value.
const fn holds(param: &'static str, field: &'static str, doc: &'static str) -> Filter {
    filter(FilterKind::ListHolds, param, field, doc)
}

/// A number at least the value.
const fn at_least(param: &'static str, field: &'static str, doc: &'static str) -> Filter {
    filter(FilterKind::NumberAtLeast, param, field, doc)
}

/// true / false.
const fn boolean(param: &'static str, field: &'static str, doc: &'static str) -> Filter {
    filter(FilterKind::Bool, param, field, doc)
}

// ------------------------------------------------- shared value types

/// The pattern of an [`Id`], as the domain checks it.
pub const ID_PATTERN: &str = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$";

/// A record's id, or a reference to another record by its id. The domain
/// checks it when the body is converted (`rampart_domain::Id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Id(pub String);

impl PartialSchema for Id {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(ID_PATTERN))
            .min_length(Some(1))
            .max_length(Some(d::Id::MAX_LEN))
            .description(Some(
                "A record id: 1 to 64 ASCII letters, digits, `-`, `_` or `.`, starting with a \
                 letter or digit. Chosen by people (`hq`, `dc-1.hall-a`) and unique among the \
                 records of its kind.",
            ))
            .examples([json!("hq")])
            .into()
    }
}

impl ToSchema for Id {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Id")
    }
}

/// A rating on the 1..10 scale of FEMA 426/452 (asset value, threat,
/// vulnerability) and of criticality. Carried as any integer so that an
/// 11 is refused with the domain's message, not a type error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Rating(pub i64);

impl PartialSchema for Rating {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(1))
            .maximum(Some(10))
            .description(Some(
                "A rating from 1 (lowest) to 10 (highest), as in FEMA 426/452: asset value, \
                 threat and vulnerability ratings, criticality.",
            ))
            .examples([json!(7)])
            .into()
    }
}

impl ToSchema for Rating {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Rating")
    }
}

/// A calendar date, `YYYY-MM-DD` (ISO 8601), checked by the domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Date(pub String);

impl PartialSchema for Date {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
            .pattern(Some(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))
            .description(Some("A calendar date, `YYYY-MM-DD`."))
            .examples([json!("2027-03-31")])
            .into()
    }
}

impl ToSchema for Date {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Date")
    }
}

// ------------------------------------------------- scope helpers

/// Drop the entries of sites the principal may not see.
fn keep_visible<T>(list: &mut Vec<T>, site: impl Fn(&T) -> &d::Id, principal: &Principal) {
    list.retain(|x| principal.may_see_site(site(x)));
}

/// The entries the principal may change (those of sites they see, as sent)
/// followed by the old entries of sites they may not see, unchanged. An
/// entry sent for a hidden site is dropped: a scoped user cannot write
/// another site's data, even by guessing its id.
fn merge_visible<T: Clone>(
    new: &mut Vec<T>,
    old: &[T],
    site: impl Fn(&T) -> &d::Id,
    principal: &Principal,
) {
    new.retain(|x| principal.may_see_site(site(x)));
    new.extend(
        old.iter()
            .filter(|x| !principal.may_see_site(site(x)))
            .cloned(),
    );
}

/// Register every resource with the API.
pub fn register(api: &mut crate::openapi::Api) {
    api.resource::<Sites>("sites");
    api.resource::<Zones>("zones");
    api.resource::<Assets>("assets");
    api.resource::<Threats>("threats");
    api.resource::<Risks>("risks");
    api.resource::<Controls>("controls");
    api.resource::<AppliedControls>("applied-controls");
    api.resource::<Devices>("devices");
    api.resource::<People>("people");
    api.resource::<Users>("users");
    api.resource::<FacilityModels>("facility-models");
    api.resource::<FloorPlans>("floor-plans");
    api.resource::<Frameworks>("frameworks");
    api.resource::<Audits>("audits");
    api.resource::<Inspections>("inspections");
    api.resource::<AcceptancePlans>("acceptance-plans");
}

#[cfg(test)]
mod tests;
