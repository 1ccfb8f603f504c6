//! A fleet-wide rate limiter for `tim-client` on Redis: every process of a fleet reserves its
//! calls in one Redis key per (SDKAppID, API), so the fleet together stays under the service's
//! quota (200 calls per second for each `recentcontact` API of an app), not each process alone.
//!
//! # How it works
//!
//! * **One key per quota:** `tim:rl:{<SDKAppID>}:<service>/<command>`, e.g.
//!   `tim:rl:{1400000000}:recentcontact/get_list` ([`redis_key`]). The hash tag keeps an app's
//!   keys on one Redis Cluster slot; the script touches a single key, so there is no
//!   `CROSSSLOT` anywhere. The value is the bucket's theoretical arrival time in µs, with a TTL
//!   that lets it expire once it is in the past.
//! * **One round trip per call:** `EVALSHA` of a Lua script ([`RESERVE_SCRIPT`]) reserves the
//!   next slot with a generic cell rate algorithm and returns the wait; the caller then sleeps
//!   that wait locally. No polling, no retry loop, waiters served in order across the fleet.
//! * **One clock:** the script reads the Redis server's `TIME`; the hosts' clocks never matter.
//! * **One arithmetic:** the script is a line-for-line translation of
//!   [`tim_proto::rate::gcra_reserve`], the function `tim-client`'s local limiter runs, and this
//!   crate's tests check that both give the same outputs for the same inputs through a real
//!   server.
//! * **Script cache:** the script is loaded with `SCRIPT LOAD` when connecting; after a
//!   `SCRIPT FLUSH` or a server restart, `EVALSHA` answers `NOSCRIPT` and the limiter sends the
//!   script once with `EVAL`, which caches it again ([`Stats::script_loads`]).
//!
//! # Failure policy
//!
//! Redis being unreachable, slow or restarting never stops the fleet and never floods the
//! service. Every Redis call is bounded by a short timeout ([`RedisLimiterBuilder::timeout`],
//! default 50 ms). On an error or a timeout the limiter:
//!
//! 1. logs one `tracing` warning for the outage (not one per call), counts it
//!    ([`Stats::outages`]) and switches to [`LimiterState::Fallback`];
//! 2. with [`FailurePolicy::Fallback`] (the default) admits calls through an in-process
//!    [`LocalLimiter`] at a share of each bucket's rate ([`RedisLimiterBuilder::replicas`],
//!    [`RedisLimiterBuilder::fallback_share`]; counted in [`Stats::fallback_calls`]); with
//!    [`FailurePolicy::Closed`] ([`RedisLimiterBuilder::fail_closed`]) refuses them with
//!    [`RateLimitError::Unavailable`];
//! 3. probes Redis in the background every [`RedisLimiterBuilder::probe_interval`] (default
//!    1 s) with a fresh connection and `SCRIPT LOAD`, and switches back when that succeeds
//!    (one `info` event, [`Stats::recoveries`]).
//!
//! # Runtime
//!
//! The limiter uses `redis` 1.x's async [`ConnectionManager`]
//! (feature `tokio-comp`): one multiplexed connection shared by every task, reconnecting by
//! itself, which is all a one-command-per-call workload needs (no pool). It therefore needs a
//! **tokio** runtime: [`RateLimiter::acquire`] must be polled inside one (it spawns the
//! background probe and sleeps on tokio's timers). Building the limiter needs no runtime and
//! does no IO. Outside a tokio runtime `acquire` returns [`RateLimitError::Unavailable`].
//!
//! # Secrets
//!
//! A Redis URL may carry a password (`rediss://default:secret@host:6380`). The URL is never
//! printed with it: `Debug` of every type here, every error and every log line go through
//! [`tim_redact::redact`].
//!
//! # Example
//!
//! ```no_run
//! use std::time::Duration;
//! use tim_client::ClientBuilder;
//! use tim_limiter_redis::RedisLimiter;
//!
//! fn with_fleet_limit(client: ClientBuilder) -> Result<ClientBuilder, Box<dyn std::error::Error>> {
//!     let limiter = RedisLimiter::builder("rediss://default:secret@redis.example.com:6380")
//!         .replicas(4) // on an outage each process keeps to 1/4 of the quota
//!         .timeout(Duration::from_millis(50))
//!         .build()?;
//!     println!("{limiter:?}"); // the password is printed as [redacted]
//!     Ok(client.rate_limiter(limiter))
//! }
//! //! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tim_client::{
    Acquire, ApiPath, LocalLimiter, RateKey, RateLimit, RateLimitError, RateLimiter, SystemClock,
};
use tim_proto::rate::{Gcra, MAX_EXACT_US};
use tim_redact::redact;

