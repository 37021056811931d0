//! Opening and creating the vault the global options name (a file, or a database on a server),
//! with the credential from its sources (a key file, else a passphrase). A file is checked before anyone is asked for a
//! passphrase, so a typo in the path is reported at once rather than after a prompt.

use tokenvault::{
    Credential, Error, ImportSummary, KdfParams, Location, OpenOptions, Token, Vault,
};

use crate::CliError;
use crate::args::GlobalArgs;
use crate::error::{describe_kdf, kdf_error, not_found_vault, vault_error};
use crate::output;
use crate::passphrase::{self, Sources, Which};

pub(crate) fn options(global: &GlobalArgs) -> OpenOptions {
    OpenOptions::new()
        .busy_timeout(global.busy_timeout)
        .allow_weak_key_file(global.allow_weak_key_file)
}

/// Unlocks the existing vault. The library bounds every wait for another process by
/// `--busy-timeout` (exit 5 past it).
pub(crate) fn open(global: &GlobalArgs) -> Result<Vault, CliError> {
    open_with(global, options(global))
}

/// [`open`] with `options` (`passwd` adds `--insecure-kdf` to them).
pub(crate) fn open_with(global: &GlobalArgs, options: OpenOptions) -> Result<Vault, CliError> {
    open_keeping_credential(global, options).map(|(vault, _)| vault)
}

/// [`open_with`], also returning the credential that unlocked the vault (`serve` keeps it to
/// open the vault again).
pub(crate) fn open_keeping_credential(
    global: &GlobalArgs,
    options: OpenOptions,
) -> Result<(Vault, Credential), CliError> {
    let location = global.location();
    let shown = global.shown();
    if let Some(path) = location.as_path() {
        if !path.exists() {
            return Err(not_found_vault(path));
        }
    }
    if let Some(warning) = location.permission_warning() {
        output::warn(warning);
    }
    let credential = passphrase::credential(Which::Current(Sources::of(global)), &shown)?;
    let vault = options
        .open(location, credential.clone())
        .map_err(|e| vault_error(e, &shown))?;
    Ok((vault, credential))
}

/// Whether a vault is at the location: a file there, or a vault in the server's database.
pub(crate) fn exists(global: &GlobalArgs) -> Result<bool, CliError> {
    let location = global.location();
    if let Some(path) = location.as_path() {
        return Ok(path.exists());
    }
    match Vault::inspect(location) {
        Ok(_) => Ok(true),
        Err(Error::NotAVault { .. }) => Ok(false),
        Err(e) => Err(vault_error(e, &global.shown())),
    }
}

/// Creates a new vault with `kdf` (below the floor only if `insecure`); refuses an existing file
/// before asking for a passphrase. With `generate`, the `--key-file` is made first (and removed
/// again if the vault cannot be created).
pub(crate) fn create(
    global: &GlobalArgs,
    kdf: KdfParams,
    insecure: bool,
    generate: bool,
) -> Result<Vault, CliError> {
    let generated = match (generate, global.key_file.as_deref()) {
        (true, Some(path)) => {
            check_absent(global)?;
            Some((
                path,
                Credential::generate_key_file(path)
                    .map_err(|e| CliError::failure(e.to_string()))?,
            ))
        }
        _ => None,
    };
    let created = match &generated {
        Some((_, credential)) => Ok((global.location(), credential.clone())),
        None => creating(global, kdf, insecure),
    }
    .and_then(|(location, credential)| {
        options(global)
            .kdf(kdf)
            .insecure_kdf(insecure)
            .create(location, credential)
            .map_err(|e| vault_error(e, &global.shown()))
    });
    if let (Err(_), Some((path, _))) = (&created, &generated) {
        let _ = std::fs::remove_file(path);
    }
    created
}

/// Imports `tokens` into the vault, creating it holding them (in one transaction: a failed
/// import leaves no vault) when there is none. Returns what the import did and whether the vault
/// was created.
pub(crate) fn create_or_import(
    global: &GlobalArgs,
    kdf: KdfParams,
    insecure: bool,
    tokens: impl IntoIterator<Item = Token> + Clone,
) -> Result<(ImportSummary, bool), CliError> {
    let (location, credential) = creating(global, kdf, insecure)?;
    options(global)
        .kdf(kdf)
        .insecure_kdf(insecure)
        .create_or_import(location, credential, tokens, false)
        .map(|(_, summary, created)| (summary, created))
        .map_err(|e| vault_error(e, &global.shown()))
}

/// The location and credential for a vault about to be created: a file already there is refused
/// before the passphrase prompt (a server database is checked by the library, inside the
/// transaction that creates the vault), and so are KDF settings the library would refuse (a
/// key file has none).
fn creating(
    global: &GlobalArgs,
    kdf: KdfParams,
    insecure: bool,
) -> Result<(Location, Credential), CliError> {
    check_absent(global)?;
    if global.key_file.is_none() {
        check_new_kdf(&kdf, insecure, false)?;
    }
    let credential = passphrase::credential(Which::Creating(Sources::of(global)), &global.shown())?;
    Ok((global.location(), credential))
}

/// Refuses a vault file that is already there.
fn check_absent(global: &GlobalArgs) -> Result<(), CliError> {
    match global.location().as_path().filter(|path| path.exists()) {
        Some(path) => Err(vault_error(
            Error::AlreadyExists {
                location: path.display().to_string(),
            },
            path,
        )),
        None => Ok(()),
    }
}

/// Checks Argon2id settings for a new passphrase key before anyone is asked for a passphrase (the
/// library checks them again): each refusal with the flag that fixes it. `kept`: the settings are
/// the vault's own, which `passwd` keeps when given no `--kdf-*` option. With `insecure`, settings
/// below the floor are accepted, with a warning.
pub(crate) fn check_new_kdf(kdf: &KdfParams, insecure: bool, kept: bool) -> Result<(), CliError> {
    kdf.validate_new(insecure).map_err(|e| kdf_error(e, kept))?;
    if !kdf.meets_floor() {
        output::warn(format!(
            "Argon2id settings below the floor ({}), allowed by --insecure-kdf: this passphrase can be guessed far faster than with the default; for tests and throwaway vaults only",
            describe_kdf(kdf)
        ));
    }
    Ok(())
}
