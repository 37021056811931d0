//! Target `ops_model`: operation sequences against a vault and against [`Model`].

use crate::model::{Model, Refusal};
use crate::{MemoryFile, PASSPHRASE, create_vault, open_vault};
use tokenvault::Error;
use tokenvault::{Secret, Token};

/// One operation of the `ops_model` target.
#[derive(Clone, Debug)]
pub enum Op {
    /// `save_token`.
    Save(Token),
    /// `find_token`.
    Find(Token),
    /// `find_token_by_id`.
    FindById(String),
    /// `delete_token`.
    Delete(String),
    /// `get_tokens`.
    GetAll,
    /// `delete_tokens`.
    DeleteAll,
    /// `import` (one transaction of saves).
    Import(Vec<Token>),
    /// `change_passphrase` to the given one.
    ChangePassphrase(String),
    /// `rotate_data_key`.
    RotateKey,
    /// Drop the handle and open the file again (first with a wrong passphrase).
    Reopen,
}

/// Reads fuzz bytes as structured choices; past the end every read is zero.
struct Choices<'a>(&'a [u8]);

impl Choices<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    /// Small pools make operations collide on the same names and tokens, which is where the
    /// rules differ; one choice in eight is a free-form string (or the empty string).
    fn value(&mut self, pool: &str) -> Option<String> {
        let b = self.byte();
        match b % 8 {
            0 | 1 => None,
            2 => Some(String::new()),
            7 => {
                let len = usize::from(self.byte() % 12).min(self.0.len());
                let (s, rest) = self.0.split_at(len);
                self.0 = rest;
                Some(String::from_utf8_lossy(s).into_owned())
            }
            n => Some(format!("{pool}{}", (b / 8) % 4 + n % 2)),
        }
    }

    fn id(&mut self) -> String {
        match self.byte() % 16 {
            0 => "0".into(),
            1 => "01".into(),
            2 => "x".into(),
            3 => u64::MAX.to_string(),
            n => (n - 3).to_string(),
        }
    }

    fn token(&mut self) -> Token {
        let mask = self.byte();
        let secret = |c: &mut Self, on: bool, pool| {
            if on {
                c.value(pool).map(Secret::new)
            } else {
                None
            }
        };
        Token {
            id: (mask & 1 != 0).then(|| self.id()),
            user_name: if mask & 2 != 0 { self.value("u") } else { None },
            client_id: if mask & 4 != 0 { self.value("c") } else { None },
            client_secret: secret(self, mask & 4 != 0, "s"),
            refresh_token: secret(self, mask & 8 != 0, "r"),
            access_token: secret(self, mask & 16 != 0, "a"),
            grant_token: secret(self, mask & 32 != 0, "g"),
            expiry_time: if mask & 64 != 0 {
                self.value("e")
            } else {
                None
            },
            redirect_url: None,
            api_domain: if mask & 128 != 0 {
                self.value("d")
            } else {
                None
            },
        }
    }
}

/// The operations encoded in fuzz bytes (at most 64).
pub fn decode_ops(data: &[u8]) -> Vec<Op> {
    let mut c = Choices(data);
    let mut ops = Vec::new();
    while !c.0.is_empty() && ops.len() < 64 {
        let op = match c.byte() % 32 {
            0..=9 => Op::Save(c.token()),
            10..=17 => Op::Find(c.token()),
            18..=19 => Op::FindById(c.id()),
            20..=22 => Op::Delete(c.id()),
            23..=24 => Op::GetAll,
            25 => Op::DeleteAll,
            26..=27 => Op::Import((0..c.byte() % 4).map(|_| c.token()).collect()),
            28 => Op::ChangePassphrase(format!("pass{}", c.byte() % 3)),
            29 => Op::RotateKey,
            _ => Op::Reopen,
        };
        ops.push(op);
    }
    ops
}

fn refusal(e: Error) -> Refusal {
    match e {
        Error::TokenNotFound { .. } => Refusal::NotFound,
        Error::MissingAuthDetails => Refusal::MissingAuthDetails,
        Error::InvalidId { .. } => Refusal::InvalidId,
        other => panic!("operation failed unexpectedly: {other:?}"),
    }
}

/// Target `ops_model`: the operations in `data` run against a vault and against the model;
/// every result, and the stored tokens after every operation, must agree.
pub fn fuzz_ops(data: &[u8]) {
    run_ops(&decode_ops(data));
}

/// Runs `ops` against a vault and against the model (see [`fuzz_ops`]).
pub fn run_ops(ops: &[Op]) {
    let file = MemoryFile::default();
    let mut vault = create_vault(&file);
    let mut model = Model::default();
    let mut passphrase = PASSPHRASE.to_string();
    for (step, op) in ops.iter().enumerate() {
        let context = || format!("step {step}: {op:?}");
        match op {
            Op::Save(t) => {
                let mut saved = t.clone();
                let got = vault
                    .save_token(&mut saved)
                    .map(|outcome| (saved, outcome))
                    .map_err(refusal);
                assert_eq!(got, model.save(t), "{}", context());
            }
            Op::Find(q) => {
                let got = vault.find_token(q).expect("find");
                assert_eq!(got, model.find(q), "{}", context());
            }
            Op::FindById(id) => {
                let got = vault.find_token_by_id(id).map_err(refusal);
                assert_eq!(got, model.take(id, false), "{}", context());
            }
            Op::Delete(id) => {
                let got = vault.delete_token(id).map_err(refusal);
                assert_eq!(got, model.take(id, true).map(drop), "{}", context());
            }
            Op::GetAll => {}
            Op::DeleteAll => {
                vault.delete_tokens().expect("delete all");
                model.rows.clear();
            }
            Op::Import(tokens) => {
                let got = vault
                    .import(tokens.clone())
                    .map(|s| (s.inserted, s.updated, s.skipped.len()))
                    .map_err(refusal);
                assert_eq!(got, model.import(tokens), "{}", context());
            }
            Op::ChangePassphrase(new) => {
                vault
                    .change_passphrase(new, None)
                    .expect("change passphrase");
                passphrase.clone_from(new);
            }
            Op::RotateKey => vault.rotate_data_key().expect("rotate"),
            Op::Reopen => {
                drop(vault);
                let wrong = open_vault(&file, "not the passphrase");
                assert!(matches!(wrong, Err(Error::WrongPassphrase)), "{wrong:?}");
                vault = open_vault(&file, &passphrase).expect("reopen");
            }
        }
        assert_eq!(
            vault.get_tokens().expect("list"),
            model.rows,
            "{}",
            context()
        );
    }
    let report = vault.verify().expect("verify");
    assert!(report.is_ok(), "{report:?}");
}
