//! AC-1: every route is registered with an access rule, and the public surface is exactly the
//! reviewed list below. Adding a public route means adding it here, on purpose.

use std::collections::HashSet;

use axum::http::Method;
use helio_core::access::Access;
use helio_store::Store;

use crate::support::{app, form_post, get, send};

/// Every route anyone may call without an account. Review before extending.
const REVIEWED_PUBLIC_ROUTES: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/static/helio.css"),
    ("GET", "/static/icon.svg"),
    ("GET", "/static/passkeys.js"),
    ("GET", "/static/session.js"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/signup"),
    ("POST", "/signup"),
    ("GET", "/signup/sent"),
    ("GET", "/verify-email"),
    ("POST", "/verify-email"),
    ("POST", "/api/v1/accounts"),
    ("POST", "/api/v1/accounts/verify-email"),
    ("GET", "/login"),
    ("POST", "/login"),
    // Passwordless login: challenges are budgeted per source and expire in five minutes;
    // the answer signs nobody in without a valid signature from a registered passkey.
    ("POST", "/login/passkey/options"),
    ("POST", "/login/passkey"),
    ("GET", "/forgot-password"),
    ("POST", "/forgot-password"),
    ("GET", "/forgot-password/sent"),
    ("GET", "/reset-password"),
    ("POST", "/reset-password"),
    ("GET", "/welcome"),
    ("POST", "/welcome"),
    ("POST", "/api/v1/password-resets"),
    ("POST", "/api/v1/password-resets/complete"),
    // "This wasn't me": a single-use 256-bit link from a new-device notice; GET only shows a
    // button, POST spends the link (same-origin check).
    ("GET", "/not-me"),
    ("POST", "/not-me"),
    // App login (throttled like the page) and refresh (needs a live, unspent refresh token).
    ("POST", "/api/v1/sessions"),
    ("POST", "/api/v1/sessions/refresh"),
    // Passwordless app login: the same budgeted challenges and signature check as the page's.
    ("POST", "/api/v1/sessions/passkey/options"),
    ("POST", "/api/v1/sessions/passkey"),
];

#[test]
fn ac_1_every_route_has_one_rule_and_the_public_surface_is_reviewed() {
    let table = helio_web::route_table();
    let entries = table.entries();
    let mut seen = HashSet::new();
    for entry in entries {
        assert!(
            seen.insert((entry.method.clone(), entry.path)),
            "{} {} registered twice",
            entry.method,
            entry.path
        );
    }
    let public: HashSet<(String, &str)> = entries
        .iter()
        .filter(|e| e.access == Access::Public)
        .map(|e| (e.method.to_string(), e.path))
        .collect();
    let reviewed: HashSet<(String, &str)> = REVIEWED_PUBLIC_ROUTES
        .iter()
        .map(|(method, path)| ((*method).to_owned(), *path))
        .collect();
    assert_eq!(public, reviewed, "the public surface changed: review it");
}

async fn ac_1_public_routes_answer_anonymous_visitors(store: Store) {
    let app = app(store).await;
    for entry in helio_web::route_table().entries() {
        if !entry.access.allows_anonymous() {
            continue;
        }
        if entry.method == Method::GET {
            let answer = get(&app, entry.path).await;
            // A link page that checks its token before showing anything says 400 without one.
            let expected = if entry.path == "/not-me" { 400 } else { 200 };
            assert_eq!(answer.status, expected, "{} {}", entry.method, entry.path);
        } else {
            assert_eq!(
                entry.method,
                Method::POST,
                "extend this test for {}",
                entry.method
            );
            let answer = send(&app, form_post(entry.path, "")).await;
            assert!(
                ![401, 403, 404, 405].contains(&answer.status),
                "{} {} answered {}",
                entry.method,
                entry.path,
                answer.status
            );
        }
    }
}

/// Deny by default: every route that is not public sends an anonymous browser to the login
/// page, or answers an API client 401 (and never runs its handler).
async fn ac_1_every_other_route_refuses_anonymous_visitors(store: Store) {
    let app = app(store).await;
    let guarded: Vec<_> = helio_web::route_table()
        .entries()
        .iter()
        .filter(|e| !e.access.allows_anonymous())
        .cloned()
        .collect();
    assert!(!guarded.is_empty());
    for entry in guarded {
        let answer = if entry.method == Method::GET {
            get(&app, entry.path).await
        } else {
            send(&app, form_post(entry.path, "")).await
        };
        if entry.path.starts_with("/api/") {
            assert_eq!(
                (answer.status, answer.header("www-authenticate")),
                (401, Some("Bearer")),
                "{} {}",
                entry.method,
                entry.path
            );
            continue;
        }
        assert_eq!(answer.status, 303, "{} {}", entry.method, entry.path);
        assert_eq!(
            answer.header("location"),
            Some("/login"),
            "{} {}",
            entry.method,
            entry.path
        );
    }
}

helio_store::dual_backend_tests!(
    ac_1_public_routes_answer_anonymous_visitors,
    ac_1_every_other_route_refuses_anonymous_visitors,
);
