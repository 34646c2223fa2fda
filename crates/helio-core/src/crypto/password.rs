//! Password hashing with Argon2id (CR-5), at or above OWASP's minimum parameters.
//!
//! Hashes are PHC strings, so each carries its own parameters and salt; raising the
//! parameters makes [`Verification::ValidNeedsRehash`] tell the login to store a new hash. A
//! dummy verification for unknown accounts costs exactly what a real one does, so response time
//! does not reveal whether an account exists (AU-4). This module only computes; running it on a
//! blocking pool behind a limit is the caller's job.

use std::fmt;

use argon2::{
    Algorithm, Argon2, Params, PasswordHash as Phc, PasswordHasher as _, PasswordVerifier as _,
    Version,
};

use crate::password::PlainPassword;

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes over memory.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl HashParams {
    /// OWASP's minimum for Argon2id: 19 MiB, 2 passes, 1 lane. Nothing weaker is accepted.
    pub const OWASP_MINIMUM: Self = Self {
        memory_kib: 19_456,
        iterations: 2,
        parallelism: 1,
    };

    /// Whether every parameter is at or above [`Self::OWASP_MINIMUM`].
    #[must_use]
    pub fn at_least_minimum(self) -> bool {
        self.memory_kib >= Self::OWASP_MINIMUM.memory_kib
            && self.iterations >= Self::OWASP_MINIMUM.iterations
            && self.parallelism >= Self::OWASP_MINIMUM.parallelism
    }
}

/// Parameters below OWASP's minimum, or ones Argon2 refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Argon2id parameters must be at least m=19456 KiB, t=2, p=1")]
pub struct WeakParams;

/// A stored password hash (PHC string). Not secret like a password, but never shown: its
/// `Debug` is redacted and it leaves the server only inside the database.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wraps a hash read from storage. It is parsed when verified.
    #[must_use]
    pub fn from_stored(phc: String) -> Self {
        Self(phc)
    }

    /// The PHC string to store.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash([redacted])")
    }
}

/// The outcome of checking a password against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// Wrong password, or an unusable stored hash.
    Invalid,
    /// Right password, hashed with the current parameters.
    Valid,
    /// Right password, but hashed with other parameters: store a fresh hash now.
    ValidNeedsRehash,
}

/// Hashes and verifies passwords with one set of parameters.
pub struct PasswordHasher {
    argon: Argon2<'static>,
    params: HashParams,
    dummy: PasswordHash,
}

impl fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

impl PasswordHasher {
    /// A hasher for `params`; computes the dummy hash once, here, not per request.
    pub fn new(params: HashParams) -> Result<Self, WeakParams> {
        if !params.at_least_minimum() {
            return Err(WeakParams);
        }
        let argon_params = Params::new(
            params.memory_kib,
            params.iterations,
            params.parallelism,
            None,
        )
        .map_err(|_| WeakParams)?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params);
        let mut hasher = Self {
            argon,
            params,
            dummy: PasswordHash(String::new()),
        };
        let filler = crate::crypto::token::SecretToken::generate();
        let dummy_password = PlainPassword::new(filler.expose()).ok_or(WeakParams)?;
        hasher.dummy = hasher.hash(&dummy_password);
        Ok(hasher)
    }

    /// The parameters new hashes use.
    #[must_use]
    pub fn params(&self) -> HashParams {
        self.params
    }

    /// Hashes a password with a fresh random salt.
    #[must_use]
    pub fn hash(&self, password: &PlainPassword) -> PasswordHash {
        match self.argon.hash_password(password.expose().as_bytes()) {
            Ok(phc) => PasswordHash(phc.to_string()),
            Err(error) => unreachable_hash(&error),
        }
    }

    /// Checks a password against a stored hash, in constant time with respect to the hash.
    #[must_use]
    pub fn verify(&self, password: &PlainPassword, stored: &PasswordHash) -> Verification {
        let Ok(phc) = Phc::new(stored.as_str()) else {
            return Verification::Invalid;
        };
        if self
            .argon
            .verify_password(password.expose().as_bytes(), &phc)
            .is_err()
        {
            return Verification::Invalid;
        }
        let current = Params::try_from(&phc).is_ok_and(|p| {
            p.m_cost() == self.params.memory_kib
                && p.t_cost() == self.params.iterations
                && p.p_cost() == self.params.parallelism
        }) && phc.algorithm.as_str() == argon2::ARGON2ID_IDENT.as_str();
        if current {
            Verification::Valid
        } else {
            Verification::ValidNeedsRehash
        }
    }

    /// Spends the cost of one verification and always fails: used when the account does not
    /// exist, so that answering "wrong password" takes as long as for a real account.
    pub fn verify_dummy(&self, password: &PlainPassword) -> Verification {
        let _ = self.verify(password, &self.dummy);
        Verification::Invalid
    }
}

