//! get_list paging over loopback HTTP: full walks under every flag combination, walks with
//! injected empty pages, and walks while the list changes between pages.

mod common;

use std::collections::{HashMap, HashSet};

use common::*;
use serde_json::Value;
use tim_emulator::Emulator;

type Id = (u64, String);

struct Walker {
    conn: Conn,
    target: String,
}

impl Walker {
    fn new(s: &TestServer) -> Self {
        let mut conn = s.conn();
        // Sign with the emulator's own endpoint, at its own clock.
        let sig = conn
            .post("/_emulator/usersig", r#"{"identifier":"admin"}"#)
            .json()["usersig"]
            .as_str()
            .expect("usersig")
            .to_owned();
        let target = api_target("recentcontact/get_list", "admin", &sig);
        Walker { conn, target }
    }

    fn page(&mut self, from: &str, cursor: [u64; 4], flags: u64) -> Value {
        let r = self
            .conn
            .post(&self.target, &get_list_body(from, cursor, flags));
        assert_eq!(r.code(), 0);
        r.json()
    }

    /// Walks to the end, calling `between` after each page; returns the items in order.
    fn walk(
        &mut self,
        from: &str,
        flags: u64,
        mut between: impl FnMut(&mut Conn, usize, &[Value]),
    ) -> Vec<Value> {
        let mut cursor = [0; 4];
        let mut items = Vec::new();
        for n in 0..10_000 {
            let page = self.page(from, cursor, flags);
            let got = page["SessionItem"].as_array().expect("items").clone();
            items.extend(got.iter().cloned());
            if page["CompleteFlag"] == 1 {
                return items;
            }
            let next = cursor_of(&page);
            assert_ne!(next, cursor, "stalled cursor without a fault");
            cursor = next;
            between(&mut self.conn, n, &items);
        }
        panic!("walk did not end");
    }
}

/// The account's data as the admin API exports it: id -> (pinned, empty, MsgTime).
fn data(conn: &mut Conn, account: &str) -> HashMap<Id, (bool, bool, u64)> {
    let d = conn
        .get(&format!("/_emulator/data?account={account}"))
        .json();
    d["sessions"][account]
        .as_array()
        .expect("sessions")
        .iter()
        .map(|r| {
            (
                item_id(r),
                (
                    r["TopFlag"] == 1,
                    r["Empty"] == true,
                    r["MsgTime"].as_u64().expect("MsgTime"),
                ),
            )
        })
        .collect()
}

fn check_walk(items: &[Value], data: &HashMap<Id, (bool, bool, u64)>, flags: u64, has_marks: bool) {
    let ids: Vec<Id> = items.iter().map(item_id).collect();
    let set: HashSet<&Id> = ids.iter().collect();
    assert_eq!(set.len(), ids.len(), "duplicates under flags {flags}");
    let want: HashSet<&Id> = data
        .iter()
        .filter(|(_, (_, empty, _))| flags & 2 != 0 || !empty)
        .map(|(id, _)| id)
        .collect();
    assert_eq!(set, want, "flags {flags}");
    // Pinned first with bit 0; newest first within each group.
    let keys: Vec<(bool, u64)> = ids
        .iter()
        .map(|id| {
            let (pinned, _, t) = data[id];
            (flags & 1 != 0 && !pinned, u64::MAX - t)
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "order under flags {flags}");
    // Marks only when asked for.
    let marks = items.iter().any(|i| i.get("ContactGroupId").is_some());
    assert_eq!(
        marks,
        has_marks && flags >= 8,
        "mark fields under flags {flags}"
    );
    for i in items {
        assert_eq!(i["TopFlag"], u64::from(data[&item_id(i)].0), "{i}");
    }
}

#[test]
fn full_walks_hold_exactly_once_under_every_flag_combination() {
    let s = TestServer::start(Emulator::demo(config()));
    let mut w = Walker::new(&s);
    for (account, page_size) in [("alice", 7), ("alice", 100), ("user0300", 100)] {
        let mut conn = s.conn();
        let r = conn.post(
            "/_emulator/config",
            &format!(r#"{{"page_size":{page_size}}}"#),
        );
        assert_eq!(r.status, 200);
        let d = data(&mut conn, account);
        assert!(d.len() >= 300, "{account} has {}", d.len());
        for flags in (0..8).chain([15, 63]) {
            let items = w.walk(account, flags, |_, _, _| {});
            check_walk(&items, &d, flags, account == "alice");
        }
    }
}

#[test]
fn unpaged_pinned_conversations_all_come_first() {
    let s = TestServer::start(Emulator::demo(config()));
    let mut w = Walker::new(&s);
    assert_eq!(
        s.conn()
            .post("/_emulator/config", r#"{"page_size":3}"#)
            .status,
        200
    );
    let page = w.page("alice", [0; 4], 1);
    let items = page["SessionItem"].as_array().expect("items");
    // alice has 11 pinned conversations, one of them empty (hidden without bit 1).
    assert_eq!(items.len(), 10);
    assert!(items.iter().all(|i| i["TopFlag"] == 1));
    let paged = w.page("alice", [0; 4], 5);
    assert_eq!(paged["SessionItem"].as_array().map(Vec::len), Some(3));
}

#[test]
fn injected_empty_pages_move_the_cursor_and_lose_nothing() {
    let s = TestServer::start(Emulator::demo(config()));
    let mut w = Walker::new(&s);
    let mut conn = s.conn();
    assert_eq!(
        conn.post("/_emulator/config", r#"{"page_size":9}"#).status,
        200
    );
    let d = data(&mut conn, "alice");
    assert_eq!(
        conn.post(
            "/_emulator/faults",
            r#"["empty,count=3", "empty,rate=0.3,api=recentcontact/get_list"]"#
        )
        .status,
        200
    );
    for flags in [0, 3, 7] {
        let items = w.walk("alice", flags, |_, _, _| {});
        check_walk(&items, &d, flags, true);
    }
    let log = conn.get("/_emulator/log").json();
    let empties = log
        .as_array()
        .expect("log")
        .iter()
        .filter(|e| e["fault"] == "empty")
        .count();
    assert!(empties >= 3, "{empties} empty pages injected");
}

#[test]
fn a_stalled_cursor_echoes_the_request() {
    let s = TestServer::start(Emulator::demo(config()));
    let mut w = Walker::new(&s);
    let first = w.page("alice", [0; 4], 7);
    let cursor = cursor_of(&first);
    let mut conn = s.conn();
    assert_eq!(conn.post("/_emulator/faults", r#""stall""#).status, 200);
    let stalled = w.page("alice", cursor, 7);
    assert_eq!(cursor_of(&stalled), cursor);
    assert_eq!(stalled["CompleteFlag"], 0);
    // The fault was for one request: the same cursor now moves on.
    let next = w.page("alice", cursor, 7);
    assert_ne!(cursor_of(&next), cursor);
}

#[test]
fn changes_between_pages_never_duplicate_nor_skip_the_unchanged() {
    let s = TestServer::start(Emulator::demo(config()));
    let mut w = Walker::new(&s);
    for flags in [0u64, 1, 3, 5, 7] {
        let mut conn = s.conn();
        assert_eq!(conn.post("/_emulator/reset", "").status, 200);
        assert_eq!(
            conn.post("/_emulator/config", r#"{"page_size":10}"#).status,
            200
        );
        let before = data(&mut conn, "alice");
        let mut touched: HashSet<Id> = HashSet::new();
        // Conversations ordered oldest first, to change some not yet served.
        let mut by_age: Vec<(&Id, u64)> = before.iter().map(|(id, v)| (id, v.2)).collect();
        by_age.sort_by_key(|(id, t)| (*t, (*id).clone()));
        let items = w.walk("alice", flags, |c, n, served| {
            let served: HashSet<Id> = served.iter().map(item_id).collect();
            let body = |id: &Id| {
                let field = if id.0 == 1 { "To_Account" } else { "GroupId" };
                format!(
                    r#"{{"From_Account":"alice","Type":{},"{field}":"{}"}}"#,
                    id.0, id.1
                )
            };
            let unserved: Vec<&Id> = by_age
                .iter()
                .map(|(id, _)| *id)
                .filter(|id| !served.contains(*id) && !touched.contains(*id))
                .collect();
            let act = |c: &mut Conn, path: &str, id: &Id, touched: &mut HashSet<Id>| {
                let r = c.post(path, &body(id));
                assert_eq!(r.status, 200, "{path} {id:?}");
                touched.insert(id.clone());
            };
            match n % 5 {
                // A new message moves an unserved conversation to the top.
                0 => {
                    if let Some(id) = unserved.first() {
                        act(c, "/_emulator/message", id, &mut touched);
                    }
                }
                // Pin an unserved one, unpin a served pinned one.
                1 => {
                    if let Some(id) = unserved.get(1) {
                        act(c, "/_emulator/pin", id, &mut touched);
                    }
                    let served_pinned = served
                        .iter()
                        .find(|id| before[*id].0 && !touched.contains(*id));
                    if let Some(id) = served_pinned {
                        act(c, "/_emulator/unpin", id, &mut touched);
                    }
                }
                // Delete an unserved one and a served one.
                2 => {
                    if let Some(id) = unserved.get(2) {
                        act(c, "/_emulator/delete", id, &mut touched);
                    }
                    if let Some(id) = served.iter().next() {
                        act(c, "/_emulator/delete", id, &mut touched);
                    }
                }
                // A brand-new conversation with an old time, and a new message to a served one.
                3 => {
                    let id = (1, format!("newcomer{n}"));
                    let r = c.post(
                        "/_emulator/message",
                        &format!(
                            r#"{{"From_Account":"alice","Type":1,"To_Account":"{}","MsgTime":1}}"#,
                            id.1
                        ),
                    );
                    assert_eq!(r.status, 200);
                    touched.insert(id);
                    if let Some(id) = served.iter().next() {
                        act(c, "/_emulator/message", id, &mut touched);
                    }
                }
                _ => {}
            }
        });
        let ids: Vec<Id> = items.iter().map(item_id).collect();
        let set: HashSet<&Id> = ids.iter().collect();
        assert_eq!(set.len(), ids.len(), "duplicate under flags {flags}");
        for (id, (_, empty, _)) in &before {
            let listed = flags & 2 != 0 || !empty;
            if listed && !touched.contains(id) {
                assert!(
                    set.contains(id),
                    "unchanged {id:?} skipped under flags {flags}"
                );
            }
        }
        assert!(
            touched.len() > 10,
            "the walk changed only {} conversations",
            touched.len()
        );
    }
}
