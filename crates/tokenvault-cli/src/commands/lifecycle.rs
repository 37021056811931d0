//! The vault as a whole: `init`, `passwd`, `rotate-key`, `compact`.

use std::path::Path;

use indicatif::HumanBytes;
use serde_json::json;
use tokenvault::KdfParams;

use crate::CliError;
use crate::args::{GlobalArgs, KdfArgs};
use crate::error::describe_kdf;
use crate::error::vault_error;
use crate::output::{self, BOLD};
use crate::output::{kdf_json, slot_json};
use crate::passphrase::{self, Which};
use crate::progress;
use crate::vault;

pub(crate) fn init(
    global: &GlobalArgs,
    generate: bool,
    add_recovery_key: bool,
    kdf: KdfArgs,
) -> Result<(), CliError> {
    if generate && global.key_file.is_none() {
        return Err(CliError::failure(
            "--generate makes the key file named by --key-file PATH (or TOKENVAULT_KEY_FILE); name one",
        ));
    }
    let insecure = kdf.insecure_kdf;
    let kdf = kdf.over(KdfParams::default());
    let vault = vault::create(global, kdf, insecure, generate)?;
    let shown = global.shown();
    let path = shown.display();
    let recovery = match add_recovery_key {
        true => Some(add_recovery(&vault, &shown)?),
        false => None,
    };
    let slots = vault.slots().map_err(|e| vault_error(e, &shown))?;
    drop(vault);
    if global.json {
        return output::print_json(&json!({
            "vault": path.to_string(),
            "created": true,
            "slots": slots.iter().map(slot_json).collect::<Vec<_>>(),
            "key_file_generated": generate,
            "recovery_key": recovery.as_ref().map(|(_, text)| text.expose()),
        }));
    }
    if let Some((name, text)) = &recovery {
        output::show_recovery_key(name, text)?;
    }
    let how = match (&global.key_file, generate) {
        (Some(key), true) => format!("unlocked by the new key file {}, mode 0600", key.display()),
        (Some(key), false) => format!("unlocked by the key file {}", key.display()),
        (None, _) => describe_kdf(&kdf),
    };
    output::status(format!(
        "Created {BOLD}{path}{BOLD:#} ({how}). Next: `tokenvault import sdk_tokens.txt`."
    ));
    Ok(())
}

/// Adds a new recovery key to `vault`; returns its slot's name and its text (to show once).
pub(crate) fn add_recovery(
    vault: &tokenvault::Vault,
    shown: &Path,
) -> Result<(String, tokenvault::RecoveryKeyText), CliError> {
    let (credential, text) =
        tokenvault::Credential::generate_recovery_key().map_err(|e| vault_error(e, shown))?;
    let name = vault
        .add_slot(None, credential, None)
        .map_err(|e| vault_error(e, shown))?;
    Ok((name, text))
}

pub(crate) fn passwd(
    global: &GlobalArgs,
    slot: Option<&str>,
    new_passphrase_file: Option<&Path>,
    rotate: bool,
    kdf: KdfArgs,
) -> Result<(), CliError> {
    let path = &global.shown();
    let vault = vault::open_with(
        global,
        vault::options(global).insecure_kdf(kdf.insecure_kdf),
    )?;
    let name = match slot.map(str::to_string).or_else(|| vault.unlocked_slot()) {
        Some(name) => name,
        None => {
            return Err(CliError::failure(
                "name the slot to change with --slot NAME",
            ));
        }
    };
    let slots = vault.slots().map_err(|e| vault_error(e, path))?;
    let Some(target) = slots.iter().find(|s| s.name == name) else {
        return Err(vault_error(
            tokenvault::Error::Slot {
                name,
                reason: tokenvault::SlotError::NotFound {
                    existing: slots.iter().map(|s| s.name.clone()).collect(),
                },
            },
            path,
        ));
    };
    let Some(current) = target.kdf else {
        return Err(CliError::failure(format!(
            "the slot {name} is a key file, which has no passphrase; name a passphrase slot with --slot NAME, or add a passphrase with `tokenvault slot add --passphrase`"
        )));
    };
    let new_kdf = kdf.over(current);
    // Checked before the new passphrase is asked for.
    vault::check_new_kdf(&new_kdf, kdf.insecure_kdf, !kdf.any())?;
    let new = passphrase::obtain(
        Which::New {
            file: new_passphrase_file,
        },
        path,
    )?;
    let total = vault.len().map_err(|e| vault_error(e, path))?;
    vault
        .change_slot_passphrase(
            Some(&name),
            tokenvault::Credential::passphrase(&new),
            Some(new_kdf),
            rotate,
        )
        .map_err(|e| vault_error(e, path))?;
    if global.json {
        return output::print_json(&json!({
            "vault": path.display().to_string(),
            "slot": name,
            "passphrase_changed": true,
            "rotated": rotate,
            "kdf": kdf_json(&new_kdf),
        }));
    }
    output::status(format!(
        "Changed the passphrase of the slot {BOLD}{name}{BOLD:#} of {} ({}).",
        path.display(),
        describe_kdf(&new_kdf)
    ));
    output::status(output::revocation_note(
        "The old passphrase",
        rotate,
        total,
        "`tokenvault passwd --rotate` or `tokenvault rotate-key`",
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
