//! The design pages: a site's physical protection system (facility model,
//! EASI analysis, adversary sequence diagram, the element table to edit)
//! and its floor plans (camera coverage, moving a camera to see the
//! coverage change, design-review findings).
//!
//! The figures and drawings come from the engines through
//! [`crate::analysis::Analysis`]; this module only lays them out, checks
//! what a form sends, and writes through `resource::update_entity` like
//! every other form (same scope, role, version and model checks).

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use rampart_domain::{Entity, EntityKind, FacilityModel, FloorPlan, Id, Site};
use rampart_store::Stored;

use super::pages::{load, load_one};
use super::{
    Cell, FormData, Layout, PageError, PageResult, PageUser, Table, capitalise, check_csrf, html,
};
use crate::access::{self, Action};
use crate::analysis::{
    AdversaryView, CameraMove, CoverageView, ElementRow, FacilityTable, ProtectionView,
};
use crate::auth::Principal;
use crate::problem::Problem;
use crate::resource;
use crate::state::AppState;

pub fn routes(r: Router<AppState>) -> Router<AppState> {
    r.route("/protection", get(protection_list))
        .route("/protection/{id}", get(protection).post(save_facility))
        .route("/protection/{id}/edit", get(edit_facility))
        .route("/coverage", get(coverage_list))
        .route("/coverage/{id}", get(coverage).post(save_camera))
}

type Params = Query<BTreeMap<String, String>>;

fn may_write(p: &Principal, kind: EntityKind) -> bool {
    access::allows(p.user.role, kind, Action::Write)
}

fn in_frame(p: &Principal, problem: Problem, title: &str) -> PageError {
    PageError(problem, Some(Layout::new(p, title, "")))
}

async fn site_names(state: &AppState, p: &Principal) -> Result<BTreeMap<Id, String>, Problem> {
    Ok(load::<Site>(state, p, None)
        .await?
        .into_iter()
        .map(|s| (s.value.id, s.value.name))
        .collect())
}

fn site_cell(names: &BTreeMap<Id, String>, id: &Id) -> Cell {
    Cell::link(
        names.get(id).cloned().unwrap_or_else(|| id.to_string()),
        format!("/sites/{id}"),
    )
}

fn prob(x: f64) -> String {
    format!("{x:.3}")
}

fn pct(x: f64) -> String {
    format!("{:.1} %", x * 100.0)
}

fn changed<T>(s: &Stored<T>) -> String {
    format!(
        "Version {}, last changed {} by {}",
        s.version,
        s.updated_at
            .replace('T', " ")
            .chars()
            .take(16)
            .collect::<String>(),
        s.updated_by
    )
}

// ------------------------------------------------------------ protection

#[derive(Template)]
#[template(path = "designs_list.html")]
struct DesignList {
    layout: Layout,
    heading: String,
    intro: String,
    table: Table,
}

async fn protection_list(State(state): State<AppState>, PageUser(p): PageUser) -> PageResult {
    resource::require(&p, EntityKind::FacilityModel, Action::Read)?;
    let (models, sites) = tokio::try_join!(
        load::<FacilityModel>(&state, &p, None),
        site_names(&state, &p)
    )?;
    let mut t = Table::new(
        "Facility models",
        &[
            "Model",
            "Site",
            "Adversaries",
            "Lowest P_E",
            "Worst adversary",
            "Vulnerability (1-10)",
        ],
        "No facility model yet. Add one to a site in its organisation file or through the API (facility-models).",
    );
    for m in &models {
        let v = &m.value;
        let mut row = vec![
            Cell::link(v.name.clone(), format!("/protection/{}", v.id)),
            site_cell(&sites, &v.site),
        ];
        match state.analysis.protection(v) {
            Ok(view) => {
                let worst = worst(&view);
                row.push(Cell::num(view.adversaries.len().to_string()));
                match worst {
                    Some((a, pe)) => {
                        row.push(Cell::num(prob(pe)).class(pe_class(pe)));
                        row.push(Cell::text(a.name.clone()));
                        row.push(Cell::num(a.vulnerability_rating.to_string()));
                    }
                    None => {
                        row.push(Cell::text("Target unreachable"));
                        row.push(Cell::text(""));
                        row.push(Cell::text(""));
                    }
                }
            }
            Err(e) => {
                row.push(Cell::text(""));
                row.push(Cell::text(format!("Not analysed: {e}")));
                row.push(Cell::text(""));
                row.push(Cell::text(""));
            }
        }
        t.rows.push(row);
    }
    let page = DesignList {
        layout: Layout::new(&p, "Protection systems", "/protection"),
        heading: "Protection systems".to_owned(),
        intro: "Each site's facility model: path elements from outside to the targets, with detection, delay and the response force. The most vulnerable path is the one with the lowest probability of interruption (EASI), searched exactly for each adversary of the design basis threat.".to_owned(),
        table: t,
    };
    Ok(html(StatusCode::OK, &page))
}

