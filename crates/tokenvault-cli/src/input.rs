//! A token read as JSON (stdin of `find` and `save`).
//!
//! Keys are the token model's field names (`redirect_uri`, the CSV's name, is accepted for
//! `redirect_url`); values are strings or null, numbers for `id` and `expiry_time`. An empty
//! string is kept as given: the FileStore picks its lookup rule by which fields are *given*.
//! Error messages name keys and positions, never a value.

use std::io::{IsTerminal, Read};

use serde_json::Value;
use tokenvault::Token;
use zeroize::Zeroizing;

use crate::CliError;
use crate::output;

/// The most JSON accepted: a token is a few hundred bytes.
const MAX_INPUT: u64 = 1024 * 1024;

/// Reads one token from stdin.
pub(crate) fn read_token_from_stdin() -> Result<Token, CliError> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        output::status("Reading a token as JSON from stdin (end with Ctrl-D)…");
    }
    let mut bytes = Zeroizing::new(Vec::new());
    stdin
        .lock()
        .take(MAX_INPUT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::failure(format!("cannot read stdin: {e}")))?;
    if bytes.len() as u64 > MAX_INPUT {
        return Err(CliError::failure(format!(
            "the JSON on stdin is over {MAX_INPUT} bytes; a token is a few hundred"
        )));
    }
    parse_token(&bytes)
}

/// Parses a JSON object into a token.
pub(crate) fn parse_token(bytes: &[u8]) -> Result<Token, CliError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        CliError::failure(format!(
            "stdin is not valid JSON (line {}, column {}); give one object such as {{\"user_name\": \"ann@zylker.com\"}}",
            e.line(),
            e.column()
        ))
    })?;
    let Value::Object(map) = value else {
        return Err(CliError::failure(
            "stdin must hold one JSON object of token fields, such as {\"user_name\": \"ann@zylker.com\"}",
        ));
    };
    let mut token = Token::new();
    let mut seen = Vec::new();
    for (key, value) in map {
        let field = match key.as_str() {
            "redirect_uri" => "redirect_url",
            other => Token::FIELDS
                .into_iter()
                .find(|f| *f == other)
                .ok_or_else(|| {
                    CliError::failure(format!(
                        "unknown token field {:?} on stdin; fields are {}",
                        output::printable(&key),
                        Token::FIELDS.join(", ")
                    ))
                })?,
        };
        if seen.contains(&field) {
            return Err(CliError::failure(format!(
                "{field} is given twice on stdin (redirect_uri is another name for redirect_url)"
            )));
        }
        seen.push(field);
        // Strings are moved, not copied, into the token (secrets then live in a `Secret`).
        let value = match value {
            Value::Null => None,
            Value::String(s) => Some(s),
            Value::Number(n) if matches!(field, "id" | "expiry_time") && n.is_u64() => {
                Some(n.to_string())
            }
            _ => {
                return Err(CliError::failure(format!(
                    "token field {field} must be a string or null"
                )));
            }
        };
        token.set_field(field, value);
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uri_is_an_alias_of_redirect_url() {
        let t = parse_token(br#"{"redirect_uri": "https://x/cb", "user_name": ""}"#).unwrap();
        assert_eq!(t.redirect_url.as_deref(), Some("https://x/cb"));
        assert_eq!(
            t.user_name.as_deref(),
            Some(""),
            "an empty string is kept as given"
        );
    }

    #[test]
    fn numbers_are_accepted_for_id_and_expiry_only() {
        let t = parse_token(br#"{"id": 7, "expiry_time": 1764343600000}"#).unwrap();
        assert_eq!(t.id.as_deref(), Some("7"));
        assert_eq!(t.expiry_time.as_deref(), Some("1764343600000"));
        assert!(parse_token(br#"{"access_token": 12345}"#).is_err());
    }

    #[test]
    fn errors_never_repeat_a_value() {
        for input in [
            &br#"{"access_token": ["1000.secret-value"]}"#[..],
            br#"{"access_token": "1000.secret-value", "nope": 1}"#,
            br#"{"access_token": "1000.secret-value""#,
            br#"{"redirect_url": "1000.secret-value", "redirect_uri": "x"}"#,
        ] {
            let message = format!("{:?}", parse_token(input).unwrap_err());
            assert!(!message.contains("secret-value"), "{message}");
        }
    }
}
