//! Renewal ahead of expiry: which tokens a refresh-ahead service renews and when, and how the
//! accounts server's answer is stored — the SDK's `OAuthToken.parse_response`, field for field
//! (zohocrmsdk8-0 7.0.0). Pure rules, no I/O; `store/renewal.rs` runs them under the refresh
//! lease (docs/RELIABILITY.md §Refresh ahead).

use std::time::Duration;

#[cfg(feature = "refresh-ahead")]
use serde_json::Value;

use crate::lease;
use crate::token::{Secret, Token};

/// The margin a refresh-ahead renewal is never later than: the SDK's own (it refreshes a token
/// that expires within 5 s), plus a second so that the renewal is saved before a worker's SDK
/// would start its own.
pub const MIN_RENEWAL_MARGIN: Duration = Duration::from_secs(6);

/// The margin of `tokenvault serve --refresh-ahead` without a value: 5 minutes before expiry.
pub const DEFAULT_RENEWAL_MARGIN: Duration = Duration::from_secs(5 * 60);

impl Token {
    /// When a refresh-ahead service with `margin` renews this token (before its jitter, of at
    /// most a fifth of the margin, and any backoff): token-time epoch milliseconds, 0 for a token
    /// due at once (no access token); `None` when it never does (no refresh token, client id or
    /// secret, or an expiry the SDK cannot read).
    pub fn renewal_due_at(&self, margin: Duration) -> Option<u64> {
        renewal_due_at(self, margin)
    }
}

/// Whether `token` can be renewed by a refresh-ahead service: it has a refresh token, a client
/// id and a client secret (what `POST /oauth/v2/token` with `grant_type=refresh_token` needs).
pub(crate) fn renewable(token: &Token) -> bool {
    let present = |s: &Option<Secret>| s.as_ref().is_some_and(|s| !s.is_empty());
    present(&token.refresh_token)
        && present(&token.client_secret)
        && token.client_id.as_deref().is_some_and(|id| !id.is_empty())
}

/// When `token`'s access token expires, epoch milliseconds, as the SDK reads `expiry_time`;
/// `None` when it has no access token (due at once: the SDK would refresh it on first use) or
/// an expiry Python's `int()` cannot read (the SDK raises before any refresh; never due).
pub(crate) fn expiry(token: &Token) -> Expiry {
    let has_access = token.access_token.as_ref().is_some_and(|s| !s.is_empty());
    if !has_access {
        return Expiry::NoAccessToken;
    }
    match token.expiry_time.as_deref().filter(|e| !e.is_empty()) {
        None => Expiry::Never,
        Some(text) => match lease::python_int(text) {
            Some(ms) => Expiry::At(i128_to_ms(ms)),
            None => Expiry::Never,
        },
    }
}

fn i128_to_ms(ms: i128) -> u64 {
    u64::try_from(ms.max(0)).unwrap_or(u64::MAX)
}

/// A token's expiry as the renewal rule reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Expiry {
    /// No access token: the SDK would refresh on first use, so a renewal is due now.
    NoAccessToken,
    /// The access token expires then (epoch milliseconds).
    At(u64),
    /// No expiry the SDK reads (absent or not an integer): the SDK never refreshes it.
    Never,
}

/// When a renewal of `token` with `margin` (at least [`MIN_RENEWAL_MARGIN`]) is due, token-time
/// epoch milliseconds; `None` if never. A token that is not [`renewable`] is never due.
pub(crate) fn renewal_due_at(token: &Token, margin: Duration) -> Option<u64> {
    if !renewable(token) {
        return None;
    }
    match expiry(token) {
        Expiry::NoAccessToken => Some(0),
        Expiry::At(at) => Some(renewal_due_for(at, margin)),
        Expiry::Never => None,
    }
}

/// When a renewal with `margin` (at least [`MIN_RENEWAL_MARGIN`]) of an access token that
/// expires at `expiry_unix_ms` is due (token-time epoch milliseconds).
pub fn renewal_due_for(expiry_unix_ms: u64, margin: Duration) -> u64 {
    let margin_ms = u64::try_from(margin.max(MIN_RENEWAL_MARGIN).as_millis()).unwrap_or(u64::MAX);
    expiry_unix_ms.saturating_sub(margin_ms)
}

