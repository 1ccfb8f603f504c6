//! Unit tests of the retry, backoff, re-sign, limiter and paging logic, over `transport_fn`
//! fakes and a fake clock (no real waiting, no sockets).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_lite::future::block_on;
use futures_util::StreamExt;
use tim_proto::ErrorCode;
use tim_proto::recent_contact::ListCursor as Cursor;
use tim_proto::recent_contact::{DeleteTarget, GetListRequest};
use tim_transport::{Bytes, TransportError, transport_fn};

use crate::{Client, Clock, Error, Random, RateLimit, RetryPolicy, Sleep};

const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

/// A clock that moves only when slept on (when the sleep is polled), plus one second every
/// time the Unix time is read, so that a re-signed UserSig differs from the one it replaces.
#[derive(Clone, Debug)]
struct FakeClock(Arc<Mutex<FakeTime>>);

#[derive(Debug)]
struct FakeTime {
    base: Instant,
    offset: Duration,
    unix_reads: u64,
    sleeps: Vec<Duration>,
}

impl FakeClock {
    fn new() -> Self {
        FakeClock(Arc::new(Mutex::new(FakeTime {
            base: Instant::now(),
            offset: Duration::ZERO,
            unix_reads: 0,
            sleeps: Vec::new(),
        })))
    }

    fn sleeps(&self) -> Vec<Duration> {
        self.0.lock().expect("lock").sleeps.clone()
    }

    fn elapsed(&self) -> Duration {
        self.0.lock().expect("lock").offset
    }
}

impl Clock for FakeClock {
    fn unix_time(&self) -> u64 {
        let mut t = self.0.lock().expect("lock");
        t.unix_reads += 1;
        1_700_000_000 + t.offset.as_secs() + t.unix_reads
    }

    fn now(&self) -> Instant {
        let t = self.0.lock().expect("lock");
        t.base + t.offset
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        let state = Arc::clone(&self.0);
        Box::pin(async move {
            let mut t = state.lock().expect("lock");
            t.offset += duration;
            t.sleeps.push(duration);
        })
    }
}

/// `random` counts up from 1; jitter from it is tiny but deterministic.
#[derive(Debug, Default)]
struct Counter(Mutex<u32>);

impl Random for Counter {
    fn next_u32(&self) -> u32 {
        let mut n = self.0.lock().expect("lock");
        *n += 1;
        *n
    }
}

/// A scripted answer.
#[derive(Clone, Debug)]
enum Answer {
    Ok(&'static str),
    Code(i64),
    Status(u16),
    Io,
    Connect,
    Hang,
}

fn respond(answer: &Answer) -> Option<Result<http::Response<Bytes>, TransportError>> {
    let json = |body: String| {
        Ok(http::Response::builder()
            .status(200)
            .body(Bytes::from(body))
            .expect("valid"))
    };
    Some(match answer {
        Answer::Ok(body) => json((*body).to_owned()),
        Answer::Code(code) => json(format!(
            r#"{{"ActionStatus":"FAIL","ErrorCode":{code},"ErrorInfo":"scripted {code}"}}"#
        )),
        Answer::Status(status) => Ok(http::Response::builder()
            .status(*status)
            .body(Bytes::from_static(
                b"<html><body>502 Bad Gateway</body></html>",
            ))
            .expect("valid")),
        Answer::Io => Err(TransportError::io(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "reset",
        ))),
        Answer::Connect => Err(TransportError::connect(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "refused",
        ))),
        Answer::Hang => return None,
    })
}

/// What the fake transport saw.
#[derive(Clone, Debug, Default)]
struct Seen(Arc<Mutex<Vec<(String, String)>>>);

impl Seen {
    fn requests(&self) -> Vec<(String, String)> {
        self.0.lock().expect("lock").clone()
    }

    fn len(&self) -> usize {
        self.0.lock().expect("lock").len()
    }

    fn query_value(uri: &str, key: &str) -> String {
        uri.split(['?', '&'])
            .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
            .unwrap_or_default()
            .to_owned()
    }
}

/// A client over scripted answers (then `fallback` forever).
fn scripted(
    answers: Vec<Answer>,
    fallback: Answer,
    policy: RetryPolicy,
) -> (Client, FakeClock, Seen) {
    let clock = FakeClock::new();
    let seen = Seen::default();
    let script = Arc::new(Mutex::new(VecDeque::from(answers)));
    let log = seen.clone();
    let transport = transport_fn(move |request: http::Request<Bytes>| {
        log.0.lock().expect("lock").push((
            request.uri().to_string(),
            String::from_utf8_lossy(request.body()).into_owned(),
        ));
        let answer = script
            .lock()
            .expect("lock")
            .pop_front()
            .unwrap_or_else(|| fallback.clone());
        async move {
            match respond(&answer) {
                Some(result) => result,
                None => std::future::pending().await,
            }
        }
    });
    let client = Client::builder()
        .transport(transport)
        .base_url("http://fake.invalid")
        .sdk_app_id(1400000000)
        .secret_key(KEY)
        .clock(clock.clone())
        .random(Counter::default())
        .no_rate_limit()
        .retry(policy)
        .build()
        .expect("valid config");
    (client, clock, seen)
}

