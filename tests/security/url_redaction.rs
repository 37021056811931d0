//! A server URL's password never shows, whatever characters it holds: every reserved character
//! of RFC 3986 (`:/?#[]@!$&'()*+,;=`), `%` and a space, unescaped, alone and mixed, through the
//! library's `Location` and `Error` values (Display and Debug); the command's output is checked in
//! crates/tokenvault-cli/tests/cli/url_redaction.rs. Runs with and without `--features mysql`; no
//! server is needed (the URLs either do not parse or name a closed port on 127.0.0.1).

use crate::common::secret_urls::{assert_hidden, passwords, urls};
use tokenvault::{Credential, Location, OpenOptions};

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

/// A password a URL parser would cut at an unescaped `#` or `?` (`app:3306#x@host`: host `app`,
/// port 3306) is refused with the way to write it, not connected with to another host.
#[cfg(feature = "mysql")]
#[test]
fn a_server_url_with_an_unescaped_delimiter_in_its_password_is_refused_with_a_hint() {
    use crate::common::secret_urls::TAIL;
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
