//! The MySQL/MariaDB engine against a real server (TOKENVAULT_TEST_MYSQL_URL; .ci/mariadb.sh starts one): everything the file engine is tested for; the cases shared with the PostgreSQL engine are in tests/common/server_cases/.

#![cfg(feature = "mysql")]

#[path = "../common/mod.rs"]
mod common;

mod dbstore;
mod key_slots;
mod tls;
mod urls;

/// The cases every server engine passes (tests/common/server_cases/): lifecycle and copies, the
/// recorded FileStore cases, many processes and threads, key slots, unreachable servers.
mod shared {
    crate::server_cases!(crate::common::mysql::TestDb);
}
