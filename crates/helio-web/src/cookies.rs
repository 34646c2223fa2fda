//! The session cookie, built in one place (SM-12): `__Host-` prefixed (so no subdomain can set
//! or shadow it, and it is bound to this host and path), `Secure`, `HttpOnly` (no script can
//! read it), `Path=/`, no `Domain`, `SameSite=Lax` for customers and installers and `Strict`
//! for staff, and no `Max-Age` (it dies with the browser).

use axum::http::{HeaderMap, HeaderValue, header};

/// The session cookie's name.
pub(crate) const SESSION_COOKIE: &str = "__Host-helio";
/// The device cookie's name (AU-2): signed, names no person, survives the browser session.
pub(crate) const DEVICE_COOKIE: &str = "__Host-helio-device";
/// How long a browser stays a recognised device.
const DEVICE_MAX_AGE_SECS: u32 = 365 * 24 * 60 * 60;

/// The `Set-Cookie` value that hands a session ID to the browser.
pub(crate) fn session(id: &str, staff: bool) -> Option<HeaderValue> {
    let same_site = if staff { "Strict" } else { "Lax" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={id}; Path=/; Secure; HttpOnly; SameSite={same_site}"
    ))
    .ok()
}

/// The `Set-Cookie` value that makes the browser forget the session cookie.
pub(crate) fn expired_session() -> HeaderValue {
    HeaderValue::from_static("__Host-helio=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0")
}

/// The `Set-Cookie` value for a device cookie.
pub(crate) fn device(value: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "{DEVICE_COOKIE}={value}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age={DEVICE_MAX_AGE_SECS}"
    ))
    .ok()
}

/// The device cookie the browser presented, if exactly one is present.
pub(crate) fn presented_device(headers: &HeaderMap) -> Option<&str> {
    single_cookie(headers, DEVICE_COOKIE)
}

/// The session ID the browser presented, if exactly one session cookie is present.
pub(crate) fn presented_session(headers: &HeaderMap) -> Option<&str> {
    single_cookie(headers, SESSION_COOKIE)
}

fn single_cookie<'h>(headers: &'h HeaderMap, wanted: &str) -> Option<&'h str> {
    let mut found = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, _)| *name == wanted)
        .map(|(_, value)| value);
    let first = found.next()?;
    // Two cookies of one name means something planted one: trust neither.
    found.next().is_none().then_some(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sm_12_the_cookie_carries_every_attribute() {
        let customer = session("abc", false).unwrap();
        let customer = customer.to_str().unwrap();
        for attribute in [
            "__Host-helio=abc",
            "Path=/",
            "Secure",
            "HttpOnly",
            "SameSite=Lax",
        ] {
            assert!(customer.contains(attribute), "{customer}");
        }
        assert!(!customer.contains("Domain") && !customer.contains("Max-Age"));
        assert!(
            session("abc", true)
                .unwrap()
                .to_str()
                .unwrap()
                .contains("SameSite=Strict")
        );
        assert!(expired_session().to_str().unwrap().contains("Max-Age=0"));
    }

    #[test]
    fn only_a_single_session_cookie_counts() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "a=1; __Host-helio=xyz; b=2".parse().unwrap(),
        );
        assert_eq!(presented_session(&headers), Some("xyz"));
        headers.insert(
            header::COOKIE,
            "__Host-helio=one; __Host-helio=two".parse().unwrap(),
        );
        assert_eq!(presented_session(&headers), None);
        assert_eq!(presented_session(&HeaderMap::new()), None);
    }
}