/// The adversary with the lowest P_E on a reachable target, and that P_E.
fn worst(view: &ProtectionView) -> Option<(&AdversaryView, f64)> {
    view.adversaries
        .iter()
        .filter_map(|a| a.paths.first().map(|path| (a, path.p_effectiveness)))
        .min_by(|x, y| x.1.total_cmp(&y.1))
}

fn pe_class(pe: f64) -> &'static str {
    if pe < 0.5 {
        "level-high"
    } else if pe < 0.8 {
        "level-medium"
    } else {
        "level-low"
    }
}

struct AdversarySection {
    heading: String,
    facts: Vec<(&'static str, String)>,
    diagram_svg: Option<String>,
    diagram_caption: String,
    paths: Table,
}

#[derive(Template)]
#[template(path = "protection.html")]
struct ProtectionPage {
    layout: Layout,
    heading: String,
    facts: Vec<(&'static str, Cell)>,
    problem: Option<String>,
    adversaries: Vec<AdversarySection>,
    upgrade: Option<Table>,
    elements: Table,
    edit_href: Option<String>,
    version: String,
}

async fn protection(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(id): Path<String>,
) -> PageResult {
    resource::require(&p, EntityKind::FacilityModel, Action::Read)?;
    let stored = load_one::<FacilityModel>(&state, &p, &id).await?;
    let sites = site_names(&state, &p).await?;
    let v = &stored.value;
    let mut facts = vec![("Site", site_cell(&sites, &v.site))];
    if let Some(d) = &v.description {
        facts.push(("Description", Cell::text(d.clone())));
    }
    let (view, mut problem) = match state.analysis.protection(v) {
        Ok(view) => (Some(view), None),
        Err(e) => (None, Some(format!("This model cannot be analysed: {e}"))),
    };
    let mut adversaries = Vec::new();
    let mut upgrade = None;
    if let Some(view) = &view {
        facts.push(("Response force", Cell::text(view.response.clone())));
        facts.push((
            "Model",
            Cell::text(format!(
                "{} areas, {} path elements, target{} {}",
                view.areas,
                view.elements,
                if view.targets.len() == 1 { "" } else { "s" },
                view.targets.join(", ")
            )),
        ));
        if let Some((a, pe)) = worst(view) {
            facts.push((
                "Lowest P_E",
                Cell::text(format!("{} (adversary {})", prob(pe), a.name)).class(pe_class(pe)),
            ));
        }
        for a in &view.adversaries {
            adversaries.push(adversary_section(a));
        }
        if view.adversaries.iter().all(|a| a.paths.is_empty()) {
            problem = Some(
                "No adversary can reach a target through these elements: check the areas each element joins."
                    .to_owned(),
            );
        }
        if let Some(u) = &view.upgrade {
            let mut t = Table::new(
                "Recommended upgrades (best set within the listed candidates' total cost)",
                &["Upgrades", "Cost", "Lowest P_E before", "after"],
                "",
            );
            t.rows.push(vec![
                Cell::text(u.upgrades.join(", ")),
                Cell::num(format!("{:.0}", u.cost)),
                Cell::num(prob(u.p_effectiveness_before)),
                Cell::num(prob(u.p_effectiveness_after)),
            ]);
            upgrade = Some(t);
        }
    }
    let mut elements = Table::new(
        "Path elements",
        &[
            "Element",
            "Type",
            "From",
            "To",
            "P_D",
            "Detection",
            "Delay (s)",
            "Badge reader",
        ],
        "No path elements.",
    );
    match state.analysis.facility_table(v) {
        Ok(table) => {
            for e in &table.elements {
                elements.rows.push(vec![
                    Cell::text(e.id.clone()),
                    Cell::text(e.kind.clone()),
                    Cell::text(e.from.clone()),
                    Cell::text(e.to.clone()),
                    Cell::num(format!("{:.2}", e.p_detect)),
                    Cell::text(location_label(&e.location)),
                    Cell::num(format!("{:.0} ± {:.0}", e.delay_mean, e.delay_sd)),
                    Cell::text(if e.badge_reader { "Yes" } else { "" }),
                ]);
            }
        }
        Err(e) => {
            if problem.is_none() {
                problem = Some(format!("This model cannot be read: {e}"));
            }
        }
    }
    let edit_href =
        may_write(&p, EntityKind::FacilityModel).then(|| format!("/protection/{}/edit", v.id));
    let page = ProtectionPage {
        layout: Layout::new(&p, v.name.clone(), "/protection"),
        heading: v.name.clone(),
        facts,
        problem,
        adversaries,
        upgrade,
        elements,
        edit_href,
        version: changed(&stored),
    };
    Ok(html(StatusCode::OK, &page))
}

fn location_label(code: &str) -> String {
    match code {
        "B" => "Beginning".to_owned(),
        "M" => "Middle".to_owned(),
        "E" => "End".to_owned(),
        other => other.to_owned(),
    }
}

fn adversary_section(a: &AdversaryView) -> AdversarySection {
    let mut facts = vec![
        ("Kind", capitalise(&a.kind)),
        ("P_N (neutralisation)", prob(a.p_neutralization)),
    ];
    if let Some(worst) = a.paths.first() {
        facts.push(("Lowest P_I", prob(worst.p_interruption)));
        facts.push(("P_E = P_I × P_N", prob(worst.p_effectiveness)));
        facts.push((
            "Critical detection point",
            worst
                .critical_detection_point
                .clone()
                .unwrap_or_else(|| "None: no timely detection on this path".to_owned()),
        ));
        facts.push((
            "FEMA 452 vulnerability rating",
            a.vulnerability_rating.to_string(),
        ));
    } else {
        facts.push(("Result", "No target can be reached".to_owned()));
    }
    facts.push((
        "Search",
        if a.exact {
            "Exact: no path has a lower P_I".to_owned()
        } else {
            "Bounded: the search stopped at its limit; the P_I shown is certified only as an upper bound of the minimum".to_owned()
        },
    ));
    let mut paths = Table::new(
        format!("Most vulnerable paths for {}", a.name),
        &[
            "Rank",
            "Path (elements in order)",
            "P_I",
            "P_E",
            "Critical detection point",
            "Delay (s)",
        ],
        "No path reaches a target.",
    );
    for (k, path) in a.paths.iter().enumerate() {
        paths.rows.push(vec![
            Cell::text((k + 1).to_string()),
            Cell::text(path.elements.join(" → ")),
            Cell::num(prob(path.p_interruption)),
            Cell::num(prob(path.p_effectiveness)).class(pe_class(path.p_effectiveness)),
            Cell::text(path.critical_detection_point.clone().unwrap_or_default()),
            Cell::num(format!("{:.0}", path.delay_s)),
        ]);
    }
    AdversarySection {
        heading: format!("Adversary: {}", a.name),
        facts,
        diagram_svg: a.diagram_svg.clone(),
        diagram_caption: a.paths.first().map_or_else(String::new, |w| {
            format!(
                "Adversary sequence of the most vulnerable path for {}: {} (P_I {}).",
                a.name,
                w.areas.join(" → "),
                prob(w.p_interruption)
            )
        }),
        paths,
    }
}

// ------------------------------------------------------------ the element table form

struct RowInputs {
    index: usize,
    id: String,
    kind: String,
    from: String,
    to: String,
    p_detect: String,
    location: String,
    delay_mean: String,
    delay_sd: String,
    badge_reader: bool,
    errors: BTreeMap<&'static str, String>,
}

impl RowInputs {
    fn blank(index: usize) -> RowInputs {
        RowInputs {
            index,
            id: String::new(),
            kind: "other".to_owned(),
            from: String::new(),
            to: String::new(),
            p_detect: String::new(),
            location: "M".to_owned(),
            delay_mean: String::new(),
            delay_sd: String::new(),
            badge_reader: false,
            errors: BTreeMap::new(),
        }
    }
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
    fn has_error(&self) -> bool {
        !self.errors.is_empty()
    }
}

#[derive(Template)]
#[template(path = "facility_form.html")]
struct FacilityForm {
    layout: Layout,
    heading: String,
    action: String,
    cancel_href: String,
    csrf: String,
    version: String,
    response_mean: String,
    response_sd: String,
    p_communication: String,
    response_errors: BTreeMap<&'static str, String>,
    rows: Vec<RowInputs>,
    kinds: Vec<String>,
    summary: Vec<String>,
    conflict: Option<String>,
}

impl FacilityForm {
    fn response_error(&self, field: &str) -> Option<&String> {
        self.response_errors.get(field)
    }
}

/// Blank rows offered for new elements.
const BLANK_ROWS: usize = 3;
/// More rows than any sensible form holds: refused rather than parsed.
const MAX_ROWS: usize = 5000;

fn form_of(p: &Principal, stored: &Stored<FacilityModel>, table: &FacilityTable) -> FacilityForm {
    let mut rows: Vec<RowInputs> = table
        .elements
        .iter()
        .enumerate()
        .map(|(i, e)| RowInputs {
            index: i,
            id: e.id.clone(),
            kind: e.kind.clone(),
            from: e.from.clone(),
            to: e.to.clone(),
            p_detect: format!("{}", e.p_detect),
            location: e.location.clone(),
            delay_mean: format!("{}", e.delay_mean),
            delay_sd: format!("{}", e.delay_sd),
            badge_reader: e.badge_reader,
            errors: BTreeMap::new(),
        })
        .collect();
    let n = rows.len();
    rows.extend((0..BLANK_ROWS).map(|k| RowInputs::blank(n + k)));
    FacilityForm {
        layout: Layout::new(p, format!("Edit {}", stored.value.name), "/protection"),
        heading: format!("Edit the path elements of {}", stored.value.name),
        action: format!("/protection/{}", stored.value.id),
        cancel_href: format!("/protection/{}", stored.value.id),
        csrf: p.csrf_token().unwrap_or("").to_owned(),
        version: stored.version.to_string(),
        response_mean: format!("{}", table.response_mean),
        response_sd: format!("{}", table.response_sd),
        p_communication: format!("{}", table.p_communication),
        response_errors: BTreeMap::new(),
        rows,
        kinds: table.kinds.clone(),
        summary: Vec::new(),
        conflict: None,
    }
}

async fn edit_facility(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(id): Path<String>,
) -> PageResult {
    if !may_write(&p, EntityKind::FacilityModel) {
        return Err(in_frame(
            &p,
            Problem::forbidden("your role may not change facility models"),
            "Not allowed",
        ));
    }
    let stored = load_one::<FacilityModel>(&state, &p, &id).await?;
    let table = state.analysis.facility_table(&stored.value).map_err(|e| {
        in_frame(
            &p,
            Problem::new(StatusCode::UNPROCESSABLE_ENTITY, e),
            "Cannot edit",
        )
    })?;
    Ok(html(StatusCode::OK, &form_of(&p, &stored, &table)))
}

/// A number cell: `Err` with the message to show beside it.
fn number(text: &str, min: f64, max: f64, what: &str) -> Result<f64, String> {
    let t = text.trim();
    match t.parse::<f64>() {
        Ok(x) if x.is_finite() && x >= min && x <= max => Ok(x),
        _ if t.is_empty() => Err(format!("Enter {what}.")),
        _ if max.is_finite() => Err(format!("Enter a number from {min} to {max}.")),
        _ => Err(format!("Enter a number of at least {min}.")),
    }
}

/// Read the submitted table: the rows the user kept, each with the form row
/// it came from, and the form as typed (with errors) for showing again.
fn read_table(values: &FormData, kinds: Vec<String>) -> (FacilityTable, Vec<usize>, FacilityForm) {
    let rows_n = values
        .get("rows")
        .parse::<usize>()
        .unwrap_or(0)
        .min(MAX_ROWS);
    let mut table = FacilityTable {
        kinds: kinds.clone(),
        ..FacilityTable::default()
    };
    let mut response_errors = BTreeMap::new();
    let get = |name: &str| values.get(name).trim().to_owned();
    match number(
        &get("response_mean"),
        0.0,
        f64::INFINITY,
        "the response time",
    ) {
        Ok(x) => table.response_mean = x,
        Err(e) => {
            response_errors.insert("response_mean", e);
        }
    }
    match number(
        &get("response_sd"),
        0.0,
        f64::INFINITY,
        "its standard deviation",
    ) {
        Ok(x) => table.response_sd = x,
        Err(e) => {
            response_errors.insert("response_sd", e);
        }
    }
    match number(&get("p_communication"), 0.0, 1.0, "P_C") {
        Ok(x) => table.p_communication = x,
        Err(e) => {
            response_errors.insert("p_communication", e);
        }
    }
    let mut origin = Vec::new();
    let mut rows = Vec::new();
    for i in 0..rows_n {
        let f = |field: &str| get(&format!("e{i}.{field}"));
        let mut r = RowInputs {
            index: i,
            id: f("id"),
            kind: f("type"),
            from: f("from"),
            to: f("to"),
            p_detect: f("p_detect"),
            location: f("location"),
            delay_mean: f("delay_mean"),
            delay_sd: f("delay_sd"),
            badge_reader: !f("badge_reader").is_empty(),
            errors: BTreeMap::new(),
        };
        let removed = !f("remove").is_empty();
        let blank = r.id.is_empty() && r.from.is_empty() && r.to.is_empty();
        if removed || blank {
            if !blank && removed {
                // Removed rows disappear from the form shown again.
                continue;
            }
            rows.push(r);
            continue;
        }
        for (field, text) in [("id", &r.id), ("from", &r.from), ("to", &r.to)] {
            if text.is_empty() {
                r.errors.insert(field, "Enter a name.".to_owned());
            } else if text.chars().count() > 100 {
                r.errors.insert(field, "At most 100 characters.".to_owned());
            }
        }
        if !kinds.iter().any(|k| k == &r.kind) {
            r.errors.insert("type", "Choose a type.".to_owned());
        }
        if !matches!(r.location.as_str(), "B" | "M" | "E") {
            r.errors
                .insert("location", "Choose beginning, middle or end.".to_owned());
        }
        let pd = number(&r.p_detect, 0.0, 1.0, "P_D");
        let dm = number(&r.delay_mean, 0.0, f64::INFINITY, "a delay");
        let ds = number(&r.delay_sd, 0.0, f64::INFINITY, "a standard deviation");
        for (field, res) in [("p_detect", &pd), ("delay_mean", &dm), ("delay_sd", &ds)] {
            if let Err(e) = res {
                r.errors.insert(field, e.clone());
            }
        }
        if let (Ok(pd), Ok(dm), Ok(ds)) = (pd, dm, ds)
            && !r.has_error()
        {
            origin.push(rows.len());
            table.elements.push(ElementRow {
                id: r.id.clone(),
                kind: r.kind.clone(),
                from: r.from.clone(),
                to: r.to.clone(),
                p_detect: pd,
                location: r.location.clone(),
                delay_mean: dm,
                delay_sd: ds,
                badge_reader: r.badge_reader,
            });
        }
        rows.push(r);
    }
    let form = FacilityForm {
        layout: Layout::bare(""),
        heading: String::new(),
        action: String::new(),
        cancel_href: String::new(),
        csrf: String::new(),
        version: values.get("version").to_owned(),
        response_mean: get("response_mean"),
        response_sd: get("response_sd"),
        p_communication: get("p_communication"),
        response_errors,
        rows,
        kinds,
        summary: Vec::new(),
        conflict: None,
    };
    (table, origin, form)
}

async fn save_facility(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> PageResult {
    let values = FormData(form);
    check_csrf(&p, &values, &headers).map_err(|e| in_frame(&p, e, "Not allowed"))?;
    if !may_write(&p, EntityKind::FacilityModel) {
        return Err(in_frame(
            &p,
            Problem::forbidden("your role may not change facility models"),
            "Not allowed",
        ));
    }
    let stored = load_one::<FacilityModel>(&state, &p, &id).await?;
    let Some(version) = values
        .get("version")
        .parse::<i64>()
        .ok()
        .filter(|v| *v >= 1)
    else {
        return Err(in_frame(
            &p,
            Problem::bad_request(
                "the form did not say which version it edits; open the edit page again",
            ),
            "Cannot save",
        ));
    };
    let kinds = state
        .analysis
        .facility_table(&stored.value)
        .map(|t| t.kinds)
        .map_err(|e| {
            in_frame(
                &p,
                Problem::new(StatusCode::UNPROCESSABLE_ENTITY, e),
                "Cannot edit",
            )
        })?;
    let (table, origin, typed) = read_table(&values, kinds);
    let mut shown = FacilityForm {
        layout: Layout::new(&p, format!("Edit {}", stored.value.name), "/protection"),
        heading: format!("Edit the path elements of {}", stored.value.name),
        action: format!("/protection/{}", stored.value.id),
        cancel_href: format!("/protection/{}", stored.value.id),
        csrf: p.csrf_token().unwrap_or("").to_owned(),
        ..typed
    };
    let typed_errors =
        !shown.response_errors.is_empty() || shown.rows.iter().any(RowInputs::has_error);
    if typed_errors {
        shown.summary =
            vec!["Some cells are not valid; each is marked beside its field.".to_owned()];
        return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &shown));
    }
    let model = match state.analysis.apply_facility_table(&stored.value, &table) {
        Ok(m) => m,
        Err(errors) => {
            for e in errors {
                let field = known_field(&e.field);
                match e.row.and_then(|r| origin.get(r)) {
                    Some(&row) => {
                        if let Some(r) = shown.rows.get_mut(row) {
                            r.errors
                                .entry(field)
                                .or_insert_with(|| capitalise(&e.message));
                        }
                        shown
                            .summary
                            .push(format!("Row {}: {}", row + 1, e.message));
                    }
                    None => shown.summary.push(capitalise(&e.message)),
                }
            }
            return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &shown));
        }
    };
    let updated = FacilityModel {
        model,
        ..stored.value.clone()
    };
    match resource::update_entity(&state, &p, &updated, version).await {
        Ok(done) => Ok(Redirect::to(&format!("/protection/{}", done.value.id())).into_response()),
        Err(problem) if problem.status == 409 => {
            shown.conflict = Some(format!(
                "This model was changed by someone else (now version {}, by {}) after you opened this form. Your changes are not saved; they are kept below. Open the current version, then make them again.",
                stored.version, stored.updated_by
            ));
            Ok(html(StatusCode::CONFLICT, &shown))
        }
        Err(problem) if problem.status == 422 => {
            shown.summary = problem
                .errors
                .iter()
                .map(|e| capitalise(&e.message))
                .collect();
            if shown.summary.is_empty() {
                shown.summary.push(capitalise(&problem.detail));
            }
            Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &shown))
        }
        Err(problem) => Err(in_frame(&p, problem, "Cannot save")),
    }
}

