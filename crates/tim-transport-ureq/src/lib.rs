//! ureq 3 (blocking, rustls) transport for the tim Tencent Cloud IM toolkit.
//!
//! [`UreqTransport`] implements [`tim_transport::BlockingTransport`], the blocking twin of the
//! async `Transport` trait, with a [`ureq::Agent`]: HTTP/1.1 on a keep-alive pool, TLS through
//! rustls with the *ring* crypto provider chosen explicitly (so it works even when another crate
//! in the build enables rustls's `aws-lc-rs` feature too), web PKI roots by default, native and
//! custom roots on request.
//!
//! It is for code without an async runtime: command-line tools, scripts, synchronous servers.
//!
//! # Runtime
//!
//! **None.** [`send`](BlockingTransport::send) blocks the calling thread until the whole
//! response has arrived, a timeout elapsed, or the connection failed; nothing runs in the
//! background. Share one transport between threads (it is `Send + Sync`; clones share the
//! pool). Do not call it from an async task: that blocks the executor's thread for the whole
//! exchange. This crate deliberately does not implement the async `Transport` trait by moving
//! the call to a thread behind your back; async code uses `tim-transport-hyper`,
//! `tim-transport-reqwest` or `tim-transport-isahc` instead (or, if it must use this one, its own
//! `spawn_blocking`).
//!
//! ```toml
//! [dependencies]
#![doc = concat!("tim-transport-ureq = \"", env!("CARGO_PKG_VERSION"), "\"")]
//! ```
//!
//! # Example
//!
//! ```no_run
//! use std::time::Duration;
//! use tim_transport::{BlockingTransport, Bytes};
//! use tim_transport_ureq::UreqTransport;
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     // Web PKI roots, 10 s connect and request timeouts, keep-alive pool, no proxy.
//!     let transport = UreqTransport::new();
//!
//!     // Or tuned:
//!     let transport = UreqTransport::builder()
//!         .connect_timeout(Duration::from_secs(2))
//!         .request_timeout(Duration::from_secs(5))
//!         .max_idle_connections_per_host(8)
//!         .native_roots(true)
//!         .build()?;
//!
//!     let request = http::Request::post("https://console.tim.qq.com/v4/recentcontact/get_list?...")
//!         .header("content-type", "application/json")
//!         .body(Bytes::from_static(br#"{"From_Account":"alice","TimeStamp":0,"StartIndex":0}"#))?;
//!     let response = transport.send(request)?;
//!     println!("{} {} bytes", response.status(), response.body().len());
//!     Ok(())
//! }
//! ```
//!
//! # Configuration
//!
//! | setting | default | builder method |
//! |---|---|---|
//! | connect timeout (DNS, TCP and TLS) | 10 s | [`connect_timeout`](UreqTransportBuilder::connect_timeout) |
//! | request timeout (each of: sending, waiting for the response head, reading the whole body) | 10 s | [`request_timeout`](UreqTransportBuilder::request_timeout) |
//! | overall timeout (DNS to the last body byte, one budget) | none | [`overall_timeout`](UreqTransportBuilder::overall_timeout) |
//! | idle pooled connections, in all | 10 | [`max_idle_connections`](UreqTransportBuilder::max_idle_connections) |
//! | idle pooled connections per host | 3 | [`max_idle_connections_per_host`](UreqTransportBuilder::max_idle_connections_per_host) |
//! | idle connection lifetime | 15 s | [`max_idle_age`](UreqTransportBuilder::max_idle_age) |
//! | largest response body | 256 MiB | [`body_limit`](UreqTransportBuilder::body_limit) |
//! | trusted roots | Mozilla's, from `webpki-roots` | [`webpki_roots`](UreqTransportBuilder::webpki_roots), [`native_roots`](UreqTransportBuilder::native_roots), [`root_certificate_pem`](UreqTransportBuilder::root_certificate_pem), [`root_certificate_der`](UreqTransportBuilder::root_certificate_der) |
//! | proxy | none: proxy environment variables are **not** read | [`proxy`](UreqTransportBuilder::proxy), [`proxy_from_env`](UreqTransportBuilder::proxy_from_env) |
//!
//! # Timeouts
//!
//! The request timeout is given to each phase of an exchange after connecting: sending the
//! request, waiting for the response head, and reading the body (ureq's `timeout_send_request`,
//! `timeout_send_body`, `timeout_recv_response` and `timeout_recv_body`), so a server that
//! never answers, or stops in the middle of a body, is cut off after it; a peer slow in every
//! phase can take up to that long in each. It does not cover DNS: the system resolver's own
//! timeouts apply there.
//!
//! This is not ureq's `timeout_global` on purpose. Whenever a timeout covers name resolution,
//! ureq resolves the host on a new thread for every request, pooled connection or not, so
//! that it can give up on it; in the workspace benchmark (sequential requests over one
//! loopback keep-alive connection) that took a request from about 150 µs to 570–1,400 µs.
//! If you want one strict budget for the whole exchange, DNS included, set
//! [`overall_timeout`](UreqTransportBuilder::overall_timeout) and pay that thread per request.
//!
//! # Pool, redirects, body limit and proxies
//!
//! The pool size is ureq's: it bounds the *idle* connections kept for reuse; any number of
//! threads can send at once, each on its own connection. The transport changes three of ureq's
//! defaults so that it keeps the [`BlockingTransport`] contract: 4xx and 5xx responses are
//! responses, not errors (`http_status_as_error(false)`); redirects are returned, not followed
//! (like the other adapters); and the response body limit is 256 MiB instead of ureq's 10 MB. It
//! also does not read `http_proxy`/`https_proxy`/`all_proxy` from the environment, which ureq
//! does by default. The service's own timeout is 3 s, so the 10 s defaults only cut off a dead
//! peer. An agent you configured yourself becomes a transport with [`From`]; see there for what
//! it must be configured with.
//!
//! # Errors
//!
//! [`ureq::Error`] maps to [`TransportErrorKind`]:
//!
//! - `HostNotFound`, `ConnectionFailed`, `ConnectProxyFailed`, TLS and certificate errors, and
//!   I/O errors of a connect kind (refused, unreachable): `Connect`;
//! - `Timeout` (connect or request) and I/O `TimedOut`/`WouldBlock`: `Timeout`;
//! - other I/O errors (reset, closed, cut short) and HTTP protocol errors (a connection closed
//!   before the response head): `Io`;
//! - anything else, for example a URI without scheme and host, or a body over the limit:
//!   `Other`.
//!
//! Every HTTP status is a response, not an error. The ureq error is kept, redacted, as the
//! error's source, and unredacted as its [`TransportError::backend`] (downcast it to
//! [`ureq::Error`]). `ureq::Error` has no `source()` chain, so
//! [`TransportError::io_error_kind`] is `None`; the I/O error is inside `ureq::Error::Io`.

