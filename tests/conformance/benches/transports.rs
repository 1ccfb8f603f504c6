//! The adapter benchmark: 100,000 conversations (1,000 pages of 100) from the loopback emulator
//! through each adapter, next to a floor, in one run.
//!
//! - floor: a bare `hyper::client::conn::http1` connection sending the 1,000 recorded requests
//!   (pre-built `Bytes`) one after the other and collecting each body;
//! - `<adapter> replay`: the same recorded requests through the adapter's `Transport::send`
//!   (`BlockingTransport::send` for ureq);
//! - `raw <backend>`: the same recorded requests, pre-built as the backend's own request type,
//!   sent with the backend's client used directly (the very client the adapter wraps, so the
//!   same configuration) and each body collected: what the adapter costs over its backend;
//! - `<adapter> walk`: a real walk through the adapter: `tim_proto`'s pager, encoding and typed
//!   decoding of every page.
//!
//! Each adapter runs under its own runtime: hyper, reqwest and the floor on a tokio
//! current-thread runtime, isahc under `futures_lite::future::block_on`, surf under
//! `async_std::task::block_on`, ureq blocking on the bench's main thread. Its raw backend row
//! runs under the same one. Rounds rotate the order of the variants; the ratio of a variant is
//! the median over rounds of its time divided by the floor's time in the same round, and a
//! replay row's ratio to its raw backend the median over rounds of replay time divided by raw
//! time in the same round.
//!
//! Two server placements, each measured with its own floor (ratios compare rows of one
//! placement only):
//!
//! - `thread`: the emulator server runs in the bench process, on its own thread (tokio, one
//!   worker);
//! - `process`: the emulator server runs in another OS process (this binary re-executed with
//!   `TIM_BENCH_SERVE_CHILD=1`, same emulator, same server options, same one-worker runtime),
//!   the way a CI pipeline runs `tim emulator serve` next to its tests.
//!
//! `cargo bench -p conformance` runs both, one after the other, and prints a table for each.
//! `TIM_BENCH_SERVER=thread` or `TIM_BENCH_SERVER=process` runs only that placement;
//! `TIM_BENCH_ROUNDS` (default 7) sets the rounds. On a small machine a run's floor depends on
//! whether the scheduler keeps client and server on one CPU or spreads them over two;
//! `TIM_BENCH_CPUS=same` (all on CPU 0) or `TIM_BENCH_CPUS=split` (client on CPU 0, server on
//! CPU 1) pins them (Linux, with `taskset`); unset, nothing is pinned.
//!
//! `cargo test -p conformance --benches` runs one round of the `thread` placement and only one
//! untimed walk against the server process (or one round of what `TIM_BENCH_SERVER` names).

use std::io::{BufRead, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;
use conformance::harness::{self, Api, BackgroundServer, WALKER};
use conformance::{Options, adapters};
use http_body_util::{BodyExt, Full};
use isahc::AsyncReadResponseExt;
use tim_transport::{BlockingTransport, Transport, TransportError, async_trait};
use tim_transport_hyper::HyperTransport;
use tim_transport_isahc::IsahcTransport;
use tim_transport_reqwest::ReqwestTransport;
use tim_transport_surf::SurfTransport;
use tim_transport_ureq::UreqTransport;

const CONVERSATIONS: usize = 100_000;
/// Set in the environment of the re-executed bench binary that only serves the emulator.
const SERVE_CHILD: &str = "TIM_BENCH_SERVE_CHILD";
/// Set in the environment of the server process: the CPU it pins itself to.
const SERVE_CPU: &str = "TIM_BENCH_SERVE_CPU";

/// Records every request it forwards.
#[derive(Debug)]
struct Recorder<'a> {
    inner: &'a dyn Transport,
    requests: Mutex<Vec<(http::request::Parts, Bytes)>>,
}

#[async_trait]
impl Transport for Recorder<'_> {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let (parts, body) = request.into_parts();
        self.requests
            .lock()
            .expect("not poisoned")
            .push((parts.clone(), body.clone()));
        self.inner
            .send(http::Request::from_parts(parts, body))
            .await
    }
}

