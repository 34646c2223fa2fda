//! An installer crew's calendar (SYS-1): the provinces it serves and how many jobs it can take
//! each day. Installers reach only their own crew's (AC-5): the crew comes from the signed-in
//! installer's membership, never from the request.

use std::sync::Arc;

use helio_core::access::{Capability, permits};
use helio_core::partner::CrewId;
use helio_core::quote::province_name;
use helio_core::schedule::{Day, HORIZON_DAYS, MAX_DAILY_JOBS};
use helio_core::time::Clock;
use helio_core::values::FieldError;
use helio_store::{CrewDay, Store, StoreError};

use super::audit_log::Actor;

/// Why a calendar change is refused.
#[derive(Debug, thiserror::Error)]
pub enum JobsError {
    /// The input is invalid; each field says why.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// Not an installer in a crew.
    #[error("not permitted")]
    Forbidden,
    /// More jobs are booked than the new capacity.
    #[error("capacity below bookings")]
    BelowBookings,
    /// The store failed.
    #[error("store failure")]
    Store(#[from] StoreError),
}

/// A crew's calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    /// Its name.
    pub crew: String,
    /// The provinces it serves, by code.
    pub provinces: Vec<String>,
    /// Its published days from tomorrow.
    pub days: Vec<CrewDay>,
}

/// The crews' calendars. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Jobs {
    store: Store,
    clock: Arc<dyn Clock>,
}

impl Jobs {
    /// The service over its store and clock.
    #[must_use]
    pub fn new(store: Store, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    async fn crew_of(&self, actor: &Actor) -> Result<(CrewId, String), JobsError> {
        if !permits(actor.role, Capability::WorkJobs) {
            return Err(JobsError::Forbidden);
        }
        let crew = self
            .store
            .partners()
            .crew_of(actor.account)
            .await?
            .ok_or(JobsError::Forbidden)?;
        Ok((crew.id, crew.name))
    }

    /// The actor's crew's calendar.
    pub async fn calendar(&self, actor: &Actor) -> Result<Calendar, JobsError> {
        let (crew, name) = self.crew_of(actor).await?;
        let schedule = self.store.crew_schedule();
        let today = Day::of(self.clock.now());
        Ok(Calendar {
            crew: name,
            provinces: schedule.areas(crew).await?,
            days: schedule
                .days_of(
                    crew,
                    today.next(),
                    Day::from_number(today.number() + HORIZON_DAYS),
                )
                .await?,
        })
    }

    /// Sets the provinces the actor's crew serves, from two-digit codes separated by commas
    /// or spaces (`28, 45`).
    pub async fn set_area(&self, actor: &Actor, typed: &str) -> Result<(), JobsError> {
        let (crew, _) = self.crew_of(actor).await?;
        let mut provinces: Vec<String> = Vec::new();
        for code in typed
            .split([',', ' '])
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            if code.len() != 2 || province_name(code).is_none() {
                return Err(JobsError::Invalid(vec![FieldError {
                    field: "provinces",
                    message: "Give province codes (the first two digits of their postal codes, 01 to 52), separated by commas.",
                }]));
            }
            if !provinces.iter().any(|p| p == code) {
                provinces.push(code.to_owned());
            }
        }
        self.store
            .crew_schedule()
            .set_areas(crew, &provinces)
            .await?;
        Ok(())
    }

    /// Sets how many jobs the actor's crew can take on `day` (0 to 10; never below what is
    /// already booked).
    pub async fn set_capacity(
        &self,
        actor: &Actor,
        day: &str,
        capacity: u32,
    ) -> Result<(), JobsError> {
        let (crew, _) = self.crew_of(actor).await?;
        let mut errors = Vec::new();
        let day = Day::parse(day).map_err(|e| errors.push(e)).ok();
        if let Some(day) = day
            && !day.bookable_at(self.clock.now())
        {
            errors.push(FieldError {
                field: "day",
                message: "Choose a day from tomorrow to 90 days ahead.",
            });
        }
        if capacity > MAX_DAILY_JOBS {
            errors.push(FieldError {
                field: "capacity",
                message: "A crew takes 0 to 10 jobs a day.",
            });
        }
        let (Some(day), true) = (day, errors.is_empty()) else {
            return Err(JobsError::Invalid(errors));
        };
        if self
            .store
            .crew_schedule()
            .set_capacity(crew, day, capacity)
            .await?
        {
            Ok(())
        } else {
            Err(JobsError::BelowBookings)
        }
    }
}
