//! The acceptance test pages: the plans of the sites the user sees (status,
//! tests passed, failed and to run, CSV), and a plan test by test with its
//! runs, a form to record a run in the field and the sign-off.
//!
//! The rules are the domain's (`AcceptancePlan::record` and `sign`): a
//! measurement decides a test with a criterion, runs are kept oldest first,
//! a plan is signed off only when every test's latest run passed and is
//! closed from then on. A refused form comes back with the message beside
//! the field and what was typed kept. Who ran the test or signed is the
//! logged-in user; recording needs the role that writes plans, signing off
//! the role that accepts systems (`access::may_sign_off`). Each write is a
//! versioned, audited update; when the plan changed in between (another
//! assessor recorded another test), the run is applied again to the plan as
//! it now is.

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use jiff::civil::Date;
use rampart_domain::{
    AcceptancePlan, Device, EntityKind, Id, Inspection, NewRun, PlanStatus, Refusal, RunOutcome,
    Site, TestState,
};
use rampart_store::Stored;

use super::pages::{Results, load, load_one};
use super::{
    Cell, FormData, Layout, PageError, PageResult, PageUser, Table, check_csrf, csv_response, html,
    today, url_encode,
};
use crate::access::{self, Action};
use crate::auth::Principal;
use crate::problem::Problem;
use crate::resource;
use crate::state::AppState;

pub fn routes(r: Router<AppState>) -> Router<AppState> {
    r.route("/acceptance", get(plan_list))
        .route("/acceptance/{id}", get(plan_page))
        .route("/acceptance/{id}/runs", post(record_run))
        .route("/acceptance/{id}/sign-off", post(sign_off))
}

/// How often a write is applied again when the plan keeps changing under it.
const TRIES: usize = 4;

fn in_frame(p: &Principal, problem: Problem, title: &str) -> PageError {
    PageError(problem, Some(Layout::new(p, title, "/acceptance")))
}

fn status_class(s: PlanStatus) -> &'static str {
    match s {
        PlanStatus::Accepted | PlanStatus::ReadyForSignOff => "status-ok",
        PlanStatus::Failing => "status-bad",
        PlanStatus::NotStarted | PlanStatus::InProgress => "status-warn",
    }
}

fn tests_cell(plan: &AcceptancePlan) -> String {
    let c = plan.counts();
    format!(
        "{} passed, {} failed, {} to run",
        c.passed, c.failed, c.not_run
    )
}

// ------------------------------------------------------------ the list

#[derive(Template)]
#[template(path = "acceptance_list.html")]
struct ListPage {
    layout: Layout,
    intro: String,
    results: Results,
}

async fn plan_list(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Query(params): Query<BTreeMap<String, String>>,
) -> PageResult {
    resource::require(&p, EntityKind::AcceptancePlan, Action::Read)?;
    let (sites, plans) = tokio::try_join!(
        load::<Site>(&state, &p, None),
        load::<AcceptancePlan>(&state, &p, None),
    )?;
    let site_names: BTreeMap<&Id, &str> = sites
        .iter()
        .map(|s| (&s.value.id, s.value.name.as_str()))
        .collect();
    let mut t = Table::new(
        "Acceptance test plans",
        &[
            "Plan",
            "Site",
            "System",
            "Installer",
            "Status",
            "Tests",
            "Signed off",
        ],
        "No acceptance test plan on your sites yet: add them under `acceptance_plans:` in the organisation file or through the API.",
    );
    for s in &plans {
        let plan = &s.value;
        let status = plan.status();
        t.rows.push(vec![
            Cell::link(
                plan.title.clone(),
                format!("/acceptance/{}", url_encode(plan.id.as_str())),
            ),
            Cell::text(
                site_names
                    .get(&plan.site)
                    .map_or_else(|| plan.site.to_string(), |n| (*n).to_owned()),
            ),
            Cell::text(plan.system.clone().unwrap_or_default()),
            Cell::text(plan.contractor.clone().unwrap_or_default()),
            Cell::text(status.label()).class(status_class(status)),
            Cell::text(tests_cell(plan)),
            Cell::text(
                plan.sign_off
                    .as_ref()
                    .map(|s| format!("{} by {}", s.on, s.by))
                    .unwrap_or_default(),
            ),
        ]);
    }
    if params.get("format").map(String::as_str) == Some("csv") {
        return Ok(csv_response("acceptance-plans", &t));
    }
    let page = ListPage {
        layout: Layout::new(&p, "Acceptance tests", "/acceptance"),
        intro: "The tests a newly installed or changed security system passes before it is accepted from the installer: each test's runs (a re-test after a fix is kept beside the failure), measured against its criterion where it has one, and the sign-off.".to_owned(),
        results: Results {
            table: t,
            csv_href: "/acceptance?format=csv".to_owned(),
            more_href: None,
            shown_note: String::new(),
            prev_href: None,
            next_href: None,
        },
    };
    Ok(html(StatusCode::OK, &page))
}

