//! Workspace automation, in the manner of rust-analyzer's xtask.
//!
//! * `cargo xtask tidy`: checks the architecture invariants a machine can check (also run by
//!   `cargo test` through this crate's tests).
//! * `cargo xtask bench [NAME...]`: runs the workspace benchmarks (criterion and harness-less
//!   ones) one after another, so they do not compete for the two cores.
//! * `cargo xtask fuzz [TARGET] [SECONDS]`: runs the cargo-fuzz targets of `fuzz/` (one, or all
//!   one after another) for SECONDS each (default 60) with `cargo +nightly fuzz run`. Installs
//!   nothing: without cargo-fuzz it says how to install it and fails. See `docs/fuzzing.md`.
//! * `cargo xtask fleet [RUNS]`: the fleet-wide rate limit end to end (8 `tim contacts export`
//!   processes against one `tim emulator serve --demo`, sharing one `redis-server`, and the same
//!   without Redis), RUNS times (default 2); prints a table. Needs `redis-server`. See
//!   `docs/performance.md` ("Fleet rate limit (Redis)").

mod fleet;
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
        Some("fuzz") => fuzz(&args[1..]),
        Some("fleet") => {
            let runs = match args.get(1).map(|a| a.parse::<u32>()) {
                None => 2,
                Some(Ok(n)) if n > 0 => n,
                Some(_) => {
                    eprintln!("fleet: RUNS must be a number ≥ 1\nusage: cargo xtask fleet [RUNS]");
                    return ExitCode::from(2);
                }
            };
            match fleet::run(runs) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("fleet: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        _ => {
            eprintln!(
                "usage: cargo xtask <tidy | bench [PACKAGE...] | fuzz [TARGET] [SECONDS] | fleet [RUNS]>\n\n  tidy   check architecture invariants\n  bench  run the benchmarks of the given packages (default: all with benches)\n  fuzz   run one fuzz target (default: all, one after another) for SECONDS each (default 60)\n  fleet  the fleet-wide Redis rate limit end to end, RUNS times (default 2; needs redis-server)"
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
    "tim-limiter-redis",
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

/// The fuzz targets of `fuzz/` (binaries in `fuzz/Cargo.toml`, bodies in `tests/fuzz-replay`),
/// in the order `cargo xtask fuzz` runs them.
const FUZZ_TARGETS: &[&str] = &[
    "decode_response",
    "cursor",
    "usersig",
    "emulator_request",
    "emulator_admin",
    "fault_spec",
];

/// Seconds per target when none is given.
const DEFAULT_FUZZ_SECONDS: u64 = 60;

/// `[TARGET] [SECONDS]`, in either order: a number is the time, anything else the target.
fn fuzz_args(args: &[String]) -> Result<(Vec<&'static str>, u64), String> {
    let mut targets = FUZZ_TARGETS.to_vec();
    let mut seconds = DEFAULT_FUZZ_SECONDS;
    let mut named = false;
    for arg in args {
        if let Ok(n) = arg.parse::<u64>() {
            if n == 0 {
                return Err("SECONDS must be at least 1".into());
            }
            seconds = n;
        } else if named {
            return Err(format!("one target at most (got another: {arg})"));
        } else if let Some(t) = FUZZ_TARGETS.iter().find(|t| **t == arg) {
            targets = vec![*t];
            named = true;
        } else {
            return Err(format!(
                "unknown fuzz target {arg} (known: {})",
                FUZZ_TARGETS.join(", ")
            ));
        }
    }
    Ok((targets, seconds))
}

fn fuzz(args: &[String]) -> ExitCode {
    let (targets, seconds) = match fuzz_args(args) {
        Ok(parsed) => parsed,
        Err(e) => {
            eprintln!("fuzz: {e}\nusage: cargo xtask fuzz [TARGET] [SECONDS]");
            return ExitCode::from(2);
        }
    };
    let fuzz_dir = tidy::workspace_root().join("fuzz");
    // `cargo fuzz` is a separate cargo subcommand: check for it, never install it.
    let has_cargo_fuzz = Command::new("cargo")
        .args(["+nightly", "fuzz", "--version"])
        .current_dir(&fuzz_dir)
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_cargo_fuzz {
        eprintln!(
            "fuzz: `cargo +nightly fuzz` is not available. Install it with\n\n    \
             rustup toolchain install nightly\n    cargo install cargo-fuzz\n\n\
             then run `cargo xtask fuzz` again (see docs/fuzzing.md)."
        );
        return ExitCode::FAILURE;
    }
    for target in targets {
        // New inputs go to fuzz/corpus-new/<target> (ignored by git); the committed seeds in
        // fuzz/corpus/<target> are read, never written. Crashes land in fuzz/artifacts/.
        let new_corpus = fuzz_dir.join("corpus-new").join(target);
        if let Err(e) = std::fs::create_dir_all(&new_corpus) {
            eprintln!("fuzz: cannot create {}: {e}", new_corpus.display());
            return ExitCode::FAILURE;
        }
        let seeds = fuzz_dir.join("corpus").join(target);
        println!("fuzz: {target} for {seconds} s");
        // Plain `cargo`, not `$CARGO`: the rustup proxy is what understands `+nightly`.
        let status = Command::new("cargo")
            .current_dir(&fuzz_dir)
            .args(["+nightly", "fuzz", "run", target])
            .arg(&new_corpus)
            .arg(&seeds)
            .arg("--")
            .arg(format!("-max_total_time={seconds}"))
            .status();
        match status {
            Ok(s) if s.success() => {}
            Ok(s) => {
                eprintln!(
                    "fuzz: {target} failed ({s}); the crashing input is under fuzz/artifacts/{target}/"
                );
                return ExitCode::FAILURE;
            }
            Err(e) => {
                eprintln!("fuzz: could not run cargo: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    println!("fuzz: done; record what ran and what was found in docs/fuzzing.md");
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn fuzz_arguments() {
        assert_eq!(
            fuzz_args(&[]).unwrap(),
            (FUZZ_TARGETS.to_vec(), DEFAULT_FUZZ_SECONDS)
        );
        assert_eq!(
            fuzz_args(&args(&["cursor", "5"])).unwrap(),
            (vec!["cursor"], 5)
        );
        assert_eq!(
            fuzz_args(&args(&["30"])).unwrap(),
            (FUZZ_TARGETS.to_vec(), 30)
        );
        assert!(fuzz_args(&args(&["nope"])).is_err());
        assert!(fuzz_args(&args(&["cursor", "usersig"])).is_err());
        assert!(fuzz_args(&args(&["0"])).is_err());
    }

    #[test]
    fn every_fuzz_target_has_a_binary_and_a_corpus() {
        let fuzz = tidy::workspace_root().join("fuzz");
        let manifest = std::fs::read_to_string(fuzz.join("Cargo.toml")).expect("fuzz/Cargo.toml");
        for t in FUZZ_TARGETS {
            assert!(manifest.contains(&format!("name = \"{t}\"")), "{t}");
            assert!(fuzz.join("corpus").join(t).is_dir(), "{t}");
        }
    }
}
