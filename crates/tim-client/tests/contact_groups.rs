//! The conversation-group and mark wrappers over a fake transport: batch splitting, idempotency
//! (create is not retried after an ambiguous failure, marks are), `create_safely`'s read-back,
//! partial failures surfaced, and delete's "already gone".

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_lite::future::block_on;
use futures_util::StreamExt;
use serde_json::{Value, json};
use tim_client::{
    Client, Clock, ContactItem, CreatedGroup, ErrorCode, RateLimit, RetryPolicy, Sleep,
    StandardMarks,
};
use tim_transport::{Bytes, TransportError, transport_fn};

const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

/// A scripted answer.
#[derive(Clone, Debug)]
enum Answer {
    /// A 200 with this body.
    Json(Value),
    /// The connection was cut after sending (the request may have arrived).
    Reset,
    /// No answer ever (the attempt times out).
    Hang,
}

/// What the fake saw: (command, body) per request.
type Seen = Arc<Mutex<Vec<(String, Value)>>>;

/// A client whose transport answers from `script` in order, then with `fallback(command, body)`.
fn fake(
    script: Vec<Answer>,
    fallback: impl Fn(&str, &Value) -> Answer + Send + Sync + 'static,
) -> (Client, Seen) {
    let seen: Seen = Arc::default();
    let log = Arc::clone(&seen);
    let script = Arc::new(Mutex::new(VecDeque::from(script)));
    let transport = transport_fn(move |request: http::Request<Bytes>| {
        let command = request
            .uri()
            .path()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        let body: Value = serde_json::from_slice(request.body()).expect("JSON bodies");
        let answer = script
            .lock()
            .expect("lock")
            .pop_front()
            .unwrap_or_else(|| fallback(&command, &body));
        log.lock().expect("lock").push((command, body));
        async move {
            match answer {
                Answer::Json(v) => Ok(http::Response::new(Bytes::from(v.to_string()))),
                Answer::Reset => Err(TransportError::io(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "reset",
                ))),
                Answer::Hang => std::future::pending().await,
            }
        }
    });
    let mut policy = RetryPolicy::default();
    policy.initial_backoff = Duration::from_millis(1);
    policy.max_backoff = Duration::from_millis(2);
    policy.attempt_timeout = Some(Duration::from_millis(50));
    let client = Client::builder()
        .transport(transport)
        .base_url("http://fake.invalid")
        .sdk_app_id(1400000000)
        .secret_key(KEY)
        .no_rate_limit()
        .retry(policy)
        .build()
        .expect("valid config");
    (client, seen)
}

fn ok(mut body: Value) -> Answer {
    body["ActionStatus"] = json!("OK");
    body["ErrorCode"] = json!(0);
    Answer::Json(body)
}

/// A `mark_contact` answer with a `ResultItem` per item, every one failing whose account is
/// `"bad"`.
fn mark_answer(body: &Value) -> Answer {
    let results: Vec<Value> = body["MarkItem"]
        .as_array()
        .expect("MarkItem")
        .iter()
        .map(|item| {
            let bad = item["ContactItem"]["To_Account"] == "bad";
            json!({
                "OptType": item["OptType"], "ContactItem": item["ContactItem"],
                "ResultCode": if bad { 51008 } else { 0 }, "ResultInfo": if bad { "too many" } else { "" },
            })
        })
        .collect();
    ok(json!({ "ResultItem": results }))
}

fn peers(n: usize) -> Vec<ContactItem> {
    (0..n)
        .map(|i| ContactItem::c2c(format!("peer{i}")))
        .collect()
}

