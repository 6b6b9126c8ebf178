//! What the audit pages ask of the compliance engine, and the shapes of the
//! answers they show.
//!
//! The server knows no engine: the binary (through `rampart-analyst`)
//! implements [`AuditAnalysis`] and passes it in with
//! [`crate::AppState::with_audits`], as it passes the other analysis. The
//! answers are view models made for the pages (text, figures, dates), never
//! engine types. A server built without one gets [`NoAudits`], and the audit
//! pages say that the audit figures are not available instead of failing.
//!
//! Outcome, severity and status values travel as the codes the stored
//! audit JSON uses (`partially_compliant`, `risk_accepted`); the pages turn
//! them into labels.

use std::fmt::Debug;

use jiff::civil::Date;
use rampart_domain::{Audit, Framework, Inspection};

/// Risk acceptances that expire within this many days are flagged (on the
/// audit page and the dashboard), as are those already expired.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// The compliance engine, as the audit pages see it.
pub trait AuditAnalysis: Send + Sync + Debug {
    /// The list figures of each of `audits`, all against `framework` (read
    /// once for all of them), in the same order.
    fn summaries(
        &self,
        framework: &Framework,
        audits: &[&Audit],
    ) -> Vec<Result<AuditSummary, String>>;

    /// Everything the audit page shows; `today` dates the remediation and
    /// the expiry of risk acceptances.
    fn detail(
        &self,
        audit: &Audit,
        framework: &Framework,
        today: Date,
    ) -> Result<AuditView, String>;

    /// The items in the audit's scope, in order, each with what to look for,
    /// how to test it and its results so far.
    fn checklist(&self, audit: &Audit, framework: &Framework)
    -> Result<Vec<ChecklistItem>, String>;

    /// The audit's content with the answer to one item set (the result of
    /// that item for the whole site, not a zone, replaced or added) and
    /// nothing else changed; checked against the framework.
    fn record(
        &self,
        audit: &Audit,
        framework: &Framework,
        answer: &ItemAnswer,
    ) -> Result<serde_json::Value, AnswerError>;

    /// The audit's risk acceptances that have expired on `today` or expire
    /// within `within_days` days of it, soonest first. Needs no framework.
    fn expiring(
        &self,
        audit: &Audit,
        today: Date,
        within_days: i64,
    ) -> Result<Vec<AcceptanceView>, String>;

    /// The outcomes an item may be given: (code, label), in the order a
    /// form offers them.
    fn outcomes(&self) -> Vec<(String, String)>;

    /// Where each recurring inspection stands on `today`, in the same
    /// order: its next date and the rounds not done by their date.
    fn inspections(
        &self,
        inspections: &[&Inspection],
        today: Date,
    ) -> Vec<Result<InspectionView, String>>;

    /// What an uploaded evidence file is, from its content (never its
    /// name), and the uploader's name made safe to show; or why it is
    /// refused (over `max_bytes`, empty, a type not accepted, a name that
    /// says otherwise, an SVG that could run script).
    fn check_evidence(
        &self,
        claimed_name: &str,
        bytes: &[u8],
        max_bytes: u64,
    ) -> Result<EvidenceCheck, EvidenceRefusal>;
}

/// A server without the compliance engine.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoAudits;

const UNAVAILABLE: &str = "audit figures are not available in this server";

