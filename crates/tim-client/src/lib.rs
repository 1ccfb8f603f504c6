//! Runtime-agnostic client for the Tencent Cloud IM REST API: auto-paging streams, retries,
//! rate limiting, UserSig reuse.
//!
//! [`Client`] sends any [`tim_proto::ApiRequest`] over any [`tim_transport::Transport`] (hyper,
//! isahc, surf, an in-process emulator, a test fake) and adds what every caller of the service
//! needs and most get wrong:
//!
//! * **Paging** of `recentcontact/get_list` as lazy streams of pages ([`Pages`]) or of
//!   conversations ([`Conversations`]), both exposing the resume cursor after every page. They
//!   drive [`tim_proto::pager::Pager`]: both cursors travel together, only `CompleteFlag = 1` ends
//!   a walk, and a stalled cursor is an error instead of a hang.
//! * **Retries** with exponential backoff and jitter, bounded attempts and an overall deadline
//!   ([`RetryPolicy`]). A retry repeats the same cursor, so a walk through faults loses nothing and
//!   repeats nothing.
//! * **UserSig reuse**: with the secret key the client signs the admin's UserSig, reuses it until a
//!   safety margin before expiry, and signs again (once) when the service reports it expired.
//! * **Rate limiting** under the documented 200 calls per second, shared by every clone and every
//!   concurrent stream ([`RateLimit`]).
//! * **Many accounts** at once with bounded concurrency ([`Contacts::for_accounts`]).
//! * **Conversation groups and marks** ([`ContactGroups`], [`Marks`]): the groups as a walk of
//!   `get_contact_group`, create (with [`ContactGroups::create_safely`] for a safe retry),
//!   rename, add and remove conversations, delete, search, and mark batches split over the
//!   per-call limits; per-conversation failures are returned, never dropped.
//! * **Failing fast** when the service cannot be reached at all: after consecutive connection
//!   failures across all calls with no response in between, a shared circuit fails calls at once
//!   with [`Error::Unreachable`] (naming the host) until a probe gets an answer
//!   ([`CircuitPolicy`]); a many-accounts stream then yields that one error and ends.
//! * **Regional failover** to the region's backup domain when the primary cannot be connected
//!   to, and back after a while ([`ClientBuilder::failover`]).
//! * **Untyped calls** ([`Client::call_raw`]): any path with a JSON body and a JSON answer, through
//!   the same loop (signing, rate limit, retries by the idempotency the caller states), for calls
//!   that have no [`tim_proto::ApiRequest`] type yet.
//!
//! # Example (tokio)
//!
//! The examples run against [`tim_emulator`](https://docs.rs/tim-emulator)'s in-process
//! transport; with a real deployment, pass a transport adapter (`tim-transport-hyper` under
//! tokio) and a [`tim_proto::Region`] instead.
//!
//! ```
//! use futures_util::StreamExt;
//! use tim_client::Client;
//! use tim_emulator::{Config, Emulator, InProcess};
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let emulator = InProcess::new(Emulator::demo(Config::new(1400000000, "my-secret-key")));
//!     let client = Client::builder()
//!         .transport(emulator)
//!         .base_url("http://emulator.invalid")
//!         .sdk_app_id(1400000000)
//!         .secret_key("my-secret-key")
//!         .build()?;
//!
//!     // Pages, with the cursor to persist after each.
//!     let mut pages = client.contacts().list("alice").pages();
//!     let mut total = 0;
//!     while let Some(page) = pages.next().await {
//!         let page = page?;
//!         total += page.items.len();
//!         let resume_token = page.next.map(|c| c.to_string()); // store it to resume later
//!         # let _ = resume_token;
//!     }
//!     assert_eq!(total, 300);
//!
//!     // Or conversations one by one.
//!     let pinned = client
//!         .contacts()
//!         .list("alice")
//!         .conversations()
//!         .filter(|c| std::future::ready(matches!(c, Ok(c) if c.item.is_pinned())))
//!         .count()
//!         .await;
//!     assert_eq!(pinned, 11);
//!     Ok(())
//! }
//! ```
//!
//! # Example (async-std), resuming from a stored cursor
//!
//! ```
//! use futures_util::StreamExt;
//! use tim_client::Client;
//! use tim_emulator::{Config, Emulator, InProcess};
//! use tim_proto::ListCursor as Cursor;
//!
//! #[async_std::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let emulator = InProcess::new(Emulator::demo(Config::new(1400000000, "my-secret-key")));
//!     let client = Client::builder()
//!         .transport(emulator)
//!         .base_url("http://emulator.invalid")
//!         .sdk_app_id(1400000000)
//!         .secret_key("my-secret-key")
//!         .build()?;
//!     let contacts = client.contacts();
//!
//!     // Read the first page and keep its cursor as text, as a job would between runs.
//!     let first = contacts.list("alice").page().await?;
//!     let stored: String = first.next.expect("alice has more than one page").to_string();
//!
//!     // Later: resume there.
//!     let cursor: Cursor = stored.parse()?;
//!     let rest = contacts.list("alice").resume(cursor).collect_all().await?;
//!     assert_eq!(first.items.len() + rest.len(), 300);
//!
//!     // Many accounts, 8 at a time, under the shared rate limit.
//!     let accounts = (1..=20).map(|n| format!("user{n:04}"));
//!     let mut results = contacts.for_accounts(accounts, 8);
//!     while let Some((account, list)) = results.next().await {
//!         println!("{account}: {} conversations", list?.len());
//!     }
//!     Ok(())
//! }
//! ```
//!
//! # Contract
//!
//! * **Lazy.** Nothing is sent until a stream is polled or a future awaited. A stream sends at
//!   most one request at a time; concurrency comes from running several streams.
//! * **Exactly once.** A walk that completes yields every conversation of the list exactly once
//!   (as the service pages it), whatever retried faults happened on the way.
//! * **Runtime-agnostic.** The client spawns nothing and needs no runtime: its timers come from
//!   `async-io` ([`SystemClock`]), which works under tokio, async-std, smol and a plain
//!   `block_on`. The transport brings its own requirements (the hyper adapter needs tokio).
//! * **Cheap to share.** [`Client`] is an `Arc`; clones share the UserSig cache and the rate
//!   limiter. Locks are `std` mutexes held for a few instructions, never across an `.await`.
//! * **Secrets stay secret.** The key and the UserSig never appear in `Debug`, `Display`, errors
//!   or `tracing` output (the URL, which carries the UserSig, is never logged).
//! * **Testable.** Time ([`Clock`], sleeping included) and randomness ([`Random`]) are injectable.
//!
//! # Tracing
//!
//! Each call is a `tim.call` span (`api`, `attempts`, `code`) with an `attempt` span per
//! attempt; each page of a stream is a `tim.page` span (`account`, `page`, `cursor`). Retries,
//! re-signs and limiter waits are `debug`/`trace` events.
//!
//! # Errors
//!
//! One [`Error`] type, by stage: [`Error::Encode`] (not sent), [`Error::Transport`] (no
//! response), [`Error::Decode`] (a response that is not an answer, such as a 502 HTML page),
//! [`Error::Api`] (the service's `ErrorCode`, its description and `ErrorInfo`),
//! [`Error::Pagination`] (a stalled cursor), [`Error::Timeout`] (the deadline) and
//! [`Error::Unreachable`] (the service cannot be connected to). Helpers: [`Error::api_code`],
//! [`Error::is_retryable`], [`Error::is_cursor_stalled`], [`Error::is_unreachable`].

