//! The emulator set-up shared by the suite and the benchmark.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use tim_emulator::{Config, Conversation, Emulator, Kind, Server, ServerOptions};
use tim_proto::pager::{Pager, PagerError};
use tim_proto::recent_contact::{
    AssistFlags, GetListRequest, GetListResponse, ListCursor, SessionItem,
};
use tim_proto::{BaseUrl, DecodeError, EncodeError, QueryParams};
use tim_transport::{Transport, TransportError};

/// The emulated app's SDKAppID.
pub const SDK_APP_ID: u64 = 1_400_000_000;
/// The emulated app's secret key.
pub const KEY: &str = "conformance-suite-secret-key-0123456789abcdef";
/// The App admin the requests are signed for.
pub const ADMIN: &str = "administrator";
/// The account whose list the walks read.
pub const WALKER: &str = "walker";
/// The oldest `MsgTime` of the generated lists.
pub const BASE_TIME: u64 = 1_700_000_000;

/// An emulator for `account` with `n` conversations, page size 100, no rate limit and no
/// request log.
pub fn emulator(account: &str, n: usize) -> Emulator {
    let mut config = Config::new(SDK_APP_ID, KEY);
    config.rate_limit = None;
    config.log_capacity = 0;
    let mut emulator = Emulator::new(config);
    emulator.data().set_list(account, conversations(n));
    emulator
}

/// `n` conversations: one in three a group, one in 97 pinned, equal `MsgTime`s in runs of 3.
pub fn conversations(n: usize) -> Vec<Conversation> {
    (0..n)
        .map(|i| {
            let (kind, peer) = if i % 3 == 0 {
                (Kind::Group, format!("group{i:06}"))
            } else {
                (Kind::C2c, format!("user{i:06}"))
            };
            let mut c = Conversation::new(kind, peer, BASE_TIME + (i / 3) as u64);
            c.pinned = i % 97 == 5;
            c
        })
        .collect()
}

/// The seconds since the Unix epoch, for signing.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A UserSig of [`ADMIN`] valid for a day, signed with `emulator`'s key.
fn sign(emulator: &Emulator) -> String {
    emulator.sign(ADMIN, unix_now(), 86_400).expose().to_owned()
}

/// Builds signed API requests to one emulator.
#[derive(Debug)]
pub struct Api {
    endpoint: BaseUrl,
    usersig: String,
    random: AtomicU32,
}

impl Api {
    /// Requests to `base_url`, signed as [`ADMIN`] by `emulator`'s key for a day.
    pub fn new(base_url: &str, emulator: &Emulator) -> Api {
        Api::with_usersig(base_url, sign(emulator))
    }

    fn with_usersig(base_url: &str, usersig: String) -> Api {
        Api {
            endpoint: BaseUrl::custom(base_url).expect("the emulator's base url is valid"),
            usersig,
            random: AtomicU32::new(1),
        }
    }

    /// The UserSig the requests carry (to check that errors do not show it).
    pub fn usersig(&self) -> &str {
        &self.usersig
    }

    /// The emulator's base URL.
    pub fn base_url(&self) -> &str {
        self.endpoint.as_str()
    }

    /// A `get_list` call.
    pub fn get_list(&self, request: &GetListRequest) -> Result<http::Request<Bytes>, EncodeError> {
        let params = QueryParams {
            sdk_app_id: SDK_APP_ID,
            identifier: ADMIN,
            usersig: &self.usersig,
            random: self.random.fetch_add(1, Ordering::Relaxed),
        };
        tim_proto::encode(request, &self.endpoint, &params)
    }

    /// The first `get_list` call of `account`'s list.
    pub fn first_page(&self, account: &str) -> http::Request<Bytes> {
        self.get_list(&GetListRequest::first(account, AssistFlags::default()))
            .expect("a get_list request encodes")
    }

    /// A request to the echo route answering `status`.
    pub fn echo(&self, status: u16) -> http::request::Builder {
        http::Request::post(format!(
            "{}/_emulator/echo?status={status}",
            self.endpoint.as_str()
        ))
    }
}

/// Why a walk failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum WalkError {
    /// The request did not encode.
    Encode(EncodeError),
    /// The transport failed.
    Transport(TransportError),
    /// The response did not decode.
    Decode(DecodeError),
    /// The pager refused the response.
    Pager(PagerError<ListCursor>),
}

