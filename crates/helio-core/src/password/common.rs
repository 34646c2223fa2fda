//! The common-password list shipped with the binary: 57,038 entries from SecLists' RockYou list
//! (CC BY-SA 3.0; see `data/common-passwords.LICENSE.md`), normalised and byte-sorted so a
//! lookup is a binary search over a slice index built once.

use std::sync::LazyLock;

const LIST: &str = include_str!("../../data/common-passwords.txt");

static ENTRIES: LazyLock<Vec<&'static str>> = LazyLock::new(|| LIST.lines().collect());

/// Whether `candidate` (already NFKC-normalised and lower-cased) is on the list.
pub(super) fn is_common(candidate: &str) -> bool {
    ENTRIES
        .binary_search_by(|entry| entry.as_bytes().cmp(candidate.as_bytes()))
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_large_sorted_and_unique() {
        assert!(ENTRIES.len() > 50_000, "{}", ENTRIES.len());
        assert!(
            ENTRIES
                .windows(2)
                .all(|w| w[0].as_bytes() < w[1].as_bytes())
        );
    }

    #[test]
    fn well_known_passwords_are_found() {
        for common in ["123456", "password", "iloveyou", "qwerty", "princess"] {
            assert!(is_common(common), "{common}");
        }
        assert!(!is_common("violet-kettle-orbits-quietly"));
    }
}
