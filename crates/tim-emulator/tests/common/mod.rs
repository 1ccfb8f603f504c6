//! Black-box test support: a server on a background tokio runtime and a minimal HTTP/1.1 client
//! over `std::net::TcpStream` that writes requests by hand (no tim-proto types, no HTTP library).

#![allow(dead_code, unreachable_pub)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use serde_json::Value;
use tim_emulator::{Config, Emulator, Server, ServerOptions};

/// The official vectors' app: sdkappid and key.
pub const SDKAPPID: u64 = 1_400_000_000;
pub const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
/// The vectors' signing time.
pub const SIGNED_AT: u64 = 1_569_910_200;

pub fn vectors() -> Value {
    serde_json::from_str(include_str!("../vectors/usersig-official.json")).expect("vectors json")
}

/// The usersig of the first vector whose `call` is `call`.
pub fn vector(call: &str) -> String {
    vectors()["vectors"]
        .as_array()
        .expect("vectors")
        .iter()
        .find(|v| v["call"] == call)
        .and_then(|v| v["usersig"].as_str())
        .unwrap_or_else(|| panic!("no vector {call}"))
        .to_owned()
}

pub fn config() -> Config {
    let mut c = Config::new(SDKAPPID, KEY);
    c.admins = vec!["admin".to_owned()];
    c.rate_limit = None;
    c
}

pub struct TestServer {
    rt: tokio::runtime::Runtime,
    server: Option<Server>,
}

impl TestServer {
    pub fn start(emulator: Emulator) -> Self {
        Self::start_with(emulator, ServerOptions::default())
    }

    pub fn start_with(emulator: Emulator, options: ServerOptions) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let server = rt
            .block_on(Server::start(emulator, options))
            .expect("server starts");
        TestServer {
            rt,
            server: Some(server),
        }
    }

    pub fn server(&self) -> &Server {
        self.server.as_ref().expect("running")
    }

    pub fn addr(&self) -> SocketAddr {
        self.server().local_addr()
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut Emulator) -> R) -> R {
        self.server().with(f)
    }

    pub fn conn(&self) -> Conn {
        Conn::open(self.addr())
    }

    pub fn runtime(&self) -> &tokio::runtime::Runtime {
        &self.rt
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            self.rt.block_on(s.shutdown());
        }
    }
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not json ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// The `ErrorCode` of an API answer, checking it came with HTTP 200 and a coherent envelope.
    pub fn code(&self) -> i64 {
        assert_eq!(self.status, 200, "{}", String::from_utf8_lossy(&self.body));
        let v = self.json();
        let code = v["ErrorCode"].as_i64().expect("ErrorCode");
        let status = if code == 0 { "OK" } else { "FAIL" };
        assert_eq!(v["ActionStatus"], status, "{v}");
        assert!(v["ErrorInfo"].is_string(), "{v}");
        code
    }
}

pub struct Conn {
    stream: TcpStream,
}

impl Conn {
    pub fn open(addr: SocketAddr) -> Self {
        let stream = TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .expect("timeout");
        stream.set_nodelay(true).expect("nodelay");
        Conn { stream }
    }

    pub fn raw(&mut self) -> &mut TcpStream {
        &mut self.stream
    }

    pub fn send(&mut self, method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) {
        let mut head = format!(
            "{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n",
            body.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        self.stream.write_all(head.as_bytes()).expect("write head");
        self.stream.write_all(body).expect("write body");
    }

    pub fn request(
        &mut self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Resp {
        self.send(method, target, headers, body);
        self.read().expect("a response")
    }

    pub fn post(&mut self, target: &str, body: &str) -> Resp {
        self.request("POST", target, &[], body.as_bytes())
    }

    pub fn get(&mut self, target: &str) -> Resp {
        self.request("GET", target, &[], b"")
    }

    /// Reads one response; `None` when the connection closed before a status line.
    pub fn read(&mut self) -> Option<Resp> {
        let mut buf = Vec::new();
        let mut byte = [0u8; 1];
        while !buf.ends_with(b"\r\n\r\n") {
            match self.stream.read(&mut byte) {
                Ok(0) | Err(_) => return None,
                Ok(_) => buf.push(byte[0]),
            }
        }
        let head = String::from_utf8_lossy(&buf).into_owned();
        let mut lines = head.split("\r\n");
        let status: u16 = lines.next()?.split(' ').nth(1)?.parse().ok()?;
        let headers: Vec<(String, String)> = lines
            .filter(|l| !l.is_empty())
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect();
        let len = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse::<usize>().ok());
        let mut body = Vec::new();
        match len {
            Some(n) => {
                body.resize(n, 0);
                let mut got = 0;
                while got < n {
                    match self.stream.read(&mut body[got..]) {
                        Ok(0) | Err(_) => break,
                        Ok(k) => got += k,
                    }
                }
                body.truncate(got);
            }
            None => {
                let _ = self.stream.read_to_end(&mut body);
            }
        }
        Some(Resp {
            status,
            headers,
            body,
        })
    }

    /// Whether the server closed the connection (reads EOF or a reset).
    pub fn closed(&mut self) -> bool {
        let mut b = [0u8; 1];
        matches!(self.stream.read(&mut b), Ok(0) | Err(_))
    }
}

/// `/v4/{api}?...` with the usual parameters.
pub fn api_target(api: &str, identifier: &str, usersig: &str) -> String {
    format!(
        "/v4/{api}?sdkappid={SDKAPPID}&identifier={identifier}&usersig={usersig}&random=12345&contenttype=json"
    )
}

pub fn get_list_body(from: &str, cursor: [u64; 4], flags: u64) -> String {
    format!(
        r#"{{"From_Account":"{from}","TimeStamp":{},"StartIndex":{},"TopTimeStamp":{},"TopStartIndex":{},"AssistFlags":{flags}}}"#,
        cursor[0], cursor[1], cursor[2], cursor[3]
    )
}

pub fn cursor_of(page: &Value) -> [u64; 4] {
    ["TimeStamp", "StartIndex", "TopTimeStamp", "TopStartIndex"]
        .map(|f| page[f].as_u64().unwrap_or_else(|| panic!("{f} in {page}")))
}

/// A conversation's identity in a page: (Type, peer).
pub fn item_id(item: &Value) -> (u64, String) {
    let kind = item["Type"].as_u64().expect("Type");
    let peer = if kind == 1 {
        item["To_Account"].as_str()
    } else {
        item["GroupId"].as_str()
    };
    (kind, peer.expect("peer").to_owned())
}
