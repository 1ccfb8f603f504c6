//! Conversation groups and marks over loopback HTTP: every call's happy path, every limit code,
//! get_list with the mark flags, the data file and reset, membership against a model, and
//! get_contact_group walks under empty pages.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashSet};

use common::*;
use proptest::prelude::*;
use serde_json::{Value, json};
use tim_emulator::Emulator;

struct Api {
    conn: Conn,
    sig: String,
}

impl Api {
    fn new(s: &TestServer) -> Self {
        let mut conn = s.conn();
        let sig = conn
            .post("/_emulator/usersig", r#"{"identifier":"admin"}"#)
            .json()["usersig"]
            .as_str()
            .expect("usersig")
            .to_owned();
        Api { conn, sig }
    }

    fn raw(&mut self, command: &str, body: &Value) -> Resp {
        let target = api_target(&format!("recentcontact/{command}"), "admin", &self.sig);
        self.conn.post(&target, &body.to_string())
    }

    /// The answer of a call expected to succeed.
    fn ok(&mut self, command: &str, body: Value) -> Value {
        let r = self.raw(command, &body);
        assert_eq!(r.code(), 0, "{command} {body}: {}", r.json());
        r.json()
    }

    /// The `ErrorCode` of a call.
    fn code(&mut self, command: &str, body: Value) -> i64 {
        self.raw(command, &body).code()
    }

    fn admin(&mut self, path: &str, body: Value) -> Value {
        let r = self
            .conn
            .post(&format!("/_emulator/{path}"), &body.to_string());
        assert_eq!(
            r.status,
            200,
            "{path}: {}",
            String::from_utf8_lossy(&r.body)
        );
        r.json()
    }

    fn create(&mut self, name: &str, members: &[&str]) -> Value {
        self.ok(
            "create_contact_group",
            json!({"From_Account": "alice", "GroupContactItem": [{
                "GroupName": name,
                "ContactItem": members.iter().map(|m| c2c(m)).collect::<Vec<_>>(),
            }]}),
        )
    }

    fn members(&mut self, group: &str, ops: &[(u64, &str)]) -> Value {
        self.ok(
            "update_contact_group",
            json!({"From_Account": "alice", "UpdateType": 1, "UpdateGroup": {
                "UpdateGroupType": 2, "OldGroupName": group,
                "ContactUpdateItem": ops.iter()
                    .map(|(op, m)| json!({"ContactOptType": op, "ContactItem": c2c(m)}))
                    .collect::<Vec<_>>(),
            }}),
        )
    }

    /// Walks get_contact_group to the end; returns the items and the number of pages.
    fn walk_groups(&mut self, from: &str) -> (Vec<Value>, usize) {
        let mut start = 0;
        let mut items = Vec::new();
        for pages in 1..10_000 {
            let page = self.ok(
                "get_contact_group",
                json!({"From_Account": from, "StartIndex": start}),
            );
            items.extend(page["ContactItem"].as_array().expect("ContactItem").clone());
            if page["CompleteFlag"] == 1 {
                assert_eq!(page["NextStartIndex"], 0);
                return (items, pages);
            }
            let next = page["NextStartIndex"].as_u64().expect("NextStartIndex");
            assert_ne!(next, start, "stalled cursor without a fault");
            start = next;
        }
        panic!("no end");
    }
}

fn c2c(peer: &str) -> Value {
    json!({"Type": 1, "To_Account": peer})
}

fn data() -> Value {
    let mut sessions: Vec<Value> = (0..5)
        .map(|i| json!({"Type": 1, "To_Account": format!("u{i}"), "MsgTime": 1_700_000_000 + i}))
        .collect();
    sessions.push(json!({"Type": 2, "GroupId": "@TGS#g", "MsgTime": 1_600_000_000}));
    json!({"accounts": ["u0", "u1", "u2", "u3", "u4"], "sessions": {"alice": sessions}})
}

fn server() -> (TestServer, Api) {
    let s = TestServer::start(Emulator::new(config()));
    let mut api = Api::new(&s);
    api.admin("load", data());
    api.admin("baseline", json!({}));
    (s, api)
}

fn get_list(api: &mut Api, flags: u64) -> Vec<Value> {
    let target = api_target("recentcontact/get_list", "admin", &api.sig);
    let r = api
        .conn
        .post(&target, &get_list_body("alice", [0; 4], flags));
    assert_eq!(r.code(), 0);
    let page = r.json();
    assert_eq!(page["CompleteFlag"], 1);
    page["SessionItem"].as_array().expect("items").clone()
}

fn item<'a>(items: &'a [Value], peer: &str) -> &'a Value {
    items
        .iter()
        .find(|i| i["To_Account"] == peer || i["GroupId"] == peer)
        .unwrap_or_else(|| panic!("{peer} in {items:?}"))
}

