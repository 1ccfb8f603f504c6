//! The sans-IO core: [`Emulator::handle`] turns one request (and the time) into a [`Reply`].

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use serde::Serialize;
use serde_json::Value;
use tim_sig::{Claims, Expected, SecretKey, VerifyError};

use crate::api::{ApiFailure, ApiSpec, CallContext, PageFault, fail};
use crate::codes;
use crate::contacts::{ContactSettings, Edition};
use crate::faults::{Fault, Faults};
use crate::store::Store;
use crate::wire::{Query, api_error, body_preview, html_status};

/// How an emulator is set up. Build it with [`Config::new`] and adjust the public fields.
#[derive(Clone, Debug)]
pub struct Config {
    /// The emulated app's SDKAppID.
    pub sdk_app_id: u64,
    /// The app's secret key: UserSigs are verified with it.
    pub key: SecretKey,
    /// The App admin accounts (more can come from a data file).
    pub admins: Vec<String>,
    /// get_list page size (at least 1; default 100).
    pub page_size: usize,
    /// Calls per second allowed per API (default `Some(200)`, the documented limit); `None`
    /// switches rate limiting off.
    pub rate_limit: Option<u32>,
    /// Seed of the probabilistic faults and the latency jitter.
    pub seed: u64,
    /// How many request log entries are kept (the oldest are dropped first; default 10,000).
    pub log_capacity: usize,
    /// The app's edition (default [`Edition::Enterprise`]): conversation groups and standard
    /// marks answer 51013 on an edition without them.
    pub edition: Edition,
    /// The settings of the conversation group and mark calls (51008 cap, get_contact_group
    /// page size).
    pub contacts: ContactSettings,
}

impl Config {
    /// The default configuration for an app: admin `administrator`, page size 100, 200 calls
    /// per second per API, seed 0.
    pub fn new(sdk_app_id: u64, key: impl Into<SecretKey>) -> Self {
        Config {
            sdk_app_id,
            key: key.into(),
            admins: vec!["administrator".to_owned()],
            page_size: 100,
            rate_limit: Some(200),
            seed: 0,
            log_capacity: 10_000,
            edition: Edition::default(),
            contacts: ContactSettings::default(),
        }
    }
}

/// What to send back for one request.
#[derive(Debug)]
#[must_use]
pub struct Reply {
    /// The response (not sent at all when `delivery` is [`Delivery::Drop`]).
    pub response: Response<Bytes>,
    /// How long to wait before sending it (latency, jitter and delay faults).
    pub delay: Duration,
    /// How to send it.
    pub delivery: Delivery,
}

/// How a [`Reply`] goes on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Delivery {
    /// Send the whole response.
    Full,
    /// Send the headers (with the full `Content-Length`) and the first `after` body bytes, then
    /// close the connection.
    Truncate {
        /// Body bytes to send before closing.
        after: usize,
    },
    /// Close the connection without answering.
    Drop,
}

/// One API request as the emulator saw it. The `usersig` query value is replaced by
/// `[redacted]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LogEntry {
    /// When (the `now` given to [`Emulator::handle`], plus the clock shift), since the epoch.
    #[serde(serialize_with = "ser_duration_ms", rename = "at_ms")]
    pub at: Duration,
    /// The HTTP method.
    pub method: String,
    /// The path.
    pub path: String,
    /// The query string, usersig redacted.
    pub query: String,
    /// The body (lossy UTF-8, at most 4 KiB).
    pub body: String,
    /// The HTTP status answered (0 for a dropped connection).
    pub status: u16,
    /// The `ErrorCode` answered, when the answer was an API envelope.
    pub error_code: Option<i64>,
    /// The fault injected, as its spec (`drop`, `code=70001`, ...).
    pub fault: Option<String>,
    /// How long the answer was held back (latency, jitter and delay faults) before it was sent.
    #[serde(serialize_with = "ser_duration_ms", rename = "delay_ms")]
    pub delay: Duration,
    /// The answer's body as sent (lossy UTF-8, at most 4 KiB; only the part sent before the cut
    /// for a truncated answer; empty for a dropped connection), e.g. to read the cursor a page
    /// answered.
    pub reply: String,
}

