//! When to sign again: a pure rule, no clock.

use crate::sign::Claims;

/// Decides when a cached UserSig must be signed again, before it expires.
///
/// A token of lifetime `expire` is reused until `effective_margin(expire)` seconds before it
/// expires, where the effective margin is the larger of [`ReusePolicy::margin`] and a tenth of
/// the lifetime, capped at half the lifetime (so a short-lived token is still reused for half
/// its life instead of being signed on every call). With the default one-hour margin:
///
/// | lifetime | effective margin | re-signed after |
/// |---|---|---|
/// | 180 days (official default) | 18 days | 162 days |
/// | 24 hours | 2.4 hours | 21.6 hours |
/// | 2 hours | 1 hour | 1 hour |
/// | 5 minutes | 150 s | 150 s |
///
/// The margin absorbs clock skew between this host and the service, requests queued or retried
/// with a URL built earlier, and slow calls; signing costs under a microsecond, so
/// re-signing early is free. A token whose `time` is later than `now` (the local clock went
/// backwards) is also signed again.
///
/// ```
/// use tim_sig::ReusePolicy;
/// let policy = ReusePolicy::default();
/// let (time, expire) = (1_700_000_000, 86_400);
/// assert!(!policy.should_resign(time, expire, time + 3_600));
/// assert!(policy.should_resign(time, expire, time + 86_400 - 8_640)); // within 10 %
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ReusePolicy {
    /// The smallest safety margin before expiry, in seconds.
    pub margin: u64,
}

impl ReusePolicy {
    /// The default [`ReusePolicy::margin`]: one hour.
    pub const DEFAULT_MARGIN: u64 = 3_600;

    /// A policy with the given minimum margin, in seconds.
    pub const fn new(margin: u64) -> Self {
        Self { margin }
    }

    /// The margin applied to a token of lifetime `expire`:
    /// `min(max(margin, expire / 10), expire / 2)`.
    pub fn effective_margin(&self, expire: u64) -> u64 {
        self.margin.max(expire / 10).min(expire / 2)
    }

    /// The first second at which a token signed at `time` for `expire` seconds should be
    /// replaced.
    pub fn resign_at(&self, time: u64, expire: u64) -> u64 {
        time.saturating_add(expire - self.effective_margin(expire))
    }

    /// Whether a token signed at `claims_time` for `expire` seconds should be signed again at
    /// `now` (Unix seconds).
    pub fn should_resign(&self, claims_time: u64, expire: u64, now: u64) -> bool {
        now < claims_time || now >= self.resign_at(claims_time, expire)
    }

    /// [`ReusePolicy::should_resign`] for a token's claims.
    pub fn should_resign_claims(&self, claims: &Claims, now: u64) -> bool {
        self.should_resign(claims.time, claims.expire, now)
    }
}

impl Default for ReusePolicy {
    fn default() -> Self {
        Self::new(Self::DEFAULT_MARGIN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_in_the_docs_holds() {
        let p = ReusePolicy::default();
        let day = 86_400;
        assert_eq!(p.effective_margin(180 * day), 18 * day);
        assert_eq!(p.effective_margin(day), 8_640);
        assert_eq!(p.effective_margin(2 * 3_600), 3_600);
        assert_eq!(p.effective_margin(300), 150);
        assert_eq!(p.effective_margin(0), 0);
    }

    #[test]
    fn boundaries() {
        let p = ReusePolicy::new(100);
        // lifetime 1000: margin max(100, 100) = 100 → re-sign from t + 900.
        assert!(!p.should_resign(10, 1_000, 10));
        assert!(!p.should_resign(10, 1_000, 909));
        assert!(p.should_resign(10, 1_000, 910));
        assert!(p.should_resign(10, 1_000, 5_000));
        assert!(p.should_resign(10, 1_000, 9)); // clock went backwards
        assert!(p.should_resign(10, 0, 10)); // a zero lifetime is never reused
        // No overflow at the top of the range.
        assert!(!p.should_resign(u64::MAX - 5, u64::MAX, u64::MAX - 1));
    }
}
