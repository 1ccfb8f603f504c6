//! Generic paging over any [`PagedRequest`]: one page, a lazy stream of pages, a lazy stream of
//! items, collect-all, resume, and many walks at once with bounded concurrency.
//!
//! Every walk here drives [`tim_proto::pager::Pager`]; there is no other paging code. The
//! recent-contacts methods ([`Contacts`](crate::Contacts)) are thin wrappers over these types.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::stream::{FusedStream, Stream, StreamExt};
use tim_proto::pager::{DEFAULT_MAX_PAGES, Page, PagedRequest, Pager, PagerError};
use tracing::Instrument;

use crate::client::Client;
use crate::error::Error;

impl Client {
    /// A walk of any paged call, starting at `request`'s own cursor (the first page, for a
    /// request built as one). Nothing is sent until it is read.
    ///
    /// ```no_run
    /// # async fn run(client: tim_client::Client) -> Result<(), tim_client::Error> {
    /// use tim_proto::recent_contact::{AssistFlags, GetListRequest};
    ///
    /// let all = client.walk(GetListRequest::first("alice", AssistFlags::default())).collect_all().await?;
    /// # let _ = all; Ok(()) }
    /// ```
    pub fn walk<R>(&self, request: R) -> Walk<R>
    where
        R: PagedRequest + Send + Sync + 'static,
        R::Item: Send,
        R::Response: Send,
    {
        Walk {
            client: self.clone(),
            start: request.cursor(),
            request,
            max_pages: DEFAULT_MAX_PAGES,
        }
    }

    /// Walks every request of `walks` (each tagged with a key, such as the account), at most
    /// `concurrency` at a time (at least 1), under the client's shared rate limit, and yields one
    /// `(key, whole list or error)` per walk in completion order. A failure of one walk does not
    /// stop the others, except [`Error::Unreachable`]: when the service cannot be reached at
    /// all, the stream yields that error once, for the walk that met it first, and ends; the
    /// walks in flight are dropped and the rest never started (walk them again later).
    /// The walks are taken from the iterator lazily.
    ///
    /// Each walk's items are held in memory until it is complete; use
    /// [`walk_many_pages`](Self::walk_many_pages) to get pages as they arrive instead.
    pub fn walk_many<K, R, I>(&self, walks: I, concurrency: usize) -> ManyLists<K, R>
    where
        I: IntoIterator<Item = (K, Walk<R>)>,
        I::IntoIter: Send + 'static,
        K: Send + 'static,
        R: PagedRequest + Send + Sync + 'static,
        R::Item: Send + 'static,
        R::Response: Send,
    {
        let stream = futures_util::stream::iter(walks)
            .map(|(key, walk)| async move {
                let result = walk.collect_all().await;
                (key, result)
            })
            .buffer_unordered(concurrency.max(1));
        ManyLists {
            inner: Box::pin(stream),
            stopped: false,
        }
    }

    /// Like [`walk_many`](Self::walk_many) but yields each page as it arrives, tagged with its
    /// walk's key, so memory stays bounded by `concurrency` pages whatever the list lengths. A
    /// walk's pages come in order; after an error for a walk, nothing more comes for it. As
    /// with `walk_many`, an [`Error::Unreachable`] comes once and ends the stream.
    pub fn walk_many_pages<K, R, I>(&self, walks: I, concurrency: usize) -> ManyPages<K, R>
    where
        I: IntoIterator<Item = (K, Walk<R>)>,
        I::IntoIter: Send + 'static,
        K: Clone + Send + 'static,
        R: PagedRequest + Send + Sync + 'static,
        R::Item: Send + 'static,
        R::Response: Send,
    {
        let stream = futures_util::stream::iter(walks)
            .map(|(key, walk)| walk.pages().map(move |page| (key.clone(), page)))
            .flatten_unordered(concurrency.max(1));
        ManyPages {
            inner: Box::pin(stream),
            stopped: false,
        }
    }
}

