//! insta snapshots of every request and response shape of the conversation-group and mark calls
//! (`docs/protocol/create_contact_group.md`, `update_contact_group.md`, `del_contact_group.md`,
//! `get_contact_group.md`, `search_contact_group.md`, `mark_contact.md`), the pages' samples among
//! them.

use bytes::Bytes;
use serde_json::{Value, json};
use tim_proto::contact_group::{
    ContactItem, CreateContactGroupRequest, CreateContactGroupResponse, DelContactGroupRequest,
    DelContactGroupResponse, GetContactGroupRequest, GetContactGroupResponse, MarkContactRequest,
    MarkContactResponse, MarkItem, RenameContactGroupRequest, SearchContactGroupRequest,
    SearchContactGroupResponse, StandardMarks, UpdateContactGroupRequest,
    UpdateContactGroupResponse,
};
use tim_proto::{ApiRequest, BaseUrl, DecodeError, QueryParams, Region, decode, encode};

/// The encoded request as a snapshot-friendly value: method, URI, body.
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
        "uri": http.uri().to_string(),
        "idempotent": R::IDEMPOTENCY.is_idempotent(),
        "rate": R::RATE.to_string(),
        "body": body,
    })
}

fn ok(body: &str) -> http::Response<Bytes> {
    http::Response::new(Bytes::copy_from_slice(body.as_bytes()))
}

/// The body of `request` as compact JSON text (to compare with a page's sample).
fn body_text<R: ApiRequest>(request: &R) -> String {
    serde_json::to_string(request).expect("serializes")
}

#[test]
fn create_contact_group_request() {
    let request = CreateContactGroupRequest::new(
        "user0",
        "test2",
        vec![
            ContactItem::c2c("user1"),
            ContactItem::group("@TGS#2J4SZEAEL"),
        ],
    );
    insta::assert_json_snapshot!(encoded(&request));
}

#[test]
fn create_contact_group_sample_response() {
    let body = r#"{"GroupResultItem":[{"GroupItem":{"GroupName":"test2","GroupId":2},"ResultItem":[{"ContactItem":{"Type":1,"To_Account":"user1"},"ResultCode":0,"ResultInfo":""}]}],"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","ErrorDisplay":""}"#;
    let r: CreateContactGroupResponse = decode(&ok(body)).expect("the sample decodes");
    assert_eq!(r.group().map(|g| g.group_id), Some(2));
    assert!(r.partial_failures().is_empty());
    insta::assert_debug_snapshot!(r);
}

#[test]
fn create_contact_group_partial_failure() {
    let body = r#"{"GroupResultItem":[{"GroupItem":{"GroupName":"g","GroupId":3},"ResultItem":[
        {"ContactItem":{"Type":1,"To_Account":"user1"},"ResultCode":0,"ResultInfo":""},
        {"ContactItem":{"Type":"2","ToGroupId":"@TGS#gone"},"ResultCode":51007,"ResultInfo":"group dismissed"}]}],
        "ActionStatus":"OK","ErrorCode":0}"#;
    let r: CreateContactGroupResponse = decode(&ok(body)).expect("decodes");
    let failed: Vec<String> = r
        .partial_failures()
        .iter()
        .map(|f| format!("{:?} {:?}", f.contact.id(), f.error()))
        .collect();
    insta::assert_debug_snapshot!(failed);
}

#[test]
fn update_contact_group_requests() {
    let sample = UpdateContactGroupRequest::add("user20", "test1", [ContactItem::c2c("user1")]);
    // The page's sample, byte for byte.
    assert_eq!(
        body_text(&sample),
        r#"{"From_Account":"user20","UpdateType":1,"UpdateGroup":{"UpdateGroupType":2,"OldGroupName":"test1","ContactUpdateItem":[{"ContactOptType":1,"ContactItem":{"Type":1,"To_Account":"user1"}}]}}"#
    );
    let remove = UpdateContactGroupRequest::remove(
        "user20",
        "test1",
        [ContactItem::group("@TGS#1"), ContactItem::c2c("user2")],
    );
    let rename = RenameContactGroupRequest::new("user20", "test1", "test9");
    insta::assert_json_snapshot!(json!({
        "add": encoded(&sample),
        "remove": encoded(&remove),
        "rename": encoded(&rename),
    }));
}

