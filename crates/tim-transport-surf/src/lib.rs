//! surf 2 (async-std) transport for the tim Tencent Cloud IM toolkit.
//!
//! [`SurfTransport`] implements [`tim_transport::Transport`] with a [`surf::Client`] on surf's
//! `h1-client` backend: async-h1 over async-std with a keep-alive pool (HTTP/1.1 only), and TLS
//! through `async-native-tls`, that is the system's OpenSSL on Linux. It runs under async-std;
//! it also works when called from another runtime's tasks, because async-std drives its own I/O
//! and timers on background threads.
//!
//! # Runtime
//!
//! **async-std**, which starts itself: its global executor and its I/O and timer threads are
//! spawned on first use, so nothing panics without an `#[async_std::main]`, and the transport
//! can be called from tokio tasks or a plain `block_on` too (async-std's threads then run
//! beside the other runtime). Timeouts use async-std's timer, and an exchange that timed out
//! finishes on async-std's executor (see "Timeouts and cancellation"). Pool and timeouts are
//! set on the builder: [`request_timeout`](SurfTransportBuilder::request_timeout) (there is no
//! separate connect timeout),
//! [`max_connections_per_host`](SurfTransportBuilder::max_connections_per_host) and
//! [`keep_alive`](SurfTransportBuilder::keep_alive) (see the table below).
//!
//! ```toml
//! [dependencies]
#![doc = concat!("tim-transport-surf = \"", env!("CARGO_PKG_VERSION"), "\"")]
//! async-std = { version = "1", features = ["attributes"] }
//! ```
//!
//! # Example
//!
//! ```no_run
//! use std::time::Duration;
//! use tim_transport::{Bytes, Transport};
//! use tim_transport_surf::SurfTransport;
//!
//! #[async_std::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     // The system's roots, a 10 s request timeout, keep-alive.
//!     let transport = SurfTransport::new();
//!
//!     // Or tuned:
//!     let transport = SurfTransport::builder()
//!         .request_timeout(Duration::from_secs(5))
//!         .max_connections_per_host(8)
//!         .build()?;
//!
//!     let request = http::Request::post("https://console.tim.qq.com/v4/recentcontact/get_list?...")
//!         .header("content-type", "application/json")
//!         .body(Bytes::from_static(br#"{"From_Account":"alice","TimeStamp":0,"StartIndex":0}"#))?;
//!     let response = transport.send(request).await?;
//!     println!("{} {} bytes", response.status(), response.body().len());
//!     Ok(())
//! }
//! ```
//!
//! # Why the `h1-client` backend
//!
//! surf's default backend, `curl-client`, is isahc 0.9 on libcurl: it would make this adapter a
//! second copy of `tim-transport-isahc` (and an old one, on `http` 0.2), and its curl-sys with
//! OpenSSL would be unified with isahc 2's curl-sys with rustls in one build. Of the native
//! backends:
//!
//! - `h1-client-rustls` brings rustls 0.18, webpki 0.21 and ring 0.16, which carry open RustSec
//!   advisories (RUSTSEC-2024-0336 rustls infinite loop, RUSTSEC-2023-0052 webpki CPU denial of
//!   service, RUSTSEC-2025-0009 ring AES panic, RUSTSEC-2025-0010 ring 0.16 unmaintained);
//! - `h1-client` (chosen) does TLS through `async-native-tls` 0.3 and `native-tls` on the
//!   maintained system OpenSSL (`openssl` 0.10), with no TLS-specific advisory.
//!
//! Every surf backend still carries surf's own state: surf and async-std are unmaintained
//! (RUSTSEC-2025-0036, RUSTSEC-2026-0169, RUSTSEC-2025-0052), and http-types/http-client pull a
//! few unmaintained or unsound crates (rand 0.7, lexical-core via deadpool's config, aes-soft).
//! Prefer `tim-transport-hyper` or `tim-transport-isahc` unless you already run async-std.
//!
//! Building needs OpenSSL headers and pkg-config (`apt-get install libssl-dev pkg-config`); at
//! run time it needs `libssl3`.
//!
//! # Configuration
//!
//! | setting | default | builder method |
//! |---|---|---|
//! | request timeout (connect, send, whole response body) | 10 s | [`request_timeout`](SurfTransportBuilder::request_timeout) |
//! | connections per host | 50 | [`max_connections_per_host`](SurfTransportBuilder::max_connections_per_host) |
//! | keep-alive | on | [`keep_alive`](SurfTransportBuilder::keep_alive) |
//! | trusted roots | OpenSSL's system roots | [`root_certificate_pem`](SurfTransportBuilder::root_certificate_pem), [`root_certificate_der`](SurfTransportBuilder::root_certificate_der) (added to the system roots) |
//!
//! The `h1-client` backend has no separate connect timeout: its pool opens connections without
//! one, so the request timeout, which this transport applies around the whole exchange, bounds
//! connecting too. The service's own timeout is 3 s, so the 10 s default only cuts off a dead
//! peer. `TCP_NODELAY` is on. A client you configured yourself becomes a transport with
//! [`From`]; the transport's request timeout then is the default and can be changed with
//! [`SurfTransport::with_request_timeout`]. Build such a client with
//! `surf::Config::set_timeout(None)` (surf's default is 60 s), for the reason below.
//!
//! # Timeouts and cancellation
//!
//! surf's h1 backend returns a pooled connection to its pool when the request future holding it
//! is dropped, even when the request was sent and its answer not yet read; the next request on
//! that connection would read the late answer as its own. This transport therefore never
//! cancels an exchange: when its timeout fires, or when the caller drops the `send` future, the
//! caller gets its error (or nothing) at once, and the exchange finishes in the background on
//! async-std's executor before its connection is reused. A server that never answers keeps one
//! connection busy per abandoned request, up to
//! [`max_connections_per_host`](SurfTransportBuilder::max_connections_per_host); later
//! requests then wait for a connection and time out. surf's own timeout
//! (`surf::Config::set_timeout`) does cancel inside the backend, so this transport leaves it
//! off.
//!
//! # Differences from the other adapters
//!
//! - A request body without a `content-type` header gets `content-type:
//!   application/octet-stream` (http-types adds it); requests from tim always set it.
//! - Header values must be visible ASCII (http-types keeps them as `&str`); any other value is
//!   an `Other` error before anything is sent.
//! - HTTP/1.1 only.
//!
//! # Errors
//!
//! surf reports most failures as an untyped error, and its h1 backend turns a failure to open a
//! pooled connection into a message string, losing the [`std::io::Error`]. The mapping to
//! [`TransportErrorKind`] is therefore, in order:
//!
//! - a timeout (this transport's or surf's own): `Timeout`;
//! - an [`std::io::Error`] in the chain: by its kind ([`TransportErrorKind::from_io`]);
//! - a failure to open a connection (TCP or TLS, including certificate errors): `Connect`
//!   (a timeout message inside it: `Timeout`);
//! - async-h1's "connection closed" / "empty response" (closed before the response head), or a
//!   body shorter than its `content-length`: `Io`;
//! - anything else: `Other`.
//!
//! Every HTTP status is a response, not an error. surf's error is kept, redacted, as the error's
//! source, and as itself in a [`SurfError`], the [`TransportError::backend`] of this adapter's
//! errors (unredacted: inspect it, do not print it):
//!
//! ```no_run
//! # async fn run(transport: tim_transport_surf::SurfTransport, request: http::Request<bytes::Bytes>) {
//! use tim_transport::Transport;
//! use tim_transport_surf::SurfError;
//!
//! if let Err(error) = transport.send(request).await {
//!     if let Some(surf) = error.backend().downcast_ref::<SurfError>() {
//!         let _status = surf.get_ref().status(); // surf's own classification
//!     }
//! }
//! # }
//! ```

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use surf::http::headers::{HeaderName, HeaderValue};
use surf::http::{Method, Url};
use tim_transport::{Transport, TransportError, TransportErrorKind, async_trait};