#[cfg(test)]
mod tests;

/// The environment variable [`RedisLimiter::from_env`] reads: a `redis://` or `rediss://` URL.
pub const ENV_URL: &str = "TIM_REDIS_URL";

/// The key prefix of every bucket: `tim:rl`.
pub const DEFAULT_KEY_PREFIX: &str = "tim:rl";

/// The default timeout of one Redis call: 50 ms.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(50);

/// The default time between two probes of an unreachable Redis: 1 s.
pub const DEFAULT_PROBE_INTERVAL: Duration = Duration::from_secs(1);

/// The default timeout of connecting (the probe, [`RedisLimiter::connect`]): 1 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// The reservation script run by `EVALSHA`: `KEYS[1]` is the bucket ([`redis_key`]), `ARGV` are
/// `interval_us`, `tolerance_us` and `max_wait_us`; it reads the server's `TIME`, runs
/// [`tim_proto::rate::gcra_reserve`] (translated line for line) on the stored TAT, stores the
/// new TAT with a TTL when granted, and returns `{granted (1|0), wait_us, new_tat_us, now_us}`.
/// Integer-only, one declared key: it runs on Redis ≥ 5, Valkey, Redis Cluster and Lua 5.4
/// forks.
pub const RESERVE_SCRIPT: &str = concat!(include_str!("gcra.lua"), include_str!("reserve.lua"));

/// The arithmetic alone, without keys or clock, for the property test against the Rust function.
#[cfg(test)]
const PURE_SCRIPT: &str = concat!(include_str!("gcra.lua"), include_str!("pure.lua"));

/// The Redis key of a quota: `tim:rl:{<SDKAppID>}:<service>/<command>`.
///
/// ```
/// use tim_client::{ApiPath, RateBucket, RateKey};
///
/// let key = RateKey {
///     sdk_app_id: 1400000000,
///     bucket: RateBucket::of(ApiPath::new("recentcontact", "get_list")),
/// };
/// assert_eq!(tim_limiter_redis::redis_key("tim:rl", &key), "tim:rl:{1400000000}:recentcontact/get_list");
/// ```
pub fn redis_key(prefix: &str, key: &RateKey) -> String {
    format!(
        "{prefix}:{{{}}}:{}/{}",
        key.sdk_app_id, key.bucket.key.service, key.bucket.key.command
    )
}

/// What the limiter does while Redis cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum FailurePolicy {
    /// Admit calls through a local limiter at the configured share of the quota (fail open,
    /// but never unbounded). The default.
    #[default]
    Fallback,
    /// Refuse calls with [`RateLimitError::Unavailable`] (fail closed).
    Closed,
}

/// Where the limiter currently takes its slots from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LimiterState {
    /// From Redis: the fleet-wide limit.
    Redis,
    /// Redis is unavailable: from the local fallback (or refused, when failing closed) until a
    /// probe succeeds.
    Fallback,
}

/// Counters since the limiter was built.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Stats {
    /// Slots granted by Redis.
    pub redis_calls: u64,
    /// Calls admitted through the local fallback while Redis was unavailable.
    pub fallback_calls: u64,
    /// Calls refused with [`RateLimitError::Unavailable`] (fail-closed policy).
    pub unavailable_calls: u64,
    /// Redis calls that failed or timed out.
    pub redis_errors: u64,
    /// Switches from Redis to the fallback.
    pub outages: u64,
    /// Switches back to Redis after a successful probe.
    pub recoveries: u64,
    /// Times the script was sent to the server (`SCRIPT LOAD` on connecting, `EVAL` after a
    /// `NOSCRIPT`).
    pub script_loads: u64,
}

