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
