//! Claims and signing (the workspace's `docs/usersig.md`, "Format").

use hmac::Mac as _;

use crate::codec;
use crate::key::{HmacSha256, SecretKey, UserSig};

/// Length of an HMAC-SHA256 tag.
pub(crate) const TAG_LEN: usize = 32;

/// The default lifetime of the official libraries: 180 days, in seconds.
pub const DEFAULT_EXPIRE: u64 = 180 * 86_400;

/// The only `TLS.ver` this crate signs and accepts.
pub const VERSION: &str = "2.0";

/// What a UserSig asserts: who, for which app, signed when, valid how long.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claims {
    /// The app (`TLS.sdkappid`).
    pub sdk_app_id: u64,
    /// The user the token authenticates (`TLS.identifier`); for REST calls, an App admin.
    pub identifier: String,
    /// Signing time, Unix seconds (`TLS.time`). This crate never reads a clock: the caller
    /// supplies it.
    pub time: u64,
    /// Lifetime in seconds, relative to `time` (`TLS.expire`).
    pub expire: u64,
    /// Optional opaque bytes (`TLS.userbuf`, sent as standard base64), used by TRTC's
    /// PrivateMapKey; IM does not use it. Avoid `Some(vec![])`: the official signers disagree
    /// on empty userbufs (see `docs/usersig.md`, "Userbuf and PrivateMapKey").
    pub userbuf: Option<Vec<u8>>,
}

impl Claims {
    /// Claims without a userbuf.
    pub fn new(sdk_app_id: u64, identifier: impl Into<String>, time: u64, expire: u64) -> Self {
        Self {
            sdk_app_id,
            identifier: identifier.into(),
            time,
            expire,
            userbuf: None,
        }
    }

    /// The last second at which the token is still valid: `time + expire` (saturating).
    /// The token is expired when `now > expires_at()`.
    pub fn expires_at(&self) -> u64 {
        self.time.saturating_add(self.expire)
    }

    /// Whether the token is expired at `now` (strictly after [`Claims::expires_at`]).
    pub fn is_expired_at(&self, now: u64) -> bool {
        now > self.expires_at()
    }
}