fn rebuild(recorded: &[(http::request::Parts, Bytes)]) -> Vec<http::Request<Bytes>> {
    recorded
        .iter()
        .map(|(parts, body)| {
            let mut request = http::Request::new(body.clone());
            *request.method_mut() = parts.method.clone();
            *request.uri_mut() = parts.uri.clone();
            *request.headers_mut() = parts.headers.clone();
            request
        })
        .collect()
}

/// The recorded requests as the floor sends them: origin-form URI, `Host` header.
fn floor_requests(recorded: &[(http::request::Parts, Bytes)]) -> Vec<http::Request<Full<Bytes>>> {
    recorded
        .iter()
        .map(|(parts, body)| {
            let authority = parts
                .uri
                .authority()
                .map(|a| a.as_str())
                .unwrap_or_default();
            let path = parts
                .uri
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            let mut request = http::Request::new(Full::new(body.clone()));
            *request.method_mut() = parts.method.clone();
            *request.uri_mut() = path.parse().expect("a recorded path parses");
            *request.headers_mut() = parts.headers.clone();
            request.headers_mut().insert(
                http::header::HOST,
                authority
                    .parse()
                    .expect("a recorded authority is a header value"),
            );
            request
        })
        .collect()
}

/// The recorded requests as surf's own requests (what `tim-transport-surf` converts to).
fn surf_requests(recorded: &[(http::request::Parts, Bytes)]) -> Vec<surf::http::Request> {
    use std::str::FromStr;
    recorded
        .iter()
        .map(|(parts, body)| {
            let method = surf::http::Method::from_str(parts.method.as_str()).expect("a method");
            let url = surf::http::Url::parse(&parts.uri.to_string()).expect("a url");
            let mut request = surf::http::Request::new(method, url);
            for (name, value) in &parts.headers {
                request.append_header(name.as_str(), value.to_str().expect("ascii headers"));
            }
            request.set_body(surf::Body::from_bytes(body.to_vec()));
            request
        })
        .collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Variant {
    Floor,
    Replay(Adapter),
    Raw(Adapter),
    Walk(Adapter),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Adapter {
    Hyper,
    Reqwest,
    Isahc,
    Surf,
    Ureq,
}

const ADAPTERS: [Adapter; 5] = [
    Adapter::Hyper,
    Adapter::Reqwest,
    Adapter::Isahc,
    Adapter::Surf,
    Adapter::Ureq,
];

impl Variant {
    fn name(self) -> String {
        match self {
            Variant::Floor => "floor: hyper conn::http1, pre-built requests".to_owned(),
            Variant::Replay(a) => format!("{} replay (same requests)", a.name()),
            Variant::Raw(a) => format!("raw {} (its client directly)", a.backend()),
            Variant::Walk(a) => format!("{} walk (pager + decode)", a.name()),
        }
    }
}

impl Adapter {
    fn name(self) -> &'static str {
        match self {
            Adapter::Hyper => "tim-transport-hyper",
            Adapter::Reqwest => "tim-transport-reqwest",
            Adapter::Isahc => "tim-transport-isahc",
            Adapter::Surf => "tim-transport-surf",
            Adapter::Ureq => "tim-transport-ureq",
        }
    }

    fn backend(self) -> &'static str {
        match self {
            Adapter::Hyper => "hyper",
            Adapter::Reqwest => "reqwest",
            Adapter::Isahc => "isahc",
            Adapter::Surf => "surf",
            Adapter::Ureq => "ureq",
        }
    }
}

struct Bench {
    api_base: String,
    addr: std::net::SocketAddr,
    recorded: Vec<(http::request::Parts, Bytes)>,
    expected_bytes: usize,
    tokio: tokio::runtime::Runtime,
    hyper: HyperTransport,
    reqwest: ReqwestTransport,
    isahc: IsahcTransport,
    surf: SurfTransport,
    ureq: UreqTransport,
}

