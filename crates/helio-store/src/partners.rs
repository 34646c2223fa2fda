//! Partner companies, their crews, and which crew each installer belongs to.

use helio_core::account::AccountId;
use helio_core::partner::{CompanyId, CrewId};
use helio_core::time::Timestamp;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use crate::accounts::insert_account;
use crate::{AccountRecord, StoreError};

/// A crew and the company it works for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrewRecord {
    /// The crew.
    pub id: CrewId,
    /// Its name.
    pub name: String,
    /// Its company.
    pub company: CompanyId,
    /// The company's name.
    pub company_name: String,
}

/// Reads and writes partner organisations.
#[derive(Debug, Clone, Copy)]
pub struct Partners<'a> {
    pool: &'a AnyPool,
}

fn id16(bytes: Vec<u8>) -> Result<[u8; 16], StoreError> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt("identifier is not 16 bytes"))
}

fn crew(row: &AnyRow) -> Result<CrewRecord, StoreError> {
    Ok(CrewRecord {
        id: CrewId::from_bytes(id16(row.try_get(0)?)?),
        name: row.try_get(1)?,
        company: CompanyId::from_bytes(id16(row.try_get(2)?)?),
        company_name: row.try_get(3)?,
    })
}

impl<'a> Partners<'a> {
    pub(crate) fn new(pool: &'a AnyPool) -> Self {
        Self { pool }
    }

    /// Adds a company; [`StoreError::Conflict`] when the name is taken.
    pub async fn add_company(
        &self,
        id: CompanyId,
        name: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO partner_companies (id, name, created_at) VALUES (?, ?, ?)")
            .bind(id.as_bytes().to_vec())
            .bind(name.to_owned())
            .bind(now.unix_micros())
            .execute(self.pool)
            .await?;
        Ok(())
    }

    /// Whether the company exists.
    pub async fn company_exists(&self, id: CompanyId) -> Result<bool, StoreError> {
        Ok(sqlx::query("SELECT 1 FROM partner_companies WHERE id = ?")
            .bind(id.as_bytes().to_vec())
            .fetch_optional(self.pool)
            .await?
            .is_some())
    }

    /// Adds a crew to an existing company; [`StoreError::Conflict`] when the company has a
    /// crew of that name already.
    pub async fn add_crew(
        &self,
        id: CrewId,
        company: CompanyId,
        name: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO crews (id, company_id, name, created_at) VALUES (?, ?, ?, ?)")
            .bind(id.as_bytes().to_vec())
            .bind(company.as_bytes().to_vec())
            .bind(name.to_owned())
            .bind(now.unix_micros())
            .execute(self.pool)
            .await?;
        Ok(())
    }

    /// A crew and its company.
    pub async fn crew(&self, id: CrewId) -> Result<Option<CrewRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT crews.id, crews.name, partner_companies.id, partner_companies.name \
             FROM crews JOIN partner_companies ON partner_companies.id = crews.company_id \
             WHERE crews.id = ?",
        )
        .bind(id.as_bytes().to_vec())
        .fetch_optional(self.pool)
        .await?;
        row.as_ref().map(crew).transpose()
    }

    /// The crew an installer belongs to.
    pub async fn crew_of(&self, account: AccountId) -> Result<Option<CrewRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT crews.id, crews.name, partner_companies.id, partner_companies.name \
             FROM crew_members JOIN crews ON crews.id = crew_members.crew_id \
             JOIN partner_companies ON partner_companies.id = crews.company_id \
             WHERE crew_members.account_id = ?",
        )
        .bind(account.as_bytes().to_vec())
        .fetch_optional(self.pool)
        .await?;
        row.as_ref().map(crew).transpose()
    }

    /// The installer accounts of a crew.
    pub async fn members_of(&self, crew: CrewId) -> Result<Vec<AccountId>, StoreError> {
        let rows = sqlx::query("SELECT account_id FROM crew_members WHERE crew_id = ?")
            .bind(crew.as_bytes().to_vec())
            .fetch_all(self.pool)
            .await?;
        rows.iter()
            .map(|row| crate::error::account_id(row.try_get(0)?))
            .collect()
    }

    /// Every crew, by company and crew name.
    pub async fn crews(&self) -> Result<Vec<CrewRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT crews.id, crews.name, partner_companies.id, partner_companies.name \
             FROM crews JOIN partner_companies ON partner_companies.id = crews.company_id \
             ORDER BY partner_companies.name, crews.name",
        )
        .fetch_all(self.pool)
        .await?;
        rows.iter().map(crew).collect()
    }

    /// Creates an installer's account and its crew membership together: either both exist
    /// afterwards or neither does. [`StoreError::Conflict`] when the email is taken.
    pub async fn insert_installer(
        &self,
        account: &AccountRecord,
        crew: CrewId,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        insert_account(&mut *tx, account).await?;
        sqlx::query("INSERT INTO crew_members (account_id, crew_id, joined_at) VALUES (?, ?, ?)")
            .bind(account.id.as_bytes().to_vec())
            .bind(crew.as_bytes().to_vec())
            .bind(now.unix_micros())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
