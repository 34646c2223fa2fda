//! IG-2: the engineer's operations page shows the last verification of the audit chain and
//! verifies it on demand; an entry edited directly in the database shows as broken there.

use helio_core::role::Role;
use helio_store::Store;

use crate::support::{get_with_session, post_with_session, send, test_app};

async fn ig_2_the_operations_page_shows_the_last_audit_verification(store: Store) {
    let app = test_app(store).await;
    let engineer = app
        .signed_in_as("nora.vidal@helio.example", Role::Engineer)
        .await;
    let support = app
        .signed_in_as("tomas.sol@helio.example", Role::Support)
        .await;
    let page = send(&app.router, get_with_session("/ops", &engineer)).await;
    assert!(page.body.contains(r#"data-audit-verification="none""#));

    // Support's search is audited, after the sign-ins' security events.
    let searched = send(
        &app.router,
        post_with_session(
            "/staff/customers/search",
            &support,
            &[("q", "nobody@example.com")],
        ),
    )
    .await;
    assert_eq!(searched.status, 200);
    let trail = |sql: &'static str| {
        let store = app.store.clone();
        async move {
            String::from_utf8_lossy(&helio_store::testing::dump(&store, sql).await)
                .chars()
                .filter(|c| !c.is_control())
                .collect::<String>()
        }
    };
    let entries = trail("SELECT COUNT(*) FROM audit_trail").await;
    let verify = || post_with_session("/ops/audit/verify", &engineer, &[]);
    assert_eq!(send(&app.router, verify()).await.status, 303);
    let page = send(&app.router, get_with_session("/ops", &engineer)).await;
    assert!(
        page.body.contains(r#"data-audit-verification="intact""#),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(&format!("{entries} entries")),
        "{entries}: {}",
        page.body
    );
    assert_eq!(
        trail("SELECT severity FROM audit_trail WHERE action = 'audit_verified'").await,
        "info",
        "the result is a security event in the trail as well"
    );

    helio_store::testing::execute_raw(
        &app.store,
        "UPDATE audit_trail SET reason = 'rewritten' WHERE seq = 1",
    )
    .await;
    assert_eq!(send(&app.router, verify()).await.status, 303);
    let page = send(&app.router, get_with_session("/ops", &engineer)).await;
    assert!(page.body.contains(r#"data-audit-verification="broken""#));
    assert!(
        page.body
            .contains("entry 1 was changed after it was written")
    );
    assert_eq!(
        trail("SELECT details FROM audit_trail WHERE action = 'audit_verification_failed'").await,
        r#"{"reason":"edited","count":1}"#
    );
    assert_eq!(
        send(
            &app.router,
            post_with_session("/ops/audit/verify", &support, &[])
        )
        .await
        .status,
        403,
        "support reach no system page"
    );
}

helio_store::dual_backend_tests!(ig_2_the_operations_page_shows_the_last_audit_verification);
