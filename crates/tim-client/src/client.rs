//! [`Client`], its builder, and the generic call with retries.

use std::fmt;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tim_proto::{
    ApiError, ApiPath, ApiRequest, ApiResponse, BaseUrl, DecodeError, Envelope, Idempotency,
    QueryParams, RateBucket, Region,
};
use tim_sig::{ReusePolicy, SecretKey, UserSig};
use tim_transport::{Bytes, Transport, TransportError};
use tracing::Instrument;

use crate::clock::{Clock, FastRandom, Random, Sleep, SystemClock};
use crate::credentials::{Credentials, Signer};
use crate::error::{BuildError, Error};
use crate::limiter::{LocalLimiter, RateKey, RateLimit, RateLimitError, RateLimiter};
use crate::reach::{Circuit, CircuitPolicy, DEFAULT_FAILBACK_AFTER, Endpoints};
use crate::retry::{Decision, RetryPolicy};

/// The default admin identifier.
pub const DEFAULT_ADMIN: &str = "administrator";

/// The default lifetime of the UserSigs the client signs: one day (the documentation advises
/// at least 24 hours). The client re-signs well before expiry ([`tim_sig::ReusePolicy`]).
pub const DEFAULT_USERSIG_LIFETIME: u64 = 86_400;

/// A client of the IM REST API over any [`Transport`].
///
/// Cloning is cheap (one `Arc`) and every clone shares the transport, the cached UserSig and
/// the rate limiter, so any number of tasks and streams can use one client and stay under
/// the limit together. Build one with [`Client::builder`].
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    transport: Arc<dyn Transport>,
    endpoints: Endpoints,
    circuit: Circuit,
    sdk_app_id: u64,
    identifier: String,
    signer: Signer,
    pub(crate) clock: Arc<dyn Clock>,
    random: Arc<dyn Random>,
    limiter: Option<Arc<dyn RateLimiter>>,
    rate_limit: Option<RateLimit>,
    retry: RetryPolicy,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &*self.inner;
        f.debug_struct("Client")
            .field("base", &i.endpoints.primary)
            .field("backup", &i.endpoints.backup)
            .field("circuit", i.circuit.policy())
            .field("sdk_app_id", &i.sdk_app_id)
            .field("identifier", &i.identifier)
            .field("can_sign", &i.signer.can_resign())
            .field("transport", &i.transport)
            .field("limiter", &i.limiter)
            .field("retry", &i.retry)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A builder; see [`ClientBuilder`] for what is required.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The (primary) base URL calls go to.
    pub fn base_url(&self) -> &BaseUrl {
        &self.inner.endpoints.primary
    }

    /// The backup base URL calls fail over to when the primary cannot be connected to (by
    /// default a region's backup domain, see [`ClientBuilder::region`]).
    pub fn backup_url(&self) -> Option<&BaseUrl> {
        self.inner.endpoints.backup.as_ref()
    }

    /// How long calls stay on the backup before the primary is tried again.
    pub fn failback_after(&self) -> Duration {
        self.inner.endpoints.failback_after
    }

    /// When calls fail fast because the service cannot be reached ([`Error::Unreachable`]).
    pub fn circuit_policy(&self) -> &CircuitPolicy {
        self.inner.circuit.policy()
    }

    /// The SDKAppID.
    pub fn sdk_app_id(&self) -> u64 {
        self.inner.sdk_app_id
    }

    /// The admin identifier calls are made as.
    pub fn identifier(&self) -> &str {
        &self.inner.identifier
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// The local rate limit set with [`ClientBuilder::rate_limit`], if one was (by default each
    /// API runs at its documented rate; see [`LocalLimiter`]).
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.inner.rate_limit
    }

    /// The rate limiter, unless rate limiting is off.
    pub fn rate_limiter(&self) -> Option<&Arc<dyn RateLimiter>> {
        self.inner.limiter.as_ref()
    }

    /// Calls any API of `tim-proto` (or one of your own [`ApiRequest`]s) with retries, the rate
    /// limit and the cached UserSig, and returns the decoded answer.
    ///
    /// ```no_run
    /// # async fn run(client: tim_client::Client) -> Result<(), tim_client::Error> {
    /// use tim_proto::recent_contact::{DeleteRequest, DeleteTarget};
    ///
    /// let request = DeleteRequest {
    ///     from_account: "alice".into(),
    ///     target: DeleteTarget::C2c("bob".into()),
    ///     clear_ramble: None,
    /// };
    /// client.call(&request).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// See [`Error`]: a permanent failure surfaces at once; a retryable one after the attempts
    /// or the deadline of the [`RetryPolicy`] are used up.
    pub async fn call<R: ApiRequest + Sync>(&self, request: &R) -> Result<R::Response, Error> {
        let call = CallSpec {
            path: R::PATH,
            idempotency: R::IDEMPOTENCY,
            rate: R::RATE,
        };
        self.execute(call, request, decode::<R>)
            .instrument(call_span(R::PATH))
            .await
    }

    /// Calls any API by its path with a JSON body, through the same loop as [`call`](Self::call)
    /// (signing, the rate limit, retries), and returns the answer as JSON. For calls that have no
    /// [`ApiRequest`] type, such as `tim api`'s; prefer a typed request where there is one.
    ///
    /// `idempotency` decides, as a typed call's `IDEMPOTENCY` does, whether the call is re-sent
    /// after a failure that may have reached the service: say
    /// [`Idempotency::NotIdempotent`] unless you know better. The call draws from its own
    /// path's rate bucket at the documented 200 calls per second ([`RateBucket::of`]).
    ///
    /// ```no_run
    /// # async fn run(client: tim_client::Client) -> Result<(), tim_client::Error> {
    /// use tim_client::{ApiPath, Idempotency};
    ///
    /// let body = serde_json::json!({"From_Account": "alice", "TimeStamp": 0, "StartIndex": 0,
    ///     "TopTimeStamp": 0, "TopStartIndex": 0, "AssistFlags": 7});
    /// let answer = client
    ///     .call_raw(ApiPath::new("recentcontact", "get_list"), &body, Idempotency::Idempotent)
    ///     .await?;
    /// println!("{}", answer["CompleteFlag"]);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As [`call`](Self::call). An answer whose envelope reports an error (`ActionStatus` not
    /// `OK`, or a non-zero `ErrorCode`) is [`Error::Api`]; an answer that is not JSON is
    /// [`Error::Decode`].
    pub async fn call_raw(
        &self,
        path: ApiPath,
        body: &serde_json::Value,
        idempotency: Idempotency,
    ) -> Result<serde_json::Value, Error> {
        let call = CallSpec {
            path,
            idempotency,
            rate: RateBucket::of(path),
        };
        self.execute(call, body, decode_raw)
            .instrument(call_span(path))
            .await
    }

    /// The one call loop, typed and raw calls alike: rate limit, attempts, re-signing, retries.
    async fn execute<B: Serialize + Sync + ?Sized, T>(
        &self,
        call: CallSpec,
        body: &B,
        decode: Decoder<T>,
    ) -> Result<T, Error> {
        let inner = &*self.inner;
        let policy = &inner.retry;
        let max_attempts = policy.max_attempts.max(1);
        let start = inner.clock.now();
        let deadline = start.checked_add(policy.deadline);
        // The span's `attempts` and `code` are recorded once, when the call ends: a subscriber
        // such as tracing-subscriber's fmt appends every `record`, so recording per attempt
        // would pile them up (`attempts=1 code=60007 attempts=2 code=60007 …`).
        let mut outcome = Outcome {
            span: tracing::Span::current(),
            attempts: 0,
            code: None,
        };
        let mut attempts = 0u32;
        let mut retries = 0u32;
        let mut resigned = false;
        loop {
            let left = remaining(inner.clock.now(), deadline);
            if left.is_zero() {
                return Err(timeout(policy.deadline, attempts, None));
            }
            if let Err(open) = inner.circuit.admit(inner.clock.now()) {
                return Err(self.unreachable(open.failures, None));
            }
            if let Some(limiter) = &inner.limiter {
                let key = RateKey {
                    sdk_app_id: inner.sdk_app_id,
                    bucket: call.rate,
                };
                match limiter.acquire(key, left).await {
                    Ok(()) => {}
                    Err(RateLimitError::WaitTooLong { wait }) => {
                        tracing::debug!(?wait, "the rate limiter's wait exceeds the deadline");
                        return Err(timeout(policy.deadline, attempts, None));
                    }
                    Err(e) => return Err(Error::RateLimit(e)),
                }
            }
            attempts += 1;
            outcome.attempts = attempts;
            let (base, on_backup) = inner.endpoints.pick(inner.clock.now());
            let result = self
                .attempt(call.path, body, decode, base, deadline)
                .instrument(tracing::trace_span!(
                    "attempt",
                    n = attempts,
                    backup = on_backup
                ))
                .await;
            // Anything but a connection failure (or a timeout, which proves nothing) means the
            // host was reached.
            let mut fail_over = false;
            let mut open = None;
            match &result {
                Err(AttemptError::Failed { error, .. }) if is_connect(error) => {
                    let now = inner.clock.now();
                    fail_over = inner.endpoints.connect_failed(on_backup, now);
                    open = inner.circuit.connect_failed(now).err();
                }
                Err(AttemptError::Deadline(_)) => {}
                Err(AttemptError::Failed { error, .. })
                    if error
                        .transport_error()
                        .is_some_and(TransportError::is_timeout) => {}
                _ => inner.circuit.reached(),
            }
            match result {
                Ok(response) => return Ok(response),
                Err(AttemptError::Failed { error, .. }) if open.is_some() => {
                    let failures = open.map_or(0, |o| o.failures);
                    return Err(self.unreachable(failures, Some(error)));
                }
                Err(AttemptError::Deadline(last)) => {
                    return Err(timeout(policy.deadline, attempts, last.map(Box::new)));
                }
                Err(AttemptError::Failed { error, generation }) => {
                    if let Some(code) = error.api_code() {
                        outcome.code = Some(code.get());
                    }
                    match policy.decide(&error, call.idempotency) {
                        Decision::Fail => {
                            tracing::debug!(error = %error, "attempt failed; not retried");
                            return Err(error);
                        }
                        Decision::Resign if resigned || !inner.signer.can_resign() => {
                            tracing::debug!(error = %error, "UserSig refused again; giving up");
                            return Err(error);
                        }
                        Decision::Resign => {
                            tracing::debug!(error = %error, "UserSig refused; signing a new one");
                            inner.signer.invalidate(generation);
                            resigned = true;
                            // The re-sign retry is outside the attempt budget.
                            continue;
                        }
                        Decision::Retry { rate_limited } => {
                            retries += 1;
                            if retries >= max_attempts {
                                tracing::debug!(error = %error, attempts, "attempts used up");
                                return Err(error);
                            }
                            if fail_over {
                                // The request was never sent: the backup gets it at once.
                                tracing::debug!(error = %error, "trying the backup domain");
                                continue;
                            }
                            let backoff =
                                policy.backoff(retries, rate_limited, inner.random.next_u32());
                            if backoff >= remaining(inner.clock.now(), deadline) {
                                tracing::debug!(error = %error, ?backoff, "no time left to retry");
                                return Err(timeout(
                                    policy.deadline,
                                    attempts,
                                    Some(Box::new(error)),
                                ));
                            }
                            tracing::debug!(error = %error, ?backoff, "attempt failed; retrying");
                            inner.clock.sleep(backoff).await;
                        }
                    }
                }
            }
        }
    }

    /// One attempt: sign (or reuse), encode with a fresh `random`, send, decode.
    async fn attempt<B: Serialize + Sync + ?Sized, T>(
        &self,
        path: ApiPath,
        body: &B,
        decode: Decoder<T>,
        base: &BaseUrl,
        deadline: Option<Instant>,
    ) -> Result<T, AttemptError> {
        let inner = &*self.inner;
        let current = inner.signer.current(inner.clock.unix_time());
        let params = QueryParams {
            sdk_app_id: inner.sdk_app_id,
            identifier: &inner.identifier,
            usersig: current.sig.expose(),
            random: inner.random.next_u32(),
        };
        let failed = |error| AttemptError::Failed {
            error,
            generation: current.generation,
        };
        let http_request = tim_proto::encode_parts(path, body, base, &params).map_err(|e| {
            AttemptError::Failed {
                error: Error::Encode(e),
                generation: current.generation,
            }
        })?;
        let left = remaining(inner.clock.now(), deadline);
        let (limit, is_deadline) = match inner.retry.attempt_timeout {
            Some(t) if t < left => (t, false),
            _ => (left, true),
        };
        let response = match self.send_within(http_request, limit).await {
            Some(result) => result.map_err(|e| failed(Error::Transport(e)))?,
            None if is_deadline => return Err(AttemptError::Deadline(None)),
            None => {
                return Err(failed(Error::Transport(
                    TransportError::timeout(AttemptTimeout(limit)).with_context("attempt timeout"),
                )));
            }
        };
        tracing::trace!(
            status = response.status().as_u16(),
            bytes = response.body().len(),
            "response"
        );
        decode(&response).map_err(failed)
    }
}

