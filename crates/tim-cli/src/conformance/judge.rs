//! Judging one scenario from the emulator's own data and request log and from what the client
//! printed and how it ended. Pure: no clock, no IO. The rules are documented, one by one, in
//! `docs/conformance.md`.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use serde_json::{Map, Value};
use tim_emulator::{Kind, LogEntry};

use super::scenarios::{
    self, ACCOUNT, Expect, MAX_REQUESTS_HOPELESS, MAX_REQUESTS_RECOVERABLE, MIN_RETRY_GAP_MS,
    MIN_THROTTLED_GAP_MS, Scenario, Special,
};

/// The path of the walked API.
const GET_LIST: &str = "/v4/recentcontact/get_list";

/// How the client ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ended {
    /// It exited with this status code.
    Exited(i32),
    /// It was ended by a signal it did not send itself (not by us).
    Signalled(i32),
    /// It was still running at the scenario's time limit and was killed.
    TimedOut,
}

/// What the client did, as the runner saw it.
#[derive(Clone, Debug)]
pub(crate) struct Run {
    pub(crate) ended: Ended,
    pub(crate) stdout: Vec<u8>,
    /// The scenario's time limit.
    pub(crate) limit: Duration,
}

/// The verdict on one scenario.
#[derive(Clone, Debug, serde::Serialize)]
pub(crate) struct Score {
    pub(crate) name: &'static str,
    pub(crate) pass: bool,
    /// The first failure, or what was verified.
    pub(crate) reason: String,
    /// Every failed check.
    pub(crate) failures: Vec<String>,
    /// The get_list requests the client sent.
    pub(crate) requests: usize,
    /// The exit status (`None` when killed or signalled).
    pub(crate) exit_status: Option<i32>,
    /// Whether it was killed at the time limit.
    pub(crate) timed_out: bool,
    /// The conversations it printed (known ones, repeats included).
    pub(crate) printed: usize,
    /// How long it ran, in milliseconds.
    pub(crate) duration_ms: u128,
}

/// A conversation as printed: `(kind, peer)`, kind `c2c` or `group`.
type Key = (&'static str, String);

/// What the client printed, read tolerantly.
#[derive(Debug, Default)]
pub(crate) struct Printed {
    /// Known conversations, in order, repeats kept.
    pub(crate) conversations: Vec<Key>,
    /// Items of the unknown kind the `unknown-item` fault inserts.
    pub(crate) probes: usize,
    /// JSON objects that are no recognisable conversation.
    pub(crate) unrecognised: usize,
    /// Output that is not JSON.
    pub(crate) not_json: usize,
}

/// Reads the client's stdout: JSON lines, or any stream of JSON values (a pretty-printed
/// document too). An object with a `SessionItem` array counts as its items; an array as its
/// elements. Non-JSON lines are counted and skipped.
pub(crate) fn read_output(stdout: &[u8]) -> Printed {
    let mut printed = Printed::default();
    let values: Result<Vec<Value>, _> = serde_json::Deserializer::from_slice(stdout)
        .into_iter::<Value>()
        .collect();
    match values {
        Ok(values) => values.iter().for_each(|v| take(v, &mut printed)),
        Err(_) => {
            for line in stdout.split(|&b| b == b'\n') {
                let line = line.trim_ascii();
                if line.is_empty() {
                    continue;
                }
                match serde_json::from_slice::<Value>(line) {
                    Ok(v) => take(&v, &mut printed),
                    Err(_) => printed.not_json += 1,
                }
            }
        }
    }
    printed
}

fn take(value: &Value, printed: &mut Printed) {
    match value {
        Value::Array(items) => items.iter().for_each(|v| take(v, printed)),
        Value::Object(o) => match o.get("SessionItem") {
            Some(Value::Array(items)) => items.iter().for_each(|v| take(v, printed)),
            _ => match identify(o) {
                Some(Identified::Known(key)) => printed.conversations.push(key),
                Some(Identified::Probe) => printed.probes += 1,
                None => printed.unrecognised += 1,
            },
        },
        _ => printed.not_json += 1,
    }
}

enum Identified {
    Known(Key),
    Probe,
}

const TYPE_FIELDS: &[&str] = &[
    "Type",
    "type",
    "SessionType",
    "session_type",
    "kind",
    "Kind",
];
const C2C_FIELDS: &[&str] = &["To_Account", "to_account", "ToAccount", "toAccount"];
const GROUP_FIELDS: &[&str] = &[
    "GroupId",
    "ToGroupId",
    "ToGroupid",
    "GroupID",
    "group_id",
    "groupId",
    "to_group_id",
];
const PEER_FIELDS: &[&str] = &["peer", "Peer", "peer_id", "PeerId", "peerId"];

/// A conversation's identity from the wire names (`Type`, `To_Account`, `GroupId`), the group
/// spelling of the contact-group calls (`ToGroupId`), or common snake/camel-case variants.
fn identify(o: &Map<String, Value>) -> Option<Identified> {
    if o.contains_key("ConformanceProbe") {
        return Some(Identified::Probe);
    }
    let kind = TYPE_FIELDS
        .iter()
        .find_map(|f| o.get(*f))
        .and_then(|v| match v {
            Value::Number(n) => n.as_u64().map(|n| n.to_string()),
            Value::String(s) => Some(s.to_ascii_lowercase()),
            _ => None,
        });
    let text = |fields: &[&str]| {
        fields
            .iter()
            .find_map(|f| o.get(*f).and_then(Value::as_str))
            .map(str::to_owned)
    };
    let kind = match kind.as_deref() {
        Some("1" | "c2c") => Some(Kind::C2c),
        Some("2" | "group") => Some(Kind::Group),
        Some(t) if t == tim_emulator::UNKNOWN_ITEM_TYPE.to_string() => {
            return Some(Identified::Probe);
        }
        Some(_) => return None,
        None if text(C2C_FIELDS).is_some() => Some(Kind::C2c),
        None if text(GROUP_FIELDS).is_some() => Some(Kind::Group),
        None => None,
    }?;
    let peer = match kind {
        Kind::Group => text(GROUP_FIELDS),
        _ => text(C2C_FIELDS),
    }
    .or_else(|| text(PEER_FIELDS))?;
    Some(Identified::Known((kind_name(kind), peer)))
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Group => "group",
        _ => "c2c",
    }
}

