//! The web layer's one error type, and the single place error responses are written.
//!
//! Handlers return [`WebError`]; its response carries only the status and a public message.
//! [`render`] then writes every error response the application produces (handlers, extractor
//! rejections, limits, timeouts, panics, unknown routes) in one shape: problem+json for
//! machines, a styled page for people, each with the request ID and nothing internal (DS-1).

use std::borrow::Cow;

use askama::Template;
use axum::Json;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use helio_core::values::FieldError;
use serde::Serialize;

use crate::RequestId;

/// Why a request failed, as far as the client may know.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// The request is malformed; the message says what to fix and is safe to show.
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    /// Fields failed validation; each names its field and what to fix (422).
    #[error("invalid fields")]
    Invalid(Vec<FieldError>),
    /// The request is understood but refused (403), e.g. a cross-site form post.
    #[error("forbidden")]
    Forbidden(&'static str),
    /// The request conflicts with the current state (409); the message says why.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// Not signed in (API clients; browsers are redirected to the login page instead).
    #[error("unauthorized")]
    Unauthorized,
    /// Nothing here, or nothing this client may know exists.
    #[error("not found")]
    NotFound,
    /// This client sent too many requests of a kind; try again later (429).
    #[error("too many requests")]
    TooManyRequests,
    /// A dependency is down or the service is not ready; try again later.
    #[error("service unavailable")]
    Unavailable,
    /// A fault on our side. The detail goes to the log, never to the client.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl WebError {
    /// Wraps an internal failure; its text is logged with the request ID, never shown.
    pub fn internal(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Internal(Box::new(error))
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// The client-safe message (and field errors) a handler attached to its error response.
#[derive(Debug, Clone)]
struct PublicDetail {
    detail: &'static str,
    fields: Vec<FieldError>,
}

/// Marks an error response whose body the handler rendered itself on purpose (a form shown
/// again with its field errors); the renderer leaves it alone.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RenderedByHandler;

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = self.status();
        match &self {
            Self::Internal(source) => {
                tracing::error!(error = %source, debug = ?source, "request failed");
            }
            Self::Unavailable => tracing::warn!("request failed: dependency unavailable"),
            Self::BadRequest(_)
            | Self::Invalid(_)
            | Self::Forbidden(_)
            | Self::Conflict(_)
            | Self::NotFound
            | Self::Unauthorized
            | Self::TooManyRequests => {}
        }
        let mut response = status.into_response();
        if status == StatusCode::TOO_MANY_REQUESTS {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("3600"));
        }
        if status == StatusCode::UNAUTHORIZED {
            // RFC 6750: API credentials are bearer tokens.
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        let detail = match self {
            Self::BadRequest(detail) | Self::Forbidden(detail) | Self::Conflict(detail) => {
                Some(PublicDetail {
                    detail,
                    fields: Vec::new(),
                })
            }
            Self::Invalid(fields) => Some(PublicDetail {
                detail: "Some fields are not valid; each error names its field.",
                fields,
            }),
            Self::NotFound
            | Self::Unauthorized
            | Self::TooManyRequests
            | Self::Unavailable
            | Self::Internal(_) => None,
        };
        if let Some(detail) = detail {
            response.extensions_mut().insert(detail);
        }
        response
    }
}

/// The problem+json body (RFC 9457).
#[derive(Debug, Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'a str,
    status: u16,
    detail: &'a str,
    request_id: String,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [ProblemField],
}

#[derive(Debug, Serialize)]
struct ProblemField {
    field: &'static str,
    message: &'static str,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    title: &'a str,
    detail: &'a str,
    request_id: String,
}

/// What a person or program should be told for a status, when nothing more specific applies.
fn generic_detail(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "There is nothing at this address.",
        StatusCode::FORBIDDEN => "You may not do this.",
        StatusCode::UNAUTHORIZED => "Sign in first.",
        StatusCode::UNPROCESSABLE_ENTITY => "Some fields are not valid.",
        StatusCode::METHOD_NOT_ALLOWED => "This address does not accept that method.",
        StatusCode::PAYLOAD_TOO_LARGE => "The request is larger than this service accepts.",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            "The request body is not in a format this address accepts."
        }
        StatusCode::REQUEST_TIMEOUT => "The request took too long to arrive.",
        StatusCode::TOO_MANY_REQUESTS => "Too many requests; please wait a moment and try again.",
        StatusCode::SERVICE_UNAVAILABLE => {
            "The service is busy or temporarily unavailable; please try again shortly."
        }
        s if s.is_server_error() => {
            "Something went wrong on our side. Quote the request ID if you contact support."
        }
        _ => "The request could not be processed.",
    }
}

/// Paths answered to programs rather than people.
fn is_machine_path(path: &str) -> bool {
    path.starts_with("/api/") || path == "/healthz" || path == "/readyz"
}

fn wants_json(request: &Request) -> bool {
    if is_machine_path(request.uri().path()) {
        return true;
    }
    let accept = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    accept.contains("json") && !accept.contains("text/html")
}

/// Middleware: replaces the body of every 4xx/5xx response with the uniform error document.
///
/// Whatever produced the error (a handler, an extractor's rejection text, a tower layer, a
/// panic), its own body is discarded: only the status and a vetted public message survive.
pub(crate) async fn render(request: Request, next: Next) -> Response {
    let json = wants_json(&request);
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .map(ToString::to_string)
        .unwrap_or_default();
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error())
        || response.extensions().get::<RenderedByHandler>().is_some()
    {
        return response;
    }
    let public = response.extensions().get::<PublicDetail>();
    let detail: Cow<'static, str> =
        public.map_or_else(|| generic_detail(status).into(), |d| d.detail.into());
    let fields: Vec<ProblemField> = public
        .map(|d| {
            d.fields
                .iter()
                .map(|f| ProblemField {
                    field: f.field,
                    message: f.message,
                })
                .collect()
        })
        .unwrap_or_default();
    let kept_headers: Vec<_> = [header::ALLOW, header::RETRY_AFTER, header::WWW_AUTHENTICATE]
        .into_iter()
        .filter_map(|name| response.headers().get(&name).map(|v| (name, v.clone())))
        .collect();
    let title = status.canonical_reason().unwrap_or("Error");
    let mut rendered = if json {
        problem_json(status, title, &detail, request_id, &fields)
    } else {
        error_page(status, title, &detail, request_id)
    };
    rendered.headers_mut().extend(kept_headers);
    rendered
}

fn problem_json(
    status: StatusCode,
    title: &str,
    detail: &str,
    request_id: String,
    errors: &[ProblemField],
) -> Response {
    let body = Problem {
        kind: "about:blank",
        title,
        status: status.as_u16(),
        detail,
        request_id,
        errors,
    };
    let mut response = (status, Json(body)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response
}

fn error_page(status: StatusCode, title: &str, detail: &str, request_id: String) -> Response {
    let page = ErrorPage {
        status: status.as_u16(),
        title,
        detail,
        request_id,
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, "error page failed to render");
            (status, "Error").into_response()
        }
    }
}
