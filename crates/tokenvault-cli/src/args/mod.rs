//! The command line, as clap derives it. The contract that scripts depend on — where the vault
//! is, where the passphrase comes from, what the exit codes mean — is in [`CONTRACT`], which
//! `--help` prints and the README repeats.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
#[cfg(feature = "serve")]
pub(crate) use serve::{LogFormatArg, ServeArgs};
pub(crate) use slot::SlotCommand;
use tokenvault::{KdfParams, Location};
use zeroize::Zeroizing;

#[cfg(feature = "serve")]
mod serve;
mod slot;

/// The vault used when neither `--vault` nor `TOKENVAULT_PATH` names one.
pub(crate) const DEFAULT_VAULT: &str = "tokens.vault";

const CONTRACT: &str = "\
Vault path:
  --vault PATH, else TOKENVAULT_PATH, else ./tokens.vault
  On a database server instead: --database-url, else TOKENVAULT_DATABASE_URL
  (mysql://USER:PASSWORD@HOST:PORT/DATABASE or postgres://USER:PASSWORD@HOST:PORT/DATABASE;
  prefer the variable, which `ps` does not show; PostgreSQL also reads PGPASSWORD and ~/.pgpass)

Credential (never a command-line value), from the first of:
  0. the key file --key-file PATH, else TOKENVAULT_KEY_FILE (32 random bytes; a warning if other
     users can read it): unlocks a key-file slot in milliseconds, no passphrase asked; then a
     recovery key, with --recovery-key or TOKENVAULT_RECOVERY_KEY set: that variable, else a
     prompt
  1. TOKENVAULT_PASSPHRASE
  2. the first line of --passphrase-file PATH (a warning if other users can read the file)
  3. what --passphrase-command CMD, else TOKENVAULT_PASSPHRASE_COMMAND, prints on stdout (run
     with `sh -c`, stdin /dev/null, without tokenvault's secret variables, one trailing newline
     removed, stopped after 60 s with what it started; a failure names its exit status, never
     its output), e.g. 'op read op://ops/tokenvault/password'
  4. a prompt on the terminal (asked twice when creating or changing it)
  No source and no terminal: an error. A new passphrase (`passwd`, `slot add --passphrase`)
  comes from TOKENVAULT_NEW_PASSPHRASE, else --new-passphrase-file, else the terminal; a new
  key file from `slot add --new-key-file PATH` (32 random bytes: --generate makes them; one that
  does not look random, such as typed text, only with --allow-weak-key-file). A key file or
  passphrase file must be a regular file (not a FIFO or a device).

Exit codes:
  0  success
  1  not found (get, find, delete: no such token)
  2  usage or other error
  3  wrong passphrase, key file or recovery key
  4  corrupted or tampered vault (also `verify` finding a problem)
  5  vault busy: another process held it past --busy-timeout, or holds it alone
  70 internal error: a bug in tokenvault (not damage to the vault); please report it

Output: data on stdout (one JSON document with --json; secrets only with --reveal), messages
and progress on stderr. Colour follows --color, NO_COLOR and whether the output is a terminal.";

