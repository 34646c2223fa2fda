//! The installer's job board and crew calendar (SYS-1), on the web and the API: `/jobs`
//! shows the offers to accept or decline, the jobs taken, the provinces the crew serves and
//! its days; a job's own page shows its address while the crew may see it and takes the
//! crew's progress reports. `WorkJobs` (installers only); the crew is the installer's own.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json};
use helio_core::access::{Access, Capability};
use helio_core::dispatch::OfferId;
use helio_core::order::{OrderEvent, OrderId, Party, next};
use helio_core::quote::province_name;
use helio_core::schedule::Day;
use serde::{Deserialize, Serialize};

use crate::acting::Acting;
use crate::dates::{rfc3339, utc_minute};
use crate::forms::NoFields;
use crate::layout::SignedInLayout;
use crate::openapi::ApiOperation;
use crate::render::{html, rendered};
use crate::services::audit_log::Actor;
use crate::services::jobs::{JobView, JobsError, OfferView};
use crate::{AppState, RouteTable, WebError};

pub(crate) fn routes() -> RouteTable {
    let work = Access::Capability(Capability::WorkJobs);
    RouteTable::new()
        .get("/jobs", work, view_jobs_get)
        .post("/jobs/area", work, view_area_post)
        .post("/jobs/capacity", work, view_capacity_post)
        .post("/jobs/offers/{offer}/accept", work, view_accept_post)
        .post("/jobs/offers/{offer}/decline", work, view_decline_post)
        .get("/jobs/work/{order}", work, view_job_get)
        .post("/jobs/work/{order}/survey", work, view_survey_post)
        .post("/jobs/work/{order}/install", work, view_install_post)
        .post("/jobs/work/{order}/hand-back", work, view_hand_back_post)
        .get("/api/v1/jobs", work, api_board_get)
        .get("/api/v1/jobs/{order}", work, api_job_get)
        .post("/api/v1/offers/{offer}/accept", work, api_accept_post)
        .post("/api/v1/offers/{offer}/decline", work, api_decline_post)
        .post("/api/v1/jobs/{order}/survey", work, api_survey_post)
        .post("/api/v1/jobs/{order}/install", work, api_install_post)
        .post("/api/v1/jobs/{order}/hand-back", work, api_hand_back_post)
}

/// A published day as the page lists it.
struct DayRow {
    day: String,
    capacity: u32,
    booked: u32,
}

/// An offer as the board lists it.
struct OfferRow {
    offer: String,
    order: String,
    day: String,
    place: String,
    panels: u32,
    kw: String,
    lapses: String,
}

/// A job as the board and its page show it.
struct JobRow {
    order: String,
    state: &'static str,
    day: String,
    city: String,
    panels: u32,
    kw: String,
    site: Option<String>,
    may_survey: bool,
    may_install: bool,
    may_hand_back: bool,
}

fn kw(watts: u64) -> String {
    format!("{}.{:02}", watts / 1_000, watts % 1_000 / 10)
}

fn job_row(job: JobView) -> JobRow {
    JobRow {
        order: job.order.to_string(),
        state: job.state.label(),
        day: job.day.map(Day::format).unwrap_or_default(),
        city: job.city,
        panels: job.panels,
        kw: kw(job.system_watts),
        site: job.site.map(|site| site.replace('\n', ", ")),
        may_survey: next(job.state, OrderEvent::Survey, Party::Crew).is_ok(),
        may_install: next(job.state, OrderEvent::Install, Party::Crew).is_ok(),
        may_hand_back: next(job.state, OrderEvent::Unassign, Party::Crew).is_ok(),
    }
}

fn offer_row(offer: OfferView) -> OfferRow {
    OfferRow {
        offer: offer.offer.to_string(),
        order: offer.order.to_string(),
        day: offer.day.format(),
        place: format!("{}, {}", offer.city, offer.province),
        panels: offer.panels,
        kw: kw(offer.system_watts),
        lapses: utc_minute(offer.expires_at),
    }
}

#[derive(Template)]
#[template(path = "jobs.html")]
struct JobsPage {
    offers: Vec<OfferRow>,
    jobs: Vec<JobRow>,
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
        JobsError::NotFound => WebError::NotFound,
        JobsError::Gone => WebError::Conflict(
            "This offer or job is no longer open (taken, declined, lapsed, or moved on).",
        ),
        JobsError::Refused(refused) => WebError::Conflict(refused.message()),
        JobsError::Store(error) => WebError::internal(error),
        JobsError::Unreadable => WebError::internal(JobsError::Unreadable),
        JobsError::Audit(error) => WebError::internal(error),
    }
}

