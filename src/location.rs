//! Where a vault lives: a redb file, memory, a storage backend of your own, or a database on a
//! server named by a URL.
//!
//! A location is given as one string: `scheme://…` (a scheme of two or more letters) names a
//! server database, anything else is a file path. Which engine serves a scheme is decided in one
//! place, `engines::connect`. A server URL may carry a password, so a location never shows one:
//! `Display` and `Debug` print the URL without it, and the URL itself is wiped from memory when
//! dropped.

use std::ffi::OsStr;
use std::fmt;
use std::path::{Path, PathBuf};
#[cfg(feature = "storage-backend")]
use std::sync::{Arc, Mutex, PoisonError};

use zeroize::Zeroizing;

/// Where a vault lives: a file (the default engine), memory only, a redb storage backend of your
/// own, or a server database (`mysql://user:password@host:port/database` with the `mysql`
/// feature, `postgres://user:password@host:port/database` with the `postgres` feature).
///
/// ```
/// use tokenvault::Location;
///
/// let server = Location::parse("mysql://app:s3cret@db.internal/zohooauth");
/// assert!(server.is_server());
/// assert_eq!(server.to_string(), "mysql://app@db.internal/zohooauth"); // never the password
///
/// let file = Location::parse("tokens.vault");
/// assert_eq!(file.as_path(), Some(std::path::Path::new("tokens.vault")));
/// ```
#[derive(Clone)]
pub struct Location(Kind);

#[derive(Clone)]
enum Kind {
    File(PathBuf),
    Memory,
    #[cfg(feature = "storage-backend")]
    Backend(Backend),
    Server(Zeroizing<String>),
}

/// A caller's redb backend, handed to the first engine built on it (a backend is one database).
#[cfg(feature = "storage-backend")]
#[derive(Clone)]
pub(crate) struct Backend {
    name: PathBuf,
    backend: Arc<Mutex<Option<Box<dyn redb::StorageBackend>>>>,
}

#[cfg(feature = "storage-backend")]
impl Backend {
    /// The backend, the first time; `None` once an engine has taken it.
    pub(crate) fn take(&self) -> Option<Box<dyn redb::StorageBackend>> {
        self.backend
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }
}

/// What a location names, for `engines::connect`.
pub(crate) enum Target<'a> {
    File(&'a Path),
    Memory,
    #[cfg(feature = "storage-backend")]
    Backend(&'a Backend),
    /// The full URL, password included, and its scheme in lower case.
    Server {
        #[cfg_attr(not(any(feature = "mysql", feature = "postgres")), allow(dead_code))]
        url: &'a str,
        scheme: String,
    },
}

impl Location {
    /// A server location when `text` is a URL (`scheme://…`, the scheme two or more letters,
    /// digits, `+`, `-` or `.`), else a file path.
    pub fn parse(text: impl AsRef<OsStr>) -> Location {
        let text = text.as_ref();
        match text.to_str() {
            Some(s) if scheme_of(s).is_some() => {
                Location(Kind::Server(Zeroizing::new(s.to_string())))
            }
            _ => Location(Kind::File(PathBuf::from(text))),
        }
    }

    /// A file location, whatever the path looks like.
    pub fn file(path: impl Into<PathBuf>) -> Location {
        Location(Kind::File(path.into()))
    }

    /// A vault in this process's memory only (tests, fuzzing): nothing is written to disk, and
    /// each open of this location starts from nothing, so only `create` (or `open_or_create`)
    /// makes sense here. Always held by one handle ([`OpenOptions::single_process`](crate::OpenOptions::single_process)).
    pub fn memory() -> Location {
        Location(Kind::Memory)
    }

    /// A vault on a redb storage backend of your own (a wrapper around redb's `FileBackend` that
    /// injects faults, say; feature `storage-backend`, which puts redb's trait in the API). `name` is what errors and [`Vault::path`](crate::Vault::path) show.
    /// The first open or create takes the backend; opening the same location again is
    /// [`Error::InvalidLocation`](crate::Error::InvalidLocation). Always held by one handle
    /// unless the backend has file locks and [`OpenOptions::single_process`](crate::OpenOptions::single_process)
    /// is off.
    #[cfg(feature = "storage-backend")]
    pub fn backend(backend: impl redb::StorageBackend, name: impl Into<PathBuf>) -> Location {
        Location(Kind::Backend(Backend {
            name: name.into(),
            backend: Arc::new(Mutex::new(Some(Box::new(backend)))),
        }))
    }

    /// Whether this names a database on a server.
    pub fn is_server(&self) -> bool {
        matches!(self.0, Kind::Server(_))
    }

    /// The file path, for a file location.
    pub fn as_path(&self) -> Option<&Path> {
        match &self.0 {
            Kind::File(path) => Some(path),
            _ => None,
        }
    }

    /// What the engines need to know.
    pub(crate) fn target(&self) -> Target<'_> {
        match &self.0 {
            Kind::File(path) => Target::File(path),
            Kind::Memory => Target::Memory,
            #[cfg(feature = "storage-backend")]
            Kind::Backend(backend) => Target::Backend(backend),
            Kind::Server(url) => Target::Server {
                url,
                scheme: scheme_of(url).unwrap_or_default().to_ascii_lowercase(),
            },
        }
    }

    /// What messages and [`Vault::path`](crate::Vault::path) show: the path, the backend's name,
    /// or the URL without its password.
    pub(crate) fn shown(&self) -> PathBuf {
        match &self.0 {
            Kind::File(path) => path.clone(),
            #[cfg(feature = "storage-backend")]
            Kind::Backend(backend) => backend.name.clone(),
            _ => PathBuf::from(self.to_string()),
        }
    }

    /// A warning to show when users other than the owner can read or write the vault file, or
    /// replace it (a folder they can write to, without the sticky bit); `None` when only its
    /// owner can, when the file cannot be inspected, for a location that is not a file, and on
    /// platforms without Unix permissions. The secrets in the file are encrypted either way, but
    /// a readable file lets anyone attack the passphrase offline. The library never prints: the
    /// CLI and the Python package show it.
    ///
    /// Vaults are created with mode 0600; a file copied or restored by other means may not be.
    pub fn permission_warning(&self) -> Option<String> {
        let path = self.as_path()?;
        if let Some(mode) = crate::secret_sources::others_can_access(path) {
            return Some(format!(
                "{} can be accessed by other users (mode {mode:03o}); restrict it with \
                 `chmod 600 {}`",
                path.display(),
                path.display()
            ));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::metadata(path).ok()?; // no file, no warning about its folder either
            let parent = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            let folder = std::fs::metadata(parent).ok()?.permissions().mode();
            if folder & 0o022 != 0 && folder & 0o1000 == 0 {
                return Some(format!(
                    "other users can replace {}: its folder {} is writable by them (mode {:03o})",
                    path.display(),
                    parent.display(),
                    folder & 0o777
                ));
            }
        }
        #[cfg(not(unix))]
        let _ = path;
        None
    }
}

