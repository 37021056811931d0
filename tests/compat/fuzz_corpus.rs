//! Replays every committed fuzz input — `fuzz/corpus/<target>/*` and, when present,
//! `fuzz/artifacts/<target>/*` (crashes found and fixed) — through the same library functions
//! the fuzz targets call (`tokenvault::fuzzing`), so `cargo test` on stable keeps them fixed.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use tokenvault::{OpenOptions, filestore};
use tokenvault_testkit::{self as fuzzing, MemoryFile, Op};

const TARGETS: [&str; 5] = ["record", "header", "ops_model", "file_bytes", "csv_import"];

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

fn base_vault() -> Vec<u8> {
    std::fs::read(fuzz_dir().join("base_vault.bin")).expect("fuzz/base_vault.bin is committed")
}

/// Every committed input of `target`, corpus first, in name order.
fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for kind in ["corpus", "artifacts"] {
        let Ok(entries) = std::fs::read_dir(fuzz_dir().join(kind).join(target)) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries
            .map(|e| e.expect("directory entry").path())
            .filter(|p| p.is_file())
            .collect();
        paths.sort();
        for path in paths {
            let bytes = std::fs::read(&path).expect("read input");
            out.push((path, bytes));
        }
    }
    out
}

/// Runs every input, then fails naming each one whose property failed.
fn replay(target: &str, run: impl Fn(&[u8])) {
    let inputs = inputs(target);
    assert!(
        inputs.len() >= 4,
        "fuzz/corpus/{target} holds {} inputs; regenerate the seeds",
        inputs.len()
    );
    let failed: Vec<String> = inputs
        .iter()
        .filter(|(_, bytes)| catch_unwind(AssertUnwindSafe(|| run(bytes))).is_err())
        .map(|(path, _)| path.display().to_string())
        .collect();
    assert!(failed.is_empty(), "{target}: failing inputs {failed:#?}");
}

#[test]
fn record_inputs_decode_to_a_token_or_a_typed_error() {
    replay("record", fuzzing::fuzz_record);
}

#[test]
fn header_inputs_decode_within_the_kdf_caps_or_fail_typed() {
    replay("header", fuzzing::fuzz_header);
}

#[test]
fn ops_model_inputs_agree_with_the_filestore_model() {
    replay("ops_model", fuzzing::fuzz_ops);
}

#[test]
fn damaged_vault_inputs_give_the_original_tokens_or_a_typed_error() {
    let base = base_vault();
    replay("file_bytes", |edits| fuzzing::fuzz_file_bytes(&base, edits));
}

#[test]
fn csv_inputs_import_and_reexport_to_the_same_tokens() {
    replay("csv_import", fuzzing::fuzz_csv_import);
}

#[test]
fn committed_base_vault_opens_and_holds_the_base_tokens() {
    let vault = OpenOptions::default()
        .open(
            tokenvault::Location::backend(MemoryFile::from_bytes(base_vault()), "base_vault.bin"),
            fuzzing::PASSPHRASE,
        )
        .expect("the base vault opens");
    assert_eq!(vault.get_tokens().unwrap(), fuzzing::base_tokens());
    assert!(vault.verify().unwrap().is_ok());
}

/// The committed ops corpus drives every kind of operation, so the model comparison covers them.
#[test]
fn ops_model_corpus_exercises_every_operation() {
    let mut seen = [false; 10];
    for (_, bytes) in inputs("ops_model") {
        for op in fuzzing::decode_ops(&bytes) {
            let kind = match op {
                Op::Save(_) => 0,
                Op::Find(_) => 1,
                Op::FindById(_) => 2,
                Op::Delete(_) => 3,
                Op::GetAll => 4,
                Op::DeleteAll => 5,
                Op::Import(_) => 6,
                Op::ChangePassphrase(_) => 7,
                Op::RotateKey => 8,
                Op::Reopen => 9,
            };
            seen[kind] = true;
        }
    }
    assert_eq!(seen, [true; 10]);
}

/// Writes the seed inputs and the base vault. Run by hand when the formats change:
/// `cargo test --test compat -- --ignored regenerate_seeds`.
#[test]
#[ignore = "rewrites committed files"]
fn regenerate_seeds() {
    std::fs::write(
        fuzz_dir().join("base_vault.bin"),
        fuzzing::make_base_vault(),
    )
    .unwrap();
    for target in TARGETS {
        let dir = fuzz_dir().join("corpus").join(target);
        std::fs::create_dir_all(&dir).unwrap();
        for (i, input) in fuzzing::seed_inputs(target).into_iter().enumerate() {
            std::fs::write(dir.join(format!("seed-{i}")), input).unwrap();
        }
    }
    let files = crate::common::data_dir().join("compat/files");
    let dir = fuzz_dir().join("corpus/csv_import");
    for name in [
        "typical.txt",
        "quoting.txt",
        "empty.txt",
        "after-deletes.txt",
        "legacy/nine-columns.txt",
    ] {
        let bytes = std::fs::read(files.join(name)).unwrap();
        filestore::parse(&bytes).unwrap();
        std::fs::write(dir.join(format!("seed-{}", name.replace('/', "-"))), bytes).unwrap();
    }
}
