//! What the Reports page asks of the report builder.
//!
//! The server knows neither the engines nor the report renderer: the binary
//! (through `rampart-analyst`) implements [`Reports`] and passes it in. The
//! server decides who may have which report (site scope, role) and gives
//! the builder only the organisation as stored; the builder returns bytes.

use std::fmt::Debug;

use jiff::civil::Date;
use rampart_domain::{Id, OrgDocument};

/// The reports there are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    /// The security assessment report.
    Assessment,
    /// The one-page executive briefing.
    Briefing,
    /// The status of the remediation plans (plans of action and milestones).
    Remediation,
}

impl ReportKind {
    pub fn code(self) -> &'static str {
        match self {
            ReportKind::Assessment => "assessment",
            ReportKind::Briefing => "briefing",
            ReportKind::Remediation => "remediation",
        }
    }
    pub fn parse(s: &str) -> Option<ReportKind> {
        match s {
            "assessment" => Some(ReportKind::Assessment),
            "briefing" => Some(ReportKind::Briefing),
            "remediation" => Some(ReportKind::Remediation),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Html,
    Pdf,
}

/// One report to build.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRequest {
    pub kind: ReportKind,
    /// One site, or the whole organisation.
    pub site: Option<Id>,
    /// An audit's report instead of `kind`.
    pub audit: Option<Id>,
    pub format: ReportFormat,
    pub as_of: Date,
    /// Who asked, for the document control table.
    pub prepared_by: String,
}

/// A built report.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportFile {
    pub content_type: &'static str,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// The report builder. CPU-bound: call it off the async threads.
pub trait Reports: Send + Sync + Debug {
    fn build(&self, doc: &OrgDocument, request: &ReportRequest) -> Result<ReportFile, String>;
}

/// A server without a report builder.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoReports;

impl Reports for NoReports {
    fn build(&self, _: &OrgDocument, _: &ReportRequest) -> Result<ReportFile, String> {
        Err("reports are not available in this server".to_owned())
    }
}
