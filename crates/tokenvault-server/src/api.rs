//! The endpoints (docs/PROTOCOL.md §Endpoints): the SDK's six token-store methods, health and
//! metrics. Each handler decodes the request (`wire.rs`), calls the library, and encodes the
//! answer. A call that may wait (a save's fsync, a coordinated find waiting for another caller's
//! refresh) runs on the blocking pool; a lookup of a file vault runs in place, and a find goes on
//! to the coordinated find only when the token it found is due (`Token::refresh_due`), as the
//! coordinated find itself does. No rule of the FileStore or of refresh coordination is written
//! here: they are the library's.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde::Deserialize;
use serde_json::{Value, json};
use tokenvault::{Error, RefreshTurn, SaveOutcome, Token, Vault};
use zeroize::Zeroizing;

use crate::access::{Access, Peer};
use crate::errors::ApiError;
use crate::metrics::Metrics;
use crate::vault_handle::VaultHandle;
use crate::wire;

/// The largest request body read (a token is well under 8 KiB).
pub const MAX_BODY: usize = 64 * 1024;

/// What every handler shares.
pub(crate) struct Service {
    pub(crate) vault: VaultHandle,
    pub(crate) access: Access,
    pub(crate) metrics: Arc<Metrics>,
    /// How long a request body may take to arrive once its headers have.
    pub(crate) body_timeout: Duration,
    /// Whether lookups run on the worker thread ([`read_in_place`]): a file vault's do.
    pub(crate) reads_in_place: bool,
}

type Shared = Arc<Service>;

pub(crate) fn router(service: Shared) -> Router {
    Router::new()
        .route("/v1/tokens/find", post(find))
        .route("/v1/tokens/{id}", get(find_by_id).delete(delete))
        // An empty id (`/v1/tokens/`) is an id no token has, as in the library, not a wrong path.
        .route("/v1/tokens/", get(find_by_empty_id).delete(delete_empty_id))
        .route("/v1/tokens", get(get_all).put(save).delete(delete_all))
        .route("/v1/health", get(health))
        .route("/metrics", get(metrics))
        .fallback(|State(service): State<Shared>| async move {
            observed(&service, "other", async {
                Err(ApiError::route_not_found())
            })
            .await
        })
        .method_not_allowed_fallback(|State(service): State<Shared>| async move {
            observed(&service, "other", async {
                Err(ApiError::method_not_allowed())
            })
            .await
        })
        .layer(middleware::from_fn_with_state(service.clone(), authorize))
        .with_state(service)
}

/// Refuses a peer or request the allow lists do not admit, before any handler runs.
async fn authorize(State(service): State<Shared>, request: Request, next: Next) -> Response {
    let Some(peer) = request.extensions().get::<Peer>().copied() else {
        return ApiError::internal("a connection without its peer").into_response();
    };
    match service.access.check(&peer, request.headers()) {
        Ok(()) => next.run(request).await,
        Err(refused) => {
            tracing::warn!(peer = %peer, code = refused.code(), "request refused");
            service
                .metrics
                .request("refused", refused.code(), Duration::ZERO);
            refused.into_response()
        }
    }
}

/// `?coordinate=true|false` (default true): whether a find takes part in one refresh per expiry.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FindQuery {
    #[serde(default = "yes")]
    coordinate: bool,
}

fn yes() -> bool {
    true
}

async fn find(
    State(service): State<Shared>,
    query: Result<Query<FindQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    observed(&service, "find", async {
        let coordinate = coordinate(query)?;
        let body = read_body(&service, &headers, body).await?;
        let query = wire::token_from_body(&body)?;
        let found = match (coordinate, service.reads_in_place) {
            // Looked up in place first: a token that is not due is the answer as it stands,
            // exactly as the coordinated find's own first step answers it.
            (true, true) => match read_in_place(&service, |vault| vault.find_token(&query))? {
                Some(token) if !token.refresh_due() => Some((token, RefreshTurn::NotDue)),
                Some(_) => {
                    with_vault(&service, move |vault| vault.find_token_coordinated(&query)).await?
                }
                None => None,
            },
            (true, false) => {
                with_vault(&service, move |vault| vault.find_token_coordinated(&query)).await?
            }
            (false, true) => read_in_place(&service, |vault| vault.find_token(&query))?
                .map(|token| (token, RefreshTurn::NotDue)),
            (false, false) => with_vault(&service, move |vault| vault.find_token(&query))
                .await?
                .map(|token| (token, RefreshTurn::NotDue)),
        };
        match found {
            Some((token, turn)) => found_token(&service, &token, turn, coordinate),
            None => Err(ApiError::token_not_found()),
        }
    })
    .await
}

