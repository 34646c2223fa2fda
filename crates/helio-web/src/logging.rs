//! Structured JSON logs that cannot leak secrets or be forged (LM-2, SM-3).
//!
//! One JSON object per line on the writer (stdout in production, a buffer in tests). Two rules
//! are applied to every field of every event and of every enclosing span, not left to each
//! call site:
//! - *Redaction*: a field whose name says it carries a password, token, cookie, session ID,
//!   key or `Authorization` value is written as `[redacted]`, and so is any value that looks
//!   like a bearer credential or a session cookie, whatever its field is called.
//! - *Escaping*: control characters, including newlines and the Unicode line separators, are
//!   written as visible `\u{..}` escapes, so a value from a request can neither start a new log
//!   line nor smuggle terminal escape sequences to whoever reads the log.

use std::fmt::{self, Write as _};
use std::io::Write as _;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

/// What a redacted value is replaced with.
pub const REDACTED: &str = "[redacted]";

/// Name segments that mark a field as secret wherever they appear in its name.
const SECRET_SEGMENTS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "secret",
    "token",
    "cookie",
    "session",
    "sid",
    "authorization",
    "auth",
    "bearer",
    "credential",
    "credentials",
    "otp",
    "totp",
    "csrf",
    "signature",
    "jwt",
    "apikey",
];

/// Substrings that mark a field as secret even inside a longer word (`newpassword`).
const SECRET_SUBSTRINGS: &[&str] = &["password", "secret", "token", "cookie", "authorization"];

/// Value prefixes that are credentials whatever field carries them.
const SECRET_VALUE_MARKERS: &[&str] = &["bearer ", "basic ", "__host-helio"];

/// Whether a field with this name must never be written.
#[must_use]
pub fn is_secret_field(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if SECRET_SUBSTRINGS.iter().any(|s| lower.contains(s)) {
        return true;
    }
    let segments: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|s| !s.is_empty())
        .collect();
    segments.iter().any(|s| SECRET_SEGMENTS.contains(s))
        || segments.last().is_some_and(|s| *s == "key" || *s == "keys")
}

fn is_secret_value(value: &str) -> bool {
    let lower = value.trim_start().to_ascii_lowercase();
    SECRET_VALUE_MARKERS
        .iter()
        .any(|marker| lower.starts_with(marker) || lower.contains("__host-helio="))
}

