//! Helpers shared by the black-box CLI tests: the built binary with no `TIM_*` variables, and a
//! standalone emulator (`tim emulator serve` on port 0) that is killed when dropped.

#![allow(dead_code)] // each test binary uses its own subset

pub(crate) mod chaos;

use std::io::{BufRead, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

/// The built `tim`, with every `TIM_*` variable of the test environment removed.
pub(crate) fn tim() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tim"));
    for (name, _) in std::env::vars() {
        if name.starts_with("TIM_") {
            cmd.env_remove(name);
        }
    }
    cmd
}

/// A running `tim emulator serve`; killed when dropped, pass or fail.
pub(crate) struct Running {
    child: Child,
    /// `http://HOST:PORT`, as the first line printed it.
    pub(crate) url: String,
    /// `HOST:PORT`.
    pub(crate) addr: String,
    _stdout: BufReader<ChildStdout>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `tim [global...] emulator serve --listen 127.0.0.1:0 [args...]` and reads its first
/// line, which must name the real port.
pub(crate) fn serve(args: &[&str]) -> Running {
    serve_on("127.0.0.1:0", args)
}

/// [`serve`] with `--listen listen`.
pub(crate) fn serve_on(listen: &str, args: &[&str]) -> Running {
    let mut child = tim()
        .args(["emulator", "serve", "--listen", listen])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("tim starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("first line");
    let url = line
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    let addr = url.strip_prefix("http://").unwrap_or(&url).to_owned();
    assert!(!addr.ends_with(":0"), "the real port is printed: {url}");
    Running {
        child,
        url,
        addr,
        _stdout: stdout,
    }
}

/// One HTTP/1.1 request to an emulator at `addr` (`host:port`) on a fresh connection; the status
/// and the JSON body of the answer.
pub(crate) fn http(addr: &str, method: &str, target: &str, body: &str) -> (u16, serde_json::Value) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    write!(
        s,
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("write");
    let mut raw = String::new();
    s.read_to_string(&mut raw).expect("read");
    let (head, body) = raw.split_once("\r\n\r\n").expect("a response");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    (status, serde_json::from_str(body).expect("json body"))
}