impl Client {
    /// Sends `request`, or gives up after `limit` (`None`).
    ///
    /// The timer is made only once the transport has to wait, so an answer ready at the first
    /// poll (an in-process transport, a fake) costs no timer; [`SystemClock`]'s timer starts on
    /// its first poll anyway, which is the same moment. The transport is called through
    /// `dyn Transport` itself: `Arc<dyn Transport>`'s own impl would box a second future around
    /// the backend's.
    async fn send_within(
        &self,
        request: http::Request<Bytes>,
        limit: Duration,
    ) -> Option<Result<http::Response<Bytes>, TransportError>> {
        let inner = &*self.inner;
        let transport: &dyn Transport = &*inner.transport;
        let mut send = transport.send(request);
        let mut timer: Option<Sleep> = None;
        std::future::poll_fn(move |cx| {
            if let Poll::Ready(result) = send.as_mut().poll(cx) {
                return Poll::Ready(Some(result));
            }
            let timer = timer.get_or_insert_with(|| inner.clock.sleep(limit));
            timer.as_mut().poll(cx).map(|()| None)
        })
        .await
    }

    /// The error of a call the circuit stopped.
    fn unreachable(&self, failures: u32, last: Option<Error>) -> Error {
        let endpoints = &self.inner.endpoints;
        Error::Unreachable {
            host: endpoints.primary_host(),
            backup: endpoints.backup_host(),
            failures,
            last: last.map(Box::new),
        }
    }
}

