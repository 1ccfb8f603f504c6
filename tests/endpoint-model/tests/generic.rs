//! The synthetic call `synthetic/list_peers` through every layer: the generic pager (a model
//! server), the client's streams, and the emulator's table.

use std::time::Duration;

use endpoint_model::{EPOCH, ListPeers, ListPeersResponse, Offset, SPEC};
use futures_lite::future::block_on;
use futures_util::StreamExt;
use proptest::prelude::*;
use tim_client::{Client, RetryPolicy};
use tim_emulator::{Config, Conversation, Emulator, Fault, InProcess, Kind};
use tim_proto::pager::{Pager, PagerError};
use tim_proto::{ActionStatus, ErrorCode};

const APP: u64 = 1_400_000_000;
const KEY: &str = "endpoint-model-secret-key";

fn answer(peers: &[String], done: bool, next: u64) -> ListPeersResponse {
    ListPeersResponse {
        peers: peers.to_vec(),
        done: u32::from(done),
        next_offset: Some(next),
        action_status: ActionStatus::Ok,
        error_code: ErrorCode(0),
        error_info: None,
        error_display: None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The generic pager walks the synthetic call against a model server that pages `n` peers
    /// `size` at a time and sends empty pages (moving to the next epoch) where told: every peer
    /// exactly once, in order, each request at the previous response's cursor.
    #[test]
    fn the_generic_pager_walks_a_single_cursor_call(
        n in 0usize..60,
        size in 1usize..9,
        empties in prop::collection::vec(any::<bool>(), 0..40),
    ) {
        let all: Vec<String> = (0..n).map(|i| format!("p{i}")).collect();
        let mut pager = Pager::new(ListPeers { from_account: "a".into(), offset: 0 });
        let mut got = Vec::new();
        let mut expected_cursor = Offset(0);
        let mut step = 0;
        while let Some(request) = pager.next_request().expect("no misuse") {
            prop_assert_eq!(Offset(request.offset), expected_cursor);
            let cursor = request.offset;
            let response = if empties.get(step).copied().unwrap_or(false) {
                answer(&[], false, cursor + EPOCH)
            } else {
                let start = usize::try_from(cursor % EPOCH).expect("small").min(n);
                let end = (start + size).min(n);
                answer(&all[start..end], end == n, cursor - cursor % EPOCH + end as u64)
            };
            step += 1;
            let page = pager.handle_response(response).expect("a model page");
            got.extend(page.items);
            if let Some(next) = page.next {
                expected_cursor = next;
            }
            prop_assert!(step < 200, "bounded walk");
        }
        prop_assert_eq!(got, all);
    }
}

#[test]
fn a_stalled_single_cursor_is_an_error_and_the_pager_can_resend() {
    let mut pager = Pager::new(ListPeers {
        from_account: "a".into(),
        offset: 7,
    });
    let request = pager.next_request().expect("ok").expect("a request");
    let e = pager
        .handle_response(answer(&[], false, request.offset))
        .expect_err("stalled");
    assert_eq!(e, PagerError::CursorStalled { cursor: Offset(7) });
    assert_eq!(
        pager.next_request().expect("resend").map(|r| r.offset),
        Some(7)
    );
}

fn emulator(peers: usize, page_size: usize) -> Emulator {
    let mut config = Config::new(APP, KEY);
    config.page_size = page_size;
    config.rate_limit = None;
    let mut emu = Emulator::new(config);
    emu.register(SPEC);
    let conversations = (0..peers)
        .map(|i| Conversation::new(Kind::C2c, format!("peer{i:03}"), 1_600_000_000 + i as u64))
        .collect();
    emu.data().set_list("alice", conversations);
    emu
}

fn client(transport: InProcess) -> Client {
    let mut retry = RetryPolicy::default();
    retry.max_attempts = 50;
    retry.initial_backoff = Duration::from_micros(200);
    retry.max_backoff = Duration::from_millis(2);
    retry.rate_limited_backoff = Duration::from_millis(1);
    Client::builder()
        .transport(transport)
        .base_url("http://emulator.invalid")
        .sdk_app_id(APP)
        .secret_key(KEY)
        .retry(retry)
        .no_rate_limit()
        .build()
        .expect("valid")
}

fn first() -> ListPeers {
    ListPeers {
        from_account: "alice".into(),
        offset: 0,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// The client's generic stream walks the synthetic call through the emulator's table under
    /// empty pages, transient codes and 502 pages: every peer of the emulator's own data exactly
    /// once, in its order.
    #[test]
    fn the_client_stream_walks_it_through_the_emulator_table_under_faults(
        peers in 0usize..40,
        page_size in 1usize..8,
        seed in any::<u64>(),
    ) {
        let mut emu = emulator(peers, page_size);
        emu.faults().reseed(seed);
        emu.faults()
            .rate(Fault::EmptyPage, 0.3)
            .rate(Fault::ErrorCode(50004), 0.1)
            .rate(Fault::HttpStatus(502), 0.1);
        let expected: Vec<String> = emu.data().conversations("alice").into_iter().map(|c| c.peer).collect();
        let transport = InProcess::new(emu);
        let client = client(transport.clone());
        let got = block_on(client.walk(first()).collect_all()).expect("the walk completes");
        prop_assert_eq!(got, expected);
        // Judged from the server's side too: every answered request of the walk was this call.
        let log = transport.with(|e| e.log().to_vec());
        prop_assert!(log.iter().all(|l| l.path == "/v4/synthetic/list_peers"));
    }
}

#[test]
fn the_client_streams_resume_after_a_stalled_cursor() {
    let emu = emulator(10, 3);
    let transport = InProcess::new(emu);
    let client = client(transport.clone());
    let walk = client.walk(first());
    let mut pages = walk.pages();
    let one = block_on(pages.next()).expect("a page").expect("ok");
    assert_eq!(one.items.len(), 3);
    transport.with(|e| {
        e.faults().script(Fault::StalledCursor, 1);
    });
    let error = block_on(pages.next())
        .expect("an item")
        .expect_err("stalled");
    assert!(error.is_cursor_stalled(), "{error}");
    let at = pages.cursor().expect("resumable");
    assert_eq!(at, Offset(3));
    let rest = block_on(walk.resume(at).collect_all()).expect("the rest");
    assert_eq!(one.items.len() + rest.len(), 10);
    // The many-walks driver is generic too.
    let walks = ["alice", "alice"].map(|k| (k, client.walk(first())));
    let lists: Vec<_> = block_on(client.walk_many(walks, 2).collect::<Vec<_>>());
    assert!(
        lists
            .iter()
            .all(|(_, r)| r.as_ref().map(Vec::len).ok() == Some(10))
    );
}

/// A call that the emulator's table does not have.
#[derive(serde::Serialize)]
struct Unknown {}

impl tim_proto::ApiRequest for Unknown {
    const PATH: tim_proto::ApiPath = tim_proto::ApiPath::new("synthetic", "not_in_the_table");
    const IDEMPOTENCY: tim_proto::Idempotency = tim_proto::Idempotency::Idempotent;
    type Response = tim_proto::Envelope;
}

#[test]
fn a_path_not_in_the_table_gets_the_unknown_resource_answer_and_runs_nothing() {
    let transport = InProcess::new(emulator(3, 3));
    let client = client(transport.clone());
    let error = block_on(client.call(&Unknown {})).expect_err("unknown");
    assert_eq!(error.api_code(), Some(ErrorCode::INVALID_RES));
    assert_eq!(
        transport.with(|e| e.data().len("alice")),
        3,
        "nothing deleted"
    );
}

#[test]
fn two_apis_have_independent_limits_in_the_emulator() {
    let mut emu = emulator(3, 3);
    emu.set_rate_limit(Some(2));
    let transport = InProcess::new(emu);
    let client = Client::builder()
        .transport(transport.clone())
        .base_url("http://emulator.invalid")
        .sdk_app_id(APP)
        .secret_key(KEY)
        .retry(RetryPolicy::no_retries())
        .no_rate_limit()
        .build()
        .expect("valid");
    let peers = || block_on(client.call(&first()));
    let list = || block_on(client.contacts().list("alice").page());
    // Two of each within the same second: each API has its own window of 2.
    peers().expect("1st list_peers");
    list().expect("1st get_list");
    peers().expect("2nd list_peers");
    list().expect("2nd get_list");
    // The third call of one API is over its limit; the emulator said so with 60007.
    let error = peers().expect_err("3rd list_peers");
    assert_eq!(error.api_code(), Some(ErrorCode::REST_FREQ_LIMIT));
}
