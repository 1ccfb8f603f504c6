//! The rate-limit arithmetic: one generic cell rate algorithm (GCRA) reservation, in integer
//! microseconds, shared by every limiter of the toolkit.
//!
//! A limit is kept as one number per bucket, the *theoretical arrival time* (TAT): the earliest
//! time the next call may go if calls are spaced exactly `interval` apart. A caller *reserves*
//! the next slot: it learns how long to wait, and the TAT moves one interval on. Nobody polls and
//! waiters are served in order.
//!
//! [`gcra_reserve`] is the whole algorithm. `tim-client`'s local limiter calls it under a lock,
//! `tim-limiter-redis` runs a line-for-line Lua translation of it inside Redis (property-tested
//! against this function through a real server), and the emulator can judge a caller with it.
//! It reads no clock: `now` is an argument.
//!
//! ```
//! use tim_proto::rate::{Gcra, Reservation, gcra_reserve};
//!
//! // 100 calls/s (10 ms apart), no burst.
//! let gcra = Gcra::new(10_000, 0);
//! let first = gcra.reserve(None, 1_000_000, u64::MAX).unwrap();
//! assert_eq!(first, Reservation { wait_us: 0, new_tat_us: 1_010_000 });
//! // A second caller at the same instant waits one interval.
//! let second = gcra_reserve(Some(first.new_tat_us), 1_000_000, 10_000, 0, u64::MAX).unwrap();
//! assert_eq!(second.wait_us, 10_000);
//! // One that cannot wait that long is refused and takes nothing.
//! let refused = gcra.reserve(Some(second.new_tat_us), 1_000_000, 5_000).unwrap_err();
//! assert_eq!(refused.wait_us, 20_000);
//! ```
//!
//! # Domain
//!
//! Every input and output is an integer number of microseconds. The Lua translation computes
//! in doubles, which are exact below 2⁵³ µs (285 years), so the two agree whenever all inputs
//! and `tat + interval` stay below [`MAX_EXACT_US`] (a Unix time in µs is about 1.8 × 10¹⁵).
//! The Rust function saturates instead of overflowing outside that range.

/// The largest microsecond value on which the Rust arithmetic and its Lua translation (which
/// counts in doubles) are guaranteed to agree: 2⁵³ − 1.
pub const MAX_EXACT_US: u64 = (1 << 53) - 1;

/// A granted slot: wait `wait_us`, then send; the bucket's TAT becomes `new_tat_us`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Reservation {
    /// How long the caller waits before sending, in µs (0: send now).
    pub wait_us: u64,
    /// The bucket's new theoretical arrival time, in µs on the same clock as `now_us`.
    pub new_tat_us: u64,
}

/// A refused reservation: the slot is `wait_us` away, beyond the caller's `max_wait_us`.
/// Nothing was reserved; the TAT is unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Refusal {
    /// How long the caller would have had to wait, in µs.
    pub wait_us: u64,
}

/// Reserves the next slot of a GCRA bucket.
///
/// * `tat_us`: the bucket's theoretical arrival time (`None`: a fresh or expired bucket);
/// * `now_us`: the current time on the bucket's clock;
/// * `interval_us`: the emission interval, `1 s / rate`;
/// * `tolerance_us`: how far ahead of `now` a slot may be and still be taken at once:
///   `(burst − 1) × interval`;
/// * `max_wait_us`: the longest wait the caller accepts.
///
/// The slot is `max(tat, now)`; the wait is `slot − now − tolerance` (at least 0). A wait
/// beyond `max_wait_us` is a [`Refusal`] that changes nothing; otherwise the new TAT is
/// `slot + interval`.
///
/// So in any window of length `W` at most `burst + W / interval` slots begin (the GCRA bound).
pub fn gcra_reserve(
    tat_us: Option<u64>,
    now_us: u64,
    interval_us: u64,
    tolerance_us: u64,
    max_wait_us: u64,
) -> Result<Reservation, Refusal> {
    let slot = tat_us.map_or(now_us, |tat| tat.max(now_us));
    let wait_us = (slot - now_us).saturating_sub(tolerance_us);
    if wait_us > max_wait_us {
        return Err(Refusal { wait_us });
    }
    Ok(Reservation {
        wait_us,
        new_tat_us: slot.saturating_add(interval_us),
    })
}

