//! One open and one lookup, timed inside the process (`benches/slots/run.py`): what the
//! `tokenvault find` command does once its process has started, without the start.
//!   open_lookup VAULT USER_NAME
//! Unlocks as the command does with the same variables: the key file TOKENVAULT_KEY_FILE if set
//! (read inside the timed open), else TOKENVAULT_PASSPHRASE; default `OpenOptions` (those of the
//! command: busy timeout 10 s, integrity check on open). Looks the user name up with
//! `find_token` (rule 1) and prints one JSON line: `{"open_us": …, "lookup_us": …, "id": …}`.
//! Exits 1 if nothing is found.

use std::time::Instant;

use tokenvault::{Credential, OpenOptions, Token};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, vault, user_name] = &args[..] else {
        panic!("usage: open_lookup VAULT USER_NAME");
    };
    let query = Token {
        user_name: Some(user_name.clone()),
        ..Token::default()
    };
    let key_file = std::env::var_os("TOKENVAULT_KEY_FILE");
    let passphrase = std::env::var("TOKENVAULT_PASSPHRASE").ok();

    let started = Instant::now();
    let credential = match (&key_file, passphrase) {
        (Some(path), _) => Credential::key_file(path).expect("key file"),
        (None, Some(passphrase)) => Credential::passphrase(passphrase),
        (None, None) => panic!("set TOKENVAULT_KEY_FILE or TOKENVAULT_PASSPHRASE"),
    };
    let opened = OpenOptions::new()
        .open(vault.as_str(), credential)
        .expect("open");
    let open = started.elapsed();
    let found = opened.find_token(&query).expect("find_token");
    let lookup = started.elapsed() - open;

    let Some(token) = found else {
        eprintln!("no token for {user_name}");
        std::process::exit(1);
    };
    println!(
        "{}",
        serde_json::json!({
            "open_us": open.as_secs_f64() * 1e6,
            "lookup_us": lookup.as_secs_f64() * 1e6,
            "id": token.id,
        })
    );
}
