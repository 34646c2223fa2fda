//! AC-3, LM-1: the audit trail is append-only in the code: the store offers appending and
//! reading, and no SQL anywhere in the workspace updates or deletes its rows.

use std::path::Path;

use helio_core::account::AccountId;
use helio_core::audit::AuditAction;
use helio_core::audit_chain::{ChainBreak, CheckpointSigner};
use helio_core::break_glass::GrantId;
use helio_core::role::Role;
use helio_core::security_event::{EventName, LoginMethod, SecurityEvent};
use helio_store::testing::{dump, execute_raw};
use helio_store::{AuditEntry, Checkpoint, EventEntry, Store, Verified};

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
    let mut appends = Vec::new();
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
        for _ in flat.matches("INSERT INTO AUDIT_TRAIL") {
            let file = Path::new(path).file_name().unwrap().to_string_lossy();
            appends.push(file.into_owned());
        }
    }
    appends.sort();
    assert_eq!(
        appends,
        ["audit_trail.rs", "snapshots.rs"],
        "two ways in: AuditTrail::append, and a restore into an empty database"
    );
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

fn numbered(n: u64) -> AuditEntry {
    let mut id = [0; 16];
    id[..8].copy_from_slice(&n.to_be_bytes());
    id[8] = 0xa5;
    AuditEntry {
        id,
        at: T0.saturating_add(std::time::Duration::from_secs(n)),
        actor: AccountId::from_bytes([4; 16]),
        actor_role: Role::Support,
        action: AuditAction::CustomerViewed,
        subject: Some(AccountId::from_bytes([5; 16])),
        reason: Some(format!("ticket {n}")),
        seen_from: None,
        request_id: None,
        grant: None,
    }
}

fn signer() -> CheckpointSigner {
    CheckpointSigner::from_seed(&[11; 32])
}

async fn check(store: &Store) -> Verified {
    store
        .audit_trail()
        .verify(&signer().public_key())
        .await
        .unwrap()
}

async fn sign(store: &Store, seq: u64, head: [u8; 32], by: &CheckpointSigner) {
    assert!(
        store
            .audit_trail()
            .record_checkpoint(&Checkpoint {
                seq,
                head,
                signature: by.sign(seq, &head),
                signed_at: T0,
            })
            .await
            .unwrap()
    );
}

/// IG-2: cutting the newest entries and rewriting the head to match is caught by a signed
/// checkpoint; a checkpoint not signed by the audit key, or not matching the chain, is too.
async fn ig_2_signed_checkpoints_catch_a_cut_and_rewritten_tail(store: Store) {
    let trail = store.audit_trail();
    for n in 1..=5 {
        trail.append(&numbered(n)).await.unwrap();
    }
    let (seq, head) = trail.newest().await.unwrap().unwrap();
    assert_eq!(seq, 5);
    sign(&store, seq, head, &signer()).await;
    assert!(matches!(
        check(&store).await,
        Verified::Intact {
            entries: 5,
            checkpoints: 1,
            ..
        }
    ));

    execute_raw(&store, "DELETE FROM audit_trail WHERE seq = 5").await;
    execute_raw(
        &store,
        "UPDATE audit_chain_head SET seq = 4, head_hash = \
         (SELECT entry_hash FROM audit_trail WHERE seq = 4) WHERE id = 1",
    )
    .await;
    assert_eq!(
        check(&store).await,
        Verified::Broken(ChainBreak::Truncated { last: 4, head: 5 }),
        "the head was rewritten, but the checkpoint remembers entry 5"
    );
    execute_raw(&store, "DELETE FROM audit_checkpoints").await;
    assert!(
        matches!(check(&store).await, Verified::Intact { entries: 4, .. }),
        "without the checkpoint the cut would pass: checkpoints are what catch it"
    );

    sign(&store, 2, [7; 32], &signer()).await;
    assert_eq!(
        check(&store).await,
        Verified::Broken(ChainBreak::CheckpointMismatch { seq: 2 })
    );
    execute_raw(&store, "DELETE FROM audit_checkpoints").await;
    let (_, newest) = trail.newest().await.unwrap().unwrap();
    sign(&store, 4, newest, &CheckpointSigner::from_seed(&[12; 32])).await;
    assert_eq!(
        check(&store).await,
        Verified::Broken(ChainBreak::ForgedCheckpoint { seq: 4 })
    );
}

