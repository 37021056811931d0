//! The fuzz target of the request decoding (fuzz/fuzz_targets/service_request.rs), and the
//! property it checks, for `cargo test` to replay the committed corpus on stable
//! (tests/request_corpus.rs). Feature `fuzzing` only: no front end turns it on.

use crate::wire;

/// Arbitrary bytes as a request body. The decoding never panics; a body it refuses is a client
/// error (4xx) whose message repeats no value of the body; a token it accepts is encoded and
/// decoded again to the same token.
pub fn fuzz_request_body(data: &[u8]) {
    match wire::token_from_body(data) {
        Ok(token) => {
            let encoded =
                serde_json::to_vec(&wire::token_to_json(&token)).expect("a token always encodes");
            let again = wire::token_from_body(&encoded).expect("an encoded token decodes");
            assert_eq!(again, token, "a token round-trips through its JSON");
        }
        Err(error) => {
            assert!(error.status().is_client_error(), "{error:?}");
            // Every string value of the body: none may appear in the message (a value may be
            // a secret). Short strings are skipped: they occur in any message by chance. So is
            // the message's fixed list of the token's field names, which a sent string can be
            // part of (`" user_name"`) without having been repeated.
            let fixed = wire::FIELDS.join(", ");
            let message = error.message().replace(&fixed, "");
            if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
                for text in strings(&value) {
                    if text.len() >= 8 {
                        assert!(!message.contains(text.as_str()), "{error:?}");
                    }
                }
            }
        }
    }
}

fn strings(value: &serde_json::Value) -> Vec<String> {
    match value {
        serde_json::Value::String(text) => vec![text.clone()],
        serde_json::Value::Array(items) => items.iter().flat_map(strings).collect(),
        serde_json::Value::Object(object) => object
            .iter()
            .flat_map(|(key, value)| {
                let mut found = strings(value);
                // A short, plain field name may be named back ("unknown field `x`").
                if key.len() > 32 || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    found.push(key.clone());
                }
                found
            })
            .collect(),
        _ => Vec::new(),
    }
}
