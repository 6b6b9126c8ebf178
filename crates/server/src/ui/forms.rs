//! The create and edit forms: sites, assets, risks and devices.
//!
//! A form is a list of fieldsets built from the submitted (or stored)
//! values, so that on an error the page shows exactly what the user typed,
//! with each message beside its field and a summary at the top. Writes go
//! through `resource::create_entity` / `update_entity`: the same rules as
//! the API, including the version check that catches a concurrent edit.

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jiff::civil::Date;
use rampart_domain::{
    Assessment, Asset, Control, Device, Entity, EntityKind, FemaInputs, Id, Inspection,
    MatrixInputs, NistInputs, Organisation, Person, Rating, RiskScenario, Site, Threat, Zone,
};
use serde::de::DeserializeOwned;

use super::pages::{FilterOption, load, load_one, organisation};
use super::{
    FormData, Layout, PageError, PageResult, PageUser, capitalise, check_csrf, code, html,
};
use crate::access::{self, Action};
use crate::auth::Principal;
use crate::problem::Problem;
use crate::resource;
use crate::state::AppState;

pub const DEVICE_KINDS: &[&str] = &[
    "camera",
    "card_reader",
    "lock",
    "door_contact",
    "motion_sensor",
    "glass_break",
    "alarm_panel",
    "nvr",
    "vms",
    "intercom",
    "turnstile",
    "barrier",
    "duress_button",
    "fence_sensor",
];
const DEVICE_STATUSES: &[&str] = &[
    "planned",
    "operational",
    "degraded",
    "out_of_service",
    "decommissioned",
];
const SITE_KINDS: &[&str] = &[
    "office",
    "data_centre",
    "warehouse",
    "retail",
    "manufacturing",
    "laboratory",
    "campus",
    "other",
];
const ASSET_KINDS: &[&str] = &["people", "physical", "information", "system", "facility"];
const TREATMENTS: &[&str] = &["undecided", "mitigate", "accept", "transfer", "avoid"];
const NIST_LEVELS: &[&str] = &["very_low", "low", "moderate", "high", "very_high"];
const STAGES: [&str; 3] = ["inherent", "current", "residual"];

pub fn routes(r: Router<AppState>) -> Router<AppState> {
    r.route("/sites/new", get(new_form::<Site>))
        .route("/sites/{id}/edit", get(edit_form::<Site>))
        .route("/asset-register/new", get(new_form::<Asset>))
        .route("/asset-register/{id}/edit", get(edit_form::<Asset>))
        .route("/risks/new", get(new_form::<RiskScenario>))
        .route("/risks/{id}/edit", get(edit_form::<RiskScenario>))
        .route("/devices/new", get(new_form::<Device>))
        .route("/zones/new", get(new_form::<Zone>))
        .route("/zones/{id}/edit", get(edit_form::<Zone>))
        .route("/threats/new", get(new_form::<Threat>))
        .route("/threats/{id}/edit", get(edit_form::<Threat>))
        .route("/controls/new", get(new_form::<Control>))
        .route("/controls/{id}/edit", get(edit_form::<Control>))
        .route("/people/new", get(new_form::<Person>))
        .route("/people/{id}/edit", get(edit_form::<Person>))
        .route("/zones", get(zones_page).post(create::<Zone>))
        .route("/zones/{id}", get(zone_page).post(update::<Zone>))
        .route("/threats", post(create::<Threat>))
        .route("/threats/{id}", post(update::<Threat>))
        .route("/controls", post(create::<Control>))
        .route("/controls/{id}", post(update::<Control>))
        .route("/people", post(create::<Person>))
        .route("/people/{id}", post(update::<Person>))
        .route("/sites/{id}/delete", post(delete::<Site>))
        .route("/asset-register/{id}/delete", post(delete::<Asset>))
        .route("/threats/{id}/delete", post(delete::<Threat>))
        .route("/risks/{id}/delete", post(delete::<RiskScenario>))
        .route("/controls/{id}/delete", post(delete::<Control>))
        .route("/devices/{id}/delete", post(delete::<Device>))
        .route("/people/{id}/delete", post(delete::<Person>))
        .route("/zones/{id}/delete", post(delete::<Zone>))
        .route("/devices/{id}/edit", get(edit_form::<Device>))
        .route("/inspections/new", get(new_form::<Inspection>))
        .route("/inspections/{id}/edit", get(edit_form::<Inspection>))
        .route("/inspections", post(create::<Inspection>))
        .route(
            "/inspections/{id}",
            get(inspection_page).post(update::<Inspection>),
        )
        .route("/inspections/{id}/delete", post(delete::<Inspection>))
        // The same paths as the GET pages of `pages`: their methods merge.
        .route("/sites", post(create::<Site>))
        .route("/sites/{id}", post(update::<Site>))
        .route("/asset-register", post(create::<Asset>))
        .route("/asset-register/{id}", post(update::<Asset>))
        .route("/risks", post(create::<RiskScenario>))
        .route("/risks/{id}", post(update::<RiskScenario>))
        .route("/devices", post(create::<Device>))
        .route("/devices/{id}", post(update::<Device>))
}

