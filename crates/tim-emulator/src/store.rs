//! The in-memory model of one app: admins, imported accounts and each account's conversations.
//!
//! Each account's conversations are indexed by their sort key `(MsgTime desc, id desc)` in four
//! ordered sets, one per (pinned, empty) pair, so a page costs `O(log n + page)` and no request
//! sorts anything (see `docs/emulator.md`, "Paging").

use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::contacts::{self, Book, ContactGroup, Marks};

/// The largest conversation id the cursor encoding can carry (ids are shifted left by 3 bits
/// inside `StartIndex`, which stays within a `u32`).
pub(crate) const MAX_ID: u32 = (u32::MAX >> 3) - 1;

/// The kind of a conversation: the wire `Type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Kind {
    /// A one-to-one conversation (`Type` 1); the peer is a `To_Account`.
    C2c,
    /// A group conversation (`Type` 2); the peer is a `GroupId`.
    Group,
}

impl Kind {
    /// The wire value of `Type`.
    pub fn wire(self) -> u64 {
        match self {
            Kind::C2c => 1,
            Kind::Group => 2,
        }
    }

    /// The kind for a wire `Type` value, if it is 1 or 2.
    pub fn from_wire(value: u64) -> Option<Kind> {
        match value {
            1 => Some(Kind::C2c),
            2 => Some(Kind::Group),
            _ => None,
        }
    }
}

/// One conversation of an account's list, as the data file and the admin API write it (wire
/// names: `Type`, `To_Account` or `GroupId`, `MsgTime`, `TopFlag`, `StandardMark`, `CustomMark`,
/// `ContactGroupId`, plus `Empty`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conversation {
    /// One-to-one or group.
    pub kind: Kind,
    /// The `To_Account` (one-to-one) or `GroupId` (group).
    pub peer: String,
    /// The conversation time (`MsgTime`, Unix seconds).
    pub msg_time: u64,
    /// Pinned (`TopFlag` 1).
    pub pinned: bool,
    /// An empty conversation (no message left): listed only when `AssistFlags` bit 1 is set.
    pub empty: bool,
    /// `StandardMark`, a bit string such as `"111001"`.
    pub standard_mark: Option<String>,
    /// `CustomMark`.
    pub custom_mark: Option<String>,
    /// `ContactGroupId`, the conversation groups it belongs to.
    pub contact_group_ids: Option<Vec<u64>>,
}

impl Conversation {
    /// A non-empty, unpinned conversation without marks.
    pub fn new(kind: Kind, peer: impl Into<String>, msg_time: u64) -> Self {
        Conversation {
            kind,
            peer: peer.into(),
            msg_time,
            pinned: false,
            empty: false,
            standard_mark: None,
            custom_mark: None,
            contact_group_ids: None,
        }
    }

    /// The same conversation, pinned.
    #[must_use]
    pub fn pinned(mut self) -> Self {
        self.pinned = true;
        self
    }

    /// The same conversation, empty.
    #[must_use]
    pub fn empty(mut self) -> Self {
        self.empty = true;
        self
    }
}

/// A data set: the JSON document `tim emulator serve --data FILE` and `POST /_emulator/load`
/// read. See `docs/emulator.md`, "Data file".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataFile {
    /// App admin accounts (added to the configured ones).
    #[serde(default)]
    pub admins: Vec<String>,
    /// Imported accounts. Admins and accounts that own sessions are imported implicitly.
    #[serde(default)]
    pub accounts: Vec<String>,
    /// Each account's conversations.
    #[serde(default)]
    pub sessions: std::collections::BTreeMap<String, Vec<SessionRecord>>,
    /// Each account's conversation groups.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub contact_groups: std::collections::BTreeMap<String, Vec<GroupRecord>>,
    /// Each account's conversation marks and memberships (also of conversations that are not in
    /// its list: the data is independent of the list).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub contacts: std::collections::BTreeMap<String, Vec<ContactRecord>>,
}

