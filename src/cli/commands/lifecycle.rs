//! The vault as a whole: `init`, `passwd`, `rotate-key`, `compact`.

use std::path::Path;

use indicatif::HumanBytes;
use serde_json::json;
use tokenvault::KdfParams;

use crate::cli::CliError;
use crate::cli::args::{GlobalArgs, KdfArgs};
use crate::cli::error::describe_kdf;
use crate::cli::error::vault_error;
use crate::cli::output::{self, BOLD};
use crate::cli::passphrase::{self, Which};
use crate::cli::progress;
use crate::cli::vault;

pub(crate) fn kdf_json(kdf: &KdfParams) -> serde_json::Value {
    json!({
        "algorithm": "argon2id",
        "memory_kib": kdf.memory_kib,
        "iterations": kdf.iterations,
        "parallelism": kdf.parallelism,
    })
}

pub(crate) fn init(global: &GlobalArgs, kdf: KdfArgs) -> Result<(), CliError> {
    let insecure = kdf.insecure_kdf;
    let kdf = kdf.over(KdfParams::default());
    drop(vault::create(global, kdf, insecure)?);
    let shown = global.shown();
    let path = shown.display();
    if global.json {
        return output::print_json(&json!({
            "vault": path.to_string(),
            "created": true,
            "kdf": kdf_json(&kdf),
        }));
    }
    output::status(format!(
        "Created {BOLD}{path}{BOLD:#} ({}). Next: `tokenvault import sdk_tokens.txt`.",
        describe_kdf(&kdf)
    ));
    Ok(())
}

pub(crate) fn passwd(
    global: &GlobalArgs,
    new_passphrase_file: Option<&Path>,
    kdf: KdfArgs,
) -> Result<(), CliError> {
    let path = &global.shown();
    let vault = vault::open_with(
        global,
        vault::options(global).insecure_kdf(kdf.insecure_kdf),
    )?;
    let current = vault.info().map_err(|e| vault_error(e, path))?.kdf;
    let new_kdf = kdf.over(current);
    // Checked before the new passphrase is asked for.
    vault::check_new_kdf(&new_kdf, kdf.insecure_kdf, !kdf.any())?;
    let new = passphrase::obtain(
        Which::New {
            file: new_passphrase_file,
        },
        path,
    )?;
    vault
        .change_passphrase(
            tokenvault::Credential::passphrase(&new),
            kdf.any().then_some(new_kdf),
        )
        .map_err(|e| vault_error(e, path))?;
    if global.json {
        return output::print_json(&json!({
            "vault": path.display().to_string(),
            "passphrase_changed": true,
            "kdf": kdf_json(&new_kdf),
        }));
    }
    output::status(format!(
        "Changed the passphrase of {} ({}).",
        path.display(),
        describe_kdf(&new_kdf)
    ));
    Ok(())
}

pub(crate) fn rotate_key(global: &GlobalArgs) -> Result<(), CliError> {
    let path = &global.shown();
    let vault = vault::open(global)?;
    let total = vault.len().map_err(|e| vault_error(e, path))?;
    let bar = progress::bar(total, "re-sealing");
    let result = vault.rotate_data_key_with_progress(|done, _| bar.set_position(done));
    bar.finish_and_clear();
    result.map_err(|e| vault_error(e, path))?;
    if global.json {
        return output::print_json(&json!({
            "vault": path.display().to_string(),
            "rotated": true,
            "tokens": total,
        }));
    }
    output::status(format!(
        "Rotated the data key of {}: {total} token{} re-sealed, every index rebuilt.",
        path.display(),
        if total == 1 { "" } else { "s" }
    ));
    Ok(())
}

pub(crate) fn compact(global: &GlobalArgs) -> Result<(), CliError> {
    let path = &global.shown();
    let location = global.location();
    // A file's size on disk, before the open (whose integrity check may already give free
    // space back); a server's tables, as the server reports them (`info`'s figure).
    let file_before = match location.as_path() {
        Some(file) if file.exists() => Some(file_size(file)?),
        _ => None,
    };
    let mut vault = vault::open(global)?;
    let before = match file_before {
        Some(size) => size,
        None => table_size(&vault, path)?,
    };
    vault.compact().map_err(|e| vault_error(e, path))?;
    let after = match location.as_path() {
        // The file shrinks when the handle closes.
        Some(file) => {
            drop(vault);
            file_size(file)?
        }
        None => table_size(&vault, path)?,
    };
    if global.json {
        return output::print_json(&json!({
            "vault": path.display().to_string(),
            "size_before": before,
            "size_after": after,
        }));
    }
    output::status(format!(
        "Compacted {}: {} → {}.",
        path.display(),
        HumanBytes(before),
        HumanBytes(after)
    ));
    Ok(())
}

fn file_size(file: &Path) -> Result<u64, CliError> {
    std::fs::metadata(file)
        .map(|m| m.len())
        .map_err(|e| CliError::io("read the size of", file, &e))
}

fn table_size(vault: &tokenvault::Vault, shown: &Path) -> Result<u64, CliError> {
    vault
        .info()
        .map(|info| info.file_size)
        .map_err(|e| vault_error(e, shown))
}
