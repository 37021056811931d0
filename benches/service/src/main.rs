//! `find` through `tokenvault serve` (Unix socket, loopback TCP) at 1, 16 and 64 concurrent
//! clients, side by side in one run with the in-process `Vault::find_token` on the same vault,
//! SQLite done carefully and the FileStore port, at 1k and 10k tokens; and the service's memory.
//!
//!   tokenvault-bench-service [--quick] [--tokenvault PATH] [--out DIR]
//!
//! Closed loop: each client thread sends its next find when its previous one has been answered,
//! over its own keep-alive connection, for a random token by user name. Every call started in
//! the measured window is timed; p50/p99 come from all of them, throughput is calls ÷ window.
//! `benches/service/run.sh` builds the release `tokenvault` and runs this.

mod http;
mod load;
mod service;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokenvault::{Credential, Location, OpenOptions, RefreshTurn, Token, Vault};
use tokenvault_bench::peers::filestore::FileStorePort;
use tokenvault_bench::peers::sql::SqlStore;
use tokenvault_bench::{KeyMode, Store, data};

use crate::http::{Client, Endpoint};
use crate::load::{Measured, Timing};
use crate::service::{Memory, Service};

struct Options {
    quick: bool,
    tokenvault: PathBuf,
    out: PathBuf,
}

fn options() -> Options {
    let exe = std::env::current_exe().expect("this program's path");
    let release = exe.parent().expect("a directory").to_path_buf();
    let mut options = Options {
        quick: false,
        tokenvault: release.join("tokenvault"),
        out: release
            .parent()
            .map_or_else(|| release.clone(), Path::to_path_buf)
            .join("service-bench"),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => options.quick = true,
            "--tokenvault" => options.tokenvault = args.next().expect("--tokenvault PATH").into(),
            "--out" => options.out = args.next().expect("--out DIR").into(),
            _ => {
                eprintln!(
                    "usage: tokenvault-bench-service [--quick] [--tokenvault PATH] [--out DIR]"
                );
                std::process::exit(2);
            }
        }
    }
    options
}

/// One row of the table.
struct Row {
    tokens: u64,
    store: String,
    clients: usize,
    measured: Measured,
    /// The service's CPU time per find (service rows only).
    service_cpu: Option<Duration>,
    /// This process's CPU time per find (the clients, or the store in process).
    bench_cpu: Duration,
    /// The CPU time other programs took during the row, in % of all cores.
    others_percent: f64,
}

/// The service's memory at one size.
struct MemoryRow {
    tokens: u64,
    idle: Memory,
    after_load: Memory,
    idle_after_load: Memory,
}

const CLIENTS: [usize; 3] = [1, 16, 64];
const SOCKET: &str = "service, Unix socket";
const TCP: &str = "service, TCP";
const IN_PROCESS: &str = "in-process Vault::find_token";
/// What the service's find calls (`?coordinate=true`, the default).
const IN_PROCESS_COORDINATED: &str = "in-process Vault::find_token_coordinated";

/// The compare bench's tokens (`data::token`: SDK-shaped ids, emails, 70-character tokens), with
/// an expiry a day ahead: a find is then `not_due`, the steady state of a service (the compare
/// bench's expiries are in 2025, and a coordinated find of an expired token takes a refresh
/// lease).
fn tokens(n: u64) -> Vec<Token> {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_millis() as u64;
    (1..=n)
        .map(|i| Token {
            expiry_time: Some((now_ms + 86_400_000 + i).to_string()),
            ..data::token(i)
        })
        .collect()
}

fn main() {
    let options = options();
    assert!(
        options.tokenvault.is_file(),
        "no tokenvault binary at {} (build it: cargo build --release -p tokenvault-cli)",
        options.tokenvault.display()
    );
    std::fs::create_dir_all(&options.out).expect("create the output directory");
    let timing = match options.quick {
        true => Timing {
            warm_up: Duration::from_millis(100),
            measure: Duration::from_millis(400),
        },
        false => Timing {
            warm_up: Duration::from_millis(500),
            measure: Duration::from_secs(3),
        },
    };
    let ticks = service::ticks_per_second();
    let load_before = load_average();
    let started = std::time::Instant::now();
    let mut rows = Vec::new();
    let mut memory = Vec::new();
    for n in [1_000, 10_000] {
        bench_size(n, timing, ticks, &options, &mut rows, &mut memory);
    }
    let report = report(
        &options,
        timing,
        &rows,
        &memory,
        &load_before,
        started.elapsed(),
    );
    print!("{report}");
    let path = options.out.join("report.md");
    std::fs::write(&path, &report).expect("write the report");
    eprintln!("::: written to {}", path.display());
}

