//! `run_cli`: the `tokenvault` command-line tool, compiled into the extension.
//!
//! Why here and not in a second wheel with maturin's `bin` bindings (as ruff ships its binary):
//! - The CLI and `VaultStore` share the whole core (redb, AES-GCM, Argon2, the MySQL client). In
//!   the extension the CLI adds only its own code and clap; a separate binary would carry a
//!   second copy of the core, and a second wheel would have to be versioned, built, audited and
//!   installed in lockstep with this one.
//! - One `pip install` of one file, or of the sdist on a machine with Rust, always brings a
//!   command of exactly the library's version, reading the vault with the same code.
//! - The price is the interpreter's start before the command runs (the Zoho SDK is not imported:
//!   `tokenvault/__init__.py` loads it on first use); `.ci/steps/17-wheels.sh` prints both start
//!   times, README §Install quotes them. People without Python get the standalone binary.
//! - Two things a native `main` gets for free are done explicitly: SIGINT's default action
//!   (`tokenvault/__main__.py`) and flushing stdout at the end (`tokenvault_cli::run`).
//!   CI runs the CLI test suite against the installed command (`TOKENVAULT_TEST_BIN`), so exit
//!   codes, the terminal prompt and `--json` are checked, not assumed.

use std::ffi::OsString;

use pyo3::prelude::*;

/// Runs the tokenvault CLI on `argv` (the program name first) and returns its exit code, as the
/// `tokenvault` binary would exit with. The GIL is released while it runs; a panic is reported
/// on stderr and gives 101, as a Rust binary's does.
#[pyfunction]
pub(crate) fn run_cli(py: Python<'_>, argv: Vec<OsString>) -> u8 {
    py.detach(|| std::panic::catch_unwind(|| tokenvault_cli::run(argv)).unwrap_or(101))
}
