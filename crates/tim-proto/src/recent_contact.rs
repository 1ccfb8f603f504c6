//! `v4/recentcontact/*`: the conversation list (`get_list`) and deleting one conversation
//! (`delete`).
//!
//! Wire names are kept exactly (`From_Account`, `TopStartIndex`, `ToGroupid`, ...); Rust names are
//! snake_case. See `docs/protocol/get_list.md` and `docs/protocol/delete.md` for the semantics and
//! their sources.

use std::fmt;
use std::str::FromStr;

use serde::de;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::call::{ApiRequest, Idempotency};
use crate::endpoint::ApiPath;
use crate::envelope::Envelope;
use crate::pager::{self, CursorParseError, PageError, PagedRequest};

bitflags::bitflags! {
    /// `AssistFlags` of `get_list`.
    ///
    /// The seed documentation names bits 0–2. Newer pages ask for the fixed values 15 and 63
    /// without naming bits 3–5; they are kept as given (`from_bits_retain`) and sent unchanged.
    ///
    /// ```
    /// use tim_proto::recent_contact::AssistFlags;
    ///
    /// let flags = AssistFlags::from_bits_retain(63);
    /// assert!(flags.contains(AssistFlags::PAGINATE_PINNED));
    /// assert_eq!(flags.bits(), 63);
    /// assert_eq!(AssistFlags::default().bits(), 7);
    /// ```
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct AssistFlags: u32 {
        /// Bit 0: support pinned conversations (they come first).
        const PINNED = 1 << 0;
        /// Bit 1: return empty conversations.
        const EMPTY = 1 << 1;
        /// Bit 2: page pinned conversations with the Top cursors (else all come in the first page).
        const PAGINATE_PINNED = 1 << 2;
        // Keep bits the documentation does not name.
        const _ = !0;
    }
}

impl AssistFlags {
    /// 15: the fixed value of the 2025 Chinese documentation (bits 0–3).
    pub const DOCUMENTED_15: AssistFlags = AssistFlags::from_bits_retain(15);
    /// 63: the fixed value of the current international documentation, which also returns the
    /// mark and conversation-group fields.
    pub const DOCUMENTED_63: AssistFlags = AssistFlags::from_bits_retain(63);
}

impl Default for AssistFlags {
    /// The three documented bits (7), as in the seed's sample request.
    fn default() -> Self {
        AssistFlags::PINNED | AssistFlags::EMPTY | AssistFlags::PAGINATE_PINNED
    }
}

impl Serialize for AssistFlags {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(self.bits())
    }
}

impl<'de> Deserialize<'de> for AssistFlags {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        u32::deserialize(d).map(AssistFlags::from_bits_retain)
    }
}

/// `recentcontact/get_list`: one page of an account's conversation list.
///
/// Build the first request with [`GetListRequest::first`]; let [`crate::pager::Pager`] build the
/// rest, since the four cursor fields must always travel together ([`ListCursor`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetListRequest {
    /// `From_Account`: whose list.
    #[serde(rename = "From_Account")]
    pub from_account: String,
    /// `TimeStamp`: normal-conversation cursor, time part (0 on the first page).
    #[serde(rename = "TimeStamp")]
    pub time_stamp: u64,
    /// `StartIndex`: normal-conversation cursor, position part (0 on the first page).
    #[serde(rename = "StartIndex")]
    pub start_index: u64,
    /// `TopTimeStamp`: pinned-conversation cursor, time part (0 on the first page).
    #[serde(rename = "TopTimeStamp")]
    pub top_time_stamp: u64,
    /// `TopStartIndex`: pinned-conversation cursor, position part (0 on the first page).
    #[serde(rename = "TopStartIndex")]
    pub top_start_index: u64,
    /// `AssistFlags`.
    #[serde(rename = "AssistFlags")]
    pub assist_flags: AssistFlags,
}

