//! Wire helpers of the emulator: JSON envelopes and responses, HTML error pages, the query
//! string, body previews.

use bytes::Bytes;
use http::{Response, StatusCode, header};
use serde::Serialize;

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

pub(crate) fn ok_envelope() -> Bytes {
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

pub(crate) fn html_status(status: u16) -> Response<Bytes> {
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

pub(crate) fn body_preview(body: &Bytes) -> String {
    let cut = &body[..body.len().min(4096)];
    String::from_utf8_lossy(cut).into_owned()
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

    /// The names, in order (repeats included).
    pub(crate) fn names(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.pairs.iter().map(|(k, _)| *k)
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
