//! Lists with filters and sort keys, and counts: the queries whose shape
//! depends on the request, so they are built at run time with
//! [`QueryBuilder`].
//!
//! Every value goes in as a bound parameter, the JSON path of a field
//! included (`body #> $n::text[]` with the names bound as a text array). The
//! only words written into the SQL are constants of this module and the
//! `ASC` / `DESC` of a sort key; nothing a user typed is ever concatenated.
//! Text is compared and ordered `COLLATE "C"` (by bytes), whatever the
//! database's collation, so that both backends agree.
//!
//! Semantics (the same as the SQLite backend's, and the conformance suite's
//! in-memory oracle):
//! - a text value matches only JSON strings, a number only JSON numbers
//!   (compared numerically, as `float8`), a boolean only JSON booleans;
//! - `Contains` needs the field to be an array with an element equal to the
//!   value; `Like` is a substring match ignoring ASCII case, on strings;
//! - `AtLeast` / `AtMost` order numbers numerically and text by bytes;
//!   with a boolean value, and `Like` with a non-text value, match nothing;
//! - a content sort key puts records lacking the field (or holding `null`)
//!   last in both directions; present values order numbers first, then
//!   text, then booleans, then lists and objects (equal among themselves);
//!   the direction reverses that order. Creation order breaks every tie.

use rampart_store::{
    AuditEntry, AuditQuery, FieldFilter, FieldPath, FilterOp, FilterValue, ListQuery, SortField,
    SortKey,
};
use sqlx::{Postgres, QueryBuilder};

pub(crate) use rampart_store::RecordRow;

pub(crate) const RECORD_COLUMNS: &str =
    "SELECT kind, id, site_id, body::text, version, updated_at, updated_by FROM records";

/// The names of a field's path, bound as a `text[]` for `#>` and `#>>`.
fn json_path(field: &FieldPath) -> Vec<String> {
    field.names().map(str::to_owned).collect()
}

/// Push `(body #> $n::text[])`: the field as JSONB, `NULL` when missing.
fn push_field(qb: &mut QueryBuilder<Postgres>, path: &[String]) {
    qb.push("(body #> ")
        .push_bind(path.to_vec())
        .push("::text[])");
}

/// Push `(body #>> $n::text[])`: the field as text.
fn push_field_text(qb: &mut QueryBuilder<Postgres>, path: &[String]) {
    qb.push("(body #>> ")
        .push_bind(path.to_vec())
        .push("::text[])");
}

fn push_type(qb: &mut QueryBuilder<Postgres>, path: &[String]) {
    qb.push("jsonb_typeof");
    push_field(qb, path);
}

/// The field as `float8` when it is a JSON number, else `NULL`. A `CASE`,
/// because PostgreSQL does not promise to evaluate an `AND` left to right,
/// and the cast of a string would fail.
fn push_number(qb: &mut QueryBuilder<Postgres>, path: &[String]) {
    qb.push("(CASE WHEN ");
    push_type(qb, path);
    qb.push(" = 'number' THEN ");
    push_field_text(qb, path);
    qb.push("::float8 END)");
}

/// `%value%` for `LIKE` (whose escape character is `\`), lower-cased in
/// ASCII, with the pattern characters of the value escaped.
fn like_pattern(value: &str) -> String {
    let mut p = String::with_capacity(value.len() + 2);
    p.push('%');
    for c in value.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c.to_ascii_lowercase());
    }
    p.push('%');
    p
}

/// ASCII lower-casing in SQL, whatever the collation: `lower()` would also
/// fold non-ASCII letters, which SQLite's `LIKE` does not.
const ASCII_LOWER: &str = ", 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')";

/// ` WHERE ...` for the records of `(org, kind)` that `query` selects.
pub(crate) fn push_conditions(
    qb: &mut QueryBuilder<Postgres>,
    org: &str,
    kind: &str,
    query: &ListQuery,
) {
    qb.push(" WHERE org_id = ")
        .push_bind(org.to_owned())
        .push(" AND kind = ")
        .push_bind(kind.to_owned());
    match query.sites.as_deref() {
        None => {}
        // One site (the common case): a plain equality, so that the page
        // walks records_by_site_seq in order and stops after its rows.
        Some([site]) => {
            qb.push(" AND site_id = ")
                .push_bind(site.as_str().to_owned());
        }
        Some(sites) => {
            let sites: Vec<String> = sites.iter().map(ToString::to_string).collect();
            qb.push(" AND site_id = ANY(")
                .push_bind(sites)
                .push("::text[])");
        }
    }
    for f in &query.filters {
        qb.push(" AND ");
        push_filter(qb, f);
    }
}