impl Bench {
    /// The async adapters (ureq is blocking: see [`Bench::run`]).
    fn transport(&self, adapter: Adapter) -> &dyn Transport {
        match adapter {
            Adapter::Hyper => &self.hyper,
            Adapter::Reqwest => &self.reqwest,
            Adapter::Isahc => &self.isahc,
            Adapter::Surf => &self.surf,
            Adapter::Ureq => unreachable!("ureq is a BlockingTransport"),
        }
    }

    /// Runs `future` under the adapter's own runtime (ureq's blocking rows need none).
    fn block_on<F: std::future::Future>(&self, adapter: Option<Adapter>, future: F) -> F::Output {
        match adapter {
            None | Some(Adapter::Hyper | Adapter::Reqwest | Adapter::Ureq) => {
                self.tokio.block_on(future)
            }
            Some(Adapter::Isahc) => futures_lite::future::block_on(future),
            Some(Adapter::Surf) => async_std::task::block_on(future),
        }
    }

    fn check_bytes(&self, bytes: usize, what: &str) {
        assert_eq!(bytes, self.expected_bytes, "{what} changed the pages");
    }

    /// The recorded requests through the backend's own client, used directly.
    fn raw(&self, adapter: Adapter) -> Duration {
        let what = adapter.backend();
        match adapter {
            Adapter::Hyper => {
                let requests: Vec<_> = rebuild(&self.recorded)
                    .into_iter()
                    .map(|r| r.map(Full::new))
                    .collect();
                let client = self.hyper.client();
                self.tokio.block_on(async {
                    let start = Instant::now();
                    let mut bytes = 0;
                    for request in requests {
                        let response = client.request(request).await.expect("a page");
                        assert_eq!(response.status(), http::StatusCode::OK);
                        bytes += response
                            .into_body()
                            .collect()
                            .await
                            .expect("a body")
                            .to_bytes()
                            .len();
                    }
                    let elapsed = start.elapsed();
                    self.check_bytes(bytes, what);
                    elapsed
                })
            }
            Adapter::Reqwest => {
                let requests: Vec<_> = rebuild(&self.recorded)
                    .into_iter()
                    .map(|r| reqwest::Request::try_from(r).expect("a reqwest request"))
                    .collect();
                let client = self.reqwest.client();
                self.tokio.block_on(async {
                    let start = Instant::now();
                    let mut bytes = 0;
                    for request in requests {
                        let response = client.execute(request).await.expect("a page");
                        assert_eq!(response.status(), http::StatusCode::OK);
                        bytes += response.bytes().await.expect("a body").len();
                    }
                    let elapsed = start.elapsed();
                    self.check_bytes(bytes, what);
                    elapsed
                })
            }
            Adapter::Isahc => {
                let requests: Vec<_> = rebuild(&self.recorded)
                    .into_iter()
                    .map(|r| r.map(|body| isahc::AsyncBody::from(Vec::from(body))))
                    .collect();
                let client = self.isahc.client();
                futures_lite::future::block_on(async {
                    let start = Instant::now();
                    let mut bytes = 0;
                    for request in requests {
                        let mut response = client.send_async(request).await.expect("a page");
                        assert_eq!(response.status(), http::StatusCode::OK);
                        bytes += response.bytes().await.expect("a body").len();
                    }
                    let elapsed = start.elapsed();
                    self.check_bytes(bytes, what);
                    elapsed
                })
            }
            Adapter::Surf => {
                let requests = surf_requests(&self.recorded);
                let client = self.surf.client();
                async_std::task::block_on(async {
                    let start = Instant::now();
                    let mut bytes = 0;
                    for request in requests {
                        let mut response = client.send(request).await.expect("a page");
                        assert_eq!(u16::from(response.status()), 200);
                        bytes += response.body_bytes().await.expect("a body").len();
                    }
                    let elapsed = start.elapsed();
                    self.check_bytes(bytes, what);
                    elapsed
                })
            }
            Adapter::Ureq => {
                let requests: Vec<_> = rebuild(&self.recorded)
                    .into_iter()
                    .map(|r| r.map(Vec::from))
                    .collect();
                let agent = self.ureq.agent();
                let start = Instant::now();
                let mut bytes = 0;
                for request in requests {
                    let mut response = agent.run(request).expect("a page");
                    assert_eq!(response.status(), http::StatusCode::OK);
                    bytes += response.body_mut().read_to_vec().expect("a body").len();
                }
                let elapsed = start.elapsed();
                self.check_bytes(bytes, what);
                elapsed
            }
        }
    }