/// Delete a record from its page: the role may delete the kind, the record
/// is on a site the user sees, the form carries the CSRF token and the
/// version it was shown at (a changed or still referenced record is refused
/// with the reason, and nothing is deleted).
async fn delete<E: FormKind>(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> PageResult {
    let values = FormData(form);
    check_csrf(&p, &values, &headers).map_err(|e| in_frame(&p, e))?;
    resource::require(&p, E::KIND, Action::Delete).map_err(|e| in_frame(&p, e))?;
    let stored = load_one::<E>(&state, &p, &id).await?;
    let Some(version) = values
        .get("version")
        .parse::<i64>()
        .ok()
        .filter(|v| *v >= 1)
    else {
        return Err(in_frame(
            &p,
            Problem::bad_request(
                "the form did not say which version it deletes; open the page again",
            ),
        ));
    };
    let rule = rampart_store::Invariant {
        kind: EntityKind::User,
        holds: &crate::users::last_admin_rule,
    };
    state
        .store()
        .delete_record(
            &p.actor(),
            &p.org,
            E::KIND,
            stored.value.id(),
            version,
            (E::KIND == EntityKind::User).then_some(&rule),
        )
        .await
        .map_err(|e| in_frame(&p, e.into()))?;
    Ok(Redirect::to(E::BASE).into_response())
}

/// Zones have no page of their own: they are listed on their site's page.
/// An inspection is shown as its row of the Inspections page.
async fn inspection_page() -> Redirect {
    Redirect::to("/inspections")
}

async fn zones_page() -> Redirect {
    Redirect::to("/sites")
}

async fn zone_page(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(id): Path<String>,
) -> PageResult {
    let z = load_one::<Zone>(&state, &p, &id).await?;
    Ok(Redirect::to(&format!("/sites/{}", z.value.site)).into_response())
}

// ------------------------------------------------------------ form model

pub struct FormField {
    pub name: String,
    pub id: String,
    pub label: String,
    /// text, number, select, textarea, date or readonly
    pub kind: &'static str,
    pub value: String,
    pub options: Vec<FilterOption>,
    pub error: Option<String>,
    pub required: bool,
    pub hint: String,
    pub min: String,
    pub max: String,
    pub step: String,
    pub readonly: bool,
    /// The ids of the hint and the error, for `aria-describedby`.
    pub described: String,
}

impl FormField {
    pub(super) fn new(name: &str, label: &str, kind: &'static str, values: &FormData) -> FormField {
        FormField {
            name: name.to_owned(),
            id: format!("f-{}", name.replace(['.', '_'], "-")),
            label: label.to_owned(),
            kind,
            value: values.get(name).to_owned(),
            options: Vec::new(),
            error: None,
            required: false,
            hint: String::new(),
            min: String::new(),
            max: String::new(),
            step: String::new(),
            readonly: false,
            described: String::new(),
        }
    }
    pub(super) fn required(mut self) -> Self {
        self.required = true;
        self
    }
    pub(super) fn hint(mut self, h: &str) -> Self {
        self.hint = h.to_owned();
        self
    }
    pub(super) fn range(mut self, min: &str, max: &str, step: &str) -> Self {
        self.min = min.to_owned();
        self.max = max.to_owned();
        self.step = step.to_owned();
        self
    }
    pub(super) fn readonly(mut self) -> Self {
        self.readonly = true;
        self
    }
    /// Checkboxes of `(value, label)`, ticked for the values in `chosen`.
    pub(super) fn checks(mut self, opts: Vec<(String, String)>, chosen: &[&str]) -> Self {
        self.options = opts
            .into_iter()
            .map(|(v, l)| FilterOption {
                selected: chosen.contains(&v.as_str()),
                value: v,
                label: l,
            })
            .collect();
        self
    }
    /// A select of `(value, label)`, with a blank first choice when given.
    pub(super) fn options(mut self, blank: Option<&str>, opts: Vec<(String, String)>) -> Self {
        let value = self.value.clone();
        if let Some(b) = blank {
            self.options.push(FilterOption {
                value: String::new(),
                label: b.to_owned(),
                selected: value.is_empty(),
            });
        }
        self.options
            .extend(opts.into_iter().map(|(v, l)| FilterOption {
                selected: v == value,
                value: v,
                label: l,
            }));
        self
    }
}

pub(super) fn codes(list: &[&str]) -> Vec<(String, String)> {
    list.iter()
        .map(|c| ((*c).to_owned(), capitalise(&c.replace('_', " "))))
        .collect()
}

fn ratings() -> Vec<(String, String)> {
    (1..=10).map(|n| (n.to_string(), n.to_string())).collect()
}

pub struct Fieldset {
    pub legend: String,
    pub hint: String,
    pub fields: Vec<FormField>,
}

pub(super) fn fieldset(legend: &str, hint: &str, fields: Vec<FormField>) -> Fieldset {
    Fieldset {
        legend: legend.to_owned(),
        hint: hint.to_owned(),
        fields,
    }
}

pub struct Tab {
    pub href: String,
    pub label: &'static str,
    pub current: bool,
}

pub struct Summary {
    pub target: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "form.html")]
pub struct FormPage {
    pub layout: Layout,
    pub heading: String,
    pub action: String,
    pub cancel_href: String,
    pub fieldsets: Vec<Fieldset>,
    pub summary: Vec<Summary>,
    pub conflict: Option<String>,
    pub current_href: String,
    pub version: String,
    pub csrf: String,
    pub submit: String,
    pub tabs: Vec<Tab>,
    pub hidden: Vec<(String, String)>,
}

/// Field name -> message.
pub type Errors = BTreeMap<String, String>;

/// What the selects of the forms offer.
pub struct Options {
    pub org: Organisation,
    pub sites: Vec<(String, String)>,
    pub zones: Vec<(String, String)>,
    pub people: Vec<(String, String)>,
    pub assets: Vec<(String, String)>,
    pub threats: Vec<(String, String)>,
}

pub(super) async fn options(state: &AppState, p: &Principal) -> Result<Options, Problem> {
    let org = organisation(state, p).await?;
    let (sites, zones, people, assets, threats) = tokio::try_join!(
        load::<Site>(state, p, None),
        load::<Zone>(state, p, None),
        load::<Person>(state, p, None),
        load::<Asset>(state, p, None),
        load::<Threat>(state, p, None),
    )?;
    let site_name: BTreeMap<Id, String> = sites
        .iter()
        .map(|s| (s.value.id.clone(), s.value.name.clone()))
        .collect();
    let on_site = |site: &Id, name: &str| {
        format!(
            "{} — {name}",
            site_name
                .get(site)
                .map(String::as_str)
                .unwrap_or(site.as_str())
        )
    };
    Ok(Options {
        org,
        sites: sites
            .iter()
            .map(|s| (s.value.id.to_string(), s.value.name.clone()))
            .collect(),
        zones: zones
            .iter()
            .map(|z| {
                (
                    z.value.id.to_string(),
                    on_site(&z.value.site, &z.value.name),
                )
            })
            .collect(),
        people: people
            .iter()
            .map(|x| (x.value.id.to_string(), x.value.name.clone()))
            .collect(),
        assets: assets
            .iter()
            .map(|a| {
                (
                    a.value.id.to_string(),
                    on_site(&a.value.site, &a.value.name),
                )
            })
            .collect(),
        threats: threats
            .iter()
            .map(|t| (t.value.id.to_string(), t.value.name.clone()))
            .collect(),
    })
}