#[expect(
    clippy::panic,
    reason = "Argon2 fails only on parameters rejected at construction"
)]
fn unreachable_hash(error: &argon2::password_hash::Error) -> ! {
    panic!("Argon2id hashing failed: {error}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn password(text: &str) -> PlainPassword {
        PlainPassword::new(text).unwrap()
    }

    #[test]
    fn cr_5_hashes_are_argon2id_at_owasp_parameters_or_above() {
        let hasher = PasswordHasher::new(HashParams::OWASP_MINIMUM).unwrap();
        let hash = hasher.hash(&password("violet kettle orbits quietly"));
        assert!(
            hash.as_str().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{}",
            hash.as_str()
        );
        let other = hasher.hash(&password("violet kettle orbits quietly"));
        assert_ne!(hash, other, "a fresh salt each time");
        for weak in [
            HashParams {
                memory_kib: 19_455,
                ..HashParams::OWASP_MINIMUM
            },
            HashParams {
                iterations: 1,
                ..HashParams::OWASP_MINIMUM
            },
            HashParams {
                parallelism: 0,
                ..HashParams::OWASP_MINIMUM
            },
        ] {
            assert_eq!(PasswordHasher::new(weak).unwrap_err(), WeakParams);
        }
    }

    #[test]
    fn cr_5_right_and_wrong_passwords() {
        let hasher = PasswordHasher::new(HashParams::OWASP_MINIMUM).unwrap();
        let hash = hasher.hash(&password("violet kettle orbits quietly"));
        assert_eq!(
            hasher.verify(&password("violet kettle orbits quietly"), &hash),
            Verification::Valid
        );
        assert_eq!(
            hasher.verify(&password("violet kettle orbits quietlY"), &hash),
            Verification::Invalid
        );
        assert_eq!(
            hasher.verify(&password("x"), &PasswordHash::from_stored("garbage".into())),
            Verification::Invalid
        );
        assert_eq!(
            hasher.verify_dummy(&password("violet kettle orbits quietly")),
            Verification::Invalid
        );
    }

    #[test]
    fn cr_5_raised_parameters_ask_for_a_rehash() {
        let old = PasswordHasher::new(HashParams::OWASP_MINIMUM).unwrap();
        let hash = old.hash(&password("violet kettle orbits quietly"));
        let raised = PasswordHasher::new(HashParams {
            iterations: 3,
            ..HashParams::OWASP_MINIMUM
        })
        .unwrap();
        assert_eq!(
            raised.verify(&password("violet kettle orbits quietly"), &hash),
            Verification::ValidNeedsRehash
        );
        let fresh = raised.hash(&password("violet kettle orbits quietly"));
        assert_eq!(
            raised.verify(&password("violet kettle orbits quietly"), &fresh),
            Verification::Valid
        );
    }

    #[test]
    fn hashes_never_show_in_debug() {
        let hasher = PasswordHasher::new(HashParams::OWASP_MINIMUM).unwrap();
        let hash = hasher.hash(&password("violet kettle orbits quietly"));
        assert!(!format!("{hash:?}").contains("argon2"));
    }
}
