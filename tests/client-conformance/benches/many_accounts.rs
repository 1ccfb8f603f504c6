//! The many-accounts stream against the emulator with 50 ms of injected latency and the
//! emulator's limit at 200 calls/s: the achieved call rate, the most calls the emulator saw in
//! any one second, and the frequency-limit answers (goal: at least 195 calls/s, zero
//! frequency-limit answers), next to a sequential pager at the same latency (about 20/s).
//!
//! `cargo bench -p client-conformance --bench many_accounts` (prints the figures; about 15 s).

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tim_client::Client;
use tim_emulator::{Config, Emulator, LogEntry, Server, ServerOptions};
use tim_transport_hyper::HyperTransport;

const SDK_APP_ID: u64 = 1_400_000_000;
const KEY: &str = "many-accounts-bench-key";
const FREQUENCY_LIMITS: [i64; 4] = [60007, 60011, 60018, 60019];

fn new_client(server: &Server) -> Client {
    Client::builder()
        .transport(HyperTransport::new())
        .base_url(&server.base_url())
        .sdk_app_id(SDK_APP_ID)
        .secret_key(KEY)
        .build()
        .expect("valid")
}

/// The most entries within any one-second window (as the emulator counts: `now - t < 1 s`).
fn max_per_second(log: &[LogEntry]) -> usize {
    let mut times: Vec<Duration> = log.iter().map(|l| l.at).collect();
    times.sort();
    let mut best = 0;
    let mut lo = 0;
    for hi in 0..times.len() {
        while times[hi] - times[lo] >= Duration::from_secs(1) {
            lo += 1;
        }
        best = best.max(hi - lo + 1);
    }
    best
}

/// Whether a logged `get_list` body asks for a list's first page (both cursors at zero).
fn is_first_page(body: &str) -> bool {
    let Ok(request) = serde_json::from_str::<serde_json::Value>(body) else {
        return false;
    };
    ["TimeStamp", "StartIndex", "TopTimeStamp", "TopStartIndex"]
        .iter()
        .all(|k| request.get(*k).and_then(serde_json::Value::as_u64) == Some(0))
}

/// The most calls any one account made after `since`: the sequential pages the drain waits for.
fn drain_pages(log: &[LogEntry], since: Duration) -> usize {
    let mut per_account = std::collections::HashMap::<String, usize>::new();
    for entry in log.iter().filter(|l| l.at > since) {
        let account = serde_json::from_str::<serde_json::Value>(&entry.body)
            .ok()
            .and_then(|b| b.get("From_Account")?.as_str().map(str::to_owned))
            .unwrap_or_default();
        *per_account.entry(account).or_default() += 1;
    }
    per_account.into_values().max().unwrap_or(0)
}

fn limited(log: &[LogEntry]) -> usize {
    log.iter()
        .filter(|l| l.error_code.is_some_and(|c| FREQUENCY_LIMITS.contains(&c)))
        .count()
}

async fn run() {
    let mut config = Config::new(SDK_APP_ID, KEY);
    config.rate_limit = Some(200);
    config.log_capacity = 1_000_000;
    let mut emulator = Emulator::demo(config);
    emulator
        .faults()
        .latency(Duration::from_millis(50), Duration::ZERO);
    let server = Server::start(emulator, ServerOptions::default())
        .await
        .expect("server");

    // Sequential: one pager over user0100 (1,000 conversations, 10 pages) and more accounts,
    // for about two seconds.
    let client = new_client(&server);
    let start = Instant::now();
    let mut sequential_calls = 0;
    for n in [100, 200, 300, 400] {
        let mut pages = client.contacts().list(format!("user{n:04}")).pages();
        while let Some(page) = pages.next().await {
            page.expect("ok");
            sequential_calls += 1;
        }
    }
    let sequential = sequential_calls as f64 / start.elapsed().as_secs_f64();
    server.with(|e| e.clear_log());

    // The natural order, then the ten long lists (1,000 to 1,900 conversations, paged one
    // page after the other) first, so that no long list is left alone at the end.
    let natural: Vec<u32> = (1..=1000).collect();
    let mut long_first: Vec<u32> = (1..=10).map(|n| n * 100).rev().collect();
    long_first.extend((1..=1000).filter(|n| n % 100 != 0));
    for (order, concurrency, numbers) in [
        ("natural", 16, &natural),
        ("natural", 32, &natural),
        ("natural", 64, &natural),
        ("long lists first", 32, &long_first),
    ] {
        let client = new_client(&server);
        let accounts: Vec<String> = numbers.iter().map(|n| format!("user{n:04}")).collect();
        let start = Instant::now();
        let mut results = client.contacts().for_accounts(accounts, concurrency);
        let mut conversations = 0;
        let mut failed = 0;
        while let Some((_, result)) = results.next().await {
            match result {
                Ok(items) => conversations += items.len(),
                Err(_) => failed += 1,
            }
        }
        let wall = start.elapsed().as_secs_f64();
        let log = server.with(|e| {
            let log = e.log().to_vec();
            e.clear_log();
            log
        });
        let calls = log.len();
        let span = match (
            log.iter().map(|l| l.at).min(),
            log.iter().map(|l| l.at).max(),
        ) {
            (Some(a), Some(b)) => (b - a).as_secs_f64(),
            _ => 0.0,
        };
        // Sustained: from the first call to the last account's first call, the stream always
        // had an account waiting to start, so the rate then is the client's own. After it, the
        // drain: the lists still open finish page by page, as fast as the latency allows.
        let (first, last) = (log[0].at, log[calls - 1].at);
        let last_start = log
            .iter()
            .filter(|l| is_first_page(&l.body))
            .map(|l| l.at)
            .max()
            .unwrap_or(last);
        let sustained_calls = log.iter().filter(|l| l.at <= last_start).count() - 1;
        let sustained_span = (last_start - first).as_secs_f64();
        let drain_pages = drain_pages(&log, last_start);
        println!(
            "{order}, concurrency {concurrency:>2}: {calls} calls, {conversations} conversations, {failed} failed accounts, \
             wall {wall:.2} s → {:.1} calls/s overall, {:.1} calls/s first-to-last call; \
             sustained (while accounts were waiting to start, {sustained_span:.2} s) {:.1} calls/s; \
             drain {:.2} s (longest remaining list: {drain_pages} pages); \
             max in any 1 s window: {}; frequency-limit answers: {}",
            calls as f64 / wall,
            calls as f64 / span,
            sustained_calls as f64 / sustained_span,
            (last - last_start).as_secs_f64(),
            max_per_second(&log),
            limited(&log),
        );
    }
    println!("sequential pager, 50 ms latency: {sequential:.1} calls/s");
    server.shutdown().await;
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not (and `--list` asks for
    // the list of benchmarks): measure only under `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(run());
}
