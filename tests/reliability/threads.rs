//! Many threads on one `Vault` handle: writes from different threads share transactions (group
//! commit), and the result must be exactly what running each thread's operations one after
//! another allows. Each thread owns its own tokens, so its expected state is known exactly.

use std::collections::BTreeMap;
use std::sync::Arc;

use tokenvault::Vault;

use crate::common::mixed::{Model, OPS_PER_THREAD, own_tokens, run_threads};
use crate::common::new_vault;
use crate::common::rng::Rng;

const THREADS: usize = 8;

#[test]
fn eight_threads_of_mixed_operations_end_where_serial_runs_would() {
    let seed = Rng::seed_from_env();
    println!("seed {seed} (set TOKENVAULT_TEST_SEED to replay)");
    let (_dir, path, vault) = new_vault();
    let vault = Arc::new(vault);
    let models: Vec<Model> = run_threads(vault.clone(), THREADS, seed);

    let check = |vault: &Vault| {
        let tokens = vault.get_tokens().unwrap();
        let expected_total: usize = models.iter().map(|m| m.live.len()).sum();
        assert_eq!(
            tokens.len(),
            expected_total,
            "tokens that belong to no thread"
        );
        for (me, model) in models.iter().enumerate() {
            assert_eq!(own_tokens(&tokens, me), model.live, "thread {me}'s tokens");
        }
        let mut ids = BTreeMap::new();
        for t in &tokens {
            assert!(ids.insert(t.id.clone(), ()).is_none(), "duplicate id");
        }
        let report = vault.verify().unwrap();
        assert!(report.is_ok(), "{:?}", report.problems);
        tokens.len()
    };
    let kept = check(&vault);
    drop(vault);
    let reopened = Vault::open(&path, crate::common::PASSPHRASE).unwrap();
    assert_eq!(check(&reopened), kept);
    println!(
        "{THREADS} threads × {OPS_PER_THREAD} operations: {kept} tokens at the end, each thread's \
         exactly as its serial run leaves them"
    );
}
