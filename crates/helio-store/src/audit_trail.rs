//! The audit trail (AC-3, AC-4, LM-1, IG-2): appended to, read, never changed. This
//! repository has no way to update or delete an entry, and a test keeps it so. Every entry is
//! a link of a hash chain (`helio_core::audit_chain`), appended under the chain's head row.

use helio_core::account::AccountId;
use helio_core::audit::AuditAction;
use helio_core::audit_chain::{
    ChainBreak, ChainedFields, GENESIS, StoredLink, checkpoint_is_valid, entry_hash, verify,
};
use helio_core::break_glass::GrantId;
use helio_core::role::Role;
use helio_core::security_event::SecurityEvent;
use helio_core::time::Timestamp;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use crate::StoreError;
use crate::error::account_id;

/// One entry: who did what to which record, why, when and from where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// A random ID.
    pub id: [u8; 16],
    /// When.
    pub at: Timestamp,
    /// The staff account acting.
    pub actor: AccountId,
    /// Its role at the time.
    pub actor_role: Role,
    /// What it did.
    pub action: AuditAction,
    /// The account acted on, if any.
    pub subject: Option<AccountId>,
    /// The reason given, if the action takes one.
    pub reason: Option<String>,
    /// The coarse network the request came from.
    pub seen_from: Option<String>,
    /// The request's ID, to find its log lines.
    pub request_id: Option<String>,
    /// The break-glass grant the action was done under, if any.
    pub grant: Option<GrantId>,
}

/// One security event to record, with where it came from.
#[derive(Debug, Clone, Copy)]
pub struct EventEntry<'a> {
    /// A random ID.
    pub id: [u8; 16],
    /// When.
    pub at: Timestamp,
    /// The event.
    pub event: &'a SecurityEvent,
    /// The reason an operator gave, if the event takes one.
    pub reason: Option<&'a str>,
    /// The coarse network of the request, if it came from one.
    pub seen_from: Option<&'a str>,
    /// The request's ID, if it came from one.
    pub request_id: Option<&'a str>,
}

/// The columns of a link to append: a staff action's or a security event's.
struct NewLink<'a> {
    id: &'a [u8; 16],
    at: Timestamp,
    actor: Option<&'a [u8]>,
    actor_role: Option<&'a str>,
    action: &'a str,
    subject: Option<&'a [u8]>,
    reason: Option<&'a str>,
    seen_from: Option<&'a str>,
    request_id: Option<&'a str>,
    grant: Option<&'a [u8]>,
    severity: Option<&'a str>,
    details: Option<&'a str>,
}

/// What verifying the chain found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verified {
    /// Every entry is in place, up to the recorded head.
    Intact {
        /// How many entries.
        entries: u64,
        /// The newest entry's hash (what a checkpoint signs).
        head: [u8; 32],
        /// How many signed checkpoints matched.
        checkpoints: usize,
    },
    /// The chain stops holding here.
    Broken(ChainBreak),
    /// The chain holds, but this many entries have no place in it.
    Outside(u64),
}

/// A signed checkpoint: entry `seq` had hash `head`, as the audit key signed at `signed_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    /// The entry.
    pub seq: u64,
    /// Its hash.
    pub head: [u8; 32],
    /// The Ed25519 signature (`helio_core::audit_chain::CheckpointSigner`).
    pub signature: [u8; 64],
    /// When it was signed.
    pub signed_at: Timestamp,
}

/// One verification of the chain and what it found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationRecord {
    /// When it ran.
    pub at: Timestamp,
    /// Whether the chain and its checkpoints held.
    pub intact: bool,
    /// Entries verified.
    pub entries: u64,
    /// Checkpoints that matched.
    pub checkpoints: u64,
    /// What broke, if anything (no personal data: entry numbers only).
    pub finding: Option<String>,
}

