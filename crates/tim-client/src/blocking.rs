//! The blocking face of the client: the same [`Client`](crate::Client) (one call loop, one
//! paging implementation, the same retries, rate limiter and UserSig reuse), driven on the
//! calling thread, with iterators instead of streams.
//!
//! It needs no async runtime and starts none: requests go through a
//! [`BlockingTransport`] (such as `tim-transport-ureq`'s) on the calling thread, waits (backoff,
//! the rate limiter) sleep the calling thread ([`ThreadClock`]), and each call is driven by
//! `futures_lite::future::block_on`, which parks the thread and spawns nothing. The only threads
//! are the ones [`Contacts::for_accounts`] is asked for (`concurrency` workers, ended when the
//! work is done or the iterator dropped).
//!
//! ```
//! use tim_client::blocking;
//! use tim_emulator::{Config, Emulator, InProcess};
//! use tim_transport::blocking_fn;
//!
//! // A blocking transport: here the emulator called in-process; in production
//! // `tim_transport_ureq::UreqTransport::new()`.
//! let emulator = InProcess::new(Emulator::demo(Config::new(1400000000, "my-secret-key")));
//! let transport = blocking_fn(move |request| futures_lite::future::block_on(
//!     tim_transport::Transport::send(&emulator, request),
//! ));
//! let client = blocking::Client::builder()
//!     .blocking_transport(transport)
//!     .base_url("http://emulator.invalid")
//!     .sdk_app_id(1400000000)
//!     .secret_key("my-secret-key")
//!     .build_blocking()?;
//! let mut total = 0;
//! for page in client.contacts().list("alice").pages() {
//!     total += page?.items.len();
//! }
//! assert_eq!(total, 300);
//! let lists: Vec<_> = client.contacts().for_accounts(["user0001", "user0002"], 2).collect();
//! assert!(lists.iter().all(|(_, r)| r.is_ok()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Timeouts: a blocking transport cannot be interrupted from outside, so the per-attempt timeout
//! of [`RetryPolicy`](crate::RetryPolicy) does not apply; set the transport's own (ureq's
//! `request_timeout`, say). The overall deadline still bounds retries and waits.

use std::fmt;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_lite::future::block_on;
use tim_proto::ApiRequest;
use tim_proto::pager::{Page, PagedRequest};
use tim_proto::recent_contact::{DeleteTarget, GetListRequest, SessionItem};
use tim_transport::{BlockingTransport, Bytes, Transport, TransportError};

use crate::clock::{Clock, Sleep};
use crate::error::{BuildError, Error};
use crate::paging::Positioned;

/// A [`BlockingTransport`] as a [`Transport`] whose future does the whole request on its first
/// poll, on the polling thread. Only for driving by [`Client`] (or another `block_on`): inside an
/// async runtime it would block the runtime's thread.
#[derive(Debug)]
pub struct OnThisThread<T>(pub T);

#[tim_transport::async_trait]
impl<T: BlockingTransport> Transport for OnThisThread<T> {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        self.0.send(request)
    }
}

/// The clock of the blocking face: the system clock, with waits that sleep the calling thread.
#[derive(Clone, Copy, Debug, Default)]
pub struct ThreadClock;

impl Clock for ThreadClock {
    fn unix_time(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }

    fn now(&self) -> Instant {
        Instant::now()
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        let until = Instant::now().checked_add(duration);
        Box::pin(async move {
            // Completes `duration` after creation; sleeps only when polled.
            if let Some(until) = until {
                std::thread::sleep(until.saturating_duration_since(Instant::now()));
            }
        })
    }
}

impl crate::ClientBuilder {
    /// A blocking transport, for [`build_blocking`](Self::build_blocking): wrapped in
    /// [`OnThisThread`], with [`ThreadClock`] as the clock unless one was set.
    pub fn blocking_transport(self, transport: impl BlockingTransport + 'static) -> Self {
        self.transport(OnThisThread(transport))
            .default_clock(ThreadClock)
    }

    /// Builds the blocking face of the client.
    ///
    /// # Errors
    ///
    /// As [`build`](Self::build).
    pub fn build_blocking(self) -> Result<Client, BuildError> {
        self.build().map(|inner| Client { inner })
    }
}

/// The blocking client: see the [module docs](self). Cheap to clone and to share between
/// threads, like the async one it wraps.
#[derive(Clone, Debug)]
pub struct Client {
    inner: crate::Client,
}

impl Client {
    /// A builder: set a [`blocking_transport`](crate::ClientBuilder::blocking_transport), then
    /// [`build_blocking`](crate::ClientBuilder::build_blocking).
    pub fn builder() -> crate::ClientBuilder {
        crate::Client::builder()
    }

    /// The async client it drives (the same configuration, limiter and UserSig cache).
    pub fn as_async(&self) -> &crate::Client {
        &self.inner
    }

    /// Calls any API, blocking until the answer (retries and waits included).
    ///
    /// # Errors
    ///
    /// As [`crate::Client::call`].
    pub fn call<R: ApiRequest + Sync>(&self, request: &R) -> Result<R::Response, Error> {
        block_on(self.inner.call(request))
    }

    /// A walk of any paged call; see [`crate::Client::walk`].
    pub fn walk<R>(&self, request: R) -> Walk<R>
    where
        R: PagedRequest + Send + Sync + 'static,
        R::Item: Send,
        R::Response: Send,
    {
        Walk {
            inner: self.inner.walk(request),
        }
    }

    /// The recent-contacts API.
    pub fn contacts(&self) -> Contacts {
        Contacts {
            inner: self.inner.contacts(),
        }
    }
}

