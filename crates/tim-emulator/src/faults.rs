//! Fault injection: scripted faults for the next N matching requests, probabilistic faults per
//! kind, and latency with jitter, all deterministic under the emulator's seed.

use std::collections::VecDeque;
use std::fmt;
use std::time::Duration;

/// One injected misbehaviour. See `docs/emulator.md`, "Faults", for what each does on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer HTTP 200 with `ActionStatus` `FAIL` and this `ErrorCode`, without executing the
    /// request.
    ErrorCode(i64),
    /// Answer this HTTP status with an nginx-style HTML body, without executing the request.
    HttpStatus(u16),
    /// Execute the request and answer normally, after this extra delay.
    Delay(Duration),
    /// Execute the request, then send the headers (with the full `Content-Length`) and only the
    /// first half of the body, and close the connection.
    Truncate,
    /// Close the connection without answering; the request is not executed.
    Drop,
    /// get_list only: answer the page but echo the request's four cursor fields with
    /// `CompleteFlag` 0.
    StalledCursor,
    /// get_list only: answer zero items with `CompleteFlag` 0 and a moved cursor that loses
    /// nothing.
    EmptyPage,
    /// Answer normally: a scripted placeholder, so that a script can say "the first N requests
    /// pass" (`pass,count=2` queued before another fault). No probabilistic fault is drawn for
    /// the request it answers.
    Pass,
    /// Paged APIs only: execute the request, then insert an item of a kind no client knows
    /// (`"Type": 99`, see [`unknown_item`]) in the middle of each item array of the answer.
    /// The cursor is unchanged: the known items around it must all be kept.
    UnknownItem,
    /// Paged APIs only: execute the request, then add fields no client knows (see
    /// [`EXTRA_FIELDS`]) to every item of the answer and to its envelope.
    ExtraFields,
    /// Answer `ErrorCode` 70001 (UserSig expired) without executing the request, delayed until
    /// just after the start of the next second of the emulator's clock; from then on every
    /// UserSig issued (`TLS.time`) at or before the second of this request is refused with
    /// 70001 too. A client passes by signing a new UserSig after the answer arrives, as it would
    /// when a real UserSig runs out mid-walk.
    ExpireUserSig,
}

/// The `Type` of the item [`Fault::UnknownItem`] inserts: no documented kind.
pub const UNKNOWN_ITEM_TYPE: u64 = 99;

/// The fields [`Fault::ExtraFields`] adds to every item (and to the envelope), as
/// `(name, JSON text)`: a string, an object with an array inside, and a number.
pub const EXTRA_FIELDS: &[(&str, &str)] = &[
    ("FutureString", r#""added by the extra-fields fault""#),
    ("FutureObject", r#"{"Nested":[1,"two",null,{"Deep":true}]}"#),
    ("FutureNumber", "42"),
];

/// The item [`Fault::UnknownItem`] inserts: `Type` [`UNKNOWN_ITEM_TYPE`], a `ConformanceProbe`
/// marker, and the usual `MsgTime` and `TopFlag`.
pub fn unknown_item() -> serde_json::Value {
    serde_json::json!({
        "Type": UNKNOWN_ITEM_TYPE,
        "ConformanceProbe": "unknown-type",
        "FutureId": "probe-1",
        "MsgTime": 1_700_000_000u64,
        "TopFlag": 0,
    })
}

/// The answer body `fault` ([`Fault::UnknownItem`], [`Fault::ExtraFields`]) makes of `body`: every
/// top-level array of objects is an item array. `None` when the body is not a JSON object or the
/// fault does not rewrite bodies (the answer is then sent unchanged). The envelope's keys come
/// out in sorted order (a JSON object is unordered).
pub(crate) fn rewrite_items(fault: &Fault, body: &[u8]) -> Option<Vec<u8>> {
    use serde_json::Value;
    let mut value: Value = serde_json::from_slice(body).ok()?;
    let object = value.as_object_mut()?;
    let extra = || {
        EXTRA_FIELDS
            .iter()
            .filter_map(|(k, v)| Some(((*k).to_owned(), serde_json::from_str::<Value>(v).ok()?)))
    };
    for items in object.values_mut().filter_map(Value::as_array_mut) {
        if !items.iter().all(Value::is_object) {
            continue;
        }
        match fault {
            Fault::UnknownItem => items.insert(items.len() / 2, unknown_item()),
            Fault::ExtraFields => {
                for item in items.iter_mut().filter_map(Value::as_object_mut) {
                    item.extend(extra());
                }
            }
            _ => return None,
        }
    }
    if *fault == Fault::ExtraFields {
        object.extend(extra());
    }
    serde_json::to_vec(&value).ok()
}

impl Fault {
    /// Whether the fault only makes sense for a paged API.
    fn paging_only(&self) -> bool {
        matches!(
            self,
            Fault::StalledCursor | Fault::EmptyPage | Fault::UnknownItem | Fault::ExtraFields
        )
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::ErrorCode(c) => write!(f, "code={c}"),
            Fault::HttpStatus(s) => write!(f, "status={s}"),
            Fault::Delay(d) => write!(f, "delay={}ms", d.as_millis()),
            Fault::Truncate => f.write_str("truncate"),
            Fault::Drop => f.write_str("drop"),
            Fault::StalledCursor => f.write_str("stall"),
            Fault::EmptyPage => f.write_str("empty"),
            Fault::Pass => f.write_str("pass"),
            Fault::UnknownItem => f.write_str("unknown-item"),
            Fault::ExtraFields => f.write_str("extra-fields"),
            Fault::ExpireUserSig => f.write_str("expire-usersig"),
        }
    }
}

/// A scripted fault: it answers the next `remaining` requests whose path matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scripted {
    /// The fault.
    pub fault: Fault,
    /// How many more matching requests it answers.
    pub remaining: u32,
    /// The API it applies to, as `servicename/command` (e.g. `recentcontact/get_list`); `None`
    /// means every API (paged APIs only for [`Fault::StalledCursor`], [`Fault::EmptyPage`],
    /// [`Fault::UnknownItem`] and [`Fault::ExtraFields`]).
    pub api: Option<String>,
}

