//! Random operation sequences run against a vault and against the plain in-memory model of the
//! FileStore's rules (`tokenvault_testkit::Model`, written from
//! the FileStore's rules (docs/COMPAT.md) apart from `src/rules.rs`, scanning rows in order, with
//! no index): every result and the final rows must agree, across reopen, passphrase change and
//! data-key rotation.

use proptest::prelude::*;
use tokenvault::{Error, OpenOptions, Token, Vault};
use tokenvault_testkit::{Model, Refusal};

/// A FileStore row: ten fields in column order, `None` for an empty field.
type Row = [Option<String>; 10];

fn to_row(t: &Token) -> Row {
    std::array::from_fn(|i| t.field(Token::FIELDS[i]).map(str::to_string))
}

fn to_token(row: &Row) -> Token {
    let mut t = Token::new();
    for (name, value) in Token::FIELDS.iter().zip(row) {
        t.set_field(name, value.clone());
    }
    t
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

fn model_error(e: &Error) -> Option<Refusal> {
    match e {
        Error::TokenNotFound { .. } => Some(Refusal::NotFound),
        Error::MissingAuthDetails => Some(Refusal::MissingAuthDetails),
        Error::InvalidId { .. } => Some(Refusal::InvalidId),
        _ => None,
    }
}

fn model_rows(model: &Model) -> Vec<Row> {
    model.rows.iter().map(to_row).collect()
}

fn run(ops: &[Op]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.vault");
    let mut passphrase = "first".to_string();
    let mut vault = OpenOptions::insecure_for_tests()
        .create(&path, &passphrase)
        .unwrap();
    let mut model = Model::default();
    for (step, op) in ops.iter().enumerate() {
        match op {
            Op::Save(row) => {
                let mut token = to_token(row);
                let got = vault.save_token(&mut token);
                let expected = model.save(&to_token(row)).map(|(t, _)| to_row(&t));
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
                let expected = model.find(&to_token(row)).map(|t| to_row(&t));
                prop_assert_eq!(got, expected, "step {}: {:?}", step, op);
            }
            Op::FindById(id) => {
                let got = vault
                    .find_token_by_id(id)
                    .map(|t| to_row(&t))
                    .map_err(|e| model_error(&e));
                let expected = model.take(id, false).map(|t| to_row(&t)).map_err(Some);
                prop_assert_eq!(got, expected, "step {}", step);
            }
            Op::Delete(id) => {
                let got = vault.delete_token(id).map_err(|e| model_error(&e));
                let expected = model.take(id, true).map(drop).map_err(Some);
                prop_assert_eq!(got, expected, "step {}", step);
            }
            Op::GetAll => {}
            Op::DeleteAll => {
                vault.delete_tokens().unwrap();
                model.rows.clear();
            }
            Op::Reopen => {
                drop(vault);
                vault = OpenOptions::insecure_for_tests()
                    .open(&path, &passphrase)
                    .unwrap();
            }
            Op::ChangePassphrase => {
                passphrase.push('!');
                vault.change_passphrase(&passphrase, None).unwrap();
            }
            Op::RotateKey => vault.rotate_data_key().unwrap(),
        }
        let rows: Vec<Row> = vault.get_tokens().unwrap().iter().map(to_row).collect();
        prop_assert_eq!(
            &rows,
            &model_rows(&model),
            "rows after step {}: {:?}",
            step,
            op
        );
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
    prop_assert_eq!(&rows, &model_rows(&model));
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
    let vault = OpenOptions::insecure_for_tests()
        .create(tokenvault::Location::memory(), "p")
        .unwrap();
    let mut model = Model::default();
    let rows = [
        crate::common::token(&[("user_name", "ann"), ("refresh_token", "r")]),
        crate::common::token(&[("access_token", "a")]),
        crate::common::token(&[("user_name", "ann"), ("access_token", "a2")]),
    ];
    for t in rows {
        let mut saved = t.clone();
        vault.save_token(&mut saved).unwrap();
        let expected = model.save(&t).map(|(t, _)| to_row(&t));
        assert_eq!(Ok(to_row(&saved)), expected);
    }
    let all: Vec<Row> = vault.get_tokens().unwrap().iter().map(to_row).collect();
    assert_eq!(all, model_rows(&model));
}
