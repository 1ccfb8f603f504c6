//! Wire items declared once: [`wire_item!`](crate::wire_item) turns a declaration of a tagged
//! item (its tag field, its kinds with their id fields, and the fields every kind shares, with
//! their defaults) into the types, a strict and a robust reader, and `Serialize`.
//!
//! A wire item is what the service sends in arrays: conversations in `get_list`'s
//! `SessionItem`, conversations with their marks in `get_contact_group`'s `ContactItem`. What the
//! service sends is untrusted and the documentation drifts, so an item is read **robustly**: a
//! kind this crate does not know, a known kind without its id field, or any known field of an
//! unexpected JSON type never fails the page; the item is kept whole, as received, in the
//! `Unknown` variant. Fields the declaration does not name are kept in `extra` and written back
//! by `Serialize`, so an item can be passed on exactly as the service sent it.
//!
//! Robust reading costs about a third more than reading each field as its expected type, and
//! almost every real item is well-formed. So a response declared with
//! [`api_response!`](crate::api_response)'s `items` clause is first read **strictly** (every
//! known field exactly its type, the kind known, no repeated key; anything else refuses and
//! fails that reading), and only when that reading fails, again robustly. A strict reading that
//! succeeds builds exactly what the robust one would (property-tested in `tests/proto-tests`),
//! so the two readings differ only in time. There is no global or thread-local state: the strict
//! reading is a private twin of the response type, and the item's own `Deserialize` is always the
//! robust reader.
//!
//! Field types implement [`WireValue`] (`u64`, `u32`, `i64`, `bool`, `String`, and `Vec` of
//! those).

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

pub use serde_json::{Error as JsonError, Map as JsonMap, Value};

/// The `extra` map of a wire item: fields the declaration does not name, as received.
pub type Map = serde_json::Map<String, Value>;

/// A type a wire item's field may have: read exactly through serde (strict), or converted from
/// any JSON value (robust; `None` when the value does not fit).
///
/// The two must agree: `from_json(v)` is `Some(t)` exactly when strict deserialization of `v`
/// gives `t`.
pub trait WireValue: Sized + Serialize + DeserializeOwned {
    /// The value, if `value` is of this type.
    fn from_json(value: &Value) -> Option<Self>;
}

impl WireValue for u64 {
    fn from_json(value: &Value) -> Option<Self> {
        value.as_u64()
    }
}

impl WireValue for u32 {
    fn from_json(value: &Value) -> Option<Self> {
        value.as_u64().and_then(|v| u32::try_from(v).ok())
    }
}

impl WireValue for i64 {
    fn from_json(value: &Value) -> Option<Self> {
        value.as_i64()
    }
}

impl WireValue for bool {
    fn from_json(value: &Value) -> Option<Self> {
        value.as_bool()
    }
}

impl WireValue for String {
    fn from_json(value: &Value) -> Option<Self> {
        value.as_str().map(str::to_owned)
    }
}

impl<T: WireValue> WireValue for Vec<T> {
    fn from_json(value: &Value) -> Option<Self> {
        value.as_array()?.iter().map(T::from_json).collect()
    }
}

/// An item of a [`wire_item!`](crate::wire_item) declaration: its `Deserialize` is the robust
/// reader; this is the strict one.
pub trait WireItem: Sized + DeserializeOwned {
    /// Reads one item strictly from a JSON object: every known field exactly its type, the kind
    /// known with its id field, no key twice. Anything else is an error (a refusal), after which
    /// the caller reads the whole body again robustly.
    ///
    /// # Errors
    ///
    /// A refusal, or what the deserializer reports.
    fn visit_strict<'de, A: MapAccess<'de>>(map: A) -> Result<Self, A::Error>;
}

/// Reads `body` strictly as `S` and returns `finish` of it; if that fails, reads it robustly as
/// `R`. See the [module docs](self).
///
/// # Errors
///
/// The robust reading's error.
pub fn optimistic<S: DeserializeOwned, R: DeserializeOwned>(
    body: &[u8],
    finish: impl FnOnce(S) -> R,
) -> Result<R, JsonError> {
    match serde_json::from_slice::<S>(body) {
        Ok(strict) => Ok(finish(strict)),
        Err(_) => serde_json::from_slice::<R>(body),
    }
}

