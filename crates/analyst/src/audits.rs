//! The compliance engine behind the audit pages, and the reading of stored
//! frameworks and audits that the command line shares.
//!
//! Frameworks and audits are stored as domain records whose content is the
//! compliance engine's JSON: [`engine_framework`] turns a stored framework
//! into the engine's (its content, or the built-in framework its `source`
//! names), [`header`] and [`audit_content`] do the same for an audit. The
//! `rampart` binary reads them with these functions too.
//!
//! [`AuditAnalyst`] implements `rampart_server::AuditAnalysis`: scores,
//! the checklist in scope, findings, the remediation plan and risk
//! acceptances with their expiry, as the server's view models; and the
//! answer to one item written into the stored content, everything else
//! left exactly as it was. No I/O: the day and the time come from the
//! caller.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

use jiff::civil::Date;
use rampart_compliance::audit::Tally;
use rampart_compliance::evidence::{self, EvidenceError, EvidencePolicy};
use rampart_compliance::library::{self, BUILTIN_PREFIX};
use rampart_compliance::oscal::OscalError;
use rampart_compliance::remediation::ExpiryState;
use rampart_compliance::stored::{AuditContent, AuditHeader};
use rampart_compliance::{Outcome, RemediationStatus, RiskAcceptance};
use rampart_domain::{Audit, AuditStatus, Framework};
use rampart_server::audits::{
    AcceptanceView, AnswerError, AuditAnalysis, AuditSummary, AuditView, ChecklistItem,
    EXPIRY_WARNING_DAYS, EvidenceCheck, EvidenceRefusal, Expiry, FindingView, ItemAnswer, PoamView,
    RemediationView, ResultView, SectionView, TallyView,
};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use thiserror::Error;

/// The longest notes an answer may carry (characters).
pub const MAX_NOTES: usize = 10_000;

/// Why a stored framework or audit cannot be read by the engine.
#[derive(Debug, Error)]
pub enum StoredError {
    #[error("framework {id}: no built-in framework {source_name:?} (there are: {known})")]
    UnknownBuiltin {
        id: String,
        source_name: String,
        known: String,
    },
    #[error("framework {id}: built-in {source_name}: {error}")]
    Builtin {
        id: String,
        source_name: String,
        error: Box<OscalError>,
    },
    #[error("framework {id}: its content: {error}")]
    FrameworkContent {
        id: String,
        error: serde_json::Error,
    },
    #[error("framework {id}: its content is framework {inner:?}; the ids must agree")]
    FrameworkId { id: String, inner: String },
    #[error("audit {id}: its content: {error}")]
    AuditContent {
        id: String,
        error: serde_json::Error,
    },
}

/// Built-in frameworks already read, by (name, id): reading the SP 800-53
/// baselines parses a 2 MB catalog and resolves a profile, too slow to do
/// for every page. Derived from constants only, so never stale.
type BuiltinCache = Mutex<HashMap<(String, String), Arc<rampart_compliance::Framework>>>;

fn builtin_cache() -> &'static BuiltinCache {
    static CACHE: OnceLock<BuiltinCache> = OnceLock::new();
    CACHE.get_or_init(Mutex::default)
}

/// More (name, id) pairs than any organisation has: the cache starts again.
const BUILTIN_CACHE_ENTRIES: usize = 64;

/// The compliance engine's framework for a stored one (its content, or the
/// built-in framework its source names), under the stored id; shared, as
/// built-in ones are read once per process.
pub fn shared_framework(f: &Framework) -> Result<Arc<rampart_compliance::Framework>, StoredError> {
    if !f.content.is_null() {
        let framework =
            rampart_compliance::Framework::deserialize(&f.content).map_err(|error| {
                StoredError::FrameworkContent {
                    id: f.id.to_string(),
                    error,
                }
            })?;
        if framework.id != f.id.as_str() {
            return Err(StoredError::FrameworkId {
                id: f.id.to_string(),
                inner: framework.id,
            });
        }
        return Ok(Arc::new(framework));
    }
    let name = f.source.strip_prefix(BUILTIN_PREFIX).unwrap_or(&f.source);
    let key = (name.to_owned(), f.id.to_string());
    if let Some(hit) = builtin_cache()
        .lock()
        .ok()
        .and_then(|c| c.get(&key).cloned())
    {
        return Ok(hit);
    }
    let built =
        library::builtin(name, f.id.as_str()).ok_or_else(|| StoredError::UnknownBuiltin {
            id: f.id.to_string(),
            source_name: f.source.clone(),
            known: library::BUILTINS
                .iter()
                .map(|b| format!("{BUILTIN_PREFIX}{}", b.name))
                .collect::<Vec<_>>()
                .join(", "),
        })?;
    let framework = Arc::new(built.map_err(|error| StoredError::Builtin {
        id: f.id.to_string(),
        source_name: f.source.clone(),
        error: Box::new(error),
    })?);
    if let Ok(mut cache) = builtin_cache().lock() {
        if cache.len() >= BUILTIN_CACHE_ENTRIES {
            cache.clear();
        }
        cache.insert(key, framework.clone());
    }
    Ok(framework)
}

