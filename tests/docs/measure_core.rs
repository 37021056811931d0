//! A quick measurement (not a test of timing: it asserts nothing about time) of the two costs
//! the core promises: opening with the default KDF, and one `find_token` among 10k tokens.
//! The benchmark suite (`benches/`) measures everything else against the alternatives.
//!
//! ```sh
//! cargo test --release --test docs measure_core -- --ignored --nocapture
//! ```

use std::time::{Duration, Instant};

use tokenvault::{KdfParams, Secret, Token, Vault};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn sdk_like_token(i: usize) -> Token {
    Token {
        user_name: Some(format!("user{i:05}@zylker.com")),
        client_id: Some("1000.K3Q7ZB0Y9V5TWD2LJX8RMFA1CNHUEP".into()),
        client_secret: Some(Secret::new("8f2b1c9e0d4a7b6c5e3f1a2b3c4d5e6f7a8b9c0d1e")),
        refresh_token: Some(Secret::new(format!("1000.{i:032x}.{:032x}", i * 7919))),
        access_token: Some(Secret::new(format!(
            "1000.{:032x}.{:032x}",
            i * 31,
            i * 104_729
        ))),
        expiry_time: Some((1_764_340_000_000u64 + i as u64).to_string()),
        api_domain: Some("https://www.zohoapis.com".into()),
        ..Token::default()
    }
}

#[test]
#[ignore = "a measurement; run it with --ignored --nocapture"]
fn measure_open_and_find() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("measure.vault");
    let vault = Vault::create(&path, "measure", KdfParams::default()).unwrap();
    vault.import((0..10_000).map(sdk_like_token)).unwrap();
    drop(vault);

    let opens: Vec<Duration> = (0..5)
        .map(|_| {
            let start = Instant::now();
            let v = Vault::open(&path, "measure").unwrap();
            let took = start.elapsed();
            drop(v);
            took
        })
        .collect();
    let vault = Vault::open(&path, "measure").unwrap();
    let queries: Vec<Token> = (0..1000)
        .map(|i| Token {
            user_name: Some(format!("user{:05}@zylker.com", (i * 7) % 10_000)),
            ..Token::default()
        })
        .collect();
    let finds: Vec<Duration> = queries
        .iter()
        .map(|q| {
            let start = Instant::now();
            assert!(vault.find_token(q).unwrap().is_some());
            start.elapsed()
        })
        .collect();
    println!(
        "open+unlock (default KDF: Argon2id 64 MiB, t=3, p=4), median of 5: {:?}",
        median(opens)
    );
    println!(
        "find_token by user name among 10k tokens, median of 1000: {:?}",
        median(finds)
    );
}
