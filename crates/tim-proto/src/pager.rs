//! The two-cursor pager of `recentcontact/get_list`: a pure state machine.
//!
//! # Driving contract
//!
//! Ask for the next request, send it, feed the response back, repeat:
//!
//! ```
//! use tim_proto::pager::{Pager, PagerError};
//! use tim_proto::recent_contact::{AssistFlags, GetListRequest, GetListResponse};
//!
//! # fn send(_: &GetListRequest) -> GetListResponse {
//! #     serde_json::from_str(r#"{"SessionItem":[],"CompleteFlag":1,"ActionStatus":"OK","ErrorCode":0}"#).unwrap()
//! # }
//! let mut pager = Pager::new("alice", AssistFlags::default());
//! while let Some(request) = pager.next_request()? {
//!     let response = send(&request); // any transport, any runtime, retries as you like
//!     let page = pager.handle_response(response)?;
//!     println!("{} conversations; resume token {:?}", page.items.len(), page.next.map(|c| c.to_string()));
//! }
//! # Ok::<(), PagerError>(())
//! ```
//!
//! Rules the pager keeps:
//!
//! * The four cursor fields always travel together: every request echoes the previous response's
//!   `TimeStamp`, `StartIndex`, `TopTimeStamp` and `TopStartIndex`.
//! * Only `CompleteFlag = 1` ends the walk. An empty page with `CompleteFlag = 0` is not the end.
//! * A response that leaves the cursor where it was while `CompleteFlag = 0` is
//!   [`PagerError::CursorStalled`]: the walk would never end.
//! * A page limit stops a runaway walk ([`PagerError::PageLimitReached`]).
//! * Misuse (a response while none is awaited, a request while one is outstanding) is an error,
//!   never a panic.
//!
//! Retrying a request is the caller's business: until a response is fed back, the pager's
//! [`Pager::pending`] request is the one to re-send, so a retried walk repeats the same cursor.

use std::fmt;
use std::str::FromStr;

use crate::recent_contact::{AssistFlags, GetListRequest, GetListResponse, SessionItem};

/// The default page limit: far beyond any documented list (the console caps lists at 500
/// conversations) while still stopping a runaway walk.
pub const DEFAULT_MAX_PAGES: u64 = 100_000;

/// Where a walk stands: both cursors of `get_list`, which always travel together.
///
/// Its text form (`v1.<TimeStamp>.<StartIndex>.<TopTimeStamp>.<TopStartIndex>`) is stable and
/// URL-safe, so a caller can persist it and resume later with [`Pager::resume`].
///
/// ```
/// use tim_proto::pager::Cursor;
///
/// let c: Cursor = "v1.1631012800.3.1631012700.0".parse()?;
/// assert_eq!(c.to_string(), "v1.1631012800.3.1631012700.0");
/// assert_eq!(Cursor::START.to_string(), "v1.0.0.0.0");
/// # Ok::<(), tim_proto::pager::CursorParseError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Cursor {
    time_stamp: u64,
    start_index: u64,
    top_time_stamp: u64,
    top_start_index: u64,
}

impl Cursor {
    /// The start of a list (all four fields 0).
    pub const START: Cursor = Cursor {
        time_stamp: 0,
        start_index: 0,
        top_time_stamp: 0,
        top_start_index: 0,
    };

    /// The cursor a request carries.
    pub fn of_request(request: &GetListRequest) -> Self {
        Cursor {
            time_stamp: request.time_stamp,
            start_index: request.start_index,
            top_time_stamp: request.top_time_stamp,
            top_start_index: request.top_start_index,
        }
    }

    /// The cursor a response hands back, if it carries all four fields.
    pub fn of_response(response: &GetListResponse) -> Option<Self> {
        Some(Cursor {
            time_stamp: response.time_stamp?,
            start_index: response.start_index?,
            top_time_stamp: response.top_time_stamp?,
            top_start_index: response.top_start_index?,
        })
    }

    /// `TimeStamp`.
    pub fn time_stamp(&self) -> u64 {
        self.time_stamp
    }

