//! The web layer through its real router and middleware, in-process and over real sockets.

mod errors;
mod headers;
mod limits;
mod logs;
mod probes;
mod server;
mod support;