/// The four cursor fields, in wire order.
type Cursor = [u64; 4];

const CURSOR_FIELDS: [&str; 4] = ["TimeStamp", "StartIndex", "TopTimeStamp", "TopStartIndex"];

fn cursor_of(v: &Value) -> Option<Cursor> {
    let mut c = [0; 4];
    for (slot, f) in c.iter_mut().zip(CURSOR_FIELDS) {
        *slot = v.get(f)?.as_u64()?;
    }
    Some(c)
}

fn show(c: &Cursor) -> String {
    format!("v1.{}.{}.{}.{}", c[0], c[1], c[2], c[3])
}

/// What one answer meant to the client.
#[derive(Debug)]
enum Outcome {
    /// A page arrived (its cursor unknown when the logged reply could not be read).
    Page {
        next: Option<Cursor>,
        complete: bool,
    },
    /// The answer was a failure: the same cursor must be re-sent.
    Failed { why: String, code: Option<i64> },
    /// The client sent its next request before this answer was due: it gave up waiting.
    Abandoned,
}

/// One get_list request of the log, read.
struct Request<'a> {
    entry: &'a LogEntry,
    body: Option<Value>,
    random: Option<String>,
    outcome: Outcome,
}

impl Request<'_> {
    fn cursor(&self) -> Option<Cursor> {
        self.body.as_ref().and_then(cursor_of)
    }

    fn answered_at(&self) -> Duration {
        self.entry.at.saturating_add(self.entry.delay)
    }
}

