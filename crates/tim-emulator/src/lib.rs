//! A faithful fake of the Tencent Cloud IM REST service, for tests and CI.
//!
//! The emulator answers the same URLs as the service (the whole `/v4/recentcontact/*` family:
//! `get_list`, `delete`, and the conversation group and mark calls), validates requests the same
//! way (POST only, query parameters, admin identifier, UserSig verified with [`tim_sig`]),
//! answers the same error codes with HTTP 200, pages conversation lists with both cursors and every `AssistFlags` bit, and injects the
//! faults real networks produce, deterministically under a seed.
//!
//! It comes in three shapes sharing one core:
//!
//! - [`Emulator`], the sans-IO core: a value that takes a request and the current time and
//!   returns a [`Reply`]. No sockets, no clock, no OS randomness.
//! - [`Server`] (feature `server`, on by default): the core on a loopback socket (hyper, tokio),
//!   HTTP/1.1 keep-alive and HTTP/2, optionally HTTPS with a generated self-signed certificate,
//!   plus an admin API under `/_emulator/`.
//! - [`InProcess`]: a [`tim_transport::Transport`] that calls the core directly.
//!
//! One emulator serves one or more apps ([`App`], [`Emulator::add_app`]): each SDKAppID has its
//! own key, data, settings, faults, log and stats, and requests go to the app their `sdkappid`
//! names. The state of every app is one document ([`Emulator::state`], [`state`]), which
//! [`save_state`] writes atomically; [`openapi::document`] describes every call and admin
//! endpoint (served at `GET /_emulator/openapi.json`).
//!
//! The standalone form is `tim emulator serve` (crate `tim-cli`); `docs/emulator.md` explains
//! how to use it from any language.
//!
//! # Example
//!
//! ```
//! use std::time::Duration;
//! use tim_emulator::{Config, Emulator};
//!
//! let mut emulator = Emulator::demo(Config::new(1400000000, "my-secret-key"));
//! let now = Duration::from_secs(1_700_000_000);
//! let sig = emulator.sign("administrator", now.as_secs(), 86_400);
//! let uri = format!(
//!     "https://console.tim.qq.com/v4/recentcontact/get_list?sdkappid=1400000000\
//!      &identifier=administrator&usersig={}&random=42&contenttype=json",
//!     sig.expose()
//! );
//! let body = r#"{"From_Account":"alice","TimeStamp":0,"StartIndex":0,
//!                "TopTimeStamp":0,"TopStartIndex":0,"AssistFlags":7}"#;
//! let request = http::Request::post(uri).body(body.into()).unwrap();
//! let reply = emulator.handle(now, request);
//! let page: serde_json::Value = serde_json::from_slice(reply.response.body()).unwrap();
//! assert_eq!(page["ErrorCode"], 0);
//! assert_eq!(page["SessionItem"][0]["TopFlag"], 1);
//! ```
//!
//! # Driving contract
//!
//! Call [`Emulator::handle`] once per request with the time since the Unix epoch, then honour
//! the [`Reply`]: wait [`Reply::delay`], then send [`Reply::response`] as [`Reply::delivery`]
//! says (whole, truncated, or not at all with the connection closed). The core never blocks and
//! never reads a clock; the `now` it is given (plus an optional clock shift) drives UserSig
//! expiry, rate limiting and the default time of new messages.
//!
//! # Errors
//!
//! API errors are answers, not Rust errors: HTTP 200 with `ActionStatus` `FAIL` and the
//! `ErrorCode` the service documents (see [`codes`]). The admin API answers HTTP 400/404 with
//! `{"error": ...}`. Rust errors exist only for data sets ([`DataError`]), fault specs
//! ([`FaultSpecError`]) and server start-up (`std::io::Error`).
//!
//! # Secrets
//!
//! `Debug` of [`Emulator`] and [`Config`] never prints the key, and the request log replaces
//! the `usersig` query value with `[redacted]`.

pub mod codes;
pub mod demo;

mod admin;
pub mod api;
mod contact_groups;
pub mod contacts;
mod emulator;
mod faults;
mod inprocess;
pub mod openapi;
mod paging;
#[cfg(feature = "server")]
mod persist;
mod recentcontact;
#[cfg(feature = "server")]
mod server;
pub mod state;
mod store;
mod wire;

pub use api::{ApiFailure, ApiSpec, CallContext, Handler, PageFault, Schemas};
pub use contacts::{ContactGroup, ContactSettings, Edition, LimitScope, UnknownEdition};
pub use emulator::{App, AppError, CallStats, Config, Delivery, Emulator, LogEntry, Reply};
pub use faults::{
    EXTRA_FIELDS, Fault, FaultSpecError, Faults, Rate, Scripted, UNKNOWN_ITEM_TYPE, unknown_item,
};
pub use inprocess::InProcess;
#[cfg(feature = "server")]
pub use persist::{save_state, write_atomic};
#[cfg(feature = "server")]
pub use server::{DEFAULT_MAX_BODY, Server, ServerOptions};
pub use state::{AppSettings, AppState, STATE_VERSION, StateError, StateFile};
pub use store::{
    ContactRecord, Conversation, DataError, DataFile, GroupRecord, Kind, SessionRecord, Store,
};
