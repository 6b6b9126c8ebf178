//! The reading pages: the dashboard, the lists (with CSV) and the details.

use std::collections::BTreeMap;
use std::sync::Arc;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use rampart_domain::{
    AppliedControl, Assessment, Asset, Control, ControlStatus, Device, DeviceStatus, Entity,
    EntityKind, FemaInputs, Id, MatrixInputs, Organisation, Person, RiskMatrixScales, RiskScenario,
    Site, Threat, User, Zone,
};
use rampart_store::{AuditQuery, FieldFilter, FieldPath, FilterOp, FilterValue, ListQuery, Stored};
use serde::Serialize;

use super::{
    Cell, Layout, PageError, PageResult, PageUser, Table, code, csv_response, html,
    is_account_admin, label, money, url_encode, wants_fragment,
};
use crate::access::{self, Action};
use crate::analysis::{FairView, LossView};
use crate::auth::Principal;
use crate::problem::Problem;
use crate::resource;
use crate::state::AppState;

pub fn routes(r: Router<AppState>) -> Router<AppState> {
    r.route("/", get(dashboard))
        .route("/sites", get(sites))
        .route("/sites/{id}", get(site))
        .route("/asset-register", get(assets))
        .route("/asset-register/{id}", get(asset))
        .route("/threats", get(threats))
        .route("/threats/{id}", get(threat))
        .route("/risks", get(risks))
        .route("/risks/{id}", get(risk))
        .route("/controls", get(controls))
        .route("/controls/{id}", get(control))
        .route("/devices", get(devices))
        .route("/devices/{id}", get(device))
        .route("/people", get(people))
        .route("/people/{id}", get(person))
        .route("/users", get(users))
        .route("/users/{id}", get(user))
        .route("/roles", get(roles))
        .route("/audit-log", get(audit_log))
}

type Params = Query<BTreeMap<String, String>>;

// ------------------------------------------------------------ loading

/// Records of a kind the principal may see, on `sites` if given.
pub async fn load<E: Entity>(
    state: &AppState,
    p: &Principal,
    sites: Option<Vec<Id>>,
) -> Result<Vec<Stored<E>>, Problem> {
    let mut q = ListQuery::all();
    if resource::site_scoped(E::KIND) {
        q.sites = match (access::visible_sites(&p.user), sites) {
            (None, s) => s,
            (Some(v), None) => Some(v),
            (Some(v), Some(s)) => Some(s.into_iter().filter(|x| v.contains(x)).collect()),
        };
        if q.sites.as_ref().is_some_and(Vec::is_empty) {
            return Ok(Vec::new());
        }
    }
    Ok(state.store().list::<E>(&p.org, &q).await?)
}

/// One record the principal may see, or 404.
pub async fn load_one<E: Entity>(
    state: &AppState,
    p: &Principal,
    id: &str,
) -> Result<Stored<E>, Problem> {
    let missing = || {
        Problem::not_found(format!(
            "there is no {} {id:?}",
            E::KIND.as_str().replace('_', " ")
        ))
    };
    let id = Id::new(id).map_err(|_| missing())?;
    let rec = state
        .store()
        .get_record(&p.org, E::KIND, &id)
        .await?
        .ok_or_else(missing)?;
    if let Some(site) = &rec.site
        && !p.may_see_site(site)
    {
        return Err(missing());
    }
    Ok(rec.decode()?)
}

pub async fn organisation(state: &AppState, p: &Principal) -> Result<Organisation, Problem> {
    Ok(state
        .store()
        .organisation(&p.org)
        .await?
        .ok_or_else(|| Problem::not_found("the organisation no longer exists"))?
        .value)
}

fn names<E>(
    list: &[Stored<E>],
    id: impl Fn(&E) -> &Id,
    name: impl Fn(&E) -> String,
) -> BTreeMap<Id, String> {
    list.iter()
        .map(|s| (id(&s.value).clone(), name(&s.value)))
        .collect()
}

fn name_of(map: &BTreeMap<Id, String>, id: &Id) -> String {
    map.get(id).cloned().unwrap_or_else(|| id.to_string())
}

fn opt_name(map: &BTreeMap<Id, String>, id: Option<&Id>) -> String {
    id.map(|i| name_of(map, i)).unwrap_or_default()
}

fn link_or_blank(map: &BTreeMap<Id, String>, id: Option<&Id>, base: &str) -> Cell {
    match id {
        Some(i) => Cell::link(name_of(map, i), format!("{base}/{i}")),
        None => Cell::text(""),
    }
}

fn require_read(p: &Principal, kind: EntityKind) -> Result<(), Problem> {
    resource::require(p, kind, Action::Read)
}

// ------------------------------------------------------------ scoring

/// A score on one method's scale, for ordering and banding.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    pub value: u32,
    pub max: u32,
    pub fema: bool,
}

impl Score {
    pub fn matrix(m: &MatrixInputs, scales: &RiskMatrixScales) -> Score {
        Score {
            value: u32::from(m.likelihood) * u32::from(m.impact),
            max: (scales.likelihood.len() * scales.impact.len()) as u32,
            fema: false,
        }
    }

    pub fn fema(f: &FemaInputs) -> Score {
        Score {
            value: u32::from(f.score()),
            max: 1000,
            fema: true,
        }
    }

    pub fn ratio(&self) -> f64 {
        f64::from(self.value) / f64::from(self.max.max(1))
    }

    pub fn text(&self) -> String {
        format!("{} / {}", self.value, self.max)
    }

    /// FEMA 452's colour code (low 1-60, medium 61-175, high 176-1000); a
    /// matrix product in thirds of the largest product.
    pub fn level(&self) -> Level {
        if self.fema {
            match self.value {
                0..=60 => Level::Low,
                61..=175 => Level::Medium,
                _ => Level::High,
            }
        } else {
            let r = self.ratio();
            if r <= 1.0 / 3.0 {
                Level::Low
            } else if r <= 2.0 / 3.0 {
                Level::Medium
            } else {
                Level::High
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Low,
    Medium,
    High,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::Low, Level::Medium, Level::High];
    pub fn code(self) -> &'static str {
        match self {
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
        }
    }
    pub fn rank(self) -> u8 {
        match self {
            Level::Low => 0,
            Level::Medium => 1,
            Level::High => 2,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Level::Low => "Low",
            Level::Medium => "Medium",
            Level::High => "High",
        }
    }
    pub fn class(self) -> &'static str {
        match self {
            Level::Low => "level level-low",
            Level::Medium => "level level-medium",
            Level::High => "level level-high",
        }
    }
}

/// Inherent, current and residual scores of an assessment (matrix and FEMA
/// only: NIST levels and FAIR losses need their engines).
pub fn scores(a: &Assessment, scales: &RiskMatrixScales) -> [Option<Score>; 3] {
    match a {
        Assessment::Matrix {
            inherent,
            current,
            residual,
        } => [
            Some(Score::matrix(inherent, scales)),
            current.as_ref().map(|m| Score::matrix(m, scales)),
            residual.as_ref().map(|m| Score::matrix(m, scales)),
        ],
        Assessment::Fema452 {
            inherent,
            current,
            residual,
        } => [
            Some(Score::fema(inherent)),
            current.as_ref().map(Score::fema),
            residual.as_ref().map(Score::fema),
        ],
        _ => [None, None, None],
    }
}

/// The score that counts today: current where assessed, else inherent.
pub fn present_score(a: &Assessment, scales: &RiskMatrixScales) -> Option<Score> {
    let [i, c, _] = scores(a, scales);
    c.or(i)
}

pub fn method_label(a: &Assessment) -> &'static str {
    match a {
        Assessment::Matrix { .. } => "Matrix",
        Assessment::Fema452 { .. } => "FEMA 452",
        Assessment::Nist80030 { .. } => "NIST SP 800-30",
        Assessment::Fair { .. } => "Open FAIR",
    }
}

fn score_cell(s: Option<Score>) -> Cell {
    match s {
        Some(s) => Cell::num(s.text()),
        None => Cell::text(""),
    }
}

fn level_cell(s: Option<Score>) -> Cell {
    match s {
        Some(s) => Cell::text(s.level().label()).class(s.level().class()),
        None => Cell::text("Not banded").class("muted"),
    }
}

// ------------------------------------------------------------ dashboard

#[derive(Clone)]
struct HeatCell {
    count: usize,
    class: &'static str,
    label: String,
}

#[derive(Clone)]
struct HeatRow {
    likelihood: String,
    cells: Vec<HeatCell>,
}

#[derive(Clone)]
struct HeatMap {
    impacts: Vec<String>,
    rows: Vec<HeatRow>,
    total: usize,
}

#[derive(Clone)]
struct BandRow {
    band: &'static str,
    range: &'static str,
    count: usize,
    class: &'static str,
}

