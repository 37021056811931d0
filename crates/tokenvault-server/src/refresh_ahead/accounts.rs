//! The call to Zoho's accounts server: `POST {accounts}/oauth/v2/token` with
//! `grant_type=refresh_token`, as the SDK's `refresh_access_token` sends it, and its answer told
//! apart into the outcomes refresh ahead acts on. Every call has a deadline; HTTPS_PROXY and
//! NO_PROXY are honoured (reqwest reads them). No secret leaves this module except in the request
//! body, and no answer text reaches a log: outcomes are fixed names.

use std::time::Duration;

use tokenvault::{AccountsAnswer, AnswerError, Secret, Token};

use super::data_centers;

/// The token endpoint's path under an accounts server.
const TOKEN_PATH: &str = "/oauth/v2/token";
/// How long a connection may take to open (the whole call is bounded by the lease besides).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest answer read: a token answer is a few hundred bytes.
const MAX_ANSWER: usize = 64 * 1024;

/// What a call came to.
pub(crate) enum Outcome {
    /// A token: store it.
    Renewed(AccountsAnswer),
    /// `invalid_code`: the refresh token is revoked or invalid. Retrying cannot help.
    Revoked,
    /// "Access Denied" (HTTP 200): too many refreshes for this refresh token in the window.
    RateLimited,
    /// HTTP 5xx from the accounts server (or a proxy in front of it).
    ServerError,
    /// No answer: the connection failed or broke (DNS, refused, reset, TLS).
    Network,
    /// No answer within the deadline.
    Timeout,
    /// Any other answer: another error code, a redirect, a 4xx, or a body without a token.
    Rejected,
}

impl Outcome {
    /// The outcome's name in events, metrics and the hook's environment.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Outcome::Renewed(_) => "renewed",
            Outcome::Revoked => "revoked",
            Outcome::RateLimited => "rate_limited",
            Outcome::ServerError => "server_error",
            Outcome::Network => "network_error",
            Outcome::Timeout => "timeout",
            Outcome::Rejected => "rejected",
        }
    }
}

/// Why `--accounts-url` cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum AccountsUrlError {
    /// Not `https://` (or `http://` to a loopback address, for a local proxy or a test server).
    #[error(
        "--accounts-url: give https://HOST[:PORT], without a user name or password (plain http only to 127.0.0.1, [::1] or localhost: the client secret and refresh token travel in it)"
    )]
    NotHttps,
}

/// Checks an `--accounts-url` and returns it without a trailing slash.
pub fn check_accounts_url(url: &str) -> Result<String, AccountsUrlError> {
    let trimmed = url.trim().trim_end_matches('/');
    let loopback = |rest: &str| {
        let host = rest.split(['/']).next().unwrap_or("");
        let host = match host.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(""),
            None => host.split(':').next().unwrap_or(""),
        };
        host == "localhost"
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    };
    // No user name or password in it: the URL is logged (a proxy's credentials go in
    // HTTPS_PROXY, which is never logged).
    let no_userinfo = |rest: &str| !rest.split('/').next().unwrap_or("").contains('@');
    let usable = match (
        trimmed.strip_prefix("https://"),
        trimmed.strip_prefix("http://"),
    ) {
        (Some(rest), _) => !rest.is_empty() && no_userinfo(rest),
        (None, Some(rest)) => loopback(rest) && no_userinfo(rest),
        _ => false,
    };
    match usable {
        true => Ok(trimmed.to_string()),
        false => Err(AccountsUrlError::NotHttps),
    }
}

/// The HTTP client and where it sends each token.
pub(crate) struct Accounts {
    client: reqwest::Client,
    /// `--accounts-url`: every token goes there.
    fixed: Option<String>,
}

impl Accounts {
    pub(crate) fn new(fixed: Option<String>) -> Result<Accounts, String> {
        let client = reqwest::Client::builder()
            // The SDK refreshes with allow_redirects=False: a redirect is an answer, not a hop
            // that would carry the client secret elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .user_agent(concat!("tokenvault/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("the HTTP client cannot start: {e}"))?;
        Ok(Accounts { client, fixed })
    }

    /// The token endpoint for `token`: `--accounts-url`'s, else its data center's; `None` when
    /// its `api_domain` names no data center the table knows.
    pub(crate) fn token_url(&self, token: &Token) -> Option<String> {
        let base = match &self.fixed {
            Some(url) => url.as_str(),
            None => data_centers::accounts_server(token.api_domain.as_deref())?,
        };
        Some(format!("{base}{TOKEN_PATH}"))
    }