/// The limiter could not be built or could not connect. Its text never contains a password.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RedisLimiterError {
    /// The URL is not a Redis URL (or its TLS settings are invalid).
    InvalidUrl {
        /// The URL, redacted.
        url: String,
        /// Why, redacted.
        reason: String,
    },
    /// Connecting or loading the script failed ([`RedisLimiter::connect`]).
    Connect {
        /// Why, redacted.
        reason: String,
    },
}

impl fmt::Display for RedisLimiterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RedisLimiterError::InvalidUrl { url, reason } => {
                write!(f, "invalid Redis URL {url}: {reason}")
            }
            RedisLimiterError::Connect { reason } => {
                write!(f, "cannot use the Redis rate limiter: {reason}")
            }
        }
    }
}

impl std::error::Error for RedisLimiterError {}

/// Configures a [`RedisLimiter`]; see [`RedisLimiter::builder`].
#[derive(Clone)]
pub struct RedisLimiterBuilder {
    url: String,
    key_prefix: String,
    limit: Option<RateLimit>,
    fallback_share: f64,
    timeout: Duration,
    connect_timeout: Duration,
    probe_interval: Duration,
    policy: FailurePolicy,
    root_cert_pem: Option<Vec<u8>>,
}

impl fmt::Debug for RedisLimiterBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisLimiterBuilder")
            .field("url", &redact(&self.url))
            .field("key_prefix", &self.key_prefix)
            .field("limit", &self.limit)
            .field("fallback_share", &self.fallback_share)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("probe_interval", &self.probe_interval)
            .field("policy", &self.policy)
            .field("root_cert_pem", &self.root_cert_pem.as_ref().map(Vec::len))
            .finish()
    }
}

impl RedisLimiterBuilder {
    /// Every bucket at `limit` instead of its documented rate with the default margin
    /// ([`RateLimit::per_second`] of [`tim_proto::RateBucket::per_second`]). This is the
    /// fleet's limit, not one process's.
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.limit = Some(limit);
        self
    }

    /// The number of processes sharing the quota: sets the fallback share to `1 / replicas`.
    pub fn replicas(mut self, replicas: u32) -> Self {
        self.fallback_share = 1.0 / f64::from(replicas.max(1));
        self
    }

    /// The share of each bucket's rate one process may use while Redis is unavailable, in
    /// `(0, 1]` (clamped; default 1, or `1 / replicas`). The fallback's rate is
    /// `floor(rate × share)`, at least 1 call per second.
    pub fn fallback_share(mut self, share: f64) -> Self {
        self.fallback_share = if share.is_finite() {
            share.clamp(f64::MIN_POSITIVE, 1.0)
        } else {
            1.0
        };
        self
    }

    /// The timeout of one reservation in Redis (default [`DEFAULT_TIMEOUT`], 50 ms). Past it
    /// the call goes to the failure policy.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The timeout of connecting, TLS handshake included (default [`DEFAULT_CONNECT_TIMEOUT`]).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The time between two probes while Redis is unavailable (default
    /// [`DEFAULT_PROBE_INTERVAL`]).
    pub fn probe_interval(mut self, interval: Duration) -> Self {
        self.probe_interval = interval;
        self
    }

    /// Refuse calls while Redis is unavailable ([`FailurePolicy::Closed`]).
    pub fn fail_closed(self) -> Self {
        self.failure_policy(FailurePolicy::Closed)
    }

    /// The failure policy (default [`FailurePolicy::Fallback`]).
    pub fn failure_policy(mut self, policy: FailurePolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The key prefix (default [`DEFAULT_KEY_PREFIX`]); processes sharing a quota must agree.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    /// Trust this PEM root certificate (a private CA) for `rediss://` instead of the system's
    /// and the Mozilla roots.
    pub fn root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_cert_pem = Some(pem.into());
        self
    }

    /// Builds the limiter. Checks the URL; does no IO and needs no runtime (the connection is
    /// made on first use, or by [`RedisLimiter::connect`]).
    pub fn build(self) -> Result<RedisLimiter, RedisLimiterError> {
        let invalid = |e: &dyn fmt::Display| RedisLimiterError::InvalidUrl {
            url: redact(&self.url).into_owned(),
            reason: redact(&e.to_string()).into_owned(),
        };
        let tls = self.url.starts_with("rediss://");
        if tls {
            // redis builds its rustls config with the process default provider; pick ring
            // explicitly so that a binary with another provider compiled in does not panic.
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let client = match &self.root_cert_pem {
            Some(pem) => redis::Client::build_with_tls(
                self.url.as_str(),
                redis::TlsCertificates {
                    client_tls: None,
                    root_cert: Some(pem.clone()),
                },
            ),
            None => redis::Client::open(self.url.as_str()),
        }
        .map_err(|e| invalid(&e))?;
        let limiter = RedisLimiter {
            inner: Arc::new(Inner {
                url: redact(&self.url).into_owned(),
                client,
                conn: Mutex::new(None),
                script: redis::Script::new(RESERVE_SCRIPT),
                key_prefix: self.key_prefix,
                limit: self.limit,
                fallback_share: self.fallback_share,
                timeout: self.timeout,
                connect_timeout: self.connect_timeout,
                probe_interval: self.probe_interval,
                policy: self.policy,
                fallback: Mutex::new(HashMap::new()),
                health: Mutex::new(Health::default()),
                degraded: AtomicBool::new(false),
                probing: AtomicBool::new(false),
                generation: AtomicU64::new(0),
                counters: Counters::default(),
                #[cfg(test)]
                slots: Mutex::new(Vec::new()),
            }),
        };
        Ok(limiter)
    }
}