async fn jobs_page(
    state: &AppState,
    actor: &Actor,
    error: Option<&'static str>,
    layout: SignedInLayout,
) -> Result<Html<String>, WebError> {
    let calendar = state.jobs().calendar(actor).await.map_err(failure)?;
    let board = state.jobs().board(actor).await.map_err(failure)?;
    html(&JobsPage {
        offers: board.offers.into_iter().map(offer_row).collect(),
        jobs: board.jobs.into_iter().map(job_row).collect(),
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

fn offer_id(text: &str) -> Result<OfferId, WebError> {
    OfferId::parse(text).ok_or(WebError::NotFound)
}

fn order_id(text: &str) -> Result<OrderId, WebError> {
    OrderId::parse(text).ok_or(WebError::NotFound)
}

async fn view_accept_post(
    State(state): State<AppState>,
    Acting(actor): Acting,
    Path(offer): Path<String>,
    Form(NoFields {}): Form<NoFields>,
) -> Result<Response, WebError> {
    let order = state
        .jobs()
        .accept(&actor, offer_id(&offer)?)
        .await
        .map_err(failure)?;
    Ok(Redirect::to(&format!("/jobs/work/{order}")).into_response())
}

async fn view_decline_post(
    State(state): State<AppState>,
    Acting(actor): Acting,
    Path(offer): Path<String>,
    Form(NoFields {}): Form<NoFields>,
) -> Result<Response, WebError> {
    state
        .jobs()
        .decline(&actor, offer_id(&offer)?)
        .await
        .map_err(failure)?;
    Ok(Redirect::to("/jobs").into_response())
}

#[derive(Template)]
#[template(path = "job.html")]
struct JobPage {
    job: JobRow,
    layout: SignedInLayout,
}

async fn view_job_get(
    State(state): State<AppState>,
    Acting(actor): Acting,
    layout: SignedInLayout,
    Path(order): Path<String>,
) -> Result<Html<String>, WebError> {
    let job = state
        .jobs()
        .job(&actor, order_id(&order)?)
        .await
        .map_err(failure)?;
    html(&JobPage {
        job: job_row(job),
        layout,
    })
}

async fn report(
    state: &AppState,
    actor: &Actor,
    order: &str,
    event: OrderEvent,
) -> Result<OrderId, WebError> {
    let id = order_id(order)?;
    state
        .jobs()
        .report(actor, id, event)
        .await
        .map_err(failure)?;
    Ok(id)
}

async fn view_survey_post(
    State(state): State<AppState>,
    Acting(actor): Acting,
    Path(order): Path<String>,
    Form(NoFields {}): Form<NoFields>,
) -> Result<Response, WebError> {
    let id = report(&state, &actor, &order, OrderEvent::Survey).await?;
    Ok(Redirect::to(&format!("/jobs/work/{id}")).into_response())
}

async fn view_install_post(
    State(state): State<AppState>,
    Acting(actor): Acting,
    Path(order): Path<String>,
    Form(NoFields {}): Form<NoFields>,
) -> Result<Response, WebError> {
    let id = report(&state, &actor, &order, OrderEvent::Install).await?;
    Ok(Redirect::to(&format!("/jobs/work/{id}")).into_response())
}

async fn view_hand_back_post(
    State(state): State<AppState>,
    Acting(actor): Acting,
    Path(order): Path<String>,
    Form(NoFields {}): Form<NoFields>,
) -> Result<Response, WebError> {
    state
        .jobs()
        .hand_back(&actor, order_id(&order)?)
        .await
        .map_err(failure)?;
    Ok(Redirect::to("/jobs").into_response())
}

async fn api_hand_back_post(
    State(state): State<AppState>,
    Acting(actor): Acting,
    Path(order): Path<String>,
) -> Result<StatusCode, WebError> {
    state
        .jobs()
        .hand_back(&actor, order_id(&order)?)
        .await
        .map_err(failure)?;
    Ok(StatusCode::NO_CONTENT)
}

/// An offer as the API returns it: where and when, never the street.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ApiOffer {
    offer: String,
    order: String,
    day: String,
    city: String,
    province: &'static str,
    panels: u32,
    system_watts: u64,
    expires_at: String,
}

/// A job as the API returns it; `site` only while the crew may see it.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ApiJob {
    order: String,
    state: &'static str,
    day: Option<String>,
    city: String,
    panels: u32,
    system_watts: u64,
    site: Option<String>,
}

/// The crew's board as the API returns it.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ApiBoard {
    crew: String,
    offers: Vec<ApiOffer>,
    jobs: Vec<ApiJob>,
}

