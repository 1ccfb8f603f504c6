//! Black-box tests of `tim groups ...`, `tim marks ...` and `tim api ...`: the built binary
//! against a standalone emulator (`tim emulator serve --demo` on port 0).

mod common;

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

use common::{Running, serve, tim};
use serde_json::{Value, json};

const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

fn emulator() -> Running {
    serve(&["--demo", "--rate-limit", "0"])
}

fn against(e: &Running) -> Command {
    let mut cmd = tim();
    cmd.env("TIM_BASE_URL", &e.url)
        .env("TIM_SDKAPPID", "1400000000")
        .env("TIM_KEY", KEY);
    cmd
}

fn run(e: &Running, args: &[&str]) -> Output {
    against(e).args(args).output().expect("tim runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(o: &Output) {
    assert_eq!(
        o.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        stdout(o),
        stderr(o)
    );
}

/// `tim groups list --format json` as a document.
fn listed(e: &Running, from: &str) -> Value {
    let o = run(e, &["groups", "list", "--from", from, "--format", "json"]);
    ok(&o);
    serde_json::from_slice(&o.stdout).expect("one JSON document")
}

fn group_id(doc: &Value, name: &str) -> Option<u64> {
    doc["GroupItem"]
        .as_array()
        .expect("GroupItem")
        .iter()
        .find(|g| g["GroupName"] == name)
        .and_then(|g| g["GroupId"].as_u64())
}

/// The conversation `peer` (To_Account or ToGroupId) of a list document.
fn contact<'a>(doc: &'a Value, peer: &str) -> Option<&'a Value> {
    doc["ContactItem"]
        .as_array()
        .expect("ContactItem")
        .iter()
        .find(|c| c["To_Account"] == peer || c["ToGroupId"] == peer)
}

fn in_group(doc: &Value, peer: &str, id: u64) -> bool {
    contact(doc, peer)
        .and_then(|c| c["ContactGroupId"].as_array())
        .is_some_and(|ids| ids.iter().any(|i| i.as_u64() == Some(id)))
}

#[test]
fn groups_create_list_rename_add_remove_search_delete() {
    let e = emulator();
    let o = run(
        &e,
        &[
            "groups", "create", "--from", "alice", "--name", "friends", "--to", "user0002",
            "user0003", "--group", "group003",
        ],
    );
    ok(&o);
    assert!(
        stdout(&o).starts_with("created group friends (GroupId "),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("with 3 of 3 conversation(s)"));

    let doc = listed(&e, "alice");
    assert_eq!(doc["From_Account"], "alice");
    let id = group_id(&doc, "friends").expect("friends listed");
    for peer in ["user0002", "user0003", "group003"] {
        assert!(in_group(&doc, peer, id), "{peer} in friends: {doc}");
    }

    // jsonl: groups (GroupName, GroupId), then conversations (Type, ...), one a line.
    let o = run(&e, &["groups", "list", "--from", "alice"]);
    ok(&o);
    let lines: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert!(lines.iter().any(|l| l["GroupName"] == "friends"));
    assert!(
        lines
            .iter()
            .any(|l| l["Type"] == 1 && l["To_Account"] == "user0002")
    );

    // The table names the groups of each conversation.
    let o = run(
        &e,
        &["groups", "list", "--from", "alice", "--format", "table"],
    );
    ok(&o);
    let table = stdout(&o);
    assert!(table.starts_with("GROUP ID   GROUP\n"), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("c2c    user0002") && l.contains("friends")),
        "{table}"
    );

    let o = run(
        &e,
        &[
            "groups",
            "rename",
            "--from",
            "alice",
            "--name",
            "friends",
            "--new-name",
            "family",
        ],
    );
    ok(&o);
    assert_eq!(stdout(&o), "renamed group friends to family\n");
    let doc = listed(&e, "alice");
    assert_eq!(group_id(&doc, "family"), Some(id));
    assert_eq!(group_id(&doc, "friends"), None);

    let o = run(
        &e,
        &[
            "groups", "add", "--from", "alice", "--name", "family", "--to", "user0005",
        ],
    );
    ok(&o);
    assert_eq!(stdout(&o), "added 1 of 1 conversation(s) to group family\n");
    let o = run(
        &e,
        &[
            "groups", "remove", "--from", "alice", "--name", "family", "--to", "user0002",
            "--group", "group003",
        ],
    );
    ok(&o);
    assert_eq!(
        stdout(&o),
        "removed 2 of 2 conversation(s) from group family\n"
    );

    let o = run(
        &e,
        &[
            "groups", "search", "--from", "alice", "--to", "user0005", "user0002", "--format",
            "json",
        ],
    );
    ok(&o);
    let found: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert!(in_group(&found, "user0005", id), "{found}");
    assert!(!in_group(&found, "user0002", id), "{found}");

    let o = run(
        &e,
        &["groups", "delete", "--from", "alice", "--name", "family"],
    );
    ok(&o);
    assert_eq!(stdout(&o), "deleted group family\n");
    assert_eq!(group_id(&listed(&e, "alice"), "family"), None);
    // Deleting it again: nothing to delete, said on stderr, not an error.
    let o = run(
        &e,
        &["groups", "delete", "--from", "alice", "--name", "family"],
    );
    ok(&o);
    assert!(
        stderr(&o).contains("there is no group family"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn partial_failures_are_printed_one_line_each_and_exit_3() {
    let e = emulator();
    let o = run(
        &e,
        &[
            "groups", "create", "--from", "alice", "--name", "mixed", "--to", "user0002",
            "nobody1", "nobody2",
        ],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("with 1 of 3 conversation(s)"),
        "{}",
        stdout(&o)
    );
    let err = stderr(&o);
    let failed: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("tim: not changed: "))
        .collect();
    assert_eq!(failed.len(), 2, "{err}");
    assert!(failed[0].contains("c2c nobody1: code "), "{err}");
    assert!(failed[1].contains("c2c nobody2: code "), "{err}");
    assert!(
        err.lines()
            .last()
            .is_some_and(|l| l.contains("2 of 3 conversation(s) were not changed")),
        "{err}"
    );
    // The group was created with the one that could be added.
    let doc = listed(&e, "alice");
    let id = group_id(&doc, "mixed").expect("created");
    assert!(in_group(&doc, "user0002", id));

    let o = run(
        &e,
        &[
            "groups",
            "add",
            "--from",
            "alice",
            "--name",
            "mixed",
            "--to",
            "user0003",
            "--group",
            "nosuchgroup",
        ],
    );
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("tim: not changed: group nosuchgroup: code "),
        "{}",
        stderr(&o)
    );

    let o = run(
        &e,
        &[
            "marks", "set", "--from", "alice", "--to", "user0002", "nobody1", "--bit", "4",
        ],
    );
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(stdout(&o), "set bit(s) 4 on 1 of 2 conversation(s)\n");
    assert!(
        stderr(&o).contains("tim: not changed: c2c nobody1: code "),
        "{}",
        stderr(&o)
    );
}

