//! Outgoing mail: composed here, queued in the outbox encrypted (recipient and body are
//! personal data, bodies carry single-use links), delivered by a background sender.
//!
//! Delivery is SMTP ([`SmtpDelivery`]) when configured; in dev mode without it, each message
//! is written to the log for the developer to read ([`LogDelivery`]).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use helio_core::crypto::field::{FieldCipher, FieldContext};
use helio_core::crypto::random_bytes;
use helio_core::time::Timestamp;
use helio_core::values::Email;
use helio_store::{MailRecord, Store, StoreError};
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};

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

/// A delivery in progress.
pub type Delivery<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// Something that delivers mail.
pub trait Deliver: Send + Sync + 'static {
    /// Delivers one message; an error (a reason without personal data) means "try again
    /// later".
    fn deliver<'a>(&'a self, mail: &'a Outgoing) -> Delivery<'a>;
}

/// Development delivery: the message goes to the log (target `helio::dev_mail`) so the
/// developer can follow links without a mail server. Only ever wired in dev mode.
#[derive(Debug, Clone, Copy)]
pub struct LogDelivery;

impl Deliver for LogDelivery {
    fn deliver<'a>(&'a self, mail: &'a Outgoing) -> Delivery<'a> {
        tracing::info!(
            target: "helio::dev_mail",
            kind = %mail.kind,
            to = %mail.to,
            subject = %mail.subject,
            body = %mail.body,
            "dev mail (not sent; dev mode)"
        );
        Box::pin(std::future::ready(Ok(())))
    }
}

/// Delivery through an SMTP server (lettre). The URL names the server, credentials and TLS:
/// `smtps://user:pass@host:465` (implicit TLS) or `smtp://user:pass@host:587?tls=required`
/// (STARTTLS, required); production refuses anything weaker.
pub struct SmtpDelivery {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for SmtpDelivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SmtpDelivery([redacted])")
    }
}

/// Why the SMTP settings cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SmtpSetupError {
    /// The URL is not a usable SMTP URL.
    #[error("mail.smtp_url is not a valid smtp:// or smtps:// URL")]
    Url,
    /// The URL lets the connection fall back to plain text.
    #[error(
        "mail.smtp_url must use TLS: smtps://... or smtp://...?tls=required (mail carries one-time links)"
    )]
    Plaintext,
    /// The sender address does not parse.
    #[error("mail.from is not a valid sender, like `Helio <no-reply@helio.example>`")]
    From,
}

/// Checks SMTP settings without connecting (for configuration checks). With `require_tls`,
/// only implicit TLS or required STARTTLS pass.
pub fn check_smtp_settings(url: &str, from: &str, require_tls: bool) -> Result<(), SmtpSetupError> {
    let parsed = url::Url::parse(url).map_err(|_| SmtpSetupError::Url)?;
    let tls: Vec<String> = parsed
        .query_pairs()
        .filter(|(name, _)| name == "tls")
        .map(|(_, value)| value.into_owned())
        .collect();
    // lettre reads the first `tls` parameter; a repeated one could hide a weak first value.
    if tls.len() > 1 {
        return Err(SmtpSetupError::Url);
    }
    let tls_required = tls.first().is_some_and(|value| value == "required");
    match parsed.scheme() {
        "smtps" => {}
        "smtp" if tls_required => {}
        "smtp" if !require_tls => {}
        "smtp" => return Err(SmtpSetupError::Plaintext),
        _ => return Err(SmtpSetupError::Url),
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(SmtpSetupError::Url);
    }
    from.parse::<Mailbox>()
        .map(|_| ())
        .map_err(|_| SmtpSetupError::From)
}

impl SmtpDelivery {
    /// A delivery through `url`, sending as `from`. Nothing is contacted yet, but it must be
    /// called inside the Tokio runtime (the connection pool lives there).
    pub fn new(url: &str, from: &str) -> Result<Self, SmtpSetupError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|_| SmtpSetupError::Url)?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        let from = from.parse().map_err(|_| SmtpSetupError::From)?;
        Ok(Self { transport, from })
    }

    async fn send(&self, mail: &Outgoing) -> Result<(), String> {
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|_| "the stored recipient is not a mailbox".to_owned())?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone())
            .map_err(|_| "the message could not be built".to_owned())?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|error| {
                // The server's reply may quote the recipient: keep only the kind.
                if error.is_permanent() {
                    "the SMTP server refused the message permanently".to_owned()
                } else if error.is_timeout() {
                    "the SMTP server timed out".to_owned()
                } else {
                    "the SMTP server could not be reached or failed temporarily".to_owned()
                }
            })
    }
}

impl Deliver for SmtpDelivery {
    fn deliver<'a>(&'a self, mail: &'a Outgoing) -> Delivery<'a> {
        Box::pin(self.send(mail))
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
            Ok((to, body)) => {
                let outgoing = Outgoing {
                    kind: record.kind.clone(),
                    to: to.to_string(),
                    subject: record.subject.clone(),
                    body: body.to_string(),
                };
                delivery.deliver(&outgoing).await
            }
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
    let mut pruned_at: Option<std::time::Instant> = None;
    loop {
        if let Err(error) = deliver_due(&store, &keys, delivery.as_ref()).await {
            tracing::warn!(%error, "outbox sender could not read the outbox");
        }
        if pruned_at.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
            match prune_sent(&store, Timestamp::now()).await {
                Ok(_) => pruned_at = Some(std::time::Instant::now()),
                Err(error) => tracing::warn!(%error, "sent mail could not be pruned"),
            }
        }
        tokio::time::sleep(interval).await;
    }
}

/// How long sent mail is kept (encrypted) before it is deleted: long enough to answer "did
/// you send me …?" questions, short enough that a stolen outbox holds little. Single-use
/// links in it have expired long before.
pub const SENT_RETENTION: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// How often the sender prunes.
const PRUNE_EVERY: Duration = Duration::from_secs(60 * 60);

/// Deletes mail sent more than [`SENT_RETENTION`] before `now`; how many.
pub async fn prune_sent(store: &Store, now: Timestamp) -> Result<u64, StoreError> {
    let cutoff = Timestamp::from_unix_micros(
        now.unix_micros()
            .saturating_sub(i64::try_from(SENT_RETENTION.as_micros()).unwrap_or(i64::MAX)),
    );
    store.outbox().delete_sent_before(cutoff).await
}
