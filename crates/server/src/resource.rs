//! The REST resources: one generic implementation of list / get / create /
//! update / delete, and a small table per kind of record.
//!
//! A [`Resource`] ties a kind of domain entity to its API body (a type of
//! `dto`, never the domain type itself) and says which list filters and
//! sort keys it offers. The same table drives the router and the OpenAPI
//! document (`openapi`), so every route is documented and documented
//! routes exist.
//!
//! Every handler checks, in order: authentication, the role's permission
//! on the kind, the site scope of the record (404 for a site the user may
//! not see, 403 for creating or moving a record into one), the body (400
//! malformed, 422 invalid, with the field), the references (they must exist
//! on visible sites, and sit on the record's own site), and finally the
//! store's version check (409).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rampart_domain::{Entity, EntityKind, Id};
use rampart_store::{
    FieldFilter, FieldPath, FilterOp, FilterValue, Invariant, ListQuery, SortField, SortKey,
    StoredRecord,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::ToSchema;

use crate::access::{self, Action};
use crate::auth::Principal;
use crate::problem::{ApiResult, FieldError, Problem};
use crate::state::AppState;
use crate::users;

/// How a list filter compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterKind {
    /// Equal text (ids, enum values).
    Text,
    /// A list field that holds the value.
    ListHolds,
    /// Case-insensitive substring of a text field.
    Search,
    /// A number at least the value (`min_value=7`).
    NumberAtLeast,
    /// A number at most the value.
    NumberAtMost,
    /// true / false.
    Bool,
}

/// A query parameter of a list endpoint that filters on a content field.
#[derive(Debug, Clone, Copy)]
pub struct Filter {
    /// The query parameter.
    pub param: &'static str,
    /// The content field it filters on (dot path).
    pub field: &'static str,
    pub kind: FilterKind,
    pub doc: &'static str,
}

/// A kind of record exposed under `/api/v1/{path}`.
pub trait Resource: Send + Sync + 'static {
    type Entity: Entity;
    /// What the API reads and writes: the wire contract, kept apart from the
    /// domain type so that either can change without breaking the other
    /// unnoticed (a test round-trips the demo organisation through both).
    type Body: Serialize + DeserializeOwned + ToSchema + Send + 'static;

    /// The URL segment (`assets`, `risk-scenarios`).
    const PATH: &'static str;
    /// A singular noun for messages and the document (`asset`).
    const NOUN: &'static str;
    const FILTERS: &'static [Filter] = &[];
    /// Content fields the list may sort by, besides `id` and `updated_at`.
    const SORTS: &'static [&'static str] = &[];

    fn to_body(entity: &Self::Entity) -> Self::Body;
    fn from_body(body: Self::Body) -> Result<Self::Entity, Vec<FieldError>>;

    /// Whether [`Resource::scoped`] may hide anything. When it may not, a
    /// stored record becomes its body in one step (the body mirrors the
    /// stored JSON, which the domain checked when it was written) instead
    /// of through the domain entity and back.
    const HIDES: bool = false;

    /// Hide from `principal` what belongs to sites they may not see (a
    /// threat's ratings of other sites). Default: nothing to hide.
    fn scoped(entity: Self::Entity, _principal: &Principal) -> Self::Entity {
        entity
    }

    /// On update, put back what [`Resource::scoped`] hid, so a scoped user's
    /// edit does not erase other sites' data. Default: nothing hidden.
    fn merge_hidden(
        new: Self::Entity,
        _old: &Self::Entity,
        _principal: &Principal,
    ) -> Self::Entity {
        new
    }
}

/// Converting through JSON: API bodies mirror the domain's JSON shape, so
/// the conversion is exact when the shapes agree, and a field the domain
/// refuses (a rating of 11) is reported with serde's message.
pub fn via_json<A: Serialize, B: DeserializeOwned>(a: &A) -> Result<B, Vec<FieldError>> {
    let v = serde_json::to_value(a).map_err(|e| {
        vec![FieldError {
            field: "/".to_owned(),
            message: e.to_string(),
        }]
    })?;
    serde_json::from_value(v).map_err(|e| {
        vec![FieldError {
            field: "/".to_owned(),
            message: e.to_string(),
        }]
    })
}

