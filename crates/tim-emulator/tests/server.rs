//! The loopback server: echo, faults on the wire, body limits, garbage and slow clients, TLS,
//! the admin API, and the in-process transport.

mod common;

use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use common::*;
use tim_emulator::{DEFAULT_MAX_BODY, Emulator, Fault, InProcess, ServerOptions};
use tim_transport::Transport;

fn demo() -> TestServer {
    TestServer::start(Emulator::demo(config()))
}

fn list_target(c: &mut Conn) -> String {
    let sig = c
        .post("/_emulator/usersig", r#"{"identifier":"admin"}"#)
        .json()["usersig"]
        .as_str()
        .expect("usersig")
        .to_owned();
    api_target("recentcontact/get_list", "admin", &sig)
}

#[test]
fn echo_reflects_body_status_and_headers() {
    let s = demo();
    let mut c = s.conn();
    let r = c.request(
        "POST",
        "/_emulator/echo?status=503",
        &[("Content-Type", "text/x-test; a=1"), ("X-Custom", "v1")],
        b"hello \x00\xff bytes",
    );
    assert_eq!(r.status, 503);
    assert_eq!(r.body, b"hello \x00\xff bytes");
    assert_eq!(r.header("content-type"), Some("text/x-test; a=1"));
    assert_eq!(r.header("x-echo-x-custom"), Some("v1"));
    assert_eq!(r.header("x-echo-host"), Some("127.0.0.1"));
    // Keep-alive: the same connection serves a large body next.
    let big: Vec<u8> = (0..8 * 1024 * 1024).map(|i| (i % 251) as u8).collect();
    let r = c.request("PUT", "/_emulator/echo", &[], &big);
    assert_eq!(r.status, 200);
    assert!(r.body == big, "8 MiB body came back altered");
    let r = c.get("/_emulator/echo?status=abc");
    assert_eq!(r.status, 400);
}

#[test]
fn wire_faults_drop_truncate_and_html_status() {
    let s = demo();
    let mut c = s.conn();
    let target = list_target(&mut c);
    let body = get_list_body("alice", [0; 4], 7);

    s.with(|e| {
        e.faults().script(Fault::HttpStatus(502), 1);
    });
    let r = c.post(&target, &body);
    assert_eq!(r.status, 502);
    assert_eq!(r.header("content-type"), Some("text/html"));
    assert!(String::from_utf8_lossy(&r.body).contains("502 Bad Gateway"));

    s.with(|e| {
        e.faults().script(Fault::ErrorCode(60_008), 1);
    });
    assert_eq!(c.post(&target, &body).code(), 60_008);

    s.with(|e| {
        e.faults().script(Fault::Drop, 1);
    });
    c.send("POST", &target, &[], body.as_bytes());
    assert!(c.read().is_none(), "a dropped request got an answer");
    assert!(c.closed());

    let mut c = s.conn();
    s.with(|e| {
        e.faults().script(Fault::Truncate, 1);
    });
    c.send("POST", &target, &[], body.as_bytes());
    let r = c.read().expect("headers arrive");
    let declared: usize = r
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .expect("content-length");
    assert!(
        r.body.len() < declared,
        "{} of {declared} bytes",
        r.body.len()
    );
    assert!(!r.body.is_empty());

    // After all that, the server still answers on a new connection.
    let mut c = s.conn();
    assert_eq!(c.post(&target, &body).code(), 0);
    let log = s.with(|e| e.log().to_vec());
    let faults: Vec<_> = log.iter().filter_map(|e| e.fault.clone()).collect();
    assert_eq!(faults, ["status=502", "code=60008", "drop", "truncate"]);
    assert_eq!(log[2].status, 0);
}

#[test]
fn oversized_bodies_get_413_and_the_server_survives() {
    let s = TestServer::start_with(
        Emulator::demo(config()),
        ServerOptions {
            max_body: 1024 * 1024,
            ..ServerOptions::default()
        },
    );
    // Declared too large: refused before reading the body.
    let mut c = s.conn();
    c.raw()
        .write_all(
            b"POST /_emulator/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741824\r\n\r\n",
        )
        .expect("write");
    let r = c.read().expect("an answer");
    assert_eq!(r.status, 413);
    assert!(String::from_utf8_lossy(&r.body).contains("larger than 1048576 bytes"));
    // Chunked without a length: refused once the limit is crossed.
    let mut c = s.conn();
    c.raw()
        .write_all(b"POST /v4/recentcontact/get_list HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        .expect("write");
    let chunk = vec![b'a'; 64 * 1024];
    for _ in 0..20 {
        let head = format!("{:x}\r\n", chunk.len());
        if c.raw().write_all(head.as_bytes()).is_err()
            || c.raw().write_all(&chunk).is_err()
            || c.raw().write_all(b"\r\n").is_err()
        {
            break;
        }
    }
    let r = c.read().expect("an answer");
    assert_eq!(r.status, 413);
    assert_eq!(DEFAULT_MAX_BODY, 16 * 1024 * 1024);
    assert_eq!(s.conn().get("/_emulator/health").status, 200);
}

#[test]
fn garbage_and_slow_clients_do_not_take_the_server_down() {
    let s = demo();
    // Garbage bytes: an error answer or a closed connection, nothing else.
    for garbage in [
        &b"\x00\xff\xfe garbage \r\n\r\n"[..],
        b"GET\r\n\r\n",
        b"POST /v4/x HTTP/1.1\r\nContent-Length: nope\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n\r\n",
    ] {
        let mut c = s.conn();
        c.raw().write_all(garbage).expect("write");
        if let Some(r) = c.read() {
            assert!(r.status >= 400, "{garbage:?} answered {}", r.status);
        }
    }
    // Slow clients: half a request head, and half a body, left hanging.
    let mut slow = Vec::new();
    for i in 0..50 {
        let mut c = s.conn();
        if i % 2 == 0 {
            c.raw()
                .write_all(b"POST /_emulator/echo HTT")
                .expect("write");
        } else {
            c.raw()
                .write_all(
                    b"POST /_emulator/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc",
                )
                .expect("write");
        }
        slow.push(c);
    }
    // Meanwhile, everyone else is served.
    let mut c = s.conn();
    let target = list_target(&mut c);
    for _ in 0..20 {
        assert_eq!(
            c.post(&target, &get_list_body("alice", [0; 4], 7)).code(),
            0
        );
    }
    // A client that closes mid-request does no harm either.
    drop(slow);
    assert_eq!(s.conn().get("/_emulator/health").status, 200);
}

#[test]
fn admin_api_round_trip() {
    let s = TestServer::start(Emulator::new(config()));
    let mut c = s.conn();
    let data =
        r#"{"admins":["root"],"sessions":{"dan":[{"Type":1,"To_Account":"eve","MsgTime":10}]}}"#;
    assert_eq!(c.post("/_emulator/load", data).json()["accounts"], 3);
    assert_eq!(
        c.post("/_emulator/load", r#"{"sessions":{"x":[{"Type":9}]}}"#)
            .status,
        400
    );
    let msg = r#"{"From_Account":"dan","Type":2,"GroupId":"g","MsgTime":20}"#;
    assert_eq!(c.post("/_emulator/message", msg).json()["MsgTime"], 20);
    let pin = r#"{"From_Account":"dan","Type":2,"GroupId":"g"}"#;
    assert_eq!(c.post("/_emulator/pin", pin).status, 200);
    assert_eq!(
        c.post(
            "/_emulator/pin",
            r#"{"From_Account":"dan","Type":1,"To_Account":"zz"}"#
        )
        .status,
        404
    );
    let d = c.get("/_emulator/data?account=dan").json();
    assert_eq!(d["sessions"]["dan"][0]["GroupId"], "g");
    assert_eq!(d["sessions"]["dan"][0]["TopFlag"], 1);
    assert!(d["admins"].as_array().unwrap().contains(&"root".into()));
    let del = r#"{"From_Account":"dan","Type":1,"To_Account":"eve"}"#;
    assert_eq!(c.post("/_emulator/delete", del).json()["existed"], true);
    assert_eq!(
        c.post(
            "/_emulator/faults",
            r#"["code=70001,count=2","latency=1ms"]"#
        )
        .status,
        200
    );
    assert_eq!(
        c.get("/_emulator/faults").json()["pending"][0]["remaining"],
        2
    );
    assert_eq!(c.post("/_emulator/faults", r#"["nonsense"]"#).status, 400);
    assert_eq!(c.post("/_emulator/faults/clear", "").status, 200);
    assert_eq!(
        c.get("/_emulator/faults").json()["pending"],
        serde_json::json!([])
    );
    assert_eq!(
        c.post("/_emulator/config", r#"{"page_size":5,"rate_limit":50}"#)
            .json()["page_size"],
        5
    );
    assert_eq!(
        c.post("/_emulator/config", r#"{"page_size":0}"#).status,
        400
    );
    let clock = c.post("/_emulator/clock", r#"{"now":1000}"#).json();
    assert_eq!(clock["now"], 1000);
    assert_eq!(
        c.post("/_emulator/clock", r#"{"shift":0}"#).json()["shift"],
        0
    );
    // Reset returns to the data the emulator started with (no dan).
    assert_eq!(c.post("/_emulator/reset", "").status, 200);
    let d = c.get("/_emulator/data").json();
    assert!(d["sessions"].as_object().unwrap().is_empty());
    assert_eq!(c.get("/_emulator/nope").status, 404);
    assert_eq!(c.get("/_emulator/reset").status, 405);
}

#[test]
fn https_with_the_generated_certificate() {
    let s = TestServer::start_with(
        Emulator::demo(config()),
        ServerOptions {
            tls: true,
            ..ServerOptions::default()
        },
    );
    let base = s.server().base_url();
    assert!(base.starts_with("https://localhost:"), "{base}");
    let pem = s.server().ca_cert_pem().expect("a certificate");
    let addr = s.addr();
    let answer = s.runtime().block_on(async move {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, ServerName};
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            roots.add(cert.expect("pem")).expect("root");
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let name = ServerName::try_from("localhost").expect("name");
        let mut tls = connector.connect(name, tcp).await.expect("handshake");
        tls.write_all(b"POST /_emulator/echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello")
            .await
            .expect("write");
        let mut out = Vec::new();
        let _ = tls.read_to_end(&mut out).await;
        String::from_utf8_lossy(&out).into_owned()
    });
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("hello"), "{answer}");
    // A plain-text client gets nowhere, and the server survives it.
    let mut c = s.conn();
    c.raw().write_all(b"GET / HTTP/1.1\r\n\r\n").expect("write");
    let mut buf = [0u8; 64];
    let n = c.raw().read(&mut buf).unwrap_or(0);
    assert!(!buf[..n].starts_with(b"HTTP/1.1 200"));
}

#[test]
fn in_process_transport_maps_faults_to_io_errors() {
    let t = InProcess::new(Emulator::demo(config()));
    let request = || {
        http::Request::post("http://anything/_emulator/echo")
            .body(Bytes::from_static(b"x"))
            .expect("request")
    };
    let run = |t: &InProcess| futures_lite::future::block_on(t.send(request()));
    assert_eq!(run(&t).expect("echo").body(), "x");
    // Faults apply to API calls, not to the admin API.
    let api = |t: &InProcess| {
        let sig = t.with(|e| e.sign("admin", 1_700_000_000, 10 * 365 * 86_400));
        let req = http::Request::post(format!(
            "http://x{}",
            api_target("recentcontact/get_list", "admin", sig.expose())
        ))
        .body(Bytes::from(get_list_body("alice", [0; 4], 7)))
        .expect("request");
        futures_lite::future::block_on(t.send(req))
    };
    assert_eq!(api(&t).expect("page").status(), 200);
    t.with(|e| {
        e.faults()
            .script(Fault::Drop, 1)
            .script(Fault::Truncate, 1)
            .script(Fault::Delay(Duration::from_millis(1)), 1);
    });
    assert!(api(&t).expect_err("dropped").is_io());
    assert!(api(&t).expect_err("truncated").is_io());
    assert_eq!(api(&t).expect("delayed").status(), 200);
    assert!(run(&t).is_ok());
}

#[test]
fn http2_with_prior_knowledge() {
    let s = demo();
    let addr = s.addr();
    let (status, body) = s.runtime().block_on(async move {
        use http_body_util::{BodyExt, Full};
        let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let (mut sender, conn) = hyper::client::conn::http2::handshake(
            hyper_util::rt::TokioExecutor::new(),
            hyper_util::rt::TokioIo::new(tcp),
        )
        .await
        .expect("h2 handshake");
        tokio::spawn(conn);
        let request = http::Request::post(format!("http://{addr}/_emulator/echo?status=201"))
            .body(Full::new(Bytes::from_static(b"over h2")))
            .expect("request");
        let response = sender.send_request(request).await.expect("response");
        assert_eq!(response.version(), http::Version::HTTP_2);
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        (status, body)
    });
    assert_eq!(status, 201);
    assert_eq!(body, "over h2");
}
