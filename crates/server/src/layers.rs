//! What wraps every request: request ids, logs, metrics, security headers,
//! compression, size and time limits, cross-origin refusal, and a 500
//! (never a dropped connection) if a handler panics.

use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::csrf::CsrfLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::problem::Problem;
use crate::state::AppState;

/// The Content-Security-Policy of every page: no inline script, nothing
/// from elsewhere, no framing.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Swagger UI sets inline styles from its script; its pages allow those
/// (styles only, never scripts).
const CSP_DOCS: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub async fn not_found() -> Problem {
    Problem::not_found("there is nothing at this address")
}

async fn security_headers(req: Request, next: Next) -> Response {
    let docs = req.uri().path().starts_with("/api/docs");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let csp = if docs { CSP_DOCS } else { CSP };
    // A handler may set a stricter policy of its own (evidence downloads).
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

async fn record_metrics(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().as_str().to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let res = next.run(req).await;
    state.metrics.request(
        &method,
        &route,
        res.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    res
}

/// Room for the form around an evidence file: the multipart boundaries,
/// part headers, the CSRF token and the item.
pub const MULTIPART_OVERHEAD: u64 = 64 * 1024;

/// Whether a request is an evidence upload (`POST /audits/{id}/evidence`),
/// the one request allowed a body larger than `max_body_bytes`: up to the
/// evidence limit and the form around it. Its handler says itself, in a
/// page, when a file is too large.
pub fn is_evidence_upload(method: &Method, path: &str) -> bool {
    let mut parts = path.split('/');
    *method == Method::POST
        && parts.next() == Some("")
        && parts.next() == Some("audits")
        && parts.next().is_some_and(|id| !id.is_empty())
        && parts.next() == Some("evidence")
        && parts.next().is_none()
}

/// The body size limit: a declared length over it is refused at once (413);
/// a body that turns out longer fails when read, which the extractors
/// answer with 413 too.
async fn body_limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let evidence = is_evidence_upload(req.method(), req.uri().path());
    let limit = if evidence {
        usize::try_from(
            state
                .config
                .max_evidence_bytes
                .saturating_add(MULTIPART_OVERHEAD),
        )
        .unwrap_or(usize::MAX)
    } else {
        state.config.max_body_bytes
    };
    if !evidence {
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "the body is larger than this server accepts",
            )
            .into_response();
        }
    }
    let req = req.map(|b| Body::new(http_body_util::Limited::new(b, limit)));
    next.run(req).await
}

/// Problem details for the answers the layers themselves give (timeouts,
/// oversized bodies, cross-origin refusals), which would otherwise be bare.
async fn problem_bodies(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let is_bare = res.headers().get(header::CONTENT_TYPE).is_none();
    if !is_bare {
        return res;
    }
    match res.status() {
        StatusCode::PAYLOAD_TOO_LARGE => Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the body is larger than this server accepts",
        )
        .into_response(),
        StatusCode::REQUEST_TIMEOUT => Problem::new(
            StatusCode::REQUEST_TIMEOUT,
            "the request took too long and was cut off",
        )
        .into_response(),
        StatusCode::FORBIDDEN => {
            Problem::forbidden("a state-changing request from another origin is refused")
                .into_response()
        }
        _ => res,
    }
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "the server could not complete the request; it has been logged",
    )
    .into_response()
}

/// Wrap the application. Layers run outside-in in the order listed last
/// to first, so the request id is set before anything logs.
pub fn apply(router: Router<AppState>, state: &AppState) -> Router<AppState> {
    let mut csrf = CsrfLayer::new();
    for origin in &state.config.trusted_origins {
        match csrf.clone().add_trusted_origin(origin) {
            Ok(c) => csrf = c,
            Err(e) => tracing::warn!(origin = %origin, error = %e, "ignoring a trusted origin"),
        }
    }
    let x_request_id = HeaderName::from_static("x-request-id");
    router
        .layer(middleware::from_fn(problem_bodies))
        .layer(csrf)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            state.config.request_timeout,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), body_limit))
        .layer(CompressionLayer::new().gzip(true))
        .layer(middleware::from_fn(security_headers))
        .layer(middleware::from_fn_with_state(state.clone(), record_metrics))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request| {
                let id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
            }),
        )
        .layer(SetSensitiveRequestHeadersLayer::new([
            header::AUTHORIZATION,
            header::COOKIE,
            HeaderName::from_static("x-csrf-token"),
        ]))
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(SetRequestIdLayer::new(x_request_id, MakeRequestUuid))
}

/// How long to wait for requests in flight at shutdown.
pub const DRAIN: Duration = Duration::from_secs(30);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_evidence_uploads_get_the_larger_body_limit() {
        let post = Method::POST;
        assert!(is_evidence_upload(&post, "/audits/hq-2025/evidence"));
        for path in [
            "/audits//evidence",
            "/audits/hq-2025/evidence/",
            "/audits/hq-2025/evidence/abc",
            "/audits/hq-2025/items/PER-01",
            "/api/v1/audits/hq-2025/evidence",
            "/risks/hq-2025/evidence",
        ] {
            assert!(!is_evidence_upload(&post, path), "{path}");
        }
        assert!(!is_evidence_upload(
            &Method::PUT,
            "/audits/hq-2025/evidence"
        ));
    }
}
