//! The audit trail's hash chain (IG-2, [Audit]): every entry carries its sequence number, the
//! previous entry's hash and the SHA-256 of its own canonical encoding, which covers the
//! previous hash too. Editing an entry changes its hash; deleting or reordering entries breaks
//! a link or leaves a gap in the numbers; verification names the first entry where the chain
//! stops holding. Cutting the newest entries off and rewriting the head is what checkpoints
//! catch: at intervals the newest entry's number and hash are signed with an Ed25519 key kept
//! outside the database, and verification checks every checkpoint against the chain.

use sha2::{Digest as _, Sha256};

/// The hash before the first entry.
pub const GENESIS: [u8; 32] = [0; 32];

/// What a hash covers: every stored field of an entry, as the store keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainedFields<'a> {
    /// The entry's place in the chain, from 1.
    pub seq: u64,
    /// Its ID.
    pub id: &'a [u8],
    /// When, microseconds since the epoch.
    pub at: i64,
    /// The acting account (none for a security event nobody in particular did).
    pub actor: Option<&'a [u8]>,
    /// Its role's stored name.
    pub actor_role: Option<&'a str>,
    /// The action's stored name.
    pub action: &'a str,
    /// The account acted on.
    pub subject: Option<&'a [u8]>,
    /// The reason.
    pub reason: Option<&'a str>,
    /// The coarse network.
    pub seen_from: Option<&'a str>,
    /// The request's ID.
    pub request_id: Option<&'a str>,
    /// The break-glass grant.
    pub grant: Option<&'a [u8]>,
    /// A security event's severity (none for a staff action).
    pub severity: Option<&'a str>,
    /// A security event's typed fields as JSON (none for a staff action).
    pub details: Option<&'a str>,
}

/// The domain tag that starts every encoding, so a hash of another kind of data can never
/// pass for an entry's.
const DOMAIN: &[u8] = b"helio-audit-entry-v1";

fn field(hash: &mut Sha256, value: Option<&[u8]>) {
    match value {
        Some(bytes) => {
            hash.update([1]);
            hash.update(u64::try_from(bytes.len()).unwrap_or(u64::MAX).to_be_bytes());
            hash.update(bytes);
        }
        None => hash.update([0]),
    }
}

/// The hash of an entry following `previous`: SHA-256 over a domain tag, the previous hash
/// and each field length-prefixed (absent fields marked as such), so no two different
/// entries encode the same. A security event's two columns come last, and only when either
/// is set: staff actions written before those columns existed keep their hash, and setting,
/// clearing or changing either column still changes it (every earlier field delimits
/// itself, so a longer encoding is never a shorter one's).
#[must_use]
pub fn entry_hash(previous: &[u8; 32], entry: &ChainedFields<'_>) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(DOMAIN);
    hash.update(previous);
    hash.update(entry.seq.to_be_bytes());
    hash.update(entry.at.to_be_bytes());
    field(&mut hash, Some(entry.id));
    field(&mut hash, entry.actor);
    field(&mut hash, entry.actor_role.map(str::as_bytes));
    field(&mut hash, Some(entry.action.as_bytes()));
    field(&mut hash, entry.subject);
    field(&mut hash, entry.reason.map(str::as_bytes));
    field(&mut hash, entry.seen_from.map(str::as_bytes));
    field(&mut hash, entry.request_id.map(str::as_bytes));
    field(&mut hash, entry.grant);
    if entry.severity.is_some() || entry.details.is_some() {
        field(&mut hash, entry.severity.map(str::as_bytes));
        field(&mut hash, entry.details.map(str::as_bytes));
    }
    hash.finalize().into()
}

const CHECKPOINT_DOMAIN: &[u8] = b"helio-audit-checkpoint-v1";

fn checkpoint_message(seq: u64, head: &[u8; 32]) -> Vec<u8> {
    let mut message = CHECKPOINT_DOMAIN.to_vec();
    message.extend_from_slice(&seq.to_be_bytes());
    message.extend_from_slice(head);
    message
}