/// The exact bytes the HMAC covers (`docs/usersig.md`, "Format", step 1): one `TLS.<name>:<value>\n` line each
/// for identifier, sdkappid, time and expire, then `TLS.userbuf:<base64>\n` when there is a
/// userbuf.
///
/// ```
/// let claims = tim_sig::Claims::new(1400000000, "xiaojun", 1569910200, 15552000);
/// assert_eq!(
///     tim_sig::content_to_sign(&claims),
///     "TLS.identifier:xiaojun\nTLS.sdkappid:1400000000\nTLS.time:1569910200\nTLS.expire:15552000\n"
/// );
/// ```
pub fn content_to_sign(claims: &Claims) -> String {
    let userbuf = claims.userbuf.as_deref().map(codec::encode_std);
    let mut bytes =
        Vec::with_capacity(96 + claims.identifier.len() + userbuf.as_ref().map_or(0, String::len));
    write_content(
        &mut bytes,
        &claims.identifier,
        Numbers::new(claims.sdk_app_id, claims.time, claims.expire).digits(),
        userbuf.as_deref(),
    );
    // Built from a `&str`, ASCII labels and digits: always UTF-8.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Where the signed content goes: a buffer ([`content_to_sign`]) or straight into the MAC.
pub(crate) trait Sink {
    fn put(&mut self, bytes: &[u8]);
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

impl Sink for HmacSha256 {
    fn put(&mut self, bytes: &[u8]) {
        self.update(bytes);
    }
}

/// Writes the content the HMAC covers (see [`content_to_sign`]).
pub(crate) fn write_content(
    out: &mut impl Sink,
    identifier: &str,
    [sdk_app_id, time, expire]: [&[u8]; 3],
    userbuf_b64: Option<&str>,
) {
    out.put(b"TLS.identifier:");
    out.put(identifier.as_bytes());
    out.put(b"\nTLS.sdkappid:");
    out.put(sdk_app_id);
    out.put(b"\nTLS.time:");
    out.put(time);
    out.put(b"\nTLS.expire:");
    out.put(expire);
    out.put(b"\n");
    if let Some(userbuf) = userbuf_b64 {
        out.put(b"TLS.userbuf:");
        out.put(userbuf.as_bytes());
        out.put(b"\n");
    }
}

/// The MAC of the content under `key`, not yet finalized: [`sign`] takes its tag,
/// [`crate::verify`] compares it with `TLS.sig` in constant time.
pub(crate) fn mac_content(
    key: &SecretKey,
    identifier: &str,
    sdk_app_id: u64,
    time: u64,
    expire: u64,
    userbuf_b64: Option<&str>,
) -> HmacSha256 {
    mac_digits(
        key,
        identifier,
        Numbers::new(sdk_app_id, time, expire).digits(),
        userbuf_b64,
    )
}

/// [`mac_content`] with the three numbers already in decimal ([`Numbers::digits`]).
fn mac_digits(
    key: &SecretKey,
    identifier: &str,
    digits: [&[u8]; 3],
    userbuf_b64: Option<&str>,
) -> HmacSha256 {
    let mut mac = key.mac();
    write_content(&mut mac, identifier, digits, userbuf_b64);
    mac
}

/// The HMAC-SHA256 tag of a finished MAC.
fn tag(mac: HmacSha256) -> [u8; TAG_LEN] {
    mac.finalize().into_bytes().into()
}

/// The `TLS.sig` field: standard base64 of HMAC-SHA256(key, [`content_to_sign`]).
///
/// It is deterministic, unlike the whole UserSig (whose bytes depend on the JSON layout and the
/// zlib implementation), which makes it the value to compare across implementations.
pub fn tls_sig(key: &SecretKey, claims: &Claims) -> String {
    let userbuf = claims.userbuf.as_deref().map(codec::encode_std);
    codec::encode_std(&tag(mac_content(
        key,
        &claims.identifier,
        claims.sdk_app_id,
        claims.time,
        claims.expire,
        userbuf.as_deref(),
    )))
}

/// Signs `claims` with `key` (the format of `docs/usersig.md`).
///
/// The document is compact JSON in the official Node library's key order (`TLS.ver`,
/// `TLS.identifier`, `TLS.sdkappid`, `TLS.time`, `TLS.expire`, `TLS.userbuf` when present, `TLS.sig`), the
/// zlib stream uses stored (uncompressed) blocks, and the outer base64 uses Tencent's alphabet.
/// Pure: same inputs, same token.
pub fn sign(key: &SecretKey, claims: &Claims) -> UserSig {
    let userbuf = claims.userbuf.as_deref().map(codec::encode_std);
    // Each number is formatted once, for both the signed content and the document.
    let numbers = Numbers::new(claims.sdk_app_id, claims.time, claims.expire);
    let digest = tag(mac_digits(
        key,
        &claims.identifier,
        numbers.digits(),
        userbuf.as_deref(),
    ));

    // The zlib stream is built in place: header and stored-block header first (the block
    // length is filled in once the document is written), then the document, then Adler-32.
    // On the stack when it fits (any identifier of up to about 250 bytes), else on the heap.
    let mut stack = StackDoc {
        buf: [0; STACK_DOC],
        len: codec::STORED_HEADER,
        overflow: false,
    };
    write_document(&mut stack, claims, &numbers, userbuf.as_deref(), &digest);
    if !stack.overflow
        && let Some(len) = codec::frame_stored(&mut stack.buf, stack.len)
    {
        return UserSig::from_string(codec::encode_tim(&stack.buf[..len]));
    }
    let mut doc = Vec::with_capacity(
        codec::STORED_HEADER
            + 160
            + 6 * claims.identifier.len()
            + userbuf.as_ref().map_or(0, String::len),
    );
    doc.resize(codec::STORED_HEADER, 0);
    write_document(&mut doc, claims, &numbers, userbuf.as_deref(), &digest);
    UserSig::from_string(codec::encode_tim(&codec::zlib_stored_in_place(doc)))
}

/// Size of the stack buffer [`sign`] builds the zlib stream in.
const STACK_DOC: usize = 512;

/// A document under construction on the stack; `overflow` records that it did not fit.
struct StackDoc {
    buf: [u8; STACK_DOC],
    len: usize,
    overflow: bool,
}

impl Sink for StackDoc {
    fn put(&mut self, bytes: &[u8]) {
        match self.buf.get_mut(self.len..self.len + bytes.len()) {
            Some(dst) => {
                dst.copy_from_slice(bytes);
                self.len += bytes.len();
            }
            None => self.overflow = true,
        }
    }
}

/// The compact JSON document, in the official Node library's key order.
fn write_document(
    doc: &mut impl Sink,
    claims: &Claims,
    numbers: &Numbers,
    userbuf: Option<&str>,
    digest: &[u8; TAG_LEN],
) {
    doc.put(b"{\"TLS.ver\":\"2.0\",\"TLS.identifier\":");
    push_json_string(doc, &claims.identifier);
    doc.put(b",\"TLS.sdkappid\":");
    doc.put(numbers.sdk_app_id.as_bytes());
    doc.put(b",\"TLS.time\":");
    doc.put(numbers.time.as_bytes());
    doc.put(b",\"TLS.expire\":");
    doc.put(numbers.expire.as_bytes());
    if let Some(userbuf) = userbuf {
        doc.put(b",\"TLS.userbuf\":\"");
        doc.put(userbuf.as_bytes());
        doc.put(b"\"");
    }
    doc.put(b",\"TLS.sig\":\"");
    let mut sig = [0u8; 44];
    let len = codec::encode_std_slice(digest, &mut sig);
    doc.put(&sig[..len]);
    doc.put(b"\"}");
}

/// The three numbers of the content, formatted.
pub(crate) struct Numbers {
    sdk_app_id: Decimal,
    time: Decimal,
    expire: Decimal,
}

impl Numbers {
    fn new(sdk_app_id: u64, time: u64, expire: u64) -> Self {
        Self {
            sdk_app_id: Decimal::new(sdk_app_id),
            time: Decimal::new(time),
            expire: Decimal::new(expire),
        }
    }

    fn digits(&self) -> [&[u8]; 3] {
        [
            self.sdk_app_id.as_bytes(),
            self.time.as_bytes(),
            self.expire.as_bytes(),
        ]
    }
}

/// A `u64` in decimal, formatted two digits at a time (the `itoa` method), on the stack.
struct Decimal {
    digits: [u8; 20],
    start: usize,
}

impl Decimal {
    fn new(mut n: u64) -> Self {
        const PAIRS: &[u8; 200] = b"\
            0001020304050607080910111213141516171819\
            2021222324252627282930313233343536373839\
            4041424344454647484950515253545556575859\
            6061626364656667686970717273747576777879\
            8081828384858687888990919293949596979899";
        let pair = |n: usize| [PAIRS[2 * n], PAIRS[2 * n + 1]];
        let mut digits = [b'0'; 20];
        let mut i = digits.len();
        // Four digits per step (two independent pairs), in 32-bit arithmetic once the value
        // fits, which is the usual case (times, lifetimes, app ids).
        while n > u64::from(u32::MAX) {
            let four = usize::try_from(n % 10_000).unwrap_or(0);
            n /= 10_000;
            i -= 4;
            digits[i..i + 2].copy_from_slice(&pair(four / 100));
            digits[i + 2..i + 4].copy_from_slice(&pair(four % 100));
        }
        let mut n = u32::try_from(n).unwrap_or(0);
        while n >= 10_000 {
            let four = (n % 10_000) as usize;
            n /= 10_000;
            i -= 4;
            digits[i..i + 2].copy_from_slice(&pair(four / 100));
            digits[i + 2..i + 4].copy_from_slice(&pair(four % 100));
        }
        let mut n = n as usize;
        if n >= 100 {
            i -= 2;
            digits[i..i + 2].copy_from_slice(&pair(n % 100));
            n /= 100;
        }
        if n >= 10 {
            i -= 2;
            digits[i..i + 2].copy_from_slice(&pair(n));
        } else {
            i -= 1;
            digits[i] = b'0' + n as u8;
        }
        Self { digits, start: i }
    }

    fn as_bytes(&self) -> &[u8] {
        &self.digits[self.start..]
    }
}

/// Appends `s` as a JSON string literal (RFC 8259 §7: quote, backslash and control characters
/// escaped; everything else, including non-ASCII, verbatim).
fn push_json_string(out: &mut impl Sink, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.put(b"\"");
    if !s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        out.put(s.as_bytes());
        out.put(b"\"");
        return;
    }
    for (i, &b) in s.as_bytes().iter().enumerate() {
        match b {
            b'"' => out.put(b"\\\""),
            b'\\' => out.put(b"\\\\"),
            b'\n' => out.put(b"\\n"),
            b'\r' => out.put(b"\\r"),
            b'\t' => out.put(b"\\t"),
            0x00..=0x1f => out.put(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xf)],
            ]),
            _ => out.put(&s.as_bytes()[i..=i]),
        }
    }
    out.put(b"\"");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escaping_round_trips_through_serde_json() {
        for s in ["", "a\"b\\c", "line\nbreak\t\r\u{1}\u{1f}", "é中文🦀", "/"] {
            let mut out = Vec::new();
            push_json_string(&mut out, s);
            let back: String = serde_json::from_slice(&out).unwrap();
            assert_eq!(back, s);
        }
    }

    #[test]
    fn stack_and_heap_documents_are_the_same() {
        // Identifiers around the stack buffer's size take one path or the other; both give
        // the document `write_document` writes, as a valid stored zlib stream.
        let key = SecretKey::new("key");
        for len in (0..600).step_by(7) {
            let claims = Claims::new(1_400_000_000, "é".repeat(len / 2) + "\"", 1, 2);
            let numbers = Numbers::new(claims.sdk_app_id, claims.time, claims.expire);
            let digest = tag(mac_digits(&key, &claims.identifier, numbers.digits(), None));
            let mut expected = Vec::new();
            write_document(&mut expected, &claims, &numbers, None, &digest);
            let token = sign(&key, &claims);
            let doc = crate::verify::document(token.expose()).unwrap();
            assert_eq!(doc.as_bytes(), &expected[..], "len {len}");
        }
    }

    #[test]
    fn numbers_are_decimal() {
        let mut cases = vec![0u64, 7, 9, 10, 99, 100, 101, 999, 1_400_000_000, u64::MAX];
        cases.extend((0..20).map(|p| 10u64.pow(p)));
        cases.extend((1..20).map(|p| 10u64.pow(p) - 1));
        for n in cases {
            assert_eq!(Decimal::new(n).as_bytes(), n.to_string().as_bytes(), "{n}");
        }
    }
}
