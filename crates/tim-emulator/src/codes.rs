//! The error codes the emulator answers: the single table every answer is built from.
//!
//! The codes and their texts come from `docs/protocol/error-codes.md` (the public REST table, the account and
//! UserSig table), from the get_list page (its private codes 50001–50005) and from
//! `docs/protocol/contact-groups-and-marks.md` (51006–51013). They are kept here,
//! independent of `tim-proto`'s `ErrorCode`, so that a mistake in one cannot hide a mistake in the
//! other (style-anchors G11).

/// One code the emulator can answer with, and the text it puts in `ErrorInfo`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Code {
    /// The `ErrorCode` value.
    pub code: i64,
    /// The default `ErrorInfo` text.
    pub info: &'static str,
}

macro_rules! codes {
    ($($(#[$doc:meta])* $name:ident = $code:literal, $info:literal;)*) => {
        $( $(#[$doc])* pub const $name: Code = Code { code: $code, info: $info }; )*
        /// Every code of the table, in the order it is written.
        pub const ALL: &[Code] = &[$($name,)*];
    };
}

codes! {
    /// get_list / delete private code: the `From_Account` was never imported.
    ACCOUNT_NOT_IMPORTED = 50001, "From_Account is not an imported account";
    /// get_list / delete private code: a body field is missing or has the wrong type or value.
    INVALID_PARAMETER = 50002, "invalid request parameter";
    /// get_list private code: the identifier is not an App admin.
    GET_LIST_NOT_ADMIN = 50003, "the request requires an App admin identifier";
    /// get_list private code: internal error (used when a list outgrows the cursor encoding).
    INTERNAL = 50004, "internal server error, retry";
    /// Conversation groups and marks: a mark update touches 0 or more than 100 conversations.
    MARK_ITEMS = 51006, "the mark update must touch 1 to 100 conversations";
    /// Conversation groups and marks: a group conversation's group could not be resolved
    /// (internal, or the group was dismissed). Not answered by the emulator, which has no groups
    /// of its own; listed for injected faults.
    GROUP_ID_TO_CODE = 51007, "group id to group code failed";
    /// Conversation groups and marks: more than the cap of conversations in groups or marks.
    CONTACT_LIMIT = 51008, "more than 1000 conversations in groups or marks";
    /// Conversation groups: the group does not exist.
    CONTACT_GROUP_NOT_FOUND = 51009, "the conversation group does not exist";
    /// Conversation groups: more than 20 groups.
    CONTACT_GROUP_LIMIT = 51010, "more than 20 conversation groups";
    /// Conversation groups: the group name is longer than 32 bytes.
    CONTACT_GROUP_NAME_TOO_LONG = 51011, "the conversation group name is longer than 32 bytes";
    /// Pinned-conversation limit exceeded. Not answered by the emulator (the family has no pin
    /// call); listed for injected faults.
    PIN_LIMIT = 51012, "the pinned conversation limit was exceeded";
    /// Conversation groups and standard marks need an advanced edition.
    EDITION_LACKS_CONTACT_GROUPS = 51013, "conversation groups and standard marks need the Pro Plus or Enterprise edition";
    /// The HTTP request could not be understood: wrong method, bad query parameters.
    INVALID_HTTP_URL = 60002, "http parse error, check the request url format";
    /// The body is not JSON.
    JSON_PARSE_FAILED = 60003, "request json parse error, check the json format";
    /// The identifier is missing or empty.
    INVALID_ACCOUNT = 60004, "account or signature in the url is wrong";
    /// The sdkappid of the URL is not the emulated app.
    INVALID_SDKAPPID = 60006, "sdkappid is invalid";
    /// The per-API call frequency limit was exceeded (the documented 200 calls per second).
    REST_FREQ_LIMIT = 60007, "rest api call frequency over limit, lower the request rate";
    /// The path names no known API.
    INVALID_RESOURCE = 60009, "invalid resource, check the request url";
    /// The identifier is not an App admin (APIs without a private code for it).
    ID_NOT_ADMIN = 60010, "the request requires an App admin identifier";
    /// The URL has no sdkappid.
    SDKAPPID_MISSING = 60012, "the request url has no sdkappid";
    /// The UserSig has expired.
    USERSIG_EXPIRED = 70001, "usersig expired, generate a new one";
    /// The UserSig is empty.
    USERSIG_EMPTY = 70002, "usersig is empty";
    /// The UserSig cannot be decoded (base64, zlib, JSON, fields, version, userbuf).
    USERSIG_CHECK_FAILED = 70003, "usersig check failed, check whether it was truncated";
    /// The UserSig was made with another key.
    USERSIG_MISMATCH_KEY = 70009, "usersig verification failed, made with another app's key";
    /// The UserSig is for another identifier.
    USERSIG_MISMATCH_ID = 70013, "the identifier of the request is not the one of the usersig";
    /// The UserSig is for another app.
    USERSIG_MISMATCH_SDKAPPID = 70014, "the sdkappid of the request is not the one of the usersig";
}

/// The text of `code` when it is in the table, else a generic one (for injected codes).
pub fn info(code: i64) -> &'static str {
    ALL.iter()
        .find(|c| c.code == code)
        .map_or("injected error", |c| c.info)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique() {
        for (i, a) in ALL.iter().enumerate() {
            for b in &ALL[i + 1..] {
                assert_ne!(a.code, b.code, "{a:?} and {b:?}");
            }
        }
    }

    #[test]
    fn info_falls_back_for_unknown_codes() {
        assert_eq!(info(70001), USERSIG_EXPIRED.info);
        assert_eq!(info(12345), "injected error");
    }
}
