//! Arbitrary bytes as the vault's static header (as given, and with the checksum repaired).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tokenvault::fuzzing::fuzz_header(data));
