//! The opaque [`TransportError`], its [`TransportErrorKind`] and the redacted error chain.

use std::error::Error as StdError;
use std::fmt;
use std::io;

/// A boxed, thread-safe error, the input type of the [`TransportError`] constructors.
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// The most links of a backend error chain a [`TransportError`] keeps.
const MAX_CHAIN: usize = 16;

/// What kind of failure a [`TransportError`] is; see [`TransportError::kind`].
///
/// The kinds exist for retry decisions: a [`Connect`](Self::Connect) failure means the request
/// never left this host, so it is always safe to retry; after a [`Timeout`](Self::Timeout) or an
/// [`Io`](Self::Io) failure the server may have received and acted on the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// No connection could be made: DNS failure, connection refused, TLS handshake or
    /// certificate failure. The request was not sent.
    Connect,
    /// A connect or request timeout elapsed. The request may have been sent.
    Timeout,
    /// The connection failed after it was made: reset, closed early, response cut short.
    /// The request may have been sent.
    Io,
    /// Anything else, for example a request the backend could not represent.
    Other,
}

impl TransportErrorKind {
    /// The short lowercase text [`TransportError`]'s `Display` prints for this kind.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connect => "connection failed",
            Self::Timeout => "timed out",
            Self::Io => "connection error",
            Self::Other => "transport error",
        }
    }

    /// The kind an [`io::ErrorKind`] belongs to.
    ///
    /// Refused, unreachable and address errors are [`Connect`](Self::Connect), `TimedOut` is
    /// [`Timeout`](Self::Timeout), and everything else (reset, aborted, broken pipe, unexpected
    /// end of file, ...) is [`Io`](Self::Io).
    pub fn from_io(kind: io::ErrorKind) -> Self {
        use io::ErrorKind as K;
        match kind {
            K::ConnectionRefused
            | K::AddrNotAvailable
            | K::AddrInUse
            | K::HostUnreachable
            | K::NetworkUnreachable
            | K::NetworkDown => Self::Connect,
            K::TimedOut => Self::Timeout,
            _ => Self::Io,
        }
    }
}

impl fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error a [`Transport`](crate::Transport) returns when it got no HTTP response.
///
/// An HTTP response with any status (a `502` with an HTML body included) is *not* an error: the
/// transport returns it and the caller decides. A `TransportError` means there is no response to
/// look at.
///
/// The error is opaque: classify it with [`kind`](Self::kind) or the `is_*` predicates, with no
/// downcasting. Its `Display` prints only the kind and, when the adapter gave one, a short fixed
/// context (`"timed out: request timeout"`); the backend's error, redacted, is the
/// [`source`](StdError::source).
///
/// # Redaction
///
/// Requests to the service carry the UserSig token in the URL query (`usersig=...`), and some
/// backends print the URL in their errors. So the `source()` chain is not the backend error
/// itself but a [`RedactedError`] snapshot of its whole chain, taken at construction, in which
/// every `usersig=` value is replaced by `usersig=[redacted]`: printing the error, its `Debug`
/// form or any link of its source chain (as error reporters such as `anyhow` do) never shows the
/// token. The [`io::ErrorKind`] of the first [`io::Error`] in the chain is kept in
/// [`io_error_kind`](Self::io_error_kind).
///
/// The backend's error object itself is kept too, for code that needs its type:
/// [`backend`](Self::backend) and [`into_backend`](Self::into_backend) give it unredacted, to
/// downcast and inspect, not to print.
///
/// ```
/// use std::error::Error as _;
/// use tim_transport::TransportError;
///
/// let io = std::io::Error::new(
///     std::io::ErrorKind::ConnectionRefused,
///     "connect to https://example.com/v4/x?usersig=SECRET failed",
/// );
/// let error = TransportError::connect(io);
/// assert!(error.is_connect());
/// let source = error.source().expect("a source").to_string();
/// assert!(!source.contains("SECRET"), "{source}");
/// // The backend's own error, for its type (its text is unredacted):
/// let io = error.backend().downcast_ref::<std::io::Error>().expect("an io::Error");
/// assert_eq!(io.kind(), std::io::ErrorKind::ConnectionRefused);
/// ```
pub struct TransportError {
    kind: TransportErrorKind,
    context: Option<&'static str>,
    io_kind: Option<io::ErrorKind>,
    source: RedactedError,
    backend: BoxError,
}

