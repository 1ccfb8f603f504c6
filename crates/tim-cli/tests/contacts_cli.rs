//! Black-box tests of `tim contacts ...`: the built binary against a standalone emulator (itself
//! `tim emulator serve` on port 0) and with no configuration (the embedded emulator).

mod common;

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{Running, serve, tim};
use serde_json::Value;

const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

/// `tim emulator serve --demo` without a rate limit.
fn emulator(extra: &[&str]) -> Running {
    serve(&[&["--demo", "--rate-limit", "0"], extra].concat())
}

/// `tim` configured for the emulator (sdkappid and key are the emulator's defaults).
fn against(e: &Running) -> Command {
    let mut cmd = tim();
    cmd.env("TIM_BASE_URL", &e.url)
        .env("TIM_SDKAPPID", "1400000000")
        .env("TIM_KEY", KEY);
    cmd
}

fn run(mut cmd: Command, args: &[&str]) -> Output {
    cmd.args(args).output().expect("tim runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn jsonl(o: &Output) -> Vec<Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

fn peers(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| {
            i.get("To_Account")
                .or_else(|| i.get("GroupId"))
                .and_then(Value::as_str)
                .expect("a peer")
                .to_owned()
        })
        .collect()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tim-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn embedded_default_lists_a_real_page() {
    let out = run(
        tim(),
        &["contacts", "list", "--from", "alice", "--format", "json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "one line on stderr: {err}");
    assert!(err.contains("embedded emulator"), "{err}");
    let doc: Value = serde_json::from_str(&stdout(&out)).expect("one JSON document");
    assert_eq!(
        doc["SessionItem"].as_array().map(Vec::len),
        Some(100),
        "one page of 100"
    );
    assert_eq!(doc["CompleteFlag"], 0);
    assert!(doc["Cursor"].as_str().is_some_and(|c| c.starts_with("v1.")));
}

#[test]
fn all_pages_every_format_and_resume() {
    let e = emulator(&[]);
    // --all: alice's 300 conversations, each once.
    let all = jsonl(&run(
        against(&e),
        &[
            "contacts", "list", "--from", "alice", "--all", "--format", "jsonl",
        ],
    ));
    let all_peers = peers(&all);
    assert_eq!(all_peers.len(), 300);
    assert_eq!(all_peers.iter().collect::<HashSet<_>>().len(), 300);
    assert!(all.iter().all(|i| i.get("Type").is_some()
        && i.get("MsgTime").is_some()
        && i.get("TopFlag").is_some()));

    // One page as JSON, then resume with its cursor: the same list, nothing twice.
    let first = run(
        against(&e),
        &["contacts", "list", "--from", "alice", "--format", "json"],
    );
    let doc: Value = serde_json::from_str(&stdout(&first)).expect("json");
    let cursor = doc["Cursor"].as_str().expect("a cursor").to_owned();
    let mut resumed: Vec<Value> = doc["SessionItem"].as_array().cloned().expect("items");
    let rest = run(
        against(&e),
        &[
            "contacts", "list", "--from", "alice", "--cursor", &cursor, "--all", "--format",
            "jsonl",
        ],
    );
    assert!(rest.status.success(), "{}", stderr(&rest));
    resumed.extend(jsonl(&rest));
    assert_eq!(peers(&resumed), all_peers);

    // --max-pages without --all, and the table format with its resume hint.
    let table = run(
        against(&e),
        &[
            "contacts",
            "list",
            "--from",
            "alice",
            "--max-pages",
            "2",
            "--format",
            "table",
        ],
    );
    let text = stdout(&table);
    assert!(
        text.starts_with("TYPE   PINNED MSG TIME (UTC)       PEER\n"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 1 + 200 + 1);
    assert!(text.lines().last().is_some_and(|l| {
        l.starts_with("200 conversations; more remain: resume with --cursor v1.")
    }));
    // jsonl says where to resume on stderr, keeping stdout pure.
    let one = run(
        against(&e),
        &["contacts", "list", "--from", "alice", "--format", "jsonl"],
    );
    assert_eq!(jsonl(&one).len(), 100);
    assert!(stderr(&one).contains("resume with --cursor v1."));
}

#[test]
fn delete_removes_one_conversation() {
    let e = emulator(&[]);
    let out = run(
        against(&e),
        &["contacts", "delete", "--from", "alice", "--to", "user0002"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).trim(),
        "deleted the conversation with user0002 from alice's list"
    );
    let out = run(
        against(&e),
        &[
            "contacts",
            "delete",
            "--from",
            "alice",
            "--group",
            "group003",
            "--clear-history",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let left = peers(&jsonl(&run(
        against(&e),
        &[
            "contacts", "list", "--from", "alice", "--all", "--format", "jsonl",
        ],
    )));
    assert_eq!(left.len(), 298);
    assert!(!left.iter().any(|p| p == "user0002" || p == "group003"));
    // --to and --group are exclusive, and one is required.
    let out = run(against(&e), &["contacts", "delete", "--from", "alice"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn export_of_1000_accounts_interrupted_and_resumed_loses_and_repeats_nothing() {
    // 20 ms per call makes the export take seconds, so it can be interrupted part way.
    let e = emulator(&["--fault", "latency=20ms"]);
    let dir = temp_dir("export");
    let users = dir.join("users.txt");
    let accounts: Vec<String> = (1..=1000).map(|n| format!("user{n:04}")).collect();
    std::fs::write(
        &users,
        format!("# accounts\n{}\nnobody\n", accounts.join("\n")),
    )
    .expect("write users");
    let out = dir.join("out.jsonl");
    let export = |cmd: &mut Command| {
        cmd.args(["contacts", "export", "--users"])
            .arg(&users)
            .arg("--out")
            .arg(&out)
            .args(["--concurrency", "16", "--rate", "0"]);
    };

    let mut cmd = against(&e);
    export(&mut cmd);
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("export starts");
    let started = Instant::now();
    loop {
        let lines = std::fs::read_to_string(&out)
            .map(|t| t.lines().count())
            .unwrap_or(0);
        if lines >= 150 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "export made no progress"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().expect("interrupt");
    let _ = child.wait();
    // Simulate a line cut by the interruption.
    let mut text = std::fs::read_to_string(&out).expect("partial output");
    let before = text.lines().count();
    assert!(before < 1001, "interrupted before the end ({before} lines)");
    text.push_str("{\"From_Account\":\"user0");
    std::fs::write(&out, text).expect("write");

    let mut cmd = against(&e);
    export(&mut cmd);
    let second = cmd.output().expect("export runs again");
    // `nobody` fails (50001): recorded, the rest exported, exit code 3.
    assert_eq!(second.status.code(), Some(3), "{}", stderr(&second));
    assert!(stderr(&second).contains("1 of"), "{}", stderr(&second));

    let lines: Vec<Value> = std::fs::read_to_string(&out)
        .expect("output")
        .lines()
        .map(|l| serde_json::from_str(l).expect("every line is complete JSON"))
        .collect();
    assert_eq!(lines.len(), 1001);
    let mut seen = HashSet::new();
    for line in &lines {
        let account = line["From_Account"].as_str().expect("account").to_owned();
        assert!(seen.insert(account.clone()), "{account} written twice");
        if account == "nobody" {
            assert_eq!(line["ErrorCode"], 50001);
            continue;
        }
        let n: u32 = account
            .trim_start_matches("user")
            .parse()
            .expect("userNNNN");
        let items = line["SessionItem"].as_array().expect("items");
        assert_eq!(
            items.len(),
            tim_emulator::demo::user_list_len(n),
            "{account}"
        );
        assert_eq!(
            peers(items).iter().collect::<HashSet<_>>().len(),
            items.len(),
            "{account}: no duplicates"
        );
    }
    assert_eq!(seen.len(), 1001);

    // A third run finds every account final (50001 will not pass on a retry): exit 0, no change.
    let before = std::fs::read_to_string(&out).expect("output");
    let mut cmd = against(&e);
    export(&mut cmd);
    let third = cmd.output().expect("export runs a third time");
    assert_eq!(third.status.code(), Some(0), "{}", stderr(&third));
    assert!(
        stderr(&third).contains("exported 0 accounts"),
        "{}",
        stderr(&third)
    );
    assert_eq!(std::fs::read_to_string(&out).expect("output"), before);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn every_error_path_prints_one_line_and_its_exit_code() {
    let e = emulator(&[]);
    let check = |out: Output, code: i32, needle: &str| {
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(code), "{err}");
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        assert!(err.contains(needle), "{needle:?} not in {err}");
        assert!(!err.contains(KEY), "the key never appears");
    };
    // Usage: exit 2, naming what is missing.
    check(run(tim(), &["contacts", "list"]), 2, "--from <ID>");
    check(
        run(
            tim(),
            &["--region", "mars", "contacts", "list", "--from", "alice"],
        ),
        2,
        "unknown region",
    );
    check(
        run(
            tim(),
            &[
                "--base-url",
                "http://127.0.0.1:1",
                "contacts",
                "list",
                "--from",
                "alice",
            ],
        ),
        2,
        "--sdkappid",
    );
    check(
        run(
            tim(),
            &[
                "--region",
                "china",
                "--sdkappid",
                "1",
                "contacts",
                "list",
                "--from",
                "alice",
            ],
        ),
        2,
        "--key",
    );
    check(
        run(
            tim(),
            &["contacts", "list", "--from", "alice", "--cursor", "bogus"],
        ),
        2,
        "invalid cursor",
    );
    // Service: exit 3, with the code, its meaning and a hint.
    let mut wrong_key = against(&e);
    wrong_key.env("TIM_KEY", "not-the-key");
    check(
        run(wrong_key, &["contacts", "list", "--from", "alice"]),
        3,
        "service error 70009",
    );
    let mut not_admin = against(&e);
    not_admin.env("TIM_ADMIN", "alice");
    check(
        run(not_admin, &["contacts", "list", "--from", "alice"]),
        3,
        "hint: the identifier is not an App admin",
    );
    check(
        run(against(&e), &["contacts", "list", "--from", "nobody"]),
        3,
        "service error 50001",
    );
    // Transport: exit 4 (nothing listens on port 1).
    let mut refused = tim();
    refused
        .env("TIM_BASE_URL", "http://127.0.0.1:1")
        .env("TIM_SDKAPPID", "1400000000")
        .env("TIM_KEY", KEY);
    check(
        run(refused, &["contacts", "list", "--from", "alice"]),
        4,
        "connection",
    );
    // Protocol: exit 5 (the service keeps answering the same cursor).
    let stalled = emulator(&["--fault", "stall,count=100"]);
    check(
        run(against(&stalled), &["contacts", "list", "--from", "alice"]),
        5,
        "stalled",
    );
}

#[test]
fn completions_and_help_examples() {
    let out = run(tim(), &["completions", "bash"]);
    assert!(out.status.success());
    assert!(stdout(&out).contains("contacts"));
    for sub in [
        &["contacts", "list"][..],
        &["contacts", "delete"],
        &["contacts", "export"],
        &["sig", "gen"],
        &["emulator", "serve"],
    ] {
        let out = run(tim(), &[sub, &["--help"]].concat());
        assert!(out.status.success());
        assert!(
            stdout(&out).contains("Example"),
            "{sub:?} --help has an example"
        );
    }
}

#[test]
fn a_failure_mid_walk_still_prints_what_was_fetched_and_the_cursor_resumes_after_it() {
    // Seeded faults: try seeds until the first pages pass and a later one fails.
    let reference = emulator(&[]);
    let all = peers(&jsonl(&run(
        against(&reference),
        &[
            "contacts", "list", "--from", "alice", "--all", "--format", "jsonl",
        ],
    )));
    let (doc, err) = (0..20)
        .find_map(|seed| {
            let seed = seed.to_string();
            let e = emulator(&["--fault", "code=60010,rate=0.4", "--seed", &seed]);
            let out = run(
                against(&e),
                &[
                    "contacts", "list", "--from", "alice", "--all", "--format", "json",
                ],
            );
            let doc: Value = serde_json::from_str(&stdout(&out)).ok()?;
            let partial = out.status.code() == Some(3)
                && doc["SessionItem"].as_array().is_some_and(|a| !a.is_empty());
            partial.then(|| (doc, stderr(&out)))
        })
        .expect("some seed fails after the first page");
    let cursor = doc["Cursor"]
        .as_str()
        .expect("the resume cursor is printed")
        .to_owned();
    assert_eq!(doc["CompleteFlag"], 0);
    assert!(
        err.contains(&format!("resume with --cursor {cursor}")),
        "{err}"
    );
    assert!(
        err.contains("[ErrorInfo: ") && !err.contains(" (resume with"),
        "the hint is not inside ErrorInfo: {err}"
    );
    let mut seen = peers(doc["SessionItem"].as_array().expect("items"));
    let rest = run(
        against(&reference),
        &[
            "contacts", "list", "--from", "alice", "--cursor", &cursor, "--all", "--format",
            "jsonl",
        ],
    );
    seen.extend(peers(&jsonl(&rest)));
    assert_eq!(seen, all, "nothing lost, nothing repeated");
}

#[test]
fn export_refuses_to_overwrite_a_file_that_is_not_an_export() {
    let dir = temp_dir("refuse");
    let users = dir.join("users.txt");
    std::fs::write(&users, "user0001\nuser0002\n").expect("write");
    let other = dir.join("notes.txt");
    std::fs::write(&other, "my notes\n").expect("write");
    let export_to = |out: &std::path::Path| {
        let (users, out) = (users.to_str().expect("utf-8"), out.to_str().expect("utf-8"));
        run(
            tim(),
            &["contacts", "export", "--users", users, "--out", out],
        )
    };
    // The users file itself, and a file that is not an export: both refused, both untouched.
    let out = export_to(&users);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = export_to(&other);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("is not a line of a tim export"));
    assert_eq!(
        std::fs::read_to_string(&users).expect("read"),
        "user0001\nuser0002\n"
    );
    assert_eq!(std::fs::read_to_string(&other).expect("read"), "my notes\n");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn an_export_to_an_unreachable_service_stops_at_once_with_one_line_naming_the_host() {
    // A loopback port nothing listens on: every connection is refused, as with a mistyped
    // --base-url.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let host = format!("127.0.0.1:{port}");
    let dir = temp_dir("unreachable");
    let users = dir.join("users.txt");
    let accounts: Vec<String> = (1..=300).map(|n| format!("user{n:04}")).collect();
    std::fs::write(&users, accounts.join("\n")).expect("write users");
    let out = dir.join("out.jsonl");
    let export = |cmd: &mut Command| {
        cmd.args(["contacts", "export", "--users"])
            .arg(&users)
            .arg("--out")
            .arg(&out)
            .args(["--concurrency", "8"]);
    };
    let mut cmd = tim();
    cmd.env("TIM_BASE_URL", format!("http://{host}"))
        .env("TIM_SDKAPPID", "1400000000")
        .env("TIM_KEY", KEY);
    export(&mut cmd);
    let started = Instant::now();
    let output = cmd.output().expect("tim runs");
    eprintln!("unreachable export stopped after {:?}", started.elapsed());
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(4), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert_eq!(err.matches(&host).count(), 1, "the host, once: {err}");
    assert!(err.contains("cannot connect to"), "{err}");
    assert!(err.contains("run the same command again"), "{err}");
    assert!(!err.contains(KEY) && !err.contains("usersig="), "{err}");
    // No line was written for accounts that were never tried (nor 300 identical errors).
    let written = std::fs::read_to_string(&out).unwrap_or_default();
    assert_eq!(written.lines().count(), 0, "{written}");
    // Attempts are bounded by the circuit, not by the number of accounts: with --verbose, the
    // client's events show every retry scheduled (at most one per call in flight).
    let mut cmd = tim();
    cmd.env("TIM_BASE_URL", format!("http://{host}"))
        .env("TIM_SDKAPPID", "1400000000")
        .env("TIM_KEY", KEY)
        .arg("--verbose");
    export(&mut cmd);
    let verbose = cmd.output().expect("tim runs");
    assert_eq!(verbose.status.code(), Some(4));
    let log = stderr(&verbose);
    let retries = log.matches("attempt failed; retrying").count();
    let pages = log.matches("tim.page").count();
    assert!(retries <= 8, "{retries} retries scheduled:\n{log}");
    assert!(log.contains("circuit open"), "{log}");
    assert!(
        !log.contains(KEY) && !log.contains("usersig="),
        "no secret in the log"
    );
    assert!(pages > 0, "the log shows the walks");

    // Once the service is there, the same command exports every account.
    let e = emulator(&[]);
    let mut cmd = against(&e);
    export(&mut cmd);
    let again = cmd.output().expect("tim runs again");
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    let lines = std::fs::read_to_string(&out).expect("output");
    assert_eq!(lines.lines().count(), 300);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_chaos_export_is_exact_and_its_exit_status_and_summary_are_true() {
    // 10 % each of drops, truncated bodies, 502s, 50004s and 60007s, with latency jitter: a
    // few accounts may use up their retries in a run (recorded, exit 3); running again finishes
    // them; in the end every account is there once, with exactly its demo conversations.
    let dir = temp_dir("chaos");
    let report = common::chaos::run(&dir, 200, 0.1, 6);
    eprintln!("{report:?}");
    assert_eq!(report.accounts, 200);
    let want: usize = (1..=200).map(tim_emulator::demo::user_list_len).sum();
    assert_eq!(report.conversations, want);
    let _ = std::fs::remove_dir_all(dir);
}
