//! The retry policy: which failures are retried, how long to wait, when to give up.

use std::time::Duration;

use tim_proto::{DecodeError, ErrorClass, Idempotency};
use tim_transport::TransportErrorKind;

use crate::error::Error;

/// When and how a call is retried.
///
/// Retried, with exponential backoff and jitter, until [`max_attempts`](Self::max_attempts)
/// attempts or the [`deadline`](Self::deadline):
///
/// * connection failures (the request was not sent), for every call;
/// * the frequency-limit codes (60007, 60011, 60018, 60019) and HTTP 429, after the longer
///   [`rate_limited_backoff`](Self::rate_limited_backoff), for every call (the service refused
///   the request before doing anything);
/// * timeouts and connections cut after sending, HTTP 502, 503 and 504 (the service's gateways
///   answer 502 with an HTML page), and the transient codes (`ErrorClass::Transient`: 50004,
///   50005, 60008, 60014, 70169, 70202, 70500, ...): the request **may have reached** the
///   service, so only for calls declared [`Idempotency::Idempotent`]
///   ([`tim_proto::ApiRequest::IDEMPOTENCY`]). A call that is not idempotent surfaces such an
///   error at once; [`Error::may_have_reached_the_service`] says so, and the caller decides
///   (for example by reading back before sending again).
///
/// An expired or invalidated UserSig (70001, 70052) is signed again and the call retried once,
/// at once, outside the attempt budget (with a fixed UserSig there is nothing to re-sign and the
/// error surfaces). Everything else surfaces at once, including 70050 ("UserSig verification
/// failed too often"): the documentation asks for a pause of a minute and a corrected UserSig,
/// which no backoff provides.
///
/// Retrying repeats the same request (for `get_list`, the same cursor) with a fresh `random`.
///
/// ```
/// use std::time::Duration;
/// use tim_client::RetryPolicy;
///
/// let mut policy = RetryPolicy::default();
/// policy.max_attempts = 3;
/// policy.deadline = Duration::from_secs(10);
/// assert_eq!(policy.max_attempts, 3);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts per call, the first one included (at least 1). Default 5.
    pub max_attempts: u32,
    /// The backoff before the first retry; it doubles per retry. Default 100 ms.
    pub initial_backoff: Duration,
    /// The backoff before the first retry after a frequency-limit code; it doubles per retry.
    /// Default 1 s (the service counts calls per second).
    pub rate_limited_backoff: Duration,
    /// The longest backoff. Default 10 s.
    pub max_backoff: Duration,
    /// The overall deadline of one call: rate-limit waits, attempts and backoff. Default 60 s.
    pub deadline: Duration,
    /// The longest one attempt may take before it counts as a timeout (and is retried).
    /// Default 30 s; `None` leaves it to the transport.
    pub attempt_timeout: Option<Duration>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(100),
            rate_limited_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(10),
            deadline: Duration::from_secs(60),
            attempt_timeout: Some(Duration::from_secs(30)),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries (a re-sign after an expired UserSig still happens).
    pub fn no_retries() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The wait before retry number `retry` (1 for the first retry): "equal jitter", half the
    /// exponential delay fixed and half drawn from `random`.
    pub(crate) fn backoff(&self, retry: u32, rate_limited: bool, random: u32) -> Duration {
        let base = if rate_limited {
            self.rate_limited_backoff
        } else {
            self.initial_backoff
        };
        let cap = self.max_backoff.max(base);
        let exp = base
            .saturating_mul(1u32 << retry.saturating_sub(1).min(20))
            .min(cap);
        let half = exp / 2;
        let jitter_nanos = (half.as_nanos() * u128::from(random)) / u128::from(u32::MAX);
        half + Duration::from_nanos(u64::try_from(jitter_nanos).unwrap_or(u64::MAX))
    }

    /// What to do about a failed attempt of a call with this idempotency. The one place where
    /// retries are decided ([`Error::is_retryable`] asks [`classify`] too).
    pub(crate) fn decide(&self, error: &Error, idempotency: Idempotency) -> Decision {
        match classify(error) {
            Retry::Never => Decision::Fail,
            Retry::Resign => Decision::Resign,
            Retry::Always { rate_limited } => Decision::Retry { rate_limited },
            Retry::IfIdempotent if idempotency.is_idempotent() => Decision::Retry {
                rate_limited: false,
            },
            Retry::IfIdempotent => Decision::Fail,
        }
    }
}

/// What to do about a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    Retry { rate_limited: bool },
    Resign,
    Fail,
}

/// How a failure may be retried, whatever the call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Retry {
    /// Retrying will not help.
    Never,
    /// The request did not reach the service (or was refused before any work): retry any call.
    Always { rate_limited: bool },
    /// The request may have reached the service: retry only an idempotent call.
    IfIdempotent,
    /// The UserSig was refused: sign a new one and retry once.
    Resign,
}