/// An encrypted, multi-process-safe vault for Zoho CRM SDK OAuth tokens.
///
/// Replaces the SDK's plain-text FileStore (`sdk_tokens.txt`) with one encrypted file: import
/// the old file, list and query tokens, and export back when needed.
#[derive(Debug, Parser)]
#[command(name = "tokenvault", version, after_help = CONTRACT, max_term_width = 100)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: GlobalArgs,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Options every command accepts.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub(crate) struct GlobalArgs {
    /// The vault file
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        env = "TOKENVAULT_PATH",
        default_value = DEFAULT_VAULT
    )]
    pub(crate) vault: PathBuf,

    /// The vault on a database server instead of a file:
    /// mysql://USER:PASSWORD@HOST:PORT/DATABASE[?ssl-mode=verify_identity] or
    /// postgres://USER:PASSWORD@HOST:PORT/DATABASE[?sslmode=verify-full]
    #[arg(
        long,
        global = true,
        value_name = "URL",
        env = "TOKENVAULT_DATABASE_URL",
        hide_env_values = true
    )]
    pub(crate) database_url: Option<UrlArg>,

    /// Unlock with this key file (32 random bytes) instead of a passphrase; with `init` and
    /// `import --create`, the new vault's first key slot
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        env = "TOKENVAULT_KEY_FILE",
        hide_env_values = true
    )]
    pub(crate) key_file: Option<PathBuf>,

    /// Accept a key file that does not look random (typed text, few distinct bytes) for a new
    /// vault or key slot. Dangerous: a key file gets no key derivation, so a key a person typed
    /// or chose is found by an offline search; make a random one with --generate instead
    #[arg(long, global = true)]
    pub(crate) allow_weak_key_file: bool,

    /// Unlock with a recovery key: from TOKENVAULT_RECOVERY_KEY, else asked on the terminal
    #[arg(long, global = true)]
    pub(crate) recovery_key: bool,

    /// Read the passphrase from the first line of this file (when TOKENVAULT_PASSPHRASE is unset)
    #[arg(long, global = true, value_name = "PATH")]
    pub(crate) passphrase_file: Option<PathBuf>,

    /// Run this shell command and use what it prints as the passphrase (when neither
    /// TOKENVAULT_PASSPHRASE nor --passphrase-file is given), e.g. 'op read op://ops/tokenvault/password'
    #[arg(
        long,
        global = true,
        value_name = "CMD",
        env = "TOKENVAULT_PASSPHRASE_COMMAND",
        hide_env_values = true
    )]
    pub(crate) passphrase_command: Option<String>,

    /// Print one JSON document on stdout instead of human output
    #[arg(long, global = true)]
    pub(crate) json: bool,

    /// How long to wait for another process that holds the vault (to open it, and for each write)
    #[arg(
        long,
        global = true,
        value_name = "SECONDS",
        default_value = "10",
        value_parser = parse_seconds
    )]
    pub(crate) busy_timeout: Duration,

    /// When to colour human output
    #[arg(long, global = true, value_name = "WHEN", default_value = "auto")]
    pub(crate) color: ColorWhen,
}

/// `--color`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorWhen {
    /// Colour when writing to a terminal and NO_COLOR is unset
    Auto,
    /// Always colour
    Always,
    /// Never colour
    Never,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Create a new, empty vault (refuses to overwrite a file)
    #[command(
        after_help = "The vault gets one key slot: a passphrase (`passphrase`), or with --key-file PATH a key file (`key-file`). Add more with `tokenvault slot add`.

