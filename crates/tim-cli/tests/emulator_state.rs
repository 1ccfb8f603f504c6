//! Black-box tests of `tim emulator serve --app` and `--state`: the built binary on port 0,
//! stopped with SIGTERM (state saved) or SIGKILL (state file untouched), started again.

#![cfg(unix)]

mod common;

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};

use common::tim;
use serde_json::Value;

const B: u64 = 1_400_000_001;
const B_KEY: &str = "key-of-app-b-never-printed";

/// A `tim emulator serve` whose first three lines were read.
struct Serve {
    child: Child,
    addr: String,
    lines: Vec<String>,
    _stdout: BufReader<ChildStdout>,
}

impl Serve {
    fn start(args: &[&str]) -> Serve {
        let mut child = tim()
            .args(["emulator", "serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("tim starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut lines = Vec::new();
        for _ in 0..3 {
            let mut line = String::new();
            stdout.read_line(&mut line).expect("a line");
            lines.push(line.trim_end().to_owned());
        }
        let addr = lines[0]
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line {:?}", lines[0]))
            .to_owned();
        Serve {
            child,
            addr,
            lines,
            _stdout: stdout,
        }
    }

    fn signal(&mut self, name: &str) -> (ExitStatus, String) {
        let sent = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success());
        let status = self.child.wait().expect("exits");
        let mut stderr = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut stderr);
        }
        (status, stderr)
    }

    fn call(&self, method: &str, target: &str, body: &str) -> (u16, Value) {
        common::http(&self.addr, method, target, body)
    }

    fn ok(&self, method: &str, target: &str, body: &str) -> Value {
        let (status, v) = self.call(method, target, body);
        assert_eq!(status, 200, "{method} {target}: {v}");
        v
    }

    fn im(&self, app: u64, api: &str, body: &str) -> Value {
        let sig = self.ok("POST", &format!("/_emulator/usersig?sdkappid={app}"), "{}")["usersig"]
            .as_str()
            .expect("usersig")
            .to_owned();
        self.ok(
            "POST",
            &format!(
                "/v4/recentcontact/{api}?sdkappid={app}&identifier=administrator&usersig={sig}&random=3&contenttype=json"
            ),
            body,
        )
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tim-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn state_with_groups_and_marks_of_two_apps_survives_sigterm_and_a_restart() {
    let dir = temp_dir("state");
    let data = dir.join("seed.json");
    std::fs::write(
        &data,
        format!(
            r#"{{"sessions":{{"alice":[{{"Type":1,"To_Account":"bob","MsgTime":10}}]}},
                "apps":{{"{B}":{{"sessions":{{"zed":[{{"Type":2,"GroupId":"g1","MsgTime":5}}]}}}}}}}}"#
        ),
    )
    .expect("seed");
    let seed = std::fs::read(&data).expect("seed");
    let state = dir.join("state.json");
    let app = format!("{B}:{B_KEY}");
    let args = [
        "--data",
        data.to_str().expect("utf-8"),
        "--app",
        &app,
        "--state",
        state.to_str().expect("utf-8"),
        "--rate-limit",
        "0",
    ];
    let mut first = Serve::start(&args);
    assert!(
        first.lines[1].contains("and apps 1400000001"),
        "{:?}",
        first.lines
    );
    assert!(
        first.lines[1].contains("state kept in"),
        "{:?}",
        first.lines
    );
    for line in &first.lines {
        assert!(!line.contains(B_KEY), "{line}");
    }
    assert!(!state.exists(), "nothing is written before a save");

    // Change both apps: a message in A, a group and marks in B, a setting of B.
    first.ok(
        "POST",
        "/_emulator/message",
        r#"{"From_Account":"alice","Type":1,"To_Account":"carol","MsgTime":20}"#,
    );
    let created = first.im(
        B,
        "create_contact_group",
        r#"{"From_Account":"zed","GroupContactItem":[{"GroupName":"work","ContactItem":[{"Type":2,"ToGroupId":"g1"}]}]}"#,
    );
    assert_eq!(created["ErrorCode"], 0, "{created}");
    let marked = first.im(
        B,
        "mark_contact",
        r#"{"From_Account":"zed","MarkItem":[{"OptType":3,"ContactItem":{"Type":2,"ToGroupId":"g1"},"SetMark":[2],"CustomMark":"vip"}]}"#,
    );
    assert_eq!(marked["ErrorCode"], 0, "{marked}");
    first.ok(
        "POST",
        &format!("/_emulator/config?sdkappid={B}"),
        r#"{"page_size":3}"#,
    );
    let data_a = first.ok("GET", "/_emulator/data?sdkappid=1400000000", "");
    let data_b = first.ok("GET", &format!("/_emulator/data?sdkappid={B}"), "");
    assert_eq!(data_b["contact_groups"]["zed"][0]["GroupName"], "work");

    let (status, stderr) = first.signal("TERM");
    assert!(status.success(), "{status:?}: {stderr}");
    assert!(stderr.contains("state saved to"), "{stderr}");
    assert_eq!(files(&dir), ["seed.json", "state.json"]);
    let saved = std::fs::read_to_string(&state).expect("state file");
    assert!(!saved.contains(B_KEY));
    assert_eq!(
        std::fs::read(&data).expect("seed"),
        seed,
        "--data is never written"
    );

    // Started again with the same arguments: both apps' data, groups, marks and settings are back.
    let second = Serve::start(&args);
    assert!(
        second.lines[1].contains("state restored from"),
        "{:?}",
        second.lines
    );
    assert_eq!(
        second.ok("GET", "/_emulator/data?sdkappid=1400000000", ""),
        data_a
    );
    assert_eq!(
        second.ok("GET", &format!("/_emulator/data?sdkappid={B}"), ""),
        data_b
    );
    assert_eq!(
        second.ok("GET", &format!("/_emulator/config?sdkappid={B}"), "")["page_size"],
        3
    );
    let found = second.im(
        B,
        "search_contact_group",
        r#"{"From_Account":"zed","ContactItem":[{"Type":2,"ToGroupId":"g1"}]}"#,
    );
    assert_eq!(
        found["ContactResultItem"][0]["CustomMark"], "vip",
        "{found}"
    );
    assert_eq!(found["ContactResultItem"][0]["StandardMark"], "100");
    assert_eq!(found["GroupItem"][0]["GroupName"], "work");
    // Reset still returns to the seed (the baseline was saved too).
    second.ok("POST", "/_emulator/reset", "");
    let reset_b = second.ok("GET", &format!("/_emulator/data?sdkappid={B}"), "");
    assert!(reset_b.get("contact_groups").is_none(), "{reset_b}");
}

