//! The audit pages: the list of audits (filters, CSV), an audit (scope,
//! dates, auditors, the score per section and overall, findings by
//! severity, the remediation plan, exceptions with their expiry), the
//! inspection page made for a phone (one checklist item at a time, each
//! answer saved at once), and the dashboard's warning about risk
//! acceptances that have expired or soon will.
//!
//! The figures come from the compliance engine through
//! [`crate::audits::AuditAnalysis`]; this module lays them out, checks what
//! the form sends and writes through `resource::update_entity` like every
//! other form (same scope, role, version and model checks).
//!
//! **One answer, one write.** Saving an item reads the audit, sets that one
//! item's result (the auditor is the logged-in user, the time is now) and
//! updates the record with the version it read. Answers to different items
//! do not conflict: when the record changed since the form was shown, or
//! changes between the read and the write (409), the answer is applied
//! again to the record as it now is. Only another person's answer to the
//! same item, given after the form was shown, is reported as a conflict.

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use jiff::civil::Date;
use rampart_domain::{Audit, AuditStatus, Entity, EntityKind, Framework, Id, Site};
use rampart_store::Stored;

use super::evidence::{self, EvidenceRow};
use super::pages::{
    FilterField, FilterOption, ListPage, MAX_ROWS, Results, ResultsFragment, load, load_one,
    names_by_id,
};
use super::{
    Cell, FormData, Layout, PageError, PageResult, PageUser, Table, capitalise, check_csrf,
    csv_response, html, today, url_encode, wants_fragment,
};
use crate::access::{self, Action};
use crate::audits::{
    AcceptanceView, AnswerError, AuditSummary, AuditView, ChecklistItem, EXPIRY_WARNING_DAYS,
    Expiry, ItemAnswer, ResultView,
};
use crate::auth::Principal;
use crate::problem::Problem;
use crate::resource;
use crate::state::AppState;

pub fn routes(r: Router<AppState>) -> Router<AppState> {
    r.route("/audits", get(audit_list))
        .route("/audits/{id}", get(audit_page))
        .route("/audits/{id}/inspect", get(inspect))
        .route("/audits/{id}/items/{item}", post(save_item))
        .route("/inspections", get(inspection_list))
        .route("/inspections/done", post(inspection_done))
}

#[derive(Template)]
#[template(path = "inspections.html")]
struct InspectionsPage {
    layout: Layout,
    intro: String,
    results: Results,
    done_form: Option<DoneForm>,
    /// Whether the user may add and edit inspections.
    writer: bool,
}

/// The form that records a round of an inspection done.
struct DoneForm {
    csrf: String,
    /// (id, label) of the inspections the user may record.
    options: Vec<(String, String)>,
    today: String,
}

/// Record rounds of an inspection done up to a date (`POST
/// /inspections/done`, a form with `csrf_token`, `inspection`, `date`):
/// the role must write inspections and see its site; the date may not be
/// in the future, before the schedule starts, or before what is already
/// recorded (which would undo rounds). A versioned, audited update.
async fn inspection_done(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageUser(p): PageUser,
    Form(form): Form<Vec<(String, String)>>,
) -> PageResult {
    use rampart_domain::Inspection;
    let title = "Round not recorded";
    let values = FormData(form);
    check_csrf(&p, &values, &headers).map_err(|e| in_frame(&p, e, "Not allowed"))?;
    resource::require(&p, EntityKind::Inspection, Action::Write)
        .map_err(|e| in_frame(&p, e, title))?;
    let stored = load_one::<Inspection>(&state, &p, values.get("inspection"))
        .await
        .map_err(|e| in_frame(&p, e, title))?;
    let date: Date = values
        .get("date")
        .parse()
        .map_err(|_| in_frame(&p, Problem::field("date", "a date as YYYY-MM-DD"), title))?;
    let i = &stored.value;
    let refusal = if date > today() {
        Some(format!("{date} is in the future"))
    } else if date < i.start {
        Some(format!("{date} is before the first round ({})", i.start))
    } else {
        i.done_through.filter(|done| date < *done).map(|done| {
            format!("rounds are already recorded done through {done}; a later date moves it on")
        })
    };
    if let Some(why) = refusal {
        return Err(in_frame(&p, Problem::field("date", why), title));
    }
    let updated = Inspection {
        done_through: Some(date),
        ..i.clone()
    };
    state
        .store()
        .update(&p.actor(), &p.org, &updated, stored.version)
        .await
        .map_err(|e| in_frame(&p, e.into(), title))?;
    Ok(Redirect::to("/inspections").into_response())
}

