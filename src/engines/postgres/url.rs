//! PostgreSQL URLs in libpq's forms: `postgres://` or `postgresql://`, then
//! `user:password@host:port/dbname?param=value&…`, each part also given as a parameter (`host`,
//! `port`, `dbname`, `user`, `password`), the host a socket folder when it starts with `/`
//! (`?host=/run/postgresql`, or percent-encoded in place of the host). No password in the URL:
//! `PGPASSWORD`, then the password file (`PGPASSFILE`, else `~/.pgpass`, as libpq reads them).
//! Also `sslmode`, `sslrootcert`, `connect_timeout` and `application_name`; anything else is
//! refused by name. Messages name parameters, never values, so no password can leak.

use std::path::{Path, PathBuf};
use std::time::Duration;

use zeroize::Zeroizing;

use crate::engines::postgres::tls;
use crate::engines::server_url::{
    DEFAULT_CONNECT_TIMEOUT, TlsMode, connect_timeout as parse_connect_timeout, invalid,
    is_loopback, parameter_named, refuse_unescaped_userinfo,
};
use crate::error::Error;
use crate::location::redact;

/// The socket folder of a URL without a host (Debian's and most distributions' default).
const DEFAULT_SOCKET_DIR: &str = "/run/postgresql";
const DEFAULT_PORT: u16 = 5432;
/// Stands in for the empty host of `postgres://user@/db` while the URL is parsed.
const NO_HOST: &str = "no-host.invalid";

/// Where the server is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Host {
    Tcp(String),
    /// A folder holding the server's socket (`.s.PGSQL.PORT`).
    Socket(PathBuf),
}

/// A PostgreSQL URL, read.
pub(crate) struct PgUrl {
    pub(crate) host: Host,
    pub(crate) port: u16,
    pub(crate) dbname: String,
    pub(crate) user: String,
    pub(crate) password: Option<Zeroizing<String>>,
    pub(crate) application_name: String,
    /// `None`: no TLS.
    pub(crate) tls: Option<rustls::ClientConfig>,
    pub(crate) connect_timeout: Duration,
    /// The URL without its password, for messages.
    pub(crate) shown: String,
}

