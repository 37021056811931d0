//! Moving an SDK token file (`sdk_tokens.txt`) in and out: `import` and `export`.
//!
//! Import parses the whole file before the vault is touched, then saves every token in one
//! transaction, so a bad file changes nothing. Export writes exactly what the SDK writes.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde_json::json;
use tokenvault::{KdfParams, Location, Token, filestore};
use zeroize::Zeroizing;

use crate::CliError;
use crate::args::{GlobalArgs, KdfArgs};
use crate::error::vault_error;
use crate::output::{self, BOLD};
use crate::progress;
use crate::vault;

fn is_stdio(path: &Path) -> bool {
    path.as_os_str() == "-"
}

fn shown(path: &Path) -> String {
    if is_stdio(path) {
        "stdin".to_string()
    } else {
        path.display().to_string()
    }
}

/// Where `import` reads its tokens.
pub(crate) enum Source {
    /// An SDK token file (`-`: stdin).
    File(PathBuf),
    /// The SDK's DBStore table on a MySQL server (a URL, which may hold a password).
    DbStore(crate::args::UrlArg),
}

impl Source {
    /// What messages call it: the file, or the table's URL without its password.
    fn shown(&self) -> String {
        match self {
            Source::File(file) => shown(file),
            Source::DbStore(url) => Location::parse(url).to_string(),
        }
    }

    /// Every token, read in full before the vault is touched.
    fn read(&self) -> Result<Vec<Token>, CliError> {
        match self {
            Source::File(file) => {
                let bytes = read_input(file)?;
                filestore::parse(&bytes).map_err(|e| {
                    CliError::failure(format!(
                        "cannot import {}: {e}; nothing was imported",
                        shown(file)
                    ))
                })
            }
            Source::DbStore(url) => read_dbstore(url, &self.shown()),
        }
    }
}

#[cfg(feature = "mysql")]
fn read_dbstore(url: &str, shown: &str) -> Result<Vec<Token>, CliError> {
    tokenvault::dbstore::read(url).map_err(|e| {
        CliError::failure(format!(
            "cannot import the DBStore table {shown}: {e}; nothing was imported"
        ))
    })
}

#[cfg(not(feature = "mysql"))]
fn read_dbstore(_url: &str, _shown: &str) -> Result<Vec<Token>, CliError> {
    Err(CliError::failure(
        "this tokenvault was built without MySQL support; rebuild it with `cargo install --features mysql`",
    ))
}

pub(crate) fn import(
    global: &GlobalArgs,
    source: &Source,
    create: bool,
    kdf: KdfArgs,
) -> Result<(), CliError> {
    let path = &global.shown();
    let tokens = source.read()?;
    let ids: Vec<Option<String>> = tokens.iter().map(|t| t.id.clone()).collect();

    let created = create && !vault::exists(global)?;
    if !created && kdf.any() {
        return Err(CliError::failure(
            "--kdf-* options apply only when import creates the vault (with --create, on a new path); `tokenvault passwd` changes them",
        ));
    }
    let total = tokens.len() as u64;
    // Drawn from the first token on: after any passphrase prompt, never over it.
    let bar = std::cell::OnceCell::new();
    let counted = tokens
        .iter()
        .cloned()
        .inspect(|_| bar.get_or_init(|| progress::bar(total, "importing")).inc(1));
    // A vault made for this import is created in the import's transaction: all or nothing, the
    // vault included.
    let result = if created {
        vault::create_or_import(
            global,
            kdf.over(KdfParams::default()),
            kdf.insecure_kdf,
            counted,
        )
    } else {
        vault::open(global).and_then(|vault| {
            vault
                .import(counted)
                .map(|summary| (summary, false))
                .map_err(|e| vault_error(e, path))
        })
    };
    if let Some(bar) = bar.get() {
        bar.finish_and_clear();
    }
    let (summary, created) = result?;

    let skipped: Vec<(usize, Option<&str>, &str)> = summary
        .skipped
        .iter()
        .map(|(position, reason)| {
            let id = ids.get(*position).and_then(|id| id.as_deref());
            (position + 1, id, reason.as_str())
        })
        .collect();
    if global.json {
        let skipped: Vec<_> = skipped
            .iter()
            .map(|(row, id, reason)| json!({ "row": row, "id": id, "reason": reason }))
            .collect();
        return output::print_json(&json!({
            "file": source.shown(),
            "vault": path.display().to_string(),
            "created": created,
            "rows": total,
            "imported": summary.inserted,
            "updated": summary.updated,
            "skipped": skipped,
        }));
    }
    let mut out = output::stdout();
    writeln!(
        out,
        "{}{BOLD}{}{BOLD:#}: {} imported, {} updated, {} skipped ({total} row{} in {}).",
        if created { "Created " } else { "" },
        path.display(),
        summary.inserted,
        summary.updated,
        skipped.len(),
        if total == 1 { "" } else { "s" },
        source.shown(),
    )?;
    for (row, id, reason) in skipped {
        let id = id.map(|id| format!(" (id {})", output::printable(id)));
        writeln!(
            out,
            "  skipped row {row}{}: {reason}",
            id.unwrap_or_default()
        )?;
    }
    out.flush()?;
    Ok(())
}

