//! The bodies against the domain and the document: round trips of the demo
//! organisation, schemas that exist and agree with what the domain
//! requires, filters on fields that exist, and the scoping hooks.

use rampart_domain::Entity as _;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::*;
use crate::auth::{Principal, Via};
use crate::resource::Resource;

pub(crate) fn demo() -> d::OrgDocument {
    let text = include_str!("../../../../examples/demo-organisation.yaml");
    rampart_orgfile::parse(
        "demo-organisation.yaml",
        text,
        rampart_orgfile::Format::Yaml,
    )
    .expect("the demo organisation parses")
}

fn id(s: &str) -> d::Id {
    d::Id::new(s).expect("a valid id")
}

/// Users are not in the demo organisation: a couple by hand, one with
/// every optional field.
fn users() -> Vec<d::User> {
    vec![
        d::User {
            id: id("admin"),
            display_name: "Site administrator".to_owned(),
            email: None,
            role: d::Role::Admin,
            all_sites: true,
            sites: Vec::new(),
            person: None,
            disabled: false,
        },
        d::User {
            id: id("a.okafor"),
            display_name: "Adaeze Okafor".to_owned(),
            email: Some("adaeze.okafor@northwind.example".to_owned()),
            role: d::Role::Assessor,
            all_sites: false,
            sites: vec![id("hq"), id("dc")],
            person: Some(id("p-okafor")),
            disabled: true,
        },
    ]
}

/// What the tests need to know of one resource, without its types.
struct Kind {
    path: &'static str,
    body: String,
    filters: &'static [Filter],
    sorts: &'static [&'static str],
    /// The demo records, as the domain writes them.
    records: Vec<Value>,
    /// Whether the domain accepts this JSON as an entity of the kind.
    accepts: fn(&Value) -> bool,
}

fn accepts<E: DeserializeOwned>(v: &Value) -> bool {
    serde_json::from_value::<E>(v.clone()).is_ok()
}

fn kind<R: Resource>(list: &[R::Entity]) -> Kind {
    Kind {
        path: R::PATH,
        body: R::Body::name().into_owned(),
        filters: R::FILTERS,
        sorts: R::SORTS,
        records: list
            .iter()
            .map(|e| serde_json::to_value(e).expect("an entity serialises"))
            .collect(),
        accepts: accepts::<R::Entity>,
    }
}

/// The demo devices, and one with the optional fields none of them has
/// (a name, a serial number).
fn devices(doc: &d::OrgDocument) -> Vec<d::Device> {
    let mut v = doc.devices.clone();
    let mut named = v.first().expect("demo devices").clone();
    named.id = id("hq-rdr-main");
    named.kind = d::DeviceKind::CardReader;
    named.name = Some("Main entrance reader".to_owned());
    named.serial = Some("SN-0042".to_owned());
    v.push(named);
    v
}

fn kinds() -> Vec<Kind> {
    let doc = demo();
    vec![
        kind::<Sites>(&doc.sites),
        kind::<Zones>(&doc.zones),
        kind::<Assets>(&doc.assets),
        kind::<Threats>(&doc.threats),
        kind::<Risks>(&doc.risks),
        kind::<Controls>(&doc.controls),
        kind::<AppliedControls>(&doc.applied_controls),
        kind::<Devices>(&devices(&doc)),
        kind::<People>(&doc.people),
        kind::<Users>(&users()),
        kind::<FacilityModels>(&doc.facility_models),
        kind::<FloorPlans>(&doc.floor_plans),
    ]
}

