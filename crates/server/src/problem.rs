//! Errors as HTTP answers: JSON problem details (RFC 9457) for the API.
//!
//! Every error a handler can return is a [`Problem`]: a status, a short
//! title, a detail meant for the person reading it, and for invalid input
//! the fields that were wrong. Store errors map to the status a client can
//! act on (404, 409, 422); anything else is a 500 whose detail is logged,
//! not sent, so a database message never reaches a client.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rampart_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// A problem detail (RFC 9457), as the API sends it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem; `about:blank` when the status says it all.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    /// The HTTP status, repeated for clients that lose it.
    pub status: u16,
    pub detail: String,
    /// For invalid input: which field, and what is wrong with it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

/// One wrong field of a request.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    /// The field, as a JSON pointer into the request body (`/assessment/inherent`).
    pub field: String,
    pub message: String,
}

impl Problem {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Problem {
        Problem {
            kind: "about:blank".to_owned(),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
        }
    }

    fn typed(mut self, kind: &str) -> Problem {
        self.kind = format!("https://rampart.invalid/problems/{kind}");
        self
    }

    pub fn bad_request(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, detail).typed("bad-request")
    }

    pub fn unauthorized(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::UNAUTHORIZED, detail).typed("unauthenticated")
    }

    pub fn forbidden(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::FORBIDDEN, detail).typed("forbidden")
    }

    pub fn not_found(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, detail).typed("not-found")
    }

    pub fn conflict(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::CONFLICT, detail).typed("conflict")
    }

    pub fn too_many(detail: impl Into<String>, retry_after: u64) -> Problem {
        let mut p = Problem::new(StatusCode::TOO_MANY_REQUESTS, detail).typed("too-many-requests");
        p.retry_after = Some(retry_after);
        p
    }

    /// Input that parsed but breaks a rule, with the fields that break it.
    pub fn invalid(errors: Vec<FieldError>) -> Problem {
        let detail = match errors.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            many => format!(
                "{} fields are not valid; the first is {}: {}",
                many.len(),
                many.first().map(|e| e.field.as_str()).unwrap_or(""),
                many.first().map(|e| e.message.as_str()).unwrap_or("")
            ),
        };
        let mut p = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, detail).typed("invalid");
        p.errors = errors;
        p
    }

    pub fn field(field: &str, message: impl Into<String>) -> Problem {
        Problem::invalid(vec![FieldError {
            field: field.to_owned(),
            message: message.into(),
        }])
    }

    /// An error that is ours, not the client's: logged whole, answered vaguely.
    pub fn internal(context: &str, err: impl std::fmt::Display) -> Problem {
        tracing::error!(error = %err, "{context}");
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the server could not complete the request; it has been logged",
        )
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut res = (status, body).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res
    }
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Problem {
        match &e {
            StoreError::NotFound { .. } => Problem::not_found(e.to_string()),
            StoreError::AlreadyExists { .. } => Problem::conflict(e.to_string()),
            StoreError::Conflict { .. } => Problem::conflict(e.to_string()),
            StoreError::Referenced { .. } => Problem::conflict(e.to_string()),
            StoreError::Refused(why) => Problem::conflict(why.clone()),
            StoreError::DanglingReference { target_kind, .. } => {
                Problem::field(&format!("/{}", target_kind.as_str()), e.to_string())
            }
            StoreError::Invalid(problems) => Problem::invalid(
                problems
                    .iter()
                    .map(|p| FieldError {
                        field: format!("/{}", p.field.unwrap_or("").replace('.', "/")),
                        message: p.message.clone(),
                    })
                    .collect(),
            ),
            StoreError::UnknownOrganisation(_) => Problem::not_found(e.to_string()),
            _ => Problem::internal("store error", &e),
        }
    }
}

pub type ApiResult<T> = Result<T, Problem>;