#[test]
fn marks_are_split_into_calls_of_at_most_100() {
    let (client, seen) = fake(vec![], |_, body| mark_answer(body));
    let bits = StandardMarks::from_indices([1, 3]).expect("bits");
    let results =
        block_on(client.marks().set("alice", peers(101), bits)).expect("both calls succeed");
    assert_eq!(results.calls, 2);
    assert_eq!(results.results.len(), 101);
    assert!(results.all_ok());
    let seen = seen.lock().expect("lock");
    let sizes: Vec<usize> = seen
        .iter()
        .map(|(cmd, body)| {
            assert_eq!(cmd, "mark_contact");
            assert_eq!(body["From_Account"], "alice");
            body["MarkItem"].as_array().map_or(0, Vec::len)
        })
        .collect();
    assert_eq!(sizes, [100, 1]);
    assert_eq!(seen[0].1["MarkItem"][0]["SetMark"], json!([1, 3]));
    assert_eq!(seen[0].1["MarkItem"][0]["OptType"], 1);
    assert_eq!(
        seen[1].1["MarkItem"][0]["ContactItem"]["To_Account"],
        "peer100"
    );
}

#[test]
fn no_marks_no_call_and_partial_failures_are_returned() {
    let (client, seen) = fake(vec![], |_, body| mark_answer(body));
    let none = block_on(client.marks().custom("alice", vec![], "x")).expect("nothing to do");
    assert_eq!((none.calls, seen.lock().expect("lock").len()), (0, 0));

    let contacts = vec![ContactItem::c2c("good"), ContactItem::c2c("bad")];
    let results = block_on(
        client
            .marks()
            .clear("alice", contacts, StandardMarks::from_bits(1)),
    )
    .expect("ok");
    let failed = results.partial_failures();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].contact, ContactItem::c2c("bad"));
    assert_eq!(
        failed[0].result_code,
        ErrorCode::CONTACT_GROUP_CONVERSATION_LIMIT
    );
    assert_eq!(
        seen.lock().expect("lock")[0].1["MarkItem"][0]["ClearMark"],
        json!([0])
    );
}

#[test]
fn marks_are_retried_after_an_ambiguous_failure() {
    let (client, seen) = fake(vec![Answer::Reset], |_, body| mark_answer(body));
    let results = block_on(client.marks().custom("alice", peers(3), "vip")).expect("retried");
    assert_eq!(results.results.len(), 3);
    assert_eq!(seen.lock().expect("lock").len(), 2, "sent again");
}

#[test]
fn search_is_split_into_calls_of_at_most_300() {
    let (client, seen) = fake(vec![], |_, body| {
        let items: Vec<Value> = body["ContactItem"]
            .as_array()
            .expect("ContactItem")
            .iter()
            .map(|c| json!({"Type": 1, "To_Account": c["To_Account"], "StandardMark": "1", "ContactGroupId": [7]}))
            .collect();
        ok(json!({"ContactResultItem": items, "GroupItem": [{"GroupName": "g", "GroupId": 7}]}))
    });
    let found = block_on(client.contact_groups().search("alice", peers(601))).expect("ok");
    assert_eq!(found.contacts.len(), 601);
    assert_eq!(found.groups.len(), 1, "each group once");
    let sizes: Vec<usize> = seen
        .lock()
        .expect("lock")
        .iter()
        .map(|(_, b)| b["ContactItem"].as_array().map_or(0, Vec::len))
        .collect();
    assert_eq!(sizes, [300, 300, 1]);
}

#[test]
fn create_is_not_retried_after_a_timeout_or_a_cut_connection() {
    for first in [Answer::Hang, Answer::Reset] {
        let (client, seen) = fake(vec![first.clone()], |_, _| {
            ok(
                json!({"GroupResultItem": [{"GroupItem": {"GroupName": "g", "GroupId": 1}, "ResultItem": []}]}),
            )
        });
        let err = block_on(client.contact_groups().create(
            "alice",
            "g",
            vec![ContactItem::c2c("bob")],
        ))
        .expect_err("not retried");
        assert!(err.may_have_reached_the_service(), "{first:?}: {err:?}");
        assert_eq!(seen.lock().expect("lock").len(), 1, "{first:?}: sent once");
    }
}

