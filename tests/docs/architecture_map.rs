//! docs/ARCHITECTURE.md stays true: every source file it names exists, and every item it names
//! (`rules::save_target`, `Engine::into_writable`, `engines/redb/mod.rs::storage`) is defined in
//! the workspace's Rust code. A rename that forgets the map fails here.

use std::path::{Path, PathBuf};

const MAP: &str = "docs/ARCHITECTURE.md";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file under the repository, relative to it, without build output, VCS data or
/// dependencies.
fn files(dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if matches!(name.as_str(), "target" | ".git" | "node_modules" | "corpus") {
            continue;
        }
        if path.is_dir() {
            files(&path, out);
        } else if let Ok(relative) = path.strip_prefix(root()) {
            out.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
}

/// The words of `text` that look like Rust source paths (`store/open.rs`, `tls.rs`).
fn rust_paths(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || "_-/.".contains(c)))
        .map(|w| w.trim_matches('.'))
        .filter(|w| w.ends_with(".rs") && w.len() > 3)
        .map(str::to_string)
        .collect()
}

/// The backticked `a::b` items of `text` (with an optional `file.rs::` in front).
fn items(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter(|s| s.contains("::") && !s.contains(' ') && !s.contains('('))
        .map(str::to_string)
        .collect()
}

/// Whether `name` is defined in `source`: a function, type, trait, module or constant of that
/// name, or an enum variant (a line that starts with it).
fn defines(source: &str, name: &str) -> bool {
    let definers = [
        "fn ", "struct ", "enum ", "trait ", "type ", "mod ", "const ",
    ];
    source.lines().any(|line| {
        let line = line.trim_start();
        let line = line
            .strip_prefix("pub(crate) ")
            .or_else(|| line.strip_prefix("pub "))
            .unwrap_or(line);
        let follows = |rest: &str| {
            rest.strip_prefix(name)
                .is_some_and(|after| !after.starts_with(|c: char| c.is_alphanumeric() || c == '_'))
        };
        definers
            .iter()
            .any(|d| line.strip_prefix(d).is_some_and(follows))
            || follows(line)
    })
}

#[test]
fn every_file_and_item_the_architecture_map_names_exists() {
    let map = std::fs::read_to_string(root().join(MAP)).expect("the map");
    let mut all = Vec::new();
    files(&root(), &mut all);
    let sources: Vec<String> = all
        .iter()
        .filter(|f| f.ends_with(".rs"))
        .filter_map(|f| std::fs::read_to_string(root().join(f)).ok())
        .collect();

    let mut missing = Vec::new();
    for path in rust_paths(&map) {
        if !all
            .iter()
            .any(|f| f == &path || f.ends_with(&format!("/{path}")))
        {
            missing.push(format!("file {path}"));
        }
    }
    for item in items(&map) {
        let names: Vec<&str> = item
            .split("::")
            .filter(|n| !n.ends_with(".rs") && !n.contains('/'))
            .collect();
        for name in names {
            if !sources.iter().any(|s| defines(s, name)) {
                missing.push(format!("`{item}` ({name} is defined nowhere)"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "{MAP} names what does not exist: {missing:#?}"
    );
}

#[test]
fn the_map_check_finds_a_stale_name() {
    // The check itself: a name that does not exist is reported (rules::select_for_save was in
    // the map after the function was renamed).
    let sources = [std::fs::read_to_string(root().join("src/rules.rs")).unwrap()];
    assert!(!sources.iter().any(|s| defines(s, "select_for_save")));
    assert!(sources.iter().any(|s| defines(s, "save_target")));
    assert_eq!(
        rust_paths("see store/open.rs, tls.rs."),
        ["store/open.rs", "tls.rs"]
    );
    assert_eq!(items("`rules::select` and `a b::c`"), ["rules::select"]);
}
