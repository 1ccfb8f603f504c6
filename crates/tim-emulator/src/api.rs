//! The table of APIs: what the emulator answers, and how a library author adds a call of their
//! own ([`Emulator::register`](crate::Emulator::register)).
//!
//! Every API the emulator serves is one [`ApiSpec`]: its path, its handler, whether the paging
//! faults apply to it, and the rate bucket it counts against. The core routes a request by the
//! table and runs the checks every call shares (method, query parameters, UserSig, admin, rate
//! limit, faults) before the handler; a path that is not in the table gets the service's
//! unknown-resource answer (60009). There is no fallthrough.

use std::fmt;

use bytes::Bytes;
use serde_json::Value;

use crate::codes::{self, Code};
use crate::contacts::{ContactSettings, Edition};
use crate::store::Store;

/// Answers one call: the app's data, the parsed JSON body, and what the core decided
/// ([`CallContext`]); returns the response body (the envelope fields included) or the failure.
pub type Handler = fn(&mut Store, &Value, &CallContext) -> Result<Bytes, ApiFailure>;

/// One API of the emulator's table.
#[derive(Clone, Copy)]
pub struct ApiSpec {
    /// `servicename/command`, e.g. `recentcontact/get_list`.
    pub path: &'static str,
    /// Answers a call that passed the shared checks.
    pub handler: Handler,
    /// Whether the paging faults ([`Fault::StalledCursor`](crate::Fault::StalledCursor),
    /// [`Fault::EmptyPage`](crate::Fault::EmptyPage)) apply; the handler receives them in
    /// [`CallContext::page_fault`].
    pub paged: bool,
    /// The rate bucket the call counts against (`None`: its own path, as the service counts
    /// each API separately).
    pub bucket: Option<&'static str>,
    /// The JSON Schemas of its request and success bodies, for the OpenAPI document
    /// ([`crate::openapi`]); `None`: the document lists the call without them.
    pub schemas: Option<Schemas>,
}

/// The JSON Schemas (2020-12) of one API's bodies: the request, and the successful answer
/// (the envelope fields included; error envelopes are described once for every API).
#[derive(Clone, Copy, Debug)]
pub struct Schemas {
    /// The request body's schema.
    pub request: fn() -> Value,
    /// The success answer's schema.
    pub response: fn() -> Value,
}

impl ApiSpec {
    /// An API answered by `handler`, not paged, in its own rate bucket.
    pub const fn new(path: &'static str, handler: Handler) -> Self {
        ApiSpec {
            path,
            handler,
            paged: false,
            bucket: None,
            schemas: None,
        }
    }

    /// Gives the API the schemas of its request and success bodies (for the OpenAPI document).
    #[must_use]
    pub const fn schemas(mut self, request: fn() -> Value, response: fn() -> Value) -> Self {
        self.schemas = Some(Schemas { request, response });
        self
    }

    /// Marks the API as paged: the paging faults apply.
    #[must_use]
    pub const fn paged(mut self) -> Self {
        self.paged = true;
        self
    }

    /// Counts the API against another rate bucket.
    #[must_use]
    pub const fn bucket(mut self, bucket: &'static str) -> Self {
        self.bucket = Some(bucket);
        self
    }

    /// The bucket the call counts against.
    pub fn rate_bucket(&self) -> &'static str {
        self.bucket.unwrap_or(self.path)
    }
}

impl fmt::Debug for ApiSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiSpec")
            .field("path", &self.path)
            .field("paged", &self.paged)
            .field("bucket", &self.rate_bucket())
            .field("schemas", &self.schemas.is_some())
            .finish_non_exhaustive()
    }
}

/// What the core decided for one call, for its handler.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct CallContext {
    /// The configured page size (at least 1).
    pub page_size: usize,
    /// The emulator's clock (the request's `now` plus the clock shift), Unix seconds.
    pub now: u64,
    /// The app's edition (conversation groups and standard marks need one that has them).
    pub edition: Edition,
    /// The settings of the group and mark calls.
    pub contacts: ContactSettings,
    /// The paging fault to apply to this answer, if any (only for [`ApiSpec::paged`] APIs).
    pub page_fault: PageFault,
}

/// A paging fault to apply to one answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PageFault {
    /// Answer normally.
    None,
    /// Answer the page but echo the request's cursor, not at the end: a stalled cursor.
    Stalled,
    /// Answer no items, not at the end, with a cursor that loses nothing.
    Empty,
}

/// An API failure: the `ErrorCode` and its `ErrorInfo` (answered with HTTP 200 and
/// `ActionStatus` `FAIL`, as the service does).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiFailure {
    /// `ErrorCode`.
    pub code: i64,
    /// `ErrorInfo`.
    pub info: String,
}

impl ApiFailure {
    /// A failure with this code and text.
    pub fn new(code: i64, info: impl Into<String>) -> Self {
        ApiFailure {
            code,
            info: info.into(),
        }
    }
}

impl From<Code> for ApiFailure {
    fn from(c: Code) -> Self {
        ApiFailure {
            code: c.code,
            info: c.info.to_owned(),
        }
    }
}

/// A documented code with a detail appended to its text.
pub(crate) fn fail(c: Code, detail: impl fmt::Display) -> ApiFailure {
    ApiFailure {
        code: c.code,
        info: format!("{}: {detail}", c.info),
    }
}

/// A required non-empty string field of a body, or the service's invalid-parameter answer.
///
/// # Errors
///
/// The field is missing or not a non-empty string.
pub fn string_field<'a>(body: &'a Value, name: &str) -> Result<&'a str, ApiFailure> {
    match body.get(name) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        Some(_) => Err(fail(
            codes::INVALID_PARAMETER,
            format_args!("{name} must be a non-empty string"),
        )),
        None => Err(fail(
            codes::INVALID_PARAMETER,
            format_args!("{name} is missing"),
        )),
    }
}

/// A required non-negative integer field of a body, or the service's invalid-parameter answer.
///
/// # Errors
///
/// The field is missing or not a non-negative integer.
pub fn uint_field(body: &Value, name: &str) -> Result<u64, ApiFailure> {
    match body.get(name) {
        Some(v) => v.as_u64().ok_or_else(|| {
            fail(
                codes::INVALID_PARAMETER,
                format_args!("{name} must be a non-negative integer"),
            )
        }),
        None => Err(fail(
            codes::INVALID_PARAMETER,
            format_args!("{name} is missing"),
        )),
    }
}

/// A required account of a body that must have been imported (50001 otherwise).
///
/// # Errors
///
/// The field is missing, not a non-empty string, or not an imported account.
pub fn account_field<'a>(
    store: &Store,
    body: &'a Value,
    name: &str,
) -> Result<&'a str, ApiFailure> {
    let account = string_field(body, name)?;
    if !store.is_account(account) {
        return Err(fail(
            codes::ACCOUNT_NOT_IMPORTED,
            format_args!("{account:?}"),
        ));
    }
    Ok(account)
}