/// The parameters of one GCRA bucket, in µs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Gcra {
    /// The emission interval, `1 s / rate` (at least 1 µs).
    pub interval_us: u64,
    /// `(burst − 1) × interval`.
    pub tolerance_us: u64,
}

impl Gcra {
    /// A bucket with slots `interval_us` apart and a tolerance of `tolerance_us`.
    pub const fn new(interval_us: u64, tolerance_us: u64) -> Self {
        Gcra {
            interval_us: if interval_us == 0 { 1 } else { interval_us },
            tolerance_us,
        }
    }

    /// A bucket of `calls_per_second` (at least 1) with bursts of `burst` (at least 1) calls,
    /// the interval rounded *up* to a whole µs so that the rate never exceeds the one asked.
    ///
    /// ```
    /// use tim_proto::rate::Gcra;
    ///
    /// assert_eq!(Gcra::per_second(200, 1), Gcra::new(5_000, 0));
    /// assert_eq!(Gcra::per_second(196, 3), Gcra::new(5_103, 10_206));
    /// ```
    pub fn per_second(calls_per_second: u32, burst: u32) -> Self {
        let rate = u64::from(calls_per_second.max(1));
        let interval_us = 1_000_000u64.div_ceil(rate);
        Gcra::new(
            interval_us,
            interval_us.saturating_mul(u64::from(burst.max(1) - 1)),
        )
    }

    /// [`gcra_reserve`] with this bucket's parameters.
    pub fn reserve(
        &self,
        tat_us: Option<u64>,
        now_us: u64,
        max_wait_us: u64,
    ) -> Result<Reservation, Refusal> {
        gcra_reserve(
            tat_us,
            now_us,
            self.interval_us,
            self.tolerance_us,
            max_wait_us,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_spaced_and_bursts_tolerated() {
        let gcra = Gcra::new(10, 20); // burst of 3
        let mut tat = None;
        let mut waits = Vec::new();
        for _ in 0..5 {
            let r = gcra.reserve(tat, 100, u64::MAX).unwrap();
            waits.push(r.wait_us);
            tat = Some(r.new_tat_us);
        }
        assert_eq!(waits, [0, 0, 0, 10, 20]);
        assert_eq!(tat, Some(150));
        // Time passing shortens the queue; a long pause gives no credit beyond the burst.
        assert_eq!(gcra.reserve(tat, 145, u64::MAX).unwrap().wait_us, 0);
        let r = gcra.reserve(tat, 10_000, u64::MAX).unwrap();
        assert_eq!(
            r,
            Reservation {
                wait_us: 0,
                new_tat_us: 10_010
            }
        );
    }

    #[test]
    fn a_refusal_reports_the_wait_and_an_exact_fit_is_granted() {
        assert_eq!(
            gcra_reserve(Some(200), 100, 10, 0, 99),
            Err(Refusal { wait_us: 100 })
        );
        assert_eq!(
            gcra_reserve(Some(200), 100, 10, 0, 100),
            Ok(Reservation {
                wait_us: 100,
                new_tat_us: 210
            })
        );
    }

    #[test]
    fn a_tat_in_the_past_is_a_fresh_bucket() {
        assert_eq!(
            gcra_reserve(Some(5), 100, 10, 0, 0),
            gcra_reserve(None, 100, 10, 0, 0)
        );
    }

    #[test]
    fn saturates_instead_of_overflowing() {
        let r = gcra_reserve(Some(u64::MAX), 0, u64::MAX, u64::MAX, u64::MAX).unwrap();
        assert_eq!(
            r,
            Reservation {
                wait_us: 0,
                new_tat_us: u64::MAX
            }
        );
    }

    #[test]
    fn per_second_rounds_the_interval_up() {
        assert_eq!(Gcra::per_second(0, 0), Gcra::new(1_000_000, 0));
        assert_eq!(Gcra::per_second(3, 1).interval_us, 333_334);
        assert_eq!(Gcra::per_second(u32::MAX, 1).interval_us, 1);
    }
}
