//! [`Server`]: the emulator on a loopback socket (hyper 1, tokio; HTTP/1.1 keep-alive and
//! HTTP/2, optional HTTPS with a generated self-signed certificate).

use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::inprocess::{lock, system_now};
use crate::{Delivery, Emulator};

/// The default request body limit: 16 MiB (the service's own limit is not documented).
pub const DEFAULT_MAX_BODY: usize = 16 * 1024 * 1024;

/// How to run a [`Server`].
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// Where to listen (default `127.0.0.1:0`: a free loopback port).
    pub addr: SocketAddr,
    /// Serve HTTPS with a self-signed certificate for `localhost` and `127.0.0.1`.
    pub tls: bool,
    /// Largest request body accepted; larger ones get HTTP 413 (default [`DEFAULT_MAX_BODY`]).
    pub max_body: usize,
    /// How long a client may take to send a request head before the connection is closed
    /// (default 30 s), so slow clients cannot pile up.
    pub header_timeout: Duration,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            tls: false,
            max_body: DEFAULT_MAX_BODY,
            header_timeout: Duration::from_secs(30),
        }
    }
}

/// A running emulator server. Dropping it without [`Server::shutdown`] also stops it.
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use tim_emulator::{Config, Emulator, Server, ServerOptions};
///
/// let emulator = Emulator::demo(Config::new(1400000000, "my-key"));
/// let server = Server::start(emulator, ServerOptions::default()).await?;
/// println!("listening on {}", server.base_url());
/// server.with(|e| {
///     e.faults().script(tim_emulator::Fault::HttpStatus(502), 1);
/// });
/// server.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    ca_pem: Option<String>,
    emulator: Arc<Mutex<Emulator>>,
    stop: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Server {
    /// Binds `options.addr` and serves `emulator` on it. Must be called within a tokio runtime
    /// (with the `net` and `time` drivers enabled).
    ///
    /// # Errors
    ///
    /// Binding the socket or building the TLS configuration failed.
    pub async fn start(emulator: Emulator, options: ServerOptions) -> io::Result<Server> {
        Server::start_shared(Arc::new(Mutex::new(emulator)), options).await
    }

    /// As [`Server::start`], for an emulator shared with something else (e.g. an
    /// [`crate::InProcess`] transport).
    ///
    /// # Errors
    ///
    /// Binding the socket or building the TLS configuration failed.
    pub async fn start_shared(
        emulator: Arc<Mutex<Emulator>>,
        options: ServerOptions,
    ) -> io::Result<Server> {
        let listener = TcpListener::bind(options.addr).await?;
        let addr = listener.local_addr()?;
        let (acceptor, ca_pem) = if options.tls {
            let (a, pem) = tls::acceptor()?;
            (Some(a), Some(pem))
        } else {
            (None, None)
        };
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(accept_loop(
            listener,
            acceptor,
            Arc::clone(&emulator),
            options,
            stopped,
        ));
        Ok(Server {
            addr,
            ca_pem,
            emulator,
            stop,
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT`, or `https://localhost:PORT` with TLS (the name the certificate
    /// is for).
    pub fn base_url(&self) -> String {
        match (&self.ca_pem, self.addr) {
            (Some(_), a) if a.ip().is_loopback() => format!("https://localhost:{}", a.port()),
            (Some(_), a) => format!("https://{a}"),
            (None, a) => format!("http://{a}"),
        }
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The self-signed certificate (PEM) when serving HTTPS; trust it as a root in the client.
    pub fn ca_cert_pem(&self) -> Option<String> {
        self.ca_pem.clone()
    }

    /// Runs `f` on the emulator (load data, script faults, read the log).
    pub fn with<R>(&self, f: impl FnOnce(&mut Emulator) -> R) -> R {
        f(&mut lock(&self.emulator))
    }

    /// The shared emulator.
    pub fn shared(&self) -> Arc<Mutex<Emulator>> {
        Arc::clone(&self.emulator)
    }

    /// Stops accepting, closes every connection and waits for the server task to end.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: Option<tokio_rustls::TlsAcceptor>,
    emulator: Arc<Mutex<Emulator>>,
    options: ServerOptions,
    mut stopped: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = stopped.changed() => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let emulator = Arc::clone(&emulator);
                let acceptor = acceptor.clone();
                let options = options.clone();
                connections.spawn(async move {
                    match acceptor {
                        None => serve(stream, emulator, options).await,
                        Some(acceptor) => {
                            let handshake = tokio::time::timeout(options.header_timeout, acceptor.accept(stream));
                            if let Ok(Ok(tls)) = handshake.await {
                                serve(tls, emulator, options).await;
                            }
                        }
                    }
                });
            }
        }
        while connections.try_join_next().is_some() {}
    }
    connections.shutdown().await;
}

async fn serve<S>(stream: S, emulator: Arc<Mutex<Emulator>>, options: ServerOptions)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let max_body = options.max_body;
    let service = service_fn(move |request: hyper::Request<Incoming>| {
        let emulator = Arc::clone(&emulator);
        async move { respond(request, emulator, max_body).await }
    });
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(options.header_timeout)
        .keep_alive(true);
    // Errors end only this connection (garbage bytes, resets, dropped replies).
    let _ = builder
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

/// The error a service returns to make hyper close the connection without answering.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for Dropped {}

async fn respond(
    request: hyper::Request<Incoming>,
    emulator: Arc<Mutex<Emulator>>,
    max_body: usize,
) -> Result<hyper::Response<ReplyBody>, Dropped> {
    let (parts, body) = request.into_parts();
    let declared = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_large = || {
        let mut r = hyper::Response::new(ReplyBody::full(Bytes::from(format!(
            "{{\"error\":\"request body larger than {max_body} bytes\"}}"
        ))));
        *r.status_mut() = http::StatusCode::PAYLOAD_TOO_LARGE;
        r.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        // The rest of the body is not read: close rather than resynchronise.
        r.headers_mut().insert(
            http::header::CONNECTION,
            http::HeaderValue::from_static("close"),
        );
        r
    };
    if declared.is_some_and(|n| n > max_body as u64) {
        return Ok(too_large());
    }
    let bytes = match Limited::new(body, max_body).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => return Ok(too_large()),
        // The client went away or sent a broken body: nothing to answer.
        Err(_) => return Err(Dropped),
    };
    if is_save(&parts, &bytes) && lock(&emulator).state_file().is_some() {
        return Ok(save(emulator).await);
    }
    let request = http::Request::from_parts(parts, bytes);
    let reply = lock(&emulator).handle(system_now(), request);
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let (parts, body) = reply.response.into_parts();
    match reply.delivery {
        Delivery::Drop => Err(Dropped),
        Delivery::Truncate { after } => {
            let mut parts = parts;
            parts.headers.insert(
                http::header::CONTENT_LENGTH,
                http::HeaderValue::from(body.len()),
            );
            Ok(hyper::Response::from_parts(
                parts,
                ReplyBody::truncated(body.slice(..after.min(body.len()))),
            ))
        }
        _ => Ok(hyper::Response::from_parts(parts, ReplyBody::full(body))),
    }
}

