//! Time and randomness, injectable so tests need no real waiting: [`Clock`] and [`Random`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A boxed, `Send` future that completes after a delay; what [`Clock::sleep`] returns.
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// Where the client gets the time from and how it waits.
///
/// The three methods must agree: a fake clock whose [`sleep`](Clock::sleep) returns at once
/// should advance the time [`now`](Clock::now) reports by the duration slept, so that the
/// backoff, the rate limiter and the deadline all see the same time.
///
/// [`SystemClock`] is the default.
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// Seconds since the Unix epoch: the signing time of a UserSig.
    fn unix_time(&self) -> u64;
    /// A monotonic instant: deadlines, backoff and the rate limiter.
    fn now(&self) -> Instant;
    /// A future that completes `duration` after it is created.
    fn sleep(&self, duration: Duration) -> Sleep;
}

/// The system clock, with timers from [`async_io::Timer`].
///
/// `async-io`'s timers run on any executor (tokio, async-std, smol, a plain `block_on`): when no
/// `async-io` reactor is being driven by the current thread, a helper thread drives it. That is
/// what makes the client runtime-agnostic; `futures-timer` would do too, but `async-io` is
/// already in the dependency graph of the emulator and the surf/isahc stacks, and smol users get
/// its timers driven by their own reactor.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn unix_time(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }

    fn now(&self) -> Instant {
        Instant::now()
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        Box::pin(async move {
            if !duration.is_zero() {
                async_io::Timer::after(duration).await;
            }
        })
    }
}

/// Where the per-request `random` query value and the backoff jitter come from.
///
/// [`FastRandom`] is the default.
pub trait Random: Send + Sync + fmt::Debug + 'static {
    /// A uniformly distributed `u32`.
    fn next_u32(&self) -> u32;
}

/// [`fastrand`]'s thread-local generator (not cryptographic; `random` only tells requests apart).
#[derive(Clone, Copy, Debug, Default)]
pub struct FastRandom;

impl Random for FastRandom {
    fn next_u32(&self) -> u32 {
        fastrand::u32(..)
    }
}
