//! Lists with filters and sort keys, and counts: the queries whose shape
//! depends on the request, so they are built at run time with
//! [`QueryBuilder`].
//!
//! Every value goes in as a bound parameter, the JSON path of a field
//! included (`json_extract(body, ?)` with `'$.a.b'` bound as text). The only
//! words written into the SQL are constants of this module and the `ASC` /
//! `DESC` of a sort key; nothing a user typed is ever concatenated.
//!
//! Semantics (the same as the PostgreSQL backend's, and the conformance
//! suite's in-memory oracle):
//! - a text value matches only JSON strings, a number only JSON numbers
//!   (compared numerically), a boolean only JSON booleans;
//! - `Contains` needs the field to be an array with an element equal to the
//!   value; `Like` is a substring match ignoring ASCII case, on strings;
//! - `AtLeast` / `AtMost` order numbers numerically and text by bytes;
//!   with a boolean value, and `Like` with a non-text value, match nothing;
//! - a content sort key puts records lacking the field (or holding `null`)
//!   last in both directions; present values order numbers first, then
//!   text, then booleans, then lists and objects (equal among themselves);
//!   the direction reverses that order. Creation order breaks every tie.

use rampart_store::{
    FieldFilter, FieldPath, FilterOp, FilterValue, ListQuery, Result, SortField, SortKey,
};
use sqlx::{QueryBuilder, Sqlite};

use crate::json_text;

pub(crate) use rampart_store::RecordRow;

pub(crate) const RECORD_COLUMNS: &str =
    "SELECT kind, id, site_id, body, version, updated_at, updated_by FROM records";

/// The JSON path of a field as SQLite writes it: `$.a.b`. [`FieldPath`]
/// admits only lower-case names, digits and `_`; the path is bound as a
/// parameter all the same.
fn json_path(field: &FieldPath) -> String {
    let mut p = String::from("$");
    for name in field.names() {
        p.push('.');
        p.push_str(name);
    }
    p
}

