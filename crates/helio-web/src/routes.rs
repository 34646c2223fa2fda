//! The route table: the only way to add a route, and it demands an access rule (AC-1).
//!
//! Because every route is registered here with its [`Access`], tests can list the whole
//! surface of the application and check each entry point against its rule.

use axum::Router;
use axum::http::Method;
use axum::routing::MethodRouter;
use helio_core::access::Access;

use crate::AppState;

/// One entry point and the rule guarding it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteEntry {
    /// The HTTP method.
    pub method: Method,
    /// The path pattern, as axum matches it.
    pub path: &'static str,
    /// Who may call it.
    pub access: Access,
}

/// Routes under construction, each paired with its rule.
#[derive(Debug, Default)]
pub struct RouteTable {
    router: Router<AppState>,
    entries: Vec<RouteEntry>,
}

impl RouteTable {
    /// An empty table.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a GET route (HEAD is answered by the same handler).
    #[must_use]
    pub fn get<H, T>(self, path: &'static str, access: Access, handler: H) -> Self
    where
        H: axum::handler::Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::GET, path, access, axum::routing::get(handler))
    }

    /// Registers a POST route. Browser posts pass the same-origin check first (DS-3).
    #[must_use]
    pub fn post<H, T>(self, path: &'static str, access: Access, handler: H) -> Self
    where
        H: axum::handler::Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::POST, path, access, axum::routing::post(handler))
    }

    fn add(
        mut self,
        method: Method,
        path: &'static str,
        access: Access,
        route: MethodRouter<AppState>,
    ) -> Self {
        // Each non-public rule wraps `route` in its guard here, so no handler can be reached
        // without passing the check its entry names.
        let guarded = match access {
            Access::Public => route,
            Access::SignedIn => {
                route.route_layer(axum::middleware::from_fn(crate::auth::require_signed_in))
            }
            Access::MfaChallenge => route.route_layer(axum::middleware::from_fn(
                crate::auth::require_mfa_challenge,
            )),
            Access::MfaEnrolment => route.route_layer(axum::middleware::from_fn(
                crate::auth::require_mfa_enrolment,
            )),
            Access::LoginInProgress => route.route_layer(axum::middleware::from_fn(
                crate::auth::require_login_in_progress,
            )),
            Access::Capability(capability) => route.route_layer(
                axum::middleware::from_fn_with_state(capability, crate::auth::require_capability),
            ),
        };
        self.router = self.router.route(path, guarded);
        self.entries.push(RouteEntry {
            method,
            path,
            access,
        });
        self
    }

    /// Adds every route of another table.
    #[must_use]
    pub fn merge(mut self, other: Self) -> Self {
        self.router = self.router.merge(other.router);
        self.entries.extend(other.entries);
        self
    }

    /// Every registered entry point.
    #[must_use]
    pub fn entries(&self) -> &[RouteEntry] {
        &self.entries
    }

    /// The axum router; unknown paths fall through to a 404.
    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}
