//! The faults behind `tim conformance client` (`pass`, `unknown-item`, `extra-fields`,
//! `expire-usersig`) and the log fields its judge reads (`delay`, `reply`), through the sans-IO
//! core with chosen times.

use std::time::Duration;

use bytes::Bytes;
use serde_json::Value;
use tim_emulator::{Config, Conversation, Delivery, Emulator, Kind, UNKNOWN_ITEM_TYPE};

const SDKAPPID: u64 = 1_400_000_001;
const KEY: &str = "conformance-test-key";
const T: u64 = 1_800_000_000;

fn emulator() -> Emulator {
    let mut c = Config::new(SDKAPPID, KEY);
    c.admins = vec!["admin".into()];
    c.rate_limit = None;
    c.page_size = 2;
    let mut e = Emulator::new(c);
    e.data().set_list(
        "walker",
        (0..5)
            .map(|i| Conversation::new(Kind::C2c, format!("u{i}"), 1_700_000_000 + i))
            .collect(),
    );
    e
}

fn request(e: &Emulator, signed_at: u64, cursor: [u64; 4]) -> http::Request<Bytes> {
    let sig = e.sign("admin", signed_at, 86_400);
    let uri = format!(
        "/v4/recentcontact/get_list?sdkappid={SDKAPPID}&identifier=admin&usersig={}&random=7&contenttype=json",
        sig.expose()
    );
    let body = format!(
        r#"{{"From_Account":"walker","TimeStamp":{},"StartIndex":{},"TopTimeStamp":{},"TopStartIndex":{},"AssistFlags":7}}"#,
        cursor[0], cursor[1], cursor[2], cursor[3]
    );
    http::Request::post(uri)
        .body(Bytes::from(body))
        .expect("request")
}

fn json(body: &[u8]) -> Value {
    serde_json::from_slice(body).expect("json answer")
}

fn cursor(v: &Value) -> [u64; 4] {
    ["TimeStamp", "StartIndex", "TopTimeStamp", "TopStartIndex"]
        .map(|f| v[f].as_u64().expect("cursor field"))
}

fn at(secs: u64, millis: u64) -> Duration {
    Duration::from_secs(secs) + Duration::from_millis(millis)
}

#[test]
fn pass_lets_the_first_requests_through_then_the_next_fault_applies() {
    let mut e = emulator();
    e.faults().apply_spec("pass,count=2").expect("spec");
    e.faults().apply_spec("stall,rate=1").expect("spec");
    let first = json(e.handle(at(T, 0), request(&e, T, [0; 4])).response.body());
    let second = json(
        e.handle(at(T, 1), request(&e, T, cursor(&first)))
            .response
            .body(),
    );
    let third_request = cursor(&second);
    let third = json(
        e.handle(at(T, 2), request(&e, T, third_request))
            .response
            .body(),
    );
    assert_ne!(cursor(&first), [0; 4]);
    assert_ne!(cursor(&second), cursor(&first));
    assert_eq!(cursor(&third), third_request, "stalled");
    let faults: Vec<Option<&str>> = e.log().iter().map(|l| l.fault.as_deref()).collect();
    assert_eq!(faults, [None, None, Some("stall")]);
}

#[test]
fn unknown_item_is_inserted_in_the_middle_and_the_cursor_is_unchanged() {
    let mut plain = emulator();
    let expected = json(
        plain
            .handle(at(T, 0), request(&plain, T, [0; 4]))
            .response
            .body(),
    );
    let mut e = emulator();
    e.faults().apply_spec("unknown-item").expect("spec");
    let page = json(e.handle(at(T, 0), request(&e, T, [0; 4])).response.body());
    let items = page["SessionItem"].as_array().expect("items");
    assert_eq!(items.len(), 3);
    assert_eq!(items[1]["Type"], UNKNOWN_ITEM_TYPE);
    assert_eq!(items[1]["ConformanceProbe"], "unknown-type");
    assert_eq!(items[0], expected["SessionItem"][0]);
    assert_eq!(items[2], expected["SessionItem"][1]);
    assert_eq!(cursor(&page), cursor(&expected));
    assert_eq!(page["CompleteFlag"], 0);
    assert_eq!(e.log()[0].fault.as_deref(), Some("unknown-item"));
}

