//! The admin HTTP API under `/_emulator/` (served by the core, so the in-process transport has
//! it too). Answers are JSON; errors are HTTP 400 (bad input) or 404 (unknown path) with
//! `{"error": "..."}`. See `docs/emulator.md`, "Admin API".

// Handlers return the error response itself as `Err`: the admin API is not a hot path, so the
// size of `Response` in a `Result` does not matter here.
#![allow(clippy::result_large_err)]

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderName, Method, Request, Response, StatusCode};
use serde_json::{Map, Value, json};

use crate::emulator::{App, Emulator};
use crate::store::Kind;
use crate::wire::{Query, json_response, to_json};

fn ok(value: Value) -> Response<Bytes> {
    json_response(StatusCode::OK, to_json(&value))
}

fn error(status: StatusCode, message: impl std::fmt::Display) -> Response<Bytes> {
    json_response(status, to_json(&json!({ "error": message.to_string() })))
}

fn bad(message: impl std::fmt::Display) -> Response<Bytes> {
    error(StatusCode::BAD_REQUEST, message)
}

fn reply(response: Response<Bytes>) -> crate::Reply {
    crate::Reply {
        response,
        delay: Duration::ZERO,
        delivery: crate::Delivery::Full,
    }
}

fn body_json(request: &Request<Bytes>) -> Result<Value, Response<Bytes>> {
    if request.body().is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(request.body()).map_err(|e| bad(format_args!("invalid json: {e}")))
}

/// The body as a JSON object whose keys are all in `allowed` (an empty body is `{}`): anything
/// else is a 400 naming the first unknown field.
fn object(request: &Request<Bytes>, allowed: &[&str]) -> Result<Value, Response<Bytes>> {
    let map = match body_json(request)? {
        Value::Null => Map::new(),
        Value::Object(m) => m,
        _ => return Err(bad("expected a json object")),
    };
    if let Some(k) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
        if allowed.is_empty() {
            return Err(bad(format_args!(
                "unknown field {k:?} (this endpoint takes no fields)"
            )));
        }
        return Err(bad(format_args!(
            "unknown field {k:?} (expected one of: {})",
            allowed.join(", ")
        )));
    }
    Ok(Value::Object(map))
}

/// The keys of a conversation target.
const TARGET: &[&str] = &["From_Account", "Type", "To_Account", "GroupId"];

/// `From_Account`, `Type` and `To_Account`/`GroupId` of an admin body (the other peer field
/// refused).
fn target(body: &Value) -> Result<(String, Kind, String), Response<Bytes>> {
    let account = body
        .get("From_Account")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| bad("From_Account must be a non-empty string"))?;
    let kind = body
        .get("Type")
        .and_then(Value::as_u64)
        .and_then(Kind::from_wire)
        .ok_or_else(|| bad("Type must be 1 or 2"))?;
    let (name, other) = match kind {
        Kind::C2c => ("To_Account", "GroupId"),
        _ => ("GroupId", "To_Account"),
    };
    if body.get(other).is_some() {
        return Err(bad(format_args!(
            "{other} is not used with Type {}",
            kind.wire()
        )));
    }
    let peer = body
        .get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| bad(format_args!("{name} must be a non-empty string")))?;
    Ok((account.to_owned(), kind, peer.to_owned()))
}

/// One admin endpoint: its path under `/_emulator`, the methods it answers, the query
/// parameters it takes and what it does. The router and the OpenAPI document
/// ([`crate::openapi`]) both read this table.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Route {
    /// `/health`, `/faults/clear`, ...
    pub(crate) path: &'static str,
    /// Answers GET.
    pub(crate) get: bool,
    /// Answers POST.
    pub(crate) post: bool,
    /// The query parameters it takes (any other is a 400).
    pub(crate) query: &'static [&'static str],
    /// One line for the OpenAPI document.
    pub(crate) summary: &'static str,
}

