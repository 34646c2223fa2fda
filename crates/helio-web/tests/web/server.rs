//! The real server over sockets: TLS versions and suites (CR-1) and the graceful drain.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use helio_web::server::{ServeOptions, serve, tls_acceptor};
use helio_web::{HttpSettings, harden};
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

fn router() -> Router {
    harden(
        Router::new().route("/", get(|| async { "hello" })).route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(500)).await;
                "finished"
            }),
        ),
        &HttpSettings::default(),
    )
}

async fn exchange(mut stream: impl AsyncRead + AsyncWrite + Unpin, path: &str) -> String {
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    String::from_utf8_lossy(&response).into_owned()
}

struct Running {
    address: std::net::SocketAddr,
    stop: oneshot::Sender<()>,
    done: tokio::task::JoinHandle<()>,
}

async fn start(tls: Option<tokio_rustls::TlsAcceptor>) -> Running {
    start_with(tls, ServeOptions::default()).await
}

async fn start_with(tls: Option<tokio_rustls::TlsAcceptor>, options: ServeOptions) -> Running {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let options = ServeOptions {
        drain_timeout: Duration::from_secs(5),
        ..options
    };
    let done = tokio::spawn(serve(listener, tls, router(), options, async {
        let _ = stopped.await;
    }));
    Running {
        address,
        stop,
        done,
    }
}

struct TestCert {
    dir: tempfile::TempDir,
    der: CertificateDer<'static>,
}

fn self_signed() -> TestCert {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cert.pem"), cert.cert.pem()).unwrap();
    std::fs::write(dir.path().join("key.pem"), cert.signing_key.serialize_pem()).unwrap();
    TestCert {
        der: cert.cert.der().clone(),
        dir,
    }
}

fn client(
    cert: &TestCert,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> tokio_rustls::TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.der.clone()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(versions)
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

#[tokio::test]
async fn cr_1_direct_tls_speaks_1_3_and_1_2_with_aead_suites_and_sends_hsts() {
    let cert = self_signed();
    let acceptor = tls_acceptor(
        &cert.dir.path().join("cert.pem"),
        &cert.dir.path().join("key.pem"),
    )
    .unwrap();
    let running = start(Some(acceptor)).await;
    for (version, expected) in [
        (&rustls::version::TLS13, rustls::ProtocolVersion::TLSv1_3),
        (&rustls::version::TLS12, rustls::ProtocolVersion::TLSv1_2),
    ] {
        let tcp = TcpStream::connect(running.address).await.unwrap();
        let tls = client(&cert, &[version])
            .connect(ServerName::try_from("localhost").unwrap(), tcp)
            .await
            .unwrap();
        let (_, session) = tls.get_ref();
        assert_eq!(session.protocol_version(), Some(expected));
        let suite = format!("{:?}", session.negotiated_cipher_suite().unwrap().suite());
        assert!(
            suite.contains("GCM") || suite.contains("CHACHA20_POLY1305"),
            "{suite}"
        );
        assert!(
            expected == rustls::ProtocolVersion::TLSv1_3 || suite.contains("ECDHE"),
            "{suite}"
        );
        let response = exchange(tls, "/").await;
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        assert!(
            response
                .to_lowercase()
                .contains("strict-transport-security: max-age=63072000")
        );
    }
    let plain = TcpStream::connect(running.address).await.unwrap();
    let refused = exchange(plain, "/").await;
    assert!(
        !refused.contains("hello"),
        "plain HTTP must not be served on the TLS port"
    );
    running.stop.send(()).unwrap();
    running.done.await.unwrap();
}

#[tokio::test]
async fn tls_setup_refuses_a_key_that_does_not_match() {
    let one = self_signed();
    let other = self_signed();
    let result = tls_acceptor(
        &one.dir.path().join("cert.pem"),
        &other.dir.path().join("key.pem"),
    );
    assert!(result.is_err());
    let missing = tls_acceptor(
        &one.dir.path().join("nope.pem"),
        &one.dir.path().join("key.pem"),
    );
    assert!(missing.is_err());
}

#[tokio::test]
async fn shutdown_drains_in_flight_requests_and_stops_accepting() {
    let running = start(None).await;
    let address = running.address;
    let in_flight =
        tokio::spawn(
            async move { exchange(TcpStream::connect(address).await.unwrap(), "/slow").await },
        );
    tokio::time::sleep(Duration::from_millis(100)).await;
    running.stop.send(()).unwrap();
    let response = in_flight.await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with("finished"), "{response}");
    running.done.await.unwrap();
    assert!(
        TcpStream::connect(address).await.is_err(),
        "no longer accepting"
    );
}

#[tokio::test]
async fn ds_3_connections_beyond_the_limit_wait_for_a_free_slot() {
    let running = start_with(
        None,
        ServeOptions {
            max_connections: 1,
            ..ServeOptions::default()
        },
    )
    .await;
    let address = running.address;
    let idle = TcpStream::connect(address).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let waiting =
        tokio::spawn(
            async move { exchange(TcpStream::connect(address).await.unwrap(), "/").await },
        );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !waiting.is_finished(),
        "the second connection must wait while the first is open"
    );
    drop(idle);
    let response = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .unwrap()
        .unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    running.stop.send(()).unwrap();
    running.done.await.unwrap();
}

#[tokio::test]
async fn ds_3_a_client_that_never_finishes_its_headers_is_cut_off() {
    let running = start_with(
        None,
        ServeOptions {
            header_read_timeout: Duration::from_millis(200),
            ..ServeOptions::default()
        },
    )
    .await;
    let mut slow = TcpStream::connect(running.address).await.unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n")
        .await
        .unwrap();
    let mut rest = Vec::new();
    tokio::time::timeout(Duration::from_secs(3), slow.read_to_end(&mut rest))
        .await
        .expect("the server closes the connection")
        .ok();
    assert!(!String::from_utf8_lossy(&rest).contains("hello"));
    running.stop.send(()).unwrap();
    running.done.await.unwrap();
}

#[tokio::test]
async fn ds_3_a_client_that_never_finishes_the_tls_handshake_is_cut_off() {
    let cert = self_signed();
    let acceptor = tls_acceptor(
        &cert.dir.path().join("cert.pem"),
        &cert.dir.path().join("key.pem"),
    )
    .unwrap();
    let running = start_with(
        Some(acceptor),
        ServeOptions {
            tls_handshake_timeout: Duration::from_millis(200),
            ..ServeOptions::default()
        },
    )
    .await;
    let mut silent = TcpStream::connect(running.address).await.unwrap();
    let mut rest = Vec::new();
    tokio::time::timeout(Duration::from_secs(3), silent.read_to_end(&mut rest))
        .await
        .expect("the server closes the connection")
        .ok();
    assert!(rest.is_empty());
    running.stop.send(()).unwrap();
    running.done.await.unwrap();
}
