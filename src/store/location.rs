//! Where a vault lives: a redb file, or a database on a MySQL/MariaDB server.
//!
//! A location is given as one string: `mysql://…` names a server database, anything else is a
//! file path. A server URL may carry a password, so a location never shows one: `Display` and
//! `Debug` print the URL without it, and the URL itself is wiped from memory when dropped.

use std::ffi::OsStr;
use std::fmt;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

/// The scheme that selects the server engine.
const MYSQL_SCHEME: &str = "mysql://";

/// Where a vault lives: a file (the default engine) or a MySQL/MariaDB database
/// (`mysql://user:password@host:port/database`, with the `mysql` feature).
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
#[derive(Clone, PartialEq, Eq)]
pub struct Location(Kind);

#[derive(Clone, PartialEq, Eq)]
enum Kind {
    File(PathBuf),
    MySql(Zeroizing<String>),
}

impl Location {
    /// A server location when `text` starts with `mysql://` (any case), else a file path.
    pub fn parse(text: impl AsRef<OsStr>) -> Location {
        let text = text.as_ref();
        match text.to_str() {
            Some(s) if is_mysql_url(s) => Location(Kind::MySql(Zeroizing::new(s.to_string()))),
            _ => Location(Kind::File(PathBuf::from(text))),
        }
    }

    /// A file location, whatever the path looks like.
    pub fn file(path: impl Into<PathBuf>) -> Location {
        Location(Kind::File(path.into()))
    }

    /// Whether this names a database on a server.
    pub fn is_server(&self) -> bool {
        matches!(self.0, Kind::MySql(_))
    }

    /// The file path, for a file location.
    pub fn as_path(&self) -> Option<&Path> {
        match &self.0 {
            Kind::File(path) => Some(path),
            Kind::MySql(_) => None,
        }
    }

    /// The full server URL, password included, for the engine to connect with.
    pub(crate) fn server_url(&self) -> Option<&str> {
        match &self.0 {
            Kind::MySql(url) => Some(url.as_str()),
            Kind::File(_) => None,
        }
    }

    /// What messages and [`Vault::path`](crate::Vault::path) show: the path, or the URL
    /// without its password.
    pub(crate) fn shown(&self) -> PathBuf {
        match &self.0 {
            Kind::File(path) => path.clone(),
            Kind::MySql(url) => PathBuf::from(redact(url)),
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

impl From<&str> for Location {
    fn from(text: &str) -> Location {
        Location::parse(text)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Kind::File(path) => write!(f, "{}", path.display()),
            Kind::MySql(url) => f.write_str(&redact(url)),
        }
    }
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Kind::File(path) => f.debug_tuple("File").field(path).finish(),
            Kind::MySql(url) => f.debug_tuple("MySql").field(&redact(url)).finish(),
        }
    }
}

fn is_mysql_url(text: &str) -> bool {
    text.get(..MYSQL_SCHEME.len())
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case(MYSQL_SCHEME))
}

/// `scheme://user:password@host/…` → `scheme://user@host/…`; a `password=` query parameter is
/// replaced too. Works on any text, well-formed or not, without a URL parser, so the feature-less
/// build redacts the same way.
pub(crate) fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_string();
    };
    let rest = &url[scheme_end..];
    // The user information ends at the last `@` before the query: a password with an unescaped
    // `/` or `@` must not leak either.
    let query_start = rest.find(['?', '#']).unwrap_or(rest.len());
    let (user, rest) = match rest[..query_start].rfind('@') {
        Some(at) => {
            let user = &rest[..at];
            let name = user.split_once(':').map_or(user, |(name, _)| name);
            (format!("{name}@"), &rest[at + 1..])
        }
        None => (String::new(), rest),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (host, tail) = rest.split_at(authority_end);
    let authority = format!("{user}{host}");
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((key, _)) if key.eq_ignore_ascii_case("password") => {
                        format!("{key}=***")
                    }
                    _ => pair.to_string(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_string(),
    };
    format!("{}{authority}{tail}", &url[..scheme_end])
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
            "mysql://db/x?user=app&password=***&ssl-mode=required"
        );
        assert_eq!(redact("mysql://app@db/x"), "mysql://app@db/x");
        assert_eq!(redact("mysql://:pw@db"), "mysql://@db");
        assert_eq!(redact("mysql://app:a/b@c@db/x"), "mysql://app@db/x");
    }

    #[test]
    fn only_mysql_urls_name_servers() {
        assert!(Location::parse("MySQL://db/x").is_server());
        assert!(!Location::parse("mysql:/db").is_server());
        assert!(!Location::parse("./mysql://x").is_server());
        assert!(!Location::file("mysql://db/x").is_server());
    }
}
