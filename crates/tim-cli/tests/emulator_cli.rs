//! Black-box tests of `tim emulator serve`, running the built binary on port 0 and talking to it
//! with hand-written HTTP over a plain TCP socket.

mod common;

use common::{serve, serve_on, tim};
use serde_json::Value;

fn post(addr: &str, target: &str, body: &str) -> (u16, Value) {
    common::http(addr, "POST", target, body)
}

#[test]
fn serve_demo_on_port_zero_answers_get_list() {
    let server = serve(&["--demo", "--page-size", "25", "--admin", "ops"]);
    let (status, sig) = post(
        &server.addr,
        "/_emulator/usersig",
        r#"{"identifier":"ops"}"#,
    );
    assert_eq!(status, 200);
    let sig = sig["usersig"].as_str().expect("usersig").to_owned();
    let target = format!(
        "/v4/recentcontact/get_list?sdkappid=1400000000&identifier=ops&usersig={sig}&random=99&contenttype=json"
    );
    let body = r#"{"From_Account":"alice","TimeStamp":0,"StartIndex":0,"TopTimeStamp":0,"TopStartIndex":0,"AssistFlags":7}"#;
    let (status, page) = post(&server.addr, &target, body);
    assert_eq!(status, 200);
    assert_eq!(page["ErrorCode"], 0, "{page}");
    assert_eq!(page["SessionItem"].as_array().map(Vec::len), Some(25));
    assert_eq!(page["CompleteFlag"], 0);
    // The default admin is not an admin of this app (--admin ops replaced it).
    let other = target.replace("identifier=ops", "identifier=administrator");
    let (_, refused) = post(&server.addr, &other, body);
    assert_eq!(refused["ErrorCode"], 70_013);
}

#[test]
fn serve_data_file_with_faults() {
    let dir = std::env::temp_dir().join(format!("tim-emulator-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("data.json");
    std::fs::write(
        &file,
        r#"{"sessions":{"dan":[{"Type":2,"GroupId":"g","MsgTime":5,"TopFlag":1}]}}"#,
    )
    .expect("write data");
    let server = serve(&[
        "--data",
        file.to_str().expect("utf-8 path"),
        "--fault",
        "code=60008,count=1",
        "--sdkappid",
        "1400000042",
        "--key",
        "another-key",
        "--rate-limit",
        "0",
    ]);
    let (_, sig) = post(&server.addr, "/_emulator/usersig", "{}");
    let sig = sig["usersig"].as_str().expect("usersig").to_owned();
    let target = format!(
        "/v4/recentcontact/get_list?sdkappid=1400000042&identifier=administrator&usersig={sig}&random=1&contenttype=json"
    );
    let body = r#"{"From_Account":"dan","TimeStamp":0,"StartIndex":0,"TopTimeStamp":0,"TopStartIndex":0,"AssistFlags":7}"#;
    let (_, first) = post(&server.addr, &target, body);
    assert_eq!(first["ErrorCode"], 60_008);
    let (_, page) = post(&server.addr, &target, body);
    assert_eq!(page["ErrorCode"], 0, "{page}");
    assert_eq!(page["SessionItem"][0]["GroupId"], "g");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_arguments_exit_with_usage_errors() {
    for args in [
        &["--fault", "nonsense"][..],
        &["--data", "/nonexistent/tim-emulator-data.json"],
        &["--demo", "--data", "x.json"],
        &["--page-size", "0"],
    ] {
        let out = tim()
            .args(["emulator", "serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?} printed a listening line");
        assert!(!out.stderr.is_empty());
    }
}

#[test]
fn listen_takes_a_host_name_and_reset_keeps_the_start_up_faults() {
    let server = serve_on("localhost:0", &["--demo", "--fault", "code=70001,count=1"]);
    let port = server.addr.rsplit(':').next().expect("a port");
    assert_ne!(port, "0", "{}", server.url);
    let (status, health) = post(&server.addr, "/_emulator/health", "");
    assert_eq!(status, 200, "{health}");
    assert_eq!(post(&server.addr, "/_emulator/faults/clear", "").0, 200);
    // Reset returns to the start-up state: the --fault is pending again.
    assert_eq!(post(&server.addr, "/_emulator/reset", "").0, 200);
    let (_, faults) = post(&server.addr, "/_emulator/faults", r#"[]"#);
    assert_eq!(faults["pending"][0]["fault"], "code=70001", "{faults}");
}

#[test]
fn listen_without_a_port_is_a_usage_error() {
    let out = tim()
        .args(["emulator", "serve", "--listen", "localhost"])
        .output()
        .expect("tim runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("HOST:PORT"), "{stderr}");
}
