//! A second process that holds a vault's write lock until told to let go, for the tests of what
//! other writers (the library, the command) do meanwhile.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokenvault::{OpenOptions, Vault};

use super::PASSPHRASE;
use super::child::{self, Reporter};
use super::workload::tagged_token;

/// How long a child may take to start.
pub const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A new vault file (tiny KDF) in a new temporary directory.
pub fn new_vault_file() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("shared.vault");
    OpenOptions::insecure_for_tests()
        .create(&path, PASSPHRASE)
        .expect("create vault");
    (dir, path)
}

pub fn wait_for_file(path: &Path) {
    while !path.exists() {
        std::thread::sleep(Duration::from_millis(1));
    }
}

pub fn touch(path: &Path) {
    std::fs::write(path, b"").expect("create signal file");
}

/// Holds the vault's write lock: an import whose token iterator blocks inside the write
/// transaction until the parent creates the `RELEASE` file.
pub fn holder_child() {
    let vault = Vault::open(child::env("VAULT"), PASSPHRASE).expect("holder opens the vault");
    let release = PathBuf::from(child::env("RELEASE"));
    let tokens = (0..3).map(move |i| {
        if i == 1 {
            child::report("holding");
            wait_for_file(&release);
        }
        tagged_token(&format!("held-{i}"), 0)
    });
    let summary = vault.import(tokens).expect("holder: import");
    assert_eq!(summary.inserted, 3);
    child::report("committed");
}

pub fn spawn_holder(test: &str, dir: &Path, path: &Path) -> (Reporter, PathBuf) {
    let release = dir.join("release");
    let mut cmd = child::command(test, "holder");
    cmd.env("VAULT", path).env("RELEASE", &release);
    let mut holder = Reporter::spawn(cmd);
    assert!(
        holder.wait_for("holding", START_TIMEOUT).is_some(),
        "the holder did not start its transaction"
    );
    (holder, release)
}
