//! The full chaos export (`cargo bench -p tim-cli --bench chaos`, or `cargo xtask bench
//! tim-cli`): `tim contacts export` of all 1,000 demo accounts against `tim emulator serve
//! --demo` with 10 % each of drops, truncated bodies, 502s, 50004s and 60007s and latency jitter,
//! run again while accounts fail, checked against the emulator's own data. Prints the figures
//! recorded in docs/performance.md ("Chaos export").

#[path = "../tests/common/mod.rs"]
mod common;

fn main() {
    // `cargo bench` passes `--bench`; any other argument (a filter) that does not match skips.
    if std::env::args()
        .skip(1)
        .any(|a| !a.starts_with("--") && !"chaos".contains(a.as_str()))
    {
        return;
    }
    let dir = std::env::temp_dir().join(format!("tim-chaos-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let report = common::chaos::run(&dir, 1000, 0.1, 10);
    let want: usize = (1..=1000).map(tim_emulator::demo::user_list_len).sum();
    assert_eq!(report.conversations, want);
    println!(
        "chaos: {} accounts, {} conversations, exact after {} run(s); accounts failed per run {:?}; wall time per run {:?}",
        report.accounts, report.conversations, report.runs, report.failed_per_run, report.elapsed
    );
    let _ = std::fs::remove_dir_all(dir);
}
