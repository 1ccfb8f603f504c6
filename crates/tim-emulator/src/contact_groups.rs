//! `recentcontact/*` conversation groups and marks as the emulator answers them:
//! `create_contact_group`, `update_contact_group`, `del_contact_group`, `get_contact_group`
//! (paged), `search_contact_group` and `mark_contact`. See
//! `docs/protocol/contact-groups-and-marks.md` for what the service does and `docs/emulator.md`
//! for what the emulator decided where the service is silent.
//!
//! Every call validates the whole body first (a shape error is 50002 and changes nothing), then
//! applies its items to a copy of the account's [`Book`] and commits it only when the call's
//! limits hold, so a failed call never changes anything. An item naming a conversation that is
//! neither in the account's list nor carrying groups or marks gets its own `ResultCode` in an
//! `ActionStatus: OK` answer.

use bytes::Bytes;
use serde_json::{Map, Value, json};

use crate::api::{ApiFailure, CallContext, PageFault, account_field, fail, uint_field};
use crate::codes;
use crate::contacts::{self, Book, BookEntry, Marks};
use crate::store::{Kind, Store};
use crate::wire::to_json;

/// At most this many conversations per search (50002 beyond).
pub(crate) const MAX_SEARCH: usize = 300;
/// At most this many items per mark_contact call (51006 beyond, and for none).
pub(crate) const MAX_MARK_ITEMS: usize = 100;

/// The per-item code of an item naming an unknown conversation.
const UNKNOWN_CONVERSATION: (i64, &str) = (
    codes::INVALID_PARAMETER.code,
    "the conversation is not in the recent contacts of From_Account and has no group or mark",
);

type Contact = (Kind, String);

fn ok(mut body: Map<String, Value>) -> Bytes {
    body.insert("ActionStatus".into(), "OK".into());
    body.insert("ErrorCode".into(), 0.into());
    body.insert("ErrorInfo".into(), "".into());
    body.insert("ErrorDisplay".into(), "".into());
    to_json(&body)
}

fn need_groups(ctx: &CallContext) -> Result<(), ApiFailure> {
    if ctx.edition.has_contact_groups() {
        Ok(())
    } else {
        Err(fail(
            codes::EDITION_LACKS_CONTACT_GROUPS,
            format_args!("the app's edition is {}", ctx.edition),
        ))
    }
}

fn invalid(detail: impl std::fmt::Display) -> ApiFailure {
    fail(codes::INVALID_PARAMETER, detail)
}

/// A required array field.
fn array<'a>(v: &'a Value, name: &str) -> Result<&'a [Value], ApiFailure> {
    match v.get(name) {
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(invalid(format_args!("{name} must be an array"))),
        None => Err(invalid(format_args!("{name} is missing"))),
    }
}

/// A required non-empty string field of `v`.
fn text<'a>(v: &'a Value, name: &str) -> Result<&'a str, ApiFailure> {
    match v.get(name) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        Some(_) => Err(invalid(format_args!("{name} must be a non-empty string"))),
        None => Err(invalid(format_args!("{name} is missing"))),
    }
}

/// A group name: non-empty (50002), at most 32 bytes (51011).
fn group_name<'a>(v: &'a Value, name: &str) -> Result<&'a str, ApiFailure> {
    let s = text(v, name)?;
    if s.len() > contacts::MAX_GROUP_NAME {
        return Err(fail(
            codes::CONTACT_GROUP_NAME_TOO_LONG,
            format_args!("{name} is {} bytes", s.len()),
        ));
    }
    Ok(s)
}

/// A `ContactItem`: `Type` 1 with `To_Account` or 2 with `ToGroupId`. `Type` may be a number
/// or a string (the documentation's table says String, its samples show numbers).
fn contact(v: &Value) -> Result<Contact, ApiFailure> {
    if !v.is_object() {
        return Err(invalid("ContactItem must be an object"));
    }
    let kind = match v.get("Type") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse::<u64>().ok(),
        _ => None,
    }
    .and_then(Kind::from_wire)
    .ok_or_else(|| invalid("ContactItem.Type must be 1 or 2"))?;
    let peer = match kind {
        Kind::C2c => text(v, "To_Account")?,
        Kind::Group => text(v, "ToGroupId")?,
    };
    Ok((kind, peer.to_owned()))
}

