//! Service error codes: an open newtype with a named constant, a description and a class for every
//! code the service documents.
//!
//! The table follows `docs/protocol/error-codes.md` (public 600xx/700xx/8000x codes and the
//! private 5000x and 510xx codes of `recentcontact/*`). Codes outside the table still round-trip: [`ErrorCode`] is a plain `i64`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A service `ErrorCode` (`0` means success).
///
/// An open newtype in the manner of h2's `Reason`: every documented code has a named constant,
/// and any other value is kept as is.
///
/// ```
/// use tim_proto::{ErrorClass, ErrorCode};
///
/// assert_eq!(ErrorCode::USERSIG_EXPIRED.class(), ErrorClass::Resign);
/// assert_eq!(ErrorCode::from(70001), ErrorCode::USERSIG_EXPIRED);
/// assert_eq!(format!("{:?}", ErrorCode::from(123456)), "ErrorCode(123456)");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(transparent)]
pub struct ErrorCode(pub i64);

/// What a caller should do about an error code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorClass {
    /// Not an error (`ErrorCode` 0).
    Success,
    /// The service had a transient fault: retry the same request with backoff.
    Transient,
    /// A frequency limit was hit: retry after a longer backoff.
    RateLimited,
    /// The UserSig expired or was invalidated: sign a new one and retry once.
    Resign,
    /// Retrying will not help: the request, the credentials or the account must change.
    Permanent,
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $name:ident = $code:literal, $class:ident, $desc:literal; )*) => {
        impl ErrorCode {
            $( $(#[$doc])* pub const $name: ErrorCode = ErrorCode($code); )*

            /// Every documented code, in ascending order.
            pub const ALL: &'static [ErrorCode] = &[$( ErrorCode::$name, )*];

            /// The constant's name, for a documented code.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $( $code => Some(stringify!($name)), )*
                    _ => None,
                }
            }

            /// The documented meaning of the code, in English.
            pub fn description(self) -> Option<&'static str> {
                match self.0 {
                    0 => Some("success"),
                    $( $code => Some($desc), )*
                    _ => None,
                }
            }

            /// How a caller should react to this code.
            ///
            /// Undocumented codes are [`ErrorClass::Permanent`]: retrying what we do not understand
            /// could repeat a harmful request.
            pub fn class(self) -> ErrorClass {
                match self.0 {
                    0 => ErrorClass::Success,
                    $( $code => ErrorClass::$class, )*
                    _ => ErrorClass::Permanent,
                }
            }
        }
    };
}

