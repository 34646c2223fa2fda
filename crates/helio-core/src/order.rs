//! The order's life (SYS-1, SYS-2, AC-5): an explicit state machine. Every move is a row of
//! [`TRANSITIONS`]: from which state, on which event, to which state, and which parties may
//! make it. Anything not in the table is refused with a reason, so no handler can invent a
//! shortcut (an installer completing a job nobody inspected, a customer refunding themselves).

crate::random_id!(
    /// An order, from its quote to its end.
    OrderId
);

/// A client's name for one attempt to create something (an order, a payment): the same key
/// twice means the same attempt, so a retried request never creates a second order or
/// charge. 8 to 64 characters of letters, digits, `-` and `_` (a UUID fits).
#[derive(Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Parses a key as sent.
    ///
    /// # Errors
    /// When it is not 8 to 64 characters of the allowed set.
    pub fn parse(sent: &str) -> Result<Self, crate::values::FieldError> {
        if (8..=64).contains(&sent.len())
            && sent
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            Ok(Self(sent.to_owned()))
        } else {
            Err(crate::values::FieldError {
                field: "idempotency_key",
                message: "Send an idempotency key of 8 to 64 letters, digits, '-' or '_'.",
            })
        }
    }

    /// The key as sent.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The SHA-256 the store keeps (the key itself is the client's).
    #[must_use]
    pub fn hash(&self) -> [u8; 32] {
        use sha2::Digest as _;
        sha2::Sha256::digest(self.0.as_bytes()).into()
    }
}

impl std::fmt::Debug for IdempotencyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdempotencyKey(..)")
    }
}

/// Where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderState {
    /// Priced from a quote, not yet ordered.
    Quote,
    /// Ordered, the deposit paid; no installation day yet.
    Ordered,
    /// A day booked; waiting for a crew.
    Scheduled,
    /// A crew accepted the job.
    Assigned,
    /// The crew surveyed the roof.
    Surveyed,
    /// The panels are installed.
    Installed,
    /// Helio inspected the installation.
    Inspected,
    /// The balance is paid; done.
    Completed,
    /// Called off before the installation.
    Cancelled,
    /// Money returned.
    Refunded,
}

impl OrderState {
    /// Every state.
    pub const ALL: [Self; 10] = [
        Self::Quote,
        Self::Ordered,
        Self::Scheduled,
        Self::Assigned,
        Self::Surveyed,
        Self::Installed,
        Self::Inspected,
        Self::Completed,
        Self::Cancelled,
        Self::Refunded,
    ];

    /// The stored name; stable across releases.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Quote => "quote",
            Self::Ordered => "ordered",
            Self::Scheduled => "scheduled",
            Self::Assigned => "assigned",
            Self::Surveyed => "surveyed",
            Self::Installed => "installed",
            Self::Inspected => "inspected",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
            Self::Refunded => "refunded",
        }
    }

    /// Parses a stored name; unknown names are refused.
    #[must_use]
    pub fn parse(stored: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == stored)
    }

    /// Whether a crew has taken the job: accepted it and not given it back (it stays the
    /// crew's job once completed, for its record and its rating).
    #[must_use]
    pub const fn taken_by_crew(self) -> bool {
        matches!(
            self,
            Self::Assigned | Self::Surveyed | Self::Installed | Self::Inspected | Self::Completed
        )
    }

    /// Whether the crew doing the job may see the site's full address: only from accepting
    /// the job until it is completed (SYS-1, DS-1). Before that the crew knows the city and
    /// province; after, nothing.
    #[must_use]
    pub const fn crew_sees_address(self) -> bool {
        matches!(
            self,
            Self::Assigned | Self::Surveyed | Self::Installed | Self::Inspected
        )
    }

    /// A word for the customer's timeline.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Quote => "Priced, waiting for the deposit",
            Self::Ordered => "Ordered",
            Self::Scheduled => "Installation day booked",
            Self::Assigned => "A crew took the job",
            Self::Surveyed => "Roof surveyed",
            Self::Installed => "Panels installed",
            Self::Inspected => "Installation inspected",
            Self::Completed => "Completed",
            Self::Cancelled => "Cancelled",
            Self::Refunded => "Refunded",
        }
    }
}

/// Something that happens to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderEvent {
    /// The customer orders the quoted system and pays the deposit.
    Place,
    /// A day is booked.
    Book,
    /// The booked day is given up, to book another.
    Unbook,
    /// A crew takes the job (accepting the offer), or support assigns one.
    Assign,
    /// The crew gives the job back before surveying, or support takes it away.
    Unassign,
    /// The crew reports the survey done.
    Survey,
    /// The crew reports the installation done.
    Install,
    /// Helio signs the inspection off.
    Inspect,
    /// The balance is paid.
    Complete,
    /// The order is called off.
    Cancel,
    /// Money goes back to the customer.
    Refund,
}