impl GetListRequest {
    /// The request for the first page (all cursors 0).
    pub fn first(from_account: impl Into<String>, assist_flags: AssistFlags) -> Self {
        ListCursor::START.request(from_account, assist_flags)
    }
}

impl ApiRequest for GetListRequest {
    const PATH: ApiPath = ApiPath::new("recentcontact", "get_list");
    /// A read.
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;
    type Response = GetListResponse;
}

impl PagedRequest for GetListRequest {
    type Cursor = ListCursor;
    type Item = SessionItem;

    fn cursor(&self) -> ListCursor {
        ListCursor::of_request(self)
    }

    fn set_cursor(&mut self, cursor: &ListCursor) {
        self.time_stamp = cursor.time_stamp;
        self.start_index = cursor.start_index;
        self.top_time_stamp = cursor.top_time_stamp;
        self.top_start_index = cursor.top_start_index;
    }

    fn into_page(
        response: GetListResponse,
    ) -> Result<pager::PageParts<SessionItem, ListCursor>, PageError> {
        let next =
            pager::complete_flag_step(response.complete_flag, ListCursor::of_response(&response))?;
        Ok((response.sessions, next))
    }
}

crate::api_response! {
    /// The answer to [`GetListRequest`].
    ///
    /// The cursor fields are optional on the wire: the pager insists on them only while
    /// `CompleteFlag` is 0.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct GetListResponse {
        /// `CompleteFlag`: 1 when the whole list has been returned, 0 when there is more.
        #[serde(rename = "CompleteFlag")]
        pub complete_flag: u32,
        /// `TimeStamp` for the next request.
        #[serde(rename = "TimeStamp", default, skip_serializing_if = "Option::is_none")]
        pub time_stamp: Option<u64>,
        /// `StartIndex` for the next request.
        #[serde(
            rename = "StartIndex",
            default,
            skip_serializing_if = "Option::is_none"
        )]
        pub start_index: Option<u64>,
        /// `TopTimeStamp` for the next request.
        #[serde(
            rename = "TopTimeStamp",
            default,
            skip_serializing_if = "Option::is_none"
        )]
        pub top_time_stamp: Option<u64>,
        /// `TopStartIndex` for the next request.
        #[serde(
            rename = "TopStartIndex",
            default,
            skip_serializing_if = "Option::is_none"
        )]
        pub top_start_index: Option<u64>,
    }
    /// `SessionItem`: the conversations of this page (absent or `null` reads as empty).
    items "SessionItem" => pub sessions: Vec<SessionItem>;
}

impl GetListResponse {
    /// Whether `CompleteFlag` says the list is complete.
    pub fn is_complete(&self) -> bool {
        self.complete_flag == 1
    }
}

/// Where a walk of `get_list` stands: both cursors, which always travel together.
///
/// Its text form (`v1.<TimeStamp>.<StartIndex>.<TopTimeStamp>.<TopStartIndex>`) is stable and
/// URL-safe, so a caller can persist it and resume later with [`crate::pager::Pager::resume`].
///
/// ```
/// use tim_proto::recent_contact::ListCursor;
///
/// let c: ListCursor = "v1.1631012800.3.1631012700.0".parse()?;
/// assert_eq!(c.to_string(), "v1.1631012800.3.1631012700.0");
/// assert_eq!(ListCursor::START.to_string(), "v1.0.0.0.0");
/// # Ok::<(), tim_proto::pager::CursorParseError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ListCursor {
    time_stamp: u64,
    start_index: u64,
    top_time_stamp: u64,
    top_start_index: u64,
}

impl ListCursor {
    /// The start of a list (all four fields 0).
    pub const START: ListCursor = ListCursor {
        time_stamp: 0,
        start_index: 0,
        top_time_stamp: 0,
        top_start_index: 0,
    };

    /// The text form's version prefix.
    const VERSION: &'static str = "v1";
    /// The text form, for error messages.
    const FORM: &'static str = "v1.<TimeStamp>.<StartIndex>.<TopTimeStamp>.<TopStartIndex>";

