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

/// Parses an amount of euros as staff type it (`120`, `120.5`, `120,50`) into cents.
///
/// # Errors
/// When it is not a positive amount with at most two decimals, up to €10,000,000.
pub fn parse_euros(typed: &str) -> Result<u64, crate::values::FieldError> {
    let refused = crate::values::FieldError {
        field: "amount",
        message: "Give an amount in euros, like 120 or 120.50.",
    };
    let text = typed.trim().replace(',', ".");
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    if whole.is_empty()
        || whole.len() > 8
        || fraction.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(refused);
    }
    let euros: u64 = whole.parse().map_err(|_| refused)?;
    let cents: u64 = format!("{fraction:0<2}").parse().map_err(|_| refused)?;
    let total = euros * 100 + cents;
    if total == 0 || total > 1_000_000_000 {
        return Err(refused);
    }
    Ok(total)
}

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
    fn euros_are_parsed_to_cents_or_refused() {
        assert_eq!(parse_euros("120").unwrap(), 12_000);
        assert_eq!(parse_euros(" 120,5 ").unwrap(), 12_050);
        assert_eq!(parse_euros("0.07").unwrap(), 7);
        for bad in [
            "",
            "0",
            "-5",
            "1.234",
            "1e3",
            "12 000",
            "€12",
            "99999999999",
            ".5",
            "NaN",
        ] {
            assert!(parse_euros(bad).is_err(), "{bad:?}");
        }
    }

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
