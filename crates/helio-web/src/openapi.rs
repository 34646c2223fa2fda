//! The API's OpenAPI 3.1 document (`GET /api/v1/openapi.json`), built once at start-up from
//! the code: every `/api/v1` route of the route table with its access rule (public, or the
//! bearer token), its path parameters, and the request and response bodies of the types the
//! handlers really read and write (their schemas derived with `utoipa::ToSchema`). Each API
//! module describes its own operations next to its handlers; a route without a description
//! is a start-up error, so the document cannot fall behind the router.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use axum::body::Bytes;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use helio_core::access::Access;
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::{RouteTable, WebError};

/// Where a schema is registered: the document's `components.schemas`.
pub(crate) type Schemas = BTreeMap<String, Value>;

/// Registers a body's schema and answers how the operation refers to it.
pub(crate) type SchemaOf = fn(&mut Schemas) -> Value;

/// One API operation as documented.
pub(crate) struct ApiOperation {
    /// `GET` or `POST`.
    pub(crate) method: &'static str,
    /// The path pattern, as registered.
    pub(crate) path: &'static str,
    /// What it does, one line.
    pub(crate) summary: &'static str,
    /// The JSON body it reads, if any.
    pub(crate) request: Option<SchemaOf>,
    /// Its success status and the JSON body it answers with (none: no body).
    pub(crate) response: (u16, Option<SchemaOf>),
    /// Whether it takes an `Idempotency-Key` header.
    pub(crate) idempotent: bool,
}

impl ApiOperation {
    /// An operation answering 200 with `response`.
    pub(crate) const fn new(
        method: &'static str,
        path: &'static str,
        summary: &'static str,
        request: Option<SchemaOf>,
        response: Option<SchemaOf>,
    ) -> Self {
        Self {
            method,
            path,
            summary,
            request,
            response: (200, response),
            idempotent: false,
        }
    }

    /// The same, answering `status` instead of 200.
    pub(crate) const fn answering(mut self, status: u16) -> Self {
        self.response.0 = status;
        self
    }

    /// The same, taking an `Idempotency-Key` header.
    pub(crate) const fn idempotent(mut self) -> Self {
        self.idempotent = true;
        self
    }
}

fn reference(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// Registers `T` (and what it refers to) and refers to it.
pub(crate) fn schema<T: ToSchema>(schemas: &mut Schemas) -> Value {
    let mut nested = Vec::new();
    T::schemas(&mut nested);
    for (name, schema) in nested {
        schemas.insert(name, serde_json::to_value(schema).unwrap_or(Value::Null));
    }
    let name = T::name().into_owned();
    schemas.insert(
        name.clone(),
        serde_json::to_value(T::schema()).unwrap_or(Value::Null),
    );
    reference(&name)
}

/// Registers `T` and refers to a list of it.
pub(crate) fn list_of<T: ToSchema>(schemas: &mut Schemas) -> Value {
    json!({"type": "array", "items": schema::<T>(schemas)})
}

/// A list of strings (the free days of an order: `YYYY-MM-DD`).
pub(crate) fn list_of_days(_: &mut Schemas) -> Value {
    json!({"type": "array", "items": {"type": "string", "format": "date"}})
}

/// A JSON object whose shape is the WebAuthn standard's (options and answers of a passkey
/// ceremony, as `navigator.credentials` takes and gives them).
pub(crate) fn webauthn_json(_: &mut Schemas) -> Value {
    json!({
        "type": "object",
        "description": "WebAuthn JSON as defined by the W3C Web Authentication specification.",
        "externalDocs": {"url": "https://www.w3.org/TR/webauthn-3/"}
    })
}

/// The problem+json body every error answers with (RFC 9457).
#[derive(ToSchema)]
#[expect(dead_code, reason = "a schema only: the error layer writes this shape")]
struct Problem {
    /// Always `about:blank`.
    #[schema(rename = "type")]
    kind: String,
    /// The status's name.
    title: String,
    /// The HTTP status.
    status: u16,
    /// What went wrong and what to do, safe to show.
    detail: String,
    /// The request's ID, to quote to support.
    request_id: String,
    /// The fields that failed validation, if any.
    errors: Option<Vec<ProblemField>>,
}

/// One field that failed validation.
#[derive(ToSchema)]
#[expect(dead_code, reason = "a schema only: the error layer writes this shape")]
struct ProblemField {
    /// The field's name.
    field: String,
    /// What to fix.
    message: String,
}

fn parameters(operation: &ApiOperation) -> Vec<Value> {
    let mut parameters: Vec<Value> = operation
        .path
        .split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| {
            json!({
                "name": name,
                "in": "path",
                "required": true,
                "schema": {"type": "string", "format": "uuid"}
            })
        })
        .collect();
    if operation.idempotent {
        parameters.push(json!({
            "name": "Idempotency-Key",
            "in": "header",
            "required": true,
            "description": "The client's name for this attempt: the same key again returns the first attempt's result and creates or charges nothing more.",
            "schema": {"type": "string", "minLength": 8, "maxLength": 64, "pattern": "^[A-Za-z0-9_-]{8,64}$"}
        }));
    }
    parameters
}

fn operation_id(method: &str, path: &str) -> String {
    let mut id = method.to_ascii_lowercase();
    for segment in path.trim_start_matches("/api/v1/").split('/') {
        let word = segment.trim_start_matches('{').trim_end_matches('}');
        for part in word.split('-') {
            let mut chars = part.chars();
            if let Some(first) = chars.next() {
                id.push(first.to_ascii_uppercase());
                id.extend(chars);
            }
        }
    }
    id
}

