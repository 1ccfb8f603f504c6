//! Credentials, and the UserSig cache shared by every clone of a client.

use std::sync::{Arc, Mutex, PoisonError};

use tim_sig::{Claims, ReusePolicy, SecretKey, UserSig};

/// How the client authenticates as the App admin.
///
/// `Debug` prints the variant only; neither secret ever appears in any output of this crate.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Credentials {
    /// The app's secret key: the client signs the admin's UserSig itself, reuses it until a
    /// safety margin before it expires ([`tim_sig::ReusePolicy`]), and signs a fresh one when
    /// the service reports it expired or invalidated.
    Key(SecretKey),
    /// A UserSig signed elsewhere, used as is. When it expires, calls fail with code 70001.
    UserSig(UserSig),
}

impl From<SecretKey> for Credentials {
    fn from(key: SecretKey) -> Self {
        Credentials::Key(key)
    }
}

impl From<UserSig> for Credentials {
    fn from(usersig: UserSig) -> Self {
        Credentials::UserSig(usersig)
    }
}

/// A UserSig in use, with the generation that lets a failed request invalidate exactly it.
#[derive(Clone, Debug)]
pub(crate) struct CurrentSig {
    pub(crate) sig: Arc<UserSig>,
    pub(crate) generation: u64,
}

#[derive(Debug)]
struct Cached {
    sig: Arc<UserSig>,
    time: u64,
    generation: u64,
}

#[derive(Debug)]
struct State {
    cached: Option<Cached>,
    generation: u64,
}

/// Signs and caches the admin's UserSig. The lock is held only to read or replace the cache
/// (signing takes a few microseconds), never across an `.await`.
#[derive(Debug)]
pub(crate) struct Signer {
    sdk_app_id: u64,
    identifier: String,
    credentials: Credentials,
    lifetime: u64,
    policy: ReusePolicy,
    state: Mutex<State>,
}

impl Signer {
    pub(crate) fn new(
        sdk_app_id: u64,
        identifier: String,
        credentials: Credentials,
        lifetime: u64,
        policy: ReusePolicy,
    ) -> Self {
        Signer {
            sdk_app_id,
            identifier,
            credentials,
            lifetime,
            policy,
            state: Mutex::new(State {
                cached: None,
                generation: 0,
            }),
        }
    }

    /// Whether a new UserSig can be signed (the credentials are a key).
    pub(crate) fn can_resign(&self) -> bool {
        matches!(self.credentials, Credentials::Key(_))
    }

    /// The UserSig to send at `now` (Unix seconds), signing a new one when there is none or the
    /// cached one is within the reuse margin of its expiry.
    pub(crate) fn current(&self, now: u64) -> CurrentSig {
        let key = match &self.credentials {
            Credentials::Key(key) => key,
            Credentials::UserSig(sig) => {
                // Fixed: no cache needed, but an Arc per call is cheaper than cloning the text.
                let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
                let cached = state.cached.get_or_insert_with(|| Cached {
                    sig: Arc::new(sig.clone()),
                    time: 0,
                    generation: 0,
                });
                return CurrentSig {
                    sig: Arc::clone(&cached.sig),
                    generation: cached.generation,
                };
            }
        };
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(c) = &state.cached
            && !self.policy.should_resign(c.time, self.lifetime, now)
        {
            return CurrentSig {
                sig: Arc::clone(&c.sig),
                generation: c.generation,
            };
        }
        state.generation += 1;
        let claims = Claims::new(self.sdk_app_id, self.identifier.clone(), now, self.lifetime);
        let sig = Arc::new(tim_sig::sign(key, &claims));
        let generation = state.generation;
        tracing::debug!(generation, lifetime = self.lifetime, "signed a new UserSig");
        state.cached = Some(Cached {
            sig: Arc::clone(&sig),
            time: now,
            generation,
        });
        CurrentSig { sig, generation }
    }

    /// Drops the cached UserSig if it is still the one of `generation` (another task may have
    /// replaced it already), so that the next call signs a new one.
    pub(crate) fn invalidate(&self, generation: u64) {
        if !self.can_resign() {
            return;
        }
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state
            .cached
            .as_ref()
            .is_some_and(|c| c.generation == generation)
        {
            state.cached = None;
            tracing::debug!(generation, "UserSig invalidated");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer(lifetime: u64) -> Signer {
        Signer::new(
            1400000000,
            "administrator".into(),
            Credentials::Key(SecretKey::new("k")),
            lifetime,
            ReusePolicy::new(60),
        )
    }

    #[test]
    fn reuses_until_the_margin_then_signs_again() {
        let s = signer(1000);
        let a = s.current(10_000);
        let b = s.current(10_000 + 899);
        assert!(Arc::ptr_eq(&a.sig, &b.sig));
        let c = s.current(10_000 + 900); // margin max(60, 100) = 100
        assert!(!Arc::ptr_eq(&a.sig, &c.sig));
        assert!(c.generation > a.generation);
        let claims = tim_sig::dangerous::decode_unverified(c.sig.expose()).expect("decodes");
        assert_eq!(claims.claims.time, 10_900);
    }

    #[test]
    fn invalidation_only_drops_the_failed_generation() {
        let s = signer(86_400);
        let a = s.current(1);
        s.invalidate(a.generation);
        let b = s.current(2);
        assert_ne!(a.generation, b.generation);
        // A late report about `a` must not drop `b`.
        s.invalidate(a.generation);
        let c = s.current(3);
        assert_eq!(b.generation, c.generation);
    }

    #[test]
    fn a_fixed_usersig_is_never_replaced() {
        let fixed = UserSig::from_string("fixed-token".into());
        let s = Signer::new(
            1,
            "admin".into(),
            Credentials::UserSig(fixed),
            86_400,
            ReusePolicy::default(),
        );
        assert!(!s.can_resign());
        let a = s.current(1);
        s.invalidate(a.generation);
        assert_eq!(s.current(u64::MAX).sig.expose(), "fixed-token");
        assert_eq!(
            format!("{:?}", s.credentials),
            "UserSig(UserSig([redacted]))"
        );
    }
}
