//! The page both `benches/page.rs` and `examples/page_driver.rs` measure, and the plain serde
//! mirror of the wire that is the goal's baseline (one definition, so the two cannot drift).

use std::hint::black_box;

use tim_client::Client;
use tim_transport::{Bytes, transport_fn};

/// 100 conversations alternating one-to-one and group, as the service sends them.
pub(crate) fn page_bytes() -> Bytes {
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
pub(crate) struct PlainItem {
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
pub(crate) struct PlainPage {
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

/// A client whose transport answers every request at once with `page` (rate limiter off, a
/// key so the UserSig is signed once and cached).
pub(crate) fn client_answering(page: Bytes) -> Client {
    let transport = transport_fn(move |request: http::Request<Bytes>| {
        black_box(request);
        let body = page.clone();
        async move { Ok(http::Response::new(body)) }
    });
    Client::builder()
        .transport(transport)
        .base_url("http://127.0.0.1:8080")
        .sdk_app_id(1_400_000_000)
        .secret_key("5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e")
        .no_rate_limit()
        .build()
        .expect("valid")
}