/// Signs checkpoints with the audit-signing master key (an Ed25519 seed kept outside the
/// database). Its `Debug` shows only the public key.
pub struct CheckpointSigner(ed25519_dalek::SigningKey);

impl CheckpointSigner {
    /// The signer of a 32-byte seed.
    #[must_use]
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self(ed25519_dalek::SigningKey::from_bytes(seed))
    }

    /// The signature over entry `seq` having hash `head`.
    #[must_use]
    pub fn sign(&self, seq: u64, head: &[u8; 32]) -> [u8; 64] {
        use ed25519_dalek::Signer as _;
        self.0.sign(&checkpoint_message(seq, head)).to_bytes()
    }

    /// The public key that verifies its signatures.
    #[must_use]
    pub fn public_key(&self) -> [u8; 32] {
        self.0.verifying_key().to_bytes()
    }
}

const EXPORT_DOMAIN: &[u8] = b"helio-audit-export-v1";

/// What an export's signature covers: the SHA-256 of its entry lines and the range they hold.
fn export_message(digest: &[u8; 32], first: u64, last: u64, entries: u64) -> Vec<u8> {
    let mut message = EXPORT_DOMAIN.to_vec();
    message.extend_from_slice(digest);
    for number in [first, last, entries] {
        message.extend_from_slice(&number.to_be_bytes());
    }
    message
}

impl CheckpointSigner {
    /// The signature of an export whose entry lines hash to `digest` and hold entries
    /// `first` to `last`, `entries` of them.
    #[must_use]
    pub fn sign_export(&self, digest: &[u8; 32], first: u64, last: u64, entries: u64) -> [u8; 64] {
        use ed25519_dalek::Signer as _;
        self.0
            .sign(&export_message(digest, first, last, entries))
            .to_bytes()
    }
}

/// Whether `signature` is `public`'s signature of such an export.
#[must_use]
pub fn export_is_valid(
    public: &[u8; 32],
    digest: &[u8; 32],
    (first, last, entries): (u64, u64, u64),
    signature: &[u8; 64],
) -> bool {
    let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(public) else {
        return false;
    };
    key.verify_strict(
        &export_message(digest, first, last, entries),
        &ed25519_dalek::Signature::from_bytes(signature),
    )
    .is_ok()
}

impl std::fmt::Debug for CheckpointSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("CheckpointSigner")
            .field(&self.public_key())
            .finish()
    }
}

/// Whether `signature` is `public`'s signature of entry `seq` having hash `head`.
#[must_use]
pub fn checkpoint_is_valid(
    public: &[u8; 32],
    seq: u64,
    head: &[u8; 32],
    signature: &[u8; 64],
) -> bool {
    let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(public) else {
        return false;
    };
    key.verify_strict(
        &checkpoint_message(seq, head),
        &ed25519_dalek::Signature::from_bytes(signature),
    )
    .is_ok()
}

/// Where the chain stops holding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainBreak {
    /// The entry's content is not what its hash covers: it was edited.
    Edited {
        /// The entry.
        seq: u64,
    },
    /// The entry does not follow the one before it: entries were removed or reordered.
    BrokenLink {
        /// The entry.
        seq: u64,
    },
    /// Numbers are missing before this entry: entries were removed.
    Gap {
        /// The number expected.
        expected: u64,
        /// The number found.
        found: u64,
    },
    /// A signed checkpoint does not match the chain at its entry: the chain was rewritten
    /// from there on.
    CheckpointMismatch {
        /// The entry the checkpoint names.
        seq: u64,
    },
    /// A checkpoint's signature is not the audit key's: it was forged or altered.
    ForgedCheckpoint {
        /// The entry it names.
        seq: u64,
    },
    /// The chain ends before its recorded head: the newest entries were removed.
    Truncated {
        /// The last entry found.
        last: u64,
        /// The head recorded.
        head: u64,
    },
}