async fn find_by_id(
    State(service): State<Shared>,
    id: Result<Path<String>, PathRejection>,
    query: Result<Query<FindQuery>, QueryRejection>,
) -> Response {
    find_by_id_in(service, path_id(id), query).await
}

async fn find_by_empty_id(
    State(service): State<Shared>,
    query: Result<Query<FindQuery>, QueryRejection>,
) -> Response {
    find_by_id_in(service, Ok(String::new()), query).await
}

async fn find_by_id_in(
    service: Shared,
    id: Result<String, ApiError>,
    query: Result<Query<FindQuery>, QueryRejection>,
) -> Response {
    observed(&service, "find_by_id", async {
        let coordinate = coordinate(query)?;
        let id = id?;
        let in_place = match service.reads_in_place {
            true => Some(read_in_place(&service, |vault| {
                vault.find_token_by_id(&id)
            })?),
            false => None,
        };
        let (token, turn) = match (coordinate, in_place) {
            (false, Some(token)) => (token, RefreshTurn::NotDue),
            (true, Some(token)) if !token.refresh_due() => (token, RefreshTurn::NotDue),
            (true, _) => {
                with_vault(&service, move |vault| {
                    vault.find_token_by_id_coordinated(&id)
                })
                .await?
            }
            (false, None) => (
                with_vault(&service, move |vault| vault.find_token_by_id(&id)).await?,
                RefreshTurn::NotDue,
            ),
        };
        found_token(&service, &token, turn, coordinate)
    })
    .await
}

async fn save(State(service): State<Shared>, headers: HeaderMap, body: Body) -> Response {
    observed(&service, "save", async {
        let body = read_body(&service, &headers, body).await?;
        let mut token = wire::token_from_body(&body)?;
        let (token, outcome) = with_vault(&service, move |vault| {
            let outcome = vault.save_token(&mut token)?;
            Ok((token, outcome))
        })
        .await?;
        let outcome = match outcome {
            SaveOutcome::Inserted => "inserted",
            SaveOutcome::Updated => "updated",
            _ => return Err(ApiError::internal("a save outcome without a name")),
        };
        Ok(json_response(
            StatusCode::OK,
            &json!({"token": wire::token_to_json(&token), "outcome": outcome}),
        ))
    })
    .await
}

async fn delete(
    State(service): State<Shared>,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    delete_in(service, path_id(id)).await
}

async fn delete_empty_id(State(service): State<Shared>) -> Response {
    delete_in(service, Ok(String::new())).await
}

async fn delete_in(service: Shared, id: Result<String, ApiError>) -> Response {
    observed(&service, "delete", async {
        let id = id?;
        with_vault(&service, move |vault| vault.delete_token(&id)).await?;
        Ok(StatusCode::NO_CONTENT.into_response())
    })
    .await
}

async fn get_all(State(service): State<Shared>) -> Response {
    observed(&service, "get_all", async {
        let tokens = with_vault(&service, |vault| vault.get_tokens()).await?;
        let tokens: Vec<Value> = tokens.iter().map(wire::token_to_json).collect();
        Ok(json_response(StatusCode::OK, &json!({ "tokens": tokens })))
    })
    .await
}

async fn delete_all(State(service): State<Shared>) -> Response {
    observed(&service, "delete_all", async {
        with_vault(&service, |vault| vault.delete_tokens()).await?;
        Ok(StatusCode::NO_CONTENT.into_response())
    })
    .await
}

/// Healthy when the vault answers a read: for a server location, the database is reachable.
async fn health(State(service): State<Shared>) -> Response {
    observed(&service, "health", async {
        let tokens = match service.reads_in_place {
            true => read_in_place(&service, |vault| vault.len())?,
            false => with_vault(&service, |vault| vault.len()).await?,
        };
        Ok(json_response(
            StatusCode::OK,
            &json!({"status": "ok", "version": env!("CARGO_PKG_VERSION"), "tokens": tokens}),
        ))
    })
    .await
}

async fn metrics(State(service): State<Shared>) -> Response {
    observed(&service, "metrics", async {
        let vault = service.vault.get()?;
        let shared = service.clone();
        // This request is counted once answered: the text shows the requests before it.
        let text = tokio::task::spawn_blocking(move || shared.metrics.render(&vault))
            .await
            .map_err(|_| ApiError::internal("rendering the metrics failed"))?;
        Ok((
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            text,
        )
            .into_response())
    })
    .await
}

