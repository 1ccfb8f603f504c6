//! No input makes decoding panic.

use bytes::Bytes;
use proptest::prelude::*;
use tim_proto::recent_contact::GetListResponse;
use tim_proto::{Envelope, decode};

const VALID: &str = r#"{"SessionItem":[{"Type":1,"To_Account":"a","MsgTime":1,"TopFlag":1,"StandardMark":"1","CustomMark":"c","ContactGroupId":[1]},{"Type":2,"GroupId":"g","MsgTime":2,"TopFlag":0}],"CompleteFlag":0,"TimeStamp":2,"StartIndex":1,"TopTimeStamp":1,"TopStartIndex":1,"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}"#;

fn json_like() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|n| format!("{n:?}")),
        "\\PC{0,8}".prop_map(|s| format!("{s:?}")),
        Just("true".to_owned()),
    ];
    let keys = prop_oneof![
        Just("SessionItem"),
        Just("CompleteFlag"),
        Just("TimeStamp"),
        Just("StartIndex"),
        Just("TopTimeStamp"),
        Just("TopStartIndex"),
        Just("ActionStatus"),
        Just("ErrorCode"),
        Just("ErrorInfo"),
        Just("Type"),
        Just("To_Account"),
        Just("GroupId"),
        Just("MsgTime"),
        Just("TopFlag"),
        Just("ContactGroupId"),
        Just("x"),
    ];
    leaf.prop_recursive(4, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec((keys.clone(), inner), 0..8).prop_map(|v| {
                let fields: Vec<String> =
                    v.into_iter().map(|(k, v)| format!("{k:?}:{v}")).collect();
                format!("{{{}}}", fields.join(","))
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..2048),
        status in prop_oneof![9 => Just(200u16), 1 => 100u16..600],
    ) {
        let response = http::Response::builder().status(status).body(Bytes::from(bytes)).expect("valid status");
        let _ = decode::<GetListResponse>(&response);
        let _ = decode::<Envelope>(&response);
    }

    /// A valid page with random bytes overwritten, inserted or cut: near-valid JSON reaches the
    /// deepest decoding paths.
    #[test]
    fn mutated_valid_pages_never_panic(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..8),
    ) {
        let mut body = VALID.as_bytes().to_vec();
        for (at, byte, op) in edits {
            let i = at.index(body.len().max(1));
            match op {
                0 if i < body.len() => body[i] = byte,
                1 => body.insert(i.min(body.len()), byte),
                _ => body.truncate(i),
            }
        }
        let _ = decode::<GetListResponse>(&http::Response::new(Bytes::from(body)));
    }

    #[test]
    fn arbitrary_json_never_panics(body in json_like()) {
        let response = http::Response::new(Bytes::from(body));
        let _ = decode::<GetListResponse>(&response);
    }
}

