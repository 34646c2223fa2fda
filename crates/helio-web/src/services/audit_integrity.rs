//! The audit chain's upkeep (IG-2): checkpoints and verification. At intervals, and when an
//! operator asks, the newest entry's number and hash are signed with the audit key (kept
//! outside the database) and stored; verification then catches a chain cut and rewritten
//! after any checkpoint. Every replica may run the checkpointer: a second signature of the
//! same entry is refused by the primary key and changes nothing. Each verification's result
//! is recorded for the operations page, and a failure is a security event.

use std::sync::Arc;
use std::time::Duration;

use helio_core::audit_chain::CheckpointSigner;
use helio_core::security_event::{EventName, SecurityEvent};
use helio_core::time::Clock;
use helio_store::{Checkpoint, Store, StoreError, VerificationRecord, Verified};

use super::security_log;

/// Signs the newest entry if no checkpoint names it yet; the entry signed, if one was.
pub async fn checkpoint_now(
    store: &Store,
    signer: &CheckpointSigner,
    clock: &dyn Clock,
) -> Result<Option<u64>, StoreError> {
    let trail = store.audit_trail();
    let Some((seq, head)) = trail.newest().await? else {
        return Ok(None);
    };
    let signed = trail
        .record_checkpoint(&Checkpoint {
            seq,
            head,
            signature: signer.sign(seq, &head),
            signed_at: clock.now(),
        })
        .await?;
    if signed {
        security_log::log_only(
            &SecurityEvent::bare(EventName::AuditCheckpointSigned).counting(seq),
        );
    }
    Ok(signed.then_some(seq))
}

/// Signs a checkpoint every `every`, for as long as the server runs.
pub async fn run_checkpointer(
    store: Store,
    signer: Arc<CheckpointSigner>,
    clock: Arc<dyn Clock>,
    every: Duration,
) {
    let mut ticks = tokio::time::interval(every);
    loop {
        ticks.tick().await;
        if let Err(error) = checkpoint_now(&store, &signer, clock.as_ref()).await {
            tracing::warn!(%error, "audit checkpoint failed; trying again later");
        }
    }
}

/// Verifies the whole chain and its checkpoints with the audit key's public half, records
/// what it found and returns it.
pub async fn verify_and_record(
    store: &Store,
    public: &[u8; 32],
    clock: &dyn Clock,
) -> Result<VerificationRecord, StoreError> {
    let trail = store.audit_trail();
    let verified = trail.verify(public).await?;
    let record = match verified {
        Verified::Intact {
            entries,
            checkpoints,
            ..
        } => VerificationRecord {
            at: clock.next_ordered(),
            intact: true,
            entries,
            checkpoints: u64::try_from(checkpoints).unwrap_or(u64::MAX),
            finding: None,
        },
        Verified::Broken(broken) => VerificationRecord {
            at: clock.next_ordered(),
            intact: false,
            entries: 0,
            checkpoints: 0,
            finding: Some(broken.to_string()),
        },
        Verified::Outside(count) => VerificationRecord {
            at: clock.next_ordered(),
            intact: false,
            entries: 0,
            checkpoints: 0,
            finding: Some(format!("{count} entries have no place in the chain")),
        },
    };
    let event = match verified {
        Verified::Intact { entries, .. } => {
            SecurityEvent::bare(EventName::AuditVerified).counting(entries)
        }
        Verified::Broken(broken) => {
            SecurityEvent::audit_verification_failed(broken.kind(), broken.seq())
        }
        Verified::Outside(count) => SecurityEvent::audit_verification_failed("outside", count),
    };
    trail.record_verification(&record).await?;
    security_log::record(store, record.at, event).await?;
    Ok(record)
}

/// Verifies the chain every `every`, for as long as the server runs.
pub async fn run_verifier(store: Store, public: [u8; 32], clock: Arc<dyn Clock>, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    loop {
        ticks.tick().await;
        if let Err(error) = verify_and_record(&store, &public, clock.as_ref()).await {
            tracing::warn!(%error, "audit verification could not run; trying again later");
        }
    }
}
