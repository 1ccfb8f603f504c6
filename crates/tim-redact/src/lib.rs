//! The one redactor of secrets in text for the tim Tencent Cloud IM toolkit.
//!
//! Every REST call carries the admin's UserSig in its URL (`…&usersig=eJy…&random=…`), and a
//! backend error, a proxy's error page or a log line may print that URL. Redis URLs may carry a
//! password (`rediss://:secret@host:6380`). Every tim crate that prints such text sends it
//! through [`redact`] first, so there is one definition of what is secret and one mask,
//! [`MASK`].
//!
//! ```
//! use tim_redact::redact;
//!
//! let url = "https://console.tim.qq.com/v4/recentcontact/get_list?sdkappid=1&identifier=admin&usersig=eJy-secret_&random=7";
//! assert_eq!(
//!     redact(url),
//!     "https://console.tim.qq.com/v4/recentcontact/get_list?sdkappid=1&identifier=admin&usersig=[redacted]&random=7",
//! );
//! assert_eq!(redact("redis://default:hunter2@10.0.0.1:6379/0"), "redis://default:[redacted]@10.0.0.1:6379/0");
//! // Nothing to hide: the text comes back borrowed.
//! assert!(matches!(redact("plain text"), std::borrow::Cow::Borrowed(_)));
//! ```
//!
//! What is replaced:
//!
//! * the value of every `usersig=` key, in any letter case, also percent-encoded as
//!   `usersig%3D` (a URL inside another URL's query). The value runs to the next character that
//!   cannot be part of a query value (`&`, `#`, whitespace, quotes, brackets, `,`, `;`, `\`, `|`);
//! * the password of every URL's userinfo (`scheme://user:password@host`): everything between
//!   the first `:` of the userinfo and its last `@`. The user name is kept, since it names an
//!   account, not a secret.
//!
//! A value that is already the mask is left as is, so redacting twice changes nothing. The
//! secret key itself never travels in text (it only ever signs), so there is nothing to find for
//! it here: the types that hold it have redacted `Debug` and no `Display`.

#![forbid(unsafe_code)]

use std::borrow::Cow;

/// What replaces a secret.
pub const MASK: &str = "[redacted]";

/// The query parameter name whose value is secret.
const NEEDLE: &[u8] = b"usersig";

/// `text` with every UserSig query value and every URL password replaced by [`MASK`]; see the
/// [crate docs](crate). Text without anything to hide is returned borrowed.
pub fn redact(text: &str) -> Cow<'_, str> {
    let first = redact_usersig(text);
    match redact_userinfo(&first) {
        Cow::Borrowed(_) => first,
        Cow::Owned(s) => Cow::Owned(s),
    }
}

/// Builds the output lazily: nothing is allocated until the first secret is found.
struct Out<'a> {
    text: &'a str,
    buf: Option<String>,
    /// Everything before `copied` is in `buf` (or needs no change).
    copied: usize,
}

impl<'a> Out<'a> {
    fn new(text: &'a str) -> Self {
        Out {
            text,
            buf: None,
            copied: 0,
        }
    }

    /// Replaces `text[start..end]` with the mask.
    fn mask(&mut self, start: usize, end: usize) {
        let buf = self
            .buf
            .get_or_insert_with(|| String::with_capacity(self.text.len()));
        buf.push_str(&self.text[self.copied..start]);
        buf.push_str(MASK);
        self.copied = end;
    }

    fn finish(self) -> Cow<'a, str> {
        match self.buf {
            Some(mut buf) => {
                buf.push_str(&self.text[self.copied..]);
                Cow::Owned(buf)
            }
            None => Cow::Borrowed(self.text),
        }
    }
}

fn redact_usersig(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out = Out::new(text);
    let mut i = 0;
    while i + NEEDLE.len() <= bytes.len() {
        if !bytes[i..i + NEEDLE.len()].eq_ignore_ascii_case(NEEDLE) {
            i += 1;
            continue;
        }
        let after = i + NEEDLE.len();
        let value_start = if bytes.get(after) == Some(&b'=') {
            after + 1
        } else if bytes.len() >= after + 3 && bytes[after..after + 3].eq_ignore_ascii_case(b"%3d") {
            after + 3
        } else {
            i = after;
            continue;
        };
        if text[value_start..].starts_with(MASK) {
            i = value_start + MASK.len();
            continue;
        }
        let value_end = bytes[value_start..]
            .iter()
            .position(|&b| ends_value(b))
            .map_or(bytes.len(), |n| value_start + n);
        out.mask(value_start, value_end);
        i = value_end;
    }
    out.finish()
}