fn is_connect(error: &Error) -> bool {
    error
        .transport_error()
        .is_some_and(TransportError::is_connect)
}

/// What the call loop needs of a call besides its body.
#[derive(Clone, Copy)]
struct CallSpec {
    path: ApiPath,
    idempotency: Idempotency,
    rate: RateBucket,
}

/// How the call loop reads an answer.
type Decoder<T> = fn(&http::Response<Bytes>) -> Result<T, Error>;

/// The span of one call.
fn call_span(path: ApiPath) -> tracing::Span {
    tracing::debug_span!(
        "tim.call",
        api = %path,
        attempts = tracing::field::Empty,
        code = tracing::field::Empty,
    )
}

/// Any JSON answer, its envelope fields read for an error.
#[derive(Deserialize)]
#[serde(transparent)]
struct RawAnswer(serde_json::Value);

impl ApiResponse for RawAnswer {
    fn error(&self) -> Option<ApiError> {
        // An answer without the envelope fields is not an error answer.
        Envelope::deserialize(&self.0).ok()?.error()
    }
}

/// Decodes a raw call's answer, lifting the service's error to [`Error::Api`].
fn decode_raw(response: &http::Response<Bytes>) -> Result<serde_json::Value, Error> {
    tim_proto::decode::<RawAnswer>(response)
        .map(|answer| answer.0)
        .map_err(lift)
}

