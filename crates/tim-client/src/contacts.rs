//! The recent-contacts API (`v4/recentcontact/*`): one page, lazy streams of pages and of
//! conversations, collect-all, delete, and many accounts at once.
//!
//! Every walk here drives [`tim_proto::pager::Pager`]; there is no other paging code.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::stream::{FusedStream, Stream, StreamExt};
use tim_proto::pager::{Cursor, DEFAULT_MAX_PAGES, Page, Pager};
use tim_proto::recent_contact::{
    AssistFlags, DeleteRequest, DeleteTarget, GetListResponse, SessionItem,
};
use tracing::Instrument;

use crate::client::Client;
use crate::error::Error;

impl Client {
    /// The recent-contacts API, with default [`AssistFlags`].
    pub fn contacts(&self) -> Contacts {
        Contacts {
            client: self.clone(),
            flags: AssistFlags::default(),
            max_pages: DEFAULT_MAX_PAGES,
        }
    }
}

/// The recent-contacts API of a [`Client`]: see [`Client::contacts`].
///
/// The flags and page limit set here apply to every list made from it.
#[derive(Clone, Debug)]
pub struct Contacts {
    client: Client,
    flags: AssistFlags,
    max_pages: u64,
}

impl Contacts {
    /// The `AssistFlags` of every `get_list` request (default: bits 0–2, value 7).
    #[must_use]
    pub fn with_flags(mut self, flags: AssistFlags) -> Self {
        self.flags = flags;
        self
    }

    /// Stop a walk with [`tim_proto::pager::PagerError::PageLimitReached`] after this many pages
    /// (default [`DEFAULT_MAX_PAGES`]).
    #[must_use]
    pub fn with_max_pages(mut self, max_pages: u64) -> Self {
        self.max_pages = max_pages;
        self
    }

    /// `account`'s conversation list, from the start. Nothing is sent until it is read.
    pub fn list(&self, account: impl Into<String>) -> List {
        List {
            client: self.client.clone(),
            account: account.into(),
            flags: self.flags,
            start: Cursor::START,
            max_pages: self.max_pages,
        }
    }

    /// Deletes one conversation from `account`'s list (`recentcontact/delete`).
    ///
    /// Deleting is idempotent (a conversation already gone is not an error), so the client
    /// retries it like a read. To also clear the roaming messages (`ClearRamble`), send a
    /// [`DeleteRequest`] with `clear_ramble: Some(true)` through [`Client::call`]. The future borrows nothing.
    ///
    /// # Errors
    ///
    /// See [`Error`].
    pub fn delete<A: Into<String>>(
        &self,
        account: A,
        target: DeleteTarget,
    ) -> impl Future<Output = Result<(), Error>> + Send + use<A> {
        let client = self.client.clone();
        let request = DeleteRequest {
            from_account: account.into(),
            target,
            clear_ramble: None,
        };
        async move { client.call(&request).await.map(drop) }
    }

    /// Walks the whole list of every account, `concurrency` accounts at a time (at least 1),
    /// under the client's shared rate limit, and yields one `(account, result)` per account
    /// in completion order. A failure for one account does not stop the others.
    ///
    /// Each account's list is held in memory until it is complete; use
    /// [`for_accounts_pages`](Self::for_accounts_pages) to get pages as they arrive instead.
    /// The accounts are taken from the iterator lazily.
    ///
    /// While accounts are waiting to start, the stream keeps the client's rate limit saturated
    /// (about 16 in flight suffice for 200 calls/s at 50 ms of latency). At the end, the lists
    /// still open finish one page after another, at one page per round trip: when you know which
    /// accounts have long lists, put them first (`docs/performance.md`, tim-client (b)).
    pub fn for_accounts<I>(&self, accounts: I, concurrency: usize) -> AccountLists
    where
        I: IntoIterator,
        I::Item: Into<String> + 'static,
        I::IntoIter: Send + 'static,
    {
        let contacts = self.clone();
        let stream = futures_util::stream::iter(accounts.into_iter().map(Into::into))
            .map(move |account: String| {
                let list = contacts.list(account.clone());
                async move {
                    let result = list.collect_all().await;
                    (account, result)
                }
            })
            .buffer_unordered(concurrency.max(1));
        AccountLists {
            inner: Box::pin(stream),
        }
    }