/// A vector of items read robustly (each item by its `Deserialize`); `null` reads as empty.
#[derive(Debug)]
pub struct RobustItems<T>(pub Vec<T>);

/// A vector of items read strictly (each item by [`WireItem::visit_strict`], built straight
/// into the vector); `null` reads as empty.
#[derive(Debug)]
pub struct StrictItems<T>(pub Vec<T>);

impl<T> Default for RobustItems<T> {
    fn default() -> Self {
        RobustItems(Vec::new())
    }
}

impl<T> Default for StrictItems<T> {
    fn default() -> Self {
        StrictItems(Vec::new())
    }
}

impl<T> From<RobustItems<T>> for Vec<T> {
    fn from(items: RobustItems<T>) -> Self {
        items.0
    }
}

impl<T> From<StrictItems<T>> for Vec<T> {
    fn from(items: StrictItems<T>) -> Self {
        items.0
    }
}

/// A typical page (the emulator's default and the size most lists are read at). JSON gives no
/// length up front, so the vector starts at this size instead of doubling its way there (each
/// doubling copies every item).
const TYPICAL_PAGE: usize = 100;

struct ItemsVisitor<T, const STRICT: bool>(PhantomData<T>);

impl<'de, T: WireItem, const STRICT: bool> Visitor<'de> for ItemsVisitor<T, STRICT> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of items or null")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(TYPICAL_PAGE).min(1024));
        if STRICT {
            while seq.next_element_seed(StrictInto(&mut items))?.is_some() {}
        } else {
            while let Some(item) = seq.next_element()? {
                items.push(item);
            }
        }
        Ok(items)
    }
}

impl<'de, T: WireItem> Deserialize<'de> for RobustItems<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_option(ItemsVisitor::<T, false>(PhantomData))
            .map(RobustItems)
    }
}

impl<'de, T: WireItem> Deserialize<'de> for StrictItems<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_option(ItemsVisitor::<T, true>(PhantomData))
            .map(StrictItems)
    }
}

/// Reads one item strictly and pushes it onto the vector.
struct StrictInto<'a, T>(&'a mut Vec<T>);

impl<'de, T: WireItem> DeserializeSeed<'de> for StrictInto<'_, T> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: WireItem> Visitor<'de> for StrictInto<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an item of a known kind")
    }

    #[inline(always)]
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        self.0.push(T::visit_strict(map)?);
        Ok(())
    }
}

/// A string that borrows from the input when it can. (serde's own `Cow<str>` always copies; this
/// one only copies strings with escapes.)
#[doc(hidden)]
#[derive(Debug)]
pub struct Key<'de>(pub Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// The error a strict reader returns when the input needs the robust reading.
#[doc(hidden)]
pub fn refuse<E: de::Error>() -> E {
    E::custom("not the common shape; read again robustly")
}

/// Fills a strict reader's slot, refusing a key seen twice.
#[doc(hidden)]
#[inline(always)]
pub fn set<T, E: de::Error>(slot: &mut Option<T>, value: T) -> Result<(), E> {
    match slot.replace(value) {
        None => Ok(()),
        Some(_) => Err(refuse()),
    }
}

/// A tag read leniently: an integer, or a string of decimal digits (the documentation of some
/// calls types `Type` as a string while their samples send integers).
#[doc(hidden)]
pub fn lenient_tag(value: &Value) -> Option<u64> {
    match value {
        Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse().ok()
        }
        other => other.as_u64(),
    }
}

/// A tag read exactly: an integer.
#[doc(hidden)]
pub fn exact_tag(value: &Value) -> Option<u64> {
    value.as_u64()
}