// ------------------------------------------------------------ parsing

pub(super) struct Parse<'a> {
    v: &'a FormData,
    errors: Errors,
}

impl<'a> Parse<'a> {
    pub(super) fn new(v: &'a FormData) -> Self {
        Parse {
            v,
            errors: Errors::new(),
        }
    }
    pub(super) fn fail(&mut self, name: &str, msg: impl Into<String>) {
        self.errors
            .entry(name.to_owned())
            .or_insert_with(|| msg.into());
    }
    pub(super) fn raw(&self, name: &str) -> &'a str {
        self.v.get(name).trim()
    }
    pub(super) fn text(&mut self, name: &str, what: &str, max: usize) -> String {
        let t = self.raw(name);
        if t.is_empty() {
            self.fail(name, format!("Enter {what}."));
        } else if t.chars().count() > max {
            self.fail(name, format!("At most {max} characters."));
        }
        t.to_owned()
    }
    pub(super) fn opt_text(&mut self, name: &str, max: usize) -> Option<String> {
        let t = self.raw(name);
        if t.chars().count() > max {
            self.fail(name, format!("At most {max} characters."));
        }
        (!t.is_empty()).then(|| t.to_owned())
    }
    pub(super) fn opt_id(&mut self, name: &str) -> Option<Id> {
        let t = self.raw(name);
        if t.is_empty() {
            return None;
        }
        match Id::new(t) {
            Ok(id) => Some(id),
            Err(e) => {
                self.fail(name, capitalise(&e.to_string()));
                None
            }
        }
    }
    pub(super) fn id(&mut self, name: &str, what: &str) -> Option<Id> {
        let id = self.opt_id(name);
        if id.is_none() && self.raw(name).is_empty() {
            self.fail(name, format!("Choose {what}."));
        }
        id
    }
    pub(super) fn choice<T: DeserializeOwned>(&mut self, name: &str, what: &str) -> Option<T> {
        let t = self.raw(name);
        match serde_json::from_value(serde_json::Value::String(t.to_owned())) {
            Ok(v) => Some(v),
            Err(_) => {
                self.fail(name, format!("Choose {what}."));
                None
            }
        }
    }
    pub(super) fn rating(&mut self, name: &str) -> Option<Rating> {
        let t = self.raw(name);
        match t.parse::<i64>().ok().and_then(|n| Rating::new(n).ok()) {
            Some(r) => Some(r),
            None => {
                self.fail(name, "Choose a rating from 1 to 10.");
                None
            }
        }
    }
    pub(super) fn opt_number(&mut self, name: &str, min: f64) -> Option<f64> {
        let t = self.raw(name).replace(',', "");
        if t.is_empty() {
            return None;
        }
        match t.parse::<f64>() {
            Ok(n) if n.is_finite() && n >= min => Some(n),
            _ => {
                self.fail(name, format!("Enter a number of at least {min}."));
                None
            }
        }
    }
    pub(super) fn opt_date(&mut self, name: &str) -> Option<Date> {
        let t = self.raw(name);
        if t.is_empty() {
            return None;
        }
        match t.parse::<Date>() {
            Ok(d) => Some(d),
            Err(_) => {
                self.fail(name, "Enter a date as YYYY-MM-DD.");
                None
            }
        }
    }
    pub(super) fn opt_small(&mut self, name: &str, lo: u8, hi: u8) -> Option<u8> {
        let t = self.raw(name);
        if t.is_empty() {
            return None;
        }
        match t.parse::<u8>() {
            Ok(n) if (lo..=hi).contains(&n) => Some(n),
            _ => {
                self.fail(name, format!("Choose a level from {lo} to {hi}."));
                None
            }
        }
    }
    pub(super) fn done(self) -> Result<(), Errors> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }
}

// ------------------------------------------------------------ the kinds

/// A kind of record with a form.
pub trait FormKind: Entity + Sized {
    const NOUN: &'static str;
    const BASE: &'static str;
    fn title(&self) -> String;
    fn values(&self) -> FormData;
    fn fieldsets(v: &FormData, o: &Options, creating: bool) -> Vec<Fieldset>;
    /// Build the entity from the form; `base` is the stored record on edit,
    /// whose fields the form does not show are kept.
    fn parse(v: &FormData, base: Option<&Self>, o: &Options) -> Result<Self, Errors>;
    fn may_create(p: &Principal) -> bool {
        access::allows(p.user.role, Self::KIND, Action::Write)
    }
    fn may_edit(p: &Principal) -> bool {
        access::allows(p.user.role, Self::KIND, Action::Write)
    }
    fn tabs(_v: &FormData, _creating: bool) -> Vec<Tab> {
        Vec::new()
    }
}

pub(super) fn id_field(v: &FormData, creating: bool, hint: &str) -> FormField {
    let f = FormField::new("id", "Id", "text", v).hint(hint);
    if creating { f.required() } else { f.readonly() }
}

pub(super) fn id_of(p: &mut Parse<'_>, base: Option<&Id>) -> Option<Id> {
    match base {
        Some(id) => Some(id.clone()),
        None => p.id("id", "an id"),
    }
}

pub(super) const ID_HINT: &str =
    "Letters, digits, '-', '_' or '.', starting with a letter or digit; cannot be changed later.";

