//! Reachability: the per-client circuit that fails calls fast when the service cannot be
//! connected to at all ([`CircuitPolicy`]), and regional failover to a backup domain.
//!
//! Both look only at [`TransportErrorKind::Connect`](tim_transport::TransportErrorKind::Connect)
//! failures (refused connections, DNS and TLS failures): the request never reached the service,
//! so switching hosts or failing fast is safe for every call, idempotent or not. Any HTTP
//! response, even an error page, and any failure after a connection was made proves the host
//! reachable.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use tim_proto::BaseUrl;

/// The default time calls stay on a backup domain before the primary is tried again: 5 minutes.
pub const DEFAULT_FAILBACK_AFTER: Duration = Duration::from_secs(300);

/// When the client stops trying to connect and fails calls at once with
/// [`Error::Unreachable`](crate::Error::Unreachable).
///
/// The circuit is shared by every clone of a client and counts connection failures
/// ([`TransportErrorKind::Connect`](tim_transport::TransportErrorKind::Connect): refused, DNS,
/// TLS) of **all** calls. It opens when [`threshold`](Self::threshold) of them come in a row
/// with no response in between, or when failures have come for [`window`](Self::window) with no
/// response. While it is open, calls fail at once without sending anything; after
/// [`cool_down`](Self::cool_down), one call is let through as a probe: a response closes the
/// circuit, another connection failure opens it for another cool-down. Timeouts, connections
/// cut after they were made and error answers are retried as before, and any response resets
/// the count: transient faults mixed with successes never open it.
///
/// ```
/// use std::time::Duration;
/// use tim_client::CircuitPolicy;
///
/// let mut circuit = CircuitPolicy::default();
/// circuit.threshold = 4;
/// circuit.cool_down = Duration::from_secs(2);
/// assert!(CircuitPolicy::disabled().threshold == 0);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CircuitPolicy {
    /// Connection failures in a row (across all calls, no response in between) that open the
    /// circuit; 0 disables it. Default 8.
    pub threshold: u32,
    /// A run of at least two connection failures with no response for this long opens the
    /// circuit too, however few they were. Default 10 s.
    pub window: Duration,
    /// How long the circuit stays open before a probe is let through. Default 5 s.
    pub cool_down: Duration,
}

impl Default for CircuitPolicy {
    fn default() -> Self {
        CircuitPolicy {
            threshold: 8,
            window: Duration::from_secs(10),
            cool_down: Duration::from_secs(5),
        }
    }
}

impl CircuitPolicy {
    /// Never fail fast: every call uses its own retries, as before the circuit existed.
    pub fn disabled() -> Self {
        CircuitPolicy {
            threshold: 0,
            ..CircuitPolicy::default()
        }
    }

    fn enabled(&self) -> bool {
        self.threshold > 0
    }
}

#[derive(Debug, Default)]
struct CircuitState {
    /// Connection failures since the last response.
    failures: u32,
    /// When the first of them happened.
    since: Option<Instant>,
    /// While open: when the next probe may go.
    open_until: Option<Instant>,
}

/// The circuit of one client.
#[derive(Debug)]
pub(crate) struct Circuit {
    policy: CircuitPolicy,
    state: Mutex<CircuitState>,
}

/// The circuit is open: fail the call at once.
#[derive(Debug)]
pub(crate) struct Open {
    pub(crate) failures: u32,
}

impl Circuit {
    pub(crate) fn new(policy: CircuitPolicy) -> Self {
        Circuit {
            policy,
            state: Mutex::new(CircuitState::default()),
        }
    }

