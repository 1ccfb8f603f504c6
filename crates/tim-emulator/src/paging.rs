//! get_list paging: a keyset walk over the indexes of [`crate::store`], with the four cursor
//! fields as its only state.
//!
//! # Cursor encoding
//!
//! A position in a list is the sort key `(MsgTime, id)` of the last conversation served; the next
//! page continues strictly after it in `(MsgTime desc, id desc)` order. The fields carry:
//!
//! | field | meaning |
//! |---|---|
//! | `TimeStamp` | `MsgTime` of the last normal conversation served, or the walk mark `W` before any |
//! | `StartIndex` | `id << 3 \| n`: its id (0 before any), `n` a 3-bit nonce changed by empty pages |
//! | `TopTimeStamp` | `MsgTime` of the last pinned conversation served; `W` once pinned ones are done |
//! | `TopStartIndex` | `id << 3` of that pinned conversation; 0 when none yet or done |
//!
//! `W` (the walk mark) is the store revision at the first page plus one. Conversations changed
//! after it (revision `>= W`) are skipped by the rest of the walk, so a conversation served
//! before a change (unpinned, re-created, ...) is never served again. All four fields zero start
//! a new walk.

use std::collections::btree_set;
use std::iter::Peekable;
use std::ops::Bound;

use crate::store::{Entry, Key, List, key, slot};

/// `AssistFlags` bit 0: pinned conversations first.
pub(crate) const PINNED_FIRST: u64 = 1;
/// `AssistFlags` bit 1: include empty conversations.
pub(crate) const INCLUDE_EMPTY: u64 = 2;
/// `AssistFlags` bit 2: page pinned conversations by the Top cursor.
pub(crate) const PAGE_PINNED: u64 = 4;
/// Any of bits 3 and up: include `StandardMark`, `CustomMark` and `ContactGroupId`.
pub(crate) const MARKS: u64 = !7;

/// The four cursor fields, in wire order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Cursor {
    pub(crate) time_stamp: u64,
    pub(crate) start_index: u64,
    pub(crate) top_time_stamp: u64,
    pub(crate) top_start_index: u64,
}

pub(crate) use crate::api::PageFault;

/// One computed page.
#[derive(Debug)]
pub(crate) struct Page<'a> {
    pub(crate) items: Vec<&'a Entry>,
    pub(crate) complete: bool,
    pub(crate) cursor: Cursor,
}

/// The cursor names an id the encoding cannot hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct InvalidCursor(pub(crate) &'static str);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Top {
    Start,
    After(Key),
    Done,
}

#[derive(Clone, Copy, Debug)]
struct State {
    top: Top,
    normal: Option<Key>,
    walk: Option<u64>,
    nonce: u64,
}

fn split(index: u64, field: &'static str) -> Result<(u32, u64), InvalidCursor> {
    let id = u32::try_from(index >> 3).map_err(|_| InvalidCursor(field))?;
    Ok((id, index & 7))
}

fn decode(c: Cursor) -> Result<State, InvalidCursor> {
    let (nid, nonce) = split(c.start_index, "StartIndex")?;
    let (tid, _) = split(c.top_start_index, "TopStartIndex")?;
    let (normal, nwalk) = match (nid, c.time_stamp) {
        (0, 0) => (None, None),
        (0, w) => (None, Some(w)),
        (id, t) => (Some(key(t, id)), None),
    };
    let (top, twalk) = match (tid, c.top_time_stamp) {
        (0, 0) => (Top::Start, None),
        (0, w) => (Top::Done, Some(w)),
        (id, t) => (Top::After(key(t, id)), None),
    };
    Ok(State {
        top,
        normal,
        walk: nwalk.or(twalk),
        nonce,
    })
}

fn encode(top: Top, normal: Option<Key>, walk: u64, nonce: u64) -> Cursor {
    let (top_time_stamp, top_start_index) = match top {
        Top::Start => (0, 0),
        Top::After((t, id)) => (t.0, u64::from(id.0) << 3),
        Top::Done => (walk, 0),
    };
    let (time_stamp, start_index) = match normal {
        None => (walk, nonce),
        Some((t, id)) => (t.0, (u64::from(id.0) << 3) | nonce),
    };
    Cursor {
        time_stamp,
        start_index,
        top_time_stamp,
        top_start_index,
    }
}

/// A newest-first walk over the union of some of a list's sets, starting after a key.
struct Walk<'a> {
    list: &'a List,
    heads: Vec<Peekable<btree_set::Range<'a, Key>>>,
    walk: u64,
}

