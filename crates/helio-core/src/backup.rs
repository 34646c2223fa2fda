//! The backup file: a logical snapshot of the database, compressed, encrypted and signed.
//!
//! A backup holds every account's (encrypted) personal data, password hashes and the audit
//! trail, and it lives outside the database's own protections (on a laptop during a drill, in
//! an S3 bucket), so the file protects itself:
//!
//! - **Encrypted** with AES-256-GCM under the backup key, so a copied file is unreadable; the
//!   header is the cipher's associated data, so it cannot be swapped between files.
//! - **Signed** with Ed25519 over every byte before the signature, so a file that was changed,
//!   cut or made by anyone without the signing key is refused before anything is decrypted.
//! - **Bounded**: lengths are checked against the file's size and the decompressed snapshot
//!   against a ceiling, so a hostile file cannot exhaust memory.
//!
//! The layout is `magic | header length (u32 BE) | header (JSON) | ciphertext length (u64 BE)
//! | ciphertext | signature (64 bytes)`. Restoring needs the same release's schema; the
//! header names it so a mismatch is refused before decryption.

use std::fmt;
use std::io::{Read as _, Write as _};

use aes_gcm::aead::{Aead as _, Payload};
use aes_gcm::{Aes256Gcm, KeyInit as _, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signer as _, Verifier as _};
use serde::{Deserialize, Serialize};
use sha2::Digest as _;
use thiserror::Error;
use zeroize::Zeroizing;

use crate::crypto::random_bytes;
use crate::keys::MasterKey;
use crate::time::Timestamp;

/// The first bytes of every backup file, with the format version in the last byte.
pub const MAGIC: &[u8; 8] = b"HELIOBK\x01";
const SIGNATURE_LEN: usize = 64;
const NONCE_LEN: usize = 12;
const MAX_HEADER_LEN: usize = 4096;
const SIGNING_DOMAIN: &[u8] = b"helio-backup-v1";

/// The largest decompressed snapshot a restore accepts by default (4 GiB): far above what
/// Helio's database holds today, and a stop for a "zip bomb".
pub const DEFAULT_MAX_SNAPSHOT_BYTES: u64 = 4 << 30;

/// One stored value. Helio's schema uses only integers, text and bytes, on both backends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cell {
    /// SQL NULL.
    #[serde(rename = "n")]
    Null,
    /// Any integer column.
    #[serde(rename = "i")]
    Integer(i64),
    /// Any text column.
    #[serde(rename = "t")]
    Text(String),
    /// Any binary column (IDs, hashes, ciphertext), base64 in the snapshot.
    #[serde(rename = "b", with = "base64_bytes")]
    Bytes(Vec<u8>),
}

mod base64_bytes {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize as _, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&STANDARD.encode(bytes))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

/// Every row of one table, with the column names in the order each row holds them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableRows {
    /// The table's name.
    pub table: String,
    /// Its columns, in row order.
    pub columns: Vec<String>,
    /// Its rows, ordered by primary key.
    pub rows: Vec<Vec<Cell>>,
}

/// A whole database at one instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// The newest migration applied when it was taken; a restore needs the same.
    pub schema_version: i64,
    /// Every table, parents before children.
    pub tables: Vec<TableRows>,
}

impl Snapshot {
    /// How many rows it holds in all.
    #[must_use]
    pub fn row_count(&self) -> usize {
        self.tables.iter().map(|table| table.rows.len()).sum()
    }
}

/// What the file says about itself, readable without the keys (and covered by both the
/// cipher's tag and the signature).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupHeader {
    /// When the snapshot was taken (Unix microseconds).
    pub taken_at: i64,
    /// The backend it was taken from (`mysql` or `sqlite`).
    pub source: String,
    /// The snapshot's schema version.
    pub schema_version: i64,
    /// The first 8 bytes of the SHA-256 of the backup key, in hex: names which key it needs
    /// without revealing it.
    pub key_id: String,
    /// The signer's public key (base64), for the operator; verification uses the configured
    /// key, never this field.
    pub signer: String,
    /// The cipher's nonce (base64).
    pub nonce: String,
}

/// The two keys of backups: one encrypts, one signs. Neither is a key the service runs with,
/// so the backup job holds nothing that could decrypt personal data (the data keys inside a
/// snapshot stay wrapped under the KEK) and the service holds nothing that could forge a
/// backup.
pub struct BackupKeys {
    encryption: MasterKey,
    signing: ed25519_dalek::SigningKey,
}

