//! The bodies of the fuzz targets, one `pub fn(&[u8])` each.
//!
//! `fuzz/` (a cargo-fuzz workspace outside the main one, built with nightly and libfuzzer)
//! calls these from its `fuzz_targets/`; this crate's test replays every file of
//! `fuzz/corpus/<target>/` through the same functions on stable, in `cargo test`. See
//! `docs/fuzzing.md`.
//!
//! Each function panics only when the code under test breaks a property it promises (a decoder
//! that panics, a cursor whose text does not parse back, a token that does not verify after
//! signing, an emulator answer the client cannot read).

use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use tim_emulator::{Config, Emulator, Faults};
use tim_proto::contact_group::{
    ContactGroupCursor, CreateContactGroupResponse, DelContactGroupResponse,
    GetContactGroupResponse, MarkContactResponse, SearchContactGroupResponse,
    UpdateContactGroupResponse,
};
use tim_proto::recent_contact::GetListResponse;
use tim_proto::{ApiResponse, DecodeError, Envelope, ListCursor, StandardMarks};
use tim_sig::{Expected, SecretKey, VerifyError};

/// A fuzz target: its name (the directory under `fuzz/corpus/` and the binary in `fuzz/`) and
/// its body.
#[derive(Clone, Copy, Debug)]
pub struct Target {
    /// The target's name.
    pub name: &'static str,
    /// The body: takes the fuzz input.
    pub run: fn(&[u8]),
}

/// Every target, in the order `cargo xtask fuzz` runs them.
pub const TARGETS: &[Target] = &[
    Target {
        name: "decode_response",
        run: decode_response,
    },
    Target {
        name: "cursor",
        run: cursor,
    },
    Target {
        name: "usersig",
        run: usersig,
    },
    Target {
        name: "emulator_request",
        run: emulator_request,
    },
    Target {
        name: "emulator_admin",
        run: emulator_admin,
    },
    Target {
        name: "fault_spec",
        run: fault_spec,
    },
];

/// The app every emulator target runs.
const SDK_APP_ID: u64 = 1_400_000_000;
/// The key every emulator and UserSig target signs with.
const KEY: &str = "fuzz-secret-key";
/// The time every emulator target runs at (seconds since the epoch).
const NOW: u64 = 1_700_000_000;
/// In an emulator input, replaced by a valid UserSig for `administrator` at [`NOW`], so the
/// fuzzer gets past the signature check.
const SIG_PLACEHOLDER: &str = "@SIG@";
/// At most this many requests per emulator input.
const MAX_REQUESTS: usize = 8;
/// The data every emulator target starts from: the data file of `docs/emulator.md` (the demo
/// data set has 1,000 accounts: too slow to build per input).
const DATA: &str = r#"{
  "admins": ["administrator"],
  "accounts": ["bob", "carol"],
  "sessions": {
    "alice": [
      {"Type": 1, "To_Account": "bob", "MsgTime": 1700000300, "TopFlag": 1},
      {"Type": 2, "GroupId": "@TGS#2ABC", "MsgTime": 1700000200,
       "StandardMark": "110", "CustomMark": "vip", "ContactGroupId": [1, 2]},
      {"Type": 1, "To_Account": "carol", "MsgTime": 1700000100, "Empty": true}
    ]
  }
}"#;

/// A small emulator for one fuzz input.
fn emulator() -> Emulator {
    let mut emulator = Emulator::new(Config::new(SDK_APP_ID, KEY));
    if let Err(e) = emulator.data().load_json(DATA.as_bytes()) {
        panic!("the fuzz data set does not load: {e}");
    }
    emulator.set_baseline();
    emulator
}

fn decode_one<R: ApiResponse + std::fmt::Debug>(status: http::StatusCode, body: &[u8]) {
    match tim_proto::decode_parts::<R>(status, body) {
        Ok(r) => {
            let _ = format!("{r:?}");
        }
        Err(e) => {
            let _ = format!("{e} {e:?}");
        }
    }
}

