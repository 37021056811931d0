//! Server URLs whose passwords hold every reserved character of RFC 3986 (`:/?#[]@!$&'()*+,;=`),
//! `%` and a space, unescaped, and the check that a text shows no part of such a password: for
//! the library's tests (tests/security/url_redaction.rs) and the command's (cli_url_redaction.rs).

/// The two halves of every test password: neither may show, so a password cut in two by a
/// reserved character (part of it read as a port, a path or a query) does not leak either.
pub const HEAD: &str = "Hx7qV";
pub const TAIL: &str = "Zk9wJ";

/// The reserved characters of RFC 3986, `%` and a space.
pub const SPECIAL: &[char] = &[
    ':', '/', '?', '#', '[', ']', '@', '!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=', '%',
    ' ',
];

/// Passwords with each special character alone, in the middle, at either end, and all mixed.
pub fn passwords() -> Vec<String> {
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
pub fn urls(password: &str) -> Vec<String> {
    vec![
        format!("mysql://app:{password}@db.example.com/zoho"),
        format!("mysql://app:{password}@127.0.0.1:9/zoho?connect_timeout=1&ssl-mode=disabled"),
        format!("mysql://:{password}@127.0.0.1:9/zoho?connect_timeout=1"),
        format!("mysql://app:{password}@127.0.0.1:9/zoho?connect_timeout=1&password={password}"),
    ]
}

pub fn assert_hidden(shown: &str, url: &str) {
    assert!(
        !shown.contains(HEAD) && !shown.contains(TAIL),
        "the password of {url:?} shows in: {shown}"
    );
}
