//! [`BlockingTransport`], the blocking twin of [`Transport`](crate::Transport), and its closure
//! transport [`blocking_fn`].

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;

use crate::TransportError;

/// Sends one HTTP request and returns its response, blocking the calling thread.
///
/// The blocking twin of [`Transport`](crate::Transport), for code that runs no async runtime
/// (command-line tools, scripts, synchronous backends). It has the same
/// [contract](crate#contract): the request is sent as given, **every** HTTP response is `Ok`
/// whatever its status, the body is read to its end, and an `Err` is a classified
/// [`TransportError`] meaning there is no complete response. It has exactly one method and no
/// default methods, and is usable as `dyn BlockingTransport` (also through `&T`, `Arc<T>` and
/// `Box<T>`).
///
/// Adapter: `tim-transport-ureq` (ureq 3). A blocking transport is not an async one: calling it
/// from an async task blocks that task's executor thread, so async code uses a
/// [`Transport`](crate::Transport) instead.
///
/// ```
/// use tim_transport::{BlockingTransport, Bytes, TransportError, blocking_fn};
///
/// let transport = blocking_fn(|request: http::Request<Bytes>| {
///     // Echo the request body back.
///     Ok::<_, TransportError>(http::Response::new(request.into_body()))
/// });
/// let request = http::Request::post("http://127.0.0.1/v4/echo").body(Bytes::from_static(b"{}"))?;
/// let response = transport.send(request)?;
/// assert_eq!(response.body(), &b"{}"[..]);
///
/// let boxed: Box<dyn BlockingTransport> = Box::new(transport);
/// # let _ = boxed;
/// # Ok::<_, Box<dyn std::error::Error>>(())
/// ```
pub trait BlockingTransport: Send + Sync + fmt::Debug {
    /// Sends `request` and returns the complete response, whatever its status.
    ///
    /// # Errors
    ///
    /// A [`TransportError`] when no complete response was received: the connection could not be
    /// made, a timeout elapsed, or the connection failed before the response ended.
    fn send(&self, request: http::Request<Bytes>) -> Result<http::Response<Bytes>, TransportError>;
}

impl<T: BlockingTransport + ?Sized> BlockingTransport for &T {
    fn send(&self, request: http::Request<Bytes>) -> Result<http::Response<Bytes>, TransportError> {
        (**self).send(request)
    }
}

impl<T: BlockingTransport + ?Sized> BlockingTransport for Arc<T> {
    fn send(&self, request: http::Request<Bytes>) -> Result<http::Response<Bytes>, TransportError> {
        (**self).send(request)
    }
}

impl<T: BlockingTransport + ?Sized> BlockingTransport for Box<T> {
    fn send(&self, request: http::Request<Bytes>) -> Result<http::Response<Bytes>, TransportError> {
        (**self).send(request)
    }
}

/// A [`BlockingTransport`] made from a closure; see [`blocking_fn`].
#[derive(Clone)]
pub struct BlockingFnTransport<F> {
    f: F,
}

/// Makes a [`BlockingTransport`] from a closure that maps a request to a response.
///
/// Meant for tests and fakes, like [`transport_fn`](crate::transport_fn): the closure sees each
/// request and answers it without a network.
///
/// ```
/// use tim_transport::{BlockingTransport, Bytes, TransportError, blocking_fn};
///
/// // A service that is always down.
/// let down = blocking_fn(|_request: http::Request<Bytes>| {
///     Err::<http::Response<Bytes>, _>(TransportError::from(std::io::Error::from(
///         std::io::ErrorKind::ConnectionRefused,
///     )))
/// });
/// let error = down.send(http::Request::new(Bytes::new())).unwrap_err();
/// assert!(error.is_connect());
/// ```
pub fn blocking_fn<F>(f: F) -> BlockingFnTransport<F>
where
    F: Fn(http::Request<Bytes>) -> Result<http::Response<Bytes>, TransportError> + Send + Sync,
{
    BlockingFnTransport { f }
}

impl<F> fmt::Debug for BlockingFnTransport<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockingFnTransport")
            .finish_non_exhaustive()
    }
}

impl<F> BlockingTransport for BlockingFnTransport<F>
where
    F: Fn(http::Request<Bytes>) -> Result<http::Response<Bytes>, TransportError> + Send + Sync,
{
    fn send(&self, request: http::Request<Bytes>) -> Result<http::Response<Bytes>, TransportError> {
        (self.f)(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn counting() -> (Arc<AtomicUsize>, impl BlockingTransport + Clone) {
        let calls = Arc::new(AtomicUsize::new(0));
        let c = calls.clone();
        let t = blocking_fn(move |request: http::Request<Bytes>| {
            c.fetch_add(1, Ordering::SeqCst);
            let mut response = http::Response::new(request.body().clone());
            *response.status_mut() = http::StatusCode::BAD_GATEWAY;
            if let Some(v) = request.headers().get("x-a") {
                response.headers_mut().insert("x-echo-a", v.clone());
            }
            Ok(response)
        });
        (calls, t)
    }

    fn request(body: &'static [u8]) -> http::Request<Bytes> {
        http::Request::post("http://127.0.0.1/x")
            .header("x-a", "1")
            .body(Bytes::from_static(body))
            .expect("static request is valid")
    }

    fn via_generic<T: BlockingTransport>(t: T, body: &'static [u8]) -> http::Response<Bytes> {
        t.send(request(body)).expect("fake transport answers")
    }

    #[test]
    fn closure_transport_passes_request_and_response() {
        let (calls, t) = counting();
        let response = t.send(request(b"hello")).expect("fake transport answers");
        assert_eq!(response.status(), http::StatusCode::BAD_GATEWAY);
        assert_eq!(response.body(), &b"hello"[..]);
        assert_eq!(response.headers()["x-echo-a"], "1");
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn wrappers_delegate() {
        let (calls, t) = counting();
        assert_eq!(via_generic(&t, b"1").body(), &b"1"[..]);
        assert_eq!(via_generic(Arc::new(t.clone()), b"2").body(), &b"2"[..]);
        let boxed: Box<dyn BlockingTransport> = Box::new(t.clone());
        assert_eq!(via_generic(&boxed, b"3").body(), &b"3"[..]);
        assert_eq!(via_generic(boxed, b"4").body(), &b"4"[..]);
        let shared: Arc<dyn BlockingTransport> = Arc::new(t);
        assert_eq!(via_generic(shared, b"5").body(), &b"5"[..]);
        assert_eq!(calls.load(Ordering::SeqCst), 5);
    }

    #[test]
    fn errors_pass_through() {
        let t = blocking_fn(|_r: http::Request<Bytes>| {
            Err::<http::Response<Bytes>, _>(TransportError::timeout("slow").with_context("request"))
        });
        let e = t.send(request(b"")).expect_err("always fails");
        assert!(e.is_timeout());
        assert_eq!(e.to_string(), "timed out: request");
        assert_eq!(format!("{t:?}"), "BlockingFnTransport { .. }");
    }

    #[test]
    fn usable_across_threads() {
        let (calls, t) = counting();
        let shared: Arc<dyn BlockingTransport> = Arc::new(t);
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let shared = shared.clone();
                std::thread::spawn(move || shared.send(request(b"x")).map(|r| r.status()))
            })
            .collect();
        for h in handles {
            let status = h.join().expect("thread ran").expect("answers");
            assert_eq!(status, http::StatusCode::BAD_GATEWAY);
        }
        assert_eq!(calls.load(Ordering::SeqCst), 4);
    }
}