impl FormKind for Site {
    const NOUN: &'static str = "site";
    const BASE: &'static str = "/sites";
    fn title(&self) -> String {
        self.name.clone()
    }
    fn may_create(p: &Principal) -> bool {
        access::may_create_site(&p.user)
    }
    fn values(&self) -> FormData {
        let mut v = FormData::default();
        v.set("id", self.id.to_string());
        v.set("name", self.name.clone());
        v.set("kind", code(&self.kind));
        v.set("address", self.address.clone().unwrap_or_default());
        v.set(
            "facility_security_level",
            self.facility_security_level
                .map(|l| l.to_string())
                .unwrap_or_default(),
        );
        v.set("description", self.description.clone().unwrap_or_default());
        v
    }
    fn fieldsets(v: &FormData, _o: &Options, creating: bool) -> Vec<Fieldset> {
        let levels = (1..=5u8)
            .map(|l| {
                (
                    l.to_string(),
                    format!("Level {}", super::pages::fsl_text(l)),
                )
            })
            .collect();
        vec![fieldset(
            "Site",
            "",
            vec![
                id_field(v, creating, ID_HINT),
                FormField::new("name", "Name", "text", v).required(),
                FormField::new("kind", "Kind", "select", v).options(None, codes(SITE_KINDS)),
                FormField::new("address", "Address", "text", v),
                FormField::new(
                    "facility_security_level",
                    "Facility security level",
                    "select",
                    v,
                )
                .options(Some("Not set"), levels)
                .hint("ISC facility security level, I (lowest) to V (highest)."),
                FormField::new("description", "Description", "textarea", v),
            ],
        )]
    }
    fn parse(v: &FormData, base: Option<&Site>, _o: &Options) -> Result<Site, Errors> {
        let mut p = Parse::new(v);
        let id = id_of(&mut p, base.map(|b| &b.id));
        let name = p.text("name", "a name", 200);
        let kind = p.choice("kind", "a kind of site");
        let address = p.opt_text("address", 500);
        let fsl = p.opt_small("facility_security_level", 1, 5);
        let description = p.opt_text("description", 4000);
        p.done()?;
        let (Some(id), Some(kind)) = (id, kind) else {
            return Err(Errors::new());
        };
        Ok(Site {
            id,
            name,
            kind,
            address,
            coordinates: base.and_then(|b| b.coordinates),
            facility_security_level: fsl,
            operating_hours: base.map(|b| b.operating_hours.clone()).unwrap_or_default(),
            description,
        })
    }
}

impl FormKind for Asset {
    const NOUN: &'static str = "asset";
    const BASE: &'static str = "/asset-register";
    fn title(&self) -> String {
        self.name.clone()
    }
    fn values(&self) -> FormData {
        let mut v = FormData::default();
        v.set("id", self.id.to_string());
        v.set("site", self.site.to_string());
        v.set(
            "zone",
            self.zone
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
        );
        v.set("name", self.name.clone());
        v.set("kind", code(&self.kind));
        v.set("value", self.value.get().to_string());
        v.set(
            "owner",
            self.owner
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
        );
        v.set(
            "replacement_cost",
            self.replacement_cost
                .map(|c| c.to_string())
                .unwrap_or_default(),
        );
        v.set("description", self.description.clone().unwrap_or_default());
        v
    }
    fn fieldsets(v: &FormData, o: &Options, creating: bool) -> Vec<Fieldset> {
        vec![fieldset(
            "Asset",
            "",
            vec![
                id_field(v, creating, ID_HINT),
                FormField::new("name", "Name", "text", v).required(),
                FormField::new("site", "Site", "select", v)
                    .required()
                    .options(Some("Choose a site"), o.sites.clone()),
                FormField::new("zone", "Zone", "select", v)
                    .options(Some("No particular zone"), o.zones.clone())
                    .hint("The zone must be on the asset's site."),
                FormField::new("kind", "Kind", "select", v).options(None, codes(ASSET_KINDS)),
                FormField::new("value", "Value", "select", v)
                    .required()
                    .options(Some("Choose"), ratings())
                    .hint("FEMA 452 asset value: 1 (very low) to 10 (very high)."),
                FormField::new("owner", "Owner", "select", v)
                    .options(Some("No owner"), o.people.clone()),
                FormField::new(
                    "replacement_cost",
                    &format!("Replacement cost ({})", o.org.currency),
                    "number",
                    v,
                )
                .range("0", "", "any"),
                FormField::new("description", "Description", "textarea", v),
            ],
        )]
    }
    fn parse(v: &FormData, base: Option<&Asset>, _o: &Options) -> Result<Asset, Errors> {
        let mut p = Parse::new(v);
        let id = id_of(&mut p, base.map(|b| &b.id));
        let name = p.text("name", "a name", 200);
        let site = p.id("site", "a site");
        let zone = p.opt_id("zone");
        let kind = p.choice("kind", "a kind of asset");
        let value = p.rating("value");
        let owner = p.opt_id("owner");
        let replacement_cost = p.opt_number("replacement_cost", 0.0);
        let description = p.opt_text("description", 4000);
        p.done()?;
        let (Some(id), Some(site), Some(kind), Some(value)) = (id, site, kind, value) else {
            return Err(Errors::new());
        };
        Ok(Asset {
            id,
            site,
            zone,
            name,
            kind,
            value,
            owner,
            replacement_cost,
            description,
        })
    }
}

