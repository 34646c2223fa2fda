//! Limits and network facts the HTTP layer needs, decided by the binary's configuration.

use std::time::Duration;

use ipnet::IpNet;

/// What the HTTP layer needs to know about its deployment.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Largest request body accepted; larger ones get 413 before a handler runs (DS-3).
    pub body_limit_bytes: usize,
    /// Longest a request may take end to end before it is answered with 503 (DS-3).
    pub request_timeout: Duration,
    /// Requests handled at once; past this, new requests get 503 at once instead of queueing.
    pub concurrency_limit: usize,
    /// Reverse proxies whose `X-Forwarded-For`/`X-Forwarded-Proto` headers are believed.
    /// Anyone else's forwarded headers are ignored, so a client cannot claim TLS or an address.
    pub trusted_proxies: Vec<IpNet>,
    /// Longest the readiness probe waits for the database.
    pub readiness_timeout: Duration,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            body_limit_bytes: 64 * 1024,
            request_timeout: Duration::from_secs(15),
            concurrency_limit: 256,
            trusted_proxies: Vec::new(),
            readiness_timeout: Duration::from_secs(2),
        }
    }
}
