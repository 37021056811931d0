//! Byte edits to a valid vault file (`fuzz/base_vault.bin`), then open, unlock, list and verify.
#![no_main]

static BASE: &[u8] = include_bytes!("../base_vault.bin");

libfuzzer_sys::fuzz_target!(|data: &[u8]| tokenvault_testkit::fuzz_file_bytes(BASE, data));