const APP: &[&str] = &["sdkappid"];

const fn route(
    path: &'static str,
    get: bool,
    post: bool,
    query: &'static [&'static str],
    summary: &'static str,
) -> Route {
    Route {
        path,
        get,
        post,
        query,
        summary,
    }
}

/// Every admin endpoint but `/echo` (which takes any method and any query).
pub(crate) const ROUTES: &[Route] = &[
    route(
        "/health",
        true,
        true,
        APP,
        "Liveness, the app's sdkappid and clock.",
    ),
    route(
        "/apps",
        true,
        false,
        &[],
        "The apps of this emulator (never their keys).",
    ),
    route("/openapi.json", true, false, &[], "This OpenAPI document."),
    route(
        "/load",
        false,
        true,
        APP,
        "Load a data file (top level: the app, `apps`: others by sdkappid).",
    ),
    route(
        "/data",
        true,
        false,
        &["sdkappid", "account"],
        "The data as a data file (without sdkappid: every app, the others under `apps`).",
    ),
    route(
        "/baseline",
        false,
        true,
        APP,
        "The current data, settings and faults become what reset returns to (without sdkappid: every app).",
    ),
    route(
        "/message",
        false,
        true,
        APP,
        "A new message in a conversation.",
    ),
    route("/pin", false, true, APP, "Pin a conversation."),
    route("/unpin", false, true, APP, "Unpin a conversation."),
    route("/delete", false, true, APP, "Delete a conversation."),
    route(
        "/faults",
        true,
        true,
        APP,
        "Read the faults, or add fault specs (all checked first).",
    ),
    route(
        "/faults/clear",
        false,
        true,
        APP,
        "Remove every fault and the latency.",
    ),
    route("/log", true, false, APP, "The request log, oldest first."),
    route("/log/clear", false, true, APP, "Empty the request log."),
    route(
        "/reset",
        false,
        true,
        APP,
        "Back to the start-up state or the baseline (without sdkappid: every app).",
    ),
    route("/stats", true, false, APP, "Call counts and peak rates."),
    route("/clock", true, true, APP, "Read or set the app's clock."),
    route(
        "/config",
        true,
        true,
        APP,
        "Read or set the app's settings.",
    ),
    route(
        "/usersig",
        false,
        true,
        APP,
        "A UserSig signed with the app's key.",
    ),
    route(
        "/state",
        true,
        false,
        &[],
        "The state of every app, as a state file holds it.",
    ),
    route(
        "/save",
        false,
        true,
        &[],
        "Write the state file now (tim emulator serve --state FILE).",
    ),
];

/// The POST endpoints that take no fields.
const BODYLESS: &[&str] = &[
    "/save",
    "/baseline",
    "/reset",
    "/faults/clear",
    "/log/clear",
];

/// The app a call is for: the `sdkappid` query parameter's, `None` when there is none.
fn selected(emu: &Emulator, query: &Query<'_>) -> Result<Option<usize>, Response<Bytes>> {
    let Some(v) = query.get("sdkappid") else {
        return Ok(None);
    };
    let id = v.parse::<u64>().map_err(|_| {
        bad(format_args!(
            "sdkappid must be an unsigned integer, not {v:?}"
        ))
    })?;
    emu.app_index(id).map(Some).ok_or_else(|| {
        error(
            StatusCode::NOT_FOUND,
            format_args!("no app with sdkappid {id}"),
        )
    })
}

