//! isahc 2 (curl) transport for the tim Tencent Cloud IM toolkit, usable under any async runtime.
//!
//! [`IsahcTransport`] implements [`tim_transport::Transport`] with an [`isahc::HttpClient`].
//! isahc drives libcurl on its own agent thread, so the transport works under any executor:
//! tokio, async-std, smol, or a plain `block_on`. It speaks HTTP/1.1 and HTTP/2, keeps
//! connections alive in curl's connection cache, and does TLS with rustls inside curl
//! (rustls-ffi with the aws-lc-rs provider). That TLS stack is separate from the Rust `rustls`
//! crate other adapters use.
//!
//! # Runtime
//!
//! **Any executor, or none.** isahc starts its own agent thread (one per client) that drives
//! libcurl, and the `send` future only waits for it, so nothing fails for want of a runtime:
//! tokio, async-std, smol and `futures_lite::future::block_on` all work. What can fail is
//! starting that thread or initialising libcurl ([`IsahcTransport::new`] panics then,
//! [`IsahcTransportBuilder::build`] returns a [`BuildError`]). Pool and timeouts are set on the
//! builder: [`connect_timeout`](IsahcTransportBuilder::connect_timeout),
//! [`request_timeout`](IsahcTransportBuilder::request_timeout),
//! [`max_connections_per_host`](IsahcTransportBuilder::max_connections_per_host) and
//! [`connection_cache_size`](IsahcTransportBuilder::connection_cache_size) (see the table
//! below).
//!
//! ```toml
//! [dependencies]
#![doc = concat!("tim-transport-isahc = \"", env!("CARGO_PKG_VERSION"), "\"")]
//! futures-lite = "2"
//! ```
//!
//! # Example
//!
//! ```no_run
//! use std::time::Duration;
//! use tim_transport::{Bytes, Transport};
//! use tim_transport_isahc::IsahcTransport;
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     futures_lite::future::block_on(async {
//!         // The system's roots, 10 s connect and request timeouts, keep-alive.
//!         let transport = IsahcTransport::new();
//!
//!         // Or tuned:
//!         let transport = IsahcTransport::builder()
//!             .connect_timeout(Duration::from_secs(2))
//!             .request_timeout(Duration::from_secs(5))
//!             .build()?;
//!
//!         let request =
//!             http::Request::post("https://console.tim.qq.com/v4/recentcontact/get_list?...")
//!                 .header("content-type", "application/json")
//!                 .body(Bytes::from_static(br#"{"From_Account":"alice","TimeStamp":0,"StartIndex":0}"#))?;
//!         let response = transport.send(request).await?;
//!         println!("{} {} bytes", response.status(), response.body().len());
//!         Ok(())
//!     })
//! }
//! ```
//!
//! # Configuration
//!
//! | setting | default | builder method |
//! |---|---|---|
//! | connect timeout | 10 s | [`connect_timeout`](IsahcTransportBuilder::connect_timeout) |
//! | request timeout (whole exchange, body included) | 10 s | [`request_timeout`](IsahcTransportBuilder::request_timeout) |
//! | connections per host | unlimited | [`max_connections_per_host`](IsahcTransportBuilder::max_connections_per_host) |
//! | idle connection cache | curl's default size, 118 s lifetime | [`connection_cache_size`](IsahcTransportBuilder::connection_cache_size) |
//! | trusted roots | the operating system's (rustls-platform-verifier) | [`root_certificate_pem`](IsahcTransportBuilder::root_certificate_pem), [`root_certificate_der`](IsahcTransportBuilder::root_certificate_der), [`trust_store`](IsahcTransportBuilder::trust_store) |
//!
//! The transport turns off `Expect: 100-continue` (one round trip less for large bodies) and
//! leaves isahc's other defaults: no redirects followed, no automatic decompression. The
//! service's own timeout is 3 s, so the 10 s defaults only cut off a dead peer.
//! A client you configured yourself becomes a transport with [`From`].
//!
//! curl re-sends a request once, on a new connection, when a reused keep-alive connection
//! closes before any byte of the answer arrived (the server may have closed it as idle just as
//! the request went out). The server may then see that request twice; the tim APIs that go
//! through a transport are safe to repeat (get_list reads; delete of an absent conversation
//! succeeds). hyper's pooled client retries only requests it knows were not written.
//!
//! curl honours the `http_proxy`, `https_proxy`, `all_proxy` and `no_proxy` environment
//! variables.
//!
//! # Logs and the UserSig
//!
//! isahc 2 opens a `DEBUG` [`tracing`](https://docs.rs/tracing) span named `send_async` whose
//! fields include the full request URI, and the URI of every IM REST call carries the UserSig.
//! tim's own crates never log it, but a subscriber that records isahc's spans at `DEBUG` or more
//! will. Filter isahc at `info` (for example `EnvFilter::new("info,isahc=info")`, or
//! `RUST_LOG=...,isahc=info`, or `Targets::new().with_default(Level::TRACE).with_target("isahc",
//! Level::INFO)`) wherever logs leave the process: **a library user must keep the `isahc` target
//! below `DEBUG`**. The `tim` command's `--verbose` filter does (`isahc=warn`, unit-tested). The
//! client's secrets test (`tests/client-conformance`) captures a walk at TRACE for every adapter
//! and checks that, through that filter, neither the key nor the UserSig appears anywhere, and
//! that without it this span is the only place the UserSig appears.
//!
//! # Errors
//!
//! isahc's [`ErrorKind`] maps to [`TransportErrorKind`]:
//!
//! - `ConnectionFailed`, `NameResolution`, `BadServerCertificate`, `BadClientCertificate`,
//!   `InvalidTlsConfiguration`, `TlsEngine`: `Connect`;
//! - `Timeout`: `Timeout`;
//! - `Io`, `ProtocolViolation` (curl's "empty reply from server" when the connection is closed
//!   without an answer): `Io`;
//! - anything else: `Other`.
//!
//! Every HTTP status is a response, not an error. The isahc error is kept, redacted, as the
//! error's source.
//!
//! # Performance
//!
//! Sequential requests cost more than with hyper: in the workspace benchmark (1,000 sequential
//! 7 KB pages over one loopback keep-alive connection, `cargo bench -p conformance`) this
//! transport adds 32–52 µs per request to a bare hyper connection (about 35 µs typically). With
//! client and server on one vCPU (the cheapest round trip, 41–44 µs) that is 1.82–1.91× the bare
//! connection; spread over two vCPUs (about 85 µs) 1.39–1.61×, whether the server runs in the
//! same process or in another. The goal was 1.5×. The overhead is isahc's design, not this
//! adapter: every request is handed to isahc's agent thread and back, and that thread spends
//! about 32 µs of CPU per request (measured per thread from `/proc/self/task/*/schedstat`), on
//! the critical path:
//!
//! - two extra cross-thread wake-ups per request (caller → agent with the new transfer,
//!   agent → caller with the response), each a futex wake and, on a VM, an inter-processor
//!   interrupt; the agent also parks and unparks between requests;
//! - curl's per-transfer work: a new easy handle, the connection-cache lookup, formatting the
//!   request line and headers, and removing and re-adding the connection's socket to the
//!   agent's epoll set around each transfer.
//!
//! None of the knobs the adapter controls moves it (each measured in one process against the
//! same floor): `tcp_nodelay`, HTTP/1.1-only version negotiation, `metrics(false)`,
//! `automatic_decompression(false)`, `DnsCache::Forever`, no timeouts at all, reading the
//! body into a `Vec` pre-sized from `Content-Length` or with `read_exact` instead of
//! [`AsyncReadResponseExt::bytes`], or running under tokio instead of `block_on`. The request
//! body is already an in-memory buffer (no pipe), and curl writes headers and body in one
//! `send`. Details: `docs/performance.md` in the repository, section "Transport adapters".
//!
//! # Build requirements
//!
//! isahc 2 builds libcurl from source with rustls-ffi and aws-lc-sys: it needs a C compiler but
//! no system OpenSSL or libcurl.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use isahc::config::Configurable;
use isahc::error::ErrorKind;
use isahc::tls::{TlsConfig, TrustStore};
use isahc::{AsyncBody, AsyncReadResponseExt, HttpClient};
use tim_transport::{Transport, TransportError, TransportErrorKind, async_trait};

/// The default connect and request timeouts: 10 seconds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// A [`Transport`] over an [`isahc::HttpClient`]; see the [crate documentation](crate).
///
/// Cloning is cheap and clones share the client and its connections.
#[derive(Clone)]
pub struct IsahcTransport {
    client: HttpClient,
}

impl IsahcTransport {
    /// A transport with the default settings: system roots, 10 s timeouts, keep-alive.
    ///
    /// # Panics
    ///
    /// When isahc cannot start its agent thread or initialise libcurl, which happens only when
    /// the process is out of resources. Use [`builder`](Self::builder) to get that as an error.
    pub fn new() -> Self {
        match Self::builder().build() {
            Ok(transport) => transport,
            Err(error) => panic!("cannot start the isahc client: {error:?}"),
        }
    }

    /// A builder for a transport with custom timeouts, connection limits or trusted roots.
    pub fn builder() -> IsahcTransportBuilder {
        IsahcTransportBuilder::default()
    }

    /// The underlying isahc client.
    pub fn client(&self) -> &HttpClient {
        &self.client
    }
}

impl Default for IsahcTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl From<HttpClient> for IsahcTransport {
    /// Wraps a client you configured, with its own timeouts and TLS settings.
    fn from(client: HttpClient) -> Self {
        Self { client }
    }
}

impl fmt::Debug for IsahcTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IsahcTransport").finish_non_exhaustive()
    }
}

