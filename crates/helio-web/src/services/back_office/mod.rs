//! The back office's customer tools (AC-3, DS-1, LM-1): find a customer, open their record
//! with contact data masked (or, for sales, name and city only), reveal the full data for one
//! view with a reason, lock and unlock the account, end its sessions. Every view and change
//! goes to the audit trail with who, what, which record, why, when and from where.
//!
//! What a caller gets is decided here from its role by the permission table, not by the page
//! that asks (AC-7): a sales account asking for a masked phone gets none.

use std::sync::Arc;

use helio_core::access::{Capability, permits};
use helio_core::account::{AccountId, AccountStatus};
use helio_core::activity::ActivityKind;
use helio_core::audit::{AuditAction, Reason};
use helio_core::crypto::blind_index::{BlindIndexer, IndexPurpose};
use helio_core::crypto::field::FieldContext;
use helio_core::masking::{mask_email, mask_phone};
use helio_core::role::Role;
use helio_core::session::EndReason;
use helio_core::time::{Clock, Timestamp};
use helio_core::values::{Email, FieldError, Phone};
use helio_store::{AccountRecord, ActivityOrigin, AuditEntry, Store, StoreError};

use super::activity::Activity;
use super::audit_log::{Actor, AuditError, AuditLog, Audited};
use super::keyring::Keyring;
use super::mail::{self, Mail};

mod break_glass;
mod contact;
mod pipeline;

pub use break_glass::{BrokenGlass, Decision, GrantSummary};
pub use contact::ContactCorrection;
pub use pipeline::{Pipeline, PipelineRow};

/// A customer as a search result or at the top of their record: what the viewer's role may
/// see, and nothing else.
#[derive(Clone, PartialEq, Eq)]
pub struct CustomerCard {
    /// The account.
    pub id: AccountId,
    /// Their name.
    pub name: String,
    /// Their city, when known.
    pub city: Option<String>,
    /// `j***@e***.com`, for roles that see masked contact data.
    pub email_masked: Option<String>,
    /// `***-***-1234`, for roles that see masked contact data and when a phone is known.
    pub phone_masked: Option<String>,
    /// Active, unverified or locked.
    pub status: AccountStatus,
}

/// A customer's full personal data, for one view after a reveal.
#[derive(Clone, PartialEq, Eq)]
pub struct RevealedData {
    /// Name.
    pub name: String,
    /// Email address.
    pub email: String,
    /// Phone, when known.
    pub phone: Option<String>,
    /// City, when known.
    pub city: Option<String>,
}

