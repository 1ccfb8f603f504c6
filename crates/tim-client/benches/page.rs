//! Client CPU per page: one `get_list` page of 100 conversations through the whole client
//! (UserSig cache, rate limiter off, encode with a fresh `random`, a transport that answers at
//! once with prebuilt bytes, decode, pager) compared with `serde_json` alone deserializing the
//! same bytes into a plain `#[derive(Deserialize)]` mirror of the wire (`serde_json_plain`, the
//! baseline of the goal: at most 1.3×), and into tim-proto's `GetListResponse` (for contrast).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use futures_lite::future::block_on;
use tim_client::Client;
use tim_proto::recent_contact::{AssistFlags, GetListRequest, GetListResponse};
use tim_proto::{BaseUrl, QueryParams};
use tim_transport::{Bytes, transport_fn};

/// 100 conversations alternating one-to-one and group, as the service sends them.
fn page_bytes() -> Bytes {
    let items: Vec<serde_json::Value> = (0..100)
        .map(|i| {
            if i % 2 == 0 {
                serde_json::json!({"Type": 1, "To_Account": format!("user{i:06}"), "MsgTime": 1_700_000_000 + i, "TopFlag": 0})
            } else {
                serde_json::json!({"Type": 2, "GroupId": format!("@TGS#group{i:06}"), "MsgTime": 1_700_000_000 + i, "TopFlag": i32::from(i % 29 == 1)})
            }
        })
        .collect();
    let body = serde_json::json!({
        "ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": "", "ErrorDisplay": "",
        "SessionItem": items, "CompleteFlag": 1,
        "TimeStamp": 1_700_000_100u64, "StartIndex": 0, "TopTimeStamp": 0, "TopStartIndex": 0,
    });
    Bytes::from(serde_json::to_vec(&body).expect("serializes"))
}

/// The baseline: what a caller with no SDK would write, plain serde derives with `Option`s.
#[allow(dead_code)] // fields are read only through black_box
#[derive(serde::Deserialize)]
struct PlainItem {
    #[serde(rename = "Type")]
    kind: i64,
    #[serde(rename = "To_Account")]
    to_account: Option<String>,
    #[serde(rename = "GroupId")]
    group_id: Option<String>,
    #[serde(rename = "MsgTime")]
    msg_time: u64,
    #[serde(rename = "TopFlag")]
    top_flag: u32,
}

#[allow(dead_code)]
#[derive(serde::Deserialize)]
struct PlainPage {
    #[serde(rename = "SessionItem")]
    items: Vec<PlainItem>,
    #[serde(rename = "CompleteFlag")]
    complete_flag: u32,
    #[serde(rename = "TimeStamp")]
    time_stamp: Option<u64>,
    #[serde(rename = "StartIndex")]
    start_index: Option<u64>,
    #[serde(rename = "TopTimeStamp")]
    top_time_stamp: Option<u64>,
    #[serde(rename = "TopStartIndex")]
    top_start_index: Option<u64>,
    #[serde(rename = "ActionStatus")]
    action_status: String,
    #[serde(rename = "ErrorCode")]
    error_code: i64,
    #[serde(rename = "ErrorInfo")]
    error_info: Option<String>,
    #[serde(rename = "ErrorDisplay")]
    error_display: Option<String>,
}

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

    let answer = bytes.clone();
    let transport = transport_fn(move |request: http::Request<Bytes>| {
        black_box(request);
        let body = answer.clone();
        async move { Ok(http::Response::new(body)) }
    });
    let client = Client::builder()
        .transport(transport)
        .base_url("http://127.0.0.1:8080")
        .sdk_app_id(1_400_000_000)
        .secret_key("5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e")
        .no_rate_limit()
        .build()
        .expect("valid");
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
