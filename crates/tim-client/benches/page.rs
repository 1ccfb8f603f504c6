//! Client CPU per page: one `get_list` page of 100 conversations through the whole client
//! (UserSig cache, rate limiter off, encode with a fresh `random`, a transport that answers at
//! once with prebuilt bytes, decode, pager) compared with `serde_json` alone deserializing the
//! same bytes into a plain `#[derive(Deserialize)]` mirror of the wire (`serde_json_plain`, the
//! baseline of the goal: at most 1.3×), and into tim-proto's `GetListResponse` (for contrast).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use futures_lite::future::block_on;

use tim_proto::recent_contact::{AssistFlags, GetListRequest, GetListResponse};
use tim_proto::{BaseUrl, QueryParams};

#[path = "support/page.rs"]
mod fixture;
use fixture::{PlainPage, client_answering, page_bytes};

fn bench(c: &mut Criterion) {
    let bytes = page_bytes();
    let mut group = c.benchmark_group("get_list_page_100");

    group.bench_function("serde_json_plain", |b| {
        b.iter(|| {
            let page: PlainPage = serde_json::from_slice(black_box(&bytes)).expect("parses");
            black_box(page)
        })
    });

    group.bench_function("serde_json_alone", |b| {
        b.iter(|| {
            let page: GetListResponse = serde_json::from_slice(black_box(&bytes)).expect("parses");
            black_box(page)
        })
    });

    group.bench_function("proto_decode", |b| {
        b.iter(|| {
            let response = http::Response::new(black_box(&bytes).clone());
            let page: GetListResponse = tim_proto::decode(&response).expect("decodes");
            black_box(page)
        })
    });

    let endpoint = BaseUrl::custom("http://127.0.0.1:8080").expect("valid");
    let usersig = "eJw".to_owned() + &"x".repeat(197);
    group.bench_function("proto_encode_decode", |b| {
        b.iter(|| {
            let request = GetListRequest::first("alice", AssistFlags::default());
            let params = QueryParams {
                sdk_app_id: 1_400_000_000,
                identifier: "administrator",
                usersig: &usersig,
                random: 42,
            };
            let http_request = tim_proto::encode(&request, &endpoint, &params).expect("encodes");
            black_box(http_request);
            let response = http::Response::new(bytes.clone());
            let page: GetListResponse = tim_proto::decode(&response).expect("decodes");
            black_box(page)
        })
    });

    let client = client_answering(bytes.clone());
    let list = client.contacts().list("alice");
    group.bench_function("client_page", |b| {
        b.iter(|| {
            let page = block_on(list.page()).expect("a page");
            assert_eq!(page.items.len(), 100);
            black_box(page)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
