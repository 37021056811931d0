//! Connections to the server, each on a current-thread tokio runtime of its own, every call
//! bounded (the busy timeout plus the connect timeout), and the handle's pool of idle ones.
//!
//! Why not the `postgres` crate, which is this very thing: its connect timeout covers the TCP
//! connect only and it has no read timeout, so a server that accepts and then says nothing would
//! hang a vault call for good. Why not a pool crate: r2d2 reports a failed connect as "timed out"
//! (the server's answer, a wrong password or a missing database, goes to a log), and the pool
//! needed is a stack of idle connections.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::runtime::Runtime;
use tokio_postgres::config::SslMode;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Config, NoTls, Row, Statement};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::errors::Failure;
use super::url::{Host, PgUrl};
use crate::engines::server_url::POOL_MAX;

/// Runs `f` on `runtime`, giving up after `bound`.
fn within<T>(
    runtime: &Runtime,
    bound: Duration,
    f: impl Future<Output = Result<T, tokio_postgres::Error>>,
) -> Result<T, Failure> {
    runtime
        .block_on(async { tokio::time::timeout(bound, f).await })
        .map_err(|_| Failure::TimedOut(bound))?
        .map_err(Failure::Client)
}

/// One session with the server, and the statements prepared on it.
pub(super) struct Conn {
    runtime: Runtime,
    client: Client,
    statements: HashMap<&'static str, Statement>,
    bound: Duration,
}

impl Conn {
    /// Connects (TCP or socket, TLS, login) within the connect timeout plus `bound`, the busy
    /// timeout; `session` is the server settings every session gets (`-c name=value …`).
    fn open(url: &PgUrl, session: &str, bound: Duration) -> Result<Conn, Failure> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(Failure::Runtime)?;
        let mut config = Config::new();
        config
            .user(&url.user)
            .dbname(&url.dbname)
            .port(url.port)
            .application_name(&url.application_name)
            .options(session)
            .connect_timeout(url.connect_timeout)
            // A peer that stops acknowledging what we send drops the connection.
            .tcp_user_timeout(bound)
            .ssl_mode(if url.tls.is_some() {
                SslMode::Require
            } else {
                SslMode::Disable
            });
        if let Some(password) = &url.password {
            config.password(password.as_bytes());
        }
        match &url.host {
            Host::Tcp(host) => config.host(host.trim_start_matches('[').trim_end_matches(']')),
            Host::Socket(dir) => config.host_path(dir),
        };
        let total = url.connect_timeout + bound;
        let client = match &url.tls {
            None => {
                let (client, connection) = within(&runtime, total, config.connect(NoTls))?;
                runtime.spawn(async move {
                    let _ = connection.await;
                });
                client
            }
            Some(tls) => {
                let tls = MakeRustlsConnect::new(tls.clone());
                let (client, connection) = within(&runtime, total, config.connect(tls))?;
                runtime.spawn(async move {
                    let _ = connection.await;
                });
                client
            }
        };
        Ok(Conn {
            runtime,
            client,
            statements: HashMap::new(),
            bound: url.connect_timeout + bound,
        })
    }

    fn prepare(&mut self, sql: &'static str) -> Result<Statement, Failure> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = within(&self.runtime, self.bound, self.client.prepare(sql))?;
        self.statements.insert(sql, statement.clone());
        Ok(statement)
    }

    /// The rows of a prepared (and cached) statement.
    pub(super) fn query(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, Failure> {
        let statement = self.prepare(sql)?;
        within(
            &self.runtime,
            self.bound,
            self.client.query(&statement, params),
        )
    }

    /// Runs a prepared (and cached) statement that returns no rows.
    pub(super) fn execute(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, Failure> {
        let statement = self.prepare(sql)?;
        within(
            &self.runtime,
            self.bound,
            self.client.execute(&statement, params),
        )
    }

    /// Runs statements without parameters (`BEGIN …`, `COMMIT`, DDL) in one round trip.
    pub(super) fn batch(&mut self, sql: &str) -> Result<(), Failure> {
        within(&self.runtime, self.bound, self.client.batch_execute(sql))
    }
}

/// The connections of one vault handle: idle ones are kept, up to [`POOL_MAX`].
pub(super) struct Pool {
    url: PgUrl,
    session: String,
    busy_timeout: Duration,
    idle: Mutex<Vec<Conn>>,
}

impl Pool {
    pub(super) fn new(url: PgUrl, session: String, busy_timeout: Duration) -> Pool {
        Pool {
            url,
            session,
            busy_timeout,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// A connection: an idle one (and whether it was, since the server may have closed it
    /// meanwhile), else a new one.
    pub(super) fn get(&self) -> Result<(Pooled<'_>, bool), Failure> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
            .filter(|conn| !conn.client.is_closed());
        let reused = idle.is_some();
        let conn = match idle {
            Some(conn) => conn,
            None => Conn::open(&self.url, &self.session, self.busy_timeout)?,
        };
        Ok((
            Pooled {
                pool: self,
                conn: Some(conn),
            },
            reused,
        ))
    }
}

/// A connection borrowed from the pool; back to it when dropped, unless discarded.
pub(super) struct Pooled<'p> {
    pool: &'p Pool,
    conn: Option<Conn>,
}

impl Pooled<'_> {
    /// The connection; `None` once discarded.
    pub(super) fn conn(&mut self) -> Option<&mut Conn> {
        self.conn.as_mut()
    }

    /// Closes the connection instead of giving it back (its state is unknown).
    pub(super) fn discard(&mut self) {
        self.conn = None;
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take().filter(|c| !c.client.is_closed()) {
            let mut idle = self
                .pool
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if idle.len() < POOL_MAX {
                idle.push(conn);
            }
        }
    }
}
