//! CR-4: rotating the data key while the service runs loses nothing, and another replica
//! that loaded its keys before the rotation keeps reading every row; rotating the KEK moves
//! every data key to it, all or none.

use std::collections::HashMap;

use helio_core::crypto::envelope::{DataKey, Rewrap, rewrap};
use helio_core::keys::{KeyVersion, MasterKey};
use helio_core::time::Timestamp;
use helio_store::testing::dump;
use helio_store::{Store, StoreError};
use helio_web::services::accounts::LoginOutcome;
use helio_web::services::kek_rotation::{KekRotation, KekRotationError, rotate_kek};
use helio_web::services::keyring::{Keyring, KeyringError};
use helio_web::services::rotation::{
    RETIRE_GRACE, Retirement, reencrypt_all, reencrypt_batch, retire_old_keys,
};
use serde_json::json;

use crate::support::{from_ip, json_post, kek_of, link_token, send, test_app, with_kek};

const PASSWORD: &str = "walnut shells in the autumn rain";

async fn cr_4_key_rotation_mid_run_loses_nothing(store: Store) {
    let app = test_app(store).await;
    let mut expected = HashMap::new();
    for n in 0..12 {
        let email = format!("rotating{n}@example.com");
        let name = format!("Rotating Person {n}");
        let body = json!({"name": name, "email": email, "phone": format!("+3460000{n:04}"), "password": PASSWORD});
        assert_eq!(
            send(&app.router, json_post("/api/v1/accounts", &body))
                .await
                .status,
            202
        );
        expected.insert(email, name);
    }
    for mail in app.sent_mail().await {
        let token = link_token(&mail.body);
        assert!(app.accounts.verify_email(&token).await.unwrap());
    }
    // A second replica, started before the rotation, with its own copy of the old keys.
    let replica = crate::support::replica_of(&app).await;

    let new_version = app.keys.add_version().await.unwrap();
    assert_eq!(new_version, KeyVersion::new(2).unwrap());
    let first = reencrypt_batch(&app.store, &app.keys, 5).await.unwrap();
    assert_eq!(first.accounts, 5, "a partial run");

    // Mid-run: sign-ups, logins and reads go on, on both replicas.
    let late = json!({"name": "Late Comer", "email": "late@example.com", "password": PASSWORD});
    assert_eq!(
        send(&app.router, json_post("/api/v1/accounts", &late))
            .await
            .status,
        202
    );
    assert_eq!(send(&replica.router, json_post("/api/v1/accounts", &json!({"name": "Old Replica", "email": "old.replica@example.com", "password": PASSWORD}))).await.status, 202);
    for email in expected.keys() {
        for instance in [&app.accounts, &replica.accounts] {
            assert!(
                matches!(
                    instance
                        .login(email, PASSWORD, from_ip("192.0.2.50"))
                        .await
                        .unwrap(),
                    LoginOutcome::Success(_)
                ),
                "{email} logs in mid-rotation"
            );
        }
    }

    let (version, rest) = reencrypt_all(&app.store, &app.keys, 4).await.unwrap();
    assert_eq!(version, new_version);
    assert!(rest.accounts >= 7, "{rest:?}");
    let on_old = dump(
        &app.store,
        "SELECT id FROM accounts WHERE data_key_version < 2",
    )
    .await;
    assert!(on_old.is_empty(), "every account is on the new key");
    let mail_on_old = dump(
        &app.store,
        "SELECT id FROM outbox WHERE data_key_version < 2",
    )
    .await;
    assert!(mail_on_old.is_empty(), "every queued message too");

    let count = dump(&app.store, "SELECT COUNT(*) FROM accounts").await;
    let count: usize = String::from_utf8(count)
        .unwrap()
        .trim_end_matches('\0')
        .parse()
        .unwrap();
    assert_eq!(count, expected.len() + 2, "no account lost or duplicated");
    for (email, name) in &expected {
        let LoginOutcome::Success(login) = replica
            .accounts
            .login(email, PASSWORD, from_ip("192.0.2.51"))
            .await
            .unwrap()
        else {
            panic!("{email} still logs in on the old replica");
        };
        for instance in [&app.accounts, &replica.accounts] {
            let profile = instance.profile(login.who.account).await.unwrap().unwrap();
            assert_eq!(
                (&profile.email, &profile.name),
                (email, name),
                "data intact after rotation"
            );
        }
    }
}