pub mod blocking;
mod client;
mod clock;
mod contact_groups;
mod contacts;
mod credentials;
mod error;
mod limiter;
mod paging;
mod reach;
mod retry;

pub use client::{Client, ClientBuilder, DEFAULT_ADMIN, DEFAULT_USERSIG_LIFETIME};
pub use clock::{Clock, FastRandom, Random, Sleep, SystemClock};
pub use contact_groups::{
    ContactGroupList, ContactGroups, CreatedGroup, GroupList, GroupListEntries, GroupListPage,
    GroupListPages, MarkResults, Marks,
};
pub use contacts::{
    AccountLists, AccountPages, Contacts, Conversation, Conversations, List, ListPage, ListPages,
};
pub use credentials::Credentials;
pub use error::{BuildError, Error};
pub use limiter::{Acquire, LocalLimiter, RateKey, RateLimit, RateLimitError, RateLimiter};
pub use paging::{Items, ManyLists, ManyPages, Pages, Positioned, Walk};
pub use reach::{CircuitPolicy, DEFAULT_FAILBACK_AFTER};
pub use retry::RetryPolicy;

/// The protocol types the client's signatures use, re-exported so that `tim-client` alone is
/// enough to name them.
pub use tim_proto::{
    self, ApiError, ApiPath, ApiRequest, AssistFlags, BaseUrl, ErrorClass, ErrorCode, Idempotency,
    ListCursor, Page, PageCursor, PagedRequest, PagerError, RateBucket, Region, SessionItem,
    contact_group::{
        ContactGroupCursor, ContactGroupEntry, ContactItem, ContactResult, ContactResultItem,
        GroupItem, MarkItem, StandardMarks,
    },
    recent_contact::{DeleteTarget, GetListRequest},
};
pub use tim_redact::redact;
pub use tim_sig::{SecretKey, UserSig};
pub use tim_transport::{Transport, TransportError};

#[cfg(test)]
mod tests;