#[derive(Clone)]
struct SitePanel {
    id: String,
    name: String,
    heat: HeatMap,
    bands: Vec<BandRow>,
    fema_total: usize,
    top: Table,
    overdue: Table,
    devices: Table,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct Dashboard {
    layout: Layout,
    org_name: String,
    today: String,
    panels: Vec<SitePanel>,
    /// Risk acceptances expired or expiring soon (`audit_dashboard.html`).
    audit_warnings: Vec<super::audits::ExpiryWarning>,
    /// Acceptance test plans not signed off (`acceptance_dashboard.html`).
    open_plans: Vec<super::acceptance::OpenPlan>,
}

/// The most rows of overdue controls and faulty devices a site panel shows.
const PANEL_ROWS: usize = 10;

/// The most rows fetched in one query across sites before the dashboard
/// asks site by site instead.
const ACROSS_SITES: i64 = 2_000;

fn path(p: &str) -> Result<FieldPath, Problem> {
    FieldPath::new(p).map_err(|e| Problem::internal("a field path", e))
}

fn eq_text(field: &str, v: impl Into<String>) -> Result<FieldFilter, Problem> {
    Ok(FieldFilter {
        field: path(field)?,
        value: FilterValue::Text(v.into()),
        op: FilterOp::Eq,
    })
}

fn one_of(field: &str, values: Vec<FilterValue>) -> Result<FieldFilter, Problem> {
    Ok(FieldFilter {
        field: path(field)?,
        value: FilterValue::List(values),
        op: FilterOp::In,
    })
}

fn texts<T: Serialize>(values: impl IntoIterator<Item = T>) -> Vec<FilterValue> {
    values
        .into_iter()
        .map(|v| FilterValue::Text(code(&v)))
        .collect()
}

fn numbers(values: impl IntoIterator<Item = u8>) -> Vec<FilterValue> {
    values
        .into_iter()
        .map(|v| FilterValue::Number(f64::from(v)))
        .collect()
}

/// The sites a query of the principal's records is limited to: `None` for
/// every site.
fn scope(p: &Principal) -> Option<Vec<Id>> {
    access::visible_sites(&p.user)
}

/// The `name` of each record of `kind` among `ids` (one read by key each,
/// several at once), for the rows a page shows.
pub async fn names_by_id(
    state: &AppState,
    p: &Principal,
    kind: EntityKind,
    ids: impl IntoIterator<Item = Id>,
) -> Result<BTreeMap<Id, String>, Problem> {
    let ids: std::collections::BTreeSet<Id> = ids.into_iter().collect();
    let mut set = tokio::task::JoinSet::new();
    for id in ids {
        let db = state.db.clone();
        let org = p.org.clone();
        set.spawn(async move {
            let rec = db.get_record(&org, kind, &id).await;
            (id, rec)
        });
    }
    let mut out = BTreeMap::new();
    while let Some(done) = set.join_next().await {
        let (id, rec) = done.map_err(|e| Problem::internal("reading names", e))?;
        if let Some(rec) = rec?
            && rec.site.as_ref().is_none_or(|s| p.may_see_site(s))
            && let Some(name) = rec.body.get("name").and_then(|n| n.as_str())
        {
            out.insert(id, name.to_owned());
        }
    }
    Ok(out)
}

/// The fields the dashboard groups risks by: site, method, and the inputs
/// (inherent and current) as whole objects, which the backends read with
/// fewer JSON extractions than field by field.
const RISK_GROUP: [&str; 4] = [
    "site",
    "assessment.method",
    "assessment.inherent",
    "assessment.current",
];

/// One group of risks with the same site and assessment inputs.
struct RiskGroup {
    site: Id,
    fema: bool,
    /// Inherent inputs: (likelihood, impact) or (asset, threat, vulnerability).
    inherent: Vec<u8>,
    /// The score that counts today, and the matrix cell it falls in.
    present: Score,
    cell: Option<(usize, usize)>,
    count: i64,
}

fn small(v: &serde_json::Value) -> Option<u8> {
    v.as_u64().and_then(|n| u8::try_from(n).ok())
}

fn risk_group(
    key: &[serde_json::Value],
    count: i64,
    scales: &RiskMatrixScales,
) -> Option<RiskGroup> {
    let site = Id::new(key.first()?.as_str()?).ok()?;
    let inputs = |v: Option<&serde_json::Value>, names: &[&str]| -> Option<Vec<u8>> {
        let v = v?;
        names.iter().map(|n| v.get(*n).and_then(small)).collect()
    };
    match key.get(1)?.as_str()? {
        "matrix" => {
            let names = ["likelihood", "impact"];
            let inherent = inputs(key.get(2), &names)?;
            let m = inputs(key.get(3), &names).unwrap_or_else(|| inherent.clone());
            let inputs = MatrixInputs {
                likelihood: m[0],
                impact: m[1],
            };
            let (l, i) = (usize::from(m[0]), usize::from(m[1]));
            let cell = ((1..=scales.likelihood.len()).contains(&l)
                && (1..=scales.impact.len()).contains(&i))
            .then_some((l - 1, i - 1));
            Some(RiskGroup {
                site,
                fema: false,
                inherent,
                present: Score::matrix(&inputs, scales),
                cell,
                count,
            })
        }
        "fema452" => {
            let names = ["asset_value", "threat", "vulnerability"];
            let inherent = inputs(key.get(2), &names)?;
            let f = inputs(key.get(3), &names).unwrap_or_else(|| inherent.clone());
            Some(RiskGroup {
                site,
                fema: true,
                inherent,
                present: Score {
                    value: f.iter().map(|x| u32::from(*x)).product(),
                    max: 1000,
                    fema: true,
                },
                cell: None,
                count,
            })
        }
        _ => None,
    }
}

/// Level first (a FEMA 452 "high" outranks a matrix "medium"), then the
/// share of the method's largest score: the dashboard's order of risks.
fn risk_rank(s: &Score) -> (u8, f64) {
    (s.level().rank(), s.ratio())
}

fn rank_cmp(a: (u8, f64), b: (u8, f64)) -> std::cmp::Ordering {
    a.0.cmp(&b.0).then(a.1.total_cmp(&b.1))
}

/// Per site: the number of matching records, and the first `PANEL_ROWS`
/// of them in creation order. One query across sites when few match,
/// otherwise one limited query per site that has any.
async fn first_per_site<E: Entity>(
    state: &AppState,
    p: &Principal,
    filters: Vec<FieldFilter>,
    site_of: impl Fn(&E) -> &Id,
) -> Result<BTreeMap<Id, (i64, Vec<E>)>, Problem> {
    let q = ListQuery {
        sites: scope(p),
        filters,
        ..ListQuery::all()
    };
    let groups = state
        .store()
        .count_by(&p.org, E::KIND, &q, &[path("site")?])
        .await?;
    let mut out: BTreeMap<Id, (i64, Vec<E>)> = BTreeMap::new();
    let mut total = 0;
    for (key, n) in groups {
        if let Some(site) = key
            .first()
            .and_then(|s| s.as_str())
            .and_then(|s| Id::new(s).ok())
        {
            out.insert(site, (n, Vec::new()));
            total += n;
        }
    }
    if total == 0 {
        return Ok(out);
    }
    if total <= ACROSS_SITES {
        for r in state.store().list::<E>(&p.org, &q).await? {
            if let Some((_, rows)) = out.get_mut(site_of(&r.value))
                && rows.len() < PANEL_ROWS
            {
                rows.push(r.value);
            }
        }
    } else {
        for (site, (_, rows)) in out.iter_mut() {
            let one = ListQuery {
                sites: Some(vec![site.clone()]),
                limit: Some(PANEL_ROWS as i64),
                ..q.clone()
            };
            *rows = state
                .store()
                .list::<E>(&p.org, &one)
                .await?
                .into_iter()
                .map(|s| s.value)
                .collect();
        }
    }
    Ok(out)
}

/// The caption of a panel's table, saying when it shows only the first rows.
fn first_of(caption: String, count: i64, shown: usize) -> String {
    if count > shown as i64 {
        format!("{caption} (the first {shown} of {count})")
    } else {
        caption
    }
}

/// The highest risks of each site: from the grouped counts, each site's
/// cut-off score (the fifth risk's, ties included); then only the risks
/// whose inherent inputs can reach it are read, one query per method.
async fn top_risks(
    state: &AppState,
    p: &Principal,
    groups: &[RiskGroup],
    scales: &RiskMatrixScales,
) -> Result<BTreeMap<Id, Vec<(RiskScenario, Score)>>, Problem> {
    let mut by_site: BTreeMap<&Id, Vec<&RiskGroup>> = BTreeMap::new();
    for g in groups {
        by_site.entry(&g.site).or_default().push(g);
    }
    let mut cutoff: BTreeMap<Id, (u8, f64)> = BTreeMap::new();
    let mut chosen: Vec<&RiskGroup> = Vec::new();
    for (site, mut gs) in by_site {
        gs.sort_by(|a, b| rank_cmp(risk_rank(&b.present), risk_rank(&a.present)));
        let mut n = 0;
        let mut last = None;
        for g in gs {
            let r = risk_rank(&g.present);
            if n >= 5 && last.is_some_and(|l| rank_cmp(r, l).is_lt()) {
                break;
            }
            n += g.count;
            last = Some(r);
            chosen.push(g);
        }
        if let Some(l) = last {
            cutoff.insert(site.clone(), l);
        }
    }
    let mut candidates: Vec<RiskScenario> = Vec::new();
    for fema in [false, true] {
        let picked: Vec<&&RiskGroup> = chosen.iter().filter(|g| g.fema == fema).collect();
        if picked.is_empty() {
            continue;
        }
        let (method, fields): (&str, &[&str]) = if fema {
            (
                "fema452",
                &[
                    "assessment.inherent.asset_value",
                    "assessment.inherent.threat",
                    "assessment.inherent.vulnerability",
                ],
            )
        } else {
            (
                "matrix",
                &[
                    "assessment.inherent.likelihood",
                    "assessment.inherent.impact",
                ],
            )
        };
        // Per site, the inherent values its chosen groups hold: a query
        // reads every risk whose inputs are all among them (a superset of
        // the chosen groups, sorted out below).
        let mut per_site: BTreeMap<&Id, Vec<std::collections::BTreeSet<u8>>> = BTreeMap::new();
        for g in &picked {
            let sets = per_site
                .entry(&g.site)
                .or_insert_with(|| vec![Default::default(); fields.len()]);
            for (set, v) in sets.iter_mut().zip(&g.inherent) {
                set.insert(*v);
            }
        }
        let mut union = vec![std::collections::BTreeSet::<u8>::new(); fields.len()];
        for sets in per_site.values() {
            for (u, s) in union.iter_mut().zip(sets) {
                u.extend(s);
            }
        }
        let within = |g: &RiskGroup, sets: &[std::collections::BTreeSet<u8>]| {
            g.fema == fema && g.inherent.iter().zip(sets).all(|(v, s)| s.contains(v))
        };
        // How many one query across the sites would read, from the counts.
        let across: i64 = groups
            .iter()
            .filter(|g| per_site.contains_key(&g.site) && within(g, &union))
            .map(|g| g.count)
            .sum();
        let query = |sites: Vec<Id>, sets: &[std::collections::BTreeSet<u8>]| {
            let mut filters = vec![eq_text("assessment.method", method)?];
            for (f, s) in fields.iter().zip(sets) {
                filters.push(one_of(f, numbers(s.iter().copied()))?);
            }
            Ok::<_, Problem>(ListQuery {
                sites: Some(sites),
                filters,
                ..ListQuery::all()
            })
        };
        if across <= ACROSS_SITES {
            let q = query(per_site.keys().map(|s| (*s).clone()).collect(), &union)?;
            candidates.extend(
                state
                    .store()
                    .list::<RiskScenario>(&p.org, &q)
                    .await?
                    .into_iter()
                    .map(|s| s.value),
            );
        } else {
            for (site, sets) in &per_site {
                let q = query(vec![(*site).clone()], sets)?;
                candidates.extend(
                    state
                        .store()
                        .list::<RiskScenario>(&p.org, &q)
                        .await?
                        .into_iter()
                        .map(|s| s.value),
                );
            }
        }
    }
    let mut out: BTreeMap<Id, Vec<(RiskScenario, Score)>> = BTreeMap::new();
    for r in candidates {
        let Some(sc) = present_score(&r.assessment, scales) else {
            continue;
        };
        if cutoff
            .get(&r.site)
            .is_some_and(|c| !rank_cmp(risk_rank(&sc), *c).is_lt())
        {
            out.entry(r.site.clone()).or_default().push((r, sc));
        }
    }
    for list in out.values_mut() {
        list.sort_by(|a, b| rank_cmp(risk_rank(&b.1), risk_rank(&a.1)).then(a.0.id.cmp(&b.0.id)));
        list.truncate(5);
    }
    Ok(out)
}

async fn dashboard(State(state): State<AppState>, PageUser(p): PageUser) -> PageResult {
    let (stored_org, marks) = tokio::try_join!(
        async { Ok::<_, Problem>(state.store().organisation(&p.org).await?) },
        async { Ok::<_, Problem>(state.store().site_marks(&p.org, &PANEL_KINDS).await?) },
    )?;
    let stored_org =
        stored_org.ok_or_else(|| Problem::not_found("the organisation no longer exists"))?;
    let org = &stored_org.value;
    let today = super::today();
    // The audit and acceptance warnings are cached under the audit log's
    // head: every write appends to the log, so its newest entry names the
    // data, whichever server made the write. (The panels follow finer
    // marks: see `site_panels`.)
    let head = state
        .store()
        .audit_page(&AuditQuery {
            org: Some(p.org.clone()),
            limit: 1,
            without_content: true,
            ..AuditQuery::default()
        })
        .await?
        .into_iter()
        .next()
        .map(|e| format!("{}:{}", e.seq, e.hash))
        .unwrap_or_default();
    let key = format!(
        "dashboard|{}|{today}|{:?}|{head}",
        p.org,
        access::visible_sites(&p.user)
    );
    let audit_warnings = super::audits::expiry_warnings(&state, &p, today, &key).await?;
    let open_plans = super::acceptance::open_plans(&state, &p, today, &key).await?;
    // The whole set of panels, while no mark has moved; else site by site.
    let marks: BTreeMap<Option<Id>, i64> = marks.into_iter().collect();
    let all_key = format!(
        "dashboard-panels|{}|{:?}",
        p.org,
        access::visible_sites(&p.user)
    );
    let all_stamp = format!("{today}|{}|{marks:?}", stored_org.version);
    let panels = match state.cached::<(String, Vec<SitePanel>)>(&all_key) {
        Some(entry) if entry.0 == all_stamp => entry.1.clone(),
        _ => {
            let panels = site_panels(&state, &p, org, stored_org.version, &marks, today).await?;
            state.cache(all_key, Arc::new((all_stamp, panels.clone())));
            panels
        }
    };
    let page = Dashboard {
        layout: Layout::new(&p, "Dashboard", "/"),
        org_name: org.name.clone(),
        today: today.to_string(),
        panels,
        audit_warnings,
        open_plans,
    };
    Ok(html(StatusCode::OK, &page))
}

/// What a site's panel shows, so what its cache must follow: the site, its
/// zones, assets, risks, devices and applied controls, and the threats,
/// controls and people it names.
const PANEL_KINDS: [EntityKind; 9] = [
    EntityKind::Site,
    EntityKind::Zone,
    EntityKind::Asset,
    EntityKind::Risk,
    EntityKind::Device,
    EntityKind::AppliedControl,
    EntityKind::Threat,
    EntityKind::Control,
    EntityKind::Person,
];

/// The dashboard's panels, one per site the user sees, each cached on its
/// own. A panel is a function of the records at its site, the records of no
/// site (the names it shows), the organisation (its risk matrix) and the
/// date, and not of the user: its cache key holds the store's marks of the
/// site and of no site for [`PANEL_KINDS`] ([`rampart_store::Store::site_marks`],
/// which move with every write there, whichever server made it), the organisation's
/// version and the date. So after a write at one site only that site's
/// panel is computed again; losing the cache loses nothing.
async fn site_panels(
    state: &AppState,
    p: &Principal,
    org: &Organisation,
    org_version: i64,
    marks: &BTreeMap<Option<Id>, i64>,
    today: jiff::civil::Date,
) -> Result<Vec<SitePanel>, Problem> {
    let sites = load::<Site>(state, p, None).await?;
    let no_site = marks.get(&None).copied().unwrap_or(0);
    // One entry per site, replaced when its stamp no longer matches, so the
    // cache holds one panel per site however many writes there are.
    let key = |site: &Id| format!("dashboard-site|{}|{site}", p.org);
    let stamp = |site: &Id| {
        let mark = marks.get(&Some(site.clone())).copied().unwrap_or(0);
        format!("{today}|{org_version}|{no_site}|{mark}")
    };
    let mut found: BTreeMap<String, SitePanel> = BTreeMap::new();
    let mut missing: Vec<Id> = Vec::new();
    for s in &sites {
        let id = &s.value.id;
        match state.cached::<(String, SitePanel)>(&key(id)) {
            Some(entry) if entry.0 == stamp(id) => {
                found.insert(entry.1.id.clone(), entry.1.clone());
            }
            _ => missing.push(id.clone()),
        }
    }
    if !missing.is_empty() {
        // The same computation, narrowed to the sites whose panels are not
        // cached: a principal that sees only those (never more than `p`).
        let mut narrowed = p.clone();
        narrowed.user.all_sites = false;
        narrowed.user.sites = missing;
        for panel in dashboard_panels(state, &narrowed, org, today).await? {
            if let Ok(id) = Id::new(panel.id.clone()) {
                state.cache(key(&id), Arc::new((stamp(&id), panel.clone())));
            }
            found.insert(panel.id.clone(), panel);
        }
    }
    // In the order of the sites.
    Ok(sites
        .iter()
        .filter_map(|s| found.remove(s.value.id.as_str()))
        .collect())
}

async fn dashboard_panels(
    state: &AppState,
    p: &Principal,
    org: &Organisation,
    today: jiff::civil::Date,
) -> Result<Vec<SitePanel>, Problem> {
    let scales = &org.risk_matrix;
    // Every method: NIST and FAIR groups are dropped below (a filter on
    // the method would cost more than the few groups it saves).
    let risk_query = ListQuery {
        sites: scope(p),
        ..ListQuery::all()
    };
    let risk_fields = RISK_GROUP
        .iter()
        .map(|f| path(f))
        .collect::<Result<Vec<_>, _>>()?;
    // Not done: neither in place nor retired.
    let open = [
        ControlStatus::Proposed,
        ControlStatus::Planned,
        ControlStatus::InProgress,
        ControlStatus::Implemented,
        ControlStatus::Verified,
        ControlStatus::Retired,
    ]
    .into_iter()
    .filter(|s| !s.in_place() && *s != ControlStatus::Retired);
    let overdue_filters = vec![
        one_of("status", texts(open))?,
        FieldFilter {
            field: path("due")?,
            value: FilterValue::Text(today.yesterday().map(|d| d.to_string()).unwrap_or_default()),
            op: FilterOp::AtMost,
        },
    ];
    let faulty_filters = vec![one_of(
        "status",
        texts([DeviceStatus::OutOfService, DeviceStatus::Degraded]),
    )?];
    let (sites, risk_groups, mut overdue_by_site, mut faulty_by_site) = tokio::try_join!(
        load::<Site>(state, p, None),
        async {
            Ok::<_, Problem>(
                state
                    .store()
                    .count_by(&p.org, EntityKind::Risk, &risk_query, &risk_fields)
                    .await?,
            )
        },
        first_per_site::<AppliedControl>(state, p, overdue_filters, |a| &a.site),
        first_per_site::<Device>(state, p, faulty_filters, |d| &d.site),
    )?;
    let groups: Vec<RiskGroup> = risk_groups
        .iter()
        .filter_map(|(key, n)| risk_group(key, *n, scales))
        .filter(|g| p.may_see_site(&g.site))
        .collect();
    let mut top_by_site = top_risks(state, p, &groups, scales).await?;
    // Names, only of what the panels show.
    let tops = top_by_site.values().flatten();
    let overdue_rows = overdue_by_site.values().flat_map(|(_, v)| v.iter());
    let faulty_rows = faulty_by_site.values().flat_map(|(_, v)| v.iter());
    let (threat_names, asset_names, control_names, people_names, zone_names) = tokio::try_join!(
        names_by_id(
            state,
            p,
            EntityKind::Threat,
            tops.clone().map(|(r, _)| r.threat.clone())
        ),
        names_by_id(
            state,
            p,
            EntityKind::Asset,
            tops.map(|(r, _)| r.asset.clone())
        ),
        names_by_id(
            state,
            p,
            EntityKind::Control,
            overdue_rows.clone().map(|a| a.control.clone())
        ),
        names_by_id(
            state,
            p,
            EntityKind::Person,
            overdue_rows.filter_map(|a| a.owner.clone())
        ),
        names_by_id(
            state,
            p,
            EntityKind::Zone,
            faulty_rows.filter_map(|d| d.zone.clone())
        ),
    )?;
    let (nl, ni) = (scales.likelihood.len(), scales.impact.len());
    let mut panels = Vec::new();
    for s in &sites {
        let site = &s.value;
        // Heat map: likelihood rows (highest first) by impact columns.
        let mut counts = vec![vec![0usize; ni]; nl];
        let mut total = 0;
        let mut band_counts = [0usize; 3];
        for g in groups.iter().filter(|g| g.site == site.id) {
            let n = usize::try_from(g.count).unwrap_or(0);
            if g.fema {
                band_counts[usize::from(g.present.level().rank())] += n;
            } else if let Some((l, i)) = g.cell {
                counts[l][i] += n;
                total += n;
            }
        }
        let rows = (0..nl)
            .rev()
            .map(|l| HeatRow {
                likelihood: scales.likelihood[l].clone(),
                cells: (0..ni)
                    .map(|i| {
                        let score = Score {
                            value: ((l + 1) * (i + 1)) as u32,
                            max: (nl * ni) as u32,
                            fema: false,
                        };
                        let count = counts[l][i];
                        HeatCell {
                            count,
                            class: match score.level() {
                                Level::Low => "heat heat-low",
                                Level::Medium => "heat heat-medium",
                                Level::High => "heat heat-high",
                            },
                            label: format!(
                                "{} likelihood, {} impact: {count} risk{}",
                                scales.likelihood[l],
                                scales.impact[i],
                                if count == 1 { "" } else { "s" }
                            ),
                        }
                    })
                    .collect(),
            })
            .collect();
        let heat = HeatMap {
            impacts: scales.impact.clone(),
            rows,
            total,
        };
        // FEMA 452 bands.
        let fema_total = band_counts.iter().sum();
        let bands = vec![
            BandRow {
                band: "High",
                range: "176 to 1000",
                count: band_counts[2],
                class: "level level-high",
            },
            BandRow {
                band: "Medium",
                range: "61 to 175",
                count: band_counts[1],
                class: "level level-medium",
            },
            BandRow {
                band: "Low",
                range: "1 to 60",
                count: band_counts[0],
                class: "level level-low",
            },
        ];
        // Top risks.
        let mut top = Table::new(
            format!("Highest risks at {}", site.name),
            &["Risk", "Threat", "Asset", "Method", "Score", "Level"],
            "No matrix or FEMA 452 risks are assessed at this site.",
        );
        for (r, sc) in top_by_site.remove(&site.id).unwrap_or_default() {
            top.rows.push(vec![
                Cell::link(r.title.clone(), format!("/risks/{}", r.id)),
                Cell::text(name_of(&threat_names, &r.threat)),
                Cell::text(name_of(&asset_names, &r.asset)),
                Cell::text(method_label(&r.assessment)),
                Cell::num(sc.text()),
                level_cell(Some(sc)),
            ]);
        }
        // Overdue controls.
        let (count, applied) = overdue_by_site.remove(&site.id).unwrap_or_default();
        let mut overdue = Table::new(
            first_of(
                format!("Overdue controls at {}", site.name),
                count,
                applied.len(),
            ),
            &["Control", "Status", "Due", "Owner"],
            "No control is overdue at this site.",
        );
        for a in &applied {
            overdue.rows.push(vec![
                Cell::link(
                    name_of(&control_names, &a.control),
                    format!("/controls/{}", a.control),
                ),
                Cell::text(label(&a.status)),
                Cell::text(a.due.map(|d| d.to_string()).unwrap_or_default()).class("overdue"),
                Cell::text(opt_name(&people_names, a.owner.as_ref())),
            ]);
        }
        // Devices needing attention.
        let (count, devices) = faulty_by_site.remove(&site.id).unwrap_or_default();
        let mut faulty = Table::new(
            first_of(
                format!("Devices out of service or degraded at {}", site.name),
                count,
                devices.len(),
            ),
            &["Device", "Kind", "Zone", "Status"],
            "Every device at this site is working.",
        );
        for d in &devices {
            faulty.rows.push(vec![
                Cell::link(
                    d.name.clone().unwrap_or_else(|| d.id.to_string()),
                    format!("/devices/{}", d.id),
                ),
                Cell::text(label(&d.kind)),
                Cell::text(opt_name(&zone_names, d.zone.as_ref())),
                status_cell(d.status),
            ]);
        }
        panels.push(SitePanel {
            id: site.id.to_string(),
            name: site.name.clone(),
            heat,
            bands,
            fema_total,
            top,
            overdue,
            devices: faulty,
        });
    }
    Ok(panels)
}

fn status_cell(s: DeviceStatus) -> Cell {
    let class = match s {
        DeviceStatus::Operational => "status status-ok",
        DeviceStatus::Degraded => "status status-warn",
        DeviceStatus::OutOfService => "status status-bad",
        DeviceStatus::Planned | DeviceStatus::Decommissioned => "status status-muted",
    };
    Cell::text(label(&s)).class(class)
}

// ------------------------------------------------------------ lists

pub struct FilterOption {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A filter of a list: a select when it has options, a text box otherwise.
pub struct FilterField {
    pub name: &'static str,
    pub label: &'static str,
    pub value: String,
    pub options: Vec<FilterOption>,
}

impl FilterField {
    fn select(
        name: &'static str,
        label: &'static str,
        params: &BTreeMap<String, String>,
        any: &str,
        options: Vec<(String, String)>,
    ) -> FilterField {
        let value = params.get(name).cloned().unwrap_or_default();
        let mut opts = vec![FilterOption {
            value: String::new(),
            label: any.to_owned(),
            selected: value.is_empty(),
        }];
        opts.extend(options.into_iter().map(|(v, l)| FilterOption {
            selected: v == value,
            value: v,
            label: l,
        }));
        FilterField {
            name,
            label,
            value,
            options: opts,
        }
    }
}

#[derive(Template)]
#[template(path = "list.html")]
pub struct ListPage {
    pub layout: Layout,
    pub heading: String,
    pub intro: String,
    pub path: String,
    pub filters: Vec<FilterField>,
    pub results: Results,
    pub new_href: Option<String>,
    pub new_label: String,
}

/// The part of a list page that a filter replaces.
pub struct Results {
    pub table: Table,
    pub csv_href: String,
    pub more_href: Option<String>,
    /// Said when the table was cut to [`MAX_ROWS`], or is one page of many.
    pub shown_note: String,
    /// The previous and next pages of a paged list.
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
}

/// The most rows a list page renders.
pub const MAX_ROWS: usize = 500;

#[derive(Template)]
#[template(path = "results.html")]
pub struct ResultsFragment {
    pub results: Results,
}

/// The query string of the current filters, for the CSV link.
fn query_of(params: &BTreeMap<String, String>, drop: &[&str]) -> String {
    params
        .iter()
        .filter(|(k, v)| !v.is_empty() && !drop.contains(&k.as_str()))
        .map(|(k, v)| format!("{}={}", url_encode(k), url_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn csv_href(path: &str, params: &BTreeMap<String, String>) -> String {
    let q = query_of(params, &["format", "offset"]);
    if q.is_empty() {
        format!("{path}?format=csv")
    } else {
        format!("{path}?{q}&format=csv")
    }
}

struct ListSpec<'a> {
    p: &'a Principal,
    section: &'static str,
    path: &'static str,
    heading: &'static str,
    intro: String,
    csv_name: &'static str,
    filters: Vec<FilterField>,
    new_href: Option<String>,
    new_label: &'static str,
}

fn list_response(
    spec: ListSpec<'_>,
    table: Table,
    params: &BTreeMap<String, String>,
    headers: &HeaderMap,
    more_href: Option<String>,
) -> Response {
    paged_response(spec, table, params, headers, more_href, None)
}

/// How many rows a page of a list shows.
pub const PAGE_ROWS: i64 = 100;

/// How many records a CSV export reads at a time.
const CSV_CHUNK: i64 = 2_000;

/// Where a page of a list starts, and how many match across its pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paged {
    pub offset: i64,
    pub total: i64,
}

fn wants_csv(params: &BTreeMap<String, String>) -> bool {
    params.get("format").map(String::as_str) == Some("csv")
}

fn offset_param(params: &BTreeMap<String, String>) -> Result<i64, Problem> {
    match params.get("offset").filter(|v| !v.is_empty()) {
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| (0..=1_000_000_000).contains(n))
            .ok_or_else(|| Problem::bad_request("offset: a whole number of 0 or more")),
        None => Ok(0),
    }
}

fn page_href(path: &str, params: &BTreeMap<String, String>, offset: i64) -> String {
    let q = query_of(params, &["format", "offset"]);
    match (q.is_empty(), offset) {
        (true, 0) => path.to_owned(),
        (true, _) => format!("{path}?offset={offset}"),
        (false, 0) => format!("{path}?{q}"),
        (false, _) => format!("{path}?{q}&offset={offset}"),
    }
}

/// `q` limited to what the principal may see; `None` when that is nothing.
fn scoped(p: &Principal, kind: EntityKind, mut q: ListQuery) -> Option<ListQuery> {
    if resource::site_scoped(kind) {
        q.sites = match (access::visible_sites(&p.user), q.sites.take()) {
            (None, s) => s,
            (Some(v), None) => Some(v),
            (Some(v), Some(s)) => Some(s.into_iter().filter(|x| v.contains(x)).collect()),
        };
        if q.sites.as_ref().is_some_and(Vec::is_empty) {
            return None;
        }
    } else {
        q.sites = None;
    }
    Some(q)
}

/// The rows of a list page: one page (with the count across pages) read by
/// the store, or for a CSV export every match, read in chunks.
async fn list_rows<E: Entity>(
    state: &AppState,
    p: &Principal,
    q: ListQuery,
    params: &BTreeMap<String, String>,
) -> Result<(Vec<Stored<E>>, Option<Paged>), Problem> {
    let offset = offset_param(params)?;
    let Some(q) = scoped(p, E::KIND, q) else {
        return Ok((Vec::new(), Some(Paged { offset, total: 0 })));
    };
    if wants_csv(params) {
        return Ok((all_rows(state, p, q).await?, None));
    }
    let page = ListQuery {
        limit: Some(PAGE_ROWS),
        offset,
        ..q.clone()
    };
    let (rows, total) = tokio::try_join!(
        state.store().list::<E>(&p.org, &page),
        state.store().count_records(&p.org, E::KIND, &q),
    )?;
    Ok((rows, Some(Paged { offset, total })))
}

/// Every record `q` selects (already scoped), read in chunks.
async fn all_rows<E: Entity>(
    state: &AppState,
    p: &Principal,
    q: ListQuery,
) -> Result<Vec<Stored<E>>, Problem> {
    let mut out = Vec::new();
    loop {
        let chunk = ListQuery {
            limit: Some(CSV_CHUNK),
            offset: out.len() as i64,
            ..q.clone()
        };
        let got = state.store().list::<E>(&p.org, &chunk).await?;
        let n = got.len() as i64;
        out.extend(got);
        if n < CSV_CHUNK {
            return Ok(out);
        }
    }
}

/// Names of the records of `kind` that rows refer to: read one by one when
/// they are few, otherwise the whole kind at once (a CSV export).
async fn name_map(
    state: &AppState,
    p: &Principal,
    kind: EntityKind,
    ids: impl IntoIterator<Item = Id>,
) -> Result<BTreeMap<Id, String>, Problem> {
    let ids: std::collections::BTreeSet<Id> = ids.into_iter().collect();
    if ids.len() <= 500 {
        return names_by_id(state, p, kind, ids).await;
    }
    let Some(q) = scoped(p, kind, ListQuery::all()) else {
        return Ok(BTreeMap::new());
    };
    let mut out = BTreeMap::new();
    for r in state.store().list_records(&p.org, kind, &q).await? {
        if ids.contains(&r.id)
            && let Some(name) = r.body.get("name").and_then(|n| n.as_str())
        {
            out.insert(r.id, name.to_owned());
        }
    }
    Ok(out)
}

fn paged_response(
    spec: ListSpec<'_>,
    table: Table,
    params: &BTreeMap<String, String>,
    headers: &HeaderMap,
    more_href: Option<String>,
    paged: Option<Paged>,
) -> Response {
    if wants_csv(params) {
        return csv_response(spec.csv_name, &table);
    }
    if let Some(pg) = paged {
        let shown = table.rows.len() as i64;
        let end = pg.offset + shown;
        let shown_note = if pg.total > shown {
            if shown == 0 {
                format!(
                    "Nothing past the first {} of {}.",
                    pg.total.min(pg.offset),
                    pg.total
                )
            } else {
                format!(
                    "Rows {} to {end} of {} are shown: use the page links, narrow the filters, or download the CSV for all.",
                    pg.offset + 1,
                    pg.total
                )
            }
        } else {
            String::new()
        };
        let results = Results {
            table,
            csv_href: csv_href(spec.path, params),
            more_href,
            shown_note,
            prev_href: (pg.offset > 0)
                .then(|| page_href(spec.path, params, (pg.offset - PAGE_ROWS).max(0))),
            next_href: (end < pg.total).then(|| page_href(spec.path, params, end)),
        };
        return results_response(spec, results, headers);
    }
    // A page shows at most MAX_ROWS; the CSV holds every row.
    let mut table = table;
    let total = table.rows.len();
    let shown_note = if total > MAX_ROWS {
        table.rows.truncate(MAX_ROWS);
        format!(
            "The first {MAX_ROWS} of {total} are shown: narrow the filters, or download the CSV for all."
        )
    } else {
        String::new()
    };
    let results = Results {
        table,
        csv_href: csv_href(spec.path, params),
        more_href,
        shown_note,
        prev_href: None,
        next_href: None,
    };
    results_response(spec, results, headers)
}

fn results_response(spec: ListSpec<'_>, results: Results, headers: &HeaderMap) -> Response {
    if wants_fragment(headers, "results") {
        return html(StatusCode::OK, &ResultsFragment { results });
    }
    let page = ListPage {
        layout: Layout::new(spec.p, spec.heading, spec.section),
        heading: spec.heading.to_owned(),
        intro: spec.intro,
        path: spec.path.to_owned(),
        filters: spec.filters,
        results,
        new_href: spec.new_href,
        new_label: spec.new_label.to_owned(),
    };
    html(StatusCode::OK, &page)
}

fn site_filter(params: &BTreeMap<String, String>) -> Result<Option<Vec<Id>>, Problem> {
    match params.get("site").filter(|s| !s.is_empty()) {
        Some(s) => Id::new(s.as_str())
            .map(|id| Some(vec![id]))
            .map_err(|e| Problem::bad_request(format!("site: {e}"))),
        None => Ok(None),
    }
}

fn site_options(sites: &[Stored<Site>]) -> Vec<(String, String)> {
    sites
        .iter()
        .map(|s| (s.value.id.to_string(), s.value.name.clone()))
        .collect()
}

fn new_link(p: &Principal, kind: EntityKind, href: &str) -> Option<String> {
    let ok = if kind == EntityKind::Site {
        access::may_create_site(&p.user)
    } else {
        access::allows(p.user.role, kind, Action::Write)
    };
    ok.then(|| href.to_owned())
}

async fn sites(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    headers: HeaderMap,
    Query(params): Params,
) -> PageResult {
    require_read(&p, EntityKind::Site)?;
    let (sites, paged) = list_rows::<Site>(&state, &p, ListQuery::all(), &params).await?;
    let mut t = Table::new(
        "Sites",
        &["Site", "Id", "Kind", "Security level", "Address"],
        "No site is visible to you.",
    );
    for s in &sites {
        let v = &s.value;
        t.rows.push(vec![
            Cell::link(v.name.clone(), format!("/sites/{}", v.id)),
            Cell::text(v.id.to_string()).class("mono"),
            Cell::text(label(&v.kind)),
            Cell::num(v.facility_security_level.map(fsl_text).unwrap_or_default()),
            Cell::text(v.address.clone().unwrap_or_default()),
        ]);
    }
    let spec = ListSpec {
        p: &p,
        section: "/sites",
        path: "/sites",
        heading: "Sites",
        intro: "The places the organisation protects.".to_owned(),
        csv_name: "sites",
        filters: Vec::new(),
        new_href: new_link(&p, EntityKind::Site, "/sites/new"),
        new_label: "New site",
    };
    Ok(paged_response(spec, t, &params, &headers, None, paged))
}

/// ISC facility security levels are written in Roman numerals.
pub fn fsl_text(l: u8) -> String {
    match l {
        1 => "I",
        2 => "II",
        3 => "III",
        4 => "IV",
        5 => "V",
        _ => "?",
    }
    .to_owned()
}

async fn assets(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    headers: HeaderMap,
    Query(params): Query<BTreeMap<String, String>>,
) -> PageResult {
    require_read(&p, EntityKind::Asset)?;
    let org = organisation(&state, &p).await?;
    let kind = params.get("kind").cloned().unwrap_or_default();
    let mut q = ListQuery {
        sites: site_filter(&params)?,
        ..ListQuery::all()
    };
    if !kind.is_empty() {
        q.filters.push(eq_text("kind", kind.as_str())?);
    }
    let (sites, (list, paged)) = tokio::try_join!(
        load::<Site>(&state, &p, None),
        list_rows::<Asset>(&state, &p, q, &params),
    )?;
    let (zone_names, people_names) = tokio::try_join!(
        name_map(
            &state,
            &p,
            EntityKind::Zone,
            list.iter().filter_map(|a| a.value.zone.clone())
        ),
        name_map(
            &state,
            &p,
            EntityKind::Person,
            list.iter().filter_map(|a| a.value.owner.clone())
        ),
    )?;
    let site_names = names(&sites, |s| &s.id, |s| s.name.clone());
    let mut t = Table::new(
        "Assets",
        &[
            "Asset",
            "Site",
            "Zone",
            "Kind",
            "Value (1-10)",
            "Owner",
            "Replacement cost",
        ],
        "No asset matches.",
    );
    for a in list.iter().map(|s| &s.value) {
        t.rows.push(vec![
            Cell::link(a.name.clone(), format!("/asset-register/{}", a.id)),
            Cell::text(name_of(&site_names, &a.site)),
            Cell::text(opt_name(&zone_names, a.zone.as_ref())),
            Cell::text(label(&a.kind)),
            Cell::num(a.value.get().to_string()),
            link_or_blank(&people_names, a.owner.as_ref(), "/people"),
            Cell::num(
                a.replacement_cost
                    .map(|c| money(c, &org.currency))
                    .unwrap_or_default(),
            ),
        ]);
    }
    let kinds = ["people", "physical", "information", "system", "facility"]
        .iter()
        .map(|k| ((*k).to_owned(), super::capitalise(k)))
        .collect();
    let spec = ListSpec {
        p: &p,
        section: "/asset-register",
        path: "/asset-register",
        heading: "Assets",
        intro: "What is worth protecting, with its value on the FEMA 452 scale.".to_owned(),
        csv_name: "assets",
        filters: vec![
            FilterField::select("site", "Site", &params, "All sites", site_options(&sites)),
            FilterField::select("kind", "Kind", &params, "All kinds", kinds),
        ],
        new_href: new_link(&p, EntityKind::Asset, "/asset-register/new"),
        new_label: "New asset",
    };
    Ok(paged_response(spec, t, &params, &headers, None, paged))
}

/// A threat's ratings, only for the sites the principal may see.
fn visible_ratings(t: &Threat, p: &Principal, site_names: &BTreeMap<Id, String>) -> String {
    t.ratings
        .iter()
        .filter(|r| p.may_see_site(&r.site))
        .map(|r| format!("{} {}", name_of(site_names, &r.site), r.rating.get()))
        .collect::<Vec<_>>()
        .join("; ")
}

async fn threats(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    headers: HeaderMap,
    Query(params): Params,
) -> PageResult {
    require_read(&p, EntityKind::Threat)?;
    let category = params.get("category").cloned().unwrap_or_default();
    let mut q = ListQuery::all();
    if !category.is_empty() {
        q.filters.push(eq_text("category", category.as_str())?);
    }
    let (sites, (list, paged)) = tokio::try_join!(
        load::<Site>(&state, &p, None),
        list_rows::<Threat>(&state, &p, q, &params),
    )?;
    let site_names = names(&sites, |s| &s.id, |s| s.name.clone());
    let mut t = Table::new(
        "Threat catalogue",
        &[
            "Threat",
            "Category",
            "Adversary",
            "Capability",
            "Motivation",
            "Rating by site (1-10)",
        ],
        "No threat matches.",
    );
    for th in list.iter().map(|s| &s.value) {
        t.rows.push(vec![
            Cell::link(th.name.clone(), format!("/threats/{}", th.id)),
            Cell::text(label(&th.category)),
            Cell::text(
                th.adversary
                    .as_ref()
                    .map(|a| label(&a.kind))
                    .unwrap_or_default(),
            ),
            Cell::num(
                th.adversary
                    .as_ref()
                    .map(|a| a.capability.get().to_string())
                    .unwrap_or_default(),
            ),
            Cell::num(
                th.adversary
                    .as_ref()
                    .map(|a| a.motivation.get().to_string())
                    .unwrap_or_default(),
            ),
            Cell::text(visible_ratings(th, &p, &site_names)),
        ]);
    }
    let cats = [
        "criminal",
        "insider",
        "terrorism",
        "natural_hazard",
        "technical_failure",
        "cyber",
    ]
    .iter()
    .map(|c| ((*c).to_owned(), super::capitalise(&c.replace('_', " "))))
    .collect();
    let spec = ListSpec {
        p: &p,
        section: "/threats",
        path: "/threats",
        heading: "Threats",
        intro: "The threat catalogue and the design-basis adversaries.".to_owned(),
        csv_name: "threats",
        filters: vec![FilterField::select(
            "category",
            "Category",
            &params,
            "All categories",
            cats,
        )],
        new_href: new_link(&p, EntityKind::Threat, "/threats/new"),
        new_label: "New threat",
    };
    Ok(paged_response(spec, t, &params, &headers, None, paged))
}

async fn risks(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    headers: HeaderMap,
    Query(params): Params,
) -> PageResult {
    require_read(&p, EntityKind::Risk)?;
    let org = organisation(&state, &p).await?;
    let want = |k: &str| params.get(k).cloned().unwrap_or_default();
    let (level, owner, treatment, method) = (
        want("level"),
        want("owner"),
        want("treatment"),
        want("method"),
    );
    let mut q = ListQuery {
        sites: site_filter(&params)?,
        ..ListQuery::all()
    };
    if !owner.is_empty() {
        q.filters.push(eq_text("owner", owner.as_str())?);
    }
    if !treatment.is_empty() {
        q.filters.push(eq_text("treatment", treatment.as_str())?);
    }
    if !method.is_empty() {
        q.filters
            .push(eq_text("assessment.method", method.as_str())?);
    }
    let (sites, people, (list, paged)) = tokio::try_join!(
        load::<Site>(&state, &p, None),
        load::<Person>(&state, &p, None),
        risk_rows(&state, &p, q, &level, &org.risk_matrix, &params),
    )?;
    let (asset_names, threat_names) = tokio::try_join!(
        name_map(
            &state,
            &p,
            EntityKind::Asset,
            list.iter().map(|r| r.asset.clone())
        ),
        name_map(
            &state,
            &p,
            EntityKind::Threat,
            list.iter().map(|r| r.threat.clone())
        ),
    )?;
    let site_names = names(&sites, |s| &s.id, |s| s.name.clone());
    let people_names = names(&people, |x| &x.id, |x| x.name.clone());
    let mut t = Table::new(
        "Risk register",
        &[
            "Risk",
            "Site",
            "Threat",
            "Asset",
            "Method",
            "Inherent",
            "Current",
            "Residual",
            "Level",
            "Treatment",
            "Owner",
        ],
        "No risk matches these filters.",
    );
    for r in &list {
        let [i, c, res] = scores(&r.assessment, &org.risk_matrix);
        let present = c.or(i);
        t.rows.push(vec![
            Cell::link(r.title.clone(), format!("/risks/{}", r.id)),
            Cell::text(name_of(&site_names, &r.site)),
            Cell::text(name_of(&threat_names, &r.threat)),
            Cell::text(name_of(&asset_names, &r.asset)),
            Cell::text(method_label(&r.assessment)),
            score_cell(i),
            score_cell(c),
            score_cell(res),
            level_cell(present),
            Cell::text(label(&r.treatment)),
            link_or_blank(&people_names, r.owner.as_ref(), "/people"),
        ]);
    }
    let mut levels: Vec<(String, String)> = Level::ALL
        .iter()
        .rev()
        .map(|l| (l.code().to_owned(), l.label().to_owned()))
        .collect();
    levels.push(("unbanded".to_owned(), "Not banded (NIST, FAIR)".to_owned()));
    let treatments = ["undecided", "mitigate", "accept", "transfer", "avoid"]
        .iter()
        .map(|c| ((*c).to_owned(), super::capitalise(c)))
        .collect();
    let methods = vec![
        ("matrix".to_owned(), "Matrix".to_owned()),
        ("fema452".to_owned(), "FEMA 452".to_owned()),
        ("nist80030".to_owned(), "NIST SP 800-30".to_owned()),
        ("fair".to_owned(), "Open FAIR".to_owned()),
    ];
    let owners = people
        .iter()
        .map(|x| (x.value.id.to_string(), x.value.name.clone()))
        .collect();
    let spec = ListSpec {
        p: &p,
        section: "/risks",
        path: "/risks",
        heading: "Risk register",
        intro: format!(
            "Scores are likelihood x impact on the organisation's {}x{} matrix, or FEMA 452 asset x threat x vulnerability (1 to 1000). Level: FEMA 452 bands (low to 60, medium to 175, high above); matrix products in thirds of the largest. Current where assessed, otherwise inherent.",
            org.risk_matrix.likelihood.len(),
            org.risk_matrix.impact.len()
        ),
        csv_name: "risk-register",
        filters: vec![
            FilterField::select("site", "Site", &params, "All sites", site_options(&sites)),
            FilterField::select("level", "Level", &params, "All levels", levels),
            FilterField::select(
                "treatment",
                "Treatment",
                &params,
                "All treatments",
                treatments,
            ),
            FilterField::select("owner", "Owner", &params, "Anyone", owners),
            FilterField::select("method", "Method", &params, "All methods", methods),
        ],
        new_href: new_link(&p, EntityKind::Risk, "/risks/new"),
        new_label: "New risk",
    };
    Ok(paged_response(spec, t, &params, &headers, None, paged))
}

/// The level of a risk as the register shows it.
fn level_code(a: &Assessment, scales: &RiskMatrixScales) -> &'static str {
    present_score(a, scales)
        .map(|s| s.level().code())
        .unwrap_or("unbanded")
}

/// The rows of the risk register. Every filter but the level is the
/// store's; the level is computed from the assessment, so:
/// - "unbanded" is the store filter method in (NIST, FAIR);
/// - low / medium / high count from grouped counts of the assessment
///   inputs, and read the records in creation order in chunks, keeping
///   those of the level, until the page is full (a CSV reads them all).
async fn risk_rows(
    state: &AppState,
    p: &Principal,
    mut q: ListQuery,
    level: &str,
    scales: &RiskMatrixScales,
    params: &BTreeMap<String, String>,
) -> Result<(Vec<RiskScenario>, Option<Paged>), Problem> {
    let banded = ["low", "medium", "high"].contains(&level);
    if !banded {
        if level == "unbanded" {
            q.filters.push(one_of(
                "assessment.method",
                vec![
                    FilterValue::Text("nist80030".into()),
                    FilterValue::Text("fair".into()),
                ],
            )?);
        } else if !level.is_empty() {
            q.filters.push(eq_text("id", "")?);
        }
        let (rows, paged) = list_rows::<RiskScenario>(state, p, q, params).await?;
        return Ok((rows.into_iter().map(|s| s.value).collect(), paged));
    }
    q.filters.push(one_of(
        "assessment.method",
        vec![
            FilterValue::Text("matrix".into()),
            FilterValue::Text("fema452".into()),
        ],
    )?);
    let offset = offset_param(params)?;
    let Some(q) = scoped(p, EntityKind::Risk, q) else {
        return Ok((Vec::new(), Some(Paged { offset, total: 0 })));
    };
    let csv = wants_csv(params);
    let total = if csv {
        0
    } else {
        let fields = RISK_GROUP
            .iter()
            .map(|f| path(f))
            .collect::<Result<Vec<_>, _>>()?;
        state
            .store()
            .count_by(&p.org, EntityKind::Risk, &q, &fields)
            .await?
            .iter()
            .filter_map(|(key, n)| risk_group(key, *n, scales))
            .filter(|g| g.present.level().code() == level)
            .map(|g| g.count)
            .sum()
    };
    let (skip, want) = if csv {
        (0, usize::MAX)
    } else {
        (usize::try_from(offset).unwrap_or(0), PAGE_ROWS as usize)
    };
    let mut seen = 0usize;
    let mut out = Vec::new();
    let mut at = 0;
    'chunks: loop {
        let chunk = ListQuery {
            limit: Some(CSV_CHUNK),
            offset: at,
            ..q.clone()
        };
        let got = state.store().list::<RiskScenario>(&p.org, &chunk).await?;
        let n = got.len() as i64;
        at += n;
        for r in got {
            if level_code(&r.value.assessment, scales) == level {
                seen += 1;
                if seen > skip {
                    out.push(r.value);
                    if out.len() >= want {
                        break 'chunks;
                    }
                }
            }
        }
        if n < CSV_CHUNK {
            break;
        }
    }
    Ok((out, (!csv).then_some(Paged { offset, total })))
}

