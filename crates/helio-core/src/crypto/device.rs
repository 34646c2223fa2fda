//! Device cookies (OWASP "device cookie" against lockout abuse, AU-2): after a successful login
//! the browser gets a signed token naming the account and a random device ID. Failed logins
//! from a browser presenting a valid one are counted for that device alone, so an attacker
//! elsewhere who locks out unknown sources does not lock out the owner.
//!
//! Value: base64url(device ID (16 bytes) || HMAC-SHA-256(mac key, label || account || device)).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac as _};
use sha2::Sha256;

use super::random_bytes;
use crate::account::AccountId;
use crate::keys::MasterKey;

const LABEL: &[u8] = b"helio/device-cookie/v1";
const ENCODED_LEN: usize = 64;

/// Issues and checks device cookies with the MAC master key.
pub struct DeviceCookies {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for DeviceCookies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeviceCookies([redacted])")
    }
}

impl DeviceCookies {
    /// Keyed with the MAC master key.
    #[must_use]
    pub fn new(key: &MasterKey) -> Self {
        Self {
            mac: super::hmac_sha256(key),
        }
    }

    fn tag(&self, account: AccountId, device: &[u8; 16]) -> Hmac<Sha256> {
        let mut mac = self.mac.clone();
        mac.update(LABEL);
        mac.update(account.as_bytes());
        mac.update(device);
        mac
    }

    /// A new cookie value for `account` on a new device.
    #[must_use]
    pub fn issue(&self, account: AccountId) -> String {
        let device: [u8; 16] = random_bytes();
        let tag = self.tag(account, &device).finalize().into_bytes();
        let mut raw = device.to_vec();
        raw.extend_from_slice(&tag);
        URL_SAFE_NO_PAD.encode(raw)
    }

    /// The device ID, if `presented` is a genuine cookie for `account` (checked in constant
    /// time). Cookies for other accounts, altered or malformed ones give `None`.
    #[must_use]
    pub fn verify(&self, account: AccountId, presented: &str) -> Option<[u8; 16]> {
        if presented.len() != ENCODED_LEN {
            return None;
        }
        let raw = URL_SAFE_NO_PAD.decode(presented).ok()?;
        let (device, tag) = raw.split_at_checked(16)?;
        let device: [u8; 16] = device.try_into().ok()?;
        self.tag(account, &device).verify_slice(tag).ok()?;
        Some(device)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::MASTER_KEY_LEN;

    #[test]
    fn au_2_device_cookies_verify_only_for_their_account_and_key() {
        let cookies = DeviceCookies::new(&MasterKey::from_bytes([4; MASTER_KEY_LEN]));
        let owner = AccountId::random();
        let value = cookies.issue(owner);
        assert_eq!(value.len(), ENCODED_LEN);
        assert!(cookies.verify(owner, &value).is_some());
        assert!(cookies.verify(AccountId::random(), &value).is_none());
        let other_key = DeviceCookies::new(&MasterKey::from_bytes([5; MASTER_KEY_LEN]));
        assert!(other_key.verify(owner, &value).is_none());
        let mut altered = value.clone().into_bytes();
        altered[10] = if altered[10] == b'A' { b'B' } else { b'A' };
        assert!(
            cookies
                .verify(owner, &String::from_utf8(altered).unwrap())
                .is_none()
        );
        assert!(cookies.verify(owner, "short").is_none());
        assert_ne!(cookies.issue(owner), value, "a new device ID each time");
    }
}