/// The compliance engine's framework for a stored one, as an owned value.
pub fn engine_framework(f: &Framework) -> Result<rampart_compliance::Framework, StoredError> {
    shared_framework(f).map(|f| (*f).clone())
}

/// The header the compliance engine needs, from the stored audit.
pub fn header(a: &Audit) -> AuditHeader {
    AuditHeader {
        id: a.id.to_string(),
        title: a.title.clone(),
        site: a.site.to_string(),
        framework: a.framework.to_string(),
        auditors: a.auditors.iter().map(ToString::to_string).collect(),
        planned_start: a.planned_start,
        planned_end: a.planned_end,
        status: match a.status {
            AuditStatus::Planned => rampart_compliance::AuditStatus::Planned,
            AuditStatus::InProgress => rampart_compliance::AuditStatus::InProgress,
            AuditStatus::Completed => rampart_compliance::AuditStatus::Completed,
        },
    }
}

/// The work of a stored audit (scope, results, findings, remediation,
/// acceptances); none yet for an audit without content.
pub fn audit_content(a: &Audit) -> Result<AuditContent, StoredError> {
    AuditContent::from_json(&a.content).map_err(|error| StoredError::AuditContent {
        id: a.id.to_string(),
        error,
    })
}

/// The outcomes an inspector chooses from, with their labels.
pub const OUTCOMES: [(Outcome, &str); 4] = [
    (Outcome::Compliant, "Compliant"),
    (Outcome::PartiallyCompliant, "Partially compliant"),
    (Outcome::NonCompliant, "Non-compliant"),
    (Outcome::NotApplicable, "Not applicable"),
];

/// The compliance engine, for the web application's audit pages.
#[derive(Debug, Default, Clone, Copy)]
pub struct AuditAnalyst;

fn tally(t: &Tally) -> TallyView {
    TallyView {
        compliant: t.compliant,
        partially_compliant: t.partially_compliant,
        non_compliant: t.non_compliant,
        not_applicable: t.not_applicable,
        unassessed: t.unassessed,
    }
}

fn status_code(s: RemediationStatus) -> &'static str {
    match s {
        RemediationStatus::Open => "open",
        RemediationStatus::InProgress => "in_progress",
        RemediationStatus::RiskAccepted => "risk_accepted",
        RemediationStatus::Closed => "closed",
    }
}

fn still_open(s: RemediationStatus) -> bool {
    matches!(s, RemediationStatus::Open | RemediationStatus::InProgress)
}

/// Whole days from `from` to `to` (negative when `to` is earlier).
fn days(from: Date, to: Date) -> i64 {
    from.until(to).map(|s| i64::from(s.get_days())).unwrap_or(0)
}

/// Every acceptance with where it stands on `today`, soonest expiry first.
fn acceptance_views(
    acceptances: &[RiskAcceptance],
    today: Date,
    within_days: i64,
) -> Vec<AcceptanceView> {
    let flagged: HashMap<&str, ExpiryState> =
        rampart_compliance::expiring(acceptances, today, within_days)
            .into_iter()
            .map(|n| (n.acceptance.id.as_str(), n.state))
            .collect();
    let mut out: Vec<AcceptanceView> = acceptances
        .iter()
        .map(|a| AcceptanceView {
            id: a.id.clone(),
            finding: a.finding.clone(),
            justification: a.justification.clone(),
            approver: a.approver.clone(),
            approved_on: a.approved_on,
            expires: a.expires,
            compensating_controls: a.compensating_controls.clone(),
            expiry: match flagged.get(a.id.as_str()) {
                Some(ExpiryState::Expired { days_ago }) => Expiry::Expired {
                    days_ago: *days_ago,
                },
                Some(ExpiryState::Expiring { days_left }) => Expiry::Expiring {
                    days_left: *days_left,
                },
                None => Expiry::Valid {
                    days_left: days(today, a.expires),
                },
            },
        })
        .collect();
    out.sort_by(|a, b| a.expires.cmp(&b.expires).then_with(|| a.id.cmp(&b.id)));
    out
}

