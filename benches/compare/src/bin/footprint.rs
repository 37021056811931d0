//! Bytes on disk per token (after compact / VACUUM) and peak memory of `get_tokens` and of
//! importing a FileStore file, per store. Each memory figure comes from a fresh child process:
//! its peak resident set (Linux `VmHWM`, reset just before the operation) minus its resident set
//! at that moment, so SQLite's own allocations count as much as Rust's.
//!
//! `footprint [--quick] [--out FILE]` appends one JSON object per store and size to FILE.

use std::io::Write;
use std::path::Path;
use std::process::Command;

use tokenvault_bench::{create, data, open, peer_names};

fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Resets the peak to the current resident set (Linux ≥ 4.0) and returns that baseline.
fn reset_peak() -> u64 {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    status_kib("VmRSS:")
}

fn child(op: &str, peer: &str, dir: &Path, n: u64) {
    let peak_over = match op {
        "get_tokens" => {
            let store = open(peer, dir);
            let base = reset_peak();
            let all = store.get_all();
            assert_eq!(all.len() as u64, n);
            let peak = status_kib("VmHWM:");
            drop(all);
            peak.saturating_sub(base)
        }
        "import" => {
            let csv = std::fs::read(dir.join("input.csv")).expect("csv");
            let target = dir.join("import");
            std::fs::create_dir_all(&target).expect("dir");
            let base = reset_peak();
            let store = create(peer, &target);
            store.import_csv(&csv);
            let peak = status_kib("VmHWM:");
            drop(store);
            peak.saturating_sub(base)
        }
        other => panic!("unknown op {other}"),
    };
    println!("{peak_over}");
}

fn measure_in_child(op: &str, peer: &str, dir: &Path, n: u64) -> f64 {
    let out = Command::new(std::env::current_exe().expect("exe"))
        .args(["--child", op, peer])
        .arg(dir)
        .arg(n.to_string())
        .output()
        .expect("spawn child");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let kib: u64 = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("child output");
    kib as f64 / 1024.0
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child") {
        let n = args[5].parse().expect("n");
        return child(&args[2], &args[3], Path::new(&args[4]), n);
    }
    let quick = args.iter().any(|a| a == "--quick");
    let out_path = args
        .iter()
        .position(|a| a == "--out")
        .map(|i| args[i + 1].clone());
    let sizes: Vec<u64> = if quick {
        vec![200]
    } else {
        vec![10_000, 100_000]
    };
    let largest = *sizes.last().expect("a size");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    std::fs::create_dir_all(&root).expect("dir");
    let mut lines = Vec::new();
    for &n in &sizes {
        let csv = data::csv(n);
        // The exclusive mode writes the same file as the shared one.
        for peer in peer_names()
            .into_iter()
            .filter(|p| *p != "tokenvault.alone")
        {
            let dir = tempfile::tempdir_in(&root).expect("temp dir");
            let mut store = create(peer, dir.path());
            store.import_csv(&csv);
            let bytes = store.compact_and_measure();
            drop(store);
            let mut line = serde_json::json!({
                "store": peer,
                "tokens": n,
                "bytes_per_token": bytes as f64 / n as f64,
            });
            if n == largest {
                std::fs::write(dir.path().join("input.csv"), &csv).expect("csv");
                line["get_tokens_peak_mib"] =
                    measure_in_child("get_tokens", peer, dir.path(), n).into();
                // The FileStore's import is its own file: nothing to measure.
                if peer != "filestore" {
                    line["import_peak_mib"] =
                        measure_in_child("import", peer, dir.path(), n).into();
                }
            }
            eprintln!("{line}");
            lines.push(line.to_string());
        }
    }
    match out_path {
        Some(path) => {
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .expect("open output");
            for line in lines {
                writeln!(f, "{line}").expect("write");
            }
        }
        None => lines.iter().for_each(|l| println!("{l}")),
    }
}
