//! tokenvault and the stores its users would pick instead, behind one interface, so that one
//! benchmark run measures them side by side on the same data.
//!
//! Every peer implements the SDK's `TokenStore` operations with the FileStore's rules
//! (`rules.rs`), over the same [`tokenvault::Token`] type, so conversion costs are paid by all.

pub mod data;
pub mod peers;
pub mod rules;

use std::path::Path;

pub use tokenvault::{Secret, Token};

/// One token store under test. Every write is durable when it returns, except where a peer's
/// real behaviour is not (the FileStore port: no fsync, as the SDK's FileStore).
pub trait Store: Send + Sync {
    /// The name in the tables.
    fn name(&self) -> &'static str;
    /// `find_token`.
    fn find(&self, query: &Token) -> Option<Token>;
    /// `find_token_by_id`.
    fn find_by_id(&self, id: &str) -> Option<Token>;
    /// `save_token`, one commit.
    fn save(&self, token: &mut Token);
    /// Several `save_token`s in one commit (where the store has transactions).
    fn save_batch(&self, tokens: &mut [Token]);
    /// `get_tokens`.
    fn get_all(&self) -> Vec<Token>;
    /// `delete_token`.
    fn delete(&self, id: &str);
    /// Imports a FileStore token file (parsed with `tokenvault::filestore::parse` by everyone).
    fn import_csv(&self, csv: &[u8]);
    /// Shrinks the store (compact, VACUUM) and returns its bytes on disk.
    fn compact_and_measure(&mut self) -> u64;
    /// Readies `callers` concurrent callers (SQLite: one connection each, keyed beforehand).
    fn warm(&self, _callers: usize) {}
}

/// The peers a build of this crate has: SQLite's build measures tokenvault, SQLite, the
/// FileStore port and raw redb; the SQLCipher build measures SQLCipher.
pub fn peer_names() -> Vec<&'static str> {
    if cfg!(feature = "sqlcipher") {
        vec!["sqlcipher"]
    } else {
        vec![
            "tokenvault",
            "tokenvault.alone",
            "sqlite",
            "filestore",
            "redb",
        ]
    }
}

/// Creates an empty store of peer `name` in `dir`.
pub fn create(name: &str, dir: &Path) -> Box<dyn Store> {
    match name {
        "tokenvault" => Box::new(peers::vault::VaultStore::create(dir, false)),
        "tokenvault.alone" => Box::new(peers::vault::VaultStore::create_alone(dir)),
        "sqlite" | "sqlcipher" => Box::new(peers::sql::SqlStore::create(dir, KeyMode::Default)),
        "filestore" => Box::new(peers::filestore::FileStorePort::create(dir)),
        "redb" => Box::new(peers::redb_raw::RedbStore::create(dir)),
        other => panic!("unknown peer {other}"),
    }
}

/// Opens the store of peer `name` that [`create`] made in `dir`.
pub fn open(name: &str, dir: &Path) -> Box<dyn Store> {
    match name {
        "tokenvault" => Box::new(peers::vault::VaultStore::open_in(dir)),
        "sqlite" | "sqlcipher" => Box::new(peers::sql::SqlStore::open_in(dir, KeyMode::Default)),
        "filestore" => Box::new(peers::filestore::FileStorePort::open_in(dir)),
        "redb" => Box::new(peers::redb_raw::RedbStore::open_in(dir)),
        other => panic!("unknown peer {other}"),
    }
}

/// How an encrypted peer derives its key: its default, or the cheapest it allows (to show the
/// cost of opening apart from key derivation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyMode {
    /// tokenvault: Argon2id 64 MiB, 3 passes, 4 lanes; SQLCipher 4: PBKDF2-SHA512, 256 000 iterations.
    Default,
    /// tokenvault: Argon2id 8 KiB, 1 pass; SQLCipher: 1 PBKDF2 iteration.
    Tiny,
}

/// The passphrase of every encrypted store in the benchmarks.
pub const PASSPHRASE: &str = "benchmark passphrase";
