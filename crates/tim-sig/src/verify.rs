//! Decoding and verification (api-facts §3.2).

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;

use crate::codec;
use crate::key::SecretKey;
use crate::mac::{TAG_LEN, constant_time_eq};
use crate::sign::{Claims, VERSION, mac_content, mac_digits};

/// What a token must match, besides its signature and expiry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Expected<'a> {
    /// The app the token must be for.
    pub sdk_app_id: u64,
    /// The identifier the token must be for (compared byte for byte).
    pub identifier: &'a str,
    /// The userbuf the token must carry: `None` means the token must have none (as the official
    /// Go verifier requires), `Some(bytes)` means exactly these bytes.
    pub userbuf: Option<&'a [u8]>,
}

impl<'a> Expected<'a> {
    /// Expect a token for `identifier` of app `sdk_app_id`, without a userbuf.
    pub fn new(sdk_app_id: u64, identifier: &'a str) -> Self {
        Self {
            sdk_app_id,
            identifier,
            userbuf: None,
        }
    }
}

/// Why a UserSig was refused. The variants are listed in the order [`verify`] checks them.
///
/// Messages never contain the token or the key. Strings taken from the token (version,
/// identifier) are printed quoted and escaped, so a message is always one line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The token is the empty string.
    #[error("usersig is empty")]
    Empty,
    /// The token is not base64 in Tencent's alphabet (or the standard one).
    #[error("usersig is not valid base64")]
    Base64,
    /// The decoded bytes are not one complete zlib stream (or inflate to more than 1 MiB).
    #[error("usersig is not a valid zlib stream")]
    Zlib,
    /// The inflated document is not a JSON object with fields of the right types.
    #[error("usersig document is not valid json")]
    Json,
    /// A required field is absent from the document.
    #[error("usersig document lacks field `{0}`")]
    MissingField(&'static str),
    /// A field is present but its content is malformed (e.g. `TLS.userbuf` is not base64).
    #[error("usersig field `{0}` is malformed")]
    InvalidField(&'static str),
    /// `TLS.ver` is not `"2.0"`.
    #[error("unsupported usersig version {0:?}")]
    Version(String),
    /// The token is for another app.
    #[error("sdkappid mismatch: expected {expected}, usersig is for {found}")]
    SdkAppIdMismatch {
        /// The app the verifier expected.
        expected: u64,
        /// The app named in the token.
        found: u64,
    },
    /// The token is for another user.
    #[error("identifier mismatch: expected {expected:?}, usersig is for {found:?}")]
    IdentifierMismatch {
        /// The identifier the verifier expected.
        expected: String,
        /// The identifier named in the token.
        found: String,
    },
    /// `now > TLS.time + TLS.expire`.
    #[error("usersig expired at {expired_at} (now {now})")]
    Expired {
        /// `TLS.time + TLS.expire`, the last valid second.
        expired_at: u64,
        /// The time the check was made at.
        now: u64,
    },
    /// The token's userbuf is absent, present or different when it should not be.
    #[error("userbuf mismatch")]
    UserBufMismatch,
    /// The HMAC does not match: signed with another key, or altered.
    #[error("signature mismatch (wrong key or altered usersig)")]
    SignatureMismatch,
}

impl VerifyError {
    /// The error code the IM service answers for this failure (api-facts §2.2), as a suggestion
    /// for emulators: 70002 empty, 70003 undecodable or malformed (including a userbuf
    /// mismatch), 70009 signature mismatch (a key of another app), 70013 identifier mismatch,
    /// 70014 sdkappid mismatch, 70001 expired.
    pub fn service_error_code(&self) -> u32 {
        match self {
            VerifyError::Empty => 70_002,
            VerifyError::Expired { .. } => 70_001,
            VerifyError::SignatureMismatch => 70_009,
            VerifyError::IdentifierMismatch { .. } => 70_013,
            VerifyError::SdkAppIdMismatch { .. } => 70_014,
            VerifyError::Base64
            | VerifyError::Zlib
            | VerifyError::Json
            | VerifyError::MissingField(_)
            | VerifyError::InvalidField(_)
            | VerifyError::Version(_)
            | VerifyError::UserBufMismatch => 70_003,
        }
    }
}

/// The document as parsed, borrowing from the inflated bytes where no unescaping was needed.
/// Unknown keys are ignored; duplicate keys are an error (serde's derive refuses them), so no
/// two parsers can disagree about which value counts.
#[derive(Deserialize, Default)]
#[cfg_attr(test, derive(Debug, PartialEq))]
struct Document<'a> {
    #[serde(rename = "TLS.ver", borrow)]
    ver: Option<Cow<'a, str>>,
    #[serde(rename = "TLS.identifier", borrow)]
    identifier: Option<Cow<'a, str>>,
    #[serde(rename = "TLS.sdkappid")]
    sdk_app_id: Option<u64>,
    #[serde(rename = "TLS.time")]
    time: Option<u64>,
    #[serde(rename = "TLS.expire")]
    expire: Option<u64>,
    #[serde(rename = "TLS.userbuf", borrow)]
    userbuf: Option<Cow<'a, str>>,
    #[serde(rename = "TLS.sig", borrow)]
    sig: Option<Cow<'a, str>>,
    /// The decimal text of `TLS.sdkappid`, `TLS.time` and `TLS.expire` as found, when the fast
    /// parser saw them in canonical form (the signed content uses exactly that text).
    #[serde(skip)]
    digits: Option<[&'a [u8]; 3]>,
}

/// A document with every required field present.
struct Fields<'a> {
    ver: Cow<'a, str>,
    identifier: Cow<'a, str>,
    sdk_app_id: u64,
    time: u64,
    expire: u64,
    /// The base64 text as found (the HMAC covers this text) and its bytes.
    userbuf: Option<(Cow<'a, str>, Vec<u8>)>,
    sig: Cow<'a, str>,
    digits: Option<[&'a [u8]; 3]>,
}

/// Steps 1 to 3 without field checks: the inflated document, as text, if it is JSON.
pub(crate) fn document(usersig: &str) -> Result<String, VerifyError> {
    open(usersig, |doc| {
        serde_json::from_slice::<serde::de::IgnoredAny>(doc).map_err(|_| VerifyError::Json)?;
        String::from_utf8(doc.to_vec()).map_err(|_| VerifyError::Json)
    })
}

fn open<T>(
    usersig: &str,
    then: impl FnOnce(&[u8]) -> Result<T, VerifyError>,
) -> Result<T, VerifyError> {
    if usersig.is_empty() {
        return Err(VerifyError::Empty);
    }
    // Tokens are a few hundred characters: decoded on the stack when they fit and take the
    // common form (see `decode_tim_fast`), by the general decoder otherwise.
    let mut stack = [0u8; 768];
    let heap;
    let compressed: &[u8] = match codec::decode_tim_fast(usersig.as_bytes(), &mut stack) {
        Some(len) => &stack[..len],
        None => {
            heap = codec::decode_tim(usersig).ok_or(VerifyError::Base64)?;
            &heap
        }
    };
    let doc = codec::inflate(compressed).map_err(|_| VerifyError::Zlib)?;
    then(&doc)
}

/// Step 3: JSON, required fields, field encodings.
fn parse(doc: &[u8]) -> Result<Fields<'_>, VerifyError> {
    let d: Document<'_> = match fast::document(doc) {
        Some(d) => d,
        None => serde_json::from_slice(doc).map_err(|_| VerifyError::Json)?,
    };
    let ver = d.ver.ok_or(VerifyError::MissingField("TLS.ver"))?;
    let identifier = d
        .identifier
        .ok_or(VerifyError::MissingField("TLS.identifier"))?;
    let sdk_app_id = d
        .sdk_app_id
        .ok_or(VerifyError::MissingField("TLS.sdkappid"))?;
    let time = d.time.ok_or(VerifyError::MissingField("TLS.time"))?;
    let expire = d.expire.ok_or(VerifyError::MissingField("TLS.expire"))?;
    let sig = d.sig.ok_or(VerifyError::MissingField("TLS.sig"))?;
    let userbuf = match d.userbuf {
        None => None,
        Some(text) => {
            let bytes = codec::decode_std(&text).ok_or(VerifyError::InvalidField("TLS.userbuf"))?;
            Some((text, bytes))
        }
    };
    Ok(Fields {
        ver,
        identifier,
        sdk_app_id,
        time,
        expire,
        userbuf,
        sig,
        digits: d.digits,
    })
}

