//! Conversation groups and marks (`v4/recentcontact/*_contact_group`, `mark_contact`): thin
//! wrappers over [`Client::call`] and [`Client::walk`], plus batch helpers that split over the
//! documented per-call limits.
//!
//! The calls' facts and tim's decisions are in `docs/protocol/` (one page per call, the family's
//! rules in `docs/protocol/contact-groups-and-marks.md`). In short:
//!
//! * **Partial failures are never dropped.** The calls that change several conversations answer
//!   `ActionStatus: OK` with a `ResultCode` per conversation. Every method returns them:
//!   `partial_failures()` on the responses and on [`MarkResults`]; they are also logged as a
//!   `warn` event.
//! * **Retries follow each call's idempotency.** Adding and removing conversations, deleting a
//!   group and marking are retried after ambiguous failures; creating and renaming are not (the
//!   error comes back with [`Error::may_have_reached_the_service`]). [`ContactGroups::create_safely`]
//!   makes a create retry safe by reading the groups back first.
//! * **Batches run under the rate limit.** [`Marks::apply`] sends at most 100 items per call and
//!   [`ContactGroups::search`] at most 300 conversations, one call after another through
//!   [`Client::call`], whose limiter spaces them.
//!
//! ```no_run
//! # async fn run(client: tim_client::Client) -> Result<(), tim_client::Error> {
//! use tim_client::{ContactItem, CreatedGroup, StandardMarks};
//!
//! let groups = client.contact_groups();
//! let bob = ContactItem::c2c("bob");
//! // A create whose answer was lost is read back before it is sent again.
//! let created = groups.create_safely("alice", "friends", vec![bob.clone()]).await?;
//! if let CreatedGroup::Found { missing, .. } = &created {
//!     let added = groups.add("alice", "friends", missing.clone()).await?;
//!     assert!(added.partial_failures().is_empty());
//! }
//! // Set mark bit 0 on bob's conversation (which client-SDK mark a bit is, the docs do not
//! // say), then list everything.
//! let marked = client.marks().set("alice", vec![bob], StandardMarks::bit(0).expect("0..64")).await?;
//! for failed in marked.partial_failures() {
//!     eprintln!("{:?}: {}", failed.contact.id(), failed.result_code);
//! }
//! let all = groups.collect("alice").await?;
//! println!("{} groups, {} conversations", all.groups.len(), all.contacts.len());
//! # Ok(()) }
//! ```

use std::future::Future;

use tim_proto::ErrorCode;
use tim_proto::contact_group::{
    ContactGroupCursor, ContactGroupEntry, ContactItem, ContactResult, ContactResultItem,
    CreateContactGroupRequest, CreateContactGroupResponse, DelContactGroupRequest,
    GetContactGroupRequest, GroupItem, MAX_MARK_ITEMS, MAX_SEARCH_ITEMS, MarkContactRequest,
    MarkItem, RenameContactGroupRequest, SearchContactGroupRequest, StandardMarks,
    UpdateContactGroupRequest, UpdateContactGroupResponse,
};
use tim_proto::pager::DEFAULT_MAX_PAGES;

use crate::client::Client;
use crate::error::Error;
use crate::paging::{Items, Pages, Walk};

/// One account's conversation groups: a [`Walk`] of `get_contact_group`; see
/// [`ContactGroups::list`].
pub type GroupList = Walk<GetContactGroupRequest>;
/// A lazy stream of pages of `get_contact_group`.
pub type GroupListPages = Pages<GetContactGroupRequest>;
/// A lazy stream of the entries (groups, then conversations, page after page) of
/// `get_contact_group`.
pub type GroupListEntries = Items<GetContactGroupRequest>;
/// One page of `get_contact_group`.
pub type GroupListPage = tim_proto::pager::Page<ContactGroupEntry, ContactGroupCursor>;

impl Client {
    /// The conversation-group API.
    pub fn contact_groups(&self) -> ContactGroups {
        ContactGroups {
            client: self.clone(),
            max_pages: DEFAULT_MAX_PAGES,
        }
    }

    /// The conversation-mark API (`mark_contact`).
    pub fn marks(&self) -> Marks {
        Marks {
            client: self.clone(),
        }
    }
}

/// Logs the per-conversation failures of an `ActionStatus: OK` answer.
fn warn_partial(api: &str, account: &str, failures: &[&ContactResult]) {
    if let Some(first) = failures.first() {
        tracing::warn!(
            api,
            account,
            failed = failures.len(),
            first_code = first.result_code.get(),
            "some conversations were not changed"
        );
    }
}

/// Every group and grouped or marked conversation of an account, as
/// [`ContactGroups::collect`] reads them.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ContactGroupList {
    /// The groups, each once (by `GroupId`, first seen first), whichever pages listed them.
    pub groups: Vec<GroupItem>,
    /// The conversations with their groups and marks, as the pages gave them.
    pub contacts: Vec<ContactResultItem>,
}

