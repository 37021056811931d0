//! The stores under test.

pub mod filestore;
pub mod redb_raw;
pub mod sql;
pub mod vault;