/// Verifies a UserSig as the service does, returning its claims.
///
/// `now` is the current Unix time in seconds; this crate never reads a clock.
///
/// # Verification order
///
/// The first failing check decides the error (api-facts §3.2, the official Go verifier's order,
/// with the decoding steps made explicit):
///
/// 1. empty string → [`VerifyError::Empty`];
/// 2. base64 (Tencent alphabet `*-_`; the standard `+/=` is accepted too) → [`VerifyError::Base64`];
/// 3. zlib inflate (one complete stream, Adler-32 checked, at most 1 MiB) → [`VerifyError::Zlib`];
/// 4. JSON (any key order and whitespace, escapes such as PHP's `\/`, duplicate keys refused)
///    → [`VerifyError::Json`]; then the required fields `TLS.ver`, `TLS.identifier`,
///    `TLS.sdkappid`, `TLS.time`, `TLS.expire`, `TLS.sig` → [`VerifyError::MissingField`];
///    `TLS.userbuf`, when present, must be base64 → [`VerifyError::InvalidField`];
/// 5. `TLS.ver == "2.0"` → [`VerifyError::Version`];
/// 6. `TLS.sdkappid` → [`VerifyError::SdkAppIdMismatch`];
/// 7. `TLS.identifier` → [`VerifyError::IdentifierMismatch`];
/// 8. expiry: expired only when `now > TLS.time + TLS.expire` → [`VerifyError::Expired`];
/// 9. userbuf presence and bytes → [`VerifyError::UserBufMismatch`];
/// 10. HMAC-SHA256 over the content recomputed from the decoded fields, compared in constant
///     time (every byte compared, no early exit) → [`VerifyError::SignatureMismatch`].
///
/// The cheap claim checks come before the HMAC, as in the Go verifier; the answers they give
/// (wrong app, wrong user, expired) are visible to anyone who can decode the token anyway.
pub fn verify(
    key: &SecretKey,
    usersig: &str,
    expected: &Expected<'_>,
    now: u64,
) -> Result<Claims, VerifyError> {
    open(usersig, |doc| {
        let f = parse(doc)?;
        if f.ver != VERSION {
            return Err(VerifyError::Version(f.ver.into_owned()));
        }
        if f.sdk_app_id != expected.sdk_app_id {
            return Err(VerifyError::SdkAppIdMismatch {
                expected: expected.sdk_app_id,
                found: f.sdk_app_id,
            });
        }
        if f.identifier != expected.identifier {
            return Err(VerifyError::IdentifierMismatch {
                expected: expected.identifier.to_owned(),
                found: f.identifier.into_owned(),
            });
        }
        let expired_at = f.time.saturating_add(f.expire);
        if now > expired_at {
            return Err(VerifyError::Expired { expired_at, now });
        }
        let userbuf_matches = match (&f.userbuf, expected.userbuf) {
            (None, None) => true,
            (Some((_, found)), Some(wanted)) => found.as_slice() == wanted,
            _ => false,
        };
        if !userbuf_matches {
            return Err(VerifyError::UserBufMismatch);
        }
        let mut sig = [0u8; TAG_LEN + 3];
        let sig_len =
            codec::decode_std_slice(&f.sig, &mut sig).ok_or(VerifyError::SignatureMismatch)?;
        let userbuf_text = f.userbuf.as_ref().map(|(text, _)| text.as_ref());
        let tag = match f.digits {
            Some(digits) => mac_digits(key, &f.identifier, digits, userbuf_text),
            None => mac_content(
                key,
                &f.identifier,
                f.sdk_app_id,
                f.time,
                f.expire,
                userbuf_text,
            ),
        };
        if !constant_time_eq(&tag, &sig[..sig_len]) {
            return Err(VerifyError::SignatureMismatch);
        }
        Ok(Claims {
            sdk_app_id: f.sdk_app_id,
            identifier: f.identifier.into_owned(),
            time: f.time,
            expire: f.expire,
            userbuf: f.userbuf.map(|(_, bytes)| bytes),
        })
    })
}