impl FormKind for Device {
    const NOUN: &'static str = "device";
    const BASE: &'static str = "/devices";
    fn title(&self) -> String {
        self.name.clone().unwrap_or_else(|| self.id.to_string())
    }
    fn values(&self) -> FormData {
        let mut v = FormData::default();
        v.set("id", self.id.to_string());
        v.set("site", self.site.to_string());
        v.set(
            "zone",
            self.zone
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
        );
        v.set("kind", code(&self.kind));
        v.set("name", self.name.clone().unwrap_or_default());
        v.set("make", self.make.clone().unwrap_or_default());
        v.set("model", self.model.clone().unwrap_or_default());
        v.set("serial", self.serial.clone().unwrap_or_default());
        v.set(
            "install_date",
            self.install_date.map(|d| d.to_string()).unwrap_or_default(),
        );
        v.set("status", code(&self.status));
        v
    }
    fn fieldsets(v: &FormData, o: &Options, creating: bool) -> Vec<Fieldset> {
        vec![
            fieldset(
                "Device",
                "",
                vec![
                    id_field(v, creating, ID_HINT),
                    FormField::new("name", "Name", "text", v),
                    FormField::new("kind", "Kind", "select", v)
                        .required()
                        .options(Some("Choose a kind"), codes(DEVICE_KINDS)),
                    FormField::new("status", "Status", "select", v)
                        .required()
                        .options(None, codes(DEVICE_STATUSES)),
                ],
            ),
            fieldset(
                "Location",
                "",
                vec![
                    FormField::new("site", "Site", "select", v)
                        .required()
                        .options(Some("Choose a site"), o.sites.clone()),
                    FormField::new("zone", "Zone", "select", v)
                        .options(Some("No particular zone"), o.zones.clone())
                        .hint("The zone must be on the device's site."),
                ],
            ),
            fieldset(
                "Equipment",
                "",
                vec![
                    FormField::new("make", "Make", "text", v),
                    FormField::new("model", "Model", "text", v),
                    FormField::new("serial", "Serial number", "text", v),
                    FormField::new("install_date", "Installed on", "date", v).hint("YYYY-MM-DD"),
                ],
            ),
        ]
    }
    fn parse(v: &FormData, base: Option<&Device>, _o: &Options) -> Result<Device, Errors> {
        let mut p = Parse::new(v);
        let id = id_of(&mut p, base.map(|b| &b.id));
        let site = p.id("site", "a site");
        let zone = p.opt_id("zone");
        let kind = p.choice("kind", "a kind of device");
        let status = p.choice("status", "a status");
        let name = p.opt_text("name", 200);
        let make = p.opt_text("make", 200);
        let model = p.opt_text("model", 200);
        let serial = p.opt_text("serial", 200);
        let install_date = p.opt_date("install_date");
        p.done()?;
        let (Some(id), Some(site), Some(kind), Some(status)) = (id, site, kind, status) else {
            return Err(Errors::new());
        };
        Ok(Device {
            id,
            site,
            zone,
            kind,
            name,
            make,
            model,
            serial,
            position: base.and_then(|b| b.position.clone()),
            install_date,
            status,
        })
    }
}

fn method_of(v: &FormData) -> &str {
    match v.get("method") {
        "fema452" => "fema452",
        "nist80030" => "nist80030",
        "fair" => "fair",
        _ => "matrix",
    }
}

fn stage_label(stage: &str) -> &'static str {
    match stage {
        "inherent" => "Inherent risk (before any control)",
        "current" => "Current risk (with the controls in place)",
        _ => "Residual risk (with the proposed controls)",
    }
}