/// The default request timeout: 10 seconds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The default limit of connections per host: 50 (surf's).
pub const DEFAULT_MAX_CONNECTIONS_PER_HOST: usize = 50;

/// A [`Transport`] over a [`surf::Client`]; see the [crate documentation](crate).
///
/// Cloning is cheap and clones share the connection pool.
#[derive(Clone)]
pub struct SurfTransport {
    client: surf::Client,
    request_timeout: Option<Duration>,
}

impl SurfTransport {
    /// A transport with the default settings: system roots, 10 s request timeout, keep-alive.
    pub fn new() -> Self {
        Self::from_parts(SurfTransportBuilder::default(), None)
    }

    /// A builder for a transport with a custom timeout, pool or trusted roots.
    pub fn builder() -> SurfTransportBuilder {
        SurfTransportBuilder::default()
    }

    /// Sets (or, with `None`, removes) the timeout for a whole request, including connecting
    /// and reading the response body.
    #[must_use]
    pub fn with_request_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.request_timeout = timeout.into();
        self
    }

    /// The request timeout.
    pub fn request_timeout(&self) -> Option<Duration> {
        self.request_timeout
    }

    /// The underlying surf client.
    pub fn client(&self) -> &surf::Client {
        &self.client
    }

    fn from_parts(
        builder: SurfTransportBuilder,
        tls: Option<async_native_tls::TlsConnector>,
    ) -> Self {
        let mut config = surf::Config::new()
            .set_http_keep_alive(builder.keep_alive)
            .set_tcp_no_delay(true)
            // The transport applies the request timeout itself, around connecting too.
            .set_timeout(None)
            .set_max_connections_per_host(builder.max_connections_per_host);
        if let Some(tls) = tls {
            config = config.set_tls_config(Some(std::sync::Arc::new(tls)));
        }
        let client = match surf::Client::try_from(config) {
            Ok(client) => client,
            // The h1 backend's conversion error type is `Infallible`.
            Err(never) => match never {},
        };
        Self {
            client,
            request_timeout: builder.request_timeout,
        }
    }
}