/// The fleet-wide limiter: implements [`RateLimiter`] for
/// [`ClientBuilder::rate_limiter`](tim_client::ClientBuilder::rate_limiter). Clones share
/// everything (connection, fallback, counters).
#[derive(Clone)]
pub struct RedisLimiter {
    inner: Arc<Inner>,
}

struct Inner {
    /// Redacted, for printing.
    url: String,
    client: redis::Client,
    conn: Mutex<Option<ConnectionManager>>,
    script: redis::Script,
    key_prefix: String,
    limit: Option<RateLimit>,
    fallback_share: f64,
    timeout: Duration,
    connect_timeout: Duration,
    probe_interval: Duration,
    policy: FailurePolicy,
    fallback: Mutex<HashMap<(u64, ApiPath), Arc<LocalLimiter>>>,
    health: Mutex<Health>,
    /// `health.degraded`, readable without the lock.
    degraded: AtomicBool,
    probing: AtomicBool,
    /// Bumped whenever a probe installs a new connection: an error from an older one is no
    /// new outage.
    generation: AtomicU64,
    counters: Counters,
    /// The slots granted by Redis (server time, µs), for the tests' sliding-window check.
    #[cfg(test)]
    slots: Mutex<Vec<u64>>,
}

#[derive(Debug, Default)]
struct Health {
    next_probe: Option<Instant>,
    last_error: Option<String>,
}

#[derive(Debug, Default)]
struct Counters {
    redis_calls: AtomicU64,
    fallback_calls: AtomicU64,
    unavailable_calls: AtomicU64,
    redis_errors: AtomicU64,
    outages: AtomicU64,
    recoveries: AtomicU64,
    script_loads: AtomicU64,
}

impl fmt::Debug for RedisLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &*self.inner;
        f.debug_struct("RedisLimiter")
            .field("url", &i.url)
            .field("key_prefix", &i.key_prefix)
            .field("limit", &i.limit)
            .field("fallback_share", &i.fallback_share)
            .field("timeout", &i.timeout)
            .field("policy", &i.policy)
            .field("state", &self.state())
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

/// A Redis reply to the reservation script.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Reply {
    granted: bool,
    wait_us: u64,
    new_tat_us: u64,
    now_us: u64,
}

impl Reply {
    fn parse(values: &[i64]) -> Option<Reply> {
        let &[granted, wait, tat, now] = values else {
            return None;
        };
        Some(Reply {
            granted: granted == 1,
            wait_us: u64::try_from(wait).ok()?,
            new_tat_us: u64::try_from(tat).ok()?,
            now_us: u64::try_from(now).ok()?,
        })
    }
}

/// Whole microseconds, saturating.
fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

