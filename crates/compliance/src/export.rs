//! OSCAL export: an audit as assessment results, a remediation plan as a
//! plan of action and milestones (POA&M), both declaring OSCAL 1.0.6.
//!
//! Output is deterministic: the same input gives the same bytes. UUIDs come
//! from [`crate::uuid::derive`] over stable ids (the audit, item and zone
//! for an observation, ...); objects are written with sorted keys; the only
//! time in the output is the caller's `last_modified`. Empty arrays are left
//! out, as the OSCAL schemas require at least one entry where an array is
//! present.
//!
//! Mapping. An audit is one `result`: the scope becomes `reviewed-controls`
//! (item ids as control ids), each item result an `observation` (method
//! EXAMINE, the auditor as origin, notes as remarks, evidence as
//! `relevant-evidence` pointing at a back-matter resource whose rlink is the
//! RFC 6920 `nih:sha-256;<hex>` name of the content and carries the SHA-256
//! hash), and each assessed, applicable result a `finding` whose target
//! status is `satisfied` (compliant) or `not-satisfied` (partial or
//! non-compliant). Rampart's own facts (site, outcome, zone, the time as the
//! auditor wrote it) are props in the [`RAMPART_NS`] namespace. A POA&M item
//! becomes a `poam-item` with a `risk`: status open, remediating,
//! deviation-approved or closed; milestones as `milestone` tasks of the
//! risk's remediation; the re-test as a risk-log entry.

use crate::audit::{Audit, AuditError, EvidenceRef, Outcome};
use crate::framework::Framework;
use crate::remediation::{RemediationPlan, RemediationStatus};
use crate::uuid::derive;
use jiff::Timestamp;
use jiff::civil::Date;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use thiserror::Error;

/// The OSCAL version the exports declare (and are validated against).
pub const OSCAL_VERSION: &str = "1.0.6";

/// The namespace of Rampart's props in exported OSCAL.
pub const RAMPART_NS: &str = "urn:rampart:oscal";

/// What the export needs that the audit or plan does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportOptions {
    /// The document's `last-modified` (the engine has no clock).
    pub last_modified: Timestamp,
    /// The document's version.
    pub version: String,
    /// The assessment plan the results answer (`import-ap`).
    pub import_ap_href: String,
}

/// Why a document could not be exported.
#[derive(Debug, Error, PartialEq)]
pub enum ExportError {
    #[error(transparent)]
    Audit(#[from] AuditError),
    #[error("item id {0:?} is not an OSCAL token, so it cannot be a control id")]
    NotAToken(String),
}

fn prop(name: &str, value: &str) -> Value {
    json!({"name": name, "ns": RAMPART_NS, "value": value})
}

/// Insert `v` under `k` unless it is an empty array or null.
fn put(m: &mut Map<String, Value>, k: &str, v: Value) {
    match &v {
        Value::Null => {}
        Value::Array(a) if a.is_empty() => {}
        _ => {
            m.insert(k.to_owned(), v);
        }
    }
}

fn midnight(d: Date) -> String {
    format!("{d}T00:00:00Z")
}

fn end_of_day(d: Date) -> String {
    format!("{d}T23:59:59Z")
}

fn outcome_token(o: Outcome) -> &'static str {
    match o {
        Outcome::Compliant => "compliant",
        Outcome::PartiallyCompliant => "partially-compliant",
        Outcome::NonCompliant => "non-compliant",
        Outcome::NotApplicable => "not-applicable",
    }
}

pub(crate) fn outcome_from_token(s: &str) -> Option<Outcome> {
    Some(match s {
        "compliant" => Outcome::Compliant,
        "partially-compliant" => Outcome::PartiallyCompliant,
        "non-compliant" => Outcome::NonCompliant,
        "not-applicable" => Outcome::NotApplicable,
        _ => return None,
    })
}

fn metadata(title: &str, opts: &ExportOptions, extra: Map<String, Value>) -> Value {
    let mut m = Map::new();
    m.insert("title".into(), json!(title));
    m.insert(
        "last-modified".into(),
        json!(opts.last_modified.to_string()),
    );
    m.insert("version".into(), json!(opts.version));
    m.insert("oscal-version".into(), json!(OSCAL_VERSION));
    m.extend(extra);
    Value::Object(m)
}

