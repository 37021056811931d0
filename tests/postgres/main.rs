//! The PostgreSQL engine against a real server (TOKENVAULT_TEST_POSTGRES_URL; .ci/postgres.sh
//! starts one): the cases every server engine passes (tests/common/server_cases/), and what is
//! PostgreSQL's own: its faults, its TLS, what a dump of its tables holds, its URLs.

#![cfg(feature = "postgres")]

#[path = "../common/mod.rs"]
mod common;

mod crash;
mod tls;
mod urls;

/// The cases every server engine passes: lifecycle and copies, the recorded FileStore cases,
/// many processes and threads, key slots, unreachable servers.
mod shared {
    crate::server_cases!(crate::common::postgres::TestDb);
}
