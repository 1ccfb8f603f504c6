//! Claims and signing (api-facts §3.1).

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::codec;
use crate::key::{SecretKey, UserSig};

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
    /// on empty userbufs (api-facts §3.1, edge cases).
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

/// The exact bytes the HMAC covers (api-facts §3.1 step 2): one `TLS.<name>:<value>\n` line each
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
    let bytes = content(
        &claims.identifier,
        claims.sdk_app_id,
        claims.time,
        claims.expire,
        userbuf.as_deref(),
    );
    // Built from a `&str`, ASCII labels and digits: always UTF-8.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

pub(crate) fn content(
    identifier: &str,
    sdk_app_id: u64,
    time: u64,
    expire: u64,
    userbuf_b64: Option<&str>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(96 + identifier.len() + userbuf_b64.map_or(0, str::len));
    out.extend_from_slice(b"TLS.identifier:");
    out.extend_from_slice(identifier.as_bytes());
    push_number(&mut out, b"\nTLS.sdkappid:", sdk_app_id);
    push_number(&mut out, b"\nTLS.time:", time);
    push_number(&mut out, b"\nTLS.expire:", expire);
    out.push(b'\n');
    if let Some(userbuf) = userbuf_b64 {
        out.extend_from_slice(b"TLS.userbuf:");
        out.extend_from_slice(userbuf.as_bytes());
        out.push(b'\n');
    }
    out
}

pub(crate) fn hmac(key: &SecretKey) -> Hmac<Sha256> {
    // HMAC takes keys of any length, so this constructor cannot fail.
    match <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("hmac accepts keys of any length"),
    }
}

/// The `TLS.sig` field: standard base64 of HMAC-SHA256(key, [`content_to_sign`]).
///
/// It is deterministic, unlike the whole UserSig (whose bytes depend on the JSON layout and the
/// zlib implementation), which makes it the value to compare across implementations.
pub fn tls_sig(key: &SecretKey, claims: &Claims) -> String {
    let mut mac = hmac(key);
    mac.update(content_to_sign(claims).as_bytes());
    codec::encode_std(&mac.finalize().into_bytes())
}

/// Signs `claims` with `key` (api-facts §3.1).
///
/// The document is compact JSON in the official Node library's key order (`TLS.ver`,
/// `TLS.identifier`, `TLS.sdkappid`, `TLS.time`, `TLS.expire`, `TLS.userbuf` when present, `TLS.sig`), the
/// zlib stream uses stored (uncompressed) blocks, and the outer base64 uses Tencent's alphabet.
/// Pure: same inputs, same token.
pub fn sign(key: &SecretKey, claims: &Claims) -> UserSig {
    let userbuf = claims.userbuf.as_deref().map(codec::encode_std);
    let content = content(
        &claims.identifier,
        claims.sdk_app_id,
        claims.time,
        claims.expire,
        userbuf.as_deref(),
    );
    let mut mac = hmac(key);
    mac.update(&content);
    let digest = mac.finalize().into_bytes();

    let mut doc = Vec::with_capacity(160 + claims.identifier.len() + content.len());
    doc.extend_from_slice(b"{\"TLS.ver\":\"2.0\",\"TLS.identifier\":");
    push_json_string(&mut doc, &claims.identifier);
    push_number(&mut doc, b",\"TLS.sdkappid\":", claims.sdk_app_id);
    push_number(&mut doc, b",\"TLS.time\":", claims.time);
    push_number(&mut doc, b",\"TLS.expire\":", claims.expire);
    if let Some(userbuf) = &userbuf {
        doc.extend_from_slice(b",\"TLS.userbuf\":\"");
        doc.extend_from_slice(userbuf.as_bytes());
        doc.push(b'"');
    }
    doc.extend_from_slice(b",\"TLS.sig\":\"");
    codec::encode_std_into(&digest, &mut doc);
    doc.extend_from_slice(b"\"}");

    UserSig::from_string(codec::encode_tim(&codec::zlib_stored(&doc)))
}

fn push_number(out: &mut Vec<u8>, prefix: &[u8], n: u64) {
    out.extend_from_slice(prefix);
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// Appends `s` as a JSON string literal (RFC 8259 §7: quote, backslash and control characters
/// escaped; everything else, including non-ASCII, verbatim).
fn push_json_string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    for &b in s.as_bytes() {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x00..=0x1f => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xf)],
            ]),
            _ => out.push(b),
        }
    }
    out.push(b'"');
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
    fn numbers_are_decimal() {
        for n in [0u64, 7, 10, 1_400_000_000, u64::MAX] {
            let mut out = Vec::new();
            push_number(&mut out, b"", n);
            assert_eq!(out, n.to_string().into_bytes());
        }
    }
}