/// Decodes a response, lifting the service's error to [`Error::Api`].
pub(crate) fn decode<R: ApiRequest>(
    response: &http::Response<Bytes>,
) -> Result<R::Response, Error> {
    tim_proto::decode::<R::Response>(response).map_err(lift)
}

fn lift(error: DecodeError) -> Error {
    match error {
        DecodeError::Api(api) => Error::Api(api),
        other => Error::Decode(other),
    }
}

/// Records a call's final `attempts` and `code` on its span, once, when the call ends.
struct Outcome {
    span: tracing::Span,
    attempts: u32,
    code: Option<i64>,
}

impl Drop for Outcome {
    fn drop(&mut self) {
        self.span.record("attempts", self.attempts);
        if let Some(code) = self.code {
            self.span.record("code", code);
        }
    }
}

enum AttemptError {
    /// The overall deadline passed during the attempt.
    Deadline(Option<Error>),
    Failed {
        error: Error,
        generation: u64,
    },
}

/// The client's own per-attempt timeout, as the source of a [`TransportError::timeout`].
#[derive(Debug)]
struct AttemptTimeout(Duration);

impl fmt::Display for AttemptTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no response within {:?}", self.0)
    }
}

impl std::error::Error for AttemptTimeout {}

fn remaining(now: Instant, deadline: Option<Instant>) -> Duration {
    deadline.map_or(Duration::MAX, |d| d.saturating_duration_since(now))
}

