//! Checkpoints of the audit chain (IG-2): at intervals, and when an operator asks, the newest
//! entry's number and hash are signed with the audit key (kept outside the database) and
//! stored. Verification then catches a chain cut and rewritten after any checkpoint. Every
//! replica may run the checkpointer: a second signature of the same entry is refused by the
//! primary key and changes nothing.

use std::sync::Arc;
use std::time::Duration;

use helio_core::audit_chain::CheckpointSigner;
use helio_core::time::Clock;
use helio_store::{Checkpoint, Store, StoreError};

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
        tracing::info!(target: "helio::security", event = "audit_checkpoint_signed", seq, "audit chain checkpoint signed");
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
