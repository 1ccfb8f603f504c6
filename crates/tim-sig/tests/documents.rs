//! How the UserSig document is read (`serde_json` since the hand-written parser was removed):
//! what is accepted, what is refused, and that nothing in it can make `verify` panic.

mod common;

use common::{KEY, SDKAPPID, token_from_doc};
use proptest::prelude::*;
use tim_sig::{Claims, Expected, SecretKey, VerifyError, tls_sig, verify};

const NOW: u64 = 1_700_000_000;

fn claims() -> Claims {
    Claims::new(SDKAPPID, "admin", NOW, 86_400)
}

fn sig() -> String {
    tls_sig(&SecretKey::new(KEY), &claims())
}

/// A document with the valid fields of `claims()`, `member` replacing or adding one.
fn doc_with(member: &str) -> String {
    let sig = sig();
    let fields = [
        ("TLS.ver", "\"2.0\"".to_owned()),
        ("TLS.identifier", "\"admin\"".to_owned()),
        ("TLS.sdkappid", SDKAPPID.to_string()),
        ("TLS.time", NOW.to_string()),
        ("TLS.expire", "86400".to_owned()),
        ("TLS.sig", format!("\"{sig}\"")),
    ];
    let replaced = member
        .split_once(':')
        .map(|(k, _)| k.trim().trim_matches('"'));
    let mut body: Vec<String> = fields
        .iter()
        .filter(|(k, _)| Some(*k) != replaced)
        .map(|(k, v)| format!("\"{k}\":{v}"))
        .collect();
    body.push(member.to_owned());
    format!("{{{}}}", body.join(","))
}

fn check(doc: &[u8]) -> Result<Claims, VerifyError> {
    verify(
        &SecretKey::new(KEY),
        &token_from_doc(doc, 6),
        &Expected::new(SDKAPPID, "admin"),
        NOW,
    )
}

