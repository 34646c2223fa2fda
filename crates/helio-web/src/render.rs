//! Turning a compiled template into a response, in one place for every page.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::WebError;
use crate::error::RenderedByHandler;

/// Renders a page; a template failure is an internal error (logged, never shown).
pub(crate) fn html(template: &impl Template) -> Result<Html<String>, WebError> {
    template.render().map(Html).map_err(WebError::internal)
}

/// A page shown with an error status on purpose (a form with its field errors), which the
/// error renderer must leave as it is.
pub(crate) fn rendered(status: StatusCode, page: Html<String>) -> Response {
    let mut response = (status, page).into_response();
    response.extensions_mut().insert(RenderedByHandler);
    response
}
