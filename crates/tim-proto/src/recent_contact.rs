//! `v4/recentcontact/*`: the conversation list (`get_list`) and deleting one conversation
//! (`delete`).
//!
//! Wire names are kept exactly (`From_Account`, `TopStartIndex`, `ToGroupid`, ...); Rust names are
//! snake_case. See `docs/protocol/recentcontact.md` for the semantics.

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::endpoint::ApiPath;
use crate::envelope::{ApiRequest, Envelope};

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
/// rest, since the four cursor fields must always travel together.
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
        GetListRequest {
            from_account: from_account.into(),
            time_stamp: 0,
            start_index: 0,
            top_time_stamp: 0,
            top_start_index: 0,
            assist_flags,
        }
    }
}

impl ApiRequest for GetListRequest {
    const PATH: ApiPath = ApiPath::new("recentcontact", "get_list");
    type Response = GetListResponse;
}

crate::api_response! {
    /// The answer to [`GetListRequest`].
    ///
    /// The cursor fields are optional on the wire: the pager insists on them only while
    /// `CompleteFlag` is 0.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct GetListResponse {
        /// `SessionItem`: the conversations of this page (absent or `null` reads as empty).
        #[serde(rename = "SessionItem", default, deserialize_with = "null_as_empty")]
        pub sessions: Vec<SessionItem>,
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
}

impl GetListResponse {
    /// Whether `CompleteFlag` says the list is complete.
    pub fn is_complete(&self) -> bool {
        self.complete_flag == 1
    }
}

fn null_as_empty<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<SessionItem>, D::Error> {
    Ok(Option::<Vec<SessionItem>>::deserialize(d)?.unwrap_or_default())
}

/// `Type` 1: a one-to-one (C2C) conversation.
pub const TYPE_C2C: i64 = 1;
/// `Type` 2: a group (G2C) conversation.
pub const TYPE_GROUP: i64 = 2;

/// One entry of `SessionItem`: a one-to-one conversation, a group conversation, or a kind this
/// crate does not know, kept whole.
///
/// Serializing writes the wire form back, unknown fields included, so a conversation can be
/// passed on exactly as the service sent it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionItem {
    /// `Type` 1 with `To_Account`.
    C2c(C2cSession),
    /// `Type` 2 with `GroupId`.
    Group(GroupSession),
    /// Any other `Type`, a known `Type` without its id field, or any field of an unexpected JSON
    /// type: the item as received.
    Unknown(UnknownSession),
}

/// A one-to-one conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct C2cSession {
    /// `To_Account`: the other party's UserID.
    pub to_account: String,
    /// The fields every conversation has.
    pub meta: SessionMeta,
}

/// A group conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupSession {
    /// `GroupId`.
    pub group_id: String,
    /// The fields every conversation has.
    pub meta: SessionMeta,
}

/// A conversation of a kind this crate does not model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownSession {
    /// The `Type` received, if it was an integer.
    pub session_type: Option<i64>,
    /// The whole item as received (usually an object; anything else the array held is kept too).
    pub raw: Value,
}

/// What one-to-one and group conversations share.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SessionMeta {
    /// `MsgTime`: the conversation's time (Unix seconds of its last message); 0 when absent.
    pub msg_time: u64,
    /// `TopFlag`: 1 pinned, 0 normal; 0 when absent.
    pub top_flag: u32,
    /// `StandardMark`: the standard marks as a bit string, when the flags ask for it.
    pub standard_mark: Option<String>,
    /// `CustomMark`, when the flags ask for it.
    pub custom_mark: Option<String>,
    /// `ContactGroupId`: the conversation groups it belongs to, when the flags ask for it.
    pub contact_group_id: Option<Vec<u64>>,
    /// Fields this crate does not know, kept as received.
    pub extra: Map<String, Value>,
}

impl SessionItem {
    /// The shared fields, unless the item is of an unknown kind.
    pub fn meta(&self) -> Option<&SessionMeta> {
        match self {
            SessionItem::C2c(s) => Some(&s.meta),
            SessionItem::Group(s) => Some(&s.meta),
            SessionItem::Unknown(_) => None,
        }
    }

