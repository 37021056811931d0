//! The recorded FileStore cases (`tests/data/compat/filestore-cases.json`) replayed through the
//! service: the same answers as the library gives (tests/common/replay.rs), over HTTP.
//!
//! Each case's rows are stored with `PUT /v1/tokens` in row order (a save with an id the vault
//! lacks inserts it under that id, as an import does), then its operation is sent. Finds are
//! uncoordinated (`?coordinate=false`): the recorded tokens expired long ago, and the FileStore
//! has no refresh coordination.

use serde_json::{Value, json};

use crate::support::{Answer, Scratch, Service, data_dir};

/// The FileStore's columns, the token's fields: the library's list.
const COLUMNS: [&str; 10] = tokenvault::Token::FIELDS;

fn row_to_token(row: &[String]) -> Value {
    let mut token = serde_json::Map::new();
    for (name, value) in COLUMNS.iter().zip(row) {
        let value = match value.is_empty() {
            true => Value::Null,
            false => Value::String(value.clone()),
        };
        token.insert((*name).to_string(), value);
    }
    Value::Object(token)
}

fn token_to_row(token: &Value) -> Vec<String> {
    COLUMNS
        .iter()
        .map(|name| token[*name].as_str().unwrap_or("").to_string())
        .collect()
}

/// The error code the service gives for a FileStore error message.
fn expected_code(message: &str) -> &'static str {
    if message.contains("user authentication details not found") {
        "user_details_not_found"
    } else if message.contains("Given Id not found") || message.contains("Given ID is invalid") {
        "id_not_found"
    } else {
        "(no code for this message)"
    }
}

fn outcome(answer: &Answer, token_field: bool) -> Result<Value, String> {
    match answer.status {
        200 if token_field => Ok(json!({"kind": "token", "token": answer.json["token"]})),
        200 => Ok(json!({"kind": "tokens", "tokens": answer.json["tokens"]})),
        204 => Ok(json!({"kind": "ok"})),
        404 if answer.code() == "token_not_found" => Ok(json!({"kind": "none"})),
        _ => Err(answer.code().to_string()),
    }
}

fn run_case(service: &Service, case: &Value) -> Result<(), String> {
    service.call("DELETE", "/v1/tokens", None);
    let rows: Vec<Vec<String>> = serde_json::from_value(case["rows_before"].clone()).unwrap();
    for row in &rows {
        let answer = service.call("PUT", "/v1/tokens", Some(&row_to_token(row)));
        // A row the SDK could not have written is skipped, as an import skips it.
        if answer.status != 200 && answer.code() != "user_details_not_found" {
            return Err(format!("setup: {}", answer.body));
        }
    }
    let op = &case["op"];
    let id = op["id"].as_str().unwrap_or_default();
    let (result, token_after) = match op["op"].as_str().unwrap_or_default() {
        "find_token" => {
            let answer = service.call(
                "POST",
                "/v1/tokens/find?coordinate=false",
                Some(&op["token"]),
            );
            let after = match answer.status {
                200 => answer.json["token"].clone(),
                _ => normalized(&op["token"]),
            };
            (outcome(&answer, true), Some(after))
        }
        "save_token" => {
            let answer = service.call("PUT", "/v1/tokens", Some(&op["token"]));
            let after = match answer.status {
                200 => answer.json["token"].clone(),
                _ => normalized(&op["token"]),
            };
            (
                outcome(&answer, true).map(|_| json!({"kind": "ok"})),
                Some(after),
            )
        }
        "delete_token" => (
            outcome(
                &service.call("DELETE", &format!("/v1/tokens/{}", escape(id)), None),
                false,
            ),
            None,
        ),
        "find_token_by_id" => (
            outcome(
                &service.call(
                    "GET",
                    &format!("/v1/tokens/{}?coordinate=false", escape(id)),
                    None,
                ),
                true,
            )
            .map(|found| json!({"kind": "token", "token": found["token"]})),
            None,
        ),
        "get_tokens" => (
            outcome(&service.call("GET", "/v1/tokens", None), false),
            None,
        ),
        "delete_tokens" => (
            outcome(&service.call("DELETE", "/v1/tokens", None), false),
            None,
        ),
        other => return Err(format!("unknown op {other}")),
    };
    let expected = case
        .get("divergence")
        .map_or(&case["result"], |d| &d["vault_result"]);
    match (&result, expected["kind"].as_str()) {
        (Err(code), Some("error")) => {
            let message = expected["message"].as_str().unwrap_or_default();
            if code != expected_code(message) {
                return Err(format!("expected error {message:?}, got {code}"));
            }
        }
        (Err(code), _) => return Err(format!("expected {expected}, got error {code}")),
        (Ok(got), _) if got != expected => {
            return Err(format!("result: expected {expected}, got {got}"));
        }
        (Ok(_), _) => {}
    }
    if let (Some(after), Some(recorded)) = (&token_after, case.get("token_after")) {
        let recorded = match (case.get("divergence"), expected["kind"].as_str()) {
            (Some(_), Some("token")) => &expected["token"],
            _ => recorded,
        };
        if after != recorded {
            return Err(format!("token after: expected {recorded}, got {after}"));
        }
    }
    let rows_after: Vec<Vec<String>> = service.call("GET", "/v1/tokens", None).json["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(token_to_row)
        .collect();
    let recorded_rows: Vec<Vec<String>> =
        serde_json::from_value(case["rows_after"].clone()).unwrap();
    if rows_after != recorded_rows {
        return Err(format!(
            "rows after: expected {recorded_rows:?}, got {rows_after:?}"
        ));
    }
    Ok(())
}

/// The token a client sent, with every field (null where absent), as the service returns one.
fn normalized(token: &Value) -> Value {
    let mut out = serde_json::Map::new();
    for name in COLUMNS {
        out.insert(
            name.to_string(),
            token.get(name).cloned().unwrap_or(Value::Null),
        );
    }
    Value::Object(out)
}

/// An id as a path segment (the cases hold ids such as "" and "abc").
fn escape(id: &str) -> String {
    id.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn every_recorded_filestore_case_gives_the_recorded_result_through_the_service() {
    let text = std::fs::read_to_string(data_dir().join("compat/filestore-cases.json")).unwrap();
    let cases: Value = serde_json::from_str(&text).unwrap();
    let cases = cases["cases"].as_array().unwrap();
    let scratch = Scratch::new();
    let service = scratch.serve("s", &[]);
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            run_case(&service, case)
                .err()
                .map(|why| format!("{}: {why}", case["name"].as_str().unwrap_or("?")))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    assert!(cases.len() >= 400, "only {} cases", cases.len());
}
