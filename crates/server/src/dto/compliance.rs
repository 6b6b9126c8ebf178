//! The framework library and the audits run against it. Their content is
//! the compliance engine's, kept as written and checked by the engine when
//! it is written; the API carries it whole.

use rampart_domain as d;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Date, Id, search, text};

/// What audits are run against: a checklist or a catalogue of controls.
/// A framework without `content` is one shipped with Rampart, named by its
/// `source` (`builtin:physical-security`,
/// `builtin:nist-sp-800-53-rev5-moderate`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FrameworkBody {
    /// The framework's id (`physical-security`).
    pub id: Id,
    #[schema(
        min_length = 1,
        pattern = r"\S",
        example = "Physical security inspection"
    )]
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
    /// Where it came from: a file name, a URL, or `builtin:NAME`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// The compliance engine's framework (sections of items with what to
    /// look for, how to test, criticality and mappings), kept as written;
    /// absent for a built-in framework.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    #[schema(value_type = Object)]
    pub content: serde_json::Value,
}

mirrored!(Frameworks, d::Framework, FrameworkBody, "frameworks", "framework",
    filters: &[
        search("q", "title", "Frameworks whose title contains this text (any case)."),
    ],
    sorts: &["title"]);

/// An audit of one site against one framework: who, when, where it
/// stands, and the work itself (`content`: scope, item results with their
/// evidence, findings, the remediation plan, risk acceptances), checked by
/// the compliance engine when written.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditBody {
    /// The audit's id (`hq-inspection-2025`).
    pub id: Id,
    /// The site audited.
    pub site: Id,
    /// The framework audited against.
    pub framework: Id,
    #[schema(
        min_length = 1,
        pattern = r"\S",
        example = "Annual physical inspection"
    )]
    pub title: String,
    pub status: AuditStatus,
    pub planned_start: Date,
    pub planned_end: Date,
    /// The people who carry it out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub auditors: Vec<Id>,
    /// The compliance engine's record of the work, kept as written.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    #[schema(value_type = Object)]
    pub content: serde_json::Value,
}

/// Where an audit stands.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuditStatus {
    Planned,
    InProgress,
    Completed,
}

mirrored!(Audits, d::Audit, AuditBody, "audits", "audit",
    filters: &[
        text("framework", "framework", "Only the audits against this framework."),
        text("status", "status", "Only audits in this status (`planned`, `in_progress`, `completed`)."),
        search("q", "title", "Audits whose title contains this text (any case)."),
    ],
    sorts: &["title", "planned_start", "status"]);