    /// `Type` as received (1 for C2C, 2 for group).
    pub fn session_type(&self) -> Option<i64> {
        match self {
            SessionItem::C2c(_) => Some(TYPE_C2C),
            SessionItem::Group(_) => Some(TYPE_GROUP),
            SessionItem::Unknown(u) => u.session_type,
        }
    }

    /// `MsgTime` (for an unknown kind, read from its raw JSON when it is a number).
    pub fn msg_time(&self) -> Option<u64> {
        match self {
            SessionItem::Unknown(u) => u.raw.get("MsgTime").and_then(Value::as_u64),
            other => other.meta().map(|m| m.msg_time),
        }
    }

    /// Whether `TopFlag` is 1.
    pub fn is_pinned(&self) -> bool {
        match self {
            SessionItem::Unknown(u) => u.raw.get("TopFlag").and_then(Value::as_u64) == Some(1),
            other => other.meta().is_some_and(|m| m.top_flag == 1),
        }
    }

    /// The peer's id: `To_Account` or `GroupId`.
    pub fn peer_id(&self) -> Option<&str> {
        match self {
            SessionItem::C2c(s) => Some(&s.to_account),
            SessionItem::Group(s) => Some(&s.group_id),
            SessionItem::Unknown(u) => u
                .raw
                .get("To_Account")
                .or_else(|| u.raw.get("GroupId"))
                .and_then(Value::as_str),
        }
    }

    /// The item in its wire form, unknown fields included.
    pub fn to_wire(&self) -> Value {
        let meta = match self {
            SessionItem::Unknown(u) => return u.raw.clone(),
            SessionItem::C2c(s) => &s.meta,
            SessionItem::Group(s) => &s.meta,
        };
        let mut map = Map::new();
        match self {
            SessionItem::C2c(s) => {
                map.insert("Type".into(), TYPE_C2C.into());
                map.insert("To_Account".into(), s.to_account.clone().into());
            }
            SessionItem::Group(s) => {
                map.insert("Type".into(), TYPE_GROUP.into());
                map.insert("GroupId".into(), s.group_id.clone().into());
            }
            SessionItem::Unknown(_) => {}
        }
        map.insert("MsgTime".into(), meta.msg_time.into());
        map.insert("TopFlag".into(), meta.top_flag.into());
        if let Some(mark) = &meta.standard_mark {
            map.insert("StandardMark".into(), mark.clone().into());
        }
        if let Some(mark) = &meta.custom_mark {
            map.insert("CustomMark".into(), mark.clone().into());
        }
        if let Some(groups) = &meta.contact_group_id {
            map.insert("ContactGroupId".into(), groups.clone().into());
        }
        for (k, v) in &meta.extra {
            map.insert(k.clone(), v.clone());
        }
        Value::Object(map)
    }
}

impl Serialize for SessionItem {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (meta, head): (&SessionMeta, (&str, &str, i64)) = match self {
            SessionItem::Unknown(u) => return u.raw.serialize(s),
            SessionItem::C2c(c) => (&c.meta, ("To_Account", &c.to_account, TYPE_C2C)),
            SessionItem::Group(g) => (&g.meta, ("GroupId", &g.group_id, TYPE_GROUP)),
        };
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("Type", &head.2)?;
        map.serialize_entry(head.0, head.1)?;
        map.serialize_entry("MsgTime", &meta.msg_time)?;
        map.serialize_entry("TopFlag", &meta.top_flag)?;
        if let Some(mark) = &meta.standard_mark {
            map.serialize_entry("StandardMark", mark)?;
        }
        if let Some(mark) = &meta.custom_mark {
            map.serialize_entry("CustomMark", mark)?;
        }
        if let Some(groups) = &meta.contact_group_id {
            map.serialize_entry("ContactGroupId", groups)?;
        }
        for (k, v) in &meta.extra {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for SessionItem {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(SessionItemVisitor)
    }
}

struct SessionItemVisitor;

/// Anything but an object is kept whole as an unknown item.
fn unknown(raw: Value) -> SessionItem {
    SessionItem::Unknown(UnknownSession {
        session_type: None,
        raw,
    })
}

impl<'de> Visitor<'de> for SessionItemVisitor {
    type Value = SessionItem;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a SessionItem")
    }