    /// A cursor from its four fields.
    pub const fn new(
        time_stamp: u64,
        start_index: u64,
        top_time_stamp: u64,
        top_start_index: u64,
    ) -> Self {
        ListCursor {
            time_stamp,
            start_index,
            top_time_stamp,
            top_start_index,
        }
    }

    /// The cursor a request carries.
    pub fn of_request(request: &GetListRequest) -> Self {
        ListCursor {
            time_stamp: request.time_stamp,
            start_index: request.start_index,
            top_time_stamp: request.top_time_stamp,
            top_start_index: request.top_start_index,
        }
    }

    /// The cursor a response hands back, if it carries all four fields.
    pub fn of_response(response: &GetListResponse) -> Option<Self> {
        Some(ListCursor {
            time_stamp: response.time_stamp?,
            start_index: response.start_index?,
            top_time_stamp: response.top_time_stamp?,
            top_start_index: response.top_start_index?,
        })
    }

    /// `TimeStamp`.
    pub fn time_stamp(&self) -> u64 {
        self.time_stamp
    }

    /// `StartIndex`.
    pub fn start_index(&self) -> u64 {
        self.start_index
    }

    /// `TopTimeStamp`.
    pub fn top_time_stamp(&self) -> u64 {
        self.top_time_stamp
    }

    /// `TopStartIndex`.
    pub fn top_start_index(&self) -> u64 {
        self.top_start_index
    }

    /// The request for this cursor.
    pub fn request(
        &self,
        from_account: impl Into<String>,
        assist_flags: AssistFlags,
    ) -> GetListRequest {
        GetListRequest {
            from_account: from_account.into(),
            time_stamp: self.time_stamp,
            start_index: self.start_index,
            top_time_stamp: self.top_time_stamp,
            top_start_index: self.top_start_index,
            assist_flags,
        }
    }
}

impl fmt::Display for ListCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&pager::cursor_text(
            Self::VERSION,
            &[
                self.time_stamp,
                self.start_index,
                self.top_time_stamp,
                self.top_start_index,
            ],
        ))
    }
}

impl fmt::Debug for ListCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ListCursor({self})")
    }
}

impl FromStr for ListCursor {
    type Err = CursorParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let [time_stamp, start_index, top_time_stamp, top_start_index] =
            pager::parse_cursor_text(s, Self::VERSION, Self::FORM)?;
        Ok(ListCursor {
            time_stamp,
            start_index,
            top_time_stamp,
            top_start_index,
        })
    }
}

impl Serialize for ListCursor {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ListCursor {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = crate::wire::Key::deserialize(d)?.0;
        s.parse().map_err(de::Error::custom)
    }
}

/// `Type` 1: a one-to-one (C2C) conversation.
pub const TYPE_C2C: i64 = 1;
/// `Type` 2: a group (G2C) conversation.
pub const TYPE_GROUP: i64 = 2;

crate::wire_item! {
    /// One entry of `SessionItem`: a one-to-one conversation, a group conversation, or a kind this
    /// crate does not know, kept whole.
    ///
    /// Serializing writes the wire form back, unknown fields included, so a conversation can be
    /// passed on exactly as the service sent it. Declared with [`wire_item!`](crate::wire_item).
    #[non_exhaustive]
    pub enum SessionItem {
        tag "Type";
        /// Any other `Type`, a known `Type` without its id field, or any field of an unexpected
        /// JSON type: the item as received.
        _ => Unknown(UnknownSession { session_type }),
        /// `Type` 1 with `To_Account`: a one-to-one conversation.
        1 => C2c(C2cSession { "To_Account" => to_account }),
        /// `Type` 2 with `GroupId`: a group conversation.
        2 => Group(GroupSession { "GroupId" => group_id }),
    }
    /// What one-to-one and group conversations share.
    pub struct SessionMeta {
        /// `MsgTime`: the conversation's time (Unix seconds of its last message); 0 when absent.
        "MsgTime" => pub msg_time: u64 = 0,
        /// `TopFlag`: 1 pinned, 0 normal; 0 when absent.
        "TopFlag" => pub top_flag: u32 = 0,
        /// `StandardMark`: the standard marks as a bit string, when the flags ask for it.
        "StandardMark" => pub standard_mark: String,
        /// `CustomMark`, when the flags ask for it.
        "CustomMark" => pub custom_mark: String,
        /// `ContactGroupId`: the conversation groups it belongs to, when the flags ask for it.
        "ContactGroupId" => pub contact_group_id: Vec<u64>,
    }
}