impl<'a> Walk<'a> {
    fn new(list: &'a List, slots: &[usize], after: Option<Key>, walk: u64) -> Self {
        let lower = match after {
            Some(k) => Bound::Excluded(k),
            None => Bound::Unbounded,
        };
        let heads = slots
            .iter()
            .map(|&s| list.sets[s].range((lower, Bound::Unbounded)).peekable())
            .collect();
        Walk { list, heads, walk }
    }

    fn next_key(&mut self) -> Option<Key> {
        let mut best: Option<(usize, Key)> = None;
        for (i, h) in self.heads.iter_mut().enumerate() {
            if let Some(&&k) = h.peek()
                && best.is_none_or(|(_, b)| k < b)
            {
                best = Some((i, k));
            }
        }
        let (i, k) = best?;
        self.heads[i].next();
        Some(k)
    }
}

impl<'a> Iterator for Walk<'a> {
    type Item = &'a Entry;

    fn next(&mut self) -> Option<&'a Entry> {
        loop {
            let (_, id) = self.next_key()?;
            // Every indexed key has its entry (the store keeps both in step); a miss is skipped.
            match self.list.entries.get(&id.0) {
                Some(e) if e.rev < self.walk => return Some(e),
                _ => continue,
            }
        }
    }
}

/// The page answering a get_list request with `flags` and cursor `request` on `list` (absent for
/// an account without conversations), `revision` being the store's current revision.
pub(crate) fn page<'a>(
    list: Option<&'a List>,
    revision: u64,
    flags: u64,
    request: Cursor,
    page_size: usize,
    fault: PageFault,
) -> Result<Page<'a>, InvalidCursor> {
    let state = decode(request)?;
    let walk = state.walk.unwrap_or(revision.saturating_add(1));
    let pinned_first = flags & PINNED_FIRST != 0;
    let empty = flags & INCLUDE_EMPTY != 0;
    let size = page_size.max(1);

    if fault == PageFault::Empty {
        let top = if pinned_first { state.top } else { Top::Done };
        return Ok(Page {
            items: Vec::new(),
            complete: false,
            cursor: encode(top, state.normal, walk, state.nonce % 7 + 1),
        });
    }

    let pinned_slots: &[usize] = if empty {
        &[slot(true, false), slot(true, true)]
    } else {
        &[slot(true, false)]
    };
    let normal_slots: &[usize] = match (pinned_first, empty) {
        (true, true) => &[slot(false, false), slot(false, true)],
        (true, false) => &[slot(false, false)],
        (false, true) => &[0, 1, 2, 3],
        (false, false) => &[slot(false, false), slot(true, false)],
    };

    let mut items = Vec::new();
    let mut top = if pinned_first { state.top } else { Top::Done };
    let mut normal = state.normal;
    let mut complete = true;
    if let Some(list) = list {
        if let Top::Start | Top::After(_) = top {
            let after = match top {
                Top::After(k) => Some(k),
                _ => None,
            };
            let limit = if flags & PAGE_PINNED != 0 {
                size
            } else {
                usize::MAX
            };
            let mut it = Walk::new(list, pinned_slots, after, walk);
            let mut last = after;
            let mut exhausted = false;
            while items.len() < limit {
                match it.next() {
                    Some(e) => {
                        last = Some(e.key());
                        items.push(e);
                    }
                    None => {
                        exhausted = true;
                        break;
                    }
                }
            }
            exhausted = exhausted || it.next().is_none();
            top = match (exhausted, last) {
                (true, _) => Top::Done,
                (false, Some(k)) => Top::After(k),
                (false, None) => Top::Start,
            };
        }
        if top == Top::Done {
            let room = size.saturating_sub(items.len());
            let mut it = Walk::new(list, normal_slots, normal, walk);
            for e in it.by_ref().take(room) {
                normal = Some(e.key());
                items.push(e);
            }
            complete = it.next().is_none();
        } else {
            complete = false;
        }
    } else if pinned_first {
        top = Top::Done;
    }

    let cursor = if fault == PageFault::Stalled {
        complete = false;
        request
    } else {
        encode(top, normal, walk, 0)
    };
    Ok(Page {
        items,
        complete,
        cursor,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use proptest::prelude::*;

    use super::*;
    use crate::store::{Conversation, Kind, Store};

    fn walk_all(store: &Store, flags: u64, size: usize) -> Vec<(bool, String)> {
        let mut cursor = Cursor::default();
        let mut out = Vec::new();
        for _ in 0..10_000 {
            let p = page(
                store.list("a"),
                store.revision(),
                flags,
                cursor,
                size,
                PageFault::None,
            )
            .unwrap();
            out.extend(p.items.iter().map(|e| (e.conv.pinned, e.conv.peer.clone())));
            if p.complete {
                return out;
            }
            assert_ne!(p.cursor, cursor, "stalled");
            cursor = p.cursor;
        }
        panic!("walk did not end");
    }

    fn expected(convs: &[Conversation], flags: u64) -> Vec<(bool, String)> {
        let mut v: Vec<_> = convs
            .iter()
            .filter(|c| flags & INCLUDE_EMPTY != 0 || !c.empty)
            .cloned()
            .collect();
        v.sort_by_key(|c| std::cmp::Reverse(c.msg_time));
        if flags & PINNED_FIRST != 0 {
            v.sort_by_key(|c| !c.pinned);
        }
        v.into_iter().map(|c| (c.pinned, c.peer)).collect()
    }

    fn sample(n: usize) -> Vec<Conversation> {
        (0..n)
            .map(|i| {
                let mut c = Conversation::new(
                    if i % 3 == 0 { Kind::Group } else { Kind::C2c },
                    format!("p{i}"),
                    (i as u64 * 7) % 13,
                );
                c.pinned = i % 5 == 0;
                c.empty = i % 4 == 0;
                c
            })
            .collect()
    }

    #[test]
    fn every_flag_combination_serves_everything_once_in_order() {
        let convs = sample(97);
        let mut store = Store::new();
        store.set_list("a", convs.clone());
        for flags in 0..8 {
            for size in [1, 2, 10, 100] {
                let got = walk_all(&store, flags, size);
                let want = expected(&convs, flags);
                // Equal MsgTimes may come in any order; compare as multisets plus time order.
                let g: HashSet<_> = got.iter().collect();
                assert_eq!(got.len(), want.len(), "flags {flags} size {size}");
                assert_eq!(g.len(), got.len(), "duplicates, flags {flags} size {size}");
                assert_eq!(g, want.iter().collect(), "flags {flags} size {size}");
                let times: Vec<(bool, u64)> = got
                    .iter()
                    .map(|(p, peer)| {
                        let c = convs.iter().find(|c| &c.peer == peer).unwrap();
                        (
                            flags & PINNED_FIRST != 0 && !*p,
                            std::cmp::Reverse(c.msg_time).0,
                        )
                    })
                    .collect();
                let mut sorted = times.clone();
                sorted.sort_by_key(|&(np, t)| (np, std::cmp::Reverse(t)));
                assert_eq!(times, sorted, "order, flags {flags} size {size}");
            }
        }
    }

    #[test]
    fn unpaged_pinned_come_all_in_the_first_page() {
        let convs = sample(97);
        let pinned = convs.iter().filter(|c| c.pinned && !c.empty).count();
        let mut store = Store::new();
        store.set_list("a", convs);
        let p = page(store.list("a"), 1, 1, Cursor::default(), 3, PageFault::None).unwrap();
        assert_eq!(p.items.len(), pinned);
        assert!(p.items.iter().all(|e| e.conv.pinned));
        let p = page(store.list("a"), 1, 5, Cursor::default(), 3, PageFault::None).unwrap();
        assert_eq!(p.items.len(), 3);
    }

    #[test]
    fn empty_and_stalled_faults() {
        let mut store = Store::new();
        store.set_list("a", sample(20));
        let first = page(store.list("a"), 1, 7, Cursor::default(), 4, PageFault::None).unwrap();
        let e = page(store.list("a"), 1, 7, first.cursor, 4, PageFault::Empty).unwrap();
        assert!(e.items.is_empty() && !e.complete);
        assert_ne!(e.cursor, first.cursor);
        let again = page(store.list("a"), 1, 7, e.cursor, 4, PageFault::None).unwrap();
        let direct = page(store.list("a"), 1, 7, first.cursor, 4, PageFault::None).unwrap();
        let ids = |p: &Page<'_>| p.items.iter().map(|e| e.id).collect::<Vec<_>>();
        assert_eq!(ids(&again), ids(&direct));
        let s = page(store.list("a"), 1, 7, first.cursor, 4, PageFault::Stalled).unwrap();
        assert_eq!(s.cursor, first.cursor);
        assert!(!s.complete);
        // An empty page at the very start moves the cursor too.
        let e0 = page(
            store.list("a"),
            1,
            7,
            Cursor::default(),
            4,
            PageFault::Empty,
        )
        .unwrap();
        assert_ne!(e0.cursor, Cursor::default());
    }

    #[test]
    fn absent_list_is_one_complete_empty_page() {
        let p = page(None, 0, 7, Cursor::default(), 100, PageFault::None).unwrap();
        assert!(p.items.is_empty() && p.complete);
    }

    #[test]
    fn oversized_ids_are_refused() {
        let c = Cursor {
            start_index: u64::MAX,
            ..Cursor::default()
        };
        assert_eq!(
            page(None, 0, 0, c, 1, PageFault::None).unwrap_err(),
            InvalidCursor("StartIndex")
        );
    }

    #[derive(Clone, Debug)]
    enum Change {
        Message(usize, u64),
        Pin(usize, bool),
        Delete(usize),
        Create(usize, u64),
    }

    fn change() -> impl Strategy<Value = Change> {
        prop_oneof![
            (0..60usize, 0..40u64).prop_map(|(i, t)| Change::Message(i, t)),
            (0..60usize, any::<bool>()).prop_map(|(i, p)| Change::Pin(i, p)),
            (0..60usize).prop_map(Change::Delete),
            (60..80usize, 0..40u64).prop_map(|(i, t)| Change::Create(i, t)),
        ]
    }

    fn conv_strategy() -> impl Strategy<Value = Vec<Conversation>> {
        proptest::collection::vec((0..20u64, any::<bool>(), any::<bool>()), 0..60).prop_map(|v| {
            v.into_iter()
                .enumerate()
                .map(|(i, (t, p, e))| {
                    let mut c = Conversation::new(Kind::C2c, format!("p{i}"), t);
                    c.pinned = p;
                    c.empty = e;
                    c
                })
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

        /// Unchanged list: exactly once, whatever the flags, page size and injected empty pages.
        #[test]
        fn exactly_once(convs in conv_strategy(), flags in 0..16u64, size in 1..12usize,
                        empties in proptest::collection::vec(any::<bool>(), 0..40)) {
            let mut store = Store::new();
            store.set_list("a", convs.clone());
            let mut cursor = Cursor::default();
            let mut got = Vec::new();
            let mut step = 0;
            loop {
                let fault = if empties.get(step).copied().unwrap_or(false) { PageFault::Empty } else { PageFault::None };
                step += 1;
                prop_assert!(step < 1000);
                let p = page(store.list("a"), store.revision(), flags, cursor, size, fault).unwrap();
                prop_assert!(p.complete || p.cursor != cursor);
                got.extend(p.items.iter().map(|e| e.conv.peer.clone()));
                if p.complete { break; }
                cursor = p.cursor;
            }
            let want: HashSet<String> = expected(&convs, flags).into_iter().map(|(_, p)| p).collect();
            let set: HashSet<String> = got.iter().cloned().collect();
            prop_assert_eq!(set.len(), got.len());
            prop_assert_eq!(set, want);
        }

        /// Changing list: never a duplicate, never a skipped conversation that did not change.
        #[test]
        fn changes_between_pages(convs in conv_strategy(), flags in 0..8u64, size in 1..8usize,
                                 changes in proptest::collection::vec((0..10usize, change()), 0..20)) {
            let mut store = Store::new();
            store.set_list("a", convs.clone());
            let before: Vec<(String, bool)> = expected(&convs, flags).into_iter().map(|(_, p)| (p, true)).collect();
            let mut touched = HashSet::new();
            let mut cursor = Cursor::default();
            let mut got = Vec::new();
            let mut step = 0;
            loop {
                for (_, ch) in changes.iter().filter(|(at, _)| *at == step) {
                    let peer = |i: &usize| format!("p{i}");
                    match ch {
                        Change::Message(i, t) => { if store.conversation("a", Kind::C2c, &peer(i)).is_some() { store.add_message("a", Kind::C2c, &peer(i), *t).unwrap(); touched.insert(peer(i)); } }
                        Change::Pin(i, p) => { if store.set_pinned("a", Kind::C2c, &peer(i), *p) { touched.insert(peer(i)); } }
                        Change::Delete(i) => { if store.delete("a", Kind::C2c, &peer(i)) { touched.insert(peer(i)); } }
                        Change::Create(i, t) => { store.add_message("a", Kind::C2c, &peer(i), *t).unwrap(); touched.insert(peer(i)); }
                    }
                }
                step += 1;
                prop_assert!(step < 1000);
                let p = page(store.list("a"), store.revision(), flags, cursor, size, PageFault::None).unwrap();
                got.extend(p.items.iter().map(|e| e.conv.peer.clone()));
                if p.complete { break; }
                cursor = p.cursor;
            }
            let set: HashSet<String> = got.iter().cloned().collect();
            prop_assert_eq!(set.len(), got.len(), "duplicate in {:?}", got);
            for (peer, _) in before {
                prop_assert!(set.contains(&peer) || touched.contains(&peer), "skipped unchanged {}", peer);
            }
        }
    }
}
