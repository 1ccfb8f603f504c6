//! hyper 1 (tokio, rustls) transport for the tim Tencent Cloud IM toolkit.
//!
//! [`HyperTransport`] implements [`tim_transport::Transport`] with hyper-util's pooled
//! keep-alive client: HTTP/1.1, and HTTP/2 when the server offers it through TLS ALPN. HTTPS goes
//! through rustls with the *ring* crypto provider chosen explicitly, so the transport works even
//! when another crate in the build enables rustls's `aws-lc-rs` feature too (rustls would
//! otherwise panic because it cannot pick a provider).
//!
//! # Runtime
//!
//! It needs a [tokio] runtime with the time and I/O drivers enabled (`#[tokio::main]`, or a
//! runtime built with `enable_all()`). Sending from another executor (async-std, smol, a plain
//! `block_on`) without a tokio runtime entered panics with "there is no reactor running, must
//! be called from the context of a Tokio 1.x runtime"; building the transport needs none. For
//! blocking code use `tim-transport-ureq`; for other executors `tim-transport-isahc`. Pool and
//! timeouts are set on the builder: [`connect_timeout`](HyperTransportBuilder::connect_timeout),
//! [`request_timeout`](HyperTransportBuilder::request_timeout),
//! [`pool_max_idle_per_host`](HyperTransportBuilder::pool_max_idle_per_host) and
//! [`pool_idle_timeout`](HyperTransportBuilder::pool_idle_timeout) (see the table below).
//!
//! ```toml
//! [dependencies]
#![doc = concat!("tim-transport-hyper = \"", env!("CARGO_PKG_VERSION"), "\"")]
//! tokio = { version = "1", features = ["rt-multi-thread", "macros"] }
//! ```
//!
//! # Example
//!
//! ```no_run
//! use std::time::Duration;
//! use tim_transport::{Bytes, Transport};
//! use tim_transport_hyper::HyperTransport;
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     // Web PKI roots, 10 s connect and request timeouts, keep-alive pool.
//!     let transport = HyperTransport::new();
//!
//!     // Or tuned:
//!     let transport = HyperTransport::builder()
//!         .connect_timeout(Duration::from_secs(2))
//!         .request_timeout(Duration::from_secs(5))
//!         .native_roots(true)
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
//! # Configuration
//!
//! | setting | default | builder method |
//! |---|---|---|
//! | connect timeout (TCP connect; TLS is part of the request) | 10 s | [`connect_timeout`](HyperTransportBuilder::connect_timeout) |
//! | request timeout (connect, send, whole response body) | 10 s | [`request_timeout`](HyperTransportBuilder::request_timeout) |
//! | idle pooled connections kept per host | unlimited | [`pool_max_idle_per_host`](HyperTransportBuilder::pool_max_idle_per_host) |
//! | idle connection lifetime | 90 s | [`pool_idle_timeout`](HyperTransportBuilder::pool_idle_timeout) |
//! | trusted roots | Mozilla's, from `webpki-roots` | [`webpki_roots`](HyperTransportBuilder::webpki_roots), [`native_roots`](HyperTransportBuilder::native_roots), [`root_certificate_pem`](HyperTransportBuilder::root_certificate_pem), [`root_certificate_der`](HyperTransportBuilder::root_certificate_der) |
//! | whole rustls config | built from the above | [`tls_config`](HyperTransportBuilder::tls_config) |
//!
//! The service's own timeout is 3 s, so the 10 s defaults only cut off a dead peer.
//! A client you configured yourself becomes a transport with [`From`]; the request timeout then
//! is the default and can be changed with [`HyperTransport::with_request_timeout`].
//!
//! # Errors
//!
//! Failures map to [`TransportErrorKind`]:
//!
//! - DNS failure, connection refused, TLS handshake or certificate failure: `Connect`;
//! - connect or request timeout: `Timeout`;
//! - connection closed or reset before the response ended (also a body cut short): `Io`;
//! - anything else (for example a URI without scheme and authority): `Other`.
//!
//! Every HTTP status is a response, not an error. The backend error is kept, redacted, as the
//! error's source.
//!
//! [tokio]: https://docs.rs/tokio

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::{Connect, HttpConnector};
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tim_transport::tls::Roots;
pub use tim_transport::tls::{PemError, RootsError};
use tim_transport::{Transport, TransportError, TransportErrorKind, async_trait};

