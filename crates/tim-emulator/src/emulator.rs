//! The sans-IO core: [`Emulator::handle`] turns one request (and the time) into a [`Reply`].

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use serde::Serialize;
use serde_json::Value;
use tim_sig::{Claims, Expected, SecretKey, VerifyError};

use crate::codes::{self, Code};
use crate::faults::{Fault, Faults};
use crate::paging::{self, Cursor, PageFault};
use crate::store::{Kind, Store};

/// The APIs the emulator serves, as `servicename/command`.
pub const APIS: &[&str] = &[GET_LIST, DELETE];
const GET_LIST: &str = "recentcontact/get_list";
const DELETE: &str = "recentcontact/delete";

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
}

fn ser_duration_ms<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u128(d.as_millis())
}

/// The emulated IM service. See the [crate documentation](crate) for the driving contract.
pub struct Emulator {
    pub(crate) sdk_app_id: u64,
    pub(crate) key: SecretKey,
    pub(crate) page_size: usize,
    pub(crate) rate_limit: Option<u32>,
    pub(crate) seed: u64,
    pub(crate) store: Store,
    pub(crate) baseline: Store,
    pub(crate) faults: Faults,
    pub(crate) log: Vec<LogEntry>,
    pub(crate) log_capacity: usize,
    /// Accepted call times per API, for the sliding one-second window.
    pub(crate) calls: HashMap<&'static str, VecDeque<Duration>>,
    /// UserSigs that passed verification, with their claims (never printed).
    pub(crate) verified: HashMap<String, Claims>,
    /// Seconds added to every `now` (set through the admin API to replay old UserSigs).
    pub(crate) clock_shift: i64,
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator")
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

/// An API failure: the code and its `ErrorInfo`.
struct Fail {
    code: i64,
    info: String,
}

impl From<Code> for Fail {
    fn from(c: Code) -> Self {
        Fail {
            code: c.code,
            info: c.info.to_owned(),
        }
    }
}

fn fail(c: Code, detail: impl fmt::Display) -> Fail {
    Fail {
        code: c.code,
        info: format!("{}: {detail}", c.info),
    }
}

impl Emulator {
    /// An emulator with no data but the configured admins.
    pub fn new(config: Config) -> Self {
        let mut store = Store::new();
        for a in &config.admins {
            store.add_admin(a.clone());
        }
        Emulator {
            sdk_app_id: config.sdk_app_id,
            key: config.key,
            page_size: config.page_size.max(1),
            rate_limit: config.rate_limit,
            seed: config.seed,
            baseline: store.clone(),
            store,
            faults: Faults::new(config.seed),
            log: Vec::new(),
            log_capacity: config.log_capacity,
            calls: HashMap::new(),
            verified: HashMap::new(),
            clock_shift: 0,
        }
    }

    /// An emulator loaded with the deterministic demo data set (see [`crate::demo`]).
    pub fn demo(config: Config) -> Self {
        let mut e = Emulator::new(config);
        crate::demo::load(&mut e.store);
        e.set_baseline();
        e
    }

    /// Answers one request received at `now` (time since the Unix epoch).
    ///
    /// Paths under `/_emulator/` go to the admin API; everything else is an IM API call,
    /// validated and answered as the service does, and logged.
    pub fn handle(&mut self, now: Duration, request: Request<Bytes>) -> Reply {
        let now = self.shifted(now);
        let path = request.uri().path();
        if path == "/_emulator" || path.starts_with("/_emulator/") {
            return crate::admin::handle(self, now, request);
        }
        self.api(now, request)
    }

    /// The data: accounts, conversations, admins.
    pub fn data(&mut self) -> &mut Store {
        &mut self.store
    }

    /// The fault configuration.
    pub fn faults(&mut self) -> &mut Faults {
        &mut self.faults
    }

    /// The request log, oldest first (API calls only; admin calls are not logged).
    pub fn log(&self) -> &[LogEntry] {
        &self.log
    }

    /// Empties the request log.
    pub fn clear_log(&mut self) {
        self.log.clear();
    }

    /// Makes the current data the state [`Emulator::reset`] returns to.
    pub fn set_baseline(&mut self) {
        self.baseline = self.store.clone();
    }

