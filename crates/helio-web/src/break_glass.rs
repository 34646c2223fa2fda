//! Break-glass pages (AC-4, AC-5). Engineers ask for one customer's record and, once an admin
//! approved, open it under a banner that says until when; the page leaves by itself at the
//! expiry, and the server refuses it from that second whatever the browser does. Admins see
//! the waiting requests, approve or refuse them (never their own), and read what was done
//! under each grant, line by line.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use helio_core::access::{Access, Capability};
use helio_core::account::AccountStatus;
use helio_core::break_glass::{GrantId, GrantStatus};
use serde::Deserialize;

use crate::acting::Acting;
use crate::back_office::failure;
use crate::dates::utc_minute;
use crate::forms::{NoFields, ReasonInput};
use crate::layout::SignedInLayout;
use crate::render::{html, rendered};
use crate::services::audit_log::Actor;
use crate::services::back_office::{BackOfficeError, Decision, GrantSummary, RevealedData};
use crate::{AppState, RouteTable, WebError};

pub(crate) fn routes() -> RouteTable {
    let request = Access::Capability(Capability::RequestBreakGlass);
    let approve = Access::Capability(Capability::ApproveBreakGlass);
    RouteTable::new()
        .get("/staff/break-glass", request, view_requests_get)
        .post("/staff/break-glass", request, view_request_post)
        .get("/staff/break-glass/{grant}", request, view_record_get)
        .post("/staff/break-glass/{grant}/end", request, end_post)
        .get("/admin/approvals", approve, view_approvals_get)
        .post("/admin/approvals/{grant}/approve", approve, approve_post)
        .post("/admin/approvals/{grant}/refuse", approve, refuse_post)
        .get("/admin/break-glass/{grant}", approve, view_lines_get)
}

/// A request as the lists show it.
struct GrantRow {
    id: String,
    requester: String,
    customer: String,
    reason: String,
    minutes: u32,
    status: &'static str,
    open: bool,
    until: String,
    requested: String,
    refusal: String,
}

fn grant_row(grant: GrantSummary) -> GrantRow {
    let (open, until) = match grant.status {
        GrantStatus::Active(until) => (true, utc_minute(until)),
        _ => (false, String::new()),
    };
    GrantRow {
        id: grant.id.to_string(),
        requester: grant.requester_name,
        customer: grant.subject.to_string(),
        reason: grant.reason,
        minutes: grant.minutes,
        status: grant.status.label(),
        open,
        until,
        requested: utc_minute(grant.requested_at),
        refusal: grant.refusal.unwrap_or_default(),
    }
}

fn grant_id(text: &str) -> Result<GrantId, WebError> {
    GrantId::parse(text).ok_or(WebError::NotFound)
}