impl AuditAnalysis for NoAudits {
    fn summaries(&self, _: &Framework, audits: &[&Audit]) -> Vec<Result<AuditSummary, String>> {
        audits.iter().map(|_| Err(UNAVAILABLE.to_owned())).collect()
    }
    fn detail(&self, _: &Audit, _: &Framework, _: Date) -> Result<AuditView, String> {
        Err(UNAVAILABLE.to_owned())
    }
    fn checklist(&self, _: &Audit, _: &Framework) -> Result<Vec<ChecklistItem>, String> {
        Err(UNAVAILABLE.to_owned())
    }
    fn record(
        &self,
        _: &Audit,
        _: &Framework,
        _: &ItemAnswer,
    ) -> Result<serde_json::Value, AnswerError> {
        Err(AnswerError {
            field: None,
            message: UNAVAILABLE.to_owned(),
        })
    }
    fn expiring(&self, _: &Audit, _: Date, _: i64) -> Result<Vec<AcceptanceView>, String> {
        Err(UNAVAILABLE.to_owned())
    }
    fn outcomes(&self) -> Vec<(String, String)> {
        Vec::new()
    }
    fn inspections(&self, list: &[&Inspection], _: Date) -> Vec<Result<InspectionView, String>> {
        list.iter().map(|_| Err(UNAVAILABLE.to_owned())).collect()
    }
    fn check_evidence(&self, _: &str, _: &[u8], _: u64) -> Result<EvidenceCheck, EvidenceRefusal> {
        Err(EvidenceRefusal::Refused(
            "evidence files cannot be checked, so none is accepted, in this server".to_owned(),
        ))
    }
}

/// An evidence file that passed the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceCheck {
    /// The IANA media type found from the content (`image/jpeg`).
    pub media_type: String,
    /// The uploader's name, safe to show: never a path.
    pub display_name: String,
}

/// Why an evidence file is refused, in words for the uploader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvidenceRefusal {
    /// Over the size limit (413).
    TooLarge(String),
    /// Anything else about the file (422).
    Refused(String),
}

/// What a person calls a media type the evidence checks accept.
pub fn media_type_label(mime: &str) -> &str {
    match mime {
        "image/jpeg" => "JPEG image",
        "image/png" => "PNG image",
        "image/gif" => "GIF image",
        "image/webp" => "WebP image",
        "image/heic" => "HEIC image",
        "application/pdf" => "PDF document",
        "text/plain" => "Plain text",
        "text/csv" => "CSV text",
        "image/svg+xml" => "SVG drawing",
        other => other,
    }
}

/// How many results of each outcome, and items in scope not yet assessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TallyView {
    pub compliant: usize,
    pub partially_compliant: usize,
    pub non_compliant: usize,
    pub not_applicable: usize,
    pub unassessed: usize,
}

/// What the list of audits shows of one.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditSummary {
    pub framework_title: String,
    /// Compliant 1, partially 0.5, non-compliant 0, not applicable left
    /// out; `None` when nothing has been scored.
    pub overall: Option<f64>,
    pub tally: TallyView,
    /// Items in scope.
    pub items: usize,
    /// Items in scope with at least one result.
    pub answered: usize,
    pub findings: usize,
    /// Remediation items neither closed nor risk-accepted.
    pub open_remediation: usize,
}

/// One section's score.
#[derive(Debug, Clone, PartialEq)]
pub struct SectionView {
    pub id: String,
    pub title: String,
    pub score: Option<f64>,
    pub tally: TallyView,
}

/// One item in scope, at its place in the checklist.
#[derive(Debug, Clone, PartialEq)]
pub struct ChecklistItem {
    /// 1-based place in the checklist in scope.
    pub position: usize,
    pub id: String,
    /// The label people use (`PE-3(1)`), else the id.
    pub label: String,
    pub title: String,
    pub section: String,
    /// The requirement.
    pub text: String,
    pub look_for: String,
    pub how_to_test: String,
    /// `low`, `medium`, `high` or `critical`.
    pub criticality: String,
    /// The results recorded so far: one for the whole site, or one per zone.
    pub results: Vec<ResultView>,
}

impl ChecklistItem {
    /// The result for the whole site (no zone), which the inspection form edits.
    pub fn site_result(&self) -> Option<&ResultView> {
        self.results.iter().find(|r| r.zone.is_none())
    }
}

