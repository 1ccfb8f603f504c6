//! Property tests of the conversation-group and mark calls: the `StandardMarks` bit set, and the
//! walk of `get_contact_group` against a model server that sends empty pages.

use proptest::prelude::*;
use serde_json::json;
use tim_proto::contact_group::{
    ContactGroupCursor, ContactGroupEntry, GetContactGroupRequest, GetContactGroupResponse,
    StandardMarks,
};
use tim_proto::pager::{Pager, PagerError};
use tim_proto::{ApiResponse, PagedRequest};

fn bit_indices() -> impl Strategy<Value = Vec<u32>> {
    prop::collection::vec(0u32..64, 0..12)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Marks set then cleared leave nothing, whatever was set before.
    #[test]
    fn set_then_cleared_leaves_nothing(bits in bit_indices()) {
        let mut marks = StandardMarks::EMPTY;
        for &b in &bits {
            marks.set(b).expect("0..64");
            prop_assert!(marks.contains(b));
        }
        for &b in &bits {
            marks.clear(b).expect("0..64");
        }
        prop_assert!(marks.is_empty());
        // The same through the wire's sets: SetMark then ClearMark of the same bits.
        let set = StandardMarks::from_indices(bits.iter().copied()).expect("0..64");
        prop_assert_eq!(StandardMarks::EMPTY.apply(set, StandardMarks::EMPTY).apply(StandardMarks::EMPTY, set), StandardMarks::EMPTY);
    }

    /// Clearing removes exactly the bits cleared, and leaves the others.
    #[test]
    fn clear_touches_only_its_bits(start in any::<u64>(), bits in bit_indices()) {
        let mut marks = StandardMarks::from_bits(start);
        let cleared = StandardMarks::from_indices(bits.iter().copied()).expect("0..64");
        for &b in &bits {
            marks.clear(b).expect("0..64");
        }
        prop_assert_eq!(marks.bits(), start & !cleared.bits());
    }

    /// The bit string and the index array round-trip, and the string reads right to left.
    #[test]
    fn text_and_indices_round_trip(bits in any::<u64>(), zeros in 0usize..4) {
        let marks = StandardMarks::from_bits(bits);
        let text = marks.to_string();
        prop_assert_eq!(text.parse::<StandardMarks>(), Ok(marks));
        prop_assert_eq!(format!("{}{text}", "0".repeat(zeros)).parse::<StandardMarks>(), Ok(marks));
        let reversed: Vec<u8> = text.bytes().rev().collect();
        for i in 0..64u32 {
            let from_text = reversed.get(i as usize) == Some(&b'1');
            prop_assert_eq!(marks.contains(i), from_text);
        }
        let wire = serde_json::to_string(&marks).expect("serializes");
        prop_assert_eq!(serde_json::from_str::<StandardMarks>(&wire).expect("reads"), marks);
    }

    #[test]
    fn mark_parse_never_panics(s in "[01a ]{0,80}") {
        let _ = s.parse::<StandardMarks>();
    }

    #[test]
    fn cursor_text_round_trips(n in any::<u64>()) {
        let c = ContactGroupCursor(n);
        prop_assert_eq!(c.to_string().parse::<ContactGroupCursor>(), Ok(c));
    }
}

/// A model of `get_contact_group`: `groups` groups (listed on the first page) and `n`
/// conversations, `page` per page, by `StartIndex`. An empty page (`CompleteFlag` 0, no items)
/// moves the cursor to a new band so that nothing is lost or repeated.
struct Model {
    groups: u64,
    n: u64,
    page: u64,
    empty_at: Vec<bool>,
    served: usize,
    after_complete: usize,
    done: bool,
}

const BAND: u64 = 1 << 32;

impl Model {
    fn serve(&mut self, request: &GetContactGroupRequest) -> GetContactGroupResponse {
        if self.done {
            self.after_complete += 1;
        }
        let empty = self.empty_at.get(self.served).copied().unwrap_or(false);
        self.served += 1;
        let cursor = request.start_index;
        let start = (cursor % BAND).min(self.n);
        let (items, next, complete) = if empty {
            (0..0, cursor + BAND, false)
        } else {
            let end = (start + self.page).min(self.n);
            (start..end, cursor - cursor % BAND + end, end == self.n)
        };
        self.done |= complete;
        let groups: Vec<_> = if cursor == 0 {
            (1..=self.groups)
                .map(|g| json!({"GroupName": format!("g{g}"), "GroupId": g}))
                .collect()
        } else {
            Vec::new()
        };
        let contacts: Vec<_> = items
            .map(|i| json!({"Type": 1, "To_Account": format!("u{i}"), "StandardMark": "1", "ContactGroupId": [1], "Timestamp": i}))
            .collect();
        let next_start_index = if complete { 0 } else { next };
        let body = json!({
            "ContactItem": contacts, "GroupItem": groups,
            "CompleteFlag": u8::from(complete),
            "NextStartIndex": next_start_index,
            "ActionStatus": "OK", "ErrorCode": 0,
        });
        GetContactGroupResponse::decode_body(body.to_string().as_bytes())
            .expect("the model's page decodes")
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// The walk yields every group and every conversation exactly once, in order, whatever
    /// empty pages the server sends, and asks nothing after `CompleteFlag` 1.
    #[test]
    fn the_walk_yields_every_item_once_under_empty_pages(
        groups in 0u64..5, n in 0u64..40, page in 1u64..8, empty_at in prop::collection::vec(prop::bool::weighted(0.3), 0..20),
    ) {
        let mut model = Model { groups, n, page, empty_at, served: 0, after_complete: 0, done: false };
        let mut pager = Pager::new(GetContactGroupRequest::first("alice")).with_max_pages(1000);
        let (mut seen_groups, mut seen) = (Vec::new(), Vec::new());
        while let Some(request) = pager.next_request().expect("no misuse") {
            prop_assert_eq!(&request.from_account, "alice");
            let page = pager.handle_response(model.serve(&request)).expect("the model never stalls");
            for entry in page.items {
                match entry {
                    ContactGroupEntry::Group(g) => seen_groups.push(g.group_id),
                    ContactGroupEntry::Contact(c) => seen.push(c.id().map(str::to_owned)),
                    other => prop_assert!(false, "{other:?}"),
                }
            }
        }
        prop_assert_eq!(seen_groups, (1..=groups).collect::<Vec<_>>());
        prop_assert_eq!(seen, (0..n).map(|i| Some(format!("u{i}"))).collect::<Vec<_>>());
        prop_assert_eq!(model.after_complete, 0);
    }
}

#[test]
fn a_stalled_start_index_is_an_error_not_a_hang() {
    let body = r#"{"ContactItem":[],"GroupItem":[],"CompleteFlag":0,"NextStartIndex":0,"ActionStatus":"OK","ErrorCode":0}"#;
    let mut pager = Pager::new(GetContactGroupRequest::first("alice"));
    let _first = pager.next_request().expect("a request");
    let response = GetContactGroupResponse::decode_body(body.as_bytes()).expect("decodes");
    assert_eq!(
        pager.handle_response(response),
        Err(PagerError::CursorStalled {
            cursor: ContactGroupCursor(0)
        })
    );
    let missing = r#"{"CompleteFlag":0,"ActionStatus":"OK","ErrorCode":0}"#;
    let response = GetContactGroupResponse::decode_body(missing.as_bytes()).expect("decodes");
    assert!(GetContactGroupRequest::into_page(response).is_err());
}
