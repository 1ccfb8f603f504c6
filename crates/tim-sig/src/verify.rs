//! Decoding and verification (the workspace's `docs/usersig.md`, "Verification order").

use std::borrow::Cow;
use std::fmt;

use hmac::Mac as _;
use serde::Deserialize;

use crate::codec;
use crate::key::SecretKey;
use crate::sign::{Claims, TAG_LEN, VERSION, mac_content};

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
    /// The error code the IM service answers for this failure (the table in the workspace's
    /// `docs/usersig.md`), as a suggestion
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

/// The document as `serde_json` reads it, borrowing from the inflated bytes where no unescaping
/// was needed. Any key order, whitespace and escaping is accepted; unknown keys are ignored;
/// `null` reads as absent. Refused, as [`VerifyError::Json`]: anything that is not one JSON
/// object, a duplicate key (serde's derive refuses them, so no two parsers can disagree about
/// which value counts), a string where a field wants a number or the reverse, and a number
/// that is not a `u64` written as an integer (negative, fractional, exponent, too large).
#[derive(Deserialize)]
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
    let d: Document<'_> = serde_json::from_slice(doc).map_err(|_| VerifyError::Json)?;
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
    })
}

/// Verifies a UserSig as the service does, returning its claims.
///
/// `now` is the current Unix time in seconds; this crate never reads a clock.
///
/// # Verification order
///
/// The first failing check decides the error (the official Go verifier's order, with the
/// decoding steps made explicit; see the workspace's `docs/usersig.md`):
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
/// 10. HMAC-SHA256 over the content recomputed from the decoded fields, compared with
///     `TLS.sig` in constant time by `hmac`'s [`verify_slice`](hmac::Mac::verify_slice)
///     → [`VerifyError::SignatureMismatch`].
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
        mac_content(
            key,
            &f.identifier,
            f.sdk_app_id,
            f.time,
            f.expire,
            userbuf_text,
        )
        .verify_slice(&sig[..sig_len])
        .map_err(|_| VerifyError::SignatureMismatch)?;
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