fn push_filter(qb: &mut QueryBuilder<Postgres>, f: &FieldFilter) {
    let path = json_path(&f.field);
    match (f.op, &f.value) {
        (FilterOp::In, FilterValue::List(values)) => {
            if values.is_empty() {
                qb.push("FALSE");
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
            qb.push("FALSE");
        }
        (FilterOp::Eq, FilterValue::Text(v)) => {
            push_field(qb, &path);
            qb.push(" = to_jsonb(").push_bind(v.clone()).push("::text)");
        }
        (FilterOp::Eq, FilterValue::Number(v)) => {
            push_number(qb, &path);
            qb.push(" = ").push_bind(*v).push("::float8");
        }
        (FilterOp::Eq, FilterValue::Bool(b)) => {
            push_field(qb, &path);
            qb.push(" = to_jsonb(").push_bind(*b).push("::boolean)");
        }
        (FilterOp::Contains, value) => {
            qb.push("(");
            push_type(qb, &path);
            qb.push(" = 'array' AND ");
            push_field(qb, &path);
            qb.push(" @> jsonb_build_array(");
            match value {
                FilterValue::Text(v) => qb.push_bind(v.clone()).push("::text"),
                FilterValue::Number(v) => qb.push_bind(*v).push("::float8"),
                FilterValue::Bool(b) => qb.push_bind(*b).push("::boolean"),
                // Not reached: a list value is answered above.
                FilterValue::List(_) => qb.push("NULL"),
            };
            qb.push("))");
        }
        (FilterOp::Like, FilterValue::Text(v)) => {
            qb.push("(");
            push_type(qb, &path);
            qb.push(" = 'string' AND translate(");
            push_field_text(qb, &path);
            qb.push(ASCII_LOWER)
                .push(" LIKE ")
                .push_bind(like_pattern(v))
                .push("::text)");
        }
        (FilterOp::AtLeast | FilterOp::AtMost, FilterValue::Text(v)) => {
            qb.push("(");
            push_type(qb, &path);
            qb.push(" = 'string' AND ");
            push_field_text(qb, &path);
            qb.push(" COLLATE \"C\"")
                .push(comparison(f.op))
                .push_bind(v.clone())
                .push("::text)");
        }
        (FilterOp::AtLeast | FilterOp::AtMost, FilterValue::Number(v)) => {
            push_number(qb, &path);
            qb.push(comparison(f.op)).push_bind(*v).push("::float8");
        }
        (FilterOp::Like, _) | (FilterOp::AtLeast | FilterOp::AtMost, FilterValue::Bool(_)) => {
            qb.push("FALSE");
        }
    }
}

fn comparison(op: FilterOp) -> &'static str {
    if op == FilterOp::AtMost {
        " <= "
    } else {
        " >= "
    }
}

/// ` ORDER BY ...` for `sort`, creation order last.
pub(crate) fn push_order(qb: &mut QueryBuilder<Postgres>, sort: &[SortKey]) {
    qb.push(" ORDER BY ");
    for key in sort {
        let dir = if key.descending { " DESC, " } else { " ASC, " };
        match &key.field {
            SortField::Id => {
                qb.push("id COLLATE \"C\"").push(dir);
            }
            SortField::UpdatedAt => {
                qb.push("updated_at COLLATE \"C\"").push(dir);
            }
            SortField::Content(field) => {
                let path = json_path(field);
                // Missing or null: last, whatever the direction.
                qb.push("COALESCE(");
                push_type(qb, &path);
                qb.push(", 'null') = 'null' ASC, CASE ");
                push_type(qb, &path);
                qb.push(
                    " WHEN 'number' THEN 0 WHEN 'string' THEN 1 WHEN 'boolean' THEN 2 ELSE 3 END",
                )
                .push(dir);
                push_number(qb, &path);
                qb.push(dir).push("(CASE WHEN ");
                push_type(qb, &path);
                qb.push(" IN ('string', 'boolean') THEN ");
                push_field_text(qb, &path);
                qb.push(" END) COLLATE \"C\"").push(dir);
            }
        }
    }
    qb.push("seq");
}

