//! AU-3, AU-1: installers are invited into a partner company's crew. The link goes to their
//! mailbox; they set a password through it, must enrol a second factor at first login, and
//! see their crew on the account page.

use std::sync::Arc;

use helio_core::partner::CrewId;
use helio_core::time::Clock;
use helio_store::Store;
use helio_store::testing::dump;
use helio_web::services::accounts::AccountError;
use helio_web::services::partners::{PartnerError, PartnerService};

use crate::support::{TestApp, form_post, get, link_token, send, test_app};

const EMAIL: &str = "pau.roca@example.com";
const PASSWORD: &str = "seven herons over the salt flats";

async fn crew(app: &TestApp) -> CrewId {
    let partners = PartnerService::new(app.store.clone(), Arc::clone(&app.clock) as Arc<dyn Clock>);
    let company = partners.add_company("Sol y Tejado S.L.").await.unwrap();
    assert!(
        matches!(
            partners.add_company(" Sol y Tejado S.L. ").await,
            Err(PartnerError::Invalid(_))
        ),
        "company names are unique"
    );
    let crew = partners.add_crew(company, "Crew Norte").await.unwrap();
    assert!(
        matches!(
            partners.add_crew(company, "Crew Norte").await,
            Err(PartnerError::Invalid(_))
        ),
        "crew names are unique within a company"
    );
    crew
}

async fn au_3_an_installer_joins_a_crew_through_a_mailed_invitation(store: Store) {
    let app = test_app(store).await;
    let crew = crew(&app).await;
    let id = app
        .accounts
        .invite_installer(EMAIL, "Pau Roca", crew)
        .await
        .unwrap();
    let mail = app.sent_mail().await;
    let invitation = mail
        .iter()
        .find(|m| m.kind == "installer_invitation")
        .expect("the invitation is mailed");
    assert_eq!(invitation.to, EMAIL);
    assert!(invitation.body.contains("Sol y Tejado S.L."));
    let raw =
        String::from_utf8_lossy(&dump(&app.store, "SELECT * FROM accounts").await).into_owned();
    assert!(!raw.contains(EMAIL) && !raw.contains("Pau Roca"), "CR-3");

    let lost = link_token(&invitation.body);
    let again = app
        .accounts
        .invite_installer(EMAIL, "Pau Roca", crew)
        .await
        .unwrap();
    assert_eq!(
        again, id,
        "inviting again sends a fresh link to the same account"
    );
    let renewed = app.sent_mail().await;
    let token = link_token(&renewed[0].body);
    assert_eq!(
        send(
            &app.router,
            form_post(
                "/welcome",
                &format!("token={lost}&password=a+perfectly+long+passphrase")
            ),
        )
        .await
        .status,
        400,
        "the earlier link is void"
    );
    assert_eq!(
        get(&app.router, &format!("/welcome?token={token}"))
            .await
            .status,
        200
    );
    let set = send(
        &app.router,
        form_post(
            "/welcome",
            &format!("token={token}&password={}", PASSWORD.replace(' ', "+")),
        ),
    )
    .await;
    assert_eq!(set.status, 200, "{}", set.body);
    let login = send(
        &app.router,
        form_post(
            "/login",
            &format!(
                "email=pau.roca%40example.com&password={}",
                PASSWORD.replace(' ', "+")
            ),
        ),
    )
    .await;
    assert_eq!(
        login.header("location"),
        Some("/mfa/enrol"),
        "installers enrol a second factor before anything else"
    );
    let profile = app.accounts.profile(id).await.unwrap().unwrap();
    let membership = profile.crew.expect("an installer has a crew");
    assert_eq!(
        (
            membership.id,
            membership.name.as_str(),
            membership.company_name.as_str()
        ),
        (crew, "Crew Norte", "Sol y Tejado S.L.")
    );
}

async fn au_3_a_refused_invitation_leaves_nothing_behind(store: Store) {
    let app = test_app(store).await;
    let crew = crew(&app).await;
    app.accounts
        .invite_installer(EMAIL, "Pau Roca", crew)
        .await
        .unwrap();
    let accounts = dump(&app.store, "SELECT * FROM accounts").await;
    let members = dump(&app.store, "SELECT * FROM crew_members").await;
    let partners = PartnerService::new(app.store.clone(), Arc::clone(&app.clock) as Arc<dyn Clock>);
    let company = partners.add_company("Otra Empresa").await.unwrap();
    let other_crew = partners.add_crew(company, "Crew Sur").await.unwrap();
    for (email, name, crew) in [
        (EMAIL, "Pau Roca", other_crew),
        ("other@example.com", "Other", CrewId::random()),
        ("not an email", "", crew),
        ("x@example.com", "Line\nbreak", crew),
    ] {
        let refused = app.accounts.invite_installer(email, name, crew).await;
        assert!(
            matches!(refused, Err(AccountError::Invalid(_))),
            "{email:?} {name:?}"
        );
    }
    assert_eq!(dump(&app.store, "SELECT * FROM accounts").await, accounts);
    assert_eq!(
        dump(&app.store, "SELECT * FROM crew_members").await,
        members
    );
}

helio_store::dual_backend_tests!(
    au_3_an_installer_joins_a_crew_through_a_mailed_invitation,
    au_3_a_refused_invitation_leaves_nothing_behind,
);