/// Where in a data file that does not deserialize the first bad value is, as a path
/// (`sessions["alice"][0].MsgTime`): serde names unknown fields but not a wrong-typed one. Only
/// on the error path; `None` when it cannot tell.
fn locate_data_error(doc: &serde_json::Value) -> Option<String> {
    use serde::de::DeserializeOwned;
    use serde_json::Value;

    /// The field of `record` whose removal changes the error: the one it is about (serde
    /// reports a wrong type while visiting the field, before any missing field).
    fn field<T: DeserializeOwned>(record: &Value) -> Result<(), Option<String>> {
        let err = match serde_json::from_value::<T>(record.clone()) {
            Ok(_) => return Ok(()),
            Err(e) => e.to_string(),
        };
        // Those messages name the field themselves (and removing a field would change them).
        if err.starts_with("missing field") || err.starts_with("unknown field") {
            return Err(None);
        }
        let Value::Object(map) = record else {
            return Err(None);
        };
        for key in map.keys() {
            let mut without = map.clone();
            without.remove(key);
            match serde_json::from_value::<T>(Value::Object(without)) {
                Err(e) if e.to_string() == err => {}
                _ => return Err(Some(format!(".{key}"))),
            }
        }
        Err(None)
    }

    fn records<T: DeserializeOwned>(name: &str, v: &Value) -> Option<String> {
        let Value::Object(accounts) = v else {
            return Some(name.to_owned());
        };
        for (account, list) in accounts {
            let Value::Array(items) = list else {
                return Some(format!("{name}[{account:?}]"));
            };
            for (i, item) in items.iter().enumerate() {
                if let Err(f) = field::<T>(item) {
                    return Some(format!("{name}[{account:?}][{i}]{}", f.unwrap_or_default()));
                }
            }
        }
        None
    }

    let Value::Object(top) = doc else {
        return None;
    };
    for (key, v) in top {
        let at = match key.as_str() {
            "admins" | "accounts" => match v {
                Value::Array(items) => items
                    .iter()
                    .position(|s| !s.is_string())
                    .map(|i| format!("{key}[{i}]")),
                _ => Some(key.clone()),
            },
            "sessions" => records::<SessionRecord>(key, v),
            "contact_groups" => records::<GroupRecord>(key, v),
            "contacts" => records::<ContactRecord>(key, v),
            _ => None,
        };
        if at.is_some() {
            return at;
        }
    }
    None
}

/// One conversation group as the data file writes it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupRecord {
    /// `GroupId` (1 or more, unique within the account).
    #[serde(rename = "GroupId")]
    pub id: u64,
    /// `GroupName` (1 to 32 bytes, unique within the account).
    #[serde(rename = "GroupName")]
    pub name: String,
}

/// One conversation's marks and memberships as the data file writes it (wire field names; a
/// group conversation is named by `GroupId`, as in `sessions`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactRecord {
    /// 1 one-to-one, 2 group.
    #[serde(rename = "Type")]
    pub kind: u64,
    /// The peer of a one-to-one conversation.
    #[serde(
        rename = "To_Account",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub to_account: Option<String>,
    /// The group of a group conversation.
    #[serde(rename = "GroupId", default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// `StandardMark`, binary digits, bit 0 rightmost.
    #[serde(
        rename = "StandardMark",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub standard_mark: Option<String>,
    /// `CustomMark`.
    #[serde(
        rename = "CustomMark",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub custom_mark: Option<String>,
    /// `ContactGroupId`: the groups (ids of the account's `contact_groups`; unknown ids are
    /// created as `group<id>`).
    #[serde(
        rename = "ContactGroupId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub contact_group_ids: Option<Vec<u64>>,
    /// `Timestamp` of the last change (Unix seconds, default 0).
    #[serde(rename = "Timestamp", default)]
    pub timestamp: u64,
}

fn peer_of(
    kind: u64,
    to_account: &Option<String>,
    group_id: &Option<String>,
) -> Result<(Kind, String), DataError> {
    let kind = Kind::from_wire(kind).ok_or(DataError::InvalidType(kind))?;
    match (kind, to_account, group_id) {
        (Kind::C2c, Some(p), None) | (Kind::Group, None, Some(p)) if !p.is_empty() => {
            Ok((kind, p.clone()))
        }
        (Kind::C2c, ..) => Err(DataError::MissingPeer("To_Account")),
        (Kind::Group, ..) => Err(DataError::MissingPeer("GroupId")),
    }
}

/// One conversation as the data file writes it (wire field names).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionRecord {
    /// 1 one-to-one, 2 group.
    #[serde(rename = "Type")]
    pub kind: u64,
    /// The peer of a one-to-one conversation.
    #[serde(
        rename = "To_Account",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub to_account: Option<String>,
    /// The group of a group conversation.
    #[serde(rename = "GroupId", default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// Conversation time, Unix seconds.
    #[serde(rename = "MsgTime")]
    pub msg_time: u64,
    /// 1 pinned, 0 not (default 0).
    #[serde(rename = "TopFlag", default)]
    pub top_flag: u64,
    /// `StandardMark`.
    #[serde(
        rename = "StandardMark",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub standard_mark: Option<String>,
    /// `CustomMark`.
    #[serde(
        rename = "CustomMark",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub custom_mark: Option<String>,
    /// `ContactGroupId`.
    #[serde(
        rename = "ContactGroupId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub contact_group_ids: Option<Vec<u64>>,
    /// `true` for an empty conversation (default `false`).
    #[serde(rename = "Empty", default, skip_serializing_if = "std::ops::Not::not")]
    pub empty: bool,
}

