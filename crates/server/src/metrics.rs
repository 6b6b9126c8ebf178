//! Prometheus metrics, served at `/metrics` in the text format.
//!
//! Counters live in this process only, which is what Prometheus expects:
//! it scrapes each server and sums. Routes are labelled by their pattern
//! (`/api/v1/assets/{id}`), never the raw path, so ids do not explode the
//! label space.

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

type Labels = Vec<(String, String)>;

pub struct Metrics {
    registry: Registry,
    requests: Family<Labels, Counter>,
    durations: Family<Labels, Histogram, fn() -> Histogram>,
    logins: Family<Labels, Counter>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

fn latency_histogram() -> Histogram {
    Histogram::new([
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
    ])
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("rampart");
        let requests = Family::<Labels, Counter>::default();
        let durations =
            Family::<Labels, Histogram, fn() -> Histogram>::new_with_constructor(latency_histogram);
        let logins = Family::<Labels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by route",
            durations.clone(),
        );
        registry.register("logins", "Login attempts, by outcome", logins.clone());
        Metrics {
            registry,
            requests,
            durations,
            logins,
        }
    }

    pub fn request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&vec![
                ("method".to_owned(), method.to_owned()),
                ("route".to_owned(), route.to_owned()),
                ("status".to_owned(), status.to_string()),
            ])
            .inc();
        self.durations
            .get_or_create(&vec![("route".to_owned(), route.to_owned())])
            .observe(seconds);
    }

    pub fn login(&self, success: bool) {
        let outcome = if success { "success" } else { "failure" };
        self.logins
            .get_or_create(&vec![("outcome".to_owned(), outcome.to_owned())])
            .inc();
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}
