//! What one reservation costs: `RedisLimiter::acquire` at a rate so high that it never waits,
//! against one raw `EVALSHA` of the same script with the same arguments on the same kind of
//! connection (a `ConnectionManager` with the limiter's settings), both sequential on one
//! connection, against a `redis-server` this bench starts on loopback (a free port, no
//! persistence). Goal: acquire ≤ 1.25 × the raw round trip.
//!
//! `cargo bench -p tim-limiter-redis --bench reserve` (about 30 s). Prints criterion's figures,
//! then an interleaved measurement (rounds of raw and acquire one after the other, so that a
//! change of load touches both) with the median ratio. Without `redis-server` (`PATH`,
//! `/usr/bin`, or `TIM_REDIS_SERVER`) it says so and measures nothing.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use criterion::Criterion;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tim_client::{ApiPath, RateBucket, RateKey, RateLimit, RateLimiter};
use tim_limiter_redis::{DEFAULT_KEY_PREFIX, RESERVE_SCRIPT, RedisLimiter, redis_key};

/// A rate so high that no reservation waits (sequential calls are tens of µs apart).
const NEVER_WAITS: u32 = 1_000_000;

fn redis_server_binary() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("TIM_REDIS_SERVER") {
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

/// The bench's `redis-server`, killed when dropped.
struct Server(Child, PathBuf);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        let _ = std::fs::remove_dir_all(&self.1);
    }
}