#[test]
fn limit_codes_exit_3_with_their_code() {
    let e = emulator();
    let long = "x".repeat(33);
    let o = run(
        &e,
        &["groups", "create", "--from", "alice", "--name", &long],
    );
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("service error 51011"), "{}", stderr(&o));
    // 32 bytes is fine.
    let o = run(
        &e,
        &[
            "groups",
            "create",
            "--from",
            "alice",
            "--name",
            &"y".repeat(32),
        ],
    );
    ok(&o);

    // Fill up to 20 groups; the 21st is refused with 51010.
    let mut refused = None;
    for n in 0..25 {
        let name = format!("g{n:02}");
        let o = run(
            &e,
            &["groups", "create", "--from", "alice", "--name", &name],
        );
        if o.status.code() != Some(0) {
            refused = Some((n, o));
            break;
        }
    }
    let (_, o) = refused.expect("a group limit");
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("service error 51010"), "{}", stderr(&o));
    let doc = listed(&e, "alice");
    assert_eq!(doc["GroupItem"].as_array().map(Vec::len), Some(20));
}

#[test]
fn marks_set_clear_and_custom() {
    let e = emulator();
    let o = run(
        &e,
        &[
            "marks", "set", "--from", "alice", "--to", "user0002", "--group", "group003", "--bit",
            "0", "--bit", "3",
        ],
    );
    ok(&o);
    assert_eq!(stdout(&o), "set bit(s) 0,3 on 2 of 2 conversation(s)\n");
    let o = run(
        &e,
        &[
            "marks", "custom", "--from", "alice", "--to", "user0002", "--mark", "vip",
        ],
    );
    ok(&o);
    assert_eq!(
        stdout(&o),
        "set the custom mark vip on 1 of 1 conversation(s)\n"
    );
    let o = run(
        &e,
        &[
            "groups", "search", "--from", "alice", "--to", "user0002", "--group", "group003",
            "--format", "json",
        ],
    );
    ok(&o);
    let doc: Value = serde_json::from_slice(&o.stdout).expect("json");
    let bob = contact(&doc, "user0002").expect("user0002");
    assert_eq!(bob["StandardMark"], "1001", "{doc}");
    assert_eq!(bob["CustomMark"], "vip");
    assert_eq!(
        contact(&doc, "group003").expect("group003")["StandardMark"],
        "1001"
    );

    let o = run(
        &e,
        &[
            "marks", "clear", "--from", "alice", "--to", "user0002", "--bit", "3",
        ],
    );
    ok(&o);
    assert_eq!(stdout(&o), "cleared bit(s) 3 on 1 of 1 conversation(s)\n");
    let o = run(
        &e,
        &[
            "marks", "custom", "--from", "alice", "--to", "user0002", "--mark", "",
        ],
    );
    ok(&o);
    assert_eq!(
        stdout(&o),
        "cleared the custom mark of 1 of 1 conversation(s)\n"
    );
    let o = run(
        &e,
        &[
            "groups", "search", "--from", "alice", "--to", "user0002", "--format", "json",
        ],
    );
    let doc: Value = serde_json::from_slice(&o.stdout).expect("json");
    let bob = contact(&doc, "user0002").expect("user0002");
    assert_eq!(
        bob["StandardMark"]
            .as_str()
            .map(|s| s.trim_start_matches('0')),
        Some("1")
    );
    assert!(bob.get("CustomMark").is_none_or(|m| m == ""), "{doc}");

    // A bit out of range, and no conversation at all, are usage errors.
    let o = run(
        &e,
        &[
            "marks", "set", "--from", "alice", "--to", "user0002", "--bit", "64",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let o = run(&e, &["marks", "set", "--from", "alice", "--bit", "1"]);
    assert_eq!(o.status.code(), Some(2));
}

const GET_LIST: &str = r#"{"From_Account":"alice","TimeStamp":0,"StartIndex":0,"TopTimeStamp":0,"TopStartIndex":0,"AssistFlags":7}"#;

#[test]
fn api_sends_any_call_and_prints_the_answer() {
    let e = emulator();
    let o = run(&e, &["api", "recentcontact/get_list", "--data", GET_LIST]);
    ok(&o);
    // Not a terminal: one compact line.
    assert_eq!(stdout(&o).lines().count(), 1);
    let answer: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(answer["ActionStatus"], "OK");
    assert_eq!(answer["SessionItem"].as_array().map(Vec::len), Some(100));
    assert_eq!(answer["CompleteFlag"], 0);

    // @file, with the v4/ prefix.
    let dir = std::env::temp_dir().join(format!("tim-api-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("body.json");
    std::fs::write(
        &file,
        json!({"From_Account": "alice", "StartIndex": 0}).to_string(),
    )
    .expect("write");
    let data = format!("@{}", file.display());
    let o = run(
        &e,
        &[
            "api",
            "v4/recentcontact/get_contact_group",
            "--data",
            &data,
            "--idempotent",
        ],
    );
    ok(&o);
    let answer: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(answer["ActionStatus"], "OK");
    let _ = std::fs::remove_dir_all(dir);

    // @- reads stdin.
    let mut child = against(&e)
        .args(["api", "recentcontact/get_list", "--data", "@-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(GET_LIST.as_bytes())
        .expect("write");
    let o = child.wait_with_output().expect("runs");
    ok(&o);

    // A service error: the answer is printed, the exit status is 3.
    let o = run(
        &e,
        &[
            "api",
            "recentcontact/create_contact_group",
            "--data",
            &json!({"From_Account": "alice", "GroupContactItem": [{"GroupName": "x".repeat(33), "ContactItem": []}]}).to_string(),
        ],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let answer: Value = serde_json::from_slice(&o.stdout).expect("the error answer");
    assert_eq!(answer["ActionStatus"], "FAIL");
    assert_eq!(answer["ErrorCode"], 51011);
    assert!(stderr(&o).contains("service error 51011"), "{}", stderr(&o));

    // Bad --data: one usage line naming the problem.
    let o = run(
        &e,
        &[
            "api",
            "recentcontact/get_list",
            "--data",
            "{\"From_Account\":",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("tim: --data: not valid JSON"), "{err}");
    assert!(o.stdout.is_empty());
    let o = run(&e, &["api", "get_list"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn api_and_groups_use_the_embedded_emulator_by_default() {
    let o = tim()
        .args(["api", "recentcontact/get_list", "--data", GET_LIST])
        .output()
        .expect("runs");
    ok(&o);
    assert!(stderr(&o).contains("using the embedded emulator"));
    let answer: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(answer["ActionStatus"], "OK");
    let o = tim()
        .args(["groups", "list", "--from", "alice", "--format", "json"])
        .output()
        .expect("runs");
    ok(&o);
}

#[test]
fn a_create_whose_answer_is_lost_is_read_back_not_sent_twice() {
    // The create is executed but its answer cut: create_safely reads the groups back.
    let e = serve(&[
        "--demo",
        "--rate-limit",
        "0",
        "--fault",
        "truncate,api=recentcontact/create_contact_group,count=2",
    ]);
    let o = run(
        &e,
        &[
            "groups", "create", "--from", "alice", "--name", "lost", "--to", "user0002", "nobody",
        ],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("created group lost (GroupId "),
        "{}",
        stdout(&o)
    );
    let err = stderr(&o);
    assert!(err.contains("the group was found when read back"), "{err}");
    assert!(err.contains("tim: not confirmed: c2c nobody"), "{err}");
    assert!(!err.contains("user0002"), "{err}");
    let o = run(
        &e,
        &[
            "groups", "create", "--from", "alice", "--name", "lost2", "--to", "user0002",
        ],
    );
    ok(&o);
    assert!(stderr(&o).contains("the group was found when read back"));
    // Each group exists once.
    let doc = listed(&e, "alice");
    let names: Vec<&str> = doc["GroupItem"]
        .as_array()
        .expect("groups")
        .iter()
        .filter_map(|g| g["GroupName"].as_str())
        .collect();
    assert_eq!(
        names.iter().filter(|n| **n == "lost").count(),
        1,
        "{names:?}"
    );
    assert_eq!(
        names.iter().filter(|n| **n == "lost2").count(),
        1,
        "{names:?}"
    );
}