/// Why an answer of the accounts server holds no token to store (the SDK raises
/// `SDKException(INVALID_TOKEN_ERROR)` for the first two).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AnswerError {
    /// The answer names an error instead of a token: Zoho's `error` field, e.g. `invalid_code`
    /// (the refresh token is revoked or invalid) or `Access Denied` (too many refreshes in the
    /// window). The text is Zoho's error code, never a secret.
    #[error("the accounts server refused: {error}")]
    Refused {
        /// The answer's `error` field.
        error: String,
    },
    /// The answer has neither `access_token` nor `error`.
    #[error("the accounts server's answer has no access token")]
    NoAccessToken,
    /// The answer is not a JSON object.
    #[error("the accounts server's answer is not a JSON object")]
    NotJson,
    /// `expires_in` is missing or is not an integer (the SDK's `int()` would raise).
    #[error("the accounts server's answer has no usable expires_in")]
    NoExpiry,
}

/// The accounts server's answer to a refresh, read as `OAuthToken.parse_response` reads it:
/// `access_token` (required), `expires_in` (seconds, or milliseconds when the answer also has
/// `expires_in_sec`), `refresh_token` and `api_domain` when present (the SDK's default
/// `SDKConfig(update_api_domain=True)` takes the answer's `api_domain`).
pub struct AccountsAnswer {
    access_token: Secret,
    lifetime_ms: u64,
    refresh_token: Option<Secret>,
    api_domain: Option<String>,
}

impl std::fmt::Debug for AccountsAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountsAnswer")
            .field("lifetime_ms", &self.lifetime_ms)
            .field("api_domain", &self.api_domain)
            .finish_non_exhaustive()
    }
}

impl AccountsAnswer {
    /// Reads the body of `POST /oauth/v2/token`'s answer (feature `refresh-ahead`).
    #[cfg(feature = "refresh-ahead")]
    pub fn parse(body: &[u8]) -> Result<AccountsAnswer, AnswerError> {
        let value: Value = serde_json::from_slice(body).map_err(|_| AnswerError::NotJson)?;
        let Value::Object(fields) = value else {
            return Err(AnswerError::NotJson);
        };
        let Some(access) = fields.get("access_token") else {
            return Err(match fields.get("error") {
                Some(Value::String(error)) => AnswerError::Refused {
                    error: error.clone(),
                },
                Some(other) => AnswerError::Refused {
                    error: other.to_string(),
                },
                None => AnswerError::NoAccessToken,
            });
        };
        let access_token = match access {
            Value::String(text) => Secret::new(text.clone()),
            _ => return Err(AnswerError::NoAccessToken),
        };
        let expires_in = fields
            .get("expires_in")
            .and_then(python_int_of)
            .ok_or(AnswerError::NoExpiry)?;
        // `int(expires_in)` when `expires_in_sec` is present (then `expires_in` is in ms), else
        // `int(expires_in) * 1000`.
        let lifetime_ms = match fields.contains_key("expires_in_sec") {
            true => expires_in,
            false => expires_in.checked_mul(1000).ok_or(AnswerError::NoExpiry)?,
        };
        let text = |name: &str| match fields.get(name) {
            Some(Value::String(text)) => Some(text.clone()),
            _ => None,
        };
        Ok(AccountsAnswer {
            access_token,
            lifetime_ms: i128_to_ms(lifetime_ms),
            refresh_token: text("refresh_token").map(Secret::new),
            api_domain: text("api_domain"),
        })
    }

    /// The access token's lifetime the answer gives.
    pub fn lifetime(&self) -> Duration {
        Duration::from_millis(self.lifetime_ms)
    }

    /// `stored` with the answer applied at token time `now_ms`, as the SDK's `parse_response`
    /// sets its fields before its `save_token`: the access token, `expiry_time = now + lifetime`,
    /// the refresh token and API domain when the answer has them.
    pub(crate) fn apply(&self, stored: &Token, now_ms: u64) -> Token {
        let mut token = stored.clone();
        token.access_token = Some(self.access_token.clone());
        token.expiry_time = Some(now_ms.saturating_add(self.lifetime_ms).to_string());
        if let Some(refresh) = &self.refresh_token {
            token.refresh_token = Some(refresh.clone());
        }
        if let Some(domain) = &self.api_domain {
            token.api_domain = Some(domain.clone());
        }
        token
    }
}

