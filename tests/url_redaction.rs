//! A server URL's password never shows, whatever characters it holds: every reserved character
//! of RFC 3986 (`:/?#[]@!$&'()*+,;=`), `%` and a space, unescaped, alone and mixed, through the
//! library's `Location` and `Error` values (Display and Debug) and the CLI's stdout and stderr.
//! Runs with and without `--features mysql`; no server is needed (the URLs either do not parse or
//! name a closed port on 127.0.0.1).

mod cli_support;

use cli_support::Scratch;
use tokenvault::{Credential, Location, OpenOptions};

/// The two halves of every test password: neither may show, so a password cut in two by a
/// reserved character (part of it read as a port, a path or a query) does not leak either.
const HEAD: &str = "Hx7qV";
const TAIL: &str = "Zk9wJ";

/// The reserved characters of RFC 3986, `%` and a space.
const SPECIAL: &[char] = &[
    ':', '/', '?', '#', '[', ']', '@', '!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=', '%',
    ' ',
];

/// Passwords with each special character alone, in the middle, at either end, and all mixed.
fn passwords() -> Vec<String> {
    let mut all = Vec::new();
    for c in SPECIAL {
        all.push(format!("{HEAD}{c}{TAIL}"));
        all.push(format!("{c}{HEAD}{TAIL}"));
        all.push(format!("{HEAD}{TAIL}{c}"));
        all.push(format!("{HEAD}{c}{c}{TAIL}"));
    }
    let mix: String = SPECIAL.iter().collect();
    all.push(format!("{HEAD}{mix}{TAIL}"));
    all.push(format!("{HEAD}#?/@{TAIL}"));
    all.push(format!("{HEAD}@/#?:{TAIL}"));
    all
}

/// Server URLs holding `password`: the issue's own, with a port and parameters, without a user.
fn urls(password: &str) -> Vec<String> {
    vec![
        format!("mysql://app:{password}@db.example.com/zoho"),
        format!("mysql://app:{password}@127.0.0.1:9/zoho?connect_timeout=1&ssl-mode=disabled"),
        format!("mysql://:{password}@127.0.0.1:9/zoho?connect_timeout=1"),
        format!("mysql://app:{password}@127.0.0.1:9/zoho?connect_timeout=1&password={password}"),
    ]
}

fn assert_hidden(shown: &str, url: &str) {
    assert!(
        !shown.contains(HEAD) && !shown.contains(TAIL),
        "the password of {url:?} shows in: {shown}"
    );
}

#[test]
fn a_location_never_shows_a_password_with_reserved_characters() {
    for password in passwords() {
        for url in urls(&password) {
            let location = Location::parse(&url);
            assert!(location.is_server(), "{url}");
            assert_hidden(&location.to_string(), &url);
            assert_hidden(&format!("{location:?}"), &url);
        }
    }
}

#[test]
fn a_location_still_shows_the_user_and_host_of_a_password_with_reserved_characters() {
    let location = Location::parse("mysql://app:S3cr#t99@db.example.com/zoho");
    assert_eq!(location.to_string(), "mysql://app@db.example.com/zoho");
    let location = Location::parse("mysql://app:a?b/c@d:e@db.example.com:3307/zoho?table=x");
    assert_eq!(
        location.to_string(),
        "mysql://app@db.example.com:3307/zoho?table=x"
    );
}

#[test]
fn opening_a_server_url_fails_without_showing_a_password_with_reserved_characters() {
    let credential = Credential::passphrase("pass");
    for password in passwords() {
        for url in urls(&password) {
            let Err(error) = OpenOptions::new().open(Location::parse(&url), &credential) else {
                panic!("{url} opened");
            };
            assert_hidden(&error.to_string(), &url);
            assert_hidden(&format!("{error:?}"), &url);
        }
    }
}

