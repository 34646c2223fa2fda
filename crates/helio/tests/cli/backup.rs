//! CR-7, IG-2: `helio backup` writes an owner-only file and never overwrites one; `helio restore`
//! puts it into an empty database and records the restore in the audit trail, and refuses a
//! file that was tampered with, one sealed with another installation's backup keys, and a
//! target that already holds data.

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use crate::{run, text};

/// A dev installation in `dir` whose database holds a few audit entries.
fn installation(dir: &Path) {
    let verified = run(dir, &["audit", "verify"], &[]);
    assert!(verified.status.success(), "{}", text(&verified.stderr));
}

fn copy_keys(from: &Path, to: &Path) {
    let keys = to.join("data/keys");
    std::fs::create_dir_all(&keys).unwrap();
    std::fs::set_permissions(&keys, std::fs::Permissions::from_mode(0o700)).unwrap();
    for entry in std::fs::read_dir(from.join("data/keys")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), keys.join(entry.file_name())).unwrap();
    }
}

#[test]
fn cr_7_a_backup_restores_into_an_empty_database_and_refuses_tampering() {
    let source = tempfile::tempdir().unwrap();
    installation(source.path());
    let file = source.path().join("helio.hbk");
    let file_arg = file.to_str().unwrap();
    let taken = run(source.path(), &["backup", "--output", file_arg], &[]);
    assert!(taken.status.success(), "{}", text(&taken.stderr));
    assert!(
        text(&taken.stdout).contains("30 tables"),
        "{}",
        text(&taken.stdout)
    );
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the backup is readable by its owner only");
    assert!(
        text(&taken.stdout).contains("backup written") && text(&taken.stdout).contains("rows"),
        "{}",
        text(&taken.stdout)
    );
    let again = run(source.path(), &["backup", "--output", file_arg], &[]);
    assert_eq!(
        again.status.code(),
        Some(1),
        "an existing file is never replaced"
    );

    let mut tampered = std::fs::read(&file).unwrap();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0x01;
    let tampered_file = source.path().join("tampered.hbk");
    std::fs::write(&tampered_file, tampered).unwrap();

    let target = tempfile::tempdir().unwrap();
    copy_keys(source.path(), target.path());
    let refused = run(
        target.path(),
        &["restore", "--input", tampered_file.to_str().unwrap()],
        &[],
    );
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused.stderr).contains("restore refused: the signature does not match"),
        "{}",
        text(&refused.stderr)
    );

    let restored = run(target.path(), &["restore", "--input", file_arg], &[]);
    assert!(restored.status.success(), "{}", text(&restored.stderr));
    assert!(
        text(&restored.stdout).contains("from a sqlite backup"),
        "{}",
        text(&restored.stdout)
    );
    let verified = run(target.path(), &["audit", "verify"], &[]);
    assert!(verified.status.success(), "{}", text(&verified.stderr));
    let twice = run(target.path(), &["restore", "--input", file_arg], &[]);
    assert_eq!(twice.status.code(), Some(1));
    assert!(
        text(&twice.stderr).contains("the target database is not empty"),
        "{}",
        text(&twice.stderr)
    );

    let stranger = tempfile::tempdir().unwrap();
    installation(stranger.path());
    let theirs = stranger.path().join("theirs.hbk");
    let taken = run(
        stranger.path(),
        &["backup", "--output", theirs.to_str().unwrap()],
        &[],
    );
    assert!(taken.status.success(), "{}", text(&taken.stderr));
    let elsewhere = tempfile::tempdir().unwrap();
    copy_keys(source.path(), elsewhere.path());
    let foreign = run(
        elsewhere.path(),
        &["restore", "--input", theirs.to_str().unwrap()],
        &[],
    );
    assert_eq!(foreign.status.code(), Some(1));
    assert!(
        text(&foreign.stderr).contains("not signed by this installation's backup key"),
        "{}",
        text(&foreign.stderr)
    );
    assert!(
        !elsewhere.path().join("data/helio.db").exists(),
        "a refused file touches no database"
    );
}
