//! File permissions: a vault is created readable and writable by its owner only, stays so
//! through every operation, leaves no other file behind, and `Vault::permission_warning` names a
//! vault that other users can read, write or replace.
#![cfg(unix)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use tokenvault::Vault;

use crate::common::workload::tagged_token;
use crate::common::{PASSPHRASE, new_vault};

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

fn chmod(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_created_vault_is_private_and_every_operation_keeps_it_so() {
    let (dir, path, vault) = new_vault();
    assert_eq!(mode(&path), 0o600);
    let mut vault = vault;
    for i in 0..20 {
        vault
            .save_token(&mut tagged_token(&format!("p{i}"), 0))
            .unwrap();
    }
    vault.delete_token("3").unwrap();
    vault.rotate_data_key().unwrap();
    vault.change_passphrase("another passphrase", None).unwrap();
    vault.compact().unwrap();
    vault.delete_tokens().unwrap();
    assert_eq!(mode(&path), 0o600);
    // redb locks byte ranges of the file itself: no lock file, no temporary file.
    assert_eq!(files_in(dir.path()), ["test.vault"]);
    drop(vault);
    let reopened = Vault::open(&path, "another passphrase").unwrap();
    reopened.save_token(&mut tagged_token("after", 0)).unwrap();
    drop(reopened);
    assert_eq!(mode(&path), 0o600);
    assert_eq!(files_in(dir.path()), ["test.vault"]);
    assert_eq!(tokenvault::Location::file(&path).permission_warning(), None);
}

#[test]
fn a_vault_other_users_can_read_write_or_replace_gets_a_warning() {
    let (dir, path, vault) = new_vault();
    drop(vault);
    chmod(dir.path(), 0o700);
    assert_eq!(tokenvault::Location::file(&path).permission_warning(), None);

    for loose in [0o644, 0o640, 0o604, 0o620, 0o666] {
        chmod(&path, loose);
        let warning = tokenvault::Location::file(&path)
            .permission_warning()
            .unwrap_or_else(|| panic!("no warning for mode {loose:o}"));
        assert!(warning.contains(&format!("{loose:o}")), "{warning}");
        assert!(warning.contains("chmod 600"), "{warning}");
        assert!(warning.contains(&*path.to_string_lossy()), "{warning}");
        // A warning, not a refusal; and the library changes no permission by itself.
        let vault = Vault::open(&path, PASSPHRASE).unwrap();
        vault.save_token(&mut tagged_token("x", 0)).unwrap();
        drop(vault);
        assert_eq!(mode(&path), loose);
    }

    chmod(&path, 0o600);
    chmod(dir.path(), 0o777);
    let warning = tokenvault::Location::file(&path)
        .permission_warning()
        .expect("a folder others can write to");
    assert!(warning.contains("replace"), "{warning}");
    chmod(dir.path(), 0o1777);
    assert_eq!(
        tokenvault::Location::file(&path).permission_warning(),
        None,
        "a sticky folder (like /tmp) protects the file"
    );
    chmod(dir.path(), 0o700);
    assert_eq!(
        tokenvault::Location::file(dir.path().join("missing.vault")).permission_warning(),
        None
    );
}

/// Runs `create` (which makes a vault at its argument) over and over, for up to eight seconds,
/// while another thread replaces that path, the moment a file appears there, with a symlink to
/// a decoy file other users could read (what someone who can write to the folder can do).
/// Returns whether any byte of a vault reached the decoy.
fn a_vault_reaches_a_symlink_swapped_in_during(create: impl Fn(&Path)) -> bool {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.vault");
    let decoy = dir.path().join("decoy");
    fs::write(&decoy, b"").unwrap();
    chmod(&decoy, 0o644);
    let swap = dir.path().join("swap");
    let done = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            while !done.load(Ordering::Relaxed) {
                if fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_file()) {
                    let _ = fs::remove_file(&swap);
                    let _ = std::os::unix::fs::symlink(&decoy, &swap);
                    let _ = fs::rename(&swap, &path);
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(8);
        while Instant::now() < deadline && fs::metadata(&decoy).unwrap().len() == 0 {
            let _ = fs::remove_file(&path);
            create(&path);
        }
        done.store(true, Ordering::Relaxed);
    });
    fs::metadata(&decoy).unwrap().len() > 0
}

#[test]
fn create_never_writes_through_a_symlink_swapped_in_after_the_file_is_made() {
    let leaked = a_vault_reaches_a_symlink_swapped_in_during(|path| {
        let _ = tokenvault::OpenOptions::insecure_for_tests().create(path, PASSPHRASE);
    });
    assert!(
        !leaked,
        "the vault was written into the swapped-in symlink's target"
    );
}

#[test]
fn copy_never_writes_through_a_symlink_swapped_in_after_the_file_is_made() {
    let (_dir, _path, source) = new_vault();
    let leaked = a_vault_reaches_a_symlink_swapped_in_during(|path| {
        let _ = source.copy_to(&tokenvault::Location::file(path));
    });
    assert!(
        !leaked,
        "the copy was written into the swapped-in symlink's target"
    );
}
