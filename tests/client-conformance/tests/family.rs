//! The whole recentcontact family end to end: tim-client's group and mark calls against the
//! emulator's (two independent implementations of the same pages), and get_list with flags 63
//! reflecting what they made.

use futures_lite::future::block_on;
use tim_client::Client;
use tim_emulator::{Config, Emulator, InProcess};
use tim_proto::contact_group::{ContactItem, StandardMarks};
use tim_proto::recent_contact::{AssistFlags, SessionItem};

const APP: u64 = 1_400_000_000;
const KEY: &str = "family-end-to-end-secret-key";

fn client() -> (Client, InProcess) {
    let mut config = Config::new(APP, KEY);
    config.rate_limit = None;
    let transport = InProcess::new(Emulator::demo(config));
    let client = Client::builder()
        .transport(transport.clone())
        .base_url("http://emulator.invalid")
        .sdk_app_id(APP)
        .secret_key(KEY)
        .no_rate_limit()
        .build()
        .expect("valid");
    (client, transport)
}

/// alice's first two one-to-one peers, as the emulator has them.
fn two_peers(client: &Client) -> Vec<String> {
    let all = block_on(client.contacts().list("alice").collect_all()).expect("list");
    all.iter()
        .filter_map(|i| match i {
            SessionItem::C2c(c) => Some(c.to_account.clone()),
            _ => None,
        })
        .take(2)
        .collect()
}

#[test]
fn groups_and_marks_made_through_the_api_show_in_get_list_with_flags_63() {
    let (client, _transport) = client();
    let peers = two_peers(&client);
    let items: Vec<ContactItem> = peers.iter().map(|p| ContactItem::c2c(p.clone())).collect();
    let groups = client.contact_groups();
    let created =
        block_on(groups.create("alice", "e2e-friends", vec![items[0].clone()])).expect("create");
    assert!(created.partial_failures().is_empty(), "{created:?}");
    let group_id = created.group().expect("the new group").group_id;
    let added = block_on(groups.add("alice", "e2e-friends", vec![items[1].clone()])).expect("add");
    assert!(added.partial_failures().is_empty(), "{added:?}");
    let marks = client.marks();
    let bits = StandardMarks::from_indices([1, 3]).expect("valid bits");
    let marked = block_on(marks.set("alice", vec![items[0].clone()], bits)).expect("mark");
    assert!(marked.all_ok(), "{marked:?}");
    let custom = block_on(marks.custom("alice", vec![items[1].clone()], "vip")).expect("custom");
    assert!(custom.all_ok(), "{custom:?}");

    // The emulator's state, read back through get_contact_group.
    let list = block_on(groups.collect("alice")).expect("groups");
    assert!(list.group("e2e-friends").is_some(), "{list:?}");
    assert_eq!(list.members(group_id).count(), 2, "{list:?}");

    // get_list with flags 63 reports the marks and the group on those conversations...
    let with_marks = block_on(
        client
            .contacts()
            .with_flags(AssistFlags::DOCUMENTED_63)
            .list("alice")
            .collect_all(),
    )
    .expect("list 63");
    let meta = |peer: &str| {
        with_marks
            .iter()
            .find(|i| i.peer_id() == Some(peer))
            .and_then(SessionItem::meta)
            .cloned()
            .expect("the conversation")
    };
    let first = meta(&peers[0]);
    assert!(
        first
            .contact_group_id
            .as_deref()
            .unwrap_or_default()
            .contains(&group_id),
        "{first:?}"
    );
    let shown: StandardMarks = first
        .standard_mark
        .as_deref()
        .expect("a StandardMark")
        .parse()
        .expect("a bit string");
    assert!(shown.contains(1) && shown.contains(3), "{shown}");
    assert_eq!(meta(&peers[1]).custom_mark.as_deref(), Some("vip"));
    // ... and the default flags leave them out.
    let plain = block_on(client.contacts().list("alice").collect_all()).expect("list 7");
    let plain_first = plain
        .iter()
        .find(|i| i.peer_id() == Some(peers[0].as_str()))
        .and_then(SessionItem::meta)
        .expect("the conversation");
    assert!(plain_first.standard_mark.is_none() && plain_first.contact_group_id.is_none());

    // Clearing the marks and deleting the group leave nothing behind.
    let cleared = block_on(marks.clear("alice", vec![items[0].clone()], bits)).expect("clear");
    assert!(cleared.all_ok());
    assert!(block_on(groups.delete("alice", "e2e-friends")).expect("delete"));
    assert!(!block_on(groups.delete("alice", "e2e-friends")).expect("already gone"));
    let after = block_on(groups.collect("alice")).expect("groups");
    assert!(after.group("e2e-friends").is_none(), "{after:?}");
}

#[test]
fn a_limit_code_of_the_emulator_reaches_the_caller_typed() {
    let (client, _transport) = client();
    let groups = client.contact_groups();
    let long_name = "x".repeat(33);
    let error = block_on(groups.create("alice", long_name, vec![])).expect_err("51011");
    assert_eq!(
        error.api_code(),
        Some(tim_proto::ErrorCode::CONTACT_GROUP_NAME_TOO_LONG),
        "{error}"
    );
}
