//! Server URLs: `mysql://user:password@host:port/database?…` split into the driver's options and
//! tokenvault's own parameters (`ssl-mode`, `connect_timeout`); `tls.rs` decides the TLS.
//! Messages name parameters, never values, so no password can leak.

use std::collections::HashMap;
use std::time::Duration;

use mysql::{Opts, OptsBuilder, PoolConstraints};

use crate::engines::mysql::tls::{self, TlsMode};
pub(crate) use crate::engines::server_url::invalid;
use crate::engines::server_url::{
    DEFAULT_CONNECT_TIMEOUT, POOL_MAX, connect_timeout as parse_connect_timeout, parameter_named,
    refuse_unescaped_userinfo,
};
use crate::error::Error;
use crate::location::redact;

/// A server URL split into the driver's options and tokenvault's own parameters.
pub(crate) struct ServerUrl {
    pub(crate) opts: OptsBuilder,
    pub(crate) connect_timeout: Duration,
    /// Parameters the caller asked to keep (`table` for a DBStore URL).
    pub(crate) extra: HashMap<String, String>,
    /// The URL without its password, for messages.
    pub(crate) shown: String,
}

impl ServerUrl {
    /// Parses `url`. tokenvault's parameters (`ssl-mode`, `connect_timeout`, and those in
    /// `extra` for the caller) are taken off; the rest go to the driver, which rejects what it
    /// does not know. Messages name parameters, never values, so no password can leak.
    pub(crate) fn parse(url: &str, extra: &[&str]) -> Result<ServerUrl, Error> {
        let shown = redact(url);
        refuse_unescaped_userinfo(url, &shown)?;
        let mut parsed =
            url::Url::parse(url).map_err(|e| invalid(format!("{shown} is not a URL: {e}")))?;
        if !parsed.scheme().eq_ignore_ascii_case("mysql") {
            return Err(invalid(format!("{shown}: the scheme must be mysql://")));
        }
        let database = parsed
            .path_segments()
            .and_then(|mut s| s.next().map(str::to_string))
            .unwrap_or_default();
        if database.is_empty() {
            return Err(invalid(format!(
                "{shown} names no database; write mysql://user@host/DATABASE"
            )));
        }
        let mut ssl_mode = None;
        let mut connect_timeout = DEFAULT_CONNECT_TIMEOUT;
        let mut kept = HashMap::new();
        let mut driver_pairs = Vec::new();
        let mut pool_given = false;
        let mut reset_given = false;
        for (key, value) in parsed.query_pairs() {
            match key.as_ref() {
                "ssl-mode" | "ssl_mode" | "sslmode" => ssl_mode = Some(value.to_ascii_lowercase()),
                "connect_timeout" => connect_timeout = parse_connect_timeout(&value, &shown)?,
                k if extra.contains(&k) => {
                    kept.insert(k.to_string(), value.into_owned());
                }
                k => {
                    pool_given |= k == "pool_min" || k == "pool_max";
                    reset_given |= k == "reset_connection";
                    driver_pairs.push((key.into_owned(), value.into_owned()));
                }
            }
        }
        if driver_pairs.is_empty() {
            parsed.set_query(None);
        } else {
            parsed
                .query_pairs_mut()
                .clear()
                .extend_pairs(driver_pairs.iter());
        }
        let opts = Opts::from_url(parsed.as_str()).map_err(|e| invalid(url_error(&shown, e)))?;
        // The driver's own TLS parameters (`root_cert_path`, …) are kept; `ssl-mode` adds to them,
        // and a URL without it gets the default of `tls.rs`.
        let tls_mode = match ssl_mode.as_deref() {
            None => tls::default_for(&opts),
            Some(named) => TlsMode::named(named).ok_or_else(|| {
                invalid(format!(
                    "{shown}: ssl-mode must be disabled, required, verify_ca or verify_identity"
                ))
            })?,
        };
        let ssl = tls::ssl_opts(tls_mode, opts.get_ssl_opts(), &shown)?;
        let mut pool = opts.get_pool_opts().clone();
        if !pool_given {
            let constraints = PoolConstraints::new(1, POOL_MAX)
                .ok_or_else(|| Error::internal("the driver refused the pool constraints"))?;
            pool = pool.with_constraints(constraints);
        }
        if !reset_given {
            // Our transactions leave no session state behind, and a reset would drop the session
            // settings and the prepared statements: two round trips per call.
            pool = pool.with_reset_connection(false);
        }
        let mut builder = OptsBuilder::from_opts(opts)
            .tcp_connect_timeout(Some(connect_timeout))
            .pool_opts(pool);
        builder = builder.ssl_opts(ssl);
        Ok(ServerUrl {
            opts: builder,
            connect_timeout,
            extra: kept,
            shown,
        })
    }
}

/// The driver's URL errors, by parameter name only (`InvalidValue` carries the value, which may
/// be a password given as `?password=`), and a name only when `shown` shows it: a "parameter"
/// after `password=` may be a piece of the password cut off by an unescaped `&`.
pub(super) fn url_error(shown: &str, e: mysql::UrlError) -> String {
    let named = |name: &str| parameter_named(shown, name);
    match e {
        mysql::UrlError::UnknownParameter(name) => format!(
            "{shown}: unknown {} (tokenvault's own are ssl-mode and connect_timeout)",
            named(&name)
        ),
        mysql::UrlError::InvalidValue(name, _) => {
            format!("{shown}: invalid value for {}", named(&name))
        }
        mysql::UrlError::FeatureRequired(_, name) => {
            format!("{shown}: {} is not supported by this build", named(&name))
        }
        mysql::UrlError::InvalidPoolConstraints { min, max } => {
            format!("{shown}: pool_min {min} must not exceed pool_max {max}")
        }
        _ => format!("{shown} is not a usable MySQL URL"),
    }
}
