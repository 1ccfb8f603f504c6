//! Rate limiting: the [`RateLimiter`] abstraction, and the local limiter ([`LocalLimiter`]),
//! one token bucket per (SDKAppID, API), shared by every clone of a client.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tim_proto::rate::Gcra;
use tim_proto::{ApiPath, RateBucket};

use crate::clock::Clock;

/// The quota one call draws from: the app and the call's declared [`RateBucket`]
/// ([`tim_proto::ApiRequest::RATE`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RateKey {
    /// The app's SDKAppID: quotas belong to an app.
    pub sdk_app_id: u64,
    /// The bucket: by default the call's own path at its documented rate.
    pub bucket: RateBucket,
}

/// A future of [`RateLimiter::acquire`].
pub type Acquire<'a> = Pin<Box<dyn Future<Output = Result<(), RateLimitError>> + Send + 'a>>;

/// Decides when a call may be sent, so that every caller sharing the limiter stays under the
/// service's quota together.
///
/// The client calls [`acquire`](Self::acquire) before every attempt (retries included) and
/// sends when it resolves. [`LocalLimiter`] (the default) shares the limit among the clones of
/// one client in one process; `tim-limiter-redis` shares it among processes through Redis.
pub trait RateLimiter: Send + Sync + fmt::Debug + 'static {
    /// Resolves when a call of `key` may be sent (the slot is then taken), or with
    /// [`RateLimitError::WaitTooLong`] at once, taking nothing, when that would be later than
    /// `max_wait` from now.
    fn acquire(&self, key: RateKey, max_wait: Duration) -> Acquire<'_>;
}

/// A limiter could not give a slot.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RateLimitError {
    /// The next free slot is further away than the caller can wait.
    #[error("the next free slot is {wait:?} away, beyond the call's deadline")]
    WaitTooLong {
        /// How long the wait would have been.
        wait: Duration,
    },
    /// The shared limiter cannot be reached and is configured to fail closed.
    #[error("the shared rate limiter is unavailable: {reason}")]
    Unavailable {
        /// Why (never contains a password).
        reason: String,
    },
}

/// The local limiter: per (SDKAppID, bucket), a token bucket and a sliding-window cap (see
/// [`RateLimit`]), shared by everything holding it (every clone of a client).
///
/// Each bucket runs at the configured [`RateLimit`], or, without one, at the bucket's documented
/// rate with the default margin.
pub struct LocalLimiter {
    limit: Option<RateLimit>,
    clock: Arc<dyn Clock>,
    buckets: Mutex<HashMap<(u64, ApiPath), Arc<Limiter>>>,
}

impl fmt::Debug for LocalLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let buckets = self.buckets.lock().map_or(0, |b| b.len());
        f.debug_struct("LocalLimiter")
            .field("limit", &self.limit)
            .field("buckets", &buckets)
            .finish_non_exhaustive()
    }
}

