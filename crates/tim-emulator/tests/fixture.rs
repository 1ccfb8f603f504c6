//! The admin API as a test fixture, over HTTP: per-API call stats and peak rates (`/stats`),
//! `reset` back to the whole start-up or baseline state, strict bodies (unknown keys and wrong
//! types are a 400 naming the field), and the `/faults` body forms.

mod common;

use std::time::Instant;

use common::*;
use serde_json::{Value, json};
use tim_emulator::Emulator;

const GET_LIST: &str = "recentcontact/get_list";

fn demo() -> TestServer {
    TestServer::start(Emulator::demo(config()))
}

fn list_target(c: &mut Conn) -> String {
    let sig = c
        .post("/_emulator/usersig", r#"{"identifier":"admin"}"#)
        .json()["usersig"]
        .as_str()
        .expect("usersig")
        .to_owned();
    api_target(GET_LIST, "admin", &sig)
}

fn get_list(c: &mut Conn, target: &str) -> i64 {
    c.post(target, &get_list_body("alice", [0; 4], 7)).code()
}

fn stats_of(c: &mut Conn, api: &str) -> Value {
    let s = c.get("/_emulator/stats").json();
    s["apis"][api].clone()
}

/// A 400 whose error names `field`.
fn refused(r: &Resp, field: &str) {
    assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(&r.body));
    let error = r.json()["error"].as_str().expect("error").to_owned();
    assert!(error.contains(field), "{error:?} does not name {field:?}");
}

#[test]
fn a_burst_in_one_second_peaks_at_its_size() {
    let s = demo();
    let mut c = s.conn();
    let target = list_target(&mut c);
    const K: u64 = 12;
    let start = Instant::now();
    for _ in 0..K {
        assert_eq!(get_list(&mut c, &target), 0);
    }
    let elapsed = start.elapsed();
    let st = stats_of(&mut c, GET_LIST);
    assert_eq!(st["calls"], K, "{st}");
    assert_eq!(st["arrivals"], K, "{st}");
    assert_eq!(st["rate_limited"], 0, "{st}");
    if elapsed.as_millis() < 900 {
        assert_eq!(st["peak_per_second"], K, "{st}");
        assert_eq!(st["peak_arrivals_per_second"], K, "{st}");
    }
    let app = c.get("/_emulator/stats").json()["app"].clone();
    assert_eq!(app["calls"], K, "{app}");
    // The Rust view agrees.
    let rust = s.with(|e| e.api_stats(GET_LIST));
    assert_eq!(rust.calls, K);
    assert_eq!(s.with(|e| e.api_stats("/v4/recentcontact/get_list")), rust);
    assert_eq!(s.with(|e| e.stats().count()), 1);
}

