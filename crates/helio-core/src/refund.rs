//! Refunds (SYS-1, AC-5, DS-2): support ask for a refund of a cancelled or completed order,
//! for a reason; up to the configured limit it is paid at once, above it an admin other than
//! the requester approves first (maker-checker). An order is refunded once, at most what was
//! paid, spread over its charges newest first.

crate::random_id!(
    /// One refund request.
    RefundId
);

/// Where a refund request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefundState {
    /// Above the limit, waiting for an admin.
    Pending,
    /// Approved (by the limit or by an admin), being paid out.
    Approved,
    /// An admin refused it.
    Refused,
    /// Paid out; the order is refunded.
    Paid,
}

impl RefundState {
    /// Every state.
    pub const ALL: [Self; 4] = [Self::Pending, Self::Approved, Self::Refused, Self::Paid];

    /// The stored name; stable across releases.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Refused => "refused",
            Self::Paid => "paid",
        }
    }

    /// Parses a stored name; unknown names are refused.
    #[must_use]
    pub fn parse(stored: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == stored)
    }
}

/// Whether a refund of `amount_cents` needs an admin's approval under `limit_cents`.
#[must_use]
pub const fn needs_approval(amount_cents: u64, limit_cents: u64) -> bool {
    amount_cents > limit_cents
}

/// How `amount_cents` is refunded over the order's charges (each `(reference, amount)`,
/// oldest first): newest charge first, each at most its own amount. `None` when the charges
/// do not cover the amount, or the amount is zero.
#[must_use]
pub fn spread<'a>(amount_cents: u64, charges: &[(&'a str, u64)]) -> Option<Vec<(&'a str, u64)>> {
    if amount_cents == 0 {
        return None;
    }
    let mut left = amount_cents;
    let mut parts = Vec::new();
    for &(reference, charged) in charges.iter().rev() {
        if left == 0 {
            break;
        }
        let part = left.min(charged);
        if part > 0 {
            parts.push((reference, part));
            left -= part;
        }
    }
    (left == 0).then_some(parts)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn ac_5_above_the_limit_needs_an_admin() {
        assert!(!needs_approval(50_000, 50_000));
        assert!(needs_approval(50_001, 50_000));
    }

    #[test]
    fn sys_1_refunds_take_the_newest_charge_first_and_never_exceed_the_charges() {
        let charges = [("deposit", 72_240), ("balance", 288_960)];
        assert_eq!(spread(10_000, &charges), Some(vec![("balance", 10_000)]));
        assert_eq!(
            spread(361_200, &charges),
            Some(vec![("balance", 288_960), ("deposit", 72_240)])
        );
        assert_eq!(spread(361_201, &charges), None);
        assert_eq!(spread(0, &charges), None);
        assert_eq!(spread(1, &[]), None);
    }

    #[test]
    fn states_round_trip() {
        for state in RefundState::ALL {
            assert_eq!(RefundState::parse(state.as_str()), Some(state));
        }
        assert_eq!(RefundState::parse("done"), None);
    }

    proptest! {
        #[test]
        fn sys_1_a_spread_sums_to_the_amount_and_each_part_fits_its_charge(
            amount in 0_u64..1_000_000,
            charges in proptest::collection::vec(0_u64..500_000, 0..4),
        ) {
            let named: Vec<(&str, u64)> = charges.iter().map(|c| ("charge", *c)).collect();
            let total: u64 = charges.iter().sum();
            match spread(amount, &named) {
                Some(parts) => {
                    prop_assert!(amount > 0 && amount <= total);
                    prop_assert_eq!(parts.iter().map(|p| p.1).sum::<u64>(), amount);
                    prop_assert!(parts.iter().all(|p| p.1 > 0));
                }
                None => prop_assert!(amount == 0 || amount > total),
            }
        }
    }
}