// ------------------------------------------------------------ one plan

#[derive(Template)]
#[template(path = "acceptance.html")]
struct PlanPage {
    layout: Layout,
    title: String,
    status: &'static str,
    status_class: &'static str,
    facts: Vec<(&'static str, Cell)>,
    blockers: Vec<String>,
    tests: Vec<TestView>,
    run_form: Option<RunForm>,
    sign_form: Option<SignForm>,
    version: String,
}

struct TestView {
    id: String,
    title: String,
    state: &'static str,
    state_class: &'static str,
    procedure: String,
    expected: String,
    criterion: String,
    device: String,
    runs: Table,
}

/// The record-a-run form, with what was typed and the error beside its
/// field when it was refused.
#[derive(Default)]
struct RunForm {
    action: String,
    csrf: String,
    tests: Vec<(String, String, bool)>,
    on: String,
    outcome: String,
    measured: String,
    notes: String,
    error: Option<(String, String)>,
}

impl RunForm {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
}

#[derive(Default)]
struct SignForm {
    action: String,
    csrf: String,
    on: String,
    notes: String,
    error: Option<String>,
}

/// What a refused form brings back to the page.
enum Retry {
    Run(FormData, Refusal),
    Sign(FormData, String),
}

async fn plan_page(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path(id): Path<String>,
) -> PageResult {
    resource::require(&p, EntityKind::AcceptancePlan, Action::Read)?;
    let stored = load_one::<AcceptancePlan>(&state, &p, &id).await?;
    render(&state, &p, &stored, None).await
}

async fn render(
    state: &AppState,
    p: &Principal,
    stored: &Stored<AcceptancePlan>,
    retry: Option<Retry>,
) -> PageResult {
    let plan = &stored.value;
    let site = Some(vec![plan.site.clone()]);
    let (sites, devices, inspections) = tokio::try_join!(
        load::<Site>(state, p, site.clone()),
        load::<Device>(state, p, site.clone()),
        load::<Inspection>(state, p, site),
    )?;
    let device_name = |id: &Id| {
        devices.iter().find(|d| &d.value.id == id).map_or_else(
            || id.to_string(),
            |d| {
                let kind = super::label(&d.value.kind);
                match &d.value.name {
                    Some(n) => format!("{n} ({id}, {kind})"),
                    None => format!("{id} ({kind})"),
                }
            },
        )
    };
    let status = plan.status();
    let mut facts = vec![
        (
            "Site",
            Cell::link(
                sites
                    .first()
                    .map_or_else(|| plan.site.to_string(), |s| s.value.name.clone()),
                format!("/sites/{}", url_encode(plan.site.as_str())),
            ),
        ),
        (
            "System",
            Cell::text(plan.system.clone().unwrap_or_default()),
        ),
        (
            "Installer",
            Cell::text(plan.contractor.clone().unwrap_or_default()),
        ),
        (
            "Devices",
            Cell::text(
                plan.devices
                    .iter()
                    .map(&device_name)
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        ),
        (
            "Planned",
            Cell::text(plan.planned.map(|d| d.to_string()).unwrap_or_default()),
        ),
        ("Tests", Cell::text(tests_cell(plan))),
    ];
    if let Some(m) = &plan.monitoring {
        let title = inspections
            .iter()
            .find(|i| &i.value.id == m)
            .map_or_else(|| m.to_string(), |i| i.value.title.clone());
        facts.push(("Ongoing monitoring", Cell::link(title, "/inspections")));
    }
    if let Some(s) = &plan.sign_off {
        let notes = s
            .notes
            .as_deref()
            .map(|n| format!(": {n}"))
            .unwrap_or_default();
        facts.push((
            "Signed off",
            Cell::text(format!("{} by {}{notes}", s.on, s.by)).class("status-ok"),
        ));
    }
    let tests = plan
        .tests
        .iter()
        .map(|t| {
            let (state_label, state_class) = match t.state() {
                TestState::NotRun => ("Not run", "status-warn"),
                TestState::Passed => ("Passed", "status-ok"),
                TestState::Failed => ("Failed", "status-bad"),
            };
            let unit = t.criterion.as_ref().map_or("", |c| c.unit.as_str());
            let mut runs = Table::new(
                "Runs, oldest first",
                &["Date", "Outcome", "Measured", "By", "Notes"],
                "Not run yet.",
            );
            for r in &t.results {
                let (word, class) = match r.outcome {
                    RunOutcome::Pass => ("Pass", "status-ok"),
                    RunOutcome::Fail => ("Fail", "status-bad"),
                };
                runs.rows.push(vec![
                    Cell::text(r.on.to_string()),
                    Cell::text(word).class(class),
                    Cell::num(
                        r.measured
                            .map(|m| format!("{m} {unit}").trim_end().to_owned())
                            .unwrap_or_default(),
                    ),
                    Cell::text(r.by.clone()),
                    Cell::text(r.notes.clone().unwrap_or_default()),
                ]);
            }
            TestView {
                id: t.id.to_string(),
                title: t.title.clone(),
                state: state_label,
                state_class,
                procedure: t.procedure.clone(),
                expected: t.expected.clone(),
                criterion: t
                    .criterion
                    .as_ref()
                    .map(|c| c.describe())
                    .unwrap_or_default(),
                device: t.device.as_ref().map(&device_name).unwrap_or_default(),
                runs,
            }
        })
        .collect();
    let csrf = p.csrf_token().unwrap_or("").to_owned();
    let base = format!("/acceptance/{}", url_encode(plan.id.as_str()));
    let open = plan.sign_off.is_none();
    let (run_retry, sign_retry) = match retry {
        Some(Retry::Run(f, r)) => (Some((f, r)), None),
        Some(Retry::Sign(f, m)) => (None, Some((f, m))),
        None => (None, None),
    };
    let failed = run_retry.is_some() || sign_retry.is_some();
    let run_form = (open && access::allows(p.user.role, EntityKind::AcceptancePlan, Action::Write))
        .then(|| {
            let chosen = run_retry
                .as_ref()
                .map(|(f, _)| f.get("test").to_owned())
                .or_else(|| {
                    plan.tests
                        .iter()
                        .find(|t| t.state() != TestState::Passed)
                        .map(|t| t.id.to_string())
                })
                .unwrap_or_default();
            let typed = |name: &str| {
                run_retry
                    .as_ref()
                    .map(|(f, _)| f.get(name).to_owned())
                    .unwrap_or_default()
            };
            RunForm {
                action: format!("{base}/runs"),
                csrf: csrf.clone(),
                tests: plan
                    .tests
                    .iter()
                    .map(|t| {
                        let id = t.id.to_string();
                        let selected = id == chosen;
                        (id, t.title.clone(), selected)
                    })
                    .collect(),
                on: run_retry
                    .as_ref()
                    .map_or_else(|| today().to_string(), |(f, _)| f.get("on").to_owned()),
                outcome: typed("outcome"),
                measured: typed("measured"),
                notes: typed("notes"),
                error: run_retry.map(|(_, r)| (r.field.to_owned(), r.message)),
            }
        });
    let sign_form = (open
        && access::may_sign_off(p.user.role)
        && (status == PlanStatus::ReadyForSignOff || sign_retry.is_some()))
    .then(|| SignForm {
        action: format!("{base}/sign-off"),
        csrf: csrf.clone(),
        on: sign_retry
            .as_ref()
            .map_or_else(|| today().to_string(), |(f, _)| f.get("on").to_owned()),
        notes: sign_retry
            .as_ref()
            .map(|(f, _)| f.get("notes").to_owned())
            .unwrap_or_default(),
        error: sign_retry.map(|(_, m)| m),
    });
    let page = PlanPage {
        layout: Layout::new(p, plan.title.clone(), "/acceptance"),
        title: plan.title.clone(),
        status: status.label(),
        status_class: status_class(status),
        facts,
        blockers: if open {
            plan.sign_off_blockers()
        } else {
            Vec::new()
        },
        tests,
        run_form,
        sign_form,
        version: format!(
            "Version {}, last changed {} by {}.",
            stored.version, stored.updated_at, stored.updated_by
        ),
    };
    let code = if failed {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(html(code, &page))
}

// ------------------------------------------------------------ the writes

/// Applies `change` to the plan as stored and writes it with the version
/// read; on a version conflict (someone else wrote in between) reads again
/// and applies it again. A refusal of the change itself is returned as is.
async fn write<F>(
    state: &AppState,
    p: &Principal,
    id: &str,
    mut change: F,
) -> Result<Result<(), Refusal>, Problem>
where
    F: FnMut(&mut AcceptancePlan) -> Result<(), Refusal>,
{
    for _ in 0..TRIES {
        let stored = load_one::<AcceptancePlan>(state, p, id).await?;
        let mut plan = stored.value.clone();
        if let Err(r) = change(&mut plan) {
            return Ok(Err(r));
        }
        match resource::update_entity(state, p, &plan, stored.version).await {
            Ok(_) => return Ok(Ok(())),
            // A stale version (or a sign-off in between, which the domain
            // then refuses with its own words on the next read): again.
            Err(e) if e.status() == StatusCode::CONFLICT => continue,
            Err(e) => return Err(e),
        }
    }
    Err(Problem::conflict(
        "the plan kept changing while this was saved; reload it and try again",
    ))
}

/// Record a run (`POST /acceptance/{id}/runs`: `csrf_token`, `test`, `on`,
/// `outcome` (`pass`, `fail` or empty to let the measurement decide),
/// `measured`, `notes`).
async fn record_run(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> PageResult {
    let title = "Run not recorded";
    let values = FormData(form);
    check_csrf(&p, &values, &headers).map_err(|e| in_frame(&p, e, "Not allowed"))?;
    resource::require(&p, EntityKind::AcceptancePlan, Action::Write)
        .map_err(|e| in_frame(&p, e, title))?;
    let parsed = parse_run(&values, &p);
    let result = match parsed {
        Err(r) => Err(r),
        Ok(run) => {
            let test = values.get("test").to_owned();
            write(&state, &p, &id, |plan| {
                plan.record(&test, run.clone()).map(|_| ())
            })
            .await
            .map_err(|e| in_frame(&p, e, title))?
        }
    };
    answer(&state, &p, &id, result.map_err(|r| Retry::Run(values, r))).await
}

/// After a write: back to the plan, or the plan again with the refused
/// form beside its field (422).
async fn answer(
    state: &AppState,
    p: &Principal,
    id: &str,
    result: Result<(), Retry>,
) -> PageResult {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/acceptance/{}", url_encode(id))).into_response()),
        Err(retry) => {
            let stored = load_one::<AcceptancePlan>(state, p, id).await?;
            render(state, p, &stored, Some(retry)).await
        }
    }
}

fn parse_run(values: &FormData, p: &Principal) -> Result<NewRun, Refusal> {
    let refuse = |field: &'static str, message: &str| Refusal {
        field,
        message: message.to_owned(),
    };
    let on: Date = values
        .get("on")
        .trim()
        .parse()
        .map_err(|_| refuse("on", "a date as YYYY-MM-DD"))?;
    if on > today() {
        return Err(refuse("on", "a run cannot be recorded in the future"));
    }
    let outcome = match values.get("outcome") {
        "pass" => Some(RunOutcome::Pass),
        "fail" => Some(RunOutcome::Fail),
        "" => None,
        _ => {
            return Err(refuse(
                "outcome",
                "pass, fail, or leave it to the measurement",
            ));
        }
    };
    let measured = match values.get("measured").trim() {
        "" => None,
        m => Some(
            m.replace(',', ".")
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| refuse("measured", "a number, such as 12 or 0.4"))?,
        ),
    };
    let notes = values.get("notes").trim();
    if notes.len() > 2000 {
        return Err(refuse("notes", "at most 2,000 characters"));
    }
    Ok(NewRun {
        on,
        by: p.user.display_name.clone(),
        outcome,
        measured,
        notes: (!notes.is_empty()).then(|| notes.to_owned()),
    })
}

/// Sign the plan off (`POST /acceptance/{id}/sign-off`: `csrf_token`, `on`,
/// `notes`): a security manager or an administrator, once every test's
/// latest run passed.
async fn sign_off(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> PageResult {
    let title = "Not signed off";
    let values = FormData(form);
    check_csrf(&p, &values, &headers).map_err(|e| in_frame(&p, e, "Not allowed"))?;
    resource::require(&p, EntityKind::AcceptancePlan, Action::Write)
        .map_err(|e| in_frame(&p, e, title))?;
    resource::require_sign_off(&p).map_err(|e| in_frame(&p, e, title))?;
    let on = values.get("on").trim().parse::<Date>();
    let result = match on {
        Err(_) => Err("the date: a date as YYYY-MM-DD".to_owned()),
        Ok(on) if on > today() => {
            Err("the date: a sign-off cannot be dated in the future".to_owned())
        }
        Ok(on) => {
            let notes = values.get("notes").trim().to_owned();
            let by = p.user.display_name.clone();
            write(&state, &p, &id, |plan| {
                plan.sign(rampart_domain::SignOff {
                    by: by.clone(),
                    on,
                    notes: (!notes.is_empty()).then(|| notes.clone()),
                })
            })
            .await
            .map_err(|e| in_frame(&p, e, title))?
            .map_err(|r| r.message)
        }
    };
    answer(&state, &p, &id, result.map_err(|m| Retry::Sign(values, m))).await
}

// ------------------------------------------------------------ the dashboard

/// A system not yet accepted, as the dashboard lists it.
#[derive(Debug, Clone)]
pub struct OpenPlan {
    pub title: String,
    pub href: String,
    pub site: String,
    pub status: &'static str,
    pub class: &'static str,
    pub tests: String,
    /// The planned day, with "(passed)" when it is behind us.
    pub planned: String,
}

/// The plans of the user's sites that are not signed off: failing first,
/// then ready for sign-off, then the rest; cached under the dashboard's
/// key (the audit log's head), like the other panels.
pub async fn open_plans(
    state: &AppState,
    p: &Principal,
    today: Date,
    key: &str,
) -> Result<Vec<OpenPlan>, Problem> {
    let key = format!("acceptance-open|{key}");
    if let Some(hit) = state.cached::<Vec<OpenPlan>>(&key) {
        return Ok((*hit).clone());
    }
    let (sites, plans) = tokio::try_join!(
        load::<Site>(state, p, None),
        load::<AcceptancePlan>(state, p, None),
    )?;
    let mut open: Vec<&AcceptancePlan> = plans
        .iter()
        .map(|s| &s.value)
        .filter(|a| a.sign_off.is_none())
        .collect();
    let rank = |s: PlanStatus| match s {
        PlanStatus::Failing => 0,
        PlanStatus::ReadyForSignOff => 1,
        _ => 2,
    };
    open.sort_by(|a, b| {
        (rank(a.status()), a.planned, &a.id).cmp(&(rank(b.status()), b.planned, &b.id))
    });
    let out: Vec<OpenPlan> = open
        .into_iter()
        .map(|a| {
            let status = a.status();
            OpenPlan {
                title: a.title.clone(),
                href: format!("/acceptance/{}", url_encode(a.id.as_str())),
                site: sites
                    .iter()
                    .find(|s| s.value.id == a.site)
                    .map_or_else(|| a.site.to_string(), |s| s.value.name.clone()),
                status: status.label(),
                class: status_class(status),
                tests: tests_cell(a),
                planned: a
                    .planned
                    .map(|d| {
                        if d < today {
                            format!("{d} (passed)")
                        } else {
                            d.to_string()
                        }
                    })
                    .unwrap_or_default(),
            }
        })
        .collect();
    state.cache(key, std::sync::Arc::new(out.clone()));
    Ok(out)
}
