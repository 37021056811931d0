//! Random operation sequences run against a vault and against a plain in-memory model of the
//! FileStore's rules (written from `../shared/reference/filestore-rules.md`, scanning rows in
//! order, with no index): every result and the final rows must agree, across reopen, passphrase
//! change and data-key rotation.

mod common;

use proptest::prelude::*;
use tokenvault::{Error, KdfParams, Token, Vault};

/// A FileStore row: ten fields in column order, `None` for an empty field.
type Row = [Option<String>; 10];

const ID: usize = 0;
const USER: usize = 1;
const CLIENT_ID: usize = 2;
const CLIENT_SECRET: usize = 3;
const REFRESH: usize = 4;
const ACCESS: usize = 5;
const GRANT: usize = 6;

fn to_row(t: &Token) -> Row {
    std::array::from_fn(|i| t.field(Token::FIELDS[i]).map(str::to_string))
}

fn stored(row: &Row) -> Row {
    row.clone().map(|f| f.filter(|v| !v.is_empty()))
}

fn to_token(row: &Row) -> Token {
    let mut t = Token::new();
    for (name, value) in Token::FIELDS.iter().zip(row) {
        t.set_field(name, value.clone());
    }
    t
}

#[derive(Debug, PartialEq)]
enum ModelError {
    NotFound,
    MissingAuthDetails,
    InvalidId,
}

#[derive(Default)]
struct Model {
    rows: Vec<Row>,
}

fn eq_non_empty(q: &Option<String>, s: &Option<String>) -> bool {
    matches!((q, s), (Some(q), Some(s)) if !q.is_empty() && q == s)
}

fn canonical(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) && (id == "0" || !id.starts_with('0'))
}

impl Model {
    /// The first row rules 1–3 select for `q`, by scanning rows in order.
    fn rule_match(&self, q: &Row) -> Option<usize> {
        self.rows.iter().position(|row| {
            if q[USER].is_some() {
                eq_non_empty(&q[USER], &row[USER])
            } else if q[ACCESS].is_some() && q[CLIENT_ID].is_none() && q[CLIENT_SECRET].is_none() {
                eq_non_empty(&q[ACCESS], &row[ACCESS])
            } else if (q[REFRESH].is_some() || q[GRANT].is_some())
                && q[CLIENT_ID].is_some()
                && q[CLIENT_SECRET].is_some()
            {
                eq_non_empty(&q[GRANT], &row[GRANT]) || eq_non_empty(&q[REFRESH], &row[REFRESH])
            } else {
                false
            }
        })
    }

    fn no_rule(q: &Row) -> bool {
        q[USER].is_none()
            && !(q[ACCESS].is_some() && q[CLIENT_ID].is_none() && q[CLIENT_SECRET].is_none())
            && !((q[REFRESH].is_some() || q[GRANT].is_some())
                && q[CLIENT_ID].is_some()
                && q[CLIENT_SECRET].is_some())
    }

    fn by_id(&self, id: &str) -> Option<usize> {
        self.rows.iter().position(|r| r[ID].as_deref() == Some(id))
    }

    fn merge(q: &mut Row, row: &Row) {
        for (qf, rf) in q.iter_mut().zip(row) {
            if qf.is_none() {
                qf.clone_from(rf);
            }
        }
    }

    fn find(&self, q: &Row) -> Option<Row> {
        let hit = match (Model::no_rule(q), &q[ID]) {
            (true, Some(id)) => self.by_id(id),
            _ => self.rule_match(q),
        }?;
        let mut out = q.clone();
        Model::merge(&mut out, &self.rows[hit]);
        Some(out)
    }

    fn save(&mut self, t: &Row) -> Result<Row, ModelError> {
        if let Some(id) = &t[ID] {
            if !canonical(id) {
                return Err(ModelError::InvalidId);
            }
        }
        let hit = match &t[ID] {
            Some(id) => self.by_id(id),
            None => self.rule_match(t),
        };
        let mut out = t.clone();
        match hit {
            Some(i) => {
                Model::merge(&mut out, &self.rows[i]);
                self.rows[i] = stored(&out);
            }
            None => {
                if (t[ID].is_some() || t[USER].is_some())
                    && t[ACCESS].is_none()
                    && t[REFRESH].is_none()
                    && t[GRANT].is_none()
                {
                    return Err(ModelError::MissingAuthDetails);
                }
                if out[ID].is_none() {
                    let max = self
                        .rows
                        .iter()
                        .filter_map(|r| r[ID].as_deref()?.parse::<u64>().ok())
                        .max();
                    out[ID] = Some((max.unwrap_or(0) + 1).to_string());
                }
                self.rows.push(stored(&out));
            }
        }
        Ok(out)
    }

    fn delete(&mut self, id: &str) -> Result<(), ModelError> {
        let i = self.by_id(id).ok_or(ModelError::NotFound)?;
        self.rows.remove(i);
        Ok(())
    }
}

#[derive(Clone, Debug)]
enum Op {
    Save(Row),
    Find(Row),
    FindById(String),
    Delete(String),
    GetAll,
    DeleteAll,
    Reopen,
    ChangePassphrase,
    RotateKey,
}

fn pick(values: &'static [Option<&'static str>]) -> impl Strategy<Value = Option<String>> {
    proptest::sample::select(values).prop_map(|v| v.map(str::to_string))
}