/// A walk of a paged call from a cursor: see [`Client::walk`].
///
/// A value describing a walk, not a walk: each of [`page`](Self::page), [`pages`](Self::pages),
/// [`items`](Self::items) and [`collect_all`](Self::collect_all) starts its own walk at the
/// walk's cursor.
pub struct Walk<R: PagedRequest> {
    client: Client,
    request: R,
    start: R::Cursor,
    max_pages: u64,
}

impl<R: PagedRequest> Clone for Walk<R> {
    fn clone(&self) -> Self {
        Walk {
            client: self.client.clone(),
            request: self.request.clone(),
            start: self.start.clone(),
            max_pages: self.max_pages,
        }
    }
}

impl<R: PagedRequest + fmt::Debug> fmt::Debug for Walk<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Walk")
            .field("request", &self.request)
            .field("start", &self.start)
            .field("max_pages", &self.max_pages)
            .finish_non_exhaustive()
    }
}

impl<R> Walk<R>
where
    R: PagedRequest + Send + Sync + 'static,
    R::Item: Send,
    R::Response: Send,
{
    /// Starts the walk at `cursor` (a [`Page::next`] or [`Pages::cursor`] from an earlier walk
    /// with the same request, perhaps persisted as text and parsed back).
    #[must_use]
    pub fn resume(mut self, cursor: R::Cursor) -> Self {
        self.start = cursor;
        self
    }

    /// Stop a walk with [`PagerError::PageLimitReached`] after this many pages (default
    /// [`DEFAULT_MAX_PAGES`]).
    #[must_use]
    pub fn max_pages(mut self, max_pages: u64) -> Self {
        self.max_pages = max_pages;
        self
    }

    /// The request the pages are built from.
    pub fn request(&self) -> &R {
        &self.request
    }

    /// The request, to change its other fields (its cursor is [`start`](Self::start)'s).
    pub fn request_mut(&mut self) -> &mut R {
        &mut self.request
    }

    /// Where a walk starts.
    pub fn start(&self) -> &R::Cursor {
        &self.start
    }

    fn pager(&self) -> Pager<R> {
        Pager::resume(self.request.clone(), self.start.clone()).with_max_pages(self.max_pages)
    }

    /// Fetches the one page at the walk's cursor; its [`Page::next`] is the cursor of the next
    /// one (`None` when the walk is complete). The future borrows nothing.
    ///
    /// # Errors
    ///
    /// See [`Error`]; a page that cannot be continued from is [`Error::Pagination`].
    pub fn page(
        &self,
    ) -> impl Future<Output = Result<Page<R::Item, R::Cursor>, Error>> + Send + use<R> {
        let mut pages = self.pages();
        async move {
            match pages.next().await {
                Some(result) => result,
                // A fresh pager always hands out a first request, so the stream yields at
                // least one item; this arm only keeps the code panic-free.
                None => Err(Error::pagination::<R>(PagerError::UnexpectedResponse)),
            }
        }
    }

    /// A lazy stream of pages. No request is sent until it is polled; each poll sends at most
    /// one request (retried per the client's policy at the same cursor).
    pub fn pages(&self) -> Pages<R> {
        Pages {
            client: self.client.clone(),
            pager: self.pager(),
            in_flight: None,
            finished: false,
        }
    }

    /// A lazy stream of the items, page after page, each with its page's cursors.
    pub fn items(&self) -> Items<R> {
        Items {
            pages: self.pages(),
            current: Vec::new().into_iter(),
            page: 0,
            page_cursor: self.start.clone(),
            next: None,
        }
    }

    /// Walks to the end and returns every item. The future borrows nothing.
    ///
    /// # Errors
    ///
    /// The first error of the walk; what was received before it is dropped (use
    /// [`pages`](Self::pages) to keep it and resume).
    pub fn collect_all(&self) -> impl Future<Output = Result<Vec<R::Item>, Error>> + Send + use<R> {
        let mut pages = self.pages();
        async move {
            let mut all = Vec::new();
            while let Some(page) = pages.next().await {
                all.extend(page?.items);
            }
            Ok(all)
        }
    }
}

type ResponseFuture<R> =
    Pin<Box<dyn Future<Output = Result<<R as tim_proto::ApiRequest>::Response, Error>> + Send>>;