impl SessionRecord {
    /// The conversation this record describes.
    pub fn to_conversation(&self) -> Result<Conversation, DataError> {
        let (kind, peer) = peer_of(self.kind, &self.to_account, &self.group_id)?;
        let pinned = match self.top_flag {
            0 => false,
            1 => true,
            other => return Err(DataError::InvalidTopFlag(other)),
        };
        Ok(Conversation {
            kind,
            peer,
            msg_time: self.msg_time,
            pinned,
            empty: self.empty,
            standard_mark: self.standard_mark.clone(),
            custom_mark: self.custom_mark.clone(),
            contact_group_ids: self.contact_group_ids.clone(),
        })
    }

    /// The record describing `conversation`.
    pub fn from_conversation(c: &Conversation) -> Self {
        SessionRecord {
            kind: c.kind.wire(),
            to_account: (c.kind == Kind::C2c).then(|| c.peer.clone()),
            group_id: (c.kind == Kind::Group).then(|| c.peer.clone()),
            msg_time: c.msg_time,
            top_flag: u64::from(c.pinned),
            standard_mark: c.standard_mark.clone(),
            custom_mark: c.custom_mark.clone(),
            contact_group_ids: c.contact_group_ids.clone(),
            empty: c.empty,
        }
    }
}

/// Why a data set or a change to it was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// The document is not valid data-file JSON.
    #[error("invalid data file: {0}")]
    Json(String),
    /// `Type` is neither 1 nor 2.
    #[error("invalid conversation type {0} (expected 1 or 2)")]
    InvalidType(u64),
    /// `TopFlag` is neither 0 nor 1.
    #[error("invalid TopFlag {0} (expected 0 or 1)")]
    InvalidTopFlag(u64),
    /// The peer field the type needs is missing, empty, or the other one is present.
    #[error("conversation needs exactly a non-empty `{0}`")]
    MissingPeer(&'static str),
    /// An account id is empty.
    #[error("empty account id")]
    EmptyAccount,
    /// The same conversation appears twice in one list.
    #[error("duplicate conversation {peer:?} (type {kind}) in the list of {account:?}")]
    Duplicate {
        /// The owner of the list.
        account: String,
        /// The wire `Type`.
        kind: u64,
        /// The peer.
        peer: String,
    },
    /// The account's list has more conversations than the cursor encoding can number.
    #[error("too many conversations for account {0:?}")]
    TooManyConversations(String),
    /// A `StandardMark` is not 1 to 64 binary digits.
    #[error("invalid StandardMark {0:?} (expected 1 to 64 binary digits)")]
    InvalidMark(String),
    /// A conversation group is invalid (id 0, empty or long name, duplicate, too many).
    #[error("invalid conversation groups of {account:?}: {reason}")]
    InvalidGroup {
        /// The owner of the groups.
        account: String,
        /// What is wrong.
        reason: String,
    },
    /// An `apps` section names an SDKAppID the emulator has no app for (apps are declared
    /// with their keys, e.g. `tim emulator serve --app SDKAPPID:KEY`, never in a data file).
    #[error(
        "apps[{0:?}]: the emulator has no app with this sdkappid (declare it with --app SDKAPPID:KEY)"
    )]
    UnknownApp(String),
    /// The section of one app in a data file's `apps` is invalid.
    #[error("apps[\"{sdkappid}\"]: {error}")]
    InApp {
        /// The app's SDKAppID.
        sdkappid: u64,
        /// What is wrong with its section.
        error: Box<DataError>,
    },
}

/// The sort key of a conversation: newest first, then the larger id first.
pub(crate) type Key = (Reverse<u64>, Reverse<u32>);

pub(crate) fn key(msg_time: u64, id: u32) -> Key {
    (Reverse(msg_time), Reverse(id))
}

/// A conversation with its stable id and the revision of its last change.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub(crate) conv: Conversation,
    pub(crate) id: u32,
    pub(crate) rev: u64,
}

impl Entry {
    pub(crate) fn key(&self) -> Key {
        key(self.conv.msg_time, self.id)
    }
}

/// One account's conversations and their indexes.
#[derive(Clone, Debug, Default)]
pub(crate) struct List {
    pub(crate) entries: HashMap<u32, Entry>,
    c2c: HashMap<String, u32>,
    groups: HashMap<String, u32>,
    next_id: u32,
    /// Indexed by `slot(pinned, empty)`; each conversation is in exactly one set.
    pub(crate) sets: [BTreeSet<Key>; 4],
}

pub(crate) fn slot(pinned: bool, empty: bool) -> usize {
    usize::from(pinned) * 2 + usize::from(empty)
}

impl List {
    fn peers(&mut self, kind: Kind) -> &mut HashMap<String, u32> {
        match kind {
            Kind::C2c => &mut self.c2c,
            Kind::Group => &mut self.groups,
        }
    }

