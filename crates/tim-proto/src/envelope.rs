//! The response envelope, the request trait, and encoding to / decoding from `http` 1.x values.

use std::fmt;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::call::ApiRequest;
use crate::endpoint::{ApiPath, BaseUrl, QueryParams};
use crate::error_code::ErrorCode;

/// How many bytes of an unusable body an error keeps.
pub const EXCERPT_LEN: usize = 512;

/// `ActionStatus`: `"OK"` or `"FAIL"`; anything else is kept verbatim.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ActionStatus {
    /// `"OK"`.
    #[default]
    Ok,
    /// `"FAIL"`.
    Fail,
    /// A value the documentation does not list.
    Other(String),
}

impl Serialize for ActionStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(match self {
            ActionStatus::Ok => "OK",
            ActionStatus::Fail => "FAIL",
            ActionStatus::Other(other) => other,
        })
    }
}

impl<'de> Deserialize<'de> for ActionStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = crate::wire::Key::deserialize(d)?.0;
        Ok(match &*s {
            "OK" => ActionStatus::Ok,
            "FAIL" => ActionStatus::Fail,
            _ => ActionStatus::Other(s.into_owned()),
        })
    }
}

/// Defines a response type: the fields given, plus the four envelope fields every response
/// carries (`ActionStatus`, `ErrorCode`, `ErrorInfo`, `ErrorDisplay`; `docs/protocol/conventions.md`),
/// with serde's derives and [`ApiResponse`] implemented, so one parse reads the envelope and the
/// body.
///
/// The caller's crate needs `serde` (as it does for any [`ApiRequest`] body). `ErrorInfo` and
/// `ErrorDisplay` are optional because the live service omits them on success.
///
/// ```
/// tim_proto::api_response! {
///     /// The answer to a made-up `Count` API.
///     #[derive(Clone, Debug)]
///     pub struct CountResponse {
///         /// `Total`.
///         #[serde(rename = "Total")]
///         pub total: u64,
///     }
/// }
///
/// let r: CountResponse = tim_proto::decode(&http::Response::new(r#"{"ActionStatus":"OK","ErrorCode":0,"Total":3}"#))?;
/// assert_eq!(r.total, 3);
/// # Ok::<(), tim_proto::DecodeError>(())
/// ```
///
/// # A vector of wire items
///
/// A response whose main content is a vector of [wire items](crate::wire) (a page of
/// conversations, say) declares it after the struct with `items "WireName" => field: Vec<Item>;`.
/// The field is serialized first, `null` or absent reads as empty, and [`ApiResponse::decode_body`]
/// reads the body optimistically: first with the items' strict readers, which refuse anything
/// unusual, and only when one refused, again with the robust ones. A strict reading that succeeds
/// is exactly the robust one (property-tested), so the difference is only time. No global or
/// thread-local state is involved: the strict reading is a private twin type.
///
/// ```
/// tim_proto::wire_item! {
///     /// A made-up item.
///     pub enum Thing {
///         tag "Kind";
///         /// Anything else, kept whole.
///         _ => Unknown(UnknownThing { kind }),
///         /// Kind 1.
///         1 => Small(SmallThing { "Id" => id }),
///     }
///     /// What every thing has.
///     pub struct ThingMeta {
///         /// `Size`, 0 when absent.
///         "Size" => pub size: u64 = 0,
///     }
/// }
///
/// tim_proto::api_response! {
///     /// A page of things.
///     #[derive(Clone, Debug)]
///     pub struct Things {
///         /// `Complete`.
///         #[serde(rename = "Complete")]
///         pub complete: u32,
///     }
///     /// `Thing`: the things.
///     items "Thing" => pub things: Vec<Thing>;
/// }
///
/// let body = r#"{"ActionStatus":"OK","ErrorCode":0,"Complete":1,"Thing":[{"Kind":1,"Id":"a","Size":3},{"Kind":9}]}"#;
/// let r: Things = tim_proto::decode(&http::Response::new(body))?;
/// assert!(matches!(&r.things[0], Thing::Small(s) if s.id == "a" && s.meta.size == 3));
/// assert!(matches!(&r.things[1], Thing::Unknown(u) if u.kind == Some(9)));
/// # Ok::<(), tim_proto::DecodeError>(())
/// ```
#[macro_export]
macro_rules! api_response {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $( $(#[$fmeta:meta])* $fvis:vis $field:ident : $ty:ty ),* $(,)?
        }
        $(#[doc = $idoc:literal])*
        items $iwire:literal => $ivis:vis $ifield:ident : Vec<$ity:ty>;
    ) => {
        $(#[$meta])*
        #[derive(::serde::Serialize)]
        $vis struct $name {
            $(#[doc = $idoc])*
            #[serde(rename = $iwire)]
            $ivis $ifield: ::std::vec::Vec<$ity>,
            $( $(#[$fmeta])* $fvis $field : $ty, )*
            /// `ActionStatus`: `OK` or `FAIL`.
            #[serde(rename = "ActionStatus")]
            pub action_status: $crate::ActionStatus,
            /// `ErrorCode`, 0 on success.
            #[serde(rename = "ErrorCode")]
            pub error_code: $crate::ErrorCode,
            /// `ErrorInfo`: the service's explanation of a failure.
            #[serde(rename = "ErrorInfo", default, skip_serializing_if = "Option::is_none")]
            pub error_info: ::core::option::Option<::std::string::String>,
            /// `ErrorDisplay`: text meant for end users.
            #[serde(rename = "ErrorDisplay", default, skip_serializing_if = "Option::is_none")]
            pub error_display: ::core::option::Option<::std::string::String>,
        }

        const _: () = {
            /// The reading of the body: `I` is the robust or the strict item vector.
            #[derive(::serde::Deserialize)]
            struct Twin<I> {
                #[serde(rename = $iwire, default)]
                $ifield: I,
                $( $(#[$fmeta])* $field : $ty, )*
                #[serde(rename = "ActionStatus")]
                action_status: $crate::ActionStatus,
                #[serde(rename = "ErrorCode")]
                error_code: $crate::ErrorCode,
                #[serde(rename = "ErrorInfo", default)]
                error_info: ::core::option::Option<::std::string::String>,
                #[serde(rename = "ErrorDisplay", default)]
                error_display: ::core::option::Option<::std::string::String>,
            }

            impl<I: ::core::convert::Into<::std::vec::Vec<$ity>>> Twin<I> {
                fn finish(self) -> $name {
                    $name {
                        $ifield: self.$ifield.into(),
                        $( $field: self.$field, )*
                        action_status: self.action_status,
                        error_code: self.error_code,
                        error_info: self.error_info,
                        error_display: self.error_display,
                    }
                }
            }

            impl<'de> ::serde::Deserialize<'de> for $name {
                fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::core::result::Result<Self, D::Error> {
                    <Twin<$crate::wire::RobustItems<$ity>> as ::serde::Deserialize<'de>>::deserialize(d)
                        .map(Twin::finish)
                }
            }

            impl $crate::ApiResponse for $name {
                fn error(&self) -> ::core::option::Option<$crate::ApiError> {
                    $crate::envelope_error(
                        &self.action_status,
                        self.error_code,
                        self.error_info.as_deref(),
                        self.error_display.as_deref(),
                    )
                }

                fn decode_body(body: &[u8]) -> ::core::result::Result<Self, $crate::wire::JsonError> {
                    $crate::wire::optimistic(body, Twin::<$crate::wire::StrictItems<$ity>>::finish)
                }
            }
        };
    };
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $( $(#[$fmeta:meta])* $fvis:vis $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(::serde::Serialize, ::serde::Deserialize)]
        $vis struct $name {
            $( $(#[$fmeta])* $fvis $field : $ty, )*
            /// `ActionStatus`: `OK` or `FAIL`.
            #[serde(rename = "ActionStatus")]
            pub action_status: $crate::ActionStatus,
            /// `ErrorCode`, 0 on success.
            #[serde(rename = "ErrorCode")]
            pub error_code: $crate::ErrorCode,
            /// `ErrorInfo`: the service's explanation of a failure.
            #[serde(rename = "ErrorInfo", default, skip_serializing_if = "Option::is_none")]
            pub error_info: ::core::option::Option<::std::string::String>,
            /// `ErrorDisplay`: text meant for end users.
            #[serde(rename = "ErrorDisplay", default, skip_serializing_if = "Option::is_none")]
            pub error_display: ::core::option::Option<::std::string::String>,
        }

        impl $crate::ApiResponse for $name {
            fn error(&self) -> ::core::option::Option<$crate::ApiError> {
                $crate::envelope_error(
                    &self.action_status,
                    self.error_code,
                    self.error_info.as_deref(),
                    self.error_display.as_deref(),
                )
            }
        }
    };
}

api_response! {
    /// The four fields every response carries (`docs/protocol/conventions.md`), alone: the whole answer of APIs
    /// such as `recentcontact/delete`.
    #[derive(Clone, Debug, PartialEq, Eq, Default)]
    pub struct Envelope {}
}

impl Envelope {
    /// The error this envelope reports, if it reports one (`ActionStatus` other than `OK`, or a
    /// non-zero `ErrorCode`).
    pub fn error(&self) -> Option<ApiError> {
        envelope_error(
            &self.action_status,
            self.error_code,
            self.error_info.as_deref(),
            self.error_display.as_deref(),
        )
    }
}

/// The error that envelope fields report, if any: `ActionStatus` other than `OK`, or a non-zero
/// `ErrorCode`. Response types use it to implement [`ApiResponse`].
pub fn envelope_error(
    status: &ActionStatus,
    code: ErrorCode,
    info: Option<&str>,
    display: Option<&str>,
) -> Option<ApiError> {
    if *status == ActionStatus::Ok && code.is_ok() {
        return None;
    }
    Some(ApiError {
        code,
        info: info.unwrap_or_default().to_owned(),
        display: display.filter(|d| !d.is_empty()).map(str::to_owned),
    })
}

/// The service said no: `ErrorCode`, `ErrorInfo` and `ErrorDisplay` of a failed call.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ApiError {
    /// The service's `ErrorCode`.
    pub code: ErrorCode,
    /// The service's `ErrorInfo` (may be empty).
    pub info: String,
    /// The service's `ErrorDisplay`, when present and non-empty.
    pub display: Option<String>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error code {}", self.code.0)?;
        if let Some(description) = self.code.description() {
            write!(f, " ({description})")?;
        }
        if !self.info.is_empty() {
            write!(f, ": {}", self.info)?;
        }
        Ok(())
    }
}

/// A response could not be turned into the typed body.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The HTTP status was not 200 (the service answers 502 with an HTML page on network faults).
    #[error("http status {status}")]
    HttpStatus {
        /// The status received.
        status: http::StatusCode,
        /// The first [`EXCERPT_LEN`] bytes of the body, lossily decoded.
        excerpt: String,
    },
    /// The body is not the JSON the API documents.
    #[error("malformed response body: {source}")]
    Malformed {
        /// The first [`EXCERPT_LEN`] bytes of the body, lossily decoded.
        excerpt: String,
        /// What serde_json reported.
        source: serde_json::Error,
    },
    /// The envelope reports an error.
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl DecodeError {
    /// The service's error, when the envelope reported one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            DecodeError::Api(e) => Some(e),
            _ => None,
        }
    }
}

/// A request could not be encoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The body did not serialize.
    #[error("request body did not serialize: {0}")]
    Body(#[from] serde_json::Error),
    /// The URL or a header was rejected by `http`.
    #[error("request could not be built: {0}")]
    Http(#[from] http::Error),
}

/// A response type. It carries the [`Envelope`] fields inline (so one parse reads both) and says
/// whether they report an error, usually through [`envelope_error`].
pub trait ApiResponse: DeserializeOwned {
    /// The error the envelope fields report, if any.
    fn error(&self) -> Option<ApiError>;

    /// Reads a body (the default: `serde_json::from_slice`). Responses that carry a vector of
    /// [wire items](crate::wire) read it optimistically here (see [`api_response!`](crate::api_response)).
    ///
    /// # Errors
    ///
    /// What serde_json reports for a body that does not fit the type.
    fn decode_body(body: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(body)
    }
}

/// Encodes a call as an `http` 1.x request: `POST`, the JSON body, `Content-Type: application/json`.
///
/// The URI contains the UserSig; log requests only through [`tim_redact::redact`].
pub fn encode<R: ApiRequest>(
    request: &R,
    base: &BaseUrl,
    params: &QueryParams<'_>,
) -> Result<http::Request<Bytes>, EncodeError> {
    encode_parts(R::PATH, request, base, params)
}

/// [`encode`] over a path and any JSON body: for a call that has no [`ApiRequest`] type (such
/// as `tim api`'s).
///
/// The URI contains the UserSig; log requests only through [`tim_redact::redact`].
pub fn encode_parts<B: Serialize + ?Sized>(
    path: ApiPath,
    body: &B,
    base: &BaseUrl,
    params: &QueryParams<'_>,
) -> Result<http::Request<Bytes>, EncodeError> {
    let body = serde_json::to_vec(body)?;
    let request = http::Request::builder()
        .method(http::Method::POST)
        .uri(base.url(path, params))
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Bytes::from(body))?;
    Ok(request)
}

/// Decodes a response: the status first, then the envelope, then the typed body.
///
/// A non-200 status is [`DecodeError::HttpStatus`]; an envelope reporting an error is
/// [`DecodeError::Api`] even when the rest of the body would not fit the typed response; a body
/// that is not the documented JSON is [`DecodeError::Malformed`]. Unknown fields are ignored. No
/// input makes this panic.
pub fn decode<R: ApiResponse>(
    response: &http::Response<impl AsRef<[u8]>>,
) -> Result<R, DecodeError> {
    decode_parts(response.status(), response.body().as_ref())
}

/// [`decode`] over a status and a body.
pub fn decode_parts<R: ApiResponse>(
    status: http::StatusCode,
    body: &[u8],
) -> Result<R, DecodeError> {
    if status != http::StatusCode::OK {
        return Err(DecodeError::HttpStatus {
            status,
            excerpt: excerpt(body),
        });
    }
    // One pass over the body in the common case: the typed response carries the envelope fields.
    match R::decode_body(body) {
        Ok(typed) => match typed.error() {
            Some(error) => Err(DecodeError::Api(error)),
            None => Ok(typed),
        },
        Err(source) => match serde_json::from_slice::<Envelope>(body) {
            // An error envelope need not carry the body's fields: report the service's error.
            Ok(envelope) => match envelope.error() {
                Some(error) => Err(DecodeError::Api(error)),
                None => Err(DecodeError::Malformed {
                    excerpt: excerpt(body),
                    source,
                }),
            },
            Err(_) => Err(DecodeError::Malformed {
                excerpt: excerpt(body),
                source,
            }),
        },
    }
}

/// The first [`EXCERPT_LEN`] bytes of a body, lossily decoded; a multi-byte character cut by the
/// limit is left out rather than turned into U+FFFD, and `…` marks a cut. Any `usersig=` value
/// in it (a proxy's error page may echo the request URL) is replaced by `[redacted]`.
pub fn excerpt(body: &[u8]) -> String {
    let mut cut = &body[..body.len().min(EXCERPT_LEN)];
    // `error_len() == None`: the bytes end inside a character that the limit cut.
    if body.len() > EXCERPT_LEN
        && let Err(e) = std::str::from_utf8(cut)
        && e.error_len().is_none()
    {
        cut = &cut[..e.valid_up_to()];
    }
    let mut text = tim_redact::redact(&String::from_utf8_lossy(cut)).into_owned();
    if body.len() > EXCERPT_LEN {
        text.push('…');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(body: &str) -> http::Response<&[u8]> {
        http::Response::new(body.as_bytes())
    }

    #[test]
    fn an_error_envelope_wins_over_the_body() {
        let r = decode::<Envelope>(&ok(
            r#"{"ActionStatus":"FAIL","ErrorCode":70001,"ErrorInfo":"expired"}"#,
        ));
        let api = r.expect_err("fails").api().cloned().expect("api error");
        assert_eq!(api.code, ErrorCode::USERSIG_EXPIRED);
        assert_eq!(api.info, "expired");
        assert_eq!(
            api.to_string(),
            "error code 70001 (the UserSig expired; sign a new one): expired"
        );
    }

    #[test]
    fn ok_status_with_non_zero_code_is_an_error() {
        let r = decode::<Envelope>(&ok(r#"{"ActionStatus":"OK","ErrorCode":60008}"#));
        assert_eq!(
            r.expect_err("fails").api().map(|e| e.code),
            Some(ErrorCode::REQUEST_TIMEOUT)
        );
    }

    #[test]
    fn non_200_keeps_a_bounded_excerpt() {
        let html = format!("<html>{}</html>", "x".repeat(5000));
        let mut resp = http::Response::new(html.as_bytes());
        *resp.status_mut() = http::StatusCode::BAD_GATEWAY;
        match decode::<Envelope>(&resp) {
            Err(DecodeError::HttpStatus { status, excerpt }) => {
                assert_eq!(status, 502);
                assert!(excerpt.starts_with("<html>xxx"));
                assert!(excerpt.chars().count() <= EXCERPT_LEN + 1);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn malformed_json_is_typed() {
        match decode::<Envelope>(&ok("{not json")) {
            Err(DecodeError::Malformed { excerpt, .. }) => assert_eq!(excerpt, "{not json"),
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(
            decode::<Envelope>(&ok(r#"{"ActionStatus":"OK"}"#)),
            Err(DecodeError::Malformed { .. })
        ));
    }

    #[test]
    fn excerpt_cuts_at_char_boundaries() {
        // 3-byte characters: 512 is not a multiple of 3, so the limit falls inside one.
        let s = "中".repeat(EXCERPT_LEN);
        let e = excerpt(s.as_bytes());
        assert!(
            !e.contains('\u{FFFD}'),
            "no replacement character from the cut"
        );
        assert_eq!(e, format!("{}…", "中".repeat(EXCERPT_LEN / 3)));
        // Invalid bytes inside the excerpt are still shown lossily, and short bodies are whole.
        assert_eq!(excerpt(b"a\xffb"), "a\u{FFFD}b");
        assert_eq!(excerpt(b"short"), "short");
        // A gateway page echoing the URL does not carry the UserSig into errors.
        assert_eq!(
            excerpt(b"<p>GET /v4/a/b?sdkappid=1&usersig=eJyS3cr3t&random=1</p>"),
            "<p>GET /v4/a/b?sdkappid=1&usersig=[redacted]&random=1</p>"
        );
    }
}