/// The default connect and request timeouts: 10 seconds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The default lifetime of an idle pooled connection: 90 seconds.
pub const DEFAULT_POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// The hyper-util client type [`HyperTransport::new`] and the builder create.
pub type HttpsClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// A [`Transport`] over hyper-util's pooled client; see the [crate documentation](crate).
///
/// Cloning is cheap and clones share the connection pool.
#[derive(Clone)]
pub struct HyperTransport<C = HttpsConnector<HttpConnector>> {
    client: Client<C, Full<Bytes>>,
    request_timeout: Option<Duration>,
}

impl HyperTransport {
    /// A transport with the default settings: Mozilla's roots, 10 s timeouts, keep-alive pool.
    pub fn new() -> Self {
        // Web PKI roots and the ring provider cannot fail: they are compiled in.
        Self::builder()
            .build()
            .expect("the default configuration has no fallible parts")
    }

    /// A builder for a transport with custom timeouts, pool or trusted roots.
    pub fn builder() -> HyperTransportBuilder {
        HyperTransportBuilder::default()
    }
}

impl Default for HyperTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl<C> HyperTransport<C> {
    /// Sets (or, with `None`, removes) the timeout for a whole request, including reading the
    /// response body.
    #[must_use]
    pub fn with_request_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.request_timeout = timeout.into();
        self
    }

    /// The request timeout.
    pub fn request_timeout(&self) -> Option<Duration> {
        self.request_timeout
    }

    /// The underlying hyper-util client.
    pub fn client(&self) -> &Client<C, Full<Bytes>> {
        &self.client
    }
}

impl<C> From<Client<C, Full<Bytes>>> for HyperTransport<C> {
    /// Wraps a client you configured; the request timeout is [`DEFAULT_TIMEOUT`].
    fn from(client: Client<C, Full<Bytes>>) -> Self {
        Self {
            client,
            request_timeout: Some(DEFAULT_TIMEOUT),
        }
    }
}

impl<C> fmt::Debug for HyperTransport<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HyperTransport")
            .field("request_timeout", &self.request_timeout)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl<C> Transport for HyperTransport<C>
where
    C: Connect + Clone + Send + Sync + 'static,
{
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let exchange = async {
            let response = self
                .client
                .request(request.map(Full::new))
                .await
                .map_err(map_client_error)?;
            let (parts, body) = response.into_parts();
            let body = body.collect().await.map_err(map_body_error)?.to_bytes();
            Ok(http::Response::from_parts(parts, body))
        };
        match self.request_timeout {
            Some(limit) => match tokio::time::timeout(limit, exchange).await {
                Ok(result) => result,
                Err(elapsed) => {
                    Err(TransportError::timeout(elapsed).with_context("request timeout"))
                }
            },
            None => exchange.await,
        }
    }
}

fn map_client_error(error: hyper_util::client::legacy::Error) -> TransportError {
    let (kind, context) = if error.is_connect() {
        match chain_io_kind(&error) {
            Some(io::ErrorKind::TimedOut) => (TransportErrorKind::Timeout, "connect timeout"),
            _ => (TransportErrorKind::Connect, "connect"),
        }
    } else {
        (classify_chain(&error), "request")
    };
    TransportError::new(kind, error).with_context(context)
}

fn map_body_error(error: hyper::Error) -> TransportError {
    let kind = classify_chain(&error);
    TransportError::new(kind, error).with_context("response body")
}

/// Classifies a failure after the connection was made by the first hyper or I/O error in the
/// chain.
fn classify_chain(error: &(dyn StdError + 'static)) -> TransportErrorKind {
    let mut next = Some(error);
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

fn chain_io_kind(error: &(dyn StdError + 'static)) -> Option<io::ErrorKind> {
    let mut next = Some(error);
    while let Some(e) = next {
        if let Some(io) = e.downcast_ref::<io::Error>() {
            return Some(io.kind());
        }
        next = e.source();
    }
    None
}

/// Builds a [`HyperTransport`]; see [`HyperTransport::builder`].
#[derive(Clone)]
pub struct HyperTransportBuilder {
    connect_timeout: Option<Duration>,
    request_timeout: Option<Duration>,
    pool_idle_timeout: Option<Duration>,
    pool_max_idle_per_host: usize,
    roots: Roots,
    tls_config: Option<rustls::ClientConfig>,
}

impl Default for HyperTransportBuilder {
    fn default() -> Self {
        Self {
            connect_timeout: Some(DEFAULT_TIMEOUT),
            request_timeout: Some(DEFAULT_TIMEOUT),
            pool_idle_timeout: Some(DEFAULT_POOL_IDLE_TIMEOUT),
            pool_max_idle_per_host: usize::MAX,
            roots: Roots::default(),
            tls_config: None,
        }
    }
}

impl fmt::Debug for HyperTransportBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HyperTransportBuilder")
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("pool_idle_timeout", &self.pool_idle_timeout)
            .field("pool_max_idle_per_host", &self.pool_max_idle_per_host)
            .field("roots", &self.roots)
            .field("custom_tls_config", &self.tls_config.is_some())
            .finish()
    }
}

impl HyperTransportBuilder {
    /// Sets (or, with `None`, removes) the TCP connect timeout. Default 10 s.
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

    /// Builds the transport.
    ///
    /// # Errors
    ///
    /// [`BuildError`] when a root certificate does not parse, when native roots were asked for
    /// and none could be loaded, or when no root is trusted at all.
    pub fn build(self) -> Result<HyperTransport, BuildError> {
        let tls = match self.tls_config {
            Some(mut config) => {
                // hyper-rustls sets ALPN itself and panics when it is already set.
                config.alpn_protocols.clear();
                config
            }
            None => self.roots.client_config()?,
        };

        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(self.connect_timeout);

        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .wrap_connector(http);

        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new())
            .pool_idle_timeout(self.pool_idle_timeout)
            .pool_max_idle_per_host(self.pool_max_idle_per_host)
            .build(https);

        Ok(HyperTransport {
            client,
            request_timeout: self.request_timeout,
        })
    }
}