/// One entry with its chain columns, as stored (verification and export read these).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainedEntry {
    /// Its ID.
    pub id: Vec<u8>,
    /// When, microseconds since the epoch.
    pub at: i64,
    /// The acting account (none for most security events).
    pub actor: Option<Vec<u8>>,
    /// Its role's stored name.
    pub actor_role: Option<String>,
    /// The action's stored name.
    pub action: String,
    /// The account acted on.
    pub subject: Option<Vec<u8>>,
    /// The reason.
    pub reason: Option<String>,
    /// The coarse network.
    pub seen_from: Option<String>,
    /// The request's ID.
    pub request_id: Option<String>,
    /// The break-glass grant.
    pub grant: Option<Vec<u8>>,
    /// A security event's severity.
    pub severity: Option<String>,
    /// A security event's fields, as JSON.
    pub details: Option<String>,
    /// Its place in the chain.
    pub seq: u64,
    /// The hash before it.
    pub previous: [u8; 32],
    /// Its hash.
    pub hash: [u8; 32],
}

impl ChainedEntry {
    /// The fields its hash covers.
    #[must_use]
    pub fn fields(&self) -> ChainedFields<'_> {
        ChainedFields {
            seq: self.seq,
            id: &self.id,
            at: self.at,
            actor: self.actor.as_deref(),
            actor_role: self.actor_role.as_deref(),
            action: &self.action,
            subject: self.subject.as_deref(),
            reason: self.reason.as_deref(),
            seen_from: self.seen_from.as_deref(),
            request_id: self.request_id.as_deref(),
            grant: self.grant.as_deref(),
            severity: self.severity.as_deref(),
            details: self.details.as_deref(),
        }
    }
}

fn hash32(bytes: Vec<u8>) -> Result<[u8; 32], StoreError> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt("audit hash is not 32 bytes"))
}

fn stored_link(row: &AnyRow) -> Result<ChainedEntry, StoreError> {
    Ok(ChainedEntry {
        id: row.try_get(0)?,
        at: row.try_get(1)?,
        actor: row.try_get(2)?,
        actor_role: row.try_get(3)?,
        action: row.try_get(4)?,
        subject: row.try_get(5)?,
        reason: row.try_get(6)?,
        seen_from: row.try_get(7)?,
        request_id: row.try_get(8)?,
        grant: row.try_get(9)?,
        seq: u64::try_from(row.try_get::<i64, _>(10)?)
            .map_err(|_| StoreError::Corrupt("audit seq"))?,
        previous: hash32(row.try_get(11)?)?,
        hash: hash32(row.try_get(12)?)?,
        severity: row.try_get(13)?,
        details: row.try_get(14)?,
    })
}

/// Appends to and reads the audit trail.
#[derive(Debug, Clone, Copy)]
pub struct AuditTrail<'a> {
    pool: &'a AnyPool,
}

fn entry(row: &AnyRow) -> Result<AuditEntry, StoreError> {
    let id: Vec<u8> = row.try_get(0)?;
    let role: String = row.try_get(3)?;
    let action: String = row.try_get(4)?;
    let subject: Option<Vec<u8>> = row.try_get(5)?;
    Ok(AuditEntry {
        id: id
            .try_into()
            .map_err(|_| StoreError::Corrupt("audit id is not 16 bytes"))?,
        at: Timestamp::from_unix_micros(row.try_get(1)?),
        actor: account_id(row.try_get(2)?)?,
        actor_role: Role::parse(&role).ok_or(StoreError::Corrupt("unknown role"))?,
        action: AuditAction::parse(&action).ok_or(StoreError::Corrupt("unknown audit action"))?,
        subject: subject.map(account_id).transpose()?,
        reason: row.try_get(6)?,
        seen_from: row.try_get(7)?,
        request_id: row.try_get(8)?,
        grant: row
            .try_get::<Option<Vec<u8>>, _>(9)?
            .map(|bytes| {
                <[u8; 16]>::try_from(bytes)
                    .map(GrantId::from_bytes)
                    .map_err(|_| StoreError::Corrupt("grant id is not 16 bytes"))
            })
            .transpose()?,
    })
}

impl<'a> AuditTrail<'a> {
    pub(crate) fn new(pool: &'a AnyPool) -> Self {
        Self { pool }
    }

    /// Appends one staff action as the next link of the chain.
    pub async fn append(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        let grant = entry.grant.map(|g| *g.as_bytes());
        self.append_link(&NewLink {
            id: &entry.id,
            at: entry.at,
            actor: Some(entry.actor.as_bytes()),
            actor_role: Some(entry.actor_role.as_str()),
            action: entry.action.as_str(),
            subject: entry.subject.as_ref().map(|s| s.as_bytes().as_slice()),
            reason: entry.reason.as_deref(),
            seen_from: entry.seen_from.as_deref(),
            request_id: entry.request_id.as_deref(),
            grant: grant.as_ref().map(<[u8; 16]>::as_slice),
            severity: None,
            details: None,
        })
        .await
    }

