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

/// `SessionItem`: `null` reads as empty. JSON gives no length up front, so the vector starts at a
/// typical page's size instead of doubling its way there (each doubling copies every item).
fn null_as_empty<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<SessionItem>, D::Error> {
    struct Items;
    impl<'de> Visitor<'de> for Items {
        type Value = Vec<SessionItem>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an array of SessionItem or null")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_seq(Items)
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            /// A typical page (the emulator's default and the size most lists are read at).
            const TYPICAL_PAGE: usize = 100;
            let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(TYPICAL_PAGE).min(1024));
            if crate::optimistic::strict() {
                // Each item is built straight into the vector rather than passed up by value.
                while seq
                    .next_element_seed(StrictInto(&mut items))
                    .map_err(crate::optimistic::refused)?
                    .is_some()
                {}
            } else {
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
            }
            Ok(items)
        }
    }
    d.deserialize_option(Items)
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

    /// The item in its wire form, unknown fields included, as a `Value` (whose objects order
    /// their keys; serialize the item itself to keep the wire order).
    pub fn to_wire(&self) -> Value {
        // One writer of the wire form: the `Serialize` impl. Into a `Value` it cannot fail (every
        // key is a string).
        serde_json::to_value(self).unwrap_or_default()
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
        if crate::optimistic::strict() {
            d.deserialize_map(StrictItemVisitor)
                .map_err(crate::optimistic::refused)
        } else {
            d.deserialize_any(SessionItemVisitor)
        }
    }
}

/// [`StrictItemVisitor`] pushing the item it reads onto a vector.
struct StrictInto<'a>(&'a mut Vec<SessionItem>);

impl<'de> de::DeserializeSeed<'de> for StrictInto<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for StrictInto<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        StrictItemVisitor.expecting(f)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        self.0.push(StrictItemVisitor.visit_map(map)?);
        Ok(())
    }
}

/// The optimistic reading of an item (see [`crate::optimistic`]): every known field as exactly
/// the type the model expects, `Type` 1 or 2 with its id field; anything else refuses, and the
/// whole body is then read again by [`SessionItemVisitor`].
struct StrictItemVisitor;

impl<'de> Visitor<'de> for StrictItemVisitor {
    type Value = SessionItem;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a SessionItem of a known kind")
    }

    #[inline(always)]
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SessionItem, A::Error> {
        use crate::optimistic::refuse;
        let mut kind: Option<u64> = None;
        let mut to_account: Option<String> = None;
        let mut group_id: Option<String> = None;
        let mut msg_time: Option<u64> = None;
        let mut top_flag: Option<u32> = None;
        let mut standard_mark: Option<String> = None;
        let mut custom_mark: Option<String> = None;
        let mut contact_group_id: Option<Vec<u64>> = None;
        let mut extra = Map::new();
        fn set<T, E: de::Error>(slot: &mut Option<T>, value: T) -> Result<(), E> {
            match slot.replace(value) {
                None => Ok(()),
                Some(_) => Err(refuse()),
            }
        }
        while let Some(crate::envelope::Text(key)) = map.next_key()? {
            match &*key {
                "Type" => set(&mut kind, map.next_value()?)?,
                "To_Account" => set(&mut to_account, map.next_value()?)?,
                "GroupId" => set(&mut group_id, map.next_value()?)?,
                "MsgTime" => set(&mut msg_time, map.next_value()?)?,
                "TopFlag" => set(&mut top_flag, map.next_value()?)?,
                "StandardMark" => set(&mut standard_mark, map.next_value()?)?,
                "CustomMark" => set(&mut custom_mark, map.next_value()?)?,
                "ContactGroupId" => set(&mut contact_group_id, map.next_value()?)?,
                _ => {
                    let value: Value = map.next_value()?;
                    if extra.insert(key.into_owned(), value).is_some() {
                        return Err(refuse());
                    }
                }
            }
        }
        let meta = SessionMeta {
            msg_time: msg_time.unwrap_or(0),
            top_flag: top_flag.unwrap_or(0),
            standard_mark,
            custom_mark,
            contact_group_id,
            extra,
        };
        match (kind, to_account, group_id) {
            (Some(1), Some(to_account), group_id) => {
                Ok(known_item(TYPE_C2C, to_account, group_id, meta))
            }
            (Some(2), to_account, Some(group_id)) => {
                Ok(known_item(TYPE_GROUP, group_id, to_account, meta))
            }
            _ => Err(refuse()),
        }
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
        // Known fields are read as the type the model expects, or kept as raw JSON when they are
        // anything else (no field's JSON type can fail the page); unknown fields go to `extra`.
        // An item that does not fit the model is rebuilt whole as `Unknown`.
        let mut f = Fields::default();
        let mut extra = Map::new();
        while let Some(crate::envelope::Text(key)) = map.next_key()? {
            match &*key {
                "Type" => f.kind = Some(map.next_value()?),
                "To_Account" => f.to_account = Some(map.next_value()?),
                "GroupId" => f.group_id = Some(map.next_value()?),
                "MsgTime" => f.msg_time = Some(map.next_value()?),
                "TopFlag" => f.top_flag = Some(map.next_value()?),
                "StandardMark" => f.standard_mark = Some(map.next_value()?),
                "CustomMark" => f.custom_mark = Some(map.next_value()?),
                "ContactGroupId" => f.contact_group_id = Some(map.next_value()?),
                _ => {
                    let value: Value = map.next_value()?;
                    extra.insert(key.into_owned(), value);
                }
            }
        }
        Ok(f.into_item(extra))
    }
}

