//! Configuration: read the layers, check them, and produce [`Settings`] the rest of the binary
//! can trust. Every problem is collected and named, so an operator fixes them in one pass.

mod load;
mod raw;
mod report;
mod validate;

pub(crate) use load::load;
pub(crate) use raw::Mode;
pub(crate) use report::Report;
pub(crate) use validate::{Problem, Scope, Settings, validate};