impl fmt::Debug for BackupKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BackupKeys")
            .field("key_id", &self.key_id())
            .field("signer", &STANDARD.encode(self.public_key()))
            .finish()
    }
}

impl BackupKeys {
    /// The keys from the encryption key and the Ed25519 seed of the signing key.
    #[must_use]
    pub fn new(encryption: MasterKey, signing_seed: &MasterKey) -> Self {
        Self {
            encryption,
            signing: ed25519_dalek::SigningKey::from_bytes(signing_seed.expose()),
        }
    }

    /// The public half of the signing key.
    #[must_use]
    pub fn public_key(&self) -> [u8; 32] {
        self.signing.verifying_key().to_bytes()
    }

    /// The name of the encryption key, as headers carry it.
    #[must_use]
    pub fn key_id(&self) -> String {
        let digest = sha2::Sha256::digest(self.encryption.expose());
        digest
            .iter()
            .take(8)
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(&(*self.encryption.expose()).into())
    }
}

/// Why a file was refused. None of these says more than the operator needs: a wrong key and a
/// tampered ciphertext are told apart only after the signature has passed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BackupError {
    /// The file does not start like a Helio backup, or its lengths do not add up.
    #[error("not a Helio backup file (or it was cut short)")]
    NotABackup,
    /// The signature does not verify with the configured signing key: the file was changed
    /// after it was written, or someone else wrote it.
    #[error(
        "the signature does not match: the file was changed, or not signed by this installation's backup key"
    )]
    BadSignature,
    /// The header names another backup key.
    #[error("the file was encrypted with another backup key ({0})")]
    OtherKey(String),
    /// The ciphertext did not decrypt under the backup key.
    #[error("the file does not decrypt with the backup key")]
    WrongKey,
    /// The decrypted content is not a snapshot, or is larger than the ceiling.
    #[error("the snapshot inside is malformed or larger than {0} bytes")]
    Malformed(u64),
    /// Encoding failed while writing (does not happen with valid snapshots).
    #[error("the snapshot could not be encoded")]
    Encoding,
}

fn signed_message(body: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(SIGNING_DOMAIN.len() + body.len());
    message.extend_from_slice(SIGNING_DOMAIN);
    message.extend_from_slice(body);
    message
}

/// Writes a snapshot as a backup file.
pub fn seal(
    snapshot: &Snapshot,
    source: &str,
    taken_at: Timestamp,
    keys: &BackupKeys,
) -> Result<Vec<u8>, BackupError> {
    let json = Zeroizing::new(serde_json::to_vec(snapshot).map_err(|_| BackupError::Encoding)?);
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder
        .write_all(&json)
        .map_err(|_| BackupError::Encoding)?;
    let compressed = Zeroizing::new(encoder.finish().map_err(|_| BackupError::Encoding)?);

    let nonce: [u8; NONCE_LEN] = random_bytes();
    let header = BackupHeader {
        taken_at: taken_at.unix_micros(),
        source: source.to_owned(),
        schema_version: snapshot.schema_version,
        key_id: keys.key_id(),
        signer: STANDARD.encode(keys.public_key()),
        nonce: STANDARD.encode(nonce),
    };
    let header = serde_json::to_vec(&header).map_err(|_| BackupError::Encoding)?;
    let header_len = u32::try_from(header.len()).map_err(|_| BackupError::Encoding)?;

    let mut file = Vec::with_capacity(compressed.len() + header.len() + 128);
    file.extend_from_slice(MAGIC);
    file.extend_from_slice(&header_len.to_be_bytes());
    file.extend_from_slice(&header);
    let ciphertext = keys
        .cipher()
        .encrypt(
            &Nonce::from(nonce),
            Payload {
                msg: &compressed,
                aad: &file,
            },
        )
        .map_err(|_| BackupError::Encoding)?;
    let ciphertext_len = u64::try_from(ciphertext.len()).map_err(|_| BackupError::Encoding)?;
    file.extend_from_slice(&ciphertext_len.to_be_bytes());
    file.extend_from_slice(&ciphertext);
    let signature = keys.signing.sign(&signed_message(&file));
    file.extend_from_slice(&signature.to_bytes());
    Ok(file)
}

/// The parts of a file whose lengths add up; nothing is trusted yet.
struct Parts<'a> {
    aad: &'a [u8],
    header: BackupHeader,
    ciphertext: &'a [u8],
    body: &'a [u8],
    signature: [u8; SIGNATURE_LEN],
}