/// Every entity of the demo organisation survives domain -> body ->
/// domain unchanged, and the body's JSON is the entity's JSON: the API
/// bodies still mirror the domain.
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
            assert_eq!(
                serde_json::to_value(&body).expect("a body serialises"),
                serde_json::to_value(e).expect("an entity serialises"),
                "{} {}: the body's JSON differs from the entity's",
                R::PATH,
                e.id()
            );
            let back = R::from_body(body).expect("the body converts back");
            assert_eq!(&back, e, "{} round trip", R::PATH);
        }
    }
    check::<Sites>(&doc.sites);
    check::<Zones>(&doc.zones);
    check::<Assets>(&doc.assets);
    check::<Threats>(&doc.threats);
    check::<Risks>(&doc.risks);
    check::<Controls>(&doc.controls);
    check::<AppliedControls>(&doc.applied_controls);
    check::<Devices>(&devices(&doc));
    check::<People>(&doc.people);
    check::<Users>(&users());
    check::<FacilityModels>(&doc.facility_models);
    check::<FloorPlans>(&doc.floor_plans);
    check::<Frameworks>(&doc.frameworks);
    check::<Audits>(&doc.audits);
    check::<Inspections>(&doc.inspections);
    check::<AcceptancePlans>(&doc.acceptance_plans);

    // Every assessment method is exercised.
    let methods: std::collections::BTreeSet<_> = doc
        .risks
        .iter()
        .map(|r| r.assessment.method_name())
        .collect();
    assert_eq!(
        methods.into_iter().collect::<Vec<_>>(),
        ["fair", "fema452", "matrix", "nist80030"]
    );
}

/// A value the domain refuses is refused when the body converts, with the
/// domain's message.
#[test]
fn the_domain_checks_what_the_body_carries() {
    let doc = demo();
    let mut body = Assets::to_body(&doc.assets[0]);
    body.value = Rating(11);
    let err = Assets::from_body(body).expect_err("a rating of 11");
    assert!(err[0].message.contains("from 1 to 10, got 11"), "{err:?}");

    let mut body = AppliedControls::to_body(&doc.applied_controls[0]);
    body.due = Some(Date("2027-02-30".to_owned()));
    assert!(AppliedControls::from_body(body).is_err(), "30 February");

    let mut body = Zones::to_body(&doc.zones[0]);
    body.site = Id("../etc".to_owned());
    assert!(Zones::from_body(body).is_err(), "an id that cannot be");
}

fn resolve<'a>(doc: &'a Value, s: &'a Value) -> &'a Value {
    match s.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("a $ref outside the components: {r}"));
            let target = &doc["components"]["schemas"][name];
            assert!(!target.is_null(), "$ref {r} does not resolve");
            resolve(doc, target)
        }
        None => s,
    }
}

/// Every body has a component schema, and every `$ref` of the document
/// points at a component that exists.
#[test]
fn the_openapi_document_has_every_body_and_no_dangling_ref() {
    let (doc, _) = crate::api();
    let schemas = doc["components"]["schemas"]
        .as_object()
        .expect("components.schemas");
    for k in kinds() {
        for name in [
            k.body.clone(),
            format!("{}Record", k.body),
            format!("{}Page", k.body),
        ] {
            assert!(
                schemas.contains_key(&name),
                "no component {name} for {}",
                k.path
            );
        }
        assert!(
            doc["paths"][format!("/api/v1/{}", k.path)]["get"].is_object(),
            "no list route for {}",
            k.path
        );
        assert!(
            doc["paths"][format!("/api/v1/{}/{{id}}", k.path)]["put"].is_object(),
            "no update route for {}",
            k.path
        );
    }
    for shared in ["Id", "Rating", "Date", "Assessment"] {
        assert!(schemas.contains_key(shared), "no component {shared}");
    }

    fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    match (k.as_str(), v) {
                        ("$ref", Value::String(r)) => out.push(r),
                        _ => refs(v, out),
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(all.len() > 50, "only {} refs", all.len());
    for r in all {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("a $ref outside the components: {r}"));
        assert!(schemas.contains_key(name), "$ref {r} does not resolve");
    }
}

/// The schema a value is described by, through `$ref`s and the branches
/// of `oneOf` / `anyOf` (an `Option`'s null, an enum's variants).
fn schema_for<'a>(doc: &'a Value, s: &'a Value, v: &Value) -> Option<&'a Value> {
    let s = resolve(doc, s);
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(branches) = s.get(key).and_then(Value::as_array) {
            return branches
                .iter()
                .filter_map(|b| schema_for(doc, b, v))
                .find(|b| fits(b, v));
        }
    }
    fits(s, v).then_some(s)
}

