//! The FileStore's semantics: the recorded cases replayed, its token files, random operation sequences against a plain model of its rules, and every committed fuzz corpus.

#[path = "../common/mod.rs"]
mod common;

mod cases;
mod filestore_file;
mod fuzz_corpus;
mod model;
