//! Sans-IO protocol core for the Tencent Cloud IM (Chat) REST API.
//!
//! This crate does no networking, reads no clock and draws no random numbers: the time, the
//! per-request `random` and the UserSig are arguments. It models the wire and leaves driving it
//! to the caller (see `tim-client` for a ready driver), so it embeds in any runtime and can be
//! tested exhaustively.
//!
//! * [`Region`] and [`BaseUrl`]: the documented data centres and custom base URLs;
//!   [`BaseUrl::url`] builds `/v4/<service>/<command>?sdkappid=…&identifier=…&usersig=…&random=…&contenttype=json`.
//! * [`ApiRequest`]: the description of one REST call: its path, body and response type,
//!   whether it is [`Idempotency::Idempotent`], and the [`RateBucket`] it draws from. [`encode`]
//!   makes an `http` 1.x request of it and [`decode`] reads the response, checking the HTTP
//!   status and the [`Envelope`] before the typed body.
//! * [`PagedRequest`] and [`Pager`]: a paged call says how a request moves to a cursor and how a
//!   response yields its items and the next cursor; one generic pager walks any of them, with
//!   the guards every walk needs (stalled cursor, page limit, persistable cursor text).
//! * [`wire`]: wire items declared once ([`wire_item!`]): sum types over a tag field, read
//!   strictly first and robustly when needed, unknown fields and kinds kept.
//! * [`ErrorCode`]: every documented code with its description and its [`ErrorClass`] (transient,
//!   rate-limited, re-sign, permanent).
//! * [`rate`]: the rate-limit arithmetic ([`rate::gcra_reserve`], a GCRA reservation in integer
//!   microseconds, `now` passed in) shared by the local limiter, the Redis limiter's script and
//!   the emulator.
//! * [`recent_contact`]: `get_list` (paged by the two-cursor [`ListCursor`]) and `delete`,
//!   with [`AssistFlags`] and the [`SessionItem`] sum type.
//! * [`contact_group`]: the rest of the family: conversation groups (create, rename, add and
//!   remove conversations, delete, the paged `get_contact_group`, search) and marks
//!   (`mark_contact`, with the [`StandardMarks`] bit set), with [`ContactItem`] and
//!   [`ContactResultItem`] sum types and per-conversation outcomes ([`ContactResult`]) that make
//!   partial failures visible.
//!
//! # Example: one page, by hand
//!
//! ```
//! use tim_proto::recent_contact::{AssistFlags, GetListRequest, GetListResponse};
//! use tim_proto::{BaseUrl, QueryParams, Region};
//!
//! let request = GetListRequest::first("alice", AssistFlags::default());
//! let params = QueryParams { sdk_app_id: 1400000000, identifier: "administrator", usersig: "eJy…", random: 42 };
//! let http_request = tim_proto::encode(&request, &BaseUrl::region(Region::Singapore), &params)?;
//! assert_eq!(http_request.method(), "POST");
//!
//! // ... send it with any HTTP client, then:
//! let http_response = http::Response::new(br#"{"ActionStatus":"OK","ErrorCode":0,"SessionItem":[
//!     {"Type":1,"To_Account":"bob","MsgTime":1630997627,"TopFlag":0}],"CompleteFlag":1}"#.to_vec());
//! let page: GetListResponse = tim_proto::decode(&http_response)?;
//! assert_eq!(page.sessions[0].peer_id(), Some("bob"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Errors
//!
//! Decoding never panics: a non-200 status, malformed JSON and an error envelope are each a
//! variant of [`DecodeError`] keeping what a person needs (status and a bounded excerpt, or the
//! service's code and text). Paging problems are [`PagerError`].
//!
//! The facts this crate relies on (URLs, codes, limits, each call's fields) are in the
//! repository's `docs/protocol/`, one page per call, with their sources.

mod call;
pub mod contact_group;
mod endpoint;
mod envelope;
mod error_code;
pub mod pager;
pub mod rate;
pub mod recent_contact;
pub mod wire;

pub use call::{ApiRequest, Idempotency, RateBucket};
pub use contact_group::{ContactItem, ContactResult, ContactResultItem, GroupItem, StandardMarks};
pub use endpoint::{ApiPath, BaseUrl, BaseUrlError, QueryParams, Region, UnknownRegion};
pub use envelope::{
    ActionStatus, ApiError, ApiResponse, DecodeError, EXCERPT_LEN, EncodeError, Envelope, decode,
    decode_parts, encode, encode_parts, envelope_error, excerpt,
};
pub use error_code::{ErrorClass, ErrorCode};
pub use pager::{Page, PageCursor, PagedRequest, Pager, PagerError};
pub use recent_contact::{AssistFlags, ListCursor, SessionItem};

/// What the macros of this crate expand to; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use serde;
    pub use serde_json;
}