    fn find(&self, kind: Kind, peer: &str) -> Option<u32> {
        match kind {
            Kind::C2c => self.c2c.get(peer).copied(),
            Kind::Group => self.groups.get(peer).copied(),
        }
    }

    fn index(&mut self, e: &Entry) {
        self.sets[slot(e.conv.pinned, e.conv.empty)].insert(e.key());
    }

    fn unindex(&mut self, e: &Entry) {
        self.sets[slot(e.conv.pinned, e.conv.empty)].remove(&e.key());
    }

    /// Inserts a new conversation (the caller checked it is absent).
    fn insert(&mut self, conv: Conversation, rev: u64) -> Option<u32> {
        if self.next_id >= MAX_ID {
            return None;
        }
        self.next_id += 1;
        let id = self.next_id;
        self.peers(conv.kind).insert(conv.peer.clone(), id);
        let e = Entry { conv, id, rev };
        self.index(&e);
        self.entries.insert(id, e);
        Some(id)
    }

    /// Applies `change` to the conversation `id`, keeping the indexes right.
    fn update(&mut self, id: u32, rev: u64, change: impl FnOnce(&mut Conversation)) {
        if let Some(mut e) = self.entries.remove(&id) {
            self.unindex(&e);
            change(&mut e.conv);
            e.rev = rev;
            self.index(&e);
            self.entries.insert(id, e);
        }
    }

    /// Renders the mark fields of conversation (`kind`, `peer`) from `book`, in place: marks do
    /// not move a conversation, so walks keep serving it (its revision is unchanged).
    fn render(&mut self, kind: Kind, peer: &str, book: Option<&Book>) {
        if let Some(id) = self.find(kind, peer)
            && let Some(e) = self.entries.get_mut(&id)
        {
            render(book, &mut e.conv);
        }
    }

    fn render_all(&mut self, book: Option<&Book>) {
        for e in self.entries.values_mut() {
            render(book, &mut e.conv);
        }
    }