use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tim_transport::tls::Roots;
pub use tim_transport::tls::{PemError, RootsError};
use tim_transport::{BlockingTransport, TransportError, TransportErrorKind};
use ureq::Agent;
use ureq::tls::{Certificate, RootCerts, TlsConfig};

/// The default connect and request timeouts: 10 seconds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The default largest response body: 256 MiB.
pub const DEFAULT_BODY_LIMIT: u64 = 256 * 1024 * 1024;

/// ureq's own default for the idle connection lifetime: 15 seconds.
pub const DEFAULT_MAX_IDLE_AGE: Duration = Duration::from_secs(15);

/// A [`BlockingTransport`] over a [`ureq::Agent`]; see the [crate documentation](crate).
///
/// Cloning is cheap and clones share the connection pool.
#[derive(Clone)]
pub struct UreqTransport {
    agent: Agent,
    body_limit: u64,
}

impl UreqTransport {
    /// A transport with the default settings: Mozilla's roots, 10 s timeouts, keep-alive pool,
    /// no proxy.
    pub fn new() -> Self {
        // Web PKI roots and the ring provider cannot fail: they are compiled in.
        Self::builder()
            .build()
            .expect("the default configuration has no fallible parts")
    }

    /// A builder for a transport with custom timeouts, pool, body limit, roots or proxy.
    pub fn builder() -> UreqTransportBuilder {
        UreqTransportBuilder::default()
    }