/// IG-2: edits, reorderings, insertions outside the chain and deletions, made directly in
/// the database, are each caught and the first bad entry named.
async fn ig_2_tampering_with_the_trail_is_caught(store: Store) {
    let trail = store.audit_trail();
    assert!(matches!(
        check(&store).await,
        Verified::Intact { entries: 0, .. }
    ));
    for n in 1..=5 {
        trail.append(&numbered(n)).await.unwrap();
    }
    let Verified::Intact {
        entries: 5, head, ..
    } = check(&store).await
    else {
        panic!("an untouched chain verifies")
    };
    assert_ne!(head, [0; 32]);

    execute_raw(
        &store,
        "UPDATE audit_trail SET reason = 'ticket 33' WHERE seq = 3",
    )
    .await;
    assert_eq!(
        check(&store).await,
        Verified::Broken(ChainBreak::Edited { seq: 3 })
    );
    execute_raw(
        &store,
        "UPDATE audit_trail SET reason = 'ticket 3' WHERE seq = 3",
    )
    .await;
    assert!(matches!(
        check(&store).await,
        Verified::Intact { entries: 5, .. }
    ));

    let swap = [
        "UPDATE audit_trail SET seq = 100 WHERE seq = 2",
        "UPDATE audit_trail SET seq = 2 WHERE seq = 4",
        "UPDATE audit_trail SET seq = 4 WHERE seq = 100",
    ];
    for sql in swap {
        execute_raw(&store, sql).await;
    }
    assert_eq!(
        check(&store).await,
        Verified::Broken(ChainBreak::BrokenLink { seq: 2 })
    );
    for sql in swap {
        execute_raw(&store, sql).await;
    }
    assert!(matches!(
        check(&store).await,
        Verified::Intact { entries: 5, .. }
    ));

    execute_raw(
        &store,
        "INSERT INTO audit_trail (id, at, actor_id, actor_role, action) \
         SELECT subject_id, at, actor_id, actor_role, action FROM audit_trail WHERE seq = 1",
    )
    .await;
    assert_eq!(
        check(&store).await,
        Verified::Outside(1),
        "a row slipped in without a place"
    );
    execute_raw(&store, "DELETE FROM audit_trail WHERE seq IS NULL").await;

    execute_raw(&store, "DELETE FROM audit_trail WHERE seq = 4").await;
    assert_eq!(
        check(&store).await,
        Verified::Broken(ChainBreak::Gap {
            expected: 4,
            found: 5
        })
    );
    execute_raw(&store, "DELETE FROM audit_trail WHERE seq = 5").await;
    assert_eq!(
        check(&store).await,
        Verified::Broken(ChainBreak::Truncated { last: 3, head: 5 })
    );
}

/// LM-1, IG-2: security events are links of the same chain as staff actions: stored with
/// their severity, typed fields as JSON and context, left out of the readers of staff
/// actions, and an edit to any of their columns (the severity, a field, the account) is
/// caught like any other.
async fn lm_1_security_events_are_chained_and_their_columns_are_covered(store: Store) {
    let trail = store.audit_trail();
    let account = AccountId::random();
    trail.append(&numbered(1)).await.unwrap();
    let failed =
        SecurityEvent::login_failed(LoginMethod::Password, "wrong_password", Some(account));
    trail
        .record_event(&EventEntry {
            id: [2; 16],
            at: T0,
            event: &failed,
            reason: None,
            seen_from: Some("203.0.113.0/24"),
            request_id: Some("r-2"),
        })
        .await
        .unwrap();
    let reason = "ticket 9: lost phone";
    trail
        .record_event(&EventEntry {
            id: [3; 16],
            at: T0,
            event: &SecurityEvent::about(EventName::SessionsEndedByStaff, account).counting(2),
            reason: Some(reason),
            seen_from: None,
            request_id: None,
        })
        .await
        .unwrap();
    assert!(matches!(
        check(&store).await,
        Verified::Intact { entries: 3, .. }
    ));
    let stored = String::from_utf8_lossy(
        &dump(
            &store,
            "SELECT action, severity, details, seen_from, request_id, reason FROM audit_trail \
             WHERE seq = 2 OR seq = 3 ORDER BY seq",
        )
        .await,
    )
    .into_owned();
    let details =
        format!(r#"{{"account":"{account}","method":"password","reason":"wrong_password"}}"#);
    for expected in [
        "login_failed",
        "notice",
        details.as_str(),
        "203.0.113.0/24",
        "r-2",
        "sessions_ended_by_staff",
        "warning",
        r#""count":2"#,
        reason,
    ] {
        assert!(
            stored.contains(expected),
            "{expected} missing from {stored}"
        );
    }
    assert!(
        trail.about(account, 10).await.unwrap().is_empty(),
        "staff actions only"
    );
    assert_eq!(trail.recent(10).await.unwrap().len(), 1);

    for (tamper, undo) in [
        (
            "UPDATE audit_trail SET severity = 'info' WHERE seq = 2",
            "UPDATE audit_trail SET severity = 'notice' WHERE seq = 2",
        ),
        (
            "UPDATE audit_trail SET details = REPLACE(details, 'wrong_password', 'malformed') WHERE seq = 2",
            "UPDATE audit_trail SET details = REPLACE(details, 'malformed', 'wrong_password') WHERE seq = 2",
        ),
        (
            "UPDATE audit_trail SET details = NULL, severity = NULL WHERE seq = 3",
            "",
        ),
    ] {
        execute_raw(&store, tamper).await;
        let found = check(&store).await;
        assert!(
            matches!(found, Verified::Broken(ChainBreak::Edited { seq: 2 | 3 })),
            "{tamper}: {found:?}"
        );
        if !undo.is_empty() {
            execute_raw(&store, undo).await;
            assert!(matches!(
                check(&store).await,
                Verified::Intact { entries: 3, .. }
            ));
        }
    }
}

/// IG-2: writers appending at once, through separate connections, still make one chain.
async fn ig_2_parallel_writers_keep_one_valid_chain(store: Store) {
    let writers: Vec<_> = (0..8_u64)
        .map(|writer| {
            let store = store.clone();
            tokio::spawn(async move {
                for n in 0..25_u64 {
                    store
                        .audit_trail()
                        .append(&numbered(1_000 * (writer + 1) + n))
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }
    assert!(
        matches!(check(&store).await, Verified::Intact { entries: 200, .. }),
        "{:?}",
        check(&store).await
    );
}

helio_store::dual_backend_tests!(
    ac_3_entries_are_appended_and_read_back_as_written,
    ig_2_tampering_with_the_trail_is_caught,
    lm_1_security_events_are_chained_and_their_columns_are_covered,
    ig_2_parallel_writers_keep_one_valid_chain,
    ig_2_signed_checkpoints_catch_a_cut_and_rewritten_tail,
);
