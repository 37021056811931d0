//! A `tokenvault serve` child on a scratch vault, and a small HTTP/1.1 client for the tests.
//!
//! The client writes requests itself (one per connection, `Connection: close`, or several on
//! one kept-alive connection) because the bad-input tests must send what no client library
//! would: a body one byte a second, a wrong length, ten mebibytes.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The command under test (as in tests/cli/support.rs).
pub fn binary() -> PathBuf {
    match std::env::var_os("TOKENVAULT_TEST_BIN") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(env!("CARGO_BIN_EXE_tokenvault")),
    }
}

/// The test data kept in the repository.
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data")
}

/// A scratch directory with a vault (`tokens.vault`) unlocked by a key file (`app.key`).
pub struct Scratch {
    pub dir: tempfile::TempDir,
    /// Variables every command gets besides the key file (a server vault's URL).
    env: Vec<(String, String)>,
}

impl Scratch {
    pub fn new() -> Self {
        Scratch::with_env(Vec::new())
    }

    /// A scratch directory whose commands get `env` too; the vault is made with them.
    pub fn with_env(env: Vec<(String, String)>) -> Self {
        let scratch = Scratch {
            dir: tempfile::tempdir().expect("temp dir"),
            env,
        };
        let status = scratch
            .command()
            .args(["init", "--generate"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("run tokenvault init");
        assert!(status.success(), "tokenvault init failed");
        scratch
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn vault(&self) -> PathBuf {
        self.path("tokens.vault")
    }

    /// `tokenvault` in the scratch directory, with the key file as its credential.
    pub fn command(&self) -> Command {
        let mut command = Command::new(binary());
        command
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("TOKENVAULT_KEY_FILE", self.path("app.key"))
            .envs(self.env.iter().map(|(name, value)| (name, value)))
            .arg("--vault")
            .arg(self.vault());
        command
    }

    /// Starts `tokenvault serve` on `<dir>/<name>.sock` with `extra` options.
    pub fn serve(&self, name: &str, extra: &[&str]) -> Service {
        let socket = self.path(&format!("{name}.sock"));
        let log = self.path(&format!("{name}.log"));
        let mut command = self.command();
        command
            .arg("serve")
            .arg("--socket")
            .arg(&socket)
            .args(extra)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"));
        let child = command.spawn().expect("spawn tokenvault serve");
        let mut service = Service {
            child,
            socket,
            log,
            tcp: None,
        };
        if let Some(at) = extra.iter().position(|a| *a == "--listen") {
            service.tcp = Some(extra[at + 1].to_string());
        }
        service.wait_ready();
        service
    }

    /// Starts `tokenvault serve` as [`Scratch::serve`] does, but always the cargo-built binary
    /// (whose test build has the simulated clock: `tokenvault::clock`), with `env` added and its
    /// stdout (refresh-ahead events) in `<dir>/<name>.events`.
    pub fn serve_built(&self, name: &str, extra: &[&str], env: &[(&str, String)]) -> Service {
        let socket = self.path(&format!("{name}.sock"));
        let log = self.path(&format!("{name}.log"));
        let mut command = self.command();
        let args: Vec<_> = command.get_args().map(|a| a.to_os_string()).collect();
        let mut built = Command::new(env!("CARGO_BIN_EXE_tokenvault"));
        built.current_dir(self.dir.path()).env_clear();
        for (name, value) in command.get_envs() {
            if let Some(value) = value {
                built.env(name, value);
            }
        }
        command = built;
        command
            .args(args)
            .envs(env.iter().map(|(name, value)| (name, value)))
            .arg("serve")
            .arg("--socket")
            .arg(&socket)
            .args(extra)
            .stdout(std::fs::File::create(self.path(&format!("{name}.events"))).unwrap())
            .stderr(std::fs::File::create(&log).expect("log file"));
        let child = command.spawn().expect("spawn tokenvault serve");
        let mut service = Service {
            child,
            socket,
            log,
            tcp: None,
        };
        service.wait_ready();
        service
    }

    /// The JSON event lines a [`Scratch::serve_built`] service wrote so far.
    pub fn events(&self, name: &str) -> Vec<Value> {
        std::fs::read_to_string(self.path(&format!("{name}.events")))
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).expect("an event line is JSON"))
            .collect()
    }

    /// A bearer token file (mode 0600) holding `token`.
    pub fn bearer_file(&self, token: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = self.path("bearer");
        std::fs::write(&path, format!("{token}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        path
    }
}

/// A free loopback port (bound, then released: a race with other tests is unlikely).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub struct Service {
    pub child: Child,
    pub socket: PathBuf,
    pub log: PathBuf,
    pub tcp: Option<String>,
}

impl Service {
    fn wait_ready(&mut self) {
        let until = Instant::now() + Duration::from_secs(30);
        while Instant::now() < until {
            if UnixStream::connect(&self.socket).is_ok() {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("tokenvault serve exited with {status}: {}", self.log_text());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "tokenvault serve did not listen within 30 s: {}",
            self.log_text()
        );
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn pid(&self) -> i32 {
        i32::try_from(self.child.id()).unwrap()
    }

    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for the service to exit; its exit status.
    pub fn wait_exit(&mut self, within: Duration) -> std::process::ExitStatus {
        let until = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < until,
                "the service did not exit: {}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// One request over the Unix socket.
    pub fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Answer {
        let stream = UnixStream::connect(&self.socket).expect("connect");
        exchange(stream, &request(method, path, body, &[]))
    }

    /// One request over the Unix socket; None when the connection failed or closed without an
    /// answer (the service is gone).
    pub fn call_checked(&self, method: &str, path: &str, body: Option<&Value>) -> Option<Answer> {
        let mut stream = UnixStream::connect(&self.socket).ok()?;
        stream.write_all(&request(method, path, body, &[])).ok()?;
        read_answer(&mut stream)
    }

    /// One request over TCP with `headers` (e.g. an Authorization header).
    pub fn call_tcp(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let address = self.tcp.as_deref().expect("a --listen service");
        let stream = std::net::TcpStream::connect(address).expect("connect tcp");
        exchange(stream, &request(method, path, body, headers))
    }

    /// Raw bytes over the Unix socket; the answer, or None when the service closed the
    /// connection without one.
    pub fn raw(&self, bytes: &[u8]) -> Option<Answer> {
        let mut stream = UnixStream::connect(&self.socket).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let _ = stream.write_all(bytes);
        read_answer(&mut stream)
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A request with a JSON body (if any), closing the connection after the answer.
pub fn request(
    method: &str,
    path: &str,
    body: Option<&Value>,
    headers: &[(&str, &str)],
) -> Vec<u8> {
    let body = body
        .map(|b| serde_json::to_vec(b).unwrap())
        .unwrap_or_default();
    let mut text = format!("{method} {path} HTTP/1.1\r\nHost: tokenvault\r\nConnection: close\r\n");
    if !body.is_empty() || method == "POST" || method == "PUT" {
        text.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(&body);
    bytes
}

/// An answer: status, body parsed as JSON (Null when empty or not JSON), and the raw body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub json: Value,
    pub body: String,
    pub headers: String,
}

impl Answer {
    /// The error code of an error answer.
    pub fn code(&self) -> &str {
        self.json["error"]["code"].as_str().unwrap_or("")
    }
}

fn exchange(mut stream: impl Read + Write, request: &[u8]) -> Answer {
    stream.write_all(request).expect("send");
    read_answer(&mut stream).expect("an answer")
}

fn read_answer(stream: &mut impl Read) -> Option<Answer> {
    let mut bytes = Vec::new();
    let _ = stream.read_to_end(&mut bytes);
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    Some(Answer {
        status,
        json: serde_json::from_str(body).unwrap_or(Value::Null),
        body: body.to_string(),
        headers: head.to_string(),
    })
}

/// A token as the SDK saves it after a refresh: every field set, expiring at `expiry_ms`.
pub fn sdk_token(user: &str, expiry_ms: u128) -> Value {
    serde_json::json!({
        "user_name": user,
        "client_id": "1000.CLIENTID",
        "client_secret": "client-secret-value",
        "refresh_token": format!("1000.refresh.{user}"),
        "access_token": format!("1000.access.{user}"),
        "grant_token": null,
        "expiry_time": expiry_ms.to_string(),
        "redirect_url": "https://example.com/callback",
        "api_domain": "https://www.zohoapis.com",
    })
}

pub fn now_ms() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
}
