//! The replay of the recorded FileStore cases (`tests/data/compat/filestore-cases.json`, or the
//! file named by `TOKENVAULT_CASES`), shared by every engine's compat test: each case runs on a
//! fresh, empty vault, and each failing case is reported by name.

use serde_json::{Value, json};
use tokenvault::{Error, Token, Vault};

use super::{row_to_token, token_from_json, token_to_json, token_to_row};

pub fn cases_path() -> std::path::PathBuf {
    match std::env::var_os("TOKENVAULT_CASES") {
        Some(path) => path.into(),
        None => super::data_dir().join("compat/filestore-cases.json"),
    }
}

/// The error kind the vault raises for a FileStore message.
fn expected_error(message: &str) -> fn(&Error) -> bool {
    if message.contains("user authentication details not found") {
        |e| matches!(e, Error::MissingAuthDetails)
    } else if message.contains("Given Id not found") || message.contains("Given ID is invalid") {
        |e| matches!(e, Error::TokenNotFound { .. })
    } else {
        |_| false
    }
}

fn result_to_json(result: Result<Option<Value>, Error>) -> Result<Value, Error> {
    result.map(|v| v.unwrap_or_else(|| json!({"kind": "none"})))
}

/// Runs one case on `vault`, which must be empty; `Err` says what differed.
pub fn run_case(vault: &Vault, case: &Value) -> Result<(), String> {
    let rows: Vec<Vec<String>> =
        serde_json::from_value(case["rows_before"].clone()).map_err(|e| e.to_string())?;
    vault
        .import(rows.iter().map(|r| row_to_token(r)))
        .map_err(|e| format!("setup failed: {e}"))?;

    let op = &case["op"];
    let mut token_after: Option<Token> = None;
    let outcome: Result<Value, Error> = match op["op"].as_str().unwrap_or_default() {
        "find_token" => {
            let query = token_from_json(&op["token"]);
            let found = vault.find_token(&query);
            token_after = Some(match &found {
                Ok(Some(t)) => t.clone(),
                _ => query,
            });
            result_to_json(found.map(|f| f.map(|t| json!({"kind": "token", "token": token_to_json(&t)}))))
        }
        "save_token" => {
            let mut token = token_from_json(&op["token"]);
            let saved = vault.save_token(&mut token);
            token_after = Some(token);
            saved.map(|_| json!({"kind": "ok"}))
        }
        "delete_token" => vault
            .delete_token(op["id"].as_str().unwrap_or_default())
            .map(|()| json!({"kind": "ok"})),
        "find_token_by_id" => vault
            .find_token_by_id(op["id"].as_str().unwrap_or_default())
            .map(|t| json!({"kind": "token", "token": token_to_json(&t)})),
        "get_tokens" => vault.get_tokens().map(|ts| {
            json!({"kind": "tokens", "tokens": ts.iter().map(token_to_json).collect::<Vec<_>>()})
        }),
        "delete_tokens" => vault.delete_tokens().map(|()| json!({"kind": "ok"})),
        other => return Err(format!("unknown op {other}")),
    };

    let expected = case
        .get("divergence")
        .map_or(&case["result"], |d| &d["vault_result"]);
    match (&outcome, expected["kind"].as_str()) {
        (Err(e), Some("error")) => {
            let message = expected["message"].as_str().unwrap_or_default();
            if !expected_error(message)(e) {
                return Err(format!("expected error {message:?}, got {e:?}"));
            }
        }
        (Err(e), _) => return Err(format!("expected {expected}, got error {e:?}")),
        (Ok(got), _) => {
            if got != expected {
                return Err(format!("result: expected {expected}, got {got}"));
            }
        }
    }

    // The passed token afterwards (find and save). Where the vault diverges, the token it
    // returns is the merged one.
    if let (Some(after), Some(recorded)) = (&token_after, case.get("token_after")) {
        let recorded = match (case.get("divergence"), expected["kind"].as_str()) {
            (Some(_), Some("token")) => &expected["token"],
            _ => recorded,
        };
        if token_to_json(after) != *recorded {
            return Err(format!(
                "token after: expected {recorded}, got {}",
                token_to_json(after)
            ));
        }
    }

    let rows_after: Vec<Vec<String>> = vault
        .get_tokens()
        .map_err(|e| format!("get_tokens after: {e}"))?
        .iter()
        .map(token_to_row)
        .collect();
    let recorded_rows: Vec<Vec<String>> =
        serde_json::from_value(case["rows_after"].clone()).map_err(|e| e.to_string())?;
    if rows_after != recorded_rows {
        return Err(format!(
            "rows after: expected {recorded_rows:?}, got {rows_after:?}"
        ));
    }
    Ok(())
}

/// Replays every case, each on an empty vault from `fresh()` (with whatever must outlive it, such
/// as its temporary directory), and fails listing every case that did not give the recorded
/// result. Returns how many cases ran.
pub fn replay_all<G>(mut fresh: impl FnMut() -> (G, Vault)) -> usize {
    let path = cases_path();
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let cases: Value = serde_json::from_str(&text).expect("cases file is JSON");
    assert_eq!(cases["schema"], 1, "unknown cases schema");
    let cases = cases["cases"].as_array().expect("cases array");
    assert!(!cases.is_empty(), "no cases in {}", path.display());
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            let (_guard, vault) = fresh();
            run_case(&vault, case)
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
    cases.len()
}
