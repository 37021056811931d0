//! Key slots: `slot list | add | remove`, and `upgrade` (a format-1 vault to format 2).

use std::io::Write;
use std::path::Path;

use serde_json::json;
use tokenvault::{Credential, KdfParams, Vault};

use crate::CliError;
use crate::args::{GlobalArgs, KdfArgs, SlotCommand};
use crate::error::{not_found_vault, vault_error};
use crate::output::{self, BOLD, describe_slot, slot_json, timestamp};
use crate::passphrase::{self, Which};
use crate::table::{Cell, Table};
use crate::vault;

pub(crate) fn run(global: &GlobalArgs, command: SlotCommand) -> Result<(), CliError> {
    match command {
        SlotCommand::List => list(global),
        SlotCommand::Add {
            passphrase,
            new_passphrase_file,
            new_key_file,
            generate,
            new_recovery_key,
            name,
            kdf,
        } => {
            let new = match (passphrase, new_key_file.as_deref(), new_recovery_key) {
                (_, Some(path), _) => NewSlot::KeyFile { path, generate },
                (_, None, true) => NewSlot::RecoveryKey,
                _ => NewSlot::Passphrase {
                    file: new_passphrase_file.as_deref(),
                },
            };
            add(global, new, name.as_deref(), kdf)
        }
        SlotCommand::Remove { name, rotate } => remove(global, &name, rotate),
    }
}

/// The credential of a slot being added.
enum NewSlot<'a> {
    Passphrase { file: Option<&'a Path> },
    KeyFile { path: &'a Path, generate: bool },
    RecoveryKey,
}

fn list(global: &GlobalArgs) -> Result<(), CliError> {
    let path = &global.shown();
    let location = global.location();
    if let Some(file) = location.as_path().filter(|file| !file.exists()) {
        return Err(not_found_vault(file));
    }
    let info = Vault::inspect(location).map_err(|e| vault_error(e, path))?;
    if global.json {
        return output::print_json(&json!({
            "vault": path.display().to_string(),
            "format_version": info.format_version,
            "slots": info.slots.iter().map(slot_json).collect::<Vec<_>>(),
        }));
    }
    let mut table = Table::new(vec!["NAME", "KIND", "CREATED", "UNLOCKS WITH"]);
    for slot in &info.slots {
        table.push(vec![
            Cell::new(slot.name.clone()),
            Cell::new(slot.kind.as_str()),
            Cell::new(timestamp(slot.created_unix)),
            Cell::new(describe_slot(slot)),
        ]);
    }
    let mut out = output::stdout();
    table.write(&mut out)?;
    out.flush()?;
    if info.format_version == 1 {
        output::status(
            "This is a format-1 vault: its one passphrase is shown as the slot `passphrase`. `tokenvault slot add` (or `tokenvault upgrade`) makes it format 2.",
        );
    }
    Ok(())
}

fn add(
    global: &GlobalArgs,
    new: NewSlot<'_>,
    name: Option<&str>,
    kdf: KdfArgs,
) -> Result<(), CliError> {
    let path = &global.shown();
    let slot_kdf = kdf.over(KdfParams::default());
    if let NewSlot::Passphrase { .. } = new {
        // Checked before anyone is asked for a passphrase.
        vault::check_new_kdf(&slot_kdf, kdf.insecure_kdf, false)?;
    }
    // A key file given is read and checked before the vault is unlocked, so a refusal asks for
    // no passphrase.
    let given = match new {
        NewSlot::KeyFile {
            path: key,
            generate: false,
        } => {
            let credential = passphrase::key_file(key, "--new-key-file")?;
            passphrase::check_new_key_file(
                &credential,
                key,
                "--new-key-file",
                global.allow_weak_key_file,
            )?;
            Some(credential)
        }
        _ => None,
    };
    let vault = vault::open_with(
        global,
        vault::options(global).insecure_kdf(kdf.insecure_kdf),
    )?;
    let mut recovery = None;
    let (credential, generated) = match (new, given) {
        (_, Some(credential)) => (credential, None),
        (NewSlot::RecoveryKey, None) => {
            let (credential, text) = Credential::generate_recovery_key()
                .map_err(|e| CliError::failure(e.to_string()))?;
            recovery = Some(text);
            (credential, None)
        }
        (NewSlot::Passphrase { file }, None) => {
            let passphrase = passphrase::obtain(Which::New { file }, path)?;
            (Credential::passphrase(&passphrase), None)
        }
        // Only a key file to generate is not read above.
        (NewSlot::KeyFile { path: key, .. }, None) => (
            Credential::generate_key_file(key).map_err(|e| CliError::failure(e.to_string()))?,
            Some(key),
        ),
    };
    let added = vault.add_slot(name, credential, Some(slot_kdf));
    let name = match added {
        Ok(name) => name,
        Err(e) => {
            // A key file made for a slot that was not added unlocks nothing: remove it.
            if let Some(key) = generated {
                let _ = std::fs::remove_file(key);
            }
            return Err(vault_error(e, path));
        }
    };
    let slot = vault
        .slots()
        .map_err(|e| vault_error(e, path))?
        .into_iter()
        .find(|s| s.name == name);
    if global.json {
        return output::print_json(&json!({
            "vault": path.display().to_string(),
            "added": slot.as_ref().map(slot_json),
            "key_file_generated": generated.map(|p| p.display().to_string()),
            "recovery_key": recovery.as_ref().map(|text| text.expose()),
        }));
    }
    if let Some(text) = &recovery {
        return output::show_recovery_key(&name, text);
    }
    let how = slot.as_ref().map(describe_slot).unwrap_or_default();
    output::status(format!(
        "Added the key slot {BOLD}{name}{BOLD:#} to {} ({how}).",
        path.display()
    ));
    if let Some(key) = generated {
        output::status(format!(
            "Wrote a new key file to {} (mode 0600). Whoever can read it can unlock the vault: keep it like a private key, and back it up or keep another slot.",
            key.display()
        ));
    }
    Ok(())
}

fn remove(global: &GlobalArgs, name: &str, rotate: bool) -> Result<(), CliError> {
    let path = &global.shown();
    let vault = vault::open(global)?;
    let total = vault.len().map_err(|e| vault_error(e, path))?;
    vault
        .remove_slot(name, rotate)
        .map_err(|e| vault_error(e, path))?;
    if global.json {
        return output::print_json(&json!({
            "vault": path.display().to_string(),
            "removed": name,
            "rotated": rotate,
            "tokens_resealed": if rotate { total } else { 0 },
        }));
    }
    output::status(format!(
        "Removed the key slot {BOLD}{name}{BOLD:#} from {}.",
        path.display()
    ));
    output::status(output::revocation_note(
        "The removed credential",
        rotate,
        total,
        "`tokenvault rotate-key` (or remove with --rotate)",
    ));
    Ok(())
}

pub(crate) fn upgrade(global: &GlobalArgs) -> Result<(), CliError> {
    let path = &global.shown();
    let vault = vault::open(global)?;
    let upgraded = vault.upgrade().map_err(|e| vault_error(e, path))?;
    if global.json {
        return output::print_json(&json!({
            "vault": path.display().to_string(),
            "upgraded": upgraded,
            "format_version": 2,
        }));
    }
    output::status(if upgraded {
        format!(
            "Upgraded {} to format 2: its passphrase is now the key slot `passphrase`; no record changed. Builds before key slots can no longer open it.",
            path.display()
        )
    } else {
        format!("{} is already format 2; nothing changed.", path.display())
    });
    Ok(())
}