    fn run(&self, variant: Variant, api: &Api) -> Duration {
        match variant {
            Variant::Floor => {
                let requests = floor_requests(&self.recorded);
                self.tokio
                    .block_on(floor(self.addr, requests, self.expected_bytes))
            }
            Variant::Raw(adapter) => self.raw(adapter),
            Variant::Replay(Adapter::Ureq) => {
                let requests = rebuild(&self.recorded);
                let start = Instant::now();
                let mut bytes = 0;
                for request in requests {
                    let response = self.ureq.send(request).expect("a page");
                    assert_eq!(response.status(), http::StatusCode::OK);
                    bytes += response.body().len();
                }
                let elapsed = start.elapsed();
                self.check_bytes(bytes, Adapter::Ureq.name());
                elapsed
            }
            Variant::Walk(Adapter::Ureq) => {
                let start = Instant::now();
                let (items, requests) =
                    harness::walk_blocking(&self.ureq, api, WALKER).expect("the walk completes");
                let elapsed = start.elapsed();
                assert_eq!(items.len(), CONVERSATIONS);
                assert_eq!(requests as usize, self.recorded.len());
                elapsed
            }
            Variant::Replay(adapter) => {
                let requests = rebuild(&self.recorded);
                let transport = self.transport(adapter);
                self.block_on(Some(adapter), async {
                    let start = Instant::now();
                    let mut bytes = 0;
                    for request in requests {
                        let response = transport.send(request).await.expect("a page");
                        assert_eq!(response.status(), http::StatusCode::OK);
                        bytes += response.body().len();
                    }
                    let elapsed = start.elapsed();
                    assert_eq!(
                        bytes,
                        self.expected_bytes,
                        "{} changed the pages",
                        adapter.name()
                    );
                    elapsed
                })
            }
            Variant::Walk(adapter) => {
                let transport = self.transport(adapter);
                self.block_on(Some(adapter), async {
                    let start = Instant::now();
                    let (items, requests) = harness::walk(transport, api, WALKER)
                        .await
                        .expect("the walk completes");
                    let elapsed = start.elapsed();
                    assert_eq!(items.len(), CONVERSATIONS);
                    assert_eq!(requests as usize, self.recorded.len());
                    elapsed
                })
            }
        }
    }
}

async fn floor(
    addr: std::net::SocketAddr,
    requests: Vec<http::Request<Full<Bytes>>>,
    expected_bytes: usize,
) -> Duration {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .expect("handshake");
    let connection = tokio::spawn(connection);
    let start = Instant::now();
    let mut bytes = 0;
    for request in requests {
        sender.ready().await.expect("the connection is ready");
        let response = sender.send_request(request).await.expect("a response");
        assert_eq!(response.status(), http::StatusCode::OK);
        bytes += response
            .into_body()
            .collect()
            .await
            .expect("a body")
            .to_bytes()
            .len();
    }
    let elapsed = start.elapsed();
    assert_eq!(bytes, expected_bytes, "the floor read other pages");
    drop(sender);
    let _ = connection.await;
    elapsed
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// Where the emulator server runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Placement {
    /// On its own thread in the bench process.
    Thread,
    /// In another OS process.
    Process,
}

impl Placement {
    fn describe(self) -> &'static str {
        match self {
            Placement::Thread => "server on a thread of the bench process",
            Placement::Process => "server in a separate process",
        }
    }
}

