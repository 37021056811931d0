//! Arbitrary bytes as the body of a token service request (find, save).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tokenvault_server::fuzzing::fuzz_request_body(data));
