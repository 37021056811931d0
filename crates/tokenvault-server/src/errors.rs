//! Every error a client sees: an HTTP status and a JSON body `{"error": {"code", "message"}}`
//! (docs/PROTOCOL.md §Errors). The code is stable and what an adapter maps to its SDK's
//! exception; the message is for people and may change.
//!
//! A client's mistake is a 4xx, never a 5xx. A vault error is mapped by its variant; its text is
//! the library's, which never holds a secret, a password or a token value.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tokenvault::Error;

/// An error answer.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    /// Seconds, for 503 answers a retry may cure.
    retry_after: Option<u32>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// The stable code, e.g. `id_not_found`.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn malformed_json(message: String) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", message)
    }

    pub fn invalid_token(message: String) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_token", message)
    }

    pub fn unknown_field(message: String) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "unknown_field", message)
    }

    pub fn invalid_query(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", message)
    }

    pub fn body_too_large(limit: usize) -> Self {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the request body is over the limit of {limit} bytes; a token is far smaller"),
        )
    }

    pub fn body_timeout() -> Self {
        ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "body_timeout",
            "the request body did not arrive in time",
        )
    }

    pub fn body_incomplete() -> Self {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "body_incomplete",
            "the request body ended before its declared length, or its chunked encoding is broken",
        )
    }

    pub fn unsupported_media_type() -> Self {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "the body must be JSON: send `Content-Type: application/json`",
        )
    }

    pub fn route_not_found() -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "route_not_found",
            "no such endpoint; the endpoints are listed in docs/PROTOCOL.md (all under /v1/)",
        )
    }

    pub fn method_not_allowed() -> Self {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "this endpoint does not take that method (docs/PROTOCOL.md)",
        )
    }

    pub fn unauthorized() -> Self {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a request over TCP needs `Authorization: Bearer <token>` with the service's bearer token",
        )
    }

    pub fn forbidden_peer(uid: u32) -> Self {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "peer_not_allowed",
            format!(
                "user id {uid} is not allowed to use this service; start it with --allow-uid {uid} (or --allow-gid) to allow it"
            ),
        )
    }

    pub fn token_not_found() -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "token_not_found",
            "no stored token matches the query",
        )
    }

    pub fn vault_unavailable() -> Self {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "vault_unavailable",
            "the vault is being opened again (its key slot was changed); retry shortly",
        )
        .retry_after(1)
    }

    pub fn internal(what: impl Into<String>) -> Self {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!(
                "internal error: {}; this is a bug in tokenvault: please report it",
                what.into()
            ),
        )
    }

    fn retry_after(mut self, seconds: u32) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// The answer for a vault error.
    pub fn from_vault(error: &Error) -> Self {
        use StatusCode as S;
        let text = error.to_string();
        match error {
            Error::TokenNotFound { .. } => ApiError::new(S::NOT_FOUND, "id_not_found", text),
            Error::InvalidId { .. } => ApiError::new(S::BAD_REQUEST, "id_invalid", text),
            Error::MissingAuthDetails => {
                ApiError::new(S::UNPROCESSABLE_ENTITY, "user_details_not_found", text)
            }
            Error::TokenTooLarge { .. } => {
                ApiError::new(S::PAYLOAD_TOO_LARGE, "token_too_large", text)
            }
            Error::Busy { .. } => {
                ApiError::new(S::SERVICE_UNAVAILABLE, "busy", text).retry_after(1)
            }
            Error::ServerUnreachable { .. } | Error::Server { .. } => {
                ApiError::new(S::SERVICE_UNAVAILABLE, "storage_unavailable", text).retry_after(1)
            }
            Error::KeyChanged => {
                ApiError::new(S::SERVICE_UNAVAILABLE, "vault_key_changed", text).retry_after(1)
            }
            Error::SealBudgetExhausted => {
                ApiError::new(S::SERVICE_UNAVAILABLE, "seal_budget_exhausted", text)
            }
            Error::Corrupted { .. } => {
                ApiError::new(S::INTERNAL_SERVER_ERROR, "vault_damaged", text)
            }
            Error::Internal { .. } => ApiError::new(S::INTERNAL_SERVER_ERROR, "internal", text),
            _ => ApiError::new(S::INTERNAL_SERVER_ERROR, "vault_error", text),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"error": {"code": self.code, "message": self.message}});
        let mut response = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