/// The recurring inspections of the sites the user sees: how often, who,
/// the next round and the rounds not done by their date (from the
/// compliance engine's schedules).
async fn inspection_list(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Query(params): Params,
) -> PageResult {
    use rampart_domain::{Inspection, Person, Recurrence};
    resource::require(&p, EntityKind::Inspection, Action::Read)?;
    let (sites, people, inspections) = tokio::try_join!(
        load::<Site>(&state, &p, None),
        load::<Person>(&state, &p, None),
        load::<Inspection>(&state, &p, None),
    )?;
    let site_names: BTreeMap<Id, String> = sites
        .iter()
        .map(|s| (s.value.id.clone(), s.value.name.clone()))
        .collect();
    let person_names: BTreeMap<Id, String> = people
        .iter()
        .map(|s| (s.value.id.clone(), s.value.name.clone()))
        .collect();
    let day = today();
    let list: Vec<&Inspection> = inspections.iter().map(|s| &s.value).collect();
    let views = state.audits.inspections(&list, day);
    let mut t = Table::new(
        "Recurring inspections",
        &[
            "Inspection",
            "Site",
            "Every",
            "Owner",
            "Done through",
            "Next round",
            "Not done",
        ],
        "No recurring inspection on your sites yet: add them under `inspections:` in the organisation file.",
    );
    let writer = access::allows(p.user.role, EntityKind::Inspection, Action::Write);
    for (i, v) in list.iter().zip(views) {
        let (n, unit) = match i.every {
            Recurrence::Days(n) => (n, "day"),
            Recurrence::Weeks(n) => (n, "week"),
            Recurrence::Months(n) => (n, "month"),
        };
        let mut row = vec![
            if writer {
                Cell::link(
                    i.title.clone(),
                    format!("/inspections/{}/edit", url_encode(i.id.as_str())),
                )
            } else {
                Cell::text(i.title.clone())
            },
            Cell::text(
                site_names
                    .get(&i.site)
                    .cloned()
                    .unwrap_or_else(|| i.site.to_string()),
            ),
            Cell::text(if n == 1 {
                unit.to_owned()
            } else {
                format!("{n} {unit}s")
            }),
            Cell::text(
                i.owner
                    .as_ref()
                    .map(|o| {
                        person_names
                            .get(o)
                            .cloned()
                            .unwrap_or_else(|| o.to_string())
                    })
                    .unwrap_or_default(),
            ),
            Cell::text(i.done_through.map(|d| d.to_string()).unwrap_or_default()),
        ];
        match v {
            Ok(v) => {
                row.push(Cell::text(
                    v.next.map_or_else(|| "ended".to_owned(), |d| d.to_string()),
                ));
                row.push(match v.oldest_overdue {
                    Some(oldest) => Cell::text(format!(
                        "{} round{} since {oldest}",
                        v.overdue,
                        if v.overdue == 1 { "" } else { "s" }
                    ))
                    .class("status-bad"),
                    None => Cell::text("none"),
                });
            }
            Err(e) => {
                row.push(Cell::text(format!("Not scheduled: {e}")));
                row.push(Cell::text(""));
            }
        }
        t.rows.push(row);
    }
    if params.get("format").map(String::as_str) == Some("csv") {
        return Ok(csv_response("inspections", &t));
    }
    let results = Results {
        table: t,
        csv_href: "/inspections?format=csv".to_owned(),
        more_href: None,
        shown_note: String::new(),
        prev_href: None,
        next_href: None,
    };
    let done_form = (writer && !list.is_empty()).then(|| DoneForm {
        csrf: p.csrf_token().unwrap_or("").to_owned(),
        options: list
            .iter()
            .map(|i| (i.id.to_string(), i.title.clone()))
            .collect(),
        today: day.to_string(),
    });
    let page = InspectionsPage {
        layout: Layout::new(&p, "Recurring inspections", "/inspections"),
        intro: format!(
            "The monitoring that keeps the security systems as they were accepted: each inspection's next round and the rounds not done by their date, as of {day}. `rampart audit calendar` puts the coming rounds in an iCalendar feed."
        ),
        results,
        done_form,
        writer,
    };
    Ok(html(StatusCode::OK, &page))
}

type Params = Query<BTreeMap<String, String>>;

/// How often a save is applied again when the audit keeps changing under it.
const SAVE_TRIES: usize = 5;

pub(super) fn may_write(p: &Principal) -> bool {
    access::allows(p.user.role, EntityKind::Audit, Action::Write)
}

pub(super) fn in_frame(p: &Principal, problem: Problem, title: &str) -> PageError {
    PageError(problem, Some(Layout::new(p, title, "/audits")))
}

// ------------------------------------------------------------ labels

const STATUSES: [(AuditStatus, &str); 3] = [
    (AuditStatus::Planned, "Planned"),
    (AuditStatus::InProgress, "In progress"),
    (AuditStatus::Completed, "Completed"),
];

fn status_label(s: AuditStatus) -> &'static str {
    STATUSES
        .iter()
        .find(|(x, _)| *x == s)
        .map_or("", |(_, l)| *l)
}

/// "87.5 %", or a dash when nothing was scored.
pub fn score_text(score: Option<f64>) -> String {
    match score {
        Some(s) => format!("{:.1} %", s * 100.0),
        None => "Not scored".to_owned(),
    }
}

fn score_class(score: Option<f64>) -> &'static str {
    match score {
        Some(s) if s >= 0.9 => "level-low",
        Some(s) if s >= 0.7 => "level-medium",
        Some(_) => "level-high",
        None => "",
    }
}

fn outcome_label(code: &str) -> String {
    match code {
        "non_compliant" => "Non-compliant".to_owned(),
        other => capitalise(&other.replace('_', " ")),
    }
}

fn outcome_class(code: &str) -> &'static str {
    match code {
        "compliant" => "status-ok",
        "partially_compliant" => "status-warn",
        "non_compliant" => "status-bad",
        _ => "status-muted",
    }
}

fn severity_class(code: &str) -> &'static str {
    match code {
        "critical" | "high" => "level-high",
        "medium" => "level-medium",
        _ => "level-low",
    }
}

fn remediation_class(code: &str) -> &'static str {
    match code {
        "closed" => "status-ok",
        "risk_accepted" => "status-muted",
        "in_progress" => "status-warn",
        _ => "status-bad",
    }
}

/// "Expired 12 days ago", "Expires today", "Expires in 3 days".
pub fn expiry_text(e: Expiry) -> String {
    let days = |n: i64| format!("{n} day{}", if n == 1 { "" } else { "s" });
    match e {
        Expiry::Expired { days_ago } => format!("Expired {} ago", days(days_ago)),
        Expiry::Expiring { days_left: 0 } => "Expires today".to_owned(),
        Expiry::Expiring { days_left } => format!("Expires in {}", days(days_left)),
        Expiry::Valid { days_left } => format!("Valid, {} left", days(days_left)),
    }
}

fn expiry_class(e: Expiry) -> &'static str {
    match e {
        Expiry::Expired { .. } => "status-bad",
        Expiry::Expiring { .. } => "status-warn",
        Expiry::Valid { .. } => "status-ok",
    }
}

fn name(names: &BTreeMap<Id, String>, id: &str) -> String {
    Id::new(id)
        .ok()
        .and_then(|i| names.get(&i).cloned())
        .unwrap_or_else(|| id.to_owned())
}

fn ids<'a>(texts: impl IntoIterator<Item = &'a str>) -> Vec<Id> {
    texts.into_iter().filter_map(|t| Id::new(t).ok()).collect()
}

/// The framework of an audit, from the store (frameworks belong to the
/// organisation, not to a site).
async fn framework_of(state: &AppState, p: &Principal, a: &Audit) -> Result<Framework, Problem> {
    state
        .store()
        .get::<Framework>(&p.org, &a.framework)
        .await?
        .map(|s| s.value)
        .ok_or_else(|| {
            Problem::not_found(format!(
                "audit {} is against framework {}, which does not exist",
                a.id, a.framework
            ))
        })
}

// ------------------------------------------------------------ the list

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