/// Why [`HyperTransportBuilder::build`] failed.
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

    #[test]
    fn bad_roots_are_typed_errors() {
        let e = HyperTransport::builder()
            .root_certificate_pem("not a pem")
            .build()
            .expect_err("no certificate");
        assert!(
            matches!(e, BuildError::Roots(RootsError::NoCertificateInPem)),
            "{e:?}"
        );

        let e = HyperTransport::builder()
            .root_certificate_pem("-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n")
            .build()
            .expect_err("bad base64");
        assert!(matches!(e, BuildError::Roots(RootsError::Pem(_))), "{e:?}");

        let e = HyperTransport::builder()
            .root_certificate_der(vec![1, 2, 3])
            .build()
            .expect_err("not DER");
        assert!(
            matches!(e, BuildError::Roots(RootsError::Certificate(_))),
            "{e:?}"
        );

        let e = HyperTransport::builder()
            .webpki_roots(false)
            .build()
            .expect_err("empty store");
        assert!(matches!(e, BuildError::Roots(RootsError::NoRoots)), "{e:?}");
        assert_eq!(e.to_string(), "no trusted root certificate configured");
    }

    #[tokio::test]
    async fn defaults_and_debug() {
        let t = HyperTransport::new();
        assert_eq!(t.request_timeout(), Some(DEFAULT_TIMEOUT));
        let t = t.with_request_timeout(None);
        assert_eq!(t.request_timeout(), None);
        assert!(format!("{t:?}").starts_with("HyperTransport"));
        let b = HyperTransport::builder().pool_max_idle_per_host(0);
        assert!(format!("{b:?}").contains("pool_max_idle_per_host: 0"));
    }

    #[tokio::test]
    async fn custom_tls_config_with_alpn_is_accepted() {
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("ring supports the defaults")
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        // hyper-rustls would panic on a preset ALPN list.
        let t = HyperTransport::builder().tls_config(config).build();
        assert!(t.is_ok());
    }

    #[tokio::test]
    async fn refused_is_connect() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("bound");
        drop(listener);
        let t = HyperTransport::new();
        let request = http::Request::get(format!("http://{addr}/?usersig=SECRET"))
            .body(Bytes::new())
            .expect("valid request");
        let e = t.send(request).await.expect_err("nothing listens");
        assert!(e.is_connect(), "{e:?}");
        assert_eq!(e.io_error_kind(), Some(io::ErrorKind::ConnectionRefused));
        assert!(!format!("{e:?}").contains("SECRET"));
    }

    /// What the crate docs promise about sending outside a tokio runtime.
    #[test]
    #[should_panic(expected = "there is no reactor running")]
    fn sending_needs_a_tokio_runtime() {
        let t = HyperTransport::new();
        let request = http::Request::get("http://127.0.0.1:9/")
            .body(Bytes::new())
            .expect("valid request");
        let _ = futures_lite::future::block_on(t.send(request));
    }

    #[tokio::test]
    async fn relative_uri_is_other() {
        let t = HyperTransport::new();
        let request = http::Request::get("/relative")
            .body(Bytes::new())
            .expect("valid request");
        let e = t.send(request).await.expect_err("needs absolute uri");
        assert_eq!(e.kind(), TransportErrorKind::Other, "{e:?}");
    }
}