fn bench_size(
    n: u64,
    timing: Timing,
    ticks: u64,
    options: &Options,
    rows: &mut Vec<Row>,
    memory: &mut Vec<MemoryRow>,
) {
    eprintln!("::: {n} tokens: creating the vault, the SQLite database and the token file");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let vault_path = dir.path().join("tokens.vault");
    let key_path = dir.path().join("vault.key");
    // `tokenvault init --key-file K --generate`, through the library.
    let credential = Credential::generate_key_file(&key_path).expect("generate the key file");
    let tokens = tokens(n);
    let (vault, _) = OpenOptions::new()
        .create_with_tokens(Location::parse(&vault_path), credential, tokens.clone())
        .expect("create the vault");
    drop(vault);
    let sql_dir = dir.path().join("sqlite");
    let file_dir = dir.path().join("filestore");
    std::fs::create_dir_all(&sql_dir).expect("mkdir");
    std::fs::create_dir_all(&file_dir).expect("mkdir");
    let sqlite = SqlStore::create(&sql_dir, KeyMode::Default);
    sqlite.save_batch(&mut tokens.clone());
    let filestore = FileStorePort::create(&file_dir);
    let mut csv = Vec::new();
    tokenvault::filestore::write(&tokens, &mut csv).expect("write the token file");
    filestore.import_csv(&csv);

    // The queries, made once: a JSON body and a `Token` per token, by user name (rule 1).
    let queries: Vec<Token> = (1..=n).map(|i| data::query("user_name", i)).collect();
    let bodies: Vec<Vec<u8>> = queries
        .iter()
        .map(|q| {
            serde_json::to_vec(&serde_json::json!({ "user_name": q.user_name }))
                .expect("a JSON body")
        })
        .collect();
    let expected = |i: u64| queries[(i - 1) as usize].user_name.clone();

    // ---- the service ----------------------------------------------------------------------
    let log = options.out.join(format!("service-{n}.log"));
    let service = Service::start(
        &options.tokenvault,
        &vault_path,
        &key_path,
        dir.path(),
        &log,
    );
    let pid = service.pid();
    // The answer is checked in full once per transport: the token asked for, not due.
    for endpoint in [service.unix(), service.tcp()] {
        let mut client = Client::connect(&endpoint).expect("connect");
        for i in [1, n / 2, n] {
            let answer = client
                .call("POST", "/v1/tokens/find", &bodies[(i - 1) as usize])
                .expect("find");
            let json: serde_json::Value =
                serde_json::from_slice(&answer.body).expect("a JSON answer");
            assert_eq!(answer.status, 200, "{}: {json}", endpoint.name());
            assert_eq!(json["token"]["user_name"].as_str(), expected(i).as_deref());
            assert_eq!(json["refresh"], "not_due");
        }
    }
    // A few requests served, then 2 s idle: the idle footprint.
    {
        let mut client = Client::connect(&service.unix()).expect("connect");
        for i in 0..100 {
            let body = &bodies[(i * 97 % n) as usize];
            let answer = client.call("POST", "/v1/tokens/find", body).expect("find");
            assert_eq!(answer.status, 200);
        }
    }
    std::thread::sleep(Duration::from_secs(2));
    let idle = service::memory(pid);
    eprintln!(
        "::: {n} tokens: service pid {pid}, idle RSS {:.1} MiB",
        mib(idle.rss_kib)
    );

    for endpoint in [service.unix(), service.tcp()] {
        let name = match endpoint {
            Endpoint::Unix(_) => SOCKET,
            Endpoint::Tcp(..) => TCP,
        };
        for clients in CLIENTS {
            let before = Cpu::now(Some(pid), ticks);
            let measured = load::run(clients, n, timing, |_| {
                let mut client = Client::connect(&endpoint).expect("connect to the service");
                let bodies = &bodies;
                move |i| match client.call("POST", "/v1/tokens/find", &bodies[(i - 1) as usize]) {
                    Ok(answer) if answer.status == 200 => {}
                    Ok(answer) => panic!(
                        "find answered {}: {}",
                        answer.status,
                        String::from_utf8_lossy(&answer.body)
                    ),
                    Err(e) => panic!("find failed: {e}"),
                }
            });
            let after = Cpu::now(Some(pid), ticks);
            rows.push(row(n, name, clients, measured, before, after, timing));
        }
    }
    let after_load = service::memory(pid);
    std::thread::sleep(Duration::from_secs(2));
    let idle_after_load = service::memory(pid);
    memory.push(MemoryRow {
        tokens: n,
        idle,
        after_load,
        idle_after_load,
    });
    service.stop();

    // ---- in process: the same vault file, the library's call --------------------------------
    let vault = Vault::open(
        Location::parse(&vault_path),
        Credential::key_file(&key_path).expect("read the key file"),
    )
    .expect("open the vault");
    for (name, coordinated) in [(IN_PROCESS, false), (IN_PROCESS_COORDINATED, true)] {
        for clients in CLIENTS {
            let before = Cpu::now(None, ticks);
            let measured = load::run(clients, n, timing, |_| {
                let (vault, queries) = (&vault, &queries);
                move |i| {
                    let query = &queries[(i - 1) as usize];
                    let found = match coordinated {
                        false => vault.find_token(query).expect("find").is_some(),
                        true => matches!(
                            vault.find_token_coordinated(query).expect("find"),
                            Some((_, RefreshTurn::NotDue))
                        ),
                    };
                    assert!(found, "token {i} not found, or due");
                }
            });
            let after = Cpu::now(None, ticks);
            rows.push(row(n, name, clients, measured, before, after, timing));
        }
    }
    drop(vault);

    // ---- SQLite and the FileStore port, in process -------------------------------------------
    let peers: [(&str, &dyn Store); 2] = [
        ("SQLite (careful: indexes, prepared, WAL)", &sqlite),
        ("FileStore (Rust port)", &filestore),
    ];
    for (name, store) in peers {
        for clients in CLIENTS {
            store.warm(clients);
            let before = Cpu::now(None, ticks);
            let measured = load::run(clients, n, timing, |_| {
                let queries = &queries;
                move |i| {
                    let found = store.find(&queries[(i - 1) as usize]);
                    assert!(found.is_some(), "token {i} not found");
                }
            });
            let after = Cpu::now(None, ticks);
            rows.push(row(n, name, clients, measured, before, after, timing));
        }
    }
}

