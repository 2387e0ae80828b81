//! The crate's layering, checked from its source: no import loop between the top-level modules
//! of `crates/connector/src`, and the lower layers never reach up (issue: "no import loop").
//!
//! A reference is any `crate::name` outside a comment, including inside `use crate::{a, b}`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a source file belongs to (`src/queue/kinds.rs` → `queue`).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.trim_end_matches(".rs");
    (name != "lib" && name != "main").then(|| name.to_string())
}

/// Every top-level module named after `crate::` in code (comments stripped), including each
/// first segment of a `use crate::{a::b, c::{d, e}}` group spread over several lines.
fn references(text: &str) -> BTreeSet<String> {
    let code: String = text
        .lines()
        .map(|line| line.find("//").map_or(line, |i| &line[..i]))
        .collect::<Vec<_>>()
        .join(" ");
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut found = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // Split the group's top level on commas, skipping nested braces.
            let (mut depth, mut start) = (0usize, 0usize);
            for (at, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        found.insert(ident(&group[start..at]));
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        found.insert(ident(&group[start..at]));
                        start = at + 1;
                    }
                    _ => {}
                }
            }
        } else {
            found.insert(ident(rest));
        }
    }
    found.remove("");
    found
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let Some(module) = module_of(&src, &file) else {
            continue;
        };
        let text = std::fs::read_to_string(&file).expect("read file");
        let deps = graph.entry(module.clone()).or_default();
        for target in references(&text) {
            if target != module {
                deps.insert(target);
            }
        }
    }
    // Keep only edges to real modules (`crate::Application` re-exports and the like aside).
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    for deps in graph.values_mut() {
        deps.retain(|d| modules.contains(d));
    }
    graph
}

/// A cycle through `start`, if any, as the list of modules on it.
fn cycle_from(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    fn walk(
        graph: &BTreeMap<String, BTreeSet<String>>,
        start: &str,
        at: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        for next in graph.get(at).into_iter().flatten() {
            if next == start {
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(graph, start, next, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![start.to_string()];
    let mut seen = BTreeSet::new();
    walk(graph, start, start, &mut path, &mut seen).then_some(path)
}

#[test]
fn no_import_loop_between_top_level_modules() {
    let graph = graph();
    assert!(graph.contains_key("queue") && graph.contains_key("store"));
    for module in graph.keys() {
        if let Some(cycle) = cycle_from(&graph, module) {
            panic!("import loop: {} -> {module}", cycle.join(" -> "));
        }
    }
}

#[test]
fn lower_layers_never_reach_up() {
    let graph = graph();
    let forbidden: &[(&str, &[&str])] = &[
        (
            "store",
            &[
                "queue", "sync", "zoho", "monday", "runtime", "http", "serve", "cli",
            ],
        ),
        (
            "queue",
            &["sync", "zoho", "monday", "runtime", "http", "serve", "cli"],
        ),
        (
            "sync",
            &["http", "serve", "cli", "backfill", "check", "setup"],
        ),
        ("runtime", &["sync", "http", "serve", "cli"]),
    ];
    for (module, above) in forbidden {
        let deps = &graph[*module];
        for up in *above {
            assert!(
                !deps.contains(*up),
                "`{module}` imports `{up}`, a layer above it"
            );
        }
    }
}

#[test]
fn the_reference_scanner_sees_grouped_and_plain_imports_and_skips_comments() {
    let text = "use crate::{\n    queue::{Queue, JobKind},\n    store,\n};\nlet x = crate::zoho::api::call(); // crate::http\n// crate::serve\nuse crate::{sync::worker};\n";
    let found = references(text);
    let expected: BTreeSet<String> = ["queue", "store", "sync", "zoho"].map(String::from).into();
    assert_eq!(found, expected);
}