#[async_trait]
impl Transport for IsahcTransport {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        // `Vec::from(Bytes)` does not copy when the buffer is not shared.
        let request = request.map(|body| AsyncBody::from(Vec::<u8>::from(body)));
        let mut response = self
            .client
            .send_async(request)
            .await
            .map_err(|e| map_error(e, "request"))?;
        let body = response
            .bytes()
            .await
            .map_err(|e| map_error(isahc::Error::from(e), "response body"))?;
        let (parts, _) = response.into_parts();
        Ok(http::Response::from_parts(parts, Bytes::from(body)))
    }
}

fn classify(kind: &ErrorKind) -> TransportErrorKind {
    match kind {
        ErrorKind::ConnectionFailed
        | ErrorKind::NameResolution
        | ErrorKind::BadServerCertificate
        | ErrorKind::BadClientCertificate
        | ErrorKind::InvalidTlsConfiguration
        | ErrorKind::TlsEngine => TransportErrorKind::Connect,
        ErrorKind::Timeout => TransportErrorKind::Timeout,
        ErrorKind::Io | ErrorKind::ProtocolViolation => TransportErrorKind::Io,
        _ => TransportErrorKind::Other,
    }
}

fn map_error(error: isahc::Error, context: &'static str) -> TransportError {
    TransportError::new(classify(error.kind()), error).with_context(context)
}

