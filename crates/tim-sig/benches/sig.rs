//! Criterion benchmarks for signing and verifying, timed in the same run as the official Node
//! signer (see `docs/performance.md`).
//!
//! Run: `cargo bench -p tim-sig`. When `node` is on the `PATH`, the run alternates with
//! `benches/node_signer.js` (before the benchmarks, between them and after them) and ends with
//! a table of each operation's criterion estimate against the Node figures of the same run.
//! Set `TIM_BENCH_NODE_PACKAGE` to the path of an installed npm `tls-sig-api-v2` to time the
//! package itself as well (see `node_signer.js`). Without `node`, only criterion runs.

#![allow(missing_docs)]

use std::hint::black_box;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use criterion::Criterion;
use tim_sig::{Claims, Expected, SecretKey, sign, verify};

const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
/// The official Python signer's token for ("xiaojun", 15552000) at 1569910200 (zlib level 6).
const PYTHON_TOKEN: &str = "eJyrVgrxCdYrSy1SslJQMtIzUNJRAItkpqTmlWSmZUIkKjIT87NK82CSxSnZiQUFmSlAKUMTAyiAyqVWFGQWpYJkTE1NjRDiJZm5EFEzS0tDAyO4eHFmOsiGdP-81HBD42JDS7f0yjyLoPIc1xL9Ip-scuPyKp9CS1-t4EKnpIgQz7S8QFulWgAoqDP8";

const SIGN: &str = "sign";
const VERIFY_OWN: &str = "verify (own token, stored zlib)";
const VERIFY_PYTHON: &str = "verify (official python token, zlib level 6)";
const DECODE: &str = "decode_unverified (own token)";

fn sign_and_verify(c: &mut Criterion) {
    let key = SecretKey::new(KEY);
    let claims = Claims::new(1_400_000_000, "xiaojun", 1_569_910_200, 15_552_000);
    let expected = Expected::new(1_400_000_000, "xiaojun");
    let ours = sign(&key, &claims);

    c.bench_function(SIGN, |b| {
        b.iter(|| sign(black_box(&key), black_box(&claims)))
    });
    c.bench_function(VERIFY_OWN, |b| {
        b.iter(|| {
            verify(
                black_box(&key),
                black_box(ours.expose()),
                &expected,
                1_569_910_200,
            )
        })
    });
}

fn other_tokens(c: &mut Criterion) {
    let key = SecretKey::new(KEY);
    let claims = Claims::new(1_400_000_000, "xiaojun", 1_569_910_200, 15_552_000);
    let expected = Expected::new(1_400_000_000, "xiaojun");
    let ours = sign(&key, &claims);

    c.bench_function(VERIFY_PYTHON, |b| {
        b.iter(|| {
            verify(
                black_box(&key),
                black_box(PYTHON_TOKEN),
                &expected,
                1_569_910_200,
            )
        })
    });
    c.bench_function(DECODE, |b| {
        b.iter(|| tim_sig::dangerous::decode_unverified(black_box(ours.expose())))
    });
}

/// One run of `node_signer.js`: microseconds per signature of the inlined official algorithm
/// and, with `TIM_BENCH_NODE_PACKAGE`, of the npm package. `None` when node cannot be run.
fn node_signer() -> Option<(f64, Option<f64>)> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/node_signer.js");
    let mut command = Command::new("node");
    command.arg(script);
    if let Some(package) = std::env::var_os("TIM_BENCH_NODE_PACKAGE") {
        command.arg(package);
    }
    let output = match command.output() {
        Ok(output) if output.status.success() => output,
        Ok(output) => {
            eprintln!(
                "node signer failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            );
            return None;
        }
        Err(e) => {
            eprintln!("node signer not run ({e}): no ratios");
            return None;
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    print!("{stdout}");
    // "<label>: 10.3 us/signature (min 10.1, max 10.6)"
    let figure = |label: &str| {
        stdout.lines().find_map(|line| {
            let rest = line.strip_prefix(label)?.strip_prefix(": ")?;
            rest.split_whitespace().next()?.parse::<f64>().ok()
        })
    };
    Some((
        figure("inlined official algorithm")?,
        figure("npm tls-sig-api-v2"),
    ))
}

/// Where criterion writes its estimates: the same rule as criterion's own.
fn criterion_dir() -> Option<PathBuf> {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return Some(home.into());
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return Some(PathBuf::from(target).join("criterion"));
    }
    let output = Command::new(std::env::var_os("CARGO")?)
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .output()
        .ok()?;
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).ok()?;
    Some(PathBuf::from(metadata["target_directory"].as_str()?).join("criterion"))
}

/// The time criterion reports for a benchmark (its slope estimate, else the mean), in µs.
fn estimate_us(dir: &std::path::Path, id: &str) -> Option<f64> {
    let text = std::fs::read_to_string(dir.join(id).join("new/estimates.json")).ok()?;
    let estimates: serde_json::Value = serde_json::from_str(&text).ok()?;
    let point = |name: &str| estimates[name]["point_estimate"].as_f64();
    Some(point("slope").or_else(|| point("mean"))? / 1_000.0)
}

fn report(node: &[(f64, Option<f64>)]) {
    let mut inlined: Vec<f64> = node.iter().map(|(inlined, _)| *inlined).collect();
    inlined.sort_by(f64::total_cmp);
    let packaged: Vec<f64> = node.iter().filter_map(|(_, package)| *package).collect();
    let (Some(&fastest), Some(dir)) = (inlined.first(), criterion_dir()) else {
        return;
    };
    let median = inlined[inlined.len() / 2];
    let list = |v: &[f64]| {
        v.iter()
            .map(|x| format!("{x:.1}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!();
    println!(
        "node signer, inlined official algorithm, this run: {} µs (fastest {fastest:.1}, median {median:.1})",
        list(&inlined)
    );
    if !packaged.is_empty() {
        println!(
            "node signer, npm tls-sig-api-v2, this run: {} µs",
            list(&packaged)
        );
    }
    println!("| operation | criterion | vs fastest node | vs median node |");
    println!("|---|---|---|---|");
    for id in [SIGN, VERIFY_OWN, VERIFY_PYTHON, DECODE] {
        if let Some(us) = estimate_us(&dir, id) {
            println!(
                "| {id} | {us:.3} µs | {:.1}× | {:.1}× |",
                fastest / us,
                median / us
            );
        }
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and then criterion runs
    // each benchmark once, as a test, and Node is not timed.
    let args: Vec<String> = std::env::args().collect();
    let timing = args.iter().any(|a| a == "--bench")
        && !args
            .iter()
            .any(|a| a == "--test" || a == "--list" || a.starts_with("--profile-time"));
    let mut node = Vec::new();
    let mut time_node = || {
        if timing && let Some(figures) = node_signer() {
            node.push(figures);
        }
    };

    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    time_node();
    sign_and_verify(&mut c);
    time_node();
    other_tokens(&mut c);
    time_node();
    c.final_summary();
    if timing {
        report(&node);
    }
}