/// One field of an item: usually the value the model expects for its key, sometimes anything.
fn item_field() -> impl Strategy<Value = String> {
    // Keys as JSON text: the known ones, two of them escaped (`"T\u0079pe"` is `"Type"`), and
    // unknown ones.
    let key = prop_oneof![
        Just(r#""Type""#),
        Just(r#""T\u0079pe""#),
        Just(r#""To_Account""#),
        Just(r#""GroupId""#),
        Just(r#""MsgTime""#),
        Just(r#""TopFlag""#),
        Just(r#""StandardMark""#),
        Just(r#""CustomMark""#),
        Just(r#""ContactGroupId""#),
        Just(r#""Extra""#),
        Just(r#""\u0078""#),
    ];
    let odd = prop_oneof![
        Just("null".to_owned()),
        Just("-1".to_owned()),
        Just("-0".to_owned()),
        Just("1.0".to_owned()),
        Just("1e0".to_owned()),
        Just("4294967296".to_owned()),
        Just("18446744073709551616".to_owned()),
        Just("true".to_owned()),
        Just("[1,\"a\"]".to_owned()),
        Just("{\"k\":1}".to_owned()),
        "\\PC{0,4}".prop_map(|s| json(&s)),
        (0u64..4).prop_map(|n| n.to_string()),
    ];
    (key, any::<bool>(), odd, 0u64..3, "[a-z@#\\\\\"]{0,6}").prop_map(
        |(key, expected, odd, n, text)| {
            let value = if expected {
                match key {
                    r#""Type""# | r#""T\u0079pe""# => (n.min(1) + 1).to_string(),
                    r#""MsgTime""# | r#""TopFlag""# => n.to_string(),
                    r#""ContactGroupId""# => format!("[{n}]"),
                    _ => json(&text),
                }
            } else {
                odd
            };
            format!("{key}:{value}")
        },
    )
}

/// `s` as a JSON string.
fn json(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

/// A well-formed item (one-to-one or group, optional fields present or not) with, half the
/// time, a few fields from [`item_field`] replacing or joining its own.
fn item() -> impl Strategy<Value = Vec<String>> {
    let edits = prop_oneof![
        2 => Just(Vec::new()),
        1 => prop::collection::vec((item_field(), any::<bool>()), 1..3),
    ];
    (1u8..3, prop::collection::vec(any::<bool>(), 5), edits).prop_map(|(kind, present, edits)| {
        let mut fields = vec![
            format!("\"Type\":{kind}"),
            if kind == 1 {
                "\"To_Account\":\"u\\u00e9\""
            } else {
                "\"GroupId\":\"@TGS#g\""
            }
            .to_owned(),
        ];
        let optional = [
            "\"MsgTime\":1700000000",
            "\"TopFlag\":1",
            "\"StandardMark\":\"01\"",
            "\"CustomMark\":\"c\"",
            "\"ContactGroupId\":[1,2]",
        ];
        fields.extend(
            optional
                .iter()
                .zip(present)
                .filter(|(_, present)| *present)
                .map(|(field, _)| (*field).to_owned()),
        );
        for (edit, replace) in edits {
            let key = edit.split(':').next().unwrap_or_default().to_owned();
            match fields.iter().position(|f| f.starts_with(&key)) {
                Some(i) if replace => fields[i] = edit,
                _ => fields.push(edit),
            }
        }
        fields
    })
}

/// An entry of `SessionItem`: mostly an [`item`], sometimes something that is not an object.
fn entry() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => item().prop_map(|fields| format!("{{{}}}", fields.join(","))),
        1 => prop_oneof![
            Just("7".to_owned()),
            Just("null".to_owned()),
            Just("\"s\"".to_owned()),
            Just("[{\"Type\":1,\"To_Account\":\"a\"}]".to_owned()),
        ],
    ]
}

/// A page around `entries` (`None`: `"SessionItem":null`).
fn page_with(entries: Option<Vec<String>>) -> String {
    let items = match entries {
        Some(entries) => format!("[{}]", entries.join(",")),
        None => "null".to_owned(),
    };
    format!(r#"{{"ActionStatus":"OK","ErrorCode":0,"SessionItem":{items},"CompleteFlag":1}}"#)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// `decode` reads a page optimistically (strict item visitors first, the robust ones when
    /// they refuse); whatever the items hold, it gives exactly what serde's own reading of
    /// `GetListResponse` (always robust) gives.
    #[test]
    fn optimistic_decoding_matches_the_robust_reading(
        entries in prop::option::weighted(0.95, prop::collection::vec(entry(), 0..5)),
    ) {
        let body = page_with(entries);
        let robust = serde_json::from_str::<GetListResponse>(&body);
        let decoded = decode::<GetListResponse>(&http::Response::new(Bytes::from(body.clone())));
        match (robust, decoded) {
            (Ok(robust), Ok(decoded)) => prop_assert_eq!(robust, decoded, "{}", body),
            (Err(robust), Err(decoded)) => {
                // The same failure, reported the same way.
                let source = std::error::Error::source(&decoded).map(ToString::to_string);
                prop_assert_eq!(source, Some(robust.to_string()), "{}", body);
            }
            (robust, decoded) => prop_assert!(false, "{body}: {robust:?} vs {decoded:?}"),
        }
    }
}

/// Decodes `body` as every conversation-group and mark response; none may panic.
fn decode_every_family_response(body: &[u8], status: u16) {
    use tim_proto::contact_group::{
        CreateContactGroupResponse, DelContactGroupResponse, GetContactGroupResponse,
        MarkContactResponse, SearchContactGroupResponse, UpdateContactGroupResponse,
    };
    let response = http::Response::builder()
        .status(status)
        .body(Bytes::copy_from_slice(body))
        .expect("valid status");
    if let Ok(r) = decode::<CreateContactGroupResponse>(&response) {
        let _ = (r.group(), r.partial_failures());
    }
    if let Ok(r) = decode::<UpdateContactGroupResponse>(&response) {
        let _ = r.partial_failures();
    }
    let _ = decode::<DelContactGroupResponse>(&response);
    if let Ok(r) = decode::<GetContactGroupResponse>(&response) {
        for c in &r.contacts {
            let _ = c.meta().map(|m| m.standard_marks());
        }
        let _ = <tim_proto::contact_group::GetContactGroupRequest as tim_proto::PagedRequest>::into_page(r);
    }
    let _ = decode::<SearchContactGroupResponse>(&response);
    if let Ok(r) = decode::<MarkContactResponse>(&response) {
        let _ = r.partial_failures();
    }
}

/// Valid answers of the family, mutated.
const FAMILY_VALID: &[&str] = &[
    r#"{"GroupResultItem":[{"GroupItem":{"GroupName":"test2","GroupId":2},"ResultItem":[{"ContactItem":{"Type":1,"To_Account":"user1"},"ResultCode":0,"ResultInfo":""}]}],"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","ErrorDisplay":""}"#,
    r#"{"UpdateType":1,"UpdateGroupResult":{"UpdateGroupType":2,"GroupName":"t","GroupId":2,"ContactResultItem":[{"ContactOptType":1,"ContactItem":{"Type":2,"ToGroupId":"g"},"ResultCode":51008,"ResultInfo":"x"}]},"ActionStatus":"OK","ErrorCode":0}"#,
    r#"{"ContactItem":[{"Type":"1","To_Account":"u","StandardMark":"11111110","CustomMark":"c","ContactGroupId":[1],"Timestamp":5}],"GroupItem":[{"GroupName":"g","GroupId":1}],"CompleteFlag":0,"NextStartIndex":3,"ActionStatus":"OK","ErrorCode":0}"#,
    r#"{"ResultItem":[{"OptType":3,"ContactItem":{"Type":1,"To_Account":"user1"},"ResultCode":0,"ResultInfo":""}],"ActionStatus":"OK","ErrorCode":0}"#,
];

fn family_json_like() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        any::<i64>().prop_map(|n| n.to_string()),
        (0u64..4).prop_map(|n| n.to_string()),
        "[01x]{0,70}".prop_map(|s| format!("{s:?}")),
        Just("true".to_owned()),
    ];
    let keys = prop_oneof![
        Just("GroupResultItem"),
        Just("GroupItem"),
        Just("ResultItem"),
        Just("ContactItem"),
        Just("ContactResultItem"),
        Just("UpdateGroupResult"),
        Just("ResultCode"),
        Just("ResultInfo"),
        Just("Type"),
        Just("To_Account"),
        Just("ToGroupId"),
        Just("StandardMark"),
        Just("ContactGroupId"),
        Just("GroupName"),
        Just("GroupId"),
        Just("CompleteFlag"),
        Just("NextStartIndex"),
        Just("ActionStatus"),
        Just("ErrorCode"),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec((keys.clone(), inner), 0..6).prop_map(|v| {
                let fields: Vec<String> =
                    v.into_iter().map(|(k, v)| format!("{k:?}:{v}")).collect();
                format!("{{{}}}", fields.join(","))
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn family_responses_never_panic_on_arbitrary_bytes(
        bytes in prop::collection::vec(any::<u8>(), 0..512),
        status in prop_oneof![9 => Just(200u16), 1 => 100u16..600],
    ) {
        decode_every_family_response(&bytes, status);
    }

    #[test]
    fn family_responses_never_panic_on_mutated_answers(
        which in 0usize..4,
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..6),
    ) {
        let mut body = FAMILY_VALID[which].as_bytes().to_vec();
        for (at, byte, op) in edits {
            let i = at.index(body.len().max(1));
            match op {
                0 if i < body.len() => body[i] = byte,
                1 => body.insert(i.min(body.len()), byte),
                _ => body.truncate(i),
            }
        }
        decode_every_family_response(&body, 200);
    }

    #[test]
    fn family_responses_never_panic_on_arbitrary_json(body in family_json_like()) {
        decode_every_family_response(body.as_bytes(), 200);
    }
}
