//! SM-4: a role change ends every session of the account at once; the next login is a new
//! session under a new ID, with the new role.

use std::time::Duration;

use helio_core::role::Role;
use helio_core::time::Clock as _;
use helio_store::Store;
use helio_web::services::accounts::AccountError;

use crate::support::{
    get_with_session, log_in_form, post_with_session, send, session_cookie, test_app,
};

const STAFF: &str = "ivet.roca@helio.example";
const PASSWORD: &str = "ferns under the old viaduct";

async fn sm_4_a_role_change_ends_every_session_of_the_account(store: Store) {
    let app = test_app(store).await;
    let (account, link) = app
        .accounts
        .create_staff(STAFF, "Ivet Roca", Role::Support)
        .await
        .unwrap();
    let token = link.split("token=").nth(1).unwrap();
    app.accounts.accept_invite(token, PASSWORD).await.unwrap();
    let enrolling = session_cookie(&log_in_form(&app, STAFF, PASSWORD).await);
    let (secret, _) = crate::mfa::enrol(&app, &enrolling).await;
    let full = session_cookie(&log_in_form(&app, STAFF, PASSWORD).await);
    app.clock.advance(Duration::from_secs(30));
    let code = secret.code_at(app.clock.now()).unwrap();
    let promoted = send(
        &app.router,
        post_with_session("/mfa", &full, &[("code", &code)]),
    )
    .await;
    assert_eq!(
        promoted.header("location"),
        Some("/account"),
        "{}",
        promoted.body
    );
    let before = session_cookie(&promoted);
    let page = send(&app.router, get_with_session("/account", &before)).await;
    assert!(page.body.contains("<dd>support</dd>"), "{}", page.body);

    let changed = app
        .accounts
        .change_staff_role(STAFF, Role::Engineer)
        .await
        .unwrap();
    assert_eq!((changed.account, changed.from), (account, Role::Support));
    assert!(changed.sessions_ended >= 1);
    let after = send(&app.router, get_with_session("/account", &before)).await;
    assert_eq!(
        after.header("location"),
        Some("/login"),
        "the old session is over"
    );

    let again = session_cookie(&log_in_form(&app, STAFF, PASSWORD).await);
    app.clock.advance(Duration::from_secs(30));
    let code = secret.code_at(app.clock.now()).unwrap();
    let promoted = send(
        &app.router,
        post_with_session("/mfa", &again, &[("code", &code)]),
    )
    .await;
    let renewed = session_cookie(&promoted);
    assert_ne!(renewed, before);
    let page = send(&app.router, get_with_session("/account", &renewed)).await;
    assert!(page.body.contains("<dd>engineer</dd>"));
    assert!(
        page.body
            .contains("Account type changed by an administrator")
    );
}

async fn sm_4_only_staff_get_staff_roles(store: Store) {
    let app = test_app(store).await;
    app.verified_customer("Quim Puig", "quim.puig@example.com", PASSWORD)
        .await;
    app.accounts
        .create_staff(STAFF, "Ivet Roca", Role::Sales)
        .await
        .unwrap();
    for (email, role) in [
        ("quim.puig@example.com", Role::Admin),
        ("nobody@helio.example", Role::Admin),
        (STAFF, Role::Sales),
        (STAFF, Role::Customer),
        ("not an email", Role::Admin),
    ] {
        assert!(
            matches!(
                app.accounts.change_staff_role(email, role).await,
                Err(AccountError::Invalid(_))
            ),
            "{email} {role}"
        );
    }
    let customer = session_cookie(&log_in_form(&app, "quim.puig@example.com", PASSWORD).await);
    let page = send(&app.router, get_with_session("/account", &customer)).await;
    assert!(page.body.contains("<dd>customer</dd>"), "unchanged");
}

helio_store::dual_backend_tests!(
    sm_4_a_role_change_ends_every_session_of_the_account,
    sm_4_only_staff_get_staff_roles,
);