/// Call counts and peak rates of one API (or of the whole app) since start-up or the last
/// [`Emulator::reset`]. Read with [`Emulator::stats`], [`Emulator::api_stats`] and
/// [`Emulator::app_stats`], or `GET /_emulator/stats`.
///
/// A peak is the largest number of calls in any sliding one-second window (`(t - 1s, t]`, the
/// window the rate limit counts over), at the emulator's clock (`now` plus the clock shift).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CallStats {
    /// Every request to the API's path (any method, injected faults included).
    pub arrivals: u64,
    /// The POST requests that passed the rate check (whatever they answered after it).
    pub calls: u64,
    /// The requests answered 60007 (rate limited).
    pub rate_limited: u64,
    /// The most `calls` in any sliding one-second window.
    pub peak_per_second: u64,
    /// The most `arrivals` in any sliding one-second window.
    pub peak_arrivals_per_second: u64,
}

/// The [`CallStats`] of one API with the two sliding windows behind its peaks.
#[derive(Debug, Default)]
struct Meter {
    stats: CallStats,
    arrived: VecDeque<Duration>,
    accepted: VecDeque<Duration>,
}

impl Meter {
    fn arrive(&mut self, now: Duration) {
        self.stats.arrivals += 1;
        let n = slide(&mut self.arrived, now);
        self.stats.peak_arrivals_per_second = self.stats.peak_arrivals_per_second.max(n);
    }

    fn accept(&mut self, now: Duration) {
        self.stats.calls += 1;
        let n = slide(&mut self.accepted, now);
        self.stats.peak_per_second = self.stats.peak_per_second.max(n);
    }
}

/// Drops the times at least a second before `now`, adds `now`; the calls now in the window.
/// Amortised O(1): every time is pushed and popped once.
fn slide(window: &mut VecDeque<Duration>, now: Duration) -> u64 {
    let second = Duration::from_secs(1);
    while window
        .front()
        .is_some_and(|t| now.saturating_sub(*t) >= second)
    {
        window.pop_front();
    }
    window.push_back(now);
    window.len() as u64
}

/// The settings `reset` returns to (beside the baseline data), and that a state file keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Settings {
    pub(crate) page_size: usize,
    pub(crate) rate_limit: Option<u32>,
    pub(crate) edition: Edition,
    pub(crate) contacts: ContactSettings,
}

fn ser_duration_ms<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u128(d.as_millis())
}

/// One emulated app (SDKAppID) of an [`Emulator`]: its key, admins, data, settings (page size,
/// rate limit, edition, contact settings), faults, request log, call stats, rate windows and
/// clock shift. Nothing is shared between the apps of one emulator but the table of APIs.
///
/// Reach one with [`Emulator::app`] / [`Emulator::app_mut`]; the single-app methods of
/// [`Emulator`] act on its default app.
pub struct App {
    sdk_app_id: u64,
    key: SecretKey,
    page_size: usize,
    rate_limit: Option<u32>,
    seed: u64,
    store: Store,
    baseline: Store,
    /// The settings and faults `reset` returns to.
    baseline_settings: Settings,
    baseline_faults: Faults,
    faults: Faults,
    log: Vec<LogEntry>,
    log_capacity: usize,
    /// Accepted call times per API, for the sliding one-second window.
    calls: HashMap<&'static str, VecDeque<Duration>>,
    /// Counts and peak windows per API path, and for the whole app.
    meters: HashMap<&'static str, Meter>,
    app_meter: Meter,
    /// UserSigs that passed verification, with their claims (never printed).
    verified: HashMap<String, Claims>,
    /// Seconds added to every `now` (set through the admin API to replay old UserSigs).
    clock_shift: i64,
    edition: Edition,
    contacts: ContactSettings,
}

impl fmt::Debug for App {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("App")
            .field("sdk_app_id", &self.sdk_app_id)
            .field("page_size", &self.page_size)
            .field("rate_limit", &self.rate_limit)
            .field("store", &self.store)
            .field("faults", &self.faults)
            .field("log", &self.log.len())
            .field("clock_shift", &self.clock_shift)
            .finish_non_exhaustive()
    }
}

/// The emulated IM service: one or more apps (the first is the default app) and the table of
/// APIs they answer. See the [crate documentation](crate) for the driving contract.
///
/// A request goes to the app its `sdkappid` query parameter names; a request that names no
/// configured app goes to the default app, which answers it as the service answers a wrong
/// SDKAppID (60012 missing, 60006 unknown), so a one-app emulator behaves exactly as before.
/// The single-app methods ([`Emulator::data`], [`Emulator::faults`], [`Emulator::log`], the
/// settings...) act on the default app; [`Emulator::reset`] and [`Emulator::set_baseline`] act
/// on every app.
pub struct Emulator {
    /// At least one; the first is the default app.
    apps: Vec<App>,
    /// The table of APIs: the built-in ones, then any registered.
    apis: Vec<ApiSpec>,
    /// Where `POST /_emulator/save` writes the state (the server does the writing).
    state_file: Option<PathBuf>,
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator")
            .field("apps", &self.apps)
            .field("apis", &self.apis.len())
            .field("state_file", &self.state_file)
            .finish()
    }
}