    /// Sets the largest response body the transport reads; a longer one is an `Other` error.
    #[must_use]
    pub fn with_body_limit(mut self, limit: u64) -> Self {
        self.body_limit = limit;
        self
    }

    /// The largest response body the transport reads.
    pub fn body_limit(&self) -> u64 {
        self.body_limit
    }

    /// The underlying ureq agent.
    pub fn agent(&self) -> &Agent {
        &self.agent
    }
}

impl Default for UreqTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl From<Agent> for UreqTransport {
    /// Wraps an agent you configured, with its own timeouts, pool, TLS and proxy settings; the
    /// body limit is [`DEFAULT_BODY_LIMIT`].
    ///
    /// Configure it with `http_status_as_error(false)`: with ureq's default, a 4xx or 5xx
    /// response is an error (an `Other` [`TransportError`] here), which breaks the
    /// [`BlockingTransport`] contract. Also consider `max_redirects(0)` with
    /// `max_redirects_will_error(false)` (redirects returned, not followed) and `proxy(None)`
    /// (ureq otherwise reads proxy environment variables).
    fn from(agent: Agent) -> Self {
        Self {
            agent,
            body_limit: DEFAULT_BODY_LIMIT,
        }
    }
}

impl fmt::Debug for UreqTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UreqTransport")
            .field("body_limit", &self.body_limit)
            .finish_non_exhaustive()
    }
}

impl BlockingTransport for UreqTransport {
    fn send(&self, request: http::Request<Bytes>) -> Result<http::Response<Bytes>, TransportError> {
        let (parts, body) = request.into_parts();
        // ureq sends a borrowed slice as it is, with its `Content-Length`: no copy.
        let request = http::Request::from_parts(parts, &body[..]);
        let response = self
            .agent
            .run(request)
            .map_err(|e| map_error(e, "request"))?;
        let (parts, mut body) = response.into_parts();
        let body = body
            .with_config()
            .limit(self.body_limit)
            .read_to_vec()
            .map_err(|e| map_error(e, "response body"))?;
        Ok(http::Response::from_parts(parts, Bytes::from(body)))
    }
}

fn classify(error: &ureq::Error) -> TransportErrorKind {
    use ureq::Error as E;
    match error {
        E::HostNotFound
        | E::ConnectionFailed
        | E::ConnectProxyFailed(_)
        | E::Tls(_)
        | E::Rustls(_)
        | E::TlsRequired => TransportErrorKind::Connect,
        E::Timeout(_) => TransportErrorKind::Timeout,
        E::Io(io) => classify_io(io),
        E::Protocol(_) => TransportErrorKind::Io,
        _ => TransportErrorKind::Other,
    }
}

fn classify_io(error: &io::Error) -> TransportErrorKind {
    // rustls reports handshake and certificate failures as `InvalidData` I/O errors wrapping a
    // `rustls::Error`: the connection was never usable, so nothing was sent.
    if error
        .get_ref()
        .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some())
    {
        return TransportErrorKind::Connect;
    }
    match error.kind() {
        io::ErrorKind::WouldBlock => TransportErrorKind::Timeout,
        kind => TransportErrorKind::from_io(kind),
    }
}

fn map_error(error: ureq::Error, context: &'static str) -> TransportError {
    TransportError::new(classify(&error), error).with_context(context)
}

/// Builds a [`UreqTransport`]; see [`UreqTransport::builder`].
#[derive(Clone)]
pub struct UreqTransportBuilder {
    connect_timeout: Option<Duration>,
    request_timeout: Option<Duration>,
    overall_timeout: Option<Duration>,
    max_idle_connections: usize,
    max_idle_connections_per_host: usize,
    max_idle_age: Duration,
    body_limit: u64,
    roots: Roots,
    proxy: Option<ureq::Proxy>,
    proxy_from_env: bool,
}

impl Default for UreqTransportBuilder {
    fn default() -> Self {
        Self {
            connect_timeout: Some(DEFAULT_TIMEOUT),
            request_timeout: Some(DEFAULT_TIMEOUT),
            overall_timeout: None,
            max_idle_connections: 10,
            max_idle_connections_per_host: 3,
            max_idle_age: DEFAULT_MAX_IDLE_AGE,
            body_limit: DEFAULT_BODY_LIMIT,
            roots: Roots::default(),
            proxy: None,
            proxy_from_env: false,
        }
    }
}