/// A probabilistic fault: each matching request draws it with `probability`.
#[derive(Clone, Debug, PartialEq)]
pub struct Rate {
    /// The fault.
    pub fault: Fault,
    /// Probability in `[0, 1]`.
    pub probability: f64,
    /// As [`Scripted::api`].
    pub api: Option<String>,
}

/// Why a fault spec was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FaultSpecError {
    /// The spec is empty.
    #[error("empty fault spec")]
    Empty,
    /// The first item names no fault kind.
    #[error("unknown fault kind {0:?}")]
    UnknownKind(String),
    /// A `key=value` item is unknown or its value is malformed.
    #[error("invalid fault option {0:?}")]
    InvalidOption(String),
}

/// The fault configuration of an emulator. Reached through [`crate::Emulator::faults`].
///
/// Scripted faults are consumed in order: a request takes the first scripted fault that matches
/// it. When none does, the probabilistic ones are drawn in order, the first hit wins. Latency
/// (base plus uniform jitter) is added to every API answer.
///
/// A clone carries the random generator's state too.
#[derive(Clone)]
pub struct Faults {
    script: VecDeque<Scripted>,
    rates: Vec<Rate>,
    latency: Duration,
    jitter: Duration,
    rng: SplitMix64,
    /// Set by [`Fault::ExpireUserSig`]: UserSigs issued at or before this second are expired.
    usersigs_expired_through: Option<u64>,
}

impl fmt::Debug for Faults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Faults")
            .field("script", &self.script)
            .field("rates", &self.rates)
            .field("latency", &self.latency)
            .field("jitter", &self.jitter)
            .field("usersigs_expired_through", &self.usersigs_expired_through)
            .finish_non_exhaustive()
    }
}

/// What the fault layer decided for one request.
#[derive(Debug, Default)]
pub(crate) struct Decision {
    pub(crate) fault: Option<Fault>,
    pub(crate) delay: Duration,
}

impl Faults {
    /// No faults; `seed` drives the probabilistic ones and the jitter.
    pub fn new(seed: u64) -> Self {
        Faults {
            script: VecDeque::new(),
            rates: Vec::new(),
            latency: Duration::ZERO,
            jitter: Duration::ZERO,
            rng: SplitMix64(seed),
            usersigs_expired_through: None,
        }
    }

    /// Removes every fault and the latency, and forgets which UserSigs
    /// [`Fault::ExpireUserSig`] expired (the random sequence goes on).
    pub fn clear(&mut self) {
        self.script.clear();
        self.rates.clear();
        self.latency = Duration::ZERO;
        self.jitter = Duration::ZERO;
        self.usersigs_expired_through = None;
    }

    /// The second (Unix time) at or before which issued UserSigs are refused as expired, once a
    /// [`Fault::ExpireUserSig`] has fired.
    pub fn usersigs_expired_through(&self) -> Option<u64> {
        self.usersigs_expired_through
    }

