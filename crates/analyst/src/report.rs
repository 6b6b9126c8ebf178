//! The reports' models from the stored organisation: runs the engines on
//! what it holds (qualitative ratings, the FAIR Monte Carlo, the
//! protection-path search, camera coverage, audit scores) and builds the
//! model that `rampart-report` renders. Shared by `rampart report` and the
//! web application's Reports page; no I/O.

use std::collections::BTreeMap;

use anyhow::{Context as _, Result, bail};
use jiff::civil::Date;
use rampart_domain::{self as domain, Assessment, Id, OrgDocument};
use rampart_report::model as rm;
use rampart_risk::assessment::QualitativeInputs;
use rampart_risk::qualitative::{FemaBands, Level, NistLevel, Rating, RiskMatrix, nist_rate};
use rampart_risk::simulate::{SimulationOptions, simulate};
use serde::Serialize;

/// Trials of the FAIR Monte Carlo unless told otherwise.
pub const DEFAULT_TRIALS: u64 = 100_000;
/// The seed of the FAIR Monte Carlo: fixed, so that a report can be made again.
pub const DEFAULT_SEED: u64 = 1;

/// Who made a report and from what, for its document control table.
#[derive(Debug, Clone, Default)]
pub struct Provenance {
    pub prepared_by: String,
    /// Where the data came from (a redacted database URL, "the web application").
    pub source: String,
}

/// The report a model is rendered as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Assessment,
    Briefing,
}

/// The format of a rendered report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Pdf,
}

/// How the FAIR simulation runs, and what the method section says about it.
#[derive(Debug, Clone)]
pub struct Settings {
    pub trials: u64,
    pub seed: u64,
    /// An extra sentence for the method section (e.g. why trials are fewer).
    pub note: Option<String>,
}

/// A report model rendered.
pub fn render(model: &rm::Report, kind: Kind, format: Format) -> Result<Vec<u8>> {
    Ok(match (kind, format) {
        (Kind::Assessment, Format::Html) => rampart_report::assessment_html(model).into_bytes(),
        (Kind::Briefing, Format::Html) => rampart_report::briefing_html(model).into_bytes(),
        (Kind::Assessment, Format::Pdf) => {
            rampart_report::assessment_pdf(model).context("the PDF of the assessment report")?
        }
        (Kind::Briefing, Format::Pdf) => {
            rampart_report::briefing_pdf(model).context("the PDF of the briefing")?
        }
    })
}

/// The audit report rendered.
pub fn render_audit(model: &rm::AuditReport, format: Format) -> Result<Vec<u8>> {
    Ok(match format {
        Format::Html => rampart_report::audit_html(model).into_bytes(),
        Format::Pdf => rampart_report::audit_pdf(model)
            .with_context(|| format!("the PDF of audit {}", model.audit.id))?,
    })
}

/// The remediation plan status rendered.
pub fn render_remediation(model: &rm::RemediationReport, format: Format) -> Result<Vec<u8>> {
    Ok(match format {
        Format::Html => rampart_report::remediation_html(model).into_bytes(),
        Format::Pdf => {
            rampart_report::remediation_pdf(model).context("the PDF of the remediation status")?
        }
    })
}

/// A serde enum's name as words: `data_centre` -> `data centre`.
fn label<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s.replace('_', " "),
        _ => String::new(),
    }
}

fn names<'a, T: 'a>(
    items: impl IntoIterator<Item = &'a T>,
    f: impl Fn(&T) -> (Id, String),
) -> BTreeMap<Id, String> {
    items.into_iter().map(f).collect()
}

/// The organisation's matrix: its scales, with three levels by the product of
/// the positions (1-based) as a share of the largest product: up to a third
/// Low, up to two thirds Medium, above High (as the web dashboard bands it).
fn organisation_matrix(scales: &domain::RiskMatrixScales) -> Result<RiskMatrix> {
    let (nl, ni) = (scales.likelihood.len(), scales.impact.len());
    let max = (nl * ni).max(1) as f64;
    let grid = (1..=nl)
        .map(|l| {
            (1..=ni)
                .map(|i| {
                    let r = (l * i) as f64 / max;
                    if r <= 1.0 / 3.0 {
                        0
                    } else if r <= 2.0 / 3.0 {
                        1
                    } else {
                        2
                    }
                })
                .collect()
        })
        .collect();
    let level = |name: &str, colour: &str| Level {
        name: name.into(),
        colour: colour.into(),
    };
    Ok(RiskMatrix::new(
        scales.likelihood.clone(),
        scales.impact.clone(),
        vec![
            level("Low", "#43a047"),
            level("Medium", "#fdd835"),
            level("High", "#e53935"),
        ],
        grid,
    )?)
}

fn nist(l: domain::QualitativeLevel) -> NistLevel {
    use domain::QualitativeLevel as Q;
    match l {
        Q::VeryLow => NistLevel::VeryLow,
        Q::Low => NistLevel::Low,
        Q::Moderate => NistLevel::Moderate,
        Q::High => NistLevel::High,
        Q::VeryHigh => NistLevel::VeryHigh,
    }
}

fn level_of(r: Rating, score: Option<String>) -> rm::Level {
    rm::Level {
        name: r.level,
        colour: r.colour,
        rank: r.rank,
        levels: r.levels,
        score,
        value: r.score,
    }
}

/// One stage of a qualitative assessment: its level, and its place on a grid.
struct Rated {
    level: rm::Level,
    position: Option<rm::Position>,
    /// The number the appetite is stated in (FEMA score, matrix product).
    appetite_score: Option<(u32, bool)>,
}

const MATRIX_GRID: usize = 0;
const NIST_GRID: usize = 1;

fn rate_matrix(matrix: &RiskMatrix, m: &domain::MatrixInputs) -> Result<Rated> {
    let (l, i) = (usize::from(m.likelihood), usize::from(m.impact));
    let (li, ii) = (l.saturating_sub(1), i.saturating_sub(1));
    let rating = QualitativeInputs::Matrix {
        matrix: matrix.clone(),
        likelihood: li,
        impact: ii,
    }
    .rate()?;
    Ok(Rated {
        level: level_of(rating, Some(format!("L{l} × I{i} = {}", l * i))),
        position: Some(rm::Position {
            grid: MATRIX_GRID,
            likelihood: li,
            impact: ii,
        }),
        appetite_score: Some(((l * i) as u32, false)),
    })
}

