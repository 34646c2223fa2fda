//! Changing a staff member's role (SM-4, AC-2): the new role applies at once, because every
//! session of the account ends with the change and the next login starts under a new ID with
//! the new role's lifetimes and cookie policy. Recorded for the owner and in the security log.

use helio_core::account::AccountId;
use helio_core::activity::ActivityKind;
use helio_core::role::Role;
use helio_core::security_event::SecurityEvent;
use helio_core::session::EndReason;
use helio_core::values::{Email, FieldError};
use helio_store::{AccountRecord, ActivityOrigin};

use super::security_log;
use super::{AccountError, Accounts};

/// What a role change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleChanged {
    /// Whose role.
    pub account: AccountId,
    /// The role before.
    pub from: Role,
    /// How many sessions ended with it.
    pub sessions_ended: u64,
}

fn refused(message: &'static str) -> AccountError {
    AccountError::Invalid(vec![FieldError {
        field: "email",
        message,
    }])
}

fn require_staff_role(to: Role) -> Result<(), AccountError> {
    if to.is_staff() {
        Ok(())
    } else {
        Err(AccountError::Invalid(vec![FieldError {
            field: "role",
            message: "Staff roles are support, sales, engineer and admin.",
        }]))
    }
}

impl Accounts {
    /// Gives the staff account at `email` the staff role `to` and ends its sessions.
    /// Customers and installers are never made staff this way, nor staff made customers.
    pub async fn change_staff_role(
        &self,
        email: &str,
        to: Role,
    ) -> Result<RoleChanged, AccountError> {
        require_staff_role(to)?;
        let email = Email::parse(email).map_err(|error| AccountError::Invalid(vec![error]))?;
        let Some(record) = self
            .store
            .accounts()
            .by_email_index(&self.email_index(&email))
            .await?
        else {
            return Err(refused(
                "There is no staff account with this email address.",
            ));
        };
        self.change_role_of(record, to).await
    }

    /// Gives the staff account `id` the staff role `to` and ends its sessions (the admin
    /// pages, which name accounts by ID).
    pub async fn change_staff_role_of(
        &self,
        id: AccountId,
        to: Role,
    ) -> Result<RoleChanged, AccountError> {
        require_staff_role(to)?;
        let Some(record) = self.store.accounts().by_id(id).await? else {
            return Err(refused("There is no staff account with this ID."));
        };
        self.change_role_of(record, to).await
    }

    async fn change_role_of(
        &self,
        record: AccountRecord,
        to: Role,
    ) -> Result<RoleChanged, AccountError> {
        if !record.role.is_staff() {
            return Err(refused("This account is not a staff account."));
        }
        if record.role == to {
            return Err(refused("This account already has that role."));
        }
        let now = self.clock.now();
        if !self
            .store
            .accounts()
            .set_role(record.id, record.role, to, now)
            .await?
        {
            return Err(refused("The role changed meanwhile; look again and retry."));
        }
        let sessions_ended = self
            .store
            .sessions()
            .end_all(record.id, EndReason::RoleChanged.as_str(), now)
            .await?;
        security_log::record(
            &self.store,
            self.clock.now(),
            SecurityEvent::role_changed(record.id, record.role, to).counting(sessions_ended),
        )
        .await?;
        self.activity
            .record(
                record.id,
                ActivityKind::RoleChanged,
                ActivityOrigin::default(),
            )
            .await?;
        Ok(RoleChanged {
            account: record.id,
            from: record.role,
            sessions_ended,
        })
    }
}
