//! `helio serve` in dev mode from an empty directory: it creates what it needs, serves, and
//! drains on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::helio;

fn get(address: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[test]
fn dev_mode_starts_from_nothing_serves_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = helio(
        dir.path(),
        &["serve"],
        &[
            ("HELIO_SERVER_BIND", "127.0.0.1:0"),
            ("HELIO_SERVER_METRICS_BIND", "127.0.0.1:0"),
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let address = line
        .trim()
        .strip_prefix("Helio is listening on http://")
        .and_then(|rest| rest.strip_suffix('/'))
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_owned();

    line.clear();
    stderr.read_line(&mut line).unwrap();
    let metrics = line
        .trim()
        .strip_prefix("Metrics are served on http://")
        .and_then(|rest| rest.strip_suffix("/metrics"))
        .unwrap_or_else(|| panic!("unexpected second line: {line:?}"))
        .to_owned();
    assert_ne!(metrics, address, "metrics have a listener of their own");

    assert!(get(&address, "/healthz").starts_with("HTTP/1.1 200"));
    assert!(get(&address, "/readyz").starts_with("HTTP/1.1 200"));
    assert!(
        get(&address, "/metrics").starts_with("HTTP/1.1 404"),
        "the public port serves no metrics"
    );
    let scraped = get(&metrics, "/metrics");
    assert!(scraped.starts_with("HTTP/1.1 200"), "{scraped}");
    for expected in [
        r#"helio_http_requests_total{route="/healthz",method="GET",status="200"} 1"#,
        r#"helio_http_request_duration_seconds_bucket{le="#,
        "helio_ready 1",
        "helio_audit_chain_intact ",
        "helio_outbox_backlog 0",
        "helio_active_sessions 0",
    ] {
        assert!(
            scraped.contains(expected),
            "{expected} missing from {scraped}"
        );
    }
    let landing = get(&address, "/");
    assert!(landing.starts_with("HTTP/1.1 200"));
    assert!(landing.contains("content-security-policy: default-src 'self'"));

    let keys = dir.path().join("data/keys");
    for name in ["kek.key", "blind-index.key", "mac.key", "audit-signing.key"] {
        let mode = std::fs::metadata(keys.join(name))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{name}");
    }
    let database = std::fs::metadata(dir.path().join("data/helio.db")).unwrap();
    assert_eq!(
        database.permissions().mode() & 0o777,
        0o600,
        "database owner-only"
    );
    let data = std::fs::metadata(dir.path().join("data")).unwrap();
    assert_eq!(
        data.permissions().mode() & 0o777,
        0o700,
        "data directory owner-only"
    );

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
    let mut log = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    for line in log.lines() {
        let value: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|_| panic!("stdout holds only JSON log lines, not {line:?}"));
        assert!(value.get("level").is_some());
    }
    assert!(log.contains("SIGTERM received"), "{log}");
    assert!(log.contains("\"message\":\"stopped\""), "{log}");
}
