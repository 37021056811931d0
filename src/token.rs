//! The token model: the SDK's `OAuthToken` fields, with secrets in a type that cannot leak by accident.

use std::fmt;

use zeroize::Zeroize;

/// A secret string (client secret, refresh, access or grant token).
///
/// Its memory is wiped when it is dropped, `Debug` prints `Secret(***)`, and the value is only
/// reachable through [`Secret::expose`], so a secret never reaches a log line by accident.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

// Wiped by hand rather than by deriving `zeroize`'s traits: those would put a dependency's
// traits in the public API (issue 20: none of its types or traits), and no caller needs them.
impl Drop for Secret {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl Secret {
    /// Wraps a value. The `String` is moved, not copied, so no unwiped copy is left behind.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret value. Call it only where the value must leave the program (the SDK, an export).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the value is the empty string (which the FileStore stores as absent).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

/// One OAuth token, field for field the SDK's `OAuthToken` (and a FileStore row).
///
/// Every field is optional. `None` means "not given". `Some("")` is kept as given in a query —
/// the FileStore selects its lookup rule by which fields are *given*, so `Some("")` and `None`
/// behave differently there — but an empty value is stored as absent and reads back as `None`.
#[derive(Clone, Default, PartialEq, Eq, Debug)]
pub struct Token {
    /// The row id: a decimal string, assigned by `save_token` when absent.
    pub id: Option<String>,
    /// The user's name (the SDK's `UserSignature`, usually an email address).
    pub user_name: Option<String>,
    /// The OAuth client id.
    pub client_id: Option<String>,
    /// The OAuth client secret.
    pub client_secret: Option<Secret>,
    /// The refresh token.
    pub refresh_token: Option<Secret>,
    /// The access token.
    pub access_token: Option<Secret>,
    /// The grant token (authorization code).
    pub grant_token: Option<Secret>,
    /// When the access token expires: the SDK's `expires_in`, epoch milliseconds as a string.
    pub expiry_time: Option<String>,
    /// The OAuth redirect URL (the CSV column `redirect_uri`).
    pub redirect_url: Option<String>,
    /// The CRM API domain, e.g. `https://www.zohoapis.com`.
    pub api_domain: Option<String>,
}

impl Token {
    /// An empty token: every field `None`.
    pub fn new() -> Self {
        Token::default()
    }

    /// The field names, in the FileStore's column order (`redirect_url` is the CSV's `redirect_uri`).
    pub const FIELDS: [&'static str; 10] = [
        "id",
        "user_name",
        "client_id",
        "client_secret",
        "refresh_token",
        "access_token",
        "grant_token",
        "expiry_time",
        "redirect_url",
        "api_domain",
    ];

    /// The field's value by name (see [`Token::FIELDS`]); secrets are exposed.
    pub fn field(&self, name: &str) -> Option<&str> {
        match name {
            "id" => self.id.as_deref(),
            "user_name" => self.user_name.as_deref(),
            "client_id" => self.client_id.as_deref(),
            "client_secret" => self.client_secret.as_ref().map(Secret::expose),
            "refresh_token" => self.refresh_token.as_ref().map(Secret::expose),
            "access_token" => self.access_token.as_ref().map(Secret::expose),
            "grant_token" => self.grant_token.as_ref().map(Secret::expose),
            "expiry_time" => self.expiry_time.as_deref(),
            "redirect_url" => self.redirect_url.as_deref(),
            "api_domain" => self.api_domain.as_deref(),
            _ => None,
        }
    }

    /// Sets a field by name (see [`Token::FIELDS`]). Returns `false` for an unknown name.
    pub fn set_field(&mut self, name: &str, value: Option<String>) -> bool {
        match name {
            "id" => self.id = value,
            "user_name" => self.user_name = value,
            "client_id" => self.client_id = value,
            "client_secret" => self.client_secret = value.map(Secret::new),
            "refresh_token" => self.refresh_token = value.map(Secret::new),
            "access_token" => self.access_token = value.map(Secret::new),
            "grant_token" => self.grant_token = value.map(Secret::new),
            "expiry_time" => self.expiry_time = value,
            "redirect_url" => self.redirect_url = value,
            "api_domain" => self.api_domain = value,
            _ => return false,
        }
        true
    }

    /// The token as it is stored: empty strings become `None`, as the FileStore reads them back.
    pub(crate) fn normalized(&self) -> Token {
        fn keep(v: &Option<String>) -> Option<String> {
            v.as_ref().filter(|s| !s.is_empty()).cloned()
        }
        fn keep_secret(v: &Option<Secret>) -> Option<Secret> {
            v.as_ref().filter(|s| !s.is_empty()).cloned()
        }
        Token {
            id: keep(&self.id),
            user_name: keep(&self.user_name),
            client_id: keep(&self.client_id),
            client_secret: keep_secret(&self.client_secret),
            refresh_token: keep_secret(&self.refresh_token),
            access_token: keep_secret(&self.access_token),
            grant_token: keep_secret(&self.grant_token),
            expiry_time: keep(&self.expiry_time),
            redirect_url: keep(&self.redirect_url),
            api_domain: keep(&self.api_domain),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_contains_a_secret() {
        let t = Token {
            client_secret: Some(Secret::new("s3cr3t-value")),
            access_token: Some(Secret::new("1000.at.visible?")),
            ..Token::default()
        };
        let shown = format!("{t:?}");
        assert!(!shown.contains("s3cr3t-value"));
        assert!(!shown.contains("1000.at.visible?"));
        assert!(shown.contains("Secret(***)"));
    }

    #[test]
    fn normalized_turns_empty_strings_into_absent_fields() {
        let t = Token {
            user_name: Some(String::new()),
            access_token: Some(Secret::new("")),
            client_id: Some("c".into()),
            ..Token::default()
        };
        let n = t.normalized();
        assert_eq!(n.user_name, None);
        assert_eq!(n.access_token, None);
        assert_eq!(n.client_id.as_deref(), Some("c"));
    }

    #[test]
    fn field_and_set_field_cover_every_name() {
        let mut t = Token::new();
        for name in Token::FIELDS {
            assert!(t.set_field(name, Some(format!("v-{name}"))));
        }
        for name in Token::FIELDS {
            assert_eq!(t.field(name), Some(format!("v-{name}").as_str()));
        }
        assert!(!t.set_field("nope", None));
    }
}