    /// Like [`for_accounts`](Self::for_accounts) but yields each page as it arrives, tagged
    /// with its account, so memory stays bounded by `concurrency` pages whatever the list
    /// lengths. An account's pages come in order; after an error for an account, nothing more
    /// comes for it.
    pub fn for_accounts_pages<I>(&self, accounts: I, concurrency: usize) -> AccountPages
    where
        I: IntoIterator,
        I::Item: Into<String> + 'static,
        I::IntoIter: Send + 'static,
    {
        let contacts = self.clone();
        let stream = futures_util::stream::iter(accounts.into_iter().map(Into::into))
            .map(move |account: String| {
                contacts
                    .list(account.clone())
                    .pages()
                    .map(move |page| (account.clone(), page))
            })
            .flatten_unordered(concurrency.max(1));
        AccountPages {
            inner: Box::pin(stream),
        }
    }
}

/// One account's conversation list, from a cursor: see [`Contacts::list`].
///
/// A value describing a walk, not a walk: each of [`page`](Self::page), [`pages`](Self::pages),
/// [`conversations`](Self::conversations) and [`collect_all`](Self::collect_all) starts its own
/// walk at the list's cursor.
#[derive(Clone, Debug)]
pub struct List {
    client: Client,
    account: String,
    flags: AssistFlags,
    start: Cursor,
    max_pages: u64,
}

impl List {
    /// Starts the walk at `cursor` (a [`Page::next`] or [`Pages::cursor`] from an earlier walk
    /// with the same flags, perhaps persisted as text and parsed back).
    #[must_use]
    pub fn resume(mut self, cursor: Cursor) -> Self {
        self.start = cursor;
        self
    }

    /// The `AssistFlags` of this list's requests.
    #[must_use]
    pub fn flags(mut self, flags: AssistFlags) -> Self {
        self.flags = flags;
        self
    }

    /// The page limit of a walk.
    #[must_use]
    pub fn max_pages(mut self, max_pages: u64) -> Self {
        self.max_pages = max_pages;
        self
    }

    /// The account whose list this is.
    pub fn account(&self) -> &str {
        &self.account
    }

    /// Where a walk starts.
    pub fn start(&self) -> Cursor {
        self.start
    }

    fn pager(&self) -> Pager {
        Pager::resume(self.account.clone(), self.flags, self.start).with_max_pages(self.max_pages)
    }

    /// Fetches the one page at the list's cursor; its [`Page::next`] is the cursor of the next
    /// one (`None` when the list is complete). The future borrows nothing.
    ///
    /// # Errors
    ///
    /// See [`Error`]; a page that cannot be continued from is [`Error::Pagination`].
    pub fn page(&self) -> impl Future<Output = Result<Page, Error>> + Send + use<> {
        let mut pages = self.pages();
        async move {
            match pages.next().await {
                Some(result) => result,
                // A fresh pager always hands out a first request, so the stream yields at
                // least one item; this arm only keeps the code panic-free.
                None => Err(Error::Pagination(
                    tim_proto::pager::PagerError::UnexpectedResponse,
                )),
            }
        }
    }

    /// A lazy stream of pages. No request is sent until it is polled; each poll sends at most
    /// one request (retried per the client's policy at the same cursor).
    pub fn pages(&self) -> Pages {
        Pages {
            client: self.client.clone(),
            pager: self.pager(),
            in_flight: None,
            finished: false,
        }
    }

    /// A lazy stream of the conversations, page after page, each with its page's cursors.
    pub fn conversations(&self) -> Conversations {
        Conversations {
            pages: self.pages(),
            current: Vec::new().into_iter(),
            page: 0,
            page_cursor: self.start,
            next: None,
        }
    }

    /// Walks the whole list and returns every conversation. The future borrows nothing.
    ///
    /// # Errors
    ///
    /// The first error of the walk; what was received before it is dropped (use
    /// [`pages`](Self::pages) to keep it and resume).
    pub fn collect_all(
        &self,
    ) -> impl Future<Output = Result<Vec<SessionItem>, Error>> + Send + use<> {
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

type ResponseFuture = Pin<Box<dyn Future<Output = Result<GetListResponse, Error>> + Send>>;

/// A lazy stream of pages of one account's list; see [`List::pages`].
///
/// It drives a [`Pager`]: a failed request is retried at the same cursor by the client, and when
/// it fails for good the pager gives the request back ([`Pager::abandon`]), so
/// [`cursor`](Self::cursor) is exactly where to resume. The stream ends after an error or after
/// the last page (`CompleteFlag = 1`). It is `Unpin` and `Send`.
pub struct Pages {
    client: Client,
    pager: Pager,
    in_flight: Option<ResponseFuture>,
    finished: bool,
}

impl fmt::Debug for Pages {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("account", &self.pager.from_account())
            .field("cursor", &self.pager.cursor())
            .field("pages", &self.pager.pages())
            .field("in_flight", &self.in_flight.is_some())
            .field("finished", &self.finished)
            .finish()
    }
}

impl Pages {
    /// The resume point: the cursor of the next page to fetch (or the one being fetched);
    /// `None` once the list is complete. After an error it is the cursor of the page that failed.
    pub fn cursor(&self) -> Option<Cursor> {
        self.pager.cursor()
    }

