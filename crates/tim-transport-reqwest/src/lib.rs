//! reqwest 0.13 (tokio, rustls on ring) transport for the tim Tencent Cloud IM toolkit.
//!
//! [`ReqwestTransport`] implements [`tim_transport::Transport`] with a [`reqwest::Client`]:
//! your own, or one built with the defaults below. reqwest's pooled client speaks HTTP/1.1, and
//! HTTP/2 when the server offers it through TLS ALPN. The built client does TLS through rustls
//! with a configuration this crate makes with the *ring* crypto provider chosen explicitly, so
//! it builds no aws-lc and works even when another crate in the build enables rustls's
//! `aws-lc-rs` feature too (rustls would otherwise panic because it cannot pick a provider, and
//! reqwest's `rustls-no-provider` feature panics in `Client::builder().build()` when no
//! provider is installed; neither can happen here).
//!
//! # Runtime
//!
//! It needs a [tokio] runtime with the I/O and time drivers enabled (`#[tokio::main]`, or a
//! runtime built with `enable_all()`), like any reqwest client. Sending from another executor
//! (async-std, smol, a plain `block_on`) without a tokio runtime entered fails: hyper panics
//! with "there is no reactor running, must be called from the context of a Tokio 1.x runtime".
//! Building the transport needs no runtime. For blocking code use `tim-transport-ureq`; for
//! other executors `tim-transport-isahc`.
//!
//! ```toml
//! [dependencies]
#![doc = concat!("tim-transport-reqwest = \"", env!("CARGO_PKG_VERSION"), "\"")]
//! tokio = { version = "1", features = ["rt-multi-thread", "macros"] }
//! ```
//!
//! # Example
//!
//! ```no_run
//! use std::time::Duration;
//! use tim_transport::{Bytes, Transport};
//! use tim_transport_reqwest::ReqwestTransport;
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     // Web PKI roots, 10 s connect and request timeouts, keep-alive pool, no proxy.
//!     let transport = ReqwestTransport::new();
//!
//!     // Or tuned:
//!     let transport = ReqwestTransport::builder()
//!         .connect_timeout(Duration::from_secs(2))
//!         .request_timeout(Duration::from_secs(5))
//!         .pool_max_idle_per_host(8)
//!         .native_roots(true)
//!         .build()?;
//!
//!     // Or a client you already have (its own settings apply):
//!     let transport = ReqwestTransport::from(reqwest::Client::new());
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
//! # Configuration
//!
//! | setting | default | builder method |
//! |---|---|---|
//! | connect timeout (TCP connect and TLS handshake) | 10 s | [`connect_timeout`](ReqwestTransportBuilder::connect_timeout) |
//! | request timeout (connect, send, whole response body) | 10 s | [`request_timeout`](ReqwestTransportBuilder::request_timeout) |
//! | idle pooled connections kept per host | unlimited | [`pool_max_idle_per_host`](ReqwestTransportBuilder::pool_max_idle_per_host) |
//! | idle connection lifetime | 90 s | [`pool_idle_timeout`](ReqwestTransportBuilder::pool_idle_timeout) |
//! | trusted roots | Mozilla's, from `webpki-roots` | [`webpki_roots`](ReqwestTransportBuilder::webpki_roots), [`native_roots`](ReqwestTransportBuilder::native_roots), [`root_certificate_pem`](ReqwestTransportBuilder::root_certificate_pem), [`root_certificate_der`](ReqwestTransportBuilder::root_certificate_der) |
//! | whole rustls config | built from the above | [`tls_config`](ReqwestTransportBuilder::tls_config) |
//! | proxy | none: proxy environment variables are **not** read | [`proxy`](ReqwestTransportBuilder::proxy), [`proxy_from_env`](ReqwestTransportBuilder::proxy_from_env) |
//!
//! The built client differs from `reqwest::Client::new()` where the transport contract needs it:
//! redirects are returned, not followed (like the other adapters); no proxy is read from
//! `http_proxy`/`https_proxy`/`all_proxy` (reqwest does by default); `TCP_NODELAY` is on;
//! bodies are not decompressed (the crate enables no decompression feature). The service's own
//! timeout is 3 s, so the 10 s defaults only cut off a dead peer. A client you configured
//! yourself becomes a transport with [`From`], with all its own settings; give it
//! `redirect(reqwest::redirect::Policy::none())` to keep redirects visible.
//!
//! # Errors
//!
//! [`reqwest::Error`] maps to [`TransportErrorKind`]:
//!
//! - a timeout (connect or request, also while reading the body): `Timeout`;
//! - DNS failure, connection refused, TLS handshake or certificate failure
//!   ([`reqwest::Error::is_connect`]): `Connect`;
//! - an [`std::io::Error`] in the chain: by its kind ([`TransportErrorKind::from_io`]);
//! - the connection closed or reset before the response ended (hyper's incomplete message,
//!   also a body cut short): `Io`;
//! - anything else (for example a URI reqwest cannot use): `Other`.
//!
//! Every HTTP status is a response, not an error (the transport never calls
//! `error_for_status`). reqwest prints the request URL, UserSig included, in its errors; the
//! error is kept redacted as the [`TransportError`]'s source, and unredacted as its
//! [`TransportError::backend`] (downcast it to [`reqwest::Error`]; do not print it).
//!
//! # `reqwest-middleware`
//!
//! The transport takes a plain [`reqwest::Client`], not a `reqwest_middleware::ClientWithMiddleware`.
//! A middleware stack is where retries, tracing and authentication live, and for tim those
//! belong to the client (`tim-client` retries with backoff under one deadline, rate-limits and
//! traces with the UserSig redacted): a retry middleware under it would multiply attempts and
//! bypass the rate limiter, and a tracing middleware would log the URL with its UserSig.
//! Middleware errors are also `anyhow::Error`s that cannot be classified as connect, timeout
//! or I/O. If you need one anyway, implementing [`Transport`] for your own wrapper is a few
//! lines: convert with `reqwest::Request::try_from(request)`, call `execute`, and collect the
//! body as this crate does.
//!
//! # Performance
//!
//! The adapter adds nothing measurable to reqwest itself: replaying 1,000 recorded `get_list`
//! requests through it costs 0.99–1.04× the same `reqwest::Client` sent pre-built
//! `reqwest::Request`s directly. reqwest's own layers over hyper-util (its URL, request and
//! response types, timeout and redirect handling) cost about 10–15 µs per request on a loopback
//! round trip, 1.21–1.29× a bare hyper connection with client and server on one vCPU. If that
//! matters, [`tim-transport-hyper`](https://docs.rs/tim-transport-hyper) is within 5 % of the bare
//! connection. Details: `docs/performance.md` in the repository, "Transport adapters".
//!
//! [tokio]: https://docs.rs/tokio

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use tim_transport::tls::Roots;
pub use tim_transport::tls::{PemError, RootsError};
use tim_transport::{Transport, TransportError, TransportErrorKind, async_trait};