const EMPTY_OK: &str = r#"{"ActionStatus":"OK","ErrorCode":0}"#;

fn delete(client: &Client) -> Result<(), Error> {
    block_on(
        client
            .contacts()
            .delete("alice", DeleteTarget::C2c("bob".into())),
    )
}

#[test]
fn transient_faults_are_retried_with_the_same_body_and_fresh_random() {
    let (client, clock, seen) = scripted(
        vec![
            Answer::Code(50004),
            Answer::Status(502),
            Answer::Io,
            Answer::Connect,
            Answer::Ok(EMPTY_OK),
        ],
        Answer::Code(1),
        RetryPolicy::default(),
    );
    delete(&client).expect("succeeds after retries");
    let requests = seen.requests();
    assert_eq!(requests.len(), 5);
    let bodies: Vec<_> = requests.iter().map(|(_, b)| b.as_str()).collect();
    assert!(bodies.iter().all(|b| *b == bodies[0]), "{bodies:?}");
    let randoms: Vec<_> = requests
        .iter()
        .map(|(u, _)| Seen::query_value(u, "random"))
        .collect();
    let mut unique = randoms.clone();
    unique.dedup();
    assert_eq!(unique.len(), randoms.len(), "{randoms:?}");
    // Four backoffs, doubling from 100 ms with equal jitter (the counter's jitter is ~0).
    let sleeps = clock.sleeps();
    let ms = Duration::from_millis;
    assert_eq!(sleeps.len(), 4, "{sleeps:?}");
    for (sleep, full) in sleeps.iter().zip([100, 200, 400, 800]) {
        assert!(
            *sleep >= ms(full / 2) && *sleep < ms(full / 2 + 1),
            "{sleep:?}"
        );
    }
}

#[test]
fn a_permanent_error_surfaces_at_once_with_code_and_info() {
    let (client, clock, seen) = scripted(vec![], Answer::Code(50001), RetryPolicy::default());
    let error = delete(&client).expect_err("permanent");
    assert_eq!(seen.len(), 1);
    assert!(clock.sleeps().is_empty());
    assert_eq!(error.api_code(), Some(ErrorCode::CONV_ACCOUNT_NOT_FOUND));
    assert!(!error.is_retryable());
    let text = error.to_string();
    assert!(text.contains("50001"), "{text}");
    assert!(text.contains("has not been imported"), "{text}");
    assert!(text.contains("scripted 50001"), "{text}");
}

#[test]
fn attempts_are_bounded() {
    let policy = RetryPolicy {
        max_attempts: 3,
        ..RetryPolicy::default()
    };
    let (client, _, seen) = scripted(vec![], Answer::Code(60008), policy);
    let error = delete(&client).expect_err("exhausted");
    assert_eq!(seen.len(), 3);
    assert_eq!(error.api_code(), Some(ErrorCode::REQUEST_TIMEOUT));
    assert!(error.is_retryable());
}