fn csv_href(params: &BTreeMap<String, String>) -> String {
    let mut q: Vec<String> = params
        .iter()
        .filter(|(k, v)| !v.is_empty() && !matches!(k.as_str(), "format" | "offset"))
        .map(|(k, v)| format!("{}={}", url_encode(k), url_encode(v)))
        .collect();
    q.push("format=csv".to_owned());
    format!("/audits?{}", q.join("&"))
}

async fn audit_list(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    headers: HeaderMap,
    Query(params): Params,
) -> PageResult {
    resource::require(&p, EntityKind::Audit, Action::Read)?;
    let site = match params.get("site").filter(|s| !s.is_empty()) {
        Some(s) => Some(vec![
            Id::new(s.as_str()).map_err(|e| Problem::bad_request(format!("site: {e}")))?,
        ]),
        None => None,
    };
    let status = match params.get("status").filter(|s| !s.is_empty()) {
        Some(s) => Some(
            STATUSES
                .iter()
                .map(|(x, _)| *x)
                .find(|x| x.as_str() == s)
                .ok_or_else(|| {
                    Problem::bad_request(
                        "status: one of planned, in_progress and completed".to_owned(),
                    )
                })?,
        ),
        None => None,
    };
    let (sites, audits, frameworks) = tokio::try_join!(
        load::<Site>(&state, &p, None),
        load::<Audit>(&state, &p, site),
        load::<Framework>(&state, &p, None),
    )?;
    let mut audits: Vec<Stored<Audit>> = audits
        .into_iter()
        .filter(|a| status.is_none_or(|s| a.value.status == s))
        .collect();
    audits.sort_by(|x, y| {
        y.value
            .planned_start
            .cmp(&x.value.planned_start)
            .then_with(|| x.value.id.cmp(&y.value.id))
    });
    // The figures, asked once per framework.
    let mut summaries: BTreeMap<Id, Result<AuditSummary, String>> = BTreeMap::new();
    for f in &frameworks {
        let of: Vec<&Audit> = audits
            .iter()
            .map(|a| &a.value)
            .filter(|a| a.framework == f.value.id)
            .collect();
        if of.is_empty() {
            continue;
        }
        for (a, s) in of.iter().zip(state.audits.summaries(&f.value, &of)) {
            summaries.insert(a.id.clone(), s);
        }
    }
    let site_names: BTreeMap<Id, String> = sites
        .iter()
        .map(|s| (s.value.id.clone(), s.value.name.clone()))
        .collect();
    let mut t = Table::new(
        "Audits",
        &[
            "Audit",
            "Site",
            "Framework",
            "Status",
            "Planned",
            "Answered",
            "Score",
            "Findings",
            "Open remediation",
        ],
        "No audit matches.",
    );
    for a in audits.iter().map(|s| &s.value) {
        let mut row = vec![
            Cell::link(a.title.clone(), format!("/audits/{}", a.id)),
            Cell::text(
                site_names
                    .get(&a.site)
                    .cloned()
                    .unwrap_or_else(|| a.site.to_string()),
            ),
        ];
        let summary = summaries
            .remove(&a.id)
            .unwrap_or_else(|| Err(format!("framework {} does not exist", a.framework)));
        match summary {
            Ok(s) => {
                row.push(Cell::text(s.framework_title.clone()));
                row.push(Cell::text(status_label(a.status)));
                row.push(Cell::text(format!(
                    "{} to {}",
                    a.planned_start, a.planned_end
                )));
                row.push(Cell::num(format!("{} of {}", s.answered, s.items)));
                row.push(Cell::num(score_text(s.overall)).class(score_class(s.overall)));
                row.push(Cell::num(s.findings.to_string()));
                row.push(Cell::num(s.open_remediation.to_string()));
            }
            Err(e) => {
                row.push(Cell::text(a.framework.to_string()));
                row.push(Cell::text(status_label(a.status)));
                row.push(Cell::text(format!(
                    "{} to {}",
                    a.planned_start, a.planned_end
                )));
                row.push(Cell::text(""));
                row.push(Cell::text(format!("Not scored: {e}")));
                row.push(Cell::text(""));
                row.push(Cell::text(""));
            }
        }
        t.rows.push(row);
    }
    if params.get("format").map(String::as_str) == Some("csv") {
        return Ok(csv_response("audits", &t));
    }
    let total = t.rows.len();
    let shown_note = if total > MAX_ROWS {
        t.rows.truncate(MAX_ROWS);
        format!(
            "The first {MAX_ROWS} of {total} are shown: narrow the filters, or download the CSV for all."
        )
    } else {
        String::new()
    };
    let results = Results {
        table: t,
        csv_href: csv_href(&params),
        more_href: None,
        shown_note,
        prev_href: None,
        next_href: None,
    };
    if wants_fragment(&headers, "results") {
        return Ok(html(StatusCode::OK, &ResultsFragment { results }));
    }
    let site_options = sites
        .iter()
        .map(|s| (s.value.id.to_string(), s.value.name.clone()))
        .collect();
    let status_options = STATUSES
        .iter()
        .map(|(s, l)| (s.as_str().to_owned(), (*l).to_owned()))
        .collect();
    let page = ListPage {
        layout: Layout::new(&p, "Audits", "/audits"),
        heading: "Audits".to_owned(),
        intro: "Inspections and assessments of the sites against a checklist or a catalogue of controls: the score per audit (compliant 1, partially 0.5, non-compliant 0, not applicable left out), its findings and their remediation.".to_owned(),
        path: "/audits".to_owned(),
        filters: vec![
            select("site", "Site", &params, "All sites", site_options),
            select("status", "Status", &params, "Any status", status_options),
        ],
        results,
        new_href: None,
        new_label: String::new(),
    };
    Ok(html(StatusCode::OK, &page))
}

// ------------------------------------------------------------ one audit