fn party_uuid(name: &str) -> String {
    derive("party", &[name])
}

fn evidence_resource(e: &EvidenceRef) -> Value {
    let mut link = Map::new();
    link.insert("href".into(), json!(format!("nih:sha-256;{}", e.sha256)));
    if let Some(t) = &e.media_type {
        link.insert("media-type".into(), json!(t));
    }
    link.insert(
        "hashes".into(),
        json!([{"algorithm": "SHA-256", "value": e.sha256.as_str()}]),
    );
    let mut r = Map::new();
    r.insert(
        "uuid".into(),
        json!(derive("evidence", &[e.sha256.as_str()])),
    );
    if !e.description.is_empty() {
        r.insert("title".into(), json!(e.description));
    }
    r.insert("rlinks".into(), json!([Value::Object(link)]));
    Value::Object(r)
}

/// An audit as OSCAL 1.0.6 assessment results (pretty JSON).
pub fn assessment_results(
    audit: &Audit,
    framework: &Framework,
    opts: &ExportOptions,
) -> Result<String, ExportError> {
    let v = assessment_results_value(audit, framework, opts)?;
    Ok(to_text(&v))
}

fn to_text(v: &Value) -> String {
    // Serialising a Value cannot fail (keys are strings, numbers finite).
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

/// The assessment results as a JSON value.
pub fn assessment_results_value(
    audit: &Audit,
    framework: &Framework,
    opts: &ExportOptions,
) -> Result<Value, ExportError> {
    audit.check(framework)?;
    let scope = audit.items_in_scope(framework);
    if let Some(bad) = scope.iter().find(|id| !crate::checklist::is_token(id)) {
        return Err(ExportError::NotAToken((*bad).to_owned()));
    }

    // Everyone named: planned auditors, then anyone else who recorded a result.
    let mut people: Vec<&str> = audit.auditors.iter().map(String::as_str).collect();
    for r in &audit.results {
        if !people.contains(&r.auditor.as_str()) {
            people.push(&r.auditor);
        }
    }
    let mut meta = Map::new();
    if !people.is_empty() {
        meta.insert(
            "roles".into(),
            json!([{"id": "assessor", "title": "Assessor"}]),
        );
        meta.insert(
            "parties".into(),
            Value::Array(
                people
                    .iter()
                    .map(|p| json!({"uuid": party_uuid(p), "type": "person", "name": p}))
                    .collect(),
            ),
        );
        meta.insert(
            "responsible-parties".into(),
            json!([{"role-id": "assessor", "party-uuids": people.iter().map(|p| party_uuid(p)).collect::<Vec<_>>()}]),
        );
    }

    let start = midnight(audit.planned_start);
    let mut observations = Vec::new();
    let mut findings = Vec::new();
    let mut resources: BTreeMap<String, Value> = BTreeMap::new();
    for r in &audit.results {
        let Some((_, item)) = framework.item(&r.item) else {
            continue;
        };
        let zone = r.zone.as_deref().unwrap_or("");
        let obs_uuid = derive("observation", &[&audit.id, &r.item, zone]);
        let mut props = vec![
            prop("item", &r.item),
            prop("outcome", outcome_token(r.outcome)),
        ];
        if let Some(z) = &r.zone {
            props.push(prop("zone", z));
        }
        props.push(prop("recorded-at", &r.recorded_at));
        let collected = r
            .recorded_at
            .parse::<Timestamp>()
            .map(|t| t.to_string())
            .unwrap_or_else(|_| start.clone());
        let mut o = Map::new();
        o.insert("uuid".into(), json!(obs_uuid));
        o.insert("title".into(), json!(item.title));
        o.insert(
            "description".into(),
            json!(format!(
                "Inspection of {} ({}): {}.",
                item.id,
                item.title,
                outcome_token(r.outcome)
            )),
        );
        o.insert("props".into(), Value::Array(props.clone()));
        o.insert("methods".into(), json!(["EXAMINE"]));
        o.insert(
            "origins".into(),
            json!([{"actors": [{"type": "party", "actor-uuid": party_uuid(&r.auditor), "role-id": "assessor"}]}]),
        );
        put(
            &mut o,
            "relevant-evidence",
            Value::Array(
                r.evidence
                    .iter()
                    .map(|e| {
                        let res = evidence_resource(e);
                        let href = format!("#{}", res["uuid"].as_str().unwrap_or(""));
                        resources.entry(e.sha256.to_string()).or_insert(res);
                        let d = if e.description.is_empty() {
                            format!("SHA-256 {}", e.sha256)
                        } else {
                            e.description.clone()
                        };
                        json!({"href": href, "description": d})
                    })
                    .collect(),
            ),
        );
        o.insert("collected".into(), json!(collected));
        if !r.notes.is_empty() {
            o.insert("remarks".into(), json!(r.notes));
        }
        observations.push(Value::Object(o));

        if r.outcome == Outcome::NotApplicable {
            continue;
        }
        let state = if r.outcome == Outcome::Compliant {
            "satisfied"
        } else {
            "not-satisfied"
        };
        let description = if r.notes.is_empty() {
            format!("{}: {}", item.id, item.text)
        } else {
            r.notes.clone()
        };
        findings.push(json!({
            "uuid": derive("finding", &[&audit.id, &r.item, zone]),
            "title": item.title,
            "description": description,
            "props": props,
            "origins": [{"actors": [{"type": "party", "actor-uuid": party_uuid(&r.auditor), "role-id": "assessor"}]}],
            "target": {
                "type": "objective-id",
                "target-id": r.item,
                "status": {"state": state},
            },
            "related-observations": [{"observation-uuid": obs_uuid}],
        }));
    }

    let selection = match &audit.scope.items {
        None => json!({"include-all": {}}),
        Some(_) => {
            json!({"include-controls": scope.iter().map(|id| json!({"control-id": id})).collect::<Vec<_>>()})
        }
    };
    let mut result_props = vec![
        prop("audit-id", &audit.id),
        prop("site", &audit.site),
        prop("framework", &audit.framework),
        prop("audit-status", status_token(audit)),
    ];
    for z in &audit.scope.zones {
        result_props.push(prop("zone", z));
    }
    let mut result = Map::new();
    result.insert("uuid".into(), json!(derive("result", &[&audit.id])));
    result.insert("title".into(), json!(audit.title));
    result.insert(
        "description".into(),
        json!(format!(
            "Audit {} of site {} against {} ({} {}).",
            audit.id, audit.site, framework.title, framework.id, framework.version
        )),
    );
    result.insert("start".into(), json!(start));
    if audit.status == crate::audit::AuditStatus::Completed {
        result.insert("end".into(), json!(end_of_day(audit.planned_end)));
    }
    result.insert("props".into(), Value::Array(result_props));
    result.insert(
        "reviewed-controls".into(),
        json!({"control-selections": [selection]}),
    );
    put(&mut result, "observations", Value::Array(observations));
    put(&mut result, "findings", Value::Array(findings));

    let mut ar = Map::new();
    ar.insert(
        "uuid".into(),
        json!(derive("assessment-results", &[&audit.id])),
    );
    ar.insert("metadata".into(), metadata(&audit.title, opts, meta));
    ar.insert("import-ap".into(), json!({"href": opts.import_ap_href}));
    ar.insert("results".into(), json!([Value::Object(result)]));
    if !resources.is_empty() {
        ar.insert(
            "back-matter".into(),
            json!({"resources": resources.into_values().collect::<Vec<_>>()}),
        );
    }
    Ok(json!({"assessment-results": Value::Object(ar)}))
}

fn status_token(audit: &Audit) -> &'static str {
    match audit.status {
        crate::audit::AuditStatus::Planned => "planned",
        crate::audit::AuditStatus::InProgress => "in-progress",
        crate::audit::AuditStatus::Completed => "completed",
    }
}

