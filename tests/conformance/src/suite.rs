//! The conformance checks, each an async function over a [`Factory`].
//!
//! Every check starts its own emulator server in the calling tokio runtime, so checks are
//! independent and can run in parallel. `tests/adapters.rs` runs each of them for each adapter.

use std::error::Error as StdError;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tim_emulator::Fault;
use tim_transport::{Transport, TransportError, TransportErrorKind};

use crate::harness::{self, Api, WALKER, start};
use crate::{Factory, Options};

/// Every rendering of `error` and of each link of its source chain.
fn renderings(error: &TransportError) -> Vec<String> {
    let mut out = vec![
        error.to_string(),
        format!("{error:?}"),
        format!("{error:#?}"),
    ];
    let mut next = error.source();
    while let Some(e) = next {
        out.push(e.to_string());
        out.push(format!("{e:?}"));
        next = e.source();
    }
    out
}

/// Asserts that `error` has the kind `kind` and that no rendering of it shows `secret`.
fn assert_error(error: &TransportError, kind: TransportErrorKind, secret: &str) {
    assert_eq!(error.kind(), kind, "wrong kind: {error:?}");
    for text in renderings(error) {
        assert!(!text.contains(secret), "the usersig leaked: {text}");
    }
}

fn pseudo_random(len: usize, mut seed: u64) -> Bytes {
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        // xorshift64*
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        out.extend_from_slice(&seed.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    out.truncate(len);
    Bytes::from(out)
}

async fn echo(
    transport: &dyn Transport,
    api: &Api,
    status: u16,
    body: Bytes,
) -> http::Response<Bytes> {
    let request = api
        .echo(status)
        .header("content-type", "application/json; charset=utf-8")
        .header("x-tim-test", "a value, with spaces")
        .header("x-multi", "one")
        .header("x-multi", "two")
        .body(body)
        .expect("a valid request");
    match transport.send(request).await {
        Ok(response) => response,
        Err(e) => panic!("echo with status {status} failed: {e:?}"),
    }
}

/// Status, headers and bodies pass through unchanged, whatever the status.
pub async fn pass_through(make: Factory) {
    let (server, api) = start(harness::emulator(WALKER, 0), false).await;
    let transport = make(&Options::default());
    let body: Bytes = (0..=255u8).cycle().take(4099).collect::<Vec<_>>().into();
    for status in [200u16, 201, 400, 404, 429, 500, 503] {
        let response = echo(&*transport, &api, status, body.clone()).await;
        assert_eq!(response.status().as_u16(), status);
        assert_eq!(response.body(), &body, "body of status {status}");
        let headers = response.headers();
        assert_eq!(headers["content-type"], "application/json; charset=utf-8");
        assert_eq!(headers["x-echo-x-tim-test"], "a value, with spaces");
        let multi: Vec<_> = headers
            .get_all("x-echo-x-multi")
            .iter()
            .map(|v| v.to_str().unwrap_or_default())
            .collect();
        // A proxy may fold repeated headers; nothing between us and the emulator does.
        assert_eq!(multi, ["one", "two"], "repeated request headers");
    }

    // An empty GET comes back empty.
    let request = http::Request::get(format!("{}/_emulator/echo", api.base_url()))
        .body(Bytes::new())
        .expect("a valid request");
    let response = transport.send(request).await.expect("empty echo");
    assert_eq!(response.status(), http::StatusCode::OK);
    assert!(response.body().is_empty());
    server.shutdown().await;
}

/// A 502 with an HTML body is a response, not an error; the next call works as usual.
pub async fn bad_gateway_is_a_response(make: Factory) {
    let (server, api) = start(harness::emulator(WALKER, 3), false).await;
    server.with(|e| {
        e.faults().script(Fault::HttpStatus(502), 1);
    });
    let transport = make(&Options::default());
    let response = transport
        .send(api.first_page(WALKER))
        .await
        .expect("a 502 is a response");
    assert_eq!(response.status(), http::StatusCode::BAD_GATEWAY);
    let body = String::from_utf8_lossy(response.body()).to_ascii_lowercase();
    assert!(body.contains("<html"), "not the html error page: {body}");
    assert!(body.contains("502"), "{body}");

    let response = transport
        .send(api.first_page(WALKER))
        .await
        .expect("a page");
    assert_eq!(response.status(), http::StatusCode::OK);
    let page: tim_proto::recent_contact::GetListResponse =
        tim_proto::decode(&response).expect("a get_list page");
    assert_eq!(page.sessions.len(), 3);
    server.shutdown().await;
}

/// Bodies of several megabytes pass through unchanged, both ways.
pub async fn large_bodies(make: Factory) {
    let (server, api) = start(harness::emulator(WALKER, 0), false).await;
    let transport = make(&Options::default());
    for (len, seed) in [(3 * 1024 * 1024 + 7, 1u64), (8 * 1024 * 1024, 2)] {
        let body = pseudo_random(len, seed);
        let response = echo(&*transport, &api, 200, body.clone()).await;
        assert_eq!(response.body().len(), len);
        assert!(response.body() == &body, "a {len}-byte body changed");
    }
    server.shutdown().await;
}

/// Many requests in flight on one transport each get their own response.
pub async fn concurrent_requests(make: Factory) {
    const N: usize = 64;
    let (server, api) = start(harness::emulator(WALKER, 0), false).await;
    let transport: Arc<dyn Transport> = Arc::from(make(&Options::default()));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..N {
        let transport = transport.clone();
        let body = pseudo_random(1000 + i * 37, i as u64 + 11);
        let request = api
            .echo(200 + (i % 3) as u16)
            .header("x-request-number", i.to_string())
            .body(body.clone())
            .expect("a valid request");
        tasks.spawn(async move {
            let response = transport.send(request).await;
            (i, body, response)
        });
    }
    let mut seen = [false; N];
    while let Some(joined) = tasks.join_next().await {
        let (i, body, response) = joined.expect("the task ran");
        let response = response.unwrap_or_else(|e| panic!("request {i} failed: {e:?}"));
        assert_eq!(response.status().as_u16(), 200 + (i % 3) as u16);
        assert_eq!(
            response.headers()["x-echo-x-request-number"],
            i.to_string().as_str()
        );
        assert!(response.body() == &body, "request {i} got another body");
        seen[i] = true;
    }
    assert!(seen.iter().all(|s| *s));
    server.shutdown().await;
}

/// Nothing listening: `Connect`, and the UserSig in the URL does not show in the error.
pub async fn connection_refused(make: Factory) {
    let (error, secret) = refused(make).await;
    assert_error(&error, TransportErrorKind::Connect, secret);
}

/// The error of a request to a loopback port nothing listens on, and the UserSig it carried.
pub async fn refused(make: Factory) -> (TransportError, &'static str) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let addr = listener.local_addr().expect("a bound address");
    drop(listener);
    let secret = "eJwSECRETsecretSECRET*usersig-value_0123";
    let request = http::Request::post(format!(
        "http://{addr}/v4/recentcontact/get_list?sdkappid=1400000000&identifier=administrator&usersig={secret}&random=7&contenttype=json"
    ))
    .header("content-type", "application/json")
    .body(Bytes::from_static(b"{}"))
    .expect("a valid request");
    let transport = make(&Options::default());
    let error = transport
        .send(request)
        .await
        .expect_err("nothing listens on the port");
    (error, secret)
}

/// The server closes the connection without answering, or in the middle of the body: `Io`.
/// The transport keeps working afterwards.
pub async fn dropped_connection(make: Factory) {
    let (server, api) = start(harness::emulator(WALKER, 300), false).await;
    let transport = make(&Options::default());
    // Warm the pool so the faults hit a reused connection as well as a fresh one.
    transport
        .send(api.first_page(WALKER))
        .await
        .expect("a page");
    for fault in [Fault::Drop, Fault::Truncate, Fault::Drop, Fault::Truncate] {
        // Twice: curl re-sends once when a reused connection closes before any answer byte.
        server.with(|e| {
            e.faults().clear();
            e.faults().script(fault.clone(), 2);
        });
        let error = transport
            .send(api.first_page(WALKER))
            .await
            .expect_err("the connection is cut");
        assert_error(&error, TransportErrorKind::Io, api.usersig());
    }
    server.with(|e| e.faults().clear());
    let response = transport
        .send(api.first_page(WALKER))
        .await
        .expect("a page");
    assert_eq!(response.status(), http::StatusCode::OK);
    server.shutdown().await;
}

/// A server slower than the transport's timeout: `Timeout`. The late answer never reaches a
/// later request.
pub async fn slow_server_times_out(make: Factory) {
    let (server, api) = start(harness::emulator(WALKER, 3), false).await;
    let transport = make(&Options {
        request_timeout: Duration::from_millis(200),
        ..Options::default()
    });
    // Warm the pool: the slow request then goes out on a reused connection.
    transport
        .send(api.first_page(WALKER))
        .await
        .expect("a page");
    server.with(|e| {
        e.faults()
            .script(Fault::Delay(Duration::from_millis(600)), 1);
    });
    let error = transport
        .send(api.first_page(WALKER))
        .await
        .expect_err("the server is too slow");
    assert_error(&error, TransportErrorKind::Timeout, api.usersig());

    // Let the late answer arrive. A transport that put its connection back into the pool would
    // hand that answer (or a mangled one) to the next request on it.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    for i in 0..3 {
        let body = pseudo_random(100 + i, 99 + i as u64);
        let response = echo(&*transport, &api, 200, body.clone()).await;
        assert!(response.body() == &body, "request {i} got another answer");
    }
    let response = transport
        .send(api.first_page(WALKER))
        .await
        .expect("a page");
    assert_eq!(response.status(), http::StatusCode::OK);
    server.shutdown().await;
}

