//! Several apps in one emulator, through the loopback server: each app has its own key, data,
//! settings, faults, log and stats; the admin API addresses them with `?sdkappid=`; a data file
//! addresses them with `"apps"`; the state of every app round-trips.

mod common;

use common::{Conn, KEY, SDKAPPID, TestServer, config, get_list_body};
use serde_json::{Value, json};
use tim_emulator::{Config, Emulator};

const B: u64 = 1_400_000_001;
const B_KEY: &str = "the-key-of-app-b";

fn two_apps() -> Emulator {
    let mut e = Emulator::new(config());
    let mut b = Config::new(B, B_KEY);
    b.admins = vec!["admin".to_owned()];
    b.rate_limit = None;
    e.add_app(b).expect("a second app");
    e.load_json(
        br#"{"sessions":{"alice":[{"Type":1,"To_Account":"bob","MsgTime":10},
                                  {"Type":1,"To_Account":"carol","MsgTime":20}]},
             "apps":{"1400000001":{"sessions":{"zed":[{"Type":2,"GroupId":"g1","MsgTime":5}]}}}}"#,
    )
    .expect("data of both apps");
    e.set_baseline();
    e
}

/// A UserSig of `admin` from the app's own `/usersig` (signed with that app's key).
fn sig(c: &mut Conn, app: u64) -> String {
    let r = c.post(
        &format!("/_emulator/usersig?sdkappid={app}"),
        r#"{"identifier":"admin"}"#,
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    r.json()["usersig"].as_str().expect("usersig").to_owned()
}

fn target(api: &str, app: u64, usersig: &str) -> String {
    format!(
        "/v4/recentcontact/{api}?sdkappid={app}&identifier=admin&usersig={usersig}&random=7&contenttype=json"
    )
}

fn page(c: &mut Conn, app: u64, usersig: &str, from: &str) -> Value {
    c.post(
        &target("get_list", app, usersig),
        &get_list_body(from, [0; 4], 7),
    )
    .json()
}

#[test]
fn two_apps_see_only_their_own_data_keys_faults_logs_and_limits() {
    let server = TestServer::start(two_apps());
    let mut c = server.conn();
    let (sig_a, sig_b) = (sig(&mut c, SDKAPPID), sig(&mut c, B));

    // Data: each app lists its own accounts only.
    let a = page(&mut c, SDKAPPID, &sig_a, "alice");
    assert_eq!(a["ErrorCode"], 0, "{a}");
    assert_eq!(a["SessionItem"].as_array().map(Vec::len), Some(2));
    let b = page(&mut c, B, &sig_b, "zed");
    assert_eq!(b["ErrorCode"], 0, "{b}");
    assert_eq!(b["SessionItem"][0]["GroupId"], "g1");
    assert_eq!(page(&mut c, B, &sig_b, "alice")["ErrorCode"], 50_001);
    assert_eq!(page(&mut c, SDKAPPID, &sig_a, "zed")["ErrorCode"], 50_001);

    // Keys: a UserSig of app A is refused by app B, whichever sdkappid the URL names.
    assert_eq!(page(&mut c, B, &sig_a, "zed")["ErrorCode"], 70_014);
    // An unknown SDKAppID answers as before (60006), logged by the default app.
    assert_eq!(
        page(&mut c, 1_400_000_999, &sig_a, "alice")["ErrorCode"],
        60_006
    );

    // Faults: a fault scripted on B hits B's next call only.
    let r = c.post(
        &format!("/_emulator/faults?sdkappid={B}"),
        r#"["code=70001,count=1"]"#,
    );
    assert_eq!(r.status, 200);
    assert_eq!(page(&mut c, SDKAPPID, &sig_a, "alice")["ErrorCode"], 0);
    assert_eq!(page(&mut c, B, &sig_b, "zed")["ErrorCode"], 70_001);
    assert_eq!(page(&mut c, B, &sig_b, "zed")["ErrorCode"], 0);
    assert_eq!(c.get("/_emulator/faults").json()["pending"], json!([]));

    // Limits: B's page size changes, A's does not.
    let r = c.post(
        &format!("/_emulator/config?sdkappid={B}"),
        r#"{"page_size":1}"#,
    );
    assert_eq!(r.json()["sdkappid"], B);
    assert_eq!(r.json()["page_size"], 1);
    assert_eq!(c.get("/_emulator/config").json()["page_size"], 100);
    assert_eq!(
        page(&mut c, SDKAPPID, &sig_a, "alice")["SessionItem"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    let one = c
        .post(
            &format!("/_emulator/load?sdkappid={B}"),
            r#"{"sessions":{"zed":[{"Type":2,"GroupId":"g1","MsgTime":5},{"Type":2,"GroupId":"g2","MsgTime":6}]}}"#,
        )
        .json();
    assert_eq!(one["ok"], true, "{one}");
    let b = page(&mut c, B, &sig_b, "zed");
    assert_eq!(b["SessionItem"].as_array().map(Vec::len), Some(1), "{b}");
    assert_eq!(b["CompleteFlag"], 0);

    // Logs: each app logs its own calls; the unknown-sdkappid call went to the default app.
    let log_a = c.get("/_emulator/log").json();
    let log_b = c.get(&format!("/_emulator/log?sdkappid={B}")).json();
    let apps_of = |log: &Value| -> Vec<String> {
        log.as_array()
            .expect("log")
            .iter()
            .map(|e| {
                let q = e["query"].as_str().expect("query");
                q.split('&')
                    .find_map(|p| p.strip_prefix("sdkappid="))
                    .expect("sdkappid")
                    .to_owned()
            })
            .collect()
    };
    assert_eq!(
        apps_of(&log_a),
        [
            "1400000000",
            "1400000000",
            "1400000999",
            "1400000000",
            "1400000000"
        ]
    );
    assert!(apps_of(&log_b).iter().all(|a| a == "1400000001"));
    assert_eq!(log_b.as_array().map(Vec::len), Some(6));
    // Stats are per app too.
    let stats_b = c.get(&format!("/_emulator/stats?sdkappid={B}")).json();
    assert_eq!(stats_b["sdkappid"], B);
    assert_eq!(stats_b["app"]["arrivals"], 6);

    // The apps list names both, never a key.
    let apps = c.get("/_emulator/apps");
    assert!(!String::from_utf8_lossy(&apps.body).contains(B_KEY));
    assert!(!String::from_utf8_lossy(&apps.body).contains(KEY));
    assert_eq!(apps.json()["apps"][0]["sdkappid"], SDKAPPID);
    assert_eq!(apps.json()["apps"][0]["default"], true);
    assert_eq!(apps.json()["apps"][1]["sdkappid"], B);
    assert_eq!(apps.json()["apps"][1]["default"], false);
}

#[test]
fn reset_returns_one_app_or_all_to_the_baseline() {
    let server = TestServer::start(two_apps());
    let mut c = server.conn();
    let (sig_a, sig_b) = (sig(&mut c, SDKAPPID), sig(&mut c, B));
    let before_a = c
        .get(&format!("/_emulator/data?sdkappid={SDKAPPID}"))
        .json();
    let before_b = c.get(&format!("/_emulator/data?sdkappid={B}")).json();
    let change = |c: &mut Conn, app: u64, account: &str| {
        let r = c.post(
            &format!("/_emulator/message?sdkappid={app}"),
            &format!(r#"{{"From_Account":"{account}","Type":1,"To_Account":"new","MsgTime":99}}"#),
        );
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        assert_eq!(
            c.post(
                &format!("/_emulator/config?sdkappid={app}"),
                r#"{"edition":"pro"}"#
            )
            .status,
            200
        );
        assert_eq!(
            c.post(
                &format!("/_emulator/faults?sdkappid={app}"),
                "code=60008,count=5"
            )
            .status,
            200
        );
        assert_eq!(
            c.post(
                &format!("/_emulator/clock?sdkappid={app}"),
                r#"{"shift":60}"#
            )
            .status,
            200
        );
    };
    change(&mut c, SDKAPPID, "alice");
    change(&mut c, B, "zed");
    let _ = page(&mut c, SDKAPPID, &sig_a, "alice");

    // Reset B alone: B is back, A keeps its changes.
    assert_eq!(
        c.post(&format!("/_emulator/reset?sdkappid={B}"), "").json(),
        json!({"ok": true})
    );
    assert_eq!(
        c.get(&format!("/_emulator/data?sdkappid={B}")).json(),
        before_b
    );
    let cfg_b = c.get(&format!("/_emulator/config?sdkappid={B}")).json();
    assert_eq!(cfg_b["edition"], "enterprise");
    assert_eq!(
        c.get(&format!("/_emulator/faults?sdkappid={B}")).json()["pending"],
        json!([])
    );
    assert_eq!(
        c.get(&format!("/_emulator/clock?sdkappid={B}")).json()["shift"],
        0
    );
    assert_eq!(page(&mut c, B, &sig_b, "zed")["ErrorCode"], 0);
    assert_ne!(
        c.get(&format!("/_emulator/data?sdkappid={SDKAPPID}"))
            .json(),
        before_a
    );
    assert_eq!(c.get("/_emulator/config").json()["edition"], "pro");
    assert_eq!(c.get("/_emulator/clock").json()["shift"], 60);
    assert_eq!(
        c.get("/_emulator/faults").json()["pending"][0]["remaining"],
        4,
        "the get_list call above took one"
    );
    assert_eq!(
        c.get("/_emulator/log").json().as_array().map(Vec::len),
        Some(1)
    );

    // Reset without sdkappid: every app.
    change(&mut c, B, "zed");
    assert_eq!(c.post("/_emulator/reset", "").json(), json!({"ok": true}));
    assert_eq!(
        c.get(&format!("/_emulator/data?sdkappid={SDKAPPID}"))
            .json(),
        before_a
    );
    assert_eq!(
        c.get(&format!("/_emulator/data?sdkappid={B}")).json(),
        before_b
    );
    assert_eq!(c.get("/_emulator/config").json()["edition"], "enterprise");
    assert_eq!(c.get("/_emulator/log").json(), json!([]));
    assert_eq!(page(&mut c, SDKAPPID, &sig_a, "alice")["ErrorCode"], 0);

    // A baseline of one app: reset returns B to it, A to its own.
    change(&mut c, B, "zed");
    assert_eq!(
        c.post(&format!("/_emulator/baseline?sdkappid={B}"), "")
            .status,
        200
    );
    let based_b = c.get(&format!("/_emulator/data?sdkappid={B}")).json();
    assert_ne!(based_b, before_b);
    change(&mut c, SDKAPPID, "alice");
    assert_eq!(c.post("/_emulator/reset", "").status, 200);
    assert_eq!(
        c.get(&format!("/_emulator/data?sdkappid={B}")).json(),
        based_b
    );
    assert_eq!(
        c.get(&format!("/_emulator/config?sdkappid={B}")).json()["edition"],
        "pro"
    );
    assert_eq!(
        c.get(&format!("/_emulator/data?sdkappid={SDKAPPID}"))
            .json(),
        before_a
    );
}

#[test]
fn the_admin_api_refuses_unknown_apps_and_query_parameters_naming_them() {
    let server = TestServer::start(two_apps());
    let mut c = server.conn();
    let r = c.get("/_emulator/log?sdkappid=1400000999");
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"], "no app with sdkappid 1400000999");
    let r = c.get("/_emulator/config?sdkappid=abc");
    assert_eq!(r.status, 400);
    assert!(
        r.json()["error"]
            .as_str()
            .expect("error")
            .contains("sdkappid"),
        "{}",
        r.json()
    );
    let r = c.post("/_emulator/reset?sdkapid=1400000001", "");
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["error"],
        "unknown query parameter \"sdkapid\" (expected one of: sdkappid)"
    );
    let r = c.get("/_emulator/data?acount=alice");
    assert_eq!(r.status, 400);
    assert!(
        r.json()["error"]
            .as_str()
            .expect("error")
            .contains("\"acount\"")
    );
    // Body checks hold on a selected app as on the default one.
    let r = c.post(
        &format!("/_emulator/config?sdkappid={B}"),
        r#"{"page_sise":3}"#,
    );
    assert_eq!(r.status, 400);
    assert!(
        r.json()["error"]
            .as_str()
            .expect("error")
            .contains("\"page_sise\"")
    );
    let r = c.post(
        &format!("/_emulator/config?sdkappid={B}"),
        r#"{"page_size":"3"}"#,
    );
    assert_eq!(r.status, 400);
    assert!(
        r.json()["error"]
            .as_str()
            .expect("error")
            .contains("page_size")
    );
    // A data file section for an app the emulator does not have: 400, and nothing changes.
    let before = c.get("/_emulator/data").json();
    let r = c.post(
        "/_emulator/load",
        r#"{"sessions":{"x":[]},"apps":{"1400000777":{"accounts":["y"]}}}"#,
    );
    assert_eq!(r.status, 400);
    assert!(
        r.json()["error"]
            .as_str()
            .expect("error")
            .contains("1400000777")
    );
    let r = c.post(
        "/_emulator/load",
        r#"{"accounts":["x"],"apps":{"1400000001":{"sessions":{"zed":[{"Type":3}]}}}}"#,
    );
    assert_eq!(r.status, 400);
    assert!(
        r.json()["error"]
            .as_str()
            .expect("error")
            .starts_with("apps[\"1400000001\"]"),
        "{}",
        r.json()
    );
    assert_eq!(c.get("/_emulator/data").json(), before);
    // The whole export has the other app under "apps", and loads back.
    assert!(
        before["apps"]["1400000001"]["sessions"]["zed"].is_array(),
        "{before}"
    );
    let r = c.post("/_emulator/load", &before.to_string());
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(c.get("/_emulator/data").json(), before);
    // Saving needs a state file.
    let r = c.post("/_emulator/save", "");
    assert_eq!(r.status, 409);
    // The endpoints that take no fields refuse one, naming it; `{}` is fine.
    for route in ["save", "reset", "baseline", "faults/clear", "log/clear"] {
        let r = c.post(&format!("/_emulator/{route}"), r#"{"all":true}"#);
        assert_eq!(r.status, 400, "{route}");
        assert_eq!(
            r.json()["error"],
            "unknown field \"all\" (this endpoint takes no fields)",
            "{route}"
        );
    }
    assert_eq!(c.post("/_emulator/reset", "{}").status, 200);
}

#[test]
fn the_state_of_every_app_round_trips_with_groups_and_marks() {
    let server = TestServer::start(two_apps());
    let mut c = server.conn();
    let sig_b = sig(&mut c, B);
    // Groups and marks on app B.
    let created = c
        .post(
            &target("create_contact_group", B, &sig_b),
            r#"{"From_Account":"zed","GroupContactItem":[{"GroupName":"work","ContactItem":[{"Type":2,"ToGroupId":"g1"}]}]}"#,
        )
        .json();
    assert_eq!(created["ErrorCode"], 0, "{created}");
    let marked = c
        .post(
            &target("mark_contact", B, &sig_b),
            r#"{"From_Account":"zed","MarkItem":[{"OptType":3,"ContactItem":{"Type":2,"ToGroupId":"g1"},"SetMark":[1],"CustomMark":"vip"}]}"#,
        )
        .json();
    assert_eq!(marked["ErrorCode"], 0, "{marked}");
    assert_eq!(
        c.post(
            &format!("/_emulator/config?sdkappid={B}"),
            r#"{"page_size":7,"rate_limit":5,"contact_limit_scope":"per_group"}"#
        )
        .status,
        200
    );
    let state = c.get("/_emulator/state");
    assert_eq!(state.status, 200);
    assert!(!String::from_utf8_lossy(&state.body).contains(B_KEY));
    let data_b = c.get(&format!("/_emulator/data?sdkappid={B}")).json();
    assert_eq!(data_b["contact_groups"]["zed"][0]["GroupName"], "work");
    let config_b = c.get(&format!("/_emulator/config?sdkappid={B}")).json();

    // A fresh emulator with the same apps (keys declared again) restores it.
    let mut fresh = Emulator::new(config());
    let mut b = Config::new(B, B_KEY);
    b.admins = vec!["admin".to_owned()];
    fresh.add_app(b).expect("app b");
    fresh.restore_state_json(&state.body).expect("restored");
    let restored = TestServer::start(fresh);
    let mut c2 = restored.conn();
    assert_eq!(
        c2.get(&format!("/_emulator/data?sdkappid={B}")).json(),
        data_b
    );
    assert_eq!(
        c2.get(&format!("/_emulator/config?sdkappid={B}")).json(),
        config_b
    );
    let sig_b = sig(&mut c2, B);
    let found = c2
        .post(
            &target("search_contact_group", B, &sig_b),
            r#"{"From_Account":"zed","ContactItem":[{"Type":2,"ToGroupId":"g1"}]}"#,
        )
        .json();
    assert_eq!(
        found["ContactResultItem"][0]["CustomMark"], "vip",
        "{found}"
    );
    assert_eq!(found["ContactResultItem"][0]["StandardMark"], "10");
    assert_eq!(found["GroupItem"][0]["GroupName"], "work");
    // The baseline came along: reset goes back to the data before the groups.
    assert_eq!(c2.post("/_emulator/reset", "").status, 200);
    let reset_b = c2.get(&format!("/_emulator/data?sdkappid={B}")).json();
    assert!(reset_b.get("contact_groups").is_none(), "{reset_b}");
    assert_eq!(
        c2.get(&format!("/_emulator/config?sdkappid={B}")).json()["page_size"],
        100
    );

    // A state naming an app the emulator lacks is refused whole.
    let mut lone = Emulator::new(config());
    let err = lone
        .restore_state_json(&state.body)
        .expect_err("app b is unknown");
    assert!(err.to_string().contains("1400000001"), "{err}");
    assert!(lone.data().conversations("alice").is_empty());
}
