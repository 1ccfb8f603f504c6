//! `cargo xtask fleet [RUNS]`: the fleet-wide rate limit, measured end to end.
//!
//! Each run starts a `redis-server` (loopback, a free port, no persistence) and one
//! `tim emulator serve --demo` (its limit at 200 calls/s per API, 20 ms of latency per answer,
//! pages of 50 so the demo's 1,000 accounts take about 2,900 calls, about 15 s at the limit), then
//! runs the same export twice: 8 `tim contacts export` processes over disjoint eighths of the
//! demo accounts sharing the quota through Redis (`--redis URL --replicas 8`), and the same 8
//! processes with only their own local limiters, for contrast. After each it reads the
//! emulator's `/_emulator/stats` and request log and prints one table row; at the end the
//! criteria of the Redis rows. Every child process is killed when the run ends, also on failure.
//!
//! The figures, from the emulator's request log (its clock, ms):
//!
//! * **sustained**: the calls answered without 60007 from the moment the last of the 8
//!   processes made its first call to the moment the first of them made its last one (the
//!   window in which all 8 were active), per second: `(calls in the window - 1) / its length`;
//! * **overall**: the same from the first call of any process to the last one;
//! * **peak**: the most requests the emulator saw in any sliding second
//!   (`peak_arrivals_per_second`, every request; `peak_per_second` counts only those it let
//!   through and so cannot exceed its limit).
//!
//! See docs/performance.md ("Fleet rate limit (Redis)").

use std::collections::HashMap;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The number of client processes.
const PROCESSES: usize = 8;
/// The demo accounts `user0001`..`user1000`.
const ACCOUNTS: usize = 1000;
/// The emulator's limit and the rate every process is configured with (`--rate`).
const RATE: u32 = 200;
/// The emulator's latency per answer.
const LATENCY: &str = "latency=20ms";
/// The get_list page size: 2,876 calls for the demo accounts.
const PAGE_SIZE: &str = "50";
/// Accounts paged at the same time in each process.
const CONCURRENCY: &str = "8";
/// The emulated app (the CLI's defaults, passed explicitly).
const SDK_APP_ID: &str = "1400000000";
const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
/// A run that takes longer than this is stopped and reported as failed.
const RUN_TIMEOUT: Duration = Duration::from_secs(240);
/// The Redis rows must reach this share of the configured rate as a sustained rate.
const SUSTAINED_GOAL: f64 = 0.97;

/// Runs `runs` measurements; fails when a step fails or a Redis row misses a criterion.
pub(crate) fn run(runs: u32) -> Result<(), String> {
    let root = crate::tidy::workspace_root();
    let tim = build_tim(&root)?;
    let redis_server = redis_server_binary().ok_or(
        "redis-server not found (apt-get install -y redis-server, or set TIM_REDIS_SERVER)",
    )?;
    let dir = TempDir::new()?;
    let parts = write_parts(&dir.0)?;
    let mut rows = Vec::new();
    for run in 1..=runs {
        let redis = Redis::start(&redis_server, &dir.0.join(format!("redis-{run}")))?;
        let emulator = Emulator::start(&tim)?;
        for shared in [true, false] {
            let row = fleet(
                &tim,
                &dir.0,
                &parts,
                &emulator,
                shared.then_some(&redis),
                run,
            )?;
            println!("{}", row.line());
            rows.push(row);
        }
    }
    println!();
    print_table(&rows);
    let mut failed = Vec::new();
    for row in rows.iter().filter(|r| r.redis) {
        failed.extend(row.misses());
    }
    if failed.is_empty() {
        println!(
            "\nfleet: every Redis run met the criteria (no 60007, at most {RATE} requests in any second, sustained ≥ {SUSTAINED_GOAL} × {RATE}/s, one reservation in Redis per call)"
        );
        Ok(())
    } else {
        Err(failed.join("; "))
    }
}

/// `cargo build --release -p tim-cli --bin tim`; the binary's path.
fn build_tim(root: &Path) -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    println!("fleet: building the release tim binary");
    let status = Command::new(cargo)
        .current_dir(root)
        .args([
            "build",
            "--release",
            "--locked",
            "-p",
            "tim-cli",
            "--bin",
            "tim",
        ])
        .status()
        .map_err(|e| format!("could not run cargo: {e}"))?;
    if !status.success() {
        return Err(format!("building tim failed ({status})"));
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let target = if target.is_absolute() {
        target
    } else {
        root.join(target)
    };
    Ok(target.join("release").join("tim"))
}