/// Makes a string safe to write on one log line: every control character (C0, DEL, C1) and
/// the Unicode line and paragraph separators become a visible `\u{..}` escape.
#[must_use]
pub fn escape_control(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if c.is_control() || c == '\u{2028}' || c == '\u{2029}' {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

/// The fields of one event or span, already redacted and escaped.
#[derive(Debug, Default, Clone)]
struct Fields(Map<String, Value>);

impl Fields {
    fn put_text(&mut self, field: &Field, text: &str) {
        let value = if is_secret_field(field.name()) || is_secret_value(text) {
            REDACTED.to_owned()
        } else {
            escape_control(text)
        };
        self.0.insert(field.name().to_owned(), Value::String(value));
    }

    fn put_plain(&mut self, field: &Field, value: Value) {
        let value = if is_secret_field(field.name()) {
            Value::String(REDACTED.to_owned())
        } else {
            value
        };
        self.0.insert(field.name().to_owned(), value);
    }
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put_text(field, value);
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put_text(field, &format!("{value:?}"));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.put_text(field, &value.to_string());
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put_plain(field, Value::from(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put_plain(field, Value::from(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put_plain(field, Value::from(value));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put_plain(field, Value::from(value));
    }
}

/// A `tracing` layer writing each event as one redacted, escaped JSON line.
#[derive(Debug)]
pub struct JsonLogLayer<W> {
    make_writer: W,
}

impl<W> JsonLogLayer<W> {
    /// A layer writing to what `make_writer` produces, e.g. `std::io::stdout`.
    pub fn new(make_writer: W) -> Self {
        Self { make_writer }
    }
}

impl<S, W> Layer<S> for JsonLogLayer<W>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + 'static,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(fields);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            let mut extensions = span.extensions_mut();
            if let Some(fields) = extensions.get_mut::<Fields>() {
                values.record(fields);
            }
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut line = Map::new();
        line.insert(
            "ts".into(),
            Value::String(jiff::Timestamp::now().to_string()),
        );
        line.insert(
            "level".into(),
            Value::String(event.metadata().level().to_string()),
        );
        line.insert(
            "target".into(),
            Value::String(event.metadata().target().to_owned()),
        );
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(fields) = span.extensions().get::<Fields>() {
                    line.extend(fields.0.clone());
                }
            }
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        line.extend(fields.0);
        let Ok(mut text) = serde_json::to_string(&line) else {
            return;
        };
        text.push('\n');
        let _ = self.make_writer.make_writer().write_all(text.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use tracing_subscriber::layer::SubscriberExt;

    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Capture {
        type Writer = Capture;
        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }

    fn capture(emit: impl FnOnce()) -> Vec<Value> {
        let sink = Capture::default();
        let subscriber = tracing_subscriber::registry().with(JsonLogLayer::new(sink.clone()));
        tracing::subscriber::with_default(subscriber, emit);
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        text.lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    #[test]
    fn lm_2_secret_fields_are_never_written() {
        let secrets = [
            "hunter2-correct-horse",
            "Bearer abc.def",
            "s3ss10n-id-value",
            "tok-123",
        ];
        let lines = capture(|| {
            tracing::info!(
                password = secrets[0],
                authorization = secrets[1],
                session_id = secrets[2],
                refresh_token = secrets[3],
                new_password = secrets[0],
                api_key = secrets[3],
                csrf = secrets[3],
                cookie = secrets[2],
                "login attempt"
            );
        });
        let raw = serde_json::to_string(&lines).unwrap();
        for secret in secrets {
            assert!(!raw.contains(secret), "{secret} leaked: {raw}");
        }
        assert_eq!(lines[0]["password"], REDACTED);
        assert_eq!(lines[0]["session_id"], REDACTED);
        assert_eq!(lines[0]["message"], "login attempt");
    }

    #[test]
    fn lm_2_credentials_are_redacted_whatever_the_field_is_called() {
        let lines = capture(|| {
            tracing::info!(
                header = "Bearer eyJsecret",
                raw = "__Host-helio=abcdef",
                "x"
            );
        });
        assert_eq!(lines[0]["header"], REDACTED);
        assert_eq!(lines[0]["raw"], REDACTED);
    }

    #[test]
    fn lm_2_secret_span_fields_are_redacted_too() {
        let lines = capture(|| {
            let span = tracing::info_span!("request", request_id = "r-1", token = "t-secret");
            let _entered = span.enter();
            tracing::info!("inside");
        });
        assert_eq!(lines[0]["request_id"], "r-1");
        assert_eq!(lines[0]["token"], REDACTED);
    }

    #[test]
    fn lm_2_ordinary_fields_are_kept() {
        let lines =
            capture(|| tracing::info!(status = 200u64, path = "/healthz", key_version = 3, "ok"));
        assert_eq!(lines[0]["status"], 200);
        assert_eq!(lines[0]["path"], "/healthz");
        assert_eq!(lines[0]["key_version"], 3);
        assert_eq!(lines[0]["level"], "INFO");
    }

    #[test]
    fn lm_2_newlines_cannot_forge_a_second_log_line() {
        let hostile = "bob\n{\"level\":\"ERROR\",\"message\":\"forged\"}\r\u{1b}[31m\u{2028}";
        let sink = Capture::default();
        let subscriber = tracing_subscriber::registry().with(JsonLogLayer::new(sink.clone()));
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(user = hostile, "login for {}", hostile);
        });
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text.lines().count(), 1, "{text}");
        let line: Value = serde_json::from_str(text.trim_end()).unwrap();
        let user = line["user"].as_str().unwrap();
        assert!(!user.contains('\n') && !user.contains('\u{1b}') && !user.contains('\u{2028}'));
        assert!(
            user.contains("\\u{a}") && user.contains("\\u{1b}"),
            "{user}"
        );
        assert!(!line["message"].as_str().unwrap().contains('\n'));
    }

    #[test]
    fn secret_field_names_are_recognised() {
        for name in [
            "password",
            "user_password",
            "newPassword",
            "x-auth",
            "session",
            "key",
        ] {
            assert!(is_secret_field(name), "{name}");
        }
        for name in [
            "status",
            "path",
            "key_version",
            "request_id",
            "method",
            "keyword",
        ] {
            assert!(!is_secret_field(name), "{name}");
        }
    }
}
