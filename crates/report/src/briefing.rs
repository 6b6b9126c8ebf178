//! The one-page executive briefing, derived from the report model: the
//! overall posture, the top five risks, the recommended investment and what
//! it buys, and the audit status. Lists are capped and long texts shortened
//! so that it fits one page whatever the data.

use crate::model::{Level, Report, Severity};
use crate::{money, summary};

/// Risks listed.
pub const TOP: usize = 5;
/// Recommendations listed by name (the total covers them all).
pub const MEASURES: usize = 3;
/// Audits listed by name (the rest are counted).
pub const AUDITS: usize = 5;
/// The longest text of a cell, in characters.
const CELL: usize = 150;

#[derive(Debug, Clone, PartialEq)]
pub struct TopRisk {
    pub id: String,
    pub title: String,
    pub site: String,
    pub level: Option<Level>,
    pub outside: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Investment {
    /// How many measures, what they cost in all.
    pub headline: String,
    /// The first measures: (title, cost, what it buys).
    pub first: Vec<(String, String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AuditLine {
    pub id: String,
    pub title: String,
    pub site: String,
    pub status: String,
    pub score: String,
    /// Findings by severity, `C/H/M/L`: `0/2/3/1`.
    pub findings: String,
    pub remediation: String,
}

/// Everything the briefing shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Briefing {
    pub posture: String,
    pub top: Vec<TopRisk>,
    pub investment: Option<Investment>,
    pub audits: Vec<AuditLine>,
    /// The audits not listed, counted.
    pub more_audits: Option<String>,
}

/// `s` cut to `n` characters, with an ellipsis when cut.
pub fn shorten(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(n.saturating_sub(1)).collect();
    out = out.trim_end().to_owned();
    out.push('…');
    out
}

impl Briefing {
    pub fn of(r: &Report) -> Briefing {
        let cur = &r.organisation.currency;
        let top = summary::top_risks(r, TOP)
            .into_iter()
            .map(|(s, risk)| TopRisk {
                id: shorten(&risk.id, 40),
                title: shorten(&risk.title, 90),
                site: shorten(&s.name, 50),
                level: summary::present(risk).cloned().map(|mut l| {
                    l.name = shorten(&l.name, 20);
                    l.score = l.score.map(|s| shorten(&s, 24));
                    l
                }),
                outside: risk.out_of_appetite.is_some(),
            })
            .collect();
        let investment = (!r.recommendations.is_empty()).then(|| {
            let (capex, opex) = summary::investment(r);
            Investment {
                headline: format!(
                    "{} recommended measure{} cost {} to put in place and {} a year to run. The most urgent {}:",
                    r.recommendations.len(),
                    if r.recommendations.len() == 1 { "" } else { "s" },
                    money(cur, capex),
                    money(cur, opex),
                    if r.recommendations.len().min(MEASURES) == 1 {
                        "one"
                    } else {
                        "ones"
                    }
                ),
                first: r
                    .recommendations
                    .iter()
                    .take(MEASURES)
                    .map(|rec| {
                        (
                            shorten(&format!("{} ({})", rec.title, rec.site), 90),
                            format!(
                                "{} + {}/yr",
                                money(cur, rec.capex),
                                crate::amount(rec.opex_annual)
                            ),
                            shorten(&rec.rationale, CELL),
                        )
                    })
                    .collect(),
            }
        });
        let all: Vec<_> = r
            .sites
            .iter()
            .flat_map(|s| s.audits.iter().map(move |a| (s, a)))
            .collect();
        let audits = all
            .iter()
            .take(AUDITS)
            .map(|(s, a)| {
                let (settled, open, overdue) = a.remediation_status();
                AuditLine {
                    id: shorten(&a.id, 40),
                    title: shorten(&a.title, 70),
                    site: shorten(&s.name, 40),
                    status: a.status.clone(),
                    score: match (&a.problem, a.overall) {
                        (Some(_), _) => "not scored".to_owned(),
                        (None, Some(v)) => format!("{:.1}%", v * 100.0),
                        (None, None) => "nothing scored".to_owned(),
                    },
                    findings: Severity::DESCENDING
                        .iter()
                        .map(|sev| a.findings_of(*sev).to_string())
                        .collect::<Vec<_>>()
                        .join("/"),
                    remediation: if a.remediation.is_empty() {
                        "no plan".to_owned()
                    } else {
                        format!("{settled} settled, {open} open, {overdue} overdue")
                    },
                }
            })
            .collect();
        let more_audits = (all.len() > AUDITS).then(|| {
            let rest = &all[AUDITS..];
            let findings: usize = rest.iter().map(|(_, a)| a.findings.len()).sum();
            format!(
                "And {} more audit{} with {} finding{} in all.",
                rest.len(),
                if rest.len() == 1 { "" } else { "s" },
                findings,
                if findings == 1 { "" } else { "s" }
            )
        });
        Briefing {
            posture: summary::posture_paragraph(r),
            top,
            investment,
            audits,
            more_audits,
        }
    }
}
