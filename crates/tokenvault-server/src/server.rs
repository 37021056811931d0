//! Connections and the service's life: accept, bound, time out, drain.
//!
//! - At most `max_connections` connections are open; one over the limit is closed at once
//!   (counted in `tokenvault_connections_refused_total{reason="limit"}`), so a flood cannot
//!   starve the clients already connected.
//! - A client that does not send its headers within `header_timeout` is disconnected (hyper's
//!   header-read timeout: the slow-loris defence); a body that does not arrive within
//!   `body_timeout` is answered 408.
//! - SIGTERM and SIGINT stop accepting, let requests in flight finish (at most `drain_timeout`),
//!   and remove the socket file. SIGHUP reads the credential again (`vault_handle.rs`).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

use crate::access::{Access, Peer};
use crate::api::{self, Service};
use crate::config::{LogFormat, ServeConfig, ServeError, SocketChoice};
use crate::listen::{self, Listener};
use crate::metrics::Metrics;
use crate::vault_handle::VaultHandle;

/// The largest buffer hyper keeps for a request's headers (and a read); our requests have a few
/// short headers.
const MAX_HEADER_BUFFER: usize = 64 * 1024;

pub(crate) fn init_logging(format: LogFormat, verbose: bool) {
    let level = match verbose {
        true => tracing::Level::DEBUG,
        false => tracing::Level::INFO,
    };
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false);
    // A second call (tests that serve twice in one process) keeps the first subscriber.
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// What each connection needs.
struct Connections {
    router: Router,
    limit: Arc<Semaphore>,
    graceful: GracefulShutdown,
    header_timeout: Duration,
    service: Arc<Service>,
}

impl Connections {
    fn spawn<S>(&self, stream: S, peer: Peer)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let Ok(permit) = self.limit.clone().try_acquire_owned() else {
            self.service.metrics.connection_refused("limit");
            tracing::warn!(peer = %peer, "connection closed: the connection limit is reached");
            return;
        };
        let router = self.router.clone();
        let handler = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(peer);
            router.clone().oneshot(request.map(Body::new))
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(self.header_timeout)
            .max_buf_size(MAX_HEADER_BUFFER)
            .serve_connection(TokioIo::new(stream), handler);
        let connection = self.graceful.watch(connection);
        let service = self.service.clone();
        service.metrics.connection_opened();
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(peer = %peer, error = %e, "connection ended");
            }
            service.metrics.connection_closed();
            drop(permit);
        });
    }
}

pub(crate) async fn run(config: ServeConfig, vault: VaultHandle) -> Result<(), ServeError> {
    let reads_over_network = vault.is_server();
    let listeners = listeners(&config)?;
    if listeners.iter().any(|l| matches!(l, Listener::Tcp(_))) && config.bearer.is_none() {
        return Err(ServeError::BearerRequired);
    }
    // Signals are installed before the first connection is accepted, so that a SIGTERM sent as
    // soon as the socket exists is a drain, not a kill.
    let mut terminate = signal(SignalKind::terminate()).map_err(ServeError::Runtime)?;
    let mut interrupt = signal(SignalKind::interrupt()).map_err(ServeError::Runtime)?;
    let mut hangup = signal(SignalKind::hangup()).map_err(ServeError::Runtime)?;

    let service = Arc::new(Service {
        vault,
        access: Access {
            uids: config.allow_uids,
            gids: config.allow_gids,
            bearer: config.bearer,
        },
        metrics: Arc::new(Metrics::new()),
        body_timeout: config.body_timeout,
        reads_in_place: !reads_over_network,
    });
    let connections = Arc::new(Connections {
        router: api::router(service.clone()),
        limit: Arc::new(Semaphore::new(config.max_connections)),
        graceful: GracefulShutdown::new(),
        header_timeout: config.header_timeout,
        service: service.clone(),
    });

    let (stop, stopped) = watch::channel(false);
    let refresh_ahead = match config.refresh_ahead.clone() {
        Some(ahead) => {
            let held = service.clone();
            Some(
                crate::refresh_ahead::start(
                    ahead,
                    Arc::new(move || held.vault.get().ok()),
                    service.metrics.clone(),
                    stopped.clone(),
                )
                .map_err(ServeError::RefreshAhead)?,
            )
        }
        None => None,
    };
    let mut socket_files = Vec::new();
    let mut accepting = Vec::new();
    for listener in listeners {
        tracing::info!(listener = %listener.describe(), "listening");
        if let Listener::Unix {
            path: Some(path), ..
        } = &listener
        {
            socket_files.push(path.clone());
        }
        accepting.push(tokio::spawn(accept_loop(
            listener,
            connections.clone(),
            stopped.clone(),
        )));
    }

    loop {
        tokio::select! {
            _ = terminate.recv() => break,
            _ = interrupt.recv() => break,
            _ = hangup.recv() => {
                let service = service.clone();
                let reloaded = tokio::task::spawn_blocking(move || service.vault.reload_credential()).await;
                match reloaded {
                    Ok(Ok(what)) => tracing::info!("SIGHUP: {what}"),
                    Ok(Err(why)) => tracing::error!("SIGHUP: {why}"),
                    Err(_) => tracing::error!("SIGHUP: reading the credential failed"),
                }
            }
        }
    }

    tracing::info!("stopping: no new connections; waiting for requests in flight");
    let _ = stop.send(true);
    for task in accepting {
        let _ = task.await;
    }
    if let Some(task) = refresh_ahead {
        // Attempts in flight finish on their own (or with the runtime): a lease left behind
        // falls when this process has ended.
        let _ = task.await;
    }
    for path in &socket_files {
        let _ = std::fs::remove_file(path);
    }
    let connections = match Arc::try_unwrap(connections) {
        Ok(connections) => connections,
        // Only the accept loops held it, and they have ended.
        Err(_) => return Ok(()),
    };
    let Connections { graceful, .. } = connections;
    match tokio::time::timeout(config.drain_timeout, graceful.shutdown()).await {
        Ok(()) => tracing::info!("stopped"),
        Err(_) => tracing::warn!(
            "stopped with requests still in flight after {:?}",
            config.drain_timeout
        ),
    }
    Ok(())
}

