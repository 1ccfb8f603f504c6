//! One negative test per `VerifyError` kind, the expiry boundary, and redaction.

mod common;

use common::{KEY, SDKAPPID, tim_base64, token_from_doc};
use tim_sig::{Claims, Expected, SecretKey, UserSig, VerifyError, sign, tls_sig, verify};

const NOW: u64 = 1_700_000_000;

fn key() -> SecretKey {
    SecretKey::new(KEY)
}

fn claims() -> Claims {
    Claims::new(SDKAPPID, "admin", NOW, 86_400)
}

fn expected() -> Expected<'static> {
    Expected::new(SDKAPPID, "admin")
}

/// A token whose document is `claims()` with `edit` applied to the JSON object.
fn token_with(edit: impl FnOnce(&mut serde_json::Map<String, serde_json::Value>)) -> String {
    let c = claims();
    let mut doc = serde_json::json!({
        "TLS.ver": "2.0",
        "TLS.identifier": c.identifier,
        "TLS.sdkappid": c.sdk_app_id,
        "TLS.time": c.time,
        "TLS.expire": c.expire,
        "TLS.sig": tls_sig(&key(), &c),
    });
    edit(doc.as_object_mut().unwrap());
    token_from_doc(doc.to_string().as_bytes(), 6)
}

fn check(token: &str) -> Result<Claims, VerifyError> {
    verify(&key(), token, &expected(), NOW)
}

#[test]
fn the_unedited_token_is_valid() {
    // Guards the helper: every negative below differs from this in one respect only.
    assert_eq!(check(&token_with(|_| {})), Ok(claims()));
}

#[test]
fn empty() {
    assert_eq!(check(""), Err(VerifyError::Empty));
}

#[test]
fn base64() {
    for bad in ["!!!!", "eJ=x", "a", "eJyr Vgr", "\u{e9}\u{e9}\u{e9}\u{e9}"] {
        assert_eq!(check(bad), Err(VerifyError::Base64), "{bad:?}");
    }
}

#[test]
fn zlib() {
    let good = sign(&key(), &claims()).into_string();
    // Truncated by a whole base64 quantum: valid base64, incomplete zlib stream.
    let truncated = &good[..good.len() - 8];
    assert_eq!(check(truncated), Err(VerifyError::Zlib));
    // Raw deflate and gzip are not zlib.
    assert_eq!(
        check(&tim_base64(b"not a zlib stream")),
        Err(VerifyError::Zlib)
    );
    assert_eq!(
        check(&tim_base64(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3])),
        Err(VerifyError::Zlib)
    );
}

#[test]
fn json() {
    for doc in [
        &b"not json"[..],
        b"[1,2]",
        b"{\"TLS.ver\":\"2.0\"",
        b"\xff\xfe{}",
        b"",
    ] {
        assert_eq!(
            check(&token_from_doc(doc, 6)),
            Err(VerifyError::Json),
            "{doc:?}"
        );
    }
    // Wrong types and duplicate keys are malformed documents too.
    let as_string = token_with(|d| {
        d.insert("TLS.sdkappid".into(), "1400000000".into());
    });
    assert_eq!(check(&as_string), Err(VerifyError::Json));
    let negative = token_with(|d| {
        d.insert("TLS.expire".into(), (-1).into());
    });
    assert_eq!(check(&negative), Err(VerifyError::Json));
    let sig = tls_sig(&key(), &claims());
    let duplicate = format!(
        r#"{{"TLS.ver":"2.0","TLS.identifier":"admin","TLS.identifier":"admin","TLS.sdkappid":1400000000,"TLS.time":1700000000,"TLS.expire":86400,"TLS.sig":"{sig}"}}"#
    );
    assert_eq!(
        check(&token_from_doc(duplicate.as_bytes(), 6)),
        Err(VerifyError::Json)
    );
}