#[test]
fn rename_is_not_retried_but_add_is() {
    let update_ok = |_: &str, _: &Value| {
        ok(
            json!({"UpdateType": 1, "UpdateGroupResult": {"UpdateGroupType": 2, "GroupName": "g", "GroupId": 1, "ContactResultItem": []}}),
        )
    };
    let (client, seen) = fake(vec![Answer::Reset], update_ok);
    let err = block_on(client.contact_groups().rename("alice", "g", "h")).expect_err("once");
    assert!(err.may_have_reached_the_service());
    assert_eq!(seen.lock().expect("lock").len(), 1);

    let (client, seen) = fake(vec![Answer::Reset], update_ok);
    let r = block_on(
        client
            .contact_groups()
            .add("alice", "g", vec![ContactItem::group("@TGS#1")]),
    )
    .expect("retried");
    assert!(r.partial_failures().is_empty());
    let seen = seen.lock().expect("lock");
    assert_eq!(seen.len(), 2);
    assert_eq!(
        seen[1].1["UpdateGroup"]["ContactUpdateItem"][0]["ContactItem"]["ToGroupId"],
        "@TGS#1"
    );
}

/// A `get_contact_group` answer listing `groups` (name, id) and `members` (account, group id).
fn listing(groups: &[(&str, u64)], members: &[(&str, u64)]) -> Answer {
    let groups: Vec<Value> = groups
        .iter()
        .map(|(n, id)| json!({"GroupName": n, "GroupId": id}))
        .collect();
    let members: Vec<Value> = members
        .iter()
        .map(|(a, id)| json!({"Type": 1, "To_Account": a, "ContactGroupId": [id]}))
        .collect();
    ok(json!({"GroupItem": groups, "ContactItem": members, "CompleteFlag": 1, "NextStartIndex": 0}))
}

#[test]
fn create_safely_reads_back_and_does_not_resend_when_the_group_exists() {
    let (client, seen) = fake(
        vec![
            Answer::Reset,
            listing(&[("other", 1), ("g", 2)], &[("bob", 2)]),
        ],
        |_, _| panic!("nothing more may be sent"),
    );
    let outcome = block_on(client.contact_groups().create_safely(
        "alice",
        "g",
        vec![ContactItem::c2c("bob"), ContactItem::c2c("carol")],
    ))
    .expect("found");
    let CreatedGroup::Found {
        group,
        missing,
        first_error,
    } = outcome
    else {
        panic!("expected CreatedGroup::Found")
    };
    assert_eq!(group.group_id, 2);
    assert_eq!(missing, [ContactItem::c2c("carol")]);
    assert!(first_error.may_have_reached_the_service());
    let commands: Vec<String> = seen
        .lock()
        .expect("lock")
        .iter()
        .map(|(c, _)| c.clone())
        .collect();
    assert_eq!(commands, ["create_contact_group", "get_contact_group"]);
}

#[test]
fn create_safely_resends_when_the_group_is_absent() {
    let created = ok(
        json!({"GroupResultItem": [{"GroupItem": {"GroupName": "g", "GroupId": 5}, "ResultItem": [
            {"ContactItem": {"Type": 1, "To_Account": "bob"}, "ResultCode": 0, "ResultInfo": ""}]}]}),
    );
    let (client, seen) = fake(
        vec![Answer::Reset, listing(&[("other", 1)], &[]), created],
        |_, _| panic!("nothing more may be sent"),
    );
    let outcome = block_on(client.contact_groups().create_safely(
        "alice",
        "g",
        vec![ContactItem::c2c("bob")],
    ))
    .expect("created");
    assert!(matches!(&outcome, CreatedGroup::Created(_)), "{outcome:?}");
    assert_eq!(outcome.group().map(|g| g.group_id), Some(5));
    let commands: Vec<String> = seen
        .lock()
        .expect("lock")
        .iter()
        .map(|(c, _)| c.clone())
        .collect();
    assert_eq!(
        commands,
        [
            "create_contact_group",
            "get_contact_group",
            "create_contact_group"
        ]
    );
}

#[test]
fn delete_reads_51009_as_already_gone() {
    let (client, _) = fake(
        vec![
            ok(json!({"GroupItem": [{"GroupName": "g", "GroupId": 2}]})),
            Answer::Json(
                json!({"ActionStatus": "FAIL", "ErrorCode": 51009, "ErrorInfo": "not exist"}),
            ),
        ],
        |_, _| panic!("two calls only"),
    );
    let groups = client.contact_groups();
    assert!(block_on(groups.delete("alice", "g")).expect("deleted"));
    assert!(!block_on(groups.delete("alice", "g")).expect("already gone"));
}