impl ContactGroupList {
    /// The group named `name`.
    pub fn group(&self, name: &str) -> Option<&GroupItem> {
        self.groups.iter().find(|g| g.group_name == name)
    }

    /// Adds `group` unless a group of its `GroupId` is there already.
    fn add_group(&mut self, group: GroupItem) {
        if !self.groups.iter().any(|g| g.group_id == group.group_id) {
            self.groups.push(group);
        }
    }

    /// The conversations in the group `group_id`.
    pub fn members(&self, group_id: u64) -> impl Iterator<Item = &ContactResultItem> {
        self.contacts
            .iter()
            .filter(move |c| c.meta().is_some_and(|m| m.in_group(group_id)))
    }
}

/// The outcome of [`ContactGroups::create_safely`].
#[derive(Debug)]
#[non_exhaustive]
pub enum CreatedGroup {
    /// The service answered the create (the first time, or when re-sent after the group was
    /// found absent).
    Created(CreateContactGroupResponse),
    /// A create failed ambiguously and the group was found when read back: the first attempt
    /// did create it. Its per-conversation results are lost; `missing` lists the requested
    /// conversations the read-back did not show in the group.
    Found {
        /// The group, as read back.
        group: GroupItem,
        /// Requested conversations not shown in the group.
        missing: Vec<ContactItem>,
        /// The ambiguous error of the first attempt.
        first_error: Error,
    },
}

impl CreatedGroup {
    /// The group created.
    pub fn group(&self) -> Option<&GroupItem> {
        match self {
            CreatedGroup::Created(r) => r.group(),
            CreatedGroup::Found { group, .. } => Some(group),
        }
    }
}

/// The conversation-group API of a [`Client`]: see [`Client::contact_groups`].
///
/// Every future borrows nothing.
#[derive(Clone, Debug)]
pub struct ContactGroups {
    client: Client,
    max_pages: u64,
}

impl ContactGroups {
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

    /// `account`'s groups and grouped or marked conversations, from the start, as a walk of
    /// `get_contact_group` (`pages()`, `items()`, `collect_all()`, `resume(cursor)`). Nothing
    /// is sent until it is read.
    pub fn list(&self, account: impl Into<String>) -> GroupList {
        self.client
            .walk(GetContactGroupRequest::first(account))
            .max_pages(self.max_pages)
    }

    /// Walks the whole of [`list`](Self::list) and returns the groups (each once) and the
    /// conversations.
    ///
    /// # Errors
    ///
    /// The first error of the walk.
    pub fn collect<A: Into<String>>(
        &self,
        account: A,
    ) -> impl Future<Output = Result<ContactGroupList, Error>> + Send + use<A> {
        let walk = self.list(account);
        async move {
            let mut all = ContactGroupList::default();
            for entry in walk.collect_all().await? {
                match entry {
                    ContactGroupEntry::Group(g) => all.add_group(g),
                    ContactGroupEntry::Contact(c) => all.contacts.push(c),
                    // A future kind of entry: nothing to file it under.
                    _ => {}
                }
            }
            Ok(all)
        }
    }

    /// Creates the group `name` with `contacts` (`create_contact_group`).
    ///
    /// **Not retried** after a failure that may have reached the service (a timeout, a cut
    /// connection, a 502, a transient code): the group may exist. Such an error has
    /// [`Error::may_have_reached_the_service`]; use [`create_safely`](Self::create_safely), or
    /// read the groups back before sending again.
    ///
    /// # Errors
    ///
    /// See [`Error`]. Conversations that were not added are in the response's
    /// `partial_failures()`.
    pub fn create<A: Into<String>, N: Into<String>>(
        &self,
        account: A,
        name: N,
        contacts: Vec<ContactItem>,
    ) -> impl Future<Output = Result<CreateContactGroupResponse, Error>> + Send + use<A, N> {
        let client = self.client.clone();
        let request = CreateContactGroupRequest::new(account, name, contacts);
        async move {
            let response = client.call(&request).await?;
            warn_partial(
                "create_contact_group",
                &request.from_account,
                &response.partial_failures(),
            );
            Ok(response)
        }
    }

