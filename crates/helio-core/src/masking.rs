//! Contact data as support sees it before a reveal (AC-3): enough to recognise a customer on
//! the phone ("is your address j…@e….com?"), never enough to contact them or to look them up
//! elsewhere.

use crate::values::{Email, Phone};

/// `jane.doe@example.com` → `j***@e***.com`: the first letter of the mailbox and of the domain,
/// and the top-level domain.
#[must_use]
pub fn mask_email(email: &Email) -> String {
    let text = email.as_str();
    let (local, domain) = text.rsplit_once('@').unwrap_or((text, ""));
    let first = |part: &str| part.chars().next().map(String::from).unwrap_or_default();
    let (host, tld) = domain.rsplit_once('.').unwrap_or((domain, ""));
    format!("{}***@{}***.{}", first(local), first(host), tld)
}

/// `+34600123456` → `***-***-3456`: the last four digits only.
#[must_use]
pub fn mask_phone(phone: &Phone) -> String {
    let digits = phone.as_str().trim_start_matches('+');
    let last: String = digits
        .chars()
        .skip(digits.chars().count().saturating_sub(4))
        .collect();
    format!("***-***-{last}")
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn ac_3_contact_data_is_masked_as_the_brief_shows() {
        let email = Email::parse("Jane.Doe@Example.com").unwrap();
        assert_eq!(mask_email(&email), "j***@e***.com");
        let phone = Phone::parse("+34 600 12 12 34").unwrap();
        assert_eq!(mask_phone(&phone), "***-***-1234");
    }

    proptest! {
        /// Whatever the address, the mask keeps at most two letters and the top-level domain.
        #[test]
        fn ac_3_a_masked_email_never_holds_the_mailbox_or_the_domain(
            local in "[a-z][a-z0-9._]{2,20}[a-z0-9]",
            host in "[a-z][a-z0-9-]{2,20}[a-z0-9]",
            tld in "(com|es|org|net|io)",
        ) {
            if let Ok(email) = Email::parse(&format!("{local}@{host}.{tld}")) {
                let masked = mask_email(&email);
                prop_assert!(!masked.contains(&local[1..]));
                prop_assert!(!masked.contains(&host[1..]));
                prop_assert!(masked.chars().filter(char::is_ascii_alphanumeric).count() <= 2 + tld.len());
            }
        }

        /// A masked phone shows four digits and no more.
        #[test]
        fn ac_3_a_masked_phone_shows_four_digits(digits in "[1-9][0-9]{7,14}") {
            let phone = Phone::parse(&format!("+{digits}")).unwrap();
            let masked = mask_phone(&phone);
            prop_assert_eq!(masked.chars().filter(char::is_ascii_digit).count(), 4);
            prop_assert!(masked.ends_with(&digits[digits.len() - 4..]));
        }
    }
}