/// Whether `v` plausibly is an instance of the (resolved, branch-free) `s`:
/// enough to tell an enum's variants apart.
fn fits(s: &Value, v: &Value) -> bool {
    if let Some(e) = s.get("enum").and_then(Value::as_array) {
        return e.contains(v);
    }
    let ty = |t: &str| match &s["type"] {
        Value::String(x) => x == t,
        Value::Array(a) => a.iter().any(|x| x == t),
        _ => true,
    };
    match v {
        Value::Null => ty("null"),
        Value::Object(o) => {
            if !ty("object") {
                return false;
            }
            let Some(props) = s.get("properties").and_then(Value::as_object) else {
                return true;
            };
            o.iter().all(|(k, x)| {
                props.get(k).is_some_and(|p| {
                    p.get("enum")
                        .and_then(Value::as_array)
                        .is_none_or(|e| e.contains(x))
                })
            })
        }
        Value::Array(_) => ty("array"),
        Value::String(_) => ty("string"),
        Value::Bool(_) => ty("boolean"),
        Value::Number(n) => ty("number") || (ty("integer") && (n.is_i64() || n.is_u64())),
    }
}

/// For every field of every demo record, at any depth: the schema says it
/// is required exactly when the domain refuses the record without it. A
/// schema-driven client then never leaves out what the domain needs, nor
/// is told to send what it could leave out.
#[test]
fn the_schemas_require_what_the_domain_requires() {
    let (doc, _) = crate::api();
    fn walk(
        doc: &Value,
        k: &Kind,
        record: &Value,
        pointer: &str,
        schema: &Value,
        value: &Value,
        checked: &mut usize,
    ) {
        let Some(s) = schema_for(doc, schema, value) else {
            panic!("{} {pointer}: {value} fits no branch of its schema", k.path);
        };
        match value {
            Value::Object(o) => {
                let Some(props) = s.get("properties").and_then(Value::as_object) else {
                    return; // free JSON (an engine's model)
                };
                let required: Vec<&str> = s
                    .get("required")
                    .and_then(Value::as_array)
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                for (key, x) in o {
                    let mut without = record.clone();
                    without
                        .pointer_mut(pointer)
                        .and_then(Value::as_object_mut)
                        .map(|m| m.remove(key));
                    let domain_requires = !(k.accepts)(&without);
                    let schema_requires = required.contains(&key.as_str());
                    assert_eq!(
                        schema_requires,
                        domain_requires,
                        "{} {pointer}/{key}: the schema {} it, the domain {}",
                        k.path,
                        if schema_requires {
                            "requires"
                        } else {
                            "does not require"
                        },
                        if domain_requires { "does" } else { "does not" },
                    );
                    *checked += 1;
                    let p = props
                        .get(key)
                        .unwrap_or_else(|| panic!("{} {pointer}: no property {key}", k.path));
                    walk(doc, k, record, &format!("{pointer}/{key}"), p, x, checked);
                }
            }
            Value::Array(a) => {
                if let Some(items) = s.get("items") {
                    for (i, x) in a.iter().enumerate() {
                        walk(doc, k, record, &format!("{pointer}/{i}"), items, x, checked);
                    }
                }
            }
            _ => {}
        }
    }
    let mut checked = 0;
    for k in kinds() {
        let body = json!({ "$ref": format!("#/components/schemas/{}", k.body) });
        for r in &k.records {
            assert!(
                (k.accepts)(r),
                "{}: the domain reads back its own JSON",
                k.path
            );
            walk(&doc, &k, r, "", &body, r, &mut checked);
        }
    }
    assert!(checked > 1000, "only {checked} fields checked");
}

fn field<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, name| v.get(name))
}