impl AuditAnalyst {
    fn summary(
        &self,
        a: &Audit,
        framework: &rampart_compliance::Framework,
        content: &AuditContent,
    ) -> Result<AuditSummary, String> {
        let audit = content.audit(&header(a));
        let card = audit
            .score(framework)
            .map_err(|e| format!("audit {}: {e}", a.id))?;
        let scope = audit.items_in_scope(framework);
        let answered: HashSet<&str> = audit.results.iter().map(|r| r.item.as_str()).collect();
        Ok(AuditSummary {
            framework_title: framework.title.clone(),
            overall: card.overall,
            tally: tally(&card.tally),
            items: scope.len(),
            answered: scope.iter().filter(|i| answered.contains(*i)).count(),
            findings: content.findings.len(),
            open_remediation: content
                .remediation
                .iter()
                .flat_map(|p| &p.items)
                .filter(|i| still_open(i.status))
                .count(),
        })
    }

    fn items(
        &self,
        a: &Audit,
        framework: &rampart_compliance::Framework,
        content: &AuditContent,
    ) -> Vec<ChecklistItem> {
        let audit = content.audit(&header(a));
        let mut by_item: HashMap<&str, Vec<ResultView>> = HashMap::new();
        for r in &content.results {
            by_item
                .entry(r.item.as_str())
                .or_default()
                .push(ResultView {
                    zone: r.zone.clone(),
                    outcome: r.outcome.as_str().to_owned(),
                    notes: r.notes.clone(),
                    auditor: r.auditor.clone(),
                    recorded_at: r.recorded_at.clone(),
                    evidence: r.evidence.len(),
                });
        }
        audit
            .items_in_scope(framework)
            .into_iter()
            .enumerate()
            .filter_map(|(k, id)| {
                let (section, item) = framework.item(id)?;
                Some(ChecklistItem {
                    position: k + 1,
                    id: item.id.clone(),
                    label: item.label.clone().unwrap_or_else(|| item.id.clone()),
                    title: item.title.clone(),
                    section: section.title.clone(),
                    text: item.text.clone(),
                    look_for: item.look_for.clone(),
                    how_to_test: item.how_to_test.clone(),
                    criticality: serde_json::to_value(item.criticality)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default(),
                    results: by_item.remove(id).unwrap_or_default(),
                })
            })
            .collect()
    }
}

/// The results array of stored content, made if absent.
fn results_mut(content: &mut Value) -> Result<&mut Vec<Value>, String> {
    if content.is_null() {
        *content = json!({});
    }
    let Value::Object(map) = content else {
        return Err("the audit's content is not an object".to_owned());
    };
    let results = map
        .entry("results")
        .or_insert_with(|| Value::Array(Vec::new()));
    if results.is_null() {
        *results = Value::Array(Vec::new());
    }
    results
        .as_array_mut()
        .ok_or_else(|| "the audit's results are not a list".to_owned())
}

/// Set the answer on the site-wide result of its item (keeping what the
/// answer does not say, such as evidence), or add one.
fn set_answer(results: &mut Vec<Value>, answer: &ItemAnswer, outcome: Outcome) {
    let site_wide = |r: &Value| {
        r.get("item").and_then(Value::as_str) == Some(answer.item.as_str())
            && r.get("zone").is_none_or(Value::is_null)
    };
    let fresh = || {
        let mut m = Map::new();
        m.insert("item".into(), json!(answer.item));
        m
    };
    let at = match results.iter().position(site_wide) {
        Some(at) => at,
        None => {
            results.push(Value::Object(fresh()));
            results.len() - 1
        }
    };
    let Some(slot) = results.get_mut(at) else {
        return;
    };
    if !slot.is_object() {
        *slot = Value::Object(fresh());
    }
    if let Value::Object(m) = slot {
        m.insert("outcome".into(), json!(outcome.as_str()));
        if answer.notes.is_empty() {
            m.remove("notes");
        } else {
            m.insert("notes".into(), json!(answer.notes));
        }
        m.insert("auditor".into(), json!(answer.auditor));
        m.insert("recorded_at".into(), json!(answer.recorded_at));
    }
}

impl AuditAnalysis for AuditAnalyst {
    fn summaries(
        &self,
        framework: &Framework,
        audits: &[&Audit],
    ) -> Vec<Result<AuditSummary, String>> {
        let fw = match shared_framework(framework) {
            Ok(fw) => fw,
            Err(e) => return audits.iter().map(|_| Err(e.to_string())).collect(),
        };
        audits
            .iter()
            .map(|a| {
                let content = audit_content(a).map_err(|e| e.to_string())?;
                self.summary(a, &fw, &content)
            })
            .collect()
    }