/// The default connect and request timeouts: 10 seconds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The default lifetime of an idle pooled connection: 90 seconds.
pub const DEFAULT_POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// A [`Transport`] over a [`reqwest::Client`]; see the [crate documentation](crate).
///
/// Cloning is cheap and clones share the connection pool.
#[derive(Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
}

impl ReqwestTransport {
    /// A transport with the default settings: Mozilla's roots, 10 s timeouts, keep-alive pool,
    /// no proxy, redirects returned.
    ///
    /// # Panics
    ///
    /// When reqwest cannot build its client, which the default configuration does not make
    /// happen. Use [`builder`](Self::builder) to get any failure as an error.
    pub fn new() -> Self {
        match Self::builder().build() {
            Ok(transport) => transport,
            Err(error) => panic!("cannot build the reqwest client: {error}"),
        }
    }

    /// A builder for a transport with custom timeouts, pool, trusted roots or proxy.
    pub fn builder() -> ReqwestTransportBuilder {
        ReqwestTransportBuilder::default()
    }

    /// The underlying reqwest client.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }
}

impl Default for ReqwestTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl From<reqwest::Client> for ReqwestTransport {
    /// Wraps a client you configured, with its own timeouts, pool, TLS, redirect and proxy
    /// settings.
    fn from(client: reqwest::Client) -> Self {
        Self { client }
    }
}

impl fmt::Debug for ReqwestTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReqwestTransport").finish_non_exhaustive()
    }
}

#[async_trait]
impl Transport for ReqwestTransport {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let request = reqwest::Request::try_from(request).map_err(|e| map_error(e, "request"))?;
        let response = self
            .client
            .execute(request)
            .await
            .map_err(|e| map_error(e, "request"))?;
        let (parts, body) = http::Response::<reqwest::Body>::from(response).into_parts();
        let body = body
            .collect()
            .await
            .map_err(|e| map_error(e, "response body"))?
            .to_bytes();
        Ok(http::Response::from_parts(parts, body))
    }
}

fn classify(error: &reqwest::Error) -> TransportErrorKind {
    if error.is_timeout() {
        return TransportErrorKind::Timeout;
    }
    if error.is_connect() {
        return TransportErrorKind::Connect;
    }
    let mut next = error.source();
    while let Some(e) = next {
        if let Some(io) = e.downcast_ref::<io::Error>() {
            return TransportErrorKind::from_io(io.kind());
        }
        if let Some(h) = e.downcast_ref::<hyper::Error>() {
            if h.is_timeout() {
                return TransportErrorKind::Timeout;
            }
            if h.is_incomplete_message() || h.is_canceled() || h.is_closed() {
                return TransportErrorKind::Io;
            }
        }
        next = e.source();
    }
    TransportErrorKind::Other
}