fn rate_fema(f: &domain::FemaInputs) -> Result<Rated> {
    let (a, t, v) = (
        u32::from(f.asset_value.get()),
        u32::from(f.threat.get()),
        u32::from(f.vulnerability.get()),
    );
    let rating = QualitativeInputs::Fema {
        asset_value: a,
        threat: t,
        vulnerability: v,
        bands: FemaBands::default(),
    }
    .rate()?;
    let score = a * t * v;
    Ok(Rated {
        level: level_of(rating, Some(format!("{a} × {t} × {v} = {score}"))),
        position: None,
        appetite_score: Some((score, true)),
    })
}

fn rate_nist(n: &domain::NistInputs) -> Result<Rated> {
    let (init, adv, imp) = (nist(n.initiation), nist(n.adverse_impact), nist(n.impact));
    let rating = QualitativeInputs::Nist {
        initiation: init,
        adverse_impact: adv,
        impact: imp,
    }
    .rate()?;
    let overall = rampart_risk::qualitative::nist_overall_likelihood(init, adv);
    Ok(Rated {
        level: level_of(
            rating,
            Some(format!(
                "likelihood {}, impact {}",
                overall.name(),
                imp.name()
            )),
        ),
        position: Some(rm::Position {
            grid: NIST_GRID,
            likelihood: overall as usize,
            impact: imp as usize,
        }),
        appetite_score: None,
    })
}

/// (inherent, current, residual) of a qualitative assessment.
fn rate(
    a: &Assessment,
    matrix: &RiskMatrix,
) -> Result<(Option<Rated>, Option<Rated>, Option<Rated>)> {
    fn three<T>(
        i: &T,
        c: Option<&T>,
        r: Option<&T>,
        f: impl Fn(&T) -> Result<Rated>,
    ) -> Result<(Option<Rated>, Option<Rated>, Option<Rated>)> {
        Ok((Some(f(i)?), c.map(&f).transpose()?, r.map(&f).transpose()?))
    }
    match a {
        Assessment::Matrix {
            inherent,
            current,
            residual,
        } => three(inherent, current.as_ref(), residual.as_ref(), |m| {
            rate_matrix(matrix, m)
        }),
        Assessment::Fema452 {
            inherent,
            current,
            residual,
        } => three(inherent, current.as_ref(), residual.as_ref(), rate_fema),
        Assessment::Nist80030 {
            inherent,
            current,
            residual,
        } => three(inherent, current.as_ref(), residual.as_ref(), rate_nist),
        Assessment::Fair { .. } => Ok((None, None, None)),
    }
}

fn method_name(a: &Assessment) -> &'static str {
    match a {
        Assessment::Matrix { .. } => "Matrix",
        Assessment::Fema452 { .. } => "FEMA 452",
        Assessment::Nist80030 { .. } => "NIST SP 800-30",
        Assessment::Fair { .. } => "Open FAIR",
    }
}

/// Why a present qualitative score is outside the appetite, if it is.
fn outside(
    appetite: Option<&domain::RiskAppetite>,
    category: Option<domain::ThreatCategory>,
    score: Option<(u32, bool)>,
) -> Option<String> {
    let appetite = appetite?;
    let (score, fema) = score?;
    if fema {
        let (limit, whose) = match category.and_then(|c| appetite.by_category.get(&c)) {
            Some(&l) => (
                l,
                format!(
                    " for {} threats",
                    category.map(|c| label(&c)).unwrap_or_default()
                ),
            ),
            None => (appetite.max_fema_score?, String::new()),
        };
        (score > u32::from(limit)).then(|| format!("FEMA score {score} is above {limit}{whose}"))
    } else {
        let limit = appetite.max_matrix_score?;
        (score > u32::from(limit)).then(|| format!("L × I = {score} is above {limit}"))
    }
}

