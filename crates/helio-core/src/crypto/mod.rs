//! Cryptographic building blocks, each a thin, typed wrapper over a reviewed crate (RustCrypto's
//! `aes-gcm`, `hmac`, `sha2`, `argon2`) so callers cannot mix up keys, purposes or formats.
//! Nothing here performs I/O; randomness comes from the operating system's generator.

pub mod blind_index;
pub mod device;
pub mod envelope;
pub mod field;
pub mod password;
mod random;
pub mod token;

pub use random::random_bytes;
