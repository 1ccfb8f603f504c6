//! The `tim-client` conformance suite, run against the emulator once per transport adapter and
//! runtime, and the client benchmarks.
//!
//! [`Adapter`] names a transport and the runtime it is driven by:
//!
//! | adapter | transport | runtime of the client |
//! |---|---|---|
//! | [`Adapter::Hyper`] | `tim-transport-hyper` → loopback [`Server`] | tokio (current thread) |
//! | [`Adapter::Surf`] | `tim-transport-surf` → loopback [`Server`] | async-std |
//! | [`Adapter::Isahc`] | `tim-transport-isahc` → loopback [`Server`] | `futures_lite::future::block_on` |
//! | [`Adapter::InProcess`] | `tim_emulator::InProcess` (no sockets) | `smol::block_on` |
//!
//! The loopback servers run on a separate, process-wide tokio runtime, so the client's own
//! runtime is the only one it sees. Every check in [`suite`] is an `async fn(Adapter)`;
//! `tests/adapters.rs` instantiates all of them per adapter with one macro.

use std::future::Future;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use tim_client::{Client, ClientBuilder, Clock, RetryPolicy, Sleep, SystemClock};
use tim_emulator::{Config, Conversation, Emulator, InProcess, Kind, Server, ServerOptions};
use tim_transport::Transport;

pub mod suite;

/// The emulated app's SDKAppID.
pub const SDK_APP_ID: u64 = 1_400_000_000;
/// The emulated app's secret key.
pub const KEY: &str = "client-conformance-secret-key-5bd2850fff3ecb11d7c805251c51ee46";

/// A transport adapter and the runtime the client runs on with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Adapter {
    /// hyper, under tokio.
    Hyper,
    /// surf, under async-std.
    Surf,
    /// isahc, under a plain `block_on`.
    Isahc,
    /// The emulator in process, under smol.
    InProcess,
    /// reqwest, under tokio.
    Reqwest,
    /// ureq (blocking), as the blocking face drives it: on the calling thread under a plain
    /// `block_on` ([`tim_client::blocking::OnThisThread`]).
    Ureq,
}

impl Adapter {
    /// Runs `check` to completion on this adapter's runtime.
    pub fn run<F, Fut>(self, check: F)
    where
        F: FnOnce(Adapter) -> Fut,
        Fut: Future<Output = ()>,
    {
        match self {
            Adapter::Hyper => tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a tokio runtime")
                .block_on(check(self)),
            Adapter::Surf => async_std::task::block_on(check(self)),
            Adapter::Isahc | Adapter::Ureq => futures_lite::future::block_on(check(self)),
            Adapter::Reqwest => tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a tokio runtime")
                .block_on(check(self)),
            Adapter::InProcess => smol::block_on(check(self)),
        }
    }

    /// [`run`](Self::run), one such check at a time across the test binary: for checks that
    /// measure time, since the suite runs the adapters' checks in parallel on a small machine,
    /// in debug builds, against servers sharing one runtime thread.
    pub fn run_exclusive<F, Fut>(self, check: F)
    where
        F: FnOnce(Adapter) -> Fut,
        Fut: Future<Output = ()>,
    {
        static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
        let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
        self.run(check);
    }

    /// Serves `emulator` for this adapter: on a loopback [`Server`], or in process.
    pub async fn start(self, emulator: Emulator) -> Env {
        if self == Adapter::InProcess {
            let inprocess = InProcess::new(emulator);
            return Env {
                adapter: self,
                shared: inprocess.shared(),
                base_url: "http://emulator.invalid".to_owned(),
                server: None,
                inprocess: Some(inprocess),
            };
        }
        let server = server_runtime()
            .spawn(Server::start(emulator, ServerOptions::default()))
            .await
            .expect("the server task runs")
            .expect("the loopback server starts");
        Env {
            adapter: self,
            shared: server.shared(),
            base_url: server.base_url(),
            server: Some(server),
            inprocess: None,
        }
    }

    /// Like [`start`](Self::start), on a loopback server at `addr` (not for
    /// [`Adapter::InProcess`]): to bring up a server where connections were refused before.
    pub async fn start_at(self, emulator: Emulator, addr: std::net::SocketAddr) -> Env {
        assert_ne!(
            self,
            Adapter::InProcess,
            "the in-process transport has no address"
        );
        let options = ServerOptions {
            addr,
            ..ServerOptions::default()
        };
        let server = server_runtime()
            .spawn(Server::start(emulator, options))
            .await
            .expect("the server task runs")
            .expect("the loopback server starts");
        Env {
            adapter: self,
            shared: server.shared(),
            base_url: server.base_url(),
            server: Some(server),
            inprocess: None,
        }
    }

