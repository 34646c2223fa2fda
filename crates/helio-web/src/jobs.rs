//! The installer's crew calendar (SYS-1): `/jobs` shows the provinces the crew serves and its
//! days; the forms set them. `WorkJobs` (installers only); the crew is the installer's own.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use helio_core::access::{Access, Capability};
use helio_core::quote::province_name;
use serde::Deserialize;

use crate::acting::Acting;
use crate::layout::SignedInLayout;
use crate::render::{html, rendered};
use crate::services::audit_log::Actor;
use crate::services::jobs::JobsError;
use crate::{AppState, RouteTable, WebError};

pub(crate) fn routes() -> RouteTable {
    let work = Access::Capability(Capability::WorkJobs);
    RouteTable::new()
        .get("/jobs", work, view_jobs_get)
        .post("/jobs/area", work, view_area_post)
        .post("/jobs/capacity", work, view_capacity_post)
}

/// A published day as the page lists it.
struct DayRow {
    day: String,
    capacity: u32,
    booked: u32,
}

#[derive(Template)]
#[template(path = "jobs.html")]
struct JobsPage {
    crew: String,
    provinces: String,
    province_names: Vec<&'static str>,
    days: Vec<DayRow>,
    error: Option<&'static str>,
    layout: SignedInLayout,
}

fn failure(error: JobsError) -> WebError {
    match error {
        JobsError::Forbidden => WebError::Forbidden("Your account does not have access to this."),
        JobsError::Invalid(fields) => WebError::Invalid(fields),
        JobsError::BelowBookings => WebError::Conflict(
            "More jobs are already booked that day; the capacity cannot go below them.",
        ),
        JobsError::Store(error) => WebError::internal(error),
    }
}

async fn jobs_page(
    state: &AppState,
    actor: &Actor,
    error: Option<&'static str>,
    layout: SignedInLayout,
) -> Result<Html<String>, WebError> {
    let calendar = state.jobs().calendar(actor).await.map_err(failure)?;
    html(&JobsPage {
        crew: calendar.crew,
        province_names: calendar
            .provinces
            .iter()
            .filter_map(|code| province_name(code))
            .collect(),
        provinces: calendar.provinces.join(", "),
        days: calendar
            .days
            .into_iter()
            .map(|day| DayRow {
                day: day.day.format(),
                capacity: day.capacity,
                booked: day.booked,
            })
            .collect(),
        error,
        layout,
    })
}

async fn view_jobs_get(
    State(state): State<AppState>,
    Acting(actor): Acting,
    layout: SignedInLayout,
) -> Result<Html<String>, WebError> {
    jobs_page(&state, &actor, None, layout).await
}

async fn answer(
    state: &AppState,
    actor: &Actor,
    layout: SignedInLayout,
    done: Result<(), JobsError>,
) -> Result<Response, WebError> {
    match done {
        Ok(()) => Ok(Redirect::to("/jobs").into_response()),
        Err(JobsError::Invalid(fields)) => Ok(rendered(
            StatusCode::UNPROCESSABLE_ENTITY,
            jobs_page(state, actor, fields.first().map(|f| f.message), layout).await?,
        )),
        Err(other) => Err(failure(other)),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AreaInput {
    #[serde(default)]
    provinces: String,
}

async fn view_area_post(
    State(state): State<AppState>,
    Acting(actor): Acting,
    layout: SignedInLayout,
    Form(input): Form<AreaInput>,
) -> Result<Response, WebError> {
    let done = state.jobs().set_area(&actor, &input.provinces).await;
    answer(&state, &actor, layout, done).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CapacityInput {
    #[serde(default)]
    day: String,
    #[serde(default)]
    capacity: String,
}

async fn view_capacity_post(
    State(state): State<AppState>,
    Acting(actor): Acting,
    layout: SignedInLayout,
    Form(input): Form<CapacityInput>,
) -> Result<Response, WebError> {
    let capacity = input.capacity.trim().parse().unwrap_or(u32::MAX);
    let done = state
        .jobs()
        .set_capacity(&actor, &input.day, capacity)
        .await;
    answer(&state, &actor, layout, done).await
}