/// Why an app could not be added to an [`Emulator`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AppError {
    /// The emulator already has an app with this SDKAppID.
    #[error("the emulator already has an app with sdkappid {0}")]
    Duplicate(u64),
}

impl App {
    /// An app with no data but the configured admins.
    pub(crate) fn new(config: Config) -> Self {
        let mut store = Store::new();
        for a in &config.admins {
            store.add_admin(a.clone());
        }
        let settings = Settings {
            page_size: config.page_size.max(1),
            rate_limit: config.rate_limit,
            edition: config.edition,
            contacts: ContactSettings {
                page_size: config.contacts.page_size.max(1),
                ..config.contacts
            },
        };
        App {
            sdk_app_id: config.sdk_app_id,
            key: config.key,
            page_size: settings.page_size,
            rate_limit: settings.rate_limit,
            seed: config.seed,
            baseline: store.clone(),
            store,
            baseline_faults: Faults::new(config.seed),
            faults: Faults::new(config.seed),
            log: Vec::new(),
            log_capacity: config.log_capacity,
            calls: HashMap::new(),
            meters: HashMap::new(),
            app_meter: Meter::default(),
            verified: HashMap::new(),
            clock_shift: 0,
            edition: settings.edition,
            contacts: settings.contacts,
            baseline_settings: settings,
        }
    }

    /// The data, to read.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The current settings (what `/config` sets).
    pub(crate) fn settings(&self) -> Settings {
        Settings {
            page_size: self.page_size,
            rate_limit: self.rate_limit,
            edition: self.edition,
            contacts: self.contacts,
        }
    }

    /// The baseline `reset` returns to: data and settings (faults are not part of a state).
    pub(crate) fn baseline(&self) -> (&Store, Settings) {
        (&self.baseline, self.baseline_settings)
    }

    /// Replaces the data, settings and their baseline (a restored state file), then resets the
    /// rest as [`App::reset`] does except the data and settings just set. The baseline faults
    /// stay as they are.
    pub(crate) fn restore(
        &mut self,
        mut store: Store,
        settings: Settings,
        baseline: Store,
        baseline_settings: Settings,
    ) {
        let rev = self.store.revision().max(self.baseline.revision());
        store.raise_revision(rev + 1);
        self.store = store;
        self.baseline = baseline;
        self.baseline_settings = baseline_settings;
        self.apply_settings(settings);
        self.faults = self.baseline_faults.clone();
        self.faults.reseed(self.seed);
        self.forget_traffic();
    }

    fn apply_settings(&mut self, s: Settings) {
        self.page_size = s.page_size.max(1);
        self.rate_limit = s.rate_limit;
        self.edition = s.edition;
        self.contacts = ContactSettings {
            page_size: s.contacts.page_size.max(1),
            ..s.contacts
        };
    }

    /// An empty log, fresh rate windows, zeroed stats, no cached UserSigs, no clock shift.
    fn forget_traffic(&mut self) {
        self.log.clear();
        self.calls.clear();
        self.meters.clear();
        self.app_meter = Meter::default();
        self.verified.clear();
        self.clock_shift = 0;
    }

    /// The data: accounts, conversations, admins.
    pub fn data(&mut self) -> &mut Store {
        &mut self.store
    }

    /// The fault configuration.
    pub fn faults(&mut self) -> &mut Faults {
        &mut self.faults
    }

    /// The fault configuration, to read.
    pub fn fault_config(&self) -> &Faults {
        &self.faults
    }

    /// The request log, oldest first (API calls only; admin calls are not logged).
    pub fn log(&self) -> &[LogEntry] {
        &self.log
    }

    /// Empties the request log.
    pub fn clear_log(&mut self) {
        self.log.clear();
    }

    /// Makes the current data, settings (page size, rate limit, edition, contact settings) and
    /// faults the state [`App::reset`] returns to.
    pub fn set_baseline(&mut self) {
        self.baseline = self.store.clone();
        self.baseline_settings = Settings {
            page_size: self.page_size,
            rate_limit: self.rate_limit,
            edition: self.edition,
            contacts: self.contacts,
        };
        self.baseline_faults = self.faults.clone();
    }

