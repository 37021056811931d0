//! The mixed workload of the multi-threaded tests: each thread saves, updates (by rule and by
//! id), deletes, finds and lists its own tokens at random, checking every result against a model
//! of its own serial run. Shared by every engine's thread test.

use tokenvault::{Error, SaveOutcome, Secret, Token, Vault};

use super::rng::Rng;
use super::workload::{check_tagged, tagged_query, tagged_token, tagged_update};

pub const OPS_PER_THREAD: usize = 1000;

/// One thread's tokens as a serial run of its operations leaves them: `(tag, id, version)` in
/// insertion order (an update keeps its place).
#[derive(Default)]
pub struct Model {
    pub live: Vec<(String, String, u32)>,
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
pub fn run_thread(vault: &Vault, me: usize, seed: u64) -> Model {
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
pub fn own_tokens(tokens: &[Token], me: usize) -> Vec<(String, String, u32)> {
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

/// Runs [`run_thread`] on `threads` threads sharing `vault`, started together behind a barrier
/// (a real race), and returns each thread's model in thread order.
pub fn run_threads(vault: std::sync::Arc<Vault>, threads: usize, seed: u64) -> Vec<Model> {
    let start = std::sync::Arc::new(std::sync::Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|me| {
            let (vault, start) = (vault.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                run_thread(&vault, me, seed)
            })
        })
        .collect();
    handles
        .into_iter()
        .map(|h| h.join().expect("a thread failed"))
        .collect()
}
