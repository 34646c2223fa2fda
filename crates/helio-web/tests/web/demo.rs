//! SYS-1: `helio serve --demo` seeds, through the real services, crews with calendars, one
//! login per role that works, and a customer's orders in every state; seeding again does
//! nothing.

use std::collections::BTreeSet;

use helio_core::role::Role;
use helio_store::Store;
use helio_store::testing::dump;
use serde_json::{Value, json};

use crate::support::{json_post, send, test_app};

async fn sys_1_the_demo_has_every_role_and_every_order_state(store: Store) {
    let app = test_app(store).await;
    let demo = app.demo();
    let logins = demo.seed().await.unwrap().expect("seeded");
    let roles: BTreeSet<&str> = logins.iter().map(|l| l.role.as_str()).collect();
    assert_eq!(
        roles.len(),
        Role::ALL.len(),
        "one login per role at least: {roles:?}"
    );
    assert!(
        !format!("{logins:?}").contains(&logins[0].password),
        "no password in Debug"
    );

    let states = dump(
        &app.store,
        "SELECT DISTINCT state FROM orders ORDER BY state",
    )
    .await;
    let states = String::from_utf8_lossy(&states);
    for state in helio_core::order::OrderState::ALL {
        assert!(
            states.contains(state.as_str()),
            "no {} order in {states}",
            state.as_str()
        );
    }
    let rated = dump(&app.store, "SELECT stars FROM crew_ratings").await;
    assert!(!rated.is_empty(), "the completed job is rated");

    for login in &logins {
        let answer = send(
            &app.router,
            json_post(
                "/api/v1/sessions",
                &json!({"email": login.email, "password": login.password}),
            ),
        )
        .await;
        assert_eq!(answer.status, 200, "{} {}", login.email, answer.body);
        let status = serde_json::from_str::<Value>(&answer.body).unwrap()["status"].clone();
        let expected = if login.role == Role::Customer {
            "signed_in"
        } else {
            "mfa_enrolment_required"
        };
        assert_eq!(status, expected, "{}", login.email);
    }

    assert_eq!(demo.seed().await.unwrap(), None, "seeded once");
    let accounts = dump(&app.store, "SELECT COUNT(*) FROM accounts").await;
    assert_eq!(
        String::from_utf8_lossy(&accounts).trim_end_matches('\0'),
        logins.len().to_string()
    );
}

helio_store::dual_backend_tests!(sys_1_the_demo_has_every_role_and_every_order_state);