fn timeout(deadline: Duration, attempts: u32, last: Option<Box<Error>>) -> Error {
    Error::Timeout {
        deadline,
        attempts,
        last,
    }
}

/// How the builder was told to limit the rate.
#[derive(Debug)]
enum Limiting {
    Local(RateLimit),
    Custom(Arc<dyn RateLimiter>),
    Off,
}

/// Builds a [`Client`].
///
/// Required: a transport, a region or base URL, the SDKAppID and credentials. Everything else
/// has a default: admin identifier [`DEFAULT_ADMIN`], a [`LocalLimiter`] with each API at its
/// documented rate ([`RateLimit::default`] for the recentcontact calls),
/// [`RetryPolicy::default`], UserSig lifetime [`DEFAULT_USERSIG_LIFETIME`] with
/// [`ReusePolicy::default`], [`SystemClock`] and [`FastRandom`].
///
/// ```
/// use tim_client::{Client, Credentials, RateLimit};
/// use tim_proto::Region;
/// # use tim_transport::{transport_fn, Bytes, TransportError};
/// # let transport = transport_fn(|_req: http::Request<Bytes>| async {
/// #     Err::<http::Response<Bytes>, _>(TransportError::other(std::io::Error::other("offline")))
/// # });
///
/// let client = Client::builder()
///     .transport(transport)
///     .region(Region::Singapore)
///     .sdk_app_id(1400000000)
///     .secret_key("5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e")
///     .rate_limit(RateLimit::per_second(100))
///     .build()?;
/// assert_eq!(client.identifier(), "administrator");
/// assert!(!format!("{client:?}").contains("5bd2850f"));
/// # Ok::<(), tim_client::BuildError>(())
/// ```
#[derive(Default)]
pub struct ClientBuilder {
    transport: Option<Arc<dyn Transport>>,
    base: Option<Result<BaseUrl, tim_proto::BaseUrlError>>,
    sdk_app_id: Option<u64>,
    identifier: Option<String>,
    credentials: Option<Credentials>,
    clock: Option<Arc<dyn Clock>>,
    random: Option<Arc<dyn Random>>,
    limiter: Option<Limiting>,
    retry: Option<RetryPolicy>,
    lifetime: Option<u64>,
    reuse: Option<ReusePolicy>,
    /// The backup domain of the region given with `region`, if any.
    region_backup: Option<BaseUrl>,
    /// Set by `failover` (`Some(Some)`) or `no_failover` (`Some(None)`).
    failover: Option<Option<BaseUrl>>,
    failback_after: Option<Duration>,
    circuit: Option<CircuitPolicy>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("transport", &self.transport)
            .field("base", &self.base)
            .field("sdk_app_id", &self.sdk_app_id)
            .field("identifier", &self.identifier)
            .field("credentials", &self.credentials)
            .field("limiter", &self.limiter)
            .field("retry", &self.retry)
            .field("failover", &self.failover)
            .field("circuit", &self.circuit)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The transport (any adapter, an `InProcess` emulator, or a `transport_fn` fake).
    pub fn transport(self, transport: impl Transport + 'static) -> Self {
        self.shared_transport(Arc::new(transport))
    }

