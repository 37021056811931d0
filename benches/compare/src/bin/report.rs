//! Prints the benchmark tables (markdown) from a criterion output directory and the footprint
//! file: `report CRITERION_HOME [FOOTPRINT.jsonl]`. Every time is criterion's median; every
//! ratio is to SQLite in the same run.

use std::collections::BTreeMap;
use std::path::Path;

/// `(operation, store, size) → median ns`.
type Medians = BTreeMap<(String, String, u64), f64>;

fn collect(dir: &Path, out: &mut Medians) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "new") {
                read_one(&path, out);
            } else {
                collect(&path, out);
            }
        }
    }
}

fn read_one(new: &Path, out: &mut Medians) {
    let read = |name: &str| -> Option<serde_json::Value> {
        serde_json::from_str(&std::fs::read_to_string(new.join(name)).ok()?).ok()
    };
    let (Some(id), Some(est)) = (read("benchmark.json"), read("estimates.json")) else {
        return;
    };
    let (Some(group), Some(store), Some(size)) = (
        id["group_id"].as_str(),
        id["function_id"].as_str(),
        id["value_str"].as_str().and_then(|v| v.parse().ok()),
    ) else {
        return;
    };
    if let Some(ns) = est["median"]["point_estimate"].as_f64() {
        out.insert((group.into(), store.into(), size), ns);
    }
}

fn time(ns: f64) -> String {
    let (value, unit) = match ns {
        n if n < 1e3 => (n, "ns"),
        n if n < 1e6 => (n / 1e3, "µs"),
        n if n < 1e9 => (n / 1e6, "ms"),
        n => (n / 1e9, "s"),
    };
    let digits = if value < 10.0 {
        2
    } else if value < 100.0 {
        1
    } else {
        0
    };
    format!("{value:.digits$} {unit}")
}

const STORES: [&str; 9] = [
    "tokenvault",
    "tokenvault.alone",
    "tokenvault.tiny_kdf",
    "sqlite",
    "sqlcipher",
    "sqlcipher.tiny_kdf",
    "filestore",
    "redb",
    "redb.integrity_check",
];

const OPERATIONS: [(&str, &str); 13] = [
    ("find_token.user_name", "`find_token` by user name (rule 1)"),
    (
        "find_token.access_token",
        "`find_token` by access token (rule 2)",
    ),
    (
        "find_token.grant_token",
        "`find_token` by grant token (rule 3)",
    ),
    (
        "find_token.refresh_token",
        "`find_token` by refresh token (rule 3)",
    ),
    (
        "find_token.id",
        "`find_token` by id only (tokenvault's divergence; the FileStore finds nothing)",
    ),
    ("find_token_by_id", "`find_token_by_id`"),
    (
        "save_token.durable",
        "`save_token`, one durable commit each (update by id: the hourly refresh)",
    ),
    (
        "save_token.batch100",
        "100 `save_token`s in one commit (time per batch)",
    ),
    (
        "save_token.concurrent8",
        "8 threads saving at once, one shared store (aggregate time per save; saves/s)",
    ),
    ("delete_token", "`delete_token` (durable)"),
    (
        "get_tokens",
        "`get_tokens` (every token, decrypted where encrypted)",
    ),
    (
        "import_csv",
        "importing a FileStore token file (parse + store, one transaction)",
    ),
    ("open", "open + unlock, up to the first read"),
];

fn label(store: &str) -> String {
    match store {
        "tokenvault" => "**tokenvault**".into(),
        "tokenvault.tiny_kdf" => "**tokenvault**, tiny KDF".into(),
        "tokenvault.alone" => "**tokenvault**, one process (`single_process`)".into(),
        "sqlcipher.tiny_kdf" => "sqlcipher, 1 KDF iteration".into(),
        "filestore" => "FileStore (Rust port)".into(),
        "redb" => "raw redb (plaintext)".into(),
        "redb.integrity_check" => "raw redb, integrity check on open".into(),
        other => other.into(),
    }
}

fn print_timings(m: &Medians) {
    let sizes: Vec<u64> = {
        let mut s: Vec<u64> = m.keys().map(|k| k.2).collect();
        s.sort_unstable();
        s.dedup();
        s
    };
    for (op, title) in OPERATIONS {
        if !m.keys().any(|k| k.0 == op) {
            continue;
        }
        println!("\n#### {title}\n");
        let head: Vec<String> = sizes.iter().map(|n| format!("{n} tokens")).collect();
        println!("| store | {} |", head.join(" | "));
        println!("|---|{}", "---:|".repeat(sizes.len()));
        for store in STORES {
            if !m.keys().any(|k| k.0 == op && k.1 == store) {
                continue;
            }
            let cells: Vec<String> = sizes
                .iter()
                .map(|&n| {
                    let Some(&ns) = m.get(&(op.to_string(), store.to_string(), n)) else {
                        return "—".into();
                    };
                    let base = m.get(&(op.to_string(), "sqlite".to_string(), n));
                    let mut cell = time(ns);
                    if op == "save_token.concurrent8" {
                        cell = format!("{} ({:.0}/s)", cell, 1e9 / ns);
                    }
                    match base {
                        Some(&b) if store != "sqlite" => format!("{cell} ({:.2}×)", ns / b),
                        _ => cell,
                    }
                })
                .collect();
            println!("| {} | {} |", label(store), cells.join(" | "));
        }
    }
}

fn print_footprint(path: &Path) {
    let Ok(text) = std::fs::read_to_string(path) else {
        return;
    };
    let rows: Vec<serde_json::Value> = text
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let sqlite = |n: u64, key: &str| {
        rows.iter()
            .find(|r| r["store"] == "sqlite" && r["tokens"] == n)
            .and_then(|r| r[key].as_f64())
    };
    println!("\n#### Bytes on disk per token (after compact / VACUUM) and peak memory\n");
    println!(
        "| store | tokens | bytes per token | peak memory, `get_tokens` | peak memory, import |"
    );
    println!("|---|---:|---:|---:|---:|");
    for store in STORES {
        for r in rows.iter().filter(|r| r["store"] == store) {
            let n = r["tokens"].as_u64().unwrap_or(0);
            let ratio = |key: &str, v: f64| match sqlite(n, key) {
                Some(b) if store != "sqlite" && b > 0.0 => format!(" ({:.2}×)", v / b),
                _ => String::new(),
            };
            let cell = |key: &str, unit: &str| match r[key].as_f64() {
                Some(v) => format!("{v:.1}{unit}{}", ratio(key, v)),
                None => "—".into(),
            };
            println!(
                "| {} | {n} | {} | {} | {} |",
                label(store),
                cell("bytes_per_token", ""),
                cell("get_tokens_peak_mib", " MiB"),
                cell("import_peak_mib", " MiB"),
            );
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let home = args
        .get(1)
        .expect("usage: report CRITERION_HOME [FOOTPRINT.jsonl]");
    let mut medians = Medians::new();
    collect(Path::new(home), &mut medians);
    print_timings(&medians);
    if let Some(footprint) = args.get(2) {
        print_footprint(Path::new(footprint));
    }
}
