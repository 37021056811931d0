//! Durable saves through one long-lived handle, for `benches/syncs.sh` to count their system
//! calls under strace: the count of a run with N saves less that of a run with none is what the
//! saves cost, without the open and the close.
//!   save_syncs VAULT N [--alone]
//! Opens VAULT (TOKENVAULT_PASSPHRASE) with default `OpenOptions`, or `single_process(true)` with
//! `--alone`, makes one save to open the file for writing (so that the writable open is in both
//! runs), then N more: the hourly refresh of one token (a new access token and expiry, by id),
//! each its own durable commit.

use tokenvault::{OpenOptions, Token};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (vault, saves, alone) = match &args[1..] {
        [vault, n] => (vault, n, false),
        [vault, n, flag] if flag == "--alone" => (vault, n, true),
        _ => panic!("usage: save_syncs VAULT N [--alone]"),
    };
    let saves: u32 = saves.parse().expect("N: a number of saves");
    let passphrase = std::env::var("TOKENVAULT_PASSPHRASE").expect("TOKENVAULT_PASSPHRASE");
    let opened = OpenOptions::new()
        .single_process(alone)
        .open(vault.as_str(), passphrase.as_str())
        .expect("open");
    let mut token = Token {
        user_name: Some("syncs@zylker.com".into()),
        client_id: Some("1000.SYNCS".into()),
        refresh_token: Some("1000.refresh.syncs".into()),
        access_token: Some("1000.access.0".into()),
        expiry_time: Some("0".into()),
        ..Token::default()
    };
    opened.save_token(&mut token).expect("first save");
    for i in 1..=saves {
        token.access_token = Some(format!("1000.access.{i}").into());
        token.expiry_time = Some(i.to_string());
        opened.save_token(&mut token).expect("save");
    }
}
