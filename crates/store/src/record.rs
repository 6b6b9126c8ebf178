//! Records: the form in which entities travel to and from a backend.
//!
//! A record is an entity's kind, id, site and references, plus its full
//! content as JSON. Backends index the first four (so that the database can
//! enforce references and scope queries by site) and keep the content whole,
//! so that new fields and new kinds of entity need no schema change.

use rampart_domain::{Entity, EntityKind, Id, OrgDocument};
use serde::Serialize;

use crate::{Result, StoreError};

/// An entity ready to be written.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub kind: EntityKind,
    pub id: Id,
    pub site: Option<Id>,
    /// (field, kind, id) of every entity this one refers to, deduplicated.
    pub refs: Vec<(EntityKind, Id)>,
    pub body: serde_json::Value,
}

impl Record {
    pub fn from_entity<E: Entity>(e: &E) -> Result<Record> {
        let body = serde_json::to_value(e).map_err(|err| StoreError::Encode(err.to_string()))?;
        let mut refs: Vec<(EntityKind, Id)> = e
            .references()
            .into_iter()
            .map(|r| (r.kind, r.id.clone()))
            .collect();
        refs.sort();
        refs.dedup();
        Ok(Record {
            kind: E::KIND,
            id: e.id().clone(),
            site: e.site().cloned(),
            refs,
            body,
        })
    }
}

/// A value as stored, with its version and last change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stored<T> {
    pub value: T,
    pub version: i64,
    pub updated_at: String,
    pub updated_by: String,
}

/// A record as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRecord {
    pub kind: EntityKind,
    pub id: Id,
    pub site: Option<Id>,
    pub body: serde_json::Value,
    pub version: i64,
    pub updated_at: String,
    pub updated_by: String,
}

impl StoredRecord {
    /// What a backend returns after writing `record` at `version`.
    pub fn written(record: &Record, version: i64, at: String, by: &str) -> StoredRecord {
        StoredRecord {
            kind: record.kind,
            id: record.id.clone(),
            site: record.site.clone(),
            body: record.body.clone(),
            version,
            updated_at: at,
            updated_by: by.to_owned(),
        }
    }

    pub fn decode<E: Entity>(self) -> Result<Stored<E>> {
        let value = serde_json::from_value(self.body).map_err(|err| StoreError::Corrupt {
            kind: self.kind,
            id: self.id.to_string(),
            reason: err.to_string(),
        })?;
        Ok(Stored {
            value,
            version: self.version,
            updated_at: self.updated_at,
            updated_by: self.updated_by,
        })
    }
}

/// Which records of a kind to list, in which order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ListQuery {
    /// Only records of these sites; `None` for all.
    pub sites: Option<Vec<Id>>,
    /// Only records whose content matches every one of these.
    pub filters: Vec<FieldFilter>,
    /// Order by these keys, then by creation order. Empty: creation order.
    pub sort: Vec<SortKey>,
    pub limit: Option<i64>,
    pub offset: i64,
}

impl ListQuery {
    pub fn all() -> ListQuery {
        ListQuery::default()
    }

    pub fn site(site: &Id) -> ListQuery {
        ListQuery {
            sites: Some(vec![site.clone()]),
            ..ListQuery::default()
        }
    }
}

/// A field of a record's content, by its path of names (`owner`,
/// `assessment.method`). Names are lower-case letters, digits and `_`, so a
/// path can be written into a backend's JSON path expression safely; the
/// value side of a filter is always a bound parameter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FieldPath(String);