#[derive(Template)]
#[template(path = "audit_detail.html")]
struct AuditPage {
    layout: Layout,
    heading: String,
    kicker: String,
    facts: Vec<(&'static str, Cell)>,
    problem: Option<String>,
    inspect_href: String,
    inspect_label: &'static str,
    warnings: Vec<String>,
    sections: Table,
    findings: Vec<Table>,
    no_findings: bool,
    remediation: Table,
    acceptances: Table,
    items: Table,
    /// Every file attached to the audit's items, in checklist order.
    evidence: Table,
    upload: Option<UploadForm>,
    /// The form that takes a file off an item, for those who may add one.
    remove: Option<RemoveForm>,
    version: String,
}

/// The form that takes an evidence file off an item.
pub(super) struct RemoveForm {
    action: String,
    csrf: String,
    /// (`ITEM|SHA256`, label) of every attached file.
    files: Vec<(String, String)>,
}

/// The form that adds an evidence file to an item: on the audit page with
/// a choice of item, on the inspection page for its item.
pub(super) struct UploadForm {
    action: String,
    csrf: String,
    /// (id, label, selected): the items offered; one, hidden, on the
    /// inspection page.
    items: Vec<(String, String, bool)>,
    /// Where to come back to: `audit` or `inspect`.
    back: &'static str,
    /// The size limit, in words.
    max: String,
}

fn upload_form(
    state: &AppState,
    p: &Principal,
    a: &Audit,
    items: Vec<(String, String, bool)>,
    back: &'static str,
) -> Option<UploadForm> {
    may_write(p).then(|| UploadForm {
        action: format!("/audits/{}/evidence", a.id),
        csrf: p.csrf_token().unwrap_or("").to_owned(),
        items,
        back,
        max: evidence::size_text(
            i64::try_from(state.config.max_evidence_bytes).unwrap_or(i64::MAX),
        ),
    })
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

/// The first item without an answer, else the first item (1-based).
fn first_open(items: &[ChecklistItem]) -> usize {
    items
        .iter()
        .find(|i| i.results.is_empty())
        .map_or(1, |i| i.position)
}

async fn audit_page(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(id): Path<String>,
) -> PageResult {
    resource::require(&p, EntityKind::Audit, Action::Read)?;
    let stored = load_one::<Audit>(&state, &p, &id).await?;
    let a = &stored.value;
    let framework = framework_of(&state, &p, a).await?;
    let today = today();
    let (view, problem) = match state.audits.detail(a, &framework, today) {
        Ok(v) => (Some(v), None),
        Err(e) => (None, Some(format!("This audit cannot be scored: {e}"))),
    };
    // Names of the people the page mentions.
    let mut people: Vec<Id> = a.auditors.clone();
    if let Some(v) = &view {
        people.extend(ids(v.findings.iter().filter_map(|f| f.owner.as_deref())));
        people.extend(ids(v
            .remediation
            .iter()
            .flat_map(|r| &r.items)
            .filter_map(|i| i.owner.as_deref())));
        people.extend(ids(v.acceptances.iter().map(|x| x.approver.as_str())));
    }
    let (people, sites) = tokio::try_join!(
        names_by_id(&state, &p, EntityKind::Person, people),
        names_by_id(&state, &p, EntityKind::Site, [a.site.clone()]),
    )?;
    let mut facts = vec![
        (
            "Site",
            Cell::link(name(&sites, a.site.as_str()), format!("/sites/{}", a.site)),
        ),
        ("Framework", Cell::text(framework.title.clone())),
        ("Status", Cell::text(status_label(a.status))),
        (
            "Planned",
            Cell::text(format!("{} to {}", a.planned_start, a.planned_end)),
        ),
        (
            "Auditors",
            Cell::text(
                a.auditors
                    .iter()
                    .map(|x| name(&people, x.as_str()))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        ),
    ];
    let page = match &view {
        Some(v) => {
            facts.extend(audit_facts(v));
            let files = evidence::by_item(&state, &p, &a.id).await?;
            detail_page(&state, &p, &stored, facts, v, &people, &framework, &files)
        }
        None => AuditPage {
            layout: Layout::new(&p, a.title.clone(), "/audits"),
            heading: a.title.clone(),
            kicker: format!("Audit against {}", framework.title),
            facts,
            problem,
            inspect_href: format!("/audits/{}/inspect", a.id),
            inspect_label: "Checklist",
            warnings: Vec::new(),
            sections: Table::default(),
            findings: Vec::new(),
            no_findings: false,
            remediation: Table::default(),
            acceptances: Table::default(),
            items: Table::default(),
            evidence: Table::default(),
            upload: None,
            remove: None,
            version: changed(&stored),
        },
    };
    Ok(html(StatusCode::OK, &page))
}

fn audit_facts(v: &AuditView) -> Vec<(&'static str, Cell)> {
    let s = &v.summary;
    let scope = match (v.zones.is_empty(), s.items == v.framework_items) {
        (true, true) => format!("The whole site, all {} items", s.items),
        (true, false) => format!(
            "The whole site, {} of the framework's {} items",
            s.items, v.framework_items
        ),
        (false, true) => format!("Zones {}, all {} items", v.zones.join(", "), s.items),
        (false, false) => format!(
            "Zones {}, {} of the framework's {} items",
            v.zones.join(", "),
            s.items,
            v.framework_items
        ),
    };
    vec![
        ("Scope", Cell::text(scope)),
        (
            "Progress",
            Cell::text(format!("{} of {} items answered", s.answered, s.items)),
        ),
        (
            "Overall score",
            Cell::text(score_text(s.overall)).class(score_class(s.overall)),
        ),
        (
            "Results",
            Cell::text(format!(
                "{} compliant, {} partially, {} non-compliant, {} not applicable, {} not assessed",
                s.tally.compliant,
                s.tally.partially_compliant,
                s.tally.non_compliant,
                s.tally.not_applicable,
                s.tally.unassessed
            )),
        ),
    ]
}

fn person(people: &BTreeMap<Id, String>, id: Option<&str>) -> String {
    id.map(|i| name(people, i)).unwrap_or_default()
}

fn date_cell(d: Option<Date>, overdue: bool) -> Cell {
    let c = Cell::text(d.map(|d| d.to_string()).unwrap_or_default());
    if overdue { c.class("overdue") } else { c }
}

#[allow(clippy::too_many_arguments)]
fn detail_page(
    state: &AppState,
    p: &Principal,
    stored: &Stored<Audit>,
    facts: Vec<(&'static str, Cell)>,
    v: &AuditView,
    people: &BTreeMap<Id, String>,
    framework: &Framework,
    files: &BTreeMap<String, Vec<EvidenceRow>>,
) -> AuditPage {
    let a = &stored.value;
    let mut sections = Table::new(
        "Score per section",
        &[
            "Section",
            "Score",
            "Compliant",
            "Partially",
            "Non-compliant",
            "Not applicable",
            "Not assessed",
        ],
        "No section has an item in scope.",
    );
    for s in &v.sections {
        sections.rows.push(vec![
            Cell::text(s.title.clone()),
            Cell::num(score_text(s.score)).class(score_class(s.score)),
            Cell::num(s.tally.compliant.to_string()),
            Cell::num(s.tally.partially_compliant.to_string()),
            Cell::num(s.tally.non_compliant.to_string()),
            Cell::num(s.tally.not_applicable.to_string()),
            Cell::num(s.tally.unassessed.to_string()),
        ]);
    }
    sections.rows.push(vec![
        Cell::text("Overall"),
        Cell::num(score_text(v.summary.overall)).class(score_class(v.summary.overall)),
        Cell::num(v.summary.tally.compliant.to_string()),
        Cell::num(v.summary.tally.partially_compliant.to_string()),
        Cell::num(v.summary.tally.non_compliant.to_string()),
        Cell::num(v.summary.tally.not_applicable.to_string()),
        Cell::num(v.summary.tally.unassessed.to_string()),
    ]);
    // Findings, a table per severity, most severe first.
    let positions: BTreeMap<&str, usize> = v
        .items
        .iter()
        .map(|i| (i.id.as_str(), i.position))
        .collect();
    let mut findings = Vec::new();
    for sev in ["critical", "high", "medium", "low"] {
        let of: Vec<_> = v.findings.iter().filter(|f| f.severity == sev).collect();
        if of.is_empty() {
            continue;
        }
        let mut t = Table::new(
            format!(
                "{} severity: {} finding{}",
                capitalise(sev),
                of.len(),
                if of.len() == 1 { "" } else { "s" }
            ),
            &["Finding", "Item", "Owner", "Due", "Risk scenario"],
            "",
        );
        for f in of {
            let item = match f.item.as_deref() {
                Some(i) => match positions.get(i) {
                    Some(n) => Cell::link(i, format!("/audits/{}/inspect?item={n}", a.id)),
                    None => Cell::text(i),
                },
                None => Cell::text("Design review"),
            };
            t.rows.push(vec![
                Cell::text(format!("{}: {}", f.title, f.description)).class(severity_class(sev)),
                item,
                Cell::text(person(people, f.owner.as_deref())),
                date_cell(f.due, f.overdue),
                match &f.risk_scenario {
                    Some(r) => Cell::link(r.clone(), format!("/risks/{r}")),
                    None => Cell::text(""),
                },
            ]);
        }
        findings.push(t);
    }
    let mut remediation = Table::new(
        v.remediation.as_ref().map_or_else(
            || "Remediation plan (plan of action and milestones)".to_owned(),
            |r| format!("Remediation plan: {}", r.title),
        ),
        &[
            "Remediation",
            "Severity",
            "Owner",
            "Status",
            "Due",
            "Milestones",
            "Next milestone",
            "Re-test",
        ],
        "No remediation plan yet.",
    );
    for i in v.remediation.iter().flat_map(|r| &r.items) {
        let status = match &i.acceptance {
            Some(acc) => format!("{} ({acc})", outcome_label(&i.status)),
            None => outcome_label(&i.status),
        };
        remediation.rows.push(vec![
            Cell::text(i.title.clone()),
            Cell::text(capitalise(&i.severity)).class(severity_class(&i.severity)),
            Cell::text(person(people, i.owner.as_deref())),
            Cell::text(status).class(remediation_class(&i.status)),
            date_cell(i.due, i.overdue),
            Cell::num(format!("{} of {} done", i.milestones_done, i.milestones)),
            Cell::text(
                i.next_milestone
                    .as_ref()
                    .map(|(t, d)| format!("{t} (due {d})"))
                    .unwrap_or_default(),
            ),
            Cell::text(i.retest.clone().unwrap_or_default()),
        ]);
    }
    let mut acceptances = Table::new(
        "Exceptions and risk acceptances",
        &[
            "Acceptance",
            "Accepted finding",
            "Approver",
            "Approved",
            "Expires",
            "State",
            "Justification",
            "Compensating controls",
        ],
        "No exception or risk acceptance.",
    );
    let mut warnings = Vec::new();
    for x in &v.acceptances {
        if x.expiry.flagged() {
            warnings.push(format!(
                "Risk acceptance {} of {}: {}.",
                x.id,
                x.finding,
                expiry_text(x.expiry).to_lowercase()
            ));
        }
        acceptances.rows.push(vec![
            Cell::text(x.id.clone()),
            Cell::text(x.finding.clone()),
            Cell::text(name(people, &x.approver)),
            Cell::text(x.approved_on.to_string()),
            Cell::text(x.expires.to_string()),
            Cell::text(expiry_text(x.expiry)).class(expiry_class(x.expiry)),
            Cell::text(x.justification.clone()),
            Cell::text(x.compensating_controls.join(", ")),
        ]);
    }
    let mut items = Table::new(
        format!("Checklist: {} items in scope", v.items.len()),
        &[
            "#", "Item", "Section", "Outcome", "Notes", "Auditor", "Recorded", "Evidence",
        ],
        "No item is in scope.",
    );
    let mut evidence = Table::new(
        "Evidence files",
        &["Item", "File", "Type", "Size", "Uploaded by", "Uploaded"],
        "No evidence file is attached yet.",
    );
    for i in &v.items {
        let site = i.site_result().or(i.results.first());
        let outcome = match site {
            Some(r) if i.results.len() > 1 => Cell::text(format!(
                "{} (+{} by zone)",
                outcome_label(&r.outcome),
                i.results.len() - 1
            ))
            .class(outcome_class(&r.outcome)),
            Some(r) => Cell::text(outcome_label(&r.outcome)).class(outcome_class(&r.outcome)),
            None => Cell::text("Not assessed").class("status-muted"),
        };
        items.rows.push(vec![
            Cell::text(i.position.to_string()),
            Cell::link(
                format!("{} {}", i.label, i.title),
                format!("/audits/{}/inspect?item={}", a.id, i.position),
            ),
            Cell::text(i.section.clone()),
            outcome,
            Cell::text(site.map(|r| r.notes.clone()).unwrap_or_default()),
            Cell::text(site.map(|r| r.auditor.clone()).unwrap_or_default()),
            Cell::text(site.map(|r| r.recorded_at.clone()).unwrap_or_default()),
            match files.get(&i.id).map_or(0, Vec::len) {
                0 => Cell::text(""),
                n => Cell::link(
                    format!("{n} file{}", if n == 1 { "" } else { "s" }),
                    format!("/audits/{}/inspect?item={}#evidence", a.id, i.position),
                ),
            },
        ]);
        for f in files.get(&i.id).into_iter().flatten() {
            evidence.rows.push(vec![
                Cell::text(format!("{} {}", i.label, i.title)),
                Cell::link(f.name.clone(), f.href.clone()),
                Cell::text(f.kind.clone()),
                Cell::num(f.size.clone()),
                Cell::text(f.uploaded_by.clone()),
                Cell::text(f.uploaded_at.clone()),
            ]);
        }
    }
    let upload = upload_form(
        state,
        p,
        a,
        v.items
            .iter()
            .map(|i| (i.id.clone(), format!("{} {}", i.label, i.title), false))
            .collect(),
        "audit",
    );
    let writer = may_write(p);
    let attached: Vec<(String, String)> = v
        .items
        .iter()
        .flat_map(|i| {
            files.get(&i.id).into_iter().flatten().map(move |f| {
                (
                    format!("{}|{}", i.id, f.sha256),
                    format!("{} {}: {}", i.label, i.title, f.name),
                )
            })
        })
        .collect();
    let remove = (writer && !attached.is_empty()).then(|| RemoveForm {
        action: format!("/audits/{}/evidence/remove", a.id),
        csrf: p.csrf_token().unwrap_or("").to_owned(),
        files: attached,
    });
    AuditPage {
        layout: Layout::new(p, a.title.clone(), "/audits"),
        heading: a.title.clone(),
        kicker: format!("Audit against {}", framework.title),
        facts,
        problem: None,
        inspect_href: format!("/audits/{}/inspect?item={}", a.id, first_open(&v.items)),
        inspect_label: if writer { "Inspect" } else { "Checklist" },
        warnings,
        sections,
        no_findings: findings.is_empty(),
        findings,
        remediation,
        acceptances,
        items,
        evidence,
        upload,
        remove,
        version: changed(stored),
    }
}

// ------------------------------------------------------------ the inspection page

/// The form of one answer.
struct AnswerForm {
    action: String,
    csrf: String,
    version: String,
    /// What the item's answer was when the form was shown (see [`marker`]).
    based_on: String,
    notes: String,
    /// (code, label, checked).
    options: Vec<(String, String, bool)>,
    errors: BTreeMap<&'static str, String>,
}

#[derive(Template)]
#[template(path = "audit_inspect.html")]
struct InspectPage {
    layout: Layout,
    audit_href: String,
    audit_title: String,
    site: String,
    item: ChecklistItem,
    total: usize,
    answered: usize,
    prev_href: Option<String>,
    next_href: Option<String>,
    next_open_href: Option<String>,
    /// The item's result for the whole site, as stored.
    current: Option<ResultView>,
    /// Results recorded per zone (shown, not edited here).
    by_zone: Vec<ResultView>,
    saved: Option<String>,
    /// A problem with the whole answer (a conflict, a refused save).
    alert: Option<String>,
    form: Option<AnswerForm>,
    /// The files attached to this item.
    evidence: Vec<EvidenceRow>,
    upload: Option<UploadForm>,
}

impl InspectPage {
    fn error(&self, field: &str) -> Option<&String> {
        self.form.as_ref().and_then(|f| f.errors.get(field))
    }
    fn outcome_label(&self, code: &str) -> String {
        outcome_label(code)
    }
}

/// What an item's site-wide answer was: who gave it and when (empty when
/// unanswered). A save compares it to tell a change to this item from
/// changes to others.
fn marker(item: &ChecklistItem) -> String {
    item.site_result()
        .map(|r| format!("{} {}", r.auditor, r.recorded_at))
        .unwrap_or_default()
}

fn inspect_href(audit: &Id, position: usize) -> String {
    format!("/audits/{audit}/inspect?item={position}")
}

struct Typed<'a> {
    outcome: &'a str,
    notes: &'a str,
    errors: BTreeMap<&'static str, String>,
    alert: Option<String>,
    saved: Option<String>,
    /// The version and marker the form is based on.
    version: i64,
    based_on: String,
}

#[allow(clippy::too_many_arguments)]
fn inspect_page(
    state: &AppState,
    p: &Principal,
    stored: &Stored<Audit>,
    site: String,
    items: Vec<ChecklistItem>,
    index: usize,
    typed: Typed<'_>,
    files: &BTreeMap<String, Vec<EvidenceRow>>,
) -> InspectPage {
    let a = &stored.value;
    let total = items.len();
    let answered = items.iter().filter(|i| !i.results.is_empty()).count();
    let next_open_href = items
        .iter()
        .skip(index + 1)
        .chain(items.iter().take(index))
        .find(|i| i.results.is_empty())
        .map(|i| inspect_href(&a.id, i.position));
    let mut items = items;
    let item = items.swap_remove(index);
    let current = item.site_result().cloned();
    let by_zone = item
        .results
        .iter()
        .filter(|r| r.zone.is_some())
        .cloned()
        .collect();
    let form = may_write(p).then(|| {
        let chosen = if typed.outcome.is_empty() {
            current.as_ref().map(|r| r.outcome.as_str()).unwrap_or("")
        } else {
            typed.outcome
        };
        AnswerForm {
            action: format!("/audits/{}/items/{}", a.id, url_encode(&item.id)),
            csrf: p.csrf_token().unwrap_or("").to_owned(),
            version: typed.version.to_string(),
            based_on: typed.based_on.clone(),
            notes: typed.notes.to_owned(),
            options: state
                .audits
                .outcomes()
                .into_iter()
                .map(|(code, label)| {
                    let checked = code == chosen;
                    (code, label, checked)
                })
                .collect(),
            errors: typed.errors,
        }
    });
    InspectPage {
        layout: Layout::new(p, format!("{} {}", item.label, a.title), "/audits"),
        audit_href: format!("/audits/{}", a.id),
        audit_title: a.title.clone(),
        site,
        prev_href: (index > 0).then(|| inspect_href(&a.id, index)),
        next_href: (index + 1 < total).then(|| inspect_href(&a.id, index + 2)),
        next_open_href,
        total,
        answered,
        current,
        by_zone,
        saved: typed.saved,
        alert: typed.alert,
        form,
        evidence: files.get(&item.id).cloned().unwrap_or_default(),
        upload: upload_form(
            state,
            p,
            a,
            vec![(item.id.clone(), String::new(), true)],
            "inspect",
        ),
        item,
    }
}

/// The checklist of a stored audit, or the page that says why there is none.
pub(super) async fn checklist(
    state: &AppState,
    p: &Principal,
    a: &Audit,
) -> Result<(Framework, Vec<ChecklistItem>), PageError> {
    let framework = framework_of(state, p, a).await?;
    let items = state.audits.checklist(a, &framework).map_err(|e| {
        in_frame(
            p,
            Problem::new(StatusCode::UNPROCESSABLE_ENTITY, e),
            "Cannot inspect",
        )
    })?;
    if items.is_empty() {
        return Err(in_frame(
            p,
            Problem::not_found(format!("audit {} has no item in its scope", a.id)),
            "Nothing to inspect",
        ));
    }
    Ok((framework, items))
}

async fn site_name(state: &AppState, p: &Principal, site: &Id) -> Result<String, Problem> {
    Ok(names_by_id(state, p, EntityKind::Site, [site.clone()])
        .await?
        .remove(site)
        .unwrap_or_else(|| site.to_string()))
}

async fn inspect(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    Query(params): Params,
) -> PageResult {
    resource::require(&p, EntityKind::Audit, Action::Read)?;
    let stored = load_one::<Audit>(&state, &p, &id).await?;
    let (_, items) = checklist(&state, &p, &stored.value).await?;
    let position = match params.get("item").filter(|s| !s.is_empty()) {
        Some(n) => n.trim().parse::<usize>().map_err(|_| {
            in_frame(
                &p,
                Problem::bad_request(format!(
                    "item: a number from 1 to {}, got {n:?}",
                    items.len()
                )),
                "No such item",
            )
        })?,
        None => first_open(&items),
    };
    // An old link past the end (the scope shrank) shows the last item.
    let index = position.clamp(1, items.len()) - 1;
    let saved = params
        .get("saved")
        .and_then(|s| items.iter().find(|i| &i.id == s))
        .map(|i| format!("Saved your answer to {} {}.", i.label, i.title));
    let files = evidence::by_item(&state, &p, &stored.value.id).await?;
    let added = params.get("added").and_then(|sha| {
        files
            .get(&items[index].id)?
            .iter()
            .find(|f| f.href.ends_with(&format!("/{sha}")))
            .map(|f| format!("Added {} to the evidence of this item.", f.name))
    });
    let saved = saved.or(added);
    let site = site_name(&state, &p, &stored.value.site).await?;
    let based_on = marker(&items[index]);
    let notes = items[index]
        .site_result()
        .map(|r| r.notes.clone())
        .unwrap_or_default();
    let page = inspect_page(
        &state,
        &p,
        &stored,
        site,
        items,
        index,
        Typed {
            outcome: "",
            notes: &notes,
            errors: BTreeMap::new(),
            alert: None,
            saved,
            version: stored.version,
            based_on,
        },
        &files,
    );
    Ok(html(StatusCode::OK, &page))
}

fn now_text() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

async fn save_item(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageUser(p): PageUser,
    Path((id, item_id)): Path<(String, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> PageResult {
    let values = FormData(form);
    check_csrf(&p, &values, &headers).map_err(|e| in_frame(&p, e, "Not allowed"))?;
    if !may_write(&p) {
        return Err(in_frame(
            &p,
            Problem::forbidden("your role may not record audit results"),
            "Not allowed",
        ));
    }
    let mut stored = load_one::<Audit>(&state, &p, &id).await?;
    let Some(version) = values
        .get("version")
        .parse::<i64>()
        .ok()
        .filter(|v| *v >= 1)
    else {
        return Err(in_frame(
            &p,
            Problem::bad_request(
                "the form did not say which version it answers; open the item again",
            ),
            "Cannot save",
        ));
    };
    let (framework, mut items) = checklist(&state, &p, &stored.value).await?;
    let Some(mut index) = items.iter().position(|i| i.id == item_id) else {
        return Err(in_frame(
            &p,
            Problem::not_found(format!(
                "item {item_id:?} is not in the scope of audit {}",
                stored.value.id
            )),
            "No such item",
        ));
    };
    let outcome = values.get("outcome").trim().to_owned();
    let notes = values.get("notes").trim().to_owned();
    let based_on = values
        .0
        .iter()
        .find(|(k, _)| k == "based_on")
        .map(|(_, v)| v.clone());
    let site = site_name(&state, &p, &stored.value.site).await?;
    let files = evidence::by_item(&state, &p, &stored.value.id).await?;
    let answer = ItemAnswer {
        item: item_id.clone(),
        outcome: outcome.clone(),
        notes: notes.clone(),
        auditor: p.user.id.to_string(),
        recorded_at: now_text(),
    };
    // The form again, as typed, with what is wrong.
    let again = |stored: &Stored<Audit>,
                 items: Vec<ChecklistItem>,
                 index: usize,
                 errors: BTreeMap<&'static str, String>,
                 alert: Option<String>,
                 version: i64,
                 based_on: String| {
        inspect_page(
            &state,
            &p,
            stored,
            site.clone(),
            items,
            index,
            Typed {
                outcome: &outcome,
                notes: &notes,
                errors,
                alert,
                saved: None,
                version,
                based_on,
            },
            &files,
        )
    };
    if !state.audits.outcomes().iter().any(|(c, _)| *c == outcome) {
        let mut errors = BTreeMap::new();
        errors.insert(
            "outcome",
            "Choose compliant, partially compliant, non-compliant or not applicable.".to_owned(),
        );
        let based = based_on.clone().unwrap_or_default();
        let page = again(&stored, items, index, errors, None, version, based);
        return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page));
    }
    for attempt in 0..SAVE_TRIES {
        if attempt > 0 {
            stored = load_one::<Audit>(&state, &p, &id).await?;
            items = match state.audits.checklist(&stored.value, &framework) {
                Ok(items) => items,
                Err(e) => {
                    return Err(in_frame(
                        &p,
                        Problem::new(StatusCode::UNPROCESSABLE_ENTITY, e),
                        "Cannot save",
                    ));
                }
            };
            match items.iter().position(|i| i.id == item_id) {
                Some(i) => index = i,
                None => {
                    return Err(in_frame(
                        &p,
                        Problem::not_found(format!(
                            "item {item_id:?} is no longer in the scope of audit {}",
                            stored.value.id
                        )),
                        "No such item",
                    ));
                }
            }
        }
        // Changed since the form was shown: a conflict only when someone
        // else has answered this very item in the meantime.
        let now = marker(&items[index]);
        let theirs = items[index]
            .site_result()
            .is_some_and(|r| r.auditor != p.user.id.as_str());
        if stored.version != version && based_on.as_ref().is_some_and(|b| *b != now) && theirs {
            let other = items[index].site_result().map_or_else(String::new, |r| {
                format!(
                    "{} recorded \u{201c}{}\u{201d} at {}",
                    r.auditor,
                    outcome_label(&r.outcome),
                    r.recorded_at
                )
            });
            let alert = format!(
                "Someone else answered this item after you opened it: {other}. Your answer is not saved; it is kept below. Save again to replace theirs."
            );
            let v = stored.version;
            let page = again(&stored, items, index, BTreeMap::new(), Some(alert), v, now);
            return Ok(html(StatusCode::CONFLICT, &page));
        }
        let content = match state.audits.record(&stored.value, &framework, &answer) {
            Ok(c) => c,
            Err(AnswerError { field, message }) => {
                let mut errors = BTreeMap::new();
                let mut alert = None;
                match field {
                    Some(f @ ("outcome" | "notes")) => {
                        errors.insert(f, capitalise(&message));
                    }
                    _ => alert = Some(capitalise(&message)),
                }
                let based = based_on.clone().unwrap_or_default();
                let page = again(&stored, items, index, errors, alert, version, based);
                return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page));
            }
        };
        let updated = Audit {
            content,
            ..stored.value.clone()
        };
        match resource::update_entity(&state, &p, &updated, stored.version).await {
            Ok(done) => {
                let next = if index + 1 < items.len() {
                    index + 2
                } else {
                    index + 1
                };
                let to = format!(
                    "/audits/{}/inspect?item={next}&saved={}",
                    done.value.id(),
                    url_encode(&item_id)
                );
                return Ok(Redirect::to(&to).into_response());
            }
            // Changed between the read and the write: read it again.
            Err(problem) if problem.status == 409 => continue,
            Err(problem) if problem.status == 422 => {
                let message = problem
                    .errors
                    .first()
                    .map_or_else(|| problem.detail.clone(), |e| e.message.clone());
                let based = based_on.clone().unwrap_or_default();
                let page = again(
                    &stored,
                    items,
                    index,
                    BTreeMap::new(),
                    Some(capitalise(&message)),
                    version,
                    based,
                );
                return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, &page));
            }
            Err(problem) => return Err(in_frame(&p, problem, "Cannot save")),
        }
    }
    let v = stored.version;
    let now = marker(&items[index]);
    let page = again(
        &stored,
        items,
        index,
        BTreeMap::new(),
        Some("The audit kept changing while your answer was being saved; it is not saved. Save again.".to_owned()),
        v,
        now,
    );
    Ok(html(StatusCode::CONFLICT, &page))
}