#[derive(Template)]
#[template(path = "break_glass_requests.html")]
struct RequestsPage {
    grants: Vec<GrantRow>,
    error: Option<&'static str>,
    layout: SignedInLayout,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RequestInput {
    #[serde(default)]
    customer: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    minutes: String,
}

async fn requests_page(
    state: &AppState,
    actor: &Actor,
    error: Option<&'static str>,
    layout: SignedInLayout,
) -> Result<Html<String>, WebError> {
    let grants = state
        .back_office()
        .my_break_glass(actor)
        .await
        .map_err(failure)?;
    html(&RequestsPage {
        grants: grants.into_iter().map(grant_row).collect(),
        error,
        layout,
    })
}

async fn view_requests_get(
    State(state): State<AppState>,
    Acting(actor): Acting,
    layout: SignedInLayout,
) -> Result<Html<String>, WebError> {
    requests_page(&state, &actor, None, layout).await
}

async fn view_request_post(
    State(state): State<AppState>,
    Acting(actor): Acting,
    layout: SignedInLayout,
    Form(input): Form<RequestInput>,
) -> Result<Response, WebError> {
    let minutes = input.minutes.trim().parse().unwrap_or(0);
    match state
        .back_office()
        .request_break_glass(&actor, &input.customer, &input.reason, minutes)
        .await
    {
        Ok(_) => Ok(Redirect::to("/staff/break-glass").into_response()),
        Err(BackOfficeError::Invalid(fields)) => Ok(rendered(
            StatusCode::UNPROCESSABLE_ENTITY,
            requests_page(&state, &actor, fields.first().map(|f| f.message), layout).await?,
        )),
        Err(other) => Err(failure(other)),
    }
}

#[derive(Template)]
#[template(path = "break_glass_record.html")]
struct RecordPage {
    grant: GrantRow,
    seconds_left: u64,
    data: RevealedData,
    status: &'static str,
    totp: bool,
    passkeys: u32,
    activity: Vec<(&'static str, String)>,
    layout: SignedInLayout,
}

async fn view_record_get(
    State(state): State<AppState>,
    Acting(actor): Acting,
    layout: SignedInLayout,
    Path(grant): Path<String>,
) -> Result<Html<String>, WebError> {
    let record = state
        .back_office()
        .open_break_glass(&actor, grant_id(&grant)?)
        .await
        .map_err(failure)?;
    html(&RecordPage {
        seconds_left: record.left.as_secs().max(1),
        grant: grant_row(record.grant),
        data: record.data,
        status: match record.status {
            AccountStatus::Active => "active",
            AccountStatus::Unverified => "email not confirmed",
            AccountStatus::Disabled => "locked",
        },
        totp: record.totp,
        passkeys: record.passkeys,
        activity: record
            .activity
            .into_iter()
            .map(|entry| (entry.kind.describe(), utc_minute(entry.at)))
            .collect(),
        layout,
    })
}

async fn end_post(
    State(state): State<AppState>,
    Acting(actor): Acting,
    Path(grant): Path<String>,
) -> Result<Response, WebError> {
    state
        .back_office()
        .end_break_glass(&actor, grant_id(&grant)?)
        .await
        .map_err(failure)?;
    Ok(Redirect::to("/staff/break-glass").into_response())
}

#[derive(Template)]
#[template(path = "approvals.html")]
struct ApprovalsPage {
    pending: Vec<GrantRow>,
    recent: Vec<GrantRow>,
    refunds: Vec<crate::refunds::RefundRow>,
    error: Option<&'static str>,
    layout: SignedInLayout,
}

async fn approvals_page(
    state: &AppState,
    actor: &Actor,
    error: Option<&'static str>,
    layout: SignedInLayout,
) -> Result<Html<String>, WebError> {
    let (pending, recent) = state
        .back_office()
        .break_glass_oversight(actor)
        .await
        .map_err(failure)?;
    let refunds = crate::refunds::rows(state, actor).await?;
    html(&ApprovalsPage {
        pending: pending.into_iter().map(grant_row).collect(),
        recent: recent.into_iter().map(grant_row).collect(),
        refunds,
        error,
        layout,
    })
}

async fn view_approvals_get(
    State(state): State<AppState>,
    Acting(actor): Acting,
    layout: SignedInLayout,
) -> Result<Html<String>, WebError> {
    approvals_page(&state, &actor, None, layout).await
}

async fn decide(
    state: &AppState,
    actor: &Actor,
    layout: SignedInLayout,
    grant: &str,
    decision: Decision<'_>,
) -> Result<Response, WebError> {
    match state
        .back_office()
        .decide_break_glass(actor, grant_id(grant)?, decision)
        .await
    {
        Ok(()) => Ok(Redirect::to("/admin/approvals").into_response()),
        Err(BackOfficeError::Invalid(fields)) => Ok(rendered(
            StatusCode::UNPROCESSABLE_ENTITY,
            approvals_page(state, actor, fields.first().map(|f| f.message), layout).await?,
        )),
        Err(other) => Err(failure(other)),
    }
}

async fn approve_post(
    State(state): State<AppState>,
    Acting(actor): Acting,
    layout: SignedInLayout,
    Path(grant): Path<String>,
    Form(NoFields {}): Form<NoFields>,
) -> Result<Response, WebError> {
    decide(&state, &actor, layout, &grant, Decision::Approve).await
}

async fn refuse_post(
    State(state): State<AppState>,
    Acting(actor): Acting,
    layout: SignedInLayout,
    Path(grant): Path<String>,
    Form(input): Form<ReasonInput>,
) -> Result<Response, WebError> {
    decide(
        &state,
        &actor,
        layout,
        &grant,
        Decision::Refuse(&input.reason),
    )
    .await
}

/// One line of what was done under a grant.
struct LineRow {
    when: String,
    action: &'static str,
    role: &'static str,
    from: String,
    request: String,
}

#[derive(Template)]
#[template(path = "break_glass_lines.html")]
struct LinesPage {
    grant: GrantRow,
    lines: Vec<LineRow>,
    layout: SignedInLayout,
}

async fn view_lines_get(
    State(state): State<AppState>,
    Acting(actor): Acting,
    layout: SignedInLayout,
    Path(grant): Path<String>,
) -> Result<Html<String>, WebError> {
    let (grant, lines) = state
        .back_office()
        .break_glass_lines(&actor, grant_id(&grant)?)
        .await
        .map_err(failure)?;
    html(&LinesPage {
        grant: grant_row(grant),
        lines: lines
            .into_iter()
            .map(|line| LineRow {
                when: utc_minute(line.at),
                action: line.action.as_str(),
                role: line.actor_role.as_str(),
                from: line.seen_from.unwrap_or_default(),
                request: line.request_id.unwrap_or_default(),
            })
            .collect(),
        layout,
    })
}
