//! The chaos export: `tim contacts export` of demo accounts against `tim emulator serve --demo`
//! with probabilistic faults of every kind at once, checked against the emulator's own data.
//! Used by `tests/contacts_cli.rs` (a bounded run) and `benches/chaos.rs` (every account).

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{serve, tim};

const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

/// Every fault kind at once, `rate` each, with latency jitter.
pub(crate) fn fault_args(rate: f64, seed: u64) -> Vec<String> {
    let mut args = vec!["--demo".into(), "--rate-limit".into(), "0".into()];
    for kind in ["drop", "truncate", "status=502", "code=50004", "code=60007"] {
        args.push("--fault".into());
        args.push(format!("{kind},rate={rate}"));
    }
    args.extend([
        "--fault".into(),
        "latency=0ms,jitter=3ms".into(),
        "--seed".into(),
        seed.to_string(),
    ]);
    args
}

/// What a chaos export did.
#[derive(Debug)]
pub(crate) struct Report {
    pub(crate) accounts: usize,
    pub(crate) conversations: usize,
    pub(crate) runs: usize,
    /// Accounts that failed (and were recorded as such) in each run.
    pub(crate) failed_per_run: Vec<usize>,
    pub(crate) elapsed: Vec<Duration>,
}

/// Exports `user0001..=user{accounts}` with `rate` of each fault, running the same command
/// again while accounts fail (at most `max_runs` times), and checks every run's exit status and
/// summary and the final file against the demo data. Panics on any discrepancy.
pub(crate) fn run(dir: &Path, accounts: u32, rate: f64, max_runs: usize) -> Report {
    let args = fault_args(rate, 7);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let emulator = serve(&args);
    let users = dir.join("users.txt");
    let names: Vec<String> = (1..=accounts).map(|n| format!("user{n:04}")).collect();
    std::fs::write(&users, names.join("\n")).expect("write users");
    let out = dir.join("chaos.jsonl");
    let _ = std::fs::remove_file(&out);
    let mut report = Report {
        accounts: names.len(),
        conversations: 0,
        runs: 0,
        failed_per_run: Vec::new(),
        elapsed: Vec::new(),
    };
    let mut done_before = 0usize;
    loop {
        assert!(
            report.runs < max_runs,
            "still failing after {max_runs} runs"
        );
        report.runs += 1;
        let mut cmd: Command = tim();
        cmd.env("TIM_BASE_URL", &emulator.url)
            .env("TIM_SDKAPPID", "1400000000")
            .env("TIM_KEY", KEY)
            .args(["contacts", "export", "--users"])
            .arg(&users)
            .arg("--out")
            .arg(&out)
            .args(["--concurrency", "16", "--rate", "0"]);
        let started = Instant::now();
        let output = cmd.output().expect("tim runs");
        report.elapsed.push(started.elapsed());
        let err = String::from_utf8_lossy(&output.stderr).into_owned();
        let text = std::fs::read_to_string(&out).expect("the export file");
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("every line is complete JSON"))
            .collect();
        assert_eq!(lines.len(), names.len(), "one line per account: {err}");
        let failed = lines
            .iter()
            .filter(|l| l.get("ErrorCode").is_some())
            .count();
        report.failed_per_run.push(failed);
        // The summary is true: what this run did, what was already there, what failed.
        let todo = names.len() - done_before;
        let summary = format!(
            "exported {} to {} ({} already there, {} failed)",
            plural(todo - failed),
            out.display(),
            done_before,
            failed
        );
        assert!(err.contains(&summary), "{summary:?} not in {err}");
        if failed == 0 {
            assert_eq!(output.status.code(), Some(0), "{err}");
            report.conversations = check(&lines);
            return report;
        }
        assert_eq!(output.status.code(), Some(3), "{err}");
        assert!(
            err.contains(&format!("{failed} of {} failed", plural(todo))),
            "{err}"
        );
        done_before = names.len() - failed;
    }
}

/// Every account once, every conversation of its demo list exactly once; returns the number
/// of conversations.
fn check(lines: &[Value]) -> usize {
    let mut seen = HashMap::new();
    let mut total = 0;
    for line in lines {
        let account = line["From_Account"].as_str().expect("account").to_owned();
        let n: u32 = account
            .trim_start_matches("user")
            .parse()
            .expect("userNNNN");
        let items = line["SessionItem"].as_array().expect("an exported list");
        let mut got: Vec<String> = items
            .iter()
            .map(|i| {
                i.get("To_Account")
                    .or_else(|| i.get("GroupId"))
                    .and_then(Value::as_str)
                    .expect("a peer")
                    .to_owned()
            })
            .collect();
        let mut want: Vec<String> = tim_emulator::demo::user(n)
            .into_iter()
            .map(|c| c.peer)
            .collect();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{account}: exactly its conversations, each once");
        total += got.len();
        assert!(
            seen.insert(account.clone(), ()).is_none(),
            "{account} repeated"
        );
    }
    total
}

/// "1 account", "2 accounts", as `tim` writes them.
fn plural(n: usize) -> String {
    if n == 1 {
        "1 account".to_owned()
    } else {
        format!("{n} accounts")
    }
}