fn operation(op: &ApiOperation, access: Access, schemas: &mut Schemas) -> Value {
    let problem = |description: &str| {
        json!({
            "description": description,
            "content": {"application/problem+json": {"schema": reference("Problem")}}
        })
    };
    let (status, body) = op.response;
    let success = match body {
        Some(body) => json!({
            "description": "Done.",
            "content": {"application/json": {"schema": body(schemas)}}
        }),
        None => json!({"description": "Done; no body."}),
    };
    let mut value = serde_json::Map::new();
    value.insert(
        "operationId".into(),
        operation_id(op.method, op.path).into(),
    );
    value.insert("summary".into(), op.summary.into());
    value.insert(
        "tags".into(),
        json!([op
            .path
            .trim_start_matches("/api/v1/")
            .split('/')
            .next()
            .unwrap_or("api")]),
    );
    value.insert(
        "responses".into(),
        json!({
            status.to_string(): success,
            "4XX": problem("Refused; the body says why and which fields to fix."),
            "5XX": problem("Helio failed or is not ready; quote the request ID to support."),
        }),
    );
    let parameters = parameters(op);
    if !parameters.is_empty() {
        value.insert("parameters".into(), Value::Array(parameters));
    }
    if let Some(request) = op.request {
        value.insert(
            "requestBody".into(),
            json!({
                "required": true,
                "content": {"application/json": {"schema": request(schemas)}}
            }),
        );
    }
    let security = if access == Access::Public {
        json!([])
    } else {
        json!([{"bearer": []}])
    };
    value.insert("security".into(), security);
    Value::Object(value)
}

/// Why the document cannot be built: a route and its description disagree.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DocumentError {
    /// An `/api/v1` route has no description.
    #[error("{0} {1} is not described in the OpenAPI document")]
    Undescribed(String, &'static str),
    /// A description names no registered route.
    #[error("{0} {1} is described but not routed")]
    Unrouted(&'static str, &'static str),
}

/// The document for `table`, described by `operations`.
pub(crate) fn document(
    table: &RouteTable,
    operations: &[ApiOperation],
) -> Result<Value, DocumentError> {
    let mut schemas = Schemas::new();
    schema::<Problem>(&mut schemas);
    let mut paths: BTreeMap<&str, serde_json::Map<String, Value>> = BTreeMap::new();
    for entry in table.entries() {
        if !entry.path.starts_with("/api/v1/") || entry.path == OPENAPI_PATH {
            continue;
        }
        let method = entry.method.as_str();
        let op = operations
            .iter()
            .find(|op| op.method == method && op.path == entry.path)
            .ok_or_else(|| DocumentError::Undescribed(method.to_owned(), entry.path))?;
        paths.entry(entry.path).or_default().insert(
            method.to_ascii_lowercase(),
            operation(op, entry.access, &mut schemas),
        );
    }
    for op in operations {
        let routed = table
            .entries()
            .iter()
            .any(|entry| entry.method.as_str() == op.method && entry.path == op.path);
        if !routed {
            return Err(DocumentError::Unrouted(op.method, op.path));
        }
    }
    Ok(json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Helio API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The JSON API of Helio's apps: quotes, accounts and sessions, orders, payments, bookings and the installers' job board. Every request body is a JSON object; unknown fields are refused. Errors are problem+json (RFC 9457) with a request ID.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The access token from POST /api/v1/sessions (and its second step)."
                }
            }
        }
    }))
}

/// Where the document is served.
pub(crate) const OPENAPI_PATH: &str = "/api/v1/openapi.json";

/// Every API module's descriptions.
fn operations() -> Vec<ApiOperation> {
    [
        crate::api_session::api_operations(),
        crate::signup::api_operations(),
        crate::reset::api_operations(),
        crate::password_change::api_operations(),
        crate::passkeys::api_operations(),
        crate::quotes::api_operations(),
        crate::orders::api_operations(),
        crate::jobs::api_operations(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The document of the application's routes, rendered once.
static DOCUMENT: LazyLock<Result<Bytes, String>> = LazyLock::new(|| {
    document(&crate::route_table(), &operations())
        .map(|document| Bytes::from(document.to_string()))
        .map_err(|error| error.to_string())
});

/// Builds the document now, so a route without a description stops the start-up.
///
/// # Errors
/// When a route and its description disagree.
pub fn check() -> Result<(), String> {
    DOCUMENT.as_ref().map(|_| ()).map_err(Clone::clone)
}

pub(crate) fn routes() -> RouteTable {
    RouteTable::new().get(OPENAPI_PATH, Access::Public, openapi_get)
}

async fn openapi_get() -> Result<Response, WebError> {
    let document = DOCUMENT
        .as_ref()
        .map_err(|error| WebError::internal(std::io::Error::other(error.clone())))?;
    let mut response = document.clone().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn nothing() {}

    #[test]
    fn sys_3_an_undescribed_route_or_an_unrouted_description_stops_the_document() {
        let described = [ApiOperation::new(
            "GET",
            "/api/v1/things",
            "Things.",
            None,
            None,
        )];
        let routed = RouteTable::new().get("/api/v1/things", Access::SignedIn, nothing);
        assert!(document(&routed, &described).is_ok());
        let extra = RouteTable::new()
            .get("/api/v1/things", Access::SignedIn, nothing)
            .post("/api/v1/things", Access::SignedIn, nothing);
        assert!(matches!(
            document(&extra, &described),
            Err(DocumentError::Undescribed(..))
        ));
        assert!(matches!(
            document(&RouteTable::new(), &described),
            Err(DocumentError::Unrouted(..))
        ));
    }

    #[test]
    fn sys_3_the_application_is_fully_described() {
        assert_eq!(check(), Ok(()));
    }
}
