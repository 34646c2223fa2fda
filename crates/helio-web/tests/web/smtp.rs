//! Mail leaves through a real SMTP conversation (lettre) with a loopback test server.

use helio_store::Store;
use helio_web::services::mail::{SmtpDelivery, SmtpSetupError, check_smtp_settings, deliver_due};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use crate::support::{json_post, send, test_app};

/// A minimal SMTP server: accepts one session and returns the first message after DATA.
async fn one_message(listener: TcpListener) -> String {
    let (stream, _) = listener.accept().await.unwrap();
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 test ESMTP\r\n").await.unwrap();
    let mut data = String::new();
    let mut in_data = false;
    while let Some(line) = lines.next_line().await.unwrap() {
        if in_data {
            if line == "." {
                write.write_all(b"250 queued\r\n").await.unwrap();
                // The client's pool may keep the connection open; the message is complete.
                return data;
            } else {
                data.push_str(&line);
                data.push('\n');
            }
            continue;
        }
        let command = line.to_ascii_uppercase();
        if command.starts_with("EHLO") {
            write
                .write_all(b"250-test\r\n250 8BITMIME\r\n")
                .await
                .unwrap();
        } else if command.starts_with("DATA") {
            in_data = true;
            write.write_all(b"354 go ahead\r\n").await.unwrap();
        } else if command.starts_with("QUIT") {
            write.write_all(b"221 bye\r\n").await.unwrap();
            break;
        } else {
            write.write_all(b"250 ok\r\n").await.unwrap();
        }
    }
    data
}

async fn verification_mail_goes_out_over_smtp(store: Store) {
    let app = test_app(store).await;
    let body = json!({"name": "Sol Ruiz", "email": "sol.ruiz@example.com", "password": "lanterns drift past the old mill"});
    assert_eq!(
        send(&app.router, json_post("/api/v1/accounts", &body))
            .await
            .status,
        202
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(one_message(listener));
    let smtp = SmtpDelivery::new(
        &format!("smtp://127.0.0.1:{port}"),
        "Helio <no-reply@helio.test>",
    )
    .unwrap();
    assert_eq!(deliver_due(&app.store, &app.keys, &smtp).await.unwrap(), 1);
    let data = server.await.unwrap();
    assert!(data.contains("To: sol.ruiz@example.com"), "{data}");
    assert!(data.contains("From: Helio <no-reply@helio.test>"), "{data}");
    assert!(data.contains("/verify-email?token="), "{data}");
    assert_eq!(
        deliver_due(&app.store, &app.keys, &smtp).await.unwrap(),
        0,
        "sent once"
    );
}

async fn an_unreachable_server_leaves_mail_queued(store: Store) {
    let app = test_app(store).await;
    let body = json!({"name": "Sol Ruiz", "email": "sol.ruiz@example.com", "password": "lanterns drift past the old mill"});
    assert_eq!(
        send(&app.router, json_post("/api/v1/accounts", &body))
            .await
            .status,
        202
    );
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let smtp =
        SmtpDelivery::new(&format!("smtp://127.0.0.1:{port}"), "no-reply@helio.test").unwrap();
    assert_eq!(deliver_due(&app.store, &app.keys, &smtp).await.unwrap(), 0);
    assert_eq!(
        app.sent_mail().await.len(),
        0,
        "not due again until the back-off passes"
    );
    let queued =
        helio_store::testing::dump(&app.store, "SELECT id FROM outbox WHERE sent_at IS NULL").await;
    assert!(!queued.is_empty(), "nothing is lost");
}

#[tokio::test]
async fn bad_smtp_settings_are_refused() {
    assert!(SmtpDelivery::new("http://mail.example", "a@b.example").is_err());
    assert!(SmtpDelivery::new("smtps://mail.example", "not a mailbox").is_err());
    assert!(
        SmtpDelivery::new(
            "smtp://mail.example:587?tls=required",
            "Helio <a@b.example>"
        )
        .is_ok()
    );
}

#[test]
fn production_smtp_must_use_tls() {
    let from = "Helio <no-reply@helio.example>";
    assert_eq!(
        check_smtp_settings("smtp://mail.example:587", from, true),
        Err(SmtpSetupError::Plaintext)
    );
    assert_eq!(
        check_smtp_settings("smtp://mail.example:587?tls=opportunistic", from, true),
        Err(SmtpSetupError::Plaintext)
    );
    assert!(check_smtp_settings("smtp://mail.example:587?tls=required", from, true).is_ok());
    assert!(check_smtp_settings("smtps://u:p@mail.example", from, true).is_ok());
    assert_eq!(
        check_smtp_settings(
            "smtp://mail.example:587?tls=opportunistic&tls=required",
            from,
            true
        ),
        Err(SmtpSetupError::Url),
        "a repeated tls parameter is refused"
    );
    assert!(
        check_smtp_settings("smtp://127.0.0.1:2525", from, false).is_ok(),
        "dev may use a local catcher"
    );
    assert_eq!(
        check_smtp_settings("ftp://x", from, false),
        Err(SmtpSetupError::Url)
    );
    assert_eq!(
        check_smtp_settings("smtps://mail.example", "nope", true),
        Err(SmtpSetupError::From)
    );
}

helio_store::dual_backend_tests!(
    verification_mail_goes_out_over_smtp,
    an_unreachable_server_leaves_mail_queued,
);