impl RedisLimiter {
    /// A builder for a limiter on the Redis at `url`: `redis://[user:password@]host[:port][/db]`,
    /// `rediss://…` for TLS, `redis+unix:///path/to/socket`.
    pub fn builder(url: impl Into<String>) -> RedisLimiterBuilder {
        RedisLimiterBuilder {
            url: url.into(),
            key_prefix: DEFAULT_KEY_PREFIX.to_owned(),
            limit: None,
            fallback_share: 1.0,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            probe_interval: DEFAULT_PROBE_INTERVAL,
            policy: FailurePolicy::Fallback,
            root_cert_pem: None,
        }
    }

    /// A limiter with the default settings on the URL in `TIM_REDIS_URL` ([`ENV_URL`]), or
    /// `Ok(None)` when the variable is unset or empty.
    pub fn from_env() -> Result<Option<RedisLimiter>, RedisLimiterError> {
        Self::from_env_value(std::env::var(ENV_URL).ok())
    }

    fn from_env_value(value: Option<String>) -> Result<Option<RedisLimiter>, RedisLimiterError> {
        match value {
            Some(url) if !url.trim().is_empty() => {
                RedisLimiter::builder(url.trim()).build().map(Some)
            }
            _ => Ok(None),
        }
    }

    /// Connects and loads the script now (within the connect timeout), so that a bad URL or
    /// password shows at start-up rather than as a fallback later. Needs a tokio runtime.
    pub async fn connect(&self) -> Result<(), RedisLimiterError> {
        self.inner.reconnect().await.map_err(|reason| {
            self.inner.set_last_error(&reason);
            RedisLimiterError::Connect { reason }
        })
    }

    /// Where slots come from now.
    pub fn state(&self) -> LimiterState {
        if self.inner.degraded.load(Ordering::Acquire) {
            LimiterState::Fallback
        } else {
            LimiterState::Redis
        }
    }

    /// The counters.
    pub fn stats(&self) -> Stats {
        let c = &self.inner.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        Stats {
            redis_calls: get(&c.redis_calls),
            fallback_calls: get(&c.fallback_calls),
            unavailable_calls: get(&c.unavailable_calls),
            redis_errors: get(&c.redis_errors),
            outages: get(&c.outages),
            recoveries: get(&c.recoveries),
            script_loads: get(&c.script_loads),
        }
    }

    /// Calls admitted through the local fallback so far ([`Stats::fallback_calls`]).
    pub fn fallback_calls(&self) -> u64 {
        self.inner.counters.fallback_calls.load(Ordering::Relaxed)
    }

    /// The last Redis error (redacted), if any.
    pub fn last_error(&self) -> Option<String> {
        self.inner.lock_health().last_error.clone()
    }

    /// The limit the fleet keeps to for `key`'s bucket.
    pub fn limit_for(&self, key: &RateKey) -> RateLimit {
        self.inner.limit_for(key)
    }

    /// The limit one process keeps to for `key`'s bucket while Redis is unavailable.
    pub fn fallback_limit_for(&self, key: &RateKey) -> RateLimit {
        self.inner.fallback_limit_for(key)
    }
}

impl Inner {
    fn lock_health(&self) -> std::sync::MutexGuard<'_, Health> {
        self.health.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn set_last_error(&self, reason: &str) {
        self.lock_health().last_error = Some(reason.to_owned());
    }

    fn limit_for(&self, key: &RateKey) -> RateLimit {
        self.limit
            .unwrap_or_else(|| RateLimit::per_second(key.bucket.per_second))
    }

    fn fallback_limit_for(&self, key: &RateKey) -> RateLimit {
        let full = self.limit_for(key);
        let calls = (f64::from(full.calls_per_second()) * self.fallback_share).floor();
        // `calls` is within [0, u32::MAX]: a share in (0, 1] of a u32.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let calls = calls as u32;
        RateLimit::per_second(calls.max(1)).with_margin_permille(full.margin_permille())
    }

    fn fallback(&self, key: &RateKey) -> Arc<LocalLimiter> {
        let mut map = self.fallback.lock().unwrap_or_else(PoisonError::into_inner);
        map.entry((key.sdk_app_id, key.bucket.key))
            .or_insert_with(|| {
                Arc::new(LocalLimiter::new(
                    Some(self.fallback_limit_for(key)),
                    Arc::new(SystemClock),
                ))
            })
            .clone()
    }

