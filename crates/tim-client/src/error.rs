//! [`Error`]: what can go wrong with a call, by stage of the request's life.

use std::time::Duration;

use tim_proto::pager::{PagedRequest, PagerError};
use tim_proto::{ApiError, ApiPath, BaseUrlError, DecodeError, EncodeError, ErrorCode};
use tim_transport::TransportError;

use crate::retry::{Retry, classify};

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
/// | [`Unreachable`](Error::Unreachable) | could not connect, or was not sent because connections kept failing |
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
    /// The walk cannot go on: the service returned the same cursor without completing the walk
    /// ([`PagerError::CursorStalled`]), omitted a cursor field, or the page limit was reached.
    /// The error's cursor is in its stable text form (parse it back with the call's cursor type
    /// to resume).
    #[error("paging {api} failed")]
    Pagination {
        /// The paged call.
        api: ApiPath,
        /// What the pager reported.
        #[source]
        error: PagerError<String>,
    },
    /// The shared rate limiter could not give a slot (it is unreachable and configured to fail
    /// closed); nothing was sent.
    #[error("no rate-limit slot")]
    RateLimit(#[source] crate::limiter::RateLimitError),
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
    /// The service cannot be reached: connections to it (and to its backup, with failover)
    /// failed again and again with no response in between, so the client's circuit is open
    /// ([`CircuitPolicy`](crate::CircuitPolicy)) and calls fail at once, without sending
    /// anything, until a probe after the cool-down gets an answer. `last` is the connection
    /// failure that opened the circuit, for the call that saw it. Retryable later, never sent.
    #[error("cannot connect to {host}{}: {failures} connection attempts in a row failed", backup.as_ref().map(|b| format!(" (nor to its backup {b})")).unwrap_or_default())]
    Unreachable {
        /// The host (and port) of the primary base URL: no scheme, path or user information.
        host: String,
        /// The backup's host, when the client fails over.
        backup: Option<String>,
        /// Connection failures in a row when the call stopped.
        failures: u32,
        /// The connection failure of this call that opened the circuit, if it did.
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

    /// The paging error, when the walk could not go on (its cursor in text form).
    pub fn pager_error(&self) -> Option<&PagerError<String>> {
        match self {
            Error::Pagination { error, .. } => Some(error),
            _ => None,
        }
    }

    /// Whether this is [`PagerError::CursorStalled`].
    pub fn is_cursor_stalled(&self) -> bool {
        matches!(
            self,
            Error::Pagination {
                error: PagerError::CursorStalled { .. },
                ..
            }
        )
    }

    /// A paging error of call `R`.
    pub(crate) fn pagination<R: PagedRequest>(error: PagerError<R::Cursor>) -> Self {
        Error::Pagination {
            api: R::PATH,
            error: error.map_cursor(|c| c.to_string()),
        }
    }

    /// Whether the service could not be reached at all ([`Error::Unreachable`]): an export of
    /// many accounts should stop rather than go on failing.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, Error::Unreachable { .. })
    }

    /// Whether the overall deadline passed.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. })
    }

    /// Whether the kind of failure is one the client retries for an idempotent call
    /// (connection failures and timeouts, HTTP 502/503/504 and 429, transient and
    /// frequency-limit codes, an expired UserSig), as [`RetryPolicy`](crate::RetryPolicy) decides.
    ///
    /// Such an error reached the caller because the attempts, the deadline or the single
    /// re-sign were used up; trying the same call again later may succeed. A `false` means
    /// the request, the credentials or the account must change first. Whether a call that is
    /// not idempotent may be sent again is [`may_have_reached_the_service`](Self::may_have_reached_the_service).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Timeout { .. } | Error::Unreachable { .. } => true,
            other => classify(other) != Retry::Never,
        }
    }

    /// Whether the request may have reached the service (and done its work) although this
    /// error came back: a timeout, a connection cut after sending, a gateway error, a transient
    /// service code. `false` when it certainly did not: it was never sent, the connection was
    /// refused, or the service rejected it before doing anything (a frequency limit, a
    /// signature refused, a validation code).
    pub fn may_have_reached_the_service(&self) -> bool {
        match self {
            Error::Timeout { last, .. } => last
                .as_deref()
                .is_none_or(Error::may_have_reached_the_service),
            Error::Encode(_) | Error::Pagination { .. } | Error::Unreachable { .. } => false,
            other => classify(other) == Retry::IfIdempotent || matches!(other, Error::Decode(_)),
        }
    }
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
    Endpoint(#[source] BaseUrlError),
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