    fn remove(&mut self, id: u32) -> bool {
        match self.entries.remove(&id) {
            Some(e) => {
                self.unindex(&e);
                self.peers(e.conv.kind).remove(&e.conv.peer);
                true
            }
            None => false,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

/// Sets the mark fields of `c` from its marks in `book` (none when it has none).
fn render(book: Option<&Book>, c: &mut Conversation) {
    match book.and_then(|b| b.get(c.kind, &c.peer)) {
        Some(m) => {
            c.standard_mark = m.standard_text();
            c.custom_mark.clone_from(&m.custom);
            c.contact_group_ids = (!m.groups.is_empty()).then(|| m.groups.clone());
        }
        None => {
            c.standard_mark = None;
            c.custom_mark = None;
            c.contact_group_ids = None;
        }
    }
}

/// Writes the mark fields of `c` that are set into `book` (a field that is `None` leaves the
/// book as it is; an unreadable `StandardMark` counts as no bit, unknown group ids create
/// groups named `group<id>`).
fn absorb(book: &mut Book, c: &Conversation) {
    if c.standard_mark.is_none() && c.custom_mark.is_none() && c.contact_group_ids.is_none() {
        return;
    }
    let groups = c.contact_group_ids.as_ref().map(|g| {
        let mut g: Vec<u64> = g.iter().copied().filter(|id| *id != 0).collect();
        g.sort_unstable();
        g.dedup();
        g
    });
    for id in groups.iter().flatten() {
        book.ensure_group(*id);
    }
    let m = book.marks_mut(c.kind, &c.peer);
    if let Some(s) = &c.standard_mark {
        m.standard = contacts::parse_standard(s).unwrap_or(0);
    }
    if let Some(s) = &c.custom_mark {
        m.custom = (!s.is_empty()).then(|| s.clone());
    }
    if let Some(g) = groups {
        m.groups = g;
    }
}

/// The marks a data-file record describes.
fn record_marks(
    book: &mut Book,
    standard: Option<&String>,
    custom: Option<&String>,
    groups: Option<&Vec<u64>>,
) -> Result<Marks, DataError> {
    let standard = match standard {
        Some(s) => contacts::parse_standard(s).ok_or_else(|| DataError::InvalidMark(s.clone()))?,
        None => 0,
    };
    let mut g: Vec<u64> = groups.cloned().unwrap_or_default();
    g.retain(|id| *id != 0);
    g.sort_unstable();
    g.dedup();
    for id in &g {
        book.ensure_group(*id);
    }
    Ok(Marks {
        standard,
        custom: custom.filter(|s| !s.is_empty()).cloned(),
        groups: g,
        timestamp: 0,
    })
}

/// The book a data file gives `account`.
fn build_book(
    account: &str,
    data: &DataFile,
    sessions: Option<&Vec<Conversation>>,
) -> Result<Book, DataError> {
    let invalid = |reason: String| DataError::InvalidGroup {
        account: account.to_owned(),
        reason,
    };
    let mut book = Book::default();
    for g in data.contact_groups.get(account).into_iter().flatten() {
        if g.name.is_empty() || g.name.len() > contacts::MAX_GROUP_NAME {
            return Err(invalid(format!(
                "GroupName {:?} must be 1 to {} bytes",
                g.name,
                contacts::MAX_GROUP_NAME
            )));
        }
        if !book.insert_group(g.id, &g.name) {
            return Err(invalid(format!(
                "GroupId {} or GroupName {:?} is 0 or repeated",
                g.id, g.name
            )));
        }
    }
    for c in sessions.into_iter().flatten() {
        let m = record_marks(
            &mut book,
            c.standard_mark.as_ref(),
            c.custom_mark.as_ref(),
            c.contact_group_ids.as_ref(),
        )?;
        if !m.is_empty() {
            *book.marks_mut(c.kind, &c.peer) = m;
        }
    }
    for r in data.contacts.get(account).into_iter().flatten() {
        let (kind, peer) = peer_of(r.kind, &r.to_account, &r.group_id)?;
        let mut m = record_marks(
            &mut book,
            r.standard_mark.as_ref(),
            r.custom_mark.as_ref(),
            r.contact_group_ids.as_ref(),
        )?;
        m.timestamp = r.timestamp;
        *book.marks_mut(kind, &peer) = m;
    }
    if book.groups().len() > contacts::MAX_GROUPS {
        return Err(invalid(format!(
            "more than {} groups",
            contacts::MAX_GROUPS
        )));
    }
    Ok(book)
}

/// The emulated app's data: admins, imported accounts and conversation lists.
///
/// Every change bumps a revision counter; a get_list walk never serves a conversation changed
/// after the walk started, which is what keeps paging free of duplicates under change.
#[derive(Clone, Default)]
pub struct Store {
    admins: HashSet<String>,
    accounts: HashSet<String>,
    lists: HashMap<String, List>,
    /// Each account's conversation groups and marks, the state of record for them.
    books: HashMap<String, Book>,
    rev: u64,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("admins", &self.admins.len())
            .field("accounts", &self.accounts.len())
            .field(
                "conversations",
                &self.lists.values().map(List::len).sum::<usize>(),
            )
            .field("revision", &self.rev)
            .finish()
    }
}

impl Store {
    /// An empty store.
    pub fn new() -> Self {
        Store::default()
    }

    /// Removes everything, admins included.
    pub fn clear(&mut self) {
        let rev = self.rev;
        *self = Store::default();
        self.rev = rev + 1;
    }

    /// Adds a data set: its admins and accounts are added, and each listed account's
    /// conversations replace that account's list. Nothing changes when the data set is invalid.
    pub fn load(&mut self, data: &DataFile) -> Result<(), DataError> {
        let mut parsed = Vec::with_capacity(data.sessions.len());
        for (account, records) in &data.sessions {
            if account.is_empty() {
                return Err(DataError::EmptyAccount);
            }
            let mut seen = HashSet::with_capacity(records.len());
            let mut convs = Vec::with_capacity(records.len());
            for r in records {
                let c = r.to_conversation()?;
                if !seen.insert((c.kind, c.peer.clone())) {
                    return Err(DataError::Duplicate {
                        account: account.clone(),
                        kind: c.kind.wire(),
                        peer: c.peer,
                    });
                }
                convs.push(c);
            }
            if convs.len() >= MAX_ID as usize {
                return Err(DataError::TooManyConversations(account.clone()));
            }
            parsed.push((account.clone(), convs));
        }
        if data
            .admins
            .iter()
            .chain(&data.accounts)
            .chain(data.contact_groups.keys())
            .chain(data.contacts.keys())
            .any(String::is_empty)
        {
            return Err(DataError::EmptyAccount);
        }
        // The family state of every account the file names, built before anything changes.
        let mut books = Vec::new();
        let named: std::collections::BTreeSet<&String> = data
            .sessions
            .keys()
            .chain(data.contact_groups.keys())
            .chain(data.contacts.keys())
            .collect();
        for account in named {
            let sessions = parsed.iter().find(|(a, _)| a == account).map(|(_, c)| c);
            books.push((account.clone(), build_book(account, data, sessions)?));
        }
        self.rev += 1;
        for a in &data.admins {
            self.add_admin(a.clone());
        }
        for a in &data.accounts {
            self.import_account(a.clone());
        }
        for (account, convs) in parsed {
            self.set_list(account, convs);
        }
        for (account, book) in books {
            self.import_account(account.clone());
            if let Some(list) = self.lists.get_mut(&account) {
                list.render_all(Some(&book));
            }
            self.books.insert(account, book);
        }
        Ok(())
    }

    /// [`Store::load`] from the data file's JSON text.
    pub fn load_json(&mut self, json: &[u8]) -> Result<(), DataError> {
        let data: DataFile = serde_json::from_slice(json).map_err(|e| {
            let at = serde_json::from_slice::<serde_json::Value>(json)
                .ok()
                .and_then(|v| locate_data_error(&v));
            DataError::Json(match at {
                Some(path) => format!("{path}: {e}"),
                None => e.to_string(),
            })
        })?;
        self.load(&data)
    }

    /// The whole store as a data set (lists in display order: pinned first, newest first).
    pub fn export(&self) -> DataFile {
        let mut admins: Vec<String> = self.admins.iter().cloned().collect();
        admins.sort();
        let mut accounts: Vec<String> = self.accounts.iter().cloned().collect();
        accounts.sort();
        let sessions = self
            .lists
            .keys()
            .map(|a| {
                let records = self
                    .conversations(a)
                    .iter()
                    .map(SessionRecord::from_conversation)
                    .collect();
                (a.clone(), records)
            })
            .collect();
        let mut contact_groups = std::collections::BTreeMap::new();
        let mut contacts = std::collections::BTreeMap::new();
        for (account, book) in &self.books {
            if !book.groups().is_empty() {
                let groups = book
                    .groups()
                    .iter()
                    .map(|g| GroupRecord {
                        id: g.id,
                        name: g.name.clone(),
                    })
                    .collect();
                contact_groups.insert(account.clone(), groups);
            }
            let records: Vec<ContactRecord> = book
                .listed()
                .map(|(_, e)| ContactRecord {
                    kind: e.kind.wire(),
                    to_account: (e.kind == Kind::C2c).then(|| e.peer.clone()),
                    group_id: (e.kind == Kind::Group).then(|| e.peer.clone()),
                    standard_mark: e.marks.standard_text(),
                    custom_mark: e.marks.custom.clone(),
                    contact_group_ids: (!e.marks.groups.is_empty()).then(|| e.marks.groups.clone()),
                    timestamp: e.marks.timestamp,
                })
                .collect();
            if !records.is_empty() {
                contacts.insert(account.clone(), records);
            }
        }
        DataFile {
            admins,
            accounts,
            sessions,
            contact_groups,
            contacts,
        }
    }

    /// Replaces `account`'s list with `conversations` (a later duplicate replaces an earlier
    /// one) and imports the account. Conversations past the id space are dropped.
    pub fn set_list(&mut self, account: impl Into<String>, conversations: Vec<Conversation>) {
        let account = account.into();
        self.rev += 1;
        let rev = self.rev;
        self.accounts.insert(account.clone());
        let book = self.books.entry(account.clone()).or_default();
        let list = self.lists.entry(account).or_default();
        *list = List::default();
        for c in conversations {
            if let Some(id) = list.find(c.kind, &c.peer) {
                list.remove(id);
            }
            absorb(book, &c);
            if list.insert(c, rev).is_none() {
                break;
            }
        }
        list.render_all(Some(book));
    }

    /// Makes `account` an App admin (and an imported account).
    pub fn add_admin(&mut self, account: impl Into<String>) {
        let account = account.into();
        self.accounts.insert(account.clone());
        self.admins.insert(account);
    }

    /// Whether `account` is an App admin.
    pub fn is_admin(&self, account: &str) -> bool {
        self.admins.contains(account)
    }

    /// Imports `account` (with an empty list if it has none).
    pub fn import_account(&mut self, account: impl Into<String>) {
        self.accounts.insert(account.into());
    }

    /// Whether `account` was imported.
    pub fn is_account(&self, account: &str) -> bool {
        self.accounts.contains(account)
    }

    /// The number of imported accounts.
    pub fn account_count(&self) -> usize {
        self.accounts.len()
    }

    /// Inserts or replaces one conversation of `account`'s list (importing the account).
    pub fn upsert(&mut self, account: &str, conversation: Conversation) -> Result<(), DataError> {
        self.rev += 1;
        let rev = self.rev;
        self.import_account(account);
        let book = self.books.entry(account.to_owned()).or_default();
        absorb(book, &conversation);
        let (kind, peer) = (conversation.kind, conversation.peer.clone());
        let list = self.lists.entry(account.to_owned()).or_default();
        match list.find(conversation.kind, &conversation.peer) {
            Some(id) => list.update(id, rev, |c| *c = conversation),
            None => {
                list.insert(conversation, rev)
                    .ok_or_else(|| DataError::TooManyConversations(account.to_owned()))?;
            }
        }
        list.render(kind, &peer, Some(book));
        Ok(())
    }

    /// A new message in a conversation of `account` at `msg_time`: the conversation is created
    /// if absent, stops being empty, and its `MsgTime` becomes `max(MsgTime, msg_time)` (a
    /// conversation's time never goes back). Returns the resulting `MsgTime`.
    pub fn add_message(
        &mut self,
        account: &str,
        kind: Kind,
        peer: &str,
        msg_time: u64,
    ) -> Result<u64, DataError> {
        if account.is_empty() {
            return Err(DataError::EmptyAccount);
        }
        if peer.is_empty() {
            return Err(DataError::MissingPeer(match kind {
                Kind::C2c => "To_Account",
                Kind::Group => "GroupId",
            }));
        }
        self.rev += 1;
        let rev = self.rev;
        self.import_account(account);
        let list = self.lists.entry(account.to_owned()).or_default();
        match list.find(kind, peer) {
            Some(id) => {
                let mut result = msg_time;
                list.update(id, rev, |c| {
                    c.msg_time = c.msg_time.max(msg_time);
                    c.empty = false;
                    result = c.msg_time;
                });
                Ok(result)
            }
            None => {
                list.insert(Conversation::new(kind, peer, msg_time), rev)
                    .ok_or_else(|| DataError::TooManyConversations(account.to_owned()))?;
                // A conversation that comes back finds the marks it had.
                list.render(kind, peer, self.books.get(account));
                Ok(msg_time)
            }
        }
    }

    /// Pins or unpins a conversation. Returns whether it exists.
    pub fn set_pinned(&mut self, account: &str, kind: Kind, peer: &str, pinned: bool) -> bool {
        self.change(account, kind, peer, |c| c.pinned = pinned)
    }

    /// Sets or clears (`None`) a conversation's marks and groups, as the group and mark calls
    /// would: an unreadable `standard_mark` is no bit, unknown group ids create groups named
    /// `group<id>`. Returns whether the conversation exists (nothing changes otherwise).
    pub fn set_marks(
        &mut self,
        account: &str,
        kind: Kind,
        peer: &str,
        standard_mark: Option<String>,
        custom_mark: Option<String>,
        contact_group_ids: Option<Vec<u64>>,
    ) -> bool {
        if self.conversation(account, kind, peer).is_none() {
            return false;
        }
        let book = self.books.entry(account.to_owned()).or_default();
        *book.marks_mut(kind, peer) = Marks::default();
        let mut c = Conversation::new(kind, peer, 0);
        c.standard_mark = Some(standard_mark.unwrap_or_default());
        c.custom_mark = Some(custom_mark.unwrap_or_default());
        c.contact_group_ids = Some(contact_group_ids.unwrap_or_default());
        absorb(book, &c);
        self.rev += 1;
        if let Some(list) = self.lists.get_mut(account) {
            list.render(kind, peer, Some(book));
        }
        true
    }

    /// `account`'s conversation groups, by id.
    pub fn contact_groups(&self, account: &str) -> Vec<ContactGroup> {
        self.books
            .get(account)
            .map(|b| b.groups().to_vec())
            .unwrap_or_default()
    }

    /// `account`'s groups and marks.
    pub(crate) fn book(&self, account: &str) -> Option<&Book> {
        self.books.get(account)
    }

    /// Replaces `account`'s groups and marks with `book` and renders the conversations in
    /// `touched` from it.
    pub(crate) fn commit_book(&mut self, account: &str, book: Book, touched: &[(Kind, String)]) {
        self.rev += 1;
        let book = match self.books.entry(account.to_owned()) {
            std::collections::hash_map::Entry::Occupied(mut o) => {
                o.insert(book);
                o.into_mut()
            }
            std::collections::hash_map::Entry::Vacant(v) => v.insert(book),
        };
        if let Some(list) = self.lists.get_mut(account) {
            for (kind, peer) in touched {
                list.render(*kind, peer, Some(book));
            }
        }
    }

    fn change(
        &mut self,
        account: &str,
        kind: Kind,
        peer: &str,
        f: impl FnOnce(&mut Conversation),
    ) -> bool {
        let Some(list) = self.lists.get_mut(account) else {
            return false;
        };
        let Some(id) = list.find(kind, peer) else {
            return false;
        };
        self.rev += 1;
        list.update(id, self.rev, f);
        true
    }

    /// Deletes a conversation. Returns whether it existed.
    pub fn delete(&mut self, account: &str, kind: Kind, peer: &str) -> bool {
        let Some(list) = self.lists.get_mut(account) else {
            return false;
        };
        let Some(id) = list.find(kind, peer) else {
            return false;
        };
        self.rev += 1;
        list.remove(id)
    }

    /// One conversation of `account`'s list.
    pub fn conversation(&self, account: &str, kind: Kind, peer: &str) -> Option<&Conversation> {
        let list = self.lists.get(account)?;
        let id = list.find(kind, peer)?;
        list.entries.get(&id).map(|e| &e.conv)
    }

    /// The number of conversations in `account`'s list (empty ones included).
    pub fn len(&self, account: &str) -> usize {
        self.lists.get(account).map_or(0, List::len)
    }

    /// Whether `account` has no conversation.
    pub fn is_empty(&self, account: &str) -> bool {
        self.len(account) == 0
    }

    /// `account`'s conversations, pinned first, each group newest first (empty ones included).
    pub fn conversations(&self, account: &str) -> Vec<Conversation> {
        let Some(list) = self.lists.get(account) else {
            return Vec::new();
        };
        let mut keys: Vec<(bool, Key)> = list
            .entries
            .values()
            .map(|e| (!e.conv.pinned, e.key()))
            .collect();
        keys.sort_unstable();
        keys.iter()
            .filter_map(|(_, (_, Reverse(id)))| list.entries.get(id).map(|e| e.conv.clone()))
            .collect()
    }

    /// The App admin accounts, sorted.
    pub fn admins(&self) -> Vec<String> {
        let mut admins: Vec<String> = self.admins.iter().cloned().collect();
        admins.sort();
        admins
    }

    /// The current revision (bumped by every change).
    pub fn revision(&self) -> u64 {
        self.rev
    }

    pub(crate) fn raise_revision(&mut self, rev: u64) {
        self.rev = self.rev.max(rev);
    }

    pub(crate) fn list(&self, account: &str) -> Option<&List> {
        self.lists.get(account)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(json: &str) -> Result<DataFile, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn load_reads_wire_names_and_imports_owners() {
        let mut s = Store::new();
        let d = data(
            r#"{"admins":["root"],"accounts":["bob"],"sessions":{"alice":[
                {"Type":1,"To_Account":"bob","MsgTime":5,"TopFlag":1},
                {"Type":2,"GroupId":"g","MsgTime":7,"Empty":true,"StandardMark":"1","CustomMark":"x","ContactGroupId":[1,2]}]}}"#,
        )
        .unwrap();
        s.load(&d).unwrap();
        assert!(s.is_admin("root") && s.is_account("root"));
        assert!(s.is_account("alice") && s.is_account("bob"));
        let c = s.conversation("alice", Kind::Group, "g").unwrap();
        assert!(c.empty && !c.pinned);
        assert_eq!(c.contact_group_ids.as_deref(), Some(&[1, 2][..]));
        assert!(s.conversation("alice", Kind::C2c, "bob").unwrap().pinned);
        assert_eq!(s.export().sessions["alice"].len(), 2);
    }

