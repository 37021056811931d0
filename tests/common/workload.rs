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

/// A reader process's loop while writers run: reads every token until `stop` exists (checked
/// before each read, so the last read starts after every writer has finished), checking that
/// reads never shrink, every row is intact, and `find_token` agrees with the list. Returns
/// `(reads, rows seen by the last read)`.
pub fn read_until_stopped(vault: &tokenvault::Vault, stop: &std::path::Path) -> (usize, usize) {
    let (mut reads, mut last) = (0usize, 0usize);
    loop {
        let stopping = stop.exists();
        let tokens = vault.get_tokens().expect("reader: get_tokens");
        assert!(tokens.len() >= last, "a later read saw fewer rows");
        last = tokens.len();
        for t in &tokens {
            check_tagged(t).unwrap_or_else(|e| panic!("reader saw a damaged row: {e}"));
        }
        if let Some(t) = tokens.get(reads % tokens.len().max(1)) {
            let (tag, _) = check_tagged(t).unwrap();
            let found = vault.find_token(&tagged_query(&tag)).expect("reader: find");
            assert_eq!(
                found.as_ref(),
                Some(t),
                "find_token disagrees with the list"
            );
        }
        reads += 1;
        if stopping {
            return (reads, last);
        }
    }
}