// ------------------------------------------------------------ the dashboard's warning

/// One risk acceptance the dashboard warns about.
#[derive(Debug, Clone)]
pub struct ExpiryWarning {
    pub acceptance: String,
    pub audit_href: String,
    pub audit: String,
    pub site: String,
    pub finding: String,
    pub expires: String,
    pub state: String,
    pub class: &'static str,
}

/// The risk acceptances of the audits the user sees that have expired or
/// expire within [`EXPIRY_WARNING_DAYS`] days, soonest first. Cached under
/// `key` (the dashboard's: the data, the day and the user's sites).
pub async fn expiry_warnings(
    state: &AppState,
    p: &Principal,
    today: Date,
    key: &str,
) -> Result<Vec<ExpiryWarning>, Problem> {
    let key = format!("audit-expiry|{key}");
    if let Some(hit) = state.cached::<Vec<ExpiryWarning>>(&key) {
        return Ok((*hit).clone());
    }
    if !access::allows(p.user.role, EntityKind::Audit, Action::Read) {
        return Ok(Vec::new());
    }
    let audits = load::<Audit>(state, p, None).await?;
    let mut found: Vec<(&Audit, AcceptanceView)> = Vec::new();
    for a in audits.iter().map(|s| &s.value) {
        // An audit the engine cannot read has its own page to say so.
        if let Ok(list) = state.audits.expiring(a, today, EXPIRY_WARNING_DAYS) {
            found.extend(list.into_iter().map(|x| (a, x)));
        }
    }
    found.sort_by(|x, y| {
        x.1.expires
            .cmp(&y.1.expires)
            .then_with(|| x.1.id.cmp(&y.1.id))
    });
    let sites = names_by_id(
        state,
        p,
        EntityKind::Site,
        found.iter().map(|(a, _)| a.site.clone()),
    )
    .await?;
    let out: Vec<ExpiryWarning> = found
        .into_iter()
        .map(|(a, x)| ExpiryWarning {
            acceptance: x.id.clone(),
            audit_href: format!("/audits/{}", a.id),
            audit: a.title.clone(),
            site: sites
                .get(&a.site)
                .cloned()
                .unwrap_or_else(|| a.site.to_string()),
            finding: x.finding.clone(),
            expires: x.expires.to_string(),
            state: expiry_text(x.expiry),
            class: expiry_class(x.expiry),
        })
        .collect();
    state.cache(key, std::sync::Arc::new(out.clone()));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_and_scores_read_as_words() {
        assert_eq!(
            expiry_text(Expiry::Expired { days_ago: 1 }),
            "Expired 1 day ago"
        );
        assert_eq!(
            expiry_text(Expiry::Expiring { days_left: 0 }),
            "Expires today"
        );
        assert_eq!(
            expiry_text(Expiry::Expiring { days_left: 30 }),
            "Expires in 30 days"
        );
        assert_eq!(
            expiry_text(Expiry::Valid { days_left: 31 }),
            "Valid, 31 days left"
        );
        assert_eq!(score_text(Some(0.875)), "87.5 %");
        assert_eq!(score_text(None), "Not scored");
        assert_eq!(outcome_label("non_compliant"), "Non-compliant");
        assert_eq!(outcome_label("partially_compliant"), "Partially compliant");
    }

    #[test]
    fn the_csv_link_keeps_the_filters_and_nothing_else() {
        let params: BTreeMap<String, String> = [
            ("site", "dc"),
            ("status", ""),
            ("offset", "100"),
            ("format", "html"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(csv_href(&params), "/audits?site=dc&format=csv");
    }
}