    /// A transport already behind an `Arc`, shared with something else.
    pub fn shared_transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// A region's primary domain, with failover to its backup domain (documented for when DNS
    /// is hijacked) when the primary cannot be connected to; see [`failover`](Self::failover).
    /// Riyadh has no backup domain.
    pub fn region(mut self, region: Region) -> Self {
        self.base = Some(Ok(BaseUrl::region(region)));
        self.region_backup = BaseUrl::region_backup(region);
        self
    }

    /// Any base URL (no failover unless [`failover`](Self::failover) is given).
    pub fn base(mut self, base: BaseUrl) -> Self {
        self.base = Some(Ok(base));
        self.region_backup = None;
        self
    }

    /// A custom base URL such as `http://127.0.0.1:8080` (checked by [`build`](Self::build)).
    pub fn base_url(mut self, url: &str) -> Self {
        self.base = Some(BaseUrl::custom(url));
        self.region_backup = None;
        self
    }

    /// Fail over to `backup` when the primary base URL cannot be connected to.
    ///
    /// Only connection failures count (refused, DNS, TLS: [`TransportErrorKind::Connect`]), for
    /// which the request never reached the service, so any call, idempotent or not, is sent
    /// again to the backup at once; a timeout, a connection cut after it was made or an error
    /// answer never moves a call. Once on the backup, every call of the client (and its clones)
    /// goes there for [`failback_after`](Self::failback_after), then the primary is tried
    /// again. [`region`](Self::region) sets the region's backup domain by default.
    ///
    /// [`TransportErrorKind::Connect`]: tim_transport::TransportErrorKind::Connect
    pub fn failover(mut self, backup: BaseUrl) -> Self {
        self.failover = Some(Some(backup));
        self
    }

    /// No failover, not even to a region's backup domain.
    pub fn no_failover(mut self) -> Self {
        self.failover = Some(None);
        self
    }

    /// How long calls stay on the backup before the primary is tried again (default
    /// [`DEFAULT_FAILBACK_AFTER`]).
    pub fn failback_after(mut self, after: Duration) -> Self {
        self.failback_after = Some(after);
        self
    }

    /// When to stop trying to connect and fail calls at once with
    /// [`Error::Unreachable`] (default [`CircuitPolicy::default`]).
    pub fn circuit(mut self, policy: CircuitPolicy) -> Self {
        self.circuit = Some(policy);
        self
    }

    /// The SDKAppID.
    pub fn sdk_app_id(mut self, sdk_app_id: u64) -> Self {
        self.sdk_app_id = Some(sdk_app_id);
        self
    }

    /// The App admin identifier (default [`DEFAULT_ADMIN`]).
    pub fn admin(mut self, identifier: impl Into<String>) -> Self {
        self.identifier = Some(identifier.into());
        self
    }

    /// The credentials.
    pub fn credentials(mut self, credentials: impl Into<Credentials>) -> Self {
        self.credentials = Some(credentials.into());
        self
    }

    /// Shorthand for [`Credentials::Key`].
    pub fn secret_key(self, key: impl Into<SecretKey>) -> Self {
        self.credentials(Credentials::Key(key.into()))
    }

    /// Shorthand for [`Credentials::UserSig`].
    pub fn usersig(self, usersig: UserSig) -> Self {
        self.credentials(Credentials::UserSig(usersig))
    }