    /// Back to the start-up state, or the last [`App::set_baseline`]: its data, settings
    /// and faults (none unless there were some at the baseline), an empty log, fresh rate-limit
    /// windows, zeroed [`CallStats`], no clock shift, the fault generator reseeded.
    pub fn reset(&mut self) {
        let rev = self.store.revision();
        self.store = self.baseline.clone();
        // The revision never goes back, so later changes are still seen as changes by walks
        // that started before the reset.
        self.store.raise_revision(rev + 1);
        self.apply_settings(self.baseline_settings);
        self.faults = self.baseline_faults.clone();
        self.faults.reseed(self.seed);
        self.forget_traffic();
    }

    /// The [`CallStats`] of every API called since start-up or the last reset, as
    /// (`servicename/command`, stats), in no particular order.
    pub fn stats(&self) -> impl Iterator<Item = (&'static str, CallStats)> + '_ {
        self.meters.iter().map(|(api, m)| (*api, m.stats))
    }

    /// The [`CallStats`] of one API (`servicename/command`, e.g. `recentcontact/get_list`;
    /// zero when it was not called).
    pub fn api_stats(&self, api: &str) -> CallStats {
        let api = api.trim_start_matches('/');
        let api = api.strip_prefix("v4/").unwrap_or(api);
        self.meters.get(api).map(|m| m.stats).unwrap_or_default()
    }

    /// The [`CallStats`] of the whole app: every API together, peaks over all its calls.
    pub fn app_stats(&self) -> CallStats {
        self.app_meter.stats
    }

    /// The get_list page size.
    pub fn page_size(&self) -> usize {
        self.page_size
    }

    /// Sets the get_list page size (at least 1).
    pub fn set_page_size(&mut self, page_size: usize) {
        self.page_size = page_size.max(1);
    }

    /// The per-API rate limit in calls per second (`None`: off).
    pub fn rate_limit(&self) -> Option<u32> {
        self.rate_limit
    }

    /// Sets the per-API rate limit (`None` switches it off).
    pub fn set_rate_limit(&mut self, calls_per_second: Option<u32>) {
        self.rate_limit = calls_per_second;
        self.calls.clear();
    }

    /// The app's edition.
    pub fn edition(&self) -> Edition {
        self.edition
    }

    /// Sets the app's edition.
    pub fn set_edition(&mut self, edition: Edition) {
        self.edition = edition;
    }

    /// The settings of the conversation group and mark calls.
    pub fn contact_settings(&self) -> ContactSettings {
        self.contacts
    }

    /// Sets the settings of the conversation group and mark calls (the page size at least 1).
    pub fn set_contact_settings(&mut self, settings: ContactSettings) {
        self.contacts = ContactSettings {
            page_size: settings.page_size.max(1),
            ..settings
        };
    }

    /// Seconds added to every `now` given to [`Emulator::handle`] for this app.
    pub fn clock_shift(&self) -> i64 {
        self.clock_shift
    }

    /// Sets the clock shift, e.g. to replay UserSigs signed long ago.
    pub fn set_clock_shift(&mut self, seconds: i64) {
        self.clock_shift = seconds;
    }

    /// The emulated app's SDKAppID.
    pub fn sdk_app_id(&self) -> u64 {
        self.sdk_app_id
    }

    /// Signs a UserSig for `identifier` with the app's key, issued at `time` (Unix seconds).
    pub fn sign(&self, identifier: &str, time: u64, expire: u64) -> tim_sig::UserSig {
        tim_sig::sign(
            &self.key,
            &Claims::new(self.sdk_app_id, identifier, time, expire),
        )
    }

    /// `now` with the clock shift applied.
    pub fn shifted(&self, now: Duration) -> Duration {
        let shift = Duration::from_secs(self.clock_shift.unsigned_abs());
        if self.clock_shift >= 0 {
            now.saturating_add(shift)
        } else {
            now.saturating_sub(shift)
        }
    }

    pub(crate) fn api(
        &mut self,
        now: Duration,
        request: Request<Bytes>,
        apis: &[ApiSpec],
    ) -> Reply {
        let mut entry = LogEntry {
            at: now,
            method: request.method().as_str().to_owned(),
            path: request.uri().path().to_owned(),
            query: tim_redact::redact(request.uri().query().unwrap_or("")).into_owned(),
            body: body_preview(request.body()),
            status: 0,
            error_code: None,
            fault: None,
            delay: Duration::ZERO,
            reply: String::new(),
        };
        let reply = self.api_inner(now, &request, &mut entry, apis);
        entry.status = match reply.delivery {
            Delivery::Drop => 0,
            _ => reply.response.status().as_u16(),
        };
        entry.delay = reply.delay;
        let body = reply.response.body();
        entry.reply = match reply.delivery {
            Delivery::Drop => String::new(),
            Delivery::Truncate { after } => body_preview(&body.slice(..after.min(body.len()))),
            _ => body_preview(body),
        };
        self.record(entry);
        reply
    }

    fn record(&mut self, entry: LogEntry) {
        if self.log_capacity == 0 {
            return;
        }
        if self.log.len() >= self.log_capacity {
            // Drop the oldest half at once: amortized O(1) per entry.
            let drop = self.log.len() - self.log_capacity / 2;
            self.log.drain(..drop);
        }
        self.log.push(entry);
    }

    fn api_inner(
        &mut self,
        now: Duration,
        request: &Request<Bytes>,
        entry: &mut LogEntry,
        apis: &[ApiSpec],
    ) -> Reply {
        let Some(api) = request
            .uri()
            .path()
            .strip_prefix("/v4/")
            .and_then(|p| apis.iter().find(|a| a.path == p))
            .copied()
        else {
            return self.fail(Duration::ZERO, codes::INVALID_RESOURCE.into(), entry);
        };
        self.meters.entry(api.path).or_default().arrive(now);
        self.app_meter.arrive(now);
        let decision = self.faults.decide(api.path, api.paged);
        let mut delay = decision.delay;
        let mut page_fault = PageFault::None;
        let mut truncate = false;
        let mut rewrite = None;
        if let Some(fault) = &decision.fault {
            entry.fault = Some(fault.to_string());
            match fault {
                Fault::ErrorCode(code) => {
                    let f = ApiFailure {
                        code: *code,
                        info: codes::info(*code).to_owned(),
                    };
                    return self.fail(delay, f, entry);
                }
                Fault::HttpStatus(status) => {
                    return Reply {
                        response: html_status(*status),
                        delay,
                        delivery: Delivery::Full,
                    };
                }
                Fault::Drop => {
                    return Reply {
                        response: Response::new(Bytes::new()),
                        delay,
                        delivery: Delivery::Drop,
                    };
                }
                Fault::Delay(d) => delay = delay.saturating_add(*d),
                Fault::Truncate => truncate = true,
                Fault::StalledCursor => page_fault = PageFault::Stalled,
                Fault::EmptyPage => page_fault = PageFault::Empty,
                Fault::Pass => {}
                Fault::UnknownItem | Fault::ExtraFields => rewrite = Some(fault.clone()),
                Fault::ExpireUserSig => {
                    // Answered just after the next second starts, so that a UserSig signed once
                    // the answer has arrived is issued later than every UserSig now expired.
                    let second = now.as_secs();
                    self.faults.expire_usersigs_through(second);
                    let wait = Duration::from_secs(second.saturating_add(1)).saturating_sub(now)
                        + Duration::from_millis(5);
                    return self.fail(
                        delay.saturating_add(wait),
                        codes::USERSIG_EXPIRED.into(),
                        entry,
                    );
                }
            }
        }
        let mut result = self.call(now, &api, request, page_fault);
        if let (Some(fault), Ok(response)) = (&rewrite, &mut result)
            && let Some(body) = crate::faults::rewrite_items(fault, response.body())
        {
            *response.body_mut() = Bytes::from(body);
        }
        let mut reply = match result {
            Ok(response) => Reply {
                response,
                delay,
                delivery: Delivery::Full,
            },
            Err(f) => self.fail(delay, f, entry),
        };
        if entry.error_code.is_none() {
            entry.error_code = Some(0);
        }
        if truncate {
            reply.delivery = Delivery::Truncate {
                after: reply.response.body().len() / 2,
            };
        }
        reply
    }

    fn fail(&mut self, delay: Duration, f: ApiFailure, entry: &mut LogEntry) -> Reply {
        entry.error_code = Some(f.code);
        Reply {
            response: api_error(f.code, &f.info),
            delay,
            delivery: Delivery::Full,
        }
    }

    /// Validation and execution of one known API.
    fn call(
        &mut self,
        now: Duration,
        api: &ApiSpec,
        request: &Request<Bytes>,
        page_fault: PageFault,
    ) -> Result<Response<Bytes>, ApiFailure> {
        if request.method() != Method::POST {
            return Err(fail(
                codes::INVALID_HTTP_URL,
                format_args!("method {} is not POST", request.method()),
            ));
        }
        self.check_rate(now, api)?;
        let query = Query::parse(request.uri().query().unwrap_or(""));
        let sdk_app_id = match query.get("sdkappid") {
            None => return Err(codes::SDKAPPID_MISSING.into()),
            Some(v) => v
                .parse::<u64>()
                .ok()
                .filter(|id| *id == self.sdk_app_id)
                .ok_or_else(|| fail(codes::INVALID_SDKAPPID, format_args!("{v:?}")))?,
        };
        match query.get("random") {
            Some(v) if v.parse::<u32>().is_ok() => {}
            Some(_) => {
                return Err(fail(
                    codes::INVALID_HTTP_URL,
                    "random must be an integer in 0..=4294967295",
                ));
            }
            None => return Err(fail(codes::INVALID_HTTP_URL, "random is missing")),
        }
        if query.get("contenttype").as_deref() != Some("json") {
            return Err(fail(codes::INVALID_HTTP_URL, "contenttype must be json"));
        }
        let identifier = match query.get("identifier") {
            Some(id) if !id.is_empty() => id,
            _ => return Err(fail(codes::INVALID_ACCOUNT, "identifier is missing")),
        };
        let usersig = query.get("usersig").unwrap_or_default();
        self.check_usersig(&usersig, sdk_app_id, &identifier, now.as_secs())?;
        if !self.store.is_admin(&identifier) {
            // Both recentcontact pages document the private 50003 for this
            // (`docs/protocol/error-codes.md`).
            return Err(codes::GET_LIST_NOT_ADMIN.into());
        }
        let body: Value = serde_json::from_slice(request.body())
            .map_err(|e| fail(codes::JSON_PARSE_FAILED, e))?;
        let ctx = CallContext {
            page_size: self.page_size,
            now: now.as_secs(),
            edition: self.edition,
            contacts: self.contacts,
            page_fault,
        };
        (api.handler)(&mut self.store, &body, &ctx)
            .map(|body| crate::wire::json_response(StatusCode::OK, body))
    }

    fn check_rate(&mut self, now: Duration, api: &ApiSpec) -> Result<(), ApiFailure> {
        if let Some(limit) = self.rate_limit {
            let window = self.calls.entry(api.rate_bucket()).or_default();
            let second = Duration::from_secs(1);
            while window
                .front()
                .is_some_and(|t| now.saturating_sub(*t) >= second)
            {
                window.pop_front();
            }
            if window.len() >= limit as usize {
                self.meters.entry(api.path).or_default().stats.rate_limited += 1;
                self.app_meter.stats.rate_limited += 1;
                return Err(fail(
                    codes::REST_FREQ_LIMIT,
                    format_args!("more than {limit} calls per second"),
                ));
            }
            window.push_back(now);
        }
        self.meters.entry(api.path).or_default().accept(now);
        self.app_meter.accept(now);
        Ok(())
    }

    fn check_usersig(
        &mut self,
        usersig: &str,
        sdk_app_id: u64,
        identifier: &str,
        now: u64,
    ) -> Result<(), ApiFailure> {
        let expired_by_fault = || {
            fail(
                codes::USERSIG_EXPIRED,
                "issued before the expire-usersig fault fired: sign a new one",
            )
        };
        if let Some(c) = self.verified.get(usersig)
            && c.sdk_app_id == sdk_app_id
            && c.identifier == identifier
            && !c.is_expired_at(now)
        {
            if self.faults.usersig_expired(c.time) {
                return Err(expired_by_fault());
            }
            return Ok(());
        }
        let expected = Expected::new(sdk_app_id, identifier);
        match tim_sig::verify(&self.key, usersig, &expected, now) {
            Ok(claims) if self.faults.usersig_expired(claims.time) => Err(expired_by_fault()),
            Ok(claims) => {
                if self.verified.len() >= 1024 {
                    self.verified.clear();
                }
                self.verified.insert(usersig.to_owned(), claims);
                Ok(())
            }
            Err(e) => Err(usersig_fail(&e)),
        }
    }
}

impl Emulator {
    /// An emulator with one app, the default, with no data but the configured admins.
    pub fn new(config: Config) -> Self {
        Emulator {
            apps: vec![App::new(config)],
            apis: crate::recentcontact::APIS.to_vec(),
            state_file: None,
        }
    }