/// A one-to-one (`kind` [`TYPE_C2C`], `id` its `To_Account`) or group (`id` its `GroupId`) item;
/// the other kind's id field, when the item has one too, is kept in `extra`. Both readings, strict
/// and robust, build known items here.
#[inline(always)]
fn known_item(
    kind: i64,
    id: String,
    other_id: Option<String>,
    mut meta: SessionMeta,
) -> SessionItem {
    if kind == TYPE_C2C {
        if let Some(g) = other_id {
            meta.extra.insert("GroupId".into(), g.into());
        }
        SessionItem::C2c(C2cSession {
            to_account: id,
            meta,
        })
    } else {
        if let Some(a) = other_id {
            meta.extra.insert("To_Account".into(), a.into());
        }
        SessionItem::Group(GroupSession { group_id: id, meta })
    }
}

/// A known field: the type the model expects, or the raw JSON of anything else.
enum Slot<T> {
    Typed(T),
    Raw(Box<Value>),
}

impl<T: Into<Value>> Slot<T> {
    fn into_value(self) -> Value {
        match self {
            Slot::Typed(t) => t.into(),
            Slot::Raw(v) => *v,
        }
    }
}

/// The JSON types a [`Slot`] can hold typed.
trait Expected: Sized {
    fn from_str(_: &str) -> Option<Self> {
        None
    }
    fn from_u64(_: u64) -> Option<Self> {
        None
    }
}

impl Expected for String {
    fn from_str(s: &str) -> Option<Self> {
        Some(s.to_owned())
    }
}

impl Expected for u64 {
    fn from_u64(u: u64) -> Option<Self> {
        Some(u)
    }
}

