//! The rules a new password must pass, each with a reason a person can act on.

use std::fmt;

use super::{MIN_CHARS, PlainPassword, common};

/// Why a new password was refused. The message says what to do instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordRejection {
    /// Fewer than [`MIN_CHARS`] characters.
    TooShort,
    /// Empty or more than the maximum.
    TooLong,
    /// On the list of common or breached passwords.
    Common,
    /// A common password, or a very short pattern, repeated or padded to reach the length.
    PaddedOrRepeated,
    /// Made mostly of the account's own email address or name.
    Personal,
}

impl fmt::Display for PasswordRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl PasswordRejection {
    /// What to tell the person, as a fixed string (safe to show, never echoes the password).
    #[must_use]
    pub const fn message(self) -> &'static str {
        match self {
            Self::TooShort => {
                "Use at least 15 characters. A few unrelated words make a long password that is easy to remember."
            }
            Self::TooLong => "Use at most 128 characters.",
            Self::Common => {
                "This password is on a list of common or breached passwords that attackers try first. Choose another."
            }
            Self::PaddedOrRepeated => {
                "This password is a common password or short pattern repeated or padded to length. Choose something less predictable."
            }
            Self::Personal => {
                "This password is built from your email address or name, which attackers try first. Choose something unrelated."
            }
        }
    }
}

/// The account's own details, which a password must not be built from.
#[derive(Debug, Clone, Copy, Default)]
pub struct PersonalDetails<'a> {
    /// The account's email address.
    pub email: Option<&'a str>,
    /// The account holder's name.
    pub name: Option<&'a str>,
}

/// A password that passed every rule, ready to be hashed.
#[derive(Debug)]
pub struct NewPassword(PlainPassword);

impl NewPassword {
    /// Checks a typed password against the policy.
    pub fn new(typed: &str, personal: PersonalDetails<'_>) -> Result<Self, PasswordRejection> {
        let password = PlainPassword::new(typed).ok_or(if typed.is_empty() {
            PasswordRejection::TooShort
        } else {
            PasswordRejection::TooLong
        })?;
        if password.char_count() < MIN_CHARS {
            return Err(PasswordRejection::TooShort);
        }
        let folded = password.expose().to_lowercase();
        if common::is_common(&folded) {
            return Err(PasswordRejection::Common);
        }
        if is_padded_or_repeated(&folded) {
            return Err(PasswordRejection::PaddedOrRepeated);
        }
        if is_built_from(&folded, personal) {
            return Err(PasswordRejection::Personal);
        }
        Ok(Self(password))
    }

    /// The accepted password, for hashing.
    #[must_use]
    pub fn plain(&self) -> &PlainPassword {
        &self.0
    }
}

/// Shortest unit `u` such that `text` is `u` repeated (the last copy possibly cut short).
fn repeating_unit(text: &str) -> &str {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for period in 1..chars.len() {
        let repeats = chars
            .iter()
            .enumerate()
            .all(|(i, (_, c))| chars.get(i % period).is_some_and(|(_, u)| u == c));
        if repeats {
            let end = chars.get(period).map_or(text.len(), |(at, _)| *at);
            return text.get(..end).unwrap_or(text);
        }
    }
    text
}

/// A unit too small or too common to carry the password's length.
fn is_weak_core(core: &str) -> bool {
    let unit = repeating_unit(core);
    unit.chars().count() < 4 || common::is_common(unit) || common::is_common(core)
}

/// Catches `passwordpassword`, `aaaaaaaaaaaaaaaa`, `password!!!!!!!!`, `1234password1234` and
/// `qwertyqwertyqwerty1`: the password, or what is left once padding of digits, symbols and
/// spaces is stripped from both ends, is a common entry or short pattern repeated.
fn is_padded_or_repeated(folded: &str) -> bool {
    if repeating_unit(folded) != folded && is_weak_core(folded) {
        return true;
    }
    let core = folded.trim_matches(|c: char| !c.is_alphabetic());
    if core.is_empty() || core == folded {
        // No letters at all (a long number or passphrase of symbols) is judged by the list and
        // the repetition rule above, not by a composition rule.
        return false;
    }
    core.chars().count() < 4 || is_weak_core(core)
}

