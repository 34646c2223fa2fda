//! The admins' staff pages (AC-5): the access review (every staff account, its role, second
//! factors and last login; unused ones flagged, disabled in one action), invitations, role
//! changes and disabling. Each route carries `ManageStaff`; the service refuses changes to
//! the admin's own account.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use helio_core::access::{Access, Capability};
use helio_core::account::{AccountId, AccountStatus};
use helio_core::role::Role;
use helio_core::values::FieldError;
use serde::Deserialize;

use crate::acting::Acting;
use crate::dates::utc_minute;
use crate::forms::ReasonInput;
use crate::layout::SignedInLayout;
use crate::render::{html, rendered};
use crate::services::audit_log::Actor;
use crate::services::staff_admin::{StaffAdminError, StaffMember};
use crate::{AppState, RouteTable, WebError};

pub(crate) fn routes() -> RouteTable {
    let manage = Access::Capability(Capability::ManageStaff);
    RouteTable::new()
        .get("/admin/staff", manage, view_review_get)
        .post("/admin/staff/invite", manage, invite_post)
        .post("/admin/staff/disable-unused", manage, disable_unused_post)
        .post("/admin/staff/{id}/role", manage, role_post)
        .post("/admin/staff/{id}/disable", manage, disable_post)
        .post("/admin/staff/{id}/enable", manage, enable_post)
}

/// A staff account as the review lists it.
struct MemberRow {
    id: String,
    name: String,
    email: String,
    role: &'static str,
    status: &'static str,
    disabled: bool,
    second_step: String,
    last_login: String,
    unused: bool,
    me: bool,
}

fn member_row(member: StaffMember, me: AccountId) -> MemberRow {
    let mut factors = Vec::new();
    if member.totp {
        factors.push("authenticator app".to_owned());
    }
    if member.passkeys > 0 {
        factors.push(format!("{} passkeys", member.passkeys));
    }
    MemberRow {
        id: member.id.to_string(),
        name: member.name,
        email: member.email,
        role: member.role.as_str(),
        status: match member.status {
            AccountStatus::Active => "active",
            AccountStatus::Unverified => "invited",
            AccountStatus::Disabled => "disabled",
        },
        disabled: member.status == AccountStatus::Disabled,
        second_step: if factors.is_empty() {
            "none yet".to_owned()
        } else {
            factors.join(", ")
        },
        last_login: member
            .last_login
            .map_or_else(|| "never (or over a year ago)".to_owned(), utc_minute),
        unused: member.unused,
        me: member.id == me,
    }
}

#[derive(Template)]
#[template(path = "staff_review.html")]
struct ReviewPage {
    members: Vec<MemberRow>,
    unused: usize,
    roles: [&'static str; 4],
    error: Option<&'static str>,
    layout: SignedInLayout,
}

fn failure(error: StaffAdminError) -> WebError {
    match error {
        StaffAdminError::Forbidden => {
            WebError::Forbidden("Your account does not have access to this.")
        }
        StaffAdminError::OwnAccount => WebError::Forbidden(
            "Nobody changes their own role or access; another admin must do it.",
        ),
        StaffAdminError::NotFound => WebError::NotFound,
        StaffAdminError::Conflict => {
            WebError::Conflict("The account is not in a state that allows this; reload the page.")
        }
        StaffAdminError::Invalid(fields) => WebError::Invalid(fields),
        other => WebError::internal(other),
    }
}

async fn review_page(
    state: &AppState,
    actor: &Actor,
    error: Option<&'static str>,
    layout: SignedInLayout,
) -> Result<Html<String>, WebError> {
    let members: Vec<MemberRow> = state
        .staff_admin()
        .review(actor)
        .await
        .map_err(failure)?
        .into_iter()
        .map(|member| member_row(member, actor.account))
        .collect();
    html(&ReviewPage {
        unused: members.iter().filter(|m| m.unused && !m.me).count(),
        members,
        roles: [
            Role::Support.as_str(),
            Role::Sales.as_str(),
            Role::Engineer.as_str(),
            Role::Admin.as_str(),
        ],
        error,
        layout,
    })
}

/// The result of a change: back to the review, or the review with the first problem.
async fn answer(
    state: &AppState,
    actor: &Actor,
    layout: SignedInLayout,
    done: Result<(), StaffAdminError>,
) -> Result<Response, WebError> {
    match done {
        Ok(()) => Ok(Redirect::to("/admin/staff").into_response()),
        Err(StaffAdminError::Invalid(fields)) => Ok(rendered(
            StatusCode::UNPROCESSABLE_ENTITY,
            review_page(state, actor, fields.first().map(|f| f.message), layout).await?,
        )),
        Err(other) => Err(failure(other)),
    }
}

fn staff_id(text: &str) -> Result<AccountId, WebError> {
    AccountId::parse(text).ok_or(WebError::NotFound)
}

fn role_field() -> StaffAdminError {
    StaffAdminError::Invalid(vec![FieldError {
        field: "role",
        message: "Staff roles are support, sales, engineer and admin.",
    }])
}

async fn view_review_get(
    State(state): State<AppState>,
    Acting(actor): Acting,
    layout: SignedInLayout,
) -> Result<Html<String>, WebError> {
    review_page(&state, &actor, None, layout).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct InviteInput {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    reason: String,
}

async fn invite_post(
    State(state): State<AppState>,
    Acting(actor): Acting,
    layout: SignedInLayout,
    Form(input): Form<InviteInput>,
) -> Result<Response, WebError> {
    let done = match Role::parse(&input.role) {
        Some(role) => state
            .staff_admin()
            .invite(&actor, &input.email, &input.name, role, &input.reason)
            .await
            .map(|_| ()),
        None => Err(role_field()),
    };
    answer(&state, &actor, layout, done).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RoleInput {
    #[serde(default)]
    role: String,
    #[serde(default)]
    reason: String,
}

async fn role_post(
    State(state): State<AppState>,
    Acting(actor): Acting,
    layout: SignedInLayout,
    Path(id): Path<String>,
    Form(input): Form<RoleInput>,
) -> Result<Response, WebError> {
    let id = staff_id(&id)?;
    let done = match Role::parse(&input.role) {
        Some(role) => {
            state
                .staff_admin()
                .change_role(&actor, id, role, &input.reason)
                .await
        }
        None => Err(role_field()),
    };
    answer(&state, &actor, layout, done).await
}

async fn disable_post(
    State(state): State<AppState>,
    Acting(actor): Acting,
    layout: SignedInLayout,
    Path(id): Path<String>,
    Form(input): Form<ReasonInput>,
) -> Result<Response, WebError> {
    let id = staff_id(&id)?;
    let done = state.staff_admin().disable(&actor, id, &input.reason).await;
    answer(&state, &actor, layout, done).await
}

async fn enable_post(
    State(state): State<AppState>,
    Acting(actor): Acting,
    layout: SignedInLayout,
    Path(id): Path<String>,
    Form(input): Form<ReasonInput>,
) -> Result<Response, WebError> {
    let id = staff_id(&id)?;
    let done = state.staff_admin().enable(&actor, id, &input.reason).await;
    answer(&state, &actor, layout, done).await
}

async fn disable_unused_post(
    State(state): State<AppState>,
    Acting(actor): Acting,
    layout: SignedInLayout,
    Form(input): Form<ReasonInput>,
) -> Result<Response, WebError> {
    let done = state
        .staff_admin()
        .disable_unused(&actor, &input.reason)
        .await
        .map(|_| ());
    answer(&state, &actor, layout, done).await
}
