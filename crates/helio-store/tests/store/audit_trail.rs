//! AC-3, LM-1: the audit trail is append-only in the code: the store offers appending and
//! reading, and no SQL anywhere in the workspace updates or deletes its rows.

use std::path::Path;

use helio_core::account::AccountId;
use helio_core::audit::AuditAction;
use helio_core::break_glass::GrantId;
use helio_core::role::Role;
use helio_store::{AuditEntry, Store};

use crate::accounts::T0;

fn sources(dir: &Path, found: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push((
                path.display().to_string(),
                std::fs::read_to_string(&path).unwrap(),
            ));
        }
    }
}

#[test]
fn ac_3_no_code_updates_or_deletes_the_audit_trail() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut files = Vec::new();
    for krate in ["helio-core", "helio-store", "helio-web", "helio"] {
        sources(&crates.join(krate).join("src"), &mut files);
    }
    assert!(files.len() > 40, "the sources were found");
    let mut appends = 0;
    for (path, text) in &files {
        let flat: String = text
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_uppercase();
        for forbidden in [
            "UPDATE AUDIT_TRAIL",
            "DELETE FROM AUDIT_TRAIL",
            "TRUNCATE AUDIT_TRAIL",
            "DROP TABLE AUDIT_TRAIL",
            "REPLACE INTO AUDIT_TRAIL",
        ] {
            assert!(!flat.contains(forbidden), "{path} holds {forbidden}");
        }
        appends += flat.matches("INSERT INTO AUDIT_TRAIL").count();
    }
    assert_eq!(appends, 1, "one way in: AuditTrail::append");
}

async fn ac_3_entries_are_appended_and_read_back_as_written(store: Store) {
    let subject = AccountId::random();
    let grant = GrantId::random();
    let entry = |n: u8, action| AuditEntry {
        id: [n; 16],
        at: T0.saturating_add(std::time::Duration::from_secs(u64::from(n))),
        actor: AccountId::from_bytes([9; 16]),
        actor_role: Role::Support,
        action,
        subject: Some(subject),
        reason: Some(format!("ticket {n}")),
        seen_from: Some("203.0.113.0/24".to_owned()),
        request_id: Some("00000000-0000-4000-8000-000000000000".to_owned()),
        grant: (n == 2).then_some(grant),
    };
    let trail = store.audit_trail();
    trail
        .append(&entry(1, AuditAction::CustomerViewed))
        .await
        .unwrap();
    trail
        .append(&entry(2, AuditAction::PersonalDataRevealed))
        .await
        .unwrap();
    assert!(
        trail
            .append(&entry(2, AuditAction::AccountLocked))
            .await
            .is_err(),
        "an ID is never reused"
    );
    let read = trail.about(subject, 10).await.unwrap();
    assert_eq!(
        read,
        [
            entry(2, AuditAction::PersonalDataRevealed),
            entry(1, AuditAction::CustomerViewed)
        ]
    );
    assert_eq!(trail.recent(1).await.unwrap().len(), 1);
    assert_eq!(
        trail.under_grant(grant).await.unwrap(),
        [entry(2, AuditAction::PersonalDataRevealed)]
    );
    assert!(
        trail
            .about(AccountId::random(), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

helio_store::dual_backend_tests!(ac_3_entries_are_appended_and_read_back_as_written);