/// A stored record as the API sends it: its body and its version.
#[derive(Debug, Serialize)]
pub struct Versioned<B> {
    #[serde(flatten)]
    pub body: B,
    pub version: i64,
    pub updated_at: String,
    pub updated_by: String,
}

/// A page of a list.
#[derive(Debug, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub limit: i64,
    pub offset: i64,
    /// The offset of the next page, or null on the last.
    pub next_offset: Option<i64>,
    /// How many match, across all pages.
    pub total: i64,
}

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;

/// Parse a list request's query string against what the resource offers.
pub fn list_query<R: Resource>(
    principal: &Principal,
    params: &BTreeMap<String, String>,
) -> ApiResult<ListQuery> {
    let mut q = ListQuery {
        sites: access::visible_sites(&principal.user),
        limit: Some(DEFAULT_LIMIT),
        ..ListQuery::default()
    };
    for (name, value) in params {
        match name.as_str() {
            "limit" => {
                let n: i64 = value
                    .parse()
                    .ok()
                    .filter(|n| (1..=MAX_LIMIT).contains(n))
                    .ok_or_else(|| {
                        Problem::bad_request(format!(
                            "limit must be a whole number from 1 to {MAX_LIMIT}, got {value:?}"
                        ))
                    })?;
                q.limit = Some(n);
            }
            "offset" => {
                q.offset = value
                    .parse()
                    .ok()
                    .filter(|n: &i64| (0..=1_000_000_000).contains(n))
                    .ok_or_else(|| {
                        Problem::bad_request(format!(
                            "offset must be a whole number of 0 or more, got {value:?}"
                        ))
                    })?;
            }
            "site" => {
                let site = Id::new(value.as_str())
                    .map_err(|e| Problem::bad_request(format!("site: {e}")))?;
                // A site the user may not see lists nothing, as if empty.
                q.sites = Some(match q.sites.take() {
                    None => vec![site],
                    Some(v) if v.contains(&site) => vec![site],
                    Some(_) => Vec::new(),
                });
            }
            "sort" => q.sort = sort_keys::<R>(value)?,
            _ => {
                let Some(f) = R::FILTERS.iter().find(|f| f.param == name) else {
                    return Err(Problem::bad_request(format!(
                        "unknown query parameter {name:?}; this list takes limit, offset, site, sort{}",
                        R::FILTERS
                            .iter()
                            .map(|f| format!(", {}", f.param))
                            .collect::<String>()
                    )));
                };
                // Who works at a site the user may not see is not theirs
                // to learn: such a filter matches nothing (ids are never empty).
                if f.kind == FilterKind::ListHolds
                    && f.field == "sites"
                    && Id::new(value.as_str()).is_ok_and(|s| !principal.may_see_site(&s))
                {
                    q.filters.push(FieldFilter {
                        field: FieldPath::new("id")
                            .map_err(|e| Problem::internal("a filter", e))?,
                        value: FilterValue::Text(String::new()),
                        op: FilterOp::Eq,
                    });
                    continue;
                }
                q.filters.push(filter(f, value)?);
            }
        }
    }
    Ok(q)
}

fn filter(f: &Filter, value: &str) -> ApiResult<FieldFilter> {
    let field = FieldPath::new(f.field).map_err(|e| Problem::internal("a filter table", e))?;
    let bad = |what: &str| Problem::bad_request(format!("{}: {what}, got {value:?}", f.param));
    if value.len() > 256 {
        return Err(bad("at most 256 characters"));
    }
    let (op, value) = match f.kind {
        FilterKind::Text => (FilterOp::Eq, FilterValue::Text(value.to_owned())),
        FilterKind::ListHolds => (FilterOp::Contains, FilterValue::Text(value.to_owned())),
        FilterKind::Search => (FilterOp::Like, FilterValue::Text(value.to_owned())),
        FilterKind::NumberAtLeast | FilterKind::NumberAtMost => {
            let n: f64 = value
                .parse()
                .ok()
                .filter(|n: &f64| n.is_finite())
                .ok_or_else(|| bad("a number"))?;
            let op = if f.kind == FilterKind::NumberAtLeast {
                FilterOp::AtLeast
            } else {
                FilterOp::AtMost
            };
            (op, FilterValue::Number(n))
        }
        FilterKind::Bool => match value {
            "true" => (FilterOp::Eq, FilterValue::Bool(true)),
            "false" => (FilterOp::Eq, FilterValue::Bool(false)),
            _ => return Err(bad("true or false")),
        },
    };
    Ok(FieldFilter { field, value, op })
}

