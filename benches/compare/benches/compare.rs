//! tokenvault against SQLite, SQLCipher, the FileStore and raw redb, side by side: every
//! operation of the SDK's TokenStore at 1k, 10k and 100k realistic tokens.
//!
//! Run through `benches/run.sh` (which also builds the SQLCipher variant and prints the tables).
//! `BENCH_QUICK=1`: tiny sizes and short timings, a smoke run. `BENCH_SIZES=1000,10000`: sizes.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput};
use tokenvault::{KdfParams, OpenOptions, Token};
use tokenvault_bench::peers::{redb_raw::RedbStore, sql, vault::VaultStore};
use tokenvault_bench::{KeyMode, PASSPHRASE, Store, create, data, peer_names};

const PATHS: [&str; 5] = [
    "user_name",
    "access_token",
    "grant_token",
    "refresh_token",
    "id",
];
const BATCH: usize = 100;
const WRITERS: usize = 8;

fn quick() -> bool {
    std::env::var_os("BENCH_QUICK").is_some()
}

fn sizes() -> Vec<u64> {
    match std::env::var("BENCH_SIZES") {
        Ok(list) => list
            .split(',')
            .map(|s| s.trim().parse().expect("BENCH_SIZES: numbers"))
            .collect(),
        Err(_) if quick() => vec![200],
        Err(_) => vec![1_000, 10_000, 100_000],
    }
}

/// Where the stores live: on the repository's disk, not a tmpfs, so fsync costs what it costs.
fn data_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    std::fs::create_dir_all(&dir).expect("bench data dir");
    dir
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir_in(data_dir()).expect("temp dir")
}

fn criterion() -> Criterion {
    let c = Criterion::default()
        .sample_size(10)
        .nresamples(10_000)
        .without_plots();
    let c = if quick() {
        c.warm_up_time(Duration::from_millis(20))
            .measurement_time(Duration::from_millis(100))
    } else {
        c.warm_up_time(Duration::from_millis(200))
            .measurement_time(Duration::from_millis(800))
    };
    c.configure_from_args()
}

/// Whether `peer` runs `op` at `n` tokens. The FileStore has no id rule in `find_token`, no
/// batch (each save rewrites the file: 100 of them take seconds at 10k) and no lock (concurrent
/// writers lose rows), and its file is already its import format.
fn runs(peer: &str, op: &str, n: u64) -> bool {
    match (peer, op) {
        // The exclusive mode changes what each transaction costs: lookups, lone and concurrent
        // saves, the full read. Its file, import and open are the shared mode's.
        ("tokenvault.alone", op) => {
            op.starts_with("find_token")
                || matches!(
                    op,
                    "save_token.durable" | "save_token.concurrent8" | "get_tokens"
                )
        }
        ("filestore", "find_token.id" | "save_token.concurrent8" | "import_csv") => false,
        ("filestore", "save_token.batch100") => n <= 1_000,
        _ => true,
    }
}

struct Sized {
    n: u64,
    _dirs: Vec<tempfile::TempDir>,
    stores: Vec<Box<dyn Store>>,
}

fn build(n: u64) -> Sized {
    let csv = data::csv(n);
    let mut dirs = Vec::new();
    let mut stores = Vec::new();
    for peer in peer_names() {
        let dir = tempdir();
        let started = Instant::now();
        let store = create(peer, dir.path());
        store.import_csv(&csv);
        eprintln!("setup: {peer} with {n} tokens in {:?}", started.elapsed());
        // Every peer must answer like the others before it is timed.
        for path in PATHS {
            let i = if path == "grant_token" { 10 } else { n / 2 + 1 };
            if runs(peer, &format!("find_token.{path}"), n) {
                let found = store.find(&data::query(path, i)).expect("found");
                assert_eq!(found.id, Some(i.to_string()), "{peer} {path}");
                assert_eq!(found.refresh_token, data::token(i).refresh_token, "{peer}");
            }
        }
        dirs.push(dir);
        stores.push(store);
    }
    Sized {
        n,
        _dirs: dirs,
        stores,
    }
}

