//! Known answers from the official signers (tests/vectors/usersig-official.json; the format is
//! described in the workspace's `docs/usersig.md`). The compressed bytes are never pinned: they
//! depend on the zlib implementation. What is pinned is the content to sign, `TLS.sig`, and the
//! decoded fields of every official token.

mod common;

use common::{KEY, SDKAPPID, doc_of, token_from_doc};
use serde_json::Value;
use tim_sig::private_map_key::{PrivateMapKey, RoomId, privilege};
use tim_sig::{Claims, Expected, SecretKey, VerifyError, content_to_sign, sign, tls_sig, verify};

const VECTORS: &str = include_str!("vectors/usersig-official.json");

fn vectors() -> Vec<Value> {
    let all: Value = serde_json::from_str(VECTORS).unwrap();
    assert_eq!(all["sdkappid"], SDKAPPID);
    assert_eq!(all["key"], KEY);
    all["vectors"].as_array().unwrap().clone()
}

fn key() -> SecretKey {
    SecretKey::new(KEY)
}

/// The claims a vector's decoded JSON states, read with serde_json (not the crate's parser).
fn claims_of(doc: &Value) -> Claims {
    use base64::Engine as _;
    Claims {
        sdk_app_id: doc["TLS.sdkappid"].as_u64().unwrap(),
        identifier: doc["TLS.identifier"].as_str().unwrap().to_owned(),
        time: doc["TLS.time"].as_u64().unwrap(),
        expire: doc["TLS.expire"].as_u64().unwrap(),
        userbuf: doc["TLS.userbuf"]
            .as_str()
            .map(|b| base64::engine::general_purpose::STANDARD.decode(b).unwrap()),
    }
}

#[test]
fn every_official_token_decodes_and_verifies() {
    let mut tokens = 0;
    for v in vectors() {
        let Some(token) = v["usersig"].as_str() else {
            continue;
        };
        tokens += 1;
        let what = format!("{} {}", v["lib"], v["call"]);
        let expected_doc: Value =
            serde_json::from_str(v["decoded_json"].as_str().unwrap()).unwrap();
        let claims = claims_of(&expected_doc);
        let now = v["now"].as_u64().unwrap();
        assert_eq!(claims.time, now, "{what}");

        // The verbatim document is the library's own.
        let doc = tim_sig::dangerous::decode_document(token).unwrap();
        assert_eq!(doc, v["decoded_json"].as_str().unwrap(), "{what}");

        let decoded = tim_sig::dangerous::decode_unverified(token).unwrap();
        assert_eq!(decoded.version, "2.0", "{what}");
        assert_eq!(decoded.claims, claims, "{what}");
        assert_eq!(
            decoded.signature,
            expected_doc["TLS.sig"].as_str().unwrap(),
            "{what}"
        );

        // Recomputing TLS.sig from the fields gives the library's value.
        assert_eq!(tls_sig(&key(), &claims), decoded.signature, "{what}");

        let expected = Expected {
            sdk_app_id: SDKAPPID,
            identifier: &claims.identifier,
            userbuf: claims.userbuf.as_deref(),
        };
        assert_eq!(
            verify(&key(), token, &expected, now),
            Ok(claims.clone()),
            "{what}"
        );
        // Valid through the last second, expired one second later.
        let last = claims.time + claims.expire;
        assert!(verify(&key(), token, &expected, last).is_ok(), "{what}");
        assert_eq!(
            verify(&key(), token, &expected, last + 1),
            Err(VerifyError::Expired {
                expired_at: last,
                now: last + 1
            }),
            "{what}"
        );
        assert_eq!(
            verify(&SecretKey::new("another key"), token, &expected, now),
            Err(VerifyError::SignatureMismatch),
            "{what}"
        );

        // Our token for the same claims verifies, and carries the same fields and TLS.sig.
        let ours = sign(&key(), &claims);
        assert_eq!(
            verify(&key(), ours.expose(), &expected, now),
            Ok(claims.clone()),
            "{what}"
        );
        let our_doc: Value = serde_json::from_slice(&doc_of(ours.expose())).unwrap();
        assert_eq!(our_doc, expected_doc, "{what}");
    }
    assert_eq!(tokens, 14);
}

#[test]
fn content_to_sign_is_pinned() {
    // `docs/usersig.md`, "Format", step 1, written out by hand.
    let claims = Claims::new(SDKAPPID, "xiaojun", 1_569_910_200, 15_552_000);
    assert_eq!(
        content_to_sign(&claims),
        "TLS.identifier:xiaojun\nTLS.sdkappid:1400000000\nTLS.time:1569910200\nTLS.expire:15552000\n"
    );
    let with_buf = Claims {
        userbuf: Some(b"abc".to_vec()),
        ..claims
    };
    assert_eq!(
        content_to_sign(&with_buf),
        "TLS.identifier:xiaojun\nTLS.sdkappid:1400000000\nTLS.time:1569910200\nTLS.expire:15552000\nTLS.userbuf:YWJj\n"
    );
}

