//! The admins' staff tools (AC-5): invite staff (the link goes to the invitee's mailbox),
//! change a role (every session of that account ends, so it applies at once), disable and
//! enable, and the access review: every staff account with its role, second factors and last
//! login, the ones unused for 90 days flagged and disabled in one action. Nobody changes,
//! disables or enables their own account (maker-checker). Every action is audited with its
//! reason; opening the review is audited too.

use std::sync::Arc;

use helio_core::access::{Capability, is_unused, permits};
use helio_core::account::{AccountId, AccountStatus};
use helio_core::activity::ActivityKind;
use helio_core::audit::{AuditAction, Reason};
use helio_core::crypto::field::FieldContext;
use helio_core::role::Role;
use helio_core::security_event::{EventName, SecurityEvent};
use helio_core::session::EndReason;
use helio_core::time::{Clock, Timestamp};
use helio_core::values::FieldError;
use helio_store::{ActivityOrigin, Store, StoreError};

use super::accounts::{AccountError, Accounts};
use super::activity::Activity;
use super::audit_log::{Actor, AuditError, AuditLog, Audited};
use super::keyring::Keyring;
use super::security_log;

/// The most staff accounts the review lists (a small team; a page of this size is read).
const REVIEW_LIMIT: u32 = 500;

/// A staff account as the review shows it.
#[derive(Clone)]
pub struct StaffMember {
    /// The account.
    pub id: AccountId,
    /// Name.
    pub name: String,
    /// Work email address.
    pub email: String,
    /// Role now.
    pub role: Role,
    /// Active, invited (no password yet) or disabled.
    pub status: AccountStatus,
    /// Whether an authenticator app is confirmed.
    pub totp: bool,
    /// How many passkeys.
    pub passkeys: u32,
    /// The latest login, if any within the year the activity is kept.
    pub last_login: Option<Timestamp>,
    /// No login for 90 days, and not yet disabled.
    pub unused: bool,
}