/// The fields of a UserSig document, decoded without checking anything but their presence and
/// encoding. Built by [`crate::dangerous::decode_unverified`].
///
/// `Debug` redacts [`Decoded::signature`]: together with the claims it is the token itself.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Decoded {
    /// `TLS.ver`, not checked.
    pub version: String,
    /// The claims as the document states them.
    pub claims: Claims,
    /// `TLS.sig`, the standard-base64 HMAC as found (not checked).
    pub signature: String,
}

impl fmt::Debug for Decoded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Decoded")
            .field("version", &self.version)
            .field("claims", &self.claims)
            .field("signature", &"[redacted]")
            .finish()
    }
}

pub(crate) fn decode(usersig: &str) -> Result<Decoded, VerifyError> {
    open(usersig, |doc| {
        let f = parse(doc)?;
        Ok(Decoded {
            version: f.ver.into_owned(),
            claims: Claims {
                sdk_app_id: f.sdk_app_id,
                identifier: f.identifier.into_owned(),
                time: f.time,
                expire: f.expire,
                userbuf: f.userbuf.map(|(_, bytes)| bytes),
            },
            signature: f.sig.into_owned(),
        })
    })
}

/// A parser for the plain documents every signer writes, in front of `serde_json`.
///
/// It accepts a strict subset of JSON: one object whose keys are the seven `TLS.*` names
/// (each at most once, written without escapes), string values without escapes or control
/// characters, and `u64` values as plain digits (no sign, fraction, exponent or leading zero),
/// with JSON whitespace anywhere between tokens. On anything else (an escape such as PHP's
/// `\/`, an unknown key, a duplicate, a type error, bad UTF-8, a syntax error) it returns
/// `None` and [`parse`] hands the document to `serde_json`, which decides. So when it answers,
/// the answer is the one `serde_json` would give (a test checks this on generated and mutated
/// documents); it only skips serde's generic machinery, which was about a third of
/// [`verify`]'s time.
mod fast {
    use std::borrow::Cow;

