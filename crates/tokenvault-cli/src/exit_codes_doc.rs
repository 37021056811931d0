//! docs/FORMAT.md §Errors and exit codes and the README's exit-code table name the command's exit
//! code for every library error: a second implementation, and every script, is written from
//! them. Checked here against the mapping itself ([`vault_error`]) and against the variants
//! `src/error.rs` declares, so a new error or a changed code cannot leave the docs behind.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokenvault::{Error, KeyFileError, SlotError};

use crate::error::vault_error;

/// Variants no caller outside the library can make (their payload's constructor is the
/// library's own): [`vault_error`] must not name them, so they reach its last arm, exit 2.
const NOT_CONSTRUCTIBLE_HERE: &[&str] = &["Storage"];

fn repo_file(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// One value of each variant the command can be handed.
fn one_of_each() -> Vec<Error> {
    let location = || "v.vault".to_string();
    vec![
        Error::WrongPassphrase,
        Error::EmptyPassphrase,
        Error::Corrupted { what: "x".into() },
        Error::UnsupportedVersion {
            found: 3,
            supported: 2,
        },
        Error::NotAVault {
            location: location(),
        },
        Error::VaultNotFound {
            location: location(),
        },
        Error::AlreadyExists {
            location: location(),
        },
        Error::VaultNotEmpty {
            location: location(),
            tokens: 1,
        },
        Error::KdfCostTooHigh {
            memory_kib: u32::MAX,
            iterations: 1,
            parallelism: 1,
        },
        Error::KdfTotalCostTooHigh {
            total: u64::MAX,
            max: 1,
        },
        Error::KdfBelowFloor {
            memory_kib: 8,
            iterations: 1,
            parallelism: 1,
        },
        Error::PassphraseCommand { what: "x".into() },
        Error::InvalidKdfParams { reason: "x".into() },
        Error::TokenNotFound { id: "1".into() },
        Error::MissingAuthDetails,
        Error::InvalidId { id: "01".into() },
        Error::InvalidTokenFile {
            line: 1,
            reason: "x".into(),
        },
        Error::TokenTooLarge { size: 2, limit: 1 },
        Error::SealBudgetExhausted,
        Error::Busy {
            waited: Duration::from_secs(1),
        },
        Error::KeyChanged,
        Error::WrongKeyFile,
        Error::WrongRecoveryKey,
        Error::InvalidRecoveryKey,
        Error::NoSlotOfKind {
            kind: "key file",
            other: "passphrase",
        },
        Error::KeyFile {
            path: PathBuf::from("k.key"),
            reason: KeyFileError::WrongLength {
                seen: 33,
                expected: 32,
            },
        },
        Error::WeakKeyFile { what: "x" },
        Error::Slot {
            name: "s".into(),
            reason: SlotError::LastSlot,
        },
        Error::AlreadyOpen,
        Error::InvalidLocation { reason: "x".into() },
        Error::ServerUnreachable {
            server: "mysql://h/db".into(),
            reason: "x".into(),
        },
        Error::Server { what: "x".into() },
        Error::Io(Arc::new(std::io::Error::other("x"))),
        Error::Internal { what: "x".into() },
    ]
}

/// A variant's name: how its `Debug` output begins.
fn variant(e: &Error) -> String {
    format!("{e:?}")
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect()
}

/// The variants `pub enum Error` declares in src/error.rs, in order.
fn declared() -> Vec<String> {
    let source = repo_file("src/error.rs");
    let body = source
        .split("pub enum Error {")
        .nth(1)
        .and_then(|rest| rest.split("\n}\n").next())
        .expect("src/error.rs declares pub enum Error");
    body.lines()
        .filter_map(|line| line.strip_prefix("    "))
        .map(|line| -> String {
            line.chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect()
        })
        .filter(|name| name.starts_with(|c: char| c.is_ascii_uppercase()))
        .collect()
}

/// The lines of `document` from the heading `## {section}` to the next heading of that level.
fn section<'a>(document: &'a str, heading: &str) -> Vec<&'a str> {
    document
        .lines()
        .skip_while(|line| *line != heading)
        .skip(1)
        .take_while(|line| !line.starts_with("## "))
        .collect()
}

