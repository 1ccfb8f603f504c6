//! Exports the conversation lists of the emulator's 1,000 demo users with bounded concurrency
//! under the shared 200 calls/s limit (tokio, hyper), one result per account, and reports the
//! rate and the emulator's frequency-limit answers (there should be none).
//!
//! `cargo run --release -p tim-client --example export_many [concurrency]` (default 32).

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tim_client::Client;
use tim_emulator::{Config, Emulator, Server, ServerOptions};
use tim_transport_hyper::HyperTransport;

const SDK_APP_ID: u64 = 1_400_000_000;
const KEY: &str = "example-secret-key";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let concurrency = std::env::args()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(32);
    let mut emulator = Emulator::demo(Config::new(SDK_APP_ID, KEY));
    // A little network latency, as a real deployment would have.
    emulator
        .faults()
        .latency(Duration::from_millis(20), Duration::from_millis(10));
    let server = Server::start(emulator, ServerOptions::default()).await?;
    let client = Client::builder()
        .transport(HyperTransport::new())
        .base_url(&server.base_url())
        .sdk_app_id(SDK_APP_ID)
        .secret_key(KEY)
        .build()?;

    let accounts = (1..=1000).map(|n| format!("user{n:04}"));
    let start = Instant::now();
    let mut results = client.contacts().for_accounts(accounts, concurrency);
    let (mut ok, mut failed, mut conversations) = (0, 0, 0);
    while let Some((account, result)) = results.next().await {
        match result {
            Ok(list) => {
                ok += 1;
                conversations += list.len();
            }
            Err(e) => {
                failed += 1;
                eprintln!("{account}: {e}");
            }
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    let (calls, limited) = server.with(|e| {
        let log = e.log();
        let limited = log
            .iter()
            .filter(|l| matches!(l.error_code, Some(60007 | 60011 | 60018 | 60019)))
            .count();
        (log.len(), limited)
    });
    println!(
        "{ok} accounts exported ({failed} failed), {conversations} conversations, {calls} calls in {elapsed:.1} s \
         = {:.0} calls/s; frequency-limit answers: {limited}",
        calls as f64 / elapsed
    );
    server.shutdown().await;
    Ok(())
}