fn operating_hours(h: &domain::OperatingHours) -> String {
    match h {
        domain::OperatingHours::Always => "around the clock".to_owned(),
        domain::OperatingHours::Weekly(periods) if periods.is_empty() => "closed".to_owned(),
        domain::OperatingHours::Weekly(periods) => periods
            .iter()
            .map(|p| {
                let days: Vec<String> = p
                    .days
                    .iter()
                    .map(|d| {
                        let l = label(d);
                        let mut c = l.chars();
                        c.next()
                            .map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
                    })
                    .collect();
                format!(
                    "{} {}–{}",
                    days.join(", "),
                    p.open.strftime("%H:%M"),
                    p.close.strftime("%H:%M")
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
    }
}

fn adversary_line(a: &domain::AdversaryProfile) -> String {
    let mut s = format!(
        "{}, capability {}, motivation {}",
        label(&a.kind),
        a.capability.get(),
        a.motivation.get()
    );
    if let Some(n) = a.group_size {
        s.push_str(&format!(", group of {n}"));
    }
    if !a.tactics.is_empty() {
        s.push_str(&format!("; tactics: {}", a.tactics.join(", ")));
    }
    if !a.tools.is_empty() {
        s.push_str(&format!("; tools: {}", a.tools.join(", ")));
    }
    s
}

/// The FAIR results of a site's risks assessed with the method.
fn fair_results(
    site: &domain::Site,
    risks: &[&domain::RiskScenario],
    settings: &Settings,
) -> Result<Option<rm::FairResults>> {
    let Some(text) = crate::fair_scenario_text(risks.iter().copied()) else {
        return Ok(None);
    };
    let file = rampart_risk::parse(&text)
        .with_context(|| format!("the FAIR models of site {}", site.id))?;
    let options = SimulationOptions {
        trials: settings.trials,
        seed: settings.seed,
        ..Default::default()
    };
    let result = simulate(&file.portfolio, &file.portfolio.in_place(), &options);
    let result = result.with_context(|| format!("simulating the FAIR scenarios of {}", site.id))?;
    let titles: BTreeMap<&str, &str> = risks
        .iter()
        .map(|r| (r.id.as_str(), r.title.as_str()))
        .collect();
    Ok(Some(rm::FairResults {
        scenarios: result
            .scenarios
            .iter()
            .map(|s| rm::FairScenario {
                id: s.id.clone(),
                title: titles
                    .get(s.id.as_str())
                    .copied()
                    .unwrap_or(&s.id)
                    .to_owned(),
                loss: crate::loss_stats(&s.ale),
            })
            .collect(),
        total: crate::loss_stats(&result.portfolio),
    }))
}

/// Trials per evaluated set of controls for the report's frontier: the
/// sets are compared on common random numbers, so fewer than the
/// simulation's own trials rank them the same.
const FRONTIER_TRIALS: u64 = 20_000;

/// The efficient frontier of a site's proposed controls for its FAIR risks
/// (the countermeasures page's, with every candidate affordable); `None`
/// when there is no FAIR risk or no candidate, or the optimiser fails.
fn frontier_of(
    doc: &OrgDocument,
    site: &domain::Site,
    settings: &Settings,
) -> Option<rm::Frontier> {
    let here = |s: &Id| s == &site.id;
    let input = rampart_server::analysis::CountermeasureInput {
        risks: doc
            .risks
            .iter()
            .filter(|r| here(&r.site))
            .cloned()
            .collect(),
        applied: doc
            .applied_controls
            .iter()
            .filter(|a| here(&a.site))
            .cloned()
            .collect(),
        catalogue: doc.controls.clone(),
        currency: doc.organisation.currency.clone(),
        budget: None,
        trials: settings.trials.min(FRONTIER_TRIALS),
        seed: settings.seed,
    };
    let view = crate::countermeasures::plan(&input).ok()??;
    if view.candidates.is_empty() {
        return None;
    }
    let label = |ids: &[String]| {
        if ids.is_empty() {
            return "Nothing more".to_owned();
        }
        ids.iter()
            .map(|id| view.label_of(id))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Some(rm::Frontier {
        current_ale: view.current_ale,
        points: view
            .frontier
            .iter()
            .map(|s| rm::FrontierPoint {
                label: label(&s.controls),
                annual_cost: s.annual_cost,
                residual_ale: s.residual_ale,
            })
            .collect(),
        method: format!(
            "{}; {} trials per set, seed {}",
            view.search, view.trials, view.seed
        ),
    })
}

fn protection_of(f: &domain::FacilityModel, currency: &str) -> rm::Protection {
    use rampart_protection::search::SearchOptions;
    let mut out = rm::Protection {
        id: f.id.to_string(),
        name: f.name.clone(),
        response: String::new(),
        adversaries: Vec::new(),
        upgrade: None,
        problem: None,
    };
    let facility = match rampart_protection::Facility::from_yaml(&f.model.to_string()) {
        Ok(x) => x,
        Err(e) => {
            out.problem = Some(e.to_string());
            return out;
        }
    };
    out.response = format!(
        "{:.0} ± {:.0} s, P_C {:.2}",
        facility.response.mean, facility.response.sd, facility.p_communication
    );
    let analyses = match rampart_protection::analyze_all(&facility, &SearchOptions::default()) {
        Ok(a) => a,
        Err(e) => {
            out.problem = Some(e.to_string());
            return out;
        }
    };
    out.adversaries = analyses
        .iter()
        .map(|a| rm::AdversaryResult {
            adversary: a.adversary.clone(),
            p_neutralization: a.p_neutralization,
            vulnerability_rating: a.vulnerability_rating,
            exact: a.exact,
            path: a.most_vulnerable().map(crate::adversary_path),
        })
        .collect();
    if !facility.upgrades.is_empty() {
        let budget: f64 = facility.upgrades.iter().map(|u| u.cost).sum();
        match rampart_protection::upgrade::best_for_budget(
            &facility,
            budget,
            &SearchOptions::default(),
        ) {
            Ok(plan) => {
                out.upgrade = Some(rm::Upgrade {
                    goal: format!(
                        "the set of the {} listed upgrades that lifts the minimum P_E most, cheapest first; all of them cost {}",
                        facility.upgrades.len(),
                        rampart_report::money(currency, budget)
                    ),
                    upgrades: plan.upgrades,
                    cost: plan.cost,
                    p_effectiveness_before: plan.p_effectiveness_before,
                    p_effectiveness_after: plan.p_effectiveness_after,
                });
            }
            Err(e) => out.problem = Some(format!("upgrade analysis: {e}")),
        }
    }
    out
}

fn coverage_of(p: &domain::FloorPlan) -> rm::Coverage {
    use rampart_surveillance::{CoverageOptions, FloorPlan, coverage, drawing};
    let mut out = rm::Coverage {
        id: p.id.to_string(),
        name: p.name.clone(),
        profile: String::new(),
        floor_area_m2: 0.0,
        cameras: 0,
        zones: Vec::new(),
        drawing_svg: None,
        problem: None,
    };
    let plan = match FloorPlan::from_yaml(&p.plan.to_string()) {
        Ok(x) => x,
        Err(e) => {
            out.problem = Some(e.to_string());
            return out;
        }
    };
    let profile = plan.default_profile();
    let report = coverage(&plan, &profile, CoverageOptions::default());
    out.profile = report.profile.clone();
    out.floor_area_m2 = report.floor_area_m2;
    out.cameras = report.cameras.len();
    out.zones = report
        .zones
        .iter()
        .map(|z| rm::ZoneCoverage {
            id: z.id.clone(),
            required: z.required.clone(),
            covered_fraction: z.covered_fraction,
            shortfall_m2: z.uncovered_m2,
            met: z.uncovered_m2 <= 1e-6,
        })
        .collect();
    out.drawing_svg = Some(drawing::svg(&plan, Some(&report), 800.0));
    out
}

/// An audit scored by the compliance engine, its findings (most serious
/// first) and remediation status on `as_of`. A problem with the stored audit
/// or its framework is told in the model, not raised.
fn audit_result(
    doc: &OrgDocument,
    a: &domain::Audit,
    as_of: Date,
    person: &dyn Fn(&Option<Id>) -> Option<String>,
) -> rm::AuditResult {
    use crate::audits::{audit_content, engine_framework, header};
    use rampart_compliance::finding::FindingSource;
    let framework = doc.frameworks.iter().find(|f| f.id == a.framework);
    let mut out = rm::AuditResult {
        id: a.id.to_string(),
        title: a.title.clone(),
        site: a.site.to_string(),
        framework: framework.map_or_else(
            || a.framework.to_string(),
            |f| format!("{} ({})", f.title, f.id),
        ),
        status: a.status.as_str().replace('_', " "),
        auditors: a
            .auditors
            .iter()
            .map(|p| person(&Some(p.clone())).unwrap_or_else(|| p.to_string()))
            .collect(),
        planned_start: a.planned_start.to_string(),
        planned_end: a.planned_end.to_string(),
        scope: Vec::new(),
        items_in_scope: 0,
        overall: None,
        tally: rm::Tally::default(),
        sections: Vec::new(),
        findings: Vec::new(),
        remediation: Vec::new(),
        problem: None,
    };
    let content = match audit_content(a) {
        Ok(c) => c,
        Err(e) => {
            out.problem = Some(format!("{e:#}"));
            return out;
        }
    };
    let severity = severity_of;
    let tally = |t: &rampart_compliance::audit::Tally| rm::Tally {
        compliant: t.compliant,
        partially_compliant: t.partially_compliant,
        non_compliant: t.non_compliant,
        not_applicable: t.not_applicable,
        unassessed: t.unassessed,
    };
    out.findings = content
        .findings
        .iter()
        .map(|f| rm::AuditFinding {
            id: f.id.clone(),
            title: f.title.clone(),
            severity: severity(f.severity),
            item: Some(match &f.source {
                FindingSource::Audit { item, zone, .. } => match zone {
                    Some(z) => format!("{item} ({z})"),
                    None => item.clone(),
                },
                FindingSource::DesignReview { check, subject } => format!("{check}: {subject}"),
            }),
            owner: f.owner.clone(),
            due: f.due.map(|d| d.to_string()),
            risk: f.risk_scenario.clone(),
        })
        .collect();
    out.findings
        .sort_by(|x, y| y.severity.cmp(&x.severity).then_with(|| x.id.cmp(&y.id)));
    if let Some(plan) = &content.remediation {
        out.remediation = remediation_items(plan, as_of);
    }
    out.scope.push(if content.scope.zones.is_empty() {
        "Zones: the whole site.".to_owned()
    } else {
        format!("Zones: {}.", content.scope.zones.join(", "))
    });
    let Some(framework) = framework else {
        out.problem = Some(format!("its framework {} is not stored", a.framework));
        return out;
    };
    let framework = match engine_framework(framework) {
        Ok(f) => f,
        Err(e) => {
            out.problem = Some(format!("{e:#}"));
            return out;
        }
    };
    let audit = content.audit(&header(a));
    out.items_in_scope = audit.items_in_scope(&framework).len();
    out.scope.push(match &content.scope.items {
        None => format!(
            "Items: all {} of the framework.",
            rampart_report::amount(framework.len() as f64)
        ),
        Some(items) => format!(
            "Items: {} of the framework's {}.",
            items.len(),
            rampart_report::amount(framework.len() as f64)
        ),
    });
    match audit.score(&framework) {
        Ok(card) => {
            out.overall = card.overall;
            out.tally = tally(&card.tally);
            out.sections = card
                .sections
                .iter()
                .map(|s| rm::SectionScore {
                    id: s.section.clone(),
                    title: s.title.clone(),
                    score: s.score,
                    tally: tally(&s.tally),
                })
                .collect();
        }
        Err(e) => out.problem = Some(e.to_string()),
    }
    out
}

fn severity_of(s: rampart_compliance::Severity) -> rm::Severity {
    match s {
        rampart_compliance::Severity::Low => rm::Severity::Low,
        rampart_compliance::Severity::Medium => rm::Severity::Medium,
        rampart_compliance::Severity::High => rm::Severity::High,
        rampart_compliance::Severity::Critical => rm::Severity::Critical,
    }
}

/// A stored remediation plan's items, as they stand on `as_of`.
fn remediation_items(
    plan: &rampart_compliance::RemediationPlan,
    as_of: Date,
) -> Vec<rm::RemediationItem> {
    use rampart_compliance::RemediationStatus;
    let overdue: Vec<&str> = plan.overdue(as_of).iter().map(|i| i.id.as_str()).collect();
    plan.items
        .iter()
        .map(|i| rm::RemediationItem {
            id: i.id.clone(),
            finding: i.finding.clone(),
            title: i.title.clone(),
            severity: severity_of(i.severity),
            status: label(&i.status),
            settled: matches!(
                i.status,
                RemediationStatus::Closed | RemediationStatus::RiskAccepted
            ),
            owner: i.owner.clone(),
            due: i.due.map(|d| d.to_string()),
            overdue: overdue.contains(&i.id.as_str()),
            milestones_done: i.milestones.iter().filter(|m| m.done.is_some()).count(),
            milestones: i.milestones.len(),
        })
        .collect()
}

/// The error for a site the organisation does not have, naming those it has.
pub fn no_such_site(doc: &OrgDocument, id: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "organisation {} has no site {id} (it has: {})",
        doc.organisation.id,
        doc.sites
            .iter()
            .map(|s| s.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// The remediation plan status report's model: every audit's plan of the
/// organisation, or of one site, and the risk acceptances beside them, as
/// they stand on `as_of`. An audit whose stored content cannot be read is
/// named in the model, not raised.
pub fn remediation_report(
    prov: &Provenance,
    doc: &OrgDocument,
    site: Option<&str>,
    as_of: Date,
) -> Result<rm::RemediationReport> {
    use crate::audits::audit_content;
    let org = &doc.organisation;
    let site_name = |id: &Id| {
        doc.sites
            .iter()
            .find(|s| &s.id == id)
            .map_or_else(|| id.to_string(), |s| s.name.clone())
    };
    let scope = match site {
        None => "The whole organisation".to_owned(),
        Some(id) => {
            let Some(s) = doc.sites.iter().find(|s| s.id.as_str() == id) else {
                return Err(no_such_site(doc, id));
            };
            format!("{} ({})", s.name, s.id)
        }
    };
    let mut out = rm::RemediationReport {
        organisation: organisation_of(doc),
        as_of: as_of.to_string(),
        document: rm::DocumentControl {
            reference: format!(
                "{}-remediation-{}{as_of}",
                org.id,
                site.map(|s| format!("{s}-")).unwrap_or_default()
            ),
            ..document_control(prov)
        },
        scope,
        plans: Vec::new(),
        acceptances: Vec::new(),
        problems: Vec::new(),
    };
    let mut audits: Vec<&domain::Audit> = doc
        .audits
        .iter()
        .filter(|a| site.is_none_or(|s| a.site.as_str() == s))
        .collect();
    audits.sort_by(|a, b| {
        a.planned_start
            .cmp(&b.planned_start)
            .then_with(|| a.id.cmp(&b.id))
    });
    for a in audits {
        let content = match audit_content(a) {
            Ok(c) => c,
            Err(e) => {
                out.problems
                    .push(format!("Audit {} could not be read: {e:#}", a.id));
                continue;
            }
        };
        if let Some(plan) = &content.remediation {
            out.plans.push(rm::PlanStatus {
                id: plan.id.clone(),
                title: plan.title.clone(),
                audit: format!("{} ({})", a.title, a.id),
                site: site_name(&a.site),
                items: remediation_items(plan, as_of),
            });
        }
        for acc in &content.acceptances {
            let days_left = as_of
                .until(acc.expires)
                .map(|s| i64::from(s.get_days()))
                .unwrap_or(0);
            out.acceptances.push(rm::AcceptanceStatus {
                id: acc.id.clone(),
                audit: a.title.clone(),
                finding: acc.finding.clone(),
                approver: acc.approver.clone(),
                approved_on: acc.approved_on.to_string(),
                expires: acc.expires.to_string(),
                days_left,
            });
        }
    }
    out.acceptances
        .sort_by(|x, y| x.expires.cmp(&y.expires).then_with(|| x.id.cmp(&y.id)));
    Ok(out)
}

/// The audit report's model: one audit of the organisation.
pub fn audit_report(
    prov: &Provenance,
    doc: &OrgDocument,
    id: &str,
    as_of: Date,
) -> Result<rm::AuditReport> {
    let org = &doc.organisation;
    let Some(a) = doc.audits.iter().find(|a| a.id.as_str() == id) else {
        bail!(
            "organisation {} has no audit {id} (it has: {})",
            org.id,
            doc.audits
                .iter()
                .map(|a| a.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    };
    let people = names(&doc.people, |p| (p.id.clone(), p.name.clone()));
    let person = |id: &Option<Id>| {
        id.as_ref()
            .map(|i| people.get(i).cloned().unwrap_or_else(|| i.to_string()))
    };
    let audit = audit_result(doc, a, as_of, &person);
    Ok(rm::AuditReport {
        organisation: organisation_of(doc),
        as_of: as_of.to_string(),
        document: rm::DocumentControl {
            reference: format!("{}-audit-{}-{as_of}", org.id, a.id),
            ..document_control(prov)
        },
        site: doc
            .sites
            .iter()
            .find(|s| s.id == a.site)
            .map_or_else(|| a.site.to_string(), |s| format!("{} ({})", s.name, s.id)),
        audit,
    })
}

fn document_control(prov: &Provenance) -> rm::DocumentControl {
    rm::DocumentControl {
        reference: String::new(),
        version: "1.0".into(),
        classification: "Confidential: security sensitive".into(),
        prepared_by: prov.prepared_by.clone(),
        generator: format!("Rampart {}", env!("CARGO_PKG_VERSION")),
        source: prov.source.clone(),
    }
}

fn organisation_of(doc: &OrgDocument) -> rm::Organisation {
    let org = &doc.organisation;
    rm::Organisation {
        id: org.id.to_string(),
        name: org.name.clone(),
        sector: org.sector.clone(),
        description: org.description.clone(),
        currency: org.currency.clone(),
        appetite: Vec::new(),
        max_annual_loss: org.risk_appetite.as_ref().and_then(|a| a.max_annual_loss),
    }
}

/// The report model of the organisation (or one site) from the document and the engines.
pub fn build(
    prov: &Provenance,
    doc: &OrgDocument,
    only: Option<&str>,
    as_of: Date,
    settings: &Settings,
) -> Result<rm::Report> {
    let org = &doc.organisation;
    let cur = org.currency.clone();
    let sites: Vec<&domain::Site> = match only {
        None => doc.sites.iter().collect(),
        Some(want) => {
            let found: Vec<&domain::Site> =
                doc.sites.iter().filter(|s| s.id.as_str() == want).collect();
            if found.is_empty() {
                return Err(no_such_site(doc, want));
            }
            found
        }
    };
    let matrix = organisation_matrix(&org.risk_matrix)?;
    let people = names(&doc.people, |p| (p.id.clone(), p.name.clone()));
    let zone_names = names(&doc.zones, |z| (z.id.clone(), z.name.clone()));
    let asset_names = names(&doc.assets, |a| (a.id.clone(), a.name.clone()));
    let threats: BTreeMap<&Id, &domain::Threat> = doc.threats.iter().map(|t| (&t.id, t)).collect();
    let controls: BTreeMap<&Id, &domain::Control> =
        doc.controls.iter().map(|c| (&c.id, c)).collect();
    let person = |id: &Option<Id>| {
        id.as_ref()
            .map(|i| people.get(i).cloned().unwrap_or_else(|| i.to_string()))
    };
    let zone = |id: &Option<Id>| {
        id.as_ref()
            .map(|i| zone_names.get(i).cloned().unwrap_or_else(|| i.to_string()))
    };
    let appetite = org.risk_appetite.as_ref();

    let mut out_sites = Vec::new();
    // Per risk id: (present severity, present level text, residual text) for recommendations.
    let mut present_of: BTreeMap<Id, (f64, String, Option<String>)> = BTreeMap::new();
    for site in &sites {
        let here = |s: &Id| s == &site.id;
        let risks: Vec<&domain::RiskScenario> =
            doc.risks.iter().filter(|r| here(&r.site)).collect();
        let fair = fair_results(site, &risks, settings);
        let (fair, fair_problem) = match fair {
            Ok(f) => (f, None),
            Err(e) => (None, Some(format!("{e:#}"))),
        };
        let ale: BTreeMap<&str, f64> = fair
            .iter()
            .flat_map(|f| f.scenarios.iter().map(|s| (s.id.as_str(), s.loss.mean)))
            .collect();
        let mut out_risks = Vec::new();
        for r in &risks {
            let (i, c, res) =
                rate(&r.assessment, &matrix).with_context(|| format!("rating risk {}", r.id))?;
            let present = c.as_ref().or(i.as_ref());
            let category = threats.get(&r.threat).map(|t| t.category);
            let mut out_of_appetite =
                outside(appetite, category, present.and_then(|p| p.appetite_score));
            let mut method = method_name(&r.assessment).to_owned();
            if let Some(&mean) = ale.get(r.id.as_str()) {
                method = format!(
                    "Open FAIR: mean annual loss {}",
                    rampart_report::money(&cur, mean)
                );
                if let Some(max) = appetite.and_then(|a| a.max_annual_loss)
                    && mean > max
                {
                    out_of_appetite = Some(format!(
                        "mean annual loss {} is above {}",
                        rampart_report::amount(mean),
                        rampart_report::amount(max)
                    ));
                }
            }
            if let Some(p) = present {
                present_of.insert(
                    r.id.clone(),
                    (
                        p.level.severity(),
                        format!(
                            "{} {}",
                            p.level.name,
                            p.level.score.clone().unwrap_or_default()
                        ),
                        res.as_ref().map(|x| {
                            format!(
                                "{} {}",
                                x.level.name,
                                x.level.score.clone().unwrap_or_default()
                            )
                        }),
                    ),
                );
            }
            out_risks.push(rm::Risk {
                id: r.id.to_string(),
                title: r.title.clone(),
                threat: threats
                    .get(&r.threat)
                    .map_or_else(|| r.threat.to_string(), |t| t.name.clone()),
                asset: asset_names
                    .get(&r.asset)
                    .cloned()
                    .unwrap_or_else(|| r.asset.to_string()),
                method,
                position: present.and_then(|p| p.position),
                inherent: i.map(|x| x.level),
                current: c.map(|x| x.level),
                residual: res.map(|x| x.level),
                treatment: label(&r.treatment),
                owner: person(&r.owner),
                out_of_appetite,
            });
        }
        let mut site_threats: Vec<rm::Threat> = doc
            .threats
            .iter()
            .filter_map(|t| {
                let rating = t.ratings.iter().find(|r| here(&r.site))?;
                Some(rm::Threat {
                    id: t.id.to_string(),
                    name: t.name.clone(),
                    category: label(&t.category),
                    rating: rating.rating.get(),
                    rationale: rating.rationale.clone(),
                    adversary: t.adversary.as_ref().map(adversary_line),
                })
            })
            .collect();
        site_threats.sort_by(|a, b| b.rating.cmp(&a.rating).then_with(|| a.id.cmp(&b.id)));
        let mut devices: Vec<rm::Device> = doc
            .devices
            .iter()
            .filter(|d| here(&d.site))
            .map(|d| rm::Device {
                id: d.id.to_string(),
                kind: label(&d.kind),
                make_model: [d.make.as_deref(), d.model.as_deref(), d.name.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" "),
                zone: zone(&d.zone),
                status: label(&d.status),
                install_date: d.install_date.map(|x| x.to_string()),
            })
            .collect();
        devices.sort_by(|a, b| a.kind.cmp(&b.kind).then_with(|| a.id.cmp(&b.id)));
        out_sites.push(rm::Site {
            id: site.id.to_string(),
            name: site.name.clone(),
            kind: label(&site.kind),
            address: site.address.clone(),
            description: site.description.clone(),
            facility_security_level: site.facility_security_level,
            operating_hours: operating_hours(&site.operating_hours),
            zones: doc
                .zones
                .iter()
                .filter(|z| here(&z.site))
                .map(|z| rm::Zone {
                    id: z.id.to_string(),
                    name: z.name.clone(),
                    kind: label(&z.kind),
                    classification: label(&z.classification),
                    parent: zone(&z.parent),
                })
                .collect(),
            assets: doc
                .assets
                .iter()
                .filter(|a| here(&a.site))
                .map(|a| rm::Asset {
                    id: a.id.to_string(),
                    name: a.name.clone(),
                    kind: label(&a.kind),
                    value: a.value.get(),
                    zone: zone(&a.zone),
                    owner: person(&a.owner),
                    replacement_cost: a.replacement_cost,
                })
                .collect(),
            threats: site_threats,
            risks: out_risks,
            fair,
            fair_problem,
            protection: doc
                .facility_models
                .iter()
                .filter(|f| here(&f.site))
                .map(|f| protection_of(f, &cur))
                .collect(),
            surveillance: doc
                .floor_plans
                .iter()
                .filter(|p| here(&p.site))
                .map(coverage_of)
                .collect(),
            devices,
            audits: doc
                .audits
                .iter()
                .filter(|a| here(&a.site))
                .map(|a| audit_result(doc, a, as_of, &person))
                .collect(),
            acceptance: doc
                .acceptance_plans
                .iter()
                .filter(|a| here(&a.site))
                .map(|a| {
                    let c = a.counts();
                    rm::AcceptanceSummary {
                        id: a.id.to_string(),
                        title: a.title.clone(),
                        status: a.status().label().to_owned(),
                        passed: c.passed,
                        failed: c.failed,
                        not_run: c.not_run,
                        signed_off: a.sign_off.as_ref().map(|s| format!("{} by {}", s.on, s.by)),
                    }
                })
                .collect(),
            frontier: frontier_of(doc, site, settings),
        });
    }

    // Recommendations: controls applied at these sites that are not in place yet,
    // and the upgrades of each facility model.
    let site_names: BTreeMap<&Id, &str> = sites.iter().map(|s| (&s.id, s.name.as_str())).collect();
    let mut recs: Vec<(f64, rm::Recommendation)> = Vec::new();
    for ac in &doc.applied_controls {
        let Some(site_name) = site_names.get(&ac.site) else {
            continue;
        };
        if ac.status.in_place() || ac.status == domain::ControlStatus::Retired {
            continue;
        }
        let control = controls.get(&ac.control);
        let treats: Vec<&domain::RiskScenario> = doc
            .risks
            .iter()
            .filter(|r| r.controls.contains(&ac.id))
            .collect();
        let priority = treats
            .iter()
            .filter_map(|r| present_of.get(&r.id).map(|p| p.0))
            .fold(0.0, f64::max);
        let rationale = if treats.is_empty() {
            format!(
                "Not linked to a risk of the register yet; protects {}.",
                if ac.protects.is_empty() {
                    "no recorded asset".to_owned()
                } else {
                    ac.protects
                        .iter()
                        .map(|a| asset_names.get(a).cloned().unwrap_or_else(|| a.to_string()))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            )
        } else {
            let parts: Vec<String> = treats
                .iter()
                .map(|r| match present_of.get(&r.id) {
                    Some((_, now, Some(after))) => format!(
                        "{} ({} now, {} residual)",
                        r.title,
                        now.trim(),
                        after.trim()
                    ),
                    Some((_, now, None)) => format!("{} ({} now)", r.title, now.trim()),
                    None => r.title.clone(),
                })
                .collect();
            format!("Treats {}.", parts.join("; "))
        };
        recs.push((
            priority,
            rm::Recommendation {
                title: control.map_or_else(|| ac.control.to_string(), |c| c.name.clone()),
                site: (*site_name).to_owned(),
                reference: ac.id.to_string(),
                status: label(&ac.status),
                capex: ac.capex.or(control.map(|c| c.capex)).unwrap_or(0.0),
                opex_annual: ac
                    .opex_annual
                    .or(control.map(|c| c.opex_annual))
                    .unwrap_or(0.0),
                rationale,
                due: ac.due.map(|d| d.to_string()),
            },
        ));
    }
    for s in &out_sites {
        for p in &s.protection {
            if let Some(u) = &p.upgrade
                && !u.upgrades.is_empty()
            {
                recs.push((
                    1.0 - u.p_effectiveness_before,
                    rm::Recommendation {
                        title: format!("Protection upgrades: {}", u.upgrades.join(", ")),
                        site: s.name.clone(),
                        reference: p.id.clone(),
                        status: "proposed".into(),
                        capex: u.cost,
                        opex_annual: 0.0,
                        rationale: format!(
                            "Lifts the minimum P_E of {} over every adversary from {:.2} to {:.2} (section 7).",
                            p.name, u.p_effectiveness_before, u.p_effectiveness_after
                        ),
                        due: None,
                    },
                ));
            }
        }
    }
    recs.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then(a.1.capex.total_cmp(&b.1.capex))
            .then_with(|| a.1.reference.cmp(&b.1.reference))
    });

    let mut appetite_lines = Vec::new();
    if let Some(a) = appetite {
        if let Some(m) = a.max_fema_score {
            appetite_lines.push(format!("FEMA 452 risk score (A × T × V) at most {m}."));
        }
        for (c, m) in &a.by_category {
            appetite_lines.push(format!(
                "For {} threats, FEMA 452 risk score at most {m}.",
                label(c)
            ));
        }
        if let Some(m) = a.max_matrix_score {
            appetite_lines.push(format!("Matrix likelihood × impact at most {m}."));
        }
        if let Some(m) = a.max_annual_loss {
            appetite_lines.push(format!(
                "Mean annual loss of a quantified scenario at most {}.",
                rampart_report::money(&cur, m)
            ));
        }
        appetite_lines.push("NIST SP 800-30 levels are not judged against the appetite.".into());
    }

    let nist_names: Vec<String> = NistLevel::ALL.iter().map(|l| l.name().to_owned()).collect();
    let grids = vec![
        rm::Grid {
            title: "organisation risk matrix".into(),
            likelihood: matrix.likelihood.clone(),
            impact: matrix.impact.clone(),
            colours: matrix
                .grid
                .iter()
                .map(|row| {
                    row.iter()
                        .map(|&c| matrix.levels[c].colour.clone())
                        .collect()
                })
                .collect(),
        },
        rm::Grid {
            title: "NIST SP 800-30 likelihood × impact".into(),
            likelihood: nist_names.clone(),
            impact: nist_names,
            // Table G-5 gives each level on its diagonal, so (L, L, I) rates overall likelihood L.
            colours: NistLevel::ALL
                .iter()
                .map(|&l| {
                    NistLevel::ALL
                        .iter()
                        .map(|&i| nist_rate(l, l, i).colour)
                        .collect()
                })
                .collect(),
        },
    ];
    let fema = FemaBands::default();
    let fema_levels = fema
        .0
        .iter()
        .enumerate()
        .map(|(k, b)| rm::ScaleLevel {
            name: b.level.name.clone(),
            meaning: match fema.0.get(k + 1) {
                Some(next) => format!("score {:.0} to {:.0}", b.min_score, next.min_score - 1.0),
                None => format!("score {:.0} to 1000", b.min_score),
            },
            colour: b.level.colour.clone(),
        })
        .collect();
    let (nl, ni) = (matrix.likelihood.len(), matrix.impact.len());
    let max = nl * ni;
    let matrix_levels = matrix
        .levels
        .iter()
        .enumerate()
        .map(|(k, l)| rm::ScaleLevel {
            name: l.name.clone(),
            meaning: match k {
                0 => format!("likelihood × impact up to a third of {max}"),
                1 => format!("likelihood × impact above a third and up to two thirds of {max}"),
                _ => format!("likelihood × impact above two thirds of {max}"),
            },
            colour: l.colour.clone(),
        })
        .collect();
    let nist_levels = NistLevel::ALL
        .iter()
        .map(|&l| {
            let r = nist_rate(l, l, l);
            rm::ScaleLevel {
                name: l.name().to_owned(),
                meaning: format!("semi-quantitative score {}", l.score()),
                colour: r.colour,
            }
        })
        .collect();
    let mut paragraphs = vec![
        format!(
            "Matrix risks are rated on the organisation's {nl} × {ni} scales (likelihood: {}; impact: {}); \
             the level of a cell is banded by the product of its positions, as the scale below states.",
            matrix.likelihood.join(", "),
            matrix.impact.join(", ")
        ),
        "FEMA 426/452 risks: risk = asset value × threat rating × vulnerability rating, each 1 to 10, so 1 to 1000, banded as below.".to_owned(),
        "NIST SP 800-30 rev1 risks: the overall likelihood comes from the likelihood of initiation (or occurrence) and of adverse impact (Table G-5), the level of risk from likelihood and impact (Table I-2).".to_owned(),
        "Each risk is shown inherent (no controls), current (the controls in place) and residual (with the proposed controls) where the register assesses that stage; the present risk is the current one, else the inherent one. Heat maps count present risks.".to_owned(),
        "Protection paths: the facility models are evaluated with EASI; the most vulnerable path (least P_I) is found exactly for each adversary profile of the design-basis threat.".to_owned(),
        "Surveillance: coverage of each floor plan per IEC 62676-4 level, occlusion-exact; a zone meets its requirement when all of it is seen at its required level.".to_owned(),
        "Overall posture: weak when a quarter or more of the present risks are in the top third of their scale, or the weakest adversary path has P_E below 0.5; fair when a risk is outside the appetite, the quantified loss exceeds it, or a camera zone misses its level; good otherwise.".to_owned(),
        "Recommendations are the controls proposed, planned or in progress at the sites in scope, and the best protection upgrades of each facility model, most urgent first: by the highest present risk they treat (for upgrades, 1 - P_E), then cheapest first.".to_owned(),
    ];
    paragraphs.push("Audits: each audit is scored by the compliance engine (compliant 1, partially compliant 0.5, non-compliant 0, not applicable not scored; a section's score is the mean of its scored results); findings are listed by severity and the remediation plan by status, overdue as of the report's date.".to_owned());
    let any_fair = out_sites.iter().any(|s| s.fair.is_some());
    let mut fair_notes = vec![
        "Each scenario's annual loss is formed as the scenario states (per trial LEF × LM by default, or a compound Poisson sum of per-event losses); the controls marked in place are applied (current risk). A site's total is the per-trial sum of its scenarios. The same seed gives the same figures whatever the number of threads.".to_owned(),
    ];
    if let Some(n) = &settings.note {
        fair_notes.push(n.clone());
    }
    let scope = match only {
        None => rm::Scope::Organisation,
        Some(_) => rm::Scope::Site {
            id: sites[0].id.to_string(),
            name: sites[0].name.clone(),
        },
    };
    Ok(rm::Report {
        organisation: rm::Organisation {
            id: org.id.to_string(),
            name: org.name.clone(),
            sector: org.sector.clone(),
            description: org.description.clone(),
            currency: cur,
            appetite: appetite_lines,
            max_annual_loss: appetite.and_then(|a| a.max_annual_loss),
        },
        scope,
        as_of: as_of.to_string(),
        document: rm::DocumentControl {
            reference: format!("{}-{}-assessment-{as_of}", org.id, only.unwrap_or("all")),
            version: "1.0".into(),
            classification: "Confidential: security sensitive".into(),
            prepared_by: prov.prepared_by.clone(),
            generator: format!("Rampart {}", env!("CARGO_PKG_VERSION")),
            source: prov.source.clone(),
        },
        method: rm::Method {
            paragraphs,
            scales: vec![
                rm::Scale {
                    name: "Organisation risk matrix".into(),
                    levels: matrix_levels,
                },
                rm::Scale {
                    name: "FEMA 452 risk bands".into(),
                    levels: fema_levels,
                },
                rm::Scale {
                    name: "NIST SP 800-30 levels".into(),
                    levels: nist_levels,
                },
            ],
            fair: any_fair.then_some(rm::FairSettings {
                trials: settings.trials,
                seed: settings.seed,
                notes: fair_notes,
            }),
        },
        grids,
        sites: out_sites,
        recommendations: recs.into_iter().map(|(_, r)| r).collect(),
    })
}

/// The web application's Reports page: the same models and renderer as
/// `rampart report`, on the organisation the server pruned to the user's
/// sites.
impl rampart_server::reports::Reports for crate::Analyst {
    fn build(
        &self,
        doc: &OrgDocument,
        request: &rampart_server::reports::ReportRequest,
    ) -> std::result::Result<rampart_server::reports::ReportFile, String> {
        use rampart_server::reports::{ReportFile, ReportFormat, ReportKind};
        let prov = Provenance {
            prepared_by: request.prepared_by.clone(),
            source: "the Rampart web application".to_owned(),
        };
        let (format, ext, content_type) = match request.format {
            ReportFormat::Pdf => (Format::Pdf, "pdf", "application/pdf"),
            ReportFormat::Html => (Format::Html, "html", "text/html; charset=utf-8"),
        };
        let org = doc.organisation.id.as_str();
        let as_of = request.as_of;
        let built: Result<(String, Vec<u8>)> = (|| {
            if let Some(audit) = &request.audit {
                let model = audit_report(&prov, doc, audit.as_str(), as_of)?;
                let bytes = render_audit(&model, format)?;
                return Ok((format!("{org}-audit-{audit}-{as_of}.{ext}"), bytes));
            }
            let scope = request.site.as_ref().map_or(org, Id::as_str);
            let kind = match request.kind {
                ReportKind::Assessment => Kind::Assessment,
                ReportKind::Briefing => Kind::Briefing,
                ReportKind::Remediation => {
                    let model = remediation_report(
                        &prov,
                        doc,
                        request.site.as_ref().map(Id::as_str),
                        as_of,
                    )?;
                    let bytes = render_remediation(&model, format)?;
                    return Ok((format!("{scope}-remediation-{as_of}.{ext}"), bytes));
                }
            };
            let settings = Settings {
                trials: DEFAULT_TRIALS,
                seed: DEFAULT_SEED,
                note: None,
            };
            let model = build(
                &prov,
                doc,
                request.site.as_ref().map(Id::as_str),
                as_of,
                &settings,
            )?;
            let name = format!("{scope}-{}-{as_of}.{ext}", request.kind.code());
            Ok((name, render(&model, kind, format)?))
        })();
        let (file_name, bytes) = built.map_err(|e| format!("{e:#}"))?;
        Ok(ReportFile {
            content_type,
            file_name,
            bytes,
        })
    }
}