impl fmt::Debug for UreqTransportBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UreqTransportBuilder")
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("overall_timeout", &self.overall_timeout)
            .field("max_idle_connections", &self.max_idle_connections)
            .field(
                "max_idle_connections_per_host",
                &self.max_idle_connections_per_host,
            )
            .field("max_idle_age", &self.max_idle_age)
            .field("body_limit", &self.body_limit)
            .field("roots", &self.roots)
            // A proxy URL may carry credentials.
            .field("proxy", &self.proxy.is_some())
            .field("proxy_from_env", &self.proxy_from_env)
            .finish()
    }
}

impl UreqTransportBuilder {
    /// Sets (or, with `None`, removes) the connect timeout: DNS, TCP connect and TLS handshake.
    /// Default 10 s.
    #[must_use]
    pub fn connect_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.connect_timeout = timeout.into();
        self
    }

    /// Sets (or, with `None`, removes) the timeout of each phase after connecting: sending the
    /// request, waiting for the response head, reading the whole body. Default 10 s. See
    /// [Timeouts](crate#timeouts).
    #[must_use]
    pub fn request_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.request_timeout = timeout.into();
        self
    }

    /// Sets (or, with `None`, removes) one budget for a whole exchange, from resolving the host
    /// to the last byte of the body (ureq's `timeout_global`), on top of the other timeouts.
    /// Default none: with it, ureq resolves the host on a new thread for every request. See
    /// [Timeouts](crate#timeouts).
    #[must_use]
    pub fn overall_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.overall_timeout = timeout.into();
        self
    }

    /// Sets how many idle connections the pool keeps in all. Default 10; `0` turns keep-alive
    /// off.
    #[must_use]
    pub fn max_idle_connections(mut self, max: usize) -> Self {
        self.max_idle_connections = max;
        self
    }

    /// Sets how many idle connections per host the pool keeps. Default 3.
    #[must_use]
    pub fn max_idle_connections_per_host(mut self, max: usize) -> Self {
        self.max_idle_connections_per_host = max;
        self
    }

    /// Sets how long an idle pooled connection is kept. Default 15 s.
    #[must_use]
    pub fn max_idle_age(mut self, age: Duration) -> Self {
        self.max_idle_age = age;
        self
    }

    /// Sets the largest response body the transport reads; a longer one is an `Other` error.
    /// Default 256 MiB (ureq's own default is 10 MB). `u64::MAX` removes the limit.
    #[must_use]
    pub fn body_limit(mut self, limit: u64) -> Self {
        self.body_limit = limit;
        self
    }

    /// Whether to trust Mozilla's root certificates, compiled in. Default `true`.
    #[must_use]
    pub fn webpki_roots(mut self, enabled: bool) -> Self {
        self.roots = self.roots.webpki(enabled);
        self
    }

    /// Whether to trust the operating system's root certificates (and `SSL_CERT_FILE`), loaded
    /// by `rustls-native-certs` in [`build`](Self::build). Default `false`.
    #[must_use]
    pub fn native_roots(mut self, enabled: bool) -> Self {
        self.roots = self.roots.native(enabled);
        self
    }

    /// Also trusts the certificates in `pem` (one or more `CERTIFICATE` blocks), for example a
    /// test server's self-signed certificate. Parsed and checked in [`build`](Self::build).
    #[must_use]
    pub fn root_certificate_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.roots = self.roots.pem(pem);
        self
    }

    /// Also trusts the DER-encoded certificate `der`. Checked in [`build`](Self::build).
    #[must_use]
    pub fn root_certificate_der(mut self, der: impl Into<Vec<u8>>) -> Self {
        self.roots = self.roots.der(der);
        self
    }

    /// Sends every request through this proxy. Default: no proxy.
    #[must_use]
    pub fn proxy(mut self, proxy: ureq::Proxy) -> Self {
        self.proxy = Some(proxy);
        self
    }

    /// Whether to take the proxy from the `ALL_PROXY`, `HTTPS_PROXY` or `HTTP_PROXY`
    /// environment variables (and their lowercase forms, with `NO_PROXY`), read in
    /// [`build`](Self::build), when no [`proxy`](Self::proxy) is given. Default `false`.
    #[must_use]
    pub fn proxy_from_env(mut self, enabled: bool) -> Self {
        self.proxy_from_env = enabled;
        self
    }

    /// Builds the transport.
    ///
    /// # Errors
    ///
    /// [`BuildError`] when a root certificate does not parse, when native roots were asked for
    /// and none could be loaded, or when no root is trusted at all.
    pub fn build(self) -> Result<UreqTransport, BuildError> {
        let roots = root_certs(&self.roots)?;
        let tls = TlsConfig::builder()
            .root_certs(roots)
            .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .build();
        let proxy = match self.proxy {
            Some(proxy) => Some(proxy),
            None if self.proxy_from_env => ureq::Proxy::try_from_env(),
            None => None,
        };
        let agent = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .proxy(proxy)
            .tls_config(tls)
            .no_delay(true)
            .timeout_connect(self.connect_timeout)
            // Not `timeout_global`: see the crate docs' "Timeouts".
            .timeout_send_request(self.request_timeout)
            .timeout_send_body(self.request_timeout)
            .timeout_recv_response(self.request_timeout)
            .timeout_recv_body(self.request_timeout)
            .timeout_global(self.overall_timeout)
            .max_idle_connections(self.max_idle_connections)
            .max_idle_connections_per_host(self.max_idle_connections_per_host)
            .max_idle_age(self.max_idle_age)
            .build()
            .new_agent();
        Ok(UreqTransport {
            agent,
            body_limit: self.body_limit,
        })
    }
}