impl SessionItem {
    /// `Type` as received (1 for C2C, 2 for group).
    pub fn session_type(&self) -> Option<i64> {
        self.tag()
    }

    /// `MsgTime` (for an unknown kind, read from its raw JSON when it is a number).
    pub fn msg_time(&self) -> Option<u64> {
        match self {
            SessionItem::Unknown(u) => u.raw.get("MsgTime").and_then(serde_json::Value::as_u64),
            other => other.meta().map(|m| m.msg_time),
        }
    }

    /// Whether `TopFlag` is 1.
    pub fn is_pinned(&self) -> bool {
        match self {
            SessionItem::Unknown(u) => {
                u.raw.get("TopFlag").and_then(serde_json::Value::as_u64) == Some(1)
            }
            other => other.meta().is_some_and(|m| m.top_flag == 1),
        }
    }

    /// The peer's id: `To_Account` or `GroupId`.
    pub fn peer_id(&self) -> Option<&str> {
        self.id()
    }
}

/// The conversation to delete: a one-to-one peer or a group.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeleteTarget {
    /// `Type` 1 with `To_Account`.
    C2c(String),
    /// `Type` 2 with `ToGroupid` (sic: lower-case "id" on this API).
    Group(String),
}

/// `recentcontact/delete`: delete one conversation from an account's list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeleteRequest {
    /// `From_Account`: whose list.
    pub from_account: String,
    /// The conversation.
    pub target: DeleteTarget,
    /// `ClearRamble`: also clear the roaming messages (sent as 1) or not (0); omitted when `None`.
    pub clear_ramble: Option<bool>,
}

impl Serialize for DeleteRequest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("From_Account", &self.from_account)?;
        match &self.target {
            DeleteTarget::C2c(id) => {
                map.serialize_entry("Type", &TYPE_C2C)?;
                map.serialize_entry("To_Account", id)?;
            }
            DeleteTarget::Group(id) => {
                map.serialize_entry("Type", &TYPE_GROUP)?;
                map.serialize_entry("ToGroupid", id)?;
            }
        }
        if let Some(clear) = self.clear_ramble {
            map.serialize_entry("ClearRamble", &u8::from(clear))?;
        }
        map.end()
    }
}

impl ApiRequest for DeleteRequest {
    const PATH: ApiPath = ApiPath::new("recentcontact", "delete");
    /// Deleting a conversation that is already gone succeeds again: repeating it changes nothing.
    const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;
    type Response = DeleteResponse;
}

/// The answer to [`DeleteRequest`]: the envelope alone.
pub type DeleteResponse = Envelope;

