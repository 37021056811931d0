//! Where a passphrase comes from, for the front ends: a command whose output is the passphrase
//! (any secret manager's CLI), and the check that a file holding a secret is private. The CLI and
//! the Python package call these rather than each running commands their own way; which source
//! wins is theirs to document (README "Contract", python/README.md), and the same in both.
//!
//! Split by source: `command.rs` runs a passphrase command (its process group, timeout, output
//! limit and environment); `file.rs` reads a secret file and checks that it is private. They
//! share only [`read_into`], the one way a secret is read into memory.

mod command;
mod file;

use std::io::Read;

pub use command::{
    PASSPHRASE_COMMAND_MAX_OUTPUT, PASSPHRASE_COMMAND_TIMEOUT, passphrase_from_command,
};
pub(crate) use file::others_can_access;
pub use file::{SecretFileError, read_secret_file, secret_file_warning};

/// Fills `buffer` from `reader` until it is full or the reader ends; returns how many bytes
/// were read.
///
/// The buffer is allocated once, at its final size, and never grows: a `Vec` that grows moves
/// its contents to a larger allocation and frees the old one without wiping it, leaving a copy
/// of the secret in freed memory (`read_to_end` grows it, and reads through a stack buffer of
/// its own). A `Zeroizing` buffer that never moves is wiped whole (its entire capacity) when
/// dropped.
fn read_into(reader: &mut impl Read, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}