fn risk_status(s: RemediationStatus) -> &'static str {
    match s {
        RemediationStatus::Open => "open",
        RemediationStatus::InProgress => "remediating",
        RemediationStatus::RiskAccepted => "deviation-approved",
        RemediationStatus::Closed => "closed",
    }
}

fn status_name(s: RemediationStatus) -> &'static str {
    match s {
        RemediationStatus::Open => "open",
        RemediationStatus::InProgress => "in-progress",
        RemediationStatus::RiskAccepted => "risk-accepted",
        RemediationStatus::Closed => "closed",
    }
}

/// A remediation plan as an OSCAL 1.0.6 POA&M (pretty JSON).
///
/// Written from typed structs (see [`poam_doc`]), not through a
/// `serde_json::Value` tree: a 10,000-item plan is mostly small strings, and
/// building a map per object cost more than the writing itself.
pub fn poam(plan: &RemediationPlan, opts: &ExportOptions) -> String {
    let mut out = Vec::with_capacity(1024 + plan.items.len() * 3072);
    // Serialising these structs cannot fail: every key is a string and
    // there are no numbers.
    if serde_json::to_writer_pretty(&mut out, &poam_doc(plan, opts)).is_err() {
        return String::new();
    }
    out.push(b'\n');
    String::from_utf8(out).unwrap_or_default()
}

