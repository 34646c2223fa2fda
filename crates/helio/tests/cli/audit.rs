//! IG-2: `helio audit checkpoint` signs the newest entry; `helio audit verify` checks the
//! trail's hash chain and its checkpoints: intact, it says how many and exits 0; after an
//! edit made directly in the database, it names the entry and exits 1.

use helio_core::account::AccountId;
use helio_core::audit::AuditAction;
use helio_core::role::Role;
use helio_core::time::Timestamp;
use helio_store::{AuditEntry, PoolSettings, Store};

use crate::{run, text};

fn entry(n: u8) -> AuditEntry {
    AuditEntry {
        id: [n; 16],
        at: Timestamp::from_unix_micros(1_700_000_000_000_000 + i64::from(n)),
        actor: AccountId::from_bytes([1; 16]),
        actor_role: Role::Support,
        action: AuditAction::CustomerViewed,
        subject: None,
        reason: None,
        seen_from: None,
        request_id: None,
        grant: None,
    }
}

#[test]
fn ig_2_audit_verify_names_the_first_edited_entry() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = run(dir.path(), &["audit", "verify"], &[]);
    assert!(fresh.status.success(), "{}", text(&fresh.stderr));
    assert!(text(&fresh.stdout).contains("audit trail intact: 0 entries"));
    // The verification itself is a security event: entry 1.

    let url = secrecy::SecretString::from(format!(
        "sqlite://{}",
        dir.path().join("data/helio.db").display()
    ));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = Store::connect(&url, &PoolSettings::default())
            .await
            .unwrap();
        for n in 1..=3 {
            store.audit_trail().append(&entry(n)).await.unwrap();
        }
        store.close().await;
    });
    let signed = run(dir.path(), &["audit", "checkpoint"], &[]);
    assert!(signed.status.success(), "{}", text(&signed.stderr));
    assert!(text(&signed.stdout).contains("checkpoint signed at entry 4"));
    let again = run(dir.path(), &["audit", "checkpoint"], &[]);
    assert!(text(&again.stdout).contains("nothing new to sign"));
    let intact = run(dir.path(), &["audit", "verify"], &[]);
    assert!(intact.status.success(), "{}", text(&intact.stderr));
    assert!(
        text(&intact.stdout).contains("audit trail intact: 4 entries, 1 signed checkpoints"),
        "{}",
        text(&intact.stdout)
    );

    runtime.block_on(async {
        let store = Store::connect(&url, &PoolSettings::default())
            .await
            .unwrap();
        helio_store::testing::execute_raw(
            &store,
            "UPDATE audit_trail SET action = 'account_unlocked' WHERE seq = 2",
        )
        .await;
        store.close().await;
    });
    let broken = run(dir.path(), &["audit", "verify"], &[]);
    assert_eq!(broken.status.code(), Some(1));
    assert!(
        text(&broken.stderr)
            .contains("audit trail broken: entry 2 was changed after it was written"),
        "{}",
        text(&broken.stderr)
    );
}

#[test]
fn ig_2_an_export_verifies_offline_with_the_public_key_only() {
    let dir = tempfile::tempdir().unwrap();
    assert!(run(dir.path(), &["audit", "verify"], &[]).status.success());
    let url = secrecy::SecretString::from(format!(
        "sqlite://{}",
        dir.path().join("data/helio.db").display()
    ));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = Store::connect(&url, &PoolSettings::default())
            .await
            .unwrap();
        for n in 1..=4 {
            store.audit_trail().append(&entry(n)).await.unwrap();
        }
        store.close().await;
    });
    let key = run(dir.path(), &["audit", "public-key"], &[]);
    assert!(key.status.success(), "{}", text(&key.stderr));
    let key = text(&key.stdout).lines().last().unwrap().trim().to_owned();
    let file = dir.path().join("trail.jsonl");
    let exported = run(
        dir.path(),
        &[
            "audit",
            "export",
            "--since",
            "2023-01-01",
            "--output",
            file.to_str().unwrap(),
        ],
        &[],
    );
    assert!(exported.status.success(), "{}", text(&exported.stderr));
    assert!(text(&exported.stdout).contains("exported 5 entries (1 to 5)"));
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the export is readable by its owner only");
    }

    // Elsewhere, with nothing but the public key and the file.
    let elsewhere = tempfile::tempdir().unwrap();
    let check = |path: &std::path::Path, key: &str| {
        run(
            elsewhere.path(),
            &[
                "audit",
                "verify-export",
                "--public-key",
                key,
                "--file",
                path.to_str().unwrap(),
            ],
            &[],
        )
    };
    let good = check(&file, &key);
    assert!(good.status.success(), "{}", text(&good.stderr));
    assert!(text(&good.stdout).contains("export verified: 5 entries (1 to 5)"));
    assert!(
        !elsewhere.path().join("data").exists(),
        "no database or keys needed"
    );

    let original = std::fs::read_to_string(&file).unwrap();
    let edited = dir.path().join("edited.jsonl");
    std::fs::write(
        &edited,
        original.replacen("customer_viewed", "account_unlocked", 1),
    )
    .unwrap();
    let refused = check(&edited, &key);
    assert_eq!(refused.status.code(), Some(1));
    assert!(text(&refused.stderr).contains("were changed after the export"));

    let other_key = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        helio_core::audit_chain::CheckpointSigner::from_seed(&[3; 32]).public_key(),
    );
    let wrong = check(&file, &other_key);
    assert_eq!(wrong.status.code(), Some(1));
    assert!(text(&wrong.stderr).contains("not signed by this public key"));
}
