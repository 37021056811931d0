//! Scratch space for tests that write many throw-away files.

use std::path::Path;

/// A temporary directory, memory-backed where the system has one (`/dev/shm`): for tests that
/// write thousands of copies and whose subject is not the disk (faults are simulated, damage is
/// applied to bytes), fsync on a real disk only adds minutes.
pub fn fast_tempdir() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        if let Ok(dir) = tempfile::tempdir_in(shm) {
            return dir;
        }
    }
    tempfile::tempdir().expect("temp dir")
}