fn map_error(error: reqwest::Error, context: &'static str) -> TransportError {
    TransportError::new(classify(&error), error).with_context(context)
}

/// Builds a [`ReqwestTransport`]; see [`ReqwestTransport::builder`].
#[derive(Clone)]
pub struct ReqwestTransportBuilder {
    connect_timeout: Option<Duration>,
    request_timeout: Option<Duration>,
    pool_idle_timeout: Option<Duration>,
    pool_max_idle_per_host: usize,
    roots: Roots,
    tls_config: Option<rustls::ClientConfig>,
    proxies: Vec<reqwest::Proxy>,
    proxy_from_env: bool,
}

impl Default for ReqwestTransportBuilder {
    fn default() -> Self {
        Self {
            connect_timeout: Some(DEFAULT_TIMEOUT),
            request_timeout: Some(DEFAULT_TIMEOUT),
            pool_idle_timeout: Some(DEFAULT_POOL_IDLE_TIMEOUT),
            pool_max_idle_per_host: usize::MAX,
            roots: Roots::default(),
            tls_config: None,
            proxies: Vec::new(),
            proxy_from_env: false,
        }
    }
}

impl fmt::Debug for ReqwestTransportBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReqwestTransportBuilder")
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("pool_idle_timeout", &self.pool_idle_timeout)
            .field("pool_max_idle_per_host", &self.pool_max_idle_per_host)
            .field("roots", &self.roots)
            .field("custom_tls_config", &self.tls_config.is_some())
            // A proxy URL may carry credentials.
            .field("proxies", &self.proxies.len())
            .field("proxy_from_env", &self.proxy_from_env)
            .finish()
    }
}

impl ReqwestTransportBuilder {
    /// Sets (or, with `None`, removes) the connect timeout (TCP connect and TLS handshake).
    /// Default 10 s.
    #[must_use]
    pub fn connect_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.connect_timeout = timeout.into();
        self
    }

    /// Sets (or, with `None`, removes) the timeout for a whole request, from connecting to the
    /// last byte of the response body. Default 10 s.
    #[must_use]
    pub fn request_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.request_timeout = timeout.into();
        self
    }

    /// Sets (or, with `None`, removes) how long an idle pooled connection is kept. Default 90 s.
    #[must_use]
    pub fn pool_idle_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.pool_idle_timeout = timeout.into();
        self
    }

    /// Sets how many idle connections per host the pool keeps. Default unlimited; `0` turns
    /// keep-alive off.
    #[must_use]
    pub fn pool_max_idle_per_host(mut self, max: usize) -> Self {
        self.pool_max_idle_per_host = max;
        self
    }

    /// Whether to trust Mozilla's root certificates, compiled in from `webpki-roots`.
    /// Default `true`.
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
    /// test server's self-signed certificate. Parsed in [`build`](Self::build).
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

    /// Uses this rustls configuration instead of building one from the root settings above,
    /// which are then ignored. ALPN is set by the transport (`h2`, `http/1.1`), replacing any
    /// `alpn_protocols` in `config`.
    ///
    /// Build it with an explicit crypto provider
    /// (`rustls::ClientConfig::builder_with_provider`): `ClientConfig::builder()` panics when
    /// both of rustls's `ring` and `aws-lc-rs` features are enabled in the build.
    #[must_use]
    pub fn tls_config(mut self, config: rustls::ClientConfig) -> Self {
        self.tls_config = Some(config);
        self
    }

    /// Sends requests through this proxy (reqwest's rules decide which requests it applies
    /// to; several can be added). Default: no proxy.
    #[must_use]
    pub fn proxy(mut self, proxy: reqwest::Proxy) -> Self {
        self.proxies.push(proxy);
        self
    }

    /// Whether to let reqwest take proxies from the `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`
    /// and `NO_PROXY` environment variables (and their lowercase forms), as
    /// `reqwest::Client::new()` does. Default `false`.
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
    /// and none could be loaded, when no root is trusted at all, or when reqwest cannot build
    /// its client.
    pub fn build(self) -> Result<ReqwestTransport, BuildError> {
        let mut tls = match self.tls_config {
            Some(config) => config,
            None => self.roots.client_config()?,
        };
        // A preconfigured rustls config is used as it is: reqwest does not set ALPN on it.
        tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];

        let mut builder = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .redirect(reqwest::redirect::Policy::none())
            .tcp_nodelay(true)
            .pool_idle_timeout(self.pool_idle_timeout)
            .pool_max_idle_per_host(self.pool_max_idle_per_host);
        if let Some(timeout) = self.connect_timeout {
            builder = builder.connect_timeout(timeout);
        }
        if let Some(timeout) = self.request_timeout {
            builder = builder.timeout(timeout);
        }
        if !self.proxy_from_env {
            builder = builder.no_proxy();
        }
        for proxy in self.proxies {
            builder = builder.proxy(proxy);
        }
        let client = builder.build().map_err(BuildError::Client)?;
        Ok(ReqwestTransport { client })
    }
}