impl PgUrl {
    pub(crate) fn parse(url: &str) -> Result<PgUrl, Error> {
        let shown = redact(url);
        refuse_unescaped_userinfo(url, &shown)?;
        // libpq takes `postgres://user@/db` (no host: the default socket); the URL parser refuses
        // user information before an empty host, so a placeholder stands in for it.
        let (url, placeholder) = match url.split_once("://") {
            Some((scheme, rest))
                if rest.rfind('@').is_some_and(|at| {
                    rest[at + 1..].is_empty() || rest[at + 1..].starts_with(['/', '?', ':'])
                }) =>
            {
                let at = rest.rfind('@').unwrap_or(0);
                let with = format!("{scheme}://{}@{NO_HOST}{}", &rest[..at], &rest[at + 1..]);
                (Zeroizing::new(with), true)
            }
            _ => (Zeroizing::new(url.to_string()), false),
        };
        let parsed =
            url::Url::parse(&url).map_err(|e| invalid(format!("{shown} is not a URL: {e}")))?;
        let scheme = parsed.scheme().to_ascii_lowercase();
        if scheme != "postgres" && scheme != "postgresql" {
            return Err(invalid(format!(
                "{shown}: the scheme must be postgres:// or postgresql://"
            )));
        }
        let decode = |text: &str| -> Result<String, Error> {
            percent_encoding::percent_decode_str(text)
                .decode_utf8()
                .map(|s| s.into_owned())
                .map_err(|_| invalid(format!("{shown}: a part of the URL is not UTF-8")))
        };
        let mut host = match parsed.host_str() {
            Some(h) if !h.is_empty() && !placeholder => Some(decode(h)?),
            _ => None,
        };
        if host.as_deref().is_some_and(|h| h.contains(',')) {
            return Err(invalid(format!(
                "{shown}: several hosts are not supported; name one"
            )));
        }
        let mut port = parsed.port();
        let mut dbname = parsed
            .path_segments()
            .and_then(|mut s| s.next().map(str::to_string))
            .filter(|s| !s.is_empty())
            .map(|s| decode(&s))
            .transpose()?;
        let mut user = Some(parsed.username())
            .filter(|u| !u.is_empty())
            .map(decode)
            .transpose()?;
        let mut password = parsed
            .password()
            .map(|p| decode(p).map(Zeroizing::new))
            .transpose()?;
        let mut ssl_mode = None;
        let mut root_cert = None;
        let mut connect_timeout = DEFAULT_CONNECT_TIMEOUT;
        let mut application_name = "tokenvault".to_string();
        for (key, value) in parsed.query_pairs() {
            let value = value.into_owned();
            match key.as_ref() {
                "host" => host = Some(value),
                "port" => {
                    port = Some(value.parse().map_err(|_| {
                        invalid(format!(
                            "{shown}: invalid value for {}",
                            parameter_named(&shown, "port")
                        ))
                    })?);
                }
                "dbname" => dbname = Some(value),
                "user" => user = Some(value),
                "password" => password = Some(Zeroizing::new(value)),
                "sslmode" | "ssl-mode" | "ssl_mode" => ssl_mode = Some(value.to_ascii_lowercase()),
                "sslrootcert" => root_cert = Some(PathBuf::from(value)),
                "connect_timeout" => connect_timeout = parse_connect_timeout(&value, &shown)?,
                "application_name" => application_name = value,
                other => {
                    return Err(invalid(format!(
                        "{shown}: unknown {} (tokenvault reads host, port, dbname, user, \
                         password, sslmode, sslrootcert, connect_timeout and application_name)",
                        parameter_named(&shown, other)
                    )));
                }
            }
        }
        let Some(dbname) = dbname else {
            return Err(invalid(format!(
                "{shown} names no database; write postgres://user@host/DATABASE"
            )));
        };
        let host = match host {
            Some(h) if h.starts_with('/') => Host::Socket(PathBuf::from(h)),
            Some(h) => Host::Tcp(h),
            None => Host::Socket(PathBuf::from(DEFAULT_SOCKET_DIR)),
        };
        let port = port.unwrap_or(DEFAULT_PORT);
        // libpq's default user is the operating system's.
        let user = user
            .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()))
            .ok_or_else(|| {
                invalid(format!(
                    "{shown} names no user, and USER is not set; write postgres://USER@host/db"
                ))
            })?;
        let password = match password {
            Some(p) => Some(p),
            None => password_from_environment(&host, port, &dbname, &user),
        };
        let tls_mode = match ssl_mode.as_deref() {
            // A socket never leaves the machine; libpq does not use TLS on one either.
            _ if matches!(host, Host::Socket(_)) => TlsMode::Disabled,
            None => TlsMode::default_for(
                matches!(&host, Host::Tcp(h) if is_loopback(h)),
                root_cert.is_some(),
            ),
            Some(named) => TlsMode::named(named).ok_or_else(|| {
                invalid(format!(
                    "{shown}: sslmode must be disable, require, verify-ca or verify-full \
                     (allow and prefer fall back to no TLS, or to TLS without a check, on \
                     whatever the network path says, so they are refused)"
                ))
            })?,
        };
        let tls = tls::client_config(tls_mode, root_cert.as_deref(), &shown)?;
        Ok(PgUrl {
            host,
            port,
            dbname,
            user,
            password,
            application_name,
            tls,
            connect_timeout,
            shown,
        })
    }
}