Examples:
  tokenvault init
  tokenvault init --key-file /etc/tokenvault/app.key --generate"
    )]
    Init {
        /// Make the --key-file first (32 random bytes, mode 0600; refuses an existing file)
        #[arg(long)]
        generate: bool,
        /// Also add a recovery key and print it once on stdout (write it down: it is never shown
        /// again)
        #[arg(long = "add-recovery-key")]
        add_recovery_key: bool,
        #[command(flatten)]
        kdf: KdfArgs,
    },

    /// Import an SDK token file (FileStore CSV), or an SDK DBStore table, in one transaction: all
    /// or nothing
    #[command(
        after_help = "Ids are kept. A row the SDK could not have written (a user name without \
any access, refresh or grant token) is skipped and reported. Running the same import twice updates the \
same tokens.\n\nFrom the SDK's DBStore (MySQL):\n  tokenvault --database-url \
mysql://app@db/zohooauth import --from-dbstore 'mysql://app@db/zohooauth?table=oauthtoken'\n\
With a password, keep it out of `ps`: put the URLs in TOKENVAULT_DATABASE_URL and \
TOKENVAULT_DBSTORE_URL and run `tokenvault import`."
    )]
    Import {
        /// The SDK token file (`sdk_tokens.txt`), or `-` for stdin
        #[arg(
            required_unless_present = "from_dbstore",
            conflicts_with = "from_dbstore"
        )]
        file: Option<PathBuf>,
        /// Read the tokens from the SDK's DBStore table instead:
        /// mysql://USER:PASSWORD@HOST/zohooauth[?table=oauthtoken] (read only, never changed);
        /// prefer the variable, which `ps` does not show
        #[arg(
            long,
            value_name = "URL",
            env = "TOKENVAULT_DBSTORE_URL",
            hide_env_values = true
        )]
        from_dbstore: Option<UrlArg>,
        /// Create the vault first if it does not exist
        #[arg(long)]
        create: bool,
        #[command(flatten)]
        kdf: KdfArgs,
    },

    /// Export the vault as an SDK token file (plain text: every secret in the clear)
    Export {
        /// Where to write it (created with mode 0600), or `-` for stdout
        file: PathBuf,
        /// Replace FILE if it exists
        #[arg(long)]
        force: bool,
    },

    /// List the stored tokens as a table (secrets masked)
    List {
        /// Show secrets in full
        #[arg(long)]
        reveal: bool,
    },

    /// Show one token
    Get {
        /// The token id
        id: String,
        /// Show secrets in full
        #[arg(long)]
        reveal: bool,
    },

    /// Delete one token
    Delete {
        /// The token id
        id: String,
    },

    /// Delete every token (the vault and its passphrase stay)
    Clear {
        /// Confirm: without it nothing is deleted
        #[arg(long)]
        yes: bool,
    },

    /// Find a token as the SDK does: reads a partial token as JSON on stdin
    #[command(
        after_help = "Input keys are the token's fields: id, user_name, client_id, \
client_secret, refresh_token, access_token, grant_token, expiry_time, redirect_url (or \
redirect_uri), api_domain; values are strings or null. Rules, in order: the user name if given; \
else the access token (without client id and secret); else the grant or refresh token (with \
client id and secret); else the id.\n\nExample:\n  echo '{\"user_name\": \"ann@zylker.com\"}' | \
tokenvault find --explain"
    )]
    Find {
        /// Also say which rule matched
        #[arg(long)]
        explain: bool,
        /// Show secrets in full
        #[arg(long)]
        reveal: bool,
    },

    /// Save a token as the SDK does: reads it as JSON on stdin, prints its id
    Save,

    /// Show the vault's format, key parameters and counters (no passphrase needed)
    Info {
        /// Also unlock the vault, so the counters are authenticated
        #[arg(long)]
        unlock: bool,
    },

    /// Change the passphrase of one passphrase slot (and optionally its Argon2id parameters)
    #[command(after_help = REVOCATION)]
    Passwd {
        /// The slot to change [default: the one that unlocked the vault]
        #[arg(long, value_name = "NAME")]
        slot: Option<String>,
        /// Read the new passphrase from the first line of this file (when
        /// TOKENVAULT_NEW_PASSPHRASE is unset)
        #[arg(long, value_name = "PATH")]
        new_passphrase_file: Option<PathBuf>,
        /// Also replace the data key and re-seal every record, so the old passphrase opens
        /// nothing written from now on, even with an old copy of the vault (unless its holder
        /// can also write the vault)
        #[arg(long)]
        rotate: bool,
        #[command(flatten)]
        kdf: KdfArgs,
    },

    /// List, add or remove key slots: the passphrases and key files that unlock the vault
    #[command(subcommand)]
    Slot(SlotCommand),

    /// Rewrite a format-1 vault as format 2 (key slots); its passphrase becomes the slot
    /// `passphrase`, and no record changes
    Upgrade,

    /// Replace the data key: re-seal every record and rebuild every index
    RotateKey,

    /// Decrypt every record and check every index entry both ways
    Verify,

    /// Shrink the file, dropping free pages (and the old ciphertext in them)
    Compact,

    /// Copy the vault to a new file or server database, records still sealed
    #[command(
        after_help = "Nothing is decrypted or re-encrypted: the copy is the same vault (same \
passphrase, same store id) on the other engine, taken as one consistent snapshot. The target \
must hold no vault yet.\n\nExamples:\n  tokenvault --vault tokens.vault copy --to \
mysql://app@db/zohooauth\n  tokenvault --database-url mysql://app@db/zohooauth copy --to \
backup.vault"
    )]
    Copy {
        /// Where to: a file path that does not exist, or a database URL (mysql://… or
        /// postgres://USER:PASSWORD@HOST/DATABASE)
        #[arg(
            long,
            value_name = "PATH_OR_URL",
            env = "TOKENVAULT_COPY_TO",
            hide_env_values = true
        )]
        to: UrlArg,
    },

    #[cfg(feature = "serve")]
    /// Serve the vault to local workers of any language: HTTP + JSON on a Unix socket
    #[command(
        after_help = "The vault is unlocked once, from the credential sources below (a prompt only on a \
terminal), and served until SIGTERM or SIGINT, which let requests in flight finish. SIGHUP reads \
the credential again. The protocol is in docs/PROTOCOL.md; each SDK's store talks to it.\n\n\
Examples:\n  TOKENVAULT_KEY_FILE=/etc/tokenvault/app.key tokenvault --vault /var/lib/app/tokens.vault serve\n  \
curl --unix-socket $XDG_RUNTIME_DIR/tokenvault.sock http://localhost/v1/health"
    )]
    Serve(ServeArgs),

    /// Print a shell completion script
    Completions {
        /// The shell
        shell: clap_complete::Shell,
    },
}