fn row(
    tokens: u64,
    store: &str,
    clients: usize,
    measured: Measured,
    before: Cpu,
    after: Cpu,
    timing: Timing,
) -> Row {
    // CPU time is counted over warm-up and window; calls in the warm-up are estimated at the
    // window's rate.
    let calls = measured.per_second * (timing.warm_up + timing.measure).as_secs_f64();
    let per_call = |cpu: Duration| cpu.div_f64(calls.max(1.0));
    let service_cpu = after.service.zip(before.service).map(|(a, b)| a - b);
    let bench_cpu = after.bench - before.bench;
    let machine = after.machine.saturating_sub(before.machine);
    let others = machine
        .saturating_sub(bench_cpu)
        .saturating_sub(service_cpu.unwrap_or_default());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    let others_percent =
        100.0 * others.as_secs_f64() / ((after.at - before.at).as_secs_f64() * cores);
    eprintln!(
        "{tokens:>6} {store:<42} C={clients:<3} p50 {:>9.1} µs  p99 {:>9.1} µs  {:>9.0}/s",
        micros(measured.p50),
        micros(measured.p99),
        measured.per_second
    );
    Row {
        tokens,
        store: store.to_string(),
        clients,
        service_cpu: service_cpu.map(per_call),
        bench_cpu: per_call(bench_cpu),
        others_percent,
        measured,
    }
}

/// CPU time used so far: by the whole machine (busy time of every core, /proc/stat), by this
/// process, and by the service. Two of them around a row tell what other programs took.
#[derive(Clone, Copy)]
struct Cpu {
    at: std::time::Instant,
    machine: Duration,
    bench: Duration,
    service: Option<Duration>,
}