impl TransportError {
    /// A new error of the given kind caused by `source`.
    pub fn new(kind: TransportErrorKind, source: impl Into<BoxError>) -> Self {
        let source = source.into();
        let io_kind = find_io_kind(&*source);
        Self {
            kind,
            context: None,
            io_kind,
            source: RedactedError::snapshot(&*source),
            backend: source,
        }
    }

    /// A [`TransportErrorKind::Connect`] error: no connection could be made.
    pub fn connect(source: impl Into<BoxError>) -> Self {
        Self::new(TransportErrorKind::Connect, source)
    }

    /// A [`TransportErrorKind::Timeout`] error: a timeout elapsed.
    pub fn timeout(source: impl Into<BoxError>) -> Self {
        Self::new(TransportErrorKind::Timeout, source)
    }

    /// A [`TransportErrorKind::Io`] error: the connection failed after it was made.
    pub fn io(source: impl Into<BoxError>) -> Self {
        Self::new(TransportErrorKind::Io, source)
    }

    /// A [`TransportErrorKind::Other`] error.
    pub fn other(source: impl Into<BoxError>) -> Self {
        Self::new(TransportErrorKind::Other, source)
    }

    /// Adds a short fixed context that `Display` prints after the kind, such as
    /// `"request timeout"`.
    ///
    /// The context is `&'static str` on purpose: it cannot carry a URL or other request data.
    #[must_use]
    pub fn with_context(mut self, context: &'static str) -> Self {
        self.context = Some(context);
        self
    }

    /// The kind of failure.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// The context given with [`with_context`](Self::with_context), if any.
    pub fn context(&self) -> Option<&'static str> {
        self.context
    }

    /// Whether no connection could be made ([`TransportErrorKind::Connect`]).
    pub fn is_connect(&self) -> bool {
        self.kind == TransportErrorKind::Connect
    }

    /// Whether a timeout elapsed ([`TransportErrorKind::Timeout`]).
    pub fn is_timeout(&self) -> bool {
        self.kind == TransportErrorKind::Timeout
    }

    /// Whether the connection failed after it was made ([`TransportErrorKind::Io`]).
    pub fn is_io(&self) -> bool {
        self.kind == TransportErrorKind::Io
    }

    /// The kind of the first [`io::Error`] in the backend's error chain, if there was one.
    pub fn io_error_kind(&self) -> Option<io::ErrorKind> {
        self.io_kind
    }

    /// The backend's own error, as the adapter gave it, to downcast to the backend's type
    /// (`hyper_util::client::legacy::Error`, `isahc::Error`, ...).
    ///
    /// **Unredacted**: its `Display`, `Debug` and source chain are the backend's and may show
    /// the request URL with the UserSig. Inspect it; do not print or log it (print the
    /// `TransportError` or its [`source`](StdError::source) instead).
    pub fn backend(&self) -> &(dyn StdError + Send + Sync + 'static) {
        &*self.backend
    }

    /// The backend's own error, unredacted; see [`backend`](Self::backend).
    pub fn into_backend(self) -> BoxError {
        self.backend
    }
}

impl From<io::Error> for TransportError {
    /// Classifies the error with [`TransportErrorKind::from_io`].
    fn from(error: io::Error) -> Self {
        Self::new(TransportErrorKind::from_io(error.kind()), error)
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.as_str())?;
        if let Some(context) = self.context {
            write!(f, ": {context}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("TransportError");
        s.field("kind", &self.kind);
        if let Some(context) = self.context {
            s.field("context", &context);
        }
        if let Some(io_kind) = self.io_kind {
            s.field("io_error_kind", &io_kind);
        }
        s.field("source", &self.source).finish()
    }
}

impl StdError for TransportError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&self.source)
    }
}