fn redact_userinfo(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out = Out::new(text);
    let mut from = 0;
    while let Some(pos) = text[from..].find("://") {
        let authority_start = from + pos + 3;
        let authority_end = bytes[authority_start..]
            .iter()
            .position(|&b| {
                matches!(b, b'/' | b'?' | b'#') || ends_value(b) && b != b'[' && b != b']'
            })
            .map_or(bytes.len(), |n| authority_start + n);
        let authority = &text[authority_start..authority_end];
        if let Some(at) = authority.rfind('@')
            && let Some(colon) = authority[..at].find(':')
        {
            let start = authority_start + colon + 1;
            let end = authority_start + at;
            if &text[start..end] != MASK && start < end {
                out.mask(start, end);
            }
        }
        from = authority_end.max(authority_start);
    }
    out.finish()
}

fn ends_value(b: u8) -> bool {
    b.is_ascii_whitespace()
        || b.is_ascii_control()
        || matches!(
            b,
            b'&' | b'#'
                | b'"'
                | b'\''
                | b'`'
                | b'<'
                | b'>'
                | b'('
                | b')'
                | b'['
                | b']'
                | b'{'
                | b'}'
                | b','
                | b';'
                | b'\\'
                | b'|'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usersig_values() {
        let cases = [
            ("usersig=", "usersig=[redacted]"),
            ("a?usersig=abc", "a?usersig=[redacted]"),
            ("a?UserSig=abc&b=1", "a?UserSig=[redacted]&b=1"),
            ("x?USERSIG=abc", "x?USERSIG=[redacted]"),
            ("x usersig=a*b-c_d ok", "x usersig=[redacted] ok"),
            ("\"u?usersig=abc\"", "\"u?usersig=[redacted]\""),
            ("(u?usersig=abc)", "(u?usersig=[redacted])"),
            ("q=u%3Fusersig%3Dabc%26x", "q=u%3Fusersig%3D[redacted]"),
            (
                "usersig=a&usersig=b#f",
                "usersig=[redacted]&usersig=[redacted]#f",
            ),
            ("usersig=[redacted]&x", "usersig=[redacted]&x"),
            ("usersigs are fine", "usersigs are fine"),
            ("ü usersig=äbc", "ü usersig=[redacted]"),
            (
                "<p>GET /v4/a/b?sdkappid=1&usersig=eJyS3cr3t&random=1</p>",
                "<p>GET /v4/a/b?sdkappid=1&usersig=[redacted]&random=1</p>",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(redact(input), want, "input {input:?}");
        }
    }

    #[test]
    fn url_passwords() {
        let cases = [
            ("redis://:pw@h:6379", "redis://:[redacted]@h:6379"),
            ("rediss://user:p%40ss@h/0", "rediss://user:[redacted]@h/0"),
            ("redis://user@h", "redis://user@h"),
            ("redis://h:6379", "redis://h:6379"),
            (
                "connect to redis://u:a:b@h failed",
                "connect to redis://u:[redacted]@h failed",
            ),
            (
                "a=redis://:x@h b=redis://:y@k",
                "a=redis://:[redacted]@h b=redis://:[redacted]@k",
            ),
            ("redis://:[redacted]@h", "redis://:[redacted]@h"),
            ("redis://[::1]:6379", "redis://[::1]:6379"),
            ("redis://:pw@[::1]:6379", "redis://:[redacted]@[::1]:6379"),
            ("ends with ://", "ends with ://"),
        ];
        for (input, want) in cases {
            assert_eq!(redact(input), want, "input {input:?}");
        }
    }

    #[test]
    fn both_kinds_in_one_text_and_idempotence() {
        let text = "https://u:pw@h/v4/a/b?usersig=SIG&random=1";
        let once = redact(text);
        assert_eq!(
            once,
            "https://u:[redacted]@h/v4/a/b?usersig=[redacted]&random=1"
        );
        assert_eq!(redact(&once), once);
        assert!(matches!(redact("plain"), Cow::Borrowed(_)));
    }
}
