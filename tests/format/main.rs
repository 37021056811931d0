//! The file format as FORMAT.md specifies it, byte by byte, and the vaults made by older versions.

#[path = "../common/mod.rs"]
mod common;

mod spec;
mod spec_gaps;
mod spec_reader;
mod v1;
