//! Replays every committed input of the `service_request` fuzz target (fuzz/corpus/ and, when
//! present, fuzz/artifacts/) through the property the target checks, so `cargo test` on stable
//! keeps them passing.

use std::path::Path;

#[test]
fn every_committed_request_input_decodes_or_is_refused_as_a_client_error() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut replayed = 0;
    for kind in ["corpus", "artifacts"] {
        let Ok(entries) = std::fs::read_dir(fuzz.join(kind).join("service_request")) else {
            continue;
        };
        let mut paths: Vec<_> = entries
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .collect();
        paths.sort();
        for path in paths {
            let bytes = std::fs::read(&path).unwrap();
            let outcome =
                std::panic::catch_unwind(|| tokenvault_server::fuzzing::fuzz_request_body(&bytes));
            assert!(outcome.is_ok(), "{} fails the property", path.display());
            replayed += 1;
        }
    }
    assert!(
        replayed >= 10,
        "only {replayed} inputs: the corpus is committed in fuzz/corpus/service_request"
    );
}