fn split(file: &[u8]) -> Result<Parts<'_>, BackupError> {
    let (body, signature) = file
        .split_at_checked(
            file.len()
                .checked_sub(SIGNATURE_LEN)
                .ok_or(BackupError::NotABackup)?,
        )
        .ok_or(BackupError::NotABackup)?;
    let signature: [u8; SIGNATURE_LEN] =
        signature.try_into().map_err(|_| BackupError::NotABackup)?;
    let rest = body.strip_prefix(MAGIC).ok_or(BackupError::NotABackup)?;
    let (header_len, rest) = rest.split_at_checked(4).ok_or(BackupError::NotABackup)?;
    let header_len =
        u32::from_be_bytes(header_len.try_into().map_err(|_| BackupError::NotABackup)?);
    let header_len = usize::try_from(header_len).map_err(|_| BackupError::NotABackup)?;
    if header_len > MAX_HEADER_LEN {
        return Err(BackupError::NotABackup);
    }
    let (header, rest) = rest
        .split_at_checked(header_len)
        .ok_or(BackupError::NotABackup)?;
    let aad_len = MAGIC.len() + 4 + header_len;
    let (ciphertext_len, ciphertext) = rest.split_at_checked(8).ok_or(BackupError::NotABackup)?;
    let ciphertext_len = u64::from_be_bytes(
        ciphertext_len
            .try_into()
            .map_err(|_| BackupError::NotABackup)?,
    );
    if u64::try_from(ciphertext.len()).ok() != Some(ciphertext_len) {
        return Err(BackupError::NotABackup);
    }
    let header: BackupHeader =
        serde_json::from_slice(header).map_err(|_| BackupError::NotABackup)?;
    Ok(Parts {
        aad: body.get(..aad_len).ok_or(BackupError::NotABackup)?,
        header,
        ciphertext,
        body,
        signature,
    })
}

/// Checks a file's framing and signature with a public key alone (no decryption): what an
/// off-site copy can be checked with, by someone who must not read it.
pub fn verify_signature(file: &[u8], public_key: &[u8; 32]) -> Result<BackupHeader, BackupError> {
    Ok(verified(file, public_key)?.header)
}

/// The file's parts, once its signature has verified with `public_key`.
fn verified<'a>(file: &'a [u8], public_key: &[u8; 32]) -> Result<Parts<'a>, BackupError> {
    let parts = split(file)?;
    let key = ed25519_dalek::VerifyingKey::from_bytes(public_key)
        .map_err(|_| BackupError::BadSignature)?;
    key.verify(
        &signed_message(parts.body),
        &ed25519_dalek::Signature::from_bytes(&parts.signature),
    )
    .map_err(|_| BackupError::BadSignature)?;
    Ok(parts)
}

