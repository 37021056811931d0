//! The fuzz target of the request decoding (fuzz/fuzz_targets/service_request.rs), and the
//! property it checks, for `cargo test` to replay the committed corpus on stable
//! (tests/request_corpus.rs). Feature `fuzzing` only: no front end turns it on.

use serde_json::Value;

use crate::wire;

/// Arbitrary bytes as a request body. The decoding never panics; a token it accepts is encoded
/// and decoded again to the same token; a body it refuses is a client error (4xx) whose answer
/// does not depend on any string value the body holds (a value may be a secret): the same body
/// with every string value blanked is refused with the same code and message. (Comparing with a
/// blanked body, rather than searching the message for the values, leaves no room for a value
/// that happens to spell part of a message.)
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
            match serde_json::from_slice::<Value>(data) {
                Ok(mut value) => {
                    blank_strings(&mut value);
                    let blanked = serde_json::to_vec(&value).expect("a value always encodes");
                    let again = wire::token_from_body(&blanked)
                        .expect_err("blanking string values changes no key and no type");
                    assert_eq!(
                        (again.code(), again.message()),
                        (error.code(), error.message()),
                        "the answer depends on a string value"
                    );
                }
                // Not JSON: the message is the syntax error's position, nothing of the body.
                Err(_) => assert!(
                    error.message().starts_with("the body is not JSON: "),
                    "{error:?}"
                ),
            }
        }
    }
}

/// Replaces every string value (not the keys) with the empty string.
fn blank_strings(value: &mut Value) {
    match value {
        Value::String(text) => text.clear(),
        Value::Array(items) => items.iter_mut().for_each(blank_strings),
        Value::Object(object) => object.values_mut().for_each(blank_strings),
        _ => {}
    }
}
