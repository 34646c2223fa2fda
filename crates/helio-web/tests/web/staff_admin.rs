//! The admins' staff tools (AC-5, SM-4, LM-1): invitations go to the invitee's mailbox; the
//! access review lists every staff account with its role, second step and last login and
//! flags the ones unused for 90 days, which one action disables; role changes and disabling
//! apply at once and never to the admin's own account; every step is audited.

use std::time::Duration;

use helio_core::role::Role;
use helio_store::Store;
use helio_store::testing::dump;

use crate::support::{
    get_with_session, link_token, log_in_form, post_with_session, send, staff_actions, test_app,
};

/// The password `signed_in_as` gives every account.
const PASSWORD: &str = "a passphrase kept in a vault";

/// AC-5: the review lists every staff account, flags those without a login for 90 days
/// (an invitation nobody took up too), and one action disables them all but the admin's own.
async fn ac_5_the_access_review_flags_unused_accounts_and_disables_them_in_one_action(
    store: Store,
) {
    let app = test_app(store).await;
    let first_admin = app
        .signed_in_as("aina.pujol@helio.example", Role::Admin)
        .await;
    app.signed_in_as("biel.costa@helio.example", Role::Support)
        .await;
    app.signed_in_as("cesc.mir@helio.example", Role::Engineer)
        .await;
    let customer = app
        .signed_in_as("dana.vila@example.com", Role::Customer)
        .await;
    let invited = send(
        &app.router,
        post_with_session(
            "/admin/staff/invite",
            &first_admin,
            &[
                ("email", "enric.sala@helio.example"),
                ("name", "Enric Sala"),
                ("role", "sales"),
                ("reason", "new hire, HR-77"),
            ],
        ),
    )
    .await;
    assert_eq!(invited.status, 303, "{}", invited.body);
    let mail = app.sent_mail().await;
    let invitation = mail
        .iter()
        .find(|m| m.to == "enric.sala@helio.example")
        .expect("the invitation goes to the invitee");
    assert_eq!(invitation.kind, "staff_invitation");
    assert!(!link_token(&invitation.body).is_empty());

    let review = send(&app.router, get_with_session("/admin/staff", &first_admin)).await;
    assert_eq!(review.status, 200);
    for listed in [
        "aina.pujol@helio.example",
        "biel.costa@helio.example",
        "cesc.mir@helio.example",
        "enric.sala@helio.example",
    ] {
        assert!(review.body.contains(listed), "{listed}");
    }
    assert!(
        !review.body.contains("dana.vila"),
        "customers are not staff"
    );
    assert!(review.body.contains("authenticator app"));
    assert!(review.body.contains("invited"));
    assert!(!review.body.contains("data-unused"), "nobody is unused yet");
    assert_eq!(
        send(&app.router, get_with_session("/admin/staff", &customer))
            .await
            .status,
        403
    );

    app.clock.advance(Duration::from_secs(91 * 24 * 60 * 60));
    let admin = app
        .signed_in_as("fina.soler@helio.example", Role::Admin)
        .await;
    let review = send(&app.router, get_with_session("/admin/staff", &admin)).await;
    let flagged: Vec<&str> = review
        .body
        .split("<tr ")
        .filter(|row| row.contains("data-unused"))
        .collect();
    assert_eq!(flagged.len(), 4, "{flagged:#?}");
    assert!(review.body.contains("Disable the 4 unused accounts"));
    let no_reason = send(
        &app.router,
        post_with_session("/admin/staff/disable-unused", &admin, &[("reason", "")]),
    )
    .await;
    assert_eq!(no_reason.status, 422);
    let disabled = send(
        &app.router,
        post_with_session(
            "/admin/staff/disable-unused",
            &admin,
            &[("reason", "quarterly access review Q1")],
        ),
    )
    .await;
    assert_eq!(disabled.status, 303);
    assert_eq!(
        log_in_form(&app, "biel.costa@helio.example", PASSWORD)
            .await
            .status,
        401,
        "a disabled account cannot log in"
    );
    let review = send(&app.router, get_with_session("/admin/staff", &admin)).await;
    assert_eq!(review.status, 200, "the acting admin kept access");
    assert!(!review.body.contains("data-unused"));
    assert_eq!(review.body.matches(">disabled").count(), 4);
    let trail = staff_actions(&app).await;
    assert_eq!(trail.matches("staff_disabled").count(), 4, "{trail}");
    assert!(trail.contains("quarterly access review Q1"));
    assert!(trail.contains("staff_invited") && trail.contains("new hire, HR-77"));
    assert!(trail.contains("access_reviewed"));
}