#[test]
fn spaced_calls_peak_at_one() {
    let s = demo();
    let mut c = s.conn();
    let target = list_target(&mut c);
    for i in 0..4 {
        // Two emulated seconds between calls.
        let shift = c.post("/_emulator/clock", &format!(r#"{{"shift":{}}}"#, 2 * i));
        assert_eq!(shift.status, 200);
        assert_eq!(get_list(&mut c, &target), 0);
    }
    let st = stats_of(&mut c, GET_LIST);
    assert_eq!(st["calls"], 4, "{st}");
    assert_eq!(st["peak_per_second"], 1, "{st}");
    assert_eq!(st["peak_arrivals_per_second"], 1, "{st}");
}

#[test]
fn rate_limited_calls_count_as_arrivals_and_reset_zeroes_the_stats() {
    let s = demo();
    let mut c = s.conn();
    let target = list_target(&mut c);
    assert_eq!(
        c.post("/_emulator/config", r#"{"rate_limit":5}"#).status,
        200
    );
    let start = Instant::now();
    let codes: Vec<i64> = (0..8).map(|_| get_list(&mut c, &target)).collect();
    if start.elapsed().as_millis() < 900 {
        assert_eq!(
            codes.iter().filter(|c| **c == 60_007).count(),
            3,
            "{codes:?}"
        );
        let st = stats_of(&mut c, GET_LIST);
        assert_eq!(st["calls"], 5, "{st}");
        assert_eq!(st["rate_limited"], 3, "{st}");
        assert_eq!(st["peak_per_second"], 5, "{st}");
        assert_eq!(st["peak_arrivals_per_second"], 8, "{st}");
    }
    assert_eq!(c.post("/_emulator/reset", "").status, 200);
    let after = c.get("/_emulator/stats").json();
    assert_eq!(after["apis"], json!({}), "{after}");
    assert_eq!(after["app"]["peak_per_second"], 0, "{after}");
    assert_eq!(after["app"]["calls"], 0, "{after}");
    // Reset also restored the start-up rate limit (off in these tests): 8 calls all pass.
    for _ in 0..8 {
        assert_eq!(get_list(&mut c, &target), 0);
    }
    assert_eq!(stats_of(&mut c, GET_LIST)["rate_limited"], 0);
}

#[test]
fn reset_restores_every_setting_and_the_baseline_captures_them() {
    let s = demo();
    let mut c = s.conn();
    let initial = c.get("/_emulator/config").json();
    let changed = c.post(
        "/_emulator/config",
        r#"{"page_size":3,"rate_limit":7,"edition":"developer","contact_limit":2,
            "contact_limit_scope":"per_group","contact_page_size":4}"#,
    );
    assert_eq!(changed.status, 200);
    assert_ne!(c.get("/_emulator/config").json(), initial);
    assert_eq!(
        c.post("/_emulator/faults", "code=70001,count=5").status,
        200
    );
    assert_eq!(c.post("/_emulator/faults", "latency=1ms").status, 200);
    assert_eq!(c.post("/_emulator/clock", r#"{"shift":100}"#).status, 200);
    let target = list_target(&mut c);
    let _ = c.post(&target, &get_list_body("alice", [0; 4], 7));
    let msg = r#"{"From_Account":"alice","Type":1,"To_Account":"zz-new"}"#;
    assert_eq!(c.post("/_emulator/message", msg).status, 200);

    assert_eq!(c.post("/_emulator/reset", "").status, 200);
    assert_eq!(c.get("/_emulator/config").json(), initial);
    assert_eq!(
        c.get("/_emulator/faults").json(),
        json!({"pending": [], "rates": []})
    );
    assert_eq!(c.get("/_emulator/clock").json()["shift"], 0);
    assert_eq!(c.get("/_emulator/log").json(), json!([]));
    assert_eq!(c.get("/_emulator/stats").json()["apis"], json!({}));
    let data = c.get("/_emulator/data?account=alice").json();
    assert!(!data.to_string().contains("zz-new"));

    // A baseline captures the settings (and faults) beside the data.
    assert_eq!(
        c.post("/_emulator/config", r#"{"page_size":7}"#).status,
        200
    );
    assert_eq!(
        c.post("/_emulator/faults", "code=70001,count=2").status,
        200
    );
    assert_eq!(c.post("/_emulator/baseline", "").status, 200);
    assert_eq!(
        c.post("/_emulator/config", r#"{"page_size":9,"edition":"pro"}"#)
            .status,
        200
    );
    assert_eq!(c.post("/_emulator/faults/clear", "").status, 200);
    assert_eq!(c.post("/_emulator/reset", "").status, 200);
    let config = c.get("/_emulator/config").json();
    assert_eq!(config["page_size"], 7, "{config}");
    assert_eq!(config["edition"], initial["edition"], "{config}");
    let faults = c.get("/_emulator/faults").json();
    assert_eq!(faults["pending"][0]["fault"], "code=70001", "{faults}");
    assert_eq!(faults["pending"][0]["remaining"], 2, "{faults}");
}

#[test]
fn admin_bodies_refuse_unknown_keys_and_wrong_types_naming_the_field() {
    let s = demo();
    let mut c = s.conn();
    // The typo no longer signs for administrator.
    refused(
        &c.post("/_emulator/usersig", r#"{"identifer":"bob"}"#),
        "identifer",
    );
    refused(
        &c.post("/_emulator/usersig", r#"{"identifier":5}"#),
        "identifier",
    );
    refused(
        &c.post("/_emulator/usersig", r#"{"expire":"1d"}"#),
        "expire",
    );
    refused(&c.post("/_emulator/usersig", r#"["bob"]"#), "object");
    refused(
        &c.post("/_emulator/config", r#"{"page_sise":3}"#),
        "page_sise",
    );
    refused(
        &c.post("/_emulator/config", r#"{"rate_limit":"10"}"#),
        "rate_limit",
    );
    refused(
        &c.post("/_emulator/config", r#"{"edition":"gold"}"#),
        "edition",
    );
    refused(&c.post("/_emulator/load", r#"{"sesions":{}}"#), "sesions");
    let msg =
        |extra: &str| format!(r#"{{"From_Account":"alice","Type":1,"To_Account":"bob"{extra}}}"#);
    refused(
        &c.post("/_emulator/message", &msg(r#","MsgTme":5"#)),
        "MsgTme",
    );
    refused(
        &c.post("/_emulator/message", &msg(r#","MsgTime":"5""#)),
        "MsgTime",
    );
    refused(
        &c.post("/_emulator/message", &msg(r#","GroupId":"g""#)),
        "GroupId",
    );
    for path in ["/_emulator/pin", "/_emulator/unpin", "/_emulator/delete"] {
        refused(&c.post(path, &msg(r#","MsgTime":5"#)), "MsgTime");
        refused(
            &c.post(
                path,
                r#"{"From_Account":"alice","Type":"1","To_Account":"bob"}"#,
            ),
            "Type",
        );
        refused(
            &c.post(path, r#"{"From_Account":7,"Type":1,"To_Account":"bob"}"#),
            "From_Account",
        );
    }
    refused(&c.post("/_emulator/clock", r#"{"nw":5}"#), "nw");
    refused(&c.post("/_emulator/clock", r#"{"now":"5"}"#), "now");
    refused(&c.post("/_emulator/clock", r#"{"shift":1.5}"#), "shift");
    refused(&c.post("/_emulator/faults", r#"{"spec":"drop"}"#), "spec");
    refused(&c.post("/_emulator/faults", r#"["drop",3]"#), "[1]");
    refused(&c.post("/_emulator/faults", "boom,count=1"), "boom");
    refused(&c.post("/_emulator/faults", r#""status=5""#), "status=5");
    refused(
        &c.post("/_emulator/faults", r#"["drop","code=x"]"#),
        "code=x",
    );
    // Nothing of a refused batch was added; nothing else changed.
    assert_eq!(
        c.get("/_emulator/faults").json(),
        json!({"pending": [], "rates": []})
    );
    assert_eq!(c.get("/_emulator/config").json()["page_size"], 100);
}

#[test]
fn faults_take_a_raw_spec_a_json_string_or_an_array() {
    let s = demo();
    let mut c = s.conn();
    assert_eq!(
        c.post("/_emulator/faults", "status=502,count=1").status,
        200
    );
    assert_eq!(
        c.post("/_emulator/faults", r#""code=70001,count=2""#)
            .status,
        200
    );
    assert_eq!(
        c.post("/_emulator/faults", r#"["drop,count=3","empty"]"#)
            .status,
        200
    );
    assert_eq!(
        c.post("/_emulator/faults", "truncate\nstall,count=2\n")
            .status,
        200
    );
    let pending: Vec<(String, u64)> = c.get("/_emulator/faults").json()["pending"]
        .as_array()
        .expect("pending")
        .iter()
        .map(|p| {
            (
                p["fault"].as_str().expect("fault").to_owned(),
                p["remaining"].as_u64().expect("remaining"),
            )
        })
        .collect();
    let want = [
        ("status=502", 1),
        ("code=70001", 2),
        ("drop", 3),
        ("empty", 1),
        ("truncate", 1),
        ("stall", 2),
    ]
    .map(|(f, n)| (f.to_owned(), n));
    assert_eq!(pending, want);
    // The raw spec answers the next call.
    let target = list_target(&mut c);
    let r = c.post(&target, &get_list_body("alice", [0; 4], 7));
    assert_eq!(r.status, 502);
    refused(&c.post("/_emulator/faults", ""), "fault spec");
}