/// The wire `ContactItem` of a conversation.
fn contact_json(kind: Kind, peer: &str) -> Value {
    match kind {
        Kind::C2c => json!({ "Type": 1, "To_Account": peer }),
        Kind::Group => json!({ "Type": 2, "ToGroupId": peer }),
    }
}

/// A conversation's marks and groups as search and get answer them (`ContactResultItem`).
fn result_item(kind: Kind, peer: &str, marks: Option<&Marks>) -> Value {
    let mut item = match contact_json(kind, peer) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    if let Some(m) = marks {
        if let Some(s) = m.standard_text() {
            item.insert("StandardMark".into(), s.into());
        }
        if let Some(c) = &m.custom {
            item.insert("CustomMark".into(), c.clone().into());
        }
        if !m.groups.is_empty() {
            item.insert("ContactGroupId".into(), m.groups.clone().into());
        }
    }
    item.insert("Timestamp".into(), marks.map_or(0, |m| m.timestamp).into());
    Value::Object(item)
}

fn group_json(id: u64, name: &str) -> Value {
    json!({ "GroupName": name, "GroupId": id })
}

fn per_item(code: i64, info: &str) -> (Value, Value) {
    (code.into(), info.into())
}

/// Whether an item may name this conversation: it is in the list or has data.
fn known(store: &Store, book: &Book, from: &str, kind: Kind, peer: &str) -> bool {
    store.conversation(from, kind, peer).is_some() || book.has_data(kind, peer)
}

/// 51008 when the call made the capped count exceed the cap.
fn check_cap(before: &Book, after: &Book, ctx: &CallContext) -> Result<(), ApiFailure> {
    let cap = ctx.contacts.max_conversations;
    let scope = ctx.contacts.scope;
    let now = after.cap_count(scope);
    if now > cap && now > before.cap_count(scope) {
        return Err(fail(
            codes::CONTACT_LIMIT,
            format_args!("{now} conversations, the cap is {cap} ({})", scope.name()),
        ));
    }
    Ok(())
}

fn book_of(store: &Store, from: &str) -> Book {
    store.book(from).cloned().unwrap_or_default()
}

pub(crate) fn create(
    store: &mut Store,
    body: &Value,
    ctx: &CallContext,
) -> Result<Bytes, ApiFailure> {
    let from = account_field(store, body, "From_Account")?;
    need_groups(ctx)?;
    let items = array(body, "GroupContactItem")?;
    let [item] = items else {
        return Err(invalid("GroupContactItem must hold exactly one group"));
    };
    let name = group_name(item, "GroupName")?;
    let members: Vec<Contact> = match item.get("ContactItem") {
        None => Vec::new(),
        Some(_) => array(item, "ContactItem")?
            .iter()
            .map(contact)
            .collect::<Result<_, _>>()?,
    };
    let before = book_of(store, from);
    if before.group_by_name(name).is_some() {
        return Err(invalid(format_args!("group {name:?} exists")));
    }
    if before.groups().len() >= contacts::MAX_GROUPS {
        return Err(fail(
            codes::CONTACT_GROUP_LIMIT,
            format_args!("{from:?} has {} groups", before.groups().len()),
        ));
    }
    let mut book = before.clone();
    let id = book.create_group(name);
    let mut touched = Vec::new();
    let mut results = Vec::with_capacity(members.len());
    for (kind, peer) in members {
        let (code, info) = if known(store, &book, from, kind, &peer) {
            let m = book.marks_mut(kind, &peer);
            if m.join(id) {
                m.timestamp = ctx.now;
            }
            touched.push((kind, peer.clone()));
            per_item(0, "")
        } else {
            per_item(UNKNOWN_CONVERSATION.0, UNKNOWN_CONVERSATION.1)
        };
        results.push(json!({
            "ContactItem": contact_json(kind, &peer),
            "ResultCode": code,
            "ResultInfo": info,
        }));
    }
    check_cap(&before, &book, ctx)?;
    store.commit_book(from, book, &touched);
    let mut out = Map::new();
    out.insert(
        "GroupResultItem".into(),
        json!([{ "GroupItem": group_json(id, name), "ResultItem": results }]),
    );
    Ok(ok(out))
}