#[test]
fn extra_fields_reach_every_item_and_the_envelope() {
    let mut e = emulator();
    e.faults().apply_spec("extra-fields,rate=1").expect("spec");
    let page = json(e.handle(at(T, 0), request(&e, T, [0; 4])).response.body());
    for item in page["SessionItem"].as_array().expect("items") {
        assert_eq!(item["FutureNumber"], 42, "{item}");
        assert_eq!(item["FutureObject"]["Nested"][3]["Deep"], true, "{item}");
        assert!(item["To_Account"].is_string(), "{item}");
    }
    assert!(page["FutureString"].is_string());
    assert_eq!(page["ErrorCode"], 0);
}

#[test]
fn expire_usersig_refuses_every_usersig_issued_until_then_and_answers_after_the_second() {
    let mut e = emulator();
    e.faults().apply_spec("pass").expect("spec");
    e.faults().apply_spec("expire-usersig").expect("spec");
    let first = e.handle(at(T, 100), request(&e, T, [0; 4]));
    let next = cursor(&json(first.response.body()));
    let expired = e.handle(at(T, 300), request(&e, T, next));
    assert_eq!(json(expired.response.body())["ErrorCode"], 70001);
    // Sent just after second T+1 starts, so a UserSig signed on arrival is issued later.
    assert_eq!(expired.delay, Duration::from_millis(705));
    assert_eq!(e.fault_config().usersigs_expired_through(), Some(T));
    // The old UserSig stays expired, even a new one signed within the same second.
    let again = e.handle(at(T + 1, 10), request(&e, T, next));
    assert_eq!(json(again.response.body())["ErrorCode"], 70001);
    let same_second = e.handle(at(T + 1, 20), request(&e, T, next));
    assert_eq!(json(same_second.response.body())["ErrorCode"], 70001);
    // One signed after the answer arrived passes, with the same cursor.
    let renewed = e.handle(at(T + 1, 30), request(&e, T + 1, next));
    assert_eq!(json(renewed.response.body())["ErrorCode"], 0);
    let faults: Vec<Option<&str>> = e.log().iter().map(|l| l.fault.as_deref()).collect();
    assert_eq!(faults, [None, Some("expire-usersig"), None, None, None]);
    e.reset();
    assert_eq!(e.fault_config().usersigs_expired_through(), None);
}

#[test]
fn the_log_records_the_delay_and_the_reply_as_sent() {
    let mut e = emulator();
    e.faults().apply_spec("delay=250ms").expect("spec");
    e.faults().apply_spec("truncate").expect("spec");
    e.faults().apply_spec("drop").expect("spec");
    let delayed = e.handle(at(T, 0), request(&e, T, [0; 4]));
    let truncated = e.handle(at(T, 1), request(&e, T, [0; 4]));
    let dropped = e.handle(at(T, 2), request(&e, T, [0; 4]));
    assert_eq!(dropped.delivery, Delivery::Drop);
    let log = e.log();
    assert_eq!(log[0].delay, Duration::from_millis(250));
    assert_eq!(log[0].reply.as_bytes(), delayed.response.body().as_ref());
    let Delivery::Truncate { after } = truncated.delivery else {
        panic!("truncated: {:?}", truncated.delivery);
    };
    assert_eq!(log[1].reply.as_bytes(), &truncated.response.body()[..after]);
    assert_eq!(log[2].reply, "");
    let serialized = serde_json::to_value(&log[0]).expect("serializes");
    assert_eq!(serialized["delay_ms"], 250);
    assert_eq!(serialized["reply"], log[0].reply);
}