    /// Appends one security event as the next link of the chain: its account as the
    /// subject, the staff member who did it (if any) as the actor, its severity and its
    /// fields as JSON.
    pub async fn record_event(&self, entry: &EventEntry<'_>) -> Result<(), StoreError> {
        let fields = entry.event.fields();
        let details = serde_json::to_string(fields)
            .map_err(|_| StoreError::Corrupt("security event fields"))?;
        let subject = fields.account.map(|a| *a.as_bytes());
        let actor = fields.by.map(|a| *a.as_bytes());
        self.append_link(&NewLink {
            id: &entry.id,
            at: entry.at,
            actor: actor.as_ref().map(<[u8; 16]>::as_slice),
            actor_role: None,
            action: entry.event.name().as_str(),
            subject: subject.as_ref().map(<[u8; 16]>::as_slice),
            reason: entry.reason,
            seen_from: entry.seen_from,
            request_id: entry.request_id,
            grant: None,
            severity: Some(entry.event.severity().as_str()),
            details: Some(&details),
        })
        .await
    }

    /// The head row is taken first (an UPDATE: a row lock on MySQL, the write lock on
    /// SQLite), so appends from every replica queue there and each gets the next number and
    /// the hash before it.
    async fn append_link(&self, link: &NewLink<'_>) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE audit_chain_head SET seq = seq + 1 WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        let head = sqlx::query("SELECT seq, head_hash FROM audit_chain_head WHERE id = 1")
            .fetch_one(&mut *tx)
            .await?;
        let seq = u64::try_from(head.try_get::<i64, _>(0)?)
            .map_err(|_| StoreError::Corrupt("audit chain head"))?;
        let previous = hash32(head.try_get(1)?)?;
        let hash = entry_hash(
            &previous,
            &ChainedFields {
                seq,
                id: link.id,
                at: link.at.unix_micros(),
                actor: link.actor,
                actor_role: link.actor_role,
                action: link.action,
                subject: link.subject,
                reason: link.reason,
                seen_from: link.seen_from,
                request_id: link.request_id,
                grant: link.grant,
                severity: link.severity,
                details: link.details,
            },
        );
        sqlx::query(
            "INSERT INTO audit_trail (id, at, actor_id, actor_role, action, subject_id, reason, \
             seen_from, request_id, grant_id, seq, prev_hash, entry_hash, severity, details) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(link.id.to_vec())
        .bind(link.at.unix_micros())
        .bind(link.actor.map(<[u8]>::to_vec))
        .bind(link.actor_role)
        .bind(link.action)
        .bind(link.subject.map(<[u8]>::to_vec))
        .bind(link.reason)
        .bind(link.seen_from)
        .bind(link.request_id)
        .bind(link.grant.map(<[u8]>::to_vec))
        .bind(i64::try_from(seq).map_err(|_| StoreError::Corrupt("audit chain head"))?)
        .bind(previous.to_vec())
        .bind(hash.to_vec())
        .bind(link.severity)
        .bind(link.details)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE audit_chain_head SET head_hash = ? WHERE id = 1")
            .bind(hash.to_vec())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Checks the whole chain from its first entry to its recorded head, a batch at a time:
    /// how many entries it holds, or the first place it stops holding. Entries outside the
    /// chain (written before it existed, or slipped in without a place) are a failure too.
    pub async fn verify(&self, public: &[u8; 32]) -> Result<Verified, StoreError> {
        let checkpoints = self.checkpoints().await?;
        let mut at_checkpoints: Vec<(u64, [u8; 32])> = Vec::new();
        let outside = sqlx::query("SELECT COUNT(*) FROM audit_trail WHERE seq IS NULL")
            .fetch_one(self.pool)
            .await?
            .try_get::<i64, _>(0)?;
        let head = sqlx::query("SELECT seq FROM audit_chain_head WHERE id = 1")
            .fetch_one(self.pool)
            .await?;
        let head = u64::try_from(head.try_get::<i64, _>(0)?)
            .map_err(|_| StoreError::Corrupt("audit chain head"))?;
        let mut reached = (0, GENESIS);
        loop {
            let rows = sqlx::query(
                "SELECT id, at, actor_id, actor_role, action, subject_id, reason, seen_from, \
                 request_id, grant_id, seq, prev_hash, entry_hash, severity, details FROM audit_trail \
                 WHERE seq > ? ORDER BY seq LIMIT 500",
            )
            .bind(i64::try_from(reached.0).map_err(|_| StoreError::Corrupt("audit seq"))?)
            .fetch_all(self.pool)
            .await?;
            if rows.is_empty() {
                break;
            }
            let links = rows
                .iter()
                .map(stored_link)
                .collect::<Result<Vec<_>, _>>()?;
            at_checkpoints.extend(
                links
                    .iter()
                    .filter(|link| checkpoints.iter().any(|c| c.seq == link.seq))
                    .map(|link| (link.seq, link.hash)),
            );
            match verify(
                reached,
                links.iter().map(|link| StoredLink {
                    fields: link.fields(),
                    previous: link.previous,
                    hash: link.hash,
                }),
            ) {
                Ok(next) => reached = next,
                Err(broken) => return Ok(Verified::Broken(broken)),
            }
        }
        for checkpoint in &checkpoints {
            if !checkpoint_is_valid(
                public,
                checkpoint.seq,
                &checkpoint.head,
                &checkpoint.signature,
            ) {
                return Ok(Verified::Broken(ChainBreak::ForgedCheckpoint {
                    seq: checkpoint.seq,
                }));
            }
            if checkpoint.seq > reached.0 {
                return Ok(Verified::Broken(ChainBreak::Truncated {
                    last: reached.0,
                    head: checkpoint.seq,
                }));
            }
            if !at_checkpoints.contains(&(checkpoint.seq, checkpoint.head)) {
                return Ok(Verified::Broken(ChainBreak::CheckpointMismatch {
                    seq: checkpoint.seq,
                }));
            }
        }
        if reached.0 < head {
            return Ok(Verified::Broken(ChainBreak::Truncated {
                last: reached.0,
                head,
            }));
        }
        if outside > 0 {
            return Ok(Verified::Outside(
                u64::try_from(outside).map_err(|_| StoreError::Corrupt("count"))?,
            ));
        }
        Ok(Verified::Intact {
            entries: reached.0,
            head: reached.1,
            checkpoints: checkpoints.len(),
        })
    }

    /// The newest entry's number and hash, if there is one (what a checkpoint signs: the
    /// entries themselves, never the head row).
    pub async fn newest(&self) -> Result<Option<(u64, [u8; 32])>, StoreError> {
        let row = sqlx::query(
            "SELECT seq, entry_hash FROM audit_trail WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1",
        )
        .fetch_optional(self.pool)
        .await?;
        row.map(|row| {
            Ok((
                u64::try_from(row.try_get::<i64, _>(0)?)
                    .map_err(|_| StoreError::Corrupt("audit seq"))?,
                hash32(row.try_get(1)?)?,
            ))
        })
        .transpose()
    }

    /// Records a signed checkpoint; `false` when entry `seq` has one already.
    pub async fn record_checkpoint(&self, checkpoint: &Checkpoint) -> Result<bool, StoreError> {
        let inserted = sqlx::query(
            "INSERT INTO audit_checkpoints (seq, head_hash, signature, signed_at) VALUES (?, ?, ?, ?)",
        )
        .bind(i64::try_from(checkpoint.seq).map_err(|_| StoreError::Corrupt("audit seq"))?)
        .bind(checkpoint.head.to_vec())
        .bind(checkpoint.signature.to_vec())
        .bind(checkpoint.signed_at.unix_micros())
        .execute(self.pool)
        .await;
        match inserted {
            Ok(_) => Ok(true),
            Err(sqlx::Error::Database(db)) if db.is_unique_violation() => Ok(false),
            Err(other) => Err(other.into()),
        }
    }

    /// Up to `limit` chained entries after entry `after` written at or after `since`, in
    /// chain order (an export reads the trail this way, a batch at a time).
    pub async fn chained_since(
        &self,
        since: Timestamp,
        after: u64,
        limit: u32,
    ) -> Result<Vec<ChainedEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, at, actor_id, actor_role, action, subject_id, reason, seen_from, \
             request_id, grant_id, seq, prev_hash, entry_hash, severity, details FROM audit_trail \
             WHERE seq > ? AND at >= ? ORDER BY seq LIMIT ?",
        )
        .bind(i64::try_from(after).map_err(|_| StoreError::Corrupt("audit seq"))?)
        .bind(since.unix_micros())
        .bind(i64::from(limit))
        .fetch_all(self.pool)
        .await?;
        rows.iter().map(stored_link).collect()
    }

