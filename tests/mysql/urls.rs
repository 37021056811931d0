//! A bad MySQL URL is an invalid location that never shows its password. (The server's faults
//! are the shared cases, tests/common/server_cases/.) Needs `--features mysql` and
//! `TOKENVAULT_TEST_MYSQL_URL`.
#![cfg(feature = "mysql")]

use crate::common::mysql::TestDb;

#[test]
fn a_bad_url_is_an_invalid_location_that_never_shows_the_password() {
    crate::common::server_cases::bad_urls_are_invalid_locations_that_never_show_the_password::<
        TestDb,
    >(&[
        "mysql://app:hunter2@127.0.0.1/zohooauth?no_such_parameter=1",
        "mysql://app:hunter2@127.0.0.1/",
        "mysql://app:hunter2@127.0.0.1/zohooauth?ssl-mode=sometimes",
        "mysql://app:hunter2@127.0.0.1/zohooauth?connect_timeout=-1",
        "mysql://127.0.0.1/zohooauth?password=hunter2&port=notanumber",
    ]);
}
