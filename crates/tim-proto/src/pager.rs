//! The one pager: a pure state machine that walks any paged call ([`PagedRequest`]).
//!
//! A paged call says how a request moves to a cursor and how a response yields its items and
//! either the next cursor or the end; the [`Pager`] does the rest, the same way for every call:
//! `recentcontact/get_list` (two cursors travelling together, [`ListCursor`]),
//! `recentcontact/get_contact_group` (one `StartIndex`), and any call a library author declares.
//!
//! [`ListCursor`]: crate::recent_contact::ListCursor
//!
//! # Driving contract
//!
//! Ask for the next request, send it, feed the response back, repeat:
//!
//! ```
//! use tim_proto::pager::{Pager, PagerError};
//! use tim_proto::recent_contact::{AssistFlags, GetListRequest, GetListResponse, ListCursor};
//!
//! # fn send(_: &GetListRequest) -> GetListResponse {
//! #     serde_json::from_str(r#"{"SessionItem":[],"CompleteFlag":1,"ActionStatus":"OK","ErrorCode":0}"#).unwrap()
//! # }
//! let mut pager = Pager::new(GetListRequest::first("alice", AssistFlags::default()));
//! while let Some(request) = pager.next_request()? {
//!     let response = send(&request); // any transport, any runtime, retries as you like
//!     let page = pager.handle_response(response)?;
//!     println!("{} conversations; resume token {:?}", page.items.len(), page.next.map(|c| c.to_string()));
//! }
//! # Ok::<(), PagerError<ListCursor>>(())
//! ```
//!
//! Rules the pager keeps, for every paged call:
//!
//! * Every request carries the cursor the previous response handed back (all of its fields:
//!   a cursor is one value, never taken apart).
//! * Only the call's own end marker (for the recentcontact calls, `CompleteFlag = 1`) ends the
//!   walk. An empty page that is not marked as the end is not the end.
//! * A response that hands back the cursor it was sent at, without ending the walk, is
//!   [`PagerError::CursorStalled`]: the walk would never end.
//! * A page limit stops a runaway walk ([`PagerError::PageLimitReached`]).
//! * Misuse (a response while none is awaited, a request while one is outstanding) is an error,
//!   never a panic.
//!
//! Retrying a request is the caller's business: until a response is fed back, the pager's
//! [`Pager::pending`] request is the one to re-send, so a retried walk repeats the same cursor.
//!
//! # Cursors as text
//!
//! A cursor's `Display` form is stable and versioned (`v1.…` for get_list), so a caller can
//! persist it and resume later with [`Pager::resume`]. [`cursor_text`] writes and
//! [`parse_cursor_text`] reads the `<version>.<n>.<n>…` form every cursor of this crate uses.

use std::fmt;
use std::str::FromStr;

use crate::call::ApiRequest;

/// The default page limit: far beyond any documented list (the console caps lists at 500
/// conversations) while still stopping a runaway walk.
pub const DEFAULT_MAX_PAGES: u64 = 100_000;

/// What a cursor of a paged call must be: a value (`Clone + Eq`), printable as its stable text
/// form (`Display`) and parsed back from it (`FromStr`). Implemented for every type that is.
pub trait PageCursor:
    Clone + Eq + fmt::Debug + fmt::Display + FromStr + Send + Sync + 'static
{
}

impl<T> PageCursor for T where
    T: Clone + Eq + fmt::Debug + fmt::Display + FromStr + Send + Sync + 'static
{
}

/// What [`PagedRequest::into_page`] splits a response into: its items and the next cursor
/// (`None`: the end).
pub type PageParts<T, C> = (Vec<T>, Option<C>);

/// A paged call: a request that carries a cursor, and a response that yields items and either
/// the next cursor or the end.
///
/// This is the whole description the [`Pager`] (and every driver built on it, such as
/// `tim-client`'s streams) needs. Declaring a call paged is a few lines; see
/// `docs/adding-an-endpoint.md`, and [`GetListRequest`](crate::recent_contact::GetListRequest)
/// for a two-cursor example.
pub trait PagedRequest: ApiRequest + Clone {
    /// Where a walk stands.
    type Cursor: PageCursor;
    /// What a page holds.
    type Item;

    /// The cursor this request is at.
    fn cursor(&self) -> Self::Cursor;

