//! The engineer's operations page (AC-4): version, database state, the configuration with
//! secrets redacted, and the last verification of the audit chain (with "verify now"). It carries `OperateSystem`, which only engineers and admins hold; it
//! shows nothing of any customer.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use helio_core::access::{Access, Capability};

use crate::dates::utc_minute;
use crate::forms::NoFields;
use crate::layout::SignedInLayout;
use crate::render::html;
use helio_store::OperationsCounts;

use crate::services::operations::DatabaseState;
use crate::{AppState, RouteTable, WebError};

pub(crate) fn routes() -> RouteTable {
    let operate = Access::Capability(Capability::OperateSystem);
    RouteTable::new()
        .get("/ops", operate, view_operations_get)
        .post("/ops/audit/verify", operate, verify_post)
}

/// The last verification as the page shows it.
struct VerificationRow {
    when: String,
    intact: bool,
    entries: u64,
    checkpoints: u64,
    finding: String,
}

#[derive(Template)]
#[template(path = "operations.html")]
struct OperationsPage<'a> {
    version: &'static str,
    backend: String,
    database: String,
    configuration: &'a str,
    counts: OperationsCounts,
    verification: Option<VerificationRow>,
    layout: SignedInLayout,
}

async fn view_operations_get(
    State(state): State<AppState>,
    layout: SignedInLayout,
) -> Result<Html<String>, WebError> {
    let operations = state.operations();
    let database = match operations
        .database(state.settings().readiness_timeout)
        .await
    {
        DatabaseState::Ready => "ready".to_owned(),
        DatabaseState::MigrationsPending(pending) => format!("{pending} migrations pending"),
        DatabaseState::SchemaMismatch => "schema does not match this build".to_owned(),
        DatabaseState::Unreachable => "not answering".to_owned(),
    };
    let counts = operations.counts().await.map_err(WebError::internal)?;
    let verification = operations
        .last_verification()
        .await
        .map_err(WebError::internal)?
        .map(|found| VerificationRow {
            when: utc_minute(found.at),
            intact: found.intact,
            entries: found.entries,
            checkpoints: found.checkpoints,
            finding: found.finding.unwrap_or_default(),
        });
    html(&OperationsPage {
        counts,
        verification,
        version: env!("CARGO_PKG_VERSION"),
        backend: operations.backend(),
        database,
        configuration: operations.configuration(),
        layout,
    })
}

async fn verify_post(
    State(state): State<AppState>,
    Form(NoFields {}): Form<NoFields>,
) -> Result<Response, WebError> {
    state
        .operations()
        .verify_audit_trail()
        .await
        .map_err(WebError::internal)?;
    Ok(Redirect::to("/ops").into_response())
}
