//! Logging in and out, and the account page (AU-4, SM-7, SM-12, SM-20).

use askama::Template;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use helio_core::access::Access;
use helio_core::id::handle_hex;
use helio_core::session::EndReason;
use helio_store::{SessionClient, SessionStage};
use serde::Deserialize;

use crate::auth::SignedIn;
use crate::dates::utc_minute;
use crate::layout::SignedInLayout;
use crate::render::{html, rendered};
use crate::services::accounts::{AccountError, LoggedIn, LoginOutcome, LoginSource};
use crate::services::sessions::Sessions;
use crate::{AppState, ClientInfo, RouteTable, WebError, cookies};

pub(crate) fn routes() -> RouteTable {
    RouteTable::new()
        .get("/login", Access::Public, view_login_get)
        .post("/login", Access::Public, view_login_post)
        .get("/account", Access::SignedIn, view_account_get)
        .post("/logout", Access::SignedIn, view_logout_post)
        .post(
            "/account/sessions/{id}/end",
            Access::SignedIn,
            view_session_end_post,
        )
        .post(
            "/account/sessions/end-others",
            Access::SignedIn,
            view_sessions_end_others_post,
        )
        .post("/login/cancel", Access::LoginInProgress, view_logout_post)
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    email: &'a str,
    failed: bool,
    signed_out: Option<SignedOut>,
}

/// Why the previous session ended, when the session script ended it (SM-9): shown on the
/// login page it lands on. Parsed from a closed set, so the page never echoes the URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum SignedOut {
    /// Nothing happened on the page for the session's idle limit.
    Inactivity,
    /// The session reached its absolute lifetime.
    Expired,
}

impl SignedOut {
    fn end_reason(self) -> EndReason {
        match self {
            Self::Inactivity => EndReason::InactivityLogout,
            Self::Expired => EndReason::LifetimeLogout,
        }
    }

    fn query(self) -> &'static str {
        match self {
            Self::Inactivity => "/login?signed_out=inactivity",
            Self::Expired => "/login?signed_out=expired",
        }
    }
}

/// The login page's query: only the notice of a script-ended session.
#[derive(Deserialize)]
pub(crate) struct LoginQuery {
    signed_out: Option<SignedOut>,
}

/// The logout form: who ended it, the person or their page's timer.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LogoutInput {
    reason: Option<SignedOut>,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage<'a> {
    name: &'a str,
    email: &'a str,
    role: &'a str,
    crew: Option<String>,
    totp: bool,
    recovery_codes_left: u32,
    layout: SignedInLayout,
    sessions: Vec<SessionRow>,
    passkeys: Vec<PasskeyRow>,
    activity: Vec<ActivityRow>,
    /// The role's own pages (orders, back office), as (address, label).
    staff_links: Vec<(&'static str, &'static str)>,
}

/// The entry pages of each capability: the account page links the ones the viewer's role
/// holds, by the permission table.
const STAFF_PAGES: [(helio_core::access::Capability, &str, &str); 8] = {
    use helio_core::access::Capability as C;
    [
        (C::OwnOrders, "/orders", "Your orders"),
        (C::WorkJobs, "/jobs", "Your crew's jobs"),
        (C::SearchCustomers, "/staff/customers", "Find a customer"),
        (C::SellAndReport, "/staff/pipeline", "Sales pipeline"),
        (C::OperateSystem, "/ops", "Operations"),
        (
            C::RequestBreakGlass,
            "/staff/break-glass",
            "Break-glass access",
        ),
        (
            C::ApproveBreakGlass,
            "/admin/approvals",
            "Pending approvals",
        ),
        (C::ManageStaff, "/admin/staff", "Staff and access review"),
    ]
};

/// An entry of the account's security activity as the page lists it.
struct ActivityRow {
    what: &'static str,
    warning: bool,
    when: String,
    from: String,
}