impl ChainBreak {
    /// The kind of break, as a stable name (security events carry it, not the sentence).
    #[must_use]
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::Edited { .. } => "edited",
            Self::BrokenLink { .. } => "broken_link",
            Self::Gap { .. } => "gap",
            Self::CheckpointMismatch { .. } => "checkpoint_mismatch",
            Self::ForgedCheckpoint { .. } => "forged_checkpoint",
            Self::Truncated { .. } => "truncated",
        }
    }

    /// The entry where the chain stops holding.
    #[must_use]
    pub const fn seq(&self) -> u64 {
        match self {
            Self::Edited { seq }
            | Self::BrokenLink { seq }
            | Self::CheckpointMismatch { seq }
            | Self::ForgedCheckpoint { seq } => *seq,
            Self::Gap { expected, .. } => *expected,
            Self::Truncated { last, .. } => *last,
        }
    }
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Edited { seq } => write!(f, "entry {seq} was changed after it was written"),
            Self::BrokenLink { seq } => write!(
                f,
                "entry {seq} does not follow the entry before it (entries removed or reordered)"
            ),
            Self::Gap { expected, found } => write!(
                f,
                "entries {expected} to {} are missing",
                found.saturating_sub(1)
            ),
            Self::CheckpointMismatch { seq } => write!(
                f,
                "the signed checkpoint of entry {seq} does not match the chain (rewritten from there)"
            ),
            Self::ForgedCheckpoint { seq } => write!(
                f,
                "the checkpoint of entry {seq} is not signed by the audit key"
            ),
            Self::Truncated { last, head } => write!(
                f,
                "the chain ends at entry {last} but its head records {head} (the newest entries were removed)"
            ),
        }
    }
}

/// One stored entry as verification reads it.
#[derive(Debug, Clone, Copy)]
pub struct StoredLink<'a> {
    /// Its fields.
    pub fields: ChainedFields<'a>,
    /// The previous hash it stored.
    pub previous: [u8; 32],
    /// The hash it stored.
    pub hash: [u8; 32],
}

