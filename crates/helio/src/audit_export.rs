//! `helio audit export --since DAY`: the audit entries written since a day, as JSON lines in
//! chain order, closed by a manifest line signed with the audit key (the SHA-256 of the entry
//! lines and the range they hold). `helio audit verify-export` checks such a file offline,
//! with nothing but the public key (`helio audit public-key`): the signature, and every
//! entry's hash and link. The file holds staff reasons and account IDs: it is written
//! readable by its owner only.

use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use helio_core::audit_chain::{StoredLink, export_is_valid, verify};
use helio_core::schedule::Day;
use helio_core::security_event::{EventName, SecurityEvent};
use helio_core::time::Timestamp;
use helio_store::ChainedEntry;
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use crate::config::Settings;

/// One entry as the export writes it (binary fields in base64).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryLine {
    seq: u64,
    id: String,
    at: i64,
    actor: Option<String>,
    actor_role: Option<String>,
    action: String,
    subject: Option<String>,
    reason: Option<String>,
    seen_from: Option<String>,
    request_id: Option<String>,
    grant: Option<String>,
    severity: Option<String>,
    details: Option<String>,
    prev_hash: String,
    entry_hash: String,
}

/// The closing line.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    first_seq: u64,
    last_seq: u64,
    entries: u64,
    sha256: String,
    signature: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestLine {
    manifest: Manifest,
}

fn line_of(entry: &ChainedEntry) -> EntryLine {
    let b64 = |bytes: &[u8]| STANDARD.encode(bytes);
    EntryLine {
        seq: entry.seq,
        id: b64(&entry.id),
        at: entry.at,
        actor: entry.actor.as_deref().map(b64),
        actor_role: entry.actor_role.clone(),
        action: entry.action.clone(),
        subject: entry.subject.as_deref().map(b64),
        reason: entry.reason.clone(),
        seen_from: entry.seen_from.clone(),
        request_id: entry.request_id.clone(),
        grant: entry.grant.as_deref().map(b64),
        severity: entry.severity.clone(),
        details: entry.details.clone(),
        prev_hash: b64(&entry.previous),
        entry_hash: b64(&entry.hash),
    }
}

fn decoded(text: &str) -> anyhow::Result<Vec<u8>> {
    STANDARD.decode(text).context("a field is not base64")
}

fn fixed<const N: usize>(text: &str) -> anyhow::Result<[u8; N]> {
    decoded(text)?
        .try_into()
        .map_err(|_| anyhow::anyhow!("a hash or key has the wrong length"))
}

pub(crate) async fn export(
    settings: Settings,
    since: String,
    output: PathBuf,
) -> anyhow::Result<()> {
    let since = Day::parse(&since).map_err(|e| anyhow::anyhow!("--since: {}", e.message))?;
    let since = Timestamp::from_unix_micros(i64::from(since.number()) * 86_400_000_000);
    let (store, signer) = crate::audit::open(&settings).await?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&output)
        .with_context(|| format!("cannot create {} (it must not exist)", output.display()))?;
    let mut digest = sha2::Sha256::new();
    let (mut first, mut last, mut entries) = (None, 0, 0_u64);
    loop {
        let batch = store
            .audit_trail()
            .chained_since(since, last, 500)
            .await
            .context("cannot read the audit trail")?;
        if batch.is_empty() {
            break;
        }
        for entry in &batch {
            let mut line = serde_json::to_string(&line_of(entry))?;
            line.push('\n');
            digest.update(line.as_bytes());
            file.write_all(line.as_bytes())?;
            first.get_or_insert(entry.seq);
            last = entry.seq;
            entries += 1;
        }
    }
    let digest: [u8; 32] = digest.finalize().into();
    let first = first.unwrap_or(0);
    let signature = signer.sign_export(&digest, first, last, entries);
    let manifest = ManifestLine {
        manifest: Manifest {
            first_seq: first,
            last_seq: last,
            entries,
            sha256: STANDARD.encode(digest),
            signature: STANDARD.encode(signature),
        },
    };
    writeln!(file, "{}", serde_json::to_string(&manifest)?)?;
    file.sync_all()?;
    helio_web::services::security_log::record(
        &store,
        Timestamp::now(),
        SecurityEvent::bare(EventName::AuditExported).counting(entries),
    )
    .await
    .context("cannot record the export in the audit trail")?;
    store.close().await;
    crate::output::out(&format!(
        "exported {entries} entries ({first} to {last}) to {}",
        output.display()
    ));
    Ok(())
}

/// Checks an export with only the public key.
pub(crate) fn verify_export(public_key: &str, file: &Path) -> anyhow::Result<String> {
    let public: [u8; 32] = fixed(public_key.trim())?;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let body_end = text.trim_end_matches('\n').rfind('\n').map_or(0, |i| i + 1);
    let (body, closing) = text.split_at(body_end);
    let manifest: ManifestLine =
        serde_json::from_str(closing.trim_end()).context("the last line is not a manifest")?;
    let manifest = manifest.manifest;
    let digest: [u8; 32] = sha2::Sha256::digest(body.as_bytes()).into();
    anyhow::ensure!(
        STANDARD.encode(digest) == manifest.sha256,
        "the entries were changed after the export (their SHA-256 is not the manifest's)"
    );
    anyhow::ensure!(
        export_is_valid(
            &public,
            &digest,
            (manifest.first_seq, manifest.last_seq, manifest.entries),
            &fixed(&manifest.signature)?,
        ),
        "the manifest is not signed by this public key"
    );
    let mut parsed = Vec::new();
    for line in body.lines() {
        let entry: EntryLine = serde_json::from_str(line).context("an entry line is malformed")?;
        parsed.push(ChainedEntry {
            id: decoded(&entry.id)?,
            at: entry.at,
            actor: entry.actor.as_deref().map(decoded).transpose()?,
            actor_role: entry.actor_role,
            action: entry.action,
            subject: entry.subject.as_deref().map(decoded).transpose()?,
            reason: entry.reason,
            seen_from: entry.seen_from,
            request_id: entry.request_id,
            grant: entry.grant.as_deref().map(decoded).transpose()?,
            severity: entry.severity,
            details: entry.details,
            seq: entry.seq,
            previous: fixed(&entry.prev_hash)?,
            hash: fixed(&entry.entry_hash)?,
        });
    }
    anyhow::ensure!(
        u64::try_from(parsed.len()).unwrap_or(u64::MAX) == manifest.entries,
        "the file holds a different number of entries than its manifest"
    );
    if let Some(start) = parsed.first() {
        let resume = (start.seq.saturating_sub(1), start.previous);
        let links = parsed.iter().map(|entry| StoredLink {
            fields: entry.fields(),
            previous: entry.previous,
            hash: entry.hash,
        });
        verify(resume, links).map_err(|broken| anyhow::anyhow!("{broken}"))?;
    }
    Ok(format!(
        "export verified: {} entries ({} to {}), signed by the audit key",
        manifest.entries, manifest.first_seq, manifest.last_seq
    ))
}