codes! {
    /// 50001: the `From_Account` was never imported into the app.
    CONV_ACCOUNT_NOT_FOUND = 50001, Permanent, "the requested UserID has not been imported into the IM service";
    /// 50002: invalid request parameters (recentcontact).
    CONV_INVALID_PARAMETERS = 50002, Permanent, "invalid request parameters; check them against the error description";
    /// 50003: the request needs App admin rights (recentcontact).
    CONV_ADMIN_REQUIRED = 50003, Permanent, "the request requires App admin rights";
    /// 50004: internal server error (recentcontact); retry.
    CONV_INTERNAL_ERROR = 50004, Transient, "internal server error; retry";
    /// 50005: network timeout inside the service (recentcontact); retry later.
    CONV_NET_TIMEOUT = 50005, Transient, "network timeout; retry later";
    /// 51006: a `mark_contact` call touches no conversation or more than 100.
    MARK_ITEM_COUNT_INVALID = 51006, Permanent, "the mark update touches no conversation or more than 100";
    /// 51007: a group id could not be resolved (an internal error, or the group was dismissed).
    /// Permanent: the usual cause is a dismissed or wrong group, which retrying cannot fix
    /// (`docs/protocol/contact-groups-and-marks.md`).
    GROUP_CODE_LOOKUP_FAILED = 51007, Permanent, "the group id could not be resolved: internal error, or the group was dismissed";
    /// 51008: more than 1000 conversations in conversation groups or with marks.
    CONTACT_GROUP_CONVERSATION_LIMIT = 51008, Permanent, "more than 1000 conversations in conversation groups or with marks";
    /// 51009: the conversation group does not exist.
    CONTACT_GROUP_NOT_FOUND = 51009, Permanent, "the conversation group does not exist";
    /// 51010: more than 20 conversation groups.
    CONTACT_GROUP_COUNT_LIMIT = 51010, Permanent, "more than 20 conversation groups";
    /// 51011: a conversation group name longer than 32 bytes.
    CONTACT_GROUP_NAME_TOO_LONG = 51011, Permanent, "the conversation group name is longer than 32 bytes";
    /// 51012: the pinned-conversation limit was exceeded.
    PINNED_CONVERSATION_LIMIT = 51012, Permanent, "too many pinned conversations";
    /// 51013: standard marks and conversation groups need an advanced edition.
    EDITION_NOT_SUPPORTED = 51013, Permanent, "the app's edition does not support standard marks or conversation groups";
    /// 60002: the request URL could not be parsed.
    INVALID_HTTP_URL = 60002, Permanent, "HTTP parse error; check the request URL format";
    /// 60003: the request body is not valid JSON.
    REQ_JSON_PARSE_FAILED = 60003, Permanent, "the request JSON could not be parsed";
    /// 60004: account or signature wrong in the URL or body.
    INVALID_ACCOUNT = 60004, Permanent, "the account or signature in the URL or body is wrong";
    /// 60005: account or signature wrong (variant of 60004).
    INVALID_ACCOUNT_EX = 60005, Permanent, "the account or signature in the URL or body is wrong";
    /// 60006: the SDKAppID is invalid.
    INVALID_SDKAPPID = 60006, Permanent, "the SDKAppID is invalid";
    /// 60007: REST call frequency over the limit.
    REST_FREQ_LIMIT = 60007, RateLimited, "REST API call frequency over the limit; lower the request rate";
    /// 60008: service timeout or malformed HTTP request (ambiguous; retried a bounded number of times).
    REQUEST_TIMEOUT = 60008, Transient, "service timeout or malformed HTTP request; check and retry";
    /// 60009: wrong resource (the path is unknown).
    INVALID_RES = 60009, Permanent, "unknown request resource; check the request URL";
    /// 60010: the identifier is not an App admin.
    ID_NOT_ADMIN = 60010, Permanent, "the request requires App admin rights (identifier must be an admin)";
    /// 60011: per-SDKAppID frequency over the limit.
    SDKAPPID_FREQ_LIMIT = 60011, RateLimited, "SDKAppID request frequency over the limit; lower the request rate";
    /// 60012: `sdkappid` missing from the URL.
    SDKAPPID_MISS = 60012, Permanent, "the request URL lacks the SDKAppID";
    /// 60013: the service failed to parse a response JSON internally.
    RSP_JSON_PARSE_FAILED = 60013, Transient, "the service failed to parse an internal response JSON";
    /// 60014: account exchange timed out.
    EXCHANGE_ACCOUNT_TIMEOUT = 60014, Transient, "account exchange timed out; retry";
    /// 60015: an account in the body is not a string.
    INVALID_ID_FORMAT = 60015, Permanent, "an account in the request body is not a string";
    /// 60016: the SDKAppID is disabled.
    SDKAPPID_FORBIDDEN = 60016, Permanent, "the SDKAppID is disabled";
    /// 60017: the request is disabled.
    REQ_FORBIDDEN = 60017, Permanent, "the request is disabled";
    /// 60018: requests too frequent.
    REQ_FREQ_LIMIT = 60018, RateLimited, "requests too frequent; retry later";
    /// 60019: requests too frequent (variant).
    REQ_FREQ_LIMIT_EX = 60019, RateLimited, "requests too frequent; retry later";
    /// 60020: the Pro package expired or is not yet effective.
    INVALID_SERVICE = 60020, Permanent, "the service package expired or is not yet effective (takes about 5 minutes after purchase)";
    /// 60021: the caller's IP address is not allowed.
    INVALID_SOURCE_IP = 60021, Permanent, "the REST API caller's IP address is not allowed";
    /// 70001: the UserSig expired.
    USERSIG_EXPIRED = 70001, Resign, "the UserSig expired; sign a new one";
    /// 70002: the UserSig is empty.
    USERSIG_EMPTY = 70002, Permanent, "the UserSig is empty";
    /// 70003: the UserSig could not be parsed (truncated?).
    USERSIG_CHECK_FAILED = 70003, Permanent, "the UserSig failed to parse or verify; is it truncated?";
    /// 70005: the UserSig failed verification.
    USERSIG_CHECK_FAILED_EX = 70005, Permanent, "the UserSig failed verification";
    /// 70009: the UserSig was signed with another app's key.
    USERSIG_MISMATCH_KEY = 70009, Permanent, "the UserSig was signed with another SDKAppID's key";
    /// 70013: the identifier does not match the UserSig's.
    USERSIG_MISMATCH_ID = 70013, Permanent, "the identifier does not match the one the UserSig was signed for";
    /// 70014: the SDKAppID does not match the UserSig's.
    USERSIG_MISMATCH_SDKAPPID = 70014, Permanent, "the SDKAppID does not match the one the UserSig was signed for";
    /// 70016: the key was not found (wrong data centre for this SDKAppID?).
    USERSIG_KEY_NOT_FOUND = 70016, Permanent, "the app's key was not found; check that the SDKAppID belongs to this data centre";
    /// 70020: the SDKAppID was not found (wrong data centre?).
    SDKAPPID_NOT_FOUND = 70020, Permanent, "the SDKAppID was not found; check that it belongs to this data centre";
    /// 70050: too many failed UserSig checks; wait a minute. Permanent: the UserSig itself is
    /// wrong, and retrying with it only prolongs the block.
    ACCOUNT_FREQ_LIMIT = 70050, Permanent, "UserSig verification failed too often; check the UserSig and retry after a minute";
    /// 70051: the account is blacklisted.
    ACCOUNT_BLACKLIST = 70051, Permanent, "the account is blacklisted";
    /// 70052: the UserSig was invalidated.
    USERSIG_INVALIDATED = 70052, Resign, "the UserSig was invalidated; sign a new one and retry";
    /// 70107: the account was never imported.
    ACCOUNT_NOT_FOUND = 70107, Permanent, "the account has not been imported into the IM service";
    /// 70114: restricted for security reasons.
    ACCOUNT_SECURITY_RESTRICTED = 70114, Permanent, "restricted for security reasons";
    /// 70169: internal timeout; retry.
    ACCOUNT_INTERNAL_TIMEOUT = 70169, Transient, "internal timeout; retry";
    /// 70202: internal timeout; retry later.
    INTERNAL_TIMEOUT = 70202, Transient, "internal timeout; retry later";
    /// 70206: invalid batch count.
    ACCOUNT_INVALID_COUNT = 70206, Permanent, "invalid batch count in the request";
    /// 70398: account quota exceeded.
    ACCOUNT_COUNT_LIMIT = 70398, Permanent, "account quota exceeded";
    /// 70402: invalid parameters.
    ACCOUNT_INVALID_PARAMETERS = 70402, Permanent, "invalid parameters; check the required fields";
    /// 70403: App admin rights required.
    ACCOUNT_ADMIN_REQUIRED = 70403, Permanent, "the request requires App admin rights";
    /// 70500: internal server error; retry.
    ACCOUNT_INTERNAL_ERROR = 70500, Transient, "internal server error; retry";
    /// 71000: account deletion is only supported on the trial edition.
    ACCOUNT_DELETE_FORBIDDEN = 71000, Permanent, "accounts can only be deleted on the trial edition";
    /// 80001: text blocked by content security.
    SENSITIVE_TEXT = 80001, Permanent, "text blocked by content security";
    /// 80002: message body over 8 KB.
    BODY_SIZE_LIMIT = 80002, Permanent, "message body too long (8 KB at most)";
}

