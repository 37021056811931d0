//! What a returned save guarantees (docs/RELIABILITY.md): crashes, I/O faults, damaged files, hostile input, many processes and threads, and one refresh per expiry.

#[path = "../common/mod.rs"]
mod common;

mod crash;
mod damaged_files;
mod faults;
mod hostile_input;
mod multiprocess;
mod permissions;
mod refresh_leases;
mod renewal;
mod threads;
