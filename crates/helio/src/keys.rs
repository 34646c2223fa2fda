//! The master keys on disk: loaded strictly, generated only in dev mode.
//!
//! Each key is a file holding 32 random bytes in base64, readable by the owner only. A key file
//! that others can read is refused rather than used, because a key anyone on the host could have
//! copied protects nothing.

use std::fs;
use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use helio_core::backup::BackupKeys;
use helio_core::keys::{MASTER_KEY_LEN, MasterKey, MasterKeyId, MasterKeys};
use rand::TryRngCore;
use rand::rngs::OsRng;
use zeroize::Zeroizing;

/// What is wrong with one key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum KeyProblem {
    /// The file does not exist.
    #[error("key {key} is missing from {dir}")]
    Missing { key: MasterKeyId, dir: String },
    /// The file exists but is not 32 bytes of base64.
    #[error("key {key} in {dir} is not 32 bytes of base64")]
    Malformed { key: MasterKeyId, dir: String },
    /// The file can be read by group or others.
    #[error("key {key} in {dir} is readable by other users (mode {mode:o}); make it 0600 or 0400")]
    TooOpen {
        key: MasterKeyId,
        dir: String,
        mode: u32,
    },
    /// The file could not be read or written.
    #[error("key {key} in {dir} cannot be accessed: {reason}")]
    Io {
        key: MasterKeyId,
        dir: String,
        reason: String,
    },
}

fn path_of(dir: &Path, key: MasterKeyId) -> PathBuf {
    dir.join(key.file_name())
}

/// The operator's error for keys that did not load: every problem at once, so one run shows
/// all that must be fixed. `kind` is "master" or "backup".
pub(crate) fn unusable(kind: &str, problems: &[KeyProblem]) -> anyhow::Error {
    let text: Vec<_> = problems.iter().map(ToString::to_string).collect();
    anyhow::anyhow!("{kind} keys unusable: {}", text.join("; "))
}

/// Loads the two backup keys, or names every problem.
pub(crate) fn load_backup(dir: &Path) -> Result<BackupKeys, Vec<KeyProblem>> {
    match (
        load_one(dir, MasterKeyId::Backup),
        load_one(dir, MasterKeyId::BackupSigning),
    ) {
        (Ok(encryption), Ok(signing)) => Ok(BackupKeys::new(encryption, &signing)),
        (encryption, signing) => Err([encryption.err(), signing.err()]
            .into_iter()
            .flatten()
            .collect()),
    }
}

/// Loads only the key-encryption key from `dir`: the new KEK of `helio keys rotate-kek`, held
/// to the same rules as every other key file.
pub(crate) fn load_kek(dir: &Path) -> Result<MasterKey, KeyProblem> {
    load_one(dir, MasterKeyId::Kek)
}

/// Loads every master key, or names every problem.
pub(crate) fn load(dir: &Path) -> Result<MasterKeys, Vec<KeyProblem>> {
    let mut problems = Vec::new();
    let mut loaded = Vec::new();
    for key in MasterKeyId::ALL {
        match load_one(dir, key) {
            Ok(material) => loaded.push(material),
            Err(problem) => problems.push(problem),
        }
    }
    match <[MasterKey; 4]>::try_from(loaded) {
        Ok([kek, blind_index, mac, audit_signing]) if problems.is_empty() => Ok(MasterKeys {
            kek,
            blind_index,
            mac,
            audit_signing,
        }),
        _ => Err(problems),
    }
}

fn load_one(dir: &Path, key: MasterKeyId) -> Result<MasterKey, KeyProblem> {
    let display = dir.display().to_string();
    let path = path_of(dir, key);
    let io = |error: std::io::Error| KeyProblem::Io {
        key,
        dir: display.clone(),
        reason: error.kind().to_string(),
    };
    let metadata = match fs::metadata(&path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(KeyProblem::Missing { key, dir: display });
        }
        Err(error) => return Err(io(error)),
    };
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(KeyProblem::TooOpen {
            key,
            dir: display,
            mode,
        });
    }
    let text = Zeroizing::new(fs::read_to_string(&path).map_err(io)?);
    let bytes =
        Zeroizing::new(
            STANDARD
                .decode(text.trim())
                .map_err(|_| KeyProblem::Malformed {
                    key,
                    dir: display.clone(),
                })?,
        );
    let array: [u8; MASTER_KEY_LEN] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| KeyProblem::Malformed { key, dir: display })?;
    Ok(MasterKey::from_bytes(array))
}