fn sort_keys<R: Resource>(value: &str) -> ApiResult<Vec<SortKey>> {
    let mut keys = Vec::new();
    for part in value.split(',') {
        let (descending, name) = match part.strip_prefix('-') {
            Some(n) => (true, n),
            None => (false, part),
        };
        let field = match name {
            "id" => SortField::Id,
            "updated_at" => SortField::UpdatedAt,
            n if R::SORTS.contains(&n) => SortField::Content(
                FieldPath::new(n).map_err(|e| Problem::internal("a sort table", e))?,
            ),
            _ => {
                return Err(Problem::bad_request(format!(
                    "cannot sort by {name:?}; sort by id, updated_at{} (prefix - for descending)",
                    R::SORTS
                        .iter()
                        .map(|s| format!(", {s}"))
                        .collect::<String>()
                )));
            }
        };
        keys.push(SortKey { field, descending });
    }
    if keys.len() > 3 {
        return Err(Problem::bad_request("sort by at most 3 keys"));
    }
    Ok(keys)
}

pub(crate) fn require(principal: &Principal, kind: EntityKind, action: Action) -> ApiResult<()> {
    if kind == EntityKind::User && !principal.user.all_sites {
        return Err(Problem::forbidden(
            "accounts are managed by an administrator with access to every site",
        ));
    }
    if access::allows(principal.user.role, kind, action) {
        Ok(())
    } else {
        let verb = match action {
            Action::Read => "read",
            Action::Write => "change",
            Action::Delete => "delete",
        };
        Err(Problem::forbidden(format!(
            "a {} may not {verb} {} records",
            access::role_label(principal.user.role).to_lowercase(),
            kind.as_str().replace('_', " ")
        )))
    }
}

fn not_found<R: Resource>(id: &str) -> Problem {
    Problem::not_found(format!("there is no {} {id:?}", R::NOUN))
}

fn parse_id<R: Resource>(id: &str) -> ApiResult<Id> {
    // An id that cannot exist is simply not found.
    Id::new(id).map_err(|_| not_found::<R>(id))
}

/// The record, if it exists and is on a site the principal may see.
async fn visible<R: Resource>(
    state: &AppState,
    principal: &Principal,
    id: &Id,
) -> ApiResult<StoredRecord> {
    visible_record(state, principal, R::Entity::KIND, id, R::NOUN).await
}

/// The record, if it exists and is on a site the principal may see;
/// otherwise not found, whichever it is, so scoping leaks nothing.
async fn visible_record(
    state: &AppState,
    principal: &Principal,
    kind: EntityKind,
    id: &Id,
    noun: &str,
) -> ApiResult<StoredRecord> {
    let missing = || Problem::not_found(format!("there is no {noun} {:?}", id.as_str()));
    let rec = state
        .store()
        .get_record(&principal.org, kind, id)
        .await?
        .ok_or_else(missing)?;
    if let Some(site) = &rec.site
        && !principal.may_see_site(site)
    {
        return Err(missing());
    }
    Ok(rec)
}

