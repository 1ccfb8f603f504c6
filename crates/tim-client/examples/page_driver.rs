//! A driver for counting instructions per page (`docs/performance.md`, tim-client (a)): runs one
//! body of `benches/page.rs` `N` times under the same setup, for `valgrind --tool=callgrind`.
//!
//! ```text
//! CARGO_PROFILE_RELEASE_DEBUG=line-tables-only cargo build --release -p tim-client --example page_driver
//! valgrind --tool=callgrind target/release/examples/page_driver client 1001
//! ```
//!
//! The cost of one page is the difference between a run of `N + k` and one of `N` pages, divided
//! by `k` (setup and the first call's one-off work cancel out). Modes: `plain` (serde_json into a
//! plain struct, the goal's baseline), `decode` (`tim_proto::decode`), `encode_decode`
//! (`tim_proto::encode` + `decode`), `client` (one page through the whole client).
//!
//! `page_driver time ROUNDS BATCH` measures wall time instead: the four bodies take turns in
//! batches of `BATCH` pages, `ROUNDS` times, and the fastest batch of each is reported (with
//! `taskset -c 0`, the least disturbed figure a loaded machine gives).

use std::hint::black_box;

use futures_lite::future::block_on;

use tim_proto::recent_contact::{AssistFlags, GetListRequest, GetListResponse};
use tim_proto::{BaseUrl, QueryParams};
use tim_transport::Bytes;

#[path = "../benches/support/page.rs"]
mod fixture;
use fixture::{PlainPage, client_answering, page_bytes};

/// The four bodies of `benches/page.rs`, over one setup.
struct Bodies {
    bytes: Bytes,
    endpoint: BaseUrl,
    usersig: String,
    list: tim_client::List,
}

impl Bodies {
    fn new() -> Self {
        let bytes = page_bytes();
        let client = client_answering(bytes.clone());
        Bodies {
            bytes,
            endpoint: BaseUrl::custom("http://127.0.0.1:8080").expect("valid"),
            usersig: "eJw".to_owned() + &"x".repeat(197),
            list: client.contacts().list("alice"),
        }
    }

    /// Runs `mode`'s body `n` times; `false` for an unknown mode.
    fn run(&self, mode: &str, n: u64) -> bool {
        for _ in 0..n {
            match mode {
                "plain" => {
                    let page: PlainPage =
                        serde_json::from_slice(black_box(&self.bytes)).expect("parses");
                    black_box(page);
                }
                "decode" => {
                    let response = http::Response::new(black_box(&self.bytes).clone());
                    let page: GetListResponse = tim_proto::decode(&response).expect("decodes");
                    black_box(page);
                }
                "encode_decode" => {
                    let request = GetListRequest::first("alice", AssistFlags::default());
                    let params = QueryParams {
                        sdk_app_id: 1_400_000_000,
                        identifier: "administrator",
                        usersig: &self.usersig,
                        random: 42,
                    };
                    let http_request =
                        tim_proto::encode(&request, &self.endpoint, &params).expect("encodes");
                    black_box(http_request);
                    let response = http::Response::new(self.bytes.clone());
                    let page: GetListResponse = tim_proto::decode(&response).expect("decodes");
                    black_box(page);
                }
                "client" => {
                    let page = block_on(self.list.page()).expect("a page");
                    assert_eq!(page.items.len(), 100);
                    black_box(page);
                }
                _ => return false,
            }
        }
        true
    }
}

const MODES: [&str; 4] = ["plain", "decode", "encode_decode", "client"];

/// Wall time that resists a loaded machine: the modes take turns in short batches, and each
/// one's fastest batch is kept (a batch that no other process interrupted).
fn time(bodies: &Bodies, rounds: u64, batch: u64) {
    let mut best = [f64::INFINITY; MODES.len()];
    for _ in 0..rounds {
        for (mode, best) in MODES.iter().zip(&mut best) {
            let start = std::time::Instant::now();
            bodies.run(mode, batch);
            let per_page = start.elapsed().as_secs_f64() * 1e6 / batch as f64;
            *best = best.min(per_page);
        }
    }
    let plain = best[0];
    for (mode, best) in MODES.iter().zip(best) {
        println!("{mode:>14}: {best:6.2} µs/page, {:.3}× plain", best / plain);
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "client".to_owned());
    let n: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(1000);
    let bodies = Bodies::new();
    if mode == "time" {
        let batch = args.next().and_then(|s| s.parse().ok()).unwrap_or(20);
        time(&bodies, n, batch);
    } else if !bodies.run(&mode, n) {
        eprintln!("unknown mode {mode}: plain, decode, encode_decode, client or time");
        std::process::exit(2);
    }
}
