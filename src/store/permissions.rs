//! Whether other users can reach a vault file. The library never prints: the CLI and the
//! bindings show the warning.

use std::path::Path;

use crate::store::Vault;

impl Vault {
    /// A warning to show when users other than the owner can read or write the vault file at
    /// `path`, or replace it (a folder they can write to, without the sticky bit); `None` when
    /// only its owner can, when the file cannot be inspected, and on platforms without Unix
    /// permissions. The secrets in the file are encrypted either way, but a readable file
    /// lets anyone attack the passphrase offline.
    ///
    /// Vaults are created with mode 0600; a file copied or restored by other means may not be.
    pub fn permission_warning(path: impl AsRef<Path>) -> Option<String> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let path = path.as_ref();
            let mode = std::fs::metadata(path).ok()?.permissions().mode();
            if mode & 0o077 != 0 {
                return Some(format!(
                    "warning: {} can be accessed by other users (mode {:03o}); restrict it with \
                     `chmod 600 {}`",
                    path.display(),
                    mode & 0o777,
                    path.display()
                ));
            }
            let parent = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            let folder = std::fs::metadata(parent).ok()?.permissions().mode();
            if folder & 0o022 != 0 && folder & 0o1000 == 0 {
                return Some(format!(
                    "warning: other users can replace {}: its folder {} is writable by them \
                     (mode {:03o})",
                    path.display(),
                    parent.display(),
                    folder & 0o777
                ));
            }
        }
        #[cfg(not(unix))]
        let _ = path;
        None
    }
}