    /// `StartIndex`.
    pub fn start_index(&self) -> u64 {
        self.start_index
    }

    /// `TopTimeStamp`.
    pub fn top_time_stamp(&self) -> u64 {
        self.top_time_stamp
    }

    /// `TopStartIndex`.
    pub fn top_start_index(&self) -> u64 {
        self.top_start_index
    }

    /// The request for this cursor.
    pub fn request(&self, from_account: &str, assist_flags: AssistFlags) -> GetListRequest {
        GetListRequest {
            from_account: from_account.to_owned(),
            time_stamp: self.time_stamp,
            start_index: self.start_index,
            top_time_stamp: self.top_time_stamp,
            top_start_index: self.top_start_index,
            assist_flags,
        }
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "v1.{}.{}.{}.{}",
            self.time_stamp, self.start_index, self.top_time_stamp, self.top_start_index
        )
    }
}

impl fmt::Debug for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cursor({self})")
    }
}

/// A cursor's text form was not understood.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid cursor {0:?}: expected v1.<TimeStamp>.<StartIndex>.<TopTimeStamp>.<TopStartIndex>"
)]
pub struct CursorParseError(String);

impl FromStr for Cursor {
    type Err = CursorParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || CursorParseError(s.chars().take(64).collect());
        let mut parts = s.trim().split('.');
        if parts.next() != Some("v1") {
            return Err(bad());
        }
        let mut next = || -> Result<u64, CursorParseError> {
            let part = parts.next().ok_or_else(bad)?;
            // Digits only: `u64::from_str` would also accept a leading `+`.
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            part.parse().map_err(|_| bad())
        };
        let cursor = Cursor {
            time_stamp: next()?,
            start_index: next()?,
            top_time_stamp: next()?,
            top_start_index: next()?,
        };
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(cursor)
    }
}

impl serde::Serialize for Cursor {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Cursor {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = crate::envelope::Text::deserialize(d)?.0;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// One page of a walk.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Page {
    /// The conversations of this page, as received.
    pub items: Vec<SessionItem>,
    /// The 1-based number of this page within the walk (counting from the resume point).
    pub number: u64,
    /// Where to resume after this page; `None` when the list is complete.
    pub next: Option<Cursor>,
}

impl Page {
    /// Whether this was the last page (`CompleteFlag = 1`).
    pub fn is_last(&self) -> bool {
        self.next.is_none()
    }
}

/// The walk cannot go on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PagerError {
    /// The response's cursor equals the request's while `CompleteFlag` is 0: the walk would never
    /// end. The pager is left ready to re-send the same request.
    #[error("cursor stalled at {cursor}: the service returned the same cursor with CompleteFlag 0")]
    CursorStalled {
        /// The cursor that did not move.
        cursor: Cursor,
    },
    /// `CompleteFlag` is 0 but the response lacks a cursor field. The pager is left ready to
    /// re-send the same request.
    #[error("response with CompleteFlag 0 lacks a cursor field")]
    MissingCursor,
    /// `CompleteFlag` is neither 0 nor 1. The pager is left ready to re-send the same request.
    #[error("unexpected CompleteFlag {0}")]
    BadCompleteFlag(u32),
    /// The configured page limit was reached before the list completed.
    #[error("page limit of {limit} reached before the list completed")]
    PageLimitReached {
        /// The limit.
        limit: u64,
        /// Where to resume.
        cursor: Cursor,
    },
    /// A response was fed while no request was outstanding.
    #[error("response fed while no request was outstanding")]
    UnexpectedResponse,
    /// A request was asked for while the previous one still awaits its response.
    #[error("a request is still outstanding: feed its response (or resend it) first")]
    RequestOutstanding,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// The next request starts at this cursor.
    Ready(Cursor),
    /// A request at this cursor was handed out and awaits its response.
    Awaiting(Cursor),
    /// `CompleteFlag = 1` was seen.
    Done,
}

/// The two-cursor pager; see the [module docs](self) for the driving contract.
#[derive(Clone, Debug)]
pub struct Pager {
    from_account: String,
    flags: AssistFlags,
    state: State,
    pages: u64,
    max_pages: u64,
}

