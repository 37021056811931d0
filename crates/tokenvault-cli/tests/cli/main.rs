//! The `tokenvault` command, run as a user runs it (the built binary, or the one
//! `TOKENVAULT_TEST_BIN` names: CI runs this suite against the pip-installed command and the
//! standalone binary too): every command, the contract's exit codes, passphrase sources and the
//! terminal prompt, `--json`, and what it never prints.

#[path = "../../../../tests/common/mod.rs"]
mod common;
mod support;

mod busy;
mod credential_sources;
mod exit_codes;
mod import_export;
mod kdf;
#[cfg(feature = "mysql")]
mod mysql;
#[cfg(feature = "postgres")]
mod postgres;
mod prompt;
mod reads;
mod slots;
mod tokens;
mod url_redaction;
mod vault;