#[test]
fn missing_field() {
    for field in [
        "TLS.ver",
        "TLS.identifier",
        "TLS.sdkappid",
        "TLS.time",
        "TLS.expire",
        "TLS.sig",
    ] {
        let token = token_with(|d| {
            d.remove(field);
        });
        assert_eq!(check(&token), Err(VerifyError::MissingField(field)));
        // null counts as missing.
        let token = token_with(|d| {
            d.insert(field.into(), serde_json::Value::Null);
        });
        assert_eq!(check(&token), Err(VerifyError::MissingField(field)));
    }
}

#[test]
fn invalid_field() {
    let token = token_with(|d| {
        d.insert("TLS.userbuf".into(), "%%%".into());
    });
    assert_eq!(check(&token), Err(VerifyError::InvalidField("TLS.userbuf")));
}

#[test]
fn version() {
    let token = token_with(|d| {
        d.insert("TLS.ver".into(), "1.0".into());
    });
    assert_eq!(check(&token), Err(VerifyError::Version("1.0".into())));
}

#[test]
fn sdk_app_id_mismatch() {
    let token = sign(&key(), &claims());
    let other = Expected::new(SDKAPPID + 1, "admin");
    assert_eq!(
        verify(&key(), token.expose(), &other, NOW),
        Err(VerifyError::SdkAppIdMismatch {
            expected: SDKAPPID + 1,
            found: SDKAPPID
        })
    );
}

#[test]
fn identifier_mismatch() {
    let token = sign(&key(), &claims());
    for other in ["Admin", "admin ", ""] {
        assert_eq!(
            verify(&key(), token.expose(), &Expected::new(SDKAPPID, other), NOW),
            Err(VerifyError::IdentifierMismatch {
                expected: other.into(),
                found: "admin".into()
            })
        );
    }
}

#[test]
fn expired_only_strictly_after_time_plus_expire() {
    let token = sign(&key(), &claims());
    let last = NOW + 86_400;
    assert!(verify(&key(), token.expose(), &expected(), last).is_ok());
    assert_eq!(
        verify(&key(), token.expose(), &expected(), last + 1),
        Err(VerifyError::Expired {
            expired_at: last,
            now: last + 1
        })
    );
    // A token used before its signing time is not refused (the service has no "not before").
    assert!(verify(&key(), token.expose(), &expected(), 0).is_ok());
    // A zero lifetime is valid during its second only.
    let zero = sign(&key(), &Claims::new(SDKAPPID, "admin", NOW, 0));
    assert!(verify(&key(), zero.expose(), &expected(), NOW).is_ok());
    assert!(verify(&key(), zero.expose(), &expected(), NOW + 1).is_err());
    // time + expire beyond u64 saturates instead of wrapping into the past.
    let forever = sign(&key(), &Claims::new(SDKAPPID, "admin", u64::MAX, u64::MAX));
    assert!(verify(&key(), forever.expose(), &expected(), u64::MAX).is_ok());
}

#[test]
fn user_buf_mismatch() {
    let plain = sign(&key(), &claims());
    let with_buf = sign(
        &key(),
        &Claims {
            userbuf: Some(vec![5]),
            ..claims()
        },
    );
    let want = |userbuf| Expected {
        userbuf,
        ..expected()
    };
    // The three cases of the Go verifier's TestGenAndVerify.
    assert_eq!(
        verify(&key(), plain.expose(), &want(Some(&[5])), NOW),
        Err(VerifyError::UserBufMismatch)
    );
    assert_eq!(
        verify(&key(), with_buf.expose(), &want(None), NOW),
        Err(VerifyError::UserBufMismatch)
    );
    assert_eq!(
        verify(&key(), with_buf.expose(), &want(Some(&[6])), NOW),
        Err(VerifyError::UserBufMismatch)
    );
    assert!(verify(&key(), with_buf.expose(), &want(Some(&[5])), NOW).is_ok());
}

