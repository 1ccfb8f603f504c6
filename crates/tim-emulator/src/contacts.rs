//! The conversation groups and marks of each account (`recentcontact/*_contact_group`,
//! `mark_contact`): a per-account book of named groups and of each conversation's standard
//! marks (a bit set), custom mark and group memberships.
//!
//! The book is the state of record; the mark fields of a [`Conversation`](crate::Conversation)
//! (what get_list answers) are rendered from it by the store whenever either changes. The book is
//! independent of the conversation list, as the service documents: deleting a conversation keeps
//! its marks and memberships. See `docs/emulator.md`, "Conversation groups and marks".

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::str::FromStr;

use crate::store::Kind;

/// The most conversation groups an account can have (51010 beyond).
pub const MAX_GROUPS: usize = 20;
/// The longest group name, in bytes (51011 beyond).
pub const MAX_GROUP_NAME: usize = 32;
/// The longest custom mark, in bytes (50002 beyond).
pub const MAX_CUSTOM_MARK: usize = 256;
/// The number of standard mark bits (bit indices 0 to 63).
pub const MARK_BITS: u64 = 64;

/// The app's edition, which decides whether conversation groups and standard marks are
/// available (51013 otherwise). Custom marks are available on every edition.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Edition {
    /// The free developer (trial) edition: no groups, no standard marks.
    Developer,
    /// Pro: no groups, no standard marks (the emulator follows the pages that name only the
    /// higher editions; see `docs/emulator.md`).
    Pro,
    /// Pro Plus (formerly Ultimate): groups and marks.
    ProPlus,
    /// Enterprise: groups and marks (the default).
    #[default]
    Enterprise,
}

impl Edition {
    /// Every edition, lowest first.
    pub const ALL: [Edition; 4] = [
        Edition::Developer,
        Edition::Pro,
        Edition::ProPlus,
        Edition::Enterprise,
    ];

    /// Whether conversation groups and standard marks are available.
    pub fn has_contact_groups(self) -> bool {
        matches!(self, Edition::ProPlus | Edition::Enterprise)
    }

    /// The name used by `--edition` and the admin API: `developer`, `pro`, `pro_plus`,
    /// `enterprise`.
    pub fn name(self) -> &'static str {
        match self {
            Edition::Developer => "developer",
            Edition::Pro => "pro",
            Edition::ProPlus => "pro_plus",
            Edition::Enterprise => "enterprise",
        }
    }
}

impl fmt::Display for Edition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An edition name that is not one of [`Edition::name`]'s.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown edition {0:?} (expected developer, pro, pro_plus or enterprise)")]
pub struct UnknownEdition(pub String);

impl FromStr for Edition {
    type Err = UnknownEdition;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "developer" | "trial" => Ok(Edition::Developer),
            "pro" => Ok(Edition::Pro),
            "pro_plus" | "pro-plus" | "ultimate" => Ok(Edition::ProPlus),
            "enterprise" => Ok(Edition::Enterprise),
            other => Err(UnknownEdition(other.to_owned())),
        }
    }
}

/// What the 1,000-conversation cap (51008) counts. The service's pages disagree (see
/// `docs/protocol/contact-groups-and-marks.md`), so it is a setting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LimitScope {
    /// The conversations that are in any group or carry any mark, together (the default).
    #[default]
    Total,
    /// Each group's conversations separately, and the marked conversations separately.
    PerGroup,
}

impl LimitScope {
    /// `total` or `per_group`.
    pub fn name(self) -> &'static str {
        match self {
            LimitScope::Total => "total",
            LimitScope::PerGroup => "per_group",
        }
    }

    /// The scope named `total` or `per_group`.
    pub fn from_name(s: &str) -> Option<Self> {
        match s {
            "total" => Some(LimitScope::Total),
            "per_group" | "per-group" => Some(LimitScope::PerGroup),
            _ => None,
        }
    }
}

/// The settings of the group and mark calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ContactSettings {
    /// The 51008 cap (default 1,000).
    pub max_conversations: usize,
    /// What the cap counts (default [`LimitScope::Total`]).
    pub scope: LimitScope,
    /// get_contact_group page size (at least 1; default 100; the service's is undocumented).
    pub page_size: usize,
}

impl Default for ContactSettings {
    fn default() -> Self {
        ContactSettings {
            max_conversations: 1000,
            scope: LimitScope::Total,
            page_size: 100,
        }
    }
}

/// One conversation group: its id (given by the emulator, never reused) and name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactGroup {
    /// `GroupId`.
    pub id: u64,
    /// `GroupName` (at most 32 bytes, unique within the account).
    pub name: String,
}

