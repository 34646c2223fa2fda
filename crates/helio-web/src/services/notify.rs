//! Notifications of the marketplace (SYS-1): order confirmed, job offered, crew assigned,
//! status changed. They go through the outbox of [Accounts], so they are encrypted at rest
//! and delivered by the background sender. A notification is sent after its change has
//! committed; if it cannot be queued, the change stands and the failure is logged (a
//! missed email must not undo a payment or an acceptance). They carry no link: the
//! reader signs in as usual, so a look-alike message has nothing to lure them to.

use helio_core::account::{AccountId, AccountStatus};
use helio_core::crypto::field::FieldContext;
use helio_core::order::OrderId;
use helio_core::partner::CrewId;
use helio_core::values::Email;
use helio_store::Store;

use super::keyring::Keyring;
use super::mail::{self, Mail};

/// One kind of notification: its machine name, subject and the sentence the body opens with.
#[derive(Debug, Clone, Copy)]
pub struct Notice {
    /// Machine name (the outbox's kind).
    pub kind: &'static str,
    /// Subject; never personal data.
    pub subject: &'static str,
    /// What happened, one sentence.
    pub what: &'static str,
}

impl Notice {
    /// The deposit is paid and the order placed.
    pub const ORDER_CONFIRMED: Self = Self {
        kind: "order_confirmed",
        subject: "Your Helio order is confirmed",
        what: "Your deposit is paid and your order is confirmed. Book your installation day from the order page.",
    };
    /// A crew is offered a job.
    pub const JOB_OFFERED: Self = Self {
        kind: "job_offered",
        subject: "A new job is offered to your crew",
        what: "A job is offered to your crew. Accept or decline it on your job board before the offer lapses.",
    };
    /// A crew took the customer's job.
    pub const CREW_ASSIGNED: Self = Self {
        kind: "crew_assigned",
        subject: "A crew will install your panels",
        what: "An installer crew accepted your job for the day you booked.",
    };
    /// No crew could take the booked day.
    pub const DAY_RELEASED: Self = Self {
        kind: "day_released",
        subject: "Please choose another installation day",
        what: "No crew could take your installation day. Please choose another day on your order page; your deposit is safe.",
    };
    /// The job moved on.
    pub const STATUS_CHANGED: Self = Self {
        kind: "order_status",
        subject: "Your Helio order has moved on",
        what: "Your order has moved on to a new stage.",
    };
    /// The balance is paid.
    pub const ORDER_COMPLETED: Self = Self {
        kind: "order_completed",
        subject: "Your Helio installation is complete",
        what: "Your balance is paid and your installation is complete. You can rate the crew from the order page.",
    };
}

/// Queues notifications. Cheap to build per use.
#[derive(Debug, Clone, Copy)]
pub struct Notifier<'a> {
    store: &'a Store,
    keys: &'a Keyring,
}

impl<'a> Notifier<'a> {
    /// A notifier over the outbox.
    #[must_use]
    pub fn new(store: &'a Store, keys: &'a Keyring) -> Self {
        Self { store, keys }
    }

    /// Tells an order's customer.
    pub async fn customer(&self, account: AccountId, order: OrderId, notice: Notice) {
        let short = order.to_string();
        let where_to = format!(
            "Sign in to Helio and open order {} from your orders page.",
            short.get(..8).unwrap_or(&short)
        );
        self.send(account, notice, &where_to).await;
    }

    /// Tells every active member of a crew.
    pub async fn crew(&self, crew: CrewId, notice: Notice) {
        let where_to = "Sign in to Helio and open your job board.";
        match self.store.partners().members_of(crew).await {
            Ok(members) => {
                for member in members {
                    self.send(member, notice, where_to).await;
                }
            }
            Err(error) => {
                tracing::warn!(%error, kind = notice.kind, %crew, "crew notification not queued");
            }
        }
    }

    async fn send(&self, account: AccountId, notice: Notice, where_to: &str) {
        if let Err(reason) = self.try_send(account, notice, where_to).await {
            tracing::warn!(kind = notice.kind, %account, reason, "notification not queued");
        }
    }

    async fn try_send(
        &self,
        account: AccountId,
        notice: Notice,
        where_to: &str,
    ) -> Result<(), &'static str> {
        let record = self
            .store
            .accounts()
            .by_id(account)
            .await
            .map_err(|_| "store failure")?
            .ok_or("no such account")?;
        if record.status != AccountStatus::Active {
            return Ok(());
        }
        let email = self
            .keys
            .decrypt(
                &record.email_ct,
                FieldContext {
                    table: "accounts",
                    column: "email",
                    row: account.as_bytes(),
                },
            )
            .await
            .map_err(|_| "unreadable email")?;
        let to = Email::parse(&email).map_err(|_| "unreadable email")?;
        mail::enqueue(
            self.store,
            &self.keys.current(),
            Mail {
                kind: notice.kind,
                to,
                subject: notice.subject,
                body: format!("{}\n\n{where_to}\n", notice.what),
            },
        )
        .await
        .map_err(|_| "outbox failure")
    }
}
