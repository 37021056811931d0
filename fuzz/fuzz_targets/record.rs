//! Arbitrary bytes as a sealed record and as a decrypted record payload.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tokenvault::fuzzing::fuzz_record(data));