    fn visit_unit<E: de::Error>(self) -> Result<SessionItem, E> {
        Ok(unknown(Value::Null))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<SessionItem, E> {
        Ok(unknown(v.into()))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<SessionItem, E> {
        Ok(unknown(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<SessionItem, E> {
        Ok(unknown(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<SessionItem, E> {
        Ok(unknown(v.into()))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<SessionItem, E> {
        Ok(unknown(v.into()))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<SessionItem, A::Error> {
        let mut values = Vec::new();
        while let Some(v) = seq.next_element::<Value>()? {
            values.push(v);
        }
        Ok(unknown(Value::Array(values)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SessionItem, A::Error> {
        // Every field is read as a `Value` (no field's JSON type can fail the page) and typed
        // afterwards; an item that does not fit the model is rebuilt whole as `Unknown`.
        // Unknown fields go to `extra`.
        let mut known: [Option<Value>; 8] = Default::default();
        let mut extra = Map::new();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let value: Value = map.next_value()?;
            match KNOWN_FIELDS.iter().position(|k| *k == key) {
                Some(i) => known[i] = Some(value),
                None => {
                    extra.insert(key.into_owned(), value);
                }
            }
        }
        Ok(typed(known, extra))
    }
}

/// The fields `SessionItem` models, in the order of the `known` array of [`typed`].
const KNOWN_FIELDS: [&str; 8] = [
    "Type",
    "To_Account",
    "GroupId",
    "MsgTime",
    "TopFlag",
    "StandardMark",
    "CustomMark",
    "ContactGroupId",
];

fn typed(known: [Option<Value>; 8], extra: Map<String, Value>) -> SessionItem {
    let [
        kind,
        to_account,
        group_id,
        msg_time,
        top_flag,
        standard_mark,
        custom_mark,
        groups,
    ] = &known;
    let kind_number = kind.as_ref().and_then(Value::as_i64);
    // Absent fields read as 0 or `None`; present ones must have the documented type.
    let number = |v: &Option<Value>| v.as_ref().map_or(Some(0), Value::as_u64);
    let text = |v: &Option<Value>| -> Option<Option<String>> {
        match v {
            None => Some(None),
            Some(Value::String(s)) => Some(Some(s.clone())),
            Some(_) => None,
        }
    };
    let group_ids = match groups {
        None => Some(None),
        Some(Value::Array(ids)) => ids
            .iter()
            .map(Value::as_u64)
            .collect::<Option<Vec<u64>>>()
            .map(Some),
        Some(_) => None,
    };
    let meta = (|| {
        Some(SessionMeta {
            msg_time: number(msg_time)?,
            top_flag: u32::try_from(number(top_flag)?).ok()?,
            standard_mark: text(standard_mark)?,
            custom_mark: text(custom_mark)?,
            contact_group_id: group_ids?,
            extra: Map::new(),
        })
    })();
    let id = |v: &Option<Value>| v.as_ref().and_then(Value::as_str).map(str::to_owned);
    match (kind_number, meta) {
        (Some(TYPE_C2C), Some(mut meta))
            if id(to_account).is_some() && matches!(group_id, None | Some(Value::String(_))) =>
        {
            meta.extra = extra;
            if let Some(g) = group_id {
                meta.extra.insert("GroupId".into(), g.clone());
            }
            SessionItem::C2c(C2cSession {
                to_account: id(to_account).unwrap_or_default(),
                meta,
            })
        }
        (Some(TYPE_GROUP), Some(mut meta))
            if id(group_id).is_some() && matches!(to_account, None | Some(Value::String(_))) =>
        {
            meta.extra = extra;
            if let Some(a) = to_account {
                meta.extra.insert("To_Account".into(), a.clone());
            }
            SessionItem::Group(GroupSession {
                group_id: id(group_id).unwrap_or_default(),
                meta,
            })
        }
        _ => {
            let mut raw = Map::new();
            for (name, value) in KNOWN_FIELDS.iter().zip(known) {
                if let Some(value) = value {
                    raw.insert((*name).to_owned(), value);
                }
            }
            raw.extend(extra);
            SessionItem::Unknown(UnknownSession {
                session_type: kind_number,
                raw: Value::Object(raw),
            })
        }
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
