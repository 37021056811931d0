//! Helpers shared by the command's tests (`tests/cli/`): a scratch directory per test and the
//! built `tokenvault` binary run in it with a clean environment.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use assert_cmd::Command;

pub const PASSPHRASE: &str = "cli test passphrase";

/// Argon2id parameters small enough for tests (the minimum Argon2 allows), far below the floor,
/// so with the explicit opt-in.
pub const FAST_KDF: [&str; 7] = [
    "--kdf-memory-kib",
    "8",
    "--kdf-iterations",
    "1",
    "--kdf-parallelism",
    "1",
    "--insecure-kdf",
];

/// The command under test: the binary cargo built, or the program `TOKENVAULT_TEST_BIN` names
/// (CI points it at the `tokenvault` command a wheel installed: .ci/steps/17-wheels.sh), so the
/// same contract is checked on both.
pub fn binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| match std::env::var_os("TOKENVAULT_TEST_BIN") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(env!("CARGO_BIN_EXE_tokenvault")),
    })
}

/// The test data kept in the repository (`tests/data`, provenance in its README).
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data")
}

pub fn compat_file(name: &str) -> PathBuf {
    data_dir().join("compat/files").join(name)
}

/// A scratch directory; the vault is its `tokens.vault` (the CLI's default path).
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Self {
        Scratch {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn vault(&self) -> PathBuf {
        self.path("tokens.vault")
    }

    /// `tokenvault` in this directory, with the test passphrase in the environment and nothing
    /// else from ours (no TOKENVAULT_* of the person running the tests, no colour settings).
    pub fn cmd(&self) -> Command {
        let mut cmd = self.bare();
        cmd.env("TOKENVAULT_PASSPHRASE", PASSPHRASE);
        cmd
    }

    /// `tokenvault` with no passphrase source at all.
    pub fn bare(&self) -> Command {
        let mut cmd = Command::new(binary());
        cmd.current_dir(self.dir.path())
            .env_remove("TOKENVAULT_PATH")
            .env_remove("TOKENVAULT_DATABASE_URL")
            .env_remove("TOKENVAULT_COPY_TO")
            .env_remove("TOKENVAULT_PASSPHRASE")
            .env_remove("TOKENVAULT_PASSPHRASE_COMMAND")
            .env_remove("TOKENVAULT_NEW_PASSPHRASE")
            .env_remove("TOKENVAULT_KEY_FILE")
            .env_remove("TOKENVAULT_RECOVERY_KEY")
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .timeout(Duration::from_secs(120));
        cmd
    }

    /// Creates the vault with fast KDF parameters.
    pub fn init(&self) {
        self.cmd().arg("init").args(FAST_KDF).assert().success();
    }

    /// Creates the vault and imports `file` into it.
    pub fn import(&self, file: &Path) {
        self.import_creating(file).success();
    }

    /// `import --create FILE` with fast KDF parameters, for the caller to check.
    pub fn import_creating(&self, file: &Path) -> assert_cmd::assert::Assert {
        self.cmd()
            .args(["import", "--create"])
            .args(FAST_KDF)
            .arg(file)
            .assert()
    }

    /// Creates the vault with fast KDF parameters and a recovery key; returns the key's text,
    /// as `init --add-recovery-key` prints it on stdout.
    pub fn init_with_recovery_key(&self) -> String {
        let out = self
            .cmd()
            .args(["init", "--add-recovery-key"])
            .args(FAST_KDF)
            .output()
            .expect("run init");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stderr).contains("shown this once"));
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    /// A vault holding `typical.txt`.
    pub fn with_typical() -> Self {
        let s = Scratch::new();
        s.import(&compat_file("typical.txt"));
        s
    }

    /// `export -`: the vault's contents as the SDK file.
    pub fn export(&self) -> Vec<u8> {
        self.cmd()
            .args(["export", "-"])
            .output()
            .expect("run export")
            .stdout
    }

    /// `info --json --unlock`, parsed.
    pub fn info(&self) -> serde_json::Value {
        json_of(
            &self
                .cmd()
                .args(["--json", "info", "--unlock"])
                .output()
                .unwrap()
                .stdout,
        )
    }

    /// Writes `contents` to a file in the scratch directory.
    pub fn file(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, contents).expect("write file");
        path
    }
}

/// Parses stdout as the one JSON document a `--json` command prints.
pub fn json_of(stdout: &[u8]) -> serde_json::Value {
    serde_json::from_slice(stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}):\n{}",
            String::from_utf8_lossy(stdout)
        )
    })
}

/// Every secret value in an SDK token file, to check none leaks without `--reveal`.
pub fn secrets_in(file: &Path) -> Vec<String> {
    let tokens = tokenvault::filestore::parse(&std::fs::read(file).unwrap()).unwrap();
    let mut secrets: Vec<String> = tokens
        .iter()
        .flat_map(|t| {
            [
                "client_secret",
                "refresh_token",
                "access_token",
                "grant_token",
            ]
            .map(|f| t.field(f).map(str::to_string))
        })
        .flatten()
        .collect();
    secrets.sort();
    secrets.dedup();
    assert!(!secrets.is_empty());
    secrets
}

/// The FileStore header line.
pub const HEADER: &str = "id,user_name,client_id,client_secret,refresh_token,access_token,grant_token,expiry_time,redirect_uri,api_domain\r\n";

/// Now in epoch milliseconds.
pub fn now_ms() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
}
