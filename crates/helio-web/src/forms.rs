//! Form bodies several pages share. Strict like every form: an unknown field is refused.

use serde::Deserialize;

/// A form that carries only its CSRF token (approve, cancel, end): the guard removes the
/// token, so nothing is left.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NoFields {}

/// A form that carries a reason (staff actions that are audited with one).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReasonInput {
    #[serde(default)]
    pub(crate) reason: String,
}