/// A walk of a paged call, blocking; see [`crate::Walk`].
pub struct Walk<R: PagedRequest> {
    inner: crate::Walk<R>,
}

impl<R: PagedRequest> fmt::Debug for Walk<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Walk")
            .field("api", &R::PATH)
            .finish_non_exhaustive()
    }
}

impl<R> Walk<R>
where
    R: PagedRequest + Send + Sync + 'static,
    R::Item: Send,
    R::Response: Send,
{
    /// Starts at `cursor`; see [`crate::Walk::resume`].
    #[must_use]
    pub fn resume(self, cursor: R::Cursor) -> Self {
        Walk {
            inner: self.inner.resume(cursor),
        }
    }

    /// The page limit; see [`crate::Walk::max_pages`].
    #[must_use]
    pub fn max_pages(self, max_pages: u64) -> Self {
        Walk {
            inner: self.inner.max_pages(max_pages),
        }
    }

    /// The one page at the walk's cursor.
    ///
    /// # Errors
    ///
    /// As [`crate::Walk::page`].
    pub fn page(&self) -> Result<Page<R::Item, R::Cursor>, Error> {
        block_on(self.inner.page())
    }

    /// The pages, one request per `next()`; see [`crate::Walk::pages`].
    pub fn pages(&self) -> Pages<R> {
        Pages {
            inner: self.inner.pages(),
        }
    }

    /// The items, page after page; see [`crate::Walk::items`].
    pub fn items(&self) -> Items<R> {
        Items {
            inner: self.inner.items(),
        }
    }

    /// Every item to the end.
    ///
    /// # Errors
    ///
    /// The walk's first error.
    pub fn collect_all(&self) -> Result<Vec<R::Item>, Error> {
        block_on(self.inner.collect_all())
    }
}

/// The pages of a walk as an iterator; see [`crate::Pages`].
pub struct Pages<R: PagedRequest> {
    inner: crate::Pages<R>,
}

impl<R: PagedRequest> fmt::Debug for Pages<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl<R: PagedRequest> Pages<R> {
    /// The resume point; see [`crate::Pages::cursor`].
    pub fn cursor(&self) -> Option<R::Cursor> {
        self.inner.cursor()
    }
}

impl<R> Iterator for Pages<R>
where
    R: PagedRequest + Send + Sync + 'static,
    R::Response: Send,
{
    type Item = Result<Page<R::Item, R::Cursor>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        block_on(futures_util::StreamExt::next(&mut self.inner))
    }
}

/// The items of a walk as an iterator; see [`crate::Items`].
pub struct Items<R: PagedRequest> {
    inner: crate::Items<R>,
}

impl<R: PagedRequest> fmt::Debug for Items<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl<R: PagedRequest> Items<R> {
    /// The resume point; see [`crate::Items::cursor`].
    pub fn cursor(&self) -> Option<R::Cursor> {
        self.inner.cursor()
    }
}

impl<R> Iterator for Items<R>
where
    R: PagedRequest + Send + Sync + 'static,
    R::Response: Send,
{
    type Item = Result<Positioned<R::Item, R::Cursor>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        block_on(futures_util::StreamExt::next(&mut self.inner))
    }
}

/// The recent-contacts API, blocking; see [`crate::Contacts`].
#[derive(Clone, Debug)]
pub struct Contacts {
    inner: crate::Contacts,
}

impl Contacts {
    /// The `AssistFlags` of every list.
    #[must_use]
    pub fn with_flags(self, flags: tim_proto::AssistFlags) -> Self {
        Contacts {
            inner: self.inner.with_flags(flags),
        }
    }

    /// `account`'s conversation list.
    pub fn list(&self, account: impl Into<String>) -> Walk<GetListRequest> {
        Walk {
            inner: self.inner.list(account),
        }
    }

    /// Deletes one conversation; see [`crate::Contacts::delete`].
    ///
    /// # Errors
    ///
    /// See [`Error`].
    pub fn delete(&self, account: impl Into<String>, target: DeleteTarget) -> Result<(), Error> {
        block_on(self.inner.delete(account.into(), target))
    }

    /// Walks the whole list of every account on `concurrency` worker threads (at least 1)
    /// under the client's shared rate limit, yielding `(account, result)` in completion order.
    /// The accounts are taken from the iterator lazily; the workers end when the accounts are
    /// used up or the returned iterator is dropped.
    pub fn for_accounts<I>(&self, accounts: I, concurrency: usize) -> AccountLists
    where
        I: IntoIterator,
        I::Item: Into<String> + 'static,
        I::IntoIter: Send + 'static,
    {
        let accounts: Arc<Mutex<dyn Iterator<Item = String> + Send>> =
            Arc::new(Mutex::new(accounts.into_iter().map(Into::into)));
        let (tx, rx) = mpsc::channel();
        for _ in 0..concurrency.max(1) {
            let accounts = Arc::clone(&accounts);
            let tx = tx.clone();
            let contacts = self.inner.clone();
            std::thread::spawn(move || {
                loop {
                    let next = accounts
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .next();
                    let Some(account) = next else { break };
                    let result = block_on(contacts.list(account.clone()).collect_all());
                    if tx.send((account, result)).is_err() {
                        break; // the iterator was dropped
                    }
                }
            });
        }
        AccountLists { rx }
    }
}

/// The iterator of [`Contacts::for_accounts`].
#[derive(Debug)]
pub struct AccountLists {
    rx: mpsc::Receiver<(String, Result<Vec<SessionItem>, Error>)>,
}

impl Iterator for AccountLists {
    type Item = (String, Result<Vec<SessionItem>, Error>);

    fn next(&mut self) -> Option<Self::Item> {
        self.rx.recv().ok()
    }
}