    /// Back to the baseline data, no faults, an empty log, fresh rate-limit windows, no clock
    /// shift, the fault generator reseeded.
    pub fn reset(&mut self) {
        let rev = self.store.revision();
        self.store = self.baseline.clone();
        // The revision never goes back, so later changes are still seen as changes by walks
        // that started before the reset.
        self.store.raise_revision(rev + 1);
        self.faults.clear();
        self.faults.reseed(self.seed);
        self.log.clear();
        self.calls.clear();
        self.verified.clear();
        self.clock_shift = 0;
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

    /// Seconds added to every `now` given to [`Emulator::handle`].
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

    pub(crate) fn shifted(&self, now: Duration) -> Duration {
        let shift = Duration::from_secs(self.clock_shift.unsigned_abs());
        if self.clock_shift >= 0 {
            now.saturating_add(shift)
        } else {
            now.saturating_sub(shift)
        }
    }

    fn api(&mut self, now: Duration, request: Request<Bytes>) -> Reply {
        let mut entry = LogEntry {
            at: now,
            method: request.method().as_str().to_owned(),
            path: request.uri().path().to_owned(),
            query: redact_query(request.uri().query().unwrap_or("")),
            body: body_preview(request.body()),
            status: 0,
            error_code: None,
            fault: None,
        };
        let reply = self.api_inner(now, &request, &mut entry);
        entry.status = match reply.delivery {
            Delivery::Drop => 0,
            _ => reply.response.status().as_u16(),
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
    ) -> Reply {
        let Some(api) = request
            .uri()
            .path()
            .strip_prefix("/v4/")
            .and_then(|p| APIS.iter().copied().find(|a| *a == p))
        else {
            return self.fail(Duration::ZERO, codes::INVALID_RESOURCE.into(), entry);
        };
        let decision = self.faults.decide(api);
        let mut delay = decision.delay;
        let mut page_fault = PageFault::None;
        let mut truncate = false;
        if let Some(fault) = &decision.fault {
            entry.fault = Some(fault.to_string());
            match fault {
                Fault::ErrorCode(code) => {
                    let f = Fail {
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
            }
        }
        let result = self.call(now, api, request, page_fault);
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

    fn fail(&mut self, delay: Duration, f: Fail, entry: &mut LogEntry) -> Reply {
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
        api: &'static str,
        request: &Request<Bytes>,
        page_fault: PageFault,
    ) -> Result<Response<Bytes>, Fail> {
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
            // Both recentcontact pages document the private 50003 for this (api-facts §2.3, §4.2).
            return Err(codes::GET_LIST_NOT_ADMIN.into());
        }
        let body: Value = serde_json::from_slice(request.body())
            .map_err(|e| fail(codes::JSON_PARSE_FAILED, e))?;
        match api {
            GET_LIST => self.get_list(&body, page_fault),
            _ => self.delete(&body),
        }
    }

    fn check_rate(&mut self, now: Duration, api: &'static str) -> Result<(), Fail> {
        let Some(limit) = self.rate_limit else {
            return Ok(());
        };
        let window = self.calls.entry(api).or_default();
        let second = Duration::from_secs(1);
        while window
            .front()
            .is_some_and(|t| now.saturating_sub(*t) >= second)
        {
            window.pop_front();
        }
        if window.len() >= limit as usize {
            return Err(fail(
                codes::REST_FREQ_LIMIT,
                format_args!("more than {limit} calls per second"),
            ));
        }
        window.push_back(now);
        Ok(())
    }

    fn check_usersig(
        &mut self,
        usersig: &str,
        sdk_app_id: u64,
        identifier: &str,
        now: u64,
    ) -> Result<(), Fail> {
        if let Some(c) = self.verified.get(usersig)
            && c.sdk_app_id == sdk_app_id
            && c.identifier == identifier
            && !c.is_expired_at(now)
        {
            return Ok(());
        }
        let expected = Expected::new(sdk_app_id, identifier);
        match tim_sig::verify(&self.key, usersig, &expected, now) {
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

    fn get_list(&mut self, body: &Value, page_fault: PageFault) -> Result<Response<Bytes>, Fail> {
        let from = string_field(body, "From_Account")?;
        let cursor = Cursor {
            time_stamp: uint_field(body, "TimeStamp")?,
            start_index: uint_field(body, "StartIndex")?,
            top_time_stamp: uint_field(body, "TopTimeStamp")?,
            top_start_index: uint_field(body, "TopStartIndex")?,
        };
        let flags = uint_field(body, "AssistFlags")?;
        if !self.store.is_account(from) {
            return Err(fail(codes::ACCOUNT_NOT_IMPORTED, format_args!("{from:?}")));
        }
        let page = paging::page(
            self.store.list(from),
            self.store.revision(),
            flags,
            cursor,
            self.page_size,
            page_fault,
        )
        .map_err(|e| {
            fail(
                codes::INVALID_PARAMETER,
                format_args!("{} out of range", e.0),
            )
        })?;
        let marks = flags & paging::MARKS != 0;
        let items: Vec<Item<'_>> = page
            .items
            .iter()
            .map(|e| {
                let c = &e.conv;
                Item {
                    kind: c.kind.wire(),
                    to_account: (c.kind == Kind::C2c).then_some(c.peer.as_str()),
                    group_id: (c.kind == Kind::Group).then_some(c.peer.as_str()),
                    msg_time: c.msg_time,
                    top_flag: u8::from(c.pinned),
                    standard_mark: c.standard_mark.as_deref().filter(|_| marks),
                    custom_mark: c.custom_mark.as_deref().filter(|_| marks),
                    contact_group_id: c.contact_group_ids.as_deref().filter(|_| marks),
                }
            })
            .collect();
        let out = GetListOut {
            items,
            complete_flag: u8::from(page.complete),
            time_stamp: page.cursor.time_stamp,
            start_index: page.cursor.start_index,
            top_time_stamp: page.cursor.top_time_stamp,
            top_start_index: page.cursor.top_start_index,
            action_status: "OK",
            error_code: 0,
            error_info: "",
            error_display: "",
        };
        Ok(json_response(StatusCode::OK, to_json(&out)))
    }

    fn delete(&mut self, body: &Value) -> Result<Response<Bytes>, Fail> {
        let from = string_field(body, "From_Account")?;
        let kind = uint_field(body, "Type")?;
        let kind = Kind::from_wire(kind)
            .ok_or_else(|| fail(codes::INVALID_PARAMETER, "Type must be 1 or 2"))?;
        let peer = match kind {
            Kind::C2c => string_field(body, "To_Account")?,
            _ => string_field(body, "ToGroupid")?,
        };
        match body.get("ClearRamble") {
            None => {}
            Some(v) if matches!(v.as_u64(), Some(0 | 1)) => {}
            Some(_) => return Err(fail(codes::INVALID_PARAMETER, "ClearRamble must be 0 or 1")),
        }
        if !self.store.is_account(from) {
            return Err(fail(codes::ACCOUNT_NOT_IMPORTED, format_args!("{from:?}")));
        }
        self.store.delete(from, kind, peer);
        Ok(json_response(StatusCode::OK, ok_envelope()))
    }
}

fn usersig_fail(e: &VerifyError) -> Fail {
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

fn string_field<'a>(body: &'a Value, name: &str) -> Result<&'a str, Fail> {
    match body.get(name) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s),
        Some(_) => Err(fail(
            codes::INVALID_PARAMETER,
            format_args!("{name} must be a non-empty string"),
        )),
        None => Err(fail(
            codes::INVALID_PARAMETER,
            format_args!("{name} is missing"),
        )),
    }
}

fn uint_field(body: &Value, name: &str) -> Result<u64, Fail> {
    match body.get(name) {
        Some(v) => v.as_u64().ok_or_else(|| {
            fail(
                codes::INVALID_PARAMETER,
                format_args!("{name} must be a non-negative integer"),
            )
        }),
        None => Err(fail(
            codes::INVALID_PARAMETER,
            format_args!("{name} is missing"),
        )),
    }
}

#[derive(Serialize)]
struct Item<'a> {
    #[serde(rename = "Type")]
    kind: u64,
    #[serde(rename = "To_Account", skip_serializing_if = "Option::is_none")]
    to_account: Option<&'a str>,
    #[serde(rename = "GroupId", skip_serializing_if = "Option::is_none")]
    group_id: Option<&'a str>,
    #[serde(rename = "MsgTime")]
    msg_time: u64,
    #[serde(rename = "TopFlag")]
    top_flag: u8,
    #[serde(rename = "StandardMark", skip_serializing_if = "Option::is_none")]
    standard_mark: Option<&'a str>,
    #[serde(rename = "CustomMark", skip_serializing_if = "Option::is_none")]
    custom_mark: Option<&'a str>,
    #[serde(rename = "ContactGroupId", skip_serializing_if = "Option::is_none")]
    contact_group_id: Option<&'a [u64]>,
}

#[derive(Serialize)]
struct GetListOut<'a> {
    #[serde(rename = "SessionItem")]
    items: Vec<Item<'a>>,
    #[serde(rename = "CompleteFlag")]
    complete_flag: u8,
    #[serde(rename = "TimeStamp")]
    time_stamp: u64,
    #[serde(rename = "StartIndex")]
    start_index: u64,
    #[serde(rename = "TopTimeStamp")]
    top_time_stamp: u64,
    #[serde(rename = "TopStartIndex")]
    top_start_index: u64,
    #[serde(rename = "ActionStatus")]
    action_status: &'static str,
    #[serde(rename = "ErrorCode")]
    error_code: i64,
    #[serde(rename = "ErrorInfo")]
    error_info: &'static str,
    #[serde(rename = "ErrorDisplay")]
    error_display: &'static str,
}

#[derive(Serialize)]
struct Envelope<'a> {
    #[serde(rename = "ActionStatus")]
    action_status: &'static str,
    #[serde(rename = "ErrorCode")]
    error_code: i64,
    #[serde(rename = "ErrorInfo")]
    error_info: &'a str,
    #[serde(rename = "ErrorDisplay")]
    error_display: &'static str,
}

pub(crate) fn to_json<T: Serialize>(value: &T) -> Bytes {
    // Serializing these plain structs into a Vec cannot fail (no maps with non-string keys, no
    // failing Serialize impls); an empty body would show up in every test if it ever did.
    Bytes::from(serde_json::to_vec(value).unwrap_or_default())
}

fn ok_envelope() -> Bytes {
    to_json(&Envelope {
        action_status: "OK",
        error_code: 0,
        error_info: "",
        error_display: "",
    })
}

/// The envelope of a failed API call (HTTP 200, as the service answers every API error).
pub(crate) fn api_error(code: i64, info: &str) -> Response<Bytes> {
    json_response(
        StatusCode::OK,
        to_json(&Envelope {
            action_status: "FAIL",
            error_code: code,
            error_info: info,
            error_display: "",
        }),
    )
}

pub(crate) fn json_response(status: StatusCode, body: Bytes) -> Response<Bytes> {
    let mut r = Response::new(body);
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    r
}

fn html_status(status: u16) -> Response<Bytes> {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    let title = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error")
    );
    let body = format!(
        "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    );
    let mut r = Response::new(Bytes::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/html"),
    );
    r
}

fn body_preview(body: &Bytes) -> String {
    let cut = &body[..body.len().min(4096)];
    String::from_utf8_lossy(cut).into_owned()
}

fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if percent_decode(k) == "usersig" => format!("{k}=[redacted]"),
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The query parameters, percent-decoded; the first occurrence of a name wins.
pub(crate) struct Query<'a> {
    pairs: Vec<(&'a str, &'a str)>,
}

impl<'a> Query<'a> {
    pub(crate) fn parse(query: &'a str) -> Self {
        let pairs = query
            .split('&')
            .filter(|s| !s.is_empty())
            .map(|p| p.split_once('=').unwrap_or((p, "")))
            .collect();
        Query { pairs }
    }

    pub(crate) fn get(&self, name: &str) -> Option<std::borrow::Cow<'a, str>> {
        self.pairs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| percent_decode(v))
    }
}

pub(crate) fn percent_decode(s: &str) -> std::borrow::Cow<'_, str> {
    // `+` is kept as is: it is not in the UserSig alphabet, but a standard-base64 token may
    // carry it unescaped, as the official SDKs interpolate the token raw.
    if !s.contains('%') {
        return std::borrow::Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                // Two hex digits make a value below 256.
                out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    std::borrow::Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}
