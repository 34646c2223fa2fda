//! Randomness from the operating system's CSPRNG.

use rand::TryRngCore as _;
use rand::rngs::OsRng;

/// `N` bytes from the operating system's cryptographically secure generator.
///
/// # Panics
/// Only if the operating system cannot provide randomness at all, in which case no key, nonce
/// or token could be made safely and stopping is the only correct answer.
#[must_use]
#[expect(
    clippy::panic,
    reason = "without OS randomness nothing secure can continue; failing closed is intended"
)]
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    if let Err(error) = OsRng.try_fill_bytes(&mut bytes) {
        panic!("the operating system's random generator failed: {error}");
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_differ() {
        assert_ne!(random_bytes::<32>(), random_bytes::<32>());
    }
}
