//! Sans-IO protocol core for the Tencent Cloud IM (Chat) REST API.
//!
//! This crate does no networking, reads no clock and draws no random numbers: the time, the
//! per-request `random` and the UserSig are arguments. It models the wire and leaves driving it
//! to the caller (see `tim-client` for a ready driver), so it embeds in any runtime and can be
//! tested exhaustively.
//!
//! * [`Region`] and [`Endpoint`]: the documented data centres and custom base URLs;
//!   [`Endpoint::url`] builds `/v4/<service>/<command>?sdkappid=…&identifier=…&usersig=…&random=…&contenttype=json`.
//! * [`ApiRequest`]: one REST API (path, body, response type); [`encode`] makes an `http` 1.x
//!   request of it and [`decode`] reads the response, checking the HTTP status and the
//!   [`Envelope`] before the typed body.
//! * [`ErrorCode`]: every documented code with its description and its [`ErrorClass`] (transient,
//!   rate-limited, re-sign, permanent).
//! * [`recent_contact`]: `get_list` and `delete`, with [`recent_contact::AssistFlags`] and the
//!   [`recent_contact::SessionItem`] sum type.
//! * [`pager`]: the two-cursor state machine that walks a conversation list.
//!
//! # Example: one page, by hand
//!
//! ```
//! use tim_proto::recent_contact::{AssistFlags, GetListRequest, GetListResponse};
//! use tim_proto::{Endpoint, QueryParams, Region};
//!
//! let request = GetListRequest::first("alice", AssistFlags::default());
//! let params = QueryParams { sdk_app_id: 1400000000, identifier: "administrator", usersig: "eJy…", random: 42 };
//! let http_request = tim_proto::encode(&request, &Endpoint::region(Region::Singapore), &params)?;
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
//! service's code and text). Paging problems are [`pager::PagerError`].

mod endpoint;
mod envelope;
mod error_code;
mod optimistic;
pub mod pager;
pub mod recent_contact;

pub use endpoint::{
    ApiPath, Endpoint, EndpointError, QueryParams, Region, UnknownRegion, redact_url,
};
pub use envelope::{
    ActionStatus, ApiError, ApiRequest, ApiResponse, DecodeError, EXCERPT_LEN, EncodeError,
    Envelope, decode, decode_parts, encode, envelope_error, excerpt,
};
pub use error_code::{ErrorClass, ErrorCode};
