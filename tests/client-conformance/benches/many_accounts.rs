//! The many-accounts stream against the emulator with 50 ms of injected latency and the
//! emulator's limit at 200 calls/s: the achieved call rate, the most calls the emulator saw in
//! any one second, and the frequency-limit answers (goal: at least 195 calls/s, zero
//! frequency-limit answers), next to a sequential pager at the same latency (about 20/s).
//!
//! Then the same stream over a generated data set of 10,000 accounts (`acct00001`...: lists of
//! 0 to 120 conversations, 1,000 for every thousandth account; about 11,800 calls, a minute at
//! the limit), for the overall rate of a long run.
//!
//! `cargo bench -p client-conformance --bench many_accounts [demo | 10k]` (prints the figures;
//! about 45 s for the demo runs, 65 s for the 10,000 accounts; a filter runs one part).

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tim_client::Client;
use tim_emulator::{Config, Conversation, Emulator, Kind, LogEntry, Server, ServerOptions};
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

/// The generated large data set: how many accounts.
const LARGE_ACCOUNTS: u32 = 10_000;

/// The length of `acctNNNNN`'s list in the large data set: 0 to 120 (one or two pages of 100),
/// and 1,000 (ten pages, one after the other) for every thousandth account.
fn large_list_len(n: u32) -> usize {
    if n.is_multiple_of(1000) {
        1000
    } else {
        (n as usize * 7919) % 121
    }
}

/// The large data set, generated: `acct00001` to `acct10000`, one-to-one and group
/// conversations alternating, times spread over 30 days.
fn large_emulator(config: Config) -> Emulator {
    let mut emulator = Emulator::new(config);
    let data = emulator.data();
    for n in 1..=LARGE_ACCOUNTS {
        let list = (0..large_list_len(n))
            .map(|m| {
                let time = 1_700_000_000 + (u64::from(n) * 31 + m as u64 * 977) % 2_592_000;
                if m % 2 == 0 {
                    let peer = (n as usize + m / 2) % LARGE_ACCOUNTS as usize + 1;
                    Conversation::new(Kind::C2c, format!("acct{peer:05}"), time)
                } else {
                    Conversation::new(Kind::Group, format!("group{:04}", m / 2), time)
                }
            })
            .collect();
        data.set_list(format!("acct{n:05}"), list);
    }
    emulator
}

/// One `for_accounts` stream over `accounts` at `concurrency`, measured from the server's log.
async fn measure(server: &Server, label: &str, accounts: Vec<String>, concurrency: usize) {
    let client = new_client(server);
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
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "{label}, concurrency {concurrency:>2}: {calls} calls, {conversations} conversations, {failed} failed accounts, \
         wall {wall:.2} s → {:.1} calls/s overall, {:.1} calls/s first-to-last call; \
         sustained (while accounts were waiting to start, {sustained_span:.2} s) {:.1} calls/s; \
         drain {:.2} s (longest remaining list: {drain_pages} pages); \
         max in any 1 s window: {}; frequency-limit answers: {}; load average after: {}",
        calls as f64 / wall,
        calls as f64 / span,
        sustained_calls as f64 / sustained_span,
        (last - last_start).as_secs_f64(),
        max_per_second(&log),
        limited(&log),
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
    );
}

fn bench_config() -> Config {
    let mut config = Config::new(SDK_APP_ID, KEY);
    config.rate_limit = Some(200);
    config.log_capacity = 1_000_000;
    config
}

async fn serve(mut emulator: Emulator) -> Server {
    emulator
        .faults()
        .latency(Duration::from_millis(50), Duration::ZERO);
    Server::start(emulator, ServerOptions::default())
        .await
        .expect("server")
}

async fn demo_runs() {
    let server = serve(Emulator::demo(bench_config())).await;

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
        let accounts: Vec<String> = numbers.iter().map(|n| format!("user{n:04}")).collect();
        measure(&server, order, accounts, concurrency).await;
    }
    println!("sequential pager, 50 ms latency: {sequential:.1} calls/s");
    server.shutdown().await;
}

async fn large_run() {
    let server = serve(large_emulator(bench_config())).await;
    let accounts: Vec<String> = (1..=LARGE_ACCOUNTS)
        .map(|n| format!("acct{n:05}"))
        .collect();
    measure(&server, "10,000 accounts, natural", accounts, 32).await;
    server.shutdown().await;
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not (and `--list` asks for
    // the list of benchmarks): measure only under `cargo bench`.
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.iter().any(|a| a == "--bench") {
        return;
    }
    // An argument that is not an option chooses a part: `demo` or `10k`.
    let filter = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .map(String::as_str);
    let (demo, large) = match filter {
        None => (true, true),
        Some(f) => ("demo".contains(f), "10k".contains(f)),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    if demo {
        runtime.block_on(demo_runs());
    }
    if large {
        runtime.block_on(large_run());
    }
}
