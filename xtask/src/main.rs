//! Workspace automation, in the manner of rust-analyzer's xtask.
//!
//! * `cargo xtask tidy`: checks the architecture invariants a machine can check (also run by
//!   `cargo test` through this crate's tests).
//! * `cargo xtask bench [NAME...]`: runs the workspace benchmarks (criterion and harness-less
//!   ones) one after another, so they do not compete for the two cores.

mod tidy;

use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("tidy") => match tidy::run(&tidy::workspace_root()) {
            Ok(()) => {
                println!("tidy: all checks passed");
                ExitCode::SUCCESS
            }
            Err(problems) => {
                for p in &problems {
                    eprintln!("tidy: {p}");
                }
                ExitCode::FAILURE
            }
        },
        Some("bench") => bench(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask <tidy | bench [PACKAGE...]>\n\n  tidy   check architecture invariants\n  bench  run the benchmarks of the given packages (default: all with benches)"
            );
            ExitCode::from(2)
        }
    }
}

/// Packages with benchmarks, in the order `cargo xtask bench` runs them.
const BENCH_PACKAGES: &[&str] = &[
    "tim-sig",
    "tim-emulator",
    "tim-client",
    "conformance",
    "client-conformance",
    "tim-cli",
];

fn bench(packages: &[String]) -> ExitCode {
    let root = tidy::workspace_root();
    let chosen: Vec<&str> = if packages.is_empty() {
        BENCH_PACKAGES.to_vec()
    } else {
        packages.iter().map(String::as_str).collect()
    };
    for package in chosen {
        let manifest_dirs = [
            root.join("crates").join(package),
            root.join("tests").join(package),
        ];
        let has_benches = manifest_dirs.iter().any(|d| d.join("benches").is_dir());
        if !has_benches {
            println!("bench: {package} has no benches, skipped");
            continue;
        }
        println!("bench: {package}");
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .current_dir(&root)
            .args(["bench", "-p", package])
            .status();
        match status {
            Ok(s) if s.success() => {}
            Ok(s) => {
                eprintln!("bench: {package} failed ({s})");
                return ExitCode::FAILURE;
            }
            Err(e) => {
                eprintln!("bench: could not run cargo: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    println!("bench: done; record the ratios in docs/performance.md");
    ExitCode::SUCCESS
}