impl Cpu {
    fn now(service: Option<u32>, ticks: u64) -> Cpu {
        let stat = std::fs::read_to_string("/proc/stat").expect("/proc/stat");
        // cpu  user nice system idle iowait irq softirq steal …: busy is all but idle and iowait.
        let fields: Vec<u64> = stat
            .lines()
            .next()
            .expect("the cpu line")
            .split_whitespace()
            .skip(1)
            .map(|f| f.parse().unwrap_or(0))
            .collect();
        let busy: u64 = [0, 1, 2, 5, 6, 7]
            .iter()
            .filter_map(|&i| fields.get(i))
            .sum();
        Cpu {
            at: std::time::Instant::now(),
            machine: Duration::from_nanos(busy * 1_000_000_000 / ticks),
            bench: service::cpu_time(std::process::id(), ticks),
            service: service.map(|pid| service::cpu_time(pid, ticks)),
        }
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".into())
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn report(
    options: &Options,
    timing: Timing,
    rows: &[Row],
    memory: &[MemoryRow],
    load_before: &str,
    elapsed: Duration,
) -> String {
    let mut out = String::new();
    let date = std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map_or_else(|| "unknown date".into(), |d| d.trim().to_string());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let _ = writeln!(out, "## `tokenvault serve`: find by user name\n");
    let _ = writeln!(
        out,
        "Run {date}{}, {cores} cores, {:.0} s. Load average before / after: {load_before} / {}.",
        if options.quick { " (--quick)" } else { "" },
        elapsed.as_secs_f64(),
        load_average()
    );
    let _ = writeln!(
        out,
        "Closed loop, one keep-alive connection per client thread, random user names; {:.1} s \
         warm-up then {:.1} s measured per row. Clients and service share the {cores} cores. \
         CPU µs/find: the service process's, and this process's (the clients, or the store in \
         process), over warm-up and window. Others' CPU: what other programs took of the \
         {cores} cores during the row (/proc/stat's busy time less this process's and the \
         service's).\n",
        timing.warm_up.as_secs_f64(),
        timing.measure.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "| tokens | store | clients | p50 µs | p99 µs | finds/s | finds timed | service CPU µs/find | bench CPU µs/find | others' CPU |"
    );
    let _ = writeln!(out, "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.1} | {:.1} | {:.0} | {} | {} | {:.1} | {:.0}% |",
            r.tokens,
            r.store,
            r.clients,
            micros(r.measured.p50),
            micros(r.measured.p99),
            r.measured.per_second,
            r.measured.calls,
            r.service_cpu
                .map_or_else(|| "–".to_string(), |d| format!("{:.1}", micros(d))),
            micros(r.bench_cpu),
            r.others_percent,
        );
    }
    let _ = writeln!(out, "\nThe service's memory (/proc/PID/status):\n");
    let _ = writeln!(
        out,
        "| tokens | RSS idle (loaded, 100 finds, 2 s idle) | RSS right after the load | RSS 2 s after the load | peak RSS (VmHWM) |"
    );
    let _ = writeln!(out, "|---:|---:|---:|---:|---:|");
    for m in memory {
        let _ = writeln!(
            out,
            "| {} | {:.1} MiB | {:.1} MiB | {:.1} MiB | {:.1} MiB |",
            m.tokens,
            mib(m.idle.rss_kib),
            mib(m.after_load.rss_kib),
            mib(m.idle_after_load.rss_kib),
            mib(m.idle_after_load.peak_kib),
        );
    }
    let _ = writeln!(out, "\nTargets:\n");
    for n in [1_000, 10_000] {
        if let Some(r) = rows
            .iter()
            .find(|r| r.tokens == n && r.store == SOCKET && r.clients == 16)
        {
            let p99 = micros(r.measured.p99);
            let _ = writeln!(
                out,
                "- {n} tokens, p99 ≤ 1 ms at 16 clients over the socket: {:.0} µs, {}",
                p99,
                verdict(p99 <= 1000.0, format!("{:.2}× the target", p99 / 1000.0))
            );
        }
        let best = rows
            .iter()
            .filter(|r| r.tokens == n && r.store == SOCKET)
            .max_by(|a, b| a.measured.per_second.total_cmp(&b.measured.per_second));
        if let Some(r) = best {
            let rate = r.measured.per_second;
            let _ = writeln!(
                out,
                "- {n} tokens, ≥ 20,000 finds/s over the socket: best {:.0}/s (at {} clients), {}",
                rate,
                r.clients,
                verdict(
                    rate >= 20_000.0,
                    format!("{:.0}% of the target", rate / 200.0)
                )
            );
        }
    }
    if let Some(m) = memory.iter().find(|m| m.tokens == 10_000) {
        let rss = mib(m.idle.rss_kib);
        let _ = writeln!(
            out,
            "- RSS < 30 MiB idle at 10k tokens: {rss:.1} MiB, {}",
            verdict(
                rss < 30.0,
                match rss < 30.0 {
                    true => format!("{:.1} MiB under", 30.0 - rss),
                    false => format!("{:.1} MiB over", rss - 30.0),
                }
            )
        );
    }
    out
}

fn verdict(met: bool, how: String) -> String {
    match met {
        true => format!("met ({how})"),
        false => format!("**missed** ({how})"),
    }
}
