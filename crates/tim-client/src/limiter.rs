//! The client-side rate limit: a token bucket shared by every clone of a client.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How many calls per second a client may start, counting every attempt (retries included).
///
/// The service allows 200 REST calls per second per app (api-facts §2, codes 60007/60011) and
/// measures it over a sliding second. The limiter enforces two things, both with a safety
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
    interval: Duration,
    /// How far ahead of `now` a slot may be and still be taken at once: `(burst − 1) × interval`.
    tolerance: Duration,
    /// The next free slot.
    next: Mutex<Option<Instant>>,
    /// The most sends within [`WINDOW`].
    cap: usize,
    /// The actual send times within the last [`WINDOW`], oldest first.
    sent: Mutex<VecDeque<Instant>>,
}

/// The window the service counts calls in.
const WINDOW: Duration = Duration::from_secs(1);

impl Limiter {
    pub(crate) fn new(limit: RateLimit) -> Self {
        let interval = limit.interval();
        let cap = limit.max_per_second() as usize;
        Limiter {
            interval,
            tolerance: interval.saturating_mul(limit.burst - 1),
            next: Mutex::new(None),
            cap,
            sent: Mutex::new(VecDeque::with_capacity(cap)),
        }
    }

    /// Reserves a slot: returns how long to wait before sending, or `Err(wait)` without
    /// reserving anything when the wait would be longer than `max_wait`.
    pub(crate) fn reserve(&self, now: Instant, max_wait: Duration) -> Result<Duration, Duration> {
        let mut next = self.next.lock().unwrap_or_else(PoisonError::into_inner);
        let slot = next.map_or(now, |n| n.max(now));
        let wait = slot
            .saturating_duration_since(now)
            .saturating_sub(self.tolerance);
        if wait > max_wait {
            return Err(wait);
        }
        *next = Some(slot + self.interval);
        Ok(wait)
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