impl FormKind for RiskScenario {
    const NOUN: &'static str = "risk";
    const BASE: &'static str = "/risks";
    fn title(&self) -> String {
        self.title.clone()
    }
    fn values(&self) -> FormData {
        let mut v = FormData::default();
        v.set("id", self.id.to_string());
        v.set("site", self.site.to_string());
        v.set("threat", self.threat.to_string());
        v.set("asset", self.asset.to_string());
        v.set("title", self.title.clone());
        v.set("description", self.description.clone().unwrap_or_default());
        v.set("treatment", code(&self.treatment));
        v.set(
            "owner",
            self.owner
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
        );
        v.set(
            "review_date",
            self.review_date.map(|d| d.to_string()).unwrap_or_default(),
        );
        v.set("method", self.assessment.method_name());
        let key = |stage: &str, f: &str| format!("assessment.{stage}.{f}");
        match &self.assessment {
            Assessment::Matrix {
                inherent,
                current,
                residual,
            } => {
                for (stage, m) in
                    STAGES
                        .iter()
                        .zip([Some(inherent), current.as_ref(), residual.as_ref()])
                {
                    if let Some(m) = m {
                        v.set(&key(stage, "likelihood"), m.likelihood.to_string());
                        v.set(&key(stage, "impact"), m.impact.to_string());
                    }
                }
            }
            Assessment::Fema452 {
                inherent,
                current,
                residual,
            } => {
                for (stage, m) in
                    STAGES
                        .iter()
                        .zip([Some(inherent), current.as_ref(), residual.as_ref()])
                {
                    if let Some(m) = m {
                        v.set(&key(stage, "asset_value"), m.asset_value.get().to_string());
                        v.set(&key(stage, "threat"), m.threat.get().to_string());
                        v.set(
                            &key(stage, "vulnerability"),
                            m.vulnerability.get().to_string(),
                        );
                    }
                }
            }
            Assessment::Nist80030 {
                inherent,
                current,
                residual,
            } => {
                for (stage, m) in
                    STAGES
                        .iter()
                        .zip([Some(inherent), current.as_ref(), residual.as_ref()])
                {
                    if let Some(m) = m {
                        v.set(&key(stage, "initiation"), code(&m.initiation));
                        v.set(&key(stage, "adverse_impact"), code(&m.adverse_impact));
                        v.set(&key(stage, "impact"), code(&m.impact));
                    }
                }
            }
            Assessment::Fair { model } => {
                v.set(
                    "assessment.model",
                    serde_json::to_string_pretty(model).unwrap_or_default(),
                );
            }
        }
        v
    }
    fn tabs(v: &FormData, creating: bool) -> Vec<Tab> {
        if !creating {
            return Vec::new();
        }
        let m = method_of(v);
        [
            ("matrix", "Matrix (likelihood x impact)"),
            ("fema452", "FEMA 452"),
            ("nist80030", "NIST SP 800-30"),
        ]
        .into_iter()
        .map(|(code, label)| Tab {
            href: format!("/risks/new?method={code}"),
            label,
            current: m == code,
        })
        .collect()
    }
    fn fieldsets(v: &FormData, o: &Options, creating: bool) -> Vec<Fieldset> {
        let mut out = vec![fieldset(
            "Scenario",
            "",
            vec![
                id_field(v, creating, ID_HINT),
                FormField::new("title", "Title", "text", v).required(),
                FormField::new("site", "Site", "select", v)
                    .required()
                    .options(Some("Choose a site"), o.sites.clone()),
                FormField::new("threat", "Threat", "select", v)
                    .required()
                    .options(Some("Choose a threat"), o.threats.clone()),
                FormField::new("asset", "Asset", "select", v)
                    .required()
                    .options(Some("Choose an asset"), o.assets.clone())
                    .hint("The asset must be on the risk's site."),
                FormField::new("description", "Description", "textarea", v),
            ],
        )];
        let key = |stage: &str, f: &str| format!("assessment.{stage}.{f}");
        let optional = |stage: &str| {
            if stage == "inherent" {
                "Required."
            } else {
                "Leave blank if not assessed."
            }
        };
        let start = out.len();
        match method_of(v) {
            "matrix" => {
                let scale = |names: &[String]| -> Vec<(String, String)> {
                    names
                        .iter()
                        .enumerate()
                        .map(|(i, n)| ((i + 1).to_string(), format!("{n} ({})", i + 1)))
                        .collect()
                };
                for stage in STAGES {
                    let blank = if stage == "inherent" {
                        "Choose"
                    } else {
                        "Not assessed"
                    };
                    out.push(fieldset(
                        stage_label(stage),
                        optional(stage),
                        vec![
                            FormField::new(&key(stage, "likelihood"), "Likelihood", "select", v)
                                .options(Some(blank), scale(&o.org.risk_matrix.likelihood)),
                            FormField::new(&key(stage, "impact"), "Impact", "select", v)
                                .options(Some(blank), scale(&o.org.risk_matrix.impact)),
                        ],
                    ));
                }
            }
            "fema452" => {
                for stage in STAGES {
                    let blank = if stage == "inherent" {
                        "Choose"
                    } else {
                        "Not assessed"
                    };
                    out.push(fieldset(
                        stage_label(stage),
                        optional(stage),
                        vec![
                            FormField::new(
                                &key(stage, "asset_value"),
                                "Asset value (1-10)",
                                "select",
                                v,
                            )
                            .options(Some(blank), ratings()),
                            FormField::new(
                                &key(stage, "threat"),
                                "Threat rating (1-10)",
                                "select",
                                v,
                            )
                            .options(Some(blank), ratings()),
                            FormField::new(
                                &key(stage, "vulnerability"),
                                "Vulnerability rating (1-10)",
                                "select",
                                v,
                            )
                            .options(Some(blank), ratings()),
                        ],
                    ));
                }
            }
            "nist80030" => {
                for stage in STAGES {
                    let blank = if stage == "inherent" {
                        "Choose"
                    } else {
                        "Not assessed"
                    };
                    out.push(fieldset(
                        stage_label(stage),
                        optional(stage),
                        vec![
                            FormField::new(
                                &key(stage, "initiation"),
                                "Likelihood of initiation or occurrence",
                                "select",
                                v,
                            )
                            .options(Some(blank), codes(NIST_LEVELS)),
                            FormField::new(
                                &key(stage, "adverse_impact"),
                                "Likelihood of adverse impact",
                                "select",
                                v,
                            )
                            .options(Some(blank), codes(NIST_LEVELS)),
                            FormField::new(&key(stage, "impact"), "Level of impact", "select", v)
                                .options(Some(blank), codes(NIST_LEVELS)),
                        ],
                    ));
                }
            }
            _ => out.push(fieldset(
                "Open FAIR model",
                "The model is kept as written; change it through the API or the organisation file.",
                vec![FormField::new("assessment.model", "Model", "readonly", v)],
            )),
        }
        for fs in out.iter_mut().skip(start) {
            for f in &mut fs.fields {
                if f.name.starts_with("assessment.inherent.") {
                    f.required = true;
                }
            }
        }
        out.push(fieldset(
            "Treatment",
            "",
            vec![
                FormField::new("treatment", "Treatment", "select", v)
                    .options(None, codes(TREATMENTS)),
                FormField::new("owner", "Owner", "select", v)
                    .options(Some("No owner"), o.people.clone()),
                FormField::new("review_date", "Review date", "date", v).hint("YYYY-MM-DD"),
            ],
        ));
        out
    }
    fn parse(
        v: &FormData,
        base: Option<&RiskScenario>,
        o: &Options,
    ) -> Result<RiskScenario, Errors> {
        let mut p = Parse::new(v);
        let id = id_of(&mut p, base.map(|b| &b.id));
        let title = p.text("title", "a title", 300);
        let site = p.id("site", "a site");
        let threat = p.id("threat", "a threat");
        let asset = p.id("asset", "an asset");
        let description = p.opt_text("description", 4000);
        let treatment = p.choice("treatment", "a treatment");
        let owner = p.opt_id("owner");
        let review_date = p.opt_date("review_date");
        let key = |stage: &str, f: &str| format!("assessment.{stage}.{f}");
        // A stage is assessed when any of its fields is filled.
        let filled = |stage: &str, fields: &[&str]| {
            fields
                .iter()
                .any(|f| !v.get(&key(stage, f)).trim().is_empty())
        };
        let method = match base {
            Some(b) => b.assessment.method_name(),
            None => method_of(v),
        };
        let assessment = match method {
            "matrix" => {
                let (nl, ni) = (
                    o.org.risk_matrix.likelihood.len() as u8,
                    o.org.risk_matrix.impact.len() as u8,
                );
                let stage_of = |p: &mut Parse<'_>, stage: &str| -> Option<MatrixInputs> {
                    if stage != "inherent" && !filled(stage, &["likelihood", "impact"]) {
                        return None;
                    }
                    let (lk, ik) = (key(stage, "likelihood"), key(stage, "impact"));
                    let l = p.opt_small(&lk, 1, nl);
                    let i = p.opt_small(&ik, 1, ni);
                    if l.is_none() && p.raw(&lk).is_empty() {
                        p.fail(&lk, "Choose a likelihood.");
                    }
                    if i.is_none() && p.raw(&ik).is_empty() {
                        p.fail(&ik, "Choose an impact.");
                    }
                    Some(MatrixInputs {
                        likelihood: l?,
                        impact: i?,
                    })
                };
                let inherent = stage_of(&mut p, "inherent");
                let current = stage_of(&mut p, "current");
                let residual = stage_of(&mut p, "residual");
                inherent.map(|inherent| Assessment::Matrix {
                    inherent,
                    current,
                    residual,
                })
            }
            "fema452" => {
                let fields = ["asset_value", "threat", "vulnerability"];
                let stage_of = |p: &mut Parse<'_>, stage: &str| -> Option<FemaInputs> {
                    if stage != "inherent" && !filled(stage, &fields) {
                        return None;
                    }
                    let a = p.rating(&key(stage, "asset_value"));
                    let t = p.rating(&key(stage, "threat"));
                    let vu = p.rating(&key(stage, "vulnerability"));
                    Some(FemaInputs {
                        asset_value: a?,
                        threat: t?,
                        vulnerability: vu?,
                    })
                };
                let inherent = stage_of(&mut p, "inherent");
                let current = stage_of(&mut p, "current");
                let residual = stage_of(&mut p, "residual");
                inherent.map(|inherent| Assessment::Fema452 {
                    inherent,
                    current,
                    residual,
                })
            }
            "nist80030" => {
                let fields = ["initiation", "adverse_impact", "impact"];
                let stage_of = |p: &mut Parse<'_>, stage: &str| -> Option<NistInputs> {
                    if stage != "inherent" && !filled(stage, &fields) {
                        return None;
                    }
                    let a = p.choice(&key(stage, "initiation"), "a level");
                    let b = p.choice(&key(stage, "adverse_impact"), "a level");
                    let c = p.choice(&key(stage, "impact"), "a level");
                    Some(NistInputs {
                        initiation: a?,
                        adverse_impact: b?,
                        impact: c?,
                    })
                };
                let inherent = stage_of(&mut p, "inherent");
                let current = stage_of(&mut p, "current");
                let residual = stage_of(&mut p, "residual");
                inherent.map(|inherent| Assessment::Nist80030 {
                    inherent,
                    current,
                    residual,
                })
            }
            _ => match base {
                Some(b) => Some(b.assessment.clone()),
                None => {
                    p.fail(
                        "method",
                        "A FAIR model is created through the API or the organisation file.",
                    );
                    None
                }
            },
        };
        p.done()?;
        let (Some(id), Some(site), Some(threat), Some(asset), Some(treatment), Some(assessment)) =
            (id, site, threat, asset, treatment, assessment)
        else {
            return Err(Errors::new());
        };
        Ok(RiskScenario {
            id,
            site,
            threat,
            asset,
            title,
            description,
            assessment,
            treatment,
            owner,
            review_date,
            controls: base.map(|b| b.controls.clone()).unwrap_or_default(),
        })
    }
}