/// A snapshot of one link of a backend error chain, with UserSig values removed.
///
/// [`TransportError`] keeps these instead of the backend error (see its "Redaction" section).
/// `Display` is the backend error's `Display` and `Debug` its `Debug`, both with every
/// `usersig=` value replaced by `usersig=[redacted]`; `source()` is the snapshot of the next link.
pub struct RedactedError {
    display: String,
    debug: String,
    source: Option<Box<RedactedError>>,
}

impl RedactedError {
    /// Takes a redacted snapshot of `error` and (up to 16 links of) its source chain.
    pub fn snapshot(error: &(dyn StdError + 'static)) -> Self {
        let mut links = Vec::new();
        let mut next = Some(error);
        while let Some(e) = next {
            if links.len() == MAX_CHAIN {
                break;
            }
            links.push((
                redact(&e.to_string()).into_owned(),
                redact(&format!("{e:?}")).into_owned(),
            ));
            next = e.source();
        }
        let mut source = None;
        while let Some((display, debug)) = links.pop() {
            source = Some(Box::new(RedactedError {
                display,
                debug,
                source,
            }));
        }
        // `links` had at least `error` itself.
        match source {
            Some(top) => *top,
            None => RedactedError {
                display: String::new(),
                debug: String::new(),
                source: None,
            },
        }
    }
}

impl fmt::Display for RedactedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display)
    }
}

impl fmt::Debug for RedactedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.debug)
    }
}

impl StdError for RedactedError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

