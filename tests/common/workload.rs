//! Tokens that carry their own checksum: every field is derived from a tag and a version, so a
//! test (or a reader process) can tell an intact token from a damaged or mixed-up one on sight.

use tokenvault::{Secret, Token};

const DOMAIN: &str = "@zylker.com";

/// The token for `tag` at `version`, without an id.
pub fn tagged_token(tag: &str, version: u32) -> Token {
    Token {
        id: None,
        user_name: Some(format!("{tag}{DOMAIN}")),
        client_id: Some(format!("1000.{tag}")),
        client_secret: Some(Secret::new(format!("secret-{tag}"))),
        refresh_token: Some(Secret::new(format!("1000.refresh.{tag}"))),
        access_token: Some(Secret::new(format!("1000.access.{tag}.v{version}"))),
        grant_token: None,
        expiry_time: Some((1_700_000_000_000u64 + u64::from(version)).to_string()),
        redirect_url: Some(format!("https://zylker.com/callback/{tag}")),
        api_domain: Some("https://www.zohoapis.com".into()),
    }
}

/// The partial token that moves `tag` to `version` through the FileStore's user-name rule:
/// `save_token` merges the stored fields into the absent ones.
pub fn tagged_update(tag: &str, version: u32) -> Token {
    let full = tagged_token(tag, version);
    Token {
        user_name: full.user_name,
        access_token: full.access_token,
        expiry_time: full.expiry_time,
        ..Token::default()
    }
}

/// The query that finds `tag`'s token.
pub fn tagged_query(tag: &str) -> Token {
    Token {
        user_name: Some(format!("{tag}{DOMAIN}")),
        ..Token::default()
    }
}

/// `(tag, version)` of a stored token whose every field agrees with them; otherwise what is wrong
/// (ids and tags only, which are not secret).
pub fn check_tagged(t: &Token) -> Result<(String, u32), String> {
    let name = t
        .user_name
        .as_deref()
        .ok_or("a token without a user name")?;
    let tag = name
        .strip_suffix(DOMAIN)
        .ok_or_else(|| format!("user name {name:?} is not from the workload"))?;
    let access = t
        .access_token
        .as_ref()
        .map(Secret::expose)
        .ok_or_else(|| format!("token {tag}: no access token"))?;
    let version = access
        .rsplit_once(".v")
        .and_then(|(_, v)| v.parse::<u32>().ok())
        .ok_or_else(|| format!("token {tag}: access token without a version"))?;
    let mut expected = tagged_token(tag, version);
    expected.id = t.id.clone();
    if &expected != t {
        return Err(format!(
            "token {tag} (id {:?}, version {version}) has fields that do not belong to it",
            t.id
        ));
    }
    Ok((tag.to_string(), version))
}