    /// The current connection, made lazily (needs a tokio runtime).
    fn connection(&self) -> Result<ConnectionManager, String> {
        let mut conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(c) = &*conn {
            return Ok(c.clone());
        }
        let c = ConnectionManager::new_lazy_with_config(self.client.clone(), self.config())
            .map_err(|e| redact(&e.to_string()).into_owned())?;
        *conn = Some(c.clone());
        Ok(c)
    }

    fn config(&self) -> ConnectionManagerConfig {
        ConnectionManagerConfig::new()
            .set_response_timeout(Some(self.timeout))
            .set_connection_timeout(Some(self.connect_timeout))
            // The probe reconnects; the manager's own retries only cover a quick blip.
            .set_number_of_retries(1)
            .set_max_delay(self.probe_interval)
    }

    /// A fresh connection with the script loaded: the probe and [`RedisLimiter::connect`].
    async fn reconnect(&self) -> Result<(), String> {
        let attempt = async {
            let mut conn =
                ConnectionManager::new_with_config(self.client.clone(), self.config()).await?;
            let _: String = redis::cmd("SCRIPT")
                .arg("LOAD")
                .arg(RESERVE_SCRIPT)
                .query_async(&mut conn)
                .await?;
            Ok::<_, redis::RedisError>(conn)
        };
        let conn = match tokio::time::timeout(self.connect_timeout, attempt).await {
            Ok(Ok(conn)) => conn,
            Ok(Err(e)) => return Err(redact(&e.to_string()).into_owned()),
            Err(_) => {
                return Err(format!(
                    "connecting to {} timed out after {:?}",
                    self.url, self.connect_timeout
                ));
            }
        };
        self.counters.script_loads.fetch_add(1, Ordering::Relaxed);
        let mut current = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        *current = Some(conn);
        self.generation.fetch_add(1, Ordering::AcqRel);
        Ok(())
    }

    /// One reservation in Redis, bounded by the timeout.
    async fn reserve(&self, key: &RateKey, gcra: Gcra, max_wait_us: u64) -> Result<Reply, String> {
        let mut conn = self.connection()?;
        let redis_key = redis_key(&self.key_prefix, key);
        let call = async {
            let mut evalsha = redis::cmd("EVALSHA");
            evalsha
                .arg(self.script.get_hash())
                .arg(1)
                .arg(&redis_key)
                .arg(gcra.interval_us)
                .arg(gcra.tolerance_us)
                .arg(max_wait_us);
            match evalsha.query_async::<Vec<i64>>(&mut conn).await {
                Err(e)
                    if e.kind() == redis::ErrorKind::Server(redis::ServerErrorKind::NoScript) =>
                {
                    // After SCRIPT FLUSH or a restart: EVAL runs and caches the script again.
                    tracing::debug!("Redis had no cached rate-limit script; sending it again");
                    self.counters.script_loads.fetch_add(1, Ordering::Relaxed);
                    redis::cmd("EVAL")
                        .arg(RESERVE_SCRIPT)
                        .arg(1)
                        .arg(&redis_key)
                        .arg(gcra.interval_us)
                        .arg(gcra.tolerance_us)
                        .arg(max_wait_us)
                        .query_async::<Vec<i64>>(&mut conn)
                        .await
                }
                other => other,
            }
        };
        match tokio::time::timeout(self.timeout, call).await {
            Ok(Ok(values)) => Reply::parse(&values)
                .ok_or_else(|| format!("unexpected reply from the rate-limit script: {values:?}")),
            Ok(Err(e)) => Err(redact(&e.to_string()).into_owned()),
            Err(_) => Err(format!("Redis did not answer within {:?}", self.timeout)),
        }
    }

    /// Redis failed: switch to the fallback (warning once per outage).
    fn enter_fallback(&self, reason: &str) {
        self.counters.redis_errors.fetch_add(1, Ordering::Relaxed);
        let mut health = self.lock_health();
        health.last_error = Some(reason.to_owned());
        if !self.degraded.swap(true, Ordering::AcqRel) {
            health.next_probe = Some(Instant::now() + self.probe_interval);
            self.counters.outages.fetch_add(1, Ordering::Relaxed);
            match self.policy {
                FailurePolicy::Fallback => tracing::warn!(
                    url = %self.url,
                    error = %reason,
                    share = self.fallback_share,
                    "the Redis rate limiter is unavailable; using the local fallback limiter until it is back"
                ),
                FailurePolicy::Closed => tracing::warn!(
                    url = %self.url,
                    error = %reason,
                    "the Redis rate limiter is unavailable; refusing calls until it is back"
                ),
            }
        }
    }