    pub(crate) fn policy(&self) -> &CircuitPolicy {
        &self.policy
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CircuitState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// May an attempt go now? When the cool-down has passed, this attempt is the probe, and the
    /// others keep failing fast for another cool-down (or until the probe gets a response).
    pub(crate) fn admit(&self, now: Instant) -> Result<(), Open> {
        if !self.policy.enabled() {
            return Ok(());
        }
        let mut s = self.lock();
        match s.open_until {
            None => Ok(()),
            Some(until) if now < until => Err(Open {
                failures: s.failures,
            }),
            Some(_) => {
                tracing::debug!(failures = s.failures, "circuit half-open: probing");
                s.open_until = now.checked_add(self.policy.cool_down);
                Ok(())
            }
        }
    }

    /// A connection failure; `Err` when the circuit is (now) open.
    pub(crate) fn connect_failed(&self, now: Instant) -> Result<(), Open> {
        if !self.policy.enabled() {
            return Ok(());
        }
        let mut s = self.lock();
        s.failures = s.failures.saturating_add(1);
        let since = *s.since.get_or_insert(now);
        let long = s.failures >= 2 && now.saturating_duration_since(since) >= self.policy.window;
        if s.open_until.is_some() || s.failures >= self.policy.threshold || long {
            if s.open_until.is_none() {
                tracing::debug!(
                    failures = s.failures,
                    "circuit open: the service is unreachable"
                );
            }
            s.open_until = now.checked_add(self.policy.cool_down);
            return Err(Open {
                failures: s.failures,
            });
        }
        Ok(())
    }

    /// A response (or a connection that was made): the service is reachable.
    pub(crate) fn reached(&self) {
        if !self.policy.enabled() {
            return;
        }
        let mut s = self.lock();
        if s.open_until.is_some() {
            tracing::debug!("circuit closed: the service answered");
        }
        *s = CircuitState::default();
    }
}

/// The primary base URL, the backup one (if any), and which one calls go to.
#[derive(Debug)]
pub(crate) struct Endpoints {
    pub(crate) primary: BaseUrl,
    pub(crate) backup: Option<BaseUrl>,
    pub(crate) failback_after: Duration,
    /// Since when calls go to the backup.
    on_backup_since: Mutex<Option<Instant>>,
}

impl Endpoints {
    pub(crate) fn new(primary: BaseUrl, backup: Option<BaseUrl>, failback_after: Duration) -> Self {
        Endpoints {
            primary,
            backup,
            failback_after,
            on_backup_since: Mutex::new(None),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        self.on_backup_since
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Where the next attempt goes: `(base, is_backup)`. Back to the primary once the backup has
    /// been used for `failback_after`.
    pub(crate) fn pick(&self, now: Instant) -> (&BaseUrl, bool) {
        let Some(backup) = &self.backup else {
            return (&self.primary, false);
        };
        let mut since = self.lock();
        match *since {
            Some(t) if now.saturating_duration_since(t) < self.failback_after => (backup, true),
            Some(_) => {
                tracing::debug!(primary = %self.primary, "failing back to the primary domain");
                *since = None;
                (&self.primary, false)
            }
            None => (&self.primary, false),
        }
    }

    /// A connection failure at the primary (`on_backup == false`) or the backup. Returns whether
    /// the next attempt should go at once to the other domain (the backup, after the primary
    /// failed); after the backup failed, calls go back to the primary, after the usual backoff.
    pub(crate) fn connect_failed(&self, on_backup: bool, now: Instant) -> bool {
        let Some(backup) = &self.backup else {
            return false;
        };
        let mut since = self.lock();
        if on_backup {
            *since = None;
            false
        } else {
            if since.is_none() {
                tracing::debug!(backup = %backup, "cannot connect to the primary domain; failing over");
                *since = Some(now);
            }
            true
        }
    }

    /// The host (and port) of the primary, for messages: no scheme, path or user information.
    pub(crate) fn primary_host(&self) -> String {
        host_of(&self.primary)
    }

    /// The backup's host, for messages.
    pub(crate) fn backup_host(&self) -> Option<String> {
        self.backup.as_ref().map(host_of)
    }
}

/// `host[:port]` of a base URL (user information dropped, and the rest redacted anyway).
pub(crate) fn host_of(base: &BaseUrl) -> String {
    let text = base.as_str();
    let rest = text.split_once("://").map_or(text, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    tim_redact::redact(host).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_circuit_opens_after_the_threshold_and_probes_after_the_cool_down() {
        let c = Circuit::new(CircuitPolicy {
            threshold: 3,
            window: Duration::from_secs(60),
            cool_down: Duration::from_secs(5),
        });
        let t0 = Instant::now();
        assert!(c.connect_failed(t0).is_ok());
        assert!(c.connect_failed(t0).is_ok());
        c.reached(); // a response resets the count
        assert!(c.connect_failed(t0).is_ok());
        assert!(c.connect_failed(t0).is_ok());
        assert_eq!(c.connect_failed(t0).map_err(|o| o.failures).err(), Some(3));
        assert!(c.admit(t0 + Duration::from_secs(4)).is_err());
        // The probe goes; the others still fail fast.
        assert!(c.admit(t0 + Duration::from_secs(5)).is_ok());
        assert!(c.admit(t0 + Duration::from_secs(6)).is_err());
        // The probe fails: open again.
        assert!(c.connect_failed(t0 + Duration::from_secs(6)).is_err());
        assert!(c.admit(t0 + Duration::from_secs(10)).is_err());
        assert!(c.admit(t0 + Duration::from_secs(11)).is_ok());
        c.reached();
        assert!(c.admit(t0 + Duration::from_secs(11)).is_ok());
        assert!(c.connect_failed(t0 + Duration::from_secs(11)).is_ok());
    }

    #[test]
    fn a_long_run_of_failures_opens_it_too_and_disabled_never_opens() {
        let c = Circuit::new(CircuitPolicy::default());
        let t0 = Instant::now();
        assert!(c.connect_failed(t0).is_ok());
        assert!(c.connect_failed(t0 + Duration::from_secs(10)).is_err());
        let off = Circuit::new(CircuitPolicy::disabled());
        for _ in 0..100 {
            assert!(off.connect_failed(t0).is_ok());
        }
        assert!(off.admit(t0).is_ok());
    }

    #[test]
    fn failover_goes_to_the_backup_and_back_after_a_while() {
        let primary = BaseUrl::custom("https://user:pw@primary.example:8443/tim").expect("valid");
        let backup = BaseUrl::custom("https://backup.example").expect("valid");
        let e = Endpoints::new(primary, Some(backup), Duration::from_secs(60));
        assert_eq!(e.primary_host(), "primary.example:8443");
        assert_eq!(e.backup_host().as_deref(), Some("backup.example"));
        let t0 = Instant::now();
        assert!(!e.pick(t0).1);
        assert!(e.connect_failed(false, t0));
        assert!(e.pick(t0 + Duration::from_secs(59)).1);
        assert!(!e.pick(t0 + Duration::from_secs(60)).1);
        // The backup failing sends calls back to the primary.
        assert!(e.connect_failed(false, t0));
        assert!(!e.connect_failed(true, t0));
        assert!(!e.pick(t0).1);
        let single = Endpoints::new(
            BaseUrl::custom("http://h").expect("valid"),
            None,
            Duration::ZERO,
        );
        assert!(!single.connect_failed(false, t0));
    }
}