fn bench_finds(c: &mut Criterion, s: &Sized) {
    for path in PATHS {
        let op = format!("find_token.{path}");
        let ids = if path == "grant_token" {
            data::sample_grant_ids(s.n, 512)
        } else {
            data::sample_ids(s.n, 512)
        };
        let queries: Vec<Token> = ids.iter().map(|&i| data::query(path, i)).collect();
        let mut group = c.benchmark_group(&op);
        for store in s.stores.iter().filter(|st| runs(st.name(), &op, s.n)) {
            group.bench_function(BenchmarkId::new(store.name(), s.n), |b| {
                let mut k = 0;
                b.iter(|| {
                    k = (k + 1) % queries.len();
                    black_box(store.find(&queries[k]))
                })
            });
        }
        group.finish();
    }
    let ids: Vec<String> = data::sample_ids(s.n, 512)
        .iter()
        .map(u64::to_string)
        .collect();
    let op = "find_token_by_id";
    let mut group = c.benchmark_group(op);
    for store in s.stores.iter().filter(|st| runs(st.name(), op, s.n)) {
        group.bench_function(BenchmarkId::new(store.name(), s.n), |b| {
            let mut k = 0;
            b.iter(|| {
                k = (k + 1) % ids.len();
                black_box(store.find_by_id(&ids[k]))
            })
        });
    }
    group.finish();
}

