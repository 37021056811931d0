//! `run_cli`: the `tokenvault` command-line tool, compiled into the extension.
//!
//! Why here and not in a second wheel with maturin's `bin` bindings (as ruff ships its binary):
//! the CLI and the `VaultStore` share the whole core (redb, AES-GCM, Argon2, the MySQL client), so
//! one extension that also holds the CLI's code is ~1 MiB more than the extension alone, where a
//! separate binary would carry a second copy of the core; `pip install` of one wheel, or of the
//! sdist on a machine with Rust, then always brings a command of the same version as the library;
//! and there is one artifact to build, audit and test. The price is the interpreter's start (tens
//! of milliseconds, next to Argon2's hundreds) and two things a native `main` gets for free, done
//! in `tokenvault/__main__.py` and here: SIGINT's default action, and flushing stdout at the end
//! (`tokenvault::cli::run` does that). CI runs the CLI test suite against the installed command
//! (`.ci/steps/17-wheels.sh`), so exit codes, the prompt and `--json` are checked, not assumed.

use std::ffi::OsString;

use pyo3::prelude::*;

/// Runs the tokenvault CLI on `argv` (the program name first) and returns its exit code, as the
/// `tokenvault` binary would exit with. The GIL is released while it runs; a panic is reported
/// on stderr and gives 101, as a Rust binary's does.
#[pyfunction]
pub(crate) fn run_cli(py: Python<'_>, argv: Vec<OsString>) -> u8 {
    py.detach(|| std::panic::catch_unwind(|| tokenvault::cli::run(argv)).unwrap_or(101))
}