/// A recorded result.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultView {
    pub zone: Option<String>,
    /// The outcome's code (`partially_compliant`).
    pub outcome: String,
    pub notes: String,
    pub auditor: String,
    pub recorded_at: String,
    /// Pieces of evidence attached.
    pub evidence: usize,
}

/// A finding with who owns it and when it is due.
#[derive(Debug, Clone, PartialEq)]
pub struct FindingView {
    pub id: String,
    pub title: String,
    pub description: String,
    /// `low`, `medium`, `high` or `critical`.
    pub severity: String,
    /// The item it comes from, for audit findings.
    pub item: Option<String>,
    pub owner: Option<String>,
    pub due: Option<Date>,
    /// Due before today and its remediation (if any) not closed or accepted.
    pub overdue: bool,
    pub risk_scenario: Option<String>,
}

/// The plan of action and milestones.
#[derive(Debug, Clone, PartialEq)]
pub struct RemediationView {
    pub id: String,
    pub title: String,
    pub items: Vec<PoamView>,
}

/// One line of the remediation plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PoamView {
    pub id: String,
    pub finding: String,
    pub title: String,
    pub severity: String,
    pub owner: Option<String>,
    /// `open`, `in_progress`, `risk_accepted` or `closed`.
    pub status: String,
    pub due: Option<Date>,
    pub overdue: bool,
    pub milestones: usize,
    pub milestones_done: usize,
    /// The first milestone not done: (title, due).
    pub next_milestone: Option<(String, Date)>,
    /// "2025-05-06: compliant (p-okafor)".
    pub retest: Option<String>,
    pub acceptance: Option<String>,
}

/// Where a risk acceptance stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// Valid for more than the warning period.
    Valid { days_left: i64 },
    /// Valid, and expiring within the warning period (0: today).
    Expiring { days_left: i64 },
    /// Expired this many days ago (valid through its expiry date).
    Expired { days_ago: i64 },
}

impl Expiry {
    /// Whether it needs attention (expired or expiring soon).
    pub fn flagged(self) -> bool {
        !matches!(self, Expiry::Valid { .. })
    }
}

/// Where a recurring inspection stands on a given day.
#[derive(Debug, Clone, PartialEq)]
pub struct InspectionView {
    /// The first round on or after today (none once the schedule has ended).
    pub next: Option<Date>,
    /// Rounds before today not done, and the oldest of them.
    pub overdue: usize,
    pub oldest_overdue: Option<Date>,
}

/// An exception: a finding the organisation lives with for a while.
#[derive(Debug, Clone, PartialEq)]
pub struct AcceptanceView {
    pub id: String,
    /// The finding or remediation item accepted.
    pub finding: String,
    pub justification: String,
    pub approver: String,
    pub approved_on: Date,
    pub expires: Date,
    pub compensating_controls: Vec<String>,
    pub expiry: Expiry,
}

/// Everything the audit page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditView {
    pub summary: AuditSummary,
    /// Sections with at least one item in scope, in framework order.
    pub sections: Vec<SectionView>,
    /// Zones inspected; empty for the whole site.
    pub zones: Vec<String>,
    /// Items in the framework (the scope may be a subset).
    pub framework_items: usize,
    pub items: Vec<ChecklistItem>,
    /// Most severe first, then by due date.
    pub findings: Vec<FindingView>,
    pub remediation: Option<RemediationView>,
    /// Soonest expiry first.
    pub acceptances: Vec<AcceptanceView>,
}

/// The answer to one item, as an inspector gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemAnswer {
    pub item: String,
    /// An outcome code of [`AuditAnalysis::outcomes`].
    pub outcome: String,
    pub notes: String,
    /// Who answered (the logged-in user).
    pub auditor: String,
    /// When (RFC 3339).
    pub recorded_at: String,
}

/// Why an answer cannot be recorded: the form field it concerns, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerError {
    /// `outcome`, `notes` or `item`.
    pub field: Option<&'static str>,
    pub message: String,
}