fn bench_saves(c: &mut Criterion, s: &Sized) {
    let ids = data::sample_ids(s.n, 4096);
    let round = AtomicU64::new(0);
    let next = || {
        let r = round.fetch_add(1, Ordering::Relaxed);
        data::refreshed(ids[r as usize % ids.len()], r)
    };
    let op = "save_token.durable";
    let mut group = c.benchmark_group(op);
    for store in s.stores.iter().filter(|st| runs(st.name(), op, s.n)) {
        group.bench_function(BenchmarkId::new(store.name(), s.n), |b| {
            b.iter(|| store.save(&mut next()))
        });
    }
    group.finish();

    let op = "save_token.batch100";
    let mut group = c.benchmark_group(op);
    group.throughput(Throughput::Elements(BATCH as u64));
    for store in s.stores.iter().filter(|st| runs(st.name(), op, s.n)) {
        group.bench_function(BenchmarkId::new(store.name(), s.n), |b| {
            b.iter_batched_ref(
                || (0..BATCH).map(|_| next()).collect::<Vec<_>>(),
                |batch| store.save_batch(batch),
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();

    // 8 threads share one store, each saving its own users' refreshed tokens; the time per
    // iteration is the aggregate time per save (1 / saves per second).
    let op = "save_token.concurrent8";
    let mut group = c.benchmark_group(op);
    group.throughput(Throughput::Elements(1));
    for store in s.stores.iter().filter(|st| runs(st.name(), op, s.n)) {
        store.warm(WRITERS);
        group.bench_function(BenchmarkId::new(store.name(), s.n), |b| {
            b.iter_custom(|iters| {
                let per_writer = (iters as usize).div_ceil(WRITERS);
                let started = Instant::now();
                std::thread::scope(|scope| {
                    for _ in 0..WRITERS {
                        scope.spawn(|| {
                            for _ in 0..per_writer {
                                store.save(&mut next());
                            }
                        });
                    }
                });
                let per_save = started.elapsed().as_secs_f64() / (per_writer * WRITERS) as f64;
                Duration::from_secs_f64(per_save * iters as f64)
            })
        });
    }
    group.finish();

    let op = "delete_token";
    let mut group = c.benchmark_group(op);
    for store in s.stores.iter().filter(|st| runs(st.name(), op, s.n)) {
        group.bench_function(BenchmarkId::new(store.name(), s.n), |b| {
            b.iter_batched(
                || {
                    let mut t = data::token(s.n + 1 + round.fetch_add(1, Ordering::Relaxed));
                    t.id = None;
                    store.save(&mut t);
                    t.id.expect("assigned")
                },
                |id| store.delete(&id),
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

fn bench_reads(c: &mut Criterion, s: &Sized) {
    let op = "get_tokens";
    let mut group = c.benchmark_group(op);
    for store in s.stores.iter().filter(|st| runs(st.name(), op, s.n)) {
        group.bench_function(BenchmarkId::new(store.name(), s.n), |b| {
            b.iter(|| {
                let all = store.get_all();
                assert!(all.len() as u64 >= s.n);
                all
            })
        });
    }
    group.finish();

    let csv = data::csv(s.n);
    let op = "import_csv";
    let mut group = c.benchmark_group(op);
    group.throughput(Throughput::Elements(s.n));
    for peer in peer_names().into_iter().filter(|p| runs(p, op, s.n)) {
        group.bench_function(BenchmarkId::new(peer, s.n), |b| {
            b.iter_batched(
                || {
                    let dir = tempdir();
                    let store = create(peer, dir.path());
                    (dir, store)
                },
                |(dir, store)| {
                    store.import_csv(&csv);
                    (dir, store)
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

/// Opening a store that holds `n` tokens, up to its first read. Each encrypted store is opened
/// with its default key derivation and with the cheapest it allows.
fn bench_open(c: &mut Criterion, n: u64) {
    let csv = data::csv(n);
    let tokens = data::tokens(n);
    let mut group = c.benchmark_group("open");
    if cfg!(feature = "sqlcipher") {
        for (label, mode) in [
            ("sqlcipher", KeyMode::Default),
            ("sqlcipher.tiny_kdf", KeyMode::Tiny),
        ] {
            let dir = tempdir();
            let store = sql::SqlStore::create(dir.path(), mode);
            store.import_csv(&csv);
            let path = store.path().to_path_buf();
            group.bench_function(BenchmarkId::new(label, n), |b| {
                b.iter(|| sql::open_and_touch(&path, mode))
            });
        }
    } else {
        for (label, kdf) in [
            ("tokenvault", KdfParams::default()),
            ("tokenvault.tiny_kdf", KdfParams::insecure_for_tests()),
        ] {
            let dir = tempdir();
            let path = dir.path().join("open.vault");
            let vault = OpenOptions::new()
                .kdf(kdf)
                .insecure_kdf(true)
                .create(&path, PASSPHRASE)
                .expect("create");
            vault.import(tokens.iter().cloned()).expect("import");
            drop(vault);
            group.bench_function(BenchmarkId::new(label, n), |b| {
                b.iter(|| VaultStore::open(&path))
            });
        }
        let dir = tempdir();
        let store = sql::SqlStore::create(dir.path(), KeyMode::Default);
        store.import_csv(&csv);
        let path = store.path().to_path_buf();
        group.bench_function(BenchmarkId::new("sqlite", n), |b| {
            b.iter(|| sql::open_and_touch(&path, KeyMode::Default))
        });
        let dir = tempdir();
        let store = RedbStore::create(dir.path());
        store.import_csv(&csv);
        let path = store.path().to_path_buf();
        drop(store);
        group.bench_function(BenchmarkId::new("redb", n), |b| {
            b.iter(|| RedbStore::open(&path))
        });
        // What verifying every page at open would cost (redb's only no-panic promise on a
        // damaged file; see the fuzzing notes in docs/BENCHMARKS.md).
        group.bench_function(BenchmarkId::new("redb.integrity_check", n), |b| {
            b.iter(|| {
                let mut builder = redb::Database::builder();
                builder.set_check_integrity_on_open(true);
                builder.open(&path).expect("open with integrity check")
            })
        });
    }
    group.finish();
}

fn main() {
    let mut c = criterion();
    for n in sizes() {
        let s = build(n);
        bench_finds(&mut c, &s);
        bench_reads(&mut c, &s);
        bench_saves(&mut c, &s);
        drop(s);
        bench_open(&mut c, n);
    }
    c.final_summary();
}
