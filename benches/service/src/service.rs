//! The `tokenvault serve` process under test: started from the release binary with a key file in
//! its environment, watched through /proc (memory, CPU time), stopped with SIGTERM.

use std::fs::File;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::http::{self, Endpoint};

/// A running service.
pub struct Service {
    child: Child,
    pub socket: PathBuf,
    pub tcp: std::net::SocketAddr,
    pub bearer: String,
}

/// Memory of a process, from /proc/PID/status.
#[derive(Clone, Copy, Debug, Default)]
pub struct Memory {
    /// VmRSS, KiB.
    pub rss_kib: u64,
    /// VmHWM (the peak RSS so far), KiB.
    pub peak_kib: u64,
}

impl Service {
    /// Starts `binary --vault VAULT serve` on a socket in `dir` and a free loopback port, with
    /// the key file in `TOKENVAULT_KEY_FILE`, and waits until it answers `/v1/health`.
    pub fn start(binary: &Path, vault: &Path, key_file: &Path, dir: &Path, log: &Path) -> Service {
        let socket = dir.join("tokenvault.sock");
        let bearer_file = dir.join("bearer");
        // 32 hex characters, from the clock: a benchmark's token, in a file only we can read.
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(7, |t| t.as_nanos() as u64);
        let mut rng = crate::load::Rng::new(seed);
        let bearer = format!(
            "{:016x}{:016x}",
            rng.pick(u64::MAX - 1),
            rng.pick(u64::MAX - 1)
        );
        let mut file = File::options()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&bearer_file)
            .expect("create the bearer token file");
        writeln!(file, "{bearer}").expect("write the bearer token file");
        // A free port: bound and let go (another program could take it in between; unlikely).
        let tcp = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port");
        let child = Command::new(binary)
            .arg("--vault")
            .arg(vault)
            .arg("serve")
            .arg("--socket")
            .arg(&socket)
            .arg("--listen")
            .arg(tcp.to_string())
            .arg("--bearer-token-file")
            .arg(&bearer_file)
            .env("TOKENVAULT_KEY_FILE", key_file)
            .env_remove("TOKENVAULT_PATH")
            .env_remove("TOKENVAULT_SOCKET")
            .env_remove("TOKENVAULT_BEARER_TOKEN_FILE")
            .env_remove("TOKENVAULT_PASSPHRASE_COMMAND")
            .env_remove("TOKENVAULT_DATABASE_URL")
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(log).expect("create the service log"))
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", binary.display()));
        let mut service = Service {
            child,
            socket,
            tcp,
            bearer,
        };
        if !http::wait_healthy(&service.unix(), &service.socket, Duration::from_secs(30)) {
            let _ = service.child.kill();
            panic!(
                "the service did not answer /v1/health within 30 s; its log: {}",
                log.display()
            );
        }
        service
    }

    pub fn unix(&self) -> Endpoint {
        Endpoint::Unix(self.socket.clone())
    }

    pub fn tcp(&self) -> Endpoint {
        Endpoint::Tcp(self.tcp, self.bearer.clone())
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM (a drain), then SIGKILL if it has not ended within 10 s.
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.pid().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        eprintln!("the service did not stop on SIGTERM within 10 s: killed");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// VmRSS and VmHWM of `pid`.
pub fn memory(pid: u32) -> Memory {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc/PID/status");
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    Memory {
        rss_kib: field("VmRSS:"),
        peak_kib: field("VmHWM:"),
    }
}

/// User + system CPU time of `pid` so far (all its threads), from /proc/PID/stat.
pub fn cpu_time(pid: u32, ticks_per_second: u64) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/PID/stat");
    // The command name is in parentheses and may hold spaces: count fields after its `)`.
    let rest = &stat[stat.rfind(')').expect("a stat line") + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name and state.
    let ticks: u64 =
        fields[11].parse::<u64>().unwrap_or(0) + fields[12].parse::<u64>().unwrap_or(0);
    Duration::from_nanos(ticks * 1_000_000_000 / ticks_per_second)
}

/// The kernel's clock ticks per second (`getconf CLK_TCK`; 100 on Linux if that fails).
pub fn ticks_per_second() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok()?.trim().parse().ok())
        .unwrap_or(100)
}