impl OrderEvent {
    /// Every event.
    pub const ALL: [Self; 11] = [
        Self::Place,
        Self::Book,
        Self::Unbook,
        Self::Assign,
        Self::Unassign,
        Self::Survey,
        Self::Install,
        Self::Inspect,
        Self::Complete,
        Self::Cancel,
        Self::Refund,
    ];

    /// Parses a stored name; unknown names are refused.
    #[must_use]
    pub fn parse(stored: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|event| event.as_str() == stored)
    }

    /// The stored name; stable across releases.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Place => "place",
            Self::Book => "book",
            Self::Unbook => "unbook",
            Self::Assign => "assign",
            Self::Unassign => "unassign",
            Self::Survey => "survey",
            Self::Install => "install",
            Self::Inspect => "inspect",
            Self::Complete => "complete",
            Self::Cancel => "cancel",
            Self::Refund => "refund",
        }
    }
}

/// Who makes a move, relative to the order (the object-level side of AC-5: "the customer"
/// means the order's own customer, "the crew" the crew assigned or offered the job).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Party {
    /// The order's customer.
    Customer,
    /// The crew the job is assigned (or, for `Assign`, offered) to.
    Crew,
    /// Helio support.
    Support,
    /// Helio itself (payment confirmations, dispatch).
    System,
}

impl Party {
    /// The stored name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Crew => "crew",
            Self::Support => "support",
            Self::System => "system",
        }
    }

    /// Parses a stored name.
    #[must_use]
    pub fn parse(stored: &str) -> Option<Self> {
        [Self::Customer, Self::Crew, Self::Support, Self::System]
            .into_iter()
            .find(|party| party.as_str() == stored)
    }
}

/// One allowed move.
pub type Transition = (OrderState, OrderEvent, OrderState, &'static [Party]);

/// Every allowed move. A move not listed is refused.
pub const TRANSITIONS: [Transition; 16] = {
    use OrderEvent as E;
    use OrderState as S;
    use Party as P;
    [
        (S::Quote, E::Place, S::Ordered, &[P::Customer]),
        (
            S::Ordered,
            E::Book,
            S::Scheduled,
            &[P::Customer, P::Support],
        ),
        (
            S::Scheduled,
            E::Unbook,
            S::Ordered,
            &[P::Customer, P::Support, P::System],
        ),
        (S::Scheduled, E::Assign, S::Assigned, &[P::Crew, P::Support]),
        (
            S::Assigned,
            E::Unassign,
            S::Scheduled,
            &[P::Crew, P::Support],
        ),
        (S::Assigned, E::Survey, S::Surveyed, &[P::Crew]),
        (S::Surveyed, E::Install, S::Installed, &[P::Crew]),
        (S::Installed, E::Inspect, S::Inspected, &[P::Support]),
        (
            S::Inspected,
            E::Complete,
            S::Completed,
            &[P::Customer, P::System],
        ),
        (
            S::Ordered,
            E::Cancel,
            S::Cancelled,
            &[P::Customer, P::Support],
        ),
        (
            S::Scheduled,
            E::Cancel,
            S::Cancelled,
            &[P::Customer, P::Support],
        ),
        (
            S::Assigned,
            E::Cancel,
            S::Cancelled,
            &[P::Customer, P::Support],
        ),
        (S::Surveyed, E::Cancel, S::Cancelled, &[P::Support]),
        (
            S::Quote,
            E::Cancel,
            S::Cancelled,
            &[P::Customer, P::Support],
        ),
        (S::Cancelled, E::Refund, S::Refunded, &[P::Support]),
        (S::Completed, E::Refund, S::Refunded, &[P::Support]),
    ]
};

/// Why a move is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransitionRefused {
    /// The order cannot move this way from where it stands.
    NotFromHere,
    /// It can, but not by this party.
    NotYours,
}

impl TransitionRefused {
    /// What to tell the person.
    #[must_use]
    pub const fn message(self) -> &'static str {
        match self {
            Self::NotFromHere => "The order cannot do that in its current state.",
            Self::NotYours => "You cannot do that to this order.",
        }
    }
}

