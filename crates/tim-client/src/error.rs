//! [`Error`]: what can go wrong with a call, by stage of the request's life.

use std::time::Duration;

use tim_proto::pager::PagerError;
use tim_proto::{ApiError, DecodeError, EncodeError, EndpointError, ErrorClass, ErrorCode};
use tim_transport::TransportError;

/// A call, a page or a walk failed.
///
/// The variants follow the life of a request (the layout of smithy's `SdkError`):
///
/// | variant | the request… |
/// |---|---|
/// | [`Encode`](Error::Encode) | was never sent |
/// | [`Transport`](Error::Transport) | may have been sent; no HTTP response came back |
/// | [`Decode`](Error::Decode) | got an HTTP response that is not a usable answer (a 502 page, bad JSON) |
/// | [`Api`](Error::Api) | got a well-formed answer in which the service said no |
/// | [`Pagination`](Error::Pagination) | got a page the walk cannot go on from (a stalled cursor) |
/// | [`Timeout`](Error::Timeout) | ran out of its overall deadline, retries included |
///
/// Errors the client retries (see [`Error::is_retryable`]) reach the caller only once the
/// retries are used up; the error is then the last attempt's. Nothing here ever contains the
/// secret key or the UserSig: URLs are not kept, and transport errors are redacted by
/// `tim-transport`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request could not be encoded; nothing was sent.
    #[error("request could not be encoded")]
    Encode(#[source] EncodeError),
    /// No HTTP response: the connection failed, was cut, or timed out.
    #[error("no response from the service")]
    Transport(#[source] TransportError),
    /// An HTTP response came back that is not a usable answer: a status other than 200 (the
    /// service's gateways answer 502 with an HTML page) or a body that is not the documented
    /// JSON. The error keeps the status and an excerpt of the body.
    #[error("unusable response")]
    Decode(#[source] DecodeError),
    /// The service answered with an error: its `ErrorCode`, the code's description and the
    /// service's `ErrorInfo`.
    #[error(transparent)]
    Api(ApiError),
    /// The walk cannot go on: the service returned the same cursor without completing the list
    /// ([`PagerError::CursorStalled`]), omitted a cursor field, or the page limit was reached.
    #[error("conversation list paging failed")]
    Pagination(#[source] PagerError),
    /// The call's overall deadline passed (waiting for the rate limiter, attempts and backoff
    /// included). `last` is the error of the last attempt, if one failed.
    #[error("deadline of {deadline:?} exceeded after {attempts} attempt(s)")]
    Timeout {
        /// The deadline that passed.
        deadline: Duration,
        /// Attempts started.
        attempts: u32,
        /// The last attempt's error.
        #[source]
        last: Option<Box<Error>>,
    },
}

impl Error {
    /// The service's error, when the service said no.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The service's `ErrorCode`, when the service said no.
    pub fn api_code(&self) -> Option<ErrorCode> {
        self.api_error().map(|e| e.code)
    }

    /// The HTTP status, when a response other than 200 came back.
    pub fn http_status(&self) -> Option<http::StatusCode> {
        match self {
            Error::Decode(DecodeError::HttpStatus { status, .. }) => Some(*status),
            _ => None,
        }
    }

    /// The transport's error, when no response came back.
    pub fn transport_error(&self) -> Option<&TransportError> {
        match self {
            Error::Transport(e) => Some(e),
            _ => None,
        }
    }

    /// The paging error, when the walk could not go on.
    pub fn pager_error(&self) -> Option<&PagerError> {
        match self {
            Error::Pagination(e) => Some(e),
            _ => None,
        }
    }

    /// Whether this is [`PagerError::CursorStalled`].
    pub fn is_cursor_stalled(&self) -> bool {
        matches!(self, Error::Pagination(PagerError::CursorStalled { .. }))
    }

    /// Whether the overall deadline passed.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. })
    }

    /// Whether the kind of failure is one the client retries (connection failures and
    /// timeouts, HTTP 502/503/504, transient and frequency-limit codes, an expired UserSig).
    ///
    /// Such an error reached the caller because the attempts, the deadline or the single
    /// re-sign were used up; trying the same call again later may succeed. A `false` means
    /// the request, the credentials or the account must change first.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Transport(e) => !matches!(e.kind(), tim_transport::TransportErrorKind::Other),
            Error::Decode(DecodeError::HttpStatus { status, .. }) => retryable_status(*status),
            Error::Api(e) => matches!(
                e.code.class(),
                ErrorClass::Transient | ErrorClass::RateLimited | ErrorClass::Resign
            ),
            Error::Timeout { .. } => true,
            _ => false,
        }
    }
}

/// The statuses the client retries: gateway errors (and 429, should a proxy send it).
pub(crate) fn retryable_status(status: http::StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 502 | 503 | 504)
}

/// [`ClientBuilder::build`](crate::ClientBuilder::build) refused the configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// No transport was given.
    #[error("no transport given")]
    MissingTransport,
    /// Neither a region nor a base URL was given.
    #[error("no region or base url given")]
    MissingEndpoint,
    /// The base URL was rejected.
    #[error("invalid base url")]
    Endpoint(#[source] EndpointError),
    /// No SDKAppID was given.
    #[error("no sdkappid given")]
    MissingSdkAppId,
    /// No secret key or UserSig was given.
    #[error("no credentials given")]
    MissingCredentials,
    /// The admin identifier is empty.
    #[error("the admin identifier is empty")]
    EmptyIdentifier,
}