impl Pager {
    /// A walk of `from_account`'s list from the start.
    pub fn new(from_account: impl Into<String>, flags: AssistFlags) -> Self {
        Pager::resume(from_account, flags, Cursor::START)
    }

    /// A walk resumed at a cursor from an earlier walk (with the same flags).
    pub fn resume(from_account: impl Into<String>, flags: AssistFlags, cursor: Cursor) -> Self {
        Pager {
            from_account: from_account.into(),
            flags,
            state: State::Ready(cursor),
            pages: 0,
            max_pages: DEFAULT_MAX_PAGES,
        }
    }

    /// Stop with [`PagerError::PageLimitReached`] after this many pages (default
    /// [`DEFAULT_MAX_PAGES`]).
    pub fn with_max_pages(mut self, max_pages: u64) -> Self {
        self.max_pages = max_pages;
        self
    }

    /// The account being walked.
    pub fn from_account(&self) -> &str {
        &self.from_account
    }

    /// The flags every request carries.
    pub fn flags(&self) -> AssistFlags {
        self.flags
    }

    /// Pages handled so far.
    pub fn pages(&self) -> u64 {
        self.pages
    }

    /// Whether `CompleteFlag = 1` has been seen.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// The resume point: the cursor of the next (or outstanding) request; `None` once done.
    pub fn cursor(&self) -> Option<Cursor> {
        match self.state {
            State::Ready(c) | State::Awaiting(c) => Some(c),
            State::Done => None,
        }
    }

    /// The request awaiting its response, to re-send after a failed attempt.
    pub fn pending(&self) -> Option<GetListRequest> {
        match self.state {
            State::Awaiting(c) => Some(c.request(&self.from_account, self.flags)),
            _ => None,
        }
    }

    /// Gives up on the outstanding request (say, after its retries ran out), so that
    /// [`Pager::next_request`] hands the same cursor out again later.
    pub fn abandon(&mut self) {
        if let State::Awaiting(c) = self.state {
            self.state = State::Ready(c);
        }
    }

    /// The next request to send; `Ok(None)` once the list is complete.
    #[must_use = "the request must be sent and its response fed back"]
    pub fn next_request(&mut self) -> Result<Option<GetListRequest>, PagerError> {
        match self.state {
            State::Done => Ok(None),
            State::Awaiting(_) => Err(PagerError::RequestOutstanding),
            State::Ready(cursor) => {
                if self.pages >= self.max_pages {
                    return Err(PagerError::PageLimitReached {
                        limit: self.max_pages,
                        cursor,
                    });
                }
                self.state = State::Awaiting(cursor);
                Ok(Some(cursor.request(&self.from_account, self.flags)))
            }
        }
    }

    /// Feeds the response to the outstanding request and returns its page.
    pub fn handle_response(&mut self, response: GetListResponse) -> Result<Page, PagerError> {
        let State::Awaiting(sent) = self.state else {
            return Err(PagerError::UnexpectedResponse);
        };
        // On an error the pager goes back to `Ready(sent)`: the same request may be re-sent.
        self.state = State::Ready(sent);
        let next = advance(sent, &response)?;
        self.pages += 1;
        self.state = match next {
            Some(cursor) => State::Ready(cursor),
            None => State::Done,
        };
        Ok(Page {
            items: response.sessions,
            number: self.pages,
            next,
        })
    }
}

/// The pure transition: the cursor after `response` to a request sent at `sent`; `None` when the
/// list is complete.
pub fn advance(sent: Cursor, response: &GetListResponse) -> Result<Option<Cursor>, PagerError> {
    match response.complete_flag {
        1 => Ok(None),
        0 => {
            let next = Cursor::of_response(response).ok_or(PagerError::MissingCursor)?;
            if next == sent {
                return Err(PagerError::CursorStalled { cursor: sent });
            }
            Ok(Some(next))
        }
        other => Err(PagerError::BadCompleteFlag(other)),
    }
}
