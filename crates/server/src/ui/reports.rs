//! The Reports page: build and download the security assessment report,
//! the executive briefing, the remediation plan status or an audit's
//! report, as PDF or HTML.
//!
//! Who may have what: a report of one site needs that site in the user's
//! scope (otherwise 404, as for every record of the site); a report of the
//! whole organisation needs access to every site (403). The builder is
//! given the organisation pruned to the sites the user sees, so nothing
//! outside the scope can reach a report by any path.

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jiff::civil::Date;
use rampart_domain::{Audit, Id, OrgDocument, Site};

use super::pages::load;
use super::{Layout, PageError, PageResult, PageUser, html, today};
use crate::auth::Principal;
use crate::problem::Problem;
use crate::reports::{ReportFormat, ReportKind, ReportRequest};
use crate::state::AppState;

pub fn routes(r: Router<AppState>) -> Router<AppState> {
    r.route("/reports", get(reports_page))
        .route("/reports/build", get(build))
}

#[derive(Template)]
#[template(path = "reports.html")]
struct ReportsPage {
    layout: Layout,
    sites: Vec<(String, String)>,
    audits: Vec<(String, String)>,
    all_sites: bool,
    today: String,
}

async fn reports_page(State(state): State<AppState>, PageUser(p): PageUser) -> PageResult {
    let (sites, audits) = tokio::try_join!(
        load::<Site>(&state, &p, None),
        load::<Audit>(&state, &p, None)
    )?;
    let page = ReportsPage {
        layout: Layout::new(&p, "Reports", "/reports"),
        sites: sites
            .iter()
            .map(|s| (s.value.id.to_string(), s.value.name.clone()))
            .collect(),
        audits: audits
            .iter()
            .map(|a| (a.value.id.to_string(), a.value.title.clone()))
            .collect(),
        all_sites: p.user.all_sites,
        today: today().to_string(),
    };
    Ok(html(StatusCode::OK, &page))
}

/// The organisation as the user may see it: records of other sites left
/// out, and what site-wide records say about other sites (a threat's
/// ratings, a person's sites) cut.
pub fn visible_document(mut doc: OrgDocument, p: &Principal) -> OrgDocument {
    if p.user.all_sites {
        return doc;
    }
    let sees = |s: &Id| p.may_see_site(s);
    doc.sites.retain(|s| sees(&s.id));
    doc.zones.retain(|z| sees(&z.site));
    doc.assets.retain(|a| sees(&a.site));
    doc.applied_controls.retain(|a| sees(&a.site));
    doc.devices.retain(|d| sees(&d.site));
    doc.risks.retain(|r| sees(&r.site));
    doc.facility_models.retain(|f| sees(&f.site));
    doc.floor_plans.retain(|f| sees(&f.site));
    doc.audits.retain(|a| sees(&a.site));
    doc.inspections.retain(|i| sees(&i.site));
    doc.acceptance_plans.retain(|a| sees(&a.site));
    for t in &mut doc.threats {
        t.ratings.retain(|r| sees(&r.site));
    }
    for person in &mut doc.people {
        person.sites.retain(|s| sees(s));
    }
    doc
}

fn framed(p: &Principal, e: Problem) -> PageError {
    PageError(e, Some(Layout::new(p, "Reports", "/reports")))
}

async fn build(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Query(q): Query<BTreeMap<String, String>>,
) -> Result<Response, PageError> {
    let get = |k: &str| q.get(k).map(|s| s.trim()).unwrap_or("");
    let format = match get("format") {
        "pdf" | "" => ReportFormat::Pdf,
        "html" => ReportFormat::Html,
        other => {
            return Err(framed(
                &p,
                Problem::bad_request(format!("format: pdf or html, got {other:?}")),
            ));
        }
    };
    let as_of = match get("as_of") {
        "" => today(),
        t => t.parse::<Date>().map_err(|_| {
            framed(
                &p,
                Problem::bad_request(format!("as_of: a date as YYYY-MM-DD, got {t:?}")),
            )
        })?,
    };
    let audit = match get("audit") {
        "" => None,
        a => Some(
            Id::new(a)
                .map_err(|_| framed(&p, Problem::not_found(format!("there is no audit {a:?}"))))?,
        ),
    };
    let kind = if audit.is_some() {
        ReportKind::Assessment
    } else {
        ReportKind::parse(get("kind")).ok_or_else(|| {
            framed(
                &p,
                Problem::bad_request(
                    "kind: assessment, briefing or remediation (or give an audit)",
                ),
            )
        })?
    };
    let site = match get("site") {
        "" => None,
        s => {
            let id = Id::new(s)
                .ok()
                .filter(|id| p.may_see_site(id))
                .ok_or_else(|| framed(&p, Problem::not_found(format!("there is no site {s:?}"))))?;
            Some(id)
        }
    };
    if site.is_none() && audit.is_none() && !p.user.all_sites {
        return Err(framed(
            &p,
            Problem::forbidden(
                "a report of the whole organisation needs access to every site; choose one of your sites",
            ),
        ));
    }
    let doc = rampart_store::export_document(state.store(), &p.org)
        .await
        .map_err(|e| framed(&p, e.into()))?;
    let doc = visible_document(doc, &p);
    if let Some(s) = &site
        && !doc.sites.iter().any(|x| &x.id == s)
    {
        return Err(framed(
            &p,
            Problem::not_found(format!("there is no site {:?}", s.as_str())),
        ));
    }
    if let Some(a) = &audit
        && !doc.audits.iter().any(|x| &x.id == a)
    {
        return Err(framed(
            &p,
            Problem::not_found(format!("there is no audit {:?}", a.as_str())),
        ));
    }
    let request = ReportRequest {
        kind,
        site,
        audit,
        format,
        as_of,
        prepared_by: p.actor(),
    };
    let reports = state.reports.clone();
    let file = tokio::task::spawn_blocking(move || reports.build(&doc, &request))
        .await
        .map_err(|e| framed(&p, Problem::internal("building a report", e)))?
        .map_err(|e| framed(&p, Problem::new(StatusCode::UNPROCESSABLE_ENTITY, e)))?;
    let mut res = file.bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(file.content_type),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", file.file_name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}