fn query_value<'q>(query: &'q str, name: &str) -> Option<&'q str> {
    query
        .split('&')
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn outcome(entry: &LogEntry, next_at: Option<Duration>) -> Outcome {
    let code = entry.error_code;
    if entry.status == 0 {
        return Outcome::Failed {
            why: "connection dropped".into(),
            code: None,
        };
    }
    if entry.status != 200 {
        return Outcome::Failed {
            why: format!("HTTP {}", entry.status),
            code: None,
        };
    }
    if code != Some(0) {
        return Outcome::Failed {
            why: format!("ErrorCode {}", code.map_or("?".into(), |c| c.to_string())),
            code,
        };
    }
    if entry.fault.as_deref() == Some("truncate") {
        return Outcome::Failed {
            why: "truncated answer".into(),
            code: None,
        };
    }
    if next_at.is_some_and(|n| n < entry.at.saturating_add(entry.delay)) {
        return Outcome::Abandoned;
    }
    let reply: Option<Value> = serde_json::from_str(&entry.reply).ok();
    Outcome::Page {
        next: reply.as_ref().and_then(cursor_of),
        complete: reply
            .as_ref()
            .and_then(|r| r.get("CompleteFlag"))
            .and_then(Value::as_u64)
            == Some(1),
    }
}

fn is_usersig_code(code: i64) -> bool {
    (70001..=70020).contains(&code) || code == 70052
}

fn ms(d: Duration) -> String {
    format!("{} ms", d.as_millis())
}

/// Judges one scenario. `duration` is how long the client ran.
pub(crate) fn judge(s: &Scenario, log: &[LogEntry], run: &Run, duration: Duration) -> Score {
    let mut failures = Vec::new();
    let entries: Vec<&LogEntry> = log.iter().filter(|e| e.path == GET_LIST).collect();
    let others = log.len() - entries.len();
    let requests: Vec<Request<'_>> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| Request {
            entry: e,
            body: serde_json::from_str(&e.body).ok(),
            random: query_value(&e.query, "random").map(str::to_owned),
            outcome: outcome(e, entries.get(i + 1).map(|n| n.at)),
        })
        .collect();

    // How it ended.
    let exit_status = match run.ended {
        Ended::Exited(c) => Some(c),
        _ => None,
    };
    match (run.ended, s.expect) {
        (Ended::TimedOut, _) => failures.push(format!(
            "did not end within {} s (killed)",
            run.limit.as_secs()
        )),
        (Ended::Signalled(sig), _) => failures.push(format!("ended by signal {sig}")),
        (Ended::Exited(0), Expect::Complete) | (Ended::Exited(_), Expect::GiveUp) => {}
        (Ended::Exited(c), Expect::Complete) => {
            failures.push(format!("exited with status {c}, not 0"));
        }
    }
    if run.ended == Ended::Exited(0) && s.expect == Expect::GiveUp {
        failures.push(
            "exited 0 although the list could not be fetched (a caller would take part of the list for all of it)"
                .into(),
        );
    }

    // The requests.
    check_requests(s, &requests, others, &mut failures);

    // The output.
    let printed = read_output(&run.stdout);
    if s.expect == Expect::Complete {
        check_output(&printed, &mut failures);
    }
    if s.special == Special::UnknownItem && printed.probes > 1 {
        failures.push(format!(
            "printed the item of unknown Type {} times (at most once)",
            printed.probes
        ));
    }

    let pass = failures.is_empty();
    let reason = match (failures.first(), s.expect) {
        (Some(f), _) => f.clone(),
        (None, Expect::Complete) => format!(
            "{} conversations, {} requests",
            printed.conversations.len(),
            requests.len()
        ),
        (None, Expect::GiveUp) => format!(
            "gave up after {} requests, exit status {}",
            requests.len(),
            exit_status.map_or("?".into(), |c| c.to_string())
        ),
    };
    Score {
        name: s.name,
        pass,
        reason,
        failures,
        requests: requests.len(),
        exit_status,
        timed_out: run.ended == Ended::TimedOut,
        printed: printed.conversations.len(),
        duration_ms: duration.as_millis(),
    }
}

