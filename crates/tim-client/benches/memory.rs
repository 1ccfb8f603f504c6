//! Peak memory of a stream over one account with 100,000 and 1,000,000 conversations: it must
//! stay flat (the stream holds one page at a time), while collecting a list grows with it.
//!
//! Each measurement runs in a fresh child process (this binary re-run with `--child`) and reads
//! the peak resident set size, `VmHWM` in `/proc/self/status`. The transport makes pages of 100
//! on the fly from the cursor, so the server side holds nothing. Run with
//! `cargo bench -p tim-client --bench memory`.

use std::process::Command;

use futures_lite::future::block_on;
use futures_util::StreamExt;
use tim_client::Client;
use tim_transport::{Bytes, transport_fn};

const PAGE: u64 = 100;

/// A client over a generated list of `n` conversations, cursor in `StartIndex`.
fn client(n: u64) -> Client {
    let transport = transport_fn(move |request: http::Request<Bytes>| {
        let body: serde_json::Value = serde_json::from_slice(request.body()).unwrap_or_default();
        let start = body["StartIndex"].as_u64().unwrap_or(0);
        let end = (start + PAGE).min(n);
        let items: Vec<serde_json::Value> = (start..end)
            .map(|i| serde_json::json!({"Type": 1, "To_Account": format!("peer{i:08}"), "MsgTime": 2_000_000_000 - i, "TopFlag": 0}))
            .collect();
        let answer = serde_json::json!({
            "ActionStatus": "OK", "ErrorCode": 0, "SessionItem": items,
            "CompleteFlag": u8::from(end == n), "TimeStamp": 1, "StartIndex": end,
            "TopTimeStamp": 0, "TopStartIndex": 0,
        });
        let bytes = Bytes::from(serde_json::to_vec(&answer).unwrap_or_default());
        async move { Ok(http::Response::new(bytes)) }
    });
    Client::builder()
        .transport(transport)
        .base_url("http://generated.invalid")
        .sdk_app_id(1)
        .secret_key("memory-bench-key")
        .no_rate_limit()
        .build()
        .expect("valid")
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn child(mode: &str, n: u64) {
    let client = client(n);
    let list = client.contacts().list("big");
    let count = match mode {
        "stream" => block_on(async {
            let mut conversations = list.conversations();
            let mut count = 0u64;
            while let Some(c) = conversations.next().await {
                c.expect("ok");
                count += 1;
            }
            count
        }),
        _ => block_on(list.collect_all()).expect("ok").len() as u64,
    };
    assert_eq!(count, n);
    println!("{}", peak_rss_kib());
}

fn measure(mode: &str, n: u64) -> u64 {
    let exe = std::env::current_exe().expect("own path");
    let out = Command::new(exe)
        .args(["--child", mode, &n.to_string()])
        .output()
        .expect("child runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("a number")
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        let n = args.get(i + 2).and_then(|s| s.parse().ok()).unwrap_or(0);
        child(&args[i + 1], n);
        return;
    }
    // `cargo bench` passes `--bench`; `cargo test --benches` does not (and `--list` asks for
    // the list of benchmarks): measure only under `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    println!("peak RSS (VmHWM) of one walk, pages of {PAGE}:");
    let stream_100k = measure("stream", 100_000);
    let stream_1m = measure("stream", 1_000_000);
    let collect_100k = measure("collect", 100_000);
    let collect_1m = measure("collect", 1_000_000);
    println!("  conversations stream, 100,000:   {stream_100k:>8} KiB");
    println!("  conversations stream, 1,000,000: {stream_1m:>8} KiB");
    println!(
        "  stream ratio 1M / 100k: {:.3}",
        stream_1m as f64 / stream_100k as f64
    );
    println!("  collect_all, 100,000:   {collect_100k:>8} KiB (holds the list, for contrast)");
    println!("  collect_all, 1,000,000: {collect_1m:>8} KiB");
}