pub(crate) fn update(
    store: &mut Store,
    body: &Value,
    ctx: &CallContext,
) -> Result<Bytes, ApiFailure> {
    let from = account_field(store, body, "From_Account")?;
    need_groups(ctx)?;
    if uint_field(body, "UpdateType")? != 1 {
        return Err(invalid("UpdateType must be 1"));
    }
    let group = match body.get("UpdateGroup") {
        Some(g @ Value::Object(_)) => g,
        Some(_) => return Err(invalid("UpdateGroup must be an object")),
        None => return Err(invalid("UpdateGroup is missing")),
    };
    let kind = uint_field(group, "UpdateGroupType")?;
    let old = text(group, "OldGroupName")?;
    // Validate the whole body before looking at the data.
    enum Change {
        Rename(String),
        Members(Vec<(u64, Contact)>),
    }
    let change = match kind {
        1 => Change::Rename(group_name(group, "NewGroupName")?.to_owned()),
        2 => {
            let items = array(group, "ContactUpdateItem")?;
            if items.is_empty() {
                return Err(invalid("ContactUpdateItem is empty"));
            }
            let mut ops = Vec::with_capacity(items.len());
            for i in items {
                let op = uint_field(i, "ContactOptType")?;
                if !matches!(op, 1 | 2) {
                    return Err(invalid("ContactOptType must be 1 or 2"));
                }
                let c = i
                    .get("ContactItem")
                    .ok_or_else(|| invalid("ContactItem is missing"))?;
                ops.push((op, contact(c)?));
            }
            Change::Members(ops)
        }
        _ => return Err(invalid("UpdateGroupType must be 1 or 2")),
    };
    let before = book_of(store, from);
    let Some(id) = before.group_by_name(old).map(|g| g.id) else {
        return Err(fail(
            codes::CONTACT_GROUP_NOT_FOUND,
            format_args!("{old:?}"),
        ));
    };
    let mut book = before.clone();
    let mut results = Vec::new();
    let mut touched = Vec::new();
    let name = match change {
        Change::Rename(new) => {
            if new != old && book.group_by_name(&new).is_some() {
                return Err(invalid(format_args!("group {new:?} exists")));
            }
            book.rename_group(id, &new);
            new
        }
        Change::Members(ops) => {
            for (op, (kind, peer)) in ops {
                let (code, info) = if known(store, &book, from, kind, &peer) {
                    let m = book.marks_mut(kind, &peer);
                    let changed = if op == 1 { m.join(id) } else { m.leave(id) };
                    if changed {
                        m.timestamp = ctx.now;
                        touched.push((kind, peer.clone()));
                    }
                    per_item(0, "")
                } else {
                    per_item(UNKNOWN_CONVERSATION.0, UNKNOWN_CONVERSATION.1)
                };
                results.push(json!({
                    "ContactOptType": op,
                    "ContactItem": contact_json(kind, &peer),
                    "ResultCode": code,
                    "ResultInfo": info,
                }));
            }
            old.to_owned()
        }
    };
    check_cap(&before, &book, ctx)?;
    store.commit_book(from, book, &touched);
    let mut out = Map::new();
    out.insert("UpdateType".into(), 1.into());
    out.insert(
        "UpdateGroupResult".into(),
        json!({
            "UpdateGroupType": kind,
            "GroupName": name,
            "GroupId": id,
            "OldGroupName": old,
            "ContactResultItem": results,
        }),
    );
    Ok(ok(out))
}