    /// Sets the file [`crate::save_state`] (and so `POST /_emulator/save` on a [`crate::Server`],
    /// and `tim emulator serve --state` at shutdown) writes the state to. The core itself never
    /// touches files.
    pub fn set_state_file(&mut self, path: Option<PathBuf>) {
        self.state_file = path;
    }

    /// The file the state is saved to, if any.
    pub fn state_file(&self) -> Option<&Path> {
        self.state_file.as_deref()
    }

    /// An emulator whose default app is loaded with the deterministic demo data set (see
    /// [`crate::demo`]).
    pub fn demo(config: Config) -> Self {
        let mut e = Emulator::new(config);
        crate::demo::load(&mut e.default_app_mut().store);
        e.default_app_mut().set_baseline();
        e
    }

    /// Adds an app with no data but its configured admins; it answers requests whose
    /// `sdkappid` is `config.sdk_app_id`, verifying their UserSigs with `config.key`.
    ///
    /// # Errors
    ///
    /// [`AppError::Duplicate`] when the emulator already has an app with that SDKAppID.
    pub fn add_app(&mut self, config: Config) -> Result<&mut App, AppError> {
        if self.app(config.sdk_app_id).is_some() {
            return Err(AppError::Duplicate(config.sdk_app_id));
        }
        self.apps.push(App::new(config));
        let last = self.apps.len() - 1;
        Ok(&mut self.apps[last])
    }