/// Python's `int(value)` for a JSON number or string.
#[cfg(feature = "refresh-ahead")]
fn python_int_of(value: &Value) -> Option<i128> {
    match value {
        Value::Number(n) => n
            .as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
            // int(3600.0) == 3600: a float is truncated towards zero.
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.is_finite())
                    .map(|f| f.trunc() as i128)
            }),
        Value::String(text) => lease::python_int(text),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored() -> Token {
        Token {
            id: Some("3".into()),
            user_name: Some("ann@zylker.com".into()),
            client_id: Some("1000.C".into()),
            client_secret: Some(Secret::new("s")),
            refresh_token: Some(Secret::new("1000.r")),
            access_token: Some(Secret::new("old")),
            expiry_time: Some("1000000".into()),
            api_domain: Some("https://www.zohoapis.eu".into()),
            ..Token::default()
        }
    }

    #[test]
    fn an_answer_is_stored_as_parse_response_stores_it() {
        let answer = AccountsAnswer::parse(
            br#"{"access_token":"new","expires_in":3600,"api_domain":"https://www.zohoapis.com","token_type":"Bearer"}"#,
        )
        .unwrap();
        let token = answer.apply(&stored(), 5_000);
        assert_eq!(token.access_token.as_ref().map(Secret::expose), Some("new"));
        assert_eq!(token.expiry_time.as_deref(), Some("3605000"));
        assert_eq!(
            token.refresh_token.as_ref().map(Secret::expose),
            Some("1000.r")
        );
        assert_eq!(
            token.api_domain.as_deref(),
            Some("https://www.zohoapis.com")
        );
        assert_eq!(token.user_name, stored().user_name);
        // expires_in in milliseconds when expires_in_sec is present; strings are int()-ed.
        let answer = AccountsAnswer::parse(
            br#"{"access_token":"n","expires_in":"3600000","expires_in_sec":3600,"refresh_token":"1000.r2"}"#,
        )
        .unwrap();
        let token = answer.apply(&stored(), 0);
        assert_eq!(token.expiry_time.as_deref(), Some("3600000"));
        assert_eq!(
            token.refresh_token.as_ref().map(Secret::expose),
            Some("1000.r2")
        );
        assert_eq!(token.api_domain, stored().api_domain);
    }

    #[test]
    fn an_answer_without_a_token_says_why() {
        assert_eq!(
            AccountsAnswer::parse(br#"{"error":"invalid_code"}"#).unwrap_err(),
            AnswerError::Refused {
                error: "invalid_code".into()
            }
        );
        assert_eq!(
            AccountsAnswer::parse(br#"{"error_description":"You have made too many requests continuously. Please try again after some time.","error":"Access Denied","status":"failure"}"#)
                .unwrap_err(),
            AnswerError::Refused {
                error: "Access Denied".into()
            }
        );
        assert_eq!(
            AccountsAnswer::parse(b"{}").unwrap_err(),
            AnswerError::NoAccessToken
        );
        assert_eq!(
            AccountsAnswer::parse(b"<html>").unwrap_err(),
            AnswerError::NotJson
        );
        assert_eq!(
            AccountsAnswer::parse(br#"{"access_token":"a","expires_in":"soon"}"#).unwrap_err(),
            AnswerError::NoExpiry
        );
    }

    #[test]
    fn a_renewal_is_due_a_margin_before_expiry_and_never_without_a_refresh_token() {
        let margin = Duration::from_secs(300);
        assert_eq!(renewal_due_at(&stored(), margin), Some(700_000));
        // The SDK's own margin is the floor.
        assert_eq!(renewal_due_at(&stored(), Duration::ZERO), Some(994_000));
        let no_access = Token {
            access_token: None,
            ..stored()
        };
        assert_eq!(renewal_due_at(&no_access, margin), Some(0));
        let unreadable = Token {
            expiry_time: Some("1.5".into()),
            ..stored()
        };
        assert_eq!(renewal_due_at(&unreadable, margin), None);
        let no_refresh = Token {
            refresh_token: None,
            ..stored()
        };
        assert_eq!(renewal_due_at(&no_refresh, margin), None);
        let no_secret = Token {
            client_secret: Some(Secret::new("")),
            ..stored()
        };
        assert_eq!(renewal_due_at(&no_secret, margin), None);
    }
}
