//! Pages for people, rendered from compiled templates that escape by default (IN-3).

use askama::Template;
use axum::response::Html;
use helio_core::access::Access;

use crate::{RouteTable, WebError};

#[derive(Template)]
#[template(path = "landing.html")]
struct LandingPage;

/// A page of a heading and a few paragraphs: confirmations and refusals.
#[derive(Template)]
#[template(path = "message.html")]
pub(crate) struct MessagePage {
    pub(crate) heading: &'static str,
    pub(crate) paragraphs: Vec<&'static str>,
}

/// The same, for someone signed in: the signed-in layout, with its logout (SM-20).
#[derive(Template)]
#[template(path = "signed_in_message.html")]
pub(crate) struct SignedInMessagePage {
    pub(crate) heading: &'static str,
    pub(crate) paragraphs: Vec<&'static str>,
    pub(crate) layout: crate::layout::SignedInLayout,
}

pub(crate) fn routes() -> RouteTable {
    RouteTable::new().get("/", Access::Public, view_landing_get)
}

async fn view_landing_get() -> Result<Html<String>, WebError> {
    LandingPage.render().map(Html).map_err(WebError::internal)
}