impl LocalLimiter {
    /// A limiter with `limit` for every bucket (`None`: each bucket's documented rate), waiting
    /// on `clock`.
    pub fn new(limit: Option<RateLimit>, clock: Arc<dyn Clock>) -> Self {
        LocalLimiter {
            limit,
            clock,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// The limit a bucket runs at.
    pub fn limit_for(&self, bucket: &RateBucket) -> RateLimit {
        self.limit
            .unwrap_or_else(|| RateLimit::per_second(bucket.per_second))
    }

    fn bucket(&self, key: &RateKey) -> Arc<Limiter> {
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        buckets
            .entry((key.sdk_app_id, key.bucket.key))
            .or_insert_with(|| Arc::new(Limiter::new(self.limit_for(&key.bucket))))
            .clone()
    }
}

impl RateLimiter for LocalLimiter {
    fn acquire(&self, key: RateKey, max_wait: Duration) -> Acquire<'_> {
        let bucket = self.bucket(&key);
        Box::pin(async move {
            let clock = &self.clock;
            let start = clock.now();
            let deadline = start.checked_add(max_wait);
            let left =
                |now: Instant| deadline.map_or(Duration::MAX, |d| d.saturating_duration_since(now));
            match bucket.reserve(start, max_wait) {
                Ok(wait) if wait.is_zero() => {}
                Ok(wait) => {
                    tracing::trace!(?wait, bucket = %key.bucket, "waiting for the rate limiter");
                    clock.sleep(wait).await;
                }
                Err(wait) => return Err(RateLimitError::WaitTooLong { wait }),
            }
            while let Err(wait) = bucket.admit(clock.now()) {
                if wait >= left(clock.now()) {
                    return Err(RateLimitError::WaitTooLong { wait });
                }
                tracing::trace!(?wait, bucket = %key.bucket, "the last second is full; waiting");
                clock.sleep(wait).await;
            }
            Ok(())
        })
    }
}

/// How many calls per second a client may start, counting every attempt (retries included).
///
/// The service allows 200 calls per second for each REST API of an app
/// (`docs/protocol/conventions.md`, codes 60007/60011) and measures it over a sliding second;
/// the client keeps one such limit per API ([`RateKey`]). The limiter enforces two things, both with a safety
/// margin (default 2 %, so 196 calls at the documented 200/s):
///
/// * **spacing**: a token bucket (kept as a generic cell rate algorithm) hands out send slots
///   `1 / (rate × (1 − margin))` apart, in order, so concurrent callers queue fairly; a burst
///   of `burst` calls may go at once after a pause (default 1: no burst);
/// * **a hard cap**: at most `rate × (1 − margin)` calls *actually sent* in any sliding second.
///   A task woken late by its executor cannot catch up in a burst that the service would count
///   against the limit.
///
/// The margin absorbs the network's jitter between sending and the service's counting.
///
/// ```
/// use std::time::Duration;
/// use tim_client::RateLimit;
///
/// let limit = RateLimit::default();
/// assert_eq!(limit.calls_per_second(), 200);
/// assert_eq!(limit.max_per_second(), 196);
/// assert_eq!(limit.interval(), Duration::from_nanos(5_102_040)); // 196 calls/s
/// let fast = RateLimit::per_second(1000).with_margin_permille(0).with_burst(10);
/// assert_eq!(fast.interval(), Duration::from_millis(1));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RateLimit {
    calls_per_second: u32,
    burst: u32,
    margin_permille: u16,
}

impl RateLimit {
    /// The documented limit: 200 calls per second.
    pub const DOCUMENTED: u32 = 200;
    /// The default safety margin: 20 ‰ (2 %).
    pub const DEFAULT_MARGIN_PERMILLE: u16 = 20;

    /// A limit of `calls` per second (at least 1), with the default margin and no burst.
    pub fn per_second(calls: u32) -> Self {
        RateLimit {
            calls_per_second: calls.max(1),
            burst: 1,
            margin_permille: Self::DEFAULT_MARGIN_PERMILLE,
        }
    }

    /// Allows `burst` calls at once after a pause (at least 1).
    #[must_use]
    pub fn with_burst(mut self, burst: u32) -> Self {
        self.burst = burst.max(1);
        self
    }

    /// Sets the safety margin in per mille of the rate (capped at 500).
    #[must_use]
    pub fn with_margin_permille(mut self, margin: u16) -> Self {
        self.margin_permille = margin.min(500);
        self
    }

    /// The configured rate.
    pub fn calls_per_second(&self) -> u32 {
        self.calls_per_second
    }

    /// The burst size.
    pub fn burst(&self) -> u32 {
        self.burst
    }

    /// The safety margin, in per mille.
    pub fn margin_permille(&self) -> u16 {
        self.margin_permille
    }

    /// The most calls sent in any sliding second: `rate × (1 − margin)`, at least 1.
    pub fn max_per_second(&self) -> u32 {
        let capped = u64::from(self.calls_per_second)
            * u64::from(1000 - self.margin_permille.min(500))
            / 1000;
        u32::try_from(capped).unwrap_or(u32::MAX).max(1)
    }