#[test]
fn the_helper_builds_a_valid_document() {
    assert_eq!(check(doc_with(r#""TLS.extra":0"#).as_bytes()), Ok(claims()));
    assert_eq!(
        check(doc_with(r#""TLS.expire":86400"#).as_bytes()),
        Ok(claims())
    );
}

#[test]
fn numbers_must_be_plain_u64_integers() {
    for value in [
        "\"86400\"",
        "86400.0",
        "8.64e4",
        "864E2",
        "-86400",
        "18446744073709551616",
        "true",
        "[86400]",
        "{}",
    ] {
        let doc = doc_with(&format!("\"TLS.expire\":{value}"));
        assert_eq!(check(doc.as_bytes()), Err(VerifyError::Json), "{value}");
    }
    // The whole u64 range is accepted, and verified against the decimal the signers write.
    let key = SecretKey::new(KEY);
    let forever = Claims::new(SDKAPPID, "admin", NOW, u64::MAX);
    let doc =
        doc_with(&format!("\"TLS.expire\":{}", u64::MAX)).replace(&sig(), &tls_sig(&key, &forever));
    assert_eq!(check(doc.as_bytes()), Ok(forever));
}

#[test]
fn strings_must_be_strings() {
    for member in [
        r#""TLS.ver":2.0"#,
        r#""TLS.identifier":1"#,
        r#""TLS.sig":["x"]"#,
        r#""TLS.userbuf":{}"#,
    ] {
        assert_eq!(
            check(doc_with(member).as_bytes()),
            Err(VerifyError::Json),
            "{member}"
        );
    }
}

#[test]
fn escapes_are_decoded_in_keys_and_values() {
    // An escaped key names the same field; an escaped value is the same string.
    let sig = sig();
    let doc = doc_with(&format!(r#""TLS.sig":"{}""#, sig.replace('/', "\\/")))
        .replace("\"TLS.sig\"", r#""TLS\u002esig""#);
    assert_eq!(check(doc.as_bytes()), Ok(claims()));
    let doc = doc_with(r#""TLS.identifier":"\u0061dmin""#);
    assert_eq!(check(doc.as_bytes()), Ok(claims()));
    // Escaped or not, a key given twice is a duplicate.
    let doc =
        doc_with(r#""TLS\u002eidentifier":"admin""#).replace('}', r#","TLS.identifier":"admin"}"#);
    assert_eq!(check(doc.as_bytes()), Err(VerifyError::Json));
}

#[test]
fn malformed_documents_are_json_errors() {
    let valid = doc_with(r#""TLS.extra":0"#);
    // (document, whether it is JSON at all, which is all `decode_document` asks)
    let cases: Vec<(Vec<u8>, bool)> = vec![
        // Not one object.
        (b"null".to_vec(), true),
        (b"\"TLS.ver\"".to_vec(), true),
        (b"1400000000".to_vec(), true),
        (format!("{valid}{valid}").into_bytes(), false),
        (format!("{valid} x").into_bytes(), false),
        // Syntax.
        (valid.replace(",\"TLS.extra\":0", ",").into_bytes(), false),
        (valid.replacen(':', "", 1).into_bytes(), false),
        (valid.replace("\"admin\"", "'admin'").into_bytes(), false),
        (
            valid.replace("\"admin\"", "\"adm\nin\"").into_bytes(),
            false,
        ),
        (
            valid.replace("\"admin\"", r#""adm\qin""#).into_bytes(),
            false,
        ),
        (valid.replace("admin", "adm\u{0}in").into_bytes(), false),
        // A lone surrogate escape: JSON text, but not a string (serde_json's skipping of an
        // ignored value does not decode escapes, so the document check lets it through).
        (valid.replace("\"admin\"", r#""\ud800""#).into_bytes(), true),
        // Bytes that are not UTF-8.
        (
            [
                b"{\"TLS.identifier\":\"\xc3\x28\"".as_slice(),
                &valid.as_bytes()[1..],
            ]
            .concat(),
            false,
        ),
    ];
    for (doc, is_json) in cases {
        let shown = String::from_utf8_lossy(&doc).into_owned();
        assert_eq!(check(&doc), Err(VerifyError::Json), "{shown}");
        let token = token_from_doc(&doc, 6);
        assert_eq!(
            tim_sig::dangerous::decode_unverified(&token).map(|_| ()),
            Err(VerifyError::Json),
            "{shown}"
        );
        match tim_sig::dangerous::decode_document(&token) {
            Ok(text) => assert!(is_json && text.as_bytes() == doc.as_slice(), "{shown}"),
            Err(e) => assert!(!is_json && e == VerifyError::Json, "{shown}"),
        }
    }
}

#[test]
fn deep_nesting_never_overflows_the_stack() {
    let deep = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
    // In an ignored field, serde_json skips the value without recursing: still valid.
    let doc = doc_with(&format!("\"TLS.extra\":{deep}"));
    assert_eq!(check(doc.as_bytes()), Ok(claims()));
    // Where a string or a number is expected, or as the whole document: refused at once.
    let doc = doc_with(&format!("\"TLS.identifier\":{deep}"));
    assert_eq!(check(doc.as_bytes()), Err(VerifyError::Json));
    assert_eq!(check(deep.as_bytes()), Err(VerifyError::Json));
    let unclosed = doc_with(&format!("\"TLS.extra\":{}", "{\"a\":".repeat(100_000)));
    assert_eq!(check(unclosed.as_bytes()), Err(VerifyError::Json));
    let token = token_from_doc(unclosed.as_bytes(), 6);
    assert_eq!(
        tim_sig::dangerous::decode_document(&token),
        Err(VerifyError::Json)
    );
}

#[test]
fn an_empty_object_lacks_the_first_field() {
    assert_eq!(check(b"{}"), Err(VerifyError::MissingField("TLS.ver")));
    assert_eq!(
        check(b" \n{ }\n"),
        Err(VerifyError::MissingField("TLS.ver"))
    );
}

fn json_value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        any::<u64>().prop_map(|n| n.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| format!("{f:e}")),
        any::<String>().prop_map(|s| serde_json::to_string(&s).unwrap()),
        "\"[ -~]{0,12}\"",
        Just("null".to_owned()),
        Just("true".to_owned()),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec(inner, 0..4).prop_map(|v| format!(
                "{{{}}}",
                v.iter()
                    .enumerate()
                    .map(|(i, v)| format!("\"k{i}\":{v}"))
                    .collect::<Vec<_>>()
                    .join(",")
            )),
        ]
    })
}

fn key() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "TLS.ver",
        "TLS.identifier",
        "TLS.sdkappid",
        "TLS.time",
        "TLS.expire",
        "TLS.userbuf",
        "TLS.sig",
        "TLS.other",
    ])
    .prop_map(str::to_owned)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any object of the document's keys with any values, and any byte of it changed: a
    /// decoding error, a claim error or claims, never a panic.
    #[test]
    fn any_document_is_an_answer_never_a_panic(
        members in prop::collection::vec((key(), json_value()), 0..10),
        edit in prop::option::of((any::<prop::sample::Index>(), any::<u8>())),
    ) {
        let body: Vec<String> = members.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
        let mut doc = format!("{{{}}}", body.join(",")).into_bytes();
        if let Some((at, byte)) = edit {
            let i = at.index(doc.len());
            doc[i] = byte;
        }
        let token = token_from_doc(&doc, 6);
        let key = SecretKey::new(KEY);
        let result = verify(&key, &token, &Expected::new(SDKAPPID, "admin"), NOW);
        if let Err(e) = &result {
            prop_assert!(!matches!(e, VerifyError::Empty | VerifyError::Base64 | VerifyError::Zlib), "{e:?}");
        }
        // `decode_document` answers "JSON text"; whatever serde_json cannot read as JSON is a
        // `Json` error for the field decoding too. (The converse does not hold: an ignored
        // field is skipped without checking that its strings are UTF-8.)
        let parses = serde_json::from_slice::<serde::de::IgnoredAny>(&doc).is_ok();
        let is_text = parses && std::str::from_utf8(&doc).is_ok();
        let document = tim_sig::dangerous::decode_document(&token);
        prop_assert_eq!(document.is_ok(), is_text);
        if !parses {
            prop_assert_eq!(result, Err(VerifyError::Json));
            prop_assert_eq!(
                tim_sig::dangerous::decode_unverified(&token).map(|_| ()),
                Err(VerifyError::Json)
            );
        }
    }
}