    /// Expires every UserSig issued at or before `second` (it only moves forward).
    pub(crate) fn expire_usersigs_through(&mut self, second: u64) {
        self.usersigs_expired_through = Some(
            self.usersigs_expired_through
                .map_or(second, |s| s.max(second)),
        );
    }

    /// Whether a UserSig issued (`TLS.time`) at `issued` was expired by [`Fault::ExpireUserSig`].
    pub(crate) fn usersig_expired(&self, issued: u64) -> bool {
        self.usersigs_expired_through.is_some_and(|t| issued <= t)
    }

    /// Restarts the random sequence from `seed`.
    pub fn reseed(&mut self, seed: u64) {
        self.rng = SplitMix64(seed);
    }

    /// The next `count` API requests answer `fault`.
    pub fn script(&mut self, fault: Fault, count: u32) -> &mut Self {
        self.script_on(None, fault, count)
    }

    /// The next `count` requests to `api` (`servicename/command`, or `None` for any) answer
    /// `fault`.
    pub fn script_on(&mut self, api: Option<&str>, fault: Fault, count: u32) -> &mut Self {
        if count > 0 {
            self.script.push_back(Scripted {
                fault,
                remaining: count,
                api: api.map(normalize_api),
            });
        }
        self
    }

    /// Each request to `api` (or any) answers `fault` with `probability` (clamped to `[0, 1]`).
    pub fn rate_on(&mut self, api: Option<&str>, fault: Fault, probability: f64) -> &mut Self {
        let probability = if probability.is_nan() {
            0.0
        } else {
            probability.clamp(0.0, 1.0)
        };
        self.rates.push(Rate {
            fault,
            probability,
            api: api.map(normalize_api),
        });
        self
    }

    /// Each API request answers `fault` with `probability`.
    pub fn rate(&mut self, fault: Fault, probability: f64) -> &mut Self {
        self.rate_on(None, fault, probability)
    }

    /// Every API answer is delayed by `base` plus a uniform jitter in `[0, jitter]`.
    pub fn latency(&mut self, base: Duration, jitter: Duration) -> &mut Self {
        self.latency = base;
        self.jitter = jitter;
        self
    }

    /// The scripted faults still pending.
    pub fn pending(&self) -> impl Iterator<Item = &Scripted> {
        self.script.iter()
    }

    /// The probabilistic faults.
    pub fn rates(&self) -> &[Rate] {
        &self.rates
    }

    /// Adds the fault a spec string describes (the syntax of `tim emulator serve --fault` and
    /// `POST /_emulator/faults`), e.g. `code=70001,count=2`, `status=502,rate=0.1`,
    /// `drop,api=recentcontact/delete`, `latency=20ms,jitter=5ms`, `stall`, `empty,count=3`,
    /// `pass,count=2`, `unknown-item`, `extra-fields,rate=1`, `expire-usersig`.
    pub fn apply_spec(&mut self, spec: &str) -> Result<(), FaultSpecError> {
        let mut items = spec.split(',').map(str::trim).filter(|s| !s.is_empty());
        let head = items.next().ok_or(FaultSpecError::Empty)?;
        let (kind, value) = match head.split_once('=') {
            Some((k, v)) => (k.trim(), Some(v.trim())),
            None => (head, None),
        };
        let bad = || FaultSpecError::InvalidOption(head.to_owned());
        let mut count = None;
        let mut rate = None;
        let mut api = None;
        let mut jitter = Duration::ZERO;
        for item in items {
            let invalid = || FaultSpecError::InvalidOption(item.to_owned());
            let (k, v) = item.split_once('=').ok_or_else(invalid)?;
            match k.trim() {
                "count" => count = Some(v.trim().parse::<u32>().map_err(|_| invalid())?),
                "rate" => {
                    let p = v.trim().parse::<f64>().map_err(|_| invalid())?;
                    if !(0.0..=1.0).contains(&p) {
                        return Err(invalid());
                    }
                    rate = Some(p);
                }
                "api" => api = Some(v.trim().to_owned()),
                "jitter" => jitter = parse_duration(v.trim()).ok_or_else(invalid)?,
                _ => return Err(invalid()),
            }
        }
        let fault = match (kind, value) {
            ("latency", Some(v)) => {
                let base = parse_duration(v).ok_or_else(bad)?;
                self.latency(base, jitter);
                return Ok(());
            }
            ("code", Some(v)) => Fault::ErrorCode(v.parse().map_err(|_| bad())?),
            ("status", Some(v)) => {
                let s: u16 = v.parse().map_err(|_| bad())?;
                if !(100..=999).contains(&s) {
                    return Err(bad());
                }
                Fault::HttpStatus(s)
            }
            ("delay", Some(v)) => Fault::Delay(parse_duration(v).ok_or_else(bad)?),
            ("truncate", None) => Fault::Truncate,
            ("drop", None) => Fault::Drop,
            ("stall", None) => Fault::StalledCursor,
            ("empty", None) => Fault::EmptyPage,
            ("pass", None) => Fault::Pass,
            ("unknown-item", None) => Fault::UnknownItem,
            ("extra-fields", None) => Fault::ExtraFields,
            ("expire-usersig", None) => Fault::ExpireUserSig,
            ("latency" | "code" | "status" | "delay", None)
            | (
                "truncate" | "drop" | "stall" | "empty" | "pass" | "unknown-item" | "extra-fields"
                | "expire-usersig",
                Some(_),
            ) => return Err(bad()),
            _ => return Err(FaultSpecError::UnknownKind(kind.to_owned())),
        };
        match (count, rate) {
            (Some(_), Some(_)) => return Err(FaultSpecError::InvalidOption(spec.to_owned())),
            (_, Some(p)) => {
                self.rate_on(api.as_deref(), fault, p);
            }
            (c, None) => {
                self.script_on(api.as_deref(), fault, c.unwrap_or(1));
            }
        }
        Ok(())
    }