/// Dev mode only: creates the key directory (0700) and any of `keys` missing (0600) from the
/// OS random generator. Existing keys are never overwritten. Returns the keys it created.
pub(crate) fn generate_missing(
    dir: &Path,
    keys: &[MasterKeyId],
) -> Result<Vec<MasterKeyId>, KeyProblem> {
    let any = MasterKeyId::Kek;
    let io = |key: MasterKeyId, error: std::io::Error| KeyProblem::Io {
        key,
        dir: dir.display().to_string(),
        reason: error.kind().to_string(),
    };
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| io(any, e))?;
    let mut created = Vec::new();
    for &key in keys {
        let path = path_of(dir, key);
        if path.exists() {
            continue;
        }
        let mut material = Zeroizing::new([0u8; MASTER_KEY_LEN]);
        OsRng
            .try_fill_bytes(material.as_mut())
            .map_err(|e| io(key, std::io::Error::other(e)))?;
        let encoded = Zeroizing::new(STANDARD.encode(material.as_ref()));
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| io(key, e))?;
        file.write_all(encoded.as_bytes())
            .and_then(|()| file.write_all(b"\n"))
            .and_then(|()| file.sync_all())
            .map_err(|e| io(key, e))?;
        created.push(key);
    }
    Ok(created)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_are_owner_only_random_and_load() {
        let dir = tempfile::tempdir().unwrap();
        let keys_dir = dir.path().join("keys");
        let created = generate_missing(&keys_dir, &MasterKeyId::ALL).unwrap();
        assert_eq!(created, MasterKeyId::ALL);
        let dir_mode = fs::metadata(&keys_dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(dir_mode, 0o700);
        for key in MasterKeyId::ALL {
            let mode = fs::metadata(path_of(&keys_dir, key))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{key}");
        }
        let keys = load(&keys_dir).unwrap();
        assert_ne!(keys.kek.expose(), keys.mac.expose());
        assert_ne!(keys.kek.expose(), &[0u8; MASTER_KEY_LEN]);
    }

    #[test]
    fn existing_keys_are_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        generate_missing(dir.path(), &MasterKeyId::ALL).unwrap();
        let before = fs::read(path_of(dir.path(), MasterKeyId::Kek)).unwrap();
        fs::remove_file(path_of(dir.path(), MasterKeyId::Mac)).unwrap();
        assert_eq!(
            generate_missing(dir.path(), &MasterKeyId::ALL).unwrap(),
            [MasterKeyId::Mac]
        );
        assert_eq!(
            fs::read(path_of(dir.path(), MasterKeyId::Kek)).unwrap(),
            before
        );
    }

    #[test]
    fn missing_malformed_and_exposed_keys_are_each_named() {
        let dir = tempfile::tempdir().unwrap();
        generate_missing(dir.path(), &MasterKeyId::ALL).unwrap();
        fs::remove_file(path_of(dir.path(), MasterKeyId::Kek)).unwrap();
        fs::write(path_of(dir.path(), MasterKeyId::Mac), "c2hvcnQ=").unwrap();
        let exposed = path_of(dir.path(), MasterKeyId::BlindIndex);
        fs::set_permissions(&exposed, fs::Permissions::from_mode(0o644)).unwrap();
        let problems = load(dir.path()).unwrap_err();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(matches!(
            problems[0],
            KeyProblem::Missing {
                key: MasterKeyId::Kek,
                ..
            }
        ));
        assert!(matches!(
            problems[1],
            KeyProblem::TooOpen {
                key: MasterKeyId::BlindIndex,
                ..
            }
        ));
        assert!(matches!(
            problems[2],
            KeyProblem::Malformed {
                key: MasterKeyId::Mac,
                ..
            }
        ));
    }
}