#[test]
fn the_cli_never_prints_a_password_with_reserved_characters() {
    let s = Scratch::new();
    let mut passwords = passwords();
    // The CLI is slower to run: the first placement of each character, and the mixes.
    passwords.retain(|p| p.starts_with(HEAD) && !p.ends_with(|c: char| SPECIAL.contains(&c)));
    for password in passwords {
        let url = format!("mysql://app:{password}@db.example.com/zoho");
        let closed = format!("mysql://app:{password}@127.0.0.1:9/zoho?connect_timeout=1");
        let runs: [&[&str]; 4] = [
            &["--database-url", &url, "info"],
            &["--database-url", &closed, "list"],
            &["import", "--from-dbstore", &url],
            &["copy", "--to", &closed],
        ];
        for args in runs {
            let out = s.cmd().args(args).output().unwrap();
            assert!(!out.status.success(), "{args:?}");
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_hidden(&stdout, &format!("{args:?}"));
            assert_hidden(&stderr, &format!("{args:?}"));
        }
    }
}

/// A password a URL parser would cut at an unescaped `#` or `?` (`app:3306#x@host`: host `app`,
/// port 3306) is refused with the way to write it, not connected with to another host.
#[cfg(feature = "mysql")]
#[test]
fn a_server_url_with_an_unescaped_delimiter_in_its_password_is_refused_with_a_hint() {
    for url in [
        format!("mysql://app:3306#{TAIL}@127.0.0.1:9/zoho?connect_timeout=1"),
        format!("mysql://app:3306?{TAIL}@127.0.0.1:9/zoho?connect_timeout=1"),
        format!("mysql://app:3306/{TAIL}@127.0.0.1:9/zoho?connect_timeout=1"),
    ] {
        let Err(error) =
            OpenOptions::new().open(Location::parse(&url), Credential::passphrase("p"))
        else {
            panic!("{url} opened");
        };
        let message = error.to_string();
        assert!(message.contains("percent-encode"), "{url}: {message}");
        assert_hidden(&message, &url);
    }
}

/// The warning a URL with a password on the command line gets.
const ARGV_WARNING: &str = "on the command line";

#[test]
fn a_password_on_the_command_line_is_warned_about_without_showing_it() {
    let s = Scratch::new();
    let url = format!("mysql://app:{HEAD}{TAIL}@127.0.0.1:9/zoho?connect_timeout=1");
    let runs: [(&[&str], &str); 3] = [
        (&["--database-url", &url, "info"], "TOKENVAULT_DATABASE_URL"),
        (
            &["import", "--from-dbstore", &url],
            "TOKENVAULT_DBSTORE_URL",
        ),
        (&["copy", "--to", &url], "TOKENVAULT_COPY_TO"),
    ];
    for (args, variable) in runs {
        let out = s.cmd().args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("warning:")
                && stderr.contains(ARGV_WARNING)
                && stderr.contains(variable),
            "{args:?}: {stderr}"
        );
        assert_hidden(&stderr, &url);
    }
}

#[test]
fn a_password_in_the_environment_or_a_url_without_one_gets_no_command_line_warning() {
    let s = Scratch::new();
    let with = format!("mysql://app:{HEAD}{TAIL}@127.0.0.1:9/zoho?connect_timeout=1");
    let without = "mysql://app@127.0.0.1:9/zoho?connect_timeout=1";
    let mut runs = Vec::new();
    let mut cmd = s.cmd();
    cmd.env("TOKENVAULT_DATABASE_URL", &with).arg("info");
    runs.push(cmd);
    let mut cmd = s.cmd();
    cmd.env("TOKENVAULT_DBSTORE_URL", &with).arg("import");
    runs.push(cmd);
    let mut cmd = s.cmd();
    cmd.env("TOKENVAULT_COPY_TO", &with).arg("copy");
    runs.push(cmd);
    let mut cmd = s.cmd();
    cmd.args(["--database-url", without, "info"]);
    runs.push(cmd);
    let mut cmd = s.cmd();
    cmd.args(["import", "--from-dbstore", without]);
    runs.push(cmd);
    for mut cmd in runs {
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains(ARGV_WARNING), "{cmd:?}: {stderr}");
        assert_hidden(&stderr, &with);
    }
}