/// Declares a tagged wire item: see the [module docs](crate::wire) for what it is, and
/// `tim_proto::recent_contact::SessionItem` for a real one.
///
/// ```
/// tim_proto::wire_item! {
///     /// A conversation.
///     pub enum Conv {
///         // The tag field; `tag "Type" (lenient);` also accepts "1" for 1.
///         tag "Type";
///         /// Anything else, kept whole (`raw`), with its tag if it was an integer.
///         _ => Unknown(UnknownConv { kind }),
///         /// `Type` 1: one-to-one, with its id in `To_Account`.
///         1 => C2c(C2cConv { "To_Account" => to_account }),
///         /// `Type` 2: a group, with its id in `GroupId`.
///         2 => Group(GroupConv { "GroupId" => group_id }),
///     }
///     /// What every kind has: a field with `= default` is that type (the default when
///     /// absent); one without is an `Option`.
///     pub struct ConvMeta {
///         /// `MsgTime`.
///         "MsgTime" => pub msg_time: u64 = 0,
///         /// `Mark`.
///         "Mark" => pub mark: String,
///     }
/// }
///
/// let c: Conv = serde_json::from_str(r#"{"Type":1,"To_Account":"bob","MsgTime":5,"New":true}"#)?;
/// let Conv::C2c(c2c) = &c else { panic!() };
/// assert_eq!((c2c.to_account.as_str(), c2c.meta.msg_time, c2c.meta.mark.as_deref()), ("bob", 5, None));
/// assert_eq!(c2c.meta.extra["New"], true);
/// assert_eq!(serde_json::to_string(&c)?, r#"{"Type":1,"To_Account":"bob","MsgTime":5,"New":true}"#);
///
/// // A mistyped field does not fail: the item is kept whole.
/// let odd: Conv = serde_json::from_str(r#"{"Type":1,"To_Account":"bob","MsgTime":"5"}"#)?;
/// assert!(matches!(&odd, Conv::Unknown(u) if u.kind == Some(1) && u.raw["MsgTime"] == "5"));
/// # Ok::<(), serde_json::Error>(())
/// ```
///
/// The generated types derive `Clone`, `Debug`, `PartialEq` and `Eq` (the meta struct also
/// `Default`, from the declared defaults); the enum gets `meta()`, `tag()`, `id()`,
/// `from_json()` and `to_wire()`, `Serialize` (tag, id, the shared fields in declaration order,
/// then `extra`), a robust `Deserialize`, and [`WireItem`] for the strict reading.
#[macro_export]
macro_rules! wire_item {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            tag $tag:literal $(($mode:ident))?;
            $(#[$umeta:meta])*
            _ => $unknown:ident($ustruct:ident { $ukind:ident }),
            $(
                $(#[$vmeta:meta])*
                $tagval:literal => $variant:ident($vstruct:ident { $idwire:literal => $idfield:ident }),
            )+
        }
        $(#[$smeta:meta])*
        $svis:vis struct $shared:ident {
            $( $(#[$fmeta:meta])* $fwire:literal => $fvis:vis $ffield:ident : $fty:ty $(= $fdefault:expr)? ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant($vstruct), )+
            $(#[$umeta])*
            $unknown($ustruct),
        }

        $(
            $(#[$vmeta])*
            #[derive(Clone, Debug, PartialEq, Eq)]
            $vis struct $vstruct {
                #[doc = concat!("`", $idwire, "`: the id of this kind of item.")]
                pub $idfield: ::std::string::String,
                /// The fields every kind has.
                pub meta: $shared,
            }
        )+

        $(#[$umeta])*
        #[derive(Clone, Debug, PartialEq, Eq)]
        $vis struct $ustruct {
            #[doc = concat!("`", $tag, "` as received, if it was an integer.")]
            pub $ukind: ::core::option::Option<i64>,
            /// The whole item as received (usually an object; anything else the array held is
            /// kept too).
            pub raw: $crate::wire::Value,
        }

        $(#[$smeta])*
        #[derive(Clone, Debug, PartialEq, Eq)]
        $svis struct $shared {
            $( $(#[$fmeta])* $fvis $ffield: $crate::__wire_field_ty!($fty $(= $fdefault)?), )*
            /// Fields this crate does not know, kept as received.
            pub extra: $crate::wire::Map,
        }

        impl ::core::default::Default for $shared {
            fn default() -> Self {
                $shared {
                    $( $ffield: $crate::__wire_default!($($fdefault)?), )*
                    extra: $crate::wire::Map::new(),
                }
            }
        }

        impl $shared {
            fn __serialize_fields<M: $crate::__private::serde::ser::SerializeMap>(
                &self,
                map: &mut M,
            ) -> ::core::result::Result<(), M::Error> {
                $( $crate::__wire_ser!(map, $fwire, &self.$ffield $(; $fdefault)?); )*
                for (k, v) in &self.extra {
                    map.serialize_entry(k, v)?;
                }
                Ok(())
            }
        }

        const _: () = {
            #[derive(Clone, Copy)]
            enum Which {
                $( $variant, )+
            }

            impl $name {
                /// The fields every kind has, unless the item is of an unknown kind.
                pub fn meta(&self) -> ::core::option::Option<&$shared> {
                    match self {
                        $( $name::$variant(v) => Some(&v.meta), )+
                        $name::$unknown(_) => None,
                    }
                }

                #[doc = concat!("`", $tag, "` as received (for an unknown kind, if it was an integer).")]
                pub fn tag(&self) -> ::core::option::Option<i64> {
                    match self {
                        $( $name::$variant(_) => Some($tagval), )+
                        $name::$unknown(u) => u.$ukind,
                    }
                }

                /// The item's id field (for an unknown kind, the first id field of a known kind
                /// that it has as a string).
                pub fn id(&self) -> ::core::option::Option<&str> {
                    match self {
                        $( $name::$variant(v) => Some(&v.$idfield), )+
                        $name::$unknown(u) => None
                            $( .or_else(|| u.raw.get($idwire).and_then($crate::wire::Value::as_str)) )+,
                    }
                }

                /// The item in its wire form, unknown fields included, as a `Value` (whose
                /// objects order their keys; serialize the item itself to keep the wire order).
                pub fn to_wire(&self) -> $crate::wire::Value {
                    // One writer of the wire form: the `Serialize` impl. Into a `Value` it cannot
                    // fail (every key is a string).
                    $crate::__private::serde_json::to_value(self).unwrap_or_default()
                }

                /// Builds an item from any JSON value: the robust reading. Never fails: what does
                /// not fit a known kind is kept whole as the unknown kind.
                pub fn from_json(value: $crate::wire::Value) -> Self {
                    let $crate::wire::Value::Object(mut obj) = value else {
                        return $name::$unknown($ustruct { $ukind: None, raw: value });
                    };
                    let tag = obj.get($tag).and_then($crate::__wire_tag_reader!($($mode)?));
                    let kind = obj.get($tag).and_then(|v| match tag {
                        Some(t) => i64::try_from(t).ok(),
                        None => v.as_i64(),
                    });
                    let which = match tag {
                        $( Some($tagval) => Some(Which::$variant), )+
                        _ => None,
                    };
                    $(
                        let $ffield: ::core::option::Option<::core::option::Option<$fty>> =
                            obj.get($fwire).map(<$fty as $crate::wire::WireValue>::from_json);
                    )*
                    let ids_fit = true $( && obj.get($idwire).is_none_or($crate::wire::Value::is_string) )+;
                    let fields_fit = true $( && !matches!($ffield, Some(None)) )*;
                    let own_id = match &which {
                        $( Some(Which::$variant) => obj.get($idwire).is_some(), )+
                        None => false,
                    };
                    let (Some(which), true) = (which, ids_fit && fields_fit && own_id) else {
                        return $name::$unknown($ustruct {
                            $ukind: kind,
                            raw: $crate::wire::Value::Object(obj),
                        });
                    };
                    obj.remove($tag);
                    $( obj.remove($fwire); )*
                    let id = match which {
                        $( Which::$variant => match obj.remove($idwire) {
                            Some($crate::wire::Value::String(s)) => s,
                            _ => ::std::string::String::new(),
                        }, )+
                    };
                    let meta = $shared {
                        $( $ffield: $crate::__wire_robust!($ffield $(= $fdefault)?), )*
                        extra: obj,
                    };
                    match which {
                        $( Which::$variant => $name::$variant($vstruct { $idfield: id, meta }), )+
                    }
                }
            }

            impl $crate::__private::serde::Serialize for $name {
                fn serialize<S: $crate::__private::serde::Serializer>(
                    &self,
                    s: S,
                ) -> ::core::result::Result<S::Ok, S::Error> {
                    use $crate::__private::serde::ser::SerializeMap;
                    match self {
                        $( $name::$variant(v) => {
                            let mut map = s.serialize_map(None)?;
                            map.serialize_entry($tag, &($tagval as i64))?;
                            map.serialize_entry($idwire, &v.$idfield)?;
                            v.meta.__serialize_fields(&mut map)?;
                            map.end()
                        } )+
                        $name::$unknown(u) => $crate::__private::serde::Serialize::serialize(&u.raw, s),
                    }
                }
            }

            impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
                fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                    d: D,
                ) -> ::core::result::Result<Self, D::Error> {
                    <$crate::wire::Value as $crate::__private::serde::Deserialize<'de>>::deserialize(d)
                        .map($name::from_json)
                }
            }

            impl $crate::wire::WireItem for $name {
                #[inline(always)]
                fn visit_strict<'de, A: $crate::__private::serde::de::MapAccess<'de>>(
                    mut map: A,
                ) -> ::core::result::Result<Self, A::Error> {
                    let mut tag: ::core::option::Option<u64> = None;
                    $( let mut $idfield: ::core::option::Option<::std::string::String> = None; )+
                    $( let mut $ffield: ::core::option::Option<$fty> = None; )*
                    let mut extra = $crate::wire::Map::new();
                    while let Some($crate::wire::Key(key)) = map.next_key()? {
                        match &*key {
                            $tag => $crate::wire::set(&mut tag, map.next_value()?)?,
                            $( $idwire => $crate::wire::set(&mut $idfield, map.next_value()?)?, )+
                            $( $fwire => $crate::wire::set(&mut $ffield, map.next_value()?)?, )*
                            _ => {
                                let value: $crate::wire::Value = map.next_value()?;
                                if extra.insert(key.into_owned(), value).is_some() {
                                    return Err($crate::wire::refuse());
                                }
                            }
                        }
                    }
                    let which = match tag {
                        $( Some($tagval) => Which::$variant, )+
                        _ => return Err($crate::wire::refuse()),
                    };
                    let id = match which {
                        $( Which::$variant => $idfield.take(), )+
                    };
                    let Some(id) = id else {
                        return Err($crate::wire::refuse());
                    };
                    // The other kinds' id fields, when the item has them too, are kept in `extra`.
                    $(
                        if let Some(other) = $idfield {
                            extra.insert($idwire.to_owned(), $crate::wire::Value::String(other));
                        }
                    )+
                    let meta = $shared {
                        $( $ffield: $crate::__wire_strict!($ffield $(= $fdefault)?), )*
                        extra,
                    };
                    Ok(match which {
                        $( Which::$variant => $name::$variant($vstruct { $idfield: id, meta }), )+
                    })
                }
            }
        };
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __wire_field_ty {
    ($t:ty = $d:expr) => { $t };
    ($t:ty) => { ::core::option::Option<$t> };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __wire_default {
    ($d:expr) => {
        $d
    };
    () => {
        ::core::option::Option::None
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __wire_ser {
    ($map:ident, $wire:literal, $v:expr; $d:expr) => {
        $map.serialize_entry($wire, $v)?
    };
    ($map:ident, $wire:literal, $v:expr) => {
        if let Some(v) = $v {
            $map.serialize_entry($wire, v)?
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __wire_strict {
    ($f:ident = $d:expr) => {
        $f.unwrap_or($d)
    };
    ($f:ident) => {
        $f
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __wire_robust {
    ($f:ident = $d:expr) => {
        match $f {
            Some(Some(v)) => v,
            _ => $d,
        }
    };
    ($f:ident) => {
        $f.flatten()
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __wire_tag_reader {
    (lenient) => {
        $crate::wire::lenient_tag
    };
    () => {
        $crate::wire::exact_tag
    };
}