/// The password libpq would use for a URL that gives none: `PGPASSWORD`, else the first line
/// of the password file that matches (`PGPASSFILE`, else `~/.pgpass`). As libpq does, a password
/// file that its group or others can read is ignored.
fn password_from_environment(
    host: &Host,
    port: u16,
    dbname: &str,
    user: &str,
) -> Option<Zeroizing<String>> {
    if let Ok(password) = std::env::var("PGPASSWORD") {
        return Some(Zeroizing::new(password));
    }
    let file = std::env::var_os("PGPASSFILE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".pgpass")))?;
    if crate::secret_sources::others_can_access(&file).is_some() {
        return None;
    }
    let text = Zeroizing::new(std::fs::read_to_string(&file).ok()?);
    // libpq matches a socket connection in the default folder against `localhost`.
    let host = match host {
        Host::Tcp(h) => h.as_str(),
        Host::Socket(dir) if dir == Path::new(DEFAULT_SOCKET_DIR) => "localhost",
        Host::Socket(dir) => dir.to_str().unwrap_or(""),
    };
    let port = port.to_string();
    text.lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .find_map(|line| {
            let fields = pgpass_fields(line);
            let [h, p, d, u, password, ..] = fields.as_slice() else {
                return None;
            };
            let matches = |pattern: &str, value: &str| pattern == "*" || pattern == value;
            (matches(h, host) && matches(p, &port) && matches(d, dbname) && matches(u, user))
                .then(|| Zeroizing::new(password.to_string()))
        })
}

/// A password-file line's fields: `:` separates them, `\:` and `\\` are a `:` and a `\` (an
/// unescaped `:` ends the password, as in libpq).
fn pgpass_fields(line: &str) -> Vec<Zeroizing<String>> {
    let mut fields = vec![Zeroizing::new(String::new())];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let (Some(next), Some(field)) = (chars.next(), fields.last_mut()) {
                    field.push(next);
                }
            }
            ':' => fields.push(Zeroizing::new(String::new())),
            c => {
                if let Some(field) = fields.last_mut() {
                    field.push(c);
                }
            }
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host_of(url: &str) -> Host {
        PgUrl::parse(url).unwrap().host
    }

    #[test]
    fn libpq_url_forms_name_the_host_port_database_and_user() {
        let url =
            PgUrl::parse("postgresql://app:pw@db.internal:6543/zoho?sslmode=require").unwrap();
        assert_eq!(url.host, Host::Tcp("db.internal".into()));
        assert_eq!(
            (url.port, url.dbname.as_str(), url.user.as_str()),
            (6543, "zoho", "app")
        );
        assert_eq!(url.password.as_deref().map(String::as_str), Some("pw"));
        let url = PgUrl::parse("postgres:///zoho?user=app&port=5433").unwrap();
        assert_eq!(url.host, Host::Socket(PathBuf::from("/run/postgresql")));
        assert_eq!((url.port, url.user.as_str()), (5433, "app"));
        assert_eq!(
            host_of("postgres://app@/zoho?host=/var/run/postgresql"),
            Host::Socket(PathBuf::from("/var/run/postgresql"))
        );
        let url = PgUrl::parse("postgres://app:pw@/zoho?host=/tmp/pg&port=6000").unwrap();
        assert_eq!(url.host, Host::Socket(PathBuf::from("/tmp/pg")));
        assert_eq!((url.port, url.user.as_str()), (6000, "app"));
        assert_eq!(
            host_of("postgres://app@:6000/zoho"),
            Host::Socket(PathBuf::from("/run/postgresql"))
        );
        assert_eq!(
            host_of("postgresql://app@%2Ftmp%2Fpg/zoho"),
            Host::Socket(PathBuf::from("/tmp/pg"))
        );
        assert_eq!(
            host_of("postgres://app@[::1]:5432/zoho"),
            Host::Tcp("[::1]".into())
        );
    }

    #[test]
    fn tls_is_verified_for_a_remote_host_and_off_for_a_local_one() {
        assert!(
            PgUrl::parse("postgres://app@db.internal/zoho")
                .unwrap()
                .tls
                .is_some()
        );
        assert!(
            PgUrl::parse("postgres://app@127.0.0.1/zoho")
                .unwrap()
                .tls
                .is_none()
        );
        assert!(
            PgUrl::parse("postgres://app@localhost/zoho")
                .unwrap()
                .tls
                .is_none()
        );
        assert!(
            PgUrl::parse("postgres://app@/zoho?host=/run/postgresql")
                .unwrap()
                .tls
                .is_none()
        );
        assert!(
            PgUrl::parse("postgres://app@127.0.0.1/zoho?sslmode=require")
                .unwrap()
                .tls
                .is_some()
        );
    }

    #[test]
    fn bad_urls_are_refused_without_their_password() {
        for url in [
            "postgres://app:hunter2@db/zoho?sslmode=prefer",
            "postgres://app:hunter2@db/zoho?no_such=1",
            "postgres://app:hunter2@db/",
            "postgres://app:hunter2@db/zoho?sslmode=verify-ca",
            "postgres://app:hunter2@db/zoho?connect_timeout=0",
            "postgres://db/zoho?password=hunter2&port=x",
            "postgres://a:hunter2@h1,h2/zoho",
        ] {
            match PgUrl::parse(url) {
                Err(Error::InvalidLocation { reason }) => {
                    assert!(!reason.contains("hunter2"), "{reason}");
                }
                Err(other) => panic!("{url}: {other:?}"),
                Ok(_) => panic!("{url}: accepted"),
            }
        }
    }

    #[test]
    fn password_file_lines_unescape_colons_and_backslashes() {
        let fields = pgpass_fields(r"db\:1:5432:*:app:p\:w\\d:x");
        let fields: Vec<&str> = fields.iter().map(|f| f.as_str()).collect();
        assert_eq!(fields, ["db:1", "5432", "*", "app", r"p:w\d", "x"]);
    }
}