// ------------------------------------------------------------ handlers

pub(super) struct FormState<'a> {
    pub(super) p: &'a Principal,
    pub(super) values: FormData,
    pub(super) errors: Errors,
    pub(super) conflict: Option<String>,
    pub(super) creating: bool,
    /// The record's id on edit.
    pub(super) id: String,
    pub(super) heading: String,
}

pub(super) fn render<E: FormKind>(s: FormState<'_>, o: &Options, status: StatusCode) -> Response {
    let mut fieldsets = E::fieldsets(&s.values, o, s.creating);
    let mut summary = Vec::new();
    let mut placed = std::collections::BTreeSet::new();
    for fs in &mut fieldsets {
        for f in &mut fs.fields {
            if let Some(msg) = s.errors.get(&f.name) {
                f.error = Some(msg.clone());
                summary.push(Summary {
                    target: f.id.clone(),
                    message: format!("{}: {msg}", f.label),
                });
                placed.insert(f.name.clone());
            }
            let mut ids = Vec::new();
            if !f.hint.is_empty() {
                ids.push(format!("{}-hint", f.id));
            }
            if f.error.is_some() {
                ids.push(format!("{}-error", f.id));
            }
            f.described = ids.join(" ");
        }
    }
    // Errors about fields the form does not show (or about the whole record).
    for (name, msg) in &s.errors {
        if !placed.contains(name) {
            summary.push(Summary {
                target: String::new(),
                message: if name.is_empty() {
                    msg.clone()
                } else {
                    format!("{}: {msg}", name.replace('.', " "))
                },
            });
        }
    }
    let (action, cancel) = if s.creating {
        (E::BASE.to_owned(), E::BASE.to_owned())
    } else {
        (
            format!("{}/{}", E::BASE, s.id),
            format!("{}/{}", E::BASE, s.id),
        )
    };
    let mut hidden = Vec::new();
    if E::KIND == EntityKind::Risk {
        hidden.push(("method".to_owned(), method_of(&s.values).to_owned()));
    }
    let page = FormPage {
        layout: Layout::new(s.p, s.heading.clone(), E::BASE),
        heading: s.heading,
        action,
        cancel_href: cancel.clone(),
        tabs: E::tabs(&s.values, s.creating),
        fieldsets,
        summary,
        conflict: s.conflict,
        current_href: format!("{cancel}/edit"),
        version: s.values.get("version").to_owned(),
        csrf: s.p.csrf_token().unwrap_or("").to_owned(),
        submit: if s.creating {
            format!("Create {}", E::NOUN)
        } else {
            "Save changes".to_owned()
        },
        hidden,
    };
    html(status, &page)
}