async fn controls(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    headers: HeaderMap,
    Query(params): Params,
) -> PageResult {
    require_read(&p, EntityKind::Control)?;
    let org = organisation(&state, &p).await?;
    let function = params.get("function").cloned().unwrap_or_default();
    let mut q = ListQuery::all();
    if !function.is_empty() {
        q.filters.push(eq_text("function", function.as_str())?);
    }
    let applied_q = ListQuery {
        sites: scope(&p),
        ..ListQuery::all()
    };
    let (list, paged) = list_rows::<Control>(&state, &p, q, &params).await?;
    // How many times each control is applied, on the sites the user sees.
    let applied: BTreeMap<String, i64> = if applied_q.sites.as_ref().is_some_and(Vec::is_empty) {
        BTreeMap::new()
    } else {
        state
            .store()
            .count_by(
                &p.org,
                EntityKind::AppliedControl,
                &applied_q,
                &[path("control")?],
            )
            .await?
            .into_iter()
            .filter_map(|(k, n)| Some((k.first()?.as_str()?.to_owned(), n)))
            .collect()
    };
    let mut t = Table::new(
        "Control catalogue",
        &[
            "Control",
            "Function",
            "Kind",
            "Capital cost",
            "Yearly cost",
            "Effectiveness",
            "Applied",
        ],
        "No control matches.",
    );
    for c in list.iter().map(|s| &s.value) {
        let n = applied.get(c.id.as_str()).copied().unwrap_or(0);
        t.rows.push(vec![
            Cell::link(c.name.clone(), format!("/controls/{}", c.id)),
            Cell::text(label(&c.function)),
            Cell::text(label(&c.kind)),
            Cell::num(money(c.capex, &org.currency)),
            Cell::num(money(c.opex_annual, &org.currency)),
            Cell::num(c.effectiveness.map(percent).unwrap_or_default()),
            Cell::num(n.to_string()),
        ]);
    }
    let functions = ["deter", "detect", "delay", "respond", "recover"]
        .iter()
        .map(|c| ((*c).to_owned(), super::capitalise(c)))
        .collect();
    let spec = ListSpec {
        p: &p,
        section: "/controls",
        path: "/controls",
        heading: "Controls",
        intro: "The countermeasure catalogue with its costs; each control's page lists where it is applied.".to_owned(),
        csv_name: "controls",
        filters: vec![FilterField::select("function", "Function", &params, "All functions", functions)],
        new_href: new_link(&p, EntityKind::Control, "/controls/new"),
        new_label: "New control",
    };
    Ok(paged_response(spec, t, &params, &headers, None, paged))
}

