//! `tokenvault slot`'s subcommands: list, add and remove key slots.

use std::path::PathBuf;

use clap::Subcommand;

use super::{KdfArgs, REVOCATION};

/// `slot`'s subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum SlotCommand {
    /// List the key slots (no passphrase needed)
    List,

    /// Add a key slot: a passphrase, a key file, or a recovery key
    #[command(
        after_help = "The vault is unlocked with a current credential (--key-file, \
TOKENVAULT_PASSPHRASE, ...), then the new one is added. --key-file always names the key that \
unlocks; --new-key-file the one being added.\n\nExamples:\n  tokenvault slot add --passphrase \
--name alice\n  tokenvault slot add --new-key-file /etc/tokenvault/worker.key --generate"
    )]
    Add {
        /// Add a passphrase (from TOKENVAULT_NEW_PASSPHRASE, --new-passphrase-file or the terminal)
        #[arg(
            long,
            conflicts_with_all = ["new_key_file", "new_recovery_key"],
            required_unless_present_any = ["new_key_file", "new_recovery_key"]
        )]
        passphrase: bool,
        /// Add a new recovery key, printed once on stdout (write it down: it is never shown again)
        #[arg(long, conflicts_with = "new_key_file")]
        new_recovery_key: bool,
        /// Read the new passphrase from the first line of this file
        #[arg(long, value_name = "PATH", requires = "passphrase")]
        new_passphrase_file: Option<PathBuf>,
        /// Add this key file (32 random bytes)
        #[arg(long, value_name = "PATH")]
        new_key_file: Option<PathBuf>,
        /// Make the --new-key-file first (mode 0600; refuses an existing file)
        #[arg(long, requires = "new_key_file")]
        generate: bool,
        /// The slot's name [default: passphrase or key-file, then -2, -3, ...]
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        #[command(flatten)]
        kdf: KdfArgs,
    },

    /// Remove a key slot (never the last one)
    #[command(after_help = REVOCATION)]
    Remove {
        /// The slot's name (`tokenvault slot list`)
        name: String,
        /// Also replace the data key and re-seal every record, so the removed credential opens
        /// nothing written from now on, even with an old copy of the vault (unless its holder
        /// can also write the vault)
        #[arg(long)]
        rotate: bool,
    },
}