fn listeners(config: &ServeConfig) -> Result<Vec<Listener>, ServeError> {
    let activated = listen::activated()?;
    if !activated.is_empty() {
        if config.socket != SocketChoice::Default || config.tcp.is_some() {
            tracing::warn!(
                "systemd passed the sockets to listen on (LISTEN_FDS): --socket, --no-socket and --listen are ignored; set the sockets in the .socket unit"
            );
        }
        return Ok(activated);
    }
    let mut listeners = Vec::new();
    let socket = match &config.socket {
        SocketChoice::Default => Some(listen::default_socket_path()),
        SocketChoice::Path(path) => Some(path.clone()),
        SocketChoice::None => None,
    };
    if let Some(path) = socket {
        listeners.push(listen::bind_unix(
            &path,
            config.socket_mode,
            config.socket_gid,
        )?);
    }
    if let Some(address) = config.tcp {
        listeners.push(listen::bind_tcp(address)?);
    }
    match listeners.is_empty() {
        true => Err(ServeError::NoListener),
        false => Ok(listeners),
    }
}

async fn accept_loop(
    listener: Listener,
    connections: Arc<Connections>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            _ = stop.changed() => return,
            accepted = accept(&listener) => accepted,
        };
        match accepted {
            Ok(Accepted::Unix(stream, peer)) => connections.spawn(stream, peer),
            Ok(Accepted::Tcp(stream, peer)) => connections.spawn(stream, peer),
            // Out of file descriptors, or a connection reset before it was accepted: the
            // listener is still good. A short pause keeps a persistent error from spinning.
            Err(e) => {
                tracing::warn!(error = %e, "accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

enum Accepted {
    Unix(tokio::net::UnixStream, Peer),
    Tcp(tokio::net::TcpStream, Peer),
}

async fn accept(listener: &Listener) -> std::io::Result<Accepted> {
    match listener {
        Listener::Unix { listener, .. } => {
            let (stream, _) = listener.accept().await?;
            // The kernel's record of who connected: SO_PEERCRED.
            let credentials = stream.peer_cred()?;
            let peer = Peer::Unix {
                uid: credentials.uid(),
                gid: credentials.gid(),
            };
            Ok(Accepted::Unix(stream, peer))
        }
        Listener::Tcp(listener) => {
            let (stream, address) = listener.accept().await?;
            stream.set_nodelay(true)?;
            Ok(Accepted::Tcp(stream, Peer::Tcp { address }))
        }
    }
}
