//! Who is on the other end of a request: their address and whether the request reached us over
//! TLS. Forwarded headers count only when the direct peer is a configured trusted proxy.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;

use crate::HttpSettings;

/// Facts about the TCP connection a request arrived on, set by the server for each connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionInfo {
    /// The direct peer: the client, or the proxy in front of us.
    pub peer: SocketAddr,
    /// Whether this connection is TLS terminated by Helio itself.
    pub tls: bool,
}

/// The client as far as Helio can tell, after weighing trusted-proxy headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientInfo {
    /// The client's address.
    pub ip: IpAddr,
    /// Whether the client's request travelled over TLS (to us, or to our trusted proxy).
    pub via_tls: bool,
}

impl ClientInfo {
    /// Works out the client from the connection and, only for a trusted peer, its
    /// `X-Forwarded-For` (the right-most untrusted hop) and `X-Forwarded-Proto`.
    #[must_use]
    pub fn resolve(connection: ConnectionInfo, headers: &HeaderMap, trusted: &[IpNet]) -> Self {
        let peer = connection.peer.ip();
        let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
        if connection.tls || !is_trusted(&peer) {
            return Self {
                ip: peer,
                via_tls: connection.tls,
            };
        }
        let forwarded_proto = headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .map(str::trim);
        let hops: Option<Vec<IpAddr>> = headers
            .get_all("x-forwarded-for")
            .iter()
            .map(|v| v.to_str().ok())
            .collect::<Option<Vec<_>>>()
            .and_then(|values| {
                values
                    .iter()
                    .flat_map(|v| v.split(','))
                    .map(|hop| hop.trim().parse().ok())
                    .collect()
            });
        let ip = hops
            .and_then(|hops| hops.into_iter().rev().find(|hop| !is_trusted(hop)))
            .unwrap_or(peer);
        Self {
            ip,
            via_tls: forwarded_proto.is_some_and(|p| p.eq_ignore_ascii_case("https")),
        }
    }
}

/// Middleware: resolves [`ClientInfo`] once per request. A request without connection facts
/// (only possible in-process) counts as a plain-HTTP loopback client.
pub(crate) async fn identify(
    State(settings): State<Arc<HttpSettings>>,
    mut request: Request,
    next: Next,
) -> Response {
    let connection = request
        .extensions()
        .get::<ConnectionInfo>()
        .copied()
        .unwrap_or(ConnectionInfo {
            peer: SocketAddr::from(([127, 0, 0, 1], 0)),
            tls: false,
        });
    let client = ClientInfo::resolve(connection, request.headers(), &settings.trusted_proxies);
    request.extensions_mut().insert(client);
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn(peer: &str, tls: bool) -> ConnectionInfo {
        ConnectionInfo {
            peer: peer.parse().unwrap(),
            tls,
        }
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    const PROXY: &str = "10.0.0.5:4000";

    fn trusted() -> Vec<IpNet> {
        vec!["10.0.0.0/8".parse().unwrap()]
    }

    #[test]
    fn untrusted_peers_cannot_claim_tls_or_an_address() {
        let h = headers(&[
            ("x-forwarded-proto", "https"),
            ("x-forwarded-for", "1.2.3.4"),
        ]);
        let client = ClientInfo::resolve(conn("203.0.113.9:5000", false), &h, &trusted());
        assert_eq!(client.ip, "203.0.113.9".parse::<IpAddr>().unwrap());
        assert!(!client.via_tls);
    }

    #[test]
    fn a_trusted_proxy_reports_the_client() {
        let h = headers(&[
            ("x-forwarded-proto", "https"),
            ("x-forwarded-for", "198.51.100.7"),
        ]);
        let client = ClientInfo::resolve(conn(PROXY, false), &h, &trusted());
        assert_eq!(client.ip, "198.51.100.7".parse::<IpAddr>().unwrap());
        assert!(client.via_tls);
    }

    #[test]
    fn a_spoofed_left_most_hop_is_ignored() {
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 198.51.100.7, 10.0.0.9")]);
        let client = ClientInfo::resolve(conn(PROXY, false), &h, &trusted());
        assert_eq!(client.ip, "198.51.100.7".parse::<IpAddr>().unwrap());
        assert!(!client.via_tls);
    }

    #[test]
    fn malformed_forwarded_for_falls_back_to_the_peer() {
        let h = headers(&[("x-forwarded-for", "not-an-ip")]);
        let client = ClientInfo::resolve(conn(PROXY, false), &h, &trusted());
        assert_eq!(client.ip, "10.0.0.5".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn direct_tls_is_tls() {
        let client = ClientInfo::resolve(conn("203.0.113.9:5000", true), &HeaderMap::new(), &[]);
        assert!(client.via_tls);
    }
}
