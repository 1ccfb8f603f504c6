//! Architecture invariants checked by machine. Each problem is one line naming the file or crate.

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// Crates that must do no IO and read no clock or RNG (directly or through any dependency).
const SANS_IO: &[&str] = &["tim-proto", "tim-sig", "tim-redact"];

/// Dependencies that would give a sans-IO crate a runtime, an HTTP stack, a clock or an RNG.
const FORBIDDEN_IN_SANS_IO: &[&str] = &[
    "tokio",
    "async-std",
    "smol",
    "async-io",
    "async-executor",
    "async-global-executor",
    "mio",
    "hyper",
    "hyper-util",
    "reqwest",
    "isahc",
    "surf",
    "ureq",
    "curl",
    "socket2",
    "rand",
    "rand_core",
    "getrandom",
    "fastrand",
    "chrono",
    "time",
    "futures-timer",
    "tim-transport",
];

/// Adapters: thin, no protocol logic, so no dependency on the protocol or signing crates.
const ADAPTERS: &[&str] = &[
    "tim-transport-hyper",
    "tim-transport-isahc",
    "tim-transport-reqwest",
    "tim-transport-surf",
    "tim-transport-ureq",
];
const FORBIDDEN_IN_ADAPTERS: &[&str] = &["tim-proto", "tim-sig", "tim-client", "tim-emulator"];

/// Manifest keys every published crate declares.
const PUBLISH_KEYS: &[&str] = &[
    "description",
    "license",
    "repository",
    "keywords",
    "categories",
    "rust-version",
    "readme",
];

/// The workspace root (the parent of this crate's directory).
pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Runs every check; the problems found, if any.
pub(crate) fn run(root: &Path) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    let metadata = match metadata(root) {
        Ok(m) => m,
        Err(e) => return Err(vec![e]),
    };
    check_dependency_rules(&metadata, &mut problems);
    check_manifests(root, &mut problems);
    check_sources(root, &mut problems);
    check_docs(root, &mut problems);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

