//! The engineer's operations page (AC-4): version, database state and the configuration with
//! secrets redacted. It carries `OperateSystem`, which only engineers and admins hold; it
//! shows nothing of any customer.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use helio_core::access::{Access, Capability};

use crate::layout::SignedInLayout;
use crate::render::html;
use helio_store::OperationsCounts;

use crate::services::operations::DatabaseState;
use crate::{AppState, RouteTable, WebError};

pub(crate) fn routes() -> RouteTable {
    RouteTable::new().get(
        "/ops",
        Access::Capability(Capability::OperateSystem),
        view_operations_get,
    )
}

#[derive(Template)]
#[template(path = "operations.html")]
struct OperationsPage<'a> {
    version: &'static str,
    backend: String,
    database: String,
    configuration: &'a str,
    counts: OperationsCounts,
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
    html(&OperationsPage {
        counts,
        version: env!("CARGO_PKG_VERSION"),
        backend: operations.backend(),
        database,
        configuration: operations.configuration(),
        layout,
    })
}