/// The emulator server of one placement; dropping it stops the thread or the process.
enum ServerHandle {
    Thread(BackgroundServer),
    Process { api: Api, _child: ChildGuard },
}

impl ServerHandle {
    /// Starts the server; with `cpus`, pins the calling (main) thread, every thread it spawns
    /// from then on and the server's threads as `cpus` says.
    fn start(placement: Placement, cpus: Option<Cpus>) -> ServerHandle {
        if let Some(cpus) = cpus {
            pin_current_thread(cpus.server());
        }
        match placement {
            Placement::Thread => {
                // The server's thread and its runtime's worker inherit the affinity.
                let server = BackgroundServer::start(harness::emulator(WALKER, CONVERSATIONS));
                if let Some(cpus) = cpus {
                    pin_current_thread(cpus.client());
                }
                ServerHandle::Thread(server)
            }
            Placement::Process => {
                if let Some(cpus) = cpus {
                    pin_current_thread(cpus.client());
                }
                let (child, base_url) = spawn_server_process(cpus.map(Cpus::server));
                // Signing needs only the emulator's key (the same in both processes).
                let api = Api::new(&base_url, &harness::emulator(WALKER, 0));
                ServerHandle::Process { api, _child: child }
            }
        }
    }

    fn api(&self) -> &Api {
        match self {
            ServerHandle::Thread(server) => server.api(),
            ServerHandle::Process { api, .. } => api,
        }
    }
}

/// Kills and reaps the server process on drop, also when the bench panics. (If the bench dies
/// without unwinding, the child's stdin closes and it exits by itself.) It keeps the child's
/// stdout open, so a later line from the child cannot fail on a closed pipe.
struct ChildGuard(Child, Option<std::io::BufReader<std::process::ChildStdout>>);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Re-executes this bench binary as the emulator server; returns it and its base URL.
fn spawn_server_process(cpu: Option<usize>) -> (ChildGuard, String) {
    let exe = std::env::current_exe().expect("the bench binary's path");
    let mut command = Command::new(exe);
    command.env(SERVE_CHILD, "1").env_remove(SERVE_CPU);
    if let Some(cpu) = cpu {
        command.env(SERVE_CPU, cpu.to_string());
    }
    let child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the server process starts");
    let mut guard = ChildGuard(child, None);
    let stdout = guard.0.stdout.take().expect("a piped stdout");
    let mut line = String::new();
    let mut stdout = std::io::BufReader::new(stdout);
    stdout
        .read_line(&mut line)
        .expect("the server process prints its address");
    guard.1 = Some(stdout);
    let base_url = line.trim().to_owned();
    assert!(
        base_url.starts_with("http://"),
        "the server process printed {line:?}, not its base url"
    );
    (guard, base_url)
}

/// The child's whole life: serve the emulator on 127.0.0.1:0 until stdin closes.
fn serve_child() {
    if let Some(cpu) = std::env::var(SERVE_CPU).ok().and_then(|c| c.parse().ok()) {
        pin_current_thread(cpu);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a tokio runtime starts");
    runtime.block_on(async {
        let (server, api) =
            harness::start_for_bench(harness::emulator(WALKER, CONVERSATIONS)).await;
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{}", api.base_url()).expect("stdout is open");
        stdout.flush().expect("stdout is open");
        drop(stdout);
        let (closed_tx, closed_rx) = tokio::sync::oneshot::channel::<()>();
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
            let _ = closed_tx.send(());
        });
        let _ = closed_rx.await;
        server.shutdown().await;
    });
}

/// Optional CPU pinning (`TIM_BENCH_CPUS`), Linux only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cpus {
    /// Client and server threads all on CPU 0.
    Same,
    /// Client threads on CPU 0, server threads on CPU 1.
    Split,
}

impl Cpus {
    fn client(self) -> usize {
        0
    }

    fn server(self) -> usize {
        match self {
            Cpus::Same => 0,
            Cpus::Split => 1,
        }
    }