    /// Creates the group `name`, making a retry after an ambiguous failure safe: when the create
    /// fails with [`Error::may_have_reached_the_service`], it reads the groups back
    /// (`get_contact_group`) and re-sends the create **only when the group is absent**; when it
    /// is present, the first attempt created it ([`CreatedGroup::Found`]).
    ///
    /// Two writers creating the same name at once can still race; the read-back only covers
    /// this client's own lost answer.
    ///
    /// # Errors
    ///
    /// An unambiguous failure of the create, a failure of the read-back (then the group's state
    /// is unknown), or the failure of the re-sent create.
    pub fn create_safely<A: Into<String>, N: Into<String>>(
        &self,
        account: A,
        name: N,
        contacts: Vec<ContactItem>,
    ) -> impl Future<Output = Result<CreatedGroup, Error>> + Send + use<A, N> {
        let groups = self.clone();
        let request = CreateContactGroupRequest::new(account, name, contacts);
        async move {
            let first_error = match groups.client.call(&request).await {
                Ok(response) => return Ok(CreatedGroup::Created(response)),
                Err(e) if e.may_have_reached_the_service() => e,
                Err(e) => return Err(e),
            };
            tracing::debug!(
                api = "create_contact_group",
                "ambiguous failure; reading the groups back"
            );
            let now = groups.collect(request.from_account.clone()).await?;
            if let Some(group) = now.group(&request.group_name).cloned() {
                let members: Vec<_> = now.members(group.group_id).collect();
                let missing = request
                    .contacts
                    .iter()
                    .filter(|wanted| {
                        !members.iter().any(|m| {
                            m.contact()
                                .is_some_and(|have| have.same_conversation(wanted))
                        })
                    })
                    .cloned()
                    .collect();
                return Ok(CreatedGroup::Found {
                    group,
                    missing,
                    first_error,
                });
            }
            let response = groups.client.call(&request).await?;
            Ok(CreatedGroup::Created(response))
        }
    }

    /// Renames the group `old` to `new` (`update_contact_group`, `UpdateGroupType` 1).
    ///
    /// **Not retried** after an ambiguous failure: a rename that went through cannot be
    /// repeated (the old name is gone). Read the groups back ([`collect`](Self::collect)) to
    /// see which name the group has.
    ///
    /// # Errors
    ///
    /// See [`Error`].
    pub fn rename<A: Into<String>, O: Into<String>, N: Into<String>>(
        &self,
        account: A,
        old: O,
        new: N,
    ) -> impl Future<Output = Result<UpdateContactGroupResponse, Error>> + Send + use<A, O, N> {
        let client = self.client.clone();
        let request = RenameContactGroupRequest::new(account, old, new);
        async move { client.call(&request).await }
    }

    /// Adds `contacts` to the group `group` (`update_contact_group`, `ContactOptType` 1).
    /// Idempotent: retried after ambiguous failures.
    ///
    /// # Errors
    ///
    /// See [`Error`]. Conversations that were not added are in the response's
    /// `partial_failures()`.
    pub fn add<A: Into<String>, G: Into<String>>(
        &self,
        account: A,
        group: G,
        contacts: Vec<ContactItem>,
    ) -> impl Future<Output = Result<UpdateContactGroupResponse, Error>> + Send + use<A, G> {
        self.update(UpdateContactGroupRequest::add(account, group, contacts))
    }

    /// Removes `contacts` from the group `group` (`update_contact_group`, `ContactOptType` 2).
    /// Idempotent: retried after ambiguous failures.
    ///
    /// # Errors
    ///
    /// See [`Error`]. Conversations that were not removed are in the response's
    /// `partial_failures()`.
    pub fn remove<A: Into<String>, G: Into<String>>(
        &self,
        account: A,
        group: G,
        contacts: Vec<ContactItem>,
    ) -> impl Future<Output = Result<UpdateContactGroupResponse, Error>> + Send + use<A, G> {
        self.update(UpdateContactGroupRequest::remove(account, group, contacts))
    }

    /// Sends any add/remove change ([`UpdateContactGroupRequest`]).
    ///
    /// # Errors
    ///
    /// See [`Error`].
    pub fn update(
        &self,
        request: UpdateContactGroupRequest,
    ) -> impl Future<Output = Result<UpdateContactGroupResponse, Error>> + Send + use<> {
        let client = self.client.clone();
        async move {
            let response = client.call(&request).await?;
            warn_partial(
                "update_contact_group",
                &request.from_account,
                &response.partial_failures(),
            );
            Ok(response)
        }
    }

    /// Deletes the group `name` (`del_contact_group`): `true` when this call deleted it,
    /// `false` when it did not exist (51009, [`ErrorCode::CONTACT_GROUP_NOT_FOUND`]).
    ///
    /// Idempotent and retried after ambiguous failures; reading 51009 as "already gone" keeps a
    /// retry whose first attempt went through from failing.
    ///
    /// # Errors
    ///
    /// See [`Error`].
    pub fn delete<A: Into<String>, N: Into<String>>(
        &self,
        account: A,
        name: N,
    ) -> impl Future<Output = Result<bool, Error>> + Send + use<A, N> {
        let client = self.client.clone();
        let request = DelContactGroupRequest::new(account, name);
        async move {
            match client.call(&request).await {
                Ok(_) => Ok(true),
                Err(e) if e.api_code() == Some(ErrorCode::CONTACT_GROUP_NOT_FOUND) => Ok(false),
                Err(e) => Err(e),
            }
        }
    }