#[test]
fn signature_mismatch() {
    let token = sign(&key(), &claims());
    // Another key.
    assert_eq!(
        verify(&SecretKey::new("3"), token.expose(), &expected(), NOW),
        Err(VerifyError::SignatureMismatch)
    );
    // A field altered after signing (a longer lifetime), keeping the old TLS.sig.
    let extended = token_with(|d| {
        d.insert("TLS.expire".into(), 86_401.into());
    });
    assert_eq!(check(&extended), Err(VerifyError::SignatureMismatch));
    // A userbuf added after signing.
    let added = token_with(|d| {
        d.insert("TLS.userbuf".into(), "BQ==".into());
    });
    assert_eq!(
        verify(
            &key(),
            &added,
            &Expected {
                userbuf: Some(&[5]),
                ..expected()
            },
            NOW
        ),
        Err(VerifyError::SignatureMismatch)
    );
    // A TLS.sig that is not base64, or of the wrong length.
    for sig in ["%%%", "", "AAAA"] {
        let token = token_with(|d| {
            d.insert("TLS.sig".into(), sig.into());
        });
        assert_eq!(
            check(&token),
            Err(VerifyError::SignatureMismatch),
            "{sig:?}"
        );
    }
}

#[test]
fn service_error_codes() {
    // The table of `docs/usersig.md`, "Verification order".
    assert_eq!(VerifyError::Empty.service_error_code(), 70_002);
    assert_eq!(VerifyError::Base64.service_error_code(), 70_003);
    assert_eq!(VerifyError::Zlib.service_error_code(), 70_003);
    assert_eq!(VerifyError::Json.service_error_code(), 70_003);
    assert_eq!(
        VerifyError::Expired {
            expired_at: 1,
            now: 2
        }
        .service_error_code(),
        70_001
    );
    assert_eq!(VerifyError::SignatureMismatch.service_error_code(), 70_009);
    let id = VerifyError::IdentifierMismatch {
        expected: "a".into(),
        found: "b".into(),
    };
    assert_eq!(id.service_error_code(), 70_013);
    assert_eq!(
        VerifyError::SdkAppIdMismatch {
            expected: 1,
            found: 2
        }
        .service_error_code(),
        70_014
    );
}

#[test]
fn messages_are_one_line_and_lowercase() {
    let token = token_with(|d| {
        d.insert("TLS.identifier".into(), "evil\nline\u{1b}[31m".into());
    });
    let err = check(&token).unwrap_err();
    let msg = err.to_string();
    assert!(!msg.contains('\n') && !msg.contains('\u{1b}'), "{msg}");
    assert!(msg.starts_with("identifier mismatch"), "{msg}");
    let samples = [
        VerifyError::Empty,
        VerifyError::Base64,
        VerifyError::Zlib,
        VerifyError::Json,
        VerifyError::MissingField("TLS.sig"),
        VerifyError::InvalidField("TLS.userbuf"),
        VerifyError::Version("9\n".into()),
        VerifyError::Expired {
            expired_at: 1,
            now: 2,
        },
        VerifyError::UserBufMismatch,
        VerifyError::SignatureMismatch,
    ];
    for e in samples {
        let m = e.to_string();
        assert!(!m.contains('\n') && !m.ends_with('.'), "{m}");
        assert!(m.chars().next().unwrap().is_lowercase(), "{m}");
    }
}

#[test]
fn debug_never_shows_secrets() {
    let key = key();
    assert_eq!(format!("{key:?}"), "SecretKey([redacted])");
    assert!(!format!("{key:#?}").contains(KEY));
    let token = sign(&key, &claims());
    let text = token.expose().to_owned();
    assert_eq!(format!("{token:?}"), "UserSig([redacted])");
    assert!(!format!("{:?}", UserSig::from_string(text.clone())).contains(&text));
    let decoded = tim_sig::dangerous::decode_unverified(&text).unwrap();
    let shown = format!("{decoded:?}");
    assert!(!shown.contains(&decoded.signature), "{shown}");
    assert!(shown.contains("admin"), "{shown}");
    let err = verify(&SecretKey::new("other"), &text, &expected(), NOW).unwrap_err();
    assert!(!format!("{err} {err:?}").contains(&text));
}