/// A conversation's marks and memberships.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Marks {
    /// Standard marks: bit `i` set for mark index `i`.
    pub(crate) standard: u64,
    /// The custom mark (never empty).
    pub(crate) custom: Option<String>,
    /// The groups, ascending, without duplicates.
    pub(crate) groups: Vec<u64>,
    /// Unix seconds of the last change through the API (0 for loaded data).
    pub(crate) timestamp: u64,
}

impl Marks {
    pub(crate) fn is_empty(&self) -> bool {
        self.standard == 0 && self.custom.is_none() && self.groups.is_empty()
    }

    pub(crate) fn is_marked(&self) -> bool {
        self.standard != 0 || self.custom.is_some()
    }

    /// Adds the conversation to `group`; whether it was not in it.
    pub(crate) fn join(&mut self, group: u64) -> bool {
        match self.groups.binary_search(&group) {
            Ok(_) => false,
            Err(i) => {
                self.groups.insert(i, group);
                true
            }
        }
    }

    /// Removes the conversation from `group`; whether it was in it.
    pub(crate) fn leave(&mut self, group: u64) -> bool {
        match self.groups.binary_search(&group) {
            Ok(i) => {
                self.groups.remove(i);
                true
            }
            Err(_) => false,
        }
    }

    /// `StandardMark` as the service writes it: the bit set in binary, bit 0 rightmost, no
    /// leading zeros; `None` without any bit.
    pub(crate) fn standard_text(&self) -> Option<String> {
        (self.standard != 0).then(|| format!("{:b}", self.standard))
    }
}

/// Reads a `StandardMark` bit string (`"110"`: bits 1 and 2); `None` when it is not 1 to 64
/// binary digits. The empty string is no bit.
pub(crate) fn parse_standard(text: &str) -> Option<u64> {
    if text.is_empty() {
        return Some(0);
    }
    if text.len() > 64 || !text.bytes().all(|b| b == b'0' || b == b'1') {
        return None;
    }
    u64::from_str_radix(text, 2).ok()
}

/// One conversation of a book.
#[derive(Clone, Debug)]
pub(crate) struct BookEntry {
    pub(crate) kind: Kind,
    pub(crate) peer: String,
    pub(crate) marks: Marks,
}

/// One account's groups and marks.
///
/// Entries are numbered in the order they first got data and keep their number when their data
/// is cleared (an entry without data is not listed), so a get_contact_group walk, which pages by
/// that number, never serves a conversation twice.
#[derive(Clone, Debug, Default)]
pub(crate) struct Book {
    groups: Vec<ContactGroup>,
    last_group_id: u64,
    entries: BTreeMap<u64, BookEntry>,
    c2c: HashMap<String, u64>,
    group_convs: HashMap<String, u64>,
    next_seq: u64,
}

impl Book {
    /// The groups, by id.
    pub(crate) fn groups(&self) -> &[ContactGroup] {
        &self.groups
    }

    pub(crate) fn group_by_name(&self, name: &str) -> Option<&ContactGroup> {
        self.groups.iter().find(|g| g.name == name)
    }

    pub(crate) fn group_by_id(&self, id: u64) -> Option<&ContactGroup> {
        self.groups
            .binary_search_by_key(&id, |g| g.id)
            .ok()
            .map(|i| &self.groups[i])
    }

    /// A new group with the next id (the caller checked the name and the count).
    pub(crate) fn create_group(&mut self, name: &str) -> u64 {
        self.last_group_id += 1;
        let id = self.last_group_id;
        self.groups.push(ContactGroup {
            id,
            name: name.to_owned(),
        });
        id
    }

    /// Adds a group with a given id (data files); `false` if the id or name is taken or the id
    /// is 0.
    pub(crate) fn insert_group(&mut self, id: u64, name: &str) -> bool {
        if id == 0 || self.group_by_name(name).is_some() {
            return false;
        }
        match self.groups.binary_search_by_key(&id, |g| g.id) {
            Ok(_) => false,
            Err(i) => {
                self.groups.insert(
                    i,
                    ContactGroup {
                        id,
                        name: name.to_owned(),
                    },
                );
                self.last_group_id = self.last_group_id.max(id);
                true
            }
        }
    }

    /// Makes sure group `id` exists, naming it `group<id>` (with `_` appended while taken).
    pub(crate) fn ensure_group(&mut self, id: u64) {
        if id == 0 || self.group_by_id(id).is_some() {
            return;
        }
        let mut name = format!("group{id}");
        while self.group_by_name(&name).is_some() {
            name.push('_');
        }
        self.insert_group(id, &name);
    }

    pub(crate) fn rename_group(&mut self, id: u64, name: &str) {
        if let Ok(i) = self.groups.binary_search_by_key(&id, |g| g.id) {
            name.clone_into(&mut self.groups[i].name);
        }
    }

