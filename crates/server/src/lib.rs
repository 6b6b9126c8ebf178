//! The Rampart web application: the REST API under `/api/v1` with its
//! OpenAPI 3.1 document, the server-rendered pages, authentication and
//! site-scoped roles.
//!
//! This crate is the only one that knows HTTP. It knows the store only
//! through the `rampart_store::Database` trait (never SQL), the domain
//! through its types, and no engine at all: models an engine owns are
//! checked through the [`ModelCheck`] hook the binary passes in, and the
//! analysis pages ask the engines through the [`Analysis`] it passes in
//! (the audit pages through the [`AuditAnalysis`]).
//!
//! A server process keeps nothing another process needs: sessions,
//! lockouts and tokens are in the database, so several processes on one
//! PostgreSQL serve the same users behind a load balancer.

pub mod access;
pub mod analysis;
pub mod audits;
pub mod auth;
pub mod dto;
pub mod endpoints;
pub mod layers;
pub mod metrics;
#[cfg(feature = "oidc")]
pub mod oidc;
pub mod openapi;
pub mod problem;
pub mod reports;
pub mod resource;
pub mod state;
pub mod ui;
pub mod users;

use axum::Router;

pub use analysis::Analysis;
pub use audits::AuditAnalysis;
pub use state::{AppState, ModelCheck, ServerConfig};

/// The API part: the router and the OpenAPI document it is described by.
pub fn api() -> (serde_json::Value, Router<AppState>) {
    let mut api = openapi::Api::new();
    endpoints::register(&mut api);
    dto::register(&mut api);
    api.finish()
}

/// The whole application, with its layers.
pub fn app(state: AppState) -> Router {
    let (doc, api_router) = api();
    // Swagger UI serves the document at /api/openapi.json, beside its own
    // embedded pages.
    let swagger: Router<AppState> = utoipa_swagger_ui::SwaggerUi::new("/api/docs")
        .external_url_unchecked("/api/openapi.json", doc)
        .into();
    let router = Router::new()
        .merge(api_router)
        .merge(swagger)
        .merge(ui::router())
        .fallback(layers::not_found);
    layers::apply(router, &state).with_state(state)
}

/// Serve until `shutdown` resolves, then finish the requests in flight.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = app(state);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Resolves on Ctrl-C or SIGTERM (what a service manager or an orchestrator
/// sends to stop a server).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing the requests in flight");
}