impl Default for SurfTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl From<surf::Client> for SurfTransport {
    /// Wraps a client you configured; the request timeout is [`DEFAULT_TIMEOUT`].
    fn from(client: surf::Client) -> Self {
        Self {
            client,
            request_timeout: Some(DEFAULT_TIMEOUT),
        }
    }
}

impl fmt::Debug for SurfTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SurfTransport")
            .field("request_timeout", &self.request_timeout)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl Transport for SurfTransport {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let request = to_surf(request)?;
        let client = self.client.clone();
        let exchange = Detach::new(async move {
            let mut response = client
                .send(request)
                .await
                .map_err(|e| map_error(e, "request"))?;
            let body = response
                .body_bytes()
                .await
                .map_err(|e| map_error(e, "response body"))?;
            from_surf(&response, body)
        });
        match self.request_timeout {
            Some(limit) => match async_std::future::timeout(limit, exchange).await {
                Ok(result) => result,
                Err(elapsed) => {
                    Err(TransportError::timeout(elapsed).with_context("request timeout"))
                }
            },
            None => exchange.await,
        }
    }
}

/// Runs a future to completion on async-std's executor when it is dropped unfinished.
///
/// http-client's h1 pool puts a connection back when the request future holding it is dropped,
/// even with the request sent and its answer not yet read. The next request on that connection
/// would then read the late answer as its own. So an exchange is never cancelled: when the
/// timeout fires (or the caller drops the `send` future), the exchange goes on in the background
/// until the answer is read or the connection fails, and only then is the connection reused.
struct Detach<F>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    inner: Option<Pin<Box<F>>>,
}

impl<F> Detach<F>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn new(future: F) -> Self {
        Self {
            inner: Some(Box::pin(future)),
        }
    }
}

impl<F> Future for Detach<F>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let Some(future) = self.inner.as_mut() else {
            // Polled after completion: nothing more will come.
            return Poll::Pending;
        };
        let output = std::task::ready!(future.as_mut().poll(cx));
        self.inner = None;
        Poll::Ready(output)
    }
}