    /// Starts a background probe if one is due.
    fn maybe_probe(self: &Arc<Self>) {
        let due = {
            let health = self.lock_health();
            health.next_probe.is_none_or(|t| Instant::now() >= t)
        };
        if !due || self.probing.swap(true, Ordering::AcqRel) {
            return;
        }
        let inner = Arc::clone(self);
        tokio::spawn(async move {
            let result = inner.reconnect().await;
            let mut health = inner.lock_health();
            match result {
                Ok(()) => {
                    health.next_probe = None;
                    inner.degraded.store(false, Ordering::Release);
                    inner.counters.recoveries.fetch_add(1, Ordering::Relaxed);
                    tracing::info!(url = %inner.url, "the Redis rate limiter is back");
                }
                Err(reason) => {
                    tracing::debug!(error = %reason, "the Redis rate limiter is still unavailable");
                    health.last_error = Some(reason);
                    health.next_probe = Some(Instant::now() + inner.probe_interval);
                }
            }
            drop(health);
            inner.probing.store(false, Ordering::Release);
        });
    }

    /// A call while Redis is unavailable.
    async fn degraded(&self, key: RateKey, max_wait: Duration) -> Result<(), RateLimitError> {
        match self.policy {
            FailurePolicy::Closed => {
                self.counters
                    .unavailable_calls
                    .fetch_add(1, Ordering::Relaxed);
                let last = self.lock_health().last_error.clone();
                Err(RateLimitError::Unavailable {
                    reason: format!(
                        "Redis at {}: {}",
                        self.url,
                        last.as_deref().unwrap_or("unavailable")
                    ),
                })
            }
            FailurePolicy::Fallback => {
                let local = self.fallback(&key);
                local.acquire(key, max_wait).await?;
                self.counters.fallback_calls.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
        }
    }
}

impl RateLimiter for RedisLimiter {
    fn acquire(&self, key: RateKey, max_wait: Duration) -> Acquire<'_> {
        let inner = Arc::clone(&self.inner);
        Box::pin(async move {
            if tokio::runtime::Handle::try_current().is_err() {
                return Err(RateLimitError::Unavailable {
                    reason: "tim-limiter-redis needs a tokio runtime".to_owned(),
                });
            }
            let start = Instant::now();
            if inner.degraded.load(Ordering::Acquire) {
                inner.maybe_probe();
                return inner.degraded(key, max_wait).await;
            }
            let gcra = inner.limit_for(&key).gcra();
            let max_wait_us = micros(max_wait).min(MAX_EXACT_US);
            let generation = inner.generation.load(Ordering::Acquire);
            let mut result = inner.reserve(&key, gcra, max_wait_us).await;
            if result.is_err() && inner.generation.load(Ordering::Acquire) != generation {
                // The connection was replaced while this call was on the old one: once more.
                inner.counters.redis_errors.fetch_add(1, Ordering::Relaxed);
                let left = micros(max_wait.saturating_sub(start.elapsed())).min(MAX_EXACT_US);
                result = inner.reserve(&key, gcra, left).await;
            }
            match result {
                Ok(reply) if reply.granted => {
                    inner.counters.redis_calls.fetch_add(1, Ordering::Relaxed);
                    #[cfg(test)]
                    inner
                        .slots
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(reply.now_us + reply.wait_us);
                    let wait = Duration::from_micros(reply.wait_us);
                    if !wait.is_zero() {
                        tracing::trace!(?wait, bucket = %key.bucket, "waiting for the fleet's rate limit");
                        tokio::time::sleep(wait).await;
                    }
                    Ok(())
                }
                Ok(reply) => Err(RateLimitError::WaitTooLong {
                    wait: Duration::from_micros(reply.wait_us),
                }),
                Err(reason) => {
                    inner.enter_fallback(&reason);
                    let left = max_wait.saturating_sub(start.elapsed());
                    inner.degraded(key, left).await
                }
            }
        })
    }
}
