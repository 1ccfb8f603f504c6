//! Every validation case answers its documented code, over loopback HTTP, with requests written
//! by hand and UserSigs taken verbatim from the official signers' vectors.

mod common;

use common::*;
use std::time::Duration;

use bytes::Bytes;
use tim_emulator::{Config, Emulator};

const DATA: &str = r#"{"accounts":["bob"],"sessions":{"alice":[
    {"Type":1,"To_Account":"bob","MsgTime":1569900000,"TopFlag":1},
    {"Type":2,"GroupId":"g1","MsgTime":1569900100},
    {"Type":1,"To_Account":"carol","MsgTime":1569900200,"Empty":true}]}}"#;

fn server_at(config: Config, now: u64) -> TestServer {
    let s = TestServer::start(Emulator::new(config));
    let mut c = s.conn();
    assert_eq!(c.post("/_emulator/load", DATA).status, 200);
    let r = c.post("/_emulator/clock", &format!(r#"{{"now":{now}}}"#));
    assert_eq!(r.json()["now"], now);
    s
}

fn admin_sig() -> String {
    vector("gen_sig(\"admin\", 86400)")
}

fn first_page(from: &str) -> String {
    get_list_body(from, [0; 4], 7)
}

#[test]
fn official_admin_usersig_is_accepted() {
    let s = server_at(config(), SIGNED_AT + 60);
    let mut c = s.conn();
    for sig in [
        admin_sig(),
        vector("genUserSig(\"admin\", 86400)"), // node's layout and zlib
    ] {
        let r = c.post(
            &api_target("recentcontact/get_list", "admin", &sig),
            &first_page("alice"),
        );
        assert_eq!(r.code(), 0);
        let page = r.json();
        let items = page["SessionItem"].as_array().expect("items");
        assert_eq!(items.len(), 3);
        assert_eq!(item_id(&items[0]), (1, "bob".to_owned()));
        assert_eq!(items[0]["TopFlag"], 1);
        assert_eq!(page["CompleteFlag"], 1);
        assert_eq!(page["ErrorInfo"], "");
    }
}

#[test]
fn usersig_failures_answer_their_codes() {
    let s = server_at(config(), SIGNED_AT + 60);
    let mut c = s.conn();
    let admin = admin_sig();
    let xiaojun = vector("gen_sig(\"xiaojun\", 15552000)");
    let cases: Vec<(String, &str, i64)> = vec![
        // Empty and missing.
        (
            api_target("recentcontact/get_list", "admin", ""),
            "empty",
            70_002,
        ),
        (
            format!(
                "/v4/recentcontact/get_list?sdkappid={SDKAPPID}&identifier=admin&random=1&contenttype=json"
            ),
            "missing",
            70_002,
        ),
        // Undecodable, truncated.
        (
            api_target("recentcontact/get_list", "admin", "not-a-usersig"),
            "garbage",
            70_003,
        ),
        (
            api_target("recentcontact/get_list", "admin", &admin[..admin.len() / 2]),
            "truncated",
            70_003,
        ),
        // Made for another identifier.
        (
            api_target("recentcontact/get_list", "admin", &xiaojun),
            "other id",
            70_013,
        ),
        // A userbuf (TRTC PrivateMapKey) where IM expects none.
        (
            api_target(
                "recentcontact/get_list",
                "xiaojun",
                &vector("genPrivateMapKey(\"xiaojun\", 15552000, 10000, 255)"),
            ),
            "userbuf",
            70_003,
        ),
    ];
    for (target, what, code) in cases {
        assert_eq!(c.post(&target, &first_page("alice")).code(), code, "{what}");
    }
}

#[test]
fn a_valid_usersig_of_a_non_admin_is_refused_per_api() {
    let s = server_at(config(), SIGNED_AT + 60);
    let mut c = s.conn();
    let sig = vector("gen_sig(\"xiaojun\", 15552000)");
    let r = c.post(
        &api_target("recentcontact/get_list", "xiaojun", &sig),
        &first_page("alice"),
    );
    assert_eq!(r.code(), 50_003);
    let r = c.post(
        &api_target("recentcontact/delete", "xiaojun", &sig),
        r#"{"From_Account":"alice","Type":1,"To_Account":"bob"}"#,
    );
    // delete documents the same private code as get_list (`docs/protocol/delete.md`).
    assert_eq!(r.code(), 50_003);
}

#[test]
fn expiry_is_strictly_after_time_plus_expire() {
    let body = first_page("alice");
    let target = api_target("recentcontact/get_list", "admin", &admin_sig());
    let s = server_at(config(), SIGNED_AT + 86_400);
    assert_eq!(s.conn().post(&target, &body).code(), 0);
    let s = server_at(config(), SIGNED_AT + 86_401);
    assert_eq!(s.conn().post(&target, &body).code(), 70_001);
}

#[test]
fn another_apps_key_or_sdkappid() {
    let body = first_page("alice");
    let target = api_target("recentcontact/get_list", "admin", &admin_sig());
    // Same app id, another key: the HMAC does not match.
    let mut other_key = config();
    other_key.key = "0000000000000000000000000000000000000000000000000000000000000000".into();
    let s = server_at(other_key, SIGNED_AT + 60);
    assert_eq!(s.conn().post(&target, &body).code(), 70_009);
    // An app 1400000001 with the same key receives a token made for 1400000000.
    let mut other_app = config();
    other_app.sdk_app_id = SDKAPPID + 1;
    let s = server_at(other_app, SIGNED_AT + 60);
    let target = target.replace(
        &format!("sdkappid={SDKAPPID}"),
        &format!("sdkappid={}", SDKAPPID + 1),
    );
    assert_eq!(s.conn().post(&target, &body).code(), 70_014);
}

#[test]
fn http_and_query_errors() {
    let s = server_at(config(), SIGNED_AT + 60);
    let mut c = s.conn();
    let sig = admin_sig();
    let body = first_page("alice");
    let q = |params: &str| format!("/v4/recentcontact/get_list?{params}");
    let good =
        format!("sdkappid={SDKAPPID}&identifier=admin&usersig={sig}&random=7&contenttype=json");
    let cases: Vec<(&str, String, i64)> = vec![
        ("GET", q(&good), 60_002),
        ("PUT", q(&good), 60_002),
        ("POST", format!("/v4/recentcontact/get_lis?{good}"), 60_009),
        ("POST", format!("/v4/foo/bar?{good}"), 60_009),
        ("POST", format!("/v3/recentcontact/get_list?{good}"), 60_009),
        ("POST", format!("/?{good}"), 60_009),
        (
            "POST",
            q(&good.replace(&format!("sdkappid={SDKAPPID}&"), "")),
            60_012,
        ),
        (
            "POST",
            q(&good.replace(&format!("sdkappid={SDKAPPID}"), "sdkappid=abc")),
            60_006,
        ),
        (
            "POST",
            q(&good.replace(&format!("sdkappid={SDKAPPID}"), "sdkappid=1400000009")),
            60_006,
        ),
        ("POST", q(&good.replace("&random=7", "")), 60_002),
        (
            "POST",
            q(&good.replace("random=7", "random=4294967296")),
            60_002,
        ),
        ("POST", q(&good.replace("random=7", "random=-1")), 60_002),
        ("POST", q(&good.replace("random=7", "random=x")), 60_002),
        ("POST", q(&good.replace("&contenttype=json", "")), 60_002),
        (
            "POST",
            q(&good.replace("contenttype=json", "contenttype=xml")),
            60_002,
        ),
        ("POST", q(&good.replace("identifier=admin&", "")), 60_004),
        (
            "POST",
            q(&good.replace("identifier=admin", "identifier=")),
            60_004,
        ),
    ];
    for (method, target, code) in cases {
        let r = c.request(method, &target, &[], body.as_bytes());
        assert_eq!(r.code(), code, "{method} {target}");
    }
    // The edges of `random` are accepted, and a percent-encoded identifier is decoded.
    for ok in ["random=0", "random=4294967295"] {
        let r = c.post(&q(&good.replace("random=7", ok)), &body);
        assert_eq!(r.code(), 0, "{ok}");
    }
    let r = c.post(
        &q(&good.replace("identifier=admin", "identifier=%61dmin")),
        &body,
    );
    assert_eq!(r.code(), 0);
}

#[test]
fn body_errors_of_get_list() {
    let s = server_at(config(), SIGNED_AT + 60);
    let mut c = s.conn();
    let target = api_target("recentcontact/get_list", "admin", &admin_sig());
    let cases: &[(&str, i64)] = &[
        ("", 60_003),
        ("{", 60_003),
        ("From_Account=alice", 60_003),
        ("[]", 50_002),
        ("{}", 50_002),
        (
            r#"{"TimeStamp":0,"StartIndex":0,"TopTimeStamp":0,"TopStartIndex":0,"AssistFlags":7}"#,
            50_002,
        ),
        (
            r#"{"From_Account":7,"TimeStamp":0,"StartIndex":0,"TopTimeStamp":0,"TopStartIndex":0,"AssistFlags":7}"#,
            50_002,
        ),
        (
            r#"{"From_Account":"","TimeStamp":0,"StartIndex":0,"TopTimeStamp":0,"TopStartIndex":0,"AssistFlags":7}"#,
            50_002,
        ),
        (
            r#"{"From_Account":"alice","TimeStamp":"0","StartIndex":0,"TopTimeStamp":0,"TopStartIndex":0,"AssistFlags":7}"#,
            50_002,
        ),
        (
            r#"{"From_Account":"alice","TimeStamp":0,"StartIndex":-1,"TopTimeStamp":0,"TopStartIndex":0,"AssistFlags":7}"#,
            50_002,
        ),
        (
            r#"{"From_Account":"alice","TimeStamp":0,"StartIndex":0,"TopTimeStamp":1.5,"TopStartIndex":0,"AssistFlags":7}"#,
            50_002,
        ),
        (
            r#"{"From_Account":"alice","TimeStamp":0,"StartIndex":0,"TopTimeStamp":0,"AssistFlags":7}"#,
            50_002,
        ),
        (
            r#"{"From_Account":"alice","TimeStamp":0,"StartIndex":0,"TopTimeStamp":0,"TopStartIndex":0}"#,
            50_002,
        ),
        (
            r#"{"From_Account":"alice","TimeStamp":0,"StartIndex":18446744073709551615,"TopTimeStamp":0,"TopStartIndex":0,"AssistFlags":7}"#,
            50_002,
        ),
        (
            r#"{"From_Account":"nobody","TimeStamp":0,"StartIndex":0,"TopTimeStamp":0,"TopStartIndex":0,"AssistFlags":7}"#,
            50_001,
        ),
        // An imported account without conversations is fine: one complete, empty page.
        (
            r#"{"From_Account":"bob","TimeStamp":0,"StartIndex":0,"TopTimeStamp":0,"TopStartIndex":0,"AssistFlags":7}"#,
            0,
        ),
    ];
    for (body, code) in cases {
        assert_eq!(c.post(&target, body).code(), *code, "{body}");
    }
}

#[test]
fn delete_validates_and_deletes() {
    let s = server_at(config(), SIGNED_AT + 60);
    let mut c = s.conn();
    let target = api_target("recentcontact/delete", "admin", &admin_sig());
    let cases: &[(&str, i64)] = &[
        ("nope", 60_003),
        (r#"{"Type":1,"To_Account":"bob"}"#, 50_002),
        (r#"{"From_Account":"alice","To_Account":"bob"}"#, 50_002),
        (
            r#"{"From_Account":"alice","Type":3,"To_Account":"bob"}"#,
            50_002,
        ),
        (r#"{"From_Account":"alice","Type":1}"#, 50_002),
        (
            r#"{"From_Account":"alice","Type":2,"GroupId":"g1"}"#,
            50_002,
        ),
        (
            r#"{"From_Account":"alice","Type":2,"ToGroupId":"g1"}"#,
            50_002,
        ),
        (
            r#"{"From_Account":"alice","Type":1,"To_Account":"bob","ClearRamble":2}"#,
            50_002,
        ),
        (
            r#"{"From_Account":"nobody","Type":1,"To_Account":"bob"}"#,
            50_001,
        ),
        (
            r#"{"From_Account":"alice","Type":2,"ToGroupid":"g1","ClearRamble":1}"#,
            0,
        ),
        (r#"{"From_Account":"alice","Type":1,"To_Account":"bob"}"#, 0),
        // Deleting what is not there is not an error.
        (r#"{"From_Account":"alice","Type":1,"To_Account":"bob"}"#, 0),
    ];
    for (body, code) in cases {
        assert_eq!(c.post(&target, body).code(), *code, "{body}");
    }
    let r = c.post(
        &api_target("recentcontact/get_list", "admin", &admin_sig()),
        &get_list_body("alice", [0; 4], 7),
    );
    let items = r.json()["SessionItem"].as_array().expect("items").clone();
    let ids: Vec<_> = items.iter().map(item_id).collect();
    assert_eq!(ids, vec![(1, "carol".to_owned())]);
}

#[test]
fn rate_limit_answers_60007_per_api_within_one_second() {
    // The core with explicit times: the sliding window is exact and the test has no timing.
    let mut e = Emulator::new(config());
    e.data().load_json(DATA.as_bytes()).expect("data");
    e.set_rate_limit(Some(3));
    let call = |e: &mut Emulator, millis: u64, api: &str, body: &str| {
        let now = Duration::from_millis((SIGNED_AT + 60) * 1000 + millis);
        let request = http::Request::post(api_target(api, "admin", &admin_sig()))
            .body(Bytes::from(body.to_owned()))
            .expect("request");
        let reply = e.handle(now, request);
        assert_eq!(reply.response.status(), 200);
        let v: serde_json::Value = serde_json::from_slice(reply.response.body()).expect("json");
        v["ErrorCode"].as_i64().expect("code")
    };
    let list = first_page("alice");
    let del = r#"{"From_Account":"alice","Type":1,"To_Account":"zz"}"#;
    let got: Vec<i64> = [0, 10, 20, 30, 999]
        .iter()
        .map(|&t| call(&mut e, t, "recentcontact/get_list", &list))
        .collect();
    assert_eq!(got, [0, 0, 0, 60_007, 60_007]);
    // Another API has its own window.
    assert_eq!(call(&mut e, 999, "recentcontact/delete", del), 0);
    // One second after the first call, one slot is free again.
    assert_eq!(call(&mut e, 1000, "recentcontact/get_list", &list), 0);
    assert_eq!(call(&mut e, 1001, "recentcontact/get_list", &list), 60_007);
    e.set_rate_limit(None);
    assert!((0..50).all(|_| call(&mut e, 1002, "recentcontact/get_list", &list) == 0));
}

#[test]
fn the_log_redacts_the_usersig() {
    let s = server_at(config(), SIGNED_AT + 60);
    let mut c = s.conn();
    let sig = admin_sig();
    assert_eq!(
        c.post(
            &api_target("recentcontact/get_list", "admin", &sig),
            &first_page("alice")
        )
        .code(),
        0
    );
    let log = c.get("/_emulator/log");
    let text = String::from_utf8_lossy(&log.body).into_owned();
    assert!(!text.contains(&sig), "usersig leaked into the log");
    let entries = log.json();
    let e = &entries[0];
    assert_eq!(e["path"], "/v4/recentcontact/get_list");
    assert!(e["query"].as_str().unwrap().contains("usersig=[redacted]"));
    assert_eq!(e["error_code"], 0);
    assert_eq!(e["status"], 200);
    assert!(e["body"].as_str().unwrap().contains("alice"));
    // Debug of the emulator shows neither the key nor cached tokens.
    let debug = s.with(|e| format!("{e:?}"));
    assert!(!debug.contains(KEY) && !debug.contains(&sig));
}