/// A lazy stream of the pages of one walk; see [`Walk::pages`].
///
/// It drives a [`Pager`]: a failed request is retried at the same cursor by the client, and when
/// it fails for good the pager gives the request back ([`Pager::abandon`]), so
/// [`cursor`](Self::cursor) is exactly where to resume. The stream ends after an error or after
/// the last page. It is `Unpin` and `Send`.
pub struct Pages<R: PagedRequest> {
    client: Client,
    pager: Pager<R>,
    in_flight: Option<ResponseFuture<R>>,
    finished: bool,
}

impl<R: PagedRequest> fmt::Debug for Pages<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("api", &R::PATH)
            .field("cursor", &self.pager.cursor())
            .field("pages", &self.pager.pages())
            .field("in_flight", &self.in_flight.is_some())
            .field("finished", &self.finished)
            .finish()
    }
}

// Nothing is ever pinned in place inside a `Pages`: the request in flight is pinned in its box.
impl<R: PagedRequest> Unpin for Pages<R> {}

impl<R: PagedRequest> Pages<R> {
    /// The resume point: the cursor of the next page to fetch (or the one being fetched);
    /// `None` once the walk is complete. After an error it is the cursor of the page that failed.
    pub fn cursor(&self) -> Option<R::Cursor> {
        self.pager.cursor().cloned()
    }

    /// Pages received so far.
    pub fn pages_received(&self) -> u64 {
        self.pager.pages()
    }

    /// Whether the walk is complete.
    pub fn is_complete(&self) -> bool {
        self.pager.is_done()
    }
}

impl<R> Stream for Pages<R>
where
    R: PagedRequest + Send + Sync + 'static,
    R::Response: Send,
{
    type Item = Result<Page<R::Item, R::Cursor>, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.finished {
            return Poll::Ready(None);
        }
        let in_flight = match &mut this.in_flight {
            Some(in_flight) => in_flight,
            None => match this.pager.next_request() {
                Ok(None) => {
                    this.finished = true;
                    return Poll::Ready(None);
                }
                Err(e) => {
                    this.finished = true;
                    return Poll::Ready(Some(Err(Error::pagination::<R>(e))));
                }
                Ok(Some(request)) => {
                    let span = tracing::debug_span!(
                        "tim.page",
                        api = %R::PATH,
                        page = this.pager.pages() + 1,
                        cursor = %request.cursor(),
                    );
                    let client = this.client.clone();
                    this.in_flight.insert(Box::pin(
                        async move { client.call(&request).await }.instrument(span),
                    ))
                }
            },
        };
        let result = match in_flight.as_mut().poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(result) => result,
        };
        this.in_flight = None;
        let item = match result {
            Ok(response) => this.pager.handle_response(response).map_err(|e| {
                tracing::debug!(error = %e, "the walk cannot go on");
                Error::pagination::<R>(e)
            }),
            Err(e) => {
                this.pager.abandon();
                Err(e)
            }
        };
        if item.is_err() {
            this.finished = true;
        }
        Poll::Ready(Some(item))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.finished || self.pager.is_done() {
            (0, Some(0))
        } else {
            (0, None)
        }
    }
}

impl<R> FusedStream for Pages<R>
where
    R: PagedRequest + Send + Sync + 'static,
    R::Response: Send,
{
    fn is_terminated(&self) -> bool {
        self.finished
    }
}

/// One item of a walk, with where its page came from; see [`Walk::items`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Positioned<T, C> {
    /// The item, as received.
    pub item: T,
    /// The 1-based number of its page within the walk.
    pub page: u64,
    /// The cursor its page was fetched at: resuming there fetches this page again.
    pub page_cursor: C,
    /// The cursor after its page (`None` on the last page): once the last item of the page is
    /// handled, resuming there repeats nothing.
    pub next: Option<C>,
    /// Whether it is the last item of its page.
    pub last_in_page: bool,
}

/// A lazy stream of the items of one walk; see [`Walk::items`].
///
/// Empty pages (which the service may send before the end) are skipped. It holds one page at a
/// time. `Unpin` and `Send`.
pub struct Items<R: PagedRequest> {
    pages: Pages<R>,
    current: std::vec::IntoIter<R::Item>,
    page: u64,
    page_cursor: R::Cursor,
    next: Option<R::Cursor>,
}