/// Filter and sort fields are valid field paths; each filter's field is in
/// at least one demo record, and each sort key is a property of the body.
#[test]
fn filters_and_sorts_name_fields_that_exist() {
    let (doc, _) = crate::api();
    for k in kinds() {
        let mut params = std::collections::BTreeSet::new();
        for f in k.filters {
            rampart_store::FieldPath::new(f.field)
                .unwrap_or_else(|e| panic!("{} filter {}: {e}", k.path, f.param));
            assert!(
                k.records.iter().any(|r| field(r, f.field).is_some()),
                "{} filter {}: no demo record has the field {}",
                k.path,
                f.param,
                f.field
            );
            let top = f.field.split('.').next().unwrap_or_default();
            assert!(
                doc["components"]["schemas"][&k.body]["properties"][top].is_object(),
                "{} filter {}: {top} is not a property of {}",
                k.path,
                f.param,
                k.body
            );
            assert!(
                params.insert(f.param),
                "{}: two filters {}",
                k.path,
                f.param
            );
            assert!(
                !["limit", "offset", "sort", "site", "version"].contains(&f.param),
                "{} filter {} clashes with a built-in parameter",
                k.path,
                f.param
            );
            assert!(
                !f.doc.is_empty(),
                "{} filter {} has no doc",
                k.path,
                f.param
            );
        }
        let body = &doc["components"]["schemas"][&k.body];
        for s in k.sorts {
            rampart_store::FieldPath::new(s).unwrap_or_else(|e| panic!("{} sort {s}: {e}", k.path));
            assert!(
                body["properties"][s].is_object(),
                "{} sort {s}: not a property of {}",
                k.path,
                k.body
            );
        }
    }
}