/// What the back office refuses, for the caller to map to a response.
#[derive(Debug, thiserror::Error)]
pub enum BackOfficeError {
    /// The input is invalid; each field says why.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// The caller's role does not hold what this needs.
    #[error("not permitted")]
    Forbidden,
    /// No such customer.
    #[error("not found")]
    NotFound,
    /// The account is not in the state this needs (already locked, not locked), or a request
    /// was decided meanwhile.
    #[error("state changed")]
    Conflict,
    /// The actor asked to decide their own request (maker-checker).
    #[error("own request")]
    OwnRequest,
    /// The break-glass grant is not open now (waiting, refused, ended or expired).
    #[error("grant not open")]
    GrantClosed,
    /// Stored data did not decrypt.
    #[error("stored data is unreadable")]
    Unreadable,
    /// The store failed.
    #[error("store failure")]
    Store(#[from] StoreError),
    /// The audit trail refused the entry.
    #[error("audit failure")]
    Audit(#[from] AuditError),
}

/// How many results a search shows at most.
const SEARCH_LIMIT: u32 = 20;

fn field<'a>(account: &'a AccountId, column: &'static str) -> FieldContext<'a> {
    FieldContext {
        table: "accounts",
        column,
        row: account.as_bytes(),
    }
}

fn reason_required() -> BackOfficeError {
    BackOfficeError::Invalid(vec![FieldError {
        field: "reason",
        message: "Give a reason of 3 to 200 characters on one line (a ticket number, what the customer asked). Do not type personal data into it.",
    }])
}

/// The customer tools. Cheap to clone.
#[derive(Debug, Clone)]
pub struct BackOffice {
    store: Store,
    keys: Arc<Keyring>,
    indexer: Arc<BlindIndexer>,
    clock: Arc<dyn Clock>,
    activity: Activity,
    audit_log: AuditLog,
}

impl BackOffice {
    /// The service over its dependencies.
    #[must_use]
    pub fn new(
        store: Store,
        keys: Arc<Keyring>,
        indexer: Arc<BlindIndexer>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            activity: Activity::new(store.clone(), Arc::clone(&clock)),
            audit_log: AuditLog::new(store.clone(), Arc::clone(&clock)),
            store,
            keys,
            indexer,
            clock,
        }
    }

    fn require(actor: &Actor, capability: Capability) -> Result<(), BackOfficeError> {
        if permits(actor.role, capability) {
            Ok(())
        } else {
            Err(BackOfficeError::Forbidden)
        }
    }

    async fn audit(
        &self,
        actor: &Actor,
        action: AuditAction,
        subject: Option<AccountId>,
        reason: Option<&Reason>,
    ) -> Result<(), BackOfficeError> {
        Ok(self
            .audit_log
            .record(
                actor,
                Audited {
                    action,
                    subject,
                    reason,
                    grant: None,
                },
            )
            .await?)
    }

    async fn text(
        &self,
        ct: &[u8],
        id: &AccountId,
        column: &'static str,
    ) -> Result<String, BackOfficeError> {
        Ok(self
            .keys
            .decrypt(ct, field(id, column))
            .await
            .map_err(|_| BackOfficeError::Unreadable)?
            .to_string())
    }

    async fn card(
        &self,
        actor: &Actor,
        record: &AccountRecord,
    ) -> Result<CustomerCard, BackOfficeError> {
        let id = record.id;
        let city = match &record.city_ct {
            Some(ct) => Some(self.text(ct, &id, "city").await?),
            None => None,
        };
        let (email_masked, phone_masked) = if permits(actor.role, Capability::ViewMaskedContactData)
        {
            let email = Email::parse(&self.text(&record.email_ct, &id, "email").await?)
                .map_err(|_| BackOfficeError::Unreadable)?;
            let phone = match &record.phone_ct {
                Some(ct) => Some(
                    Phone::parse(&self.text(ct, &id, "phone").await?)
                        .map_err(|_| BackOfficeError::Unreadable)?,
                ),
                None => None,
            };
            (Some(mask_email(&email)), phone.as_ref().map(mask_phone))
        } else {
            (None, None)
        };
        Ok(CustomerCard {
            id,
            name: self.text(&record.name_ct, &id, "name").await?,
            city,
            email_masked,
            phone_masked,
            status: record.status,
        })
    }

    /// A customer's name, email, phone and city, decrypted.
    async fn personal_data(&self, record: &AccountRecord) -> Result<RevealedData, BackOfficeError> {
        let id = record.id;
        Ok(RevealedData {
            name: self.text(&record.name_ct, &id, "name").await?,
            email: self.text(&record.email_ct, &id, "email").await?,
            phone: match &record.phone_ct {
                Some(ct) => Some(self.text(ct, &id, "phone").await?),
                None => None,
            },
            city: match &record.city_ct {
                Some(ct) => Some(self.text(ct, &id, "city").await?),
                None => None,
            },
        })
    }

    /// The customer account `id`, if it is one.
    async fn customer(&self, id: AccountId) -> Result<AccountRecord, BackOfficeError> {
        self.store
            .accounts()
            .by_id(id)
            .await?
            .filter(|record| record.role == Role::Customer)
            .ok_or(BackOfficeError::NotFound)
    }

    /// Customers whose email address or phone number is exactly `query` (through the blind
    /// indexes: the database is never searched by plaintext). The query itself is not kept.
    pub async fn search(
        &self,
        actor: &Actor,
        query: &str,
    ) -> Result<Vec<CustomerCard>, BackOfficeError> {
        Self::require(actor, Capability::SearchCustomers)?;
        let records = if let Ok(email) = Email::parse(query) {
            self.store
                .accounts()
                .by_email_index(&self.indexer.index(IndexPurpose::Email, email.as_str()))
                .await?
                .into_iter()
                .collect()
        } else if let Ok(phone) = Phone::parse(query) {
            self.store
                .accounts()
                .by_phone_index(
                    &self.indexer.index(IndexPurpose::Phone, phone.as_str()),
                    SEARCH_LIMIT,
                )
                .await?
        } else {
            return Err(BackOfficeError::Invalid(vec![FieldError {
                field: "q",
                message: "Search by a whole email address or a phone number with its country code.",
            }]));
        };
        self.audit(actor, AuditAction::CustomersSearched, None, None)
            .await?;
        let mut cards = Vec::new();
        for record in records.iter().filter(|r| r.role == Role::Customer) {
            cards.push(self.card(actor, record).await?);
        }
        Ok(cards)
    }

    /// A customer's record as the actor's role may see it; the view is audited.
    pub async fn view(
        &self,
        actor: &Actor,
        id: AccountId,
    ) -> Result<CustomerCard, BackOfficeError> {
        Self::require(actor, Capability::SearchCustomers)?;
        let record = self.customer(id).await?;
        self.audit(actor, AuditAction::CustomerViewed, Some(id), None)
            .await?;
        self.card(actor, &record).await
    }

    /// The customer's full personal data for one view, for `reason`; audited with it.
    pub async fn reveal(
        &self,
        actor: &Actor,
        id: AccountId,
        reason: &str,
    ) -> Result<RevealedData, BackOfficeError> {
        Self::require(actor, Capability::RevealPersonalData)?;
        let reason = Reason::parse(reason).ok_or_else(reason_required)?;
        let record = self.customer(id).await?;
        let data = self.personal_data(&record).await?;
        self.audit(
            actor,
            AuditAction::PersonalDataRevealed,
            Some(id),
            Some(&reason),
        )
        .await?;
        Ok(data)
    }

    /// Locks a customer's account for `reason`: it cannot log in, and every session ends.
    pub async fn lock(
        &self,
        actor: &Actor,
        id: AccountId,
        reason: &str,
    ) -> Result<(), BackOfficeError> {
        self.change_status(
            actor,
            id,
            reason,
            AccountStatus::Active,
            AccountStatus::Disabled,
        )
        .await
    }

    /// Unlocks a locked customer account for `reason`.
    pub async fn unlock(
        &self,
        actor: &Actor,
        id: AccountId,
        reason: &str,
    ) -> Result<(), BackOfficeError> {
        self.change_status(
            actor,
            id,
            reason,
            AccountStatus::Disabled,
            AccountStatus::Active,
        )
        .await
    }

    async fn change_status(
        &self,
        actor: &Actor,
        id: AccountId,
        reason: &str,
        from: AccountStatus,
        to: AccountStatus,
    ) -> Result<(), BackOfficeError> {
        Self::require(actor, Capability::ManageCustomerAccounts)?;
        let reason = Reason::parse(reason).ok_or_else(reason_required)?;
        self.customer(id).await?;
        let now = self.clock.now();
        if !self.store.accounts().set_status(id, from, to, now).await? {
            return Err(BackOfficeError::Conflict);
        }
        let (action, kind) = if to == AccountStatus::Disabled {
            self.store
                .sessions()
                .end_all(id, EndReason::EndedByStaff.as_str(), now)
                .await?;
            (
                AuditAction::AccountLocked,
                ActivityKind::AccountLockedByStaff,
            )
        } else {
            (
                AuditAction::AccountUnlocked,
                ActivityKind::AccountUnlockedByStaff,
            )
        };
        self.activity
            .record(id, kind, ActivityOrigin::default())
            .await?;
        self.audit(actor, action, Some(id), Some(&reason)).await
    }

    /// Ends every session of a customer's account for `reason`.
    pub async fn end_sessions(
        &self,
        actor: &Actor,
        id: AccountId,
        reason: &str,
    ) -> Result<u64, BackOfficeError> {
        Self::require(actor, Capability::ManageCustomerAccounts)?;
        let reason = Reason::parse(reason).ok_or_else(reason_required)?;
        self.customer(id).await?;
        let ended = self
            .store
            .sessions()
            .end_all(id, EndReason::EndedByStaff.as_str(), self.clock.now())
            .await?;
        self.activity
            .record(
                id,
                ActivityKind::SessionsEndedByStaff,
                ActivityOrigin::default(),
            )
            .await?;
        self.audit(actor, AuditAction::SessionsEnded, Some(id), Some(&reason))
            .await?;
        Ok(ended)
    }

    /// Removes every second factor of a customer's account for `reason` (a lost phone, after
    /// support checked who is asking): the authenticator app, every passkey and the recovery
    /// codes. Every session ends and the owner is mailed, so a reset they did not ask for is
    /// noticed at once.
    pub async fn reset_second_factors(
        &self,
        actor: &Actor,
        id: AccountId,
        reason: &str,
    ) -> Result<(), BackOfficeError> {
        Self::require(actor, Capability::ManageCustomerAccounts)?;
        let reason = Reason::parse(reason).ok_or_else(reason_required)?;
        let record = self.customer(id).await?;
        let now = self.clock.now();
        let mfa = self.store.mfa();
        mfa.remove_totp(id).await?;
        self.store
            .passkeys()
            .remove_added_since(id, Timestamp::from_unix_micros(0))
            .await?;
        mfa.delete_recovery_codes(id).await?;
        self.store
            .sessions()
            .end_all(id, EndReason::EndedByStaff.as_str(), now)
            .await?;
        self.activity
            .record(
                id,
                ActivityKind::SecondFactorsResetByStaff,
                ActivityOrigin::default(),
            )
            .await?;
        self.audit(
            actor,
            AuditAction::SecondFactorsReset,
            Some(id),
            Some(&reason),
        )
        .await?;
        let to = Email::parse(&self.text(&record.email_ct, &id, "email").await?)
            .map_err(|_| BackOfficeError::Unreadable)?;
        mail::enqueue(
            &self.store,
            &self.keys.current(),
            Mail {
                kind: "second_factors_reset",
                to,
                subject: "The second step of your Helio login was removed",
                body: "Helio support removed the second step of your login (authenticator app, passkeys and recovery codes) and signed out every device, as you asked.\n\nIf you did not ask for this, reset your password at once from the login page and contact support.\n".to_owned(),
            },
        )
        .await?;
        Ok(())
    }

    /// What the audit trail holds about a customer, newest first (for the record's page).
    pub async fn trail_of(
        &self,
        actor: &Actor,
        id: AccountId,
    ) -> Result<Vec<AuditEntry>, BackOfficeError> {
        Self::require(actor, Capability::ManageCustomerAccounts)?;
        Ok(self.store.audit_trail().about(id, 30).await?)
    }
}
