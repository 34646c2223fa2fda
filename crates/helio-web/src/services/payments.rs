//! The payment-provider interface (SYS-1): Helio sends a provider's single-use token, an
//! amount and an idempotency key, and keeps the provider's reference. No card data ever
//! reaches Helio. The built-in [`DevProvider`] stands in for a real provider in dev mode and
//! tests; production has none until one is integrated, and payments then answer 503.

use std::future::Future;
use std::pin::Pin;

use helio_core::order::IdempotencyKey;
use helio_core::payment::PaymentToken;

/// What a provider answers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// The card or account was declined; the message may be shown.
    #[error("declined")]
    Declined,
    /// The provider could not be reached or failed; try again later.
    #[error("provider unavailable")]
    Unavailable,
}

/// A provider call in flight.
pub type ProviderCall<'a> =
    Pin<Box<dyn Future<Output = Result<String, ProviderError>> + Send + 'a>>;

/// A payment provider. Both calls are idempotent by `key`: the same key returns the same
/// reference and moves money once.
pub trait PaymentProvider: Send + Sync + std::fmt::Debug {
    /// Charges `amount_cents` to the card behind `token`; the charge's reference.
    fn charge<'a>(
        &'a self,
        token: &'a PaymentToken,
        amount_cents: u64,
        key: &'a IdempotencyKey,
    ) -> ProviderCall<'a>;

    /// Refunds `amount_cents` of the charge `reference`; the refund's reference.
    fn refund<'a>(
        &'a self,
        reference: &'a str,
        amount_cents: u64,
        key: &'a str,
    ) -> ProviderCall<'a>;
}

/// The built-in provider for dev mode and tests: every token pays except those starting
/// `tok_decline`; references are derived from the idempotency key, so a retry gets the same
/// one. It moves no money.
#[derive(Debug, Clone, Copy, Default)]
pub struct DevProvider;

fn reference(prefix: &str, key: &str) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(key.as_bytes());
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    format!("{prefix}_{hex}")
}

impl PaymentProvider for DevProvider {
    fn charge<'a>(
        &'a self,
        token: &'a PaymentToken,
        _amount_cents: u64,
        key: &'a IdempotencyKey,
    ) -> ProviderCall<'a> {
        let answer = if token.as_str().starts_with("tok_decline") {
            Err(ProviderError::Declined)
        } else {
            Ok(reference("dev_ch", key.as_str()))
        };
        Box::pin(std::future::ready(answer))
    }

    fn refund<'a>(
        &'a self,
        _reference: &'a str,
        _amount_cents: u64,
        key: &'a str,
    ) -> ProviderCall<'a> {
        Box::pin(std::future::ready(Ok(reference("dev_re", key))))
    }
}
