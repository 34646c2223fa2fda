//! Helio's HTTP edge: it parses requests into core values, asks core what is allowed, calls the
//! store, and renders the answer. No SQL here, and no business rule either.
//!
//! [`app`] is the whole application; [`harden`] is the middleware stack every response passes
//! through (request ID, security headers, access log, uniform errors, limits), public so tests
//! can wrap their own probe routes in exactly the stack production uses.
#![forbid(unsafe_code)]

mod acting;
mod api_session;
mod assets;
mod auth;
mod back_office;
mod break_glass;
mod client;
mod cookies;
mod csrf;
mod dates;
mod error;
mod forms;
mod health;
mod jobs;
mod json_body;
mod layout;
pub mod logging;
mod login;
pub mod metrics;
mod mfa;
mod middleware;
mod money;
mod not_me;
mod openapi;
mod operations;
mod orders;
mod pages;
mod passkeys;
mod password_change;
mod pipeline;
mod quotes;
mod refunds;
mod render;
mod request_id;
mod reset;
mod routes;
mod seen;
pub mod server;
pub mod services;
mod session_script;
mod settings;
mod signup;
mod staff_admin;
mod state;

pub use client::{ClientInfo, ConnectionInfo};
pub use error::WebError;
pub use request_id::{REQUEST_ID_HEADER, RequestId};
pub use routes::{RouteEntry, RouteTable};
pub use settings::HttpSettings;
pub use state::{AppServices, AppState};

use axum::Router;

/// Every route of the application, each with its access rule.
#[must_use]
pub fn route_table() -> RouteTable {
    RouteTable::new()
        .merge(pages::routes())
        .merge(assets::routes())
        .merge(health::routes())
        .merge(signup::routes())
        .merge(login::routes())
        .merge(reset::routes())
        .merge(mfa::routes())
        .merge(passkeys::routes())
        .merge(api_session::routes())
        .merge(session_script::routes())
        .merge(not_me::routes())
        .merge(password_change::routes())
        .merge(back_office::routes())
        .merge(break_glass::routes())
        .merge(operations::routes())
        .merge(staff_admin::routes())
        .merge(quotes::routes())
        .merge(orders::routes())
        .merge(pipeline::routes())
        .merge(jobs::routes())
        .merge(refunds::routes())
        .merge(openapi::routes())
}

/// The complete application: every route behind the hardened middleware stack.
pub fn app(state: AppState) -> Router {
    let settings = state.settings().clone();
    let router = route_table()
        .into_router()
        .with_state(state.clone())
        .layer(axum::Extension(state));
    harden(router, &settings)
}

pub use middleware::{CONTENT_SECURITY_POLICY, harden};
pub use openapi::check as check_api_document;
