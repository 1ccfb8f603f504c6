//! The description of one REST call: [`ApiRequest`] with its path, body, response type,
//! [`Idempotency`] and [`RateBucket`].
//!
//! Everything a driver needs to send a call correctly is declared here, once, next to the
//! call's types: the URL path, whether a retry after an ambiguous failure is safe, and which
//! quota the call draws from. `tim-client` reads these declarations; it has no table of its own.

use std::fmt;

use serde::Serialize;

use crate::endpoint::ApiPath;
use crate::envelope::ApiResponse;

/// Whether sending a call twice has the same effect as sending it once.
///
/// Drivers use it to decide retries: after a failure in which the request **may have reached**
/// the service (a timeout, a connection cut after sending, a 502 from a gateway that may have
/// forwarded it, a service-side timeout such as 60008), an idempotent call is re-sent and a
/// non-idempotent one is not. After a failure in which the request cannot have reached the
/// service (the connection was refused, DNS or TLS failed), every call is re-sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Idempotency {
    /// Repeating it changes nothing more (reads; deletes and sets to an absolute value).
    Idempotent,
    /// Repeating it may do the work twice (creating something, appending).
    NotIdempotent,
}

impl Idempotency {
    /// Whether the call may be re-sent after a failure that may have reached the service.
    pub const fn is_idempotent(self) -> bool {
        matches!(self, Idempotency::Idempotent)
    }
}

/// The quota a call draws from: a key naming the bucket and the documented rate.
///
/// The service limits each REST API separately (every `recentcontact` call documents "200 calls
/// per second"), so by default a call's bucket is its own path ([`RateBucket::of`]). Calls that
/// share one quota name the same key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RateBucket {
    /// The bucket's name: by default the call's `service/command`.
    pub key: ApiPath,
    /// The documented limit, in calls per second.
    pub per_second: u32,
}

impl RateBucket {
    /// The documented limit of every `recentcontact` call (and most REST APIs): 200 per second.
    pub const DOCUMENTED_PER_SECOND: u32 = 200;

    /// A call's own bucket at the documented 200 calls per second.
    pub const fn of(path: ApiPath) -> Self {
        RateBucket {
            key: path,
            per_second: Self::DOCUMENTED_PER_SECOND,
        }
    }

    /// A bucket with another documented rate.
    #[must_use]
    pub const fn per_second(mut self, per_second: u32) -> Self {
        self.per_second = per_second;
        self
    }
}

impl fmt::Display for RateBucket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.key.service, self.key.command)
    }
}

/// One REST API: its path, its JSON body, its response type, whether it is idempotent, and the
/// quota it draws from.
///
/// An endpoint is a few lines:
///
/// ```
/// use serde::Serialize;
/// use tim_proto::{ApiPath, ApiRequest, Envelope, Idempotency};
///
/// #[derive(Serialize)]
/// struct Kick {
///     #[serde(rename = "UserID")]
///     user_id: String,
/// }
///
/// impl ApiRequest for Kick {
///     const PATH: ApiPath = ApiPath::new("im_open_login_svc", "kick");
///     const IDEMPOTENCY: Idempotency = Idempotency::Idempotent;
///     type Response = Envelope;
/// }
///
/// assert_eq!(Kick::RATE.to_string(), "im_open_login_svc/kick");
/// assert_eq!(Kick::RATE.per_second, 200);
/// ```
///
/// A paged call adds [`PagedRequest`](crate::pager::PagedRequest); `docs/adding-an-endpoint.md`
/// walks through both.
pub trait ApiRequest: Serialize {
    /// `v4/{service}/{command}`.
    const PATH: ApiPath;
    /// Whether the call may be re-sent after a failure that may have reached the service. There
    /// is no default: every call says.
    const IDEMPOTENCY: Idempotency;
    /// The quota the call draws from (default: its own path at 200 calls per second).
    const RATE: RateBucket = RateBucket::of(Self::PATH);
    /// What a successful call returns.
    type Response: ApiResponse;
}
