//! `tokenvault serve`: unlocks the vault once and hands it to the token service
//! (`tokenvault-server`), with a way to read the credential again on SIGHUP.

use std::path::PathBuf;

use tokenvault::{Credential, CredentialSources, NamedPath, Resolution};
use tokenvault_server::{BearerToken, LogFormat, Opener, ServeConfig, SocketChoice};

use crate::CliError;
use crate::args::{GlobalArgs, LogFormatArg, ServeArgs};
use crate::vault;

pub(crate) fn serve(global: &GlobalArgs, args: ServeArgs) -> Result<(), CliError> {
    // Everything that can be refused is, before anyone is asked for a passphrase.
    let config = config(&args)?;
    let mut options = vault::options(global);
    if let Some(lease) = args.refresh_lease {
        options = options.refresh_lease(lease);
    }
    let (vault, credential) = vault::open_keeping_credential(global, options.clone())?;
    let opener = Opener {
        location: global.location(),
        options,
        read_credential: Box::new(rereader(global)),
    };
    tokenvault_server::serve(config, vault, credential, opener)
        .map_err(|e| CliError::failure(e.to_string()))
}

fn config(args: &ServeArgs) -> Result<ServeConfig, CliError> {
    let mut config = ServeConfig::new();
    config.socket = match (&args.socket, args.no_socket) {
        (_, true) => SocketChoice::None,
        (Some(path), false) => SocketChoice::Path(path.clone()),
        (None, false) => SocketChoice::Default,
    };
    config.socket_mode = args.socket_mode;
    if let Some(name) = &args.socket_group {
        config.socket_gid =
            Some(tokenvault_server::group_id(name).map_err(|e| CliError::failure(e.to_string()))?);
    }
    config.allow_uids.extend(&args.allow_uid);
    config.allow_gids.extend(&args.allow_gid);
    config.tcp = args.listen;
    if let Some(path) = &args.bearer_token_file {
        config.bearer =
            Some(BearerToken::from_file(path).map_err(|e| CliError::failure(e.to_string()))?);
    }
    if config.tcp.is_some() && config.bearer.is_none() {
        return Err(CliError::failure(
            tokenvault_server::ServeError::BearerRequired.to_string(),
        ));
    }
    config.max_connections = usize::try_from(args.max_connections).unwrap_or(usize::MAX);
    config.header_timeout = args.header_timeout;
    config.body_timeout = args.body_timeout;
    config.drain_timeout = args.drain_timeout;
    config.log_format = match args.log_format {
        LogFormatArg::Text => LogFormat::Text,
        LogFormatArg::Json => LogFormat::Json,
    };
    config.verbose = args.verbose;
    config.refresh_ahead = args.refresh_ahead.map(|margin| {
        let mut ahead = tokenvault_server::RefreshAheadConfig::new(margin);
        ahead.accounts_url = args.accounts_url.clone();
        ahead.on_failure = args.on_failure.clone();
        ahead.user_names = args.refresh_events_user_names;
        ahead
    });
    Ok(config)
}

/// Reads the credential again from the same sources, without a prompt (SIGHUP).
fn rereader(
    global: &GlobalArgs,
) -> impl Fn() -> Result<Credential, String> + Send + Sync + 'static {
    let key_file: Option<PathBuf> = global.key_file.clone();
    let recovery_key = global.recovery_key;
    let passphrase_file: Option<PathBuf> = global.passphrase_file.clone();
    let command: Option<String> = global.passphrase_command.clone();
    move || {
        let sources = CredentialSources {
            key_file: key_file.as_deref().map(|path| NamedPath {
                path,
                named_by: "--key-file or TOKENVAULT_KEY_FILE",
            }),
            passphrase: None,
            recovery_key,
            passphrase_file: passphrase_file.as_deref().map(|path| NamedPath {
                path,
                named_by: "--passphrase-file",
            }),
            passphrase_command: command.as_deref(),
        };
        // A warning (a key file others can read) goes to stderr, where the service logs.
        match sources.resolve(&mut |warning| crate::output::warn(warning)) {
            Ok(Resolution::Found(credential, _)) => Ok(credential),
            Ok(Resolution::AskRecoveryKey | Resolution::NoneFound) => Err(
                "the credential was typed on the terminal at start and cannot be asked for again; restart the service to use another one".to_string(),
            ),
            Err(e) => Err(e.to_string()),
        }
    }
}