    /// Deletes group `id` and every membership in it; returns the conversations that left it.
    pub(crate) fn delete_group(&mut self, id: u64) -> Vec<(Kind, String)> {
        self.groups.retain(|g| g.id != id);
        let mut touched = Vec::new();
        for e in self.entries.values_mut() {
            if e.marks.leave(id) {
                touched.push((e.kind, e.peer.clone()));
            }
        }
        touched
    }

    fn seq(&self, kind: Kind, peer: &str) -> Option<u64> {
        match kind {
            Kind::C2c => self.c2c.get(peer).copied(),
            Kind::Group => self.group_convs.get(peer).copied(),
        }
    }

    /// The marks of a conversation, if it ever had any.
    pub(crate) fn get(&self, kind: Kind, peer: &str) -> Option<&Marks> {
        let seq = self.seq(kind, peer)?;
        self.entries.get(&seq).map(|e| &e.marks)
    }

    /// Whether the conversation has any group or mark.
    pub(crate) fn has_data(&self, kind: Kind, peer: &str) -> bool {
        self.get(kind, peer).is_some_and(|m| !m.is_empty())
    }

    /// The marks of a conversation, created empty if needed.
    pub(crate) fn marks_mut(&mut self, kind: Kind, peer: &str) -> &mut Marks {
        let seq = match self.seq(kind, peer) {
            Some(s) => s,
            None => {
                let s = self.next_seq;
                self.next_seq += 1;
                match kind {
                    Kind::C2c => self.c2c.insert(peer.to_owned(), s),
                    Kind::Group => self.group_convs.insert(peer.to_owned(), s),
                };
                self.entries.insert(
                    s,
                    BookEntry {
                        kind,
                        peer: peer.to_owned(),
                        marks: Marks::default(),
                    },
                );
                s
            }
        };
        // Inserted above when absent.
        &mut self
            .entries
            .get_mut(&seq)
            .expect("book entry present")
            .marks
    }

    /// The conversations with data, in book order, with their numbers.
    pub(crate) fn listed(&self) -> impl Iterator<Item = (u64, &BookEntry)> {
        self.listed_from(0)
    }

    /// The conversations with data numbered `from` or more.
    pub(crate) fn listed_from(&self, from: u64) -> impl Iterator<Item = (u64, &BookEntry)> {
        self.entries
            .range(from..)
            .filter(|(_, e)| !e.marks.is_empty())
            .map(|(s, e)| (*s, e))
    }

    /// How many conversations the 51008 cap counts, the largest count under `scope`.
    pub(crate) fn cap_count(&self, scope: LimitScope) -> usize {
        match scope {
            LimitScope::Total => self.listed().count(),
            LimitScope::PerGroup => {
                let marked = self.listed().filter(|(_, e)| e.marks.is_marked()).count();
                let mut per_group: HashMap<u64, usize> = HashMap::new();
                for (_, e) in self.listed() {
                    for g in &e.marks.groups {
                        *per_group.entry(*g).or_default() += 1;
                    }
                }
                per_group.into_values().chain([marked]).max().unwrap_or(0)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_marks_are_binary_with_bit_zero_rightmost() {
        let mut m = Marks::default();
        assert_eq!(m.standard_text(), None);
        m.standard = 0b110;
        assert_eq!(m.standard_text().as_deref(), Some("110"));
        assert_eq!(parse_standard("110"), Some(6));
        assert_eq!(parse_standard("0110"), Some(6));
        assert_eq!(parse_standard(""), Some(0));
        assert_eq!(parse_standard("12"), None);
        assert_eq!(parse_standard(&"1".repeat(65)), None);
        assert_eq!(parse_standard(&"1".repeat(64)), Some(u64::MAX));
    }

    #[test]
    fn groups_keep_ids_and_entries_keep_numbers() {
        let mut b = Book::default();
        let a = b.create_group("a");
        let c = b.create_group("c");
        assert_eq!((a, c), (1, 2));
        b.marks_mut(Kind::C2c, "x").join(a);
        b.marks_mut(Kind::Group, "x").join(c);
        assert_eq!(b.listed().count(), 2);
        assert_eq!(b.delete_group(a), vec![(Kind::C2c, "x".to_owned())]);
        assert_eq!(b.listed().map(|(s, _)| s).collect::<Vec<_>>(), [1]);
        assert_eq!(b.create_group("a"), 3, "ids are not reused");
        b.ensure_group(7);
        assert_eq!(b.group_by_id(7).map(|g| g.name.as_str()), Some("group7"));
        assert_eq!(b.cap_count(LimitScope::Total), 1);
        "developer".parse::<Edition>().unwrap();
        assert!(!Edition::Pro.has_contact_groups());
    }
}
