//! Tests against a real `redis-server`, started on loopback by each test and killed on drop.
//!
//! Without `redis-server` (on `PATH`, at `/usr/bin/redis-server` or named by
//! `TIM_REDIS_SERVER`) the tests print that they were skipped; under `CI=true` that is a failure.
//! Assertions are on counts and orderings, never on durations.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::AtomicUsize;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use tim_client::RateBucket;
use tim_proto::rate::{Refusal, Reservation, gcra_reserve};

use super::*;

fn redis_server_binary() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("TIM_REDIS_SERVER") {
        // Named explicitly: that one or none (so a missing one can be simulated).
        let p = PathBuf::from(p);
        return p.is_file().then_some(p);
    }
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .chain([PathBuf::from("/usr/bin"), PathBuf::from("/usr/local/bin")])
        .map(|dir| dir.join("redis-server"))
        .find(|p| p.is_file())
}

/// A `redis-server` of one test: loopback, a free port, no persistence, killed on drop.
struct Server {
    bin: PathBuf,
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
    password: Option<String>,
    /// TLS only, with this self-signed certificate (PEM) for `localhost` and `127.0.0.1`.
    tls_cert: Option<String>,
}

static SERVERS: AtomicUsize = AtomicUsize::new(0);

impl Server {
    /// Starts a server, or `None` (after saying so loudly) when `redis-server` is missing.
    fn start(password: Option<&str>, tls: bool) -> Option<Server> {
        let Some(bin) = redis_server_binary() else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "redis-server is not installed, and under CI=true the Redis limiter tests must run \
                 (apt-get install -y redis-server)"
            );
            // Written to stderr directly: libtest captures eprintln! of passing tests.
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "\n*** SKIPPED: redis-server not found (apt-get install -y redis-server, or set \
                 TIM_REDIS_SERVER); this Redis limiter test did not run ***"
            );
            return None;
        };
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let n = SERVERS.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("tim-redis-test-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temp dir");
        let mut server = Server {
            bin,
            child: None,
            port,
            dir,
            password: password.map(str::to_owned),
            tls_cert: None,
        };
        if tls {
            let certified =
                rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
                    .expect("a certificate");
            let cert = certified.cert.pem();
            std::fs::write(server.dir.join("cert.pem"), &cert).unwrap();
            std::fs::write(
                server.dir.join("key.pem"),
                certified.signing_key.serialize_pem(),
            )
            .unwrap();
            server.tls_cert = Some(cert);
        }
        server.spawn();
        Some(server)
    }

    fn spawn(&mut self) {
        let mut cmd = Command::new(&self.bin);
        let port = self.port.to_string();
        if self.tls_cert.is_some() {
            let file = |name: &str| self.dir.join(name).display().to_string();
            cmd.args(["--port", "0", "--tls-port", &port])
                .args(["--tls-cert-file", &file("cert.pem")])
                .args(["--tls-key-file", &file("key.pem")])
                .args(["--tls-ca-cert-file", &file("cert.pem")])
                .args(["--tls-auth-clients", "no"]);
        } else {
            cmd.args(["--port", &port]);
        }
        cmd.args(["--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .args(["--loglevel", "warning"])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(p) = &self.password {
            cmd.args(["--requirepass", p]);
        }
        self.child = Some(cmd.spawn().expect("redis-server starts"));
        // Ready when it answers PING (bounded).
        let client = self.client();
        for _ in 0..500 {
            if let Ok(mut c) = client.get_connection_with_timeout(Duration::from_millis(100))
                && redis::cmd("PING").query::<String>(&mut c).is_ok()
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("redis-server did not start on port {}", self.port);
    }

    fn url(&self) -> String {
        let scheme = if self.tls_cert.is_some() {
            "rediss"
        } else {
            "redis"
        };
        match &self.password {
            Some(p) => format!("{scheme}://:{p}@127.0.0.1:{}", self.port),
            None => format!("{scheme}://127.0.0.1:{}", self.port),
        }
    }

    fn client(&self) -> redis::Client {
        match &self.tls_cert {
            Some(cert) => {
                let _ = rustls::crypto::ring::default_provider().install_default();
                redis::Client::build_with_tls(
                    self.url(),
                    redis::TlsCertificates {
                        client_tls: None,
                        root_cert: Some(cert.clone().into_bytes()),
                    },
                )
            }
            None => redis::Client::open(self.url()),
        }
        .expect("a valid URL")
    }

    fn sync(&self) -> redis::Connection {
        self.client().get_connection().expect("a test connection")
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn restart(&mut self) {
        self.kill();
        self.spawn();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

macro_rules! server {
    ($password:expr) => {
        server!($password, false)
    };
    ($password:expr, $tls:expr) => {
        match Server::start($password, $tls) {
            Some(server) => server,
            None => return,
        }
    };
}

fn key(app: u64) -> RateKey {
    RateKey {
        sdk_app_id: app,
        bucket: RateBucket::of(ApiPath::new("recentcontact", "get_list")),
    }
}

/// The most of the sorted `times` (µs) within any half-open window of `window` µs.
fn max_in_window(times: &[u64], window: u64) -> usize {
    let mut start = 0;
    let mut best = 0;
    for end in 0..times.len() {
        while times[end] - times[start] >= window {
            start += 1;
        }
        best = best.max(end - start + 1);
    }
    best
}

/// Waits (bounded: 20 s) until `done`, polling every 5 ms.
async fn until(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..4000 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("timed out waiting until {what}");
}

fn cases(n: u32) -> Config {
    Config {
        cases: n,
        failure_persistence: None,
        ..Config::default()
    }
}

fn fast() -> RateLimit {
    RateLimit::per_second(1000).with_margin_permille(0)
}

/// The Lua arithmetic and the Rust function agree on every input of the exact domain.
#[test]
fn the_script_arithmetic_matches_the_rust_function() {
    let server = server!(None);
    let cell = std::cell::RefCell::new(server.sync());
    let mut runner = TestRunner::new(cases(1000));
    let big = 1u64 << 52;
    let strategy = (
        prop::option::of(0..big),
        0..big,
        1u64..(1 << 40),
        prop_oneof![0u64..4, 0u64..(1 << 20), 0u64..(1 << 40)],
        prop_oneof![0..big, 0u64..(1 << 21)],
        prop::option::of(-1i64..=1),
    );
    runner
        .run(
            &strategy,
            |(tat, now, interval, tolerance, max_wait, edge)| {
                let mut guard = cell.borrow_mut();
                let conn = &mut *guard;
                // Sometimes a max_wait right at the wait, to test both sides of the refusal.
                let max_wait = match (edge, gcra_reserve(tat, now, interval, tolerance, u64::MAX)) {
                    (Some(d), Ok(r)) => r.wait_us.saturating_add_signed(d),
                    _ => max_wait,
                };
                let expected = gcra_reserve(tat, now, interval, tolerance, max_wait);
                let reply: Vec<i64> = redis::cmd("EVAL")
                    .arg(PURE_SCRIPT)
                    .arg(0)
                    .arg(tat.map_or(String::new(), |t| t.to_string()))
                    .arg(now)
                    .arg(interval)
                    .arg(tolerance)
                    .arg(max_wait)
                    .query(conn)
                    .expect("EVAL");
                let got = match reply.as_slice() {
                    &[1, wait, tat] => Ok(Reservation {
                        wait_us: wait as u64,
                        new_tat_us: tat as u64,
                    }),
                    &[0, wait, 0] => Err(Refusal {
                        wait_us: wait as u64,
                    }),
                    other => panic!("unexpected reply {other:?}"),
                };
                prop_assert_eq!(got, expected);
                Ok(())
            },
        )
        .unwrap();
}

/// The whole script (server clock, stored TAT, TTL) does what the Rust function says.
#[test]
fn the_reservation_script_matches_the_rust_function() {
    let server = server!(None);
    let cell = std::cell::RefCell::new(server.sync());
    let key = redis_key(DEFAULT_KEY_PREFIX, &key(1400000000));
    let mut runner = TestRunner::new(cases(300));
    let strategy = (
        prop::option::of(-2_000_000i64..2_000_000),
        1u64..200_000,
        prop_oneof![Just(0u64), 0u64..500_000],
        0u64..2_000_000,
    );
    runner
        .run(&strategy, |(offset, interval, tolerance, max_wait)| {
            let mut guard = cell.borrow_mut();
            let conn = &mut *guard;
            let (secs, micros): (u64, u64) = redis::cmd("TIME").query(conn).unwrap();
            let tat = offset.map(|o| (secs * 1_000_000 + micros).saturating_add_signed(o));
            match tat {
                Some(t) => redis::cmd("SET").arg(&key).arg(t).query::<()>(conn),
                None => redis::cmd("DEL").arg(&key).query::<()>(conn),
            }
            .unwrap();
            let values: Vec<i64> = redis::cmd("EVAL")
                .arg(RESERVE_SCRIPT)
                .arg(1)
                .arg(&key)
                .arg(interval)
                .arg(tolerance)
                .arg(max_wait)
                .query(conn)
                .unwrap();
            let reply = Reply::parse(&values).expect("four integers");
            let stored: Option<u64> = redis::cmd("GET").arg(&key).query(conn).unwrap();
            match gcra_reserve(tat, reply.now_us, interval, tolerance, max_wait) {
                Ok(r) => {
                    prop_assert!(reply.granted);
                    prop_assert_eq!(reply.wait_us, r.wait_us);
                    prop_assert_eq!(reply.new_tat_us, r.new_tat_us);
                    prop_assert_eq!(stored, Some(r.new_tat_us));
                    // The key expires once its TAT has passed, never before (PEXPIRETIME:
                    // Redis >= 7; an absolute time, so no timing in the assertion).
                    if let Ok(at_ms) = redis::cmd("PEXPIRETIME").arg(&key).query::<i64>(conn) {
                        prop_assert!(at_ms > 0, "the key has a TTL");
                        prop_assert!(at_ms as u64 * 1000 >= r.new_tat_us, "not before its TAT");
                        prop_assert!(
                            at_ms as u64 * 1000 <= r.new_tat_us + 2_000_000,
                            "soon after its TAT"
                        );
                    }
                }
                Err(refusal) => {
                    prop_assert!(!reply.granted);
                    prop_assert_eq!(reply.wait_us, refusal.wait_us);
                    prop_assert_eq!(stored, tat, "a refusal changes nothing");
                }
            }
            Ok(())
        })
        .unwrap();
}

/// Many tasks: every call gets a slot from Redis, and the slots (server time) never put more
/// than the rate in any sliding second; the local send times, which add only the timer's
/// lateness, stay within 20 % of it (a shared 2-core machine may stall a timer).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_tasks_never_exceed_the_rate_in_any_second() {
    let server = server!(None);
    let limiter = RedisLimiter::builder(server.url())
        .rate_limit(fast())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    limiter.connect().await.unwrap();
    const CALLS: usize = 1200;
    let taken = Arc::new(AtomicUsize::new(0));
    let sent = Arc::new(Mutex::new(Vec::with_capacity(CALLS)));
    let origin = Instant::now();
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (limiter, taken, sent) = (limiter.clone(), taken.clone(), sent.clone());
            tokio::spawn(async move {
                while taken.fetch_add(1, Ordering::Relaxed) < CALLS {
                    limiter
                        .acquire(key(1400000001), Duration::from_secs(30))
                        .await
                        .expect("a slot");
                    sent.lock().unwrap().push(micros(origin.elapsed()));
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let stats = limiter.stats();
    assert_eq!(stats.redis_calls, CALLS as u64, "{stats:?}");
    assert_eq!(stats.fallback_calls, 0);
    assert_eq!(stats.outages, 0);
    assert_eq!(limiter.state(), LimiterState::Redis);

    let mut slots = limiter.inner.slots.lock().unwrap().clone();
    slots.sort_unstable();
    assert_eq!(slots.len(), CALLS);
    assert!(
        slots.windows(2).all(|w| w[1] - w[0] >= 1000),
        "slots 1 ms apart"
    );
    assert!(max_in_window(&slots, 1_000_000) <= 1000);

    let mut sent = sent.lock().unwrap().clone();
    sent.sort_unstable();
    assert_eq!(sent.len(), CALLS);
    let peak = max_in_window(&sent, 1_000_000);
    assert!(peak <= 1200, "{peak} sends in one second");
}

/// A refused reservation reports its wait and takes nothing.
#[tokio::test(flavor = "current_thread")]
async fn a_wait_beyond_max_wait_is_refused_and_takes_nothing() {
    let server = server!(None);
    let limiter = RedisLimiter::builder(server.url())
        .rate_limit(RateLimit::per_second(1).with_margin_permille(0))
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    limiter.acquire(key(7), Duration::ZERO).await.unwrap();
    for _ in 0..3 {
        match limiter.acquire(key(7), Duration::from_millis(10)).await {
            Err(RateLimitError::WaitTooLong { wait }) => {
                assert!(wait > Duration::from_millis(10) && wait <= Duration::from_secs(1));
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(limiter.stats().redis_calls, 1);
    // Another app has its own key.
    limiter.acquire(key(8), Duration::ZERO).await.unwrap();
}

/// Redis killed mid-run and restarted: every call still gets a slot, the fallback is entered
/// once and left, and the script is loaded again on the new server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_killed_and_restarted_loses_no_call() {
    let mut server = server!(None);
    let limiter = RedisLimiter::builder(server.url())
        .rate_limit(fast())
        .fallback_share(0.5)
        .timeout(Duration::from_secs(2))
        .connect_timeout(Duration::from_secs(2))
        .probe_interval(Duration::from_millis(20))
        .build()
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let ok = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (limiter, stop, ok) = (limiter.clone(), stop.clone(), ok.clone());
            tokio::spawn(async move {
                let mut calls = 0usize;
                while !stop.load(Ordering::Relaxed) {
                    limiter
                        .acquire(key(1400000002), Duration::from_secs(30))
                        .await
                        .expect("a slot, from Redis or the fallback");
                    ok.fetch_add(1, Ordering::Relaxed);
                    calls += 1;
                }
                calls
            })
        })
        .collect();
    let stats = || limiter.stats();
    until("Redis grants slots", || stats().redis_calls >= 100).await;
    assert_eq!(limiter.state(), LimiterState::Redis);
    server.kill();
    until("the fallback admits calls", || stats().fallback_calls >= 50).await;
    assert_eq!(limiter.state(), LimiterState::Fallback);
    assert_eq!(stats().outages, 1, "one outage, however many calls failed");
    let before = stats();
    server.spawn();
    until("Redis is back", || {
        limiter.state() == LimiterState::Redis && stats().redis_calls >= before.redis_calls + 100
    })
    .await;
    stop.store(true, Ordering::Relaxed);
    let mut calls = 0;
    for t in tasks {
        calls += t.await.unwrap();
    }
    let after = stats();
    assert_eq!(calls, ok.load(Ordering::Relaxed));
    assert_eq!(
        calls as u64,
        after.redis_calls + after.fallback_calls,
        "{after:?}"
    );
    assert_eq!(after.outages, 1, "{after:?}");
    assert_eq!(after.recoveries, 1, "{after:?}");
    assert!(after.redis_errors >= 1);
    assert!(after.script_loads > before.script_loads, "{after:?}");
    assert_eq!(after.unavailable_calls, 0);
    assert_eq!(limiter.state(), LimiterState::Redis);
    let last = limiter.last_error().expect("the outage's error");
    assert!(!last.is_empty());
}

/// After SCRIPT FLUSH and after a restart the script is sent again and calls go on.
#[tokio::test(flavor = "current_thread")]
async fn the_script_is_loaded_again_after_flush_and_restart() {
    let mut server = server!(None);
    let limiter = RedisLimiter::builder(server.url())
        .rate_limit(fast())
        .timeout(Duration::from_secs(2))
        .probe_interval(Duration::ZERO)
        .build()
        .unwrap();
    limiter.connect().await.unwrap();
    assert_eq!(limiter.stats().script_loads, 1);
    for _ in 0..5 {
        limiter
            .acquire(key(9), Duration::from_secs(5))
            .await
            .unwrap();
    }
    assert_eq!(limiter.stats().script_loads, 1, "EVALSHA while cached");

    redis::cmd("SCRIPT")
        .arg("FLUSH")
        .query::<()>(&mut server.sync())
        .unwrap();
    for _ in 0..5 {
        limiter
            .acquire(key(9), Duration::from_secs(5))
            .await
            .unwrap();
    }
    let stats = limiter.stats();
    assert_eq!(stats.script_loads, 2, "{stats:?}");
    assert_eq!(stats.redis_calls, 10);
    assert_eq!(stats.outages, 0, "NOSCRIPT is no outage");

    server.restart();
    let before = limiter.stats();
    let mut calls = 0u64;
    while limiter.stats().redis_calls < before.redis_calls + 5 {
        assert!(
            calls < 20_000,
            "Redis never came back: {:?}",
            limiter.stats()
        );
        limiter
            .acquire(key(9), Duration::from_secs(5))
            .await
            .unwrap();
        calls += 1;
    }
    let stats = limiter.stats();
    assert!(stats.script_loads >= 3, "{stats:?}");
    assert_eq!(stats.redis_calls + stats.fallback_calls, 10 + calls);
}

/// Fail closed: while Redis is down calls are refused with `Unavailable` (no password in the
/// reason); when it is back they are granted again.
#[tokio::test(flavor = "current_thread")]
async fn fail_closed_refuses_while_down_and_recovers() {
    let mut server = server!(Some("pw-closed-7"));
    let limiter = RedisLimiter::builder(server.url())
        .rate_limit(fast())
        .fail_closed()
        .timeout(Duration::from_secs(2))
        .probe_interval(Duration::ZERO)
        .build()
        .unwrap();
    limiter
        .acquire(key(10), Duration::from_secs(5))
        .await
        .unwrap();
    server.kill();
    match limiter.acquire(key(10), Duration::from_secs(5)).await {
        Err(e @ RateLimitError::Unavailable { .. }) => {
            assert!(!e.to_string().contains("pw-closed-7"), "{e}");
            assert!(!format!("{e:?}").contains("pw-closed-7"), "{e:?}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(limiter.state(), LimiterState::Fallback);
    server.spawn();
    let mut granted = false;
    for _ in 0..2000 {
        if limiter
            .acquire(key(10), Duration::from_secs(5))
            .await
            .is_ok()
        {
            granted = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(granted, "{:?}", limiter.stats());
    let stats = limiter.stats();
    assert_eq!(stats.fallback_calls, 0);
    assert!(stats.unavailable_calls >= 1);
    assert_eq!((stats.outages, stats.recoveries), (1, 1));
    assert!(!format!("{limiter:?}").contains("pw-closed-7"));
}

/// Passwords work and are never printed: Debug of the builder and the limiter, errors of a
/// wrong password and of a bad URL, the last error.
#[tokio::test(flavor = "current_thread")]
async fn passwords_work_and_are_never_printed() {
    let server = server!(Some("hunter2-secret"));
    let builder = RedisLimiter::builder(server.url()).timeout(Duration::from_secs(2));
    assert!(!format!("{builder:?}").contains("hunter2-secret"));
    let limiter = builder.build().unwrap();
    limiter.connect().await.unwrap();
    limiter
        .acquire(key(11), Duration::from_secs(1))
        .await
        .unwrap();
    let shown = format!("{limiter:?}");
    assert!(!shown.contains("hunter2-secret"), "{shown}");
    assert!(shown.contains("[redacted]"), "{shown}");

    let wrong = format!("redis://:wrong-pw-42@127.0.0.1:{}", server.port);
    let bad = RedisLimiter::builder(&wrong).fail_closed().build().unwrap();
    let err = bad.connect().await.unwrap_err();
    for text in [err.to_string(), format!("{err:?}"), format!("{bad:?}")] {
        assert!(!text.contains("wrong-pw-42"), "{text}");
    }
    match bad.acquire(key(11), Duration::from_secs(1)).await {
        Err(e @ RateLimitError::Unavailable { .. }) => {
            assert!(!format!("{e} {e:?}").contains("wrong-pw-42"), "{e:?}");
        }
        other => panic!("{other:?}"),
    }
    assert!(!bad.last_error().unwrap_or_default().contains("wrong-pw-42"));

    let invalid = RedisLimiter::builder("http://user:pw-in-url-9@host")
        .build()
        .unwrap_err();
    assert!(matches!(invalid, RedisLimiterError::InvalidUrl { .. }));
    assert!(
        !format!("{invalid} {invalid:?}").contains("pw-in-url-9"),
        "{invalid:?}"
    );
}

#[test]
fn from_env_reads_the_url_or_nothing() {
    assert!(RedisLimiter::from_env_value(None).unwrap().is_none());
    assert!(
        RedisLimiter::from_env_value(Some(" ".into()))
            .unwrap()
            .is_none()
    );
    let limiter = RedisLimiter::from_env_value(Some("redis://:pw-env-1@127.0.0.1:1".into()))
        .unwrap()
        .expect("a limiter");
    assert!(!format!("{limiter:?}").contains("pw-env-1"));
    assert!(RedisLimiter::from_env_value(Some("not a url".into())).is_err());
}

#[test]
fn the_fallback_share_divides_each_bucket() {
    let limiter = RedisLimiter::builder("redis://127.0.0.1:1")
        .replicas(4)
        .build()
        .unwrap();
    let k = key(1);
    assert_eq!(limiter.limit_for(&k), RateLimit::per_second(200));
    assert_eq!(limiter.fallback_limit_for(&k), RateLimit::per_second(50));
    let tiny = RedisLimiter::builder("redis://127.0.0.1:1")
        .fallback_share(0.0)
        .rate_limit(fast())
        .build()
        .unwrap();
    assert_eq!(tiny.fallback_limit_for(&k).calls_per_second(), 1);
}

#[test]
fn outside_tokio_acquire_is_unavailable_not_a_panic() {
    let limiter = RedisLimiter::builder("redis://127.0.0.1:1")
        .build()
        .unwrap();
    let result = futures_lite::future::block_on(limiter.acquire(key(1), Duration::ZERO));
    assert!(matches!(result, Err(RateLimitError::Unavailable { .. })));
}

/// `rediss://` with a password and a private CA: works with the CA given, fails (redacted)
/// without it.
#[tokio::test(flavor = "current_thread")]
async fn tls_with_a_password_and_a_private_ca() {
    let server = server!(Some("tls-pw-3"), true);
    let cert = server.tls_cert.clone().expect("a TLS server");
    let limiter = RedisLimiter::builder(server.url())
        .root_certificate_pem(cert)
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    limiter.connect().await.unwrap();
    limiter
        .acquire(key(12), Duration::from_secs(1))
        .await
        .unwrap();
    assert_eq!(limiter.stats().redis_calls, 1);
    assert!(!format!("{limiter:?}").contains("tls-pw-3"));

    let untrusted = RedisLimiter::builder(server.url()).build().unwrap();
    let err = untrusted.connect().await.unwrap_err();
    assert!(!format!("{err} {err:?}").contains("tls-pw-3"), "{err:?}");
}

/// One warning per outage, however many calls fall back.
#[test]
fn one_warning_per_outage() {
    #[derive(Clone, Default)]
    struct Log(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Log {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut server = server!(Some("warn-pw-5"));
    let log = Log::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let limiter = RedisLimiter::builder(server.url())
            .rate_limit(fast())
            .timeout(Duration::from_secs(2))
            .probe_interval(Duration::from_secs(60))
            .build()
            .unwrap();
        limiter
            .acquire(key(13), Duration::from_secs(1))
            .await
            .unwrap();
        server.kill();
        for _ in 0..30 {
            limiter
                .acquire(key(13), Duration::from_secs(1))
                .await
                .unwrap();
        }
        let stats = limiter.stats();
        assert_eq!((stats.outages, stats.fallback_calls), (1, 30), "{stats:?}");
    });
    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert_eq!(text.matches(" WARN ").count(), 1, "{text}");
    assert!(text.contains("[redacted]"), "{text}");
    assert!(!text.contains("warn-pw-5"), "{text}");
}

/// The wiring the CLI uses: a `tim_client::Client` with the Redis limiter walks a list through
/// the emulator, every attempt reserving its slot in Redis.
#[tokio::test(flavor = "current_thread")]
async fn a_client_walks_a_list_under_the_redis_limiter() {
    use futures_util::StreamExt;
    use tim_emulator::{Config as EmulatorConfig, Emulator, InProcess};

    let server = server!(None);
    let limiter = RedisLimiter::builder(server.url())
        .rate_limit(fast())
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let emulator = InProcess::new(Emulator::demo(EmulatorConfig::new(1400000000, "key")));
    let client = tim_client::Client::builder()
        .transport(emulator)
        .base_url("http://emulator.invalid")
        .sdk_app_id(1400000000)
        .secret_key("key")
        .rate_limiter(limiter.clone())
        .build()
        .unwrap();
    let mut pages = client.contacts().list("alice").pages();
    let (mut n_pages, mut items) = (0u64, 0);
    while let Some(page) = pages.next().await {
        items += page.unwrap().items.len();
        n_pages += 1;
    }
    assert_eq!(items, 300);
    let stats = limiter.stats();
    assert_eq!(
        stats.redis_calls, n_pages,
        "one reservation per attempt: {stats:?}"
    );
    assert_eq!(stats.fallback_calls, 0);
}