impl ErrorCode {
    /// `ErrorCode` 0.
    pub const OK: ErrorCode = ErrorCode(0);

    /// The code as a number.
    pub const fn get(self) -> i64 {
        self.0
    }

    /// Whether this is the success code 0.
    pub const fn is_ok(self) -> bool {
        self.0 == 0
    }
}

impl From<i64> for ErrorCode {
    fn from(code: i64) -> Self {
        ErrorCode(code)
    }
}

impl From<ErrorCode> for i64 {
    fn from(code: ErrorCode) -> Self {
        code.0
    }
}

impl fmt::Debug for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "ErrorCode::{name}({})", self.0),
            None => write!(f, "ErrorCode({})", self.0),
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_unique_and_described() {
        for pair in ErrorCode::ALL.windows(2) {
            assert!(pair[0] < pair[1], "{:?} before {:?}", pair[0], pair[1]);
        }
        for code in ErrorCode::ALL {
            assert!(code.description().is_some(), "{code:?}");
            assert_ne!(code.class(), ErrorClass::Success);
        }
    }

    #[test]
    fn classes_follow_the_facts() {
        assert_eq!(ErrorCode::from(0).class(), ErrorClass::Success);
        for code in [60007, 60011, 60018, 60019] {
            assert_eq!(ErrorCode(code).class(), ErrorClass::RateLimited, "{code}");
        }
        for code in [50004, 50005, 60008, 60014, 70169, 70202, 70500] {
            assert_eq!(ErrorCode(code).class(), ErrorClass::Transient, "{code}");
        }
        for code in [70001, 70052] {
            assert_eq!(ErrorCode(code).class(), ErrorClass::Resign, "{code}");
        }
        assert_eq!(ErrorCode(70016).class(), ErrorClass::Permanent);
        for code in 51006..=51013 {
            assert_eq!(ErrorCode(code).class(), ErrorClass::Permanent, "{code}");
            assert!(ErrorCode(code).name().is_some(), "{code}");
        }
        assert_eq!(ErrorCode(70050).class(), ErrorClass::Permanent);
        assert_eq!(ErrorCode(424242).class(), ErrorClass::Permanent);
    }

    #[test]
    fn unknown_codes_round_trip() {
        let code: ErrorCode = serde_json::from_str("-10007").expect("a number");
        assert_eq!(code.get(), -10007);
        assert_eq!(serde_json::to_string(&code).expect("serializes"), "-10007");
        assert_eq!(code.name(), None);
        assert_eq!(format!("{code:?}"), "ErrorCode(-10007)");
        assert_eq!(
            format!("{:?}", ErrorCode::ID_NOT_ADMIN),
            "ErrorCode::ID_NOT_ADMIN(60010)"
        );
    }
}
