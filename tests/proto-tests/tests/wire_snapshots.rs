//! insta snapshots of every encoded request and decoded response the protocol core handles.

use bytes::Bytes;
use serde_json::{Value, json};
use tim_proto::recent_contact::{
    AssistFlags, DeleteRequest, DeleteTarget, GetListRequest, GetListResponse,
};
use tim_proto::{ApiRequest, BaseUrl, DecodeError, Envelope, QueryParams, Region, decode, encode};

const SEED_RESPONSE: &str = r#"{
  "SessionItem": [
    {"Type": 1, "To_Account": "id2", "MsgTime": 1630997627, "TopFlag": 1},
    {"Type": 2, "GroupId": "id3", "MsgTime": 1630997628, "TopFlag": 1},
    {"Type": 1, "To_Account": "id4", "MsgTime": 1630997630, "TopFlag": 0},
    {"Type": 2, "GroupId": "id5", "MsgTime": 1630997650, "TopFlag": 0}
  ],
  "CompleteFlag": 1,
  "TimeStamp": 1631012800,
  "StartIndex": 0,
  "TopTimeStamp": 1631012800,
  "TopStartIndex": 0,
  "ActionStatus": "OK",
  "ErrorCode": 0,
  "ErrorInfo": "",
  "ErrorDisplay": ""
}"#;

/// The encoded request as a snapshot-friendly value: method, URI, headers, body.
fn encoded<R: ApiRequest>(request: &R) -> Value {
    let params = QueryParams {
        sdk_app_id: 88888888,
        identifier: "admin",
        usersig: "xxx",
        random: 99999999,
    };
    let http = encode(request, &BaseUrl::region(Region::China), &params).expect("encodes");
    let body: Value = serde_json::from_slice(http.body()).expect("a JSON body");
    json!({
        "method": http.method().as_str(),
        "uri": http.uri().to_string(),
        "headers": http.headers().iter().map(|(k, v)| format!("{k}: {}", v.to_str().unwrap_or("?"))).collect::<Vec<_>>(),
        "body": body,
    })
}

fn ok(body: &str) -> http::Response<Bytes> {
    http::Response::new(Bytes::copy_from_slice(body.as_bytes()))
}

#[test]
fn seed_request() {
    let request = GetListRequest::first("id1", AssistFlags::default());
    insta::assert_json_snapshot!(encoded(&request));
}

#[test]
fn request_with_flags_63_and_cursors() {
    let request = GetListRequest {
        from_account: "id1".into(),
        time_stamp: 1631012800,
        start_index: 100,
        top_time_stamp: 1631012700,
        top_start_index: 3,
        assist_flags: AssistFlags::DOCUMENTED_63,
    };
    insta::assert_json_snapshot!(encoded(&request));
}

#[test]
fn delete_requests() {
    let c2c = DeleteRequest {
        from_account: "id1".into(),
        target: DeleteTarget::C2c("id2".into()),
        clear_ramble: Some(true),
    };
    let group = DeleteRequest {
        from_account: "id1".into(),
        target: DeleteTarget::Group("@TGS#1".into()),
        clear_ramble: None,
    };
    insta::assert_json_snapshot!(json!({"c2c": encoded(&c2c), "group": encoded(&group)}));
}

#[test]
fn seed_response() {
    let page: GetListResponse = decode(&ok(SEED_RESPONSE)).expect("the seed sample decodes");
    insta::assert_debug_snapshot!(page);
    // Serializing the items writes the wire form back.
    let original: Value = serde_json::from_str(SEED_RESPONSE).expect("json");
    assert_eq!(
        serde_json::to_value(&page.sessions).expect("serializes"),
        original["SessionItem"]
    );
}

#[test]
fn flags_63_response_with_marks_groups_and_unknown_fields() {
    let body = r#"{"SessionItem":[
        {"Type":1,"To_Account":"id2","MsgTime":1630997627,"TopFlag":1,"StandardMark":"111001","CustomMark":"abcd","ContactGroupId":[1,2],"Future":{"x":1}},
        {"Type":2,"GroupId":"id3","MsgTime":1630997628,"TopFlag":0,"StandardMark":"0","CustomMark":"","ContactGroupId":[]}],
        "CompleteFlag":0,"TimeStamp":1630997628,"StartIndex":1,"TopTimeStamp":1630997627,"TopStartIndex":1,
        "ActionStatus":"OK","ErrorCode":0,"NewEnvelopeField":true}"#;
    let page: GetListResponse = decode(&ok(body)).expect("decodes");
    insta::assert_json_snapshot!(page);
}

#[test]
fn unknown_type_is_kept_raw_without_failing_the_page() {
    let body = r#"{"SessionItem":[
        {"Type":3,"RoomId":"r1","MsgTime":1630997627,"TopFlag":0},
        {"Type":1,"MsgTime":5,"TopFlag":0},
        {"Type":2,"GroupId":"g","MsgTime":-1,"TopFlag":0},
        {"Type":1,"To_Account":"ok","MsgTime":7,"TopFlag":0},
        {"Type":3,"GroupId":123},
        {"Type":1,"To_Account":"m","MsgTime":8,"TopFlag":0,"ContactGroupId":"not-an-array"},
        null,
        "text"],
        "CompleteFlag":1,"ActionStatus":"OK","ErrorCode":0}"#;
    let page: GetListResponse = decode(&ok(body)).expect("decodes");
    insta::assert_debug_snapshot!(page.sessions);
    let wire = serde_json::to_value(&page.sessions).expect("serializes");
    let original: Value = serde_json::from_str(body).expect("json");
    assert_eq!(
        wire, original["SessionItem"],
        "unknown items serialize back exactly"
    );
}

#[test]
fn error_envelopes() {
    let cases = [
        r#"{"ActionStatus":"FAIL","ErrorCode":70001,"ErrorInfo":"usersig expired","ErrorDisplay":""}"#,
        r#"{"ActionStatus":"FAIL","ErrorCode":50001,"ErrorInfo":"From_Account not found","ErrorDisplay":"账号不存在"}"#,
        r#"{"ActionStatus":"FAIL","ErrorCode":60007}"#,
        r#"{"ActionStatus":"OK","ErrorCode":90001,"ErrorInfo":"undocumented"}"#,
    ];
    let decoded: Vec<String> = cases
        .iter()
        .map(|body| match decode::<GetListResponse>(&ok(body)) {
            Err(DecodeError::Api(e)) => format!("{:?} class={:?} | {e}", e, e.code.class()),
            other => panic!("expected an api error, got {other:?}"),
        })
        .collect();
    insta::assert_debug_snapshot!(decoded);
}

#[test]
fn bad_gateway_html_page() {
    let html = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
    let response = http::Response::builder()
        .status(502)
        .body(Bytes::from_static(html.as_bytes()))
        .expect("valid");
    let err = decode::<GetListResponse>(&response).expect_err("502 is an error");
    insta::assert_debug_snapshot!(err);
    assert_eq!(err.to_string(), "http status 502 Bad Gateway");
}

#[test]
fn delete_response() {
    let envelope: Envelope = decode(&ok(
        r#"{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","ErrorDisplay":""}"#,
    ))
    .expect("ok");
    insta::assert_debug_snapshot!(envelope);
}