#[test]
fn the_deadline_bounds_the_whole_call() {
    let policy = RetryPolicy {
        max_attempts: 100,
        deadline: Duration::from_secs(2),
        ..RetryPolicy::default()
    };
    let (client, clock, seen) = scripted(vec![], Answer::Status(503), policy);
    match delete(&client) {
        Err(Error::Timeout {
            deadline,
            attempts,
            last: Some(last),
        }) => {
            assert_eq!(deadline, Duration::from_secs(2));
            assert_eq!(attempts as usize, seen.len());
            assert_eq!(
                last.http_status(),
                Some(http::StatusCode::SERVICE_UNAVAILABLE)
            );
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(clock.elapsed() < Duration::from_secs(2));
    // 50 + 100 + 200 + 400 + 800 ms of backoff fit in 2 s; the next (1.6 s) does not.
    assert_eq!(seen.len(), 6);
}

#[test]
fn frequency_limits_wait_longer() {
    let (client, clock, seen) = scripted(
        vec![Answer::Code(60007), Answer::Code(60018)],
        Answer::Ok(EMPTY_OK),
        RetryPolicy::default(),
    );
    delete(&client).expect("succeeds");
    assert_eq!(seen.len(), 3);
    let sleeps = clock.sleeps();
    assert!(sleeps[0] >= Duration::from_millis(500), "{sleeps:?}");
    assert!(sleeps[1] >= Duration::from_millis(1000), "{sleeps:?}");
}

#[test]
fn an_expired_usersig_is_signed_again_once() {
    let (client, clock, seen) = scripted(
        vec![Answer::Code(70001)],
        Answer::Ok(EMPTY_OK),
        RetryPolicy::no_retries(),
    );
    delete(&client).expect("re-signed and retried");
    let sigs: Vec<_> = seen
        .requests()
        .iter()
        .map(|(u, _)| Seen::query_value(u, "usersig"))
        .collect();
    assert_eq!(sigs.len(), 2);
    assert_ne!(sigs[0], sigs[1], "a new UserSig was signed");
    assert!(clock.sleeps().is_empty(), "no backoff before a re-sign");
    // The new one is reused afterwards.
    delete(&client).expect("ok");
    assert_eq!(Seen::query_value(&seen.requests()[2].0, "usersig"), sigs[1]);

    // Twice in a row: only one re-sign.
    let (client, _, seen) = scripted(vec![], Answer::Code(70052), RetryPolicy::default());
    let error = delete(&client).expect_err("gives up");
    assert_eq!(seen.len(), 2);
    assert_eq!(error.api_code(), Some(ErrorCode::USERSIG_INVALIDATED));
}

#[test]
fn a_fixed_usersig_is_not_resigned() {
    let seen = Seen::default();
    let log = seen.clone();
    let transport = transport_fn(move |request: http::Request<Bytes>| {
        log.0
            .lock()
            .expect("lock")
            .push((request.uri().to_string(), String::new()));
        async { respond(&Answer::Code(70001)).expect("answers") }
    });
    let client = Client::builder()
        .transport(transport)
        .base_url("http://fake.invalid")
        .sdk_app_id(1)
        .usersig(tim_sig::UserSig::from_string("fixed".into()))
        .clock(FakeClock::new())
        .build()
        .expect("valid");
    let error = delete(&client).expect_err("expired");
    assert_eq!(error.api_code(), Some(ErrorCode::USERSIG_EXPIRED));
    assert_eq!(seen.len(), 1);
}

#[test]
fn a_hanging_attempt_times_out_and_is_retried() {
    let policy = RetryPolicy {
        attempt_timeout: Some(Duration::from_secs(5)),
        ..RetryPolicy::default()
    };
    let (client, clock, seen) = scripted(vec![Answer::Hang], Answer::Ok(EMPTY_OK), policy.clone());
    delete(&client).expect("second attempt answers");
    assert_eq!(seen.len(), 2);
    assert_eq!(clock.sleeps()[0], Duration::from_secs(5));

    // Hanging forever: the attempts run out...
    let (client, _, seen) = scripted(vec![], Answer::Hang, policy.clone());
    let error = delete(&client).expect_err("attempts");
    assert!(
        error.transport_error().is_some_and(|e| e.is_timeout()),
        "{error:?}"
    );
    assert_eq!(seen.len(), 5);
    // ... or the deadline does.
    let policy = RetryPolicy {
        max_attempts: 1000,
        ..policy
    };
    let (client, clock, _) = scripted(vec![], Answer::Hang, policy);
    let error = delete(&client).expect_err("deadline");
    assert!(error.is_timeout(), "{error:?}");
    assert!(clock.elapsed() <= Duration::from_secs(60));
}

/// A call that must not run twice: declared not idempotent.
#[derive(serde::Serialize)]
struct Append {
    #[serde(rename = "From_Account")]
    from_account: String,
}

impl tim_proto::ApiRequest for Append {
    const PATH: tim_proto::ApiPath = tim_proto::ApiPath::new("test", "append");
    const IDEMPOTENCY: tim_proto::Idempotency = tim_proto::Idempotency::NotIdempotent;
    type Response = tim_proto::Envelope;
}

fn append(client: &Client) -> Result<(), Error> {
    let request = Append {
        from_account: "alice".into(),
    };
    block_on(client.call(&request)).map(drop)
}

#[test]
fn a_non_idempotent_call_is_never_resent_after_a_failure_that_may_have_reached_the_service() {
    let policy = RetryPolicy {
        attempt_timeout: Some(Duration::from_secs(5)),
        ..RetryPolicy::default()
    };
    for (answer, what) in [
        (Answer::Hang, "a timeout"),
        (Answer::Io, "a connection cut"),
        (Answer::Status(502), "a gateway error"),
        (Answer::Code(50004), "a transient service error"),
    ] {
        let (client, _, seen) = scripted(vec![answer], Answer::Ok(EMPTY_OK), policy.clone());
        let error = append(&client).expect_err(what);
        assert!(error.may_have_reached_the_service(), "{what}: {error:?}");
        assert_eq!(seen.len(), 1, "{what}: sent once only");
        // The same failures are retried for an idempotent call.
        let (client, _, seen) = scripted(
            vec![match what {
                "a timeout" => Answer::Hang,
                "a connection cut" => Answer::Io,
                "a gateway error" => Answer::Status(502),
                _ => Answer::Code(50004),
            }],
            Answer::Ok(EMPTY_OK),
            policy.clone(),
        );
        delete(&client).expect(what);
        assert_eq!(seen.len(), 2, "{what}: the idempotent delete is retried");
    }
    // Failures that cannot have reached the service are retried for every call.
    for (answer, what) in [
        (Answer::Connect, "a refused connection"),
        (Answer::Code(60007), "a frequency limit"),
    ] {
        let (client, _, seen) = scripted(vec![answer], Answer::Ok(EMPTY_OK), policy.clone());
        append(&client).expect(what);
        assert_eq!(seen.len(), 2, "{what}: retried");
    }
}

#[test]
fn two_apis_have_independent_limits() {
    let clock = FakeClock::new();
    let transport = transport_fn(|_req: http::Request<Bytes>| async {
        respond(&Answer::Ok(EMPTY_OK)).expect("answers")
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
    for _ in 0..3 {
        delete(&client).expect("ok");
        append(&client).expect("ok");
    }
    // Each API's bucket spaces its own calls (100 ms at 10/s): delete waits twice, and append,
    // arriving when its own slot is already due, never waits. One shared bucket would have
    // waited five times.
    assert_eq!(clock.sleeps(), vec![Duration::from_millis(100); 2]);
}

#[test]
fn the_rate_limit_spaces_every_attempt() {
    let clock = FakeClock::new();
    let transport = transport_fn(|_req: http::Request<Bytes>| async {
        respond(&Answer::Ok(EMPTY_OK)).expect("answers")
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
    let other = client.clone();
    for _ in 0..3 {
        delete(&client).expect("ok");
        delete(&other).expect("ok (a clone shares the bucket)");
    }
    assert_eq!(clock.sleeps(), vec![Duration::from_millis(100); 5]);
}

/// A fake `get_list` server over `n` conversations, `page` per page, cursor in `StartIndex`,
/// whose answers can be overridden per request number.
fn paging_client(n: usize, page: usize, faults: Vec<(usize, Answer)>) -> (Client, Seen) {
    let seen = Seen::default();
    let log = seen.clone();
    let transport = transport_fn(move |request: http::Request<Bytes>| {
        let body: serde_json::Value =
            serde_json::from_slice(request.body()).expect("the client sends JSON");
        let number = {
            let mut log = log.0.lock().expect("lock");
            log.push((
                request.uri().to_string(),
                String::from_utf8_lossy(request.body()).into_owned(),
            ));
            log.len()
        };
        let fault = faults
            .iter()
            .find(|(at, _)| *at == number)
            .map(|(_, a)| a.clone());
        let start = body["StartIndex"].as_u64().expect("StartIndex") as usize;
        let stalled = matches!(fault, Some(Answer::Ok("stall")));
        let end = (start + page).min(n);
        let items: Vec<_> = (start..end)
            .map(|i| {
                serde_json::json!({"Type": 1, "To_Account": format!("peer{i:07}"), "MsgTime": 1_700_000_000 - i, "TopFlag": 0})
            })
            .collect();
        let next = if stalled { start } else { end };
        let complete = u8::from(end == n && !stalled);
        let body = serde_json::json!({
            "ActionStatus": "OK", "ErrorCode": 0, "SessionItem": items, "CompleteFlag": complete,
            "TimeStamp": 1, "StartIndex": next, "TopTimeStamp": 0, "TopStartIndex": 0,
        })
        .to_string();
        async move {
            match fault {
                Some(Answer::Ok("stall")) | None => Ok(http::Response::new(Bytes::from(body))),
                Some(other) => respond(&other).expect("answers"),
            }
        }
    });
    let client = Client::builder()
        .transport(transport)
        .base_url("http://fake.invalid")
        .sdk_app_id(1)
        .secret_key(KEY)
        .clock(FakeClock::new())
        .no_rate_limit()
        .build()
        .expect("valid");
    (client, seen)
}

fn peers(items: &[tim_proto::recent_contact::SessionItem]) -> Vec<String> {
    items
        .iter()
        .map(|i| i.peer_id().unwrap_or_default().to_owned())
        .collect()
}

fn expected_peers(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("peer{i:07}")).collect()
}

#[test]
fn a_walk_through_faults_yields_everything_exactly_once() {
    let (client, seen) = paging_client(
        250,
        100,
        vec![
            (2, Answer::Code(50004)),
            (3, Answer::Status(502)),
            (4, Answer::Io),
            (6, Answer::Code(70001)),
        ],
    );
    let all = block_on(client.contacts().list("alice").collect_all()).expect("walk");
    assert_eq!(peers(&all), expected_peers(0..250));
    let starts: Vec<_> = seen
        .requests()
        .iter()
        .map(|(_, b)| {
            let v: serde_json::Value = serde_json::from_str(b).expect("json");
            v["StartIndex"].as_u64().expect("StartIndex")
        })
        .collect();
    // Every retry repeats the cursor of the failed request.
    assert_eq!(starts, [0, 100, 100, 100, 100, 200, 200]);
}

#[test]
fn streams_are_lazy_and_expose_the_cursor() {
    let (client, seen) = paging_client(250, 100, vec![]);
    let mut pages = client.contacts().list("alice").pages();
    assert_eq!(seen.len(), 0, "nothing sent before the stream is polled");
    assert_eq!(pages.cursor(), Some(Cursor::START));
    let first = block_on(pages.next()).expect("a page").expect("ok");
    assert_eq!(seen.len(), 1);
    assert_eq!(first.items.len(), 100);
    let stored = pages.cursor().expect("more").to_string();
    assert_eq!(first.next.map(|c| c.to_string()), Some(stored.clone()));
    drop(pages);

    // Resume from the stored text.
    let cursor: Cursor = stored.parse().expect("round-trips");
    let rest = block_on(client.contacts().list("alice").resume(cursor).collect_all()).expect("ok");
    assert_eq!(peers(&rest), expected_peers(100..250));

    // Conversations carry their page's cursors.
    let items: Vec<_> = block_on(
        client
            .contacts()
            .list("alice")
            .conversations()
            .collect::<Vec<_>>(),
    )
    .into_iter()
    .collect::<Result<_, _>>()
    .expect("ok");
    assert_eq!(items.len(), 250);
    assert_eq!(items[0].page_cursor, Cursor::START);
    assert_eq!(items[99].next, Some(cursor));
    assert!(items[99].last_in_page && !items[98].last_in_page);
    assert_eq!(items[100].page_cursor, cursor);
    assert_eq!(items[249].next, None);
}

#[test]
fn a_stalled_cursor_ends_the_walk_with_an_error() {
    let (client, seen) = paging_client(500, 100, vec![(3, Answer::Ok("stall"))]);
    let mut pages = client.contacts().list("alice").pages();
    let results: Vec<_> = block_on((&mut pages).collect::<Vec<_>>());
    assert_eq!(results.len(), 3);
    let error = results[2].as_ref().expect_err("stalled");
    assert!(error.is_cursor_stalled(), "{error:?}");
    assert_eq!(seen.len(), 3, "not retried");
    // The resume point is the cursor that stalled.
    let stalled = pages.cursor().expect("not complete");
    assert_eq!(stalled.start_index(), 200);
    assert!(block_on(pages.next()).is_none(), "fused");
}

#[test]
fn a_failed_page_can_be_resumed() {
    let (client, _) = paging_client(300, 100, vec![(2, Answer::Code(50002))]);
    let mut pages = client.contacts().list("alice").pages();
    block_on(pages.next()).expect("page").expect("ok");
    let error = block_on(pages.next())
        .expect("item")
        .expect_err("permanent");
    assert_eq!(error.api_code(), Some(ErrorCode::CONV_INVALID_PARAMETERS));
    let cursor = pages.cursor().expect("resumable");
    let rest = block_on(client.contacts().list("alice").resume(cursor).collect_all()).expect("ok");
    assert_eq!(peers(&rest), expected_peers(100..300));
}

#[test]
fn many_accounts_fail_independently() {
    let transport = transport_fn(|request: http::Request<Bytes>| {
        let body: serde_json::Value = serde_json::from_slice(request.body()).expect("json");
        let account = body["From_Account"].as_str().unwrap_or_default().to_owned();
        async move {
            if account == "bad" {
                return respond(&Answer::Code(50001)).expect("answers");
            }
            let item = serde_json::json!({"Type": 1, "To_Account": format!("{account}-peer"), "MsgTime": 1, "TopFlag": 0});
            let body = serde_json::json!({"ActionStatus": "OK", "ErrorCode": 0, "SessionItem": [item], "CompleteFlag": 1});
            Ok(http::Response::new(Bytes::from(body.to_string())))
        }
    });
    let client = Client::builder()
        .transport(transport)
        .base_url("http://fake.invalid")
        .sdk_app_id(1)
        .secret_key(KEY)
        .clock(FakeClock::new())
        .build()
        .expect("valid");
    let accounts = ["a", "bad", "c", "d"];
    let mut results: Vec<_> = block_on(
        client
            .contacts()
            .for_accounts(accounts, 2)
            .collect::<Vec<_>>(),
    );
    results.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(results.len(), 4);
    for (account, result) in &results {
        match (account.as_str(), result) {
            ("bad", Err(e)) => assert_eq!(e.api_code(), Some(ErrorCode::CONV_ACCOUNT_NOT_FOUND)),
            (a, Ok(items)) => assert_eq!(peers(items), vec![format!("{a}-peer")]),
            other => panic!("unexpected {other:?}"),
        }
    }
    let pages: Vec<_> = block_on(
        client
            .contacts()
            .for_accounts_pages(accounts, 3)
            .collect::<Vec<_>>(),
    );
    assert_eq!(pages.len(), 4);
    assert_eq!(pages.iter().filter(|(_, p)| p.is_err()).count(), 1);
}

/// A `MakeWriter` into a shared buffer.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn secrets_never_reach_the_trace_log_or_errors() {
    // A global subscriber: per-thread ones are unreliable while other tests run concurrently
    // (tracing caches each callsite's interest globally). Other tests' output lands in the
    // buffer too, which only makes the check stricter.
    static BUFFER: std::sync::OnceLock<Buffer> = std::sync::OnceLock::new();
    let buffer = BUFFER.get_or_init(|| {
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");
        buffer
    });
    let (client, seen) = paging_client(
        300,
        100,
        vec![
            (2, Answer::Code(70001)),
            (3, Answer::Status(502)),
            (4, Answer::Io),
            (5, Answer::Code(50004)),
        ],
    );
    let all = block_on(client.contacts().list("alice").collect_all()).expect("walk");
    assert_eq!(all.len(), 300);
    let (failing, _) = paging_client(10, 10, vec![(1, Answer::Code(70009))]);
    let error = block_on(failing.contacts().list("alice").collect_all()).expect_err("fails");
    let error = format!("{error} {error:?}");
    let debug = format!("{client:?} {failing:?}");
    let log = String::from_utf8(buffer.0.lock().expect("lock").clone()).expect("utf-8");
    // The log is real: it has the spans, the retries and the re-sign.
    for needle in [
        "tim.call",
        "tim.page",
        "attempt",
        "retrying",
        "signing a new one",
        "50004",
    ] {
        assert!(log.contains(needle), "missing {needle:?} in the log");
    }
    // A call's span records `attempts` and `code` once, when the call ends: with retries, the
    // fields never pile up (`attempts=1 code=… attempts=2 code=…`) on one line.
    // The call's own close event carries the count recorded at its end.
    // Page 2 took five attempts (70001, 502, a cut connection, 50004, then the page): its span
    // shows the final count and the last code, once.
    assert!(
        log.contains("tim.call{api=v4/recentcontact/get_list attempts=5 code=50004}"),
        "the retried call's span shows its final attempts and code"
    );
    for line in log.lines() {
        assert!(line.matches("attempts=").count() <= 1, "{line}");
        assert!(line.matches(" code=").count() <= 1, "{line}");
    }
    let mut sigs: Vec<_> = seen
        .requests()
        .iter()
        .map(|(u, _)| Seen::query_value(u, "usersig"))
        .collect();
    sigs.sort();
    sigs.dedup();
    assert!(sigs.len() >= 2, "the walk re-signed");
    for secret in sigs.iter().map(String::as_str).chain([KEY]) {
        assert!(secret.len() > 20);
        assert!(!log.contains(secret), "a secret leaked into the log");
        assert!(!error.contains(secret), "a secret leaked into an error");
        assert!(!debug.contains(secret), "a secret leaked into Debug");
    }
}

#[test]
fn pages_are_send_and_unpin() {
    fn check<T: Send + Unpin + futures_util::Stream>(_: &T) {}
    let (client, _) = paging_client(1, 1, vec![]);
    let list = client.contacts().list("alice");
    check(&list.pages());
    check(&list.conversations());
    check(&client.contacts().for_accounts(["a"], 1));
    fn send<T: Send>(_: T) {}
    send(client.call(&GetListRequest::first("a", Default::default())));
}

/// A client builder, the primary's answer, the hosts requested.
type TwoDomains = (
    crate::ClientBuilder,
    Arc<Mutex<Answer>>,
    Arc<Mutex<Vec<String>>>,
);

/// A circuit opening after `threshold` failures, otherwise the default.
fn circuit_after(threshold: u32) -> crate::CircuitPolicy {
    crate::CircuitPolicy {
        threshold,
        ..crate::CircuitPolicy::default()
    }
}

/// A fake of two domains: `primary.invalid` answers `primary` (a shared, changeable answer),
/// `backup.invalid` always answers OK. Records the host of every request.
fn two_domains(primary: Answer) -> TwoDomains {
    let primary = Arc::new(Mutex::new(primary));
    let hosts = Arc::new(Mutex::new(Vec::new()));
    let (p, h) = (Arc::clone(&primary), Arc::clone(&hosts));
    let transport = transport_fn(move |request: http::Request<Bytes>| {
        let host = request.uri().host().unwrap_or_default().to_owned();
        h.lock().expect("lock").push(host.clone());
        let answer = if host == "primary.invalid" {
            p.lock().expect("lock").clone()
        } else {
            Answer::Ok(EMPTY_OK)
        };
        async move { respond(&answer).expect("answers") }
    });
    let builder = Client::builder()
        .transport(transport)
        .base_url("http://primary.invalid")
        .sdk_app_id(1400000000)
        .secret_key(KEY)
        .random(Counter::default())
        .no_rate_limit();
    (builder, primary, hosts)
}

#[test]
fn an_unreachable_service_stops_many_walks_with_one_error_and_few_attempts() {
    let attempts = Arc::new(Mutex::new(0usize));
    let counter = Arc::clone(&attempts);
    let transport = transport_fn(move |_request: http::Request<Bytes>| {
        *counter.lock().expect("lock") += 1;
        async { respond(&Answer::Connect).expect("answers") }
    });
    let circuit = circuit_after(4);
    let client = Client::builder()
        .transport(transport)
        .base_url("http://user:secret@fake.invalid:8080/prefix")
        .sdk_app_id(1)
        .secret_key(KEY)
        .clock(FakeClock::new())
        .circuit(circuit)
        .build()
        .expect("valid");
    let accounts: Vec<String> = (0..1000).map(|n| format!("user{n:04}")).collect();
    let results: Vec<_> = block_on(
        client
            .contacts()
            .for_accounts(accounts, 8)
            .collect::<Vec<_>>(),
    );
    assert_eq!(results.len(), 1, "one error for the whole walk");
    let error = results[0].1.as_ref().expect_err("unreachable");
    assert!(error.is_unreachable() && error.is_retryable(), "{error:?}");
    assert!(!error.may_have_reached_the_service());
    let Error::Unreachable { host, failures, .. } = error else {
        panic!("{error:?}")
    };
    assert_eq!((host.as_str(), *failures), ("fake.invalid:8080", 4));
    let text = format!("{error} {error:?}");
    assert!(!text.contains("secret"), "{text}");
    assert!(
        text.contains("cannot connect to fake.invalid:8080"),
        "{text}"
    );
    assert_eq!(
        *attempts.lock().expect("lock"),
        4,
        "attempts bounded by the threshold"
    );
    // Further calls fail at once, sending nothing, until the cool-down passes.
    let again = delete(&client).expect_err("still open");
    assert!(again.is_unreachable());
    assert_eq!(*attempts.lock().expect("lock"), 4);
}

#[test]
fn the_circuit_closes_when_a_probe_gets_an_answer() {
    let circuit = circuit_after(2);
    assert_eq!(circuit.cool_down, Duration::from_secs(5));
    let (builder, primary, hosts) = two_domains(Answer::Connect);
    let clock = FakeClock::new();
    let client = builder
        .clock(clock.clone())
        .circuit(circuit)
        .build()
        .expect("valid");
    assert!(delete(&client).expect_err("refused").is_unreachable());
    assert_eq!(hosts.lock().expect("lock").len(), 2);
    assert!(delete(&client).expect_err("open").is_unreachable());
    assert_eq!(
        hosts.lock().expect("lock").len(),
        2,
        "nothing sent while open"
    );
    *primary.lock().expect("lock") = Answer::Ok(EMPTY_OK);
    block_on(clock.sleep(Duration::from_secs(5)));
    delete(&client).expect("the probe passes");
    delete(&client).expect("closed");
    assert_eq!(hosts.lock().expect("lock").len(), 4);
}

#[test]
fn connection_failures_mixed_with_answers_never_open_the_circuit() {
    // Every other request is refused: each call succeeds on its retry, and the answers in
    // between reset the count, so the walk of many accounts completes.
    let n = Arc::new(Mutex::new(0usize));
    let counter = Arc::clone(&n);
    let transport = transport_fn(move |request: http::Request<Bytes>| {
        let k = {
            let mut n = counter.lock().expect("lock");
            *n += 1;
            *n
        };
        let body: serde_json::Value = serde_json::from_slice(request.body()).expect("json");
        let account = body["From_Account"].as_str().unwrap_or_default().to_owned();
        async move {
            if k % 2 == 1 {
                return respond(&Answer::Connect).expect("answers");
            }
            let item = serde_json::json!({"Type": 1, "To_Account": format!("{account}-peer"), "MsgTime": 1, "TopFlag": 0});
            let body = serde_json::json!({"ActionStatus": "OK", "ErrorCode": 0, "SessionItem": [item], "CompleteFlag": 1});
            Ok(http::Response::new(Bytes::from(body.to_string())))
        }
    });
    let circuit = circuit_after(2);
    let client = Client::builder()
        .transport(transport)
        .base_url("http://fake.invalid")
        .sdk_app_id(1)
        .secret_key(KEY)
        .clock(FakeClock::new())
        .circuit(circuit)
        .build()
        .expect("valid");
    let accounts: Vec<String> = (0..100).map(|n| format!("user{n:04}")).collect();
    let results: Vec<_> = block_on(
        client
            .contacts()
            .for_accounts(accounts, 1)
            .collect::<Vec<_>>(),
    );
    assert_eq!(results.len(), 100);
    assert!(results.iter().all(|(_, r)| r.is_ok()));
    assert_eq!(*n.lock().expect("lock"), 200);
}

#[test]
fn a_refused_primary_fails_over_to_the_backup_at_once_and_back_after_a_while() {
    let (builder, primary, hosts) = two_domains(Answer::Connect);
    let clock = FakeClock::new();
    let backup = tim_proto::BaseUrl::custom("http://backup.invalid").expect("valid");
    let client = builder
        .clock(clock.clone())
        .failover(backup.clone())
        .failback_after(Duration::from_secs(60))
        .build()
        .expect("valid");
    assert_eq!(client.backup_url(), Some(&backup));
    // Not idempotent, and still sent again: a refused connection never reached the service.
    append(&client).expect("the backup answers");
    assert_eq!(
        *hosts.lock().expect("lock"),
        ["primary.invalid", "backup.invalid"]
    );
    assert!(clock.sleeps().is_empty(), "no backoff before the backup");
    delete(&client).expect("ok");
    assert_eq!(
        hosts.lock().expect("lock").last().map(String::as_str),
        Some("backup.invalid")
    );
    // After a while, the primary again; now it is up.
    *primary.lock().expect("lock") = Answer::Ok(EMPTY_OK);
    block_on(clock.sleep(Duration::from_secs(60)));
    delete(&client).expect("ok");
    assert_eq!(
        hosts.lock().expect("lock").last().map(String::as_str),
        Some("primary.invalid")
    );
    // A failure after the request may have reached the service never moves a call that is not
    // idempotent.
    *primary.lock().expect("lock") = Answer::Io;
    hosts.lock().expect("lock").clear();
    let error = append(&client).expect_err("cut");
    assert!(error.may_have_reached_the_service());
    assert_eq!(*hosts.lock().expect("lock"), ["primary.invalid"]);
}

#[test]
fn a_region_fails_over_to_its_backup_domain_by_default() {
    let (builder, _, _) = two_domains(Answer::Connect);
    let region = tim_proto::Region::Singapore;
    let client = builder.region(region).build().expect("valid");
    assert_eq!(
        client.backup_url(),
        tim_proto::BaseUrl::region_backup(region).as_ref()
    );
    assert_eq!(client.failback_after(), crate::DEFAULT_FAILBACK_AFTER);
    let (builder, _, _) = two_domains(Answer::Connect);
    let client = builder.region(region).no_failover().build().expect("valid");
    assert_eq!(client.backup_url(), None);
    let (builder, _, _) = two_domains(Answer::Connect);
    let client = builder.build().expect("valid");
    assert_eq!(client.backup_url(), None, "a custom base URL has no backup");
    let (builder, _, _) = two_domains(Answer::Connect);
    assert_eq!(
        builder
            .region(tim_proto::Region::Riyadh)
            .build()
            .expect("valid")
            .backup_url(),
        None
    );
}

#[test]
fn with_both_domains_down_the_error_names_both_hosts() {
    let hosts = Arc::new(Mutex::new(Vec::new()));
    let h = Arc::clone(&hosts);
    let transport = transport_fn(move |request: http::Request<Bytes>| {
        h.lock()
            .expect("lock")
            .push(request.uri().host().unwrap_or_default().to_owned());
        async { respond(&Answer::Connect).expect("answers") }
    });
    let client = Client::builder()
        .transport(transport)
        .base_url("http://primary.invalid")
        .failover(tim_proto::BaseUrl::custom("http://backup.invalid").expect("valid"))
        .sdk_app_id(1)
        .secret_key(KEY)
        .clock(FakeClock::new())
        .circuit(circuit_after(4))
        .build()
        .expect("valid");
    let error = append(&client).expect_err("both refused");
    let text = error.to_string();
    assert_eq!(
        text,
        "cannot connect to primary.invalid (nor to its backup backup.invalid): 4 connection attempts in a row failed"
    );
    // Primary, backup at once, then (after a backoff) primary and backup again.
    assert_eq!(
        *hosts.lock().expect("lock"),
        [
            "primary.invalid",
            "backup.invalid",
            "primary.invalid",
            "backup.invalid"
        ]
    );
}

fn raw(client: &Client, idempotency: tim_proto::Idempotency) -> Result<serde_json::Value, Error> {
    let body = serde_json::json!({"From_Account": "alice", "Any": [1, 2]});
    block_on(client.call_raw(
        tim_proto::ApiPath::new("some_svc", "some_cmd"),
        &body,
        idempotency,
    ))
}

#[test]
fn a_raw_call_goes_through_the_same_loop_as_a_typed_one() {
    use tim_proto::Idempotency::{Idempotent, NotIdempotent};
    let answer = r#"{"ActionStatus":"OK","ErrorCode":0,"Extra":{"n":1}}"#;
    // Sent to its path with its body, signed, and retried after a transient code.
    let (client, _, seen) = scripted(
        vec![Answer::Code(50004)],
        Answer::Ok(answer),
        RetryPolicy::default(),
    );
    let value = raw(&client, Idempotent).expect("answer");
    assert_eq!(value["Extra"]["n"], 1);
    let requests = seen.requests();
    assert_eq!(requests.len(), 2);
    assert!(
        requests[0]
            .0
            .starts_with("http://fake.invalid/v4/some_svc/some_cmd?"),
        "{}",
        requests[0].0
    );
    assert!(!Seen::query_value(&requests[0].0, "usersig").is_empty());
    let sent: serde_json::Value = serde_json::from_str(&requests[0].1).expect("a JSON body");
    assert_eq!(
        sent,
        serde_json::json!({"From_Account": "alice", "Any": [1, 2]})
    );
    // Not idempotent: not re-sent after a failure that may have reached the service.
    let (client, _, seen) = scripted(
        vec![Answer::Code(50004)],
        Answer::Ok(answer),
        RetryPolicy::default(),
    );
    let error = raw(&client, NotIdempotent).expect_err("not re-sent");
    assert_eq!(seen.len(), 1);
    assert_eq!(error.api_code(), Some(ErrorCode(50004)));
    // An error answer is Error::Api; a body that is not JSON is Error::Decode; JSON without the
    // envelope fields is an answer.
    let (client, _, _) = scripted(vec![], Answer::Code(50001), RetryPolicy::default());
    let error = raw(&client, Idempotent).expect_err("service error");
    assert_eq!(error.api_code(), Some(ErrorCode(50001)));
    let (client, _, _) = scripted(vec![], Answer::Ok("not json"), RetryPolicy::default());
    assert!(matches!(raw(&client, Idempotent), Err(Error::Decode(_))));
    let (client, _, _) = scripted(vec![], Answer::Ok(r#"{"x":1}"#), RetryPolicy::default());
    assert_eq!(
        raw(&client, Idempotent).expect("json"),
        serde_json::json!({"x": 1})
    );
}