impl<R: PagedRequest> fmt::Debug for Items<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Items")
            .field("pages", &self.pages)
            .field("left_in_page", &self.current.len())
            .field("page", &self.page)
            .finish_non_exhaustive()
    }
}

// Nothing is ever pinned in place inside an `Items` (see `Pages`).
impl<R: PagedRequest> Unpin for Items<R> {}

impl<R: PagedRequest> Items<R> {
    /// The resume point that repeats and loses nothing given what was yielded so far: the
    /// cursor of the current page while some of its items are still to come (they will come
    /// again on resume, with the ones already yielded), else the next page's. `None` once the
    /// walk is complete and yielded.
    pub fn cursor(&self) -> Option<R::Cursor> {
        if self.current.len() > 0 {
            Some(self.page_cursor.clone())
        } else {
            self.pages.cursor()
        }
    }
}

impl<R> Stream for Items<R>
where
    R: PagedRequest + Send + Sync + 'static,
    R::Response: Send,
{
    type Item = Result<Positioned<R::Item, R::Cursor>, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.current.next() {
                return Poll::Ready(Some(Ok(Positioned {
                    item,
                    page: this.page,
                    page_cursor: this.page_cursor.clone(),
                    next: this.next.clone(),
                    last_in_page: this.current.len() == 0,
                })));
            }
            // The cursor of the page about to arrive (that of the request in flight, if any).
            let at = this.pages.cursor();
            match Pin::new(&mut this.pages).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(Some(Ok(page))) => {
                    this.page = page.number;
                    if let Some(at) = at {
                        this.page_cursor = at;
                    }
                    this.next = page.next;
                    this.current = page.items.into_iter();
                }
            }
        }
    }
}

impl<R> FusedStream for Items<R>
where
    R: PagedRequest + Send + Sync + 'static,
    R::Response: Send,
{
    fn is_terminated(&self) -> bool {
        self.current.len() == 0 && self.pages.is_terminated()
    }
}

type ManyStream<K, T> = Pin<Box<dyn Stream<Item = (K, Result<T, Error>)> + Send>>;

/// The stream of [`Client::walk_many`]: one `(key, whole list or error)` per walk.
pub struct ManyLists<K, R: PagedRequest> {
    inner: ManyStream<K, Vec<R::Item>>,
    stopped: bool,
}

impl<K, R: PagedRequest> fmt::Debug for ManyLists<K, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManyLists")
            .field("api", &R::PATH)
            .finish_non_exhaustive()
    }
}

impl<K, R: PagedRequest> Stream for ManyLists<K, R> {
    type Item = (K, Result<Vec<R::Item>, Error>);

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        poll_many(&mut this.inner, &mut this.stopped, cx)
    }
}

/// The stream of [`Client::walk_many_pages`]: `(key, page or error)` as they arrive.
pub struct ManyPages<K, R: PagedRequest> {
    inner: ManyStream<K, Page<R::Item, R::Cursor>>,
    stopped: bool,
}

impl<K, R: PagedRequest> fmt::Debug for ManyPages<K, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManyPages")
            .field("api", &R::PATH)
            .finish_non_exhaustive()
    }
}

impl<K, R: PagedRequest> Stream for ManyPages<K, R> {
    type Item = (K, Result<Page<R::Item, R::Cursor>, Error>);

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        poll_many(&mut this.inner, &mut this.stopped, cx)
    }
}

/// Polls a stream of many walks, ending it after the first [`Error::Unreachable`].
fn poll_many<K, T>(
    inner: &mut ManyStream<K, T>,
    stopped: &mut bool,
    cx: &mut Context<'_>,
) -> Poll<Option<(K, Result<T, Error>)>> {
    if *stopped {
        return Poll::Ready(None);
    }
    let item = inner.as_mut().poll_next(cx);
    if let Poll::Ready(Some((_, Err(e)))) = &item
        && e.is_unreachable()
    {
        tracing::debug!(error = %e, "the service is unreachable: the other walks are dropped");
        *stopped = true;
    }
    item
}