impl<'de, T: Expected> Deserialize<'de> for Slot<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        fn raw<T>(v: Value) -> Slot<T> {
            Slot::Raw(Box::new(v))
        }
        impl<'de, T: Expected> Visitor<'de> for V<T> {
            type Value = Slot<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Slot<T>, E> {
                Ok(raw(v.into()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Slot<T>, E> {
                match u64::try_from(v) {
                    Ok(u) => self.visit_u64(u),
                    Err(_) => Ok(raw(v.into())),
                }
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Slot<T>, E> {
                Ok(T::from_u64(v).map_or_else(|| raw(v.into()), Slot::Typed))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Slot<T>, E> {
                Ok(raw(v.into()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Slot<T>, E> {
                Ok(T::from_str(v).map_or_else(|| raw(v.into()), Slot::Typed))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Slot<T>, E> {
                Ok(raw(Value::Null))
            }
            fn visit_none<E: de::Error>(self) -> Result<Slot<T>, E> {
                Ok(raw(Value::Null))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Slot<T>, A::Error> {
                Value::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(raw)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Slot<T>, A::Error> {
                Value::deserialize(de::value::MapAccessDeserializer::new(map)).map(raw)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// The known fields of one item as read.
#[derive(Default)]
struct Fields {
    kind: Option<Slot<u64>>,
    to_account: Option<Slot<String>>,
    group_id: Option<Slot<String>>,
    msg_time: Option<Slot<u64>>,
    top_flag: Option<Slot<u64>>,
    standard_mark: Option<Slot<String>>,
    custom_mark: Option<Slot<String>>,
    contact_group_id: Option<Value>,
}

impl Fields {
    fn into_item(self, extra: Map<String, Value>) -> SessionItem {
        use Slot::Typed;
        let typed_or_absent = |s: &Option<Slot<String>>| matches!(s, None | Some(Typed(_)));
        let fits = matches!(self.msg_time, None | Some(Typed(_)))
            && match self.top_flag {
                None => true,
                Some(Typed(f)) => u32::try_from(f).is_ok(),
                Some(Slot::Raw(_)) => false,
            }
            && typed_or_absent(&self.standard_mark)
            && typed_or_absent(&self.custom_mark)
            && match &self.contact_group_id {
                None => true,
                Some(Value::Array(ids)) => ids.iter().all(Value::is_u64),
                Some(_) => false,
            };
        let shape = match (&self.kind, &self.to_account, &self.group_id) {
            (Some(Typed(1)), Some(Typed(_)), g) if typed_or_absent(g) => Some(TYPE_C2C),
            (Some(Typed(2)), a, Some(Typed(_))) if typed_or_absent(a) => Some(TYPE_GROUP),
            _ => None,
        };
        let text = |s: Option<Slot<String>>| match s {
            Some(Typed(t)) => Some(t),
            _ => None,
        };
        let number = |s: Option<Slot<u64>>| match s {
            Some(Typed(n)) => n,
            _ => 0,
        };
        match shape {
            Some(kind) if fits => {
                let meta = SessionMeta {
                    msg_time: number(self.msg_time),
                    top_flag: u32::try_from(number(self.top_flag)).unwrap_or(0),
                    standard_mark: text(self.standard_mark),
                    custom_mark: text(self.custom_mark),
                    contact_group_id: match self.contact_group_id {
                        Some(Value::Array(ids)) => {
                            Some(ids.iter().filter_map(Value::as_u64).collect())
                        }
                        _ => None,
                    },
                    extra,
                };
                let (to_account, group_id) = (text(self.to_account), text(self.group_id));
                if kind == TYPE_C2C {
                    known_item(kind, to_account.unwrap_or_default(), group_id, meta)
                } else {
                    known_item(kind, group_id.unwrap_or_default(), to_account, meta)
                }
            }
            _ => {
                let session_type = match &self.kind {
                    Some(Typed(k)) => i64::try_from(*k).ok(),
                    Some(Slot::Raw(v)) => v.as_i64(),
                    None => None,
                };
                let mut raw = Map::new();
                let mut put = |name: &str, value: Option<Value>| {
                    if let Some(value) = value {
                        raw.insert(name.to_owned(), value);
                    }
                };
                put("Type", self.kind.map(Slot::into_value));
                put("To_Account", self.to_account.map(Slot::into_value));
                put("GroupId", self.group_id.map(Slot::into_value));
                put("MsgTime", self.msg_time.map(Slot::into_value));
                put("TopFlag", self.top_flag.map(Slot::into_value));
                put("StandardMark", self.standard_mark.map(Slot::into_value));
                put("CustomMark", self.custom_mark.map(Slot::into_value));
                put("ContactGroupId", self.contact_group_id);
                raw.extend(extra);
                SessionItem::Unknown(UnknownSession {
                    session_type,
                    raw: Value::Object(raw),
                })
            }
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
