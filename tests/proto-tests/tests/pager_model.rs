//! Property tests: the pager against a reference model of the server.

use proptest::prelude::*;
use proto_tests::{ModelServer, ModelSession};
use tim_proto::pager::Pager;
use tim_proto::recent_contact::ListCursor as Cursor;

type PagerError = tim_proto::pager::PagerError<Cursor>;
use tim_proto::recent_contact::{AssistFlags, GetListRequest};

fn sessions() -> impl Strategy<Value = Vec<ModelSession>> {
    // Few distinct times, so equal `MsgTime`s are common.
    prop::collection::vec((0u64..6, any::<bool>(), prop::bool::weighted(0.2)), 0..40).prop_map(
        |v| {
            v.into_iter()
                .enumerate()
                .map(|(i, (t, pinned, empty))| ModelSession {
                    id: i as u32,
                    msg_time: 1_630_000_000 + t,
                    pinned,
                    empty,
                })
                .collect()
        },
    )
}

fn flags() -> impl Strategy<Value = AssistFlags> {
    (0u32..64).prop_map(AssistFlags::from_bits_retain)
}

struct Walk {
    items: Vec<String>,
    requests: Vec<GetListRequest>,
    cursors_after: Vec<Option<Cursor>>,
}

fn walk(server: &mut ModelServer, mut pager: Pager<GetListRequest>) -> Result<Walk, PagerError> {
    let mut walk = Walk {
        items: Vec::new(),
        requests: Vec::new(),
        cursors_after: Vec::new(),
    };
    while let Some(request) = pager.next_request()? {
        let response = server.serve(&request);
        walk.requests.push(request);
        let page = pager.handle_response(response)?;
        walk.items.extend(
            page.items
                .iter()
                .filter_map(|i| i.peer_id().map(str::to_owned)),
        );
        walk.cursors_after.push(page.next);
    }
    Ok(walk)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn every_session_exactly_once_in_model_order(
        sessions in sessions(), page_size in 1usize..8, flags in flags(), empty_pages in any::<bool>(),
    ) {
        let mut server = ModelServer::new(sessions, page_size, empty_pages, None);
        let walk = walk(&mut server, Pager::new(GetListRequest::first("alice", flags))).expect("a model walk completes");
        prop_assert_eq!(&walk.items, &server.order(flags));
        // Exactly as many requests as the list has pages (counted from its shape, not by serving
        // it), and none after CompleteFlag = 1.
        prop_assert_eq!(walk.requests.len() as u64, server.expected_pages(flags));
        prop_assert_eq!(server.after_complete, 0);
        // Every request echoes the previous response's four cursor fields.
        prop_assert_eq!(Cursor::of_request(&walk.requests[0]), Cursor::START);
        for (request, previous) in walk.requests[1..].iter().zip(&walk.cursors_after) {
            prop_assert_eq!(Some(Cursor::of_request(request)), *previous);
            prop_assert_eq!(request.assist_flags, flags);
            prop_assert_eq!(&request.from_account, "alice");
        }
    }

    #[test]
    fn resuming_from_any_cursor_text_yields_the_same_remainder(
        sessions in sessions(), page_size in 1usize..6, flags in flags(), empty_pages in any::<bool>(), cut in 0usize..20,
    ) {
        let mut server = ModelServer::new(sessions.clone(), page_size, empty_pages, None);
        let mut pager = Pager::new(GetListRequest::first("alice", flags));
        let mut seen = Vec::new();
        let mut pages = 0;
        while pages < cut {
            let Some(request) = pager.next_request().expect("no error") else { break };
            let page = pager.handle_response(server.serve(&request)).expect("no error");
            seen.extend(page.items.iter().filter_map(|i| i.peer_id().map(str::to_owned)));
            pages += 1;
        }
        if let Some(cursor) = pager.cursor().copied() {
            let token = cursor.to_string();
            prop_assert!(token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.'));
            let resumed = Pager::resume(GetListRequest::first("alice", flags), token.parse().expect("round trip"));
            let mut fresh = ModelServer::new(sessions, page_size, empty_pages, None);
            let rest = walk(&mut fresh, resumed).expect("completes");
            seen.extend(rest.items);
        }
        prop_assert_eq!(seen, server.order(flags));
    }

    #[test]
    fn a_stalling_server_is_caught_within_one_step(
        sessions in sessions(), page_size in 1usize..8, flags in flags(), stall_at in 1u64..10,
    ) {
        let mut server = ModelServer::new(sessions, page_size, false, Some(stall_at));
        let mut pager = Pager::new(GetListRequest::first("alice", flags));
        let mut outcome = Ok(());
        while let Some(request) = pager.next_request().expect("no misuse") {
            let sent = Cursor::of_request(&request);
            match pager.handle_response(server.serve(&request)) {
                Ok(_) => {}
                Err(e) => {
                    prop_assert_eq!(e.clone(), PagerError::CursorStalled { cursor: sent });
                    // Left ready to re-send the same request.
                    prop_assert_eq!(pager.cursor().copied(), Some(sent));
                    outcome = Err(e);
                    break;
                }
            }
        }
        // Either the list completed before the stall page, or the stall was caught on that page.
        match outcome {
            Ok(()) => prop_assert!(server.served < stall_at),
            Err(_) => prop_assert_eq!(server.served, stall_at),
        }
    }

    #[test]
    fn cursor_text_round_trips(a in any::<u64>(), b in any::<u64>(), c in any::<u64>(), d in any::<u64>()) {
        let text = format!("v1.{a}.{b}.{c}.{d}");
        let cursor: Cursor = text.parse().expect("valid");
        prop_assert_eq!(cursor.to_string(), text);
        prop_assert_eq!((cursor.time_stamp(), cursor.start_index(), cursor.top_time_stamp(), cursor.top_start_index()), (a, b, c, d));
    }

    #[test]
    fn cursor_parse_never_panics(s in "\\PC{0,40}") {
        let _ = s.parse::<Cursor>();
    }
}

#[test]
fn page_limit_stops_a_runaway_and_reports_where_to_resume() {
    let sessions = (0..10)
        .map(|i| ModelSession {
            id: i,
            msg_time: 100 - u64::from(i),
            pinned: false,
            empty: false,
        })
        .collect();
    let mut server = ModelServer::new(sessions, 2, false, None);
    let mut pager =
        Pager::new(GetListRequest::first("alice", AssistFlags::default())).with_max_pages(3);
    let mut requests = 0;
    let err = loop {
        match pager.next_request() {
            Ok(Some(r)) => {
                requests += 1;
                pager.handle_response(server.serve(&r)).expect("valid page");
            }
            Ok(None) => panic!("the list has 5 pages, the limit is 3"),
            Err(e) => break e,
        }
    };
    assert_eq!(requests, 3);
    match err {
        PagerError::PageLimitReached { limit: 3, cursor } => {
            assert_eq!(Some(cursor), pager.cursor().copied())
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn misuse_is_an_error_not_a_panic() {
    let mut pager = Pager::new(GetListRequest::first("alice", AssistFlags::default()));
    let response: tim_proto::recent_contact::GetListResponse =
        serde_json::from_str(r#"{"CompleteFlag":1,"ActionStatus":"OK","ErrorCode":0}"#)
            .expect("valid");
    assert_eq!(
        pager.handle_response(response.clone()),
        Err(PagerError::UnexpectedResponse)
    );
    let request = pager.next_request().expect("ready").expect("a request");
    assert_eq!(pager.next_request(), Err(PagerError::RequestOutstanding));
    assert_eq!(pager.pending(), Some(request));
    let page = pager.handle_response(response.clone()).expect("complete");
    assert!(page.is_last());
    assert_eq!(pager.next_request(), Ok(None));
    assert_eq!(
        pager.handle_response(response),
        Err(PagerError::UnexpectedResponse)
    );
}

#[test]
fn missing_cursor_and_bad_complete_flag_are_typed() {
    let mut pager = Pager::new(GetListRequest::first("alice", AssistFlags::default()));
    let _ = pager.next_request().expect("ready");
    let missing: tim_proto::recent_contact::GetListResponse = serde_json::from_str(
        r#"{"CompleteFlag":0,"TimeStamp":5,"ActionStatus":"OK","ErrorCode":0}"#,
    )
    .expect("valid");
    assert_eq!(
        pager.handle_response(missing),
        Err(PagerError::MissingCursor)
    );
    let _ = pager.next_request().expect("ready again after an error");
    let bad: tim_proto::recent_contact::GetListResponse =
        serde_json::from_str(r#"{"CompleteFlag":2,"ActionStatus":"OK","ErrorCode":0}"#)
            .expect("valid");
    assert_eq!(
        pager.handle_response(bad),
        Err(PagerError::BadCompleteFlag(2))
    );
}

#[test]
fn bad_cursor_texts_are_rejected() {
    for bad in [
        "",
        "v1",
        "v2.0.0.0.0",
        "v1.0.0.0",
        "v1.0.0.0.0.0",
        "v1.+1.0.0.0",
        "v1.a.0.0.0",
        "v1.18446744073709551616.0.0.0",
    ] {
        assert!(bad.parse::<Cursor>().is_err(), "{bad}");
    }
}