pub(crate) fn delete(
    store: &mut Store,
    body: &Value,
    ctx: &CallContext,
) -> Result<Bytes, ApiFailure> {
    let from = account_field(store, body, "From_Account")?;
    need_groups(ctx)?;
    let names = array(body, "GroupName")?;
    let [Value::String(name)] = names else {
        return Err(invalid("GroupName must hold exactly one name"));
    };
    let mut book = book_of(store, from);
    let Some(id) = book.group_by_name(name).map(|g| g.id) else {
        return Err(fail(
            codes::CONTACT_GROUP_NOT_FOUND,
            format_args!("{name:?}"),
        ));
    };
    let touched = book.delete_group(id);
    store.commit_book(from, book, &touched);
    let mut out = Map::new();
    out.insert("GroupItem".into(), json!([group_json(id, name)]));
    Ok(ok(out))
}

/// `StartIndex` is `n << 3 | nonce`: continue with the book's entries numbered `n` or more; the
/// nonce only changes under the empty-page fault, so that an empty page still moves the cursor.
pub(crate) fn get(store: &mut Store, body: &Value, ctx: &CallContext) -> Result<Bytes, ApiFailure> {
    let from = account_field(store, body, "From_Account")?;
    need_groups(ctx)?;
    let start = uint_field(body, "StartIndex")?;
    let (position, nonce) = (start >> 3, start & 7);
    let empty = Book::default();
    let book = store.book(from).unwrap_or(&empty);
    let groups: Vec<Value> = book
        .groups()
        .iter()
        .map(|g| group_json(g.id, &g.name))
        .collect();
    let size = ctx.contacts.page_size.max(1);
    let (items, complete, next) = if ctx.page_fault == PageFault::Empty {
        (Vec::new(), false, (position << 3) | (nonce % 7 + 1))
    } else {
        let mut served: Vec<(u64, &BookEntry)> = Vec::with_capacity(size);
        let mut rest = book.listed_from(position);
        for e in rest.by_ref() {
            served.push(e);
            if served.len() == size {
                break;
            }
        }
        let complete = rest.next().is_none();
        let next = match served.last() {
            _ if complete => 0,
            Some((seq, _)) => (seq + 1) << 3,
            None => start,
        };
        let items = served
            .iter()
            .map(|(_, e)| result_item(e.kind, &e.peer, Some(&e.marks)))
            .collect();
        match ctx.page_fault {
            PageFault::Stalled => (items, false, start),
            _ => (items, complete, next),
        }
    };
    let mut out = Map::new();
    out.insert("ContactItem".into(), items.into());
    out.insert("GroupItem".into(), groups.into());
    out.insert("CompleteFlag".into(), u8::from(complete).into());
    out.insert("NextStartIndex".into(), next.into());
    Ok(ok(out))
}

pub(crate) fn search(
    store: &mut Store,
    body: &Value,
    ctx: &CallContext,
) -> Result<Bytes, ApiFailure> {
    let from = account_field(store, body, "From_Account")?;
    need_groups(ctx)?;
    let items = array(body, "ContactItem")?;
    if items.is_empty() || items.len() > MAX_SEARCH {
        return Err(invalid(format_args!(
            "ContactItem must hold 1 to {MAX_SEARCH} conversations, not {}",
            items.len()
        )));
    }
    let wanted: Vec<Contact> = items.iter().map(contact).collect::<Result<_, _>>()?;
    let empty = Book::default();
    let book = store.book(from).unwrap_or(&empty);
    let mut group_ids: Vec<u64> = Vec::new();
    let found: Vec<Value> = wanted
        .iter()
        .map(|(kind, peer)| {
            let marks = book.get(*kind, peer).filter(|m| !m.is_empty());
            if let Some(m) = marks {
                group_ids.extend(&m.groups);
            }
            result_item(*kind, peer, marks)
        })
        .collect();
    group_ids.sort_unstable();
    group_ids.dedup();
    let groups: Vec<Value> = group_ids
        .iter()
        .filter_map(|id| book.group_by_id(*id))
        .map(|g| group_json(g.id, &g.name))
        .collect();
    let mut out = Map::new();
    out.insert("ContactResultItem".into(), found.into());
    out.insert("GroupItem".into(), groups.into());
    Ok(ok(out))
}