    /// The lifetime, in seconds, of the UserSigs the client signs (default
    /// [`DEFAULT_USERSIG_LIFETIME`]).
    pub fn usersig_lifetime(mut self, seconds: u64) -> Self {
        self.lifetime = Some(seconds);
        self
    }

    /// When to sign a new UserSig before the cached one expires.
    pub fn reuse_policy(mut self, policy: ReusePolicy) -> Self {
        self.reuse = Some(policy);
        self
    }

    /// The local rate limit of every API, shared by all clones (default: each API at its
    /// documented rate, [`RateLimit::default`] for the recentcontact calls).
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.limiter = Some(Limiting::Local(limit));
        self
    }

    /// A rate limiter of your own or a shared one (such as `tim-limiter-redis`'s), instead of
    /// the local one.
    pub fn rate_limiter(mut self, limiter: impl RateLimiter) -> Self {
        self.limiter = Some(Limiting::Custom(Arc::new(limiter)));
        self
    }

    /// A rate limiter already behind an `Arc`, shared with other clients.
    pub fn shared_rate_limiter(mut self, limiter: Arc<dyn RateLimiter>) -> Self {
        self.limiter = Some(Limiting::Custom(limiter));
        self
    }

    /// No client-side rate limit.
    pub fn no_rate_limit(mut self) -> Self {
        self.limiter = Some(Limiting::Off);
        self
    }

    /// The retry policy.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// The clock and timers (default [`SystemClock`]).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// The clock, unless one was set.
    pub(crate) fn default_clock(mut self, clock: impl Clock) -> Self {
        if self.clock.is_none() {
            self.clock = Some(Arc::new(clock));
        }
        self
    }

    /// The source of `random` values and jitter (default [`FastRandom`]).
    pub fn random(mut self, random: impl Random) -> Self {
        self.random = Some(Arc::new(random));
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    ///
    /// A required setting is missing, the base URL is invalid, or the admin identifier is empty.
    pub fn build(self) -> Result<Client, BuildError> {
        let transport = self.transport.ok_or(BuildError::MissingTransport)?;
        let base = self
            .base
            .ok_or(BuildError::MissingEndpoint)?
            .map_err(BuildError::Endpoint)?;
        let sdk_app_id = self.sdk_app_id.ok_or(BuildError::MissingSdkAppId)?;
        let credentials = self.credentials.ok_or(BuildError::MissingCredentials)?;
        let identifier = self.identifier.unwrap_or_else(|| DEFAULT_ADMIN.to_owned());
        if identifier.is_empty() {
            return Err(BuildError::EmptyIdentifier);
        }
        let clock: Arc<dyn Clock> = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let (limiter, rate_limit): (Option<Arc<dyn RateLimiter>>, _) = match self.limiter {
            None => (Some(Arc::new(LocalLimiter::new(None, clock.clone()))), None),
            Some(Limiting::Local(limit)) => (
                Some(Arc::new(LocalLimiter::new(Some(limit), clock.clone()))),
                Some(limit),
            ),
            Some(Limiting::Custom(limiter)) => (Some(limiter), None),
            Some(Limiting::Off) => (None, None),
        };
        let signer = Signer::new(
            sdk_app_id,
            identifier.clone(),
            credentials,
            self.lifetime.unwrap_or(DEFAULT_USERSIG_LIFETIME),
            self.reuse.unwrap_or_default(),
        );
        let backup = self.failover.unwrap_or(self.region_backup);
        let endpoints = Endpoints::new(
            base,
            backup,
            self.failback_after.unwrap_or(DEFAULT_FAILBACK_AFTER),
        );
        Ok(Client {
            inner: Arc::new(Inner {
                transport,
                endpoints,
                circuit: Circuit::new(self.circuit.unwrap_or_default()),
                sdk_app_id,
                identifier,
                signer,
                clock,
                random: self.random.unwrap_or_else(|| Arc::new(FastRandom)),
                limiter,
                rate_limit,
                retry: self.retry.unwrap_or_default(),
            }),
        })
    }
}