    /// A new transport of this adapter (not for [`Adapter::InProcess`], see [`Env::transport`]).
    fn transport(self) -> Arc<dyn Transport> {
        let timeout = Duration::from_secs(20);
        match self {
            Adapter::Hyper => Arc::new(
                tim_transport_hyper::HyperTransport::builder()
                    .request_timeout(timeout)
                    .build()
                    .expect("valid"),
            ),
            Adapter::Surf => Arc::new(
                tim_transport_surf::SurfTransport::builder()
                    .request_timeout(timeout)
                    .build()
                    .expect("valid"),
            ),
            Adapter::Isahc => Arc::new(
                tim_transport_isahc::IsahcTransport::builder()
                    .request_timeout(timeout)
                    .build()
                    .expect("valid"),
            ),
            Adapter::Reqwest => Arc::new(
                tim_transport_reqwest::ReqwestTransport::builder()
                    .request_timeout(timeout)
                    .build()
                    .expect("valid"),
            ),
            Adapter::Ureq => Arc::new(tim_client::blocking::OnThisThread(
                tim_transport_ureq::UreqTransport::builder()
                    .request_timeout(timeout)
                    .build()
                    .expect("valid"),
            )),
            Adapter::InProcess => unreachable!("the in-process transport belongs to its Env"),
        }
    }
}

/// The process-wide runtime the loopback servers run on.
fn server_runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("emulator-server")
            .enable_all()
            .build()
            .expect("a tokio runtime")
    })
}

/// A running emulator and how to reach it.
#[derive(Debug)]
pub struct Env {
    adapter: Adapter,
    shared: Arc<Mutex<Emulator>>,
    base_url: String,
    server: Option<Server>,
    inprocess: Option<InProcess>,
}

impl Env {
    /// The adapter under test.
    pub fn adapter(&self) -> Adapter {
        self.adapter
    }

