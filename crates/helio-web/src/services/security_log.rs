//! The one writer of security events (LM-1, LM-2, [Audit]): each event of the catalogue
//! (`helio_core::security_event`) becomes one JSON log line (target `helio::security`, for the
//! cluster's log pipeline) and one entry of the audit trail's hash chain. Staff actions log
//! through the same line format. The request ID and coarse network of the request an event
//! happens in are taken from the request's context, so no service has to pass them along.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use helio_core::audit::Reason;
use helio_core::crypto::random_bytes;
use helio_core::security_event::{EventFields, SecurityEvent, Severity};
use helio_core::time::Timestamp;
use helio_store::{EventEntry, Store, StoreError};

use crate::ClientInfo;
use crate::request_id::RequestId;

/// Where the request an event happens in came from.
#[derive(Debug, Clone)]
struct RequestContext {
    request_id: String,
    network: Option<String>,
}

tokio::task_local! {
    static CONTEXT: RequestContext;
}

/// Middleware (inside the request ID and client identification): runs the request with its
/// context set, for every event recorded while it is handled.
pub(crate) async fn within_request(request: Request, next: Next) -> Response {
    let context = RequestContext {
        request_id: request
            .extensions()
            .get::<RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default(),
        network: request
            .extensions()
            .get::<ClientInfo>()
            .map(|client| crate::seen::network(client.ip)),
    };
    CONTEXT.scope(context, next.run(request)).await
}

fn context() -> Option<RequestContext> {
    CONTEXT.try_with(Clone::clone).ok()
}

/// Writes one security log line: the event's name, severity and typed fields, and the
/// catalogue's sentence as the message. Nothing here can carry text a user typed.
pub fn log_line(
    name: &'static str,
    severity: Severity,
    fields: &EventFields,
    summary: &'static str,
) {
    macro_rules! line {
        ($level:ident) => {
            tracing::$level!(
                target: "helio::security",
                event = name,
                severity = severity.as_str(),
                account = fields.account.map(tracing::field::display),
                role = fields.role.map(|r| r.as_str()),
                previous_role = fields.previous_role.map(|r| r.as_str()),
                by = fields.by.map(tracing::field::display),
                client = fields.client,
                method = fields.method,
                factor = fields.factor,
                reason = fields.reason,
                capability = fields.capability,
                budget = fields.budget,
                count = fields.count,
                known_device = fields.known_device,
                locked = fields.locked,
                "{summary}"
            )
        };
    }
    crate::metrics::count_event(name, severity.as_str());
    match severity {
        Severity::Info | Severity::Notice => line!(info),
        Severity::Warning => line!(warn),
        Severity::Critical => line!(error),
    }
}

/// Writes `event`'s log line only: for what happens where there is no store to write to (a
/// configuration refused at start-up) or before a request is worth a trail entry (a
/// cross-origin post refused by the middleware, which the catalogue keeps out anyway).
pub fn log_only(event: &SecurityEvent) {
    crate::metrics::count_login(event.name());
    log_line(
        event.name().as_str(),
        event.severity(),
        event.fields(),
        event.name().summary(),
    );
}

/// Logs `event` and, unless the catalogue keeps it out, appends it to the audit trail at
/// `at`. The log line is written first, so an event is never lost from both; a trail that
/// cannot be written is an error the caller fails on (fail closed).
pub async fn record(store: &Store, at: Timestamp, event: SecurityEvent) -> Result<(), StoreError> {
    append(store, at, event, None).await
}

/// As [`record`], with the reason an operator gave: kept in the trail's reason column, never
/// in the log line (it is typed text).
pub async fn record_because(
    store: &Store,
    at: Timestamp,
    event: SecurityEvent,
    reason: &Reason,
) -> Result<(), StoreError> {
    append(store, at, event, Some(reason)).await
}

async fn append(
    store: &Store,
    at: Timestamp,
    event: SecurityEvent,
    reason: Option<&Reason>,
) -> Result<(), StoreError> {
    log_only(&event);
    if !event.name().kept_in_trail() {
        return Ok(());
    }
    let context = context();
    store
        .audit_trail()
        .record_event(&EventEntry {
            id: random_bytes(),
            at,
            event: &event,
            reason: reason.map(Reason::as_str),
            seen_from: context.as_ref().and_then(|c| c.network.as_deref()),
            request_id: context
                .as_ref()
                .map(|c| c.request_id.as_str())
                .filter(|id| !id.is_empty()),
        })
        .await
}
