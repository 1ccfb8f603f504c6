//! `tim conformance client` end to end: `tim` itself scores full marks, deliberately bad clients
//! fail the scenarios they should, and the Python example client scores full marks.
#![cfg(unix)] // the clients are run through `sh`

mod common;

use std::path::PathBuf;
use std::process::Output;

use serde_json::Value;

use common::tim;

fn tim_path() -> &'static str {
    env!("CARGO_BIN_EXE_tim")
}

/// `tim conformance client --format json ARGS... -- sh -c SCRIPT TIM`: in the script, `$0` is the
/// built `tim` and `$TIM_ACCOUNT` the account to list.
fn conformance(args: &[&str], script: &str) -> (Output, Value) {
    let out = tim()
        .args(["conformance", "client", "--format", "json"])
        .args(args)
        .args(["--", "sh", "-c", script, tim_path()])
        .output()
        .expect("tim runs");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not a JSON scorecard ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out, doc)
}

fn scenario<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["scenarios"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["name"] == name))
        .unwrap_or_else(|| panic!("no scenario {name} in {doc:#}"))
}

fn assert_full_marks(out: &Output, doc: &Value) {
    let failed: Vec<String> = doc["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .filter(|s| s["pass"] != true)
        .map(|s| format!("{}: {}", s["name"], s["reason"]))
        .collect();
    assert!(
        failed.is_empty(),
        "failed scenarios:\n{}",
        failed.join("\n")
    );
    assert_eq!(doc["passed"], 12, "{doc:#}");
    assert_eq!(doc["pass"], true);
    assert!(out.status.success(), "{:?}", out.status);
}

const TIM_CLIENT: &str = r#"exec "$0" contacts list --from "$TIM_ACCOUNT" --all --format jsonl"#;

#[test]
fn tim_scores_full_marks() {
    let (out, doc) = conformance(&[], TIM_CLIENT);
    assert_full_marks(&out, &doc);
    // The recoverable scenarios printed the ten conversations, the hopeless ones gave up.
    assert_eq!(scenario(&doc, "clean-walk")["printed"], 10);
    assert_eq!(scenario(&doc, "clean-walk")["requests"], 3);
    assert_eq!(scenario(&doc, "http-502")["requests"], 5);
    assert_eq!(scenario(&doc, "endless-502")["exit_status"], 4);
    assert_eq!(scenario(&doc, "stalled-cursor")["exit_status"], 5);
    assert_eq!(scenario(&doc, "permanent-error")["exit_status"], 3);
}

#[test]
fn bad_clients_fail_the_scenarios_they_should() {
    // Stops after the first page (no --all): loses conversations, and claims success when the
    // list cannot be fetched.
    let (out, doc) = conformance(
        &["--scenario", "clean-walk", "--scenario", "stalled-cursor"],
        r#"exec "$0" contacts list --from "$TIM_ACCOUNT" --format jsonl"#,
    );
    assert_eq!(out.status.code(), Some(1), "{doc:#}");
    assert_eq!(doc["failed"], 2);
    let reason = scenario(&doc, "clean-walk")["reason"]
        .as_str()
        .expect("reason");
    assert!(reason.starts_with("lost 6 of 10 conversations"), "{reason}");
    let reason = scenario(&doc, "stalled-cursor")["reason"]
        .as_str()
        .expect("reason");
    assert!(reason.starts_with("exited 0 although"), "{reason}");

    // Walks twice: repeats every conversation, and asks again after the end.
    let (_, doc) = conformance(
        &["--scenario", "clean-walk"],
        &format!("{TIM_CLIENT}; {TIM_CLIENT}").replace("exec ", ""),
    );
    let failures = scenario(&doc, "clean-walk")["failures"].to_string();
    assert!(
        failures.contains("request 4 came after request 3 was answered CompleteFlag 1"),
        "{failures}"
    );
    assert!(
        failures.contains("printed conversations more than once"),
        "{failures}"
    );

    // Starts over from the first page after giving up: a new cursor after a failure.
    let (_, doc) = conformance(
        &["--scenario", "endless-502"],
        &format!("{TIM_CLIENT} || {TIM_CLIENT}").replace("exec ", ""),
    );
    let reason = scenario(&doc, "endless-502")["reason"]
        .as_str()
        .expect("reason");
    assert!(
        reason.contains(
            "sent the cursor v1.0.0.0.0 but request 6 failed (HTTP 502): re-send its cursor"
        ),
        "{reason}"
    );

    // Uses one fixed UserSig instead of signing from TIM_KEY: cannot renew it after 70001.
    let (_, doc) = conformance(
        &["--scenario", "usersig-expiry"],
        &format!(
            r#"export TIM_USERSIG="$("$0" sig gen --identifier "$TIM_ADMIN")"; unset TIM_KEY; {TIM_CLIENT}"#
        ),
    );
    let s = scenario(&doc, "usersig-expiry");
    assert_eq!(s["pass"], false, "{s:#}");
    let failures = s["failures"].to_string();
    assert!(
        failures.contains("lost 6 of 10 conversations"),
        "{failures}"
    );

    // Ignores TIM_TIMEOUT_MS (tim's own default is 30 s): still waiting when the time is up.
    let (_, doc) = conformance(
        &["--scenario", "slow-reply", "--timeout", "4"],
        &format!("unset TIM_TIMEOUT_MS; {TIM_CLIENT}"),
    );
    let s = scenario(&doc, "slow-reply");
    assert_eq!(s["timed_out"], true, "{s:#}");
    assert!(
        s["reason"]
            .as_str()
            .expect("reason")
            .starts_with("did not end within 4 s"),
        "{s:#}"
    );
}

#[test]
fn the_scenarios_are_listed_and_unknown_ones_refused() {
    let out = tim()
        .args(["conformance", "client", "--list", "--format", "json"])
        .output()
        .expect("tim runs");
    assert!(out.status.success());
    let list: Value = serde_json::from_slice(&out.stdout).expect("json");
    let names: Vec<&str> = list
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(names.len(), 12);
    assert!(
        names.contains(&"usersig-expiry") && names.contains(&"unknown-fields"),
        "{names:?}"
    );
    let out = tim()
        .args(["conformance", "client", "--scenario", "nope", "--", "true"])
        .output()
        .expect("tim runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no scenario \"nope\"; there are: clean-walk"),
        "{err}"
    );
}

/// `python3`, or `None` after saying loudly that the test is skipped (a failure under CI=true).
fn python3() -> Option<&'static str> {
    let found = std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return Some("python3");
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "python3 is missing, and CI=true: the Python example client must be tested in CI"
    );
    eprintln!("SKIPPED: python3 is not on PATH, so the Python example client was not tested");
    None
}

#[test]
fn the_python_example_client_scores_full_marks() {
    let Some(python) = python3() else { return };
    let client = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/conformance/python/tim_client.py");
    let out = tim()
        .args(["conformance", "client", "--format", "json", "--"])
        .arg(python)
        .arg(&client)
        .output()
        .expect("tim runs");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not a JSON scorecard ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    assert_full_marks(&out, &doc);
}