/// Reads a backup file: the signature first, then the key's name, then the ciphertext, then
/// the snapshot, refusing it at the first step that fails.
pub fn open(
    file: &[u8],
    keys: &BackupKeys,
    max_snapshot_bytes: u64,
) -> Result<(BackupHeader, Snapshot), BackupError> {
    let parts = verified(file, &keys.public_key())?;
    let header = parts.header;
    if header.key_id != keys.key_id() {
        return Err(BackupError::OtherKey(header.key_id));
    }
    let nonce: [u8; NONCE_LEN] = STANDARD
        .decode(&header.nonce)
        .ok()
        .and_then(|nonce| nonce.try_into().ok())
        .ok_or(BackupError::NotABackup)?;
    let compressed = Zeroizing::new(
        keys.cipher()
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: parts.ciphertext,
                    aad: parts.aad,
                },
            )
            .map_err(|_| BackupError::WrongKey)?,
    );
    let malformed = BackupError::Malformed(max_snapshot_bytes);
    let mut json = Zeroizing::new(Vec::new());
    flate2::read::GzDecoder::new(compressed.as_slice())
        .take(max_snapshot_bytes.saturating_add(1))
        .read_to_end(&mut json)
        .map_err(|_| malformed.clone())?;
    if u64::try_from(json.len()).map_or(true, |len| len > max_snapshot_bytes) {
        return Err(malformed);
    }
    let snapshot: Snapshot = serde_json::from_slice(&json).map_err(|_| malformed.clone())?;
    if snapshot.schema_version != header.schema_version {
        return Err(malformed);
    }
    Ok((header, snapshot))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(encryption: u8, signing: u8) -> BackupKeys {
        BackupKeys::new(
            MasterKey::from_bytes([encryption; 32]),
            &MasterKey::from_bytes([signing; 32]),
        )
    }

    fn snapshot() -> Snapshot {
        Snapshot {
            schema_version: 20_261_202_000_026,
            tables: vec![TableRows {
                table: "accounts".to_owned(),
                columns: vec!["id".to_owned(), "role".to_owned(), "note".to_owned()],
                rows: vec![
                    vec![
                        Cell::Bytes(vec![0, 1, 255]),
                        Cell::Text("customer".to_owned()),
                        Cell::Null,
                    ],
                    vec![
                        Cell::Bytes(vec![2; 16]),
                        Cell::Text("ingeniería \u{1F31E}".to_owned()),
                        Cell::Integer(i64::MIN),
                    ],
                ],
            }],
        }
    }

    fn sealed() -> Vec<u8> {
        seal(
            &snapshot(),
            "sqlite",
            Timestamp::from_unix_micros(1),
            &keys(1, 2),
        )
        .unwrap()
    }

    #[test]
    fn cr_7_a_sealed_snapshot_opens_to_itself() {
        let (header, opened) = open(&sealed(), &keys(1, 2), DEFAULT_MAX_SNAPSHOT_BYTES).unwrap();
        assert_eq!(opened, snapshot());
        assert_eq!(header.source, "sqlite");
        assert_eq!(header.key_id, keys(1, 2).key_id());
    }

    #[test]
    fn cr_7_the_file_does_not_show_its_content() {
        let file = sealed();
        let text = String::from_utf8_lossy(&file);
        assert!(!text.contains("customer") && !text.contains("accounts"));
    }

    #[test]
    fn cr_7_every_flipped_byte_is_refused() {
        let file = sealed();
        for at in 0..file.len() {
            let mut tampered = file.clone();
            tampered[at] ^= 0x01;
            assert!(
                open(&tampered, &keys(1, 2), DEFAULT_MAX_SNAPSHOT_BYTES).is_err(),
                "byte {at} flipped was accepted"
            );
        }
    }

    #[test]
    fn cr_7_a_cut_or_extended_file_is_refused() {
        let file = sealed();
        for len in [0, 7, 8, 12, file.len() / 2, file.len() - 1] {
            assert!(open(&file[..len], &keys(1, 2), DEFAULT_MAX_SNAPSHOT_BYTES).is_err());
        }
        let mut longer = file.clone();
        longer.push(0);
        assert_eq!(
            open(&longer, &keys(1, 2), DEFAULT_MAX_SNAPSHOT_BYTES),
            Err(BackupError::NotABackup)
        );
    }

    #[test]
    fn cr_7_another_signer_or_another_key_is_refused() {
        let file = sealed();
        assert_eq!(
            open(&file, &keys(1, 3), DEFAULT_MAX_SNAPSHOT_BYTES),
            Err(BackupError::BadSignature)
        );
        assert_eq!(
            open(&file, &keys(9, 2), DEFAULT_MAX_SNAPSHOT_BYTES),
            Err(BackupError::OtherKey(keys(1, 2).key_id()))
        );
    }

    #[test]
    fn cr_7_a_re_signed_file_with_a_swapped_ciphertext_does_not_decrypt() {
        // Someone holding the signing key but not the encryption key cannot make a file that
        // decrypts: the ciphertext's tag is the encryption key's.
        let file = sealed();
        let mut forged = file[..file.len() - SIGNATURE_LEN].to_vec();
        let ciphertext_at = forged.len() - 20;
        forged[ciphertext_at] ^= 0x80;
        let signer = keys(1, 2);
        let signature = signer.signing.sign(&signed_message(&forged));
        forged.extend_from_slice(&signature.to_bytes());
        assert_eq!(
            open(&forged, &signer, DEFAULT_MAX_SNAPSHOT_BYTES),
            Err(BackupError::WrongKey)
        );
    }

    #[test]
    fn cr_7_a_snapshot_over_the_ceiling_is_refused() {
        let file = sealed();
        assert_eq!(
            open(&file, &keys(1, 2), 16),
            Err(BackupError::Malformed(16))
        );
    }

    #[test]
    fn cr_7_the_signature_checks_with_the_public_key_alone() {
        let file = sealed();
        let header = verify_signature(&file, &keys(1, 2).public_key()).unwrap();
        assert_eq!(header.schema_version, snapshot().schema_version);
        assert_eq!(
            verify_signature(&file, &keys(1, 3).public_key()),
            Err(BackupError::BadSignature)
        );
    }

    #[test]
    fn the_keys_debug_output_shows_no_secret() {
        let shown = format!("{:?}", keys(7, 8));
        assert!(shown.contains("key_id"));
        assert!(!shown.contains("[7, 7"));
    }
}
