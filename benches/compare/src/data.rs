//! Realistic tokens, shaped like the SDK's own files (`tests/data/compat/files/many.txt`):
//! decimal ids, emails as user names, 70-character `1000.<32 hex>.<32 hex>` tokens.

use tokenvault::{Secret, Token};

/// A fixed mix of `i`: token values look random, so indexes see scattered inserts.
fn mix(i: u64, salt: u64) -> u64 {
    let mut z = i
        .wrapping_add(salt.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A 70-character SDK-style token.
pub fn oauth_value(i: u64, salt: u64) -> String {
    format!(
        "1000.{:016x}{:016x}.{:016x}{:016x}",
        mix(i, salt),
        mix(i, salt + 1),
        mix(i, salt + 2),
        mix(i, salt + 3)
    )
}

/// Token `i` (1-based id `i`). One token in ten still holds its grant token.
pub fn token(i: u64) -> Token {
    Token {
        id: Some(i.to_string()),
        user_name: Some(format!("user{i:06}@zylker.com")),
        client_id: Some("1000.K3Q7ZB0Y9V5TWD2LJX8RMFA1CNHUEP".into()),
        client_secret: Some(Secret::new("8f2b1c9e0d4a7b6c5e3f1a2b3c4d5e6f7a8b9c0d1e")),
        refresh_token: Some(Secret::new(oauth_value(i, 10))),
        access_token: Some(Secret::new(oauth_value(i, 20))),
        grant_token: i
            .is_multiple_of(10)
            .then(|| Secret::new(oauth_value(i, 30))),
        expiry_time: Some((1_764_340_000_000 + i * 1000).to_string()),
        redirect_url: None,
        api_domain: Some("https://www.zohoapis.com".into()),
    }
}

/// Tokens `1..=n`.
pub fn tokens(n: u64) -> Vec<Token> {
    (1..=n).map(token).collect()
}

/// Tokens `1..=n` as a FileStore token file.
pub fn csv(n: u64) -> Vec<u8> {
    let mut out = Vec::new();
    tokenvault::filestore::write(&tokens(n), &mut out).expect("write to memory");
    out
}

/// `count` ids spread over `1..=n` (deterministic), for lookups that hit.
pub fn sample_ids(n: u64, count: usize) -> Vec<u64> {
    (0..count as u64).map(|k| mix(k, 99) % n + 1).collect()
}

/// The ids of tokens holding a grant token among [`sample_ids`]-like picks.
pub fn sample_grant_ids(n: u64, count: usize) -> Vec<u64> {
    let grants = (n / 10).max(1);
    (0..count as u64)
        .map(|k| (mix(k, 77) % grants + 1) * 10)
        .map(|id| id.min(n - n % 10).max(10))
        .collect()
}

/// A query the way the SDK builds it for each `find_token` path.
pub fn query(path: &str, i: u64) -> Token {
    let t = token(i);
    let client = |mut q: Token| {
        q.client_id = t.client_id.clone();
        q.client_secret = t.client_secret.clone();
        q
    };
    match path {
        "user_name" => Token {
            user_name: t.user_name,
            ..Token::default()
        },
        "access_token" => Token {
            access_token: t.access_token,
            ..Token::default()
        },
        "grant_token" => client(Token {
            grant_token: t.grant_token,
            ..Token::default()
        }),
        "refresh_token" => client(Token {
            refresh_token: t.refresh_token,
            ..Token::default()
        }),
        "id" => Token {
            id: t.id,
            ..Token::default()
        },
        other => panic!("unknown path {other}"),
    }
}

/// The hourly refresh the SDK saves: a new access token and expiry, by id.
pub fn refreshed(i: u64, round: u64) -> Token {
    Token {
        id: Some(i.to_string()),
        access_token: Some(Secret::new(oauth_value(i, 1000 + round))),
        expiry_time: Some((1_764_343_600_000 + round * 3_600_000 + i).to_string()),
        ..Token::default()
    }
}
