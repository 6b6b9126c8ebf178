//! What every request handler can reach: the database, the settings and
//! the metrics. Nothing here is state another server process would need:
//! sessions, lockouts and tokens are in the database.

use std::any::Any;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rampart_domain::EntityKind;
use rampart_store::{Database, Store};

use crate::analysis::{Analysis, NoAnalysis};
use crate::audits::{AuditAnalysis, NoAudits};
use crate::metrics::Metrics;
use crate::problem::FieldError;
use crate::reports::{NoReports, Reports};

/// The settings of a server process.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// Mark cookies `Secure` and use the `__Host-` prefix: set when the
    /// server is reached over HTTPS (directly or through a TLS proxy).
    pub secure_cookies: bool,
    /// A session unused for this long ends.
    pub session_idle: Duration,
    /// A session ends this long after login, however active.
    pub session_absolute: Duration,
    /// Requests with a larger body are refused (413).
    pub max_body_bytes: usize,
    /// Audit evidence files larger than this are refused (413). Uploads are
    /// the one kind of request allowed a body larger than `max_body_bytes`.
    pub max_evidence_bytes: u64,
    /// Requests taking longer are cut off (408).
    pub request_timeout: Duration,
    /// Failed logins for one login name within `lockout_window` before the
    /// name is locked for `lockout_for`.
    pub max_login_failures: i64,
    /// The same for one client address, which catches password spraying
    /// across many names.
    pub max_address_failures: i64,
    pub lockout_window: Duration,
    pub lockout_for: Duration,
    /// Origins (scheme://host:port) allowed to send state-changing requests
    /// besides the server's own.
    pub trusted_origins: Vec<String>,
    /// Take the client address from `X-Forwarded-For` (behind a load
    /// balancer that sets it).
    pub trust_forwarded_for: bool,
    /// OpenID Connect single sign-on, when set up.
    #[cfg(feature = "oidc")]
    pub oidc: Option<crate::oidc::OidcConfig>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            secure_cookies: false,
            session_idle: Duration::from_secs(30 * 60),
            session_absolute: Duration::from_secs(12 * 3600),
            max_body_bytes: 1024 * 1024,
            max_evidence_bytes: 20 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            max_login_failures: 5,
            max_address_failures: 50,
            lockout_window: Duration::from_secs(15 * 60),
            lockout_for: Duration::from_secs(15 * 60),
            trusted_origins: Vec::new(),
            trust_forwarded_for: false,
            #[cfg(feature = "oidc")]
            oidc: None,
        }
    }
}

/// Checks the models that an engine owns (a risk's FAIR model, a facility
/// model, a floor plan) before they are stored. The binary supplies it,
/// because only the binary knows the engines; the server only calls it.
pub type ModelCheck =
    Arc<dyn Fn(EntityKind, &serde_json::Value) -> Result<(), Vec<FieldError>> + Send + Sync>;

/// How many cached pages a process keeps before starting again.
const CACHE_ENTRIES: usize = 256;

#[derive(Clone)]
pub struct AppState {
    pub db: Arc<dyn Database>,
    pub check_model: ModelCheck,
    /// The engines behind the analysis pages ([`NoAnalysis`] unless the
    /// binary supplies them).
    pub analysis: Arc<dyn Analysis>,
    /// The report builder behind the Reports page ([`NoReports`] unless
    /// the binary supplies it).
    pub reports: Arc<dyn Reports>,
    /// The compliance engine behind the audit pages ([`NoAudits`] unless
    /// the binary supplies it).
    pub audits: Arc<dyn AuditAnalysis>,
    pub config: Arc<ServerConfig>,
    pub metrics: Arc<Metrics>,
    pub started: Instant,
    /// Rendered data keyed by what it was computed from (see the dashboard):
    /// safe to lose, never shared between processes, bounded.
    cache: Arc<Mutex<HashMap<String, Arc<dyn Any + Send + Sync>>>>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("db", &self.db)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl AppState {
    pub fn new(db: Arc<dyn Database>, config: ServerConfig, check_model: ModelCheck) -> AppState {
        AppState {
            db,
            check_model,
            analysis: Arc::new(NoAnalysis),
            reports: Arc::new(NoReports),
            audits: Arc::new(NoAudits),
            config: Arc::new(config),
            metrics: Arc::new(Metrics::new()),
            started: Instant::now(),
            cache: Arc::default(),
        }
    }

    /// The same state with the engines behind the analysis pages.
    pub fn with_analysis(mut self, analysis: Arc<dyn Analysis>) -> AppState {
        self.analysis = analysis;
        self
    }

    /// The same state with the report builder behind the Reports page.
    pub fn with_reports(mut self, reports: Arc<dyn Reports>) -> AppState {
        self.reports = reports;
        self
    }

    /// The same state with the compliance engine behind the audit pages.
    pub fn with_audits(mut self, audits: Arc<dyn AuditAnalysis>) -> AppState {
        self.audits = audits;
        self
    }

    /// A value cached under `key`, if it is there and of type `T`.
    pub fn cached<T: Send + Sync + 'static>(&self, key: &str) -> Option<Arc<T>> {
        let map = self.cache.lock().ok()?;
        map.get(key).cloned()?.downcast::<T>().ok()
    }

    /// Cache a value; the cache is emptied when it holds too many.
    pub fn cache<T: Send + Sync + 'static>(&self, key: String, value: Arc<T>) {
        if let Ok(mut map) = self.cache.lock() {
            if map.len() >= CACHE_ENTRIES {
                map.clear();
            }
            map.insert(key, value);
        }
    }

    pub fn store(&self) -> &dyn Store {
        &*self.db
    }

    pub fn session_cookie_name(&self) -> &'static str {
        if self.config.secure_cookies {
            "__Host-rampart_session"
        } else {
            "rampart_session"
        }
    }
}