    /// Runs `f` on the emulator.
    pub fn with<R>(&self, f: impl FnOnce(&mut Emulator) -> R) -> R {
        f(&mut self.shared.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// A transport to the emulator.
    pub fn transport(&self) -> Arc<dyn Transport> {
        match &self.inprocess {
            Some(inprocess) => Arc::new(inprocess.clone()),
            None => self.adapter.transport(),
        }
    }

    /// A client builder for the emulator: transport, base URL, SDKAppID, key, and a retry
    /// policy with short backoffs so the suite stays fast.
    pub fn client(&self) -> ClientBuilder {
        Client::builder()
            .shared_transport(self.transport())
            .base_url(&self.base_url)
            .sdk_app_id(SDK_APP_ID)
            .secret_key(KEY)
            .retry(fast_retries())
    }

    /// How many answers carried each of `codes`, per the emulator's log.
    pub fn answers_with(&self, codes: &[i64]) -> usize {
        self.with(|e| {
            e.log()
                .iter()
                .filter(|l| l.error_code.is_some_and(|c| codes.contains(&c)))
                .count()
        })
    }

    /// How many requests were answered with an injected fault.
    pub fn faults_injected(&self) -> usize {
        self.with(|e| e.log().iter().filter(|l| l.fault.is_some()).count())
    }

    /// The base URL of the emulator.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Whether the server is a loopback one.
    pub fn is_loopback(&self) -> bool {
        self.server.is_some()
    }
}

/// Retries as by default, with backoffs 20× shorter.
pub fn fast_retries() -> RetryPolicy {
    let mut policy = RetryPolicy::default();
    policy.initial_backoff = Duration::from_millis(5);
    policy.rate_limited_backoff = Duration::from_millis(50);
    policy.max_backoff = Duration::from_millis(500);
    policy.deadline = Duration::from_secs(30);
    policy.attempt_timeout = Some(Duration::from_secs(2));
    policy
}

/// An emulator with no rate limit, page size `page_size`, and `lists` loaded.
pub fn emulator(page_size: usize, lists: &[(&str, Vec<Conversation>)]) -> Emulator {
    let mut config = Config::new(SDK_APP_ID, KEY);
    config.page_size = page_size;
    config.rate_limit = None;
    let mut emulator = Emulator::new(config);
    for (account, list) in lists {
        emulator.data().set_list(*account, list.clone());
    }
    emulator
}

/// `n` conversations with every feature the flags act on: one in three a group, one in 41
/// pinned, one in 13 empty (one pinned and empty), equal `MsgTime`s in runs of four, marks on
/// one in ten.
pub fn conversations(n: usize) -> Vec<Conversation> {
    (0..n)
        .map(|i| {
            let (kind, peer) = if i % 3 == 0 {
                (Kind::Group, format!("group{i:06}"))
            } else {
                (Kind::C2c, format!("user{i:06}"))
            };
            let mut c = Conversation::new(kind, peer, 1_700_000_000 + (i / 4) as u64);
            c.pinned = i % 41 == 7;
            c.empty = i % 13 == 4 || i == 7;
            if i % 10 == 3 {
                c.standard_mark = Some("1".to_owned());
                c.custom_mark = Some(format!("tag{}", i % 5));
                c.contact_group_ids = Some(vec![1, 2]);
            }
            c
        })
        .collect()
}

/// The system clock with an adjustable offset on its Unix time (monotonic time and sleeping
/// are real), to make a cached UserSig expire on purpose.
#[derive(Clone, Debug, Default)]
pub struct ShiftedClock {
    offset: Arc<AtomicI64>,
}

impl ShiftedClock {
    /// Moves the Unix time to `seconds` from the system's.
    pub fn set_offset(&self, seconds: i64) {
        self.offset.store(seconds, Ordering::SeqCst);
    }
}

impl Clock for ShiftedClock {
    fn unix_time(&self) -> u64 {
        SystemClock
            .unix_time()
            .saturating_add_signed(self.offset.load(Ordering::SeqCst))
    }

    fn now(&self) -> Instant {
        SystemClock.now()
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        SystemClock.sleep(duration)
    }
}

/// A global `tracing` subscriber at TRACE level (with span events) writing into two buffers:
/// one with the tim crates' own spans and events (targets `tim_*`), one with everything (the
/// transports' libraries included).
///
/// Global, not per thread: the transports' own tasks may run on other threads, and per-thread
/// subscribers in concurrently running tests disturb `tracing`'s per-callsite interest cache.
/// The test binary that uses it should run its checks one after the other.
#[derive(Debug)]
pub struct LogCapture {
    tim: Arc<Mutex<Vec<u8>>>,
    all: Arc<Mutex<Vec<u8>>>,
    filtered: Arc<Mutex<Vec<u8>>>,
}

/// What a library user must filter out of a TRACE subscriber: isahc below INFO (isahc 2's DEBUG
/// span `send_async` records the request URI, UserSig included). Everything else at TRACE.
pub fn recommended_filter() -> tracing_subscriber::filter::Targets {
    tracing_subscriber::filter::Targets::new()
        .with_default(tracing::Level::TRACE)
        .with_target("isahc", tracing::Level::INFO)
}

#[derive(Clone)]
struct BufferWriter(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for BufferWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A formatting layer with span events, writing into `buffer`.
fn fmt_layer<S>(buffer: &Arc<Mutex<Vec<u8>>>) -> impl tracing_subscriber::Layer<S> + use<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    let writer = BufferWriter(Arc::clone(buffer));
    tracing_subscriber::fmt::layer()
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_ansi(false)
        .with_writer(move || writer.clone())
}

impl LogCapture {
    /// The capture, installing the global subscriber on first use.
    ///
    /// # Panics
    ///
    /// If another global subscriber was installed first.
    pub fn global() -> &'static LogCapture {
        use tracing_subscriber::Layer;
        use tracing_subscriber::layer::SubscriberExt;

        static CAPTURE: OnceLock<LogCapture> = OnceLock::new();
        CAPTURE.get_or_init(|| {
            let tim = Arc::new(Mutex::new(Vec::new()));
            let all = Arc::new(Mutex::new(Vec::new()));
            let filtered = Arc::new(Mutex::new(Vec::new()));
            let subscriber = tracing_subscriber::registry()
                .with(
                    fmt_layer(&tim).with_filter(tracing_subscriber::filter::filter_fn(|m| {
                        m.target().starts_with("tim_")
                    })),
                )
                .with(fmt_layer(&all).with_filter(tracing_subscriber::filter::LevelFilter::TRACE))
                .with(fmt_layer(&filtered).with_filter(recommended_filter()));
            tracing::subscriber::set_global_default(subscriber)
                .expect("no other global subscriber");
            LogCapture { tim, all, filtered }
        })
    }

    /// Empties the buffers.
    pub fn clear(&self) {
        for b in [&self.tim, &self.all, &self.filtered] {
            b.lock().unwrap_or_else(PoisonError::into_inner).clear();
        }
    }

    /// What the tim crates logged since the last [`clear`](Self::clear).
    pub fn tim(&self) -> String {
        String::from_utf8_lossy(&self.tim.lock().unwrap_or_else(PoisonError::into_inner))
            .into_owned()
    }

    /// What every crate logged through [`recommended_filter`] since the last
    /// [`clear`](Self::clear).
    pub fn filtered(&self) -> String {
        String::from_utf8_lossy(&self.filtered.lock().unwrap_or_else(PoisonError::into_inner))
            .into_owned()
    }

    /// What every crate logged since the last [`clear`](Self::clear).
    pub fn all(&self) -> String {
        String::from_utf8_lossy(&self.all.lock().unwrap_or_else(PoisonError::into_inner))
            .into_owned()
    }
}