#[test]
fn save_through_the_admin_api_and_sigkill_leaves_the_saved_file_whole() {
    let dir = temp_dir("save");
    let state = dir.join("state.json");
    let args = ["--demo", "--state", state.to_str().expect("utf-8")];
    let mut server = Serve::start(&args);
    server.ok(
        "POST",
        "/_emulator/message",
        r#"{"From_Account":"alice","Type":1,"To_Account":"saved-peer","MsgTime":1900000000}"#,
    );
    let saved = server.ok("POST", "/_emulator/save", "");
    assert_eq!(saved["ok"], true, "{saved}");
    assert_eq!(saved["path"], state.to_str().expect("utf-8"));
    let bytes = std::fs::read(&state).expect("saved");
    assert_eq!(saved["bytes"], bytes.len());
    let doc: Value = serde_json::from_slice(&bytes).expect("a whole json document");
    assert_eq!(doc["version"], 1);
    assert_eq!(files(&dir), ["state.json"], "no temporary file is left");
    let (status, refused) = server.call("POST", "/_emulator/save", r#"{"path":"/tmp/x"}"#);
    assert_eq!(status, 400, "{refused}");
    assert!(
        refused["error"]
            .as_str()
            .expect("error")
            .contains("\"path\"")
    );

    // A change after the save, then SIGKILL: no save runs, the file is the saved one, whole.
    server.ok(
        "POST",
        "/_emulator/message",
        r#"{"From_Account":"alice","Type":1,"To_Account":"lost-peer","MsgTime":1900000001}"#,
    );
    let (status, _) = server.signal("KILL");
    assert!(!status.success());
    assert_eq!(std::fs::read(&state).expect("still there"), bytes);
    assert_eq!(files(&dir), ["state.json"]);

    let again = Serve::start(&args);
    let alice = again.ok("GET", "/_emulator/data?account=alice", "");
    let peers: Vec<&str> = alice["sessions"]["alice"]
        .as_array()
        .expect("alice")
        .iter()
        .filter_map(|c| c["To_Account"].as_str())
        .collect();
    assert!(peers.contains(&"saved-peer"));
    assert!(!peers.contains(&"lost-peer"));
}

#[test]
fn bad_apps_and_state_files_are_usage_errors_that_never_print_the_key() {
    let dir = temp_dir("bad");
    let broken = dir.join("broken.json");
    std::fs::write(&broken, b"{\"version\":1,\"apps\":[").expect("broken");
    let foreign = dir.join("foreign.json");
    std::fs::write(
        &foreign,
        br#"{"version":1,"apps":[{"sdkappid":1400000555,"settings":{"page_size":1,"rate_limit":null,"edition":"pro","contact_limit":1,"contact_limit_scope":"total","contact_page_size":1},"data":{},"baseline_settings":{"page_size":1,"rate_limit":null,"edition":"pro","contact_limit":1,"contact_limit_scope":"total","contact_page_size":1},"baseline":{}}]}"#,
    )
    .expect("foreign");
    let cases: [(Vec<String>, &str); 5] = [
        (
            vec!["--app".into(), format!("notanumber:{B_KEY}")],
            "not an unsigned integer",
        ),
        (vec!["--app".into(), B_KEY.into()], "SDKAPPID:KEY"),
        (
            vec!["--app".into(), format!("1400000000:{B_KEY}")],
            "already has an app",
        ),
        (
            vec!["--state".into(), broken.to_string_lossy().into_owned()],
            "invalid state file",
        ),
        (
            vec!["--state".into(), foreign.to_string_lossy().into_owned()],
            "--app 1400000555:KEY",
        ),
    ];
    for (args, expected) in cases {
        let out = tim()
            .args(["emulator", "serve", "--listen", "127.0.0.1:0"])
            .args(&args)
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains(B_KEY), "{args:?}: {stderr}");
    }
    assert_eq!(
        std::fs::read(&broken).expect("kept"),
        b"{\"version\":1,\"apps\":["
    );
}