/// Every property of every body schema has a description (they are the
/// API's documentation).
#[test]
fn every_body_field_is_documented() {
    let (doc, _) = crate::api();
    let schemas = &doc["components"]["schemas"];
    for k in kinds() {
        let props = schemas[&k.body]["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("{} has no properties", k.body));
        for (name, p) in props {
            let described = p
                .get("description")
                .and_then(Value::as_str)
                .is_some_and(|d| !d.is_empty())
                || p.get("oneOf")
                    .and_then(Value::as_array)
                    .is_some_and(|b| b.iter().any(|b| b.get("description").is_some()));
            assert!(described, "{}.{name} has no description: {p}", k.body);
        }
    }
}

fn principal(all_sites: bool, sites: &[&str]) -> Principal {
    Principal {
        org: id("northwind"),
        user: d::User {
            id: id("scoped"),
            display_name: "Scoped assessor".to_owned(),
            email: None,
            role: d::Role::Assessor,
            all_sites,
            sites: sites.iter().map(|s| id(s)).collect(),
            person: None,
            disabled: false,
        },
        via: Via::ApiToken {
            id: "t1".to_owned(),
        },
    }
}

fn rating_sites(t: &d::Threat) -> Vec<(String, u8)> {
    let mut v: Vec<_> = t
        .ratings
        .iter()
        .map(|r| (r.site.to_string(), r.rating.get()))
        .collect();
    v.sort();
    v
}

/// A user scoped to one site sees only that site's threat ratings, and an
/// edit of theirs changes that rating and keeps the others as stored,
/// even when it names a site they may not see.
#[test]
fn threat_ratings_of_other_sites_are_hidden_and_kept() {
    let doc = demo();
    let old = doc
        .threats
        .iter()
        .find(|t| t.id.as_str() == "burglary")
        .expect("the demo's burglary threat")
        .clone();
    assert_eq!(
        rating_sites(&old),
        [("dc".into(), 3), ("hq".into(), 4), ("whs".into(), 7)]
    );
    let hq = principal(false, &["hq"]);

    let seen = Threats::scoped(old.clone(), &hq);
    assert_eq!(rating_sites(&seen), [("hq".into(), 4)]);

    // The user edits what they see: a new name and a new hq rating.
    let mut body = serde_json::to_value(Threats::to_body(&seen)).expect("json");
    body["name"] = json!("Burglary and break-in");
    body["ratings"][0]["rating"] = json!(9);
    let new = Threats::from_body(serde_json::from_value(body).expect("a body")).expect("valid");
    let merged = Threats::merge_hidden(new, &old, &hq);
    assert_eq!(merged.name, "Burglary and break-in");
    assert_eq!(
        rating_sites(&merged),
        [("dc".into(), 3), ("hq".into(), 9), ("whs".into(), 7)]
    );
    assert!(merged.check().is_empty(), "no site rated twice");

    // Removing the hq rating removes it only.
    let mut new = seen.clone();
    new.ratings.clear();
    assert_eq!(
        rating_sites(&Threats::merge_hidden(new, &old, &hq)),
        [("dc".into(), 3), ("whs".into(), 7)]
    );

    // A rating sent for a hidden site does not overwrite the stored one.
    let mut new = seen.clone();
    new.ratings.push(d::ThreatRating {
        site: id("dc"),
        rating: d::Rating::new(10).expect("10"),
        rationale: None,
    });
    assert_eq!(
        rating_sites(&Threats::merge_hidden(new, &old, &hq)),
        [("dc".into(), 3), ("hq".into(), 4), ("whs".into(), 7)]
    );

    // A user of every site sees and edits everything as it is.
    let all = principal(true, &[]);
    assert_eq!(Threats::scoped(old.clone(), &all), old);
    let mut new = old.clone();
    new.ratings.retain(|r| r.site.as_str() != "dc");
    assert_eq!(Threats::merge_hidden(new.clone(), &old, &all), new);
}

/// The same for a person's sites.
#[test]
fn a_persons_other_sites_are_hidden_and_kept() {
    let doc = demo();
    let old = doc
        .people
        .iter()
        .find(|p| p.id.as_str() == "p-okafor")
        .expect("the demo's head of security")
        .clone();
    let sites = |p: &d::Person| p.sites.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(sites(&old), ["hq", "dc", "whs"]);
    let dc = principal(false, &["dc"]);

    let seen = People::scoped(old.clone(), &dc);
    assert_eq!(sites(&seen), ["dc"]);
    assert_eq!(People::to_body(&seen).sites, [Id("dc".to_owned())]);

    // Taking the person off dc keeps hq and whs.
    let mut new = seen.clone();
    new.sites.clear();
    new.status = d::PersonStatus::Suspended;
    let merged = People::merge_hidden(new, &old, &dc);
    assert_eq!(sites(&merged), ["hq", "whs"]);
    assert_eq!(merged.status, d::PersonStatus::Suspended);

    // Naming a hidden site neither duplicates nor drops it.
    let mut new = seen.clone();
    new.sites.push(id("whs"));
    assert_eq!(
        sites(&People::merge_hidden(new, &old, &dc)),
        ["dc", "hq", "whs"]
    );

    // A person at no visible site is listed with no sites.
    let novak = doc
        .people
        .iter()
        .find(|p| p.id.as_str() == "p-novak")
        .expect("p-novak")
        .clone();
    assert!(People::scoped(novak.clone(), &dc).sites.is_empty());

    let all = principal(true, &[]);
    assert_eq!(People::scoped(old.clone(), &all), old);
    assert_eq!(People::merge_hidden(seen.clone(), &old, &all), seen);
}

/// Kinds without data of other sites hide nothing.
#[test]
fn other_kinds_hide_nothing() {
    let doc = demo();
    let hq = principal(false, &["hq"]);
    let r = doc.risks[0].clone();
    assert_eq!(Risks::scoped(r.clone(), &hq), r);
    let u = users()[1].clone();
    assert_eq!(Users::merge_hidden(u.clone(), &users()[0], &hq), u);
}

/// What the `Date` schema and the opening-time pattern let a client send,
/// the domain reads, at the edges of their ranges.
#[test]
fn the_date_and_time_formats_are_the_domains() {
    for date in ["0001-01-01", "2024-02-29", "2027-03-31", "9999-12-31"] {
        assert!(
            serde_json::from_value::<jiff::civil::Date>(json!(date)).is_ok(),
            "{date}"
        );
    }
    for time in [
        "00:00",
        "07:00",
        "23:59",
        "23:59:59",
        "12:30:00.5",
        "23:59:59.999999999",
    ] {
        assert!(
            serde_json::from_value::<jiff::civil::Time>(json!(time)).is_ok(),
            "{time}"
        );
    }
    let (doc, _) = crate::api();
    let pattern = doc["components"]["schemas"]["OpeningPeriod"]["properties"]["open"]["pattern"]
        .as_str()
        .expect("a pattern");
    assert!(
        pattern.starts_with('^') && pattern.ends_with('$'),
        "{pattern}"
    );
}