/// A session as the account page lists it: a handle, never the ID.
struct SessionRow {
    handle: String,
    device: String,
    app: bool,
    network: String,
    started: String,
    last_active: String,
    current: bool,
}

/// A passkey as the account page lists it.
struct PasskeyRow {
    id: String,
    added: String,
    last_used: Option<String>,
}

/// The login fields. No `Debug`: it carries a password.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LoginInput {
    email: String,
    password: String,
}

async fn view_login_get(Query(query): Query<LoginQuery>) -> Result<Html<String>, WebError> {
    html(&LoginPage {
        email: "",
        failed: false,
        signed_out: query.signed_out,
    })
}

async fn view_login_post(
    State(state): State<AppState>,
    Extension(client): Extension<ClientInfo>,
    headers: HeaderMap,
    Form(input): Form<LoginInput>,
) -> Result<Response, WebError> {
    let source = LoginSource {
        ip: client.ip,
        device_cookie: cookies::presented_device(&headers),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok()),
        client: SessionClient::Browser,
    };
    let outcome = state
        .accounts()
        .login(&input.email, &input.password, source)
        .await
        .map_err(|error| match error {
            AccountError::Busy => WebError::Unavailable,
            AccountError::TooMany => WebError::TooManyRequests,
            other => WebError::internal(other),
        })?;
    match outcome {
        LoginOutcome::Success(login) => {
            let enrolled = state
                .mfa()
                .is_enrolled(login.who.account)
                .await
                .map_err(WebError::internal)?;
            let (stage, next) = if enrolled {
                (SessionStage::MfaPending, "/mfa")
            } else if login.who.role.requires_mfa() {
                (SessionStage::EnrolmentPending, "/mfa/enrol")
            } else {
                (SessionStage::Full, "/account")
            };
            let cookie = start_session(&state, &headers, login.who, stage).await?;
            let mut response = Redirect::to(next).into_response();
            response.headers_mut().append(header::SET_COOKIE, cookie);
            if let Some(device) = login.new_device_cookie.as_deref().and_then(cookies::device) {
                response.headers_mut().append(header::SET_COOKIE, device);
            }
            Ok(response)
        }
        LoginOutcome::Failed => {
            let page = html(&LoginPage {
                email: &input.email,
                failed: true,
                signed_out: None,
            })?;
            Ok(rendered(StatusCode::UNAUTHORIZED, page))
        }
    }
}

/// Starts a session for someone who just authenticated and returns its cookie. Whatever
/// session this browser held before ends first (SM-15).
pub(crate) async fn start_session(
    state: &AppState,
    headers: &HeaderMap,
    who: LoggedIn,
    stage: SessionStage,
) -> Result<HeaderValue, WebError> {
    if let Some(previous) = cookies::presented_session(headers) {
        state
            .sessions()
            .end(previous, EndReason::ReplacedByLogin)
            .await
            .map_err(WebError::internal)?;
    }
    let token = state
        .sessions()
        .start(who, stage)
        .await
        .map_err(WebError::internal)?;
    cookies::session(token.expose(), who.role.is_staff())
        .ok_or_else(|| WebError::internal(std::io::Error::other("cookie value")))
}