/// Builds an [`IsahcTransport`]; see [`IsahcTransport::builder`].
#[derive(Clone)]
pub struct IsahcTransportBuilder {
    connect_timeout: Option<Duration>,
    request_timeout: Option<Duration>,
    max_connections_per_host: Option<usize>,
    connection_cache_size: Option<usize>,
    roots_pem: Vec<u8>,
    trust_store: Option<TrustStore>,
}

impl Default for IsahcTransportBuilder {
    fn default() -> Self {
        Self {
            connect_timeout: Some(DEFAULT_TIMEOUT),
            request_timeout: Some(DEFAULT_TIMEOUT),
            max_connections_per_host: None,
            connection_cache_size: None,
            roots_pem: Vec::new(),
            trust_store: None,
        }
    }
}

impl fmt::Debug for IsahcTransportBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IsahcTransportBuilder")
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("max_connections_per_host", &self.max_connections_per_host)
            .field("connection_cache_size", &self.connection_cache_size)
            .field("custom_roots", &!self.roots_pem.is_empty())
            .field("custom_trust_store", &self.trust_store.is_some())
            .finish()
    }
}

impl IsahcTransportBuilder {
    /// Sets (or, with `None`, leaves to curl's default of 300 s) the connect timeout.
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

    /// Limits the connections open to one host at a time; further requests wait for one.
    /// Default unlimited.
    #[must_use]
    pub fn max_connections_per_host(mut self, max: usize) -> Self {
        self.max_connections_per_host = Some(max);
        self
    }

    /// Sets how many idle connections curl keeps for reuse; `0` turns keep-alive off.
    #[must_use]
    pub fn connection_cache_size(mut self, size: usize) -> Self {
        self.connection_cache_size = Some(size);
        self
    }

    /// Trusts the certificates in `pem` (one or more `CERTIFICATE` blocks), for example a test
    /// server's self-signed certificate.
    ///
    /// Given root certificates **replace** the system roots: curl then trusts only them. The
    /// certificates are checked by curl when a request uses them; a malformed one makes every
    /// HTTPS request fail with a `Connect` error.
    #[must_use]
    pub fn root_certificate_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.roots_pem.extend_from_slice(pem.as_ref());
        if !self.roots_pem.ends_with(b"\n") {
            self.roots_pem.push(b'\n');
        }
        self
    }

    /// Trusts the DER-encoded certificate `der`; see
    /// [`root_certificate_pem`](Self::root_certificate_pem).
    #[must_use]
    pub fn root_certificate_der(self, der: impl AsRef<[u8]>) -> Self {
        self.root_certificate_pem(der_to_pem(der.as_ref()))
    }

    /// Uses this isahc trust store, for example [`TrustStore::native`]. Overrides the root
    /// certificates given with the other methods.
    #[must_use]
    pub fn trust_store(mut self, store: TrustStore) -> Self {
        self.trust_store = Some(store);
        self
    }

    /// Builds the transport.
    ///
    /// # Errors
    ///
    /// [`BuildError`] when isahc cannot start its agent thread or initialise libcurl.
    pub fn build(self) -> Result<IsahcTransport, BuildError> {
        let mut builder = HttpClient::builder().expect_continue(false);
        if let Some(timeout) = self.connect_timeout {
            builder = builder.connect_timeout(timeout);
        }
        if let Some(timeout) = self.request_timeout {
            builder = builder.timeout(timeout);
        }
        if let Some(max) = self.max_connections_per_host {
            builder = builder.max_connections_per_host(max);
        }
        if let Some(size) = self.connection_cache_size {
            builder = builder.connection_cache_size(size);
        }
        let store = match self.trust_store {
            Some(store) => Some(store),
            None if !self.roots_pem.is_empty() => Some(
                TrustStore::builder()
                    .certificate_from_pem(&self.roots_pem)
                    .build(),
            ),
            None => None,
        };
        if let Some(store) = store {
            builder = builder.tls_config(TlsConfig::builder().trust_store(store).build());
        }
        let client = builder.build().map_err(BuildError)?;
        Ok(IsahcTransport { client })
    }
}