#[test]
fn update_contact_group_responses() {
    let rename = r#"{"UpdateType":1,"UpdateGroupResult":{"UpdateGroupType":1,"GroupName":"test9","GroupId":2,"OldGroupName":"test1"},"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","ErrorDisplay":""}"#;
    let members = r#"{"UpdateType":1,"UpdateGroupResult":{"UpdateGroupType":2,"GroupName":"test1","GroupId":2,"ContactResultItem":[
        {"ContactOptType":1,"ContactItem":{"Type":1,"To_Account":"user1"},"ResultCode":0,"ResultInfo":""},
        {"ContactOptType":2,"ContactItem":{"Type":2,"ToGroupId":"@TGS#1"},"ResultCode":51008,"ResultInfo":"too many"}]},
        "ActionStatus":"OK","ErrorCode":0}"#;
    let rename: UpdateContactGroupResponse = decode(&ok(rename)).expect("decodes");
    let members: UpdateContactGroupResponse = decode(&ok(members)).expect("decodes");
    assert!(rename.partial_failures().is_empty());
    assert_eq!(members.partial_failures().len(), 1);
    insta::assert_debug_snapshot!((rename, members));
}

#[test]
fn del_contact_group_request_and_sample_response() {
    let request = DelContactGroupRequest::new("user0", "test0");
    let body = r#"{"GroupItem":[{"GroupName":"test0","GroupId":2}],"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","ErrorDisplay":""}"#;
    let response: DelContactGroupResponse = decode(&ok(body)).expect("the sample decodes");
    insta::assert_json_snapshot!(json!({
        "request": encoded(&request),
        "response": response,
    }));
}

#[test]
fn del_contact_group_not_found() {
    let body = r#"{"ActionStatus":"FAIL","ErrorCode":51009,"ErrorInfo":"group not exist","ErrorDisplay":""}"#;
    match decode::<DelContactGroupResponse>(&ok(body)) {
        Err(DecodeError::Api(e)) => {
            insta::assert_snapshot!(format!("{e:?} class={:?} | {e}", e.code.class()));
        }
        other => panic!("expected 51009, got {other:?}"),
    }
}

#[test]
fn get_contact_group_requests() {
    let first = GetContactGroupRequest::first("user0");
    let later = GetContactGroupRequest {
        from_account: "user0".into(),
        start_index: 100,
    };
    insta::assert_json_snapshot!(json!({"first": encoded(&first), "later": encoded(&later)}));
}

/// A page shaped like the documentation's sample (which ends `"CompleteFlag":1,"NextStartIndex":0`;
/// its other values were not retrieved), with every field its table lists.
const GET_CONTACT_GROUP_SAMPLE: &str = r#"{
  "ContactItem": [
    {"Type": 1, "To_Account": "user1", "StandardMark": "11111110", "CustomMark": "abcd", "ContactGroupId": [1, 2], "Timestamp": 1672803338},
    {"Type": 2, "ToGroupId": "@TGS#2J4SZEAEL", "StandardMark": "0", "CustomMark": "", "ContactGroupId": [2], "Timestamp": 1672803339}
  ],
  "GroupItem": [
    {"GroupName": "test1", "GroupId": 1},
    {"GroupName": "test2", "GroupId": 2}
  ],
  "CompleteFlag": 1,
  "NextStartIndex": 0,
  "ActionStatus": "OK",
  "ErrorCode": 0,
  "ErrorInfo": "",
  "ErrorDisplay": ""
}"#;

#[test]
fn get_contact_group_sample_response() {
    let r: GetContactGroupResponse = decode(&ok(GET_CONTACT_GROUP_SAMPLE)).expect("decodes");
    let marks: Vec<_> = r
        .contacts
        .iter()
        .map(|c| c.meta().and_then(|m| m.standard_marks()))
        .collect();
    assert_eq!(
        marks,
        [
            Some(Ok(StandardMarks::from_bits(0b1111_1110))),
            Some(Ok(StandardMarks::EMPTY))
        ]
    );
    insta::assert_debug_snapshot!(r);
    // Serializing the items writes the wire form back.
    let original: Value = serde_json::from_str(GET_CONTACT_GROUP_SAMPLE).expect("json");
    assert_eq!(
        serde_json::to_value(&r.contacts).expect("serializes"),
        original["ContactItem"]
    );
}