    /// The spacing between two calls: `1 s / (rate × (1 − margin))`.
    pub fn interval(&self) -> Duration {
        // 1e9 ns × 1000 / (rate × (1000 − margin)), in integers.
        let denominator =
            u128::from(self.calls_per_second) * u128::from(1000 - self.margin_permille.min(500));
        let nanos = 1_000_000_000_000u128 / denominator.max(1);
        Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }
}

impl RateLimit {
    /// The GCRA parameters of this limit in whole µs ([`tim_proto::rate`]): the interval
    /// (rounded up, so the rate never exceeds [`max_per_second`](Self::max_per_second)) and a
    /// tolerance of `(burst − 1)` intervals. Every limiter of the toolkit (local, Redis) runs
    /// these.
    ///
    /// ```
    /// use tim_client::RateLimit;
    /// use tim_client::tim_proto::rate::Gcra;
    ///
    /// assert_eq!(RateLimit::default().gcra(), Gcra::new(5_103, 0)); // 196/s
    /// let fast = RateLimit::per_second(1000).with_margin_permille(0).with_burst(10);
    /// assert_eq!(fast.gcra(), Gcra::new(1_000, 9_000));
    /// ```
    pub fn gcra(&self) -> Gcra {
        let interval_us = u64::try_from(self.interval().as_nanos().div_ceil(1000))
            .unwrap_or(u64::MAX)
            .max(1);
        Gcra::new(
            interval_us,
            interval_us.saturating_mul(u64::from(self.burst - 1)),
        )
    }
}

impl Default for RateLimit {
    /// [`RateLimit::DOCUMENTED`] calls per second with the default margin.
    fn default() -> Self {
        RateLimit::per_second(Self::DOCUMENTED)
    }
}

/// A generic cell rate algorithm (a token bucket kept as one "theoretical arrival time"): each
/// caller reserves the next free slot under a lock and then waits for it outside the lock, so
/// waiters are served in order and nobody spins. Then a sliding window of the actual send
/// times caps the calls in any second ([`Limiter::admit`]).
#[derive(Debug)]
pub(crate) struct Limiter {
    /// The spacing and tolerance, in µs: the arithmetic is [`tim_proto::rate::gcra_reserve`].
    gcra: Gcra,
    /// The next free slot (the theoretical arrival time).
    next: Mutex<Tat>,
    /// The most sends within [`WINDOW`].
    cap: usize,
    /// The actual send times within the last [`WINDOW`], oldest first.
    sent: Mutex<VecDeque<Instant>>,
}

/// The theoretical arrival time, in µs since `origin` (the first reservation's `now`).
#[derive(Debug, Default)]
struct Tat {
    origin: Option<Instant>,
    tat_us: Option<u64>,
}

/// Whole microseconds, saturating.
fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// The window the service counts calls in.
const WINDOW: Duration = Duration::from_secs(1);

impl Limiter {
    pub(crate) fn new(limit: RateLimit) -> Self {
        let cap = limit.max_per_second() as usize;
        Limiter {
            gcra: limit.gcra(),
            next: Mutex::new(Tat::default()),
            cap,
            sent: Mutex::new(VecDeque::with_capacity(cap)),
        }
    }

    /// Reserves a slot: returns how long to wait before sending, or `Err(wait)` without
    /// reserving anything when the wait would be longer than `max_wait`.
    pub(crate) fn reserve(&self, now: Instant, max_wait: Duration) -> Result<Duration, Duration> {
        let mut next = self.next.lock().unwrap_or_else(PoisonError::into_inner);
        let origin = *next.origin.get_or_insert(now);
        let now_us = micros(now.saturating_duration_since(origin));
        match self.gcra.reserve(next.tat_us, now_us, micros(max_wait)) {
            Ok(r) => {
                next.tat_us = Some(r.new_tat_us);
                Ok(Duration::from_micros(r.wait_us))
            }
            Err(refusal) => Err(Duration::from_micros(refusal.wait_us)),
        }
    }