/// `decode_response`: the input is a response body; every response type decodes it (status 200),
/// and the envelope also as a 502 page. Decoding never panics.
pub fn decode_response(data: &[u8]) {
    let ok = http::StatusCode::OK;
    decode_one::<Envelope>(ok, data);
    decode_one::<GetListResponse>(ok, data);
    decode_one::<CreateContactGroupResponse>(ok, data);
    decode_one::<UpdateContactGroupResponse>(ok, data);
    decode_one::<DelContactGroupResponse>(ok, data);
    decode_one::<GetContactGroupResponse>(ok, data);
    decode_one::<SearchContactGroupResponse>(ok, data);
    decode_one::<MarkContactResponse>(ok, data);
    decode_one::<Envelope>(http::StatusCode::BAD_GATEWAY, data);
    let response = http::Response::new(data);
    let _ = tim_proto::decode::<GetListResponse>(&response);
    let _ = tim_proto::excerpt(data);
}

/// `cursor`: the input is cursor text; `ListCursor`, `ContactGroupCursor` and `StandardMarks`
/// parse it, and whatever parses prints as text that parses back to the same value.
pub fn cursor(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(c) = text.parse::<ListCursor>() {
        let shown = c.to_string();
        assert_eq!(shown.parse::<ListCursor>().ok(), Some(c), "{shown}");
    }
    if let Ok(c) = text.parse::<ContactGroupCursor>() {
        let shown = c.to_string();
        assert_eq!(shown.parse::<ContactGroupCursor>().ok(), Some(c), "{shown}");
    }
    if let Ok(m) = text.parse::<StandardMarks>() {
        let shown = m.to_string();
        assert_eq!(shown.parse::<StandardMarks>().ok(), Some(m), "{shown}");
    }
}

/// Tencent's base64 (`+/=` as `*-_`) of a zlib stream of `document`.
fn token_of(document: &[u8], stored: bool) -> String {
    use std::io::Write as _;
    let level = if stored {
        flate2::Compression::none()
    } else {
        flate2::Compression::default()
    };
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), level);
    // Writing to a Vec cannot fail.
    let _ = z.write_all(document);
    let compressed = z.finish().unwrap_or_default();
    base64::engine::general_purpose::STANDARD
        .encode(compressed)
        .chars()
        .map(|c| match c {
            '+' => '*',
            '/' => '-',
            '=' => '_',
            c => c,
        })
        .collect()
}

/// `usersig`: the first byte picks the form of the rest: `0` a UserSig as text, `1` the JSON
/// document deflated, `2` the document stored (zlib without compression), which the decoder
/// reads on a fast path. Decoding and verifying never panic; a token that decodes, once
/// re-signed from its claims, verifies against those claims.
pub fn usersig(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let token = match mode % 3 {
        0 => match std::str::from_utf8(rest) {
            Ok(t) => t.to_owned(),
            Err(_) => return,
        },
        1 => token_of(rest, false),
        _ => token_of(rest, true),
    };
    let key = SecretKey::new(KEY);
    let _ = tim_sig::dangerous::decode_document(&token);
    let decoded = tim_sig::dangerous::decode_unverified(&token);
    let verified = tim_sig::verify(
        &key,
        &token,
        &Expected::new(SDK_APP_ID, "administrator"),
        NOW,
    );
    if let Err(e) = &verified {
        let _ = (e.to_string(), e.service_error_code());
    }
    let Ok(decoded) = decoded else {
        return;
    };
    let claims = decoded.claims;
    let expected = Expected {
        sdk_app_id: claims.sdk_app_id,
        identifier: &claims.identifier,
        userbuf: claims.userbuf.as_deref(),
    };
    // The fuzzer's own token: verifies only if it found the key's HMAC, which it cannot.
    match tim_sig::verify(&key, &token, &expected, claims.time) {
        Ok(c) => assert_eq!(c, claims),
        Err(e) => assert!(
            matches!(
                e,
                VerifyError::SignatureMismatch
                    | VerifyError::Version(_)
                    | VerifyError::Expired { .. }
            ),
            "{e:?} for claims that decoded"
        ),
    }
    // The same claims, signed: must verify.
    let signed = tim_sig::sign(&key, &claims);
    let back = tim_sig::verify(&key, signed.expose(), &expected, claims.time);
    assert_eq!(back.as_ref().ok(), Some(&claims), "{back:?}");
}