pub(super) fn may_write<E: FormKind>(p: &Principal, creating: bool) -> Result<(), Problem> {
    let ok = if creating {
        E::may_create(p)
    } else {
        E::may_edit(p)
    };
    if ok {
        Ok(())
    } else {
        Err(Problem::forbidden(format!(
            "a {} may not {} {} records",
            access::role_label(p.user.role).to_lowercase(),
            if creating { "create" } else { "change" },
            E::NOUN
        )))
    }
}

pub(super) fn in_frame(p: &Principal, problem: Problem) -> PageError {
    PageError(problem, Some(Layout::new(p, "Refused", "")))
}

pub(super) async fn new_form<E: FormKind>(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Query(q): Query<BTreeMap<String, String>>,
) -> PageResult {
    may_write::<E>(&p, true).map_err(|e| in_frame(&p, e))?;
    let o = options(&state, &p).await?;
    let mut values = FormData::default();
    for (k, v) in &q {
        if matches!(k.as_str(), "method" | "site") {
            values.set(k, v.clone());
        }
    }
    let s = FormState {
        p: &p,
        values,
        errors: Errors::new(),
        conflict: None,
        creating: true,
        id: String::new(),
        heading: format!("New {}", E::NOUN),
    };
    Ok(render::<E>(s, &o, StatusCode::OK))
}

pub(super) async fn edit_form<E: FormKind>(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(id): Path<String>,
) -> PageResult {
    may_write::<E>(&p, false).map_err(|e| in_frame(&p, e))?;
    let stored = load_one::<E>(&state, &p, &id).await?;
    let o = options(&state, &p).await?;
    let mut values = stored.value.values();
    values.set("version", stored.version.to_string());
    let s = FormState {
        p: &p,
        values,
        errors: Errors::new(),
        conflict: None,
        creating: false,
        id: stored.value.id().to_string(),
        heading: format!("Edit {}", stored.value.title()),
    };
    Ok(render::<E>(s, &o, StatusCode::OK))
}

/// Field errors of a refused write, keyed by form field name.
pub(super) fn field_errors(problem: &Problem) -> Errors {
    let mut out = Errors::new();
    for e in &problem.errors {
        let name = e.field.trim_start_matches('/').replace('/', ".");
        out.entry(name).or_insert_with(|| capitalise(&e.message));
    }
    if out.is_empty() {
        out.insert(String::new(), capitalise(&problem.detail));
    }
    out
}

async fn create<E: FormKind>(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageUser(p): PageUser,
    Form(form): Form<Vec<(String, String)>>,
) -> PageResult {
    let values = FormData(form);
    check_csrf(&p, &values, &headers).map_err(|e| in_frame(&p, e))?;
    may_write::<E>(&p, true).map_err(|e| in_frame(&p, e))?;
    let o = options(&state, &p).await?;
    let mut s = FormState {
        p: &p,
        values,
        errors: Errors::new(),
        conflict: None,
        creating: true,
        id: String::new(),
        heading: format!("New {}", E::NOUN),
    };
    let entity = match E::parse(&s.values, None, &o) {
        Ok(e) => e,
        Err(errors) => {
            s.errors = errors;
            return Ok(render::<E>(s, &o, StatusCode::UNPROCESSABLE_ENTITY));
        }
    };
    match resource::create_entity(&state, &p, &entity).await {
        Ok(stored) => {
            Ok(Redirect::to(&format!("{}/{}", E::BASE, stored.value.id())).into_response())
        }
        Err(problem) if problem.status == 409 => {
            s.errors.insert(
                "id".to_owned(),
                format!("There is already a {} with this id.", E::NOUN),
            );
            Ok(render::<E>(s, &o, StatusCode::CONFLICT))
        }
        Err(problem) if problem.status == 422 => {
            s.errors = field_errors(&problem);
            Ok(render::<E>(s, &o, StatusCode::UNPROCESSABLE_ENTITY))
        }
        Err(problem) => Err(in_frame(&p, problem)),
    }
}

pub(super) async fn update<E: FormKind>(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> PageResult {
    let values = FormData(form);
    check_csrf(&p, &values, &headers).map_err(|e| in_frame(&p, e))?;
    may_write::<E>(&p, false).map_err(|e| in_frame(&p, e))?;
    let stored = load_one::<E>(&state, &p, &id).await?;
    let o = options(&state, &p).await?;
    let version = values
        .get("version")
        .parse::<i64>()
        .ok()
        .filter(|v| *v >= 1);
    let mut s = FormState {
        p: &p,
        values,
        errors: Errors::new(),
        conflict: None,
        creating: false,
        id: stored.value.id().to_string(),
        heading: format!("Edit {}", stored.value.title()),
    };
    let Some(version) = version else {
        return Err(in_frame(
            &p,
            Problem::bad_request(
                "the form did not say which version it edits; open the edit page again",
            ),
        ));
    };
    let entity = match E::parse(&s.values, Some(&stored.value), &o) {
        Ok(e) => e,
        Err(errors) => {
            s.errors = errors;
            return Ok(render::<E>(s, &o, StatusCode::UNPROCESSABLE_ENTITY));
        }
    };
    match resource::update_entity(&state, &p, &entity, version).await {
        Ok(done) => Ok(Redirect::to(&format!("{}/{}", E::BASE, done.value.id())).into_response()),
        Err(problem) if problem.status == 409 => {
            s.conflict = Some(format!(
                "This {} was changed by someone else (version {}, by {} at {}) after you opened this form. Your changes are not saved; they are kept below. Open the current version, then make your changes again.",
                E::NOUN,
                stored.version,
                stored.updated_by,
                stored
                    .updated_at
                    .replace('T', " ")
                    .chars()
                    .take(16)
                    .collect::<String>()
            ));
            Ok(render::<E>(s, &o, StatusCode::CONFLICT))
        }
        Err(problem) if problem.status == 422 => {
            s.errors = field_errors(&problem);
            Ok(render::<E>(s, &o, StatusCode::UNPROCESSABLE_ENTITY))
        }
        Err(problem) => Err(in_frame(&p, problem)),
    }
}