    /// Records a send at `now` if fewer than the cap were sent in the second before it
    /// (`Ok`), else returns how long until one of those leaves the window (`Err`).
    pub(crate) fn admit(&self, now: Instant) -> Result<(), Duration> {
        let mut sent = self.sent.lock().unwrap_or_else(PoisonError::into_inner);
        while sent
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= WINDOW)
        {
            sent.pop_front();
        }
        if sent.len() < self.cap {
            sent.push_back(now);
            return Ok(());
        }
        let oldest = sent.front().copied().unwrap_or(now);
        Err((oldest + WINDOW)
            .saturating_duration_since(now)
            .max(Duration::from_micros(100)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_follows_rate_and_margin() {
        assert_eq!(
            RateLimit::per_second(200)
                .with_margin_permille(0)
                .interval(),
            Duration::from_millis(5)
        );
        assert_eq!(RateLimit::per_second(0).calls_per_second(), 1);
        assert_eq!(
            RateLimit::per_second(1)
                .with_margin_permille(500)
                .interval(),
            Duration::from_secs(2)
        );
    }

    #[test]
    fn slots_are_spaced_and_served_in_order() {
        let limiter = Limiter::new(RateLimit::per_second(100).with_margin_permille(0));
        let t0 = Instant::now();
        let waits: Vec<_> = (0..5)
            .map(|_| limiter.reserve(t0, Duration::MAX).expect("no cap"))
            .collect();
        let ms = |n| Duration::from_millis(n);
        assert_eq!(waits, [ms(0), ms(10), ms(20), ms(30), ms(40)]);
        // Later callers see the queue shortened by the time that passed.
        assert_eq!(limiter.reserve(t0 + ms(45), Duration::MAX), Ok(ms(5)));
        // After a long pause, no wait, and no credit beyond the burst.
        let later = t0 + Duration::from_secs(10);
        assert_eq!(limiter.reserve(later, Duration::MAX), Ok(ms(0)));
        assert_eq!(limiter.reserve(later, Duration::MAX), Ok(ms(10)));
    }

    #[test]
    fn burst_goes_at_once_then_spaces() {
        let limiter = Limiter::new(
            RateLimit::per_second(100)
                .with_margin_permille(0)
                .with_burst(3),
        );
        let t0 = Instant::now();
        let waits: Vec<_> = (0..5)
            .map(|_| limiter.reserve(t0, Duration::MAX).expect("no cap"))
            .collect();
        let ms = |n| Duration::from_millis(n);
        assert_eq!(waits, [ms(0), ms(0), ms(0), ms(10), ms(20)]);
    }

    #[test]
    fn the_window_caps_actual_sends() {
        let limiter = Limiter::new(RateLimit::per_second(100).with_margin_permille(20));
        assert_eq!(limiter.cap, 98);
        let t0 = Instant::now();
        let ms = |n| Duration::from_millis(n);
        // Late tasks arriving together: 98 go, the 99th waits for the first to age out.
        for i in 0..98 {
            assert_eq!(limiter.admit(t0 + ms(i / 10)), Ok(()), "{i}");
        }
        assert_eq!(limiter.admit(t0 + ms(500)), Err(ms(500)));
        assert_eq!(limiter.admit(t0 + ms(999)), Err(ms(1)));
        // The ten sent at t0 leave the window at t0 + 1 s; the next ones at t0 + 1 ms.
        for _ in 0..10 {
            assert_eq!(limiter.admit(t0 + ms(1000)), Ok(()));
        }
        assert_eq!(limiter.admit(t0 + ms(1000)), Err(ms(1)));
    }

    #[test]
    fn a_refused_reservation_takes_no_slot() {
        let limiter = Limiter::new(RateLimit::per_second(10).with_margin_permille(0));
        let t0 = Instant::now();
        assert_eq!(limiter.reserve(t0, Duration::ZERO), Ok(Duration::ZERO));
        let ms = |n| Duration::from_millis(n);
        assert_eq!(limiter.reserve(t0, ms(50)), Err(ms(100)));
        assert_eq!(limiter.reserve(t0, ms(100)), Ok(ms(100)));
    }
}
