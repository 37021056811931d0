//! tokenvault itself, through its public API.

use std::path::{Path, PathBuf};

use tokenvault::{KdfParams, OpenOptions, Token, Vault, filestore};

use crate::{PASSPHRASE, Store};

/// A vault file.
pub struct VaultStore {
    vault: Vault,
    path: PathBuf,
    /// `tokenvault`, or `tokenvault.alone` for a handle that holds the file alone.
    name: &'static str,
}

impl VaultStore {
    /// A new vault in `dir` (`default_kdf`: Argon2id's RFC 9106 defaults, else tiny parameters).
    pub fn create(dir: &Path, default_kdf: bool) -> Self {
        let path = dir.join("tokens.vault");
        let kdf = if default_kdf {
            KdfParams::default()
        } else {
            KdfParams::insecure_for_tests()
        };
        // Benchmarks measure the tiny parameters too (explicitly below the floor).
        let vault = OpenOptions::new()
            .kdf(kdf)
            .insecure_kdf(true)
            .create(&path, PASSPHRASE)
            .expect("create vault");
        VaultStore {
            vault,
            path,
            name: "tokenvault",
        }
    }

    /// A new vault in `dir` (tiny KDF) held by this process alone (`OpenOptions::single_process`):
    /// no cross-process locking per transaction.
    pub fn create_alone(dir: &Path) -> Self {
        let path = dir.join("tokens.vault");
        let vault = OpenOptions::new()
            .single_process(true)
            .kdf(KdfParams::insecure_for_tests())
            .insecure_kdf(true)
            .create(&path, PASSPHRASE)
            .expect("create vault");
        VaultStore {
            vault,
            path,
            name: "tokenvault.alone",
        }
    }

    /// The vault [`VaultStore::create`] made in `dir`.
    pub fn open_in(dir: &Path) -> Self {
        let path = dir.join("tokens.vault");
        VaultStore {
            vault: VaultStore::open(&path),
            path,
            name: "tokenvault",
        }
    }

    /// The shared handle (for the concurrent-writer benchmark).
    pub fn vault(&self) -> &Vault {
        &self.vault
    }

    /// Opens and unlocks the vault at `path`: what a process pays before its first operation.
    pub fn open(path: &Path) -> Vault {
        Vault::open(path, PASSPHRASE).expect("open vault")
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Store for VaultStore {
    fn name(&self) -> &'static str {
        self.name
    }

    fn find(&self, query: &Token) -> Option<Token> {
        self.vault.find_token(query).expect("find")
    }

    fn find_by_id(&self, id: &str) -> Option<Token> {
        self.vault.find_token_by_id(id).ok()
    }

    fn save(&self, token: &mut Token) {
        self.vault.save_token(token).expect("save");
    }

    fn save_batch(&self, tokens: &mut [Token]) {
        self.vault.import(tokens.iter().cloned()).expect("batch");
    }

    fn get_all(&self) -> Vec<Token> {
        self.vault.get_tokens().expect("get_tokens")
    }

    fn delete(&self, id: &str) {
        self.vault.delete_token(id).expect("delete");
    }

    fn import_csv(&self, csv: &[u8]) {
        let tokens = filestore::parse(csv).expect("parse");
        self.vault.import(tokens).expect("import");
    }

    fn compact_and_measure(&mut self) -> u64 {
        while self.vault.compact().expect("compact") {}
        std::fs::metadata(&self.path).expect("size").len()
    }
}