    /// One refresh call for `token` to `url`, answered within `deadline`.
    pub(crate) async fn refresh(&self, url: &str, token: &Token, deadline: Duration) -> Outcome {
        let field = |s: &Option<Secret>| s.as_ref().map_or("", Secret::expose).to_string();
        let form = [
            (
                "refresh_token",
                zeroize::Zeroizing::new(field(&token.refresh_token)),
            ),
            (
                "client_id",
                zeroize::Zeroizing::new(token.client_id.clone().unwrap_or_default()),
            ),
            (
                "client_secret",
                zeroize::Zeroizing::new(field(&token.client_secret)),
            ),
            (
                "grant_type",
                zeroize::Zeroizing::new("refresh_token".to_string()),
            ),
        ];
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let call = async {
            let response = self.client.post(url).form(&pairs).send().await?;
            let status = response.status();
            let body = read_limited(response).await?;
            Ok::<_, reqwest::Error>((status, body))
        };
        match tokio::time::timeout(deadline, call).await {
            Err(_) => Outcome::Timeout,
            Ok(Err(e)) if e.is_timeout() => Outcome::Timeout,
            Ok(Err(_)) => Outcome::Network,
            Ok(Ok((status, body))) => classify(status, &body),
        }
    }
}

/// The body, at most [`MAX_ANSWER`] bytes (the rest is not read: such an answer is no token).
async fn read_limited(mut response: reqwest::Response) -> Result<Vec<u8>, reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_ANSWER {
            break;
        }
    }
    Ok(body)
}

/// An answer's outcome. Zoho answers "Access Denied" and `invalid_code` with HTTP 200.
fn classify(status: reqwest::StatusCode, body: &[u8]) -> Outcome {
    if status.is_server_error() {
        return Outcome::ServerError;
    }
    match AccountsAnswer::parse(body) {
        Ok(answer) if status.is_success() => Outcome::Renewed(answer),
        Ok(_) => Outcome::Rejected,
        Err(AnswerError::Refused { error }) if error == "invalid_code" => Outcome::Revoked,
        Err(AnswerError::Refused { error }) if error.eq_ignore_ascii_case("access denied") => {
            Outcome::RateLimited
        }
        Err(_) => Outcome::Rejected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_told_apart() {
        let ok = reqwest::StatusCode::OK;
        let name = |status, body: &str| classify(status, body.as_bytes()).name();
        assert_eq!(
            name(ok, r#"{"access_token":"a","expires_in":3600}"#),
            "renewed"
        );
        assert_eq!(name(ok, r#"{"error":"invalid_code"}"#), "revoked");
        assert_eq!(
            name(
                ok,
                r#"{"error_description":"You have made too many requests continuously. Please try again after some time.","error":"Access Denied","status":"failure"}"#
            ),
            "rate_limited"
        );
        assert_eq!(name(ok, r#"{"error":"invalid_client"}"#), "rejected");
        assert_eq!(name(ok, "<html>"), "rejected");
        assert_eq!(
            name(reqwest::StatusCode::INTERNAL_SERVER_ERROR, "{}"),
            "server_error"
        );
        assert_eq!(
            name(
                reqwest::StatusCode::FOUND,
                r#"{"access_token":"a","expires_in":1}"#
            ),
            "rejected"
        );
    }

    #[test]
    fn an_accounts_url_is_https_or_loopback_http() {
        assert_eq!(
            check_accounts_url("https://accounts.zoho.eu/").unwrap(),
            "https://accounts.zoho.eu"
        );
        assert!(check_accounts_url("http://127.0.0.1:8080").is_ok());
        assert!(check_accounts_url("http://[::1]:8080").is_ok());
        assert!(check_accounts_url("http://localhost:1").is_ok());
        assert!(check_accounts_url("http://accounts.zoho.com").is_err());
        assert!(check_accounts_url("http://127.0.0.1.evil.com").is_err());
        assert!(check_accounts_url("ftp://x").is_err());
        assert!(check_accounts_url("https://").is_err());
        let refused = check_accounts_url("https://user:hunter2@proxy.example").unwrap_err();
        assert!(!refused.to_string().contains("hunter2"), "{refused}");
    }
}