/// The POA&M as a JSON value.
pub fn poam_value(plan: &RemediationPlan, opts: &ExportOptions) -> Value {
    serde_json::to_value(poam_doc(plan, opts)).unwrap_or(Value::Null)
}

/// The POA&M as typed OSCAL objects, ready to serialise.
///
/// Every struct declares its fields in alphabetical order of their JSON
/// names, so the output has sorted keys like the assessment results (which
/// go through `Value`); a test checks that.
pub fn poam_doc<'a>(
    plan: &'a RemediationPlan,
    opts: &'a ExportOptions,
) -> oscal_poam::Document<'a> {
    use oscal_poam::*;
    let mut risks = Vec::with_capacity(plan.items.len());
    let mut items = Vec::with_capacity(plan.items.len());
    for i in &plan.items {
        let risk_uuid = derive("risk", &[&plan.id, &i.id]);
        let mut props = Vec::with_capacity(6 + i.controls.len());
        props.push(Prop::new("poam-item-id", &i.id));
        props.push(Prop::new("finding-id", &i.finding));
        props.push(Prop::new("severity", i.severity.as_str()));
        props.push(Prop::new("remediation-status", status_name(i.status)));
        if let Some(o) = &i.owner {
            props.push(Prop::new("owner", o));
        }
        if let Some(r) = &i.risk_scenario {
            props.push(Prop::new("risk-scenario", r));
        }
        if let Some(a) = &i.acceptance {
            props.push(Prop::new("risk-acceptance", a));
        }
        for c in &i.controls {
            props.push(Prop::new("control-id", c));
        }
        let tasks = i
            .milestones
            .iter()
            .map(|m| Task {
                props: m
                    .done
                    .map(|done| vec![Prop::owned("completed-on", done.to_string())])
                    .unwrap_or_default(),
                timing: Timing {
                    on_date: OnDate {
                        date: end_of_day(m.due),
                    },
                },
                title: &m.title,
                kind: "milestone",
                uuid: derive("milestone", &[&plan.id, &i.id, &m.id]),
            })
            .collect();
        let remediation = Remediation {
            description: &i.description,
            lifecycle: if i.status == RemediationStatus::Closed {
                "completed"
            } else {
                "planned"
            },
            tasks,
            title: format!("Remediation of {}", i.finding),
            uuid: derive("remediation", &[&plan.id, &i.id]),
        };
        let risk_log = i.retest.as_ref().map(|rt| {
            let closes = matches!(rt.outcome, Outcome::Compliant | Outcome::NotApplicable);
            let mut desc = format!("Re-test by {}: {}.", rt.auditor, outcome_token(rt.outcome));
            if !rt.notes.is_empty() {
                desc.push(' ');
                desc.push_str(&rt.notes);
            }
            RiskLog {
                entries: vec![RiskLogEntry {
                    description: desc,
                    start: midnight(rt.date),
                    status_change: if closes { "closed" } else { "remediating" },
                    title: "Re-test",
                    uuid: derive("retest", &[&plan.id, &i.id]),
                }],
            }
        });
        items.push(PoamItemDoc {
            description: &i.description,
            props: props.clone(),
            related_risks: vec![RelatedRisk {
                risk_uuid: risk_uuid.clone(),
            }],
            title: &i.title,
            uuid: derive("poam-item", &[&plan.id, &i.id]),
        });
        risks.push(Risk {
            deadline: i.due.map(end_of_day),
            description: &i.description,
            props,
            remediations: vec![remediation],
            risk_log,
            statement: format!("Finding {} ({} severity).", i.finding, i.severity.as_str()),
            status: risk_status(i.status),
            title: &i.title,
            uuid: risk_uuid,
        });
    }
    Document {
        plan: Poam {
            metadata: Metadata {
                last_modified: opts.last_modified.to_string(),
                oscal_version: OSCAL_VERSION,
                title: &plan.title,
                version: &opts.version,
            },
            poam_items: items,
            risks,
            uuid: derive("poam", &[&plan.id]),
        },
    }
}