fn start_redis(bin: &PathBuf) -> (Server, String) {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let dir = std::env::temp_dir().join(format!("tim-redis-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let child = Command::new(bin)
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
        .args(["--loglevel", "warning"])
        .arg("--dir")
        .arg(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server starts");
    let server = Server(child, dir);
    let url = format!("redis://127.0.0.1:{port}");
    let client = redis::Client::open(url.as_str()).expect("a URL");
    for _ in 0..500 {
        if let Ok(mut c) = client.get_connection_with_timeout(Duration::from_millis(100))
            && redis::cmd("PING").query::<String>(&mut c).is_ok()
        {
            return (server, url);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("redis-server did not start on port {port}");
}

/// The two ways of reserving a slot, each on its own connection of the same kind.
struct Subjects {
    raw: ConnectionManager,
    hash: String,
    raw_key: String,
    limiter: RedisLimiter,
    key: RateKey,
    args: [u64; 3],
}

impl Subjects {
    async fn new(url: &str) -> Subjects {
        let limit = RateLimit::per_second(NEVER_WAITS);
        let limiter = RedisLimiter::builder(url)
            .rate_limit(limit)
            .build()
            .expect("a limiter");
        limiter.connect().await.expect("the limiter connects");
        // The limiter's connection settings (tim-limiter-redis's defaults).
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(tim_limiter_redis::DEFAULT_TIMEOUT))
            .set_connection_timeout(Some(tim_limiter_redis::DEFAULT_CONNECT_TIMEOUT))
            .set_number_of_retries(1)
            .set_max_delay(tim_limiter_redis::DEFAULT_PROBE_INTERVAL);
        let client = redis::Client::open(url).expect("a URL");
        let mut raw = ConnectionManager::new_with_config(client, config)
            .await
            .expect("a connection");
        let hash: String = redis::cmd("SCRIPT")
            .arg("LOAD")
            .arg(RESERVE_SCRIPT)
            .query_async(&mut raw)
            .await
            .expect("SCRIPT LOAD");
        let key = RateKey {
            sdk_app_id: 1_400_000_000,
            bucket: RateBucket::of(ApiPath::new("recentcontact", "get_list")),
        };
        let raw_key = RateKey {
            sdk_app_id: 1_400_000_001,
            ..key
        };
        let gcra = limit.gcra();
        Subjects {
            raw,
            hash,
            raw_key: redis_key(DEFAULT_KEY_PREFIX, &raw_key),
            limiter,
            key,
            args: [gcra.interval_us, gcra.tolerance_us, 1_000_000],
        }
    }

    /// One raw `EVALSHA`; the wait it returned.
    async fn raw(&mut self) -> i64 {
        let reply: Vec<i64> = redis::cmd("EVALSHA")
            .arg(&self.hash)
            .arg(1)
            .arg(&self.raw_key)
            .arg(self.args[0])
            .arg(self.args[1])
            .arg(self.args[2])
            .query_async(&mut self.raw)
            .await
            .expect("EVALSHA");
        assert_eq!(reply[0], 1, "granted");
        reply[1]
    }

    async fn acquire(&self) {
        self.limiter
            .acquire(self.key, Duration::from_secs(1))
            .await
            .expect("a slot");
    }

    async fn time_raw(&mut self, n: u64) -> Duration {
        let start = Instant::now();
        let mut waited = 0;
        for _ in 0..n {
            waited += self.raw().await;
        }
        assert_eq!(waited, 0, "the raw reservations never wait");
        start.elapsed()
    }

    async fn time_acquire(&self, n: u64) -> Duration {
        let start = Instant::now();
        for _ in 0..n {
            self.acquire().await;
        }
        start.elapsed()
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: measure only then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let Some(bin) = redis_server_binary() else {
        eprintln!(
            "\n*** SKIPPED: redis-server not found (apt-get install -y redis-server, or set \
             TIM_REDIS_SERVER); the reservation bench did not run ***"
        );
        return;
    };
    let (_server, url) = start_redis(&bin);
    // The CLI's runtime: two worker threads.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let subjects = std::cell::RefCell::new(runtime.block_on(Subjects::new(&url)));
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("load average at start: {}", load.trim());

    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args();
    let mut group = c.benchmark_group("reserve");
    group.bench_function("raw EVALSHA (ConnectionManager)", |b| {
        b.iter_custom(|n| runtime.block_on(subjects.borrow_mut().time_raw(n)));
    });
    group.bench_function("RedisLimiter::acquire", |b| {
        b.iter_custom(|n| runtime.block_on(subjects.borrow().time_acquire(n)));
    });
    group.finish();

    // Interleaved: rounds of raw and acquire one after the other (the order alternating), so
    // that a change of the machine's load touches both alike.
    const N: u64 = 500;
    const ROUNDS: u64 = 40;
    let mut ratios = Vec::new();
    let (mut raw_total, mut acquire_total) = (Duration::ZERO, Duration::ZERO);
    for round in 0..ROUNDS {
        let mut s = subjects.borrow_mut();
        let (raw, acquire) = if round % 2 == 0 {
            let raw = runtime.block_on(s.time_raw(N));
            (raw, runtime.block_on(s.time_acquire(N)))
        } else {
            let acquire = runtime.block_on(s.time_acquire(N));
            (runtime.block_on(s.time_raw(N)), acquire)
        };
        raw_total += raw;
        acquire_total += acquire;
        ratios.push(acquire.as_secs_f64() / raw.as_secs_f64());
    }
    ratios.sort_by(f64::total_cmp);
    let per = |d: Duration| d.as_secs_f64() * 1e6 / (ROUNDS * N) as f64;
    let stats = subjects.borrow().limiter.stats();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "interleaved, {ROUNDS} rounds of {N} each: raw EVALSHA {:.1} µs, acquire {:.1} µs per call (ratio of the totals {:.3}); acquire / raw per round: median {:.3}, quartiles {:.3}–{:.3} (goal ≤ 1.25); limiter: {} granted by Redis, {} fallback, {} errors; load average at end: {}",
        per(raw_total),
        per(acquire_total),
        acquire_total.as_secs_f64() / raw_total.as_secs_f64(),
        ratios[ratios.len() / 2],
        ratios[ratios.len() / 4],
        ratios[ratios.len() * 3 / 4],
        stats.redis_calls,
        stats.fallback_calls,
        stats.redis_errors,
        load.trim(),
    );
}