/// The last step of every update: the engine's check of the model as it
/// will be stored, the account rules for a user (`users`), then the
/// store's version check. `old` is the record as it was read.
async fn store_update<E: Entity>(
    state: &AppState,
    principal: &Principal,
    entity: &E,
    old: &StoredRecord,
    version: i64,
) -> ApiResult<rampart_store::Stored<E>> {
    let value = serde_json::to_value(entity).unwrap_or_default();
    (state.check_model)(E::KIND, &value).map_err(Problem::invalid)?;
    if E::KIND == EntityKind::AcceptancePlan {
        let old_plan: rampart_domain::AcceptancePlan = old.clone().decode()?.value;
        let new_plan: rampart_domain::AcceptancePlan = serde_json::from_value(value.clone())
            .map_err(|e| Problem::internal("reading a plan back", e))?;
        acceptance_change(principal, Some(&old_plan), &new_plan)?;
    }
    let accounts = if E::KIND == EntityKind::User {
        let old_user: rampart_domain::User = old.clone().decode()?.value;
        let new_user: rampart_domain::User = serde_json::from_value(value)
            .map_err(|e| Problem::internal("reading a user back", e))?;
        users::check_change(state, &principal.org, &old_user, &new_user).await?;
        Some((old_user, new_user))
    } else {
        None
    };
    let rule = Invariant {
        kind: EntityKind::User,
        holds: &users::last_admin_rule,
    };
    let invariant = accounts
        .as_ref()
        .is_some_and(|(o, n)| users::needs_last_admin_rule(o, n))
        .then_some(&rule);
    let record = rampart_store::Record::from_entity(entity)?;
    let stored = state
        .store()
        .update_record(
            &principal.actor(),
            &principal.org,
            &record,
            version,
            invariant,
        )
        .await?
        .decode()?;
    if let Some((old_user, new_user)) = accounts {
        users::after_change(state, &principal.org, &old_user, &new_user).await?;
    }
    Ok(stored)
}

fn to_versioned<R: Resource>(
    rec: StoredRecord,
    principal: &Principal,
) -> ApiResult<Versioned<R::Body>> {
    if !R::HIDES {
        let body: R::Body = serde_json::from_value(rec.body).map_err(|e| {
            Problem::from(rampart_store::StoreError::Corrupt {
                kind: rec.kind,
                id: rec.id.to_string(),
                reason: e.to_string(),
            })
        })?;
        return Ok(Versioned {
            body,
            version: rec.version,
            updated_at: rec.updated_at,
            updated_by: rec.updated_by,
        });
    }
    let stored = rec.decode::<R::Entity>()?;
    Ok(Versioned {
        body: R::to_body(&R::scoped(stored.value, principal)),
        version: stored.version,
        updated_at: stored.updated_at,
        updated_by: stored.updated_by,
    })
}

fn with_etag(status: StatusCode, v: &Versioned<impl Serialize>) -> Response {
    let mut res = (status, Json(v)).into_response();
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{}\"", v.version)) {
        res.headers_mut().insert(header::ETAG, etag);
    }
    res
}

pub async fn list<R: Resource>(
    State(state): State<AppState>,
    principal: Principal,
    Query(params): Query<BTreeMap<String, String>>,
) -> ApiResult<Json<Page<Versioned<R::Body>>>> {
    require(&principal, R::Entity::KIND, Action::Read)?;
    let q = list_query::<R>(&principal, &params)?;
    list_page::<R>(&state, &principal, q).await.map(Json)
}

/// One page of a list, for the API and the pages alike.
pub async fn list_page<R: Resource>(
    state: &AppState,
    principal: &Principal,
    q: ListQuery,
) -> ApiResult<Page<Versioned<R::Body>>> {
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if q.sites.as_ref().is_some_and(Vec::is_empty) && site_scoped(R::Entity::KIND) {
        return Ok(Page {
            items: Vec::new(),
            limit,
            offset: q.offset,
            next_offset: None,
            total: 0,
        });
    }
    let mut q = q;
    if !site_scoped(R::Entity::KIND) {
        q.sites = None;
    }
    let (records, total) = state
        .store()
        .page_records(&principal.org, R::Entity::KIND, &q)
        .await?;
    let items = records
        .into_iter()
        .map(|r| to_versioned::<R>(r, principal))
        .collect::<ApiResult<Vec<_>>>()?;
    let end = q.offset + items.len() as i64;
    Ok(Page {
        next_offset: (end < total).then_some(end),
        items,
        limit,
        offset: q.offset,
        total,
    })
}

/// Kinds whose records belong to one site (and are scoped by it).
pub fn site_scoped(kind: EntityKind) -> bool {
    !matches!(
        kind,
        EntityKind::Threat
            | EntityKind::Control
            | EntityKind::Framework
            | EntityKind::Person
            | EntityKind::User
    )
}

