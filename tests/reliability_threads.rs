//! Many threads on one `Vault` handle: writes from different threads share transactions (group
//! commit), and the result must be exactly what running each thread's operations one after
//! another allows. Each thread owns its own tokens, so its expected state is known exactly.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Barrier};

use tokenvault::{Error, SaveOutcome, Secret, Token, Vault};

use common::new_vault;
use common::rng::Rng;
use common::workload::{check_tagged, tagged_query, tagged_token, tagged_update};

const THREADS: usize = 8;
const OPS_PER_THREAD: usize = 1000;

/// One thread's tokens as a serial run of its operations leaves them: `(tag, id, version)` in
/// insertion order (an update keeps its place).
#[derive(Default)]
struct Model {
    live: Vec<(String, String, u32)>,
}

impl Model {
    fn position(&self, tag: &str) -> usize {
        self.live.iter().position(|(t, _, _)| t == tag).unwrap()
    }

    fn expected(&self, tag: &str) -> Token {
        let (_, id, version) = &self.live[self.position(tag)];
        let mut t = tagged_token(tag, *version);
        t.id = Some(id.clone());
        t
    }
}

/// Runs `OPS_PER_THREAD` random operations of thread `me`, checking each result against the
/// model as it goes; returns the model.
fn run_thread(vault: &Vault, me: usize, seed: u64) -> Model {
    let mut rng = Rng::new(seed ^ (me as u64).wrapping_mul(0x9E37_79B9));
    let mut model = Model::default();
    let mut next = 0usize;
    for op in 0..OPS_PER_THREAD {
        let roll = rng.below(100);
        let pick = |rng: &mut Rng, model: &Model| {
            let (tag, _, _) = &model.live[rng.below(model.live.len() as u64) as usize];
            tag.clone()
        };
        let context = |what: &str| format!("thread {me}, op {op}: {what}");
        if model.live.is_empty() || roll < 35 {
            let tag = format!("t{me}-{next}");
            next += 1;
            let mut token = tagged_token(&tag, 0);
            let outcome = vault
                .save_token(&mut token)
                .unwrap_or_else(|e| panic!("{}: {e}", context("insert")));
            assert_eq!(outcome, SaveOutcome::Inserted, "{}", context("insert"));
            model.live.push((tag, token.id.clone().unwrap(), 0));
        } else if roll < 55 {
            // Update through the user-name rule: stored fields fill the absent ones.
            let tag = pick(&mut rng, &model);
            let at = model.position(&tag);
            let version = model.live[at].2 + 1;
            let mut token = tagged_update(&tag, version);
            let outcome = vault
                .save_token(&mut token)
                .unwrap_or_else(|e| panic!("{}: {e}", context("update")));
            assert_eq!(outcome, SaveOutcome::Updated);
            model.live[at].2 = version;
            assert_eq!(token, model.expected(&tag), "{}", context("update result"));
        } else if roll < 65 {
            // Update by id.
            let tag = pick(&mut rng, &model);
            let at = model.position(&tag);
            let version = model.live[at].2 + 1;
            let full = tagged_token(&tag, version);
            let mut token = Token {
                id: Some(model.live[at].1.clone()),
                access_token: full.access_token,
                expiry_time: full.expiry_time,
                ..Token::default()
            };
            let outcome = vault
                .save_token(&mut token)
                .unwrap_or_else(|e| panic!("{}: {e}", context("update by id")));
            assert_eq!(outcome, SaveOutcome::Updated);
            model.live[at].2 = version;
            assert_eq!(token, model.expected(&tag), "{}", context("update by id"));
        } else if roll < 75 {
            let tag = pick(&mut rng, &model);
            let (_, id, _) = model.live.remove(model.position(&tag));
            vault
                .delete_token(&id)
                .unwrap_or_else(|e| panic!("{}: {e}", context("delete")));
        } else if roll < 88 {
            let tag = pick(&mut rng, &model);
            let found = vault
                .find_token(&tagged_query(&tag))
                .unwrap_or_else(|e| panic!("{}: {e}", context("find")));
            assert_eq!(found, Some(model.expected(&tag)), "{}", context("find"));
        } else if roll < 93 {
            // The access-token rule: the query holds nothing else.
            let tag = pick(&mut rng, &model);
            let expected = model.expected(&tag);
            let query = Token {
                access_token: expected.access_token.clone(),
                ..Token::default()
            };
            let found = vault
                .find_token(&query)
                .unwrap_or_else(|e| panic!("{}: {e}", context("find by access")));
            assert_eq!(found, Some(expected), "{}", context("find by access"));
        } else if roll < 96 {
            let tag = pick(&mut rng, &model);
            let expected = model.expected(&tag);
            let found = vault
                .find_token_by_id(expected.id.as_deref().unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", context("find by id")));
            assert_eq!(found, expected, "{}", context("find by id"));
        } else if roll < 98 {
            // Refused for its input, inside a batch with other threads' writes: changes nothing.
            let mut token = Token {
                user_name: Some(format!("t{me}-missing-{op}@zylker.com")),
                client_secret: Some(Secret::new("s")),
                ..Token::default()
            };
            match vault.save_token(&mut token) {
                Err(Error::MissingAuthDetails) => {}
                other => panic!("{}: {other:?}", context("refused save")),
            }
        } else {
            let mine = own_tokens(
                &vault
                    .get_tokens()
                    .unwrap_or_else(|e| panic!("{}: {e}", context("list"))),
                me,
            );
            assert_eq!(mine, model.live, "{}", context("list"));
        }
    }
    model
}

/// Thread `me`'s tokens, in list order, as `(tag, id, version)`; each must be intact.
fn own_tokens(tokens: &[Token], me: usize) -> Vec<(String, String, u32)> {
    let prefix = format!("t{me}-");
    tokens
        .iter()
        .map(|t| {
            let (tag, version) = check_tagged(t).unwrap_or_else(|e| panic!("{e}"));
            (tag, t.id.clone().unwrap(), version)
        })
        .filter(|(tag, _, _)| tag.starts_with(&prefix))
        .collect()
}

#[test]
fn eight_threads_of_mixed_operations_end_where_serial_runs_would() {
    let seed = Rng::seed_from_env();
    println!("seed {seed} (set TOKENVAULT_TEST_SEED to replay)");
    let (_dir, path, vault) = new_vault();
    let vault = Arc::new(vault);
    let start = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|me| {
            let (vault, start) = (vault.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                run_thread(&vault, me, seed)
            })
        })
        .collect();
    let models: Vec<Model> = handles
        .into_iter()
        .map(|h| h.join().expect("a thread failed"))
        .collect();

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
    let reopened = Vault::open(&path, common::PASSPHRASE).unwrap();
    assert_eq!(check(&reopened), kept);
    println!(
        "{THREADS} threads × {OPS_PER_THREAD} operations: {kept} tokens at the end, each thread's \
         exactly as its serial run leaves them"
    );
}