impl<F> Drop for Detach<F>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn drop(&mut self) {
        if let Some(future) = self.inner.take() {
            async_std::task::spawn(async move {
                let _ = future.await;
            });
        }
    }
}

/// surf's own error, as [`TransportError::backend`] keeps it for this adapter's failures.
///
/// `surf::Error` does not implement [`std::error::Error`], so it is wrapped: downcast the backend
/// to `SurfError`, then use [`get_ref`](Self::get_ref) or [`into_inner`](Self::into_inner). Its
/// text is surf's, unredacted: it may contain the request URL with the UserSig.
pub struct SurfError(surf::Error);

impl SurfError {
    /// surf's error.
    pub fn get_ref(&self) -> &surf::Error {
        &self.0
    }

    /// surf's error, by value.
    pub fn into_inner(self) -> surf::Error {
        self.0
    }
}

impl fmt::Debug for SurfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for SurfError {
    /// A fixed text: surf's own message is the [`source`](StdError::source).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("surf request failed")
    }
}

impl StdError for SurfError {
    /// The error surf carries, itself (an [`std::io::Error`], an async-h1 error, a message), so
    /// that its type can be found along the chain.
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        let inner: &(dyn StdError + Send + Sync + 'static) = self.0.as_ref();
        Some(inner)
    }
}