/// The table of FORMAT.md §Errors and exit codes: error name → exit code.
fn format_md_codes() -> BTreeMap<String, u8> {
    let format = repo_file("docs/FORMAT.md");
    let mut codes = BTreeMap::new();
    for line in section(&format, "## Errors and exit codes") {
        let Some(rest) = line.strip_prefix("| `") else {
            continue;
        };
        let name = rest.split('`').next().unwrap_or_default().to_string();
        let code = line
            .trim_end_matches('|')
            .rsplit('|')
            .next()
            .and_then(|cell| cell.trim().parse().ok())
            .unwrap_or_else(|| panic!("FORMAT.md: no exit code in {line:?}"));
        assert!(
            codes.insert(name.clone(), code).is_none(),
            "FORMAT.md lists {name} twice"
        );
    }
    codes
}

/// The README's exit-code table: code → the error names its row lists.
fn readme_rows() -> BTreeMap<u8, Vec<String>> {
    let readme = repo_file("README.md");
    let table = readme
        .lines()
        .skip_while(|line| !line.contains("**Exit codes**"))
        .map(str::trim)
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'));
    let mut rows = BTreeMap::new();
    for line in table {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // "| code | meaning | errors |": cells[0] is the empty text before the first bar.
        let (Some(code), Some(errors)) = (
            cells.get(1).and_then(|c| c.parse::<u8>().ok()),
            cells.get(3),
        ) else {
            continue;
        };
        let names = errors
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect();
        rows.insert(code, names);
    }
    rows
}

#[test]
fn every_error_has_one_row_in_format_md_and_a_value_in_this_test() {
    let mut declared = declared();
    assert!(declared.len() >= 30, "{declared:?}");
    declared.sort();
    let documented: Vec<String> = format_md_codes().into_keys().collect();
    assert_eq!(
        documented, declared,
        "FORMAT.md §Errors and exit codes must list exactly the variants of src/error.rs"
    );
    let mut here: Vec<String> = one_of_each().iter().map(variant).collect();
    here.extend(NOT_CONSTRUCTIBLE_HERE.iter().map(|s| s.to_string()));
    here.sort();
    assert_eq!(here, declared, "one_of_each must hold every variant");
}

#[test]
fn format_md_gives_each_error_the_exit_code_the_command_uses() {
    let documented = format_md_codes();
    for e in one_of_each() {
        let name = variant(&e);
        let exit = vault_error(e, Path::new("v.vault")).exit() as u8;
        assert_eq!(
            Some(&exit),
            documented.get(&name),
            "{name}: the command exits {exit}"
        );
    }
    let mapping = repo_file("crates/tokenvault-cli/src/error.rs");
    assert!(mapping.contains("e => CliError::failure(e.to_string()),"));
    for name in NOT_CONSTRUCTIBLE_HERE {
        assert!(
            !mapping.contains(&format!("Error::{name}")),
            "{name} is mapped by name: give it a value in one_of_each"
        );
        assert_eq!(documented.get(*name), Some(&2), "{name}");
    }
}

#[test]
fn the_readme_table_names_each_error_in_the_row_of_its_code() {
    let documented = format_md_codes();
    let rows = readme_rows();
    assert_eq!(
        rows.keys().copied().collect::<Vec<_>>(),
        [0, 1, 2, 3, 4, 5, 70],
        "the README's exit codes"
    );
    for (code, names) in &rows {
        for name in names {
            assert_eq!(
                documented.get(name),
                Some(code),
                "README puts {name} in the row of exit {code}"
            );
        }
    }
    // Row 2 holds "every other error": the rows of the other codes are complete.
    for (name, code) in &documented {
        if *code != 2 {
            assert!(
                rows[code].contains(name),
                "README's row for exit {code} does not name {name}"
            );
        }
    }
}