/// Where `event` by `party` takes an order standing at `from`.
///
/// # Errors
/// When the table has no such move, or not for this party.
pub fn next(
    from: OrderState,
    event: OrderEvent,
    party: Party,
) -> Result<OrderState, TransitionRefused> {
    let (_, _, to, parties) = TRANSITIONS
        .iter()
        .find(|(state, on, _, _)| *state == from && *on == event)
        .ok_or(TransitionRefused::NotFromHere)?;
    if parties.contains(&party) {
        Ok(*to)
    } else {
        Err(TransitionRefused::NotYours)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// SYS-2: the reviewed moves, written out independently of [`TRANSITIONS`]; every
    /// state, event and party is tried, so any loosened or added cell fails here.
    #[test]
    fn sys_2_only_the_reviewed_moves_exist_and_only_for_their_parties() {
        use OrderEvent as E;
        use OrderState as S;
        use Party as P;
        let reviewed: &[(S, E, S, &[P])] = &[
            (S::Quote, E::Place, S::Ordered, &[P::Customer]),
            (
                S::Quote,
                E::Cancel,
                S::Cancelled,
                &[P::Customer, P::Support],
            ),
            (
                S::Ordered,
                E::Book,
                S::Scheduled,
                &[P::Customer, P::Support],
            ),
            (
                S::Ordered,
                E::Cancel,
                S::Cancelled,
                &[P::Customer, P::Support],
            ),
            (
                S::Scheduled,
                E::Unbook,
                S::Ordered,
                &[P::Customer, P::Support, P::System],
            ),
            (S::Scheduled, E::Assign, S::Assigned, &[P::Crew, P::Support]),
            (
                S::Scheduled,
                E::Cancel,
                S::Cancelled,
                &[P::Customer, P::Support],
            ),
            (
                S::Assigned,
                E::Unassign,
                S::Scheduled,
                &[P::Crew, P::Support],
            ),
            (S::Assigned, E::Survey, S::Surveyed, &[P::Crew]),
            (
                S::Assigned,
                E::Cancel,
                S::Cancelled,
                &[P::Customer, P::Support],
            ),
            (S::Surveyed, E::Install, S::Installed, &[P::Crew]),
            (S::Surveyed, E::Cancel, S::Cancelled, &[P::Support]),
            (S::Installed, E::Inspect, S::Inspected, &[P::Support]),
            (
                S::Inspected,
                E::Complete,
                S::Completed,
                &[P::Customer, P::System],
            ),
            (S::Completed, E::Refund, S::Refunded, &[P::Support]),
            (S::Cancelled, E::Refund, S::Refunded, &[P::Support]),
        ];
        let parties = [P::Customer, P::Crew, P::Support, P::System];
        for from in OrderState::ALL {
            for event in OrderEvent::ALL {
                let row = reviewed
                    .iter()
                    .find(|(f, e, _, _)| *f == from && *e == event);
                for party in parties {
                    let expected = match row {
                        None => Err(TransitionRefused::NotFromHere),
                        Some((_, _, to, who)) if who.contains(&party) => Ok(*to),
                        Some(_) => Err(TransitionRefused::NotYours),
                    };
                    assert_eq!(
                        next(from, event, party),
                        expected,
                        "{} on {} by {party:?}",
                        from.as_str(),
                        event.as_str()
                    );
                }
            }
        }
    }

    #[test]
    fn sys_2_nothing_leaves_a_refund_and_only_a_refund_leaves_completion() {
        for event in OrderEvent::ALL {
            for party in [Party::Customer, Party::Crew, Party::Support, Party::System] {
                assert!(next(OrderState::Refunded, event, party).is_err());
                if event != OrderEvent::Refund {
                    assert!(next(OrderState::Completed, event, party).is_err());
                }
            }
        }
    }

    #[test]
    fn ac_5_crews_never_move_money_and_customers_never_work_jobs() {
        for (_, event, _, parties) in TRANSITIONS {
            if matches!(event, OrderEvent::Refund | OrderEvent::Complete) {
                assert!(!parties.contains(&Party::Crew));
            }
            if matches!(
                event,
                OrderEvent::Survey | OrderEvent::Install | OrderEvent::Inspect
            ) {
                assert!(!parties.contains(&Party::Customer));
            }
            if event == OrderEvent::Refund {
                assert_eq!(parties, &[Party::Support]);
            }
        }
    }

    #[test]
    fn sys_1_the_crew_sees_the_address_only_between_acceptance_and_completion() {
        use OrderState as S;
        let visible: Vec<_> = OrderState::ALL
            .into_iter()
            .filter(|s| s.crew_sees_address())
            .collect();
        assert_eq!(
            visible,
            [S::Assigned, S::Surveyed, S::Installed, S::Inspected]
        );
    }

    #[test]
    fn idempotency_keys_are_bounded_and_plain() {
        assert!(IdempotencyKey::parse("3f2a9c1e-8b7d-4e6f-9a0b-1c2d3e4f5a6b").is_ok());
        for bad in [
            "",
            "short",
            &"a".repeat(65),
            "with space1",
            "semi;colon",
            "ñandúñandú",
        ] {
            assert!(IdempotencyKey::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn names_round_trip_and_each_move_is_listed_once() {
        for state in OrderState::ALL {
            assert_eq!(OrderState::parse(state.as_str()), Some(state));
        }
        assert_eq!(OrderState::parse("done"), None);
        let keys: HashSet<_> = TRANSITIONS.iter().map(|(f, e, _, _)| (*f, *e)).collect();
        assert_eq!(keys.len(), TRANSITIONS.len());
        let events: HashSet<_> = OrderEvent::ALL.iter().map(|e| e.as_str()).collect();
        assert_eq!(events.len(), OrderEvent::ALL.len());
        for event in OrderEvent::ALL {
            assert_eq!(OrderEvent::parse(event.as_str()), Some(event));
        }
        let labels: HashSet<_> = OrderState::ALL.iter().map(|s| s.label()).collect();
        assert_eq!(labels.len(), OrderState::ALL.len());
    }
}