impl FieldPath {
    pub fn new(path: &str) -> Result<FieldPath, String> {
        let ok_name = |n: &str| {
            !n.is_empty()
                && n.len() <= 64
                && n.starts_with(|c: char| c.is_ascii_lowercase())
                && n.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        };
        let names: Vec<&str> = path.split('.').collect();
        if names.len() > 4 || !names.iter().all(|n| ok_name(n)) {
            return Err(format!(
                "{path:?} is not a field path (lower-case names joined by '.', at most 4)"
            ));
        }
        Ok(FieldPath(path.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The names, outermost first.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.split('.')
    }
}

/// A condition on one field of a record's content.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldFilter {
    pub field: FieldPath,
    pub value: FilterValue,
    pub op: FilterOp,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FilterValue {
    Text(String),
    Number(f64),
    Bool(bool),
    /// The values of an [`FilterOp::In`]; with any other operator, a list
    /// matches nothing.
    List(Vec<FilterValue>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterOp {
    /// The field equals the value (a missing field equals nothing).
    Eq,
    /// The field is a list holding the value.
    Contains,
    /// Text field containing the value, ignoring ASCII case.
    Like,
    /// Number or text ordered at or above / at or below the value.
    AtLeast,
    AtMost,
    /// The field equals one of the values of a [`FilterValue::List`] (with
    /// a single value: equals it). Lists inside the list match nothing.
    In,
}

/// One key of a list's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortKey {
    pub field: SortField,
    pub descending: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortField {
    Id,
    UpdatedAt,
    /// A field of the content; records without it sort last.
    Content(FieldPath),
}

/// All entities of a document as records, referenced kinds before the kinds
/// that refer to them, each list in file order.
pub(crate) fn document_records(doc: &OrgDocument) -> Result<Vec<Record>> {
    let mut out = Vec::with_capacity(doc.entity_count());
    fn push<E: Entity>(out: &mut Vec<Record>, list: &[E]) -> Result<()> {
        for e in list {
            out.push(Record::from_entity(e)?);
        }
        Ok(())
    }
    push(&mut out, &doc.sites)?;
    // Zones refer to parent zones: write parents first.
    push(&mut out, &zones_parents_first(&doc.zones))?;
    push(&mut out, &doc.people)?;
    push(&mut out, &doc.assets)?;
    push(&mut out, &doc.threats)?;
    push(&mut out, &doc.controls)?;
    push(&mut out, &doc.applied_controls)?;
    push(&mut out, &doc.devices)?;
    push(&mut out, &doc.risks)?;
    push(&mut out, &doc.facility_models)?;
    push(&mut out, &doc.floor_plans)?;
    push(&mut out, &doc.frameworks)?;
    push(&mut out, &doc.audits)?;
    push(&mut out, &doc.inspections)?;
    push(&mut out, &doc.acceptance_plans)?;
    Ok(out)
}

/// Zones reordered so that each comes after its parent, otherwise in file
/// order. The document has been validated, so there are no cycles.
fn zones_parents_first(zones: &[rampart_domain::Zone]) -> Vec<rampart_domain::Zone> {
    use std::collections::{HashMap, HashSet};
    let by_id: HashMap<&Id, &rampart_domain::Zone> = zones.iter().map(|z| (&z.id, z)).collect();
    let mut placed: HashSet<&Id> = HashSet::with_capacity(zones.len());
    let mut out = Vec::with_capacity(zones.len());
    for z in zones {
        // Place the chain of not-yet-placed ancestors, outermost first.
        let mut chain = vec![z];
        let mut at = z;
        while let Some(p) = at.parent.as_ref().and_then(|p| by_id.get(p)) {
            if placed.contains(&p.id) || chain.len() > zones.len() {
                break;
            }
            chain.push(p);
            at = p;
        }
        for z in chain.into_iter().rev() {
            if placed.insert(&z.id) {
                out.push(z.clone());
            }
        }
    }
    out
}

/// The kind and id of a record as a backend read them, checked.
pub fn key_from_row(kind: &str, id: String) -> Result<(EntityKind, Id)> {
    let kind = EntityKind::parse(kind).ok_or_else(|| {
        StoreError::Database(format!("unknown record kind {kind:?} in the store"))
    })?;
    let id = Id::new(id.clone()).map_err(|e| StoreError::Corrupt {
        kind,
        id,
        reason: e.to_string(),
    })?;
    Ok((kind, id))
}

/// The columns a listed record is read from, as both backends select them:
/// kind, id, site, body (JSON text), version, updated at, updated by.
pub type RecordRow = (String, String, Option<String>, String, i64, String, String);

/// A listed record with its page's total in the first column (a page and
/// its total read in one statement), then the columns of [`RecordRow`].
pub type TotalRecordRow = (
    i64,
    String,
    String,
    Option<String>,
    String,
    i64,
    String,
    String,
);

/// The records of such rows, and the total they carry: none for an empty
/// page, which has no row to carry it.
pub fn records_with_total(rows: Vec<TotalRecordRow>) -> Result<(Vec<StoredRecord>, Option<i64>)> {
    let total = rows.first().map(|r| r.0);
    let records = rows
        .into_iter()
        .map(
            |(_, kind, id, site, body, version, updated_at, updated_by)| {
                record_from_row(&kind, id, site, &body, version, updated_at, updated_by)
            },
        )
        .collect::<Result<Vec<_>>>()?;
    Ok((records, total))
}

/// [`Store::site_marks`]' rows: the site column ('' for none) and its mark.
pub fn site_marks_from_rows(rows: Vec<(String, i64)>) -> Result<Vec<(Option<Id>, i64)>> {
    rows.into_iter()
        .map(|(site, mark)| {
            if site.is_empty() {
                Ok((None, mark))
            } else {
                Id::new(site.clone())
                    .map(|id| (Some(id), mark))
                    .map_err(|e| StoreError::Database(format!("record_counts: site {site:?}: {e}")))
            }
        })
        .collect()
}

/// A listed record whose body arrived already parsed, inside a page of
/// JSON (SQLite's one-statement page): the columns of [`RecordRow`] with
/// the body as a value.
pub type RecordValueRow = (
    String,
    String,
    Option<String>,
    serde_json::Value,
    i64,
    String,
    String,
);

/// [`StoredRecord`]s from rows of [`RecordValueRow`], with the checks of
/// [`record_from_row`]; a body that is not a JSON object is corrupt.
pub fn records_from_value_rows(rows: Vec<RecordValueRow>) -> Result<Vec<StoredRecord>> {
    rows.into_iter()
        .map(|(kind, id, site, body, version, updated_at, updated_by)| {
            stored_from_row(
                &kind,
                id,
                site,
                version,
                updated_at,
                updated_by,
                |kind, id| {
                    if body.is_object() {
                        Ok(body)
                    } else {
                        Err(StoreError::Corrupt {
                            kind,
                            id: id.to_string(),
                            reason: "the stored body is not a JSON object".to_owned(),
                        })
                    }
                },
            )
        })
        .collect()
}

/// [`record_from_row`] over rows of [`RecordRow`].
pub fn records_from_rows(rows: Vec<RecordRow>) -> Result<Vec<StoredRecord>> {
    rows.into_iter()
        .map(|(kind, id, site, body, version, updated_at, updated_by)| {
            record_from_row(&kind, id, site, &body, version, updated_at, updated_by)
        })
        .collect()
}

/// Build a [`StoredRecord`] from the columns a backend read, checking what
/// the database cannot (a known kind, valid ids, readable JSON).
pub fn record_from_row(
    kind: &str,
    id: String,
    site: Option<String>,
    body: &str,
    version: i64,
    updated_at: String,
    updated_by: String,
) -> Result<StoredRecord> {
    stored_from_row(
        kind,
        id,
        site,
        version,
        updated_at,
        updated_by,
        |kind, id| {
            serde_json::from_str(body).map_err(|e| StoreError::Corrupt {
                kind,
                id: id.to_string(),
                reason: e.to_string(),
            })
        },
    )
}

/// The checks of [`record_from_row`] on the key columns, with the body
/// read by `body` (given the checked kind and id, for its error).
fn stored_from_row(
    kind: &str,
    id: String,
    site: Option<String>,
    version: i64,
    updated_at: String,
    updated_by: String,
    body: impl FnOnce(EntityKind, &Id) -> Result<serde_json::Value>,
) -> Result<StoredRecord> {
    let (kind, id) = key_from_row(kind, id)?;
    let site = site
        .map(|s| key_from_row(kind.as_str(), s).map(|(_, s)| s))
        .transpose()?;
    let body = body(kind, &id)?;
    Ok(StoredRecord {
        kind,
        id,
        site,
        body,
        version,
        updated_at,
        updated_by,
    })
}

/// Build a stored organisation from the columns a backend read.
pub fn organisation_from_row(
    body: &str,
    version: i64,
    updated_at: String,
    updated_by: String,
) -> Result<Stored<rampart_domain::Organisation>> {
    let value = serde_json::from_str(body)
        .map_err(|e| StoreError::Database(format!("stored organisation cannot be read: {e}")))?;
    Ok(Stored {
        value,
        version,
        updated_at,
        updated_by,
    })
}

/// The audit text of an import: the organisation and every record written
/// (kind, id, body), as one JSON document built from the exact texts that
/// were stored. Bodies are JSON already and go in as they are.
pub fn import_audit_text<'a>(
    organisation_body: &str,
    records: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
) -> String {
    // Kinds and ids are plain strings: quoting them through serde_json keeps
    // the document valid whatever a stored row holds.
    let quote = |s: &str| serde_json::Value::from(s).to_string();
    let mut out = String::with_capacity(organisation_body.len() + 64);
    out.push_str("{\"organisation\":");
    out.push_str(organisation_body);
    out.push_str(",\"records\":[");
    for (i, (kind, id, body)) in records.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"kind\":");
        out.push_str(&quote(kind));
        out.push_str(",\"id\":");
        out.push_str(&quote(id));
        out.push_str(",\"body\":");
        out.push_str(body);
        out.push('}');
    }
    out.push_str("]}");
    out
}

/// For an import whose records get the sequence numbers `first_seq`,
/// `first_seq + 1`, ... in order: every reference as (from, to) sequence
/// numbers. An import refers only within itself, so no lookup is needed;
/// a reference to a record not in it is refused.
pub fn import_reference_rows(records: &[Record], first_seq: i64) -> Result<Vec<(i64, i64)>> {
    let seq_of: std::collections::HashMap<(EntityKind, &Id), i64> = records
        .iter()
        .enumerate()
        .map(|(n, r)| ((r.kind, &r.id), first_seq + n as i64))
        .collect();
    let mut rows = Vec::with_capacity(records.len() * 3);
    for (n, r) in records.iter().enumerate() {
        for (kind, id) in &r.refs {
            let to = seq_of
                .get(&(*kind, id))
                .ok_or_else(|| StoreError::DanglingReference {
                    kind: r.kind,
                    id: r.id.clone(),
                    target_kind: *kind,
                    target: id.clone(),
                })?;
            rows.push((first_seq + n as i64, *to));
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_import_audit_text_is_json_holding_every_record() {
        let text = import_audit_text(
            r#"{"id":"acme","name":"Acme \"Ltd\""}"#,
            [
                ("site", "hq", r#"{"id":"hq"}"#),
                (
                    "device",
                    "cam-1.lobby",
                    r#"{"id":"cam-1.lobby","note":"a\nb"}"#,
                ),
            ],
        );
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["organisation"]["name"], "Acme \"Ltd\"");
        assert_eq!(v["records"][1]["kind"], "device");
        assert_eq!(v["records"][1]["id"], "cam-1.lobby");
        assert_eq!(v["records"][1]["body"]["note"], "a\nb");
        let empty: serde_json::Value = serde_json::from_str(&import_audit_text("{}", [])).unwrap();
        assert_eq!(empty["records"].as_array().unwrap().len(), 0);
    }

    #[test]
    fn import_references_resolve_within_the_import() {
        let site = rampart_domain::Site {
            id: Id::new("hq").unwrap(),
            name: "HQ".into(),
            kind: Default::default(),
            address: None,
            coordinates: None,
            facility_security_level: None,
            operating_hours: Default::default(),
            description: None,
        };
        let zone = rampart_domain::Zone {
            id: Id::new("lobby").unwrap(),
            site: site.id.clone(),
            parent: None,
            name: "Lobby".into(),
            kind: Default::default(),
            classification: Default::default(),
            description: None,
        };
        let mut inner = zone.clone();
        inner.id = Id::new("desk").unwrap();
        inner.parent = Some(zone.id.clone());
        let records: Vec<Record> = vec![
            Record::from_entity(&site).unwrap(),
            Record::from_entity(&zone).unwrap(),
            Record::from_entity(&inner).unwrap(),
        ];
        let mut rows = import_reference_rows(&records, 10).unwrap();
        rows.sort();
        assert_eq!(rows, [(11, 10), (12, 10), (12, 11)]);
        let mut orphan = records.clone();
        orphan.remove(1);
        let err = import_reference_rows(&orphan, 1).unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::DanglingReference {
                    target_kind: EntityKind::Zone,
                    ..
                }
            ),
            "{err}"
        );
    }
}