    /// Decides the fault and delay of one API request to `api` (`servicename/command`).
    /// The fault (and delay) for the next call of `api`; the paging faults only for a `paged`
    /// API of the table.
    pub(crate) fn decide(&mut self, api: &str, paged: bool) -> Decision {
        let matches = |fault: &Fault, want: &Option<String>| {
            want.as_deref().is_none_or(|w| w == api) && (!fault.paging_only() || paged)
        };
        let mut fault = None;
        let mut passed = false;
        if let Some(i) = self.script.iter().position(|s| matches(&s.fault, &s.api))
            && let Some(s) = self.script.get_mut(i)
        {
            s.remaining -= 1;
            match s.fault {
                Fault::Pass => passed = true,
                _ => fault = Some(s.fault.clone()),
            }
            if s.remaining == 0 {
                self.script.remove(i);
            }
        }
        if fault.is_none() && !passed {
            for r in &self.rates {
                if matches(&r.fault, &r.api) && self.rng.unit() < r.probability {
                    // A drawn `pass` answers normally, like no fault at all.
                    fault = Some(r.fault.clone()).filter(|f| *f != Fault::Pass);
                    break;
                }
            }
        }
        let jitter = if self.jitter.is_zero() {
            Duration::ZERO
        } else {
            let nanos = u64::try_from(self.jitter.as_nanos()).unwrap_or(u64::MAX);
            Duration::from_nanos(self.rng.next() % nanos.saturating_add(1))
        };
        Decision {
            fault,
            delay: self.latency.saturating_add(jitter),
        }
    }
}

fn normalize_api(api: &str) -> String {
    api.trim_start_matches('/')
        .trim_start_matches("v4/")
        .to_owned()
}

/// `250ms`, `2s`, `1500us` or a bare number of milliseconds.
/// The longest delay, latency or jitter a spec may ask for: longer ones are refused rather than
/// risk overflowing time arithmetic (and no client waits a day).
pub(crate) const MAX_FAULT_DURATION: Duration = Duration::from_secs(86_400);

pub(crate) fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None => (s, "ms"),
    };
    let n: u64 = num.parse().ok()?;
    let d = match unit {
        "ms" => Duration::from_millis(n),
        "s" => Duration::from_secs(n),
        "us" => Duration::from_micros(n),
        _ => return None,
    };
    (d <= MAX_FAULT_DURATION).then_some(d)
}

/// SplitMix64: a tiny, seedable, well-mixed generator (no OS randomness in the core).
#[derive(Clone, Debug)]
pub(crate) struct SplitMix64(pub(crate) u64);

impl SplitMix64 {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_durations_are_refused_and_the_largest_accepted_ones_do_not_overflow() {
        let mut f = Faults::new(1);
        for bad in [
            "latency=18446744073709551615s,jitter=1s",
            "latency=1ms,jitter=18446744073709551615s",
            "delay=86401s",
        ] {
            assert!(f.apply_spec(bad).is_err(), "{bad}");
        }
        f.apply_spec("latency=86400s,jitter=86400s")
            .expect("at the limit");
        f.apply_spec("delay=86400s,count=3").expect("at the limit");
        let mut e = crate::Emulator::new(crate::Config::new(1, "k"));
        *e.faults() = f;
        for _ in 0..3 {
            let request = http::Request::post("/v4/recentcontact/get_list")
                .body(bytes::Bytes::new())
                .expect("request");
            let reply = e.handle(Duration::from_secs(1_700_000_000), request);
            assert!(reply.delay >= Duration::from_secs(86_400 * 2));
        }
    }