pub(crate) fn handle(emu: &mut Emulator, now: Duration, request: Request<Bytes>) -> crate::Reply {
    let path = request.uri().path().trim_end_matches('/');
    let route = path.strip_prefix("/_emulator").unwrap_or("");
    if route == "/echo" {
        return reply(echo(&request));
    }
    let route = if route.is_empty() { "/health" } else { route };
    let Some(spec) = ROUTES.iter().find(|r| r.path == route) else {
        return reply(error(
            StatusCode::NOT_FOUND,
            format_args!("no admin endpoint {path}"),
        ));
    };
    let is_get = request.method() == Method::GET;
    let is_post = request.method() == Method::POST;
    // Health answers any method, as it always has.
    if !(route == "/health" || (is_get && spec.get) || (is_post && spec.post)) {
        return reply(error(
            StatusCode::METHOD_NOT_ALLOWED,
            format_args!("method {} not allowed here", request.method()),
        ));
    }
    let query = Query::parse(request.uri().query().unwrap_or(""));
    if let Some(k) = query.names().find(|k| !spec.query.contains(k)) {
        return reply(bad(if spec.query.is_empty() {
            format!("unknown query parameter {k:?} (this endpoint takes none)")
        } else {
            format!(
                "unknown query parameter {k:?} (expected one of: {})",
                spec.query.join(", ")
            )
        }));
    }
    let target = match selected(emu, &query) {
        Ok(t) => t,
        Err(r) => return reply(r),
    };
    // The endpoints that take no body take an empty one or `{}`, nothing else.
    if is_post
        && BODYLESS.contains(&route)
        && let Err(r) = object(&request, &[])
    {
        return reply(r);
    }
    let response = match (route, is_get) {
        ("/apps", _) => apps(emu),
        ("/openapi.json", _) => ok(crate::openapi::document(emu)),
        ("/state", _) => json_response(StatusCode::OK, Bytes::from(emu.state_json())),
        ("/save", _) => match emu.state_file() {
            None => error(
                StatusCode::CONFLICT,
                "this emulator has no state file (start it with tim emulator serve --state FILE)",
            ),
            Some(_) => error(
                StatusCode::NOT_IMPLEMENTED,
                "saving writes a file, which the sans-IO core does not: use the server \
                 (tim_emulator::Server, tim emulator serve) or tim_emulator::save_state",
            ),
        },
        ("/load", _) => {
            let loaded = match target {
                None => emu.load_json(request.body()),
                Some(i) => emu.app_at(i).data().load_json(request.body()),
            };
            match loaded {
                Ok(()) => {
                    let app = emu.app_at(target.unwrap_or(0));
                    ok(json!({ "ok": true, "accounts": app.data().account_count() }))
                }
                Err(e) => bad(e),
            }
        }
        ("/data", _) => {
            let account = query.get("account");
            match target {
                None => ok(emu.export_json(account.as_deref())),
                Some(i) => {
                    let mut data = emu.app_at(i).store().export();
                    if let Some(a) = account {
                        data.sessions.retain(|k, _| *k == a);
                        data.contact_groups.retain(|k, _| *k == a);
                        data.contacts.retain(|k, _| *k == a);
                    }
                    ok(serde_json::to_value(&data).unwrap_or(Value::Null))
                }
            }
        }
        ("/baseline", _) => {
            match target {
                None => emu.set_baseline(),
                Some(i) => emu.app_at(i).set_baseline(),
            }
            ok(json!({ "ok": true }))
        }
        ("/reset", _) => {
            match target {
                None => emu.reset(),
                Some(i) => emu.app_at(i).reset(),
            }
            ok(json!({ "ok": true }))
        }
        _ => app_route(
            emu.app_at(target.unwrap_or(0)),
            route,
            is_get,
            now,
            &request,
        ),
    };
    reply(response)
}