/// Classifies a failed attempt; see [`RetryPolicy`] for the table.
pub(crate) fn classify(error: &Error) -> Retry {
    match error {
        Error::Transport(e) => match e.kind() {
            TransportErrorKind::Connect => Retry::Always {
                rate_limited: false,
            },
            TransportErrorKind::Timeout | TransportErrorKind::Io => Retry::IfIdempotent,
            _ => Retry::Never,
        },
        Error::Decode(DecodeError::HttpStatus { status, .. }) => match status.as_u16() {
            429 => Retry::Always { rate_limited: true },
            502..=504 => Retry::IfIdempotent,
            _ => Retry::Never,
        },
        Error::Api(e) => match e.code.class() {
            ErrorClass::Transient => Retry::IfIdempotent,
            ErrorClass::RateLimited => Retry::Always { rate_limited: true },
            ErrorClass::Resign => Retry::Resign,
            _ => Retry::Never,
        },
        _ => Retry::Never,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tim_proto::{ApiError, ErrorCode};
    use tim_transport::TransportError;

    fn api(code: i64) -> Error {
        Error::Api(ApiError {
            code: ErrorCode(code),
            info: String::new(),
            display: None,
        })
    }

    #[test]
    fn backoff_doubles_with_bounded_jitter() {
        let p = RetryPolicy::default();
        let ms = Duration::from_millis;
        assert_eq!(p.backoff(1, false, 0), ms(50));
        assert_eq!(p.backoff(1, false, u32::MAX), ms(100));
        assert_eq!(p.backoff(2, false, 0), ms(100));
        assert_eq!(p.backoff(3, false, u32::MAX), ms(400));
        assert_eq!(p.backoff(1, true, 0), ms(500));
        assert_eq!(p.backoff(2, true, u32::MAX), ms(2000));
        // Capped, and no overflow for absurd retry numbers.
        assert_eq!(p.backoff(30, false, u32::MAX), ms(10_000));
        assert_eq!(p.backoff(u32::MAX, true, 0), ms(5_000));
        for r in [1, 7, 1 << 31, u32::MAX - 1] {
            let d = p.backoff(2, false, r);
            assert!(d >= ms(100) && d <= ms(200), "{d:?}");
        }
    }

    #[test]
    fn decisions_follow_the_error_class() {
        let p = RetryPolicy::default();
        let idem = Idempotency::Idempotent;
        let retry = Decision::Retry {
            rate_limited: false,
        };
        assert_eq!(p.decide(&api(50004), idem), retry);
        assert_eq!(p.decide(&api(60008), idem), retry);
        assert_eq!(
            p.decide(&api(60007), idem),
            Decision::Retry { rate_limited: true }
        );
        assert_eq!(p.decide(&api(70001), idem), Decision::Resign);
        assert_eq!(p.decide(&api(70052), idem), Decision::Resign);
        assert_eq!(p.decide(&api(70050), idem), Decision::Fail);
        assert_eq!(p.decide(&api(50001), idem), Decision::Fail);
        assert_eq!(p.decide(&api(123_456), idem), Decision::Fail);
        let io = Error::Transport(TransportError::io(std::io::Error::other("reset")));
        assert_eq!(p.decide(&io, idem), retry);
        let once = Idempotency::NotIdempotent;
        assert_eq!(p.decide(&io, once), Decision::Fail);
        assert_eq!(p.decide(&api(50004), once), Decision::Fail);
        assert_eq!(
            p.decide(&api(60007), once),
            Decision::Retry { rate_limited: true }
        );
        assert_eq!(p.decide(&api(70001), once), Decision::Resign);
        let connect = Error::Transport(TransportError::connect(std::io::Error::other("refused")));
        assert_eq!(p.decide(&connect, once), retry);
        assert!(!connect.may_have_reached_the_service());
        assert!(io.may_have_reached_the_service());
        // `is_retryable` agrees with the decision for an idempotent call.
        for e in [
            &io,
            &connect,
            &api(50004),
            &api(60007),
            &api(70001),
            &api(50001),
        ] {
            assert_eq!(e.is_retryable(), p.decide(e, idem) != Decision::Fail, "{e}");
        }
        let status = |s: u16| {
            Error::Decode(DecodeError::HttpStatus {
                status: http::StatusCode::from_u16(s).expect("valid"),
                excerpt: String::new(),
            })
        };
        assert_eq!(p.decide(&status(502), idem), retry);
        assert_eq!(p.decide(&status(504), idem), retry);
        assert_eq!(p.decide(&status(502), once), Decision::Fail);
        assert_eq!(
            p.decide(&status(429), once),
            Decision::Retry { rate_limited: true }
        );
        assert_eq!(p.decide(&status(500), idem), Decision::Fail);
        assert_eq!(p.decide(&status(404), idem), Decision::Fail);
    }
}