    use super::Document;

    pub(super) fn document(doc: &[u8]) -> Option<Document<'_>> {
        compact(doc).or_else(|| object(doc))
    }

    /// The compact layout of this crate's and the official Node signer's documents: the keys
    /// in their order, no whitespace. Matched literally, which is cheaper than [`object`]'s
    /// key dispatch; anything else goes on to [`object`].
    fn compact(doc: &[u8]) -> Option<Document<'_>> {
        let mut p = Parser { doc, pos: 0 };
        p.literal(b"{\"TLS.ver\":")?;
        let ver = p.string()?;
        p.literal(b",\"TLS.identifier\":")?;
        let identifier = p.string()?;
        p.literal(b",\"TLS.sdkappid\":")?;
        let (sdk_app_id, sdk_app_id_text) = p.number_text()?;
        p.literal(b",\"TLS.time\":")?;
        let (time, time_text) = p.number_text()?;
        p.literal(b",\"TLS.expire\":")?;
        let (expire, expire_text) = p.number_text()?;
        let userbuf = match p.literal(b",\"TLS.userbuf\":") {
            Some(()) => Some(Cow::Borrowed(p.string()?)),
            None => None,
        };
        p.literal(b",\"TLS.sig\":")?;
        let sig = p.string()?;
        p.literal(b"}")?;
        (p.pos == doc.len()).then_some(Document {
            ver: Some(Cow::Borrowed(ver)),
            identifier: Some(Cow::Borrowed(identifier)),
            sdk_app_id: Some(sdk_app_id),
            time: Some(time),
            expire: Some(expire),
            userbuf,
            sig: Some(Cow::Borrowed(sig)),
            digits: Some([sdk_app_id_text, time_text, expire_text]),
        })
    }

    /// Any object of the `TLS.*` keys, in any order, with whitespace.
    fn object(doc: &[u8]) -> Option<Document<'_>> {
        let mut p = Parser { doc, pos: 0 };
        let mut d = Document::default();
        p.ws();
        p.eat(b'{')?;
        p.ws();
        if p.peek()? == b'}' {
            p.pos += 1;
        } else {
            loop {
                let key = p.raw_string()?;
                p.ws();
                p.eat(b':')?;
                p.ws();
                match key {
                    b"TLS.ver" => set(&mut d.ver, Cow::Borrowed(p.string()?))?,
                    b"TLS.identifier" => set(&mut d.identifier, Cow::Borrowed(p.string()?))?,
                    b"TLS.sdkappid" => set(&mut d.sdk_app_id, p.number()?)?,
                    b"TLS.time" => set(&mut d.time, p.number()?)?,
                    b"TLS.expire" => set(&mut d.expire, p.number()?)?,
                    b"TLS.userbuf" => set(&mut d.userbuf, Cow::Borrowed(p.string()?))?,
                    b"TLS.sig" => set(&mut d.sig, Cow::Borrowed(p.string()?))?,
                    _ => return None,
                }
                p.ws();
                match p.peek()? {
                    b',' => {
                        p.pos += 1;
                        p.ws();
                    }
                    b'}' => {
                        p.pos += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        p.ws();
        (p.pos == doc.len()).then_some(d)
    }

    /// Fills a field that must not be set yet (a duplicate key is left to serde, which refuses it).
    fn set<T>(slot: &mut Option<T>, value: T) -> Option<()> {
        if slot.is_some() {
            return None;
        }
        *slot = Some(value);
        Some(())
    }

    /// The index of the first `"`, `\\` or control character, eight bytes at a time (SWAR:
    /// the classic "has a zero byte" and "has a byte less than n" tricks, whose lowest flagged
    /// byte is always a true match).
    fn special(bytes: &[u8]) -> Option<usize> {
        const ONES: u64 = 0x0101_0101_0101_0101;
        const HIGH: u64 = 0x8080_8080_8080_8080;
        let mut words = bytes.chunks_exact(8);
        let mut offset = 0;
        for word in &mut words {
            let w = u64::from_le_bytes(<[u8; 8]>::try_from(word).ok()?);
            let quote = w ^ (ONES * u64::from(b'"'));
            let backslash = w ^ (ONES * u64::from(b'\\'));
            let flags = (quote.wrapping_sub(ONES) & !quote
                | backslash.wrapping_sub(ONES) & !backslash
                | w.wrapping_sub(ONES * 0x20) & !w)
                & HIGH;
            if flags != 0 {
                return Some(offset + (flags.trailing_zeros() / 8) as usize);
            }
            offset += 8;
        }
        let rest = words.remainder();
        rest.iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
            .map(|i| offset + i)
    }

    struct Parser<'a> {
        doc: &'a [u8],
        pos: usize,
    }

    impl<'a> Parser<'a> {
        fn peek(&self) -> Option<u8> {
            self.doc.get(self.pos).copied()
        }

        fn eat(&mut self, byte: u8) -> Option<()> {
            (self.peek()? == byte).then(|| self.pos += 1)
        }

        fn literal(&mut self, text: &[u8]) -> Option<()> {
            let rest = self.doc.get(self.pos..)?;
            rest.starts_with(text).then(|| self.pos += text.len())
        }

        fn ws(&mut self) {
            while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
                self.pos += 1;
            }
        }

        /// A string without escapes or control characters, as valid UTF-8.
        fn string(&mut self) -> Option<&'a str> {
            std::str::from_utf8(self.raw_string()?).ok()
        }

        /// The bytes of a string without escapes or control characters (not yet checked to
        /// be UTF-8).
        fn raw_string(&mut self) -> Option<&'a [u8]> {
            self.eat(b'"')?;
            let rest = self.doc.get(self.pos..)?;
            let len = special(rest)?;
            if rest[len] != b'"' {
                return None;
            }
            self.pos += len + 1;
            Some(&rest[..len])
        }

        /// A `u64` in plain digits, without a leading zero (unless it is `0`).
        fn number(&mut self) -> Option<u64> {
            self.number_text().map(|(n, _)| n)
        }

        /// [`Parser::number`] and its text, which is then `n`'s canonical decimal.
        fn number_text(&mut self) -> Option<(u64, &'a [u8])> {
            let rest = self.doc.get(self.pos..)?;
            let len = rest
                .iter()
                .position(|b| !b.is_ascii_digit())
                .unwrap_or(rest.len());
            if len == 0 || (len > 1 && rest[0] == b'0') {
                return None;
            }
            // A fraction or exponent makes it a float: serde's business.
            if let Some(b'.' | b'e' | b'E') = rest.get(len) {
                return None;
            }
            let mut n = 0u64;
            if len < 20 {
                // At most 19 digits: below 10^19, no overflow possible.
                for &digit in &rest[..len] {
                    n = n * 10 + u64::from(digit - b'0');
                }
            } else {
                for &digit in &rest[..len] {
                    n = n.checked_mul(10)?.checked_add(u64::from(digit - b'0'))?;
                }
            }
            self.pos += len;
            Some((n, &rest[..len]))
        }
    }

    #[cfg(test)]
    mod tests {
        use proptest::prelude::*;

        use super::*;

        fn serde(doc: &[u8]) -> Option<Document<'_>> {
            serde_json::from_slice(doc).ok()
        }

        /// The fast parse with its digit texts checked (each the canonical decimal of its
        /// number) and then dropped, to compare with serde's result.
        fn checked(d: Option<Document<'_>>) -> Option<Document<'_>> {
            d.map(|mut d| {
                if let Some(digits) = d.digits.take() {
                    let numbers = [d.sdk_app_id, d.time, d.expire];
                    for (text, n) in digits.iter().zip(numbers) {
                        assert_eq!(
                            Some(String::from_utf8_lossy(text).into_owned()),
                            n.map(|n| n.to_string())
                        );
                    }
                }
                d
            })
        }

        #[test]
        fn special_finds_the_first_quote_backslash_or_control_byte() {
            let naive = |b: &[u8]| b.iter().position(|&x| x == b'"' || x == b'\\' || x < 0x20);
            let fillers = [b'a', 0x7f, 0x80, 0xff, 0x21, 0x5b, 0x5d];
            for len in 0..24 {
                for at in 0..=len {
                    for special_byte in [b'"', b'\\', 0x00, 0x1f, b'\n'] {
                        for filler in fillers {
                            let mut bytes = vec![filler; len];
                            if at < len {
                                bytes[at] = special_byte;
                                // A second one later must not matter.
                                if at + 3 < len {
                                    bytes[at + 3] = 0x00;
                                }
                            }
                            assert_eq!(special(&bytes), naive(&bytes), "{bytes:?}");
                        }
                    }
                }
            }
        }

        #[test]
        fn plain_documents_take_the_fast_path() {
            let docs: [&[u8]; 4] = [
                br#"{"TLS.ver":"2.0","TLS.identifier":"xiaojun","TLS.sdkappid":1400000000,"TLS.time":1569910200,"TLS.expire":15552000,"TLS.sig":"abc="}"#,
                b"{ \"TLS.sig\" : \"x\" ,\n\t\"TLS.time\":0 }\r\n",
                b"{}",
                "{\"TLS.identifier\":\"中文🦀\",\"TLS.userbuf\":\"\"}".as_bytes(),
            ];
            for doc in docs {
                let fast = checked(document(doc));
                assert!(fast.is_some(), "{}", String::from_utf8_lossy(doc));
                assert_eq!(fast, serde(doc));
            }
        }

        #[test]
        fn everything_else_is_left_to_serde() {
            let docs: [&[u8]; 16] = [
                br#"{"TLS.identifier":"a\/b"}"#,
                br#"{"TLS.other":1}"#,
                br#"{"TLS.time":1,"TLS.time":1}"#,
                br#"{"TLS.time":01}"#,
                br#"{"TLS.time":1.0}"#,
                br#"{"TLS.time":1e3}"#,
                br#"{"TLS.time":-1}"#,
                br#"{"TLS.time":18446744073709551616}"#,
                br#"{"TLS.time":"1"}"#,
                br#"{"TLS.ver":2}"#,
                br#"{"TLS.ver":null}"#,
                br#"{"TLS.ver":"2.0",}"#,
                br#"{"TLS.ver":"2.0"} x"#,
                b"{\"TLS.ver\":\"\xff\"}",
                b"{\"TLS.ver\":\"a\x01\"}",
                br#"[]"#,
            ];
            for doc in docs {
                assert_eq!(document(doc), None, "{}", String::from_utf8_lossy(doc));
            }
            // The largest u64 still parses, like serde.
            let max = br#"{"TLS.time":18446744073709551615}"#;
            assert_eq!(checked(document(max)), serde(max));
            assert!(document(max).is_some());
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            /// The compact layout (this crate's, Node's) is matched literally, and agrees with
            /// serde; escaped strings go on to the general path, which leaves them to serde.
            #[test]
            fn compact_layout_agrees_with_serde(
                identifier in any::<String>(),
                numbers in any::<(u64, u64, u64)>(),
                userbuf in prop::option::of("[A-Za-z0-9+/=]{0,20}"),
                sig in "[A-Za-z0-9+/=]{0,44}",
            ) {
                let (sdk_app_id, time, expire) = numbers;
                let userbuf = userbuf.map(|u| format!(",\"TLS.userbuf\":\"{u}\"")).unwrap_or_default();
                let id_json = serde_json::to_string(&identifier).unwrap();
                let doc = format!(
                    "{{\"TLS.ver\":\"2.0\",\"TLS.identifier\":{id_json},\"TLS.sdkappid\":{sdk_app_id},\"TLS.time\":{time},\"TLS.expire\":{expire}{userbuf},\"TLS.sig\":\"{sig}\"}}"
                );
                let escaped = id_json.contains('\\');
                prop_assert_eq!(compact(doc.as_bytes()).is_some(), !escaped);
                prop_assert_eq!(document(doc.as_bytes()).is_some(), !escaped);
                if let Some(fast) = checked(compact(doc.as_bytes())) {
                    prop_assert!(fast.digits.is_none());
                    prop_assert_eq!(Some(fast), serde(doc.as_bytes()));
                }
            }
        }

        fn value() -> impl Strategy<Value = String> {
            prop_oneof![
                any::<u64>().prop_map(|n| n.to_string()),
                "[0-9]{1,21}",
                any::<String>().prop_map(|s| serde_json::to_string(&s).unwrap()),
                "\"[ -~]{0,12}\"",
                Just("null".to_owned()),
                Just("1.5".to_owned()),
                Just("[1]".to_owned()),
            ]
        }

        fn key() -> impl Strategy<Value = String> {
            prop_oneof![
                prop::sample::select(vec![
                    "TLS.ver",
                    "TLS.identifier",
                    "TLS.sdkappid",
                    "TLS.time",
                    "TLS.expire",
                    "TLS.userbuf",
                    "TLS.sig",
                ])
                .prop_map(|k| format!("\"{k}\"")),
                Just("\"TLS.other\"".to_owned()),
                Just("\"TLS\\u002esig\"".to_owned()),
            ]
        }

        fn ws() -> impl Strategy<Value = String> {
            prop_oneof![4 => Just(String::new()), 1 => "[ \t\r\n]{1,3}"]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            /// Whenever the fast path answers, serde agrees.
            #[test]
            fn agrees_with_serde(
                members in prop::collection::vec((key(), value(), ws()), 0..9),
                edit in prop::option::of((any::<prop::sample::Index>(), any::<u8>())),
            ) {
                let body: Vec<String> = members.iter().map(|(k, v, w)| format!("{w}{k}{w}:{w}{v}{w}")).collect();
                let mut doc = format!("{{{}}}", body.join(",")).into_bytes();
                if let Some((at, byte)) = edit {
                    let i = at.index(doc.len());
                    doc[i] = byte;
                }
                if let Some(fast) = checked(document(&doc)) {
                    prop_assert_eq!(Some(fast), serde(&doc));
                }
            }
        }
    }
}
