//! Dispatch ("Uber for solar panels", SYS-1): when an order is booked, the crews that serve
//! its province and still have room that day are ranked, and the job is offered to the best
//! one for [`OFFER_LAPSE_MINUTES`]; on a decline or a lapse it goes to the next crew not yet
//! asked. Ranking is a pure function of what the crews are: their rating, how far their base
//! is from the job, and how much room they have left that day.

use crate::partner::CrewId;
use crate::values::FieldError;

crate::random_id!(
    /// One offer of one job to one crew.
    OfferId
);

/// How long a crew has to accept an offer before it goes to the next crew.
pub const OFFER_LAPSE_MINUTES: u64 = 120;

/// Where an offer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OfferState {
    /// Waiting for the crew, until it lapses.
    Open,
    /// The crew took the job.
    Accepted,
    /// The crew said no.
    Declined,
    /// The crew did not answer in time.
    Lapsed,
    /// The order was cancelled or its day given up while the offer was open.
    Withdrawn,
}

impl OfferState {
    /// Every state.
    pub const ALL: [Self; 5] = [
        Self::Open,
        Self::Accepted,
        Self::Declined,
        Self::Lapsed,
        Self::Withdrawn,
    ];

    /// The stored name; stable across releases.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Accepted => "accepted",
            Self::Declined => "declined",
            Self::Lapsed => "lapsed",
            Self::Withdrawn => "withdrawn",
        }
    }

    /// Parses a stored name; unknown names are refused.
    #[must_use]
    pub fn parse(stored: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == stored)
    }
}

/// A customer's rating of a completed job: 1 to 5 stars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Stars(u8);

impl Stars {
    /// Parses a rating as sent.
    ///
    /// # Errors
    /// When it is not a whole number from 1 to 5.
    pub fn parse(sent: &str) -> Result<Self, FieldError> {
        match sent.trim().parse::<u8>() {
            Ok(stars @ 1..=5) => Ok(Self(stars)),
            _ => Err(FieldError {
                field: "stars",
                message: "Rate the job with 1 to 5 stars.",
            }),
        }
    }

    /// The number of stars.
    #[must_use]
    pub const fn get(self) -> u8 {
        self.0
    }
}

/// The ratings a crew has received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CrewRating {
    /// The sum of every rating's stars.
    pub stars_total: u64,
    /// How many ratings.
    pub ratings: u64,
}

/// A new crew is rated as if it had this many ratings of [`PRIOR_STARS`], so one early
/// five-star job does not put it above crews with a long good record, and one bad job does
/// not bury it.
pub const PRIOR_RATINGS: f64 = 5.0;

/// The rating a crew is assumed to have before it has any.
pub const PRIOR_STARS: f64 = 4.0;

/// How many km of distance weigh as much as one star of rating.
pub const KM_PER_STAR: f64 = 100.0;

#[expect(
    clippy::cast_precision_loss,
    reason = "rating counts are far below 2^52"
)]
fn as_f64(value: u64) -> f64 {
    value as f64
}

impl CrewRating {
    /// The crew's rating, pulled towards [`PRIOR_STARS`] while it has few ratings: 1 to 5.
    #[must_use]
    pub fn score(self) -> f64 {
        (as_f64(self.stars_total) + PRIOR_STARS * PRIOR_RATINGS)
            / (as_f64(self.ratings) + PRIOR_RATINGS)
    }
}

/// A crew that could take a job: it serves the job's province and has room that day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    /// The crew.
    pub crew: CrewId,
    /// Jobs it can still take that day.
    pub free: u32,
    /// From its base to the job, km.
    pub distance_km: f64,
    /// Its ratings.
    pub rating: CrewRating,
}

impl Candidate {
    /// The ranking score: the rating, less a star for every [`KM_PER_STAR`] of distance.
    #[must_use]
    pub fn score(&self) -> f64 {
        self.rating.score() - self.distance_km.max(0.0) / KM_PER_STAR
    }
}