/// The roots in ureq's form: its own compiled-in web PKI store for the default, otherwise every
/// certificate [`Roots`] yields (each extra one checked by rustls there, since ureq would skip a
/// certificate rustls cannot use without saying so).
fn root_certs(roots: &Roots) -> Result<RootCerts, BuildError> {
    if roots.is_webpki_only() {
        return Ok(RootCerts::WebPki);
    }
    Ok(RootCerts::from(
        roots
            .certificates()?
            .into_iter()
            .map(|c| Certificate::from_der(c.as_ref()).to_owned()),
    ))
}

/// Why [`UreqTransportBuilder::build`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The trusted roots could not be used (a root does not parse, native roots were asked for
    /// and none could be loaded, or nothing is trusted at all).
    #[error(transparent)]
    Roots(#[from] RootsError),
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    #[test]
    fn bad_roots_are_typed_errors() {
        let e = UreqTransport::builder()
            .root_certificate_pem("not a pem")
            .build()
            .expect_err("no certificate");
        assert!(
            matches!(e, BuildError::Roots(RootsError::NoCertificateInPem)),
            "{e:?}"
        );

        let e = UreqTransport::builder()
            .root_certificate_pem("-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n")
            .build()
            .expect_err("bad base64");
        assert!(matches!(e, BuildError::Roots(RootsError::Pem(_))), "{e:?}");

        let e = UreqTransport::builder()
            .root_certificate_der(vec![1, 2, 3])
            .build()
            .expect_err("not DER");
        assert!(
            matches!(e, BuildError::Roots(RootsError::Certificate(_))),
            "{e:?}"
        );

        let e = UreqTransport::builder()
            .webpki_roots(false)
            .build()
            .expect_err("empty store");
        assert!(matches!(e, BuildError::Roots(RootsError::NoRoots)), "{e:?}");
        assert_eq!(e.to_string(), "no trusted root certificate configured");
    }

    #[test]
    fn defaults_and_debug() {
        let t = UreqTransport::new();
        assert_eq!(t.body_limit(), DEFAULT_BODY_LIMIT);
        let t = t.with_body_limit(5);
        assert_eq!(t.body_limit(), 5);
        assert!(format!("{t:?}").starts_with("UreqTransport"));
        let b = UreqTransport::builder()
            .max_idle_connections_per_host(0)
            .proxy(ureq::Proxy::new("http://user:pw@127.0.0.1:9").expect("a proxy url"));
        let text = format!("{b:?}");
        assert!(text.contains("max_idle_connections_per_host: 0"), "{text}");
        assert!(!text.contains("pw"), "{text}");
    }

    #[test]
    fn kinds_map() {
        let cases = [
            (ureq::Error::HostNotFound, TransportErrorKind::Connect),
            (ureq::Error::ConnectionFailed, TransportErrorKind::Connect),
            (
                ureq::Error::Timeout(ureq::Timeout::Global),
                TransportErrorKind::Timeout,
            ),
            (
                ureq::Error::Io(io::ErrorKind::ConnectionRefused.into()),
                TransportErrorKind::Connect,
            ),
            (
                ureq::Error::Io(io::ErrorKind::UnexpectedEof.into()),
                TransportErrorKind::Io,
            ),
            (
                ureq::Error::Io(io::Error::new(
                    io::ErrorKind::InvalidData,
                    rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
                )),
                TransportErrorKind::Connect,
            ),
            (ureq::Error::BadUri("x".into()), TransportErrorKind::Other),
            (ureq::Error::BodyExceedsLimit(5), TransportErrorKind::Other),
        ];
        for (error, want) in cases {
            assert_eq!(classify(&error), want, "{error:?}");
        }
    }

    /// A one-connection loopback server that answers one request with `answer`.
    fn one_shot(answer: &'static [u8]) -> (std::net::SocketAddr, std::thread::JoinHandle<()>) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("bound");
        let thread = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().expect("a connection");
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                if stream.read(&mut byte).expect("read") == 0 {
                    return;
                }
                head.push(byte[0]);
            }
            stream.write_all(answer).expect("write");
        });
        (addr, thread)
    }

    #[test]
    fn redirects_are_returned_and_errors_are_responses() {
        let (addr, server) = one_shot(
            b"HTTP/1.1 302 Found\r\nlocation: http://127.0.0.1:9/elsewhere\r\ncontent-length: 0\r\n\r\n",
        );
        let t = UreqTransport::new();
        let request = http::Request::get(format!("http://{addr}/"))
            .body(Bytes::new())
            .expect("valid request");
        let response = t.send(request).expect("a 302 is a response");
        assert_eq!(response.status(), http::StatusCode::FOUND);
        server.join().expect("server ran");

        let (addr, server) =
            one_shot(b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 4\r\n\r\nbusy");
        let request = http::Request::get(format!("http://{addr}/"))
            .body(Bytes::new())
            .expect("valid request");
        let response = t.send(request).expect("a 503 is a response");
        assert_eq!(response.status(), http::StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.body(), &b"busy"[..]);
        server.join().expect("server ran");
    }

    #[test]
    fn body_limit_is_other() {
        let (addr, server) = one_shot(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n0123456789");
        let t = UreqTransport::builder()
            .body_limit(4)
            .build()
            .expect("valid configuration");
        let request = http::Request::get(format!("http://{addr}/?usersig=SECRET"))
            .body(Bytes::new())
            .expect("valid request");
        let e = t.send(request).expect_err("over the limit");
        assert_eq!(e.kind(), TransportErrorKind::Other, "{e:?}");
        assert!(!format!("{e:?}").contains("SECRET"));
        server.join().expect("server ran");
    }

    #[test]
    fn refused_is_connect() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("bound");
        drop(listener);
        let t = UreqTransport::new();
        let request = http::Request::get(format!("http://{addr}/?usersig=SECRET"))
            .body(Bytes::new())
            .expect("valid request");
        let e = t.send(request).expect_err("nothing listens");
        assert!(e.is_connect(), "{e:?}");
        assert!(!format!("{e:?}").contains("SECRET"));
        let backend = e
            .backend()
            .downcast_ref::<ureq::Error>()
            .expect("a ureq::Error");
        assert!(
            matches!(backend, ureq::Error::Io(io) if io.kind() == io::ErrorKind::ConnectionRefused),
            "{backend:?}"
        );
    }

    #[test]
    fn relative_uri_is_other() {
        let t = UreqTransport::new();
        let request = http::Request::get("/relative")
            .body(Bytes::new())
            .expect("valid request");
        let e = t.send(request).expect_err("needs absolute uri");
        assert_eq!(e.kind(), TransportErrorKind::Other, "{e:?}");
    }
}