    fn describe(cpus: Option<Cpus>) -> &'static str {
        match cpus {
            None => "threads not pinned",
            Some(Cpus::Same) => "client and server pinned to CPU 0",
            Some(Cpus::Split) => "client pinned to CPU 0, server to CPU 1",
        }
    }
}

/// Pins the calling thread to `cpu` (threads it spawns afterwards inherit it), with
/// `taskset -pc CPU TID`: the workspace forbids `unsafe`, so no `sched_setaffinity` call.
fn pin_current_thread(cpu: usize) {
    let link = std::fs::read_link("/proc/thread-self")
        .expect("TIM_BENCH_CPUS needs Linux (/proc/thread-self)");
    let tid = link
        .file_name()
        .and_then(|t| t.to_str())
        .expect("/proc/thread-self ends in the thread id")
        .to_owned();
    let output = Command::new("taskset")
        .args(["-pc", &cpu.to_string(), &tid])
        .output()
        .expect("TIM_BENCH_CPUS needs taskset (util-linux)");
    assert!(
        output.status.success(),
        "taskset -pc {cpu} {tid}: {}",
        String::from_utf8_lossy(&output.stderr).trim()
    );
}

fn main() {
    if std::env::var_os(SERVE_CHILD).is_some() {
        serve_child();
        return;
    }
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing: then run one quick
    // round so the bench is at least exercised.
    let benching = std::env::args().any(|a| a == "--bench");
    let rounds: usize = if benching {
        std::env::var("TIM_BENCH_ROUNDS")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(7)
    } else {
        1
    };
    let cpus = match std::env::var("TIM_BENCH_CPUS").as_deref() {
        Ok("same") => Some(Cpus::Same),
        Ok("split") => Some(Cpus::Split),
        Ok("") | Err(std::env::VarError::NotPresent) => None,
        Ok(other) => panic!("TIM_BENCH_CPUS={other:?}: expected same or split"),
        Err(e) => panic!("TIM_BENCH_CPUS: {e}"),
    };
    let placements: &[Placement] = match std::env::var("TIM_BENCH_SERVER").as_deref() {
        Ok("thread") => &[Placement::Thread],
        Ok("process") => &[Placement::Process],
        Ok("both") => &[Placement::Thread, Placement::Process],
        Err(std::env::VarError::NotPresent) if benching => &[Placement::Thread, Placement::Process],
        Err(std::env::VarError::NotPresent) => {
            // A test run: a round of the process placement would double its time; start the
            // server process, walk it once and stop it instead.
            measure(Placement::Thread, rounds, cpus);
            smoke_process();
            return;
        }
        Ok(other) => panic!("TIM_BENCH_SERVER={other:?}: expected thread, process or both"),
        Err(e) => panic!("TIM_BENCH_SERVER: {e}"),
    };
    for &placement in placements {
        measure(placement, rounds, cpus);
    }
}

/// Starts the server process, walks the whole list once through hyper and stops it.
fn smoke_process() {
    let start = Instant::now();
    let server = ServerHandle::start(Placement::Process, None);
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let hyper = tokio.block_on(async { adapters::hyper(&Options::default()) });
    let (items, requests) = tokio
        .block_on(harness::walk(&*hyper, server.api(), WALKER))
        .expect("the walk of the server process completes");
    assert_eq!(items.len(), CONVERSATIONS);
    drop(hyper);
    drop(server);
    eprintln!(
        "{}: one walk of {requests} pages through tim-transport-hyper in {:.1} s, not timed \
         (`TIM_BENCH_SERVER=process` runs its round)",
        Placement::Process.describe(),
        start.elapsed().as_secs_f64(),
    );
}