/// `%value%` for `LIKE ... ESCAPE '\'`, with the pattern characters of the
/// value escaped so that they match themselves.
fn like_pattern(value: &str) -> String {
    let mut p = String::with_capacity(value.len() + 2);
    p.push('%');
    for c in value.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

fn bool_type(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

/// ` WHERE ...` for the records of `(org, kind)` that `query` selects.
pub(crate) fn push_conditions(
    qb: &mut QueryBuilder<Sqlite>,
    org: &str,
    kind: &str,
    query: &ListQuery,
) -> Result<()> {
    qb.push(" WHERE org_id = ")
        .push_bind(org.to_owned())
        .push(" AND kind = ")
        .push_bind(kind.to_owned());
    match query.sites.as_deref() {
        None => {}
        // One site (the common case): a plain equality the planner reads
        // straight off records_by_site, with no table built from JSON.
        Some([site]) => {
            qb.push(" AND site_id = ")
                .push_bind(site.as_str().to_owned());
        }
        Some(sites) => {
            qb.push(" AND site_id IN (SELECT value FROM json_each(")
                .push_bind(json_text(&sites)?)
                .push("))");
        }
    }
    for f in &query.filters {
        qb.push(" AND ");
        push_filter(qb, f);
    }
    Ok(())
}

fn push_filter(qb: &mut QueryBuilder<Sqlite>, f: &FieldFilter) {
    let path = json_path(&f.field);
    match (f.op, &f.value) {
        (FilterOp::In, FilterValue::List(values)) => {
            if values.is_empty() {
                qb.push("0");
                return;
            }
            qb.push("(");
            for (n, v) in values.iter().enumerate() {
                if n > 0 {
                    qb.push(" OR ");
                }
                push_filter(
                    qb,
                    &FieldFilter {
                        field: f.field.clone(),
                        value: v.clone(),
                        op: FilterOp::Eq,
                    },
                );
            }
            qb.push(")");
        }
        (FilterOp::In, value) => push_filter(
            qb,
            &FieldFilter {
                field: f.field.clone(),
                value: value.clone(),
                op: FilterOp::Eq,
            },
        ),
        (_, FilterValue::List(_)) => {
            qb.push("0");
        }
        (FilterOp::Eq, FilterValue::Text(v)) => {
            qb.push("(json_type(body, ")
                .push_bind(path.clone())
                .push(") = 'text' AND json_extract(body, ")
                .push_bind(path)
                .push(") = ")
                .push_bind(v.clone())
                .push(")");
        }
        (FilterOp::Eq, FilterValue::Number(v)) => {
            qb.push("(json_type(body, ")
                .push_bind(path.clone())
                .push(") IN ('integer', 'real') AND json_extract(body, ")
                .push_bind(path)
                .push(") = ")
                .push_bind(*v)
                .push(")");
        }
        (FilterOp::Eq, FilterValue::Bool(b)) => {
            qb.push("json_type(body, ")
                .push_bind(path)
                .push(") = ")
                .push_bind(bool_type(*b));
        }
        (FilterOp::Contains, value) => {
            qb.push("(json_type(body, ")
                .push_bind(path.clone())
                .push(") = 'array' AND EXISTS (SELECT 1 FROM json_each(body, ")
                .push_bind(path)
                .push(") WHERE ");
            match value {
                FilterValue::Text(v) => {
                    qb.push("type = 'text' AND value = ").push_bind(v.clone());
                }
                FilterValue::Number(v) => {
                    qb.push("type IN ('integer', 'real') AND value = ")
                        .push_bind(*v);
                }
                FilterValue::Bool(b) => {
                    qb.push("type = ").push_bind(bool_type(*b));
                }
                FilterValue::List(_) => {
                    qb.push("0");
                }
            }
            qb.push("))");
        }
        (FilterOp::Like, FilterValue::Text(v)) => {
            // SQLite's LIKE ignores ASCII case (and only ASCII case).
            qb.push("(json_type(body, ")
                .push_bind(path.clone())
                .push(") = 'text' AND json_extract(body, ")
                .push_bind(path)
                .push(") LIKE ")
                .push_bind(like_pattern(v))
                .push(" ESCAPE '\\')");
        }
        (FilterOp::AtLeast | FilterOp::AtMost, FilterValue::Text(v)) => {
            qb.push("(json_type(body, ")
                .push_bind(path.clone())
                .push(") = 'text' AND json_extract(body, ")
                .push_bind(path)
                .push(comparison(f.op))
                .push_bind(v.clone())
                .push(")");
        }
        (FilterOp::AtLeast | FilterOp::AtMost, FilterValue::Number(v)) => {
            qb.push("(json_type(body, ")
                .push_bind(path.clone())
                .push(") IN ('integer', 'real') AND json_extract(body, ")
                .push_bind(path)
                .push(comparison(f.op))
                .push_bind(*v)
                .push(")");
        }
        (FilterOp::Like, _) | (FilterOp::AtLeast | FilterOp::AtMost, FilterValue::Bool(_)) => {
            qb.push("0");
        }
    }
}

fn comparison(op: FilterOp) -> &'static str {
    if op == FilterOp::AtMost {
        ") <= "
    } else {
        ") >= "
    }
}

/// ` ORDER BY ...` for `sort`, creation order last. With `by_site`, the
/// creation order is written `+seq`, which no index can give: SQLite then
/// reads the sites' records through `records_by_site` and sorts them,
/// rather than walking every record of the kind in `records_by_kind`'s
/// order to pick out those few.
pub(crate) fn push_order(qb: &mut QueryBuilder<Sqlite>, sort: &[SortKey], by_site: bool) {
    qb.push(" ORDER BY ");
    for key in sort {
        let dir = if key.descending { " DESC, " } else { " ASC, " };
        match &key.field {
            SortField::Id => {
                qb.push("id").push(dir);
            }
            SortField::UpdatedAt => {
                qb.push("updated_at").push(dir);
            }
            SortField::Content(field) => {
                let path = json_path(field);
                // Missing or null: last, whatever the direction.
                qb.push("COALESCE(json_type(body, ")
                    .push_bind(path.clone())
                    .push("), 'null') = 'null' ASC, ");
                qb.push("CASE json_type(body, ")
                    .push_bind(path.clone())
                    .push(
                        ") WHEN 'integer' THEN 0 WHEN 'real' THEN 0 WHEN 'text' THEN 1 \
                         WHEN 'true' THEN 2 WHEN 'false' THEN 2 ELSE 3 END",
                    )
                    .push(dir);
                qb.push("CASE WHEN json_type(body, ")
                    .push_bind(path.clone())
                    .push(") IN ('integer', 'real', 'text', 'true', 'false') THEN json_extract(body, ")
                    .push_bind(path)
                    .push(") END")
                    .push(dir);
            }
        }
    }
    qb.push(if by_site { "+seq" } else { "seq" });
}

/// The whole list query: conditions, order, page.
pub(crate) fn list_query(org: &str, kind: &str, query: &ListQuery) -> Result<QueryBuilder<Sqlite>> {
    let mut qb = QueryBuilder::new(RECORD_COLUMNS);
    push_conditions(&mut qb, org, kind, query)?;
    push_order(&mut qb, &query.sort, query.sites.is_some());
    push_page(&mut qb, query.limit.unwrap_or(-1), query.offset);
    Ok(qb)
}

/// ` LIMIT n OFFSET m`, both bound. The limit is bound as `CAST(? AS
/// INTEGER)` rather than a bare `?`: SQLite peeks at a bare bound limit
/// while planning and then marks the statement to be prepared again
/// whenever that parameter is bound anew, which is every execution (about
/// 6% of the CPU of a list request, measured with perf). The cast hides the
/// value from the planner, so the cached statement is reused as is.
fn push_page(qb: &mut QueryBuilder<Sqlite>, limit: i64, offset: i64) {
    qb.push(" LIMIT CAST(")
        .push_bind(limit)
        .push(" AS INTEGER) OFFSET ")
        .push_bind(offset);
}

/// A page and its total in one statement that returns one row: the total,
/// and the page as one JSON array of `[kind, id, site, body, version,
/// updated_at, updated_by]` rows in the page's order, each body embedded
/// as JSON (`json(body)`), not as a string of JSON to be unescaped and
/// parsed again (SQLite 3.44's
/// ordered aggregate, on the page's own keys). One row, rather than
/// one per record, is what makes it cheap: sqlx hands each row over from
/// its SQLite thread on its own.
pub(crate) fn page_query(org: &str, kind: &str, query: &ListQuery) -> Result<QueryBuilder<Sqlite>> {
    let mut qb = QueryBuilder::new("SELECT (");
    push_total(&mut qb, org, kind, query)?;
    qb.push(
        "), (SELECT json_group_array(json_array(kind, id, site_id, json(body), version, updated_at, updated_by)",
    );
    // The aggregate's own order: the same keys as the page's.
    push_order(&mut qb, &query.sort, query.sites.is_some());
    qb.push(
        ") FROM (SELECT kind, id, site_id, body, version, updated_at, updated_by, seq FROM records",
    );
    push_conditions(&mut qb, org, kind, query)?;
    push_order(&mut qb, &query.sort, query.sites.is_some());
    push_page(&mut qb, query.limit.unwrap_or(-1), query.offset);
    qb.push("))");
    Ok(qb)
}

/// A page as rows, each with the page's total in its first column: for the
/// reader, which (unlike sqlx) fetches rows where it runs, so it needs no
/// JSON aggregate and SQLite does no JSON work at all. An empty page has no
/// row to carry the total: [`count_query`] then answers. It binds what
/// [`page_query`] binds, in the same order ([`page_params`]).
pub(crate) fn page_rows_query(
    org: &str,
    kind: &str,
    query: &ListQuery,
) -> Result<QueryBuilder<Sqlite>> {
    let mut qb = QueryBuilder::new("SELECT (");
    push_total(&mut qb, org, kind, query)?;
    qb.push("), kind, id, site_id, body, version, updated_at, updated_by FROM records");
    push_conditions(&mut qb, org, kind, query)?;
    push_order(&mut qb, &query.sort, query.sites.is_some());
    push_page(&mut qb, query.limit.unwrap_or(-1), query.offset);
    Ok(qb)
}

/// The values [`page_query`] and [`page_rows_query`] bind, in their order, for a page that
/// `reader::page_is_bounded` admits (no filters, no sort keys, every
/// site or one): the total's conditions, the page's, then limit and offset.
pub(crate) fn page_params(org: &str, kind: &str, query: &ListQuery) -> Vec<rusqlite::types::Value> {
    use rusqlite::types::Value;
    let mut conditions = vec![Value::Text(org.to_owned()), Value::Text(kind.to_owned())];
    if let Some([site]) = query.sites.as_deref() {
        conditions.push(Value::Text(site.as_str().to_owned()));
    }
    let mut params = conditions.clone();
    params.extend(conditions);
    params.push(Value::Integer(query.limit.unwrap_or(-1)));
    params.push(Value::Integer(query.offset));
    params
}

/// How many records `query` selects, its page aside.
pub(crate) fn count_query(
    org: &str,
    kind: &str,
    query: &ListQuery,
) -> Result<QueryBuilder<Sqlite>> {
    let mut qb = QueryBuilder::new("");
    push_total(&mut qb, org, kind, query)?;
    Ok(qb)
}

/// `SELECT` of how many records `query` selects, its page aside. Without
/// content filters the answer is a sum of the counts the triggers keep per
/// (organisation, kind, site) (schema 5): a few rows, not every record.
fn push_total(
    qb: &mut QueryBuilder<Sqlite>,
    org: &str,
    kind: &str,
    query: &ListQuery,
) -> Result<()> {
    if query.filters.is_empty() {
        qb.push("SELECT COALESCE(SUM(n), 0) FROM record_counts");
    } else {
        qb.push("SELECT COUNT(*) FROM records");
    }
    push_conditions(qb, org, kind, query)
}

/// Counts of the records `query` selects, grouped by content fields: each
/// field as its JSON text (`body -> ?`, `NULL` when missing), the path
/// bound as a parameter like every other.
pub(crate) fn count_by_query(
    org: &str,
    kind: &str,
    query: &ListQuery,
    group: &[FieldPath],
) -> Result<QueryBuilder<Sqlite>> {
    let mut qb = QueryBuilder::new("SELECT ");
    for field in group {
        qb.push("body -> ").push_bind(json_path(field)).push(", ");
    }
    qb.push("COUNT(*) FROM records");
    push_conditions(&mut qb, org, kind, query)?;
    if !group.is_empty() {
        qb.push(" GROUP BY ");
        for n in 1..=group.len() {
            if n > 1 {
                qb.push(", ");
            }
            // Ordinals of the result columns: constants of this module.
            qb.push(n.to_string());
        }
    }
    Ok(qb)
}

/// A page of the audit log, newest first: only the conditions asked for are
/// written, so that SQLite can use the index on (org, kind, entity, seq).
pub(crate) fn audit_page_query(q: &rampart_store::AuditQuery) -> QueryBuilder<Sqlite> {
    // Constant column lists only: which one is chosen by a flag.
    let mut qb = QueryBuilder::new(if q.without_content {
        "SELECT seq, at, actor, action, org_id, kind, entity_id, NULL AS before, NULL AS after, prev_hash, hash \
         FROM audit_log WHERE 1 = 1"
    } else {
        "SELECT seq, at, actor, action, org_id, kind, entity_id, before, after, prev_hash, hash \
         FROM audit_log WHERE 1 = 1"
    });
    if let Some(org) = &q.org {
        qb.push(" AND org_id = ").push_bind(org.as_str().to_owned());
    }
    if let Some(kind) = &q.kind {
        qb.push(" AND kind = ").push_bind(kind.clone());
    }
    if let Some(entity) = &q.entity_id {
        qb.push(" AND entity_id = ").push_bind(entity.clone());
    }
    if let Some(actor) = &q.actor {
        qb.push(" AND actor = ").push_bind(actor.clone());
    }
    if let Some(before) = q.before {
        qb.push(" AND seq < ").push_bind(before);
    }
    qb.push(" ORDER BY seq DESC LIMIT CAST(")
        .push_bind(q.limit.max(0))
        .push(" AS INTEGER)");
    qb
}

/// The columns of an audit entry, in [`audit_page_query`]'s order.
pub(crate) type AuditRow = (
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
);

pub(crate) fn audit_entry(
    (seq, at, actor, action, org, kind, entity_id, before, after, prev_hash, hash): AuditRow,
) -> rampart_store::AuditEntry {
    rampart_store::AuditEntry {
        seq,
        at,
        actor,
        action,
        org,
        kind,
        entity_id,
        before,
        after,
        prev_hash,
        hash,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_their_wildcards() {
        assert_eq!(like_pattern("a%b_c\\d"), "%a\\%b\\_c\\\\d%");
    }

    #[test]
    fn paths_are_bound_never_written_into_the_sql() {
        let q = ListQuery {
            filters: vec![FieldFilter {
                field: FieldPath::new("owner").expect("path"),
                value: FilterValue::Text("x' OR 1=1 --".into()),
                op: FilterOp::Eq,
            }],
            sort: vec![SortKey {
                field: SortField::Content(FieldPath::new("assessment.method").expect("path")),
                descending: true,
            }],
            ..ListQuery::all()
        };
        let sql = list_query("o", "asset", &q).expect("query").into_string();
        assert!(
            !sql.contains("owner") && !sql.contains("assessment") && !sql.contains("OR 1=1"),
            "{sql}"
        );
    }

    /// The reader binds `page_params` to `page_rows_query`'s text (and the
    /// first half of them to `count_query`'s): every shape
    /// it admits must have exactly as many values as placeholders.
    #[test]
    fn page_params_match_the_page_query_placeholders() {
        let site = rampart_domain::Id::new("dc").expect("id");
        for sites in [None, Some(vec![site])] {
            let q = ListQuery {
                sites,
                limit: Some(50),
                offset: 100,
                ..ListQuery::all()
            };
            assert!(crate::reader::page_is_bounded(&q));
            let params = page_params("org", "risk", &q).len();
            let page = page_rows_query("org", "risk", &q).expect("query");
            assert_eq!(page.sql().as_str().matches('?').count(), params, "{q:?}");
            // The total alone: the first half of the conditions.
            let count = count_query("org", "risk", &q).expect("query");
            assert_eq!(
                count.sql().as_str().matches('?').count(),
                (params - 2) / 2,
                "{q:?}"
            );
        }
    }
}