/// CR-4: old data keys are deleted only after every row is re-encrypted and the newest key has
/// existed long enough for every replica to write under it; nothing becomes unreadable.
async fn cr_4_old_keys_are_retired_only_when_nothing_uses_them(store: Store) {
    let app = test_app(store).await;
    let body = json!({"name": "Retiring Person", "email": "retire@example.com", "phone": "+34600000999", "password": PASSWORD});
    assert_eq!(
        send(&app.router, json_post("/api/v1/accounts", &body))
            .await
            .status,
        202
    );
    let later = |minutes: u64| {
        Timestamp::now().saturating_add(std::time::Duration::from_secs(minutes * 60))
    };
    app.keys.add_version().await.unwrap();
    assert_eq!(
        retire_old_keys(&app.store, &app.keys, RETIRE_GRACE, later(0))
            .await
            .unwrap(),
        Retirement::TooSoon
    );
    assert_eq!(
        retire_old_keys(&app.store, &app.keys, RETIRE_GRACE, later(11))
            .await
            .unwrap(),
        Retirement::StillInUse,
        "rows still name version 1"
    );
    let versions = dump(&app.store, "SELECT version FROM data_keys").await;
    reencrypt_all(&app.store, &app.keys, 50).await.unwrap();
    assert_eq!(
        dump(&app.store, "SELECT version FROM data_keys").await,
        versions
    );
    let retired = retire_old_keys(&app.store, &app.keys, RETIRE_GRACE, later(11))
        .await
        .unwrap();
    assert_eq!(
        retired,
        Retirement::Retired {
            current: KeyVersion::new(2).unwrap(),
            count: 1
        }
    );
    // A replica starting now loads only version 2 and still reads and logs everyone in.
    let replica = crate::support::replica_of(&app).await;
    let mail = replica.sent_mail().await;
    assert!(mail.iter().all(|m| m.to == "retire@example.com"));
    let token = link_token(&mail[0].body);
    assert!(replica.accounts.verify_email(&token).await.unwrap());
    assert!(matches!(
        replica
            .accounts
            .login("retire@example.com", PASSWORD, from_ip("192.0.2.44"))
            .await
            .unwrap(),
        LoginOutcome::Success(_)
    ));
}