/// A request conversion failure; the source of an `Other` [`TransportError`].
#[derive(Debug)]
struct ConversionError(&'static str);

impl fmt::Display for ConversionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl StdError for ConversionError {}

fn invalid(what: &'static str) -> TransportError {
    TransportError::other(ConversionError(what)).with_context("request conversion")
}

fn to_surf(request: http::Request<Bytes>) -> Result<surf::http::Request, TransportError> {
    let (parts, body) = request.into_parts();
    let method =
        Method::from_str(parts.method.as_str()).map_err(|_| invalid("unsupported http method"))?;
    let url = Url::parse(&parts.uri.to_string()).map_err(TransportError::other)?;
    let mut out = surf::http::Request::new(method, url);
    for (name, value) in &parts.headers {
        let name =
            HeaderName::from_str(name.as_str()).map_err(|_| invalid("invalid header name"))?;
        let value = value
            .to_str()
            .ok()
            .and_then(|v| HeaderValue::from_str(v).ok())
            .ok_or_else(|| invalid("header value is not visible ascii"))?;
        out.append_header(name, value);
    }
    // After the headers, so http-types keeps the caller's content-type (it only fills in a
    // missing one from the body).
    if !body.is_empty() {
        out.set_body(surf::Body::from_bytes(Vec::from(body)));
    }
    Ok(out)
}

fn from_surf(
    response: &surf::Response,
    body: Vec<u8>,
) -> Result<http::Response<Bytes>, TransportError> {
    let bad =
        |what| TransportError::other(ConversionError(what)).with_context("response conversion");
    let status = http::StatusCode::from_u16(u16::from(response.status()))
        .map_err(|_| bad("invalid status code"))?;
    let mut out = http::Response::builder().status(status);
    if let Some(version) = response.version() {
        out = out.version(match version {
            surf::http::Version::Http0_9 => http::Version::HTTP_09,
            surf::http::Version::Http1_0 => http::Version::HTTP_10,
            surf::http::Version::Http2_0 => http::Version::HTTP_2,
            surf::http::Version::Http3_0 => http::Version::HTTP_3,
            _ => http::Version::HTTP_11,
        });
    }
    let mut content_length = None;
    for (name, values) in response.iter() {
        let name = http::HeaderName::from_bytes(name.as_str().as_bytes())
            .map_err(|_| bad("invalid header name"))?;
        for value in values.iter() {
            if name == http::header::CONTENT_LENGTH {
                content_length = value.as_str().trim().parse::<usize>().ok();
            }
            let value = http::HeaderValue::from_str(value.as_str())
                .map_err(|_| bad("invalid header value"))?;
            out = out.header(name.clone(), value);
        }
    }
    // async-h1 ends a fixed-length body early without an error when the connection closes.
    if content_length.is_some_and(|expected| body.len() < expected) {
        return Err(TransportError::io(ConversionError(
            "response body shorter than content-length",
        ))
        .with_context("response body"));
    }
    out.body(Bytes::from(body))
        .map_err(|_| bad("invalid response parts"))
}

/// The prefix deadpool gives a failure to open a pooled connection, which the h1 backend turns
/// into a plain message.
const POOL_CREATE: &str = "An error occured while creating a new object";
/// The prefix deadpool gives a timeout while opening a pooled connection.
const POOL_TIMEOUT: &str = "A timeout occured while creating a new object";

fn classify(error: &surf::Error) -> TransportErrorKind {
    let inner: &(dyn StdError + Send + Sync + 'static) = error.as_ref();
    let mut next: Option<&(dyn StdError + 'static)> = Some(inner);
    while let Some(e) = next {
        if e.is::<async_std::future::TimeoutError>() {
            return TransportErrorKind::Timeout;
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return TransportErrorKind::from_io(io.kind());
        }
        if e.is::<async_native_tls::Error>() {
            return TransportErrorKind::Connect;
        }
        next = e.source();
    }
    let message = error.to_string();
    if message.starts_with(POOL_TIMEOUT) {
        TransportErrorKind::Timeout
    } else if message.starts_with(POOL_CREATE) {
        let lower = message.to_ascii_lowercase();
        if lower.contains("timed out") {
            TransportErrorKind::Timeout
        } else {
            TransportErrorKind::Connect
        }
    } else if message == "connection closed" || message == "empty response" {
        TransportErrorKind::Io
    } else {
        TransportErrorKind::Other
    }
}

fn map_error(error: surf::Error, context: &'static str) -> TransportError {
    let kind = classify(&error);
    TransportError::new(kind, SurfError(error)).with_context(context)
}

/// Builds a [`SurfTransport`]; see [`SurfTransport::builder`].
#[derive(Clone)]
pub struct SurfTransportBuilder {
    request_timeout: Option<Duration>,
    max_connections_per_host: usize,
    keep_alive: bool,
    roots: Vec<Root>,
}

#[derive(Clone)]
enum Root {
    Pem(Vec<u8>),
    Der(Vec<u8>),
}

impl Default for SurfTransportBuilder {
    fn default() -> Self {
        Self {
            request_timeout: Some(DEFAULT_TIMEOUT),
            max_connections_per_host: DEFAULT_MAX_CONNECTIONS_PER_HOST,
            keep_alive: true,
            roots: Vec::new(),
        }
    }
}

impl fmt::Debug for SurfTransportBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SurfTransportBuilder")
            .field("request_timeout", &self.request_timeout)
            .field("max_connections_per_host", &self.max_connections_per_host)
            .field("keep_alive", &self.keep_alive)
            .field("extra_roots", &self.roots.len())
            .finish()
    }
}

impl SurfTransportBuilder {
    /// Sets (or, with `None`, removes) the timeout for a whole request, from connecting to the
    /// last byte of the response body. Default 10 s.
    #[must_use]
    pub fn request_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.request_timeout = timeout.into();
        self
    }

    /// Limits the connections open to one host at a time; further requests wait for one.
    /// Default 50. `0` is treated as `1` (the h1 backend would deadlock on `0`).
    #[must_use]
    pub fn max_connections_per_host(mut self, max: usize) -> Self {
        self.max_connections_per_host = max.max(1);
        self
    }

    /// Whether to keep connections open for reuse. Default `true`.
    #[must_use]
    pub fn keep_alive(mut self, enabled: bool) -> Self {
        self.keep_alive = enabled;
        self
    }

    /// Also trusts the certificate in `pem`, for example a test server's self-signed
    /// certificate. Parsed in [`build`](Self::build).
    #[must_use]
    pub fn root_certificate_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.roots.push(Root::Pem(pem.as_ref().to_vec()));
        self
    }

    /// Also trusts the DER-encoded certificate `der`. Parsed in [`build`](Self::build).
    #[must_use]
    pub fn root_certificate_der(mut self, der: impl Into<Vec<u8>>) -> Self {
        self.roots.push(Root::Der(der.into()));
        self
    }

    /// Builds the transport.
    ///
    /// # Errors
    ///
    /// [`BuildError`] when a root certificate does not parse.
    pub fn build(self) -> Result<SurfTransport, BuildError> {
        let tls = if self.roots.is_empty() {
            None
        } else {
            let mut connector = async_native_tls::TlsConnector::new();
            for root in &self.roots {
                let cert = match root {
                    Root::Pem(pem) => async_native_tls::Certificate::from_pem(pem),
                    Root::Der(der) => async_native_tls::Certificate::from_der(der),
                }
                .map_err(BuildError)?;
                connector = connector.add_root_certificate(cert);
            }
            Some(connector)
        };
        Ok(SurfTransport::from_parts(self, tls))
    }
}