pub async fn get<R: Resource>(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    require(&principal, R::Entity::KIND, Action::Read)?;
    let id = parse_id::<R>(&id)?;
    let rec = visible::<R>(&state, &principal, &id).await?;
    Ok(with_etag(
        StatusCode::OK,
        &to_versioned::<R>(rec, &principal)?,
    ))
}

/// The body of a create or update, parsed with errors a client can act on.
fn parse_body<R: Resource>(body: Result<Json<R::Body>, JsonRejection>) -> ApiResult<R::Entity> {
    let Json(body) = body.map_err(json_problem)?;
    let entity = R::from_body(body).map_err(Problem::invalid)?;
    check_fields(&entity)?;
    Ok(entity)
}

/// A body axum could not read, as a problem that says why.
pub fn json_problem(rejection: JsonRejection) -> Problem {
    match rejection {
        JsonRejection::JsonDataError(e) => Problem::field(
            "/",
            format!("the body does not match the schema: {}", e.body_text()),
        ),
        JsonRejection::JsonSyntaxError(e) => {
            Problem::bad_request(format!("the body is not valid JSON: {}", e.body_text()))
        }
        JsonRejection::MissingJsonContentType(_) => {
            let mut p = Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "send the body as JSON with Content-Type: application/json",
            );
            p.kind = "https://rampart.invalid/problems/unsupported-media-type".to_owned();
            p
        }
        JsonRejection::BytesRejection(e) => {
            let status = e.status();
            if status == StatusCode::PAYLOAD_TOO_LARGE {
                Problem::new(status, "the body is larger than this server accepts")
            } else {
                Problem::bad_request(format!("the body could not be read: {}", e.body_text()))
            }
        }
        other => Problem::bad_request(other.body_text()),
    }
}

/// Scope and reference checks for a record about to be written.
async fn check_write<E: Entity>(
    state: &AppState,
    principal: &Principal,
    entity: &E,
) -> ApiResult<()> {
    if let Some(site) = entity.site()
        && E::KIND != EntityKind::Site
        && !principal.may_see_site(site)
    {
        return Err(Problem::forbidden(format!(
            "you have no access to site {site:?}"
        )));
    }
    let mut errors = matrix_levels(state, principal, entity).await?;
    for r in entity.references() {
        let missing = || FieldError {
            field: format!("/{}", r.field.replace('.', "/")),
            message: format!(
                "refers to {} {:?}, which does not exist",
                r.kind.as_str().replace('_', " "),
                r.id.as_str()
            ),
        };
        let target = state
            .store()
            .get_record(&principal.org, r.kind, r.id)
            .await?;
        let Some(target) = target else {
            errors.push(missing());
            continue;
        };
        // Another site's record is as good as absent for a scoped user.
        if let Some(ts) = &target.site
            && !principal.may_see_site(ts)
        {
            errors.push(missing());
            continue;
        }
        if let (Some(own), Some(ts)) = (entity.site(), &target.site)
            && own != ts
            && r.kind != EntityKind::Site
        {
            errors.push(FieldError {
                field: format!("/{}", r.field.replace('.', "/")),
                message: format!(
                    "{} {:?} is on site {:?}, not on {:?}",
                    r.kind.as_str().replace('_', " "),
                    r.id.as_str(),
                    ts.as_str(),
                    own.as_str()
                ),
            });
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Problem::invalid(errors))
    }
}

/// A matrix-assessed risk's likelihood and impact must lie on the
/// organisation's scales (what `OrgDocument::validate` checks for files).
async fn matrix_levels<E: Entity>(
    state: &AppState,
    principal: &Principal,
    entity: &E,
) -> ApiResult<Vec<FieldError>> {
    if E::KIND != EntityKind::Risk {
        return Ok(Vec::new());
    }
    let v = serde_json::to_value(entity).unwrap_or_default();
    let a = &v["assessment"];
    if a["method"] != "matrix" {
        return Ok(Vec::new());
    }
    let Some(org) = state.store().organisation(&principal.org).await? else {
        return Ok(Vec::new());
    };
    let scales = &org.value.risk_matrix;
    let mut errors = Vec::new();
    for stage in ["inherent", "current", "residual"] {
        for (axis, levels) in [
            ("likelihood", &scales.likelihood),
            ("impact", &scales.impact),
        ] {
            if let Some(n) = a[stage][axis].as_u64()
                && !(1..=levels.len() as u64).contains(&n)
            {
                errors.push(FieldError {
                    field: format!("/assessment/{stage}/{axis}"),
                    message: format!(
                        "the organisation's {axis} scale has levels 1 to {}, got {n}",
                        levels.len()
                    ),
                });
            }
        }
    }
    Ok(errors)
}