fn metadata(root: &Path) -> Result<Value, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(root)
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .output()
        .or_else(|_| {
            Command::new("cargo")
                .current_dir(root)
                .args(["metadata", "--format-version", "1"])
                .output()
        })
        .map_err(|e| format!("cargo metadata failed to start: {e}"))?;
    if !out.status.success() {
        // --offline/--locked may fail on a fresh machine before the first fetch: retry plainly.
        let out = Command::new("cargo")
            .current_dir(root)
            .args(["metadata", "--format-version", "1"])
            .output()
            .map_err(|e| format!("cargo metadata failed to start: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "cargo metadata failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        return serde_json::from_slice(&out.stdout)
            .map_err(|e| format!("cargo metadata output: {e}"));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("cargo metadata output: {e}"))
}

/// Package names reachable from `start` through normal (non-dev, non-build) dependencies, on
/// the resolved graph, so transitive pulls are caught too.
fn normal_closure(metadata: &Value, start_name: &str) -> BTreeSet<String> {
    let packages = metadata["packages"].as_array().cloned().unwrap_or_default();
    let name_of: HashMap<&str, &str> = packages
        .iter()
        .filter_map(|p| Some((p["id"].as_str()?, p["name"].as_str()?)))
        .collect();
    let nodes = metadata["resolve"]["nodes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let edges: HashMap<&str, Vec<&str>> = nodes
        .iter()
        .filter_map(|n| {
            let id = n["id"].as_str()?;
            let deps = n["deps"]
                .as_array()?
                .iter()
                .filter(|d| {
                    d["dep_kinds"]
                        .as_array()
                        .is_some_and(|kinds| kinds.iter().any(|k| k["kind"].is_null()))
                })
                .filter_map(|d| d["pkg"].as_str())
                .collect();
            Some((id, deps))
        })
        .collect();
    let Some(start) = name_of
        .iter()
        .find(|(_, name)| **name == start_name)
        .map(|(id, _)| *id)
    else {
        return BTreeSet::new();
    };
    let mut seen = BTreeSet::new();
    let mut stack = vec![start];
    let mut names = BTreeSet::new();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        if id != start
            && let Some(name) = name_of.get(id)
        {
            names.insert((*name).to_owned());
        }
        stack.extend(edges.get(id).into_iter().flatten().copied());
    }
    names
}

/// Whether the resolved graph has a package of this name (a check of a missing crate would
/// pass vacuously).
fn in_graph(metadata: &Value, name: &str) -> bool {
    metadata["packages"]
        .as_array()
        .is_some_and(|ps| ps.iter().any(|p| p["name"] == name))
}

fn check_dependency_rules(metadata: &Value, problems: &mut Vec<String>) {
    for krate in SANS_IO.iter().chain(ADAPTERS) {
        if !in_graph(metadata, krate) {
            problems.push(format!(
                "{krate} is not in the workspace graph: its invariants cannot be checked"
            ));
        }
    }
    for krate in SANS_IO {
        let deps = normal_closure(metadata, krate);
        for bad in FORBIDDEN_IN_SANS_IO {
            if deps.contains(*bad) {
                problems.push(format!(
                    "{krate} is sans-IO but depends (maybe transitively) on {bad}"
                ));
            }
        }
    }
    for krate in ADAPTERS {
        let deps = normal_closure(metadata, krate);
        for bad in FORBIDDEN_IN_ADAPTERS {
            if deps.contains(*bad) {
                problems.push(format!("{krate} is a thin adapter but depends on {bad} (protocol logic belongs elsewhere)"));
            }
        }
    }
}

fn crate_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(root.join("crates"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("Cargo.toml").is_file())
        .collect();
    dirs.sort();
    dirs
}

fn check_manifests(root: &Path, problems: &mut Vec<String>) {
    for dir in crate_dirs(root) {
        let manifest = dir.join("Cargo.toml");
        let text = fs::read_to_string(&manifest).unwrap_or_default();
        let shown = manifest
            .strip_prefix(root)
            .unwrap_or(&manifest)
            .display()
            .to_string();
        for key in PUBLISH_KEYS {
            let declared = text.lines().any(|l| {
                let l = l.trim_start();
                l.starts_with(&format!("{key} "))
                    || l.starts_with(&format!("{key}="))
                    || l.starts_with(&format!("{key}."))
            });
            if !declared {
                problems.push(format!(
                    "{shown}: missing `{key}` (every crate is ready to publish)"
                ));
            }
        }
        if !text.contains("[lints]\nworkspace = true") {
            problems.push(format!("{shown}: missing `[lints] workspace = true`"));
        }
        if !dir.join("README.md").is_file() {
            problems.push(format!("{shown}: the crate has no README.md"));
        }
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n == "target") {
                continue;
            }
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn check_sources(root: &Path, problems: &mut Vec<String>) {
    for dir in crate_dirs(root) {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let entry = if dir.join("src/lib.rs").is_file() {
            dir.join("src/lib.rs")
        } else {
            dir.join("src/main.rs")
        };
        let head = fs::read_to_string(&entry).unwrap_or_default();
        if !head.trim_start().starts_with("//!") && !head.trim_start().starts_with("#![doc") {
            problems.push(format!(
                "{}: no crate-level documentation",
                entry.strip_prefix(root).unwrap_or(&entry).display()
            ));
        }
        let mut files = Vec::new();
        rust_files(&dir.join("src"), &mut files);
        for file in files {
            let text = fs::read_to_string(&file).unwrap_or_default();
            let shown = file
                .strip_prefix(root)
                .unwrap_or(&file)
                .display()
                .to_string();
            for cited in cited_docs(&text) {
                if !root.join(&cited).is_file() {
                    problems.push(format!("{shown}: cites {cited}, which does not exist"));
                }
            }
            for (needle, why) in [
                (
                    // Spelled in two parts so that this file does not cite it itself.
                    concat!("api", "-facts"),
                    "cites the research notes, which users of the repository do not have",
                ),
                ("thread_local!", "hidden thread-local state"),
                ("dbg!(", "leftover dbg!"),
                ("todo!(", "todo! in library code"),
                ("unimplemented!(", "unimplemented! in library code"),
            ] {
                if text.contains(needle) {
                    problems.push(format!("{shown}: {why}"));
                }
            }
            if SANS_IO.contains(&name.as_str()) {
                for needle in [
                    "SystemTime::now",
                    "Instant::now",
                    "thread_rng",
                    "std::net::",
                    "std::fs::",
                ] {
                    if text.contains(needle) {
                        problems.push(format!("{shown}: sans-IO crate uses {needle}"));
                    }
                }
            }
        }
    }
}

/// The `docs/….md` paths a source file cites (in comments or strings).
fn cited_docs(text: &str) -> Vec<String> {
    let mut cited = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("docs/") {
        let tail = &rest[at..];
        let len = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '.')))
            .unwrap_or(tail.len());
        let path = tail[..len].trim_end_matches('.');
        if path.ends_with(".md") {
            cited.push(path.to_owned());
        }
        rest = &tail[len.max(1)..];
    }
    cited
}

