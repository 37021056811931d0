//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod child;
#[cfg(any(feature = "mysql", feature = "postgres"))]
pub mod dbstore_sdk;
pub mod faulty;
pub mod holder;
pub mod mixed;
#[cfg(feature = "mysql")]
pub mod mysql;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(any(feature = "mysql", feature = "postgres"))]
pub mod relay;
pub mod replay;
pub mod rng;
pub mod scratch;
pub mod secret_urls;
#[cfg(any(feature = "mysql", feature = "postgres"))]
pub mod server;
#[cfg(any(feature = "mysql", feature = "postgres"))]
pub mod server_cases;
pub mod syncs;
pub mod workload;

use std::path::{Path, PathBuf};

use tokenvault::{OpenOptions, Token, Vault};

pub const PASSPHRASE: &str = "test passphrase";

/// The test data kept in the repository (`tests/data`, provenance in its README).
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// A fresh vault with tiny KDF parameters in a new temporary directory.
pub fn new_vault() -> (tempfile::TempDir, PathBuf, Vault) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("test.vault");
    let vault = OpenOptions::insecure_for_tests()
        .create(&path, PASSPHRASE)
        .expect("create vault");
    (dir, path, vault)
}

/// A token from `(field, value)` pairs.
pub fn token(fields: &[(&str, &str)]) -> Token {
    let mut t = Token::new();
    for (name, value) in fields {
        assert!(
            t.set_field(name, Some((*value).to_string())),
            "unknown field {name}"
        );
    }
    t
}

/// A token from a JSON object of the cases file: `null` → `None`, strings kept as given.
pub fn token_from_json(value: &serde_json::Value) -> Token {
    let mut t = Token::new();
    if let Some(map) = value.as_object() {
        for (name, v) in map {
            assert!(
                t.set_field(name, v.as_str().map(str::to_string)),
                "unknown field {name}"
            );
        }
    }
    t
}

/// A token as the cases file writes one: every field, `null` for absent.
pub fn token_to_json(t: &Token) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    for name in Token::FIELDS {
        map.insert(
            name.to_string(),
            t.field(name).map_or(serde_json::Value::Null, |v| {
                serde_json::Value::String(v.to_string())
            }),
        );
    }
    serde_json::Value::Object(map)
}

/// A stored token as a FileStore row: ten strings, `""` for absent.
pub fn token_to_row(t: &Token) -> Vec<String> {
    Token::FIELDS
        .iter()
        .map(|f| t.field(f).unwrap_or("").to_string())
        .collect()
}

/// A FileStore row as a token: `""` → absent.
pub fn row_to_token(row: &[String]) -> Token {
    let mut t = Token::new();
    for (name, value) in Token::FIELDS.iter().zip(row) {
        if !value.is_empty() {
            t.set_field(name, Some(value.clone()));
        }
    }
    t
}
