//! The one way JSON request bodies are read (IN-2): `application/json`, a single object,
//! only the fields the target type names. serde would otherwise also accept a positional
//! array for a struct, letting a client fill fields without naming them.

use axum::Json;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

/// A JSON object body parsed into `T`. Malformed JSON, a wrong content type or an oversized
/// body keep axum's status (400, 415, 413); anything that is not an object of `T`'s fields
/// is 422. The error renderer replaces every rejection's text with a generic message.
pub(crate) struct JsonObject<T>(pub(crate) T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonObject<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let Json(value) = Json::<serde_json::Value>::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        if !value.is_object() {
            return Err(StatusCode::UNPROCESSABLE_ENTITY.into_response());
        }
        serde_json::from_value(value)
            .map(Self)
            .map_err(|_| StatusCode::UNPROCESSABLE_ENTITY.into_response())
    }
}

/// What an API answers when a request is taken and there is nothing else to say, or nothing
/// it may say (a sign-up or reset answers the same whether the address is registered).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct Accepted {
    /// What happened, as a word (`verification_sent`, `sent_if_registered`, …).
    pub(crate) status: &'static str,
}