/// Walks `account`'s whole list through `transport`, driving the pager by hand; returns the
/// items and the number of requests.
pub async fn walk(
    transport: &dyn Transport,
    api: &Api,
    account: &str,
) -> Result<(Vec<SessionItem>, u64), WalkError> {
    let mut pager = Pager::new(GetListRequest::first(account, AssistFlags::default()));
    let mut items = Vec::new();
    let mut requests = 0;
    while let Some(request) = pager.next_request().map_err(WalkError::Pager)? {
        let http_request = api.get_list(&request).map_err(WalkError::Encode)?;
        let response = transport
            .send(http_request)
            .await
            .map_err(WalkError::Transport)?;
        requests += 1;
        let page: GetListResponse = tim_proto::decode(&response).map_err(WalkError::Decode)?;
        let page = pager.handle_response(page).map_err(WalkError::Pager)?;
        items.extend(page.items);
    }
    Ok((items, requests))
}

/// The peer and kind of every item, for comparing walks with the emulator's list.
pub fn peers(items: &[SessionItem]) -> Vec<(i64, String)> {
    items
        .iter()
        .map(|i| {
            (
                i.session_type().unwrap_or(-1),
                i.peer_id().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// The peer and kind of every conversation of `account` in list order.
pub fn expected_peers(emulator: &mut Emulator, account: &str) -> Vec<(i64, String)> {
    emulator
        .data()
        .conversations(account)
        .iter()
        .map(|c| {
            let kind = match c.kind {
                Kind::Group => 2,
                _ => 1,
            };
            (kind, c.peer.clone())
        })
        .collect()
}

/// Starts an emulator server in this tokio runtime, plain HTTP or HTTPS.
pub async fn start(emulator: Emulator, tls: bool) -> (Server, Api) {
    let options = ServerOptions {
        tls,
        ..ServerOptions::default()
    };
    start_with(emulator, options).await
}

/// How long the benchmark's server lets a keep-alive connection wait for the next request
/// head: 10 minutes, not the emulator's 30 s.
///
/// Between the benchmark's rows a client's runtime may not run at all (a tokio current-thread
/// runtime only runs inside `block_on`), so it cannot see the server closing an idle
/// connection and would send its next request on it. A slow row (the debug build of
/// `cargo test --benches` on a loaded machine) can last longer than 30 s.
pub const BENCH_HEADER_TIMEOUT: Duration = Duration::from_secs(600);

/// Starts the benchmark's plain-HTTP emulator server in this tokio runtime (see
/// [`BENCH_HEADER_TIMEOUT`]).
pub async fn start_for_bench(emulator: Emulator) -> (Server, Api) {
    let options = ServerOptions {
        header_timeout: BENCH_HEADER_TIMEOUT,
        ..ServerOptions::default()
    };
    start_with(emulator, options).await
}

async fn start_with(emulator: Emulator, options: ServerOptions) -> (Server, Api) {
    let usersig = sign(&emulator);
    let server = Server::start(emulator, options)
        .await
        .expect("the emulator server starts on loopback");
    let api = Api::with_usersig(&server.base_url(), usersig);
    (server, api)
}

/// An emulator server on its own thread and tokio runtime (one worker), for the benchmark.
#[derive(Debug)]
pub struct BackgroundServer {
    api: Api,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl BackgroundServer {
    /// Starts `emulator` on a new thread.
    pub fn start(emulator: Emulator) -> BackgroundServer {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("a tokio runtime starts");
            runtime.block_on(async move {
                let (server, api) = start_for_bench(emulator).await;
                let _ = ready_tx.send(api);
                let _ = stop_rx.await;
                server.shutdown().await;
            });
        });
        let api = ready_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the background server starts");
        BackgroundServer {
            api,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// Signed requests to this server.
    pub fn api(&self) -> &Api {
        &self.api
    }
}

impl Drop for BackgroundServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// [`walk`] through a [`BlockingTransport`](tim_transport::BlockingTransport), on the calling
/// thread (for the benchmark's ureq rows).
pub fn walk_blocking(
    transport: &dyn tim_transport::BlockingTransport,
    api: &Api,
    account: &str,
) -> Result<(Vec<SessionItem>, u64), WalkError> {
    let mut pager = Pager::new(GetListRequest::first(account, AssistFlags::default()));
    let mut items = Vec::new();
    let mut requests = 0;
    while let Some(request) = pager.next_request().map_err(WalkError::Pager)? {
        let http_request = api.get_list(&request).map_err(WalkError::Encode)?;
        let response = transport.send(http_request).map_err(WalkError::Transport)?;
        requests += 1;
        let page: GetListResponse = tim_proto::decode(&response).map_err(WalkError::Decode)?;
        let page = pager.handle_response(page).map_err(WalkError::Pager)?;
        items.extend(page.items);
    }
    Ok((items, requests))
}