/// One `MarkItem`, validated.
struct MarkOp {
    opt: u64,
    contact: Contact,
    set: u64,
    clear: u64,
    custom: Option<String>,
}

fn bits(item: &Value, name: &str) -> Result<u64, ApiFailure> {
    let Some(v) = item.get(name) else {
        return Ok(0);
    };
    let Value::Array(a) = v else {
        return Err(invalid(format_args!(
            "{name} must be an array of bit indices"
        )));
    };
    let mut out = 0u64;
    for b in a {
        match b.as_u64() {
            Some(i) if i < contacts::MARK_BITS => out |= 1 << i,
            _ => {
                return Err(invalid(format_args!(
                    "{name} holds {b}, not a bit index 0 to {}",
                    contacts::MARK_BITS - 1
                )));
            }
        }
    }
    Ok(out)
}

fn mark_op(item: &Value) -> Result<MarkOp, ApiFailure> {
    let opt = uint_field(item, "OptType")?;
    if !matches!(opt, 1..=3) {
        return Err(invalid("OptType must be 1, 2 or 3"));
    }
    let c = item
        .get("ContactItem")
        .ok_or_else(|| invalid("ContactItem is missing"))?;
    let contact = contact(c)?;
    let (set, clear) = if opt == 2 {
        (0, 0)
    } else {
        (bits(item, "SetMark")?, bits(item, "ClearMark")?)
    };
    let custom = match (opt, item.get("CustomMark")) {
        (1, _) | (3, None) => None,
        (_, Some(Value::String(s))) if s.len() <= contacts::MAX_CUSTOM_MARK => Some(s.clone()),
        (_, Some(Value::String(_))) => {
            return Err(invalid(format_args!(
                "CustomMark is longer than {} bytes",
                contacts::MAX_CUSTOM_MARK
            )));
        }
        (_, Some(_)) => return Err(invalid("CustomMark must be a string")),
        (_, None) => return Err(invalid("CustomMark is missing (OptType 2)")),
    };
    Ok(MarkOp {
        opt,
        contact,
        set,
        clear,
        custom,
    })
}

pub(crate) fn mark(
    store: &mut Store,
    body: &Value,
    ctx: &CallContext,
) -> Result<Bytes, ApiFailure> {
    let from = account_field(store, body, "From_Account")?;
    let items = array(body, "MarkItem")?;
    if items.is_empty() || items.len() > MAX_MARK_ITEMS {
        return Err(fail(
            codes::MARK_ITEMS,
            format_args!("{} items", items.len()),
        ));
    }
    let ops: Vec<MarkOp> = items.iter().map(mark_op).collect::<Result<_, _>>()?;
    // Custom marks need no particular edition; standard ones do.
    if ops.iter().any(|o| o.opt != 2) {
        need_groups(ctx)?;
    }
    let before = book_of(store, from);
    let mut book = before.clone();
    let mut touched = Vec::new();
    let mut results = Vec::with_capacity(ops.len());
    for op in ops {
        let (kind, peer) = &op.contact;
        let (code, info) = if known(store, &book, from, *kind, peer) {
            let m = book.marks_mut(*kind, peer);
            // Clear first, then set: a bit in both ends up set.
            m.standard = (m.standard & !op.clear) | op.set;
            if let Some(c) = op.custom {
                m.custom = (!c.is_empty()).then_some(c);
            }
            m.timestamp = ctx.now;
            touched.push((*kind, peer.clone()));
            per_item(0, "")
        } else {
            per_item(UNKNOWN_CONVERSATION.0, UNKNOWN_CONVERSATION.1)
        };
        results.push(json!({
            "OptType": op.opt,
            "ContactItem": contact_json(*kind, peer),
            "ResultCode": code,
            "ResultInfo": info,
        }));
    }
    check_cap(&before, &book, ctx)?;
    store.commit_book(from, book, &touched);
    let mut out = Map::new();
    out.insert("ResultItem".into(), results.into());
    Ok(ok(out))
}