/// What `passwd` and `slot remove` say about revocation (and FORMAT.md §Threat model).
pub(crate) const REVOCATION: &str = "\
Without --rotate, the data key stays the same: the old passphrase or key file no longer opens
this vault, but it still opens a copy of the vault taken before the change (a backup, a
snapshot, the old header in a freed page of the file itself), and through that copy every
record, including records written later. With --rotate, a new data key is wrapped to every
remaining slot and every record re-sealed, in one transaction: the old credential then opens
nothing written after the change, for anyone who cannot write the vault (rotation keeps each
slot's public key, which the old credential's holder knew: with write access they could plant a
data key of their own). Copies taken before it stay readable with it either way.";

/// Argon2id cost. Unset values take the library default (`init`, `import --create`) or the
/// vault's current value (`passwd`). Below the floor only with `--insecure-kdf`.
#[derive(Debug, Args, Default, Clone, Copy)]
pub(crate) struct KdfArgs {
    /// Argon2id memory in KiB [default: 65536]
    #[arg(long, value_name = "KIB", value_parser = clap::value_parser!(u32).range(8..=i64::from(KdfParams::MAX_MEMORY_KIB)))]
    pub(crate) kdf_memory_kib: Option<u32>,
    /// Argon2id passes [default: 3]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=i64::from(KdfParams::MAX_ITERATIONS)))]
    pub(crate) kdf_iterations: Option<u32>,
    /// Argon2id lanes [default: 4]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=i64::from(KdfParams::MAX_PARALLELISM)))]
    pub(crate) kdf_parallelism: Option<u32>,
    /// Allow Argon2id settings below the floor (at least 64 MiB, and 64 MiB × 3 passes of work:
    /// RFC 9106's second recommendation). Such a passphrase is guessed far faster: for tests and
    /// throwaway vaults only
    #[arg(long)]
    pub(crate) insecure_kdf: bool,
}

impl KdfArgs {
    /// Whether any parameter was given (`--insecure-kdf` is permission, not a parameter).
    pub(crate) fn any(&self) -> bool {
        self.kdf_memory_kib.is_some()
            || self.kdf_iterations.is_some()
            || self.kdf_parallelism.is_some()
    }

