//! Optimistic decoding: read a body once with strict, cheap visitors, and only when one of them
//! refuses, read it again with the robust ones.
//!
//! Robust item decoding (every field typed *or kept as raw JSON*, so no mistyped field can fail a
//! page) costs about a third more than reading the fields as their expected types. Almost every
//! real page is well-formed, so [`decode_parts`](crate::decode_parts) first reads the body in
//! strict mode: an item visitor that meets anything unusual (an unknown `Type`, a mistyped or
//! repeated field, a missing id) returns an error, which makes `serde_json` abandon the body, and
//! the body is read again in the default, robust mode. A strict reading that succeeds gives
//! exactly what the robust one would (a property test checks it), so the mode is invisible
//! except in time.
//!
//! The mode is a thread-local flag, set only for the duration of one synchronous
//! `serde_json::from_slice` call; deserializing a response any other way (a caller's own
//! `serde_json::from_str`, another format) always takes the robust path.

use std::cell::Cell;

thread_local! {
    /// Whether items are read strictly on this thread right now.
    static STRICT: Cell<bool> = const { Cell::new(false) };
    /// Whether a visitor read strictly during the current strict reading.
    static USED: Cell<bool> = const { Cell::new(false) };
}

/// Whether the item visitors should read strictly (and notes that one did).
pub(crate) fn strict() -> bool {
    let strict = STRICT.with(Cell::get);
    if strict {
        USED.with(|u| u.set(true));
    }
    strict
}

/// The error a strict visitor returns when the input needs the robust reading.
pub(crate) fn refuse<E: serde::de::Error>() -> E {
    E::custom("not the common shape; read again robustly")
}

/// Runs `read` in strict mode and, if it fails after a strict visitor took part, again in robust
/// mode. Returns the reading that counts: a failure that no strict visitor saw is final.
pub(crate) fn read<T, E>(mut read: impl FnMut() -> Result<T, E>) -> Result<T, E> {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            STRICT.with(|s| s.set(self.0));
        }
    }
    let outer = STRICT.with(|s| s.replace(true));
    let outer_used = USED.with(|u| u.replace(false));
    let first = {
        let _restore = Restore(outer);
        read()
    };
    let used = USED.with(|u| u.replace(outer_used));
    match first {
        Ok(value) => Ok(value),
        Err(error) if !used => Err(error),
        Err(_) => {
            let _restore = Restore(outer);
            STRICT.with(|s| s.set(false));
            read()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recent_contact::{GetListResponse, SessionItem};

    fn page(items: &str) -> String {
        format!(r#"{{"ActionStatus":"OK","ErrorCode":0,"SessionItem":[{items}],"CompleteFlag":1}}"#)
    }

    /// Reads `body` through [`read`], counting the attempts.
    fn attempts(body: &str) -> (Result<GetListResponse, serde_json::Error>, u32) {
        let mut n = 0;
        let result = read(|| {
            n += 1;
            serde_json::from_str::<GetListResponse>(body)
        });
        (result, n)
    }

    #[test]
    fn a_common_page_is_read_once() {
        let body = page(
            r#"{"Type":1,"To_Account":"a","MsgTime":5,"TopFlag":1,"x":[1]},{"Type":2,"GroupId":"g"}"#,
        );
        let (result, n) = attempts(&body);
        assert_eq!(n, 1);
        let robust: GetListResponse = serde_json::from_str(&body).expect("robust reading");
        assert_eq!(result.expect("strict reading"), robust);
        assert!(!strict(), "the mode is restored");
    }

    #[test]
    fn an_unusual_item_makes_a_second_robust_reading() {
        for item in [
            r#"{"Type":3,"To_Account":"a"}"#,
            r#"{"Type":1,"To_Account":"a","MsgTime":"5"}"#,
            r#"{"Type":1}"#,
            r#"{"Type":1,"To_Account":"a","To_Account":"b"}"#,
            r#"{"Type":2,"GroupId":"g","TopFlag":4294967296}"#,
            "7",
        ] {
            let body = page(item);
            let (result, n) = attempts(&body);
            assert_eq!(n, 2, "{item}");
            let page = result.expect("the robust reading keeps the item");
            let robust: GetListResponse = serde_json::from_str(&body).expect("robust reading");
            assert_eq!(page, robust, "{item}");
            // A repeated field is read robustly too (the last one counts); the rest are kept
            // whole.
            if !item.contains(r#""b""#) {
                assert!(
                    matches!(page.sessions[..], [SessionItem::Unknown(_)]),
                    "{item}"
                );
            }
            assert!(!strict(), "the mode is restored");
        }
    }

    #[test]
    fn a_failure_no_strict_visitor_saw_is_final() {
        let mut n = 0;
        let result = read(|| {
            n += 1;
            serde_json::from_str::<crate::Envelope>("not json")
        });
        assert!(result.is_err());
        assert_eq!(n, 1);
        // A body broken before the items: the strict visitors never ran.
        let (result, n) = attempts(r#"{"CompleteFlag":"x","SessionItem":[]}"#);
        assert!(result.is_err());
        assert_eq!(n, 1);
    }
}