fn find_io_kind(error: &(dyn StdError + 'static)) -> Option<io::ErrorKind> {
    let mut next = Some(error);
    let mut depth = 0;
    while let Some(e) = next {
        if depth == MAX_CHAIN {
            break;
        }
        if let Some(io) = e.downcast_ref::<io::Error>() {
            return Some(io.kind());
        }
        next = e.source();
        depth += 1;
    }
    None
}

pub use tim_redact::redact;

#[cfg(test)]
mod tests {
    use super::*;

    const SIG: &str = "eJyrVgrxCdYrSy1SslIy0jNQ0gHzM1NS80oyMzEiBmopDUUCJmYmpBnOScSU*tQ-_x";

    /// A backend error shaped like the ones hyper, isahc and surf return: the URL in `Display`
    /// and `Debug`, an inner error that also prints it, then an `io::Error`.
    #[derive(Debug)]
    struct Backend {
        url: String,
        inner: Inner,
    }
    #[derive(Debug)]
    struct Inner {
        url: String,
        io: io::Error,
    }
    impl fmt::Display for Backend {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "error sending request for url ({})", self.url)
        }
    }
    impl StdError for Backend {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(&self.inner)
        }
    }
    impl fmt::Display for Inner {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "connecting to {}", self.url)
        }
    }
    impl StdError for Inner {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(&self.io)
        }
    }

    fn url() -> String {
        format!(
            "https://console.tim.qq.com/v4/recentcontact/get_list?sdkappid=1400000000&identifier=admin&usersig={SIG}&random=99&contenttype=json"
        )
    }

    fn backend() -> Backend {
        Backend {
            url: url(),
            inner: Inner {
                url: url(),
                io: io::Error::new(
                    io::ErrorKind::ConnectionRefused,
                    format!("refused {}", url()),
                ),
            },
        }
    }

    fn chain_text(e: &(dyn StdError + 'static)) -> Vec<String> {
        let mut out = Vec::new();
        let mut next = Some(e);
        while let Some(e) = next {
            out.push(e.to_string());
            out.push(format!("{e:?}"));
            out.push(format!("{e:#?}"));
            next = e.source();
        }
        out
    }

    #[test]
    fn display_is_the_kind_and_context_only() {
        let e = TransportError::timeout(backend());
        assert_eq!(e.to_string(), "timed out");
        let e = e.with_context("request timeout");
        assert_eq!(e.to_string(), "timed out: request timeout");
        assert_eq!(
            TransportError::connect(backend()).to_string(),
            "connection failed"
        );
        assert_eq!(
            TransportError::io(backend()).to_string(),
            "connection error"
        );
        assert_eq!(
            TransportError::other(backend()).to_string(),
            "transport error"
        );
    }

    #[test]
    fn kinds_and_predicates() {
        let cases = [
            (TransportError::connect("x"), TransportErrorKind::Connect),
            (TransportError::timeout("x"), TransportErrorKind::Timeout),
            (TransportError::io("x"), TransportErrorKind::Io),
            (TransportError::other("x"), TransportErrorKind::Other),
        ];
        for (e, kind) in cases {
            assert_eq!(e.kind(), kind);
            assert_eq!(e.is_connect(), kind == TransportErrorKind::Connect);
            assert_eq!(e.is_timeout(), kind == TransportErrorKind::Timeout);
            assert_eq!(e.is_io(), kind == TransportErrorKind::Io);
        }
    }

    #[test]
    fn no_link_of_the_chain_prints_the_usersig() {
        let e = TransportError::connect(backend()).with_context("connect");
        let texts = chain_text(&e);
        // TransportError, Backend, Inner, io::Error (and the io::Error's custom payload).
        assert!(texts.len() >= 12, "{texts:?}");
        for t in &texts {
            assert!(!t.contains(SIG), "leaked in {t}");
        }
        // The rest of the backend text survives.
        let source = e.source().map(|s| s.to_string());
        assert_eq!(
            source.as_deref(),
            Some(
                "error sending request for url (https://console.tim.qq.com/v4/recentcontact/get_list?sdkappid=1400000000&identifier=admin&usersig=[redacted]&random=99&contenttype=json)"
            )
        );
        assert!(format!("{e:?}").contains("usersig=[redacted]&random=99"));
    }

    #[test]
    fn the_backend_error_would_have_leaked() {
        // Guards the test above: the unredacted chain does print the token.
        let b = backend();
        assert!(chain_text(&b).iter().all(|t| t.contains(SIG)));
    }

    #[test]
    fn source_chain_keeps_every_link() {
        let e = TransportError::io(backend());
        let mut n = 0;
        let mut next = e.source();
        while let Some(s) = next {
            n += 1;
            next = s.source();
        }
        assert_eq!(n, 3);
        assert_eq!(e.io_error_kind(), Some(io::ErrorKind::ConnectionRefused));
        assert_eq!(TransportError::io("plain").io_error_kind(), None);
    }

    #[test]
    fn the_backend_error_is_kept_for_its_type() {
        let e = TransportError::connect(backend());
        let kept = e
            .backend()
            .downcast_ref::<Backend>()
            .expect("the backend's own type");
        assert_eq!(kept.url, url());
        // Kept apart from what prints: the Debug form and the source chain stay redacted.
        assert!(!format!("{e:?}").contains(SIG));
        assert!(
            e.source()
                .is_some_and(|s| s.downcast_ref::<Backend>().is_none())
        );
        let boxed = e.into_backend();
        assert!(boxed.downcast::<Backend>().is_ok());
    }

    #[test]
    fn io_errors_are_classified() {
        let k = |kind| TransportError::from(io::Error::from(kind)).kind();
        assert_eq!(
            k(io::ErrorKind::ConnectionRefused),
            TransportErrorKind::Connect
        );
        assert_eq!(k(io::ErrorKind::TimedOut), TransportErrorKind::Timeout);
        assert_eq!(k(io::ErrorKind::ConnectionReset), TransportErrorKind::Io);
        assert_eq!(k(io::ErrorKind::UnexpectedEof), TransportErrorKind::Io);
        assert_eq!(k(io::ErrorKind::BrokenPipe), TransportErrorKind::Io);
    }
}
