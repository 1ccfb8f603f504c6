//! The pluggable async HTTP transport trait of the tim Tencent Cloud IM toolkit.
//!
//! tim's protocol code never opens a socket. It builds an [`http::Request`] with a
//! [`Bytes`] body, hands it to a [`Transport`], and decodes the [`http::Response`] it gets back.
//! The transport owns everything about the network: DNS, TLS, connection pooling, timeouts,
//! proxies. Adapter crates implement it for real HTTP clients:
//!
//! | crate | backend | runtime |
//! |---|---|---|
//! | `tim-transport-hyper` | hyper 1 + hyper-util pooled client, rustls | tokio |
//! | `tim-transport-isahc` | isahc 2 (libcurl), rustls | any executor |
//! | `tim-transport-surf` | surf 2.3, async-h1 | async-std |
//!
//! One conformance suite in the workspace (`tests/conformance`) runs against every adapter, so
//! they are interchangeable.
//!
//! # Example
//!
//! A transport written as a closure, the way tests fake the service:
//!
//! ```
//! use tim_transport::{Bytes, Transport, TransportError, transport_fn};
//!
//! # futures_lite::future::block_on(async {
//! let transport = transport_fn(|request: http::Request<Bytes>| async move {
//!     // Echo the request body back.
//!     Ok::<_, TransportError>(http::Response::new(request.into_body()))
//! });
//! let request = http::Request::post("http://127.0.0.1/v4/echo").body(Bytes::from_static(b"{}"))?;
//! let response = transport.send(request).await?;
//! assert_eq!(response.body(), &b"{}"[..]);
//!
//! // Every transport also works behind a reference, an `Arc` or a `Box<dyn Transport>`.
//! let boxed: Box<dyn Transport> = Box::new(transport);
//! # let _ = boxed;
//! # Ok::<_, Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
//!
//! # Contract
//!
//! An implementation of [`Transport::send`]:
//!
//! - sends the request as given: method, URI (absolute, with scheme and authority), headers and
//!   body, adding only what HTTP itself needs (`Host`, `Content-Length`, ...);
//! - returns **every** HTTP response as `Ok`, whatever its status: a `502` with an HTML body is a
//!   response, and deciding what it means is the caller's job;
//! - returns the whole response body, read to its end;
//! - returns `Err(TransportError)` only when there is no complete response, classified by
//!   [`TransportErrorKind`];
//! - contains no knowledge of the tim protocol (no retries, no JSON, no signing).
//!
//! # Errors
//!
//! [`TransportError`] is opaque. Classify it with [`TransportError::kind`] or the `is_connect`,
//! `is_timeout` and `is_io` predicates. Its `Display` never contains request data, and its
//! `source()` chain is a redacted snapshot of the backend's error: the UserSig in a request URL
//! is never printed (see [`TransportError`]'s "Redaction" section). The backend's error object
//! itself is kept for its type ([`TransportError::backend`]), unredacted, to inspect, not print.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

pub use async_trait::async_trait;
pub use bytes::Bytes;

mod blocking;
mod error;
#[cfg(feature = "rustls")]
pub mod tls;

pub use blocking::{BlockingFnTransport, BlockingTransport, blocking_fn};
pub use error::{BoxError, RedactedError, TransportError, TransportErrorKind, redact};

/// Sends one HTTP request and returns its response.
///
/// See the [crate documentation](crate#contract) for the contract. The trait is
/// [`async_trait`](macro@async_trait), so it is usable as `dyn Transport`; it has exactly one method and no
/// default methods.
#[async_trait]
pub trait Transport: Send + Sync + fmt::Debug {
    /// Sends `request` and returns the complete response, whatever its status.
    ///
    /// # Errors
    ///
    /// A [`TransportError`] when no complete response was received: the connection could not be
    /// made, a timeout elapsed, or the connection failed before the response ended.
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError>;
}

#[async_trait]
impl<T: Transport + ?Sized> Transport for &T {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        (**self).send(request).await
    }
}

#[async_trait]
impl<T: Transport + ?Sized> Transport for Arc<T> {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        (**self).send(request).await
    }
}

#[async_trait]
impl<T: Transport + ?Sized> Transport for Box<T> {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        (**self).send(request).await
    }
}

