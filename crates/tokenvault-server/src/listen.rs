//! Where the service listens (docs/PROTOCOL.md §Transport): a Unix socket (the default), loopback
//! TCP, or the sockets systemd passes (socket activation, `LISTEN_FDS`).
//!
//! A socket file is created with mode 0600 (or `--socket-mode`) and, with `--socket-group`, that
//! group; its directory is created 0700 when missing. A socket file left by a service that is gone
//! is replaced; one a live service answers on is not. A TCP address must be a loopback address:
//! the bearer token travels in clear.

use std::io;
use std::net::SocketAddr;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::config::ServeError;

/// A bound listener.
pub enum Listener {
    /// A Unix socket; `path` is removed when the service stops (not for an activated one).
    Unix {
        listener: tokio::net::UnixListener,
        path: Option<PathBuf>,
    },
    Tcp(tokio::net::TcpListener),
}

impl Listener {
    /// What to call it in a log line.
    pub fn describe(&self) -> String {
        match self {
            Listener::Unix {
                path: Some(path), ..
            } => format!("unix:{}", path.display()),
            Listener::Unix {
                listener,
                path: None,
            } => match listener.local_addr() {
                Ok(address) => match address.as_pathname() {
                    Some(path) => format!("unix:{} (activated)", path.display()),
                    None => "unix:(activated)".to_string(),
                },
                Err(_) => "unix:(activated)".to_string(),
            },
            Listener::Tcp(listener) => match listener.local_addr() {
                Ok(address) => format!("tcp:{address}"),
                Err(_) => "tcp".to_string(),
            },
        }
    }
}

/// The default socket: `$XDG_RUNTIME_DIR/tokenvault.sock`, else `/run/tokenvault/tokenvault.sock`.
pub fn default_socket_path() -> PathBuf {
    match std::env::var_os("XDG_RUNTIME_DIR").filter(|dir| !dir.is_empty()) {
        Some(dir) => PathBuf::from(dir).join("tokenvault.sock"),
        None => PathBuf::from("/run/tokenvault/tokenvault.sock"),
    }
}

/// Binds the Unix socket at `path` with `mode` and, if given, group `gid`.
pub fn bind_unix(path: &Path, mode: u32, gid: Option<u32>) -> Result<Listener, ServeError> {
    let failed = |what: String| ServeError::Socket {
        path: path.to_path_buf(),
        what,
    };
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        if !dir.exists() {
            // Private, unless the socket is shared with a group: then its members may pass
            // through (0710) to the socket, and list nothing.
            let mode = match gid {
                Some(_) => 0o710,
                None => 0o700,
            };
            std::fs::DirBuilder::new()
                .mode(mode)
                .create(dir)
                .map_err(|e| failed(format!("its directory cannot be created: {e}")))?;
            if let Some(gid) = gid {
                std::os::unix::fs::chown(dir, None, Some(gid))
                    .map_err(|e| failed(format!("cannot give its directory group {gid}: {e}")))?;
            }
        }
    }
    remove_stale_socket(path).map_err(failed)?;
    let listener = std::os::unix::net::UnixListener::bind(path)
        .map_err(|e| failed(format!("cannot bind: {e}")))?;
    // The socket was created with the umask's mode for the instant before this; the peer check
    // refuses any other user who connected in that instant.
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| failed(format!("cannot set its mode: {e}")))?;
    if let Some(gid) = gid {
        std::os::unix::fs::chown(path, None, Some(gid))
            .map_err(|e| failed(format!("cannot give it group {gid}: {e}")))?;
    }
    listener
        .set_nonblocking(true)
        .map_err(|e| failed(e.to_string()))?;
    let listener =
        tokio::net::UnixListener::from_std(listener).map_err(|e| failed(e.to_string()))?;
    Ok(Listener::Unix {
        listener,
        path: Some(path.to_path_buf()),
    })
}

/// Removes a socket file nobody answers on; refuses anything else at `path`.
fn remove_stale_socket(path: &Path) -> Result<(), String> {
    let metadata = match std::fs::symlink_metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(format!("cannot be examined: {e}")),
    };
    if !metadata.file_type().is_socket() {
        return Err(
            "something that is not a socket is there; remove it or choose another --socket"
                .to_string(),
        );
    }
    match std::os::unix::net::UnixStream::connect(path) {
        Ok(_) => Err(
            "another service is listening on it; stop it or choose another --socket".to_string(),
        ),
        Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => std::fs::remove_file(path)
            .map_err(|e| format!("a socket left by a stopped service cannot be removed: {e}")),
        Err(e) => Err(format!("a socket is there and cannot be checked: {e}")),
    }
}

/// Binds `address`, which must be a loopback address.
pub fn bind_tcp(address: SocketAddr) -> Result<Listener, ServeError> {
    check_loopback(address)?;
    let listener = std::net::TcpListener::bind(address).map_err(|e| ServeError::Tcp {
        address,
        what: format!("cannot bind: {e}"),
    })?;
    tcp_from_std(listener, address)
}

fn check_loopback(address: SocketAddr) -> Result<(), ServeError> {
    match address.ip().is_loopback() {
        true => Ok(()),
        false => Err(ServeError::Tcp {
            address,
            what: "not a loopback address: the service listens on 127.0.0.1 or ::1 only (its bearer token and tokens travel in clear); for another host, put a TLS proxy in front of it".to_string(),
        }),
    }
}

fn tcp_from_std(
    listener: std::net::TcpListener,
    address: SocketAddr,
) -> Result<Listener, ServeError> {
    let failed = |e: io::Error| ServeError::Tcp {
        address,
        what: e.to_string(),
    };
    listener.set_nonblocking(true).map_err(failed)?;
    Ok(Listener::Tcp(
        tokio::net::TcpListener::from_std(listener).map_err(failed)?,
    ))
}

/// The sockets systemd passed (`LISTEN_FDS` for this `LISTEN_PID`), or none. An activated TCP
/// socket must be on loopback, as `--listen` must.
pub fn activated() -> Result<Vec<Listener>, ServeError> {
    let mut fds = listenfd::ListenFd::from_env();
    let mut listeners = Vec::new();
    for index in 0..fds.len() {
        let failed = |what: String| ServeError::Activation { index, what };
        if let Ok(Some(listener)) = fds.take_unix_listener(index) {
            listener
                .set_nonblocking(true)
                .map_err(|e| failed(e.to_string()))?;
            let listener =
                tokio::net::UnixListener::from_std(listener).map_err(|e| failed(e.to_string()))?;
            listeners.push(Listener::Unix {
                listener,
                path: None,
            });
        } else if let Ok(Some(listener)) = fds.take_tcp_listener(index) {
            let address = listener.local_addr().map_err(|e| failed(e.to_string()))?;
            check_loopback(address)?;
            listeners.push(tcp_from_std(listener, address)?);
        } else {
            return Err(failed(
                "it is neither a Unix stream socket nor a TCP socket (ListenStream= in the .socket unit)".to_string(),
            ));
        }
    }
    Ok(listeners)
}