/// The OSCAL 1.0.6 POA&M objects Rampart writes, as borrowed, typed
/// structs. Fields are in alphabetical order of their JSON names (the
/// output's key order); empty arrays and absent values are left out, as the
/// schema wants at least one entry where an array is present.
pub mod oscal_poam {
    use serde::Serialize;
    use std::borrow::Cow;

    #[derive(Debug, Serialize)]
    pub struct Document<'a> {
        #[serde(rename = "plan-of-action-and-milestones")]
        pub plan: Poam<'a>,
    }

    #[derive(Debug, Serialize)]
    #[serde(rename_all = "kebab-case")]
    pub struct Poam<'a> {
        pub metadata: Metadata<'a>,
        pub poam_items: Vec<PoamItemDoc<'a>>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        pub risks: Vec<Risk<'a>>,
        pub uuid: String,
    }

    #[derive(Debug, Serialize)]
    #[serde(rename_all = "kebab-case")]
    pub struct Metadata<'a> {
        pub last_modified: String,
        pub oscal_version: &'static str,
        pub title: &'a str,
        pub version: &'a str,
    }

    /// A prop in Rampart's namespace.
    #[derive(Debug, Clone, Serialize)]
    pub struct Prop<'a> {
        pub name: &'static str,
        pub ns: &'static str,
        pub value: Cow<'a, str>,
    }

    impl<'a> Prop<'a> {
        pub fn new(name: &'static str, value: &'a str) -> Self {
            Prop {
                name,
                ns: super::RAMPART_NS,
                value: Cow::Borrowed(value),
            }
        }

        pub fn owned(name: &'static str, value: String) -> Self {
            Prop {
                name,
                ns: super::RAMPART_NS,
                value: Cow::Owned(value),
            }
        }
    }

    #[derive(Debug, Serialize)]
    #[serde(rename_all = "kebab-case")]
    pub struct PoamItemDoc<'a> {
        pub description: &'a str,
        pub props: Vec<Prop<'a>>,
        pub related_risks: Vec<RelatedRisk>,
        pub title: &'a str,
        pub uuid: String,
    }

    #[derive(Debug, Serialize)]
    #[serde(rename_all = "kebab-case")]
    pub struct RelatedRisk {
        pub risk_uuid: String,
    }

    #[derive(Debug, Serialize)]
    #[serde(rename_all = "kebab-case")]
    pub struct Risk<'a> {
        #[serde(skip_serializing_if = "Option::is_none")]
        pub deadline: Option<String>,
        pub description: &'a str,
        pub props: Vec<Prop<'a>>,
        pub remediations: Vec<Remediation<'a>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub risk_log: Option<RiskLog>,
        pub statement: String,
        pub status: &'static str,
        pub title: &'a str,
        pub uuid: String,
    }

    #[derive(Debug, Serialize)]
    pub struct Remediation<'a> {
        pub description: &'a str,
        pub lifecycle: &'static str,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        pub tasks: Vec<Task<'a>>,
        pub title: String,
        pub uuid: String,
    }

    #[derive(Debug, Serialize)]
    pub struct Task<'a> {
        #[serde(skip_serializing_if = "Vec::is_empty")]
        pub props: Vec<Prop<'a>>,
        pub timing: Timing,
        pub title: &'a str,
        #[serde(rename = "type")]
        pub kind: &'static str,
        pub uuid: String,
    }

    #[derive(Debug, Serialize)]
    pub struct Timing {
        #[serde(rename = "on-date")]
        pub on_date: OnDate,
    }

    #[derive(Debug, Serialize)]
    pub struct OnDate {
        pub date: String,
    }

    #[derive(Debug, Serialize)]
    pub struct RiskLog {
        pub entries: Vec<RiskLogEntry>,
    }

    #[derive(Debug, Serialize)]
    #[serde(rename_all = "kebab-case")]
    pub struct RiskLogEntry {
        pub description: String,
        pub start: String,
        pub status_change: &'static str,
        pub title: &'static str,
        pub uuid: String,
    }
}
