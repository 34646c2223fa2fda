//! Prometheus metrics ([Audit], LM-3): what the alert rules in `deploy/` watch, served on a
//! listener of their own so the public port never exposes them. Counters are bumped where
//! things happen (the request middleware, the one security-event writer, the readiness
//! probe); gauges that describe the database (live sessions, the mail backlog, the audit
//! chain's last verification) are read from it when Prometheus scrapes. Labels are route
//! templates, methods, status codes and catalogue names: never a path with IDs in it, never
//! anything a client chose.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use helio_core::security_event::EventName;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::services::operations::Operations;

/// The labels of one request count.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: String,
}

/// The labels of one request duration.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
    method: String,
}

/// The labels of one security event count.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EventLabels {
    event: &'static str,
    severity: &'static str,
}

/// The labels of a login count.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

fn latency_histogram() -> Histogram {
    // 5 ms to about 10 s.
    Histogram::new(exponential_buckets(0.005, 2.0, 12))
}

/// Every metric Helio exports, registered once.
struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    security_events: Family<EventLabels, Counter>,
    logins: Family<OutcomeLabels, Counter>,
    lockouts: Counter,
    active_sessions: Gauge,
    outbox_backlog: Gauge,
    audit_chain_intact: Gauge,
    audit_verified_at: Gauge,
    ready: Gauge,
    readiness_changes: Counter,
    was_ready: AtomicBool,
    readiness_seen: AtomicU64,
}

/// The names (without the `_total` a counter gets) of every metric registered below; the
/// tests check each is exported.
pub const METRIC_NAMES: &[&str] = &[
    "helio_http_requests",
    "helio_http_request_duration_seconds",
    "helio_security_events",
    "helio_logins",
    "helio_lockouts",
    "helio_active_sessions",
    "helio_outbox_backlog",
    "helio_audit_chain_intact",
    "helio_audit_last_verification_timestamp_seconds",
    "helio_ready",
    "helio_readiness_changes",
];

impl Metrics {
    fn new() -> Self {
        let metrics = Self {
            registry: Registry::default(),
            requests: Family::default(),
            latency: Family::new_with_constructor(latency_histogram),
            security_events: Family::default(),
            logins: Family::default(),
            lockouts: Counter::default(),
            active_sessions: Gauge::default(),
            outbox_backlog: Gauge::default(),
            audit_chain_intact: Gauge::default(),
            audit_verified_at: Gauge::default(),
            ready: Gauge::default(),
            readiness_changes: Counter::default(),
            was_ready: AtomicBool::new(false),
            readiness_seen: AtomicU64::new(0),
        };
        metrics.registered()
    }

    /// The same metrics, each registered under its name (the handles share their values).
    fn registered(mut self) -> Self {
        let registry = &mut self.registry;
        registry.register(
            "helio_http_requests",
            "HTTP requests answered, by route template, method and status",
            self.requests.clone(),
        );
        registry.register(
            "helio_http_request_duration_seconds",
            "Time to answer HTTP requests, by route template and method",
            self.latency.clone(),
        );
        registry.register(
            "helio_security_events",
            "Security events of the catalogue (and staff actions), by name and severity",
            self.security_events.clone(),
        );
        registry.register(
            "helio_logins",
            "Logins that passed or failed their first factor",
            self.logins.clone(),
        );
        registry.register(
            "helio_lockouts",
            "Lockouts of a source, or of an account from unknown sources",
            self.lockouts.clone(),
        );
        registry.register(
            "helio_active_sessions",
            "Live sessions (browser and app)",
            self.active_sessions.clone(),
        );
        registry.register(
            "helio_outbox_backlog",
            "Mail waiting in the outbox",
            self.outbox_backlog.clone(),
        );
        registry.register(
            "helio_audit_chain_intact",
            "1 when the last verification found the audit chain intact, 0 when broken or never run",
            self.audit_chain_intact.clone(),
        );
        registry.register(
            "helio_audit_last_verification_timestamp_seconds",
            "When the audit chain was last verified (Unix seconds; 0 when never)",
            self.audit_verified_at.clone(),
        );
        registry.register(
            "helio_ready",
            "1 when the last readiness probe answered ready",
            self.ready.clone(),
        );
        registry.register(
            "helio_readiness_changes",
            "Times the readiness answer changed (ready to not ready or back)",
            self.readiness_changes.clone(),
        );
        self
    }
}

static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);

/// Middleware (inside the request's context): counts the request by its route template and
/// times it.
pub(crate) async fn count_request(request: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let response = next.run(request).await;
    METRICS
        .latency
        .get_or_create(&RouteLabels {
            route: route.clone(),
            method: method.clone(),
        })
        .observe(started.elapsed().as_secs_f64());
    METRICS
        .requests
        .get_or_create(&RequestLabels {
            route,
            method,
            status: response.status().as_u16().to_string(),
        })
        .inc();
    response
}

/// Counts one security event or staff action by name and severity.
pub(crate) fn count_event(name: &'static str, severity: &'static str) {
    METRICS
        .security_events
        .get_or_create(&EventLabels {
            event: name,
            severity,
        })
        .inc();
}

/// Counts what the login and lockout metrics follow, by the event's kind.
pub(crate) fn count_login(event: EventName) {
    let outcome = match event {
        EventName::LoginSucceeded => "succeeded",
        EventName::LoginFailed => "failed",
        EventName::SourceLocked | EventName::AccountSourceLocked => {
            METRICS.lockouts.inc();
            return;
        }
        _ => return,
    };
    METRICS
        .logins
        .get_or_create(&OutcomeLabels { outcome })
        .inc();
}

/// Records a readiness answer; a change from the last one is counted (flapping).
pub(crate) fn readiness(ready: bool) {
    METRICS.ready.set(i64::from(ready));
    let before = METRICS.was_ready.swap(ready, Ordering::Relaxed);
    if METRICS.readiness_seen.fetch_add(1, Ordering::Relaxed) > 0 && before != ready {
        METRICS.readiness_changes.inc();
    }
}

/// The metrics listener's router: `GET /metrics` only, in the OpenMetrics text format.
pub fn router(state: &crate::AppState) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(state.operations().clone())
}

/// How long a scrape waits for the database before answering with the counters alone.
const SCRAPE_DATABASE_WAIT: Duration = Duration::from_secs(2);

async fn scrape(State(operations): State<Operations>) -> Response {
    let read = tokio::time::timeout(SCRAPE_DATABASE_WAIT, async {
        (
            operations.counts().await,
            operations.last_verification().await,
        )
    })
    .await;
    match read {
        Ok((Ok(counts), Ok(verification))) => {
            METRICS
                .active_sessions
                .set(i64::try_from(counts.live_sessions).unwrap_or(i64::MAX));
            METRICS
                .outbox_backlog
                .set(i64::try_from(counts.mail_backlog).unwrap_or(i64::MAX));
            METRICS
                .audit_chain_intact
                .set(i64::from(verification.as_ref().is_some_and(|v| v.intact)));
            METRICS.audit_verified_at.set(
                verification
                    .map(|v| v.at.unix_micros() / 1_000_000)
                    .unwrap_or(0),
            );
        }
        Ok((Err(error), _) | (_, Err(error))) => {
            tracing::warn!(%error, "metrics: the database gauges could not be read");
        }
        Err(_elapsed) => tracing::warn!("metrics: the database gauges timed out"),
    }
    let mut text = String::new();
    if prometheus_client::encoding::text::encode(&mut text, &METRICS.registry).is_err() {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response()
}