#[test]
fn the_group_list_walks_every_page() {
    let (client, seen) = fake(
        vec![
            ok(
                json!({"GroupItem": [{"GroupName": "g", "GroupId": 1}], "ContactItem": [{"Type": 1, "To_Account": "a", "ContactGroupId": [1]}], "CompleteFlag": 0, "NextStartIndex": 1}),
            ),
            ok(json!({"GroupItem": [], "ContactItem": [], "CompleteFlag": 0, "NextStartIndex": 2})),
            ok(
                json!({"GroupItem": [{"GroupName": "g", "GroupId": 1}], "ContactItem": [{"Type": "2", "ToGroupId": "@TGS#1", "ContactGroupId": [1]}], "CompleteFlag": 1, "NextStartIndex": 0}),
            ),
        ],
        |_, _| panic!("three pages only"),
    );
    let all = block_on(client.contact_groups().collect("alice")).expect("walks");
    assert_eq!(all.groups.len(), 1);
    assert_eq!(all.members(1).count(), 2);
    let starts: Vec<Value> = seen
        .lock()
        .expect("lock")
        .iter()
        .map(|(_, b)| b["StartIndex"].clone())
        .collect();
    assert_eq!(starts, [json!(0), json!(1), json!(2)]);

    // The same walk as a stream of pages, with the cursor text after each.
    let (client, _) = fake(
        vec![ok(
            json!({"GroupItem": [], "ContactItem": [], "CompleteFlag": 0, "NextStartIndex": 9}),
        )],
        |_, _| listing(&[], &[]),
    );
    let cursors: Vec<Option<String>> = block_on(
        client
            .contact_groups()
            .list("alice")
            .pages()
            .map(|p| p.expect("a page").next.map(|c| c.to_string()))
            .collect::<Vec<_>>(),
    );
    assert_eq!(cursors, [Some("cg1.9".to_owned()), None]);
}

/// A clock that moves only when slept on, recording the sleeps.
#[derive(Clone, Debug)]
struct FakeClock(Arc<Mutex<(Instant, Duration, Vec<Duration>)>>);

impl Clock for FakeClock {
    fn unix_time(&self) -> u64 {
        1_700_000_000 + self.0.lock().expect("lock").1.as_secs()
    }

    fn now(&self) -> Instant {
        let t = self.0.lock().expect("lock");
        t.0 + t.1
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        let state = Arc::clone(&self.0);
        Box::pin(async move {
            let mut t = state.lock().expect("lock");
            t.1 += duration;
            t.2.push(duration);
        })
    }
}

#[test]
fn a_mark_batch_runs_under_the_rate_limit() {
    let clock = FakeClock(Arc::new(Mutex::new((
        Instant::now(),
        Duration::ZERO,
        Vec::new(),
    ))));
    let calls = Arc::new(Mutex::new(0usize));
    let counter = Arc::clone(&calls);
    let transport = transport_fn(move |request: http::Request<Bytes>| {
        *counter.lock().expect("lock") += 1;
        let body: Value = serde_json::from_slice(request.body()).expect("JSON");
        let Answer::Json(answer) = mark_answer(&body) else {
            unreachable!("mark_answer answers JSON")
        };
        async move { Ok(http::Response::new(Bytes::from(answer.to_string()))) }
    });
    let client = Client::builder()
        .transport(transport)
        .base_url("http://fake.invalid")
        .sdk_app_id(1)
        .secret_key(KEY)
        .clock(clock.clone())
        .rate_limit(RateLimit::per_second(10).with_margin_permille(0))
        .build()
        .expect("valid");
    let results = block_on(client.marks().custom("alice", peers(250), "x")).expect("ok");
    assert_eq!((results.calls, *calls.lock().expect("lock")), (3, 3));
    // The bucket spaces the three calls of the batch: the second and third wait 100 ms each.
    assert_eq!(
        clock.0.lock().expect("lock").2,
        vec![Duration::from_millis(100); 2]
    );
}