/// A [`Transport`] made from a closure; see [`transport_fn`].
#[derive(Clone)]
pub struct FnTransport<F> {
    f: F,
}

/// Makes a [`Transport`] from a closure that maps a request to a future of a response.
///
/// Meant for tests and fakes: the closure sees each request and answers it without a network.
///
/// ```
/// use tim_transport::{Bytes, Transport, TransportError, transport_fn};
///
/// // A service that is always down.
/// let down = transport_fn(|_request: http::Request<Bytes>| async {
///     Err::<http::Response<Bytes>, _>(TransportError::from(std::io::Error::from(
///         std::io::ErrorKind::ConnectionRefused,
///     )))
/// });
/// # futures_lite::future::block_on(async {
/// let error = down.send(http::Request::new(Bytes::new())).await.unwrap_err();
/// assert!(error.is_connect());
/// # });
/// ```
pub fn transport_fn<F, Fut>(f: F) -> FnTransport<F>
where
    F: Fn(http::Request<Bytes>) -> Fut + Send + Sync,
    Fut: Future<Output = Result<http::Response<Bytes>, TransportError>> + Send,
{
    FnTransport { f }
}

impl<F> fmt::Debug for FnTransport<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FnTransport").finish_non_exhaustive()
    }
}

#[async_trait]
impl<F, Fut> Transport for FnTransport<F>
where
    F: Fn(http::Request<Bytes>) -> Fut + Send + Sync,
    Fut: Future<Output = Result<http::Response<Bytes>, TransportError>> + Send,
{
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        (self.f)(request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn counting() -> (Arc<AtomicUsize>, impl Transport + Clone) {
        let calls = Arc::new(AtomicUsize::new(0));
        let c = calls.clone();
        let t = transport_fn(move |request: http::Request<Bytes>| {
            let c = c.clone();
            async move {
                c.fetch_add(1, Ordering::SeqCst);
                let mut response = http::Response::new(request.body().clone());
                *response.status_mut() = http::StatusCode::BAD_GATEWAY;
                if let Some(v) = request.headers().get("x-a") {
                    response.headers_mut().insert("x-echo-a", v.clone());
                }
                Ok(response)
            }
        });
        (calls, t)
    }

    fn request(body: &'static [u8]) -> http::Request<Bytes> {
        http::Request::post("http://127.0.0.1/x")
            .header("x-a", "1")
            .body(Bytes::from_static(body))
            .expect("static request is valid")
    }

    async fn via_generic<T: Transport>(t: T, body: &'static [u8]) -> http::Response<Bytes> {
        t.send(request(body)).await.expect("fake transport answers")
    }

    #[test]
    fn closure_transport_passes_request_and_response() {
        let (calls, t) = counting();
        let response = futures_lite::future::block_on(t.send(request(b"hello")))
            .expect("fake transport answers");
        assert_eq!(response.status(), http::StatusCode::BAD_GATEWAY);
        assert_eq!(response.body(), &b"hello"[..]);
        assert_eq!(response.headers()["x-echo-a"], "1");
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn wrappers_delegate() {
        let (calls, t) = counting();
        futures_lite::future::block_on(async {
            assert_eq!(via_generic(&t, b"1").await.body(), &b"1"[..]);
            assert_eq!(
                via_generic(Arc::new(t.clone()), b"2").await.body(),
                &b"2"[..]
            );
            let boxed: Box<dyn Transport> = Box::new(t.clone());
            assert_eq!(via_generic(&boxed, b"3").await.body(), &b"3"[..]);
            assert_eq!(via_generic(boxed, b"4").await.body(), &b"4"[..]);
            let shared: Arc<dyn Transport> = Arc::new(t);
            assert_eq!(via_generic(shared, b"5").await.body(), &b"5"[..]);
        });
        assert_eq!(calls.load(Ordering::SeqCst), 5);
    }

    #[test]
    fn errors_pass_through() {
        let t = transport_fn(|_r: http::Request<Bytes>| async {
            Err::<http::Response<Bytes>, _>(TransportError::timeout("slow").with_context("request"))
        });
        let e = futures_lite::future::block_on(t.send(request(b""))).expect_err("always fails");
        assert!(e.is_timeout());
        assert_eq!(e.to_string(), "timed out: request");
        assert_eq!(format!("{t:?}"), "FnTransport { .. }");
    }
}
