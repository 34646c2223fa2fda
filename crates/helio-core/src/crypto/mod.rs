//! Cryptographic building blocks, each a thin, typed wrapper over a reviewed crate (RustCrypto's
//! `aes-gcm`, `hmac`, `sha2`, `argon2`) so callers cannot mix up keys, purposes or formats.
//! Nothing here performs I/O; randomness comes from the operating system's generator.

pub mod blind_index;
pub mod csrf;
pub mod device;
pub mod envelope;
pub mod field;
pub mod password;
mod random;
pub mod token;

pub use random::random_bytes;

use hmac::{Hmac, KeyInit as _};
use sha2::Sha256;

use crate::keys::MasterKey;

/// HMAC-SHA-256 keyed with a master key, for the keyed constructions here (blind indexes,
/// device cookies, CSRF tokens), each of which adds its own label.
fn hmac_sha256(key: &MasterKey) -> Hmac<Sha256> {
    match <Hmac<Sha256>>::new_from_slice(key.expose()) {
        Ok(mac) => mac,
        Err(_) => unreachable_key_length(),
    }
}

#[expect(clippy::panic, reason = "HMAC accepts keys of every length")]
fn unreachable_key_length() -> ! {
    panic!("HMAC refused a 32-byte key")
}
