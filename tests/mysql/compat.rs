//! The recorded FileStore cases (`tests/data/compat/filestore-cases.json`, or `TOKENVAULT_CASES`)
//! replayed on a vault kept on a MySQL/MariaDB server: the server engine must give every case
//! exactly the file engine's result. Needs `--features mysql` and `TOKENVAULT_TEST_MYSQL_URL`.
#![cfg(feature = "mysql")]

use crate::common::mysql::TestDb;

#[test]
fn every_recorded_filestore_case_gives_the_recorded_result_on_mysql() {
    let Some(db) = TestDb::new("compat") else {
        return;
    };
    let cases = crate::common::replay::replay_all(|| {
        db.wipe_if_created();
        ((), db.create_vault())
    });
    println!("{cases} cases replayed on {}", db.location());
}