/// Why [`ReqwestTransportBuilder::build`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The trusted roots could not be used (a root does not parse, native roots were asked for
    /// and none could be loaded, or nothing is trusted at all).
    #[error(transparent)]
    Roots(#[from] RootsError),
    /// reqwest could not build its client.
    #[error("cannot build the reqwest client")]
    Client(#[source] reqwest::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_roots_are_typed_errors() {
        let e = ReqwestTransport::builder()
            .root_certificate_pem("not a pem")
            .build()
            .expect_err("no certificate");
        assert!(
            matches!(e, BuildError::Roots(RootsError::NoCertificateInPem)),
            "{e:?}"
        );

        let e = ReqwestTransport::builder()
            .root_certificate_pem("-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n")
            .build()
            .expect_err("bad base64");
        assert!(matches!(e, BuildError::Roots(RootsError::Pem(_))), "{e:?}");

        let e = ReqwestTransport::builder()
            .root_certificate_der(vec![1, 2, 3])
            .build()
            .expect_err("not DER");
        assert!(
            matches!(e, BuildError::Roots(RootsError::Certificate(_))),
            "{e:?}"
        );

        let e = ReqwestTransport::builder()
            .webpki_roots(false)
            .build()
            .expect_err("empty store");
        assert!(matches!(e, BuildError::Roots(RootsError::NoRoots)), "{e:?}");
        assert_eq!(e.to_string(), "no trusted root certificate configured");
    }

    #[test]
    fn builds_without_a_runtime_or_an_installed_provider() {
        // reqwest's `rustls-no-provider` panics here unless a provider is installed; the
        // preconfigured ring config avoids that.
        let t = ReqwestTransport::new();
        assert!(format!("{t:?}").starts_with("ReqwestTransport"));
        let b = ReqwestTransport::builder()
            .pool_max_idle_per_host(0)
            .proxy(reqwest::Proxy::all("http://user:pw@127.0.0.1:9").expect("a proxy url"));
        let text = format!("{b:?}");
        assert!(text.contains("pool_max_idle_per_host: 0"), "{text}");
        assert!(!text.contains("pw"), "{text}");
    }

    #[tokio::test]
    async fn custom_tls_config_is_accepted() {
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("ring supports the defaults")
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let t = ReqwestTransport::builder().tls_config(config).build();
        assert!(t.is_ok());
    }

    #[tokio::test]
    async fn refused_is_connect() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("bound");
        drop(listener);
        let t = ReqwestTransport::new();
        let request = http::Request::get(format!("http://{addr}/?usersig=SECRET"))
            .body(Bytes::new())
            .expect("valid request");
        let e = t.send(request).await.expect_err("nothing listens");
        assert!(e.is_connect(), "{e:?}");
        assert_eq!(e.io_error_kind(), Some(io::ErrorKind::ConnectionRefused));
        assert!(!format!("{e:?}").contains("SECRET"));
    }

    #[tokio::test]
    async fn redirects_are_returned() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("bound");
        let server = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.expect("a connection");
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                if stream.read(&mut byte).await.expect("read") == 0 {
                    return;
                }
                head.push(byte[0]);
            }
            stream
                .write_all(b"HTTP/1.1 302 Found\r\nlocation: http://127.0.0.1:9/x\r\ncontent-length: 0\r\n\r\n")
                .await
                .expect("write");
        });
        let t = ReqwestTransport::new();
        let request = http::Request::get(format!("http://{addr}/"))
            .body(Bytes::new())
            .expect("valid request");
        let response = t.send(request).await.expect("a 302 is a response");
        assert_eq!(response.status(), http::StatusCode::FOUND);
        server.await.expect("server ran");
    }

    /// What the crate docs promise about sending outside a tokio runtime.
    #[test]
    #[should_panic(expected = "there is no reactor running")]
    fn sending_needs_a_tokio_runtime() {
        let t = ReqwestTransport::new();
        let request = http::Request::get("http://127.0.0.1:9/")
            .body(Bytes::new())
            .expect("valid request");
        let _ = futures_lite::future::block_on(t.send(request));
    }

    #[tokio::test]
    async fn relative_uri_is_other() {
        let t = ReqwestTransport::new();
        let request = http::Request::get("/relative")
            .body(Bytes::new())
            .expect("valid request");
        let e = t.send(request).await.expect_err("needs absolute uri");
        assert_eq!(e.kind(), TransportErrorKind::Other, "{e:?}");
    }
}