/// The form's name for a field an engine error names (the summary names
/// the rest).
fn known_field(field: &str) -> &'static str {
    match field {
        "id" => "id",
        "type" => "type",
        "from" => "from",
        "to" => "to",
        "p_detect" => "p_detect",
        "location" => "location",
        "delay_mean" => "delay_mean",
        "delay_sd" => "delay_sd",
        _ => "id",
    }
}

// ------------------------------------------------------------ coverage

async fn coverage_list(State(state): State<AppState>, PageUser(p): PageUser) -> PageResult {
    resource::require(&p, EntityKind::FloorPlan, Action::Read)?;
    let (plans, sites) =
        tokio::try_join!(load::<FloorPlan>(&state, &p, None), site_names(&state, &p))?;
    let mut t = Table::new(
        "Floor plans",
        &[
            "Floor plan",
            "Site",
            "Cameras",
            "Floor area (m²)",
            "Zones meeting their level",
        ],
        "No floor plan yet. Add one to a site in its organisation file or through the API (floor-plans).",
    );
    for plan in &plans {
        let v = &plan.value;
        let mut row = vec![
            Cell::link(v.name.clone(), format!("/coverage/{}", v.id)),
            site_cell(&sites, &v.site),
        ];
        match state.analysis.coverage(v, &[]) {
            Ok(c) => {
                let met = c.zones.iter().filter(|z| z.uncovered_m2 <= 1e-6).count();
                row.push(Cell::num(c.cameras.len().to_string()));
                row.push(Cell::num(format!("{:.1}", c.floor_area_m2)));
                row.push(Cell::num(format!("{met} of {}", c.zones.len())).class(
                    if met == c.zones.len() {
                        "level-low"
                    } else {
                        "level-high"
                    },
                ));
            }
            Err(e) => {
                row.push(Cell::text(""));
                row.push(Cell::text(""));
                row.push(Cell::text(format!("Not analysed: {e}")));
            }
        }
        t.rows.push(row);
    }
    let page = DesignList {
        layout: Layout::new(&p, "Camera coverage", "/coverage"),
        heading: "Camera coverage".to_owned(),
        intro: "Each floor plan with its cameras: what each camera really sees (walls and obstacles block the view) and at which IEC 62676-4 level, and the zones that miss their required level.".to_owned(),
        table: t,
    };
    Ok(html(StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "coverage.html")]
struct CoveragePage {
    layout: Layout,
    heading: String,
    id: String,
    facts: Vec<(&'static str, Cell)>,
    problem: Option<String>,
    view: Option<CoverageView>,
    levels: Table,
    zones: Table,
    cameras: Table,
    /// The camera being moved, as typed.
    moving: MoveInputs,
    move_errors: BTreeMap<&'static str, String>,
    /// Set when the drawing shows a moved camera (not saved).
    preview: Option<String>,
    may_save: bool,
    csrf: String,
    version: String,
    changed: String,
}

#[derive(Debug, Clone, Default)]
struct MoveInputs {
    camera: String,
    x: String,
    y: String,
    pan: String,
    options: Vec<(String, bool)>,
}

/// A camera move as the form typed it; `Ok(None)` when no move was asked.
fn read_move(
    params: &BTreeMap<String, String>,
    view: Option<&CoverageView>,
) -> (
    MoveInputs,
    Result<Option<CameraMove>, BTreeMap<&'static str, String>>,
) {
    let get = |k: &str| {
        params
            .get(k)
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    };
    let camera = get("camera");
    let cameras = view.map(|v| v.cameras.as_slice()).unwrap_or(&[]);
    let known = cameras.iter().find(|c| c.id == camera);
    let mut inputs = MoveInputs {
        camera: camera.clone(),
        x: get("x"),
        y: get("y"),
        pan: get("pan"),
        options: Vec::new(),
    };
    // Without a move, the form starts from the first camera where it is.
    if camera.is_empty()
        && let Some(c) = cameras.first()
    {
        inputs.camera = c.id.clone();
        inputs.x = format!("{}", c.x);
        inputs.y = format!("{}", c.y);
        inputs.pan = format!("{}", c.pan_deg);
    }
    inputs.options = cameras
        .iter()
        .map(|c| (c.id.clone(), c.id == inputs.camera))
        .collect();
    if camera.is_empty() {
        return (inputs, Ok(None));
    }
    let mut errors = BTreeMap::new();
    if known.is_none() {
        errors.insert("camera", "Choose a camera of this plan.".to_owned());
    }
    let [x0, y0, x1, y1] = view.map_or([f64::MIN, f64::MIN, f64::MAX, f64::MAX], |v| v.bounds);
    let x = number(&inputs.x, x0, x1, "x");
    let y = number(&inputs.y, y0, y1, "y");
    let pan = number(&inputs.pan, -360.0, 360.0, "a pan angle");
    for (k, r) in [("x", &x), ("y", &y), ("pan", &pan)] {
        if let Err(e) = r {
            errors.insert(k, e.clone());
        }
    }
    match (x, y, pan) {
        (Ok(x), Ok(y), Ok(pan_deg)) if errors.is_empty() => (
            inputs,
            Ok(Some(CameraMove {
                id: camera,
                x,
                y,
                pan_deg,
            })),
        ),
        _ => (inputs, Err(errors)),
    }
}

fn coverage_tables(c: &CoverageView) -> (Table, Table, Table) {
    let mut levels = Table::new(
        "Floor seen at each level or better",
        &["Level", "Area (m²)", "Share of the floor"],
        "",
    );
    for (level, area, fraction) in &c.levels {
        levels.rows.push(vec![
            Cell::text(capitalise(level)),
            Cell::num(format!("{area:.1}")),
            Cell::num(pct(*fraction)),
        ]);
    }
    let mut zones = Table::new(
        "Zones and their required level",
        &["Zone", "Required", "Covered", "Uncovered (m²)"],
        "No zone with a required level.",
    );
    for z in &c.zones {
        let met = z.uncovered_m2 <= 1e-6;
        zones.rows.push(vec![
            Cell::text(z.id.clone()),
            Cell::text(capitalise(&z.required)),
            Cell::num(pct(z.covered_fraction)).class(if met { "level-low" } else { "level-high" }),
            Cell::num(format!("{:.1}", z.uncovered_m2)),
        ]);
    }
    let mut cameras = Table::new(
        "Cameras",
        &[
            "Camera",
            "Position (m)",
            "Pan (°)",
            "Field of view (°)",
            "Height (m)",
        ],
        "No cameras.",
    );
    for cam in &c.cameras {
        cameras.rows.push(vec![
            Cell::text(cam.id.clone()),
            Cell::num(format!("{:.2}, {:.2}", cam.x, cam.y)),
            Cell::num(format!("{:.0}", cam.pan_deg)),
            Cell::num(format!("{:.1}", cam.hfov_deg)),
            Cell::num(format!("{:.1}", cam.height_m)),
        ]);
    }
    (levels, zones, cameras)
}

async fn coverage(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    Query(params): Params,
) -> PageResult {
    resource::require(&p, EntityKind::FloorPlan, Action::Read)?;
    let stored = load_one::<FloorPlan>(&state, &p, &id).await?;
    let sites = site_names(&state, &p).await?;
    let page = coverage_page(&state, &p, &stored, &sites, &params, BTreeMap::new());
    Ok(html(StatusCode::OK, &page))
}

fn coverage_page(
    state: &AppState,
    p: &Principal,
    stored: &Stored<FloorPlan>,
    sites: &BTreeMap<Id, String>,
    params: &BTreeMap<String, String>,
    extra_errors: BTreeMap<&'static str, String>,
) -> CoveragePage {
    let v = &stored.value;
    let mut facts = vec![("Site", site_cell(sites, &v.site))];
    let (base, mut problem) = match state.analysis.coverage(v, &[]) {
        Ok(c) => (Some(c), None),
        Err(e) => (None, Some(format!("This plan cannot be analysed: {e}"))),
    };
    let (moving, asked) = read_move(params, base.as_ref());
    let mut move_errors = extra_errors;
    let mut preview = None;
    let view = match asked {
        Ok(Some(m)) => match state.analysis.coverage(v, std::slice::from_ref(&m)) {
            Ok(c) => {
                preview = Some(format!(
                    "Preview: camera {} at ({:.2}, {:.2}) m, pan {:.0}°. Not saved.",
                    m.id, m.x, m.y, m.pan_deg
                ));
                Some(c)
            }
            Err(e) => {
                move_errors.insert("camera", capitalise(&e));
                base
            }
        },
        Ok(None) => base,
        Err(errors) => {
            move_errors.extend(errors);
            base
        }
    };
    let (levels, zones, cameras) = match &view {
        Some(c) => {
            facts.push(("Level profile", Cell::text(c.profile.clone())));
            facts.push((
                "Floor area",
                Cell::text(format!("{:.1} m²", c.floor_area_m2)),
            ));
            coverage_tables(c)
        }
        None => (Table::default(), Table::default(), Table::default()),
    };
    if view.is_none() && problem.is_none() {
        problem = Some("This plan cannot be analysed.".to_owned());
    }
    CoveragePage {
        layout: Layout::new(p, v.name.clone(), "/coverage"),
        heading: v.name.clone(),
        id: v.id.to_string(),
        facts,
        problem,
        view,
        levels,
        zones,
        cameras,
        moving,
        move_errors,
        preview,
        may_save: may_write(p, EntityKind::FloorPlan),
        csrf: p.csrf_token().unwrap_or("").to_owned(),
        version: stored.version.to_string(),
        changed: changed(stored),
    }
}

async fn save_camera(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> PageResult {
    let values = FormData(form);
    check_csrf(&p, &values, &headers).map_err(|e| in_frame(&p, e, "Not allowed"))?;
    if !may_write(&p, EntityKind::FloorPlan) {
        return Err(in_frame(
            &p,
            Problem::forbidden("your role may not change floor plans"),
            "Not allowed",
        ));
    }
    let stored = load_one::<FloorPlan>(&state, &p, &id).await?;
    let Some(version) = values
        .get("version")
        .parse::<i64>()
        .ok()
        .filter(|v| *v >= 1)
    else {
        return Err(in_frame(
            &p,
            Problem::bad_request(
                "the form did not say which version it edits; open the page again",
            ),
            "Cannot save",
        ));
    };
    let params: BTreeMap<String, String> = values.0.iter().cloned().collect();
    let sites = site_names(&state, &p).await?;
    let base = state.analysis.coverage(&stored.value, &[]).ok();
    let (_, asked) = read_move(&params, base.as_ref());
    let m = match asked {
        Ok(Some(m)) => m,
        Ok(None) => {
            let mut e = BTreeMap::new();
            e.insert("camera", "Choose a camera to move.".to_owned());
            let page = coverage_page(&state, &p, &stored, &sites, &params, e);
            return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
        Err(errors) => {
            let page = coverage_page(&state, &p, &stored, &sites, &params, errors);
            return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let plan = match state
        .analysis
        .move_cameras(&stored.value, std::slice::from_ref(&m))
    {
        Ok(plan) => plan,
        Err(e) => {
            let mut errors = BTreeMap::new();
            errors.insert("camera", capitalise(&e));
            let page = coverage_page(&state, &p, &stored, &sites, &params, errors);
            return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page));
        }
    };
    let updated = FloorPlan {
        plan,
        ..stored.value.clone()
    };
    match resource::update_entity(&state, &p, &updated, version).await {
        Ok(done) => Ok(Redirect::to(&format!("/coverage/{}", done.value.id())).into_response()),
        Err(problem) if problem.status == 409 || problem.status == 422 => {
            let mut errors = BTreeMap::new();
            errors.insert(
                "camera",
                if problem.status == 409 {
                    "This plan was changed by someone else after you opened it; nothing was saved. Reload the page and move the camera again.".to_owned()
                } else {
                    capitalise(&problem.detail)
                },
            );
            let page = coverage_page(&state, &p, &stored, &sites, &params, errors);
            Ok(html(problem.status(), &page))
        }
        Err(problem) => Err(in_frame(&p, problem, "Cannot save")),
    }
}

impl CoveragePage {
    fn move_error(&self, field: &str) -> Option<&String> {
        self.move_errors.get(field)
    }
}