    fn detail(&self, a: &Audit, framework: &Framework, today: Date) -> Result<AuditView, String> {
        let fw = shared_framework(framework).map_err(|e| e.to_string())?;
        let content = audit_content(a).map_err(|e| e.to_string())?;
        let summary = self.summary(a, &fw, &content)?;
        let card = content
            .audit(&header(a))
            .score(&fw)
            .map_err(|e| format!("audit {}: {e}", a.id))?;
        let poam: Vec<&rampart_compliance::PoamItem> =
            content.remediation.iter().flat_map(|p| &p.items).collect();
        // A finding is settled when its remediation closed or was accepted,
        // or an acceptance names it.
        let accepted: HashSet<&str> = content
            .acceptances
            .iter()
            .map(|x| x.finding.as_str())
            .collect();
        let settled = |finding: &str| {
            accepted.contains(finding)
                || poam
                    .iter()
                    .any(|i| i.finding == finding && !still_open(i.status))
        };
        let mut findings: Vec<FindingView> = content
            .findings
            .iter()
            .map(|f| FindingView {
                id: f.id.clone(),
                title: f.title.clone(),
                description: f.description.clone(),
                severity: f.severity.as_str().to_owned(),
                item: match &f.source {
                    rampart_compliance::finding::FindingSource::Audit { item, .. } => {
                        Some(item.clone())
                    }
                    rampart_compliance::finding::FindingSource::DesignReview { .. } => None,
                },
                owner: f.owner.clone(),
                due: f.due,
                overdue: f.due.is_some_and(|d| d < today) && !settled(&f.id),
                risk_scenario: f.risk_scenario.clone(),
            })
            .collect();
        let rank: BTreeMap<&str, usize> = content
            .findings
            .iter()
            .map(|f| (f.id.as_str(), f.severity as usize))
            .collect();
        findings.sort_by(|x, y| {
            rank.get(y.id.as_str())
                .cmp(&rank.get(x.id.as_str()))
                .then_with(|| x.due.cmp(&y.due))
                .then_with(|| x.id.cmp(&y.id))
        });
        let remediation = content.remediation.as_ref().map(|p| RemediationView {
            id: p.id.clone(),
            title: p.title.clone(),
            items: p
                .items
                .iter()
                .map(|i| PoamView {
                    id: i.id.clone(),
                    finding: i.finding.clone(),
                    title: i.title.clone(),
                    severity: i.severity.as_str().to_owned(),
                    owner: i.owner.clone(),
                    status: status_code(i.status).to_owned(),
                    due: i.due,
                    overdue: still_open(i.status) && i.due.is_some_and(|d| d < today),
                    milestones: i.milestones.len(),
                    milestones_done: i.milestones.iter().filter(|m| m.done.is_some()).count(),
                    next_milestone: i
                        .milestones
                        .iter()
                        .filter(|m| m.done.is_none())
                        .min_by_key(|m| m.due)
                        .map(|m| (m.title.clone(), m.due)),
                    retest: i.retest.as_ref().map(|r| {
                        format!(
                            "{}: {} ({})",
                            r.date,
                            r.outcome.as_str().replace('_', " "),
                            r.auditor
                        )
                    }),
                    acceptance: i.acceptance.clone(),
                })
                .collect(),
        });
        Ok(AuditView {
            summary,
            sections: card
                .sections
                .iter()
                .map(|s| SectionView {
                    id: s.section.clone(),
                    title: s.title.clone(),
                    score: s.score,
                    tally: tally(&s.tally),
                })
                .collect(),
            zones: content.scope.zones.clone(),
            framework_items: fw.len(),
            items: self.items(a, &fw, &content),
            findings,
            remediation,
            acceptances: acceptance_views(&content.acceptances, today, EXPIRY_WARNING_DAYS),
        })
    }

    fn checklist(&self, a: &Audit, framework: &Framework) -> Result<Vec<ChecklistItem>, String> {
        let fw = shared_framework(framework).map_err(|e| e.to_string())?;
        let content = audit_content(a).map_err(|e| e.to_string())?;
        Ok(self.items(a, &fw, &content))
    }