    /// The app with this SDKAppID.
    pub fn app(&self, sdk_app_id: u64) -> Option<&App> {
        self.apps.iter().find(|a| a.sdk_app_id == sdk_app_id)
    }

    /// The position of the app with this SDKAppID.
    pub(crate) fn app_index(&self, sdk_app_id: u64) -> Option<usize> {
        self.apps.iter().position(|a| a.sdk_app_id == sdk_app_id)
    }

    /// The app at a position [`Emulator::app_index`] gave (the default app when out of range).
    pub(crate) fn app_at(&mut self, index: usize) -> &mut App {
        let index = if index < self.apps.len() { index } else { 0 };
        &mut self.apps[index]
    }

    /// The app with this SDKAppID, to change.
    pub fn app_mut(&mut self, sdk_app_id: u64) -> Option<&mut App> {
        self.apps.iter_mut().find(|a| a.sdk_app_id == sdk_app_id)
    }

    /// Every app, the default first.
    pub fn apps(&self) -> impl Iterator<Item = &App> + '_ {
        self.apps.iter()
    }

    /// Every app, the default first, to change.
    pub fn apps_mut(&mut self) -> impl Iterator<Item = &mut App> + '_ {
        self.apps.iter_mut()
    }

    /// The default app (the first: the one of [`Emulator::new`]'s config).
    pub fn default_app(&self) -> &App {
        &self.apps[0]
    }

    /// The default app, to change.
    pub fn default_app_mut(&mut self) -> &mut App {
        &mut self.apps[0]
    }

    /// Adds an API to the table (or replaces the one with the same path), for every app: its
    /// requests then get every shared check (method, query, UserSig, admin, rate limit, faults)
    /// and are answered by its handler. For calls the emulator does not model yet, and for tests
    /// of generic clients; see `docs/adding-an-endpoint.md`.
    pub fn register(&mut self, api: ApiSpec) {
        self.apis.retain(|a| a.path != api.path);
        self.apis.push(api);
    }

    /// The paths of the APIs it answers, as `servicename/command`.
    pub fn apis(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.apis.iter().map(|a| a.path)
    }

    /// The table of APIs, built-in ones first.
    pub fn api_specs(&self) -> &[ApiSpec] {
        &self.apis
    }

    /// Answers one request received at `now` (time since the Unix epoch).
    ///
    /// Paths under `/_emulator/` go to the admin API; everything else is an IM API call to the
    /// app its `sdkappid` names (the default app when it names none), validated and answered as
    /// the service does, and logged in that app's log.
    pub fn handle(&mut self, now: Duration, request: Request<Bytes>) -> Reply {
        let path = request.uri().path();
        if path == "/_emulator" || path.starts_with("/_emulator/") {
            return crate::admin::handle(self, now, request);
        }
        let index = self.route(&request);
        let app = &mut self.apps[index];
        let now = app.shifted(now);
        app.api(now, request, &self.apis)
    }

    /// The index of the app a request is for: the one its `sdkappid` names, else the default.
    fn route(&self, request: &Request<Bytes>) -> usize {
        if self.apps.len() == 1 {
            return 0;
        }
        let query = Query::parse(request.uri().query().unwrap_or(""));
        query
            .get("sdkappid")
            .and_then(|v| v.parse::<u64>().ok())
            .and_then(|id| self.apps.iter().position(|a| a.sdk_app_id == id))
            .unwrap_or(0)
    }

    /// The default app's data: accounts, conversations, admins.
    pub fn data(&mut self) -> &mut Store {
        self.default_app_mut().data()
    }

    /// The default app's fault configuration.
    pub fn faults(&mut self) -> &mut Faults {
        self.default_app_mut().faults()
    }

    /// The default app's fault configuration, to read.
    pub fn fault_config(&self) -> &Faults {
        self.default_app().fault_config()
    }

    /// The default app's request log, oldest first (API calls only; admin calls are not
    /// logged). A request naming no configured app is logged here too.
    pub fn log(&self) -> &[LogEntry] {
        self.default_app().log()
    }

    /// Empties the default app's request log.
    pub fn clear_log(&mut self) {
        self.default_app_mut().clear_log();
    }

    /// [`App::set_baseline`] for every app: the current data, settings and faults of each
    /// become what [`Emulator::reset`] returns it to.
    pub fn set_baseline(&mut self) {
        self.apps.iter_mut().for_each(App::set_baseline);
    }

    /// [`App::reset`] for every app: each back to its start-up state or its last baseline (data,
    /// settings, faults), with an empty log, fresh rate windows, zeroed stats and no clock
    /// shift.
    pub fn reset(&mut self) {
        self.apps.iter_mut().for_each(App::reset);
    }

    /// The default app's [`CallStats`] of every API called since start-up or the last reset, as
    /// (`servicename/command`, stats), in no particular order.
    pub fn stats(&self) -> impl Iterator<Item = (&'static str, CallStats)> + '_ {
        self.default_app().stats()
    }

    /// The default app's [`CallStats`] of one API (`servicename/command`, e.g.
    /// `recentcontact/get_list`; zero when it was not called).
    pub fn api_stats(&self, api: &str) -> CallStats {
        self.default_app().api_stats(api)
    }

    /// The [`CallStats`] of the whole default app: every API together.
    pub fn app_stats(&self) -> CallStats {
        self.default_app().app_stats()
    }

    /// The default app's get_list page size.
    pub fn page_size(&self) -> usize {
        self.default_app().page_size()
    }

    /// Sets the default app's get_list page size (at least 1).
    pub fn set_page_size(&mut self, page_size: usize) {
        self.default_app_mut().set_page_size(page_size);
    }

    /// The default app's per-API rate limit in calls per second (`None`: off).
    pub fn rate_limit(&self) -> Option<u32> {
        self.default_app().rate_limit()
    }

    /// Sets the default app's per-API rate limit (`None` switches it off).
    pub fn set_rate_limit(&mut self, calls_per_second: Option<u32>) {
        self.default_app_mut().set_rate_limit(calls_per_second);
    }

    /// The default app's edition.
    pub fn edition(&self) -> Edition {
        self.default_app().edition()
    }

    /// Sets the default app's edition.
    pub fn set_edition(&mut self, edition: Edition) {
        self.default_app_mut().set_edition(edition);
    }

    /// The default app's settings of the conversation group and mark calls.
    pub fn contact_settings(&self) -> ContactSettings {
        self.default_app().contact_settings()
    }

    /// Sets the default app's settings of the group and mark calls (page size at least 1).
    pub fn set_contact_settings(&mut self, settings: ContactSettings) {
        self.default_app_mut().set_contact_settings(settings);
    }

    /// Seconds added to every `now` given to [`Emulator::handle`] for the default app.
    pub fn clock_shift(&self) -> i64 {
        self.default_app().clock_shift()
    }

    /// Sets the default app's clock shift, e.g. to replay UserSigs signed long ago.
    pub fn set_clock_shift(&mut self, seconds: i64) {
        self.default_app_mut().set_clock_shift(seconds);
    }

    /// The default app's SDKAppID.
    pub fn sdk_app_id(&self) -> u64 {
        self.default_app().sdk_app_id()
    }

    /// Signs a UserSig for `identifier` with the default app's key, issued at `time` (Unix
    /// seconds).
    pub fn sign(&self, identifier: &str, time: u64, expire: u64) -> tim_sig::UserSig {
        self.default_app().sign(identifier, time, expire)
    }

    /// `now` with the default app's clock shift applied.
    pub fn shifted(&self, now: Duration) -> Duration {
        self.default_app().shifted(now)
    }
}

fn usersig_fail(e: &VerifyError) -> ApiFailure {
    let code = match e {
        VerifyError::Empty => codes::USERSIG_EMPTY,
        VerifyError::Expired { .. } => codes::USERSIG_EXPIRED,
        VerifyError::SignatureMismatch => codes::USERSIG_MISMATCH_KEY,
        VerifyError::IdentifierMismatch { .. } => codes::USERSIG_MISMATCH_ID,
        VerifyError::SdkAppIdMismatch { .. } => codes::USERSIG_MISMATCH_SDKAPPID,
        _ => codes::USERSIG_CHECK_FAILED,
    };
    // The verifier's messages never contain the token or the key.
    fail(code, e)
}
