//! Outgoing mail: composed here, queued in the outbox encrypted (recipient and body are
//! personal data, bodies carry single-use links), delivered by a background sender.
//!
//! Delivery today is the development sender, which writes each message to the log for the
//! developer to read; an SMTP sender plugs in behind [`Deliver`].

use std::sync::Arc;
use std::time::Duration;

use helio_core::crypto::field::{FieldCipher, FieldContext};
use helio_core::crypto::random_bytes;
use helio_core::time::Timestamp;
use helio_core::values::Email;
use helio_store::{MailRecord, Store, StoreError};

use super::keyring::Keyring;

/// A message ready to queue.
#[derive(Debug)]
pub struct Mail {
    /// Machine name of the message kind.
    pub kind: &'static str,
    /// Recipient.
    pub to: Email,
    /// Subject line; never personal data.
    pub subject: &'static str,
    /// Plain-text body.
    pub body: String,
}

fn context<'a>(id: &'a [u8; 16], column: &'static str) -> FieldContext<'a> {
    FieldContext {
        table: "outbox",
        column,
        row: id,
    }
}

/// Encrypts and queues a message.
pub async fn enqueue(store: &Store, cipher: &FieldCipher, mail: Mail) -> Result<(), StoreError> {
    let id: [u8; 16] = random_bytes();
    let record = MailRecord {
        id,
        kind: mail.kind.to_owned(),
        recipient_ct: cipher.encrypt(mail.to.as_str(), context(&id, "recipient")),
        subject: mail.subject.to_owned(),
        body_ct: cipher.encrypt(&mail.body, context(&id, "body")),
        data_key_version: cipher.current_version(),
        created_at: Timestamp::now(),
        attempts: 0,
    };
    store.outbox().enqueue(&record).await
}

/// A message opened for delivery.
#[derive(Debug)]
pub struct Outgoing {
    /// Kind, for logs.
    pub kind: String,
    /// Recipient address.
    pub to: String,
    /// Subject.
    pub subject: String,
    /// Body.
    pub body: String,
}

/// Something that delivers mail.
pub trait Deliver: Send + Sync + 'static {
    /// Delivers one message; an error means "try again later".
    fn deliver(&self, mail: &Outgoing) -> Result<(), String>;
}

/// Development delivery: the message goes to the log (target `helio::dev_mail`) so the
/// developer can follow links without a mail server. Only ever wired in dev mode.
#[derive(Debug, Clone, Copy)]
pub struct LogDelivery;

impl Deliver for LogDelivery {
    fn deliver(&self, mail: &Outgoing) -> Result<(), String> {
        tracing::info!(
            target: "helio::dev_mail",
            kind = %mail.kind,
            to = %mail.to,
            subject = %mail.subject,
            body = %mail.body,
            "dev mail (not sent; dev mode)"
        );
        Ok(())
    }
}

/// Delivers every due message once. Returns how many were delivered.
pub async fn deliver_due(
    store: &Store,
    keys: &Keyring,
    delivery: &dyn Deliver,
) -> Result<usize, StoreError> {
    let now = Timestamp::now();
    let mut delivered = 0;
    for record in store.outbox().due(now, 50).await? {
        let opened = match keys
            .decrypt(&record.recipient_ct, context(&record.id, "recipient"))
            .await
        {
            Ok(to) => keys
                .decrypt(&record.body_ct, context(&record.id, "body"))
                .await
                .map(|body| (to, body)),
            Err(error) => Err(error),
        };
        let result = match opened {
            Ok((to, body)) => delivery.deliver(&Outgoing {
                kind: record.kind.clone(),
                to: to.to_string(),
                subject: record.subject.clone(),
                body: body.to_string(),
            }),
            Err(error) => Err(error.to_string()),
        };
        match result {
            Ok(()) => {
                store.outbox().mark_sent(&record.id, now).await?;
                delivered += 1;
            }
            Err(reason) => {
                let backoff =
                    Duration::from_secs(30u64.saturating_mul(1 << record.attempts.min(10)));
                tracing::warn!(kind = %record.kind, attempts = record.attempts + 1, %reason, "mail delivery failed");
                store
                    .outbox()
                    .mark_failed(&record.id, now.saturating_add(backoff))
                    .await?;
            }
        }
    }
    Ok(delivered)
}

/// Runs the sender until the process ends, polling the outbox every `interval`.
pub async fn run_sender(
    store: Store,
    keys: Arc<Keyring>,
    delivery: Arc<dyn Deliver>,
    interval: Duration,
) {
    loop {
        if let Err(error) = deliver_due(&store, &keys, delivery.as_ref()).await {
            tracing::warn!(%error, "outbox sender could not read the outbox");
        }
        tokio::time::sleep(interval).await;
    }
}