/// AC-5, SM-4: a role change and a disable end every session of that account at once; an
/// admin cannot change, disable or enable their own account; bad input changes nothing.
async fn ac_5_role_changes_and_disabling_apply_at_once_and_never_to_oneself(store: Store) {
    let app = test_app(store).await;
    let admin = app
        .signed_in_as("gina.roig@helio.example", Role::Admin)
        .await;
    let support = app
        .signed_in_as("hug.prats@helio.example", Role::Support)
        .await;
    let engineer = app
        .signed_in_as("iu.vives@helio.example", Role::Engineer)
        .await;
    let admin_id = app.account_id("gina.roig@helio.example").await;
    let support_id = app.account_id("hug.prats@helio.example").await;
    let engineer_id = app.account_id("iu.vives@helio.example").await;

    for (fields, status) in [
        (vec![("role", "sales"), ("reason", "")], 422),
        (vec![("role", "customer"), ("reason", "moving teams")], 422),
        (vec![("role", "root"), ("reason", "moving teams")], 422),
        (vec![("role", "support"), ("reason", "moving teams")], 422),
    ] {
        let answer = send(
            &app.router,
            post_with_session(&format!("/admin/staff/{support_id}/role"), &admin, &fields),
        )
        .await;
        assert_eq!(answer.status, status, "{fields:?}");
    }
    assert_eq!(
        send(&app.router, get_with_session("/account", &support))
            .await
            .status,
        200,
        "refused changes end nothing"
    );
    let changed = send(
        &app.router,
        post_with_session(
            &format!("/admin/staff/{support_id}/role"),
            &admin,
            &[("role", "sales"), ("reason", "moving to sales, HR-80")],
        ),
    )
    .await;
    assert_eq!(changed.status, 303);
    assert_eq!(
        send(&app.router, get_with_session("/account", &support))
            .await
            .header("location"),
        Some("/login"),
        "the new role applies at once"
    );

    for path in ["role", "disable", "enable"] {
        let own = send(
            &app.router,
            post_with_session(
                &format!("/admin/staff/{admin_id}/{path}"),
                &admin,
                &[("role", "support"), ("reason", "trying my own")][usize::from(path != "role")..],
            ),
        )
        .await;
        assert_eq!(own.status, 403, "{path} of oneself");
    }
    let review = send(&app.router, get_with_session("/admin/staff", &admin)).await;
    assert!(review.body.contains("gina.roig@helio.example"));
    assert!(
        !review
            .body
            .contains(&format!("/admin/staff/{admin_id}/disable")),
        "no forms for oneself"
    );

    let disabled = send(
        &app.router,
        post_with_session(
            &format!("/admin/staff/{engineer_id}/disable"),
            &admin,
            &[("reason", "left the company")],
        ),
    )
    .await;
    assert_eq!(disabled.status, 303);
    let ends = dump(&app.store, "SELECT end_reason FROM sessions").await;
    assert_eq!(
        String::from_utf8_lossy(&ends)
            .matches("ended_by_staff")
            .count(),
        1,
        "the engineer's session was ended, not merely refused"
    );
    assert_eq!(
        send(&app.router, get_with_session("/ops", &engineer))
            .await
            .header("location"),
        Some("/login"),
        "disabled at once"
    );
    assert_eq!(
        log_in_form(&app, "iu.vives@helio.example", PASSWORD)
            .await
            .status,
        401
    );
    let twice = send(
        &app.router,
        post_with_session(
            &format!("/admin/staff/{engineer_id}/disable"),
            &admin,
            &[("reason", "left the company")],
        ),
    )
    .await;
    assert_eq!(twice.status, 409);
    let enabled = send(
        &app.router,
        post_with_session(
            &format!("/admin/staff/{engineer_id}/enable"),
            &admin,
            &[("reason", "came back, HR-81")],
        ),
    )
    .await;
    assert_eq!(enabled.status, 303);
    assert_ne!(
        log_in_form(&app, "iu.vives@helio.example", PASSWORD)
            .await
            .status,
        401
    );
    let customer_id = {
        app.signed_in_as("jan.obrador@example.com", Role::Customer)
            .await;
        app.account_id("jan.obrador@example.com").await
    };
    let not_staff = send(
        &app.router,
        post_with_session(
            &format!("/admin/staff/{customer_id}/disable"),
            &admin,
            &[("reason", "not staff")],
        ),
    )
    .await;
    assert_eq!(
        not_staff.status, 404,
        "customers are support's, not the staff tools'"
    );
    let trail = staff_actions(&app).await;
    for action in ["staff_role_changed", "staff_disabled", "staff_enabled"] {
        assert_eq!(trail.matches(action).count(), 1, "{action}: {trail}");
    }
}

helio_store::dual_backend_tests!(
    ac_5_the_access_review_flags_unused_accounts_and_disables_them_in_one_action,
    ac_5_role_changes_and_disabling_apply_at_once_and_never_to_oneself,
);