/// `redis-server` as the limiter's tests find it: `TIM_REDIS_SERVER`, the `PATH`, `/usr/bin`.
fn redis_server_binary() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("TIM_REDIS_SERVER") {
        let p = PathBuf::from(p);
        return p.is_file().then_some(p);
    }
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .chain([PathBuf::from("/usr/bin"), PathBuf::from("/usr/local/bin")])
        .map(|dir| dir.join("redis-server"))
        .find(|p| p.is_file())
}

/// A scratch directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<TempDir, String> {
        let dir = std::env::temp_dir().join(format!("tim-xtask-fleet-{}", std::process::id()));
        fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        Ok(TempDir(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// A child process killed when dropped, pass or fail.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Writes the 8 users files (contiguous eighths: `user0001`..`user0125`, ...); each file's path
/// and the accounts in it.
fn write_parts(dir: &Path) -> Result<Vec<(PathBuf, Vec<String>)>, String> {
    let per = ACCOUNTS / PROCESSES;
    (0..PROCESSES)
        .map(|i| {
            let users: Vec<String> = (i * per + 1..=(i + 1) * per)
                .map(|n| format!("user{n:04}"))
                .collect();
            let path = dir.join(format!("users-{i}.txt"));
            fs::write(&path, users.join("\n") + "\n")
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            Ok((path, users))
        })
        .collect()
}

fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

/// One `redis-server` on loopback.
struct Redis {
    port: u16,
    _child: Killed,
}

impl Redis {
    fn start(bin: &Path, dir: &Path) -> Result<Redis, String> {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let port = free_port()?;
        let child = Command::new(bin)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .args(["--loglevel", "warning"])
            .arg("--dir")
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let redis = Redis {
            port,
            _child: Killed(child),
        };
        for _ in 0..500 {
            if redis.command(&["PING"]).is_ok_and(|r| r == "PONG") {
                return Ok(redis);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Err(format!("redis-server did not answer on port {port}"))
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// One command; the simple-string or bulk-string reply.
    fn command(&self, args: &[&str]) -> Result<String, String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .map_err(|e| e.to_string())?;
        let mut request = format!("*{}\r\n", args.len());
        for a in args {
            request.push_str(&format!("${}\r\n{a}\r\n", a.len()));
        }
        stream
            .write_all(request.as_bytes())
            .map_err(|e| e.to_string())?;
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        reader.read_line(&mut line).map_err(|e| e.to_string())?;
        let line = line.trim_end();
        if let Some(simple) = line.strip_prefix('+') {
            return Ok(simple.to_owned());
        }
        let len: usize = line
            .strip_prefix('$')
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| format!("unexpected Redis reply {line:?}"))?;
        let mut body = vec![0; len];
        reader.read_exact(&mut body).map_err(|e| e.to_string())?;
        String::from_utf8(body).map_err(|e| e.to_string())
    }

    /// Reservation scripts Redis has run so far: the `calls` of `EVALSHA` and `EVAL` less their
    /// `failed_calls` (a `NOSCRIPT` answer), from `INFO commandstats`.
    fn scripts_run(&self) -> Result<u64, String> {
        let info = self.command(&["INFO", "commandstats"])?;
        let field = |line: &str, name: &str| {
            line.split([':', ','])
                .find_map(|kv| {
                    kv.strip_prefix(name)?
                        .strip_prefix('=')?
                        .parse::<u64>()
                        .ok()
                })
                .unwrap_or(0)
        };
        Ok(info
            .lines()
            .filter(|l| l.starts_with("cmdstat_evalsha:") || l.starts_with("cmdstat_eval:"))
            .map(|l| field(l, "calls").saturating_sub(field(l, "failed_calls")))
            .sum())
    }
}

/// One `tim emulator serve --demo` with its admin API.
struct Emulator {
    url: String,
    agent: ureq::Agent,
    _stdout: BufReader<ChildStdout>,
    _child: Killed,
}

impl Emulator {
    fn start(tim: &Path) -> Result<Emulator, String> {
        let mut child = clean(tim)
            .args(["--sdkappid", SDK_APP_ID, "--key", KEY])
            .args(["emulator", "serve", "--demo", "--listen", "127.0.0.1:0"])
            .args(["--page-size", PAGE_SIZE, "--rate-limit", &RATE.to_string()])
            .args(["--fault", LATENCY])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", tim.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let child = Killed(child);
        let mut stdout = BufReader::new(stdout);
        let mut line = String::new();
        stdout
            .read_line(&mut line)
            .map_err(|e| format!("reading the emulator's first line: {e}"))?;
        let url = line
            .trim_end()
            .strip_prefix("listening on ")
            .ok_or_else(|| format!("unexpected first line of the emulator: {line:?}"))?
            .to_owned();
        let agent = ureq::Agent::config_builder()
            .proxy(None)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .new_agent();
        Ok(Emulator {
            url,
            agent,
            _stdout: stdout,
            _child: child,
        })
    }

    fn get(&self, path: &str) -> Result<Value, String> {
        let url = format!("{}/_emulator/{path}", self.url);
        let text = self
            .agent
            .get(&url)
            .call()
            .and_then(|mut r| r.body_mut().with_config().limit(u64::MAX).read_to_string())
            .map_err(|e| format!("GET {url}: {e}"))?;
        serde_json::from_str(&text).map_err(|e| format!("GET {url}: {e}"))
    }

    fn reset(&self) -> Result<(), String> {
        let url = format!("{}/_emulator/reset", self.url);
        self.agent
            .post(&url)
            .send_empty()
            .map(drop)
            .map_err(|e| format!("POST {url}: {e}"))
    }
}

/// `tim` with every `TIM_*` variable of this environment removed.
fn clean(tim: &Path) -> Command {
    let mut cmd = Command::new(tim);
    for (name, _) in std::env::vars() {
        if name.starts_with("TIM_") {
            cmd.env_remove(name);
        }
    }
    cmd
}

/// `/proc/loadavg`'s three averages (empty where there is none).
fn loadavg() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// One export by the 8 processes and what the emulator saw.
#[derive(Debug)]
struct Row {
    run: u32,
    redis: bool,
    load_before: String,
    load_after: String,
    /// Requests to get_list (the emulator's `arrivals`).
    arrivals: u64,
    /// Requests it let through (`calls`).
    calls: u64,
    rate_limited: u64,
    peak_arrivals: u64,
    peak_calls: u64,
    /// From the log; `None` when the log lost entries (more than its capacity).
    sustained: Option<(f64, f64)>,
    overall: Option<(f64, f64)>,
    wall: f64,
    exported: usize,
    failed: usize,
    exits: Vec<Option<i32>>,
    /// Reservation scripts Redis ran (Redis rows only): one per call when no process fell back
    /// to its local share.
    reservations: Option<u64>,
}

impl Row {
    fn line(&self) -> String {
        format!(
            "fleet: run {} {}: {} requests, {} answered 60007, at most {} in one second, sustained {:?}, {:.1} s",
            self.run,
            if self.redis {
                "with Redis"
            } else {
                "without Redis"
            },
            self.arrivals,
            self.rate_limited,
            self.peak_arrivals,
            self.sustained.map(|(r, _)| (r * 10.0).round() / 10.0),
            self.wall
        )
    }

    /// The Redis criteria this row misses.
    fn misses(&self) -> Vec<String> {
        let name = format!("run {} with Redis", self.run);
        let mut misses = Vec::new();
        if self.rate_limited > 0 {
            misses.push(format!("{name}: {} answers 60007", self.rate_limited));
        }
        if self.peak_arrivals > u64::from(RATE) {
            misses.push(format!(
                "{name}: {} requests in one second",
                self.peak_arrivals
            ));
        }
        match self.sustained {
            Some((rate, _)) if rate >= SUSTAINED_GOAL * f64::from(RATE) => {}
            Some((rate, _)) => misses.push(format!("{name}: sustained {rate:.1}/s")),
            None => misses.push(format!("{name}: the request log was incomplete")),
        }
        if self.reservations != Some(self.arrivals) {
            misses.push(format!(
                "{name}: {:?} reservations in Redis for {} requests (a process used its fallback)",
                self.reservations, self.arrivals
            ));
        }
        if self.failed > 0 || self.exits.iter().any(|c| *c != Some(0)) {
            misses.push(format!(
                "{name}: {} accounts failed, exit codes {:?}",
                self.failed, self.exits
            ));
        }
        misses
    }
}

fn print_table(rows: &[Row]) {
    println!(
        "| run | limiter | load (1/5/15 min) before → after | requests (let through) | 60007 | most requests (let through) in any 1 s | sustained (all 8 active) | overall (first → last call) | wall | accounts failed | reservations in Redis |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        let rate = |x: Option<(f64, f64)>| match x {
            Some((rate, span)) => format!("{rate:.1}/s over {span:.2} s"),
            None => "(log incomplete)".to_owned(),
        };
        println!(
            "| {} | {} | {} → {} | {} ({}) | {} | {} ({}) | {} | {} | {:.1} s | {} of {} | {} |",
            r.run,
            if r.redis {
                "Redis, --replicas 8"
            } else {
                "8 local"
            },
            r.load_before,
            r.load_after,
            r.arrivals,
            r.calls,
            r.rate_limited,
            r.peak_arrivals,
            r.peak_calls,
            rate(r.sustained),
            rate(r.overall),
            r.wall,
            r.failed,
            r.exported + r.failed,
            r.reservations
                .map_or_else(|| "-".to_owned(), |n| n.to_string()),
        );
    }
}

/// One export by the 8 processes, with the quota shared through `redis` or not.
fn fleet(
    tim: &Path,
    dir: &Path,
    parts: &[(PathBuf, Vec<String>)],
    emulator: &Emulator,
    redis: Option<&Redis>,
    run: u32,
) -> Result<Row, String> {
    emulator.reset()?;
    let scripts_before = redis.map(Redis::scripts_run).transpose()?;
    let mode = if redis.is_some() { "redis" } else { "local" };
    let load_before = loadavg();
    let start = Instant::now();
    let mut children = Vec::new();
    let mut outs = Vec::new();
    for (i, (users, _)) in parts.iter().enumerate() {
        let out = dir.join(format!("out-{run}-{mode}-{i}.jsonl"));
        let err = fs::File::create(dir.join(format!("err-{run}-{mode}-{i}.txt")))
            .map_err(|e| format!("cannot create a stderr file: {e}"))?;
        let mut cmd = clean(tim);
        cmd.args([
            "--base-url",
            &emulator.url,
            "--sdkappid",
            SDK_APP_ID,
            "--key",
            KEY,
        ]);
        if let Some(redis) = redis {
            cmd.args([
                "--redis",
                &redis.url(),
                "--replicas",
                &PROCESSES.to_string(),
            ]);
        }
        cmd.args(["contacts", "export", "--users"])
            .arg(users)
            .arg("--out")
            .arg(&out)
            .args(["--concurrency", CONCURRENCY, "--rate", &RATE.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(err);
        let child = cmd
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", tim.display()))?;
        children.push(Killed(child));
        outs.push(out);
    }
    let mut exits: Vec<Option<ExitStatus>> = vec![None; children.len()];
    while exits.iter().any(Option::is_none) {
        if start.elapsed() > RUN_TIMEOUT {
            return Err(format!(
                "the {mode} run {run} did not finish within {RUN_TIMEOUT:?} (the processes were killed)"
            ));
        }
        for (child, exit) in children.iter_mut().zip(exits.iter_mut()) {
            if exit.is_none() {
                *exit = child.0.try_wait().map_err(|e| e.to_string())?;
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let wall = start.elapsed().as_secs_f64();
    let load_after = loadavg();
    let reservations = match (redis, scripts_before) {
        (Some(redis), Some(before)) => Some(redis.scripts_run()? - before),
        _ => None,
    };
    let stats = emulator.get("stats")?;
    let api = &stats["apis"]["recentcontact/get_list"];
    let count = |field: &str| api[field].as_u64().unwrap_or(0);
    let log = emulator.get("log")?;
    let log = log.as_array().ok_or("the log is not an array")?;
    let (exported, failed) = count_lines(&outs)?;
    let (sustained, overall) = if log.len() as u64 == count("arrivals") {
        rates(log, parts)
    } else {
        (None, None)
    };
    Ok(Row {
        run,
        redis: redis.is_some(),
        load_before,
        load_after,
        arrivals: count("arrivals"),
        calls: count("calls"),
        rate_limited: count("rate_limited"),
        peak_arrivals: count("peak_arrivals_per_second"),
        peak_calls: count("peak_per_second"),
        sustained,
        overall,
        wall,
        exported,
        failed,
        exits: exits.iter().map(|e| e.and_then(|s| s.code())).collect(),
        reservations,
    })
}

/// Accounts exported and failed in the output files.
fn count_lines(outs: &[PathBuf]) -> Result<(usize, usize), String> {
    let (mut exported, mut failed) = (0, 0);
    for out in outs {
        let text = fs::read_to_string(out).unwrap_or_default();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let v: Value = serde_json::from_str(line)
                .map_err(|e| format!("{}: a line that is not JSON: {e}", out.display()))?;
            if v.get("SessionItem").is_some() {
                exported += 1;
            } else {
                failed += 1;
            }
        }
    }
    Ok((exported, failed))
}

/// The sustained and overall rates of the calls let through, each with its span in seconds.
type Rates = (Option<(f64, f64)>, Option<(f64, f64)>);

/// The sustained rate (calls while all processes were active) and the overall rate (first to
/// last call), from the request log.
fn rates(log: &[Value], parts: &[(PathBuf, Vec<String>)]) -> Rates {
    let part_of: HashMap<&str, usize> = parts
        .iter()
        .enumerate()
        .flat_map(|(i, (_, users))| users.iter().map(move |u| (u.as_str(), i)))
        .collect();
    // (at_ms, process, let through)
    let mut entries: Vec<(u64, usize, bool)> = Vec::new();
    for entry in log {
        if entry["path"].as_str() != Some("/v4/recentcontact/get_list") {
            continue;
        }
        let Some(at) = entry["at_ms"].as_u64() else {
            continue;
        };
        let from = serde_json::from_str::<Value>(entry["body"].as_str().unwrap_or_default())
            .ok()
            .and_then(|b| {
                b["From_Account"]
                    .as_str()
                    .and_then(|a| part_of.get(a).copied())
            });
        let Some(process) = from else {
            continue;
        };
        let through = entry["error_code"].as_i64() != Some(60007);
        entries.push((at, process, through));
    }
    entries.sort_unstable();
    let mut first = vec![u64::MAX; parts.len()];
    let mut last = vec![0; parts.len()];
    for &(at, p, _) in &entries {
        first[p] = first[p].min(at);
        last[p] = last[p].max(at);
    }
    let calls: Vec<u64> = entries.iter().filter(|e| e.2).map(|e| e.0).collect();
    let rate = |from: u64, to: u64| {
        let n = calls.iter().filter(|&&t| from <= t && t <= to).count();
        (to > from && n > 1).then(|| {
            let span = (to - from) as f64 / 1000.0;
            ((n - 1) as f64 / span, span)
        })
    };
    let all_active = (first.iter().max(), last.iter().min());
    let sustained = match all_active {
        (Some(&a), Some(&b)) if a != u64::MAX => rate(a, b),
        _ => None,
    };
    let overall = match (calls.first(), calls.last()) {
        (Some(&a), Some(&b)) => rate(a, b),
        _ => None,
    };
    (sustained, overall)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(at: u64, account: &str, code: i64) -> Value {
        serde_json::json!({
            "at_ms": at,
            "path": "/v4/recentcontact/get_list",
            "body": format!("{{\"From_Account\":\"{account}\"}}"),
            "error_code": code,
        })
    }

    #[test]
    fn sustained_is_the_window_where_every_process_is_active() {
        let parts = vec![
            (PathBuf::new(), vec!["a".to_owned()]),
            (PathBuf::new(), vec!["b".to_owned()]),
        ];
        // a calls at 0..=3000 every 100 ms; b from 1000 to 2000 every 100 ms; one 60007 of b.
        let mut log: Vec<Value> = (0..=30).map(|i| entry(i * 100, "a", 0)).collect();
        log.extend((10..=20).map(|i| entry(i * 100 + 50, "b", 0)));
        log.push(entry(1_525, "b", 60007));
        let (sustained, overall) = rates(&log, &parts);
        // Window [1050, 2050]: a's 1100..=2000 (10) and b's 1050..=2050 (11) = 21 calls.
        let (rate, span) = sustained.expect("a window");
        assert!((span - 1.0).abs() < 1e-9, "{span}");
        assert!((rate - 20.0).abs() < 1e-9, "{rate}");
        // Overall: 42 calls let through over [0, 3000].
        let (rate, span) = overall.expect("calls");
        assert!((span - 3.0).abs() < 1e-9, "{span}");
        assert!((rate - 41.0 / 3.0).abs() < 1e-9, "{rate}");
    }

    #[test]
    fn parts_are_disjoint_eighths_of_the_demo_accounts() {
        let dir = TempDir::new().expect("a temp dir");
        let parts = write_parts(&dir.0).expect("written");
        assert_eq!(parts.len(), PROCESSES);
        let mut all: Vec<&String> = parts.iter().flat_map(|(_, u)| u).collect();
        assert_eq!(all.len(), ACCOUNTS);
        all.sort();
        all.dedup();
        assert_eq!(all.len(), ACCOUNTS);
        assert_eq!(parts[0].1[0], "user0001");
        assert_eq!(parts[7].1[124], "user1000");
        let text = fs::read_to_string(&parts[3].0).expect("a users file");
        assert_eq!(text.lines().count(), ACCOUNTS / PROCESSES);
    }
}