/// One request of an emulator input: `METHOD TARGET` on the first line, `name: value` header
/// lines, an empty line, the body.
fn parse_request(text: &str, sig: &str, admin: bool) -> Option<http::Request<Bytes>> {
    let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
    let mut lines = head.lines();
    let first = lines.next()?;
    let (method, target) = first.split_once(' ').unwrap_or((first, "/"));
    let target = target.trim().replace(SIG_PLACEHOLDER, sig);
    let target = if admin && !target.starts_with("/v4/") {
        format!("/_emulator/{}", target.trim_start_matches('/'))
    } else {
        target
    };
    let mut builder = http::Request::builder()
        .method(method.trim())
        .uri(format!("https://console.tim.qq.com{target}"));
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            builder = builder.header(name.trim(), value.trim());
        }
    }
    builder.body(Bytes::copy_from_slice(body.as_bytes())).ok()
}

/// Runs the requests of an emulator input (separated by lines `====`) through one emulator.
fn run_emulator(data: &[u8], admin: bool) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut emulator = emulator();
    let sig = emulator.sign("administrator", NOW, 86_400);
    for (i, part) in text.split("\n====\n").take(MAX_REQUESTS).enumerate() {
        let Some(request) = parse_request(part, sig.expose(), admin) else {
            continue;
        };
        let is_api = !request.uri().path().starts_with("/_emulator");
        let reply = emulator.handle(Duration::from_secs(NOW + i as u64), request);
        let status = reply.response.status();
        // With no fault configured (only the admin API configures them), an IM answer is
        // HTTP 200 with an envelope the client reads.
        if is_api && !admin {
            assert_eq!(status, http::StatusCode::OK);
            let decoded = tim_proto::decode_parts::<Envelope>(status, reply.response.body());
            assert!(
                !matches!(decoded, Err(DecodeError::Malformed { .. })),
                "{decoded:?}"
            );
        }
    }
    let _ = format!("{emulator:?}");
}

/// `emulator_request`: the input is one or more HTTP requests in text (see `parse_request`;
/// `@SIG@` stands for a valid UserSig), handled by the sans-IO emulator. It never panics, and
/// every IM API answer is HTTP 200 with an envelope `tim_proto` decodes.
pub fn emulator_request(data: &[u8]) {
    run_emulator(data, false);
}

/// `emulator_admin`: as [`emulator_request`], with every path not under `/v4/` moved under
/// `/_emulator/` (the admin API: data loading, messages, faults, settings), and IM calls
/// allowed between admin calls. It never panics.
pub fn emulator_admin(data: &[u8]) {
    run_emulator(data, true);
}

/// `fault_spec`: the input is a fault spec (`Faults::apply_spec`); one that is accepted is then
/// installed in an emulator, which answers a few calls with it. Nothing panics.
pub fn fault_spec(data: &[u8]) {
    let Ok(spec) = std::str::from_utf8(data) else {
        return;
    };
    let mut faults = Faults::new(7);
    if let Err(e) = faults.apply_spec(spec) {
        let _ = e.to_string();
        return;
    }
    let _ = format!("{faults:?}");
    let mut emulator = emulator();
    emulator.faults().reseed(7);
    if emulator.faults().apply_spec(spec).is_err() {
        panic!("a spec accepted once is refused the second time: {spec:?}");
    }
    let sig = emulator.sign("administrator", NOW, 86_400);
    for api in ["get_list", "delete", "get_contact_group"] {
        let uri = format!(
            "https://console.tim.qq.com/v4/recentcontact/{api}?sdkappid={SDK_APP_ID}\
             &identifier=administrator&usersig={}&random=1&contenttype=json",
            sig.expose()
        );
        let body = r#"{"From_Account":"alice","TimeStamp":0,"StartIndex":0,"TopTimeStamp":0,"TopStartIndex":0,"AssistFlags":7}"#;
        let Ok(request) = http::Request::post(uri).body(Bytes::from_static(body.as_bytes())) else {
            continue;
        };
        let reply = emulator.handle(Duration::from_secs(NOW), request);
        let _ = (reply.delay, reply.delivery);
    }
}