/// The endpoints that act on one app.
fn app_route(
    app: &mut App,
    route: &str,
    is_get: bool,
    now: Duration,
    request: &Request<Bytes>,
) -> Response<Bytes> {
    let now = app.shifted(now);
    match (route, is_get) {
        ("/health", _) => ok(json!({
            "ok": true,
            "sdkappid": app.sdk_app_id(),
            "now": now.as_secs(),
        })),
        ("/stats", _) => stats(app),
        ("/message", _) => message(app, now, request),
        ("/pin" | "/unpin", _) => {
            let pinned = route == "/pin";
            with_target(request, |account, kind, peer| {
                if app.data().set_pinned(&account, kind, &peer, pinned) {
                    ok(json!({ "ok": true }))
                } else {
                    error(StatusCode::NOT_FOUND, "no such conversation")
                }
            })
        }
        ("/delete", _) => with_target(request, |account, kind, peer| {
            let existed = app.data().delete(&account, kind, &peer);
            ok(json!({ "ok": true, "existed": existed }))
        }),
        ("/faults", true) => faults_state(app),
        ("/faults", false) => add_faults(app, request),
        ("/faults/clear", _) => {
            app.faults().clear();
            ok(json!({ "ok": true }))
        }
        ("/log", _) => ok(serde_json::to_value(app.log()).unwrap_or(Value::Null)),
        ("/log/clear", _) => {
            app.clear_log();
            ok(json!({ "ok": true }))
        }
        ("/clock", true) => ok(json!({ "now": now.as_secs(), "shift": app.clock_shift() })),
        ("/clock", false) => clock(app, now, request),
        ("/config", true) => config_state(app),
        ("/config", false) => set_config(app, request),
        ("/usersig", _) => usersig(app, now, request),
        _ => error(
            StatusCode::NOT_FOUND,
            format_args!("no admin endpoint /_emulator{route}"),
        ),
    }
}

fn apps(emu: &Emulator) -> Response<Bytes> {
    let apps: Vec<Value> = emu
        .apps()
        .enumerate()
        .map(|(i, a)| {
            json!({
                "sdkappid": a.sdk_app_id(),
                "default": i == 0,
                "admins": a.store().admins(),
                "accounts": a.store().account_count(),
            })
        })
        .collect();
    ok(json!({ "apps": apps }))
}

fn with_target(
    request: &Request<Bytes>,
    f: impl FnOnce(String, Kind, String) -> Response<Bytes>,
) -> Response<Bytes> {
    match object(request, TARGET).and_then(|b| target(&b)) {
        Ok((a, k, p)) => f(a, k, p),
        Err(r) => r,
    }
}

fn message(emu: &mut App, now: Duration, request: &Request<Bytes>) -> Response<Bytes> {
    let body = match object(
        request,
        &["From_Account", "Type", "To_Account", "GroupId", "MsgTime"],
    ) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let (account, kind, peer) = match target(&body) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let msg_time = match body.get("MsgTime") {
        None => now.as_secs(),
        Some(v) => match v.as_u64() {
            Some(t) => t,
            None => return bad("MsgTime must be a non-negative integer"),
        },
    };
    match emu.data().add_message(&account, kind, &peer, msg_time) {
        Ok(t) => ok(json!({ "ok": true, "MsgTime": t })),
        Err(e) => bad(e),
    }
}

fn faults_state(emu: &App) -> Response<Bytes> {
    let pending: Vec<Value> = emu
        .fault_config()
        .pending()
        .map(|s| json!({ "fault": s.fault.to_string(), "remaining": s.remaining, "api": s.api }))
        .collect();
    let rates: Vec<Value> = emu
        .fault_config()
        .rates()
        .iter()
        .map(|r| json!({ "fault": r.fault.to_string(), "rate": r.probability, "api": r.api }))
        .collect();
    ok(json!({ "pending": pending, "rates": rates }))
}

fn stats(emu: &App) -> Response<Bytes> {
    let apis: Map<String, Value> = emu
        .stats()
        .map(|(api, s)| {
            (
                api.to_owned(),
                serde_json::to_value(s).unwrap_or(Value::Null),
            )
        })
        .collect();
    ok(json!({
        "sdkappid": emu.sdk_app_id(),
        "app": emu.app_stats(),
        "apis": apis,
    }))
}