fn row_strategy() -> impl Strategy<Value = Row> {
    (
        pick(&[
            None,
            None,
            None,
            Some("1"),
            Some("2"),
            Some("3"),
            Some("7"),
            Some("07"),
        ]),
        pick(&[
            None,
            None,
            Some(""),
            Some("ann@zylker.com"),
            Some("bob@zylker.com"),
        ]),
        pick(&[None, Some(""), Some("1000.CID")]),
        pick(&[None, Some("secret")]),
        pick(&[None, Some(""), Some("1000.rt.1"), Some("1000.rt.2")]),
        pick(&[None, Some(""), Some("1000.at.1"), Some("1000.at.2")]),
        pick(&[None, Some("1000.gt.1"), Some("1000.gt.2")]),
        pick(&[None, Some("1764340000000")]),
        pick(&[None, Some("https://zylker.com/cb")]),
        pick(&[
            None,
            Some("https://www.zohoapis.com"),
            Some("https://www.zohoapis.eu"),
        ]),
    )
        .prop_map(|(a, b, c, d, e, f, g, h, i, j)| [a, b, c, d, e, f, g, h, i, j])
}

fn op_strategy() -> impl Strategy<Value = Op> {
    let id = proptest::sample::select(&["1", "2", "3", "4", "7", "x", "01"][..])
        .prop_map(str::to_string);
    prop_oneof![
        6 => row_strategy().prop_map(Op::Save),
        4 => row_strategy().prop_map(Op::Find),
        1 => id.clone().prop_map(Op::FindById),
        1 => id.prop_map(Op::Delete),
        1 => Just(Op::GetAll),
        1 => Just(Op::DeleteAll),
        1 => Just(Op::Reopen),
        1 => Just(Op::ChangePassphrase),
        1 => Just(Op::RotateKey),
    ]
}

fn model_error(e: &Error) -> Option<ModelError> {
    match e {
        Error::TokenNotFound { .. } => Some(ModelError::NotFound),
        Error::MissingAuthDetails => Some(ModelError::MissingAuthDetails),
        Error::InvalidId { .. } => Some(ModelError::InvalidId),
        _ => None,
    }
}

fn run(ops: &[Op]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.vault");
    let mut passphrase = "first".to_string();
    let mut vault = Vault::create(&path, &passphrase, KdfParams::insecure_for_tests()).unwrap();
    let mut model = Model::default();
    for (step, op) in ops.iter().enumerate() {
        match op {
            Op::Save(row) => {
                let mut token = to_token(row);
                let got = vault.save_token(&mut token);
                let expected = model.save(row);
                match (got, expected) {
                    (Ok(_), Ok(after)) => {
                        prop_assert_eq!(to_row(&token), after, "step {}: {:?}", step, op)
                    }
                    (Err(e), Err(m)) => prop_assert_eq!(model_error(&e), Some(m), "step {}", step),
                    (got, expected) => {
                        prop_assert!(false, "step {}: {:?} vs model {:?}", step, got, expected)
                    }
                }
            }
            Op::Find(row) => {
                let got = vault
                    .find_token(&to_token(row))
                    .unwrap()
                    .map(|t| to_row(&t));
                prop_assert_eq!(got, model.find(row), "step {}: {:?}", step, op);
            }
            Op::FindById(id) => {
                let got = vault
                    .find_token_by_id(id)
                    .map(|t| to_row(&t))
                    .map_err(|e| model_error(&e));
                let expected = model
                    .by_id(id)
                    .map(|i| model.rows[i].clone())
                    .ok_or(Some(ModelError::NotFound));
                prop_assert_eq!(got, expected, "step {}", step);
            }
            Op::Delete(id) => {
                let got = vault.delete_token(id).map_err(|e| model_error(&e));
                prop_assert_eq!(got, model.delete(id).map_err(Some), "step {}", step);
            }
            Op::GetAll => {}
            Op::DeleteAll => {
                vault.delete_tokens().unwrap();
                model.rows.clear();
            }
            Op::Reopen => {
                drop(vault);
                vault = Vault::open(&path, &passphrase).unwrap();
            }
            Op::ChangePassphrase => {
                passphrase.push('!');
                vault.change_passphrase(&passphrase, None).unwrap();
            }
            Op::RotateKey => vault.rotate_data_key().unwrap(),
        }
        let rows: Vec<Row> = vault.get_tokens().unwrap().iter().map(to_row).collect();
        prop_assert_eq!(&rows, &model.rows, "rows after step {}: {:?}", step, op);
    }
    let report = vault.verify().unwrap();
    prop_assert!(report.is_ok(), "{:?}", report.problems);
    drop(vault);
    prop_assert!(matches!(
        Vault::open(&path, "first-wrong"),
        Err(Error::WrongPassphrase)
    ));
    let reopened = Vault::open(&path, &passphrase).unwrap();
    let rows: Vec<Row> = reopened.get_tokens().unwrap().iter().map(to_row).collect();
    prop_assert_eq!(&rows, &model.rows);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_operation_sequences_agree_with_the_filestore_model(ops in proptest::collection::vec(op_strategy(), 1..40)) {
        run(&ops)?;
    }
}

#[test]
fn an_in_memory_vault_follows_the_same_rules() {
    let vault = Vault::create(
        tokenvault::Location::memory(),
        "p",
        KdfParams::insecure_for_tests(),
    )
    .unwrap();
    let mut model = Model::default();
    let rows = [
        common::token(&[("user_name", "ann"), ("refresh_token", "r")]),
        common::token(&[("access_token", "a")]),
        common::token(&[("user_name", "ann"), ("access_token", "a2")]),
    ];
    for t in rows {
        let mut saved = t.clone();
        vault.save_token(&mut saved).unwrap();
        assert_eq!(Ok(to_row(&saved)), model.save(&to_row(&t)));
    }
    let all: Vec<Row> = vault.get_tokens().unwrap().iter().map(to_row).collect();
    assert_eq!(all, model.rows);
}