/// The whole list query: conditions, order, page.
pub(crate) fn list_query(org: &str, kind: &str, query: &ListQuery) -> QueryBuilder<Postgres> {
    if query.sort.is_empty() && query.filters.is_empty() {
        // A page in creation order, by a deferred join: the page's
        // sequence numbers first, read from records_by_kind (or
        // records_by_site_seq) alone, then those rows. Asked for the rows
        // directly, the planner may walk the primary key (seq) and filter,
        // believing a kind's records spread evenly over it; after a bulk
        // import they are one block, maybe 200,000 rows in.
        let mut qb = QueryBuilder::new(RECORD_COLUMNS);
        push_page_by_seq(&mut qb, org, kind, query);
        return qb;
    }
    let mut qb = QueryBuilder::new(RECORD_COLUMNS);
    push_conditions(&mut qb, org, kind, query);
    push_order(&mut qb, &query.sort);
    qb.push(" LIMIT ")
        .push_bind(query.limit)
        .push(" OFFSET ")
        .push_bind(query.offset);
    qb
}

/// One page in creation order, each row with the page's total in its first
/// column: one statement, one round trip, one connection. An empty page
/// has no row to carry the total: [`count_query`] then answers. Only for
/// queries without sort keys: their order is `seq`.
pub(crate) fn page_query(org: &str, kind: &str, query: &ListQuery) -> QueryBuilder<Postgres> {
    let mut qb = QueryBuilder::new("SELECT (");
    push_total(&mut qb, org, kind, query);
    qb.push("), kind, id, site_id, body::text, version, updated_at, updated_by FROM records");
    push_page_by_seq(&mut qb, org, kind, query);
    qb
}

/// ` WHERE seq IN (the page's seqs) ORDER BY seq`: the deferred join of a
/// page in creation order (see [`list_query`]).
fn push_page_by_seq(qb: &mut QueryBuilder<Postgres>, org: &str, kind: &str, query: &ListQuery) {
    qb.push(" WHERE seq IN (SELECT seq FROM records");
    push_conditions(qb, org, kind, query);
    qb.push(" ORDER BY seq LIMIT ")
        .push_bind(query.limit)
        .push(" OFFSET ")
        .push_bind(query.offset)
        .push(") ORDER BY seq");
}

/// Counts of the records `query` selects, grouped by content fields: each
/// field as its JSON text (`NULL` when missing), the path bound as a
/// parameter like every other.
pub(crate) fn count_by_query(
    org: &str,
    kind: &str,
    query: &ListQuery,
    group: &[FieldPath],
) -> QueryBuilder<Postgres> {
    let mut qb = QueryBuilder::new("SELECT ");
    for field in group {
        push_field(&mut qb, &json_path(field));
        qb.push("::text, ");
    }
    qb.push("COUNT(*) FROM records");
    push_conditions(&mut qb, org, kind, query);
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
    qb
}

/// How many records `query` selects, its page aside. Without content
/// filters the answer is a sum of the counts the triggers keep per
/// (organisation, kind, site) (schema 5): a few rows, not every record.
pub(crate) fn count_query(org: &str, kind: &str, query: &ListQuery) -> QueryBuilder<Postgres> {
    let mut qb = QueryBuilder::new("");
    push_total(&mut qb, org, kind, query);
    qb
}

fn push_total(qb: &mut QueryBuilder<Postgres>, org: &str, kind: &str, query: &ListQuery) {
    qb.push(if query.filters.is_empty() {
        "SELECT COALESCE(SUM(n), 0)::int8 FROM record_counts"
    } else {
        "SELECT COUNT(*) FROM records"
    });
    push_conditions(qb, org, kind, query);
}

/// A page of the audit log, newest first: only the conditions asked for are
/// written, so that the index on (org, kind, entity, seq) can serve them.
pub(crate) fn audit_page_query(q: &AuditQuery) -> QueryBuilder<Postgres> {
    // Constant column lists only: which one is chosen by a flag.
    let mut qb = QueryBuilder::new(if q.without_content {
        "SELECT seq, at, actor, action, org_id, kind, entity_id, NULL::text AS before, NULL::text AS after, prev_hash, hash \
         FROM audit_log WHERE TRUE"
    } else {
        "SELECT seq, at, actor, action, org_id, kind, entity_id, before, after, prev_hash, hash \
         FROM audit_log WHERE TRUE"
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
    qb.push(" ORDER BY seq DESC LIMIT ")
        .push_bind(q.limit.max(0));
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
) -> AuditEntry {
    AuditEntry {
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
    fn like_patterns_escape_their_wildcards_and_fold_ascii() {
        assert_eq!(like_pattern("A%b_C\\d"), "%a\\%b\\_c\\\\d%");
        assert_eq!(like_pattern("Éa"), "%Éa%");
    }

    #[test]
    fn paths_and_values_are_bound_never_written_into_the_sql() {
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
        let sql = list_query("o", "asset", &q).into_string();
        assert!(
            !sql.contains("owner") && !sql.contains("assessment") && !sql.contains("OR 1=1"),
            "{sql}"
        );
    }
}
