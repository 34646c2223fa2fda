//! Probes for the orchestrator: `/healthz` says the process is alive, `/readyz` says it may
//! take traffic (the database answers and its schema is the one this build expects).

use axum::Json;
use axum::extract::State;
use helio_core::access::Access;
use helio_store::Readiness;
use serde::Serialize;

use crate::{AppState, RouteTable, WebError};

#[derive(Serialize)]
struct Status {
    status: &'static str,
}

pub(crate) fn routes() -> RouteTable {
    RouteTable::new()
        .get("/healthz", Access::Public, healthz_get)
        .get("/readyz", Access::Public, readyz_get)
}

async fn healthz_get() -> Json<Status> {
    Json(Status { status: "ok" })
}

/// Ready only when the database answers within the readiness timeout and no migration is
/// pending or unknown. The reason for "not ready" goes to the log, not to the caller.
async fn readyz_get(State(state): State<AppState>) -> Result<Json<Status>, WebError> {
    let check = tokio::time::timeout(
        state.settings().readiness_timeout,
        state.store().readiness(),
    )
    .await;
    crate::metrics::readiness(matches!(check, Ok(Ok(Readiness::Ready))));
    match check {
        Ok(Ok(Readiness::Ready)) => Ok(Json(Status { status: "ready" })),
        Ok(Ok(Readiness::MigrationsPending { pending })) => {
            tracing::warn!(pending, "not ready: database migrations pending");
            Err(WebError::Unavailable)
        }
        Ok(Ok(Readiness::SchemaMismatch)) => {
            tracing::error!("not ready: database schema does not match this build");
            Err(WebError::Unavailable)
        }
        Ok(Err(error)) => {
            tracing::warn!(%error, "not ready: database check failed");
            Err(WebError::Unavailable)
        }
        Err(_elapsed) => {
            tracing::warn!("not ready: database check timed out");
            Err(WebError::Unavailable)
        }
    }
}