    /// Records what a verification found.
    pub async fn record_verification(
        &self,
        verification: &VerificationRecord,
    ) -> Result<(), StoreError> {
        let id: [u8; 16] = helio_core::crypto::random_bytes();
        sqlx::query(
            "INSERT INTO audit_verifications (id, at, intact, entries, checkpoints, finding) \
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(id.to_vec())
        .bind(verification.at.unix_micros())
        .bind(i64::from(verification.intact))
        .bind(i64::try_from(verification.entries).map_err(|_| StoreError::Corrupt("count"))?)
        .bind(i64::try_from(verification.checkpoints).map_err(|_| StoreError::Corrupt("count"))?)
        .bind(verification.finding.clone())
        .execute(self.pool)
        .await?;
        Ok(())
    }

    /// The newest verification, if any ran.
    pub async fn last_verification(&self) -> Result<Option<VerificationRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT at, intact, entries, checkpoints, finding FROM audit_verifications \
             ORDER BY at DESC, id LIMIT 1",
        )
        .fetch_optional(self.pool)
        .await?;
        row.map(|row| {
            Ok(VerificationRecord {
                at: Timestamp::from_unix_micros(row.try_get(0)?),
                intact: row.try_get::<i64, _>(1)? == 1,
                entries: u64::try_from(row.try_get::<i64, _>(2)?)
                    .map_err(|_| StoreError::Corrupt("count"))?,
                checkpoints: u64::try_from(row.try_get::<i64, _>(3)?)
                    .map_err(|_| StoreError::Corrupt("count"))?,
                finding: row.try_get(4)?,
            })
        })
        .transpose()
    }

    /// Every checkpoint, oldest first.
    pub async fn checkpoints(&self) -> Result<Vec<Checkpoint>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, head_hash, signature, signed_at FROM audit_checkpoints ORDER BY seq",
        )
        .fetch_all(self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let signature: Vec<u8> = row.try_get(2)?;
                Ok(Checkpoint {
                    seq: u64::try_from(row.try_get::<i64, _>(0)?)
                        .map_err(|_| StoreError::Corrupt("audit seq"))?,
                    head: hash32(row.try_get(1)?)?,
                    signature: signature
                        .try_into()
                        .map_err(|_| StoreError::Corrupt("checkpoint signature size"))?,
                    signed_at: Timestamp::from_unix_micros(row.try_get(3)?),
                })
            })
            .collect()
    }

    /// The latest `limit` entries about one account, newest first.
    pub async fn about(
        &self,
        subject: AccountId,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, at, actor_id, actor_role, action, subject_id, reason, seen_from, \
             request_id, grant_id FROM audit_trail WHERE subject_id = ? AND details IS NULL \
             ORDER BY at DESC LIMIT ?",
        )
        .bind(subject.as_bytes().to_vec())
        .bind(i64::from(limit))
        .fetch_all(self.pool)
        .await?;
        rows.iter().map(entry).collect()
    }

    /// Everything done under one break-glass grant, oldest first (line by line).
    pub async fn under_grant(&self, grant: GrantId) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, at, actor_id, actor_role, action, subject_id, reason, seen_from, \
             request_id, grant_id FROM audit_trail WHERE grant_id = ? AND details IS NULL ORDER BY at",
        )
        .bind(grant.as_bytes().to_vec())
        .fetch_all(self.pool)
        .await?;
        rows.iter().map(entry).collect()
    }

    /// The latest `limit` entries, newest first.
    pub async fn recent(&self, limit: u32) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, at, actor_id, actor_role, action, subject_id, reason, seen_from, \
             request_id, grant_id FROM audit_trail WHERE details IS NULL ORDER BY at DESC LIMIT ?",
        )
        .bind(i64::from(limit))
        .fetch_all(self.pool)
        .await?;
        rows.iter().map(entry).collect()
    }
}