/// The fault specs of a `/faults` body: a JSON string, a JSON array of strings, or the raw
/// text (one spec per non-empty line).
fn fault_specs(body: &[u8]) -> Result<Vec<String>, Response<Bytes>> {
    let Ok(text) = std::str::from_utf8(body) else {
        return Err(bad("the body is not UTF-8"));
    };
    let trimmed = text.trim();
    if !trimmed.starts_with(['"', '[', '{']) {
        let specs: Vec<String> = trimmed
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        if specs.is_empty() {
            return Err(bad(
                "expected a fault spec (raw text, a json string or an array of them)",
            ));
        }
        return Ok(specs);
    }
    match serde_json::from_str(trimmed) {
        Ok(Value::String(s)) => Ok(vec![s]),
        Ok(Value::Array(a)) => a
            .into_iter()
            .enumerate()
            .map(|(i, s)| match s {
                Value::String(s) => Ok(s),
                other => Err(bad(format_args!(
                    "fault spec [{i}] must be a string, not {other}"
                ))),
            })
            .collect(),
        Ok(_) => Err(bad("expected a fault spec string or an array of them")),
        Err(e) => Err(bad(format_args!("invalid json: {e}"))),
    }
}

fn add_faults(emu: &mut App, request: &Request<Bytes>) -> Response<Bytes> {
    let specs = match fault_specs(request.body()) {
        Ok(s) => s,
        Err(r) => return r,
    };
    // Check all first so a bad spec adds nothing.
    let mut probe = crate::Faults::new(0);
    for s in &specs {
        if let Err(e) = probe.apply_spec(s) {
            return bad(format_args!("fault spec {s:?}: {e}"));
        }
    }
    for s in &specs {
        // Checked above.
        let _ = emu.faults().apply_spec(s);
    }
    faults_state(emu)
}

fn clock(emu: &mut App, now: Duration, request: &Request<Bytes>) -> Response<Bytes> {
    let body = match object(request, &["now", "shift"]) {
        Ok(b) => b,
        Err(r) => return r,
    };
    // `now` already includes the current shift; work from the unshifted time.
    let real = i128::from(now.as_secs()) - i128::from(emu.clock_shift());
    let shift = match (body.get("now"), body.get("shift")) {
        (Some(n), None) => match n.as_u64() {
            Some(n) => i128::from(n) - real,
            None => return bad("now must be a non-negative integer (unix seconds)"),
        },
        (None, Some(s)) => match s.as_i64() {
            Some(s) => i128::from(s),
            None => return bad("shift must be an integer (seconds)"),
        },
        _ => return bad("give exactly one of now or shift"),
    };
    let Ok(shift) = i64::try_from(shift) else {
        return bad("clock shift out of range");
    };
    emu.set_clock_shift(shift);
    let now = emu.shifted(Duration::from_secs(u64::try_from(real).unwrap_or(0)));
    ok(json!({ "now": now.as_secs(), "shift": shift }))
}

fn config_state(emu: &App) -> Response<Bytes> {
    ok(json!({
        "sdkappid": emu.sdk_app_id(),
        "page_size": emu.page_size(),
        "rate_limit": emu.rate_limit(),
        "edition": emu.edition().name(),
        "contact_limit": emu.contact_settings().max_conversations,
        "contact_limit_scope": emu.contact_settings().scope.name(),
        "contact_page_size": emu.contact_settings().page_size,
    }))
}

/// The keys of `POST /config`.
const CONFIG_KEYS: &[&str] = &[
    "page_size",
    "rate_limit",
    "edition",
    "contact_limit",
    "contact_limit_scope",
    "contact_page_size",
];

