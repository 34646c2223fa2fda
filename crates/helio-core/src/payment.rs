//! Money moves (SYS-1): what the deposit is, and which payment tokens are acceptable
//! to send to a provider. Helio never sees card data: the browser or app hands the card to the
//! payment provider and Helio receives only the provider's single-use token.

/// The share of the price paid as a deposit when ordering; the balance follows completion.
pub const DEPOSIT_PERCENT: u64 = 20;

/// The deposit for a price, rounded up to the cent.
#[must_use]
pub const fn deposit_cents(price_cents: u64) -> u64 {
    (price_cents * DEPOSIT_PERCENT).div_ceil(100)
}

/// A payment provider's single-use token for a card or account (`tok_…`), as sent by the
/// client. Only its shape is checked here; the provider decides whether it pays.
#[derive(Clone, PartialEq, Eq)]
pub struct PaymentToken(String);

impl PaymentToken {
    /// Parses a token: `tok_` and 4 to 60 letters, digits or `_`.
    ///
    /// # Errors
    /// When it is not shaped like a provider token (a card number never is).
    pub fn parse(sent: &str) -> Result<Self, crate::values::FieldError> {
        let rest = sent.strip_prefix("tok_").unwrap_or_default();
        if (4..=60).contains(&rest.len())
            && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            Ok(Self(sent.to_owned()))
        } else {
            Err(crate::values::FieldError {
                field: "payment_token",
                message: "Send the payment provider's token (tok_…), never card details.",
            })
        }
    }

    /// The token as sent.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for PaymentToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PaymentToken(..)")
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn sys_1_tokens_are_provider_tokens_never_card_numbers() {
        assert!(PaymentToken::parse("tok_visa_ok").is_ok());
        for bad in [
            "",
            "tok_",
            "tok_abc",
            "4111111111111111",
            "tok_4111 1111",
            "card_1234567",
            &format!("tok_{}", "a".repeat(61)),
        ] {
            assert!(PaymentToken::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            format!("{:?}", PaymentToken::parse("tok_secret_1").ok()),
            "Some(PaymentToken(..))"
        );
    }

    #[test]
    fn the_deposit_is_a_fifth_rounded_up() {
        assert_eq!(deposit_cents(361_200), 72_240);
        assert_eq!(deposit_cents(101), 21);
    }

    proptest! {
        #[test]
        fn the_deposit_is_at_least_a_cent_and_never_the_whole_price(price in 2_u64..10_000_000_000) {
            prop_assert!(deposit_cents(price) >= 1);
            prop_assert!(deposit_cents(price) < price);
        }
    }
}
