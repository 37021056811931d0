//! Arbitrary bytes as a FileStore token file: parse, write back, import, export, re-import.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tokenvault_testkit::fuzz_csv_import(data));
