//! A loop of `find_token` lookups for a profiler (`benches/profile_find.sh`): a vault of
//! `PROFILE_TOKENS` (default 10 000) tokens, then `PROFILE_LOOKUPS` (default 200 000) lookups by
//! `PROFILE_PATH` (default `user_name`; any path of `data::query`). `PROFILE_ALONE=1` opens the
//! vault with `OpenOptions::single_process`. Prints the mean time per lookup.

use std::hint::black_box;
use std::time::Instant;

use tokenvault::{KdfParams, OpenOptions};
use tokenvault_bench::{PASSPHRASE, data};

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .map(|v| v.parse().unwrap_or_else(|_| panic!("{name}: a number")))
        .unwrap_or(default)
}

fn main() {
    let n = env_number("PROFILE_TOKENS", 10_000);
    let lookups = env_number("PROFILE_LOOKUPS", 200_000);
    let path = std::env::var("PROFILE_PATH").unwrap_or_else(|_| "user_name".into());
    let alone = std::env::var_os("PROFILE_ALONE").is_some();

    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    std::fs::create_dir_all(&root).expect("dir");
    let dir = tempfile::tempdir_in(&root).expect("temp dir");
    let vault = OpenOptions::new()
        .single_process(alone)
        .kdf(KdfParams::insecure_for_tests())
        .insecure_kdf(true)
        .create(dir.path().join("tokens.vault"), PASSPHRASE)
        .expect("create");
    vault.import(data::tokens(n)).expect("import");
    let ids = if path == "grant_token" {
        data::sample_grant_ids(n, 512)
    } else {
        data::sample_ids(n, 512)
    };
    let queries: Vec<_> = ids.iter().map(|&i| data::query(&path, i)).collect();

    let started = Instant::now();
    for k in 0..lookups as usize {
        let found = vault.find_token(&queries[k % queries.len()]).expect("find");
        assert!(black_box(found).is_some());
    }
    let per_lookup = started.elapsed() / lookups.max(1) as u32;
    println!("find_token by {path}, {n} tokens, alone: {alone}: {per_lookup:?} per lookup");
}