/// Runs every variant against a server placed as `placement` and prints the table.
fn measure(placement: Placement, rounds: usize, cpus: Option<Cpus>) {
    let setup = Instant::now();
    let server = ServerHandle::start(placement, cpus);
    let api = server.api();
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let options = Options::default();
    let hyper = tokio.block_on(async { adapters::hyper_transport(&options) });
    let reqwest = tokio.block_on(async { adapters::reqwest_transport(&options) });
    let isahc = adapters::isahc_transport(&options);
    let surf = adapters::surf_transport(&options);
    let ureq = adapters::ureq_transport(&options);

    // Record the requests of one walk (through hyper) and the bytes they fetch.
    let recorder = Recorder {
        inner: &hyper,
        requests: Mutex::new(Vec::new()),
    };
    let (items, _) = tokio
        .block_on(harness::walk(&recorder, api, WALKER))
        .expect("the recording walk completes");
    assert_eq!(items.len(), CONVERSATIONS);
    let recorded = recorder.requests.into_inner().expect("not poisoned");
    let addr = api
        .base_url()
        .trim_start_matches("http://")
        .parse()
        .expect("an address");

    let mut bench = Bench {
        api_base: api.base_url().to_owned(),
        addr,
        recorded,
        expected_bytes: 0,
        tokio,
        hyper,
        reqwest,
        isahc,
        surf,
        ureq,
    };
    // The bytes of the recorded pages, read once by the floor's own client.
    bench.expected_bytes = bench.tokio.block_on(async {
        let mut total = 0;
        for request in rebuild(&bench.recorded) {
            total += bench
                .hyper
                .send(request)
                .await
                .expect("a page")
                .body()
                .len();
        }
        total
    });

    let mut variants = vec![Variant::Floor];
    variants.extend(ADAPTERS.map(Variant::Replay));
    variants.extend(ADAPTERS.map(Variant::Raw));
    variants.extend(ADAPTERS.map(Variant::Walk));
    let raw_of = |v: Variant| match v {
        Variant::Replay(a) => variants.iter().position(|w| *w == Variant::Raw(a)),
        _ => None,
    };
    // Warm-up: every variant once, untimed (connections, allocator, caches).
    for &v in &variants {
        bench.run(v, api);
    }
    eprintln!(
        "{}, {}: setup and warm-up {:.1} s; {} requests per run, {} bytes of pages, {} rounds against {}",
        placement.describe(),
        Cpus::describe(cpus),
        setup.elapsed().as_secs_f64(),
        bench.recorded.len(),
        bench.expected_bytes,
        rounds,
        bench.api_base,
    );

    let mut times: Vec<Vec<f64>> = vec![Vec::new(); variants.len()];
    let mut ratios: Vec<Vec<f64>> = vec![Vec::new(); variants.len()];
    let mut raw_ratios: Vec<Vec<f64>> = vec![Vec::new(); variants.len()];
    for round in 0..rounds {
        let mut this_round = vec![0.0; variants.len()];
        for k in 0..variants.len() {
            let i = (k + round) % variants.len();
            this_round[i] = bench.run(variants[i], api).as_secs_f64();
        }
        for i in 0..variants.len() {
            times[i].push(this_round[i]);
            ratios[i].push(this_round[i] / this_round[0]);
            if let Some(raw) = raw_of(variants[i]) {
                raw_ratios[i].push(this_round[i] / this_round[raw]);
            }
        }
    }

    let requests = bench.recorded.len() as f64;
    println!();
    println!(
        "{}, {} ({rounds} rounds)",
        placement.describe(),
        Cpus::describe(cpus)
    );
    println!();
    println!(
        "| variant | median run | µs/request | min run | ratio to floor (median of rounds) | ratio to its raw backend |"
    );
    println!("|---|---|---|---|---|---|");
    for (i, v) in variants.iter().enumerate() {
        let min = times[i].iter().copied().fold(f64::INFINITY, f64::min);
        let med = median(&mut times[i]);
        let ratio = median(&mut ratios[i]);
        let to_raw = if raw_ratios[i].is_empty() {
            String::new()
        } else {
            format!("{:.3}×", median(&mut raw_ratios[i]))
        };
        println!(
            "| {} | {:.1} ms | {:.0} | {:.1} ms | {:.2}× | {} |",
            v.name(),
            med * 1e3,
            med / requests * 1e6,
            min * 1e3,
            ratio,
            to_raw,
        );
    }
    drop(bench);
    drop(server);
}