fn check_requests(
    s: &Scenario,
    requests: &[Request<'_>],
    others: usize,
    failures: &mut Vec<String>,
) {
    if requests.is_empty() {
        failures.push("sent no get_list request".into());
        return;
    }
    let cap = match s.expect {
        Expect::Complete => MAX_REQUESTS_RECOVERABLE,
        Expect::GiveUp => MAX_REQUESTS_HOPELESS,
    };
    if requests.len() + others > cap {
        failures.push(format!(
            "sent {} requests (at most {cap}): a loop",
            requests.len() + others
        ));
    }

    // Every request not answered by an injected fault must succeed: a valid UserSig, query and
    // body.
    let refused: Vec<(usize, &Request<'_>)> = requests
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            r.entry.fault.is_none() && (r.entry.status != 200 || r.entry.error_code != Some(0))
        })
        .collect();
    if let Some((i, r)) = refused.first() {
        let code = r.entry.error_code.unwrap_or_default();
        let info = serde_json::from_str::<Value>(&r.entry.reply)
            .ok()
            .and_then(|v| {
                v.get("ErrorInfo")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .unwrap_or_default();
        let more = match refused.len() {
            1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        failures.push(if is_usersig_code(code) {
            format!(
                "request {} was refused for its UserSig (ErrorCode {code}: {info}){more}: sign a valid UserSig from TIM_KEY, and a new one after 70001",
                i + 1
            )
        } else {
            format!(
                "request {} was refused (HTTP {}, ErrorCode {code}: {info}){more}",
                i + 1,
                r.entry.status
            )
        });
    }

    // A fresh random on every request.
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, r) in requests.iter().enumerate() {
        match r.random.as_deref() {
            None => failures.push(format!("request {} has no random parameter", i + 1)),
            Some(v) => {
                if let Some(first) = seen.insert(v, i + 1) {
                    failures.push(format!(
                        "requests {first} and {} sent the same random {v}: draw a new one for every request, retries included",
                        i + 1
                    ));
                    break;
                }
            }
        }
    }

    // The account, the flags, the cursors.
    let mut flags: Option<u64> = None;
    let mut expected: Option<Cursor> = Some([0; 4]);
    let mut because = "a walk starts at the zero cursor".to_owned();
    let mut complete_at: Option<usize> = None;
    for (i, r) in requests.iter().enumerate() {
        let n = i + 1;
        if let Some(done) = complete_at {
            failures.push(format!(
                "request {n} came after request {done} was answered CompleteFlag 1: the walk had ended"
            ));
            break;
        }
        let Some(body) = &r.body else {
            failures.push(format!("request {n}'s body is not JSON"));
            break;
        };
        match body.get("From_Account").and_then(Value::as_str) {
            Some(ACCOUNT) => {}
            other => {
                failures.push(format!(
                    "request {n} asked for the list of {other:?}, not of TIM_ACCOUNT ({ACCOUNT:?})"
                ));
                break;
            }
        }
        let f = body.get("AssistFlags").and_then(Value::as_u64);
        match (flags, f) {
            (_, None) => {}
            (None, Some(f)) => flags = Some(f),
            (Some(a), Some(b)) if a != b => {
                failures.push(format!(
                    "request {n} changed AssistFlags from {a} to {b} in the middle of a walk"
                ));
                break;
            }
            _ => {}
        }
        let sent = r.cursor();
        if let (Some(want), Some(got)) = (expected, sent)
            && want != got
        {
            failures.push(format!(
                "request {n} sent the cursor {} but {because} ({})",
                show(&got),
                show(&want)
            ));
            break;
        }
        match &r.outcome {
            Outcome::Page { next, complete } => {
                if *complete {
                    complete_at = Some(n);
                }
                expected = *next;
                because = format!("request {n}'s page answered");
            }
            Outcome::Failed { why, .. } => {
                expected = sent;
                because = format!("request {n} failed ({why}): re-send its cursor");
            }
            Outcome::Abandoned => {
                expected = sent;
                because = format!("request {n} was given up: re-send its cursor");
            }
        }
    }

    // No tight loop: a pause after each failure, except one immediate retry with a new UserSig.
    let mut resign_used = false;
    for (i, pair) in requests.windows(2).enumerate() {
        let (a, b) = (&pair[0], &pair[1]);
        let Outcome::Failed { why, code } = &a.outcome else {
            resign_used = false;
            continue;
        };
        if code.is_some_and(|c| c == 70001 || c == 70052) && !resign_used {
            resign_used = true;
            continue;
        }
        let gap = b.entry.at.saturating_sub(a.answered_at());
        if gap < Duration::from_millis(MIN_RETRY_GAP_MS) {
            failures.push(format!(
                "request {} came {} after request {} failed ({why}): pause before retrying (at least {MIN_RETRY_GAP_MS} ms)",
                i + 2,
                ms(gap),
                i + 1
            ));
            break;
        }
    }

    match s.special {
        Special::Throttled => {
            if let Some(i) = requests
                .iter()
                .position(|r| r.entry.error_code == Some(60007))
            {
                match requests.get(i + 1) {
                    None => failures.push(format!(
                        "never retried after request {} was throttled (60007)",
                        i + 1
                    )),
                    Some(b) => {
                        let gap = b.entry.at.saturating_sub(requests[i].answered_at());
                        if gap < Duration::from_millis(MIN_THROTTLED_GAP_MS) {
                            failures.push(format!(
                                "retried {} after the frequency-limit answer 60007 (request {}): back off at least {MIN_THROTTLED_GAP_MS} ms",
                                ms(gap),
                                i + 1
                            ));
                        }
                    }
                }
            }
        }
        Special::SlowReply => {
            if let Some(i) = requests.iter().position(|r| {
                r.entry
                    .fault
                    .as_deref()
                    .is_some_and(|f| f.starts_with("delay="))
            }) {
                let due = requests[i].answered_at();
                match requests.get(i + 1) {
                    Some(b) if b.entry.at < due => {}
                    _ => failures.push(format!(
                        "waited for the slow answer to request {} ({} s) instead of timing out (TIM_TIMEOUT_MS) and re-sending",
                        i + 1,
                        requests[i].entry.delay.as_secs()
                    )),
                }
            }
        }
        Special::None | Special::UnknownItem => {}
    }
}

fn check_output(printed: &Printed, failures: &mut Vec<String>) {
    let expected: BTreeMap<Key, ()> = scenarios::conversations()
        .iter()
        .map(|c| ((kind_name(c.kind), c.peer.clone()), ()))
        .collect();
    let mut counts: BTreeMap<&Key, usize> = BTreeMap::new();
    for c in &printed.conversations {
        *counts.entry(c).or_default() += 1;
    }
    let list = |keys: Vec<String>| {
        let n = keys.len();
        let mut shown: Vec<String> = keys.into_iter().take(4).collect();
        if n > 4 {
            shown.push("…".into());
        }
        shown.join(", ")
    };
    let lost: Vec<String> = expected
        .keys()
        .filter(|k| !counts.contains_key(k))
        .map(|(k, p)| format!("{k}:{p}"))
        .collect();
    let repeated: Vec<String> = counts
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|((k, p), n)| format!("{k}:{p} ×{n}"))
        .collect();
    let unexpected: Vec<String> = counts
        .keys()
        .filter(|k| !expected.contains_key(**k))
        .map(|(k, p)| format!("{k}:{p}"))
        .collect();
    if !lost.is_empty() {
        let hint = if printed.unrecognised > 0 || printed.not_json > 0 {
            format!(
                " ({} printed objects and {} lines were not recognised as conversations: print JSON lines with Type and To_Account or GroupId)",
                printed.unrecognised, printed.not_json
            )
        } else {
            String::new()
        };
        failures.push(format!(
            "lost {} of {} conversations: {}{hint}",
            lost.len(),
            expected.len(),
            list(lost)
        ));
    }
    if !repeated.is_empty() {
        failures.push(format!(
            "printed conversations more than once: {}",
            list(repeated)
        ));
    }
    if !unexpected.is_empty() {
        failures.push(format!(
            "printed conversations that are not in the list: {}",
            list(unexpected)
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::scenarios::find;

    fn entry(at_ms: u64, body: Cursor, random: u32) -> LogEntry {
        LogEntry {
            at: Duration::from_millis(at_ms),
            method: "POST".into(),
            path: GET_LIST.into(),
            query: format!(
                "sdkappid=1&identifier=a&usersig=[redacted]&random={random}&contenttype=json"
            ),
            body: format!(
                r#"{{"From_Account":"{ACCOUNT}","TimeStamp":{},"StartIndex":{},"TopTimeStamp":{},"TopStartIndex":{},"AssistFlags":7}}"#,
                body[0], body[1], body[2], body[3]
            ),
            status: 200,
            error_code: Some(0),
            fault: None,
            delay: Duration::ZERO,
            reply: String::new(),
        }
    }

    fn page(mut e: LogEntry, next: Cursor, complete: bool) -> LogEntry {
        e.reply = format!(
            r#"{{"SessionItem":[],"CompleteFlag":{},"TimeStamp":{},"StartIndex":{},"TopTimeStamp":{},"TopStartIndex":{},"ErrorCode":0}}"#,
            u8::from(complete),
            next[0],
            next[1],
            next[2],
            next[3]
        );
        e
    }

    fn failed(mut e: LogEntry, fault: &str, status: u16) -> LogEntry {
        e.fault = Some(fault.into());
        e.status = status;
        e.error_code = None;
        e
    }

    fn all_printed() -> Vec<u8> {
        let mut out = String::new();
        for c in scenarios::conversations() {
            match c.kind {
                Kind::Group => {
                    out.push_str(&format!("{{\"Type\":2,\"GroupId\":\"{}\"}}\n", c.peer))
                }
                _ => out.push_str(&format!("{{\"Type\":1,\"To_Account\":\"{}\"}}\n", c.peer)),
            }
        }
        out.into_bytes()
    }

    fn ok_run(stdout: Vec<u8>) -> Run {
        Run {
            ended: Ended::Exited(0),
            stdout,
            limit: Duration::from_secs(20),
        }
    }

    const A: Cursor = [1, 8, 0, 0];
    const B: Cursor = [1, 16, 0, 0];

    fn good_502_log() -> Vec<LogEntry> {
        vec![
            page(entry(0, [0; 4], 1), A, false),
            failed(entry(10, A, 2), "status=502", 502),
            page(entry(100, A, 3), B, false),
            page(entry(110, B, 4), [0; 4], true),
        ]
    }

    #[test]
    fn a_good_walk_through_a_502_passes() {
        let s = find("http-502").expect("scenario");
        let score = judge(s, &good_502_log(), &ok_run(all_printed()), Duration::ZERO);
        assert!(score.pass, "{score:?}");
        assert_eq!(score.requests, 4);
        assert_eq!(score.printed, 10);
    }

    #[test]
    fn a_new_cursor_after_a_failure_fails() {
        let s = find("http-502").expect("scenario");
        let mut log = good_502_log();
        log[2] = page(entry(100, [0; 4], 3), A, false);
        let score = judge(s, &log, &ok_run(all_printed()), Duration::ZERO);
        assert!(!score.pass);
        assert!(
            score
                .reason
                .contains("request 3 sent the cursor v1.0.0.0.0 but request 2 failed (HTTP 502)"),
            "{}",
            score.reason
        );
    }

    #[test]
    fn a_tight_retry_a_reused_random_and_a_request_after_the_end_fail() {
        let s = find("http-502").expect("scenario");
        let mut log = good_502_log();
        log[2].at = Duration::from_millis(15);
        log[3].query = log[1].query.clone();
        log.push(page(entry(200, B, 9), [0; 4], true));
        let score = judge(s, &log, &ok_run(all_printed()), Duration::ZERO);
        let all = score.failures.join("\n");
        assert!(
            all.contains("request 3 came 5 ms after request 2 failed"),
            "{all}"
        );
        assert!(
            all.contains("requests 2 and 4 sent the same random 2"),
            "{all}"
        );
        assert!(
            all.contains("request 5 came after request 4 was answered CompleteFlag 1"),
            "{all}"
        );
    }

    #[test]
    fn lost_repeated_and_foreign_conversations_are_named() {
        let s = find("clean-walk").expect("scenario");
        let mut out = all_printed();
        out.extend_from_slice(
            b"{\"Type\":1,\"To_Account\":\"user_a\"}\n{\"Type\":1,\"To_Account\":\"stranger\"}\n",
        );
        let text = String::from_utf8(out)
            .expect("utf8")
            .replace("{\"Type\":1,\"To_Account\":\"user_f\"}\n", "");
        let log = vec![page(entry(0, [0; 4], 1), [0; 4], true)];
        let score = judge(s, &log, &ok_run(text.into_bytes()), Duration::ZERO);
        let all = score.failures.join("\n");
        assert!(
            all.contains("lost 1 of 10 conversations: c2c:user_f"),
            "{all}"
        );
        assert!(all.contains("c2c:user_a ×2"), "{all}");
        assert!(all.contains("not in the list: c2c:stranger"), "{all}");
    }

    #[test]
    fn output_is_read_tolerantly() {
        let out = concat!(
            "starting\n",
            "{\"type\":\"c2c\",\"to_account\":\"x\"}\n",
            "{\"ToGroupId\":\"g\"}\n",
            "{\"Type\":99,\"Other\":1}\n",
            "{\"SessionItem\":[{\"Type\":2,\"GroupId\":\"h\"}]}\n",
            "{\"count\":3}\n",
        );
        let p = read_output(out.as_bytes());
        assert_eq!(
            p.conversations,
            vec![
                ("c2c", "x".to_owned()),
                ("group", "g".to_owned()),
                ("group", "h".to_owned())
            ]
        );
        assert_eq!((p.probes, p.unrecognised, p.not_json), (1, 1, 1));
        // A pretty-printed document (tim contacts list --format json) reads too.
        let doc = "{\n  \"From_Account\": \"a\",\n  \"SessionItem\": [\n    {\"Type\": 1, \"To_Account\": \"y\"}\n  ]\n}\n";
        assert_eq!(
            read_output(doc.as_bytes()).conversations,
            vec![("c2c", "y".to_owned())]
        );
    }

    #[test]
    fn hopeless_scenarios_need_a_bounded_nonzero_end() {
        let s = find("endless-502").expect("scenario");
        let mut log = vec![page(entry(0, [0; 4], 1), A, false)];
        for i in 0..3u32 {
            log.push(failed(
                entry(100 + u64::from(i) * 100, A, 10 + i),
                "status=502",
                502,
            ));
        }
        let gave_up = Run {
            ended: Ended::Exited(4),
            stdout: Vec::new(),
            limit: Duration::from_secs(20),
        };
        assert!(judge(s, &log, &gave_up, Duration::ZERO).pass);
        let zero = judge(s, &log, &ok_run(Vec::new()), Duration::ZERO);
        assert!(
            zero.reason.starts_with("exited 0 although"),
            "{}",
            zero.reason
        );
        let hung = Run {
            ended: Ended::TimedOut,
            ..gave_up
        };
        assert!(
            judge(s, &log, &hung, Duration::ZERO)
                .reason
                .starts_with("did not end within 20 s")
        );
        for i in 0..20u32 {
            log.push(failed(
                entry(1000 + u64::from(i) * 100, A, 100 + i),
                "status=502",
                502,
            ));
        }
        let looping = judge(
            s,
            &log,
            &Run {
                ended: Ended::Exited(4),
                stdout: Vec::new(),
                limit: Duration::from_secs(20),
            },
            Duration::ZERO,
        );
        assert!(
            looping.reason.contains("(at most 12): a loop"),
            "{}",
            looping.reason
        );
    }

    #[test]
    fn a_refused_usersig_and_a_waited_out_slow_answer_fail() {
        let s = find("slow-reply").expect("scenario");
        let mut slow = page(entry(10, A, 2), B, false);
        slow.fault = Some("delay=10000ms".into());
        slow.delay = Duration::from_secs(10);
        let log = vec![
            page(entry(0, [0; 4], 1), A, false),
            slow,
            page(entry(10_020, B, 3), [0; 4], true),
        ];
        let score = judge(s, &log, &ok_run(all_printed()), Duration::ZERO);
        assert!(
            score
                .failures
                .iter()
                .any(|f| f.starts_with("waited for the slow answer to request 2")),
            "{score:?}"
        );

        let s = find("usersig-expiry").expect("scenario");
        let mut expired = entry(10, A, 2);
        expired.fault = Some("expire-usersig".into());
        expired.error_code = Some(70001);
        expired.delay = Duration::from_millis(500);
        let mut again = entry(511, A, 3);
        again.error_code = Some(70001);
        again.reply = r#"{"ErrorCode":70001,"ErrorInfo":"usersig expired"}"#.into();
        let log = vec![page(entry(0, [0; 4], 1), A, false), expired, again];
        let score = judge(s, &log, &ok_run(Vec::new()), Duration::ZERO);
        assert!(
            score.reason.starts_with(
                "request 3 was refused for its UserSig (ErrorCode 70001: usersig expired)"
            ),
            "{}",
            score.reason
        );
    }
}