/// The most input read: far beyond any real token file, well short of exhausting memory.
const MAX_INPUT: u64 = 1 << 30;

fn read_input(file: &Path) -> Result<Zeroizing<Vec<u8>>, CliError> {
    let mut bytes = Zeroizing::new(Vec::new());
    let reader: Box<dyn Read> = if is_stdio(file) {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(fs::File::open(file).map_err(|e| CliError::io("open", file, &e))?)
    };
    reader
        .take(MAX_INPUT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::io("read", file, &e))?;
    if bytes.len() as u64 > MAX_INPUT {
        return Err(CliError::failure(format!(
            "{} is over {} bytes: not a token file; nothing was imported",
            shown(file),
            MAX_INPUT
        )));
    }
    Ok(bytes)
}

pub(crate) fn export(global: &GlobalArgs, file: &Path, force: bool) -> Result<(), CliError> {
    let path = &global.shown();
    if is_stdio(file) && global.json {
        return Err(CliError::failure(
            "`export -` writes the token file to stdout, so it cannot also print JSON; export to a file, or drop --json",
        ));
    }
    if !is_stdio(file) && !force && file.exists() {
        return Err(CliError::failure(format!(
            "{} exists; refusing to overwrite it (pass --force, or choose another file)",
            file.display()
        )));
    }
    let tokens: Vec<Token> = vault::open(global)?
        .get_tokens()
        .map_err(|e| vault_error(e, path))?;
    let mut csv = Zeroizing::new(Vec::new());
    filestore::write(&tokens, &mut *csv).map_err(|e| vault_error(e, path))?;
    output::warn(format!(
        "the export holds every secret of {} in plain text; keep it private and delete it when done",
        path.display()
    ));
    if is_stdio(file) {
        let mut out = std::io::stdout().lock();
        out.write_all(&csv)?;
        out.flush()?;
        return Ok(());
    }
    write_private(file, &csv, force)?;
    if global.json {
        return output::print_json(&json!({
            "vault": path.display().to_string(),
            "file": file.display().to_string(),
            "exported": tokens.len(),
        }));
    }
    output::status(format!(
        "Exported {} token{} to {} (mode 0600).",
        tokens.len(),
        if tokens.len() == 1 { "" } else { "s" },
        file.display()
    ));
    Ok(())
}

/// Writes `bytes` to a new file only its owner can read. With `replace`, writes a private
/// sibling and renames it over `file`, so an existing file never holds a partial export and a
/// world-readable one is not reused.
fn write_private(file: &Path, bytes: &[u8], replace: bool) -> Result<(), CliError> {
    let target: PathBuf = if replace {
        let mut name = file.file_name().unwrap_or_default().to_os_string();
        name.push(format!(".tokenvault-{}.tmp", std::process::id()));
        file.with_file_name(name)
    } else {
        file.to_path_buf()
    };
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut out = options
        .open(&target)
        .map_err(|e| CliError::io("create", &target, &e))?;
    if let Err(e) = out.write_all(bytes).and_then(|()| out.sync_all()) {
        // Ours (create_new): remove the partial file rather than leave half the secrets.
        let _ = fs::remove_file(&target);
        return Err(CliError::io("write", &target, &e));
    }
    if replace {
        fs::rename(&target, file).map_err(|e| {
            let _ = fs::remove_file(&target);
            CliError::io("replace", file, &e)
        })?;
    }
    Ok(())
}