#[test]
fn contact_items_read_leniently_and_unknown_ones_are_kept() {
    let body = r#"{"ContactItem":[
        {"Type":"1","To_Account":"string-type","StandardMark":"1"},
        {"Type":2,"GroupId":"get_list-casing"},
        {"Type":3,"RoomId":"r"},
        {"Type":1,"To_Account":"mistyped","ContactGroupId":"1"},
        null],
        "GroupItem":null,"CompleteFlag":0,"NextStartIndex":5,"ActionStatus":"OK","ErrorCode":0}"#;
    let r: GetContactGroupResponse = decode(&ok(body)).expect("never fails the page");
    insta::assert_debug_snapshot!(r.contacts);
}

#[test]
fn search_contact_group_request_and_response() {
    let request = SearchContactGroupRequest {
        from_account: "user0".into(),
        contacts: vec![ContactItem::c2c("user1"), ContactItem::group("@TGS#1")],
    };
    let body = r#"{"ContactResultItem":[
        {"Type":1,"To_Account":"user1","StandardMark":"11111110","CustomMark":"abcd","ContactGroupId":[1],"Timestamp":1672803338},
        {"Type":"2","ToGroupId":"@TGS#1","StandardMark":"","CustomMark":"","ContactGroupId":[],"Timestamp":0}],
        "GroupItem":[{"GroupName":"test1","GroupId":1}],
        "ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","ErrorDisplay":""}"#;
    let response: SearchContactGroupResponse = decode(&ok(body)).expect("decodes");
    insta::assert_json_snapshot!(json!({
        "request": encoded(&request),
        "response": response,
    }));
}

#[test]
fn mark_contact_requests() {
    let sample = MarkContactRequest {
        from_account: "user0".into(),
        items: vec![
            MarkItem::new(ContactItem::c2c("user1"))
                .set(StandardMarks::from_indices([1, 2, 3]).expect("bits"))
                .custom("abcd"),
        ],
    };
    // The page's sample, byte for byte.
    assert_eq!(
        body_text(&sample),
        r#"{"From_Account":"user0","MarkItem":[{"OptType":3,"ContactItem":{"Type":1,"To_Account":"user1"},"SetMark":[1,2,3],"CustomMark":"abcd"}]}"#
    );
    let every_kind = MarkContactRequest {
        from_account: "user0".into(),
        items: vec![
            MarkItem::new(ContactItem::c2c("a"))
                .set(StandardMarks::from_indices([0, 63]).expect("bits")),
            MarkItem::new(ContactItem::group("@TGS#1"))
                .clear(StandardMarks::from_indices([1]).expect("bits")),
            MarkItem::new(ContactItem::c2c("b")).custom(""),
            MarkItem::new(ContactItem::c2c("c"))
                .set(StandardMarks::from_indices([2]).expect("bits"))
                .clear(StandardMarks::from_indices([3]).expect("bits"))
                .custom("x"),
        ],
    };
    insta::assert_json_snapshot!(json!({
        "sample": encoded(&sample),
        "every_kind": encoded(&every_kind),
    }));
}

#[test]
fn mark_contact_responses() {
    let body = r#"{"ResultItem":[
        {"OptType":3,"ContactItem":{"Type":1,"To_Account":"user1"},"ResultCode":0,"ResultInfo":""},
        {"OptType":1,"ContactItem":{"Type":2,"ToGroupId":"@TGS#gone"},"ResultCode":51007,"ResultInfo":"group dismissed"}],
        "ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","ErrorDisplay":""}"#;
    let r: MarkContactResponse = decode(&ok(body)).expect("decodes");
    assert_eq!(r.partial_failures().len(), 1);
    let too_many = r#"{"ActionStatus":"FAIL","ErrorCode":51006,"ErrorInfo":"too many items"}"#;
    let error = decode::<MarkContactResponse>(&ok(too_many)).expect_err("51006");
    insta::assert_debug_snapshot!((r, error));
}

#[test]
fn family_error_codes() {
    let codes: Vec<String> = (51006..=51013)
        .map(|c| {
            let code = tim_proto::ErrorCode(c);
            format!(
                "{code:?} {:?} {}",
                code.class(),
                code.description().unwrap_or("?")
            )
        })
        .collect();
    insta::assert_debug_snapshot!(codes);
}