    /// The given values over `base`.
    pub(crate) fn over(&self, base: KdfParams) -> KdfParams {
        KdfParams {
            memory_kib: self.kdf_memory_kib.unwrap_or(base.memory_kib),
            iterations: self.kdf_iterations.unwrap_or(base.iterations),
            parallelism: self.kdf_parallelism.unwrap_or(base.parallelism),
        }
    }
}

impl GlobalArgs {
    /// The vault's location: the server URL when one is given, else the path.
    pub(crate) fn location(&self) -> Location {
        match &self.database_url {
            Some(url) => Location::parse(url),
            None => Location::parse(&self.vault),
        }
    }

    /// The location as messages show it (a URL without its password).
    pub(crate) fn shown(&self) -> PathBuf {
        PathBuf::from(self.location().to_string())
    }
}

/// A command-line value that may be a server URL with a password (`--database-url`,
/// `--from-dbstore`, `copy --to`): wiped from memory when dropped, and `Debug` shows it as
/// messages do, without the password.
#[derive(Clone)]
pub(crate) struct UrlArg(Zeroizing<String>);

impl std::str::FromStr for UrlArg {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<UrlArg, Self::Err> {
        Ok(UrlArg(Zeroizing::new(text.to_string())))
    }
}

impl std::ops::Deref for UrlArg {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<std::ffi::OsStr> for UrlArg {
    fn as_ref(&self) -> &std::ffi::OsStr {
        std::ffi::OsStr::new(self.0.as_str())
    }
}

impl std::fmt::Debug for UrlArg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&Location::parse(self).to_string(), f)
    }
}

fn parse_seconds(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    Duration::try_from_secs_f64(seconds)
        .map_err(|_| format!("{text:?} is not a usable number of seconds"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_parsed_command_line_never_debug_prints_a_url_password() {
        for args in [
            &[
                "tokenvault",
                "--database-url",
                "mysql://app:Hx7qV@db/x",
                "info",
            ][..],
            &[
                "tokenvault",
                "import",
                "--from-dbstore",
                "mysql://app:Hx7qV@db/x",
            ],
            &["tokenvault", "copy", "--to", "mysql://app:Hx7qV@db/x"],
        ] {
            let cli = Cli::try_parse_from(args).unwrap();
            let shown = format!("{cli:?}");
            assert!(!shown.contains("Hx7qV"), "{shown}");
            assert!(shown.contains("mysql://app@db/x"), "{shown}");
        }
    }

    #[test]
    fn command_definition_passes_clap_debug_asserts() {
        Cli::command().debug_assert();
    }

    #[test]
    fn kdf_defaults_in_help_match_the_library_default() {
        let d = KdfParams::default();
        let help = Cli::command()
            .find_subcommand_mut("init")
            .expect("init")
            .render_help()
            .to_string();
        assert!(
            help.contains(&format!("[default: {}]", d.memory_kib)),
            "{help}"
        );
        assert!(
            help.contains(&format!("[default: {}]", d.iterations)),
            "{help}"
        );
        assert!(
            help.contains(&format!("[default: {}]", d.parallelism)),
            "{help}"
        );
    }

    #[test]
    fn no_argument_accepts_a_passphrase_value() {
        let cmd = Cli::command();
        let mut names: Vec<String> = Vec::new();
        let mut collect = |c: &clap::Command| {
            for a in c.get_arguments() {
                if let Some(l) = a.get_long() {
                    names.push(l.to_string());
                }
            }
        };
        collect(&cmd);
        for sub in cmd.get_subcommands() {
            collect(sub);
        }
        for name in names {
            // A file's path, or a command that prints the passphrase: never the passphrase.
            assert!(
                !name.contains("passphrase")
                    || name.ends_with("passphrase-file")
                    || name == "passphrase-command",
                "--{name} would take a passphrase on the command line"
            );
        }
    }

    #[test]
    fn busy_timeout_accepts_fractions_and_rejects_nonsense() {
        assert_eq!(parse_seconds("0.25"), Ok(Duration::from_millis(250)));
        assert!(parse_seconds("-1").is_err());
        assert!(parse_seconds("soon").is_err());
    }
}
