//! The fuzz harness on tokenvault's public API, for `fuzz/` and the library's tests (never a
//! dependency of a front end): a plain model of the FileStore's rules over rows (`model`,
//! written apart from the library's `rules.rs`), operation sequences decoded from bytes and run
//! against a vault and the model (`ops`), damage to a vault file's bytes (`damage`), a redb
//! backend over shared bytes (`memory_file`), and the `csv_import` target. The targets that need
//! the library's private parts (`record`, `header`) are `tokenvault::fuzzing`'s.
//!
//! Each target panics only when a property fails (a crash for the fuzzer, a failure for the
//! corpus replay in the library's tests); any input the library refuses must come back as a
//! typed [`Error`].

use tokenvault::{Error, Location, OpenOptions, Token, Vault, filestore};

mod damage;
mod memory_file;
mod model;
mod ops;

pub use damage::{
    ENGINE_PANICS, HIDDEN_BY_DAMAGE, SCREENED_BY_ENGINE, base_tokens, fuzz_file_bytes,
    make_base_vault,
};
pub use memory_file::MemoryFile;
pub use model::{Model, Refusal};
pub use ops::{Op, decode_ops, fuzz_ops, run_ops};
pub use tokenvault::fuzzing::{fuzz_header, fuzz_record};

/// The passphrase of every vault the fuzz targets make.
pub const PASSPHRASE: &str = "fuzz passphrase";

/// Tiny KDF parameters with the explicit opt-in, so `ChangePassphrase` may keep them too.
fn create_vault(file: &MemoryFile) -> Vault {
    OpenOptions::insecure_for_tests()
        .create(Location::backend(file.clone(), "<fuzz>"), PASSPHRASE)
        .expect("a vault can be created in memory")
}

fn open_vault(file: &MemoryFile, passphrase: &str) -> Result<Vault, Error> {
    OpenOptions::insecure_for_tests().open(Location::backend(file.clone(), "<fuzz>"), passphrase)
}

// ---- Target `csv_import` ---------------------------------------------------------------------

/// Target `csv_import`: `data` as a FileStore token file. A typed error, or tokens that write
/// back to a file parsing to the same tokens; imported into a vault, exported, and imported into
/// a fresh vault, they give the same tokens again.
pub fn fuzz_csv_import(data: &[u8]) {
    let tokens = match filestore::parse(data) {
        Ok(tokens) => tokens,
        Err(e) => {
            assert!(matches!(e, Error::InvalidTokenFile { .. }), "{e:?}");
            return;
        }
    };
    let mut written = Vec::new();
    filestore::write(&tokens, &mut written).expect("write to memory");
    let reparsed = filestore::parse(&written).expect("a written file parses");
    assert_eq!(reparsed, tokens, "write then parse changed the tokens");

    let first = create_vault(&MemoryFile::default());
    first.import(tokens).expect("parsed tokens import");
    let imported = first.get_tokens().expect("list");
    let mut exported = Vec::new();
    filestore::write(&imported, &mut exported).expect("write to memory");
    let second = create_vault(&MemoryFile::default());
    let summary = second
        .import(filestore::parse(&exported).expect("an export parses"))
        .expect("an export imports");
    // Every row of an export was stored by the first vault, so the second keeps every one
    // (finding 3, fixed: a row with only an id, which the FileStore writes for a token without
    // user name and OAuth tokens, was once skipped here).
    assert!(
        summary.skipped.is_empty(),
        "re-import skipped rows: {:?}",
        summary.skipped
    );
    assert_eq!(second.get_tokens().expect("list"), imported);
}

// ---- Seed inputs ---------------------------------------------------------------------------

/// Small valid inputs to start each target from (written to `fuzz/corpus/<target>/seed-*` by
/// `tests/compat/fuzz_corpus.rs`'s ignored `regenerate_seeds`). `csv_import` seeds are the SDK's
/// own files in `tests/data/compat/files/`, copied by the same test.
pub fn seed_inputs(target: &str) -> Vec<Vec<u8>> {
    match target {
        "record" => {
            let mut tokens = base_tokens();
            tokens.push(Token::default());
            tokenvault::fuzzing::record_seeds(&tokens)
        }
        "header" => tokenvault::fuzzing::header_seeds(),
        "ops_model" => (0..8u64)
            .map(|seed| {
                // A fixed xorshift stream: varied, reproducible operation sequences.
                let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
                (0..96)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        (x >> 24) as u8
                    })
                    .collect()
            })
            .collect(),
        "file_bytes" => vec![
            Vec::new(),
            [0, 0, 0, 0, 1, 0xff].to_vec(),
            [0x00, 0x10, 0, 0, 4, 1, 2, 3, 4].to_vec(),
            [0xff, 0x00, 0x20, 0, 0].to_vec(),
        ],
        _ => Vec::new(),
    }
}