    /// Moves this request to `cursor`, every other field unchanged.
    fn set_cursor(&mut self, cursor: &Self::Cursor);

    /// Splits a response into its items and the cursor of the next page (`None`: the end).
    ///
    /// # Errors
    ///
    /// [`PageError`] when the response says neither (no cursor although not at the end, an end
    /// marker of an unknown value).
    #[allow(clippy::type_complexity)] // a page and its cursor, spelled out for implementors
    fn into_page(
        response: Self::Response,
    ) -> Result<PageParts<Self::Item, Self::Cursor>, PageError>;
}

/// A response that cannot be continued from, as the call's [`PagedRequest::into_page`] sees it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PageError {
    /// The response is not at the end but lacks (part of) the next cursor.
    #[error("response with CompleteFlag 0 lacks a cursor field")]
    MissingCursor,
    /// `CompleteFlag` is neither 0 nor 1.
    #[error("unexpected CompleteFlag {0}")]
    BadCompleteFlag(u32),
}

/// The step of a `CompleteFlag`-style call (every paged call of `recentcontact`): 1 is the end,
/// 0 means `next` must be there, anything else is [`PageError::BadCompleteFlag`].
///
/// # Errors
///
/// See above.
pub fn complete_flag_step<C>(complete_flag: u32, next: Option<C>) -> Result<Option<C>, PageError> {
    match complete_flag {
        1 => Ok(None),
        0 => next.map(Some).ok_or(PageError::MissingCursor),
        other => Err(PageError::BadCompleteFlag(other)),
    }
}

/// One page of a walk.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Page<T, C> {
    /// The items of this page, as received.
    pub items: Vec<T>,
    /// The 1-based number of this page within the walk (counting from the resume point).
    pub number: u64,
    /// Where to resume after this page; `None` when the walk is complete.
    pub next: Option<C>,
}

impl<T, C> Page<T, C> {
    /// A page (for drivers and tests that build pages themselves).
    pub fn new(items: Vec<T>, number: u64, next: Option<C>) -> Self {
        Page {
            items,
            number,
            next,
        }
    }

    /// Whether this was the last page.
    pub fn is_last(&self) -> bool {
        self.next.is_none()
    }
}

/// The walk cannot go on.
///
/// `C` is the call's cursor type; [`map_cursor`](Self::map_cursor) turns it into another (a
/// driver that handles many calls keeps the cursor's text form, for instance).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PagerError<C> {
    /// The response's cursor equals the request's and the walk is not at its end: the walk
    /// would never end. The pager is left ready to re-send the same request.
    #[error("cursor stalled at {cursor}: the service returned the same cursor with CompleteFlag 0")]
    CursorStalled {
        /// The cursor that did not move.
        cursor: C,
    },
    /// The response is not at the end but lacks a cursor field. The pager is left ready to
    /// re-send the same request.
    #[error("response with CompleteFlag 0 lacks a cursor field")]
    MissingCursor,
    /// `CompleteFlag` is neither 0 nor 1. The pager is left ready to re-send the same request.
    #[error("unexpected CompleteFlag {0}")]
    BadCompleteFlag(u32),
    /// The configured page limit was reached before the walk completed.
    #[error("page limit of {limit} reached before the list completed")]
    PageLimitReached {
        /// The limit.
        limit: u64,
        /// Where to resume.
        cursor: C,
    },
    /// A response was fed while no request was outstanding.
    #[error("response fed while no request was outstanding")]
    UnexpectedResponse,
    /// A request was asked for while the previous one still awaits its response.
    #[error("a request is still outstanding: feed its response (or resend it) first")]
    RequestOutstanding,
}

impl<C> PagerError<C> {
    /// The same error with its cursor mapped.
    pub fn map_cursor<D>(self, f: impl FnOnce(C) -> D) -> PagerError<D> {
        match self {
            PagerError::CursorStalled { cursor } => PagerError::CursorStalled { cursor: f(cursor) },
            PagerError::MissingCursor => PagerError::MissingCursor,
            PagerError::BadCompleteFlag(flag) => PagerError::BadCompleteFlag(flag),
            PagerError::PageLimitReached { limit, cursor } => PagerError::PageLimitReached {
                limit,
                cursor: f(cursor),
            },
            PagerError::UnexpectedResponse => PagerError::UnexpectedResponse,
            PagerError::RequestOutstanding => PagerError::RequestOutstanding,
        }
    }