/// The crews to offer a job to, best first: those with room, by [`Candidate::score`], then
/// by room left, then by crew (so the order is total and the same on every replica).
#[must_use]
pub fn rank(mut candidates: Vec<Candidate>) -> Vec<Candidate> {
    candidates.retain(|c| c.free > 0 && c.distance_km.is_finite());
    candidates.sort_by(|a, b| {
        b.score()
            .total_cmp(&a.score())
            .then(b.free.cmp(&a.free))
            .then(a.crew.cmp(&b.crew))
    });
    candidates
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn candidate(free: u32, distance_km: f64, stars_total: u64, ratings: u64) -> Candidate {
        Candidate {
            crew: CrewId::random(),
            free,
            distance_km,
            rating: CrewRating {
                stars_total,
                ratings,
            },
        }
    }

    #[test]
    fn sys_1_a_good_local_crew_comes_before_a_distant_or_poorly_rated_one() {
        let local_good = candidate(1, 0.0, 48, 10);
        let local_poor = candidate(5, 0.0, 20, 10);
        let distant_good = candidate(5, 400.0, 50, 10);
        let full = candidate(0, 0.0, 50, 10);
        let ranked = rank(vec![distant_good, full, local_poor, local_good]);
        let crews: Vec<_> = ranked.iter().map(|c| c.crew).collect();
        assert_eq!(crews, [local_good.crew, local_poor.crew, distant_good.crew]);
    }

    #[test]
    fn sys_1_one_early_rating_does_not_outweigh_a_long_record() {
        let newcomer = CrewRating {
            stars_total: 5,
            ratings: 1,
        };
        let veteran = CrewRating {
            stars_total: 490,
            ratings: 100,
        };
        assert!(veteran.score() > newcomer.score());
        assert!((CrewRating::default().score() - PRIOR_STARS).abs() < 1e-9);
    }

    #[test]
    fn stars_are_one_to_five() {
        assert_eq!(Stars::parse(" 5 ").unwrap().get(), 5);
        assert_eq!(Stars::parse("1").unwrap().get(), 1);
        for bad in ["0", "6", "", "4.5", "-1", "five", "256"] {
            assert!(Stars::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn offer_states_round_trip() {
        for state in OfferState::ALL {
            assert_eq!(OfferState::parse(state.as_str()), Some(state));
        }
        assert_eq!(OfferState::parse("taken"), None);
    }

    fn any_candidate() -> impl Strategy<Value = Candidate> {
        (0_u32..10, 0.0_f64..2_000.0, 0_u64..50, 0_u64..10).prop_map(
            |(free, km, total, ratings)| candidate(free, km, total.min(ratings * 5), ratings),
        )
    }

    proptest! {
        #[test]
        fn sys_1_ranking_keeps_exactly_the_crews_with_room(
            candidates in proptest::collection::vec(any_candidate(), 0..12)
        ) {
            let ranked = rank(candidates.clone());
            prop_assert_eq!(ranked.len(), candidates.iter().filter(|c| c.free > 0).count());
            for pair in ranked.windows(2) {
                prop_assert!(pair[0].score() >= pair[1].score());
            }
        }

        #[test]
        fn sys_1_nearer_or_better_rated_never_ranks_lower(
            base in any_candidate(),
            closer_by in 0.0_f64..500.0,
            extra_stars in 0_u64..20,
        ) {
            let base = Candidate { free: base.free.max(1), ..base };
            let better = Candidate {
                crew: CrewId::random(),
                distance_km: (base.distance_km - closer_by).max(0.0),
                rating: CrewRating {
                    stars_total: (base.rating.stars_total + extra_stars)
                        .min(base.rating.ratings * 5)
                        .max(base.rating.stars_total),
                    ..base.rating
                },
                ..base
            };
            prop_assert!(better.score() >= base.score());
            let ranked = rank(vec![base, better]);
            if better.score() > base.score() {
                prop_assert_eq!(ranked[0].crew, better.crew);
            }
        }
    }
}