    fn record(
        &self,
        a: &Audit,
        framework: &Framework,
        answer: &ItemAnswer,
    ) -> Result<Value, AnswerError> {
        let whole = |message: String| AnswerError {
            field: None,
            message,
        };
        let Some(outcome) = OUTCOMES
            .iter()
            .map(|(o, _)| *o)
            .find(|o| o.as_str() == answer.outcome)
        else {
            return Err(AnswerError {
                field: Some("outcome"),
                message: format!(
                    "choose one of {}",
                    OUTCOMES
                        .iter()
                        .map(|(_, l)| l.to_lowercase())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        };
        if answer.notes.chars().count() > MAX_NOTES {
            return Err(AnswerError {
                field: Some("notes"),
                message: format!("notes may be at most {MAX_NOTES} characters"),
            });
        }
        let fw = shared_framework(framework).map_err(|e| whole(e.to_string()))?;
        let h = header(a);
        let before = audit_content(a).map_err(|e| whole(e.to_string()))?;
        if fw.item(&answer.item).is_none() {
            return Err(AnswerError {
                field: Some("item"),
                message: format!("item {} is not in framework {}", answer.item, fw.id),
            });
        }
        if !before
            .audit(&h)
            .items_in_scope(&fw)
            .contains(&answer.item.as_str())
        {
            return Err(AnswerError {
                field: Some("item"),
                message: format!("item {} is not in the scope of audit {}", answer.item, a.id),
            });
        }
        // Edit the stored JSON itself, so that every other result, finding
        // and plan stays exactly as written.
        let mut content = a.content.clone();
        let results = results_mut(&mut content).map_err(whole)?;
        set_answer(results, answer, outcome);
        let after =
            AuditContent::from_json(&content).map_err(|e| whole(format!("audit {}: {e}", a.id)))?;
        after
            .check(&h, &fw)
            .map_err(|e| whole(format!("audit {}: {e}", a.id)))?;
        Ok(content)
    }

    fn expiring(
        &self,
        a: &Audit,
        today: Date,
        within_days: i64,
    ) -> Result<Vec<AcceptanceView>, String> {
        let content = audit_content(a).map_err(|e| e.to_string())?;
        Ok(acceptance_views(&content.acceptances, today, within_days)
            .into_iter()
            .filter(|v| v.expiry.flagged())
            .collect())
    }

    fn inspections(
        &self,
        list: &[&rampart_domain::Inspection],
        today: Date,
    ) -> Vec<Result<rampart_server::audits::InspectionView, String>> {
        list.iter()
            .map(|i| inspection_view(&schedule_of(i), today).map_err(|e| e.to_string()))
            .collect()
    }

    fn outcomes(&self) -> Vec<(String, String)> {
        OUTCOMES
            .iter()
            .map(|(o, l)| (o.as_str().to_owned(), (*l).to_owned()))
            .collect()
    }

    fn check_evidence(
        &self,
        claimed_name: &str,
        bytes: &[u8],
        max_bytes: u64,
    ) -> Result<EvidenceCheck, EvidenceRefusal> {
        let policy = EvidencePolicy::new(max_bytes);
        match evidence::check(claimed_name, bytes, &policy) {
            Ok(meta) => Ok(EvidenceCheck {
                media_type: meta.media_type.mime().to_owned(),
                display_name: meta.display_name,
            }),
            Err(e @ EvidenceError::TooLarge { .. }) => {
                Err(EvidenceRefusal::TooLarge(e.to_string()))
            }
            Err(e) => Err(EvidenceRefusal::Refused(e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests;

/// A stored recurring inspection as the compliance engine's schedule.
pub fn schedule_of(
    i: &rampart_domain::Inspection,
) -> rampart_compliance::schedule::InspectionSchedule {
    use rampart_compliance::schedule::{Every, InspectionSchedule};
    use rampart_domain::Recurrence;
    InspectionSchedule {
        id: i.id.to_string(),
        title: i.title.clone(),
        site: Some(i.site.to_string()),
        every: match i.every {
            Recurrence::Days(n) => Every::Days(n),
            Recurrence::Weeks(n) => Every::Weeks(n),
            Recurrence::Months(n) => Every::Months(n),
        },
        start: i.start,
        until: i.until,
        reminder_days: i.reminder_days,
        done_through: i.done_through,
    }
}

/// The next round on or after `today` and the rounds before it not done.
fn inspection_view(
    s: &rampart_compliance::schedule::InspectionSchedule,
    today: Date,
) -> Result<rampart_server::audits::InspectionView, rampart_compliance::schedule::ScheduleError> {
    let overdue = s.overdue(today)?;
    Ok(rampart_server::audits::InspectionView {
        next: s.next(today)?,
        overdue: overdue.len(),
        oldest_overdue: overdue.first().copied(),
    })
}