pub async fn create<R: Resource>(
    State(state): State<AppState>,
    principal: Principal,
    body: Result<Json<R::Body>, JsonRejection>,
) -> ApiResult<Response> {
    // The role first: a viewer learns nothing about what a body would need.
    require(&principal, R::Entity::KIND, Action::Write)?;
    let entity = parse_body::<R>(body)?;
    let stored = create_entity(&state, &principal, &entity).await?;
    let v = Versioned {
        body: R::to_body(&R::scoped(stored.value, &principal)),
        version: stored.version,
        updated_at: stored.updated_at,
        updated_by: stored.updated_by,
    };
    let mut res = with_etag(StatusCode::CREATED, &v);
    if let Ok(loc) = HeaderValue::from_str(&format!("/api/v1/{}/{}", R::PATH, entity.id())) {
        res.headers_mut().insert(header::LOCATION, loc);
    }
    Ok(res)
}

/// The version an update or delete is based on: `?version=N` or `If-Match: "N"`.
fn expected_version(params: &BTreeMap<String, String>, headers: &HeaderMap) -> ApiResult<i64> {
    let from_query = params.get("version").map(String::as_str);
    let from_header = headers
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().trim_start_matches("W/").trim_matches('"'));
    if let Some(unknown) = params.keys().find(|k| k.as_str() != "version") {
        return Err(Problem::bad_request(format!(
            "unknown query parameter {unknown:?}; only version is taken here"
        )));
    }
    let text = from_query.or(from_header).ok_or_else(|| {
        Problem::bad_request(
            "say which version you edited: ?version=N (or If-Match: \"N\"), from the record you read",
        )
    })?;
    text.parse::<i64>().ok().filter(|v| *v >= 1).ok_or_else(|| {
        Problem::bad_request(format!(
            "version must be a whole number from 1, got {text:?}"
        ))
    })
}

pub async fn update<R: Resource>(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Query(params): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
    body: Result<Json<R::Body>, JsonRejection>,
) -> ApiResult<Response> {
    require(&principal, R::Entity::KIND, Action::Write)?;
    let id = parse_id::<R>(&id)?;
    let version = expected_version(&params, &headers)?;
    let old = visible::<R>(&state, &principal, &id).await?;
    let entity = parse_body::<R>(body)?;
    if entity.id() != &id {
        return Err(Problem::field(
            "/id",
            format!(
                "the body is for {:?} but the URL names {:?}; ids cannot be changed",
                entity.id().as_str(),
                id.as_str()
            ),
        ));
    }
    // References are checked on what the user sent; what merge_hidden puts
    // back (other sites' ratings) was valid when stored and is not theirs to see.
    check_write(&state, &principal, &entity).await?;
    let old_entity: R::Entity = old.clone().decode()?.value;
    let entity = R::merge_hidden(entity, &old_entity, &principal);
    let stored = store_update(&state, &principal, &entity, &old, version).await?;
    let v = Versioned {
        body: R::to_body(&R::scoped(stored.value, &principal)),
        version: stored.version,
        updated_at: stored.updated_at,
        updated_by: stored.updated_by,
    };
    Ok(with_etag(StatusCode::OK, &v))
}