#[test]
fn tls_sig_table_of_the_official_libraries() {
    // Values agreed by PyPI tls-sig-api-v2 1.1, the GitHub HEAD of the Python library and npm
    // tls-sig-api-v2 1.0.2; the two "0" rows also match the third-party crate tls_sig_api 0.1.1.
    /// (time, identifier, expire, userbuf, TLS.sig)
    type Row = (u64, &'static str, u64, Option<&'static [u8]>, &'static str);
    let table: &[Row] = &[
        (
            1569910200,
            "xiaojun",
            15552000,
            None,
            "gOoeW13s19Fgyn8RwlEt/rLkw3wzLq9M+SqBbXTIfnQ=",
        ),
        (
            1569910200,
            "admin",
            86400,
            None,
            "Zqr4ZbMcN+z5YD4tCOZMohVGP8BV6Fg3kGMDfJBkmY8=",
        ),
        (
            1569910200,
            "0",
            15552000,
            None,
            "CpjuBdQs9ZwnuGAJR8onoOeI9fweX2vIMMY94iOJWJY=",
        ),
        (
            1569910200,
            "xiaojun",
            15552000,
            Some(b"abc"),
            "3TxjjQy6zPPaA/ym48DhPp0nXv+HlvvewKWOX4u3upg=",
        ),
        (
            1569910200,
            "0",
            15552000,
            Some(b"abc"),
            "bC3u5cuslSg8Ds7KY58mhSkTrxunrFu50dkdkCYH4i8=",
        ),
        (
            1700000000,
            "xiaojun",
            15552000,
            None,
            "LvA7d/Iw7gSsnskvVzBDPOCCDbuNCw4GHwTC0bip+B4=",
        ),
        (
            1700000000,
            "admin",
            86400,
            None,
            "4lUxqF/B+QS/FhzU388MWw47s2GIKgpTCF1WmWL/l5Y=",
        ),
        (
            1700000000,
            "0",
            15552000,
            None,
            "z1hUMFB4vkgnK+gzmyIeNy+62CkgEVB9mP4IYzxNHdc=",
        ),
        (
            1700000000,
            "xiaojun",
            15552000,
            Some(b"abc"),
            "QjT201xPkXk/aM1e+y0vakZb0K2iPrFue++0s5y6bFM=",
        ),
        (
            1700000000,
            "0",
            15552000,
            Some(b"abc"),
            "rMAOaFl6/aiL8CZhltjGD4ieCFBExKfRH82jD3LOAPM=",
        ),
    ];
    for &(time, id, expire, userbuf, sig) in table {
        let claims = Claims {
            userbuf: userbuf.map(<[u8]>::to_vec),
            ..Claims::new(SDKAPPID, id, time, expire)
        };
        assert_eq!(
            tls_sig(&key(), &claims),
            sig,
            "{id} {time} {expire} {userbuf:?}"
        );
        let decoded =
            tim_sig::dangerous::decode_unverified(sign(&key(), &claims).expose()).unwrap();
        assert_eq!(decoded.signature, sig);
    }
}

#[test]
fn private_map_keys_match_the_official_userbufs_and_sigs() {
    let numeric = PrivateMapKey {
        sdk_app_id: SDKAPPID,
        identifier: "xiaojun",
        time: 1_569_910_200,
        expire: 15_552_000,
        room: RoomId::Numeric(10_000),
        privileges: privilege::ALL,
    };
    let string = PrivateMapKey {
        room: RoomId::String("1000000040"),
        ..numeric
    };
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    // The "hex" rows of the vectors file (python HEAD `_gen_userbuf` and npm `_genUserbuf`).
    let rows: Vec<String> = vectors()
        .iter()
        .filter_map(|v| v["hex"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(rows.len(), 4);
    assert_eq!(hex(&numeric.userbuf().unwrap()), rows[0]);
    assert_eq!(hex(&string.userbuf().unwrap()), rows[1]);
    assert_eq!(rows[0], rows[2]);
    assert_eq!(rows[1], rows[3]);
    // Computed by the same three official libraries.
    assert_eq!(
        tls_sig(&key(), &numeric.claims().unwrap()),
        "1jABgslSLWEP/2LrB++HCzMtBr5BEpRYvTVw0+9Ltzc="
    );
    assert_eq!(
        tls_sig(&key(), &string.claims().unwrap()),
        "Qu+qz/I4Al5Iuu7Y5MVetLHE4r5jvNARC2Pi1pD/XcA="
    );
    let later = PrivateMapKey {
        time: 1_700_000_000,
        ..numeric
    };
    assert_eq!(
        tls_sig(&key(), &later.claims().unwrap()),
        "y9Avb5xwHgIgoABbGakLaE0xs+v/dLcIPegbWfcbRLI="
    );
    let later = PrivateMapKey {
        time: 1_700_000_000,
        ..string
    };
    assert_eq!(
        tls_sig(&key(), &later.claims().unwrap()),
        "uupaOmIqiVUsVoCDvmakmGU86GEQBV0Ie6Q+9GFbowM="
    );

    let token = numeric.sign(&key()).unwrap();
    let userbuf = numeric.userbuf().unwrap();
    let expected = Expected {
        sdk_app_id: SDKAPPID,
        identifier: "xiaojun",
        userbuf: Some(&userbuf),
    };
    assert!(verify(&key(), token.expose(), &expected, 1_569_910_200).is_ok());
}

#[test]
fn private_map_key_field_limits() {
    use tim_sig::private_map_key::UserBufError;
    let base = PrivateMapKey {
        sdk_app_id: SDKAPPID,
        identifier: "a",
        time: 0,
        expire: 1,
        room: RoomId::String(""),
        privileges: privilege::ENTER_ROOM,
    };
    // An empty string room is the numeric layout with room 0, as in the official libraries.
    let empty = base.userbuf().unwrap();
    assert_eq!(
        empty,
        PrivateMapKey {
            room: RoomId::Numeric(0),
            ..base
        }
        .userbuf()
        .unwrap()
    );
    assert_eq!(empty[0], 0);
    let too_big_app = PrivateMapKey {
        sdk_app_id: 1 << 32,
        ..base
    };
    assert_eq!(too_big_app.userbuf(), Err(UserBufError::SdkAppIdTooLarge));
    let long = "x".repeat(65_536);
    assert_eq!(
        PrivateMapKey {
            identifier: &long,
            ..base
        }
        .userbuf(),
        Err(UserBufError::IdentifierTooLong)
    );
    assert_eq!(
        PrivateMapKey {
            room: RoomId::String(&long),
            ..base
        }
        .userbuf(),
        Err(UserBufError::RoomIdTooLong)
    );
    assert_eq!(
        PrivateMapKey {
            time: u64::from(u32::MAX),
            ..base
        }
        .userbuf(),
        Err(UserBufError::ExpiryOutOfRange)
    );
}

#[test]
fn other_layouts_are_accepted() {
    // The layouts of `docs/usersig.md` ("Format", step 3) that the vectors do not cover, at
    // several zlib levels: C++ key order, C# (userbuf after sig), Go (trailing newline), Java (any
    // order), and PHP (escaped slashes, pretty printing).
    let claims = Claims {
        userbuf: Some(vec![0xfb, 0xff, 0x00]),
        ..Claims::new(SDKAPPID, "a/b", 1_700_000_000, 86_400)
    };
    let sig = tls_sig(&key(), &claims);
    let escaped_sig = sig.replace('/', "\\/");
    let docs = [
        format!(
            r#"{{"TLS.ver":"2.0","TLS.sdkappid":1400000000,"TLS.identifier":"a/b","TLS.time":1700000000,"TLS.expire":86400,"TLS.userbuf":"+/8A","TLS.sig":"{sig}"}}"#
        ),
        format!(
            r#"{{"TLS.ver": "2.0", "TLS.identifier": "a/b", "TLS.sdkappid": 1400000000, "TLS.expire": 86400, "TLS.time": 1700000000, "TLS.sig": "{sig}", "TLS.userbuf": "+/8A"}}"#
        ),
        format!(
            "{{\"TLS.ver\":\"2.0\",\"TLS.identifier\":\"a/b\",\"TLS.sdkappid\":1400000000,\"TLS.expire\":86400,\"TLS.time\":1700000000,\"TLS.userbuf\":\"+/8A\",\"TLS.sig\":\"{sig}\"}}\n"
        ),
        format!(
            r#"{{"TLS.sig":"{sig}","TLS.time":1700000000,"TLS.userbuf":"+/8A","TLS.identifier":"a/b","TLS.expire":86400,"TLS.sdkappid":1400000000,"TLS.ver":"2.0"}}"#
        ),
        format!(
            "{{\n    \"TLS.ver\": \"2.0\",\n    \"TLS.identifier\": \"a\\/b\",\n    \"TLS.sdkappid\": 1400000000,\n    \"TLS.expire\": 86400,\n    \"TLS.time\": 1700000000,\n    \"TLS.userbuf\": \"+\\/8A\",\n    \"TLS.sig\": \"{escaped_sig}\"\n}}"
        ),
        // Unknown extra fields are ignored.
        format!(
            r#"{{"TLS.ver":"2.0","TLS.identifier":"a\u002fb","TLS.sdkappid":1400000000,"TLS.time":1700000000,"TLS.expire":86400,"TLS.userbuf":"+/8A","TLS.sig":"{sig}","TLS.extra":[1,{{}}]}}"#
        ),
    ];
    let expected = Expected {
        sdk_app_id: SDKAPPID,
        identifier: "a/b",
        userbuf: Some(&[0xfb, 0xff, 0x00]),
    };
    for doc in &docs {
        for level in [0, 1, 6, 9] {
            let token = token_from_doc(doc.as_bytes(), level);
            assert_eq!(
                verify(&key(), &token, &expected, 1_700_000_000),
                Ok(claims.clone()),
                "{doc} at level {level}"
            );
        }
    }
}