impl PartialEq for Location {
    fn eq(&self, other: &Location) -> bool {
        match (&self.0, &other.0) {
            (Kind::File(a), Kind::File(b)) => a == b,
            (Kind::Server(a), Kind::Server(b)) => a == b,
            #[cfg(feature = "storage-backend")]
            (Kind::Backend(a), Kind::Backend(b)) => Arc::ptr_eq(&a.backend, &b.backend),
            // Each in-memory vault is its own.
            _ => false,
        }
    }
}

impl From<&Path> for Location {
    fn from(path: &Path) -> Location {
        Location::parse(path)
    }
}

impl From<PathBuf> for Location {
    fn from(path: PathBuf) -> Location {
        Location::parse(path)
    }
}

impl From<&PathBuf> for Location {
    fn from(path: &PathBuf) -> Location {
        Location::parse(path)
    }
}

impl From<&str> for Location {
    fn from(text: &str) -> Location {
        Location::parse(text)
    }
}

impl From<String> for Location {
    fn from(text: String) -> Location {
        Location::parse(text)
    }
}

impl From<&String> for Location {
    fn from(text: &String) -> Location {
        Location::parse(text)
    }
}

impl From<&Location> for Location {
    fn from(location: &Location) -> Location {
        location.clone()
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Kind::File(path) => write!(f, "{}", path.display()),
            Kind::Memory => f.write_str("<memory>"),
            #[cfg(feature = "storage-backend")]
            Kind::Backend(backend) => write!(f, "{}", backend.name.display()),
            Kind::Server(url) => f.write_str(&redact(url)),
        }
    }
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Kind::File(path) => f.debug_tuple("File").field(path).finish(),
            Kind::Memory => f.write_str("Memory"),
            #[cfg(feature = "storage-backend")]
            Kind::Backend(backend) => f.debug_tuple("Backend").field(&backend.name).finish(),
            Kind::Server(url) => f.debug_tuple("Server").field(&redact(url)).finish(),
        }
    }
}

/// The scheme of `text` if it is a URL: two or more characters, a letter first, then letters,
/// digits, `+`, `-` or `.`, followed by `://`. (One letter is a drive, `C://`, not a scheme.)
fn scheme_of(text: &str) -> Option<&str> {
    let (scheme, _) = text.split_once("://")?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    let valid = first.is_ascii_alphabetic()
        && scheme.len() >= 2
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then_some(scheme)
}