    #[test]
    fn specs_parse() {
        let mut f = Faults::new(1);
        f.apply_spec("code=70001,count=2").unwrap();
        f.apply_spec("status=502,api=/v4/recentcontact/delete")
            .unwrap();
        f.apply_spec("drop,rate=0.5").unwrap();
        f.apply_spec("latency=20ms,jitter=5ms").unwrap();
        f.apply_spec("delay=1s").unwrap();
        let pending: Vec<_> = f.pending().cloned().collect();
        assert_eq!(pending.len(), 3);
        assert_eq!(pending[0].fault, Fault::ErrorCode(70001));
        assert_eq!(pending[0].remaining, 2);
        assert_eq!(pending[1].api.as_deref(), Some("recentcontact/delete"));
        assert_eq!(pending[2].fault, Fault::Delay(Duration::from_secs(1)));
        assert_eq!(f.rates()[0].fault, Fault::Drop);
        assert_eq!(f.latency, Duration::from_millis(20));
        for bad in [
            "",
            "boom",
            "code",
            "code=x",
            "drop=1",
            "drop,count=1,rate=0.1",
            "drop,rate=2",
            "drop,foo=1",
            "status=5",
            "latency=3h",
            "pass=1",
            "unknown-item=2",
            "extra-fields=x",
            "expire-usersig=1s",
        ] {
            assert!(f.apply_spec(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_conformance_faults_parse_and_pass_draws_no_rate() {
        let mut f = Faults::new(1);
        for spec in [
            "pass,count=2",
            "unknown-item",
            "extra-fields,rate=1",
            "expire-usersig",
        ] {
            f.apply_spec(spec).expect(spec);
        }
        let pending: Vec<String> = f.pending().map(|s| s.fault.to_string()).collect();
        assert_eq!(pending, ["pass", "unknown-item", "expire-usersig"]);
        // `pass` answers normally even though `extra-fields` is drawn for every other request.
        for _ in 0..2 {
            assert_eq!(f.decide("recentcontact/get_list", true).fault, None);
        }
        assert_eq!(
            f.decide("recentcontact/get_list", true).fault,
            Some(Fault::UnknownItem)
        );
        // Paging faults skip a call that is not paged.
        assert_eq!(
            f.decide("recentcontact/delete", false).fault,
            Some(Fault::ExpireUserSig)
        );
        assert_eq!(
            f.decide("recentcontact/get_list", true).fault,
            Some(Fault::ExtraFields)
        );
        let mut g = Faults::new(1);
        g.apply_spec("pass,rate=1").expect("spec");
        assert_eq!(g.decide("recentcontact/get_list", true).fault, None);
    }

    #[test]
    fn script_is_consumed_in_order_and_respects_the_api() {
        let mut f = Faults::new(1);
        f.script_on(Some("recentcontact/delete"), Fault::Drop, 1)
            .script(Fault::EmptyPage, 1)
            .script(Fault::ErrorCode(1), 2);
        assert_eq!(
            f.decide("recentcontact/get_list", true).fault,
            Some(Fault::EmptyPage)
        );
        assert_eq!(
            f.decide("recentcontact/get_list", true).fault,
            Some(Fault::ErrorCode(1))
        );
        assert_eq!(
            f.decide("recentcontact/delete", false).fault,
            Some(Fault::Drop)
        );
        assert_eq!(
            f.decide("recentcontact/delete", false).fault,
            Some(Fault::ErrorCode(1))
        );
        assert_eq!(f.decide("recentcontact/delete", false).fault, None);
    }

    #[test]
    fn rates_and_jitter_are_deterministic_under_a_seed() {
        let run = |seed| {
            let mut f = Faults::new(seed);
            f.rate(Fault::Drop, 0.3)
                .latency(Duration::from_millis(1), Duration::from_millis(4));
            (0..200)
                .map(|_| {
                    let d = f.decide("recentcontact/get_list", true);
                    (d.fault.is_some(), d.delay)
                })
                .collect::<Vec<_>>()
        };
        let a = run(7);
        assert_eq!(a, run(7));
        assert_ne!(a, run(8));
        let hits = a.iter().filter(|(hit, _)| *hit).count();
        assert!((30..90).contains(&hits), "{hits} hits of 200 at 0.3");
        assert!(
            a.iter()
                .all(|(_, d)| *d >= Duration::from_millis(1) && *d <= Duration::from_millis(5))
        );
    }
}