/// Encodes a DER certificate as one PEM `CERTIFICATE` block.
fn der_to_pem(der: &[u8]) -> Vec<u8> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut b64 = Vec::with_capacity(der.len().div_ceil(3) * 4);
    for chunk in der.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                b64.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]);
            } else {
                b64.push(b'=');
            }
        }
    }
    let mut pem = b"-----BEGIN CERTIFICATE-----\n".to_vec();
    for line in b64.chunks(64) {
        pem.extend_from_slice(line);
        pem.push(b'\n');
    }
    pem.extend_from_slice(b"-----END CERTIFICATE-----\n");
    pem
}

/// Why [`IsahcTransportBuilder::build`] failed: isahc could not create its client.
#[derive(Debug)]
pub struct BuildError(isahc::Error);

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("cannot start the isahc client")
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

    #[test]
    fn kinds_map() {
        let cases = [
            (ErrorKind::ConnectionFailed, TransportErrorKind::Connect),
            (ErrorKind::NameResolution, TransportErrorKind::Connect),
            (ErrorKind::BadServerCertificate, TransportErrorKind::Connect),
            (ErrorKind::Timeout, TransportErrorKind::Timeout),
            (ErrorKind::Io, TransportErrorKind::Io),
            (ErrorKind::ProtocolViolation, TransportErrorKind::Io),
            (ErrorKind::InvalidRequest, TransportErrorKind::Other),
            (ErrorKind::TooManyRedirects, TransportErrorKind::Other),
        ];
        for (isahc_kind, want) in cases {
            assert_eq!(classify(&isahc_kind), want, "{isahc_kind:?}");
            let e = map_error(isahc::Error::from(isahc_kind), "request");
            assert_eq!(e.kind(), want);
        }
    }

    #[test]
    fn der_to_pem_round_trips_base64() {
        // "Man" -> "TWFu", "Ma" -> "TWE=", "M" -> "TQ=="
        let pem = String::from_utf8(der_to_pem(b"ManMaM")).expect("ascii");
        assert_eq!(
            pem,
            "-----BEGIN CERTIFICATE-----\nTWFuTWFN\n-----END CERTIFICATE-----\n"
        );
        let pem = String::from_utf8(der_to_pem(b"Ma")).expect("ascii");
        assert!(pem.contains("\nTWE=\n"));
        let pem = String::from_utf8(der_to_pem(b"M")).expect("ascii");
        assert!(pem.contains("\nTQ==\n"));
        let long = der_to_pem(&[0u8; 100]);
        let body_lines: Vec<_> = std::str::from_utf8(&long)
            .expect("ascii")
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .map(str::len)
            .collect();
        assert_eq!(body_lines, vec![64, 64, 8]);
    }

    #[test]
    fn refused_is_connect() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("bound");
        drop(listener);
        let t = IsahcTransport::new();
        let request = http::Request::get(format!("http://{addr}/?usersig=SECRET"))
            .body(Bytes::new())
            .expect("valid request");
        let e = futures_lite::future::block_on(t.send(request)).expect_err("nothing listens");
        assert!(e.is_connect(), "{e:?}");
        assert!(!format!("{e:?}").contains("SECRET"));
        assert_eq!(e.to_string(), "connection failed: request");
    }

    #[test]
    fn builder_debug() {
        let b = IsahcTransport::builder()
            .root_certificate_pem("x")
            .max_connections_per_host(4);
        let text = format!("{b:?}");
        assert!(text.contains("custom_roots: true"), "{text}");
        assert!(text.contains("max_connections_per_host: Some(4)"), "{text}");
    }
}
