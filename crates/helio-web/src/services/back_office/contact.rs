//! Support corrects a customer's email address or phone number (AC-3), for a reason: the
//! whole row's personal data is sealed again under the current data key (one row, one key
//! version) with fresh blind indexes, written only if nobody changed the row meanwhile, and
//! the owner is told at the old address and, for a new address, at the new one too, so a
//! correction the customer did not ask for is noticed.

use helio_core::access::Capability;
use helio_core::account::AccountId;
use helio_core::activity::ActivityKind;
use helio_core::audit::{AuditAction, Reason};
use helio_core::crypto::blind_index::IndexPurpose;
use helio_core::values::{Email, FieldError, Phone};
use helio_store::{ActivityOrigin, StoreError};
use zeroize::Zeroizing;

use super::{Actor, BackOffice, BackOfficeError, field, reason_required};
use crate::services::mail::{self, Mail};

/// The corrected values: each `None` stays as it is.
#[derive(Clone, Copy)]
pub struct ContactCorrection<'a> {
    /// The new email address, as typed.
    pub email: Option<&'a str>,
    /// The new phone number, as typed.
    pub phone: Option<&'a str>,
}

fn invalid(field: &'static str, message: &'static str) -> BackOfficeError {
    BackOfficeError::Invalid(vec![FieldError { field, message }])
}

impl BackOffice {
    async fn open(
        &self,
        sealed: Option<&[u8]>,
        id: &AccountId,
        column: &'static str,
    ) -> Result<Option<Zeroizing<String>>, BackOfficeError> {
        match sealed {
            Some(ct) => Ok(Some(
                self.keys
                    .decrypt(ct, field(id, column))
                    .await
                    .map_err(|_| BackOfficeError::Unreadable)?,
            )),
            None => Ok(None),
        }
    }

    /// Replaces the customer's email and/or phone for `reason`; audited without the values.
    pub async fn correct_contact(
        &self,
        actor: &Actor,
        id: AccountId,
        correction: ContactCorrection<'_>,
        reason: &str,
    ) -> Result<(), BackOfficeError> {
        Self::require(actor, Capability::ManageCustomerAccounts)?;
        let mut errors = Vec::new();
        let email = match correction.email.map(str::trim).filter(|t| !t.is_empty()) {
            Some(typed) => Email::parse(typed).map_err(|e| errors.push(e)).ok(),
            None => None,
        };
        let phone = match correction.phone.map(str::trim).filter(|t| !t.is_empty()) {
            Some(typed) => Phone::parse(typed).map_err(|e| errors.push(e)).ok(),
            None => None,
        };
        let reason = Reason::parse(reason);
        if reason.is_none()
            && let BackOfficeError::Invalid(mut fields) = reason_required()
        {
            errors.append(&mut fields);
        }
        if errors.is_empty() && email.is_none() && phone.is_none() {
            return Err(invalid(
                "email",
                "Type the corrected email address or phone number (or both).",
            ));
        }
        let Some(reason) = reason.filter(|_| errors.is_empty()) else {
            return Err(BackOfficeError::Invalid(errors));
        };
        let record = self.customer(id).await?;
        let old_email = self
            .open(Some(&record.email_ct), &id, "email")
            .await?
            .ok_or(BackOfficeError::Unreadable)?;
        let old_email = Email::parse(&old_email).map_err(|_| BackOfficeError::Unreadable)?;
        let name = self
            .open(Some(&record.name_ct), &id, "name")
            .await?
            .ok_or(BackOfficeError::Unreadable)?;
        let old_phone = self.open(record.phone_ct.as_deref(), &id, "phone").await?;
        let address = self
            .open(record.address_ct.as_deref(), &id, "address")
            .await?;
        let city = self.open(record.city_ct.as_deref(), &id, "city").await?;

        let new_email = email.clone().unwrap_or_else(|| old_email.clone());
        let new_phone: Option<String> = phone
            .as_ref()
            .map(|p| p.as_str().to_owned())
            .or_else(|| old_phone.as_ref().map(|p| p.to_string()));
        let cipher = self.keys.current();
        let mut updated = record.clone();
        updated.email_ct = cipher.encrypt(new_email.as_str(), field(&id, "email"));
        updated.email_bidx = self.indexer.index(IndexPurpose::Email, new_email.as_str());
        updated.name_ct = cipher.encrypt(&name, field(&id, "name"));
        updated.phone_ct = new_phone
            .as_deref()
            .map(|p| cipher.encrypt(p, field(&id, "phone")));
        updated.phone_bidx = new_phone
            .as_deref()
            .map(|p| self.indexer.index(IndexPurpose::Phone, p));
        updated.address_ct = address
            .as_deref()
            .map(|a| cipher.encrypt(a, field(&id, "address")));
        updated.city_ct = city
            .as_deref()
            .map(|c| cipher.encrypt(c, field(&id, "city")));
        updated.data_key_version = cipher.current_version();
        updated.updated_at = self.clock.now();
        match self
            .store
            .accounts()
            .replace_personal_data(&updated, &record.email_ct)
            .await
        {
            Ok(true) => {}
            Ok(false) => return Err(BackOfficeError::Conflict),
            Err(StoreError::Conflict) => {
                return Err(invalid(
                    "email",
                    "Another account has this email address; nothing was changed.",
                ));
            }
            Err(other) => return Err(other.into()),
        }
        self.activity
            .record(
                id,
                ActivityKind::ContactCorrectedByStaff,
                ActivityOrigin::default(),
            )
            .await?;
        self.audit(
            actor,
            AuditAction::ContactDataCorrected,
            Some(id),
            Some(&reason),
        )
        .await?;
        let what = match (email.is_some(), phone.is_some()) {
            (true, true) => "email address and phone number",
            (true, false) => "email address",
            _ => "phone number",
        };
        let body = format!(
            "Helio support corrected the {what} of your account, as you asked.\n\nIf you did not ask for this, reset your password from the login page and contact support at once.\n"
        );
        let mut recipients = vec![old_email.clone()];
        if new_email != old_email {
            recipients.push(new_email);
        }
        for to in recipients {
            mail::enqueue(
                &self.store,
                &self.keys.current(),
                Mail {
                    kind: "contact_corrected",
                    to,
                    subject: "Your Helio contact details were changed",
                    body: body.clone(),
                },
            )
            .await?;
        }
        Ok(())
    }
}