/// Whether, once the user's own details are removed, too little of the password is left.
fn is_built_from(folded: &str, personal: PersonalDetails<'_>) -> bool {
    const MEANINGFUL_REMAINDER: usize = 8;
    let mut parts: Vec<String> = Vec::new();
    if let Some(email) = personal.email {
        let email = email.to_lowercase();
        if let Some((local, domain)) = email.split_once('@') {
            parts.push(local.to_owned());
            parts.extend(domain.split('.').map(str::to_owned));
            parts.extend(
                local
                    .split(|c: char| !c.is_alphanumeric())
                    .map(str::to_owned),
            );
        }
        parts.push(email);
    }
    if let Some(name) = personal.name {
        let name = name.to_lowercase();
        parts.extend(name.split_whitespace().map(str::to_owned));
        parts.push(name.split_whitespace().collect());
    }
    parts.retain(|p| p.chars().count() >= 3);
    parts.sort_by_key(|p| std::cmp::Reverse(p.len()));
    if parts.is_empty() {
        return false;
    }
    let mut rest = folded.to_owned();
    for part in &parts {
        rest = rest.replace(part.as_str(), "");
    }
    rest.chars().filter(|c| c.is_alphanumeric()).count() < MEANINGFUL_REMAINDER
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(typed: &str) -> Result<NewPassword, PasswordRejection> {
        NewPassword::new(typed, PersonalDetails::default())
    }

    #[test]
    fn au_2_short_passwords_are_refused() {
        assert_eq!(check("").unwrap_err(), PasswordRejection::TooShort);
        assert_eq!(
            check("Tr0ub4dor&3xyz").unwrap_err(),
            PasswordRejection::TooShort
        );
        assert_eq!(
            check(&"ü".repeat(129)).unwrap_err(),
            PasswordRejection::TooLong
        );
    }

    #[test]
    fn au_2_breached_passwords_are_refused() {
        for common in [
            "123456789012345",
            "PASSWORD1234567",
            "iloveyouiloveyou1",
            "ThisIsMyPassword",
        ] {
            let result = check(common);
            assert!(
                matches!(
                    result,
                    Err(PasswordRejection::Common | PasswordRejection::PaddedOrRepeated)
                ),
                "{common}: {result:?}"
            );
        }
    }

    #[test]
    fn au_2_padded_or_repeated_common_passwords_are_refused() {
        for weak in [
            "passwordpassword",
            "aaaaaaaaaaaaaaaa",
            "abcabcabcabcabcabc",
            "password!!!!!!!!",
            "1234password1234",
            "qwertyqwertyqwerty1",
            "    monkey      ",
            "12121212121212121",
        ] {
            assert!(check(weak).is_err(), "{weak} was accepted");
        }
    }

    #[test]
    fn au_2_passwords_built_from_the_users_details_are_refused() {
        let personal = PersonalDetails {
            email: Some("maria.garcia@example.com"),
            name: Some("María García"),
        };
        for weak in [
            "maria.garcia@example.com",
            "mariagarcia2024!!",
            "garcia-maria-example",
            "María García 1990",
        ] {
            assert_eq!(
                NewPassword::new(weak, personal).unwrap_err(),
                PasswordRejection::Personal,
                "{weak}"
            );
        }
        assert!(NewPassword::new("maria plants tomatoes in june", personal).is_ok());
    }

    #[test]
    fn au_2_long_unusual_passwords_of_any_script_are_accepted() {
        for good in [
            "violet kettle orbits quietly",
            "correct-horse-battery-staple-9",
            "ñandú corre por la pampa",
            "日本語のパスワードはとても長い",
            "Tr0ub4dor&3 plus a few words",
            "814 302 775 196 448",
        ] {
            assert!(check(good).is_ok(), "{good} was refused");
        }
    }

    #[test]
    fn every_rejection_explains_itself() {
        for reason in [
            PasswordRejection::TooShort,
            PasswordRejection::TooLong,
            PasswordRejection::Common,
            PasswordRejection::PaddedOrRepeated,
            PasswordRejection::Personal,
        ] {
            assert!(reason.to_string().len() > 20);
        }
    }
}
