//! Optimistic decoding: read a body once with strict, cheap visitors, and only when one of them
//! refuses, read it again with the robust ones.
//!
//! Robust item decoding (every field typed *or kept as raw JSON*, so no mistyped field can fail a
//! page) costs about a third more than reading the fields as their expected types. Almost every
//! real page is well-formed, so [`decode_parts`](crate::decode_parts) first reads the body in
//! strict mode: an item visitor that meets anything unusual (an unknown `Type`, a mistyped or
//! repeated field, a missing id, an item that is not an object) returns an error and notes the
//! refusal. After a reading in which any strict visitor refused, successful or not (a caller's
//! type may have caught the error, as `#[serde(untagged)]` does), the body is read again in the
//! default, robust mode, and that reading is the answer. A reading in which no strict visitor
//! refused is the answer as it stands: each strict visitor that succeeded built exactly what the
//! robust one would have (property-tested), so the mode is invisible except in time.
//!
//! The mode is a thread-local flag, set only for the duration of one synchronous
//! `serde_json::from_slice` call; deserializing a response any other way (a caller's own
//! `serde_json::from_str`, another format) always takes the robust path.

use std::cell::Cell;

thread_local! {
    /// Whether items are read strictly on this thread right now.
    static STRICT: Cell<bool> = const { Cell::new(false) };
    /// Whether a strict visitor refused during the current strict reading.
    static REFUSED: Cell<bool> = const { Cell::new(false) };
}

/// Whether the item visitors should read strictly.
pub(crate) fn strict() -> bool {
    STRICT.with(Cell::get)
}

/// The error a strict visitor returns when the input needs the robust reading.
pub(crate) fn refuse<E: serde::de::Error>() -> E {
    E::custom("not the common shape; read again robustly")
}

/// Notes that a strict reading failed (for whatever reason: a refusal, a mistyped value, broken
/// JSON) and passes the error on. Every strict entry point sends its errors through here.
pub(crate) fn refused<E>(error: E) -> E {
    REFUSED.with(|r| r.set(true));
    error
}

/// Runs `read` in strict mode and, if a strict visitor refused during it, again in robust mode.
/// Returns the reading that counts.
pub(crate) fn read<T, E>(mut read: impl FnMut() -> Result<T, E>) -> Result<T, E> {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            STRICT.with(|s| s.set(self.0));
        }
    }
    let outer = STRICT.with(|s| s.replace(true));
    let outer_refused = REFUSED.with(|r| r.replace(false));
    let first = {
        let _restore = Restore(outer);
        read()
    };
    let refused = REFUSED.with(|r| r.replace(outer_refused));
    if !refused {
        return first;
    }
    drop(first);
    let _restore = Restore(outer);
    STRICT.with(|s| s.set(false));
    read()
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

    /// A caller's type may catch a strict refusal (`untagged` tries the next variant): the
    /// refusal still sends the body to the robust reading, so the answer is serde's own.
    #[test]
    fn a_refusal_caught_by_the_callers_type_still_reads_robustly() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        #[serde(untagged)]
        enum Items {
            Known(Vec<SessionItem>),
            Other(serde_json::Value),
        }
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Mine {
            #[serde(rename = "SessionItem")]
            items: Items,
        }
        let body = page(r#"{"Type":3,"x":1}"#);
        let mut n = 0;
        let optimistic = read(|| {
            n += 1;
            serde_json::from_str::<Mine>(&body)
        })
        .expect("reads");
        assert_eq!(n, 2);
        let robust: Mine = serde_json::from_str(&body).expect("reads");
        assert_eq!(optimistic, robust);
        assert!(
            matches!(&optimistic.items, Items::Known(items) if matches!(items[..], [SessionItem::Unknown(_)]))
        );
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
