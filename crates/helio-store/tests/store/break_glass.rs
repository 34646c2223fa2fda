//! AC-5: break-glass decisions are compare-and-swaps on the stored decision: one decision per
//! request, never by the requester, and an end closes only an open grant.

use std::time::Duration;

use helio_core::account::AccountId;
use helio_core::break_glass::{GrantDecision, GrantId};
use helio_store::{GrantRecord, Store};

use crate::accounts::T0;

fn request(requester: AccountId) -> GrantRecord {
    GrantRecord {
        id: GrantId::random(),
        requester,
        subject: AccountId::random(),
        reason: "INC-42 payment stuck".to_owned(),
        minutes: 30,
        decision: GrantDecision::Pending,
        requested_at: T0,
        decided_by: None,
        decided_at: None,
        refusal: None,
        expires_at: None,
        ended_at: None,
    }
}

async fn ac_5_one_decision_per_request_never_by_its_requester(store: Store) {
    let grants = store.break_glass();
    let engineer = AccountId::random();
    let admin = AccountId::random();
    let later = T0.saturating_add(Duration::from_secs(60));
    let until = later.saturating_add(Duration::from_secs(1_800));

    let asked = request(engineer);
    grants.insert(&asked).await.unwrap();
    assert_eq!(grants.by_id(asked.id).await.unwrap(), Some(asked.clone()));
    assert_eq!(
        grants.pending_since(T0, 10).await.unwrap(),
        std::slice::from_ref(&asked)
    );
    assert!(
        !grants
            .approve(asked.id, engineer, later, until)
            .await
            .unwrap(),
        "the requester cannot approve, even past the service"
    );
    assert!(grants.approve(asked.id, admin, later, until).await.unwrap());
    assert!(!grants.approve(asked.id, admin, later, until).await.unwrap());
    assert!(!grants.refuse(asked.id, admin, later, "no").await.unwrap());
    let approved = grants.by_id(asked.id).await.unwrap().unwrap();
    assert_eq!(approved.decision, GrantDecision::Approved);
    assert_eq!(approved.decided_by, Some(admin));
    assert_eq!(approved.expires_at, Some(until));
    assert!(grants.pending_since(T0, 10).await.unwrap().is_empty());

    assert!(
        !grants.end(asked.id, until).await.unwrap(),
        "already expired"
    );
    assert!(grants.end(asked.id, later).await.unwrap());
    assert!(!grants.end(asked.id, later).await.unwrap());
    assert_eq!(
        grants.by_id(asked.id).await.unwrap().unwrap().ended_at,
        Some(later)
    );

    let refused = request(engineer);
    grants.insert(&refused).await.unwrap();
    assert!(
        grants
            .refuse(refused.id, admin, later, "use the logs")
            .await
            .unwrap()
    );
    assert!(
        !grants
            .approve(refused.id, admin, later, until)
            .await
            .unwrap()
    );
    assert!(!grants.end(refused.id, later).await.unwrap());
    let stored = grants.by_id(refused.id).await.unwrap().unwrap();
    assert_eq!(stored.refusal.as_deref(), Some("use the logs"));
    assert_eq!(grants.of_requester(engineer, 10).await.unwrap().len(), 2);
    assert_eq!(grants.recent(1).await.unwrap().len(), 1);
    assert!(grants.by_id(GrantId::random()).await.unwrap().is_none());
}

helio_store::dual_backend_tests!(ac_5_one_decision_per_request_never_by_its_requester);