/// What the staff tools refuse.
#[derive(Debug, thiserror::Error)]
pub enum StaffAdminError {
    /// The input is invalid; each field says why.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// The caller's role does not hold `ManageStaff`.
    #[error("not permitted")]
    Forbidden,
    /// No such staff account.
    #[error("not found")]
    NotFound,
    /// The caller named their own account (maker-checker: another admin must).
    #[error("own account")]
    OwnAccount,
    /// The account is not in the state this needs.
    #[error("state changed")]
    Conflict,
    /// Stored data did not decrypt.
    #[error("stored data is unreadable")]
    Unreadable,
    /// The store failed.
    #[error("store failure")]
    Store(#[from] StoreError),
    /// The audit trail refused the entry.
    #[error("audit failure")]
    Audit(#[from] AuditError),
    /// The account service failed.
    #[error("account failure")]
    Accounts(AccountError),
}

impl From<AccountError> for StaffAdminError {
    fn from(error: AccountError) -> Self {
        match error {
            AccountError::Invalid(fields) => Self::Invalid(fields),
            AccountError::Store(error) => Self::Store(error),
            AccountError::Unreadable => Self::Unreadable,
            other => Self::Accounts(other),
        }
    }
}

fn reason(typed: &str) -> Result<Reason, StaffAdminError> {
    Reason::parse(typed).ok_or_else(|| {
        StaffAdminError::Invalid(vec![FieldError {
            field: "reason",
            message: "Give a reason of 3 to 200 characters on one line (a ticket, a leaver's date).",
        }])
    })
}

/// The staff tools. Cheap to clone.
#[derive(Debug, Clone)]
pub struct StaffAdmin {
    accounts: Accounts,
    store: Store,
    keys: Arc<Keyring>,
    clock: Arc<dyn Clock>,
    activity: Activity,
    audit_log: AuditLog,
}

impl StaffAdmin {
    /// The tools over the account service and its store.
    #[must_use]
    pub fn new(
        accounts: Accounts,
        store: Store,
        keys: Arc<Keyring>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            accounts,
            activity: Activity::new(store.clone(), Arc::clone(&clock)),
            audit_log: AuditLog::new(store.clone(), Arc::clone(&clock)),
            store,
            keys,
            clock,
        }
    }

    fn require(actor: &Actor) -> Result<(), StaffAdminError> {
        if permits(actor.role, Capability::ManageStaff) {
            Ok(())
        } else {
            Err(StaffAdminError::Forbidden)
        }
    }

    async fn not_self(&self, actor: &Actor, id: AccountId) -> Result<(), StaffAdminError> {
        if actor.account == id {
            security_log::record(
                &self.store,
                self.clock.now(),
                SecurityEvent::about(EventName::SelfChangeRefused, id).done_by(actor.account),
            )
            .await?;
            Err(StaffAdminError::OwnAccount)
        } else {
            Ok(())
        }
    }

    async fn text(
        &self,
        sealed: &[u8],
        id: &AccountId,
        column: &'static str,
    ) -> Result<String, StaffAdminError> {
        Ok(self
            .keys
            .decrypt(
                sealed,
                FieldContext {
                    table: "accounts",
                    column,
                    row: id.as_bytes(),
                },
            )
            .await
            .map_err(|_| StaffAdminError::Unreadable)?
            .to_string())
    }

    async fn members(&self) -> Result<Vec<StaffMember>, StaffAdminError> {
        let now = self.clock.now();
        let rows = self.store.accounts().staff_review(REVIEW_LIMIT).await?;
        let mut members = Vec::with_capacity(rows.len());
        for row in rows {
            let record = row.record;
            members.push(StaffMember {
                name: self.text(&record.name_ct, &record.id, "name").await?,
                email: self.text(&record.email_ct, &record.id, "email").await?,
                id: record.id,
                role: record.role,
                status: record.status,
                totp: row.totp,
                passkeys: row.passkeys,
                last_login: row.last_login,
                unused: record.status != AccountStatus::Disabled
                    && is_unused(row.last_login, record.created_at, now),
            });
        }
        Ok(members)
    }

    /// The access review: every staff account; opening it is audited.
    pub async fn review(&self, actor: &Actor) -> Result<Vec<StaffMember>, StaffAdminError> {
        Self::require(actor)?;
        let members = self.members().await?;
        self.audit_log
            .record(
                actor,
                Audited {
                    action: AuditAction::AccessReviewed,
                    subject: None,
                    reason: None,
                    grant: None,
                },
            )
            .await?;
        Ok(members)
    }

    /// Invites a staff member with `role`; the invitation goes to `email`.
    pub async fn invite(
        &self,
        actor: &Actor,
        email: &str,
        name: &str,
        role: Role,
        why: &str,
    ) -> Result<AccountId, StaffAdminError> {
        Self::require(actor)?;
        let why = reason(why)?;
        let id = self.accounts.invite_staff(email, name, role).await?;
        self.audit_log
            .record(
                actor,
                Audited::on(AuditAction::StaffInvited, id, Some(&why)),
            )
            .await?;
        Ok(id)
    }

    /// Gives another staff account the role `to`; its sessions end at once.
    pub async fn change_role(
        &self,
        actor: &Actor,
        id: AccountId,
        to: Role,
        why: &str,
    ) -> Result<(), StaffAdminError> {
        Self::require(actor)?;
        self.not_self(actor, id).await?;
        let why = reason(why)?;
        self.accounts.change_staff_role_of(id, to).await?;
        self.audit_log
            .record(
                actor,
                Audited::on(AuditAction::StaffRoleChanged, id, Some(&why)),
            )
            .await?;
        Ok(())
    }

    async fn staff(&self, id: AccountId) -> Result<AccountStatus, StaffAdminError> {
        self.store
            .accounts()
            .by_id(id)
            .await?
            .filter(|record| record.role.is_staff())
            .map(|record| record.status)
            .ok_or(StaffAdminError::NotFound)
    }

    async fn disable_one(
        &self,
        actor: &Actor,
        id: AccountId,
        from: AccountStatus,
        why: &Reason,
    ) -> Result<(), StaffAdminError> {
        let now = self.clock.now();
        if !self
            .store
            .accounts()
            .set_status(id, from, AccountStatus::Disabled, now)
            .await?
        {
            return Err(StaffAdminError::Conflict);
        }
        self.store
            .sessions()
            .end_all(id, EndReason::EndedByStaff.as_str(), now)
            .await?;
        self.activity
            .record(id, ActivityKind::DisabledByAdmin, ActivityOrigin::default())
            .await?;
        self.audit_log
            .record(
                actor,
                Audited::on(AuditAction::StaffDisabled, id, Some(why)),
            )
            .await?;

        Ok(())
    }

    /// Disables another staff account (active, or invited and not yet set up); its
    /// sessions end at once.
    pub async fn disable(
        &self,
        actor: &Actor,
        id: AccountId,
        why: &str,
    ) -> Result<(), StaffAdminError> {
        Self::require(actor)?;
        self.not_self(actor, id).await?;
        let why = reason(why)?;
        let status = self.staff(id).await?;
        if status == AccountStatus::Disabled {
            return Err(StaffAdminError::Conflict);
        }
        self.disable_one(actor, id, status, &why).await
    }

    /// Enables a disabled staff account again.
    pub async fn enable(
        &self,
        actor: &Actor,
        id: AccountId,
        why: &str,
    ) -> Result<(), StaffAdminError> {
        Self::require(actor)?;
        self.not_self(actor, id).await?;
        let why = reason(why)?;
        self.staff(id).await?;
        if !self
            .store
            .accounts()
            .set_status(
                id,
                AccountStatus::Disabled,
                AccountStatus::Active,
                self.clock.now(),
            )
            .await?
        {
            return Err(StaffAdminError::Conflict);
        }
        self.activity
            .record(id, ActivityKind::EnabledByAdmin, ActivityOrigin::default())
            .await?;
        self.audit_log
            .record(
                actor,
                Audited::on(AuditAction::StaffEnabled, id, Some(&why)),
            )
            .await?;
        Ok(())
    }

    /// Disables every staff account the review flags as unused, except the actor's own;
    /// returns how many. An account that changed meanwhile is skipped.
    pub async fn disable_unused(&self, actor: &Actor, why: &str) -> Result<u32, StaffAdminError> {
        Self::require(actor)?;
        let why = reason(why)?;
        let mut disabled = 0;
        for member in self.members().await? {
            if member.unused && member.id != actor.account {
                match self
                    .disable_one(actor, member.id, member.status, &why)
                    .await
                {
                    Ok(()) => disabled += 1,
                    Err(StaffAdminError::Conflict) => {}
                    Err(other) => return Err(other),
                }
            }
        }
        Ok(disabled)
    }
}