#[test]
fn every_call_answers_its_documented_shape() {
    let (_s, mut api) = server();

    let created = api.create("work", &["u0", "u1", "nobody"]);
    let result = &created["GroupResultItem"][0];
    assert_eq!(
        result["GroupItem"],
        json!({"GroupName": "work", "GroupId": 1})
    );
    let codes: Vec<_> = result["ResultItem"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ResultCode"].as_i64().unwrap())
        .collect();
    assert_eq!(codes, [0, 0, 50002], "{created}");
    assert_eq!(result["ResultItem"][0]["ContactItem"], c2c("u0"));
    assert_eq!(created["ActionStatus"], "OK");

    let family = api.create("family", &[]);
    assert_eq!(family["GroupResultItem"][0]["GroupItem"]["GroupId"], 2);

    let renamed = api.ok(
        "update_contact_group",
        json!({"From_Account": "alice", "UpdateType": 1, "UpdateGroup": {
            "UpdateGroupType": 1, "OldGroupName": "family", "NewGroupName": "home"}}),
    );
    assert_eq!(renamed["UpdateType"], 1);
    assert_eq!(
        renamed["UpdateGroupResult"],
        json!({"UpdateGroupType": 1, "GroupName": "home", "GroupId": 2,
               "OldGroupName": "family", "ContactResultItem": []})
    );

    let changed = api.members("home", &[(1, "u1"), (1, "u2"), (2, "u2"), (1, "u3")]);
    let r = &changed["UpdateGroupResult"];
    assert_eq!(
        (r["GroupName"].clone(), r["GroupId"].clone()),
        (json!("home"), json!(2))
    );
    assert_eq!(r["ContactResultItem"].as_array().unwrap().len(), 4);
    assert_eq!(r["ContactResultItem"][1]["ContactOptType"], 1);
    assert_eq!(r["ContactResultItem"][2]["ContactOptType"], 2);
    assert_eq!(r["ContactResultItem"][2]["ResultCode"], 0);

    let marked = api.ok(
        "mark_contact",
        json!({"From_Account": "alice", "MarkItem": [
            {"OptType": 3, "ContactItem": c2c("u0"), "SetMark": [1, 2, 3], "CustomMark": "abcd"},
            {"OptType": 1, "ContactItem": {"Type": "2", "ToGroupId": "@TGS#g"}, "SetMark": [0]},
            {"OptType": 1, "ContactItem": c2c("u0"), "ClearMark": [3], "SetMark": [5]},
            {"OptType": 2, "ContactItem": c2c("ghost"), "CustomMark": "x"},
        ]}),
    );
    let results = marked["ResultItem"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    assert_eq!(results[0]["OptType"], 3);
    assert_eq!(
        results[1]["ContactItem"],
        json!({"Type": 2, "ToGroupId": "@TGS#g"})
    );
    assert_eq!(results[3]["ResultCode"], 50002);

    let found = api.ok(
        "search_contact_group",
        json!({"From_Account": "alice", "ContactItem": [c2c("u0"), c2c("u1"), c2c("u4")]}),
    );
    let items = found["ContactResultItem"].as_array().unwrap();
    assert_eq!(items[0]["StandardMark"], "100110", "bits 1, 2 and 5");
    assert_eq!(items[0]["CustomMark"], "abcd");
    assert_eq!(items[0]["ContactGroupId"], json!([1]));
    assert!(items[0]["Timestamp"].as_u64().unwrap() > 1_000_000_000);
    assert_eq!(items[1]["ContactGroupId"], json!([1, 2]));
    assert!(items[1].get("StandardMark").is_none());
    assert_eq!(
        items[2],
        json!({"Type": 1, "To_Account": "u4", "Timestamp": 0})
    );
    assert_eq!(
        found["GroupItem"],
        json!([{"GroupName": "work", "GroupId": 1}, {"GroupName": "home", "GroupId": 2}])
    );

    let page = api.ok(
        "get_contact_group",
        json!({"From_Account": "alice", "StartIndex": 0}),
    );
    assert_eq!(page["CompleteFlag"], 1);
    assert_eq!(page["NextStartIndex"], 0);
    let peers: HashSet<String> = page["ContactItem"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            i["To_Account"]
                .as_str()
                .or(i["ToGroupId"].as_str())
                .unwrap()
                .to_owned()
        })
        .collect();
    let want: HashSet<String> = ["u0", "u1", "u3", "@TGS#g"].map(String::from).into();
    assert_eq!(peers, want);
    assert_eq!(page["GroupItem"].as_array().unwrap().len(), 2);

    let deleted = api.ok(
        "del_contact_group",
        json!({"From_Account": "alice", "GroupName": ["work"]}),
    );
    assert_eq!(
        deleted["GroupItem"],
        json!([{"GroupName": "work", "GroupId": 1}])
    );
    let found = api.ok(
        "search_contact_group",
        json!({"From_Account": "alice", "ContactItem": [c2c("u1")]}),
    );
    assert_eq!(found["ContactResultItem"][0]["ContactGroupId"], json!([2]));
    // Ids are not reused.
    assert_eq!(
        api.create("work", &[])["GroupResultItem"][0]["GroupItem"]["GroupId"],
        3
    );
}

#[test]
fn every_limit_answers_its_code() {
    let (_s, mut api) = server();
    let from = |v: Value| {
        let mut v = v;
        v["From_Account"] = json!("alice");
        v
    };
    // 51006: no mark item, or more than 100.
    assert_eq!(
        api.code("mark_contact", from(json!({"MarkItem": []}))),
        51006
    );
    let many: Vec<Value> = (0..101)
        .map(|_| json!({"OptType": 2, "ContactItem": c2c("u0"), "CustomMark": "x"}))
        .collect();
    assert_eq!(
        api.code("mark_contact", from(json!({"MarkItem": many}))),
        51006
    );
    // 51011: a name of 33 bytes, at creation and at renaming; 32 bytes is fine.
    let long = "é".repeat(16) + "x";
    assert_eq!(long.len(), 33);
    assert_eq!(
        api.code(
            "create_contact_group",
            from(json!({"GroupContactItem": [{"GroupName": long}]}))
        ),
        51011
    );
    api.create(&"n".repeat(32), &[]);
    assert_eq!(
        api.code(
            "update_contact_group",
            from(
                json!({"UpdateType": 1, "UpdateGroup": {"UpdateGroupType": 1,
                "OldGroupName": "n".repeat(32), "NewGroupName": long}})
            )
        ),
        51011
    );
    // 51010: the 21st group.
    for i in 1..20 {
        api.create(&format!("g{i}"), &[]);
    }
    assert_eq!(
        api.code(
            "create_contact_group",
            from(json!({"GroupContactItem": [{"GroupName": "g21"}]}))
        ),
        51010
    );
    // 51009: deleting or changing a group that does not exist.
    assert_eq!(
        api.code("del_contact_group", from(json!({"GroupName": ["nope"]}))),
        51009
    );
    assert_eq!(
        api.code(
            "update_contact_group",
            from(json!({"UpdateType": 1, "UpdateGroup": {"UpdateGroupType": 2,
                "OldGroupName": "nope", "ContactUpdateItem": [{"ContactOptType": 1, "ContactItem": c2c("u0")}]}}))
        ),
        51009
    );
    // 50002: search of 0 or more than 300 conversations, malformed items, two groups at once.
    let search: Vec<Value> = (0..301).map(|_| c2c("u0")).collect();
    assert_eq!(
        api.code("search_contact_group", from(json!({"ContactItem": search}))),
        50002
    );
    assert_eq!(
        api.code("search_contact_group", from(json!({"ContactItem": []}))),
        50002
    );
    assert_eq!(
        api.code(
            "search_contact_group",
            from(json!({"ContactItem": [{"Type": 3}]}))
        ),
        50002
    );
    assert_eq!(
        api.code(
            "create_contact_group",
            from(json!({"GroupContactItem": [{"GroupName": "a"}, {"GroupName": "b"}]}))
        ),
        50002
    );
    assert_eq!(
        api.code(
            "mark_contact",
            from(json!({"MarkItem": [{"OptType": 1, "ContactItem": c2c("u0"), "SetMark": [64]}]}))
        ),
        50002
    );
    // 50001: an account that was never imported.
    assert_eq!(
        api.code(
            "get_contact_group",
            json!({"From_Account": "zed", "StartIndex": 0})
        ),
        50001
    );
}

#[test]
fn the_conversation_cap_is_configurable_and_atomic() {
    let (_s, mut api) = server();
    api.admin("config", json!({"contact_limit": 2}));
    api.create("a", &["u0"]);
    // A third conversation in groups or marks, in total: 51008, and nothing changed.
    assert_eq!(
        api.code(
            "create_contact_group",
            json!({"From_Account": "alice", "GroupContactItem": [{"GroupName": "b",
                "ContactItem": [c2c("u1"), c2c("u2")]}]})
        ),
        51008
    );
    let found = api.ok(
        "get_contact_group",
        json!({"From_Account": "alice", "StartIndex": 0}),
    );
    assert_eq!(found["GroupItem"].as_array().unwrap().len(), 1);
    api.members("a", &[(1, "u1")]);
    let mark = json!({"From_Account": "alice", "MarkItem": [
        {"OptType": 2, "ContactItem": c2c("u2"), "CustomMark": "x"}]});
    assert_eq!(api.code("mark_contact", mark.clone()), 51008);
    // Marking a conversation already counted does not grow the count.
    api.ok(
        "mark_contact",
        json!({"From_Account": "alice", "MarkItem": [
            {"OptType": 1, "ContactItem": c2c("u0"), "SetMark": [1]}]}),
    );
    // Per group: each group and the marks are capped separately.
    let config = api.admin("config", json!({"contact_limit_scope": "per_group"}));
    assert_eq!(config["contact_limit_scope"], "per_group");
    api.ok("mark_contact", mark);
    api.create("b", &["u2", "u3"]);
    assert_eq!(
        api.code(
            "update_contact_group",
            json!({"From_Account": "alice", "UpdateType": 1, "UpdateGroup": {"UpdateGroupType": 2,
                "OldGroupName": "b", "ContactUpdateItem": [{"ContactOptType": 1, "ContactItem": c2c("u4")}]}})
        ),
        51008
    );
}

#[test]
fn an_edition_without_groups_answers_51013() {
    let (_s, mut api) = server();
    let config = api.admin("config", json!({"edition": "developer"}));
    assert_eq!(config["edition"], "developer");
    for (command, body) in [
        (
            "create_contact_group",
            json!({"GroupContactItem": [{"GroupName": "a"}]}),
        ),
        ("del_contact_group", json!({"GroupName": ["a"]})),
        ("get_contact_group", json!({"StartIndex": 0})),
        ("search_contact_group", json!({"ContactItem": [c2c("u0")]})),
        (
            "mark_contact",
            json!({"MarkItem": [{"OptType": 1, "ContactItem": c2c("u0"), "SetMark": [1]}]}),
        ),
    ] {
        let mut body = body;
        body["From_Account"] = json!("alice");
        assert_eq!(api.code(command, body), 51013, "{command}");
    }
    // Custom marks need no particular edition.
    api.ok(
        "mark_contact",
        json!({"From_Account": "alice", "MarkItem": [
            {"OptType": 2, "ContactItem": c2c("u0"), "CustomMark": "vip"}]}),
    );
    assert_eq!(item(&get_list(&mut api, 63), "u0")["CustomMark"], "vip");
    let r = api.conn.post("/_emulator/config", r#"{"edition":"gold"}"#);
    assert_eq!(r.status, 400);
    api.admin("config", json!({"edition": "pro_plus"}));
    api.create("a", &[]);
}

#[test]
fn get_list_shows_marks_and_groups_made_through_the_api() {
    let (_s, mut api) = server();
    api.create("work", &["u0", "u1"]);
    api.create("home", &["u1"]);
    api.ok(
        "mark_contact",
        json!({"From_Account": "alice", "MarkItem": [
            {"OptType": 3, "ContactItem": c2c("u1"), "SetMark": [0, 2], "CustomMark": "c"},
            {"OptType": 1, "ContactItem": {"Type": 2, "ToGroupId": "@TGS#g"}, "SetMark": [7]}]}),
    );
    for flags in [15, 63] {
        let items = get_list(&mut api, flags);
        let u1 = item(&items, "u1");
        assert_eq!(u1["StandardMark"], "101");
        assert_eq!(u1["CustomMark"], "c");
        assert_eq!(u1["ContactGroupId"], json!([1, 2]));
        assert_eq!(item(&items, "u0")["ContactGroupId"], json!([1]));
        assert!(item(&items, "u0").get("StandardMark").is_none());
        assert_eq!(item(&items, "@TGS#g")["StandardMark"], "10000000");
        assert!(item(&items, "u2").get("ContactGroupId").is_none());
    }
    for flags in [0, 7] {
        for i in get_list(&mut api, flags) {
            for f in ["StandardMark", "CustomMark", "ContactGroupId"] {
                assert!(i.get(f).is_none(), "{f} without the mark flags: {i}");
            }
        }
    }
    // Deleting a group removes it from get_list at once.
    api.ok(
        "del_contact_group",
        json!({"From_Account": "alice", "GroupName": ["work"]}),
    );
    assert_eq!(
        item(&get_list(&mut api, 63), "u1")["ContactGroupId"],
        json!([2])
    );
    assert!(
        item(&get_list(&mut api, 63), "u0")
            .get("ContactGroupId")
            .is_none()
    );

    // Deleting the conversation keeps its groups and marks; they show when it comes back.
    api.ok(
        "delete",
        json!({"From_Account": "alice", "Type": 1, "To_Account": "u1"}),
    );
    assert!(
        get_list(&mut api, 63)
            .iter()
            .all(|i| i["To_Account"] != "u1")
    );
    let found = api.ok(
        "search_contact_group",
        json!({"From_Account": "alice", "ContactItem": [c2c("u1")]}),
    );
    assert_eq!(found["ContactResultItem"][0]["CustomMark"], "c");
    api.admin(
        "message",
        json!({"From_Account": "alice", "Type": 1, "To_Account": "u1"}),
    );
    assert_eq!(item(&get_list(&mut api, 63), "u1")["CustomMark"], "c");
}

#[test]
fn the_data_file_carries_groups_and_marks_and_reset_restores_them() {
    let (_s, mut api) = server();
    api.create("work", &["u0"]);
    api.ok(
        "mark_contact",
        json!({"From_Account": "alice", "MarkItem": [
            {"OptType": 3, "ContactItem": c2c("u2"), "SetMark": [1], "CustomMark": "m"}]}),
    );
    api.ok(
        "delete",
        json!({"From_Account": "alice", "Type": 1, "To_Account": "u2"}),
    );
    let exported = api.conn.get("/_emulator/data?account=alice").json();
    assert_eq!(
        exported["contact_groups"]["alice"],
        json!([{"GroupId": 1, "GroupName": "work"}])
    );
    let contacts = exported["contacts"]["alice"].as_array().unwrap();
    assert_eq!(contacts.len(), 2, "{exported}");
    let u2 = contacts.iter().find(|c| c["To_Account"] == "u2").unwrap();
    assert_eq!(u2["StandardMark"], "10");
    assert_eq!(u2["CustomMark"], "m");

    // Reset goes back to the baseline, which had no groups.
    api.admin("reset", json!({}));
    let page = api.ok(
        "get_contact_group",
        json!({"From_Account": "alice", "StartIndex": 0}),
    );
    assert_eq!(page["GroupItem"], json!([]));
    assert_eq!(page["ContactItem"], json!([]));

    // Loading the export brings everything back, the deleted conversation's marks included.
    api.admin("load", exported.clone());
    assert_eq!(
        api.conn.get("/_emulator/data?account=alice").json(),
        exported
    );
    assert_eq!(
        item(&get_list(&mut api, 63), "u0")["ContactGroupId"],
        json!([1])
    );
    api.admin("baseline", json!({}));
    api.ok(
        "del_contact_group",
        json!({"From_Account": "alice", "GroupName": ["work"]}),
    );
    api.admin("reset", json!({}));
    assert_eq!(
        api.conn.get("/_emulator/data?account=alice").json(),
        exported
    );

    // Bad groups refuse the whole file.
    for bad in [
        json!({"contact_groups": {"alice": [{"GroupId": 1, "GroupName": "a"}, {"GroupId": 1, "GroupName": "b"}]}}),
        json!({"contact_groups": {"alice": [{"GroupId": 1, "GroupName": "x".repeat(33)}]}}),
        json!({"contacts": {"alice": [{"Type": 1, "To_Account": "u0", "StandardMark": "12"}]}}),
        json!({"contact_groups": {"alice": (1..=21).map(|i| json!({"GroupId": i, "GroupName": format!("g{i}")})).collect::<Vec<_>>()}}),
    ] {
        let r = api.conn.post("/_emulator/load", &bad.to_string());
        assert_eq!(r.status, 400, "{bad}");
    }
    assert_eq!(
        api.conn.get("/_emulator/data?account=alice").json(),
        exported
    );
}

#[test]
fn get_contact_group_walks_every_item_once_under_empty_pages() {
    let s = TestServer::start(Emulator::new(config()));
    let mut api = Api::new(&s);
    let n = 250;
    let sessions: Vec<Value> = (0..n)
        .map(|i| json!({"Type": 1, "To_Account": format!("p{i:03}"), "MsgTime": 1000 + i}))
        .collect();
    let contacts: Vec<Value> = (0..n)
        .map(
            |i| json!({"Type": 1, "To_Account": format!("p{i:03}"), "ContactGroupId": [1 + i % 3]}),
        )
        .collect();
    api.admin(
        "load",
        json!({"sessions": {"alice": sessions}, "contacts": {"alice": contacts}}),
    );
    api.admin("config", json!({"contact_page_size": 7}));
    let (plain, pages) = api.walk_groups("alice");
    assert_eq!(plain.len(), n as usize);
    assert_eq!(pages, (n as usize).div_ceil(7));

    api.admin(
        "faults",
        json!([
            "empty,count=3",
            "empty,rate=0.3,api=recentcontact/get_contact_group"
        ]),
    );
    let (items, pages) = api.walk_groups("alice");
    assert!(pages > (n as usize).div_ceil(7), "some pages were empty");
    let peers: Vec<&str> = items
        .iter()
        .map(|i| i["To_Account"].as_str().unwrap())
        .collect();
    let unique: HashSet<&str> = peers.iter().copied().collect();
    assert_eq!(peers.len(), n as usize, "no duplicates");
    assert_eq!(unique.len(), n as usize, "every item");
    assert_eq!(items, plain, "the same items in the same order");

    // A stalled page echoes the cursor.
    api.admin("faults/clear", json!({}));
    api.admin("faults", json!("stall,api=recentcontact/get_contact_group"));
    let page = api.ok(
        "get_contact_group",
        json!({"From_Account": "alice", "StartIndex": 0}),
    );
    assert_eq!(
        (page["CompleteFlag"].clone(), page["NextStartIndex"].clone()),
        (json!(0), json!(0))
    );
    assert_eq!(page["ContactItem"].as_array().unwrap().len(), 7);
}

/// One membership change: add (true) or remove conversation `conv` to or from group `group`.
type Op = (bool, usize, usize);

const GROUPS: [&str; 3] = ["ga", "gb", "gc"];
const CONVS: [&str; 5] = ["u0", "u1", "u2", "u3", "u4"];

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn membership_follows_a_set_model(
        batches in prop::collection::vec(
            (0..GROUPS.len(), prop::collection::vec((any::<bool>(), 0..GROUPS.len(), 0..CONVS.len()), 1..6)),
            1..8,
        )
    ) {
        let (_s, mut api) = server();
        let mut model: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
        for g in GROUPS {
            api.create(g, &[]);
        }
        for (target, ops) in &batches {
            // One call changes one group; the ops' group index is folded into the conversation.
            let ops: Vec<Op> = ops.iter().map(|&(add, _, c)| (add, *target, c)).collect();
            let wire: Vec<(u64, &str)> =
                ops.iter().map(|&(add, _, c)| (if add { 1 } else { 2 }, CONVS[c])).collect();
            api.members(GROUPS[*target], &wire);
            for (add, g, c) in ops {
                let set = model.entry(g).or_default();
                if add { set.insert(c); } else { set.remove(&c); }
            }
        }
        let found = api.ok(
            "search_contact_group",
            json!({"From_Account": "alice", "ContactItem": CONVS.iter().map(|c| c2c(c)).collect::<Vec<_>>()}),
        );
        for (c, item) in found["ContactResultItem"].as_array().unwrap().iter().enumerate() {
            // Group ids are 1, 2, 3 in creation order.
            let want: Vec<u64> = (0..GROUPS.len())
                .filter(|g| model.get(g).is_some_and(|s| s.contains(&c)))
                .map(|g| g as u64 + 1)
                .collect();
            let got: Vec<u64> = item.get("ContactGroupId").map_or_else(Vec::new, |v| {
                v.as_array().unwrap().iter().map(|x| x.as_u64().unwrap()).collect()
            });
            prop_assert_eq!(got, want, "{}", CONVS[c]);
        }
        let (walked, _) = api.walk_groups("alice");
        let in_any: BTreeSet<usize> = model.values().flatten().copied().collect();
        prop_assert_eq!(walked.len(), in_any.len());
    }
}
