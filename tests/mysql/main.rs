//! The MySQL/MariaDB engine against a real server (TOKENVAULT_TEST_MYSQL_URL; .ci/mariadb.sh starts one): everything the file engine is tested for.

#![cfg(feature = "mysql")]

#[path = "../common/mod.rs"]
mod common;

mod compat;
mod dbstore;
mod faults;
mod key_slots;
mod reliability;
mod secrets;
mod tls;
mod vault;