    #[test]
    fn load_refuses_bad_records_without_changing_anything() {
        let mut s = Store::new();
        for (json, want) in [
            (
                r#"{"sessions":{"a":[{"Type":3,"To_Account":"b","MsgTime":1}]}}"#,
                DataError::InvalidType(3),
            ),
            (
                r#"{"sessions":{"a":[{"Type":1,"GroupId":"b","MsgTime":1}]}}"#,
                DataError::MissingPeer("To_Account"),
            ),
            (
                r#"{"sessions":{"a":[{"Type":2,"GroupId":"g","MsgTime":1,"TopFlag":2}]}}"#,
                DataError::InvalidTopFlag(2),
            ),
            (
                r#"{"sessions":{"a":[{"Type":2,"GroupId":"g","MsgTime":1},{"Type":2,"GroupId":"g","MsgTime":2}]}}"#,
                DataError::Duplicate {
                    account: "a".into(),
                    kind: 2,
                    peer: "g".into(),
                },
            ),
            (r#"{"accounts":[""]}"#, DataError::EmptyAccount),
        ] {
            assert_eq!(s.load(&data(json).unwrap()), Err(want), "{json}");
        }
        assert_eq!(s.account_count(), 0);
        assert!(matches!(s.load_json(b"{\"x\":1}"), Err(DataError::Json(_))));
    }

    #[test]
    fn changes_keep_the_indexes_consistent() {
        let mut s = Store::new();
        s.set_list(
            "a",
            vec![
                Conversation::new(Kind::C2c, "b", 10),
                Conversation::new(Kind::Group, "g", 20).empty(),
            ],
        );
        assert_eq!(s.add_message("a", Kind::Group, "g", 15).unwrap(), 20);
        assert!(!s.conversation("a", Kind::Group, "g").unwrap().empty);
        assert_eq!(s.add_message("a", Kind::C2c, "b", 30).unwrap(), 30);
        assert!(s.set_pinned("a", Kind::C2c, "b", true));
        assert!(!s.set_pinned("a", Kind::C2c, "zz", true));
        let order: Vec<_> = s.conversations("a").into_iter().map(|c| c.peer).collect();
        assert_eq!(order, ["b", "g"]);
        assert!(s.delete("a", Kind::C2c, "b"));
        assert!(!s.delete("a", Kind::C2c, "b"));
        let list = s.list("a").unwrap();
        let indexed: usize = list.sets.iter().map(BTreeSet::len).sum();
        assert_eq!(indexed, 1);
        assert_eq!(list.len(), 1);
    }
}
