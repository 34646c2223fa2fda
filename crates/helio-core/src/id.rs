//! Public identifiers: 128 random bits each, never sequential, so an ID in a URL or an API
//! answer reveals nothing about how many others exist and cannot be guessed from a neighbour.

/// Defines an identifier type over a random UUID: `random`, its 16 stored bytes, and the
/// hyphenated form for printing and parsing.
#[macro_export]
macro_rules! random_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(::uuid::Uuid);

        impl $name {
            /// A fresh random identifier.
            #[must_use]
            pub fn random() -> Self {
                Self(::uuid::Uuid::new_v4())
            }

            /// From its stored 16 bytes.
            #[must_use]
            pub fn from_bytes(bytes: [u8; 16]) -> Self {
                Self(::uuid::Uuid::from_bytes(bytes))
            }

            /// The stored form.
            #[must_use]
            pub fn as_bytes(&self) -> &[u8; 16] {
                self.0.as_bytes()
            }

            /// Parses the printed form (a hyphenated UUID), as an operator types it.
            #[must_use]
            pub fn parse(text: &str) -> Option<Self> {
                ::uuid::Uuid::try_parse(text.trim()).ok().map(Self)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

/// A 16-byte handle (a passkey's or a session's) as the pages and the API show it: 32
/// lower-case hex digits.
#[must_use]
pub fn handle_hex(handle: &[u8; 16]) -> String {
    handle.iter().map(|b| format!("{b:02x}")).collect()
}

/// A handle from its 32 hex digits; anything else is `None`.
#[must_use]
pub fn parse_handle(text: &str) -> Option<[u8; 16]> {
    if text.len() != 32 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut handle = [0_u8; 16];
    for (slot, pair) in handle.iter_mut().zip(text.as_bytes().chunks(2)) {
        *slot = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    Some(handle)
}
