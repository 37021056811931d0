//! Operation sequences run against a vault and a plain model of the FileStore's rules.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tokenvault_testkit::fuzz_ops(data));