fn set_config(emu: &mut App, request: &Request<Bytes>) -> Response<Bytes> {
    let body = match body_json(request) {
        Ok(Value::Object(m)) => m,
        Ok(_) => return bad("expected a json object"),
        Err(r) => return r,
    };
    let mut page_size = None;
    let mut rate_limit = None;
    let mut edition = None;
    let mut contacts = emu.contact_settings();
    for (k, v) in &body {
        match k.as_str() {
            "edition" => match v.as_str().map(str::parse::<crate::Edition>) {
                Some(Ok(e)) => edition = Some(e),
                Some(Err(e)) => return bad(format_args!("edition: {e}")),
                None => return bad("edition must be a string"),
            },
            "contact_limit" => match v.as_u64().and_then(|n| usize::try_from(n).ok()) {
                Some(n) => contacts.max_conversations = n,
                None => return bad("contact_limit must be a non-negative integer"),
            },
            "contact_limit_scope" => match v.as_str().and_then(crate::LimitScope::from_name) {
                Some(s) => contacts.scope = s,
                None => return bad("contact_limit_scope must be \"total\" or \"per_group\""),
            },
            "contact_page_size" => match v.as_u64().and_then(|n| usize::try_from(n).ok()) {
                Some(n) if n >= 1 => contacts.page_size = n,
                _ => return bad("contact_page_size must be a positive integer"),
            },
            "page_size" => match v.as_u64().and_then(|n| usize::try_from(n).ok()) {
                Some(n) if n >= 1 => page_size = Some(n),
                _ => return bad("page_size must be a positive integer"),
            },
            "rate_limit" => match v {
                Value::Null => rate_limit = Some(None),
                _ => match v.as_u64().and_then(|n| u32::try_from(n).ok()) {
                    Some(n) => rate_limit = Some(Some(n)),
                    None => return bad("rate_limit must be a u32 or null"),
                },
            },
            other => {
                return bad(format_args!(
                    "unknown field {other:?} (expected one of: {})",
                    CONFIG_KEYS.join(", ")
                ));
            }
        }
    }
    if let Some(p) = page_size {
        emu.set_page_size(p);
    }
    if let Some(r) = rate_limit {
        emu.set_rate_limit(r);
    }
    if let Some(e) = edition {
        emu.set_edition(e);
    }
    emu.set_contact_settings(contacts);
    config_state(emu)
}

fn usersig(emu: &mut App, now: Duration, request: &Request<Bytes>) -> Response<Bytes> {
    let body = match object(request, &["identifier", "expire"]) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let identifier = match body.get("identifier") {
        None => "administrator",
        Some(Value::String(s)) if !s.is_empty() => s.as_str(),
        Some(_) => return bad("identifier must be a non-empty string"),
    };
    let expire = match body.get("expire") {
        None => 86_400,
        Some(v) => match v.as_u64() {
            Some(e) => e,
            None => return bad("expire must be a non-negative integer (seconds)"),
        },
    };
    let sig = emu.sign(identifier, now.as_secs(), expire);
    ok(json!({ "usersig": sig.expose(), "identifier": identifier, "expire": expire }))
}

/// `/_emulator/echo`: the body verbatim, the status from `?status=NNN` (default 200), the
/// request's `content-type` copied, every request header `h: v` as `x-echo-h: v`.
fn echo(request: &Request<Bytes>) -> Response<Bytes> {
    let query = Query::parse(request.uri().query().unwrap_or(""));
    let status = match query.get("status") {
        None => StatusCode::OK,
        Some(s) => match s
            .parse::<u16>()
            .ok()
            .and_then(|s| StatusCode::from_u16(s).ok())
        {
            Some(s) => s,
            None => return bad(format_args!("invalid status {s:?}")),
        },
    };
    let mut response = Response::new(request.body().clone());
    *response.status_mut() = status;
    let headers = response.headers_mut();
    for (name, value) in request.headers() {
        if let Ok(echo) = HeaderName::from_bytes(format!("x-echo-{name}").as_bytes()) {
            headers.append(echo, value.clone());
        }
    }
    if let Some(ct) = request.headers().get(http::header::CONTENT_TYPE) {
        headers.insert(http::header::CONTENT_TYPE, ct.clone());
    }
    response
}
