//! Core page time: one get_list request answered by `Emulator::handle` (query and UserSig checks,
//! JSON parse, page walk, JSON answer), for accounts of 1,000 and 1,000,000 conversations, at the
//! start and in the middle of the list. The goal is a ratio of at most 1.5 between the two sizes.

use std::hint::black_box;
use std::time::Duration;

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use tim_emulator::{Config, Conversation, Emulator, Kind};

const NOW: u64 = 1_700_000_000;

fn emulator(n: usize) -> Emulator {
    let mut config = Config::new(1_400_000_000, "bench-key");
    config.rate_limit = None;
    config.log_capacity = 0;
    let mut e = Emulator::new(config);
    let convs = (0..n)
        .map(|i| {
            let kind = if i % 2 == 0 { Kind::C2c } else { Kind::Group };
            Conversation::new(kind, format!("peer{i:07}"), NOW - n as u64 + i as u64)
        })
        .collect();
    e.data().set_list("bench", convs);
    e
}

fn request(uri: &str, body: String) -> http::Request<Bytes> {
    http::Request::post(uri)
        .body(Bytes::from(body))
        .expect("valid request")
}

fn body(time_stamp: u64, start_index: u64, top_time_stamp: u64) -> String {
    format!(
        r#"{{"From_Account":"bench","TimeStamp":{time_stamp},"StartIndex":{start_index},"TopTimeStamp":{top_time_stamp},"TopStartIndex":0,"AssistFlags":7}}"#
    )
}

fn page(c: &mut Criterion) {
    let mut group = c.benchmark_group("get_list_page_100");
    for n in [1_000usize, 1_000_000] {
        let mut e = emulator(n);
        let sig = e.sign("administrator", NOW, 86_400);
        let uri = format!(
            "http://127.0.0.1/v4/recentcontact/get_list?sdkappid=1400000000&identifier=administrator&usersig={}&random=1&contenttype=json",
            sig.expose()
        );
        let now = Duration::from_secs(NOW);
        // The cursor just after the middle conversation: ids follow insertion order from 1, and
        // the walk mark (TopTimeStamp) must be above the revision of the load (1).
        let mid = n / 2;
        let mid_body = body(NOW - n as u64 + mid as u64, ((mid as u64) + 1) << 3, 2);
        let first_body = body(0, 0, 0);
        let check = e.handle(now, request(&uri, mid_body.clone()));
        let v: serde_json::Value = serde_json::from_slice(check.response.body()).expect("json");
        assert_eq!(v["SessionItem"].as_array().map(Vec::len), Some(100), "{v}");
        group.bench_with_input(BenchmarkId::new("first", n), &n, |b, _| {
            b.iter(|| black_box(e.handle(now, request(&uri, first_body.clone()))))
        });
        group.bench_with_input(BenchmarkId::new("middle", n), &n, |b, _| {
            b.iter(|| black_box(e.handle(now, request(&uri, mid_body.clone()))))
        });
    }
    group.finish();
}

criterion_group!(benches, page);
criterion_main!(benches);