/// `POST /_emulator/save` without a query and with an empty body or `{}` (otherwise the core
/// answers the 400).
fn is_save(parts: &http::request::Parts, body: &Bytes) -> bool {
    parts.method == http::Method::POST
        && parts.uri.path().trim_end_matches('/') == "/_emulator/save"
        && parts.uri.query().is_none_or(str::is_empty)
        && (body.iter().all(u8::is_ascii_whitespace)
            || serde_json::from_slice::<serde_json::Value>(body)
                .is_ok_and(|v| v.as_object().is_some_and(serde_json::Map::is_empty)))
}

/// Writes the state file off the runtime's workers and answers how it went.
async fn save(emulator: Arc<Mutex<Emulator>>) -> hyper::Response<ReplyBody> {
    let saved = tokio::task::spawn_blocking(move || crate::persist::save_state(&emulator)).await;
    let (status, body) = match saved {
        Ok(Ok(Some((path, bytes)))) => (
            http::StatusCode::OK,
            serde_json::json!({ "ok": true, "path": path.display().to_string(), "bytes": bytes }),
        ),
        Ok(Ok(None)) => (
            http::StatusCode::CONFLICT,
            serde_json::json!({ "error": "this emulator has no state file" }),
        ),
        Ok(Err(e)) => (
            http::StatusCode::INTERNAL_SERVER_ERROR,
            serde_json::json!({ "error": format!("cannot write the state file: {e}") }),
        ),
        Err(e) => (
            http::StatusCode::INTERNAL_SERVER_ERROR,
            serde_json::json!({ "error": format!("the save task failed: {e}") }),
        ),
    };
    let mut r = hyper::Response::new(ReplyBody::full(crate::wire::to_json(&body)));
    *r.status_mut() = status;
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    r
}

/// A whole body, or the first bytes of one followed by an error, which makes hyper abort the
/// connection. Between the two the body waits a moment, so hyper flushes the bytes before
/// tearing the connection down.
#[derive(Debug)]
struct ReplyBody {
    data: Option<Bytes>,
    truncated: bool,
    pause: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl ReplyBody {
    fn full(data: Bytes) -> Self {
        ReplyBody {
            data: Some(data),
            truncated: false,
            pause: None,
        }
    }

    fn truncated(data: Bytes) -> Self {
        ReplyBody {
            data: Some(data),
            truncated: true,
            pause: None,
        }
    }
}

impl Body for ReplyBody {
    type Data = Bytes;
    type Error = Dropped;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Dropped>>> {
        if let Some(d) = self.data.take()
            && !d.is_empty()
        {
            return Poll::Ready(Some(Ok(Frame::data(d))));
        }
        if !self.truncated {
            return Poll::Ready(None);
        }
        let pause = self
            .pause
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(Duration::from_millis(20))));
        match pause.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(()) => {
                self.truncated = false;
                Poll::Ready(Some(Err(Dropped)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        !self.truncated && self.data.as_ref().is_none_or(Bytes::is_empty)
    }

    fn size_hint(&self) -> SizeHint {
        match (&self.data, self.truncated) {
            // Unknown, so hyper keeps the Content-Length the reply declared.
            (_, true) => SizeHint::default(),
            (Some(d), false) => SizeHint::with_exact(d.len() as u64),
            (None, false) => SizeHint::with_exact(0),
        }
    }
}

mod tls {
    use std::io;
    use std::sync::Arc;

    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

    /// A TLS acceptor with a fresh self-signed certificate for `localhost` and `127.0.0.1`, and
    /// that certificate as PEM. The ring provider is passed explicitly, never the process
    /// default (dependency-notes, gotcha 4).
    pub(super) fn acceptor() -> io::Result<(tokio_rustls::TlsAcceptor, String)> {
        let certified = rcgen::generate_simple_self_signed(vec![
            "localhost".to_owned(),
            "127.0.0.1".to_owned(),
        ])
        .map_err(io::Error::other)?;
        let pem = certified.cert.pem();
        let cert: CertificateDer<'static> = certified.cert.der().clone();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            certified.signing_key.serialize_der(),
        ));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(io::Error::other)?
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .map_err(io::Error::other)?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok((tokio_rustls::TlsAcceptor::from(Arc::new(config)), pem))
    }
}