/// Runs `work`, counts and times its answer, and logs a failure (by code, never a value).
async fn observed(
    service: &Service,
    operation: &'static str,
    work: impl Future<Output = Result<Response, ApiError>>,
) -> Response {
    let started = Instant::now();
    let (response, result) = match work.await {
        Ok(response) => {
            tracing::debug!(
                operation,
                status = response.status().as_u16(),
                "request answered"
            );
            (response, "ok")
        }
        Err(error) => {
            if error.status().is_server_error() {
                tracing::warn!(
                    operation,
                    code = error.code(),
                    message = error.message(),
                    "request failed"
                );
            } else {
                tracing::debug!(operation, code = error.code(), "request refused");
            }
            let code = error.code();
            (error.into_response(), code)
        }
    };
    service
        .metrics
        .request(operation, result, started.elapsed());
    response
}

/// A found token and what the coordination said.
fn found_token(
    service: &Service,
    token: &Token,
    turn: RefreshTurn,
    coordinated: bool,
) -> Result<Response, ApiError> {
    let refresh = match (coordinated, turn) {
        (false, _) => "not_coordinated",
        (true, RefreshTurn::NotDue) => "not_due",
        (true, RefreshTurn::Yours) => "yours",
        (true, RefreshTurn::RefreshedByAnother) => "refreshed_by_another",
        (true, _) => return Err(ApiError::internal("a refresh turn without a name")),
    };
    if coordinated {
        service.metrics.refresh_turn(refresh);
    }
    Ok(json_response(
        StatusCode::OK,
        &json!({"token": wire::token_to_json(token), "refresh": refresh}),
    ))
}

/// Runs `call`, a lookup that never waits for another caller, on this worker thread: on a file
/// vault a lookup is a few microseconds of reading (no fsync, no lease wait), less than the two
/// thread hand-offs of the blocking pool would cost. Only when `reads_in_place` is set (not for
/// a server vault, where a lookup is a network round trip). A handle whose key slot was removed
/// is replaced on the blocking pool, as [`with_vault`] does, and the error is answered.
fn read_in_place<T>(
    service: &Shared,
    call: impl FnOnce(&Vault) -> Result<T, Error>,
) -> Result<T, ApiError> {
    let vault = service.vault.get()?;
    match call(&vault) {
        Ok(value) => Ok(value),
        Err(error) => {
            drop(vault);
            if let Error::KeyChanged = error {
                let shared = service.clone();
                tokio::task::spawn_blocking(move || shared.vault.reopen());
            }
            Err(ApiError::from_vault(&error))
        }
    }
}

/// Runs `call` on the vault on the blocking pool. A handle whose key slot was removed is
/// replaced (`vault_handle.rs`) before the error is answered.
async fn with_vault<T: Send + 'static>(
    service: &Shared,
    call: impl FnOnce(&Vault) -> Result<T, Error> + Send + 'static,
) -> Result<T, ApiError> {
    let vault = service.vault.get()?;
    let shared = service.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        let outcome = call(&vault);
        drop(vault);
        if let Err(Error::KeyChanged) = &outcome {
            shared.vault.reopen();
        }
        outcome
    })
    .await;
    match outcome {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(ApiError::from_vault(&error)),
        Err(_) => Err(ApiError::internal("a vault call panicked")),
    }
}

fn coordinate(query: Result<Query<FindQuery>, QueryRejection>) -> Result<bool, ApiError> {
    query.map(|Query(query)| query.coordinate).map_err(|_| {
        ApiError::invalid_query(
            "the only query parameter is `coordinate=true` or `coordinate=false`",
        )
    })
}

fn path_id(id: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    id.map(|Path(id)| id)
        .map_err(|_| ApiError::invalid_query("the token id in the path is not valid UTF-8"))
}

/// The request body: JSON (or no content type), at most [`MAX_BODY`] bytes, arrived within the
/// body timeout. Wiped when dropped: it holds the client's secrets.
async fn read_body(
    service: &Service,
    headers: &HeaderMap,
    body: Body,
) -> Result<Zeroizing<Vec<u8>>, ApiError> {
    if let Some(kind) = headers.get(header::CONTENT_TYPE) {
        let json = kind
            .to_str()
            .ok()
            .and_then(|kind| kind.split(';').next())
            .is_some_and(|kind| kind.trim().eq_ignore_ascii_case("application/json"));
        if !json {
            return Err(ApiError::unsupported_media_type());
        }
    }
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|length| length.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BODY as u64) {
        return Err(ApiError::body_too_large(MAX_BODY));
    }
    let collected =
        tokio::time::timeout(service.body_timeout, Limited::new(body, MAX_BODY).collect())
            .await
            .map_err(|_| ApiError::body_timeout())?;
    match collected {
        Ok(collected) => Ok(Zeroizing::new(collected.to_bytes().to_vec())),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => {
            Err(ApiError::body_too_large(MAX_BODY))
        }
        Err(_) => Err(ApiError::body_incomplete()),
    }
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    (status, axum::Json(body)).into_response()
}