    /// The groups and marks of `contacts` (`search_contact_group`), in calls of at most 300
    /// conversations, one after another under the rate limit.
    ///
    /// # Errors
    ///
    /// The first failed call's error.
    pub fn search<A: Into<String>>(
        &self,
        account: A,
        contacts: Vec<ContactItem>,
    ) -> impl Future<Output = Result<ContactGroupList, Error>> + Send + use<A> {
        let client = self.client.clone();
        let account: String = account.into();
        async move {
            let mut all = ContactGroupList::default();
            for chunk in contacts.chunks(MAX_SEARCH_ITEMS) {
                let request = SearchContactGroupRequest {
                    from_account: account.clone(),
                    contacts: chunk.to_vec(),
                };
                let response = client.call(&request).await?;
                for g in response.groups {
                    all.add_group(g);
                }
                all.contacts.extend(response.contacts);
            }
            Ok(all)
        }
    }
}

/// The per-conversation outcomes of a [`Marks`] batch, over all of its calls.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
#[must_use = "conversations whose marks did not change are reported by partial_failures()"]
pub struct MarkResults {
    /// Every outcome, in the order of the items.
    pub results: Vec<ContactResult>,
    /// How many calls were sent.
    pub calls: usize,
}

impl MarkResults {
    /// The conversations whose marks did not change (`ResultCode` ≠ 0).
    pub fn partial_failures(&self) -> Vec<&ContactResult> {
        self.results.iter().filter(|r| !r.is_ok()).collect()
    }

    /// Whether every conversation changed.
    pub fn all_ok(&self) -> bool {
        self.results.iter().all(ContactResult::is_ok)
    }
}

/// The conversation-mark API of a [`Client`]: see [`Client::marks`].
///
/// Marking is idempotent (bits and values are set to absolute states), so every call is
/// retried after ambiguous failures, and a batch that failed half-way can be sent again whole.
#[derive(Clone, Debug)]
pub struct Marks {
    client: Client,
}

impl Marks {
    /// Sets the standard-mark `bits` on every conversation of `contacts`.
    ///
    /// # Errors
    ///
    /// See [`apply`](Self::apply).
    pub fn set<A: Into<String>>(
        &self,
        account: A,
        contacts: Vec<ContactItem>,
        bits: StandardMarks,
    ) -> impl Future<Output = Result<MarkResults, Error>> + Send + use<A> {
        let items = contacts
            .into_iter()
            .map(|c| MarkItem::new(c).set(bits))
            .collect();
        self.apply(account, items)
    }

    /// Clears the standard-mark `bits` on every conversation of `contacts`.
    ///
    /// # Errors
    ///
    /// See [`apply`](Self::apply).
    pub fn clear<A: Into<String>>(
        &self,
        account: A,
        contacts: Vec<ContactItem>,
        bits: StandardMarks,
    ) -> impl Future<Output = Result<MarkResults, Error>> + Send + use<A> {
        let items = contacts
            .into_iter()
            .map(|c| MarkItem::new(c).clear(bits))
            .collect();
        self.apply(account, items)
    }

    /// Sets the custom mark of every conversation of `contacts` to `mark` (`""` clears it).
    ///
    /// # Errors
    ///
    /// See [`apply`](Self::apply).
    pub fn custom<A: Into<String>>(
        &self,
        account: A,
        contacts: Vec<ContactItem>,
        mark: &str,
    ) -> impl Future<Output = Result<MarkResults, Error>> + Send + use<A> {
        let items = contacts
            .into_iter()
            .map(|c| MarkItem::new(c).custom(mark))
            .collect();
        self.apply(account, items)
    }

    /// Sends `items` (`mark_contact`) in calls of at most 100 items, one after another under the
    /// client's rate limit, and gathers every per-conversation outcome. No items, no call.
    ///
    /// # Errors
    ///
    /// The first failed call's error; the calls before it were applied (send the batch again:
    /// marking is idempotent).
    pub fn apply<A: Into<String>>(
        &self,
        account: A,
        items: Vec<MarkItem>,
    ) -> impl Future<Output = Result<MarkResults, Error>> + Send + use<A> {
        let client = self.client.clone();
        let account: String = account.into();
        async move {
            let mut out = MarkResults::default();
            let mut items = items.into_iter().peekable();
            while items.peek().is_some() {
                let request = MarkContactRequest {
                    from_account: account.clone(),
                    items: items.by_ref().take(MAX_MARK_ITEMS).collect(),
                };
                let response = client.call(&request).await?;
                out.calls += 1;
                warn_partial("mark_contact", &account, &response.partial_failures());
                out.results.extend(response.results);
            }
            Ok(out)
        }
    }
}