fn api_job(job: JobView) -> ApiJob {
    ApiJob {
        order: job.order.to_string(),
        state: job.state.as_str(),
        day: job.day.map(Day::format),
        city: job.city,
        panels: job.panels,
        system_watts: job.system_watts,
        site: job.site,
    }
}

async fn api_board_get(
    State(state): State<AppState>,
    Acting(actor): Acting,
) -> Result<Json<ApiBoard>, WebError> {
    let board = state.jobs().board(&actor).await.map_err(failure)?;
    Ok(Json(ApiBoard {
        crew: board.crew,
        offers: board
            .offers
            .into_iter()
            .map(|offer| ApiOffer {
                offer: offer.offer.to_string(),
                order: offer.order.to_string(),
                day: offer.day.format(),
                city: offer.city,
                province: offer.province,
                panels: offer.panels,
                system_watts: offer.system_watts,
                expires_at: rfc3339(offer.expires_at),
            })
            .collect(),
        jobs: board.jobs.into_iter().map(api_job).collect(),
    }))
}

async fn api_job_get(
    State(state): State<AppState>,
    Acting(actor): Acting,
    Path(order): Path<String>,
) -> Result<Json<ApiJob>, WebError> {
    let job = state
        .jobs()
        .job(&actor, order_id(&order)?)
        .await
        .map_err(failure)?;
    Ok(Json(api_job(job)))
}

async fn api_accept_post(
    State(state): State<AppState>,
    Acting(actor): Acting,
    Path(offer): Path<String>,
) -> Result<Json<ApiJob>, WebError> {
    let order = state
        .jobs()
        .accept(&actor, offer_id(&offer)?)
        .await
        .map_err(failure)?;
    let job = state.jobs().job(&actor, order).await.map_err(failure)?;
    Ok(Json(api_job(job)))
}

async fn api_decline_post(
    State(state): State<AppState>,
    Acting(actor): Acting,
    Path(offer): Path<String>,
) -> Result<StatusCode, WebError> {
    state
        .jobs()
        .decline(&actor, offer_id(&offer)?)
        .await
        .map_err(failure)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn api_report(
    state: &AppState,
    actor: &Actor,
    order: &str,
    event: OrderEvent,
) -> Result<Json<ApiJob>, WebError> {
    let id = report(state, actor, order, event).await?;
    let job = state.jobs().job(actor, id).await.map_err(failure)?;
    Ok(Json(api_job(job)))
}

async fn api_survey_post(
    State(state): State<AppState>,
    Acting(actor): Acting,
    Path(order): Path<String>,
) -> Result<Json<ApiJob>, WebError> {
    api_report(&state, &actor, &order, OrderEvent::Survey).await
}

async fn api_install_post(
    State(state): State<AppState>,
    Acting(actor): Acting,
    Path(order): Path<String>,
) -> Result<Json<ApiJob>, WebError> {
    api_report(&state, &actor, &order, OrderEvent::Install).await
}

/// The installers' job board, for the OpenAPI document.
pub(crate) fn api_operations() -> Vec<ApiOperation> {
    use crate::openapi::schema;
    vec![
        ApiOperation::new(
            "GET",
            "/api/v1/jobs",
            "The crew's open offers (no street) and jobs taken.",
            None,
            Some(schema::<ApiBoard>),
        ),
        ApiOperation::new(
            "GET",
            "/api/v1/jobs/{order}",
            "One job of the crew; the address only from acceptance to completion.",
            None,
            Some(schema::<ApiJob>),
        ),
        ApiOperation::new(
            "POST",
            "/api/v1/offers/{offer}/accept",
            "Take the job offered; of racing acceptances one wins, the others get 409.",
            None,
            Some(schema::<ApiJob>),
        ),
        ApiOperation::new(
            "POST",
            "/api/v1/offers/{offer}/decline",
            "Decline the job offered; it goes to the next crew.",
            None,
            None,
        )
        .answering(204),
        ApiOperation::new(
            "POST",
            "/api/v1/jobs/{order}/survey",
            "Report the roof surveyed.",
            None,
            Some(schema::<ApiJob>),
        ),
        ApiOperation::new(
            "POST",
            "/api/v1/jobs/{order}/install",
            "Report the panels installed.",
            None,
            Some(schema::<ApiJob>),
        ),
        ApiOperation::new(
            "POST",
            "/api/v1/jobs/{order}/hand-back",
            "Give an accepted job back before the survey; it goes to the next crew.",
            None,
            None,
        )
        .answering(204),
    ]
}