/// Walks entries in sequence order, from `resume` (the last verified number and hash, or
/// `(0, GENESIS)`), and answers where verification got to.
///
/// # Errors
/// The first place the chain stops holding.
pub fn verify<'a>(
    resume: (u64, [u8; 32]),
    entries: impl IntoIterator<Item = StoredLink<'a>>,
) -> Result<(u64, [u8; 32]), ChainBreak> {
    let (mut last, mut running) = resume;
    for link in entries {
        let seq = link.fields.seq;
        if seq != last + 1 {
            return Err(if seq > last + 1 {
                ChainBreak::Gap {
                    expected: last + 1,
                    found: seq,
                }
            } else {
                ChainBreak::BrokenLink { seq }
            });
        }
        if link.previous != running {
            return Err(ChainBreak::BrokenLink { seq });
        }
        if entry_hash(&running, &link.fields) != link.hash {
            return Err(ChainBreak::Edited { seq });
        }
        last = seq;
        running = link.hash;
    }
    Ok((last, running))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(seq: u64, reason: Option<&str>) -> ChainedFields<'_> {
        ChainedFields {
            seq,
            id: &[7; 16],
            at: 1_700_000_000_000_000,
            actor: Some(&[9; 16]),
            actor_role: Some("support"),
            action: "customer_viewed",
            subject: Some(&[3; 16]),
            reason,
            seen_from: Some("203.0.113.0/24"),
            request_id: None,
            grant: None,
            severity: None,
            details: None,
        }
    }

    fn chain(reasons: &[Option<&'static str>]) -> Vec<StoredLink<'static>> {
        let mut previous = GENESIS;
        let mut links = Vec::new();
        for (n, reason) in reasons.iter().enumerate() {
            let f = fields(u64::try_from(n).unwrap() + 1, *reason);
            let hash = entry_hash(&previous, &f);
            links.push(StoredLink {
                fields: f,
                previous,
                hash,
            });
            previous = hash;
        }
        links
    }

    #[test]
    fn ig_2_an_untouched_chain_verifies_and_can_be_resumed() {
        let links = chain(&[Some("ticket 1"), None, Some("ticket 3")]);
        let (last, head) = verify((0, GENESIS), links.clone()).unwrap();
        assert_eq!((last, head), (3, links[2].hash));
        assert_eq!(
            verify((2, links[1].hash), links[2..].to_vec()),
            Ok((3, links[2].hash))
        );
    }

    #[test]
    fn ig_2_edits_deletions_and_reorderings_are_named() {
        let links = chain(&[Some("a1"), Some("a2"), Some("a3"), Some("a4")]);
        let mut edited = links.clone();
        edited[1].fields.reason = Some("a2, edited");
        assert_eq!(
            verify((0, GENESIS), edited),
            Err(ChainBreak::Edited { seq: 2 })
        );
        let mut deleted = links.clone();
        deleted.remove(1);
        assert_eq!(
            verify((0, GENESIS), deleted),
            Err(ChainBreak::Gap {
                expected: 2,
                found: 3
            })
        );
        let mut renumbered = links.clone();
        renumbered.remove(1);
        for (n, link) in renumbered.iter_mut().enumerate() {
            link.fields.seq = u64::try_from(n).unwrap() + 1;
        }
        assert_eq!(
            verify((0, GENESIS), renumbered),
            Err(ChainBreak::BrokenLink { seq: 2 })
        );
        let mut swapped = links;
        swapped.swap(1, 2);
        let (a, b) = (swapped[1].fields.seq, swapped[2].fields.seq);
        swapped[1].fields.seq = b;
        swapped[2].fields.seq = a;
        assert_eq!(
            verify((0, GENESIS), swapped),
            Err(ChainBreak::BrokenLink { seq: 2 })
        );
    }

    #[test]
    fn ig_2_checkpoints_verify_with_the_public_key_only() {
        let signer = CheckpointSigner::from_seed(&[42; 32]);
        let public = signer.public_key();
        let signature = signer.sign(7, &[9; 32]);
        assert!(checkpoint_is_valid(&public, 7, &[9; 32], &signature));
        assert!(!checkpoint_is_valid(&public, 8, &[9; 32], &signature));
        assert!(!checkpoint_is_valid(&public, 7, &[8; 32], &signature));
        let other = CheckpointSigner::from_seed(&[43; 32]);
        assert!(!checkpoint_is_valid(
            &other.public_key(),
            7,
            &[9; 32],
            &signature
        ));
        assert!(!format!("{signer:?}").contains("42, 42"));
    }

    #[test]
    fn ig_2_a_security_events_columns_are_covered_and_staff_hashes_are_unchanged() {
        let staff = fields(1, Some("ticket 1"));
        let known = entry_hash(&GENESIS, &staff);
        let event = ChainedFields {
            severity: Some("warning"),
            details: Some(r#"{"count":3}"#),
            ..staff
        };
        let hashed = entry_hash(&GENESIS, &event);
        assert_ne!(hashed, known);
        for tampered in [
            ChainedFields {
                severity: Some("info"),
                ..event
            },
            ChainedFields {
                details: Some(r#"{"count":4}"#),
                ..event
            },
            ChainedFields {
                severity: None,
                ..event
            },
            ChainedFields {
                details: None,
                ..event
            },
            ChainedFields {
                actor: None,
                ..event
            },
        ] {
            assert_ne!(entry_hash(&GENESIS, &tampered), hashed);
        }
        assert_ne!(
            entry_hash(
                &GENESIS,
                &ChainedFields {
                    severity: Some("info"),
                    ..staff
                }
            ),
            known,
            "a severity added to a staff action is an edit"
        );
    }

    #[test]
    fn ig_2_absent_and_empty_fields_hash_differently() {
        assert_ne!(
            entry_hash(&GENESIS, &fields(1, None)),
            entry_hash(&GENESIS, &fields(1, Some("")))
        );
        assert_ne!(
            entry_hash(&GENESIS, &fields(1, Some("ab"))),
            entry_hash(&[1; 32], &fields(1, Some("ab")))
        );
    }
}
