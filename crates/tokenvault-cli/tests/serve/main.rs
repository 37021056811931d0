//! `tokenvault serve` as its clients see it: over the Unix socket and TCP, every operation and
//! error code, the recorded FileStore cases, many clients, one refresh per expiry, bad input,
//! signals. Each test starts its own service on a scratch vault (`support.rs`).

#[cfg(any(feature = "mysql", feature = "postgres"))]
#[path = "../../../../tests/common/mod.rs"]
mod common;

mod accounts_mock;
mod bad_input;
mod compat;
mod concurrency;
mod lifecycle;
mod operations;
mod refresh_ahead;
#[cfg(any(feature = "mysql", feature = "postgres"))]
mod server;
mod support;