/// Why [`SurfTransportBuilder::build`] failed: a root certificate did not parse.
#[derive(Debug)]
pub struct BuildError(async_native_tls::Error);

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid root certificate")
    }
}

impl StdError for BuildError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn surf_error(message: &'static str) -> surf::Error {
        surf::Error::from_str(400, message)
    }

    #[test]
    fn messages_classify() {
        let cases = [
            (
                "An error occured while creating a new object: Connection refused (os error 111)",
                TransportErrorKind::Connect,
            ),
            (
                "An error occured while creating a new object: connection timed out",
                TransportErrorKind::Timeout,
            ),
            (
                "A timeout occured while creating a new object",
                TransportErrorKind::Timeout,
            ),
            ("connection closed", TransportErrorKind::Io),
            ("empty response", TransportErrorKind::Io),
            ("missing hostname", TransportErrorKind::Other),
        ];
        for (message, want) in cases {
            assert_eq!(classify(&surf_error(message)), want, "{message}");
        }
    }

    #[test]
    fn typed_errors_classify() {
        let io = surf::Error::new(
            400,
            std::io::Error::from(std::io::ErrorKind::ConnectionReset),
        );
        assert_eq!(classify(&io), TransportErrorKind::Io);
        let io = surf::Error::new(
            400,
            std::io::Error::from(std::io::ErrorKind::ConnectionRefused),
        );
        assert_eq!(classify(&io), TransportErrorKind::Connect);
        let e = map_error(io, "request");
        assert!(e.is_connect());
        assert_eq!(e.to_string(), "connection failed: request");
    }

    #[test]
    fn header_values_must_be_ascii() {
        let request = http::Request::post("http://127.0.0.1/")
            .header(
                "x-a",
                http::HeaderValue::from_bytes(b"caf\xe9").expect("obs-text"),
            )
            .body(Bytes::new())
            .expect("valid request");
        let e = to_surf(request).expect_err("not ascii");
        assert_eq!(e.kind(), TransportErrorKind::Other);
    }

    #[test]
    fn request_conversion_keeps_headers_and_body() {
        let request = http::Request::put("http://127.0.0.1:9/p?q=1")
            .header("content-type", "application/json")
            .header("x-multi", "a")
            .header("x-multi", "b")
            .body(Bytes::from_static(b"{}"))
            .expect("valid request");
        let mut out = to_surf(request).expect("converts");
        assert_eq!(out.method(), Method::Put);
        assert_eq!(out.url().as_str(), "http://127.0.0.1:9/p?q=1");
        assert_eq!(
            out.header("content-type").map(|v| v.as_str()),
            Some("application/json")
        );
        let multi: Vec<_> = out
            .header("x-multi")
            .map(|v| v.iter().map(|x| x.as_str().to_owned()).collect())
            .unwrap_or_default();
        assert_eq!(multi, ["a", "b"]);
        let body = futures_lite::future::block_on(out.take_body().into_bytes()).expect("body");
        assert_eq!(body, b"{}");
    }

    #[test]
    fn bad_root_is_an_error() {
        let e = SurfTransport::builder()
            .root_certificate_pem("nope")
            .build()
            .expect_err("not a certificate");
        assert_eq!(e.to_string(), "invalid root certificate");
    }
}
