//! Looking at tokens and the SDK's lookups: `list`, `get`, `delete`, `clear`, `find`, `save`,
//! with human and `--json` output, secrets shown only with `--reveal`.

use crate::support::{Scratch, compat_file, json_of, now_ms, secrets_in};
use predicates::prelude::*;
use serde_json::json;

fn stdout_of(cmd: &mut assert_cmd::Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn list_shows_a_table_with_secrets_masked() {
    let s = Scratch::with_typical();
    let out = stdout_of(s.cmd().arg("list"));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    for column in ["ID", "USER", "CLIENT ID", "API DOMAIN", "EXPIRY", "SECRETS"] {
        assert!(lines[0].contains(column), "{out}");
    }
    assert!(lines[2].starts_with("2   sales@zylker.com"), "{out}");
    assert!(lines[1].ends_with("secret refresh access grant"), "{out}");
    assert!(lines[3].ends_with("access"), "{out}");
    for secret in secrets_in(&compat_file("typical.txt")) {
        assert!(
            !out.contains(&secret),
            "a secret leaked without --reveal:\n{out}"
        );
    }
    assert!(!out.contains('\u{1b}'), "no colour into a pipe");
}

#[test]
fn list_reveal_shows_every_secret() {
    let s = Scratch::with_typical();
    let out = stdout_of(s.cmd().args(["list", "--reveal"]));
    assert!(out.lines().next().unwrap().contains("ACCESS TOKEN"));
    for secret in secrets_in(&compat_file("typical.txt")) {
        assert!(out.contains(&secret), "{secret} missing:\n{out}");
    }
}

#[test]
fn list_json_is_one_document_with_secrets_only_when_revealed() {
    let s = Scratch::with_typical();
    let hidden = json_of(stdout_of(s.cmd().args(["--json", "list"])).as_bytes());
    let tokens = hidden["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 3);
    assert_eq!(tokens[1]["user_name"], "sales@zylker.com");
    assert_eq!(tokens[1]["access_token"], "<hidden>");
    assert_eq!(tokens[1]["grant_token"], serde_json::Value::Null);
    let text = hidden.to_string();
    for secret in secrets_in(&compat_file("typical.txt")) {
        assert!(!text.contains(&secret), "{text}");
    }
    let revealed = json_of(stdout_of(s.cmd().args(["--json", "list", "--reveal"])).as_bytes());
    assert_eq!(
        revealed["tokens"][2]["access_token"],
        "1000.cc33dd44ee55ff667788990011223344.5566778899aabbccddeeff0011223344"
    );
}

#[test]
fn list_says_when_tokens_expire_in_human_terms() {
    let s = Scratch::new();
    s.init();
    let soon = now_ms() + 12 * 60_000 + 30_000;
    let past = now_ms() - 3 * 86_400_000 - 3_600_000;
    for (name, expiry) in [("soon@zylker.com", soon), ("past@zylker.com", past)] {
        s.cmd()
            .arg("save")
            .write_stdin(
                json!({"user_name": name, "access_token": format!("at-{name}"), "expiry_time": expiry.to_string()})
                    .to_string(),
            )
            .assert()
            .success();
    }
    let out = stdout_of(s.cmd().arg("list"));
    assert!(out.contains("expires in 12 min"), "{out}");
    assert!(out.contains("expired 3 d ago"), "{out}");
}

#[test]
fn list_of_an_empty_vault_says_so_on_stderr() {
    let s = Scratch::new();
    s.init();
    s.cmd()
        .arg("list")
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::contains("No tokens"));
    let out = json_of(stdout_of(s.cmd().args(["--json", "list"])).as_bytes());
    assert_eq!(out, json!({"tokens": []}));
}

#[test]
fn stored_control_characters_never_reach_the_terminal() {
    let s = Scratch::new();
    s.init();
    s.cmd()
        .arg("save")
        .write_stdin(r#"{"user_name": "evil\u001b[2J@zylker.com", "access_token": "x"}"#)
        .assert()
        .success();
    let out = stdout_of(s.cmd().arg("list"));
    assert!(!out.contains('\u{1b}'), "{out:?}");
    assert!(out.contains(r"evil\u{1b}[2J@zylker.com"), "{out}");
}

#[test]
fn colour_follows_the_color_option() {
    let s = Scratch::with_typical();
    let coloured = stdout_of(s.cmd().args(["--color", "always", "list"]));
    assert!(coloured.contains("\u{1b}["), "{coloured:?}");
    let plain = stdout_of(s.cmd().args(["--color", "never", "list"]));
    assert!(!plain.contains('\u{1b}'));
}

#[test]
fn get_shows_one_token_with_its_expiry() {
    let s = Scratch::with_typical();
    let out = stdout_of(s.cmd().args(["get", "2"]));
    assert!(out.contains("user_name      sales@zylker.com"), "{out}");
    assert!(out.contains("access_token   ********"), "{out}");
    assert!(out.contains("grant_token    -"), "{out}");
    assert!(
        out.contains("expiry_time    1764347200000 (2025-11-28T16:26:40Z, expired"),
        "{out}"
    );
    let revealed = stdout_of(s.cmd().args(["get", "2", "--reveal"]));
    assert!(revealed.contains("1000.bb22cc33dd44ee55ff66778899001122"));
    let json = json_of(stdout_of(s.cmd().args(["--json", "get", "2"])).as_bytes());
    assert_eq!(json["id"], "2");
    assert_eq!(json["refresh_token"], "<hidden>");
    assert_eq!(json["expiry_time"], "1764347200000");
}

#[test]
fn get_and_delete_of_a_missing_id_exit_1() {
    let s = Scratch::with_typical();
    for args in [["get", "99"], ["delete", "99"], ["get", "abc"]] {
        s.cmd()
            .args(args)
            .assert()
            .code(1)
            .stdout("")
            .stderr(predicate::str::contains("no token with id"));
    }
}

#[test]
fn delete_removes_one_token() {
    let s = Scratch::with_typical();
    s.cmd()
        .args(["delete", "2"])
        .assert()
        .success()
        .stderr(predicate::str::contains("Deleted token 2."));
    s.cmd().args(["get", "2"]).assert().code(1);
    s.cmd().args(["get", "3"]).assert().success();
    let out = json_of(stdout_of(s.cmd().args(["--json", "delete", "3"])).as_bytes());
    assert_eq!(out, json!({"deleted": "3"}));
}

#[test]
fn clear_needs_yes_and_then_deletes_everything() {
    let s = Scratch::with_typical();
    s.cmd()
        .arg("clear")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--yes"));
    assert_eq!(s.info()["token_count"], 3);
    s.cmd()
        .args(["clear", "--yes"])
        .assert()
        .success()
        .stderr(predicate::str::contains("Deleted 3 tokens"));
    assert_eq!(s.info()["token_count"], 0);
    assert_eq!(s.export(), crate::support::HEADER.as_bytes());
}

/// The vault used by the `find` tests: each row matchable by one rule only.
fn find_fixture() -> Scratch {
    let s = Scratch::new();
    let file = s.file(
        "tokens.txt",
        format!(
            "{}1,ann@zylker.com,1000.C,sec,1000.rt.ann,1000.at.ann,,1764343600000,https://x/cb,https://www.zohoapis.com\r\n\
             2,,1000.C,sec,,,1000.gt.two,,,\r\n\
             3,,1000.C,sec,1000.rt.three,1000.at.three,,,,\r\n",
            crate::support::HEADER
        ),
    );
    s.import(&file);
    s
}

fn find(s: &Scratch, query: serde_json::Value) -> serde_json::Value {
    json_of(
        stdout_of(
            s.cmd()
                .args(["--json", "find", "--reveal"])
                .write_stdin(query.to_string()),
        )
        .as_bytes(),
    )
}

#[test]
fn find_applies_each_rule_and_explains_which_matched() {
    let s = find_fixture();
    let cases = [
        (json!({"user_name": "ann@zylker.com"}), "1", "user_name"),
        (
            json!({"access_token": "1000.at.three"}),
            "3",
            "access_token",
        ),
        (
            json!({"grant_token": "1000.gt.two", "client_id": "x", "client_secret": "y"}),
            "2",
            "grant_token",
        ),
        (
            json!({"refresh_token": "1000.rt.three", "client_id": "x", "client_secret": "y"}),
            "3",
            "refresh_token",
        ),
        (json!({"id": "2"}), "2", "id"),
    ];
    for (query, id, rule) in cases {
        let found = find(&s, query.clone());
        assert_eq!(found["token"]["id"], id, "{query}");
        assert_eq!(found["matched_by"], rule, "{query}");
    }
    let human = stdout_of(
        s.cmd()
            .args(["find", "--explain"])
            .write_stdin(r#"{"access_token": "1000.at.three"}"#),
    );
    assert!(
        human.contains("matched by     the access token (FileStore rule 2)"),
        "{human}"
    );
    assert!(human.contains("id             3"), "{human}");
}

#[test]
fn find_merges_the_stored_token_into_the_query() {
    let s = find_fixture();
    let found = find(
        &s,
        json!({"user_name": "ann@zylker.com", "api_domain": "https://mine.example"}),
    );
    assert_eq!(
        found["token"]["api_domain"], "https://mine.example",
        "given fields stay"
    );
    assert_eq!(
        found["token"]["refresh_token"], "1000.rt.ann",
        "absent ones are filled"
    );
    assert_eq!(found["token"]["redirect_url"], "https://x/cb");
}

#[test]
fn find_accepts_redirect_uri_for_redirect_url() {
    let s = find_fixture();
    let found = find(
        &s,
        json!({"user_name": "ann@zylker.com", "redirect_uri": "https://given/cb"}),
    );
    assert_eq!(found["token"]["redirect_url"], "https://given/cb");
}

#[test]
fn find_follows_the_filestore_when_the_user_name_matches_nothing() {
    let s = find_fixture();
    // Rule 1 is chosen by the user name alone: the access token is not tried.
    s.cmd()
        .arg("find")
        .write_stdin(r#"{"user_name": "nobody@zylker.com", "access_token": "1000.at.three"}"#)
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("no stored token matches"));
}

#[test]
fn find_rejects_input_that_is_not_a_token() {
    let s = find_fixture();
    for (input, expected) in [
        ("not json", "not valid JSON"),
        ("[1]", "one JSON object"),
        (r#"{"password": "x"}"#, "unknown token field \"password\""),
        (r#"{"access_token": 5}"#, "must be a string or null"),
    ] {
        s.cmd()
            .arg("find")
            .write_stdin(input)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(expected));
    }
}

#[test]
fn save_prints_the_new_id_then_updates_in_place() {
    let s = Scratch::with_typical();
    let id = stdout_of(s.cmd().arg("save").write_stdin(
        r#"{"user_name": "new@zylker.com", "refresh_token": "1000.rt.new", "client_id": "1000.C"}"#,
    ));
    assert_eq!(id, "4\n");
    let saved = json_of(
        stdout_of(
            s.cmd()
                .args(["--json", "save"])
                .write_stdin(r#"{"user_name": "new@zylker.com", "access_token": "1000.at.new"}"#),
        )
        .as_bytes(),
    );
    assert_eq!(saved, json!({"id": "4", "outcome": "updated"}));
    let token = json_of(stdout_of(s.cmd().args(["--json", "get", "4", "--reveal"])).as_bytes());
    assert_eq!(token["access_token"], "1000.at.new");
    assert_eq!(token["refresh_token"], "1000.rt.new", "kept by the merge");
}

#[test]
fn save_without_any_token_is_refused_as_the_sdk_does() {
    let s = Scratch::with_typical();
    s.cmd()
        .arg("save")
        .write_stdin(r#"{"user_name": "nobody@zylker.com"}"#)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "user authentication details not found",
        ));
    assert_eq!(s.info()["token_count"], 3);
}

#[test]
fn get_list_and_info_show_who_is_refreshing_a_token_and_how_long_is_left() {
    let s = Scratch::with_typical();
    let vault = tokenvault::Vault::open(s.vault(), crate::support::PASSPHRASE).unwrap();
    // Before any lease: no REFRESH column, `refresh_lease` null, info says none.
    assert!(!stdout_of(s.cmd().arg("list")).contains("REFRESH"));
    let mut token = vault.find_token_by_id("1").unwrap();
    token.expiry_time = Some("0".into());
    vault.save_token(&mut token).unwrap();
    let (_, turn) = vault.find_token_by_id_coordinated("1").unwrap();
    assert_eq!(turn, tokenvault::RefreshTurn::Yours);

    let pid = std::process::id().to_string();
    let get = stdout_of(s.cmd().args(["get", "1"]));
    let line = get.lines().find(|l| l.starts_with("refresh ")).expect(&get);
    assert!(line.contains(&format!("pid {pid} on this host")), "{get}");
    assert!(line.contains("s left"), "{get}");

    let list = stdout_of(s.cmd().arg("list"));
    let lines: Vec<&str> = list.lines().collect();
    assert!(lines[0].ends_with("REFRESH"), "{list}");
    assert!(lines[1].contains(&format!("pid {pid}")), "{list}");
    assert!(!lines[2].contains(&format!("pid {pid}")), "{list}");

    let listed = json_of(stdout_of(s.cmd().args(["--json", "list"])).as_bytes());
    assert_eq!(listed["tokens"][0]["refresh_lease"]["token_id"], "1");
    assert_eq!(listed["tokens"][0]["refresh_lease"]["this_host"], true);
    assert!(
        listed["tokens"][0]["refresh_lease"]["remaining_ms"]
            .as_u64()
            .unwrap()
            > 0
    );
    assert_eq!(
        listed["tokens"][1]["refresh_lease"],
        serde_json::Value::Null
    );

    let info = s.info();
    assert_eq!(
        info["refresh_leases"][0]["pid"]
            .as_u64()
            .unwrap()
            .to_string(),
        pid
    );
    let human = stdout_of(s.cmd().arg("info"));
    assert!(human.contains("token 1 (being refreshed by pid"), "{human}");

    // The holder's save ends the lease.
    token.expiry_time = Some((now_ms() + 3_600_000).to_string());
    vault.save_token(&mut token).unwrap();
    assert!(!stdout_of(s.cmd().arg("list")).contains("REFRESH"));
    assert!(stdout_of(s.cmd().arg("info")).contains("refreshing      none"));
}

#[test]
fn list_and_get_show_when_a_refresh_ahead_service_with_the_default_margin_renews() {
    let s = Scratch::with_typical();
    let vault = tokenvault::Vault::open(s.vault(), crate::support::PASSPHRASE).unwrap();
    let mut token = vault.find_token_by_id("1").unwrap();
    let expiry = now_ms() + 3_600_000;
    token.expiry_time = Some(expiry.to_string());
    vault.save_token(&mut token).unwrap();
    let mut expired = vault.find_token_by_id("2").unwrap();
    expired.expiry_time = Some("1000".into());
    vault.save_token(&mut expired).unwrap();
    drop(vault);

    let listed = json_of(stdout_of(s.cmd().args(["--json", "list"])).as_bytes());
    let renews = |i: usize| listed["tokens"][i]["renews_unix_ms"].clone();
    assert_eq!(
        renews(0),
        json!(expiry - 300_000),
        "five minutes before expiry"
    );
    // Token 3 has no refresh token: a service never renews it.
    assert_eq!(renews(2), serde_json::Value::Null);

    let list = stdout_of(s.cmd().arg("list"));
    let lines: Vec<&str> = list.lines().collect();
    assert!(lines[0].contains("RENEWS"), "{list}");
    assert!(
        lines[1].contains("in 54 min") || lines[1].contains("in 55 min"),
        "{list}"
    );
    assert!(lines[2].contains(" due "), "{list}");
    let get = stdout_of(s.cmd().args(["get", "1"]));
    let line = get.lines().find(|l| l.starts_with("renews")).expect(&get);
    assert!(line.contains("default margin"), "{get}");
    // info --unlock: the earliest, the expired token 2.
    let info = json_of(stdout_of(s.cmd().args(["--json", "info", "--unlock"])).as_bytes());
    assert_eq!(info["next_renewal"]["token_id"], "2");
    let human = stdout_of(s.cmd().args(["info", "--unlock"]));
    assert!(
        human.contains("token 2, due (by a refresh-ahead service"),
        "{human}"
    );
}