pub async fn delete<R: Resource>(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    Query(params): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    require(&principal, R::Entity::KIND, Action::Delete)?;
    let id = parse_id::<R>(&id)?;
    let version = expected_version(&params, &headers)?;
    visible::<R>(&state, &principal, &id).await?;
    if R::Entity::KIND == EntityKind::User && id == principal.user.id {
        return Err(Problem::conflict("you cannot delete your own account"));
    }
    let rule = Invariant {
        kind: EntityKind::User,
        holds: &users::last_admin_rule,
    };
    state
        .store()
        .delete_record(
            &principal.actor(),
            &principal.org,
            R::Entity::KIND,
            &id,
            version,
            (R::Entity::KIND == EntityKind::User).then_some(&rule),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The rules of an acceptance test plan that depend on who writes it and on
/// what it was: only a role that may accept a system signs a plan off (or
/// writes one already signed off), and a signed-off plan is closed: its
/// devices, tests, runs and sign-off stay as accepted (409); the title and
/// descriptive fields may still be corrected.
pub(crate) fn acceptance_change(
    principal: &Principal,
    old: Option<&rampart_domain::AcceptancePlan>,
    new: &rampart_domain::AcceptancePlan,
) -> ApiResult<()> {
    let old_sign_off = old.and_then(|o| o.sign_off.as_ref());
    if let (Some(old), Some(s)) = (old, old_sign_off)
        && (old.tests != new.tests || old.devices != new.devices || old.sign_off != new.sign_off)
    {
        return Err(Problem::conflict(format!(
            "the plan was signed off by {} on {}: its devices, tests, runs and sign-off are closed; a change to the system needs a new plan",
            s.by, s.on
        )));
    }
    if new.sign_off.is_some() && old_sign_off.is_none() {
        require_sign_off(principal)?;
    }
    Ok(())
}

/// The role that accepts a system: 403 for the others.
pub(crate) fn require_sign_off(principal: &Principal) -> ApiResult<()> {
    if access::may_sign_off(principal.user.role) {
        Ok(())
    } else {
        Err(Problem::forbidden(
            "only a security manager or an administrator signs a system off",
        ))
    }
}

/// The field rules of an entity (`Entity::check`), as a problem with the fields.
fn check_fields<E: Entity>(entity: &E) -> ApiResult<()> {
    let problems = entity.check();
    if problems.is_empty() {
        return Ok(());
    }
    Err(Problem::invalid(
        problems
            .into_iter()
            .map(|(field, _, message)| FieldError {
                field: format!("/{}", field.replace('.', "/")),
                message,
            })
            .collect(),
    ))
}

/// Create a record with every rule of the API's create: the role, site
/// creation, the field rules, the engine's model check, scope and
/// references. For the pages, which build entities from forms.
pub(crate) async fn create_entity<E: Entity>(
    state: &AppState,
    principal: &Principal,
    entity: &E,
) -> ApiResult<rampart_store::Stored<E>> {
    require(principal, E::KIND, Action::Write)?;
    if E::KIND == EntityKind::Site && !access::may_create_site(&principal.user) {
        return Err(Problem::forbidden(
            "only a user with access to every site may create a site",
        ));
    }
    check_fields(entity)?;
    let value = serde_json::to_value(entity).unwrap_or_default();
    (state.check_model)(E::KIND, &value).map_err(Problem::invalid)?;
    if E::KIND == EntityKind::AcceptancePlan {
        let plan: rampart_domain::AcceptancePlan = serde_json::from_value(value)
            .map_err(|e| Problem::internal("reading a plan back", e))?;
        acceptance_change(principal, None, &plan)?;
    }
    check_write(state, principal, entity).await?;
    Ok(state
        .store()
        .create(&principal.actor(), &principal.org, entity)
        .await?)
}

/// Update a record based on `version`, with every rule of the API's update
/// (a record on a site the principal may not see is not found; a stale
/// version is a conflict).
pub(crate) async fn update_entity<E: Entity>(
    state: &AppState,
    principal: &Principal,
    entity: &E,
    version: i64,
) -> ApiResult<rampart_store::Stored<E>> {
    require(principal, E::KIND, Action::Write)?;
    let noun = E::KIND.as_str().replace('_', " ");
    let old = visible_record(state, principal, E::KIND, entity.id(), &noun).await?;
    check_fields(entity)?;
    check_write(state, principal, entity).await?;
    store_update(state, principal, entity, &old, version).await
}