/// CR-4: rotating the KEK re-wraps every data key, all or none. Afterwards only the new KEK
/// loads them, every row still reads on a replica started with it, and the replica that
/// loaded its keys before keeps serving. A run that cannot open a key writes nothing.
async fn cr_4_kek_rotation_moves_every_data_key_and_loses_nothing(store: Store) {
    let app = test_app(store).await;
    let mut people = Vec::new();
    for n in 0..3 {
        let email = format!("kek{n}@example.com");
        let body = json!({"name": format!("Kek Person {n}"), "email": email, "phone": format!("+3461000{n:04}"), "password": PASSWORD});
        let answer = send(&app.router, json_post("/api/v1/accounts", &body)).await;
        assert_eq!(answer.status, 202);
        people.push((email, format!("Kek Person {n}")));
    }
    for mail in app.sent_mail().await {
        assert!(
            app.accounts
                .verify_email(&link_token(&mail.body))
                .await
                .unwrap()
        );
    }
    app.keys.add_version().await.unwrap();
    reencrypt_batch(&app.store, &app.keys, 1).await.unwrap();
    let old_kek = kek_of(&app);
    let new_bytes: [u8; 32] = helio_core::crypto::random_bytes();
    let new_kek = MasterKey::from_bytes(new_bytes);
    let personal_data = dump(
        &app.store,
        "SELECT id, email_ct, name_ct, phone_ct, data_key_version FROM accounts ORDER BY id",
    )
    .await;

    let stranger = MasterKey::from_bytes(helio_core::crypto::random_bytes());
    let keys_before = dump(&app.store, "SELECT version, wrapped_key FROM data_keys").await;
    assert!(matches!(
        rotate_kek(&app.store, &stranger, &new_kek, Timestamp::now()).await,
        Err(KekRotationError::Unwrappable { version: 1 })
    ));
    assert!(matches!(
        rotate_kek(&app.store, &old_kek, &kek_of(&app), Timestamp::now()).await,
        Err(KekRotationError::SameKek)
    ));
    assert_eq!(
        dump(&app.store, "SELECT version, wrapped_key FROM data_keys").await,
        keys_before,
        "a refused run wrote nothing"
    );

    let done = rotate_kek(&app.store, &old_kek, &new_kek, Timestamp::now())
        .await
        .unwrap();
    assert_eq!(
        done,
        KekRotation {
            rewrapped: 2,
            already: 0
        }
    );
    assert!(matches!(
        Keyring::load(app.store.clone(), kek_of(&app)).await,
        Err(KeyringError::WrongKek { .. })
    ));
    assert_eq!(
        dump(
            &app.store,
            "SELECT id, email_ct, name_ct, phone_ct, data_key_version FROM accounts ORDER BY id",
        )
        .await,
        personal_data,
        "no personal-data ciphertext was touched"
    );
    assert_eq!(
        dump(
            &app.store,
            "SELECT COUNT(*) FROM audit_trail WHERE action = 'kek_rotated'"
        )
        .await,
        b"1\0",
        "the change is in the audit trail"
    );

    let restarted = with_kek(&app, new_bytes).await;
    for (email, name) in &people {
        let LoginOutcome::Success(login) = restarted
            .accounts
            .login(email, PASSWORD, from_ip("192.0.2.61"))
            .await
            .unwrap()
        else {
            panic!("{email} logs in on a replica started with the new KEK");
        };
        for instance in [&app.accounts, &restarted.accounts] {
            let profile = instance.profile(login.who.account).await.unwrap().unwrap();
            assert_eq!((&profile.email, &profile.name), (email, name));
        }
    }

    assert_eq!(
        rotate_kek(&app.store, &old_kek, &new_kek, Timestamp::now())
            .await
            .unwrap(),
        KekRotation {
            rewrapped: 0,
            already: 2
        },
        "running again changes nothing"
    );
    // A replica still on the old KEK cannot add a version any more: it reloads first.
    assert!(matches!(
        app.keys.add_version().await,
        Err(KeyringError::WrongKek { version: 1, .. })
    ));
    // One that raced the run (read the keys before it, wrote after) leaves a version under
    // the old KEK; the next run moves just that one.
    let raced = DataKey::generate(KeyVersion::new(3).unwrap()).wrap(&old_kek, Timestamp::now());
    app.store.data_keys().insert(&raced).await.unwrap();
    assert!(matches!(
        Keyring::load(app.store.clone(), MasterKey::from_bytes(new_bytes)).await,
        Err(KeyringError::WrongKek { version: 3, .. })
    ));
    assert_eq!(
        rotate_kek(&app.store, &old_kek, &new_kek, Timestamp::now())
            .await
            .unwrap(),
        KekRotation {
            rewrapped: 1,
            already: 2
        }
    );
    Keyring::load(app.store.clone(), new_kek).await.unwrap();
}

/// CR-4: the store re-wraps all or none, and only keys still stored as they were read.
async fn cr_4_a_stale_rewrap_writes_nothing(store: Store) {
    let app = test_app(store).await;
    app.keys.add_version().await.unwrap();
    let stored = app.store.data_keys().all().await.unwrap();
    let new_kek = MasterKey::from_bytes(helio_core::crypto::random_bytes());
    let moved = |key: &helio_core::keys::WrappedDataKey| match rewrap(key, &kek_of(&app), &new_kek)
    {
        Ok(Rewrap::Rewrapped(moved)) => moved,
        other => panic!("{other:?}"),
    };
    let mut stale = stored[1].clone();
    stale.wrapped[14] ^= 1;
    let changes = [
        (stored[0].clone(), moved(&stored[0])),
        (stale, moved(&stored[1])),
    ];
    assert_eq!(
        app.store.data_keys().rewrap(&changes).await,
        Err(StoreError::Conflict)
    );
    let relabelled = [(stored[0].clone(), moved(&stored[1]))];
    assert!(matches!(
        app.store.data_keys().rewrap(&relabelled).await,
        Err(StoreError::Corrupt(_))
    ));
    assert_eq!(
        app.store.data_keys().all().await.unwrap(),
        stored,
        "the first version was not moved on its own"
    );
}

helio_store::dual_backend_tests!(
    cr_4_key_rotation_mid_run_loses_nothing,
    cr_4_old_keys_are_retired_only_when_nothing_uses_them,
    cr_4_kek_rotation_moves_every_data_key_and_loses_nothing,
    cr_4_a_stale_rewrap_writes_nothing,
);
