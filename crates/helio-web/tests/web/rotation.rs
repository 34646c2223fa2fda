//! CR-4: rotating the data key while the service runs loses nothing, and another replica
//! that loaded its keys before the rotation keeps reading every row.

use std::collections::HashMap;

use helio_core::keys::KeyVersion;
use helio_store::Store;
use helio_store::testing::dump;
use helio_web::services::accounts::LoginOutcome;
use helio_web::services::rotation::{
    RETIRE_GRACE, Retirement, reencrypt_all, reencrypt_batch, retire_old_keys,
};
use serde_json::json;

use crate::support::{from_ip, json_post, link_token, send, test_app};

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
        helio_core::time::Timestamp::now()
            .saturating_add(std::time::Duration::from_secs(minutes * 60))
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

helio_store::dual_backend_tests!(
    cr_4_key_rotation_mid_run_loses_nothing,
    cr_4_old_keys_are_retired_only_when_nothing_uses_them,
);