async fn view_account_get(
    State(state): State<AppState>,
    who: SignedIn,
    headers: HeaderMap,
    layout: SignedInLayout,
) -> Result<Html<String>, WebError> {
    let current = Sessions::hash_of(cookies::presented_session(&headers).unwrap_or_default());
    let sessions = state
        .sessions()
        .list(who.account, &current)
        .await
        .map_err(WebError::internal)?
        .into_iter()
        .map(|listed| SessionRow {
            handle: handle_hex(&listed.public_id),
            device: listed.device.unwrap_or_else(|| "Unknown device".to_owned()),
            app: listed.client == SessionClient::Api,
            network: listed.network.unwrap_or_default(),
            started: utc_minute(listed.created_at),
            last_active: utc_minute(listed.last_seen_at),
            current: listed.current,
        })
        .collect();
    let activity = state
        .sessions()
        .activity()
        .recent(who.account, crate::api_session::ACTIVITY_SHOWN)
        .await
        .map_err(WebError::internal)?
        .into_iter()
        .map(|entry| ActivityRow {
            what: entry.kind.describe(),
            warning: entry.kind.is_warning(),
            when: utc_minute(entry.at),
            from: [
                entry.device,
                entry
                    .client
                    .filter(|c| *c == SessionClient::Api)
                    .map(|_| "app".to_owned()),
                entry.network,
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · "),
        })
        .collect();
    let profile = who.profile(&state).await?;
    let factors = state
        .mfa()
        .factors(who.account)
        .await
        .map_err(WebError::internal)?;
    let passkeys = state
        .passkeys()
        .list(who.account)
        .await
        .map_err(WebError::internal)?
        .into_iter()
        .map(|p| PasskeyRow {
            id: p.id,
            added: utc_minute(p.created_at),
            last_used: p.last_used_at.map(utc_minute),
        })
        .collect();
    html(&AccountPage {
        name: &profile.name,
        email: &profile.email,
        role: profile.role.as_str(),
        crew: profile
            .crew
            .as_ref()
            .map(|crew| format!("{} · {}", crew.name, crew.company_name)),
        totp: factors.totp,
        layout,
        sessions,
        recovery_codes_left: state
            .mfa()
            .recovery_codes_left(who.account)
            .await
            .map_err(WebError::internal)?,
        passkeys,
        activity,
        staff_links: STAFF_PAGES
            .iter()
            .filter(|(capability, _, _)| helio_core::access::permits(who.role, *capability))
            .map(|(_, href, label)| (*href, *label))
            .collect(),
    })
}

/// Ends the session on the server, expires the cookie and clears what the browser kept, then
/// returns to the login page (SM-7). The session script posts here too when the page's timer
/// runs out, naming why (SM-9), and the login page says so.
async fn view_logout_post(
    State(state): State<AppState>,
    _who: SignedIn,
    headers: HeaderMap,
    input: Result<Form<LogoutInput>, FormRejection>,
) -> Result<Response, WebError> {
    // Logging out never fails for want of a well-formed reason: without one it is the
    // person's own logout.
    let reason = input.ok().and_then(|Form(input)| input.reason);
    if let Some(id) = cookies::presented_session(&headers) {
        state
            .sessions()
            .end(id, reason.map_or(EndReason::Logout, SignedOut::end_reason))
            .await
            .map_err(WebError::internal)?;
    }
    let mut response = Redirect::to(reason.map_or("/login", SignedOut::query)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::SET_COOKIE, cookies::expired_session());
    // Cache and storage go; cookies are not wiped wholesale so that the device cookie, which
    // names no one and protects the owner from lockouts, survives (the session cookie is
    // expired explicitly above).
    headers.insert(
        "clear-site-data",
        HeaderValue::from_static("\"cache\", \"storage\""),
    );
    Ok(response)
}

/// Ends one of the account's other sessions from the list (SM-16).
async fn view_session_end_post(
    State(state): State<AppState>,
    who: SignedIn,
    Path(handle): Path<String>,
) -> Result<Response, WebError> {
    if !state
        .sessions()
        .end_listed(who.account, &handle)
        .await
        .map_err(WebError::internal)?
    {
        return Err(WebError::NotFound);
    }
    Ok(Redirect::to("/account").into_response())
}

/// Ends every session of the account but this one (SM-16).
async fn view_sessions_end_others_post(
    State(state): State<AppState>,
    who: SignedIn,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let current = Sessions::hash_of(cookies::presented_session(&headers).unwrap_or_default());
    state
        .sessions()
        .end_others(who.account, &current)
        .await
        .map_err(WebError::internal)?;
    Ok(Redirect::to("/account").into_response())
}
