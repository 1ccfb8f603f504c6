//! The deterministic demo data set of `tim emulator serve --demo` and [`crate::Emulator::demo`].
//!
//! - `alice`: 300 conversations of every kind: one-to-one (peers `user0001`...) and group
//!   (`group000`...), 11 pinned, 18 empty (one of them pinned), runs of four equal `MsgTime`s,
//!   and marks and conversation groups on every tenth one.
//! - `user0001` to `user1000`: varied list lengths from 0 to 210, and 1,000 to 1,900 for every
//!   hundredth user (`user0100`, `user0200`, ...), some pinned and some empty.
//!
//! Times start at [`BASE_TIME`] (2023-11-14T22:13:20Z). The same data set is built every time.

use crate::faults::SplitMix64;
use crate::store::{Conversation, Kind, Store};

/// The oldest `MsgTime` of the demo data.
pub const BASE_TIME: u64 = 1_700_000_000;

/// Number of conversations of `alice`.
pub const ALICE_CONVERSATIONS: usize = 300;

/// The length of `userNNNN`'s list (`n` in `1..=1000`).
pub fn user_list_len(n: u32) -> usize {
    if n.is_multiple_of(100) {
        1000 + (n as usize / 100 - 1) * 100
    } else {
        (n as usize * 7919) % 211
    }
}

/// `alice`'s conversations.
pub fn alice() -> Vec<Conversation> {
    (0..ALICE_CONVERSATIONS)
        .map(|i| {
            let kind = if i % 3 == 0 { Kind::Group } else { Kind::C2c };
            let peer = match kind {
                Kind::Group => format!("group{i:03}"),
                _ => format!("user{:04}", i + 1),
            };
            let age = (ALICE_CONVERSATIONS - i) / 4;
            let mut c = Conversation::new(kind, peer, BASE_TIME + 86_400 + age as u64 * 60);
            c.pinned = i % 29 == 0;
            c.empty = i % 17 == 5 || i == 29;
            if i % 10 == 1 {
                c.standard_mark = Some(if i % 20 == 1 { "1" } else { "110" }.to_owned());
                c.custom_mark = Some(format!("tag{}", i % 7));
                c.contact_group_ids = Some(if i % 20 == 1 { vec![1] } else { vec![1, 2] });
            }
            c
        })
        .collect()
}

/// `userNNNN`'s conversations.
pub fn user(n: u32) -> Vec<Conversation> {
    let mut rng = SplitMix64(u64::from(n).wrapping_mul(0x51_7CC1_B727_220A));
    (0..user_list_len(n))
        .map(|m| {
            let (kind, peer) = if m % 2 == 0 {
                let peer = (n as usize + m / 2) % 1000 + 1;
                (Kind::C2c, format!("user{peer:04}"))
            } else {
                (Kind::Group, format!("group{:04}", m / 2))
            };
            let mut c = Conversation::new(kind, peer, BASE_TIME + rng.next() % (30 * 86_400));
            c.pinned = m < 2 && n.is_multiple_of(3);
            c.empty = rng.next().is_multiple_of(23);
            c
        })
        .collect()
}

/// Loads the demo data set into `store` (replacing those accounts' lists).
pub fn load(store: &mut Store) {
    store.set_list("alice", alice());
    for n in 1..=1000 {
        store.set_list(format!("user{n:04}"), user(n));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_is_deterministic_and_varied() {
        assert_eq!(alice(), alice());
        assert_eq!(user(7), user(7));
        let a = alice();
        assert_eq!(a.len(), ALICE_CONVERSATIONS);
        assert_eq!(a.iter().filter(|c| c.pinned).count(), 11);
        assert!(a.iter().any(|c| c.pinned && c.empty));
        assert!(a.iter().any(|c| c.kind == Kind::Group && c.pinned));
        assert!(a.iter().filter(|c| c.empty).count() >= 10);
        assert!(a.iter().any(|c| c.contact_group_ids.is_some()));
        let mut times: Vec<u64> = a.iter().map(|c| c.msg_time).collect();
        times.sort_unstable();
        times.dedup();
        assert!(times.len() < a.len(), "some MsgTimes are equal");
        let lens: std::collections::HashSet<usize> = (1..=1000).map(user_list_len).collect();
        assert!(lens.contains(&0) && lens.len() > 100);
        let mut s = Store::new();
        load(&mut s);
        assert_eq!(s.account_count(), 1001);
        assert_eq!(s.len("user0100"), 1000);
        assert_eq!(s.len("user1000"), 1900);
    }
}
