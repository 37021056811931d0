//! docs/PROTOCOL.md and docs/openapi.yaml name every error code the service can answer: an
//! adapter written from them must know each one.

use std::path::Path;

/// The string literals of src/errors.rs that look like codes (lower case and underscores).
fn codes() -> Vec<String> {
    let source =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/errors.rs"))
            .unwrap();
    let mut codes: Vec<String> = source
        .split('"')
        .skip(1)
        .step_by(2)
        .filter(|literal| {
            literal.len() >= 4 && literal.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        })
        .filter(|literal| !["error", "code", "message"].contains(literal))
        .map(str::to_string)
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

#[test]
fn every_error_code_is_in_the_protocol_and_the_openapi_file() {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs");
    let protocol = std::fs::read_to_string(docs.join("PROTOCOL.md")).unwrap();
    let openapi = std::fs::read_to_string(docs.join("openapi.yaml")).unwrap();
    let codes = codes();
    assert!(codes.len() >= 20, "{codes:?}");
    for code in &codes {
        assert!(
            protocol.contains(&format!("| `{code}` |")),
            "PROTOCOL.md §Errors has no row for {code}"
        );
        assert!(
            openapi.contains(&format!("- {code}\n")),
            "openapi.yaml's Error code enum lacks {code}"
        );
    }
}