fn check_docs(root: &Path, problems: &mut Vec<String>) {
    for doc in [
        "README.md",
        "CHANGELOG.md",
        "docs/ARCHITECTURE.md",
        "docs/adding-an-endpoint.md",
        "docs/protocol/conventions.md",
        "docs/protocol/error-codes.md",
        "docs/protocol/get_list.md",
        "docs/protocol/delete.md",
    ] {
        if !root.join(doc).is_file() {
            problems.push(format!("{doc} is missing"));
        }
    }
    let architecture = fs::read_to_string(root.join("docs/ARCHITECTURE.md")).unwrap_or_default();
    for dir in crate_dirs(root) {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !architecture.contains(&format!("### `{name}`")) {
            problems.push(format!(
                "docs/ARCHITECTURE.md has no `### `{name}`` section in its code map"
            ));
        }
    }
    // CI runs the README's test command verbatim.
    let readme = fs::read_to_string(root.join("README.md")).unwrap_or_default();
    let ci = fs::read_to_string(root.join(".ci/run")).unwrap_or_default();
    match readme_test_command(&readme) {
        Some(cmd) if ci.contains(&cmd) => {}
        Some(cmd) => problems.push(format!(
            ".ci/run does not run the README's test command `{cmd}`"
        )),
        None => problems
            .push("README.md has no test command (a line starting with `cargo test`)".into()),
    }
}

/// The first line of README.md's code blocks that starts with `cargo test`.
fn readme_test_command(readme: &str) -> Option<String> {
    readme
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("cargo test"))
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tidy() {
        if let Err(problems) = run(&workspace_root()) {
            panic!("tidy found problems:\n{}", problems.join("\n"));
        }
    }

    #[test]
    fn the_dependency_rule_catches_a_transitive_pull() {
        // A fake resolve graph: tim-proto -> foo -> tokio (normal), tim-proto -> bar (dev only).
        let metadata = serde_json::json!({
            "packages": [
                {"id": "p", "name": "tim-proto"}, {"id": "f", "name": "foo"},
                {"id": "t", "name": "tokio"}, {"id": "b", "name": "rand"}
            ],
            "resolve": {"nodes": [
                {"id": "p", "deps": [
                    {"pkg": "f", "dep_kinds": [{"kind": null}]},
                    {"pkg": "b", "dep_kinds": [{"kind": "dev"}]}
                ]},
                {"id": "f", "deps": [{"pkg": "t", "dep_kinds": [{"kind": null}]}]},
                {"id": "t", "deps": []}, {"id": "b", "deps": []}
            ]}
        });
        let mut problems = Vec::new();
        check_dependency_rules(&metadata, &mut problems);
        // A crate missing from the graph is reported, not silently passed.
        assert!(problems.iter().any(
            |p| p == "tim-sig is not in the workspace graph: its invariants cannot be checked"
        ));
        problems.retain(|p| !p.contains("not in the workspace graph"));
        assert_eq!(
            problems,
            vec!["tim-proto is sans-IO but depends (maybe transitively) on tokio".to_owned()]
        );
    }

    #[test]
    fn readme_command_is_found() {
        assert_eq!(
            readme_test_command("x\n```sh\ncargo test --workspace\n```"),
            Some("cargo test --workspace".into())
        );
        assert_eq!(readme_test_command("nothing"), None);
    }
}
