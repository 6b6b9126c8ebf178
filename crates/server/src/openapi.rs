//! The OpenAPI 3.1 document, built from the same table as the router.
//!
//! [`Api`] registers each route twice at once: as an axum route and as an
//! operation of the document, so a route cannot be added without being
//! documented. Body schemas come from the `dto` types (utoipa's
//! `ToSchema`); operations are plain JSON, which keeps each one readable
//! next to the route it documents.

use std::collections::BTreeMap;

use axum::Router;
use axum::routing::MethodRouter;
use serde_json::{Map, Value, json};
use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;

use rampart_domain::Entity as _;

use crate::problem::Problem;
use crate::resource::{self, FilterKind, Resource};
use crate::state::AppState;

/// The router and the document, growing together.
pub struct Api {
    router: Router<AppState>,
    paths: BTreeMap<String, Map<String, Value>>,
    schemas: BTreeMap<String, Value>,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api")
            .field("paths", &self.paths.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

fn schema_value(s: RefOr<Schema>) -> Value {
    serde_json::to_value(s).unwrap_or(Value::Null)
}

pub fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// The answers every authenticated operation may give besides its own.
fn common_responses(ops: &mut Map<String, Value>, statuses: &[u16]) {
    for s in statuses {
        let description = match s {
            400 => "The request is malformed (bad JSON, an unknown parameter).",
            401 => "Not logged in, or the session or token has ended.",
            403 => {
                "The role may not do this, the site is not granted, or the CSRF token is missing."
            }
            404 => "There is no such record on a site the user may see.",
            409 => {
                "The record changed since it was read (stale version), already exists, or is referred to."
            }
            413 => "The body is larger than the server accepts.",
            415 => "The body is not JSON.",
            422 => "The body is well-formed but breaks a rule; `errors` names the fields.",
            429 => "Too many failed logins; see Retry-After.",
            _ => "An error.",
        };
        ops.insert(
            s.to_string(),
            json!({
                "description": description,
                "content": { "application/problem+json": { "schema": schema_ref("Problem") } }
            }),
        );
    }
}

pub const READ_ERRORS: &[u16] = &[400, 401, 403, 404];
pub const WRITE_ERRORS: &[u16] = &[400, 401, 403, 404, 409, 413, 415, 422];

/// An operation: its id, summary, tag, and what it answers.
#[derive(Debug)]
pub struct Op {
    value: Map<String, Value>,
}

impl Op {
    pub fn new(id: &str, tag: &str, summary: &str) -> Op {
        let mut value = Map::new();
        value.insert("operationId".into(), json!(id));
        value.insert("tags".into(), json!([tag]));
        value.insert("summary".into(), json!(summary));
        value.insert("responses".into(), json!({}));
        Op { value }
    }

    pub fn describe(mut self, text: &str) -> Op {
        self.value.insert("description".into(), json!(text));
        self
    }

    pub fn public(mut self) -> Op {
        self.value.insert("security".into(), json!([]));
        self
    }

    pub fn param(
        mut self,
        name: &str,
        location: &str,
        required: bool,
        schema: Value,
        doc: &str,
    ) -> Op {
        let params = self.value.entry("parameters").or_insert_with(|| json!([]));
        if let Value::Array(a) = params {
            a.push(json!({
                "name": name, "in": location, "required": required,
                "description": doc, "schema": schema
            }));
        }
        self
    }

    pub fn body(mut self, schema: Value, doc: &str) -> Op {
        self.value.insert(
            "requestBody".into(),
            json!({
                "required": true,
                "description": doc,
                "content": { "application/json": { "schema": schema } }
            }),
        );
        self
    }

    pub fn form_body(mut self, schema: Value) -> Op {
        self.value.insert(
            "requestBody".into(),
            json!({
                "required": true,
                "content": { "application/x-www-form-urlencoded": { "schema": schema } }
            }),
        );
        self
    }

    pub fn answers(self, status: u16, doc: &str, schema: Option<Value>) -> Op {
        self.answers_as(status, doc, schema.map(|s| ("application/json", s)))
    }

    pub fn answers_as(mut self, status: u16, doc: &str, content: Option<(&str, Value)>) -> Op {
        if let Some(Value::Object(r)) = self.value.get_mut("responses") {
            let mut resp = json!({ "description": doc });
            if let Some((media, schema)) = content {
                resp["content"] = json!({ media: { "schema": schema } });
            }
            r.insert(status.to_string(), resp);
        }
        self
    }

    pub fn errors(mut self, statuses: &[u16]) -> Op {
        if let Some(Value::Object(r)) = self.value.get_mut("responses") {
            common_responses(r, statuses);
        }
        self
    }
}

impl Api {
    pub fn new() -> Api {
        let mut api = Api {
            router: Router::new(),
            paths: BTreeMap::new(),
            schemas: BTreeMap::new(),
        };
        api.schema::<Problem>();
        api
    }

    /// Register a body type's schema (and those it refers to).
    pub fn schema<T: ToSchema>(&mut self) -> Value {
        let mut nested = Vec::new();
        T::schemas(&mut nested);
        for (name, s) in nested {
            self.schemas.insert(name, schema_value(s));
        }
        let name = T::name().to_string();
        self.schemas.insert(name.clone(), schema_value(T::schema()));
        schema_ref(&name)
    }

    pub fn raw_schema(&mut self, name: &str, schema: Value) -> Value {
        self.schemas.insert(name.to_owned(), schema);
        schema_ref(name)
    }

    /// Add a route: `path` in OpenAPI form (`/api/v1/sites/{id}`), which is
    /// also axum 0.8's form.
    pub fn route(&mut self, path: &str, method: &str, op: Op, handler: MethodRouter<AppState>) {
        self.paths
            .entry(path.to_owned())
            .or_default()
            .insert(method.to_owned(), Value::Object(op.value));
        let router = std::mem::take(&mut self.router);
        self.router = router.route(path, handler);
    }

    /// The five operations of a resource.
    pub fn resource<R: Resource>(&mut self, tag: &str) {
        use axum::routing::{delete, get, post, put};
        let body = self.schema::<R::Body>();
        // The stored form is the body's object with three more properties.
        // It is one object, not an allOf: the body forbids properties it
        // does not name, which would forbid these.
        let mut record = schema_value(<R::Body as utoipa::PartialSchema>::schema());
        if let Some(props) = record.get_mut("properties").and_then(Value::as_object_mut) {
            props.insert("version".into(), json!({ "type": "integer", "minimum": 1, "description": "Send it back to update or delete (?version=N); a stale one gets 409." }));
            props.insert(
                "updated_at".into(),
                json!({ "type": "string", "description": "RFC 3339, UTC." }),
            );
            props.insert(
                "updated_by".into(),
                json!({ "type": "string", "description": "Who made the last change." }),
            );
        }
        if let Some(req) = record.get_mut("required").and_then(Value::as_array_mut) {
            req.extend([json!("version"), json!("updated_at"), json!("updated_by")]);
        }
        record["description"] = json!(format!("A stored {}, with its version.", R::NOUN));
        let item = self.raw_schema(&format!("{}Record", R::Body::name()), record);
        let page = self.raw_schema(
            &format!("{}Page", R::Body::name()),
            json!({
                "type": "object",
                "required": ["items", "limit", "offset", "next_offset", "total"],
                "properties": {
                    "items": { "type": "array", "items": item },
                    "limit": { "type": "integer" },
                    "offset": { "type": "integer" },
                    "next_offset": { "type": ["integer", "null"] },
                    "total": { "type": "integer" }
                }
            }),
        );
        let collection = format!("/api/v1/{}", R::PATH);
        let single = format!("/api/v1/{}/{{id}}", R::PATH);
        let noun = R::NOUN;
        let plural = R::PATH.replace('-', " ");
        let mut list_op = Op::new(&format!("list_{}", R::PATH.replace('-', "_")), tag, &format!("List {plural}"))
            .describe("Only records of sites granted to the user are listed.")
            .param("limit", "query", false, json!({"type": "integer", "minimum": 1, "maximum": resource::MAX_LIMIT, "default": resource::DEFAULT_LIMIT}), "Page size.")
            .param("offset", "query", false, json!({"type": "integer", "minimum": 0, "maximum": 1_000_000_000, "default": 0}), "Records to skip.")
            .param("sort", "query", false, json!({"type": "string", "pattern": sort_pattern(R::SORTS)}), &format!("Comma-separated keys, `-` for descending: id, updated_at{}.", R::SORTS.iter().map(|s| format!(", {s}")).collect::<String>()));
        if resource::site_scoped(R::Entity::KIND) {
            list_op = list_op.param(
                "site",
                "query",
                false,
                id_schema(),
                "Only records of this site.",
            );
        }
        for f in R::FILTERS {
            let schema = match f.kind {
                FilterKind::NumberAtLeast | FilterKind::NumberAtMost => json!({"type": "number"}),
                FilterKind::Bool => json!({"type": "boolean"}),
                _ => json!({"type": "string", "maxLength": 256}),
            };
            list_op = list_op.param(f.param, "query", false, schema, f.doc);
        }
        list_op = list_op
            .answers(200, "A page of records.", Some(page))
            .errors(READ_ERRORS);
        self.route(&collection, "get", list_op, get(resource::list::<R>));

        let create_op = Op::new(
            &format!("create_{}", noun.replace([' ', '-'], "_")),
            tag,
            &format!("Create a {noun}"),
        )
        .body(body.clone(), &format!("The new {noun}."))
        .answers(201, "Created.", Some(item.clone()))
        .errors(WRITE_ERRORS);
        self.route(&collection, "post", create_op, post(resource::create::<R>));

        let id_param = |op: Op| {
            op.param(
                "id",
                "path",
                true,
                json!({"type": "string"}),
                &format!("The {noun}'s id."),
            )
        };
        let version_param = |op: Op| {
            op.param(
                "version",
                "query",
                true,
                json!({"type": "integer", "minimum": 1}),
                "The version the change is based on.",
            )
        };
        let get_op = id_param(Op::new(
            &format!("get_{}", noun.replace([' ', '-'], "_")),
            tag,
            &format!("Read a {noun}"),
        ))
        .answers(200, "The record.", Some(item.clone()))
        .errors(READ_ERRORS);
        let put_op = version_param(id_param(Op::new(
            &format!("update_{}", noun.replace([' ', '-'], "_")),
            tag,
            &format!("Replace a {noun}"),
        )))
        .body(
            body,
            &format!("The whole {noun}, as it should be; its id cannot change."),
        )
        .answers(200, "Updated.", Some(item))
        .errors(WRITE_ERRORS);
        let delete_op = version_param(id_param(Op::new(
            &format!("delete_{}", noun.replace([' ', '-'], "_")),
            tag,
            &format!("Delete a {noun}"),
        )))
        .answers(204, "Deleted.", None)
        .errors(&[400, 401, 403, 404, 409]);
        self.route(&single, "get", get_op, get(resource::get::<R>));
        self.route(&single, "put", put_op, put(resource::update::<R>));
        self.route(&single, "delete", delete_op, delete(resource::delete::<R>));
    }

    /// The document and the router.
    pub fn finish(self) -> (Value, Router<AppState>) {
        let doc = json!({
            "openapi": "3.1.0",
            "info": {
                "title": "Rampart",
                "version": env!("CARGO_PKG_VERSION"),
                "description": "The REST API of Rampart, the security management specialist's workbench. Authenticate with a session cookie (POST /api/v1/auth/login; state-changing requests then carry X-CSRF-Token) or an API token (Authorization: Bearer rmp_...). Errors are problem details (RFC 9457). Every record is scoped by site: records of sites not granted to the user are not found.",
                "license": { "name": "Apache-2.0", "identifier": "Apache-2.0" }
            },
            "servers": [{ "url": "/" }],
            "security": [{ "session": [] }, { "token": [] }],
            "paths": self.paths,
            "components": {
                "schemas": self.schemas,
                "securitySchemes": {
                    "session": { "type": "apiKey", "in": "cookie", "name": "rampart_session", "description": "The session cookie set at login (`__Host-rampart_session` behind TLS)." },
                    "token": { "type": "http", "scheme": "bearer", "description": "An API token, `rmp_` and 64 hex digits." }
                }
            }
        });
        (doc, self.router)
    }

    /// The routes registered so far, as (method, path) pairs.
    pub fn routes(&self) -> Vec<(String, String)> {
        self.paths
            .iter()
            .flat_map(|(p, ops)| ops.keys().map(move |m| (m.clone(), p.clone())))
            .collect()
    }
}

impl Default for Api {
    fn default() -> Self {
        Api::new()
    }
}

pub fn id_schema() -> Value {
    json!({"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"})
}

fn sort_pattern(sorts: &[&str]) -> String {
    let names = std::iter::once("id")
        .chain(std::iter::once("updated_at"))
        .chain(sorts.iter().copied())
        .collect::<Vec<_>>()
        .join("|");
    format!("^-?({names})(,-?({names})){{0,2}}$")
}