/// HTTPS with a self-signed certificate: refused with the default roots (`Connect`), accepted
/// with the certificate added as a root.
pub async fn https_custom_root(make: Factory) {
    let (server, api) = start(harness::emulator(WALKER, 2), true).await;
    assert!(api.base_url().starts_with("https://"), "{}", api.base_url());
    let pem = server
        .ca_cert_pem()
        .expect("a TLS server has a certificate");

    let untrusting = make(&Options::default());
    let error = untrusting
        .send(api.first_page(WALKER))
        .await
        .expect_err("the self-signed certificate is not trusted");
    assert_error(&error, TransportErrorKind::Connect, api.usersig());

    let trusting = make(&Options {
        root_pem: Some(pem),
        ..Options::default()
    });
    let response = echo(&*trusting, &api, 200, Bytes::from_static(b"{\"tls\":true}")).await;
    assert_eq!(response.body(), &b"{\"tls\":true}"[..]);
    let response = trusting.send(api.first_page(WALKER)).await.expect("a page");
    let page: tim_proto::recent_contact::GetListResponse =
        tim_proto::decode(&response).expect("a get_list page");
    assert_eq!(page.sessions.len(), 2);
    server.shutdown().await;
}

/// A whole `get_list` walk of a long list, driving `tim_proto`'s pager by hand: every
/// conversation once, in list order, in the fewest requests.
pub async fn get_list_walk(make: Factory) {
    const N: usize = 2_345;
    let (server, api) = start(harness::emulator(WALKER, N), false).await;
    let expected = server.with(|e| harness::expected_peers(e, WALKER));
    assert_eq!(expected.len(), N);
    let transport = make(&Options::default());
    let (items, requests) = harness::walk(&*transport, &api, WALKER)
        .await
        .unwrap_or_else(|e| panic!("the walk failed: {e:?}"));
    assert_eq!(harness::peers(&items), expected);
    assert!(
        requests <= N.div_ceil(100) as u64 + 1,
        "{requests} requests for {N} conversations"
    );
    server.shutdown().await;
}

/// The HTTP version the adapter ends up with over HTTPS against the emulator, which offers
/// `h2` and `http/1.1` through ALPN. Adapter-specific: the caller checks the answer.
pub async fn https_version(make: Factory) -> http::Version {
    let (server, api) = start(harness::emulator(WALKER, 1), true).await;
    let pem = server
        .ca_cert_pem()
        .expect("a TLS server has a certificate");
    let transport = make(&Options {
        root_pem: Some(pem),
        ..Options::default()
    });
    let response = echo(&*transport, &api, 200, Bytes::from_static(b"{}")).await;
    assert_eq!(response.body(), &b"{}"[..]);
    server.shutdown().await;
    response.version()
}