/// The deserializer for tests and tools that read a `DeleteRequest` back.
impl<'de> Deserialize<'de> for DeleteRequest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Wire {
            #[serde(rename = "From_Account")]
            from_account: String,
            #[serde(rename = "Type")]
            kind: i64,
            #[serde(rename = "To_Account")]
            to_account: Option<String>,
            #[serde(rename = "ToGroupid")]
            to_group: Option<String>,
            #[serde(rename = "ClearRamble")]
            clear_ramble: Option<u8>,
        }
        let w = Wire::deserialize(d)?;
        let target = match (w.kind, w.to_account, w.to_group) {
            (TYPE_C2C, Some(id), _) => DeleteTarget::C2c(id),
            (TYPE_GROUP, _, Some(id)) => DeleteTarget::Group(id),
            (kind, _, _) => {
                return Err(de::Error::custom(format_args!(
                    "Type {kind} needs To_Account (1) or ToGroupid (2)"
                )));
            }
        };
        Ok(DeleteRequest {
            from_account: w.from_account,
            target,
            clear_ramble: w.clear_ramble.map(|c| c == 1),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ApiResponse;
    use crate::wire::{RobustItems, StrictItems};

    fn page(items: &str) -> String {
        format!(r#"{{"ActionStatus":"OK","ErrorCode":0,"SessionItem":[{items}],"CompleteFlag":1}}"#)
    }

    #[test]
    fn a_common_page_is_read_strictly_and_equals_the_robust_reading() {
        let items = r#"{"Type":1,"To_Account":"a","MsgTime":5,"TopFlag":1,"x":[1]},{"Type":2,"GroupId":"g","To_Account":"b"}"#;
        let strict: StrictItems<SessionItem> =
            serde_json::from_str(&format!("[{items}]")).expect("the strict reading accepts it");
        let robust: RobustItems<SessionItem> =
            serde_json::from_str(&format!("[{items}]")).expect("robust");
        assert_eq!(strict.0, robust.0);
        // The other kind's id field is kept in `extra`, in both readings.
        assert!(matches!(&strict.0[1], SessionItem::Group(g) if g.meta.extra["To_Account"] == "b"));
        let body = page(items);
        let decoded = GetListResponse::decode_body(body.as_bytes()).expect("decodes");
        assert_eq!(decoded, serde_json::from_str(&body).expect("robust"));
    }

    #[test]
    fn an_unusual_item_fails_the_strict_reading_and_is_read_robustly() {
        for item in [
            r#"{"Type":3,"To_Account":"a"}"#,
            r#"{"Type":1,"To_Account":"a","MsgTime":"5"}"#,
            r#"{"Type":1}"#,
            r#"{"Type":1,"To_Account":"a","To_Account":"b"}"#,
            r#"{"Type":1,"To_Account":"a","x":1,"x":2}"#,
            r#"{"Type":2,"GroupId":"g","TopFlag":4294967296}"#,
            r#"{"Type":1,"To_Account":"a","StandardMark":null}"#,
            r#"{"Type":"1","To_Account":"a"}"#,
            "7",
        ] {
            assert!(
                serde_json::from_str::<StrictItems<SessionItem>>(&format!("[{item}]")).is_err(),
                "{item}"
            );
            let body = page(item);
            let decoded =
                GetListResponse::decode_body(body.as_bytes()).expect("the robust reading keeps it");
            let robust: GetListResponse = serde_json::from_str(&body).expect("robust");
            assert_eq!(decoded, robust, "{item}");
            // A repeated field is read robustly too (the last one counts); the rest are kept whole.
            if !item.contains(r#""b""#) && !item.contains(r#""x":2"#) {
                assert!(
                    matches!(decoded.sessions[..], [SessionItem::Unknown(_)]),
                    "{item}"
                );
            }
        }
    }

    #[test]
    fn unknown_items_keep_their_tag_and_raw_json() {
        let item: SessionItem = serde_json::from_str(r#"{"Type":-1,"x":true}"#).expect("reads");
        let SessionItem::Unknown(u) = &item else {
            panic!("{item:?}")
        };
        assert_eq!(u.session_type, Some(-1));
        assert_eq!(item.session_type(), Some(-1));
        assert_eq!(
            serde_json::to_string(&item).expect("writes"),
            r#"{"Type":-1,"x":true}"#
        );
        let not_an_object: SessionItem = serde_json::from_str("[1]").expect("reads");
        assert!(matches!(
            not_an_object,
            SessionItem::Unknown(UnknownSession {
                session_type: None,
                ..
            })
        ));
    }
}
