//! The token as JSON (docs/PROTOCOL.md §Token): the SDK's ten `OAuthToken` fields, each a string
//! or null (absent = null = not set).
//!
//! A request body is parsed as a `serde_json::Value` and checked field by field rather than
//! deserialized into a struct: serde's type errors quote the offending value ("invalid type:
//! string \"1000.xyz\", expected …"), and a value may be a secret. Every message here names a
//! field and a JSON type, never a value.

use serde_json::{Map, Value};
use tokenvault::Token;

use crate::errors::ApiError;

/// The token's fields, in the SDK's CSV column order (the order of a response's keys): the
/// library's list.
pub const FIELDS: [&str; 10] = Token::FIELDS;

/// The token a request body describes.
pub fn token_from_body(body: &[u8]) -> Result<Token, ApiError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        // Syntax errors name a position, never the text there.
        ApiError::malformed_json(format!(
            "the body is not JSON: {} at line {} column {}",
            describe_category(e.classify()),
            e.line(),
            e.column()
        ))
    })?;
    let Value::Object(object) = value else {
        return Err(ApiError::invalid_token(format!(
            "the body must be a JSON object of token fields, not {}",
            json_type(&value)
        )));
    };
    token_from_object(object)
}

fn token_from_object(object: Map<String, Value>) -> Result<Token, ApiError> {
    let mut token = Token::new();
    for (name, value) in object {
        let field = known_field(&name)?;
        let text = match value {
            Value::Null => None,
            Value::String(text) => Some(text),
            other => {
                return Err(ApiError::invalid_token(format!(
                    "field `{field}` must be a string or null, not {}",
                    json_type(&other)
                )));
            }
        };
        if !token.set_field(field, text) {
            // A name in FIELDS the library does not set: a bug, not the client's mistake.
            return Err(ApiError::internal("a token field has no setter"));
        }
    }
    Ok(token)
}

/// `name` as one of [`FIELDS`], or the `unknown_field` error. The name a client sent is shown
/// only when it is short and printable: a field name is not a secret, but a client that put a
/// token in the key position should not find it in a log.
fn known_field(name: &str) -> Result<&'static str, ApiError> {
    FIELDS
        .iter()
        .copied()
        .find(|field| *field == name)
        .ok_or_else(|| {
            let shown = if name.len() <= 32
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                format!("`{name}`")
            } else {
                format!("of {} characters", name.chars().count())
            };
            ApiError::unknown_field(format!(
                "unknown field {shown}; a token's fields are {}",
                FIELDS.join(", ")
            ))
        })
}

/// The token as a JSON object with every field, null where absent, in [`FIELDS`] order.
pub fn token_to_json(token: &Token) -> Value {
    let object: Map<String, Value> = FIELDS
        .iter()
        .map(|name| {
            let value = token
                .field(name)
                .map_or(Value::Null, |text| Value::String(text.to_string()));
            ((*name).to_string(), value)
        })
        .collect();
    Value::Object(object)
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn describe_category(category: serde_json::error::Category) -> &'static str {
    match category {
        serde_json::error::Category::Io => "it could not be read",
        serde_json::error::Category::Syntax => "a syntax error",
        serde_json::error::Category::Data => "a value of the wrong type",
        serde_json::error::Category::Eof => "it ends early",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_round_trips_and_absent_is_null() {
        let body = br#"{"id":"7","user_name":"a@b.c","client_id":"1000.X","client_secret":"cs",
            "refresh_token":"rt","access_token":"at","grant_token":null,"expiry_time":"1700000000000",
            "redirect_url":"https://r","api_domain":"https://www.zohoapis.com"}"#;
        let token = token_from_body(body).unwrap();
        assert_eq!(token.grant_token, None);
        let json = token_to_json(&token);
        assert_eq!(json["refresh_token"], "rt");
        assert_eq!(json["grant_token"], Value::Null);
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, FIELDS);
    }

    #[test]
    fn no_error_repeats_a_value_the_client_sent() {
        for body in [
            &br#"{"refresh_token": 1000123456789}"#[..],
            br#"{"refresh_token": ["1000.secret"]}"#,
            br#"{"1000.secretsecretsecretsecretsecret": "x"}"#,
            br#"{"refresh_token": "1000.secret"#,
            br#"["1000.secret"]"#,
            b"1000.secret",
        ] {
            let error = token_from_body(body).unwrap_err();
            let shown = format!("{} {:?}", error.message(), error);
            assert!(!shown.contains("1000"), "{shown}");
            assert!(!shown.contains("secret\""), "{shown}");
        }
    }

    #[test]
    fn wrong_types_and_unknown_fields_have_their_own_codes() {
        assert_eq!(
            token_from_body(br#"{"id": 7}"#).unwrap_err().code(),
            "invalid_token"
        );
        assert_eq!(
            token_from_body(br#"{"ID": "7"}"#).unwrap_err().code(),
            "unknown_field"
        );
        assert_eq!(token_from_body(b"{").unwrap_err().code(), "malformed_json");
        assert_eq!(token_from_body(b"[]").unwrap_err().code(), "invalid_token");
    }
}