    /// Pages received so far.
    pub fn pages_received(&self) -> u64 {
        self.pager.pages()
    }

    /// Whether the list is complete.
    pub fn is_complete(&self) -> bool {
        self.pager.is_done()
    }
}

impl Stream for Pages {
    type Item = Result<Page, Error>;

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
                    return Poll::Ready(Some(Err(Error::Pagination(e))));
                }
                Ok(Some(request)) => {
                    let span = tracing::debug_span!(
                        "tim.page",
                        account = %request.from_account,
                        page = this.pager.pages() + 1,
                        cursor = %Cursor::of_request(&request),
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
                Error::Pagination(e)
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

impl FusedStream for Pages {
    fn is_terminated(&self) -> bool {
        self.finished
    }
}

/// One conversation of a walk, with where its page came from; see [`List::conversations`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Conversation {
    /// The conversation, as received.
    pub item: SessionItem,
    /// The 1-based number of its page within the walk.
    pub page: u64,
    /// The cursor its page was fetched at: resuming there fetches this page again.
    pub page_cursor: Cursor,
    /// The cursor after its page (`None` on the last page): once the last conversation of the
    /// page is handled, resuming there repeats nothing.
    pub next: Option<Cursor>,
    /// Whether it is the last conversation of its page.
    pub last_in_page: bool,
}

/// A lazy stream of the conversations of one account's list; see [`List::conversations`].
///
/// Empty pages (which the service may send before the end) are skipped. It holds one page at a
/// time. `Unpin` and `Send`.
#[derive(Debug)]
pub struct Conversations {
    pages: Pages,
    current: std::vec::IntoIter<SessionItem>,
    page: u64,
    page_cursor: Cursor,
    next: Option<Cursor>,
}

impl Conversations {
    /// The resume point that repeats and loses nothing given what was yielded so far: the
    /// cursor of the current page while some of its conversations are still to come (they will
    /// come again on resume, with the ones already yielded), else the next page's. `None` once
    /// the list is complete and yielded.
    pub fn cursor(&self) -> Option<Cursor> {
        if self.current.len() > 0 {
            Some(self.page_cursor)
        } else {
            self.pages.cursor()
        }
    }
}

impl Stream for Conversations {
    type Item = Result<Conversation, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.current.next() {
                return Poll::Ready(Some(Ok(Conversation {
                    item,
                    page: this.page,
                    page_cursor: this.page_cursor,
                    next: this.next,
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
                    this.page_cursor = at.unwrap_or(this.page_cursor);
                    this.next = page.next;
                    this.current = page.items.into_iter();
                }
            }
        }
    }
}

impl FusedStream for Conversations {
    fn is_terminated(&self) -> bool {
        self.current.len() == 0 && self.pages.is_terminated()
    }
}

type AccountStream<T> = Pin<Box<dyn Stream<Item = (String, Result<T, Error>)> + Send>>;

/// The stream of [`Contacts::for_accounts`]: one `(account, whole list or error)` per account.
pub struct AccountLists {
    inner: AccountStream<Vec<SessionItem>>,
}

impl fmt::Debug for AccountLists {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountLists").finish_non_exhaustive()
    }
}

impl Stream for AccountLists {
    type Item = (String, Result<Vec<SessionItem>, Error>);

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

/// The stream of [`Contacts::for_accounts_pages`]: `(account, page or error)` as they arrive.
pub struct AccountPages {
    inner: AccountStream<Page>,
}

impl fmt::Debug for AccountPages {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountPages").finish_non_exhaustive()
    }
}

impl Stream for AccountPages {
    type Item = (String, Result<Page, Error>);

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}
