//! The HTTP server: plain or TLS (rustls), with slow-client limits and a graceful drain.
//!
//! One accept loop serves both transports, so the per-connection facts ([`ConnectionInfo`])
//! that HSTS and client identification depend on are set in exactly one place.

use std::future::Future;
use std::io;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::ConnectionInfo;

/// Connection-level limits.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// A client must finish sending its request headers within this time (slowloris defence).
    pub header_read_timeout: Duration,
    /// A client must finish the TLS handshake within this time.
    pub tls_handshake_timeout: Duration,
    /// After shutdown is requested, in-flight requests get this long to finish.
    pub drain_timeout: Duration,
    /// Open connections at most; further clients wait in the listen backlog until one closes,
    /// so idle or slow connections cannot exhaust file descriptors and memory (DS-3).
    pub max_connections: usize,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            tls_handshake_timeout: Duration::from_secs(10),
            drain_timeout: Duration::from_secs(20),
            max_connections: 4096,
        }
    }
}

/// Why the TLS certificate or key could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsSetupError {
    /// The certificate file is unreadable or holds no PEM certificate.
    #[error("cannot read a PEM certificate chain from the tls.cert file")]
    Certificate(#[source] rustls::pki_types::pem::Error),
    /// The key file is unreadable or holds no PEM private key.
    #[error("cannot read a PEM private key from the tls.key file")]
    Key(#[source] rustls::pki_types::pem::Error),
    /// rustls refused the pair (mismatched key, unsupported algorithm, ...).
    #[error("the TLS certificate and key were refused")]
    Rejected(#[source] rustls::Error),
}

/// A TLS acceptor for TLS 1.3 and 1.2 only, with rustls's ring provider, whose suites are all
/// AEAD with forward secrecy (CR-1). HTTP/2 and HTTP/1.1 are offered by ALPN.
pub fn tls_acceptor(cert: &Path, key: &Path) -> Result<TlsAcceptor, TlsSetupError> {
    let chain = CertificateDer::pem_file_iter(cert)
        .map_err(TlsSetupError::Certificate)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(TlsSetupError::Certificate)?;
    let key = PrivateKeyDer::from_pem_file(key).map_err(TlsSetupError::Key)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(TlsSetupError::Rejected)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(TlsSetupError::Rejected)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Serves `app` on `listener` until `shutdown` completes, then stops accepting and waits up to
/// the drain timeout for open requests to finish.
pub async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    app: Router,
    options: ServeOptions,
    shutdown: impl Future<Output = ()>,
) {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(options.header_read_timeout);
    let builder = Arc::new(builder);
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(options.max_connections));
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_closed) => break,
            },
            () = &mut shutdown => break,
        };
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let connection = Connection {
                        stream,
                        info: ConnectionInfo { peer, tls: tls.is_some() },
                        app: app.clone(),
                        builder: Arc::clone(&builder),
                        watcher: graceful.watcher(),
                    };
                    let handshake_timeout = options.tls_handshake_timeout;
                    let tls = tls.clone();
                    tokio::spawn(async move {
                        connection.run(tls, handshake_timeout).await;
                        drop(slot);
                    });
                }
                Err(error) => {
                    // Typically out of file descriptors: back off instead of spinning.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    tracing::info!(open_connections = graceful.count(), "draining");
    tokio::select! {
        () = graceful.shutdown() => tracing::info!("drained"),
        () = tokio::time::sleep(options.drain_timeout) => {
            tracing::warn!("drain timed out; closing remaining connections");
        }
    }
}

struct Connection {
    stream: TcpStream,
    info: ConnectionInfo,
    app: Router,
    builder: Arc<Builder<TokioExecutor>>,
    watcher: hyper_util::server::graceful::Watcher,
}

impl Connection {
    async fn run(self, tls: Option<TlsAcceptor>, handshake_timeout: Duration) {
        let Self {
            stream,
            info,
            app,
            builder,
            watcher,
        } = self;
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(info);
            app.clone().oneshot(request.map(Body::new))
        });
        let result = match tls {
            None => {
                let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
                watcher.watch(conn.into_owned()).await
            }
            Some(acceptor) => {
                let stream = match tokio::time::timeout(handshake_timeout, acceptor.accept(stream))
                    .await
                {
                    Ok(Ok(stream)) => stream,
                    Ok(Err(error)) => return log_handshake_failure(&error),
                    Err(_elapsed) => {
                        return log_handshake_failure(&io::Error::from(io::ErrorKind::TimedOut));
                    }
                };
                let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
                watcher.watch(conn.into_owned()).await
            }
        };
        if let Err(error) = result {
            tracing::debug!(%error, "connection ended with an error");
        }
    }
}

fn log_handshake_failure(error: &io::Error) {
    tracing::debug!(%error, "TLS handshake failed");
}