fn percent(f: f64) -> String {
    format!("{:.0} %", f * 100.0)
}

async fn devices(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    headers: HeaderMap,
    Query(params): Params,
) -> PageResult {
    require_read(&p, EntityKind::Device)?;
    let status = params.get("status").cloned().unwrap_or_default();
    let kind = params.get("kind").cloned().unwrap_or_default();
    let mut q = ListQuery {
        sites: site_filter(&params)?,
        ..ListQuery::all()
    };
    if !status.is_empty() {
        q.filters.push(eq_text("status", status.as_str())?);
    }
    if !kind.is_empty() {
        q.filters.push(eq_text("kind", kind.as_str())?);
    }
    let (sites, (list, paged)) = tokio::try_join!(
        load::<Site>(&state, &p, None),
        list_rows::<Device>(&state, &p, q, &params),
    )?;
    let zone_names = name_map(
        &state,
        &p,
        EntityKind::Zone,
        list.iter().filter_map(|d| d.value.zone.clone()),
    )
    .await?;
    let site_names = names(&sites, |s| &s.id, |s| s.name.clone());
    let mut t = Table::new(
        "Devices",
        &[
            "Device",
            "Site",
            "Zone",
            "Kind",
            "Make and model",
            "Installed",
            "Status",
        ],
        "No device matches.",
    );
    for d in list.iter().map(|s| &s.value) {
        let make_model = [d.make.as_deref(), d.model.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        t.rows.push(vec![
            Cell::link(
                d.name.clone().unwrap_or_else(|| d.id.to_string()),
                format!("/devices/{}", d.id),
            ),
            Cell::text(name_of(&site_names, &d.site)),
            Cell::text(opt_name(&zone_names, d.zone.as_ref())),
            Cell::text(label(&d.kind)),
            Cell::text(make_model),
            Cell::text(d.install_date.map(|x| x.to_string()).unwrap_or_default()),
            status_cell(d.status),
        ]);
    }
    let statuses = [
        "planned",
        "operational",
        "degraded",
        "out_of_service",
        "decommissioned",
    ]
    .iter()
    .map(|c| ((*c).to_owned(), super::capitalise(&c.replace('_', " "))))
    .collect();
    let kinds = forms::DEVICE_KINDS
        .iter()
        .map(|c| ((*c).to_owned(), super::capitalise(&c.replace('_', " "))))
        .collect();
    let spec = ListSpec {
        p: &p,
        section: "/devices",
        path: "/devices",
        heading: "Devices",
        intro: "Security equipment on the sites and its state.".to_owned(),
        csv_name: "devices",
        filters: vec![
            FilterField::select("site", "Site", &params, "All sites", site_options(&sites)),
            FilterField::select("status", "Status", &params, "Any status", statuses),
            FilterField::select("kind", "Kind", &params, "All kinds", kinds),
        ],
        new_href: new_link(&p, EntityKind::Device, "/devices/new"),
        new_label: "New device",
    };
    Ok(paged_response(spec, t, &params, &headers, None, paged))
}

use super::forms;

async fn people(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    headers: HeaderMap,
    Query(params): Params,
) -> PageResult {
    require_read(&p, EntityKind::Person)?;
    let (sites, (list, paged)) = tokio::try_join!(
        load::<Site>(&state, &p, None),
        list_rows::<Person>(&state, &p, ListQuery::all(), &params),
    )?;
    let site_names = names(&sites, |s| &s.id, |s| s.name.clone());
    let mut t = Table::new(
        "People",
        &[
            "Name", "Kind", "Employer", "Roles", "Sites", "Email", "Status",
        ],
        "No one is recorded.",
    );
    for x in list.iter().map(|s| &s.value) {
        t.rows.push(vec![
            Cell::link(x.name.clone(), format!("/people/{}", x.id)),
            Cell::text(label(&x.kind)),
            Cell::text(x.employer.clone().unwrap_or_default()),
            Cell::text(x.roles.join(", ")),
            Cell::text(
                x.sites
                    .iter()
                    .filter(|s| p.may_see_site(s))
                    .map(|s| name_of(&site_names, s))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            Cell::text(x.email.clone().unwrap_or_default()),
            Cell::text(label(&x.status)),
        ]);
    }
    let spec = ListSpec {
        p: &p,
        section: "/people",
        path: "/people",
        heading: "People",
        intro: "Staff, contractors and visitors on the sites.".to_owned(),
        csv_name: "people",
        filters: Vec::new(),
        new_href: new_link(&p, EntityKind::Person, "/people/new"),
        new_label: "New person",
    };
    Ok(paged_response(spec, t, &params, &headers, None, paged))
}

fn require_account_admin(p: &Principal) -> Result<(), Problem> {
    if is_account_admin(p) {
        Ok(())
    } else {
        Err(Problem::forbidden(
            "accounts and roles are managed by an administrator with access to every site",
        ))
    }
}

async fn users(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    headers: HeaderMap,
    Query(params): Params,
) -> PageResult {
    require_account_admin(&p)?;
    let list = load::<User>(&state, &p, None).await?;
    let mut t = Table::new(
        "User accounts",
        &["User", "Id", "Role", "Sites", "Email", "State"],
        "No accounts.",
    );
    for u in list.iter().map(|s| &s.value) {
        t.rows.push(vec![
            Cell::link(u.display_name.clone(), format!("/users/{}", u.id)),
            Cell::text(u.id.to_string()).class("mono"),
            Cell::text(access::role_label(u.role)),
            Cell::text(user_sites(u)),
            Cell::text(u.email.clone().unwrap_or_default()),
            if u.disabled {
                Cell::text("Disabled").class("status status-bad")
            } else {
                Cell::text("Active").class("status status-ok")
            },
        ]);
    }
    let spec = ListSpec {
        p: &p,
        section: "/users",
        path: "/users",
        heading: "Users",
        intro: "Accounts of this application: who may log in, with which role, to which sites. A new account gets a one-time password, shown once."
            .to_owned(),
        csv_name: "users",
        filters: Vec::new(),
        new_href: Some("/users/new".to_owned()),
        new_label: "New user",
    };
    Ok(list_response(spec, t, &params, &headers, None))
}

fn user_sites(u: &User) -> String {
    if u.all_sites {
        "All sites".to_owned()
    } else {
        u.sites
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

async fn roles(PageUser(p): PageUser, headers: HeaderMap, Query(params): Params) -> PageResult {
    require_account_admin(&p)?;
    let mut headers_row: Vec<&'static str> = vec!["Records"];
    headers_row.extend(access::ROLES.iter().map(|r| access::role_label(*r)));
    let mut t = Table::new("What each role may do", &headers_row, "");
    for kind in EntityKind::ALL {
        let mut row = vec![Cell::text(super::capitalise(
            &kind.plural().replace('_', " "),
        ))];
        for role in access::ROLES {
            let can = |a| access::allows(role, kind, a);
            let text = match (can(Action::Read), can(Action::Write), can(Action::Delete)) {
                (_, _, true) => "Read, change, delete",
                (_, true, false) => "Read, change",
                (true, false, false) => "Read",
                _ => "No access",
            };
            row.push(Cell::text(text));
        }
        t.rows.push(row);
    }
    let spec = ListSpec {
        p: &p,
        section: "/roles",
        path: "/roles",
        heading: "Roles",
        intro: "Permissions by role, from the server's access table. A user limited to some sites sees only their records; creating sites, managing accounts and reading the audit log need access to every site.".to_owned(),
        csv_name: "roles",
        filters: Vec::new(),
        new_href: None,
        new_label: "",
    };
    Ok(list_response(spec, t, &params, &headers, None))
}

async fn audit_log(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    headers: HeaderMap,
    Query(params): Params,
) -> PageResult {
    if !access::may_read_audit_log(&p.user) {
        return Err(Problem::forbidden(
            "the audit log is for administrators and security managers with access to every site",
        )
        .into());
    }
    let limit = 100;
    let text = |k: &str| {
        params
            .get(k)
            .filter(|v| !v.is_empty() && v.len() <= 200)
            .cloned()
    };
    let before = match params.get("before").filter(|v| !v.is_empty()) {
        Some(b) => Some(
            b.parse::<i64>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| Problem::bad_request("before: a sequence number from 1"))?,
        ),
        None => None,
    };
    let q = AuditQuery {
        org: Some(p.org.clone()),
        kind: text("kind"),
        entity_id: text("entity"),
        actor: text("actor"),
        before,
        limit,
        // The page shows who did what, not the content (an import's entry
        // holds the whole organisation).
        without_content: true,
    };
    let entries = state.store().audit_page(&q).await?;
    let mut t = Table::new(
        "Audit log, newest first",
        &["Seq", "When (UTC)", "Actor", "Action", "Kind", "Record"],
        "No entry matches.",
    );
    for e in &entries {
        t.rows.push(vec![
            Cell::num(e.seq.to_string()),
            Cell::text(
                e.at.replace('T', " ")
                    .trim_end_matches('Z')
                    .chars()
                    .take(19)
                    .collect::<String>(),
            ),
            Cell::text(e.actor.clone()),
            Cell::text(e.action.clone()),
            Cell::text(e.kind.replace('_', " ")),
            Cell::text(e.entity_id.clone()).class("mono"),
        ]);
    }
    let more = (entries.len() as i64 == limit)
        .then(|| entries.last().map(|e| e.seq))
        .flatten()
        .filter(|s| *s > 1)
        .map(|s| {
            let q = query_of(&params, &["before", "format"]);
            if q.is_empty() {
                format!("/audit-log?before={s}")
            } else {
                format!("/audit-log?{q}&before={s}")
            }
        });
    let kinds = EntityKind::ALL
        .iter()
        .map(|k| {
            (
                k.as_str().to_owned(),
                super::capitalise(&k.as_str().replace('_', " ")),
            )
        })
        .chain([
            ("credential".to_owned(), "Credential".to_owned()),
            ("api_token".to_owned(), "API token".to_owned()),
            ("evidence".to_owned(), "Audit evidence".to_owned()),
        ])
        .collect();
    let mut actor = FilterField::select("actor", "Actor", &params, "", Vec::new());
    actor.options.clear();
    let spec = ListSpec {
        p: &p,
        section: "/audit-log",
        path: "/audit-log",
        heading: "Audit log",
        intro: "Every change, hash-chained; `rampart audit-log verify` checks the chain."
            .to_owned(),
        csv_name: "audit-log",
        filters: vec![
            FilterField::select("kind", "Kind", &params, "All kinds", kinds),
            actor,
        ],
        new_href: None,
        new_label: "",
    };
    Ok(list_response(spec, t, &params, &headers, more))
}

// ------------------------------------------------------------ details

pub struct Field {
    pub label: &'static str,
    pub value: Cell,
}

fn f(label: &'static str, value: impl Into<String>) -> Field {
    Field {
        label,
        value: Cell::text(value),
    }
}

#[derive(Template)]
#[template(path = "detail.html")]
pub struct DetailPage {
    pub layout: Layout,
    pub heading: String,
    pub kicker: String,
    pub fields: Vec<Field>,
    pub sections: Vec<Table>,
    pub edit_href: Option<String>,
    pub back_href: &'static str,
    pub back_label: &'static str,
    pub version: String,
    pub note: String,
    /// Charts and drawings (SVG made by the engines' side) with captions.
    pub figures: Vec<Figure>,
    /// Further links beside Edit: (label, href).
    pub actions: Vec<(String, String)>,
    /// A Delete button, for those who may delete this record.
    pub delete: Option<DeleteButton>,
    /// Buttons that post a form (with the CSRF token) beside Edit.
    pub post_actions: Vec<PostAction>,
}

/// A button that posts to `action`, explained by `note`.
pub struct PostAction {
    pub action: String,
    pub label: &'static str,
    pub note: &'static str,
}

pub struct DeleteButton {
    pub action: String,
    pub version: i64,
    pub noun: &'static str,
}

/// The Delete button of a record, when the user's role may delete its kind.
fn delete_button<T>(
    p: &Principal,
    kind: EntityKind,
    base: &str,
    s: &Stored<T>,
    id: &Id,
    noun: &'static str,
) -> Option<DeleteButton> {
    access::allows(p.user.role, kind, Action::Delete).then(|| DeleteButton {
        action: format!("{base}/{id}/delete"),
        version: s.version,
        noun,
    })
}

pub struct Figure {
    pub svg: String,
    pub caption: String,
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

fn edit_link(p: &Principal, kind: EntityKind, href: String) -> Option<String> {
    access::allows(p.user.role, kind, Action::Write).then_some(href)
}

async fn site(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(id): Path<String>,
) -> PageResult {
    require_read(&p, EntityKind::Site)?;
    let org = organisation(&state, &p).await?;
    let s = load_one::<Site>(&state, &p, &id).await?;
    let here = Some(vec![s.value.id.clone()]);
    let (zones, assets, devices, risks, people) = tokio::try_join!(
        load::<Zone>(&state, &p, here.clone()),
        load::<Asset>(&state, &p, here.clone()),
        load::<Device>(&state, &p, here.clone()),
        load::<RiskScenario>(&state, &p, here.clone()),
        load::<Person>(&state, &p, None),
    )?;
    let v = &s.value;
    let zone_names = names(&zones, |z| &z.id, |z| z.name.clone());
    let people_names = names(&people, |x| &x.id, |x| x.name.clone());
    let hours = match &v.operating_hours {
        rampart_domain::OperatingHours::Always => {
            "Always open (staffed around the clock)".to_owned()
        }
        rampart_domain::OperatingHours::Weekly(periods) => periods
            .iter()
            .map(|per| {
                format!(
                    "{} {}-{}",
                    per.days
                        .iter()
                        .map(|d| super::capitalise(&code(d)))
                        .collect::<Vec<_>>()
                        .join(", "),
                    per.open.strftime("%H:%M"),
                    per.close.strftime("%H:%M")
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
    };
    let fields = vec![
        f("Id", v.id.to_string()),
        f("Kind", label(&v.kind)),
        f(
            "Facility security level",
            v.facility_security_level
                .map(fsl_text)
                .unwrap_or_else(|| "Not set".to_owned()),
        ),
        f("Address", v.address.clone().unwrap_or_default()),
        f(
            "Coordinates",
            v.coordinates
                .map(|c| format!("{:.4}, {:.4}", c.lat, c.lon))
                .unwrap_or_default(),
        ),
        f("Operating hours", hours),
        f("Description", v.description.clone().unwrap_or_default()),
    ];
    let mut zt = Table::new(
        "Zones",
        &["Zone", "Within", "Kind", "Classification"],
        "No zones.",
    );
    let zone_writer = access::allows(p.user.role, EntityKind::Zone, Action::Write);
    for z in zones.iter().map(|z| &z.value) {
        zt.rows.push(vec![
            if zone_writer {
                Cell::link(z.name.clone(), format!("/zones/{}/edit", z.id))
            } else {
                Cell::text(z.name.clone())
            },
            Cell::text(opt_name(&zone_names, z.parent.as_ref())),
            Cell::text(label(&z.kind)),
            Cell::text(label(&z.classification)),
        ]);
    }
    let mut at = Table::new(
        "Assets",
        &["Asset", "Zone", "Kind", "Value (1-10)", "Owner"],
        "No assets.",
    );
    for a in assets.iter().map(|a| &a.value) {
        at.rows.push(vec![
            Cell::link(a.name.clone(), format!("/asset-register/{}", a.id)),
            Cell::text(opt_name(&zone_names, a.zone.as_ref())),
            Cell::text(label(&a.kind)),
            Cell::num(a.value.get().to_string()),
            Cell::text(opt_name(&people_names, a.owner.as_ref())),
        ]);
    }
    let mut dt = Table::new(
        "Devices",
        &["Device", "Zone", "Kind", "Status"],
        "No devices.",
    );
    for d in devices.iter().map(|d| &d.value) {
        dt.rows.push(vec![
            Cell::link(
                d.name.clone().unwrap_or_else(|| d.id.to_string()),
                format!("/devices/{}", d.id),
            ),
            Cell::text(opt_name(&zone_names, d.zone.as_ref())),
            Cell::text(label(&d.kind)),
            status_cell(d.status),
        ]);
    }
    let mut rt = Table::new(
        "Risks",
        &["Risk", "Method", "Current", "Level", "Treatment"],
        "No risks.",
    );
    for r in risks.iter().map(|r| &r.value) {
        let sc = present_score(&r.assessment, &org.risk_matrix);
        rt.rows.push(vec![
            Cell::link(r.title.clone(), format!("/risks/{}", r.id)),
            Cell::text(method_label(&r.assessment)),
            score_cell(sc),
            level_cell(sc),
            Cell::text(label(&r.treatment)),
        ]);
    }
    let mut sections = vec![zt, at, dt, rt];
    let mut figures = Vec::new();
    let mut note = String::new();
    let fair_risks: Vec<RiskScenario> = risks
        .iter()
        .filter(|r| matches!(r.value.assessment, Assessment::Fair { .. }))
        .map(|r| r.value.clone())
        .collect();
    if !fair_risks.is_empty() {
        match fair_view(&state, fair_risks, &org.currency).await {
            Ok(Some(view)) => {
                let mut t = loss_rows(
                    format!(
                        "Quantified risks (Open FAIR): annual loss, {} trials, seed {}, controls in place",
                        view.trials, view.seed
                    ),
                    &view.scenarios,
                    &org.currency,
                );
                if view.scenarios.len() > 1 {
                    let mut total = loss_rows(
                        String::new(),
                        std::slice::from_ref(&view.portfolio),
                        &org.currency,
                    );
                    if let Some(mut row) = total.rows.pop() {
                        row[0] = Cell::text("All together (per-trial sum)");
                        t.rows.push(row);
                    }
                }
                sections.push(t);
                figures.push(Figure {
                    svg: view.lec_svg.clone(),
                    caption: format!(
                        "Loss exceedance curves of the quantified risks of {}.",
                        v.name
                    ),
                });
                figures.push(Figure {
                    svg: view.bars_svg.clone(),
                    caption: "Annual loss percentiles: bar p10 to p90, tick at the median, dot at the mean, whisker to p99.".to_owned(),
                });
            }
            Ok(None) => {}
            Err(e) => note = format!("The quantified risks could not be simulated: {}", e.detail),
        }
    }
    let page = DetailPage {
        layout: Layout::new(&p, v.name.clone(), "/sites"),
        heading: v.name.clone(),
        kicker: "Site".to_owned(),
        fields,
        sections,
        edit_href: edit_link(&p, EntityKind::Site, format!("/sites/{}/edit", v.id)),
        back_href: "/sites",
        back_label: "All sites",
        version: changed(&s),
        note,
        figures,
        post_actions: Vec::new(),
        actions: {
            let mut a = Vec::new();
            if zone_writer {
                a.push(("Add a zone".to_owned(), format!("/zones/new?site={}", v.id)));
            }
            if access::allows(p.user.role, EntityKind::AppliedControl, Action::Read) {
                a.push((
                    "Countermeasures under a budget".to_owned(),
                    format!("/sites/{}/countermeasures", v.id),
                ));
            }
            a
        },
        delete: delete_button(&p, EntityKind::Site, "/sites", &s, &v.id, "site"),
    };
    Ok(html(StatusCode::OK, &page))
}

async fn asset(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(id): Path<String>,
) -> PageResult {
    require_read(&p, EntityKind::Asset)?;
    let org = organisation(&state, &p).await?;
    let s = load_one::<Asset>(&state, &p, &id).await?;
    let v = &s.value;
    let here = Some(vec![v.site.clone()]);
    let (sites, zones, people, risks, applied, controls) = tokio::try_join!(
        load::<Site>(&state, &p, None),
        load::<Zone>(&state, &p, here.clone()),
        load::<Person>(&state, &p, None),
        load::<RiskScenario>(&state, &p, here.clone()),
        load::<AppliedControl>(&state, &p, here.clone()),
        load::<Control>(&state, &p, None),
    )?;
    let site_names = names(&sites, |s| &s.id, |s| s.name.clone());
    let zone_names = names(&zones, |z| &z.id, |z| z.name.clone());
    let people_names = names(&people, |x| &x.id, |x| x.name.clone());
    let control_names = names(&controls, |c| &c.id, |c| c.name.clone());
    let fields = vec![
        f("Id", v.id.to_string()),
        Field {
            label: "Site",
            value: Cell::link(name_of(&site_names, &v.site), format!("/sites/{}", v.site)),
        },
        f("Zone", opt_name(&zone_names, v.zone.as_ref())),
        f("Kind", label(&v.kind)),
        f("Value (1-10)", v.value.get().to_string()),
        Field {
            label: "Owner",
            value: link_or_blank(&people_names, v.owner.as_ref(), "/people"),
        },
        f(
            "Replacement cost",
            v.replacement_cost
                .map(|c| money(c, &org.currency))
                .unwrap_or_default(),
        ),
        f("Description", v.description.clone().unwrap_or_default()),
    ];
    let mut rt = Table::new(
        "Risks to this asset",
        &["Risk", "Method", "Current", "Level"],
        "No risk names this asset.",
    );
    for r in risks.iter().map(|r| &r.value).filter(|r| r.asset == v.id) {
        let sc = present_score(&r.assessment, &org.risk_matrix);
        rt.rows.push(vec![
            Cell::link(r.title.clone(), format!("/risks/{}", r.id)),
            Cell::text(method_label(&r.assessment)),
            score_cell(sc),
            level_cell(sc),
        ]);
    }
    let mut ct = Table::new(
        "Controls protecting it",
        &["Control", "Status", "Due"],
        "No control protects this asset.",
    );
    for a in applied
        .iter()
        .map(|a| &a.value)
        .filter(|a| a.protects.contains(&v.id))
    {
        ct.rows.push(vec![
            Cell::link(
                name_of(&control_names, &a.control),
                format!("/controls/{}", a.control),
            ),
            Cell::text(label(&a.status)),
            Cell::text(a.due.map(|d| d.to_string()).unwrap_or_default()),
        ]);
    }
    let page = DetailPage {
        layout: Layout::new(&p, v.name.clone(), "/asset-register"),
        heading: v.name.clone(),
        kicker: "Asset".to_owned(),
        fields,
        sections: vec![rt, ct],
        edit_href: edit_link(
            &p,
            EntityKind::Asset,
            format!("/asset-register/{}/edit", v.id),
        ),
        back_href: "/asset-register",
        back_label: "All assets",
        version: changed(&s),
        note: String::new(),
        figures: Vec::new(),
        post_actions: Vec::new(),
        actions: Vec::new(),
        delete: delete_button(&p, EntityKind::Asset, "/asset-register", &s, &v.id, "asset"),
    };
    Ok(html(StatusCode::OK, &page))
}

async fn threat(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(id): Path<String>,
) -> PageResult {
    require_read(&p, EntityKind::Threat)?;
    let s = load_one::<Threat>(&state, &p, &id).await?;
    let sites = load::<Site>(&state, &p, None).await?;
    let site_names = names(&sites, |s| &s.id, |s| s.name.clone());
    let v = &s.value;
    let mut fields = vec![
        f("Id", v.id.to_string()),
        f("Category", label(&v.category)),
        f("Description", v.description.clone().unwrap_or_default()),
    ];
    if let Some(a) = &v.adversary {
        fields.push(f("Adversary", label(&a.kind)));
        fields.push(f("Capability (1-10)", a.capability.get().to_string()));
        fields.push(f("Motivation (1-10)", a.motivation.get().to_string()));
        fields.push(f(
            "Group size",
            a.group_size.map(|g| g.to_string()).unwrap_or_default(),
        ));
        fields.push(f("Tactics", a.tactics.join("; ")));
        fields.push(f("Tools", a.tools.join("; ")));
    }
    let mut rt = Table::new(
        "Threat rating by site",
        &["Site", "Rating (1-10)", "Rationale"],
        "Not rated at any site you can see.",
    );
    for r in v.ratings.iter().filter(|r| p.may_see_site(&r.site)) {
        rt.rows.push(vec![
            Cell::link(name_of(&site_names, &r.site), format!("/sites/{}", r.site)),
            Cell::num(r.rating.get().to_string()),
            Cell::text(r.rationale.clone().unwrap_or_default()),
        ]);
    }
    let page = DetailPage {
        layout: Layout::new(&p, v.name.clone(), "/threats"),
        heading: v.name.clone(),
        kicker: "Threat".to_owned(),
        fields,
        sections: vec![rt],
        edit_href: edit_link(&p, EntityKind::Threat, format!("/threats/{}/edit", v.id)),
        back_href: "/threats",
        back_label: "All threats",
        version: changed(&s),
        note: String::new(),
        figures: Vec::new(),
        post_actions: Vec::new(),
        actions: Vec::new(),
        delete: delete_button(&p, EntityKind::Threat, "/threats", &s, &v.id, "threat"),
    };
    Ok(html(StatusCode::OK, &page))
}

/// The colour of a NIST level (0 Very Low .. 4 Very High) on the pages' three bands.
fn nist_class(rank: u8) -> &'static str {
    match rank {
        0 | 1 => Level::Low.class(),
        2 => Level::Medium.class(),
        _ => Level::High.class(),
    }
}

fn level_name(l: &rampart_domain::QualitativeLevel) -> String {
    label(l)
}

async fn risk(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(id): Path<String>,
) -> PageResult {
    require_read(&p, EntityKind::Risk)?;
    let org = organisation(&state, &p).await?;
    let s = load_one::<RiskScenario>(&state, &p, &id).await?;
    let v = &s.value;
    let here = Some(vec![v.site.clone()]);
    let (sites, assets, threats, people, applied, controls) = tokio::try_join!(
        load::<Site>(&state, &p, None),
        load::<Asset>(&state, &p, here.clone()),
        load::<Threat>(&state, &p, None),
        load::<Person>(&state, &p, None),
        load::<AppliedControl>(&state, &p, here.clone()),
        load::<Control>(&state, &p, None),
    )?;
    let site_names = names(&sites, |s| &s.id, |s| s.name.clone());
    let asset_names = names(&assets, |a| &a.id, |a| a.name.clone());
    let threat_names = names(&threats, |t| &t.id, |t| t.name.clone());
    let people_names = names(&people, |x| &x.id, |x| x.name.clone());
    let control_names = names(&controls, |c| &c.id, |c| c.name.clone());
    let present = present_score(&v.assessment, &org.risk_matrix);
    let mut fields = vec![
        f("Id", v.id.to_string()),
        Field {
            label: "Site",
            value: Cell::link(name_of(&site_names, &v.site), format!("/sites/{}", v.site)),
        },
        Field {
            label: "Threat",
            value: Cell::link(
                name_of(&threat_names, &v.threat),
                format!("/threats/{}", v.threat),
            ),
        },
        Field {
            label: "Asset",
            value: Cell::link(
                name_of(&asset_names, &v.asset),
                format!("/asset-register/{}", v.asset),
            ),
        },
        f("Method", method_label(&v.assessment)),
        Field {
            label: "Level",
            value: level_cell(present),
        },
        f("Treatment", label(&v.treatment)),
        Field {
            label: "Owner",
            value: link_or_blank(&people_names, v.owner.as_ref(), "/people"),
        },
        f(
            "Review date",
            v.review_date.map(|d| d.to_string()).unwrap_or_default(),
        ),
        f("Description", v.description.clone().unwrap_or_default()),
    ];
    let scales = &org.risk_matrix;
    let scale_name = |v: &[String], n: u8| {
        v.get(usize::from(n).wrapping_sub(1))
            .cloned()
            .unwrap_or_else(|| n.to_string())
    };
    let mut at;
    let mut note = String::new();
    match &v.assessment {
        Assessment::Matrix {
            inherent,
            current,
            residual,
        } => {
            at = Table::new(
                "Assessment (matrix)",
                &["Stage", "Likelihood", "Impact", "Score", "Level"],
                "",
            );
            for (stage, m) in [
                ("Inherent", Some(inherent)),
                ("Current", current.as_ref()),
                ("Residual", residual.as_ref()),
            ] {
                if let Some(m) = m {
                    let sc = Score::matrix(m, scales);
                    at.rows.push(vec![
                        Cell::text(stage),
                        Cell::text(format!(
                            "{} ({})",
                            scale_name(&scales.likelihood, m.likelihood),
                            m.likelihood
                        )),
                        Cell::text(format!(
                            "{} ({})",
                            scale_name(&scales.impact, m.impact),
                            m.impact
                        )),
                        Cell::num(sc.text()),
                        level_cell(Some(sc)),
                    ]);
                }
            }
        }
        Assessment::Fema452 {
            inherent,
            current,
            residual,
        } => {
            at = Table::new(
                "Assessment (FEMA 452)",
                &[
                    "Stage",
                    "Asset value",
                    "Threat",
                    "Vulnerability",
                    "Risk (A x T x V)",
                    "Level",
                ],
                "",
            );
            for (stage, m) in [
                ("Inherent", Some(inherent)),
                ("Current", current.as_ref()),
                ("Residual", residual.as_ref()),
            ] {
                if let Some(m) = m {
                    let sc = Score::fema(m);
                    at.rows.push(vec![
                        Cell::text(stage),
                        Cell::num(m.asset_value.get().to_string()),
                        Cell::num(m.threat.get().to_string()),
                        Cell::num(m.vulnerability.get().to_string()),
                        Cell::num(sc.text()),
                        level_cell(Some(sc)),
                    ]);
                }
            }
        }
        Assessment::Nist80030 {
            inherent,
            current,
            residual,
        } => {
            at = Table::new(
                "Assessment (NIST SP 800-30)",
                &[
                    "Stage",
                    "Initiation or occurrence",
                    "Adverse impact",
                    "Overall likelihood (G-5)",
                    "Impact",
                    "Risk (I-2)",
                ],
                "",
            );
            for (stage, m) in [
                ("Inherent", Some(inherent)),
                ("Current", current.as_ref()),
                ("Residual", residual.as_ref()),
            ] {
                if let Some(m) = m {
                    let rated = state.analysis.nist(m);
                    at.rows.push(vec![
                        Cell::text(stage),
                        Cell::text(level_name(&m.initiation)),
                        Cell::text(level_name(&m.adverse_impact)),
                        Cell::text(
                            rated
                                .as_ref()
                                .map(|r| r.overall_likelihood.clone())
                                .unwrap_or_default(),
                        ),
                        Cell::text(level_name(&m.impact)),
                        rated.as_ref().map_or_else(
                            || Cell::text(""),
                            |r| Cell::text(r.risk.clone()).class(nist_class(r.rank)),
                        ),
                    ]);
                }
            }
            // The present level: current where assessed, else inherent.
            if let Some(r) = state.analysis.nist(current.as_ref().unwrap_or(inherent))
                && let Some(level) = fields.iter_mut().find(|f| f.label == "Level")
            {
                level.value =
                    Cell::text(format!("{} (NIST SP 800-30)", r.risk)).class(nist_class(r.rank));
            }
        }
        Assessment::Fair { model } => {
            at = Table::new("Open FAIR model", &["Factor", "As written"], "");
            if let Some(obj) = model.as_object() {
                for (k, val) in obj {
                    at.rows.push(vec![
                        Cell::text(k.replace('_', " ")),
                        Cell::text(val.to_string()).class("mono"),
                    ]);
                }
            }
        }
    }
    let mut figures = Vec::new();
    let mut loss_table = None;
    if matches!(v.assessment, Assessment::Fair { .. }) {
        match fair_view(&state, vec![v.clone()], &org.currency).await {
            Ok(Some(view)) => {
                let mut t = loss_rows(
                    format!(
                        "Annual loss, simulated ({} trials, seed {}, controls in place; percentiles {})",
                        view.trials, view.seed, view.quantiles
                    ),
                    &view.scenarios,
                    &org.currency,
                );
                t.headers[0] = "Mode";
                if let Some(row) = t.rows.first_mut()
                    && let (Some(first), Some(s)) = (row.first_mut(), view.scenarios.first())
                {
                    *first = Cell::text(if s.mode == "compound_poisson" {
                        "Compound Poisson (sum of per-event losses)"
                    } else {
                        "Per trial (LEF × LM)"
                    });
                }
                loss_table = Some(t);
                if let (Some(sc), Some(level)) = (
                    view.scenarios.first(),
                    fields.iter_mut().find(|f| f.label == "Level"),
                ) {
                    level.value = Cell::text(format!(
                        "Mean annual loss {}",
                        money(sc.mean, &org.currency)
                    ));
                }
                figures.push(Figure {
                    svg: view.lec_svg.clone(),
                    caption: "Loss exceedance curve: the probability that a year's loss from this risk exceeds each amount.".to_owned(),
                });
            }
            Ok(None) => {}
            Err(e) => note = format!("This FAIR model could not be simulated: {}", e.detail),
        }
    }
    let mut ct = Table::new(
        "Controls treating this risk",
        &["Control", "Status", "Effectiveness", "Due"],
        "No control is linked.",
    );
    for cid in &v.controls {
        if let Some(a) = applied.iter().map(|a| &a.value).find(|a| &a.id == cid) {
            ct.rows.push(vec![
                Cell::link(
                    name_of(&control_names, &a.control),
                    format!("/controls/{}", a.control),
                ),
                Cell::text(label(&a.status)),
                Cell::num(a.effectiveness.map(percent).unwrap_or_default()),
                Cell::text(a.due.map(|d| d.to_string()).unwrap_or_default()),
            ]);
        }
    }
    let page = DetailPage {
        layout: Layout::new(&p, v.title.clone(), "/risks"),
        heading: v.title.clone(),
        kicker: "Risk".to_owned(),
        fields,
        sections: [Some(at), loss_table, Some(ct)]
            .into_iter()
            .flatten()
            .collect(),
        edit_href: edit_link(&p, EntityKind::Risk, format!("/risks/{}/edit", v.id)),
        back_href: "/risks",
        back_label: "Risk register",
        version: changed(&s),
        note,
        figures,
        post_actions: Vec::new(),
        actions: Vec::new(),
        delete: delete_button(&p, EntityKind::Risk, "/risks", &s, &v.id, "risk"),
    };
    Ok(html(StatusCode::OK, &page))
}

/// Trials of the Monte Carlo on the pages: enough for percentiles to two
/// significant figures, fast enough to answer while the user waits.
pub const PAGE_TRIALS: u64 = 20_000;

/// The FAIR simulation of `risks`, off the async threads and cached under
/// the risks' ids and versions' content (so never stale).
pub async fn fair_view(
    state: &AppState,
    risks: Vec<RiskScenario>,
    currency: &str,
) -> Result<Option<Arc<FairView>>, Problem> {
    let key = input_key(
        "fair",
        risks
            .iter()
            .map(|r| serde_json::to_vec(r).unwrap_or_default())
            .chain([currency.as_bytes().to_vec()]),
    );
    if let Some(hit) = state.cached::<Option<Arc<FairView>>>(&key) {
        return Ok((*hit).clone());
    }
    let analysis = state.analysis.clone();
    let currency = currency.to_owned();
    let view =
        tokio::task::spawn_blocking(move || analysis.fair(&risks, &currency, PAGE_TRIALS, 1))
            .await
            .map_err(|e| Problem::internal("simulating FAIR risks", e))?
            .map_err(|e| Problem::new(StatusCode::UNPROCESSABLE_ENTITY, e))?
            .map(Arc::new);
    state.cache(key, Arc::new(view.clone()));
    Ok(view)
}

/// The cache key of an engine's answer: `prefix:` and the SHA-256 of its
/// inputs, in order.
pub fn input_key(prefix: &str, parts: impl IntoIterator<Item = Vec<u8>>) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for part in parts {
        h.update(part);
    }
    format!("{prefix}:{}", hex::encode(h.finalize()))
}

/// Annual loss figures as a table, one row per scenario.
pub fn loss_rows(caption: String, rows: &[LossView], currency: &str) -> Table {
    let mut t = Table::new(
        caption,
        &["Risk", "Mean", "p10", "Median", "p90", "p99", "VaR"],
        "",
    );
    for r in rows {
        t.rows.push(vec![
            Cell::link(r.id.clone(), format!("/risks/{}", r.id)),
            Cell::num(money(r.mean, currency)),
            Cell::num(money(r.p10, currency)),
            Cell::num(money(r.p50, currency)),
            Cell::num(money(r.p90, currency)),
            Cell::num(money(r.p99, currency)),
            Cell::num(format!(
                "{} ({:.0} %)",
                money(r.value_at_risk, currency),
                r.var_confidence * 100.0
            )),
        ]);
    }
    t
}

async fn control(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(id): Path<String>,
) -> PageResult {
    require_read(&p, EntityKind::Control)?;
    let org = organisation(&state, &p).await?;
    let s = load_one::<Control>(&state, &p, &id).await?;
    let (sites, applied, people) = tokio::try_join!(
        load::<Site>(&state, &p, None),
        load::<AppliedControl>(&state, &p, None),
        load::<Person>(&state, &p, None),
    )?;
    let site_names = names(&sites, |s| &s.id, |s| s.name.clone());
    let people_names = names(&people, |x| &x.id, |x| x.name.clone());
    let v = &s.value;
    let fields = vec![
        f("Id", v.id.to_string()),
        f("Function", label(&v.function)),
        f("Kind", label(&v.kind)),
        f("Capital cost", money(v.capex, &org.currency)),
        f("Yearly cost", money(v.opex_annual, &org.currency)),
        f(
            "Effectiveness",
            v.effectiveness.map(percent).unwrap_or_default(),
        ),
        f(
            "Lifetime",
            v.lifetime_years
                .map(|y| format!("{y} years"))
                .unwrap_or_default(),
        ),
        f("Description", v.description.clone().unwrap_or_default()),
    ];
    let today = super::today();
    let mut t = Table::new(
        "Where it is applied",
        &["Site", "Status", "Effectiveness", "Owner", "Due"],
        "Not applied at any site you can see.",
    );
    for a in applied
        .iter()
        .map(|a| &a.value)
        .filter(|a| a.control == v.id)
    {
        let late = a.due.is_some_and(|d| d < today)
            && !(a.status.in_place() || a.status == ControlStatus::Retired);
        t.rows.push(vec![
            Cell::link(name_of(&site_names, &a.site), format!("/sites/{}", a.site)),
            Cell::text(label(&a.status)),
            Cell::num(a.effectiveness.map(percent).unwrap_or_default()),
            Cell::text(opt_name(&people_names, a.owner.as_ref())),
            Cell::text(a.due.map(|d| d.to_string()).unwrap_or_default()).class(if late {
                "overdue"
            } else {
                ""
            }),
        ]);
    }
    let page = DetailPage {
        layout: Layout::new(&p, v.name.clone(), "/controls"),
        heading: v.name.clone(),
        kicker: "Control".to_owned(),
        fields,
        sections: vec![t],
        edit_href: edit_link(&p, EntityKind::Control, format!("/controls/{}/edit", v.id)),
        back_href: "/controls",
        back_label: "All controls",
        version: changed(&s),
        note: String::new(),
        figures: Vec::new(),
        post_actions: Vec::new(),
        actions: Vec::new(),
        delete: delete_button(&p, EntityKind::Control, "/controls", &s, &v.id, "control"),
    };
    Ok(html(StatusCode::OK, &page))
}

async fn device(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(id): Path<String>,
) -> PageResult {
    require_read(&p, EntityKind::Device)?;
    let s = load_one::<Device>(&state, &p, &id).await?;
    let v = &s.value;
    let (sites, zones) = tokio::try_join!(
        load::<Site>(&state, &p, None),
        load::<Zone>(&state, &p, Some(vec![v.site.clone()])),
    )?;
    let site_names = names(&sites, |s| &s.id, |s| s.name.clone());
    let zone_names = names(&zones, |z| &z.id, |z| z.name.clone());
    let fields = vec![
        f("Id", v.id.to_string()),
        Field {
            label: "Site",
            value: Cell::link(name_of(&site_names, &v.site), format!("/sites/{}", v.site)),
        },
        f("Zone", opt_name(&zone_names, v.zone.as_ref())),
        f("Kind", label(&v.kind)),
        Field {
            label: "Status",
            value: status_cell(v.status),
        },
        f("Make", v.make.clone().unwrap_or_default()),
        f("Model", v.model.clone().unwrap_or_default()),
        f("Serial number", v.serial.clone().unwrap_or_default()),
        f(
            "Installed",
            v.install_date.map(|d| d.to_string()).unwrap_or_default(),
        ),
        f(
            "Position",
            v.position
                .as_ref()
                .map(|pos| {
                    let mut s = format!("x {:.1} m, y {:.1} m", pos.x, pos.y);
                    if let Some(plan) = &pos.plan {
                        s = format!("{s} on plan {plan}");
                    }
                    if let Some(h) = pos.heading_deg {
                        s = format!("{s}, facing {h:.0} degrees");
                    }
                    s
                })
                .unwrap_or_default(),
        ),
    ];
    let title = v.name.clone().unwrap_or_else(|| v.id.to_string());
    let page = DetailPage {
        layout: Layout::new(&p, title.clone(), "/devices"),
        heading: title,
        kicker: "Device".to_owned(),
        fields,
        sections: Vec::new(),
        edit_href: edit_link(&p, EntityKind::Device, format!("/devices/{}/edit", v.id)),
        back_href: "/devices",
        back_label: "All devices",
        version: changed(&s),
        note: String::new(),
        figures: Vec::new(),
        post_actions: Vec::new(),
        actions: Vec::new(),
        delete: delete_button(&p, EntityKind::Device, "/devices", &s, &v.id, "device"),
    };
    Ok(html(StatusCode::OK, &page))
}

async fn person(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(id): Path<String>,
) -> PageResult {
    require_read(&p, EntityKind::Person)?;
    let s = load_one::<Person>(&state, &p, &id).await?;
    let sites = load::<Site>(&state, &p, None).await?;
    let site_names = names(&sites, |s| &s.id, |s| s.name.clone());
    let v = &s.value;
    let fields = vec![
        f("Id", v.id.to_string()),
        f("Kind", label(&v.kind)),
        f("Employer", v.employer.clone().unwrap_or_default()),
        f("Email", v.email.clone().unwrap_or_default()),
        f("Roles", v.roles.join(", ")),
        f(
            "Sites",
            v.sites
                .iter()
                .filter(|s| p.may_see_site(s))
                .map(|s| name_of(&site_names, s))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        f("Status", label(&v.status)),
    ];
    let page = DetailPage {
        layout: Layout::new(&p, v.name.clone(), "/people"),
        heading: v.name.clone(),
        kicker: "Person".to_owned(),
        fields,
        sections: Vec::new(),
        edit_href: edit_link(&p, EntityKind::Person, format!("/people/{}/edit", v.id)),
        back_href: "/people",
        back_label: "All people",
        version: changed(&s),
        note: String::new(),
        figures: Vec::new(),
        post_actions: Vec::new(),
        actions: Vec::new(),
        delete: delete_button(&p, EntityKind::Person, "/people", &s, &v.id, "person"),
    };
    Ok(html(StatusCode::OK, &page))
}

async fn user(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(id): Path<String>,
) -> PageResult {
    require_account_admin(&p)?;
    let s = load_one::<User>(&state, &p, &id).await?;
    let v = &s.value;
    let credential = state.db.credential_of(&p.org, &v.id).await?;
    let fields = vec![
        f("Id", v.id.to_string()),
        f(
            "Login",
            credential
                .as_ref()
                .map(|c| c.login.clone())
                .unwrap_or_default(),
        ),
        f(
            "Password",
            match &credential {
                None => "None: single sign-on only, or reset it to make one",
                Some(c) if c.must_change => "One-time: to be replaced at the next login",
                Some(_) => "Set by the user",
            },
        ),
        f("Role", access::role_label(v.role)),
        f("Sites", user_sites(v)),
        f("Email", v.email.clone().unwrap_or_default()),
        Field {
            label: "Person",
            value: match &v.person {
                Some(x) => Cell::link(x.to_string(), format!("/people/{x}")),
                None => Cell::text(""),
            },
        },
        f("State", if v.disabled { "Disabled" } else { "Active" }),
    ];
    let page = DetailPage {
        layout: Layout::new(&p, v.display_name.clone(), "/users"),
        heading: v.display_name.clone(),
        kicker: "User".to_owned(),
        fields,
        sections: Vec::new(),
        edit_href: Some(format!("/users/{}/edit", v.id)),
        back_href: "/users",
        back_label: "All users",
        version: changed(&s),
        note: String::new(),
        figures: Vec::new(),
        post_actions: vec![PostAction {
            action: format!("/users/{}/password", v.id),
            label: "Reset the password",
            note: "Makes a new one-time password, shown once: the current password stops working, every session of the account ends, and the user chooses a new password at the next login.",
        }],
        actions: Vec::new(),
        delete: None,
    };
    Ok(html(StatusCode::OK, &page))
}

impl From<PageError> for Problem {
    fn from(e: PageError) -> Problem {
        e.0
    }
}
