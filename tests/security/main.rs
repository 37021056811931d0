//! What an attacker with the file, or with write access to it, can and cannot do; key slots, the KDF floor, key files, secrets never shown.

#[path = "../common/mod.rs"]
mod common;

mod kdf_floor;
mod key_slots;
mod tampering;
mod url_redaction;
mod weak_key_files;
