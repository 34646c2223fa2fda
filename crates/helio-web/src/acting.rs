//! Who is acting in a request, for the services that audit what they do (staff tools,
//! break-glass, a crew's calendar): the signed-in account and role, the coarse network and the
//! request ID, taken from the session the guard admitted.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::auth::SignedIn;
use crate::services::audit_log::Actor;
use crate::{ClientInfo, RequestId, WebError};

/// The acting account of this request.
pub(crate) struct Acting(pub(crate) Actor);

impl<S: Send + Sync> FromRequestParts<S> for Acting {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let who = SignedIn::from_request_parts(parts, state).await?;
        let network = parts
            .extensions
            .get::<ClientInfo>()
            .map(|client| crate::seen::network(client.ip))
            .unwrap_or_default();
        let request_id = parts
            .extensions
            .get::<RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        Ok(Self(Actor {
            account: who.account,
            role: who.role,
            network,
            request_id,
        }))
    }
}