    /// The cursor the error names (where the walk stands), if it names one.
    pub fn cursor(&self) -> Option<&C> {
        match self {
            PagerError::CursorStalled { cursor } | PagerError::PageLimitReached { cursor, .. } => {
                Some(cursor)
            }
            _ => None,
        }
    }
}

impl<C> From<PageError> for PagerError<C> {
    fn from(e: PageError) -> Self {
        match e {
            PageError::MissingCursor => PagerError::MissingCursor,
            PageError::BadCompleteFlag(flag) => PagerError::BadCompleteFlag(flag),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum State<C> {
    /// The next request starts at this cursor.
    Ready(C),
    /// A request at this cursor was handed out and awaits its response.
    Awaiting(C),
    /// The end was seen.
    Done,
}

/// The pager of any [`PagedRequest`]; see the [module docs](self) for the driving contract.
#[derive(Clone, Debug)]
pub struct Pager<R: PagedRequest> {
    /// The request every page is built from (its cursor is overwritten per page).
    base: R,
    state: State<R::Cursor>,
    pages: u64,
    max_pages: u64,
}

impl<R: PagedRequest> Pager<R> {
    /// A walk starting at `request`'s own cursor (the first page, for a request built as one).
    pub fn new(request: R) -> Self {
        let cursor = request.cursor();
        Pager::resume(request, cursor)
    }

    /// A walk of `request` resumed at a cursor from an earlier walk (with the same other fields,
    /// such as get_list's flags).
    pub fn resume(request: R, cursor: R::Cursor) -> Self {
        Pager {
            base: request,
            state: State::Ready(cursor),
            pages: 0,
            max_pages: DEFAULT_MAX_PAGES,
        }
    }

    /// Stop with [`PagerError::PageLimitReached`] after this many pages (default
    /// [`DEFAULT_MAX_PAGES`]).
    #[must_use]
    pub fn with_max_pages(mut self, max_pages: u64) -> Self {
        self.max_pages = max_pages;
        self
    }

    /// The request the pages are built from (its cursor field is not meaningful).
    pub fn request(&self) -> &R {
        &self.base
    }

    /// Pages handled so far.
    pub fn pages(&self) -> u64 {
        self.pages
    }

    /// Whether the end has been seen.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// The resume point: the cursor of the next (or outstanding) request; `None` once done.
    pub fn cursor(&self) -> Option<&R::Cursor> {
        match &self.state {
            State::Ready(c) | State::Awaiting(c) => Some(c),
            State::Done => None,
        }
    }

    fn request_at(&self, cursor: &R::Cursor) -> R {
        let mut request = self.base.clone();
        request.set_cursor(cursor);
        request
    }

    /// The request awaiting its response, to re-send after a failed attempt.
    pub fn pending(&self) -> Option<R> {
        match &self.state {
            State::Awaiting(c) => Some(self.request_at(c)),
            _ => None,
        }
    }

    /// Gives up on the outstanding request (say, after its retries ran out), so that
    /// [`Pager::next_request`] hands the same cursor out again later.
    pub fn abandon(&mut self) {
        if let State::Awaiting(c) = &self.state {
            self.state = State::Ready(c.clone());
        }
    }

    /// The next request to send; `Ok(None)` once the walk is complete.
    ///
    /// # Errors
    ///
    /// [`PagerError::RequestOutstanding`] while a request awaits its response;
    /// [`PagerError::PageLimitReached`] once the page limit is used up.
    #[must_use = "the request must be sent and its response fed back"]
    pub fn next_request(&mut self) -> Result<Option<R>, PagerError<R::Cursor>> {
        let cursor = match &self.state {
            State::Done => return Ok(None),
            State::Awaiting(_) => return Err(PagerError::RequestOutstanding),
            State::Ready(cursor) => cursor.clone(),
        };
        if self.pages >= self.max_pages {
            return Err(PagerError::PageLimitReached {
                limit: self.max_pages,
                cursor,
            });
        }
        let request = self.request_at(&cursor);
        self.state = State::Awaiting(cursor);
        Ok(Some(request))
    }

    /// Feeds the response to the outstanding request and returns its page.
    ///
    /// # Errors
    ///
    /// [`PagerError::UnexpectedResponse`] when no request is outstanding; a stalled or missing
    /// cursor, or a bad end marker, leaves the pager ready to re-send the same request.
    #[allow(clippy::type_complexity)]
    pub fn handle_response(
        &mut self,
        response: R::Response,
    ) -> Result<Page<R::Item, R::Cursor>, PagerError<R::Cursor>> {
        let sent = match std::mem::replace(&mut self.state, State::Done) {
            State::Awaiting(sent) => sent,
            other => {
                self.state = other;
                return Err(PagerError::UnexpectedResponse);
            }
        };
        let (items, next) = match advance::<R>(&sent, response) {
            Ok(step) => step,
            Err(e) => {
                // The same request may be re-sent.
                self.state = State::Ready(sent);
                return Err(e);
            }
        };
        self.pages += 1;
        self.state = match &next {
            Some(cursor) => State::Ready(cursor.clone()),
            None => State::Done,
        };
        Ok(Page {
            items,
            number: self.pages,
            next,
        })
    }
}

/// The pure transition: the items of `response` to a request sent at `sent`, and the cursor
/// after it (`None` when the walk is complete).
///
/// # Errors
///
/// A stalled cursor, or what [`PagedRequest::into_page`] refuses.
#[allow(clippy::type_complexity)]
pub fn advance<R: PagedRequest>(
    sent: &R::Cursor,
    response: R::Response,
) -> Result<PageParts<R::Item, R::Cursor>, PagerError<R::Cursor>> {
    let (items, next) = R::into_page(response)?;
    if next.as_ref() == Some(sent) {
        return Err(PagerError::CursorStalled {
            cursor: sent.clone(),
        });
    }
    Ok((items, next))
}

/// A cursor's text form was not understood.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid cursor {text:?}: expected {expected}")]
pub struct CursorParseError {
    /// The start of the text (at most 64 characters).
    text: String,
    /// The form expected, e.g. `v1.<TimeStamp>.<StartIndex>.<TopTimeStamp>.<TopStartIndex>`.
    expected: &'static str,
}

impl CursorParseError {
    /// An error for `text`, which should have had the form `expected`.
    pub fn new(text: &str, expected: &'static str) -> Self {
        CursorParseError {
            text: text.chars().take(64).collect(),
            expected,
        }
    }
}

/// Writes the stable text form of a cursor: `<version>.<n>.<n>…`, decimal numbers joined by dots.
///
/// ```
/// assert_eq!(tim_proto::pager::cursor_text("cg1", &[42]), "cg1.42");
/// ```
pub fn cursor_text(version: &str, fields: &[u64]) -> String {
    use std::fmt::Write;
    let mut out = String::from(version);
    for f in fields {
        // Writing into a String cannot fail.
        let _ = write!(out, ".{f}");
    }
    out
}

/// Reads the text form [`cursor_text`] writes, with exactly `N` numbers of decimal digits only.
///
/// # Errors
///
/// [`CursorParseError`] naming `expected` for any other text.
///
/// ```
/// let [a, b] = tim_proto::pager::parse_cursor_text::<2>("x1.3.4", "x1", "x1.<A>.<B>")?;
/// assert_eq!((a, b), (3, 4));
/// assert!(tim_proto::pager::parse_cursor_text::<2>("x1.3.+4", "x1", "x1.<A>.<B>").is_err());
/// # Ok::<(), tim_proto::pager::CursorParseError>(())
/// ```
pub fn parse_cursor_text<const N: usize>(
    text: &str,
    version: &str,
    expected: &'static str,
) -> Result<[u64; N], CursorParseError> {
    let bad = || CursorParseError::new(text, expected);
    let mut parts = text.trim().split('.');
    if parts.next() != Some(version) {
        return Err(bad());
    }
    let mut fields = [0u64; N];
    for field in &mut fields {
        let part = parts.next().ok_or_else(bad)?;
        // Digits only: `u64::from_str` would also accept a leading `+`.
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        *field = part.parse().map_err(|_| bad())?;
    }
    if parts.next().is_some() {
        return Err(bad());
    }
    Ok(fields)
}