/// `scheme://user:password@host/…` → `scheme://user@host/…`; the value of a `password=` query
/// parameter (and everything after it: an unescaped `&` or `#` may be part of it) is replaced
/// too. Works on any text, well-formed or not, without a URL parser, so the feature-less build
/// redacts the same way.
///
/// A password may hold any character unescaped, `/ ? # @ :` included, so the only reliable end of
/// the user information is the LAST `@` of the text: everything before it but the user name
/// (up to the first `:`) is hidden, and what follows it must look like `host[:port]` then
/// nothing or `/ ? #`. When the text cannot be read that way (the user name holds `/ ? # [ ] @`,
/// the last `@` may sit in a query value such as `?password=p@ss`, or the host is not one), only
/// `scheme://***` is shown: which part is the password cannot be told.
pub(crate) fn redact(url: &str) -> String {
    let Some(scheme) = scheme_of(url) else {
        return "***".to_string();
    };
    let hidden = || format!("{scheme}://***");
    let rest = &url[scheme.len() + 3..];
    let (user, rest) = match rest.rfind('@') {
        Some(at) => {
            let userinfo = &rest[..at];
            let name = userinfo.split_once(':').map_or(userinfo, |(name, _)| name);
            if name.contains(['/', '?', '#', '[', ']', '@']) || name.chars().any(char::is_control) {
                return hidden();
            }
            // `?…=` before the last `@`: the `@` may be in a query value, and what follows it
            // the rest of a password given as a parameter.
            if userinfo
                .find('?')
                .is_some_and(|q| userinfo[q..].contains('='))
            {
                return hidden();
            }
            (format!("{name}@"), &rest[at + 1..])
        }
        None => (String::new(), rest),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (host, tail) = rest.split_at(authority_end);
    if !is_host_and_port(host) {
        return hidden();
    }
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let mut shown = Vec::new();
            for pair in query.split('&') {
                match pair.split_once('=') {
                    Some((key, _)) if is_secret_parameter(key) => {
                        shown.push(format!("{key}=***"));
                        break;
                    }
                    _ => shown.push(pair.to_string()),
                }
            }
            format!("{path}?{}", shown.join("&"))
        }
        None => tail.to_string(),
    };
    format!("{scheme}://{user}{host}{tail}")
}

/// Whether `text` is a URL that holds a password: user information with a `:` before its last
/// `@`, or a password-like query parameter. (Any text before the last `@` with a `:` counts: a
/// password may hold every character.) Front ends warn when such a URL is given where others
/// can read it (a command line).
pub fn url_holds_password(text: &str) -> bool {
    let Some(scheme) = scheme_of(text) else {
        return false;
    };
    let rest = &text[scheme.len() + 3..];
    let in_userinfo = rest.rfind('@').is_some_and(|at| rest[..at].contains(':'));
    let in_query = rest.split_once('?').is_some_and(|(_, query)| {
        query.split(['&', ';']).any(|pair| {
            pair.split_once('=')
                .is_some_and(|(k, _)| is_secret_parameter(k))
        })
    });
    in_userinfo || in_query
}

/// Whether a URL parameter may hold a secret: `password`, `pass`, `pwd`, `secret`, … in any case.
fn is_secret_parameter(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["pass", "pwd", "secret"].iter().any(|s| key.contains(s))
}

/// `host`, `host:port` or `[ipv6]:port` (the port digits only), or nothing: a name of letters,
/// digits, `-`, `.`, `_`, `~`, `%` or non-ASCII letters (an IDN). Nothing else can follow the
/// user information, so anything else means the URL was not read right.
fn is_host_and_port(text: &str) -> bool {
    let (host, port) = if let Some(v6) = text.strip_prefix('[') {
        let Some((inside, after)) = v6.split_once(']') else {
            return false;
        };
        if !inside
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '.' | '%'))
        {
            return false;
        }
        match after {
            "" => return true,
            _ => match after.strip_prefix(':') {
                Some(port) => ("", port),
                None => return false,
            },
        }
    } else {
        match text.rsplit_once(':') {
            Some((host, port)) => (host, port),
            None => (text, ""),
        }
    };
    let host_ok = host.chars().all(|c| {
        c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | '%') || c.is_alphabetic()
    });
    let port_ok = port.chars().all(|c| c.is_ascii_digit());
    host_ok && port_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_never_shows() {
        let l = Location::parse("mysql://app:p%40ss:word@db:3307/zohooauth?table=x");
        assert_eq!(l.to_string(), "mysql://app@db:3307/zohooauth?table=x");
        assert!(!format!("{l:?}").contains("word"));
        assert_eq!(
            redact("mysql://db/x?user=app&password=hunter2&ssl-mode=required"),
            "mysql://db/x?user=app&password=***"
        );
        assert_eq!(redact("mysql://app@db/x"), "mysql://app@db/x");
        assert_eq!(redact("mysql://:pw@db"), "mysql://@db");
        assert_eq!(redact("mysql://app:a/b@c@db/x"), "mysql://app@db/x");
    }

    #[test]
    fn only_urls_name_servers() {
        assert!(Location::parse("MySQL://db/x").is_server());
        assert!(Location::parse("postgres://db/x").is_server());
        assert!(!Location::parse("mysql:/db").is_server());
        assert!(!Location::parse("./mysql://x").is_server());
        assert!(!Location::parse("C://x").is_server());
        assert!(!Location::file("mysql://db/x").is_server());
        assert!(!Location::memory().is_server());
    }

    #[cfg(feature = "storage-backend")]
    #[test]
    fn a_backend_is_taken_once() {
        let location = Location::backend(redb::backends::InMemoryBackend::new(), "mine");
        let Target::Backend(backend) = location.target() else {
            panic!("a backend location names a backend");
        };
        assert!(backend.take().is_some());
        assert!(backend.take().is_none());
        assert_eq!(location.to_string(), "mine");
    }
}
