//! The recent-contacts API (`v4/recentcontact/*`): thin wrappers over the generic paging of
//! [`crate::paging`] and [`Client::call`].

use std::future::Future;

use tim_proto::pager::DEFAULT_MAX_PAGES;
use tim_proto::recent_contact::{
    AssistFlags, DeleteRequest, DeleteTarget, GetListRequest, ListCursor, SessionItem,
};

use crate::client::Client;
use crate::error::Error;
use crate::paging::{Items, ManyLists, ManyPages, Pages, Positioned, Walk};

/// One account's conversation list from a cursor: a [`Walk`] of `get_list`; see
/// [`Contacts::list`].
pub type List = Walk<GetListRequest>;
/// A lazy stream of pages of one account's list; see [`Walk::pages`].
pub type ListPages = Pages<GetListRequest>;
/// A lazy stream of the conversations of one account's list; see [`Walk::items`].
pub type Conversations = Items<GetListRequest>;
/// One conversation of a walk, with where its page came from.
pub type Conversation = Positioned<SessionItem, ListCursor>;
/// One page of a conversation list.
pub type ListPage = tim_proto::pager::Page<SessionItem, ListCursor>;
/// The stream of [`Contacts::for_accounts`]: one `(account, whole list or error)` per account.
pub type AccountLists = ManyLists<String, GetListRequest>;
/// The stream of [`Contacts::for_accounts_pages`]: `(account, page or error)` as they arrive.
pub type AccountPages = ManyPages<String, GetListRequest>;

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

    /// The client these calls go through.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// `account`'s conversation list, from the start. Nothing is sent until it is read.
    pub fn list(&self, account: impl Into<String>) -> List {
        self.client
            .walk(GetListRequest::first(account, self.flags))
            .max_pages(self.max_pages)
    }

    /// Deletes one conversation from `account`'s list (`recentcontact/delete`).
    ///
    /// Deleting is idempotent (a conversation already gone is not an error), so the client
    /// retries it like a read. To also clear the roaming messages (`ClearRamble`), send a
    /// [`DeleteRequest`] with `clear_ramble: Some(true)` through [`Client::call`]. The future
    /// borrows nothing.
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
    /// in completion order ([`Client::walk_many`]). A failure for one account does not stop the
    /// others.
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
        let walks = accounts.into_iter().map(move |account| {
            let account: String = account.into();
            let list = contacts.list(account.clone());
            (account, list)
        });
        self.client.walk_many(walks, concurrency)
    }

    /// Like [`for_accounts`](Self::for_accounts) but yields each page as it arrives, tagged
    /// with its account ([`Client::walk_many_pages`]), so memory stays bounded by `concurrency`
    /// pages whatever the list lengths. An account's pages come in order; after an error for an
    /// account, nothing more comes for it.
    pub fn for_accounts_pages<I>(&self, accounts: I, concurrency: usize) -> AccountPages
    where
        I: IntoIterator,
        I::Item: Into<String> + 'static,
        I::IntoIter: Send + 'static,
    {
        let contacts = self.clone();
        let walks = accounts.into_iter().map(move |account| {
            let account: String = account.into();
            let list = contacts.list(account.clone());
            (account, list)
        });
        self.client.walk_many_pages(walks, concurrency)
    }
}

/// What only a conversation list has: its account and its flags.
impl Walk<GetListRequest> {
    /// The `AssistFlags` of this list's requests.
    #[must_use]
    pub fn flags(mut self, flags: AssistFlags) -> Self {
        self.request_mut().assist_flags = flags;
        self
    }

    /// The account whose list this is.
    pub fn account(&self) -> &str {
        &self.request().from_account
    }

    /// The conversations, page after page ([`Walk::items`]).
    pub fn conversations(&self) -> Conversations {
        self.items()
    }
}
