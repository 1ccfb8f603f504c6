//! Property tests (bounded): sign → verify round trips, and verify never panics.

mod common;

use common::{KEY, token_from_doc};
use proptest::prelude::*;
use tim_sig::{Claims, Expected, SecretKey, sign, tls_sig, verify};

fn claims() -> impl Strategy<Value = Claims> {
    (
        any::<u64>(),
        // Any Unicode, including quotes, backslashes and control characters.
        any::<String>(),
        any::<u64>(),
        any::<u64>(),
        proptest::option::of(proptest::collection::vec(any::<u8>(), 0..300)),
    )
        .prop_map(|(sdk_app_id, identifier, time, expire, userbuf)| Claims {
            sdk_app_id,
            identifier,
            time,
            expire,
            userbuf,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn sign_then_verify_round_trips(claims in claims(), key in "[0-9a-f]{0,80}", elapsed in any::<u64>()) {
        let key = SecretKey::new(key);
        let token = sign(&key, &claims);
        let expected = Expected {
            sdk_app_id: claims.sdk_app_id,
            identifier: &claims.identifier,
            userbuf: claims.userbuf.as_deref(),
        };
        let now = claims.time.saturating_add(elapsed % claims.expire.saturating_add(1));
        prop_assert_eq!(verify(&key, token.expose(), &expected, now), Ok(claims.clone()));
        let decoded = tim_sig::dangerous::decode_unverified(token.expose()).unwrap();
        prop_assert_eq!(&decoded.claims, &claims);
        prop_assert_eq!(decoded.signature, tls_sig(&key, &claims));
        // The same document compressed by flate2 (as official signers do) verifies too.
        let doc = tim_sig::dangerous::decode_document(token.expose()).unwrap();
        let recompressed = token_from_doc(doc.as_bytes(), 6);
        prop_assert_eq!(verify(&key, &recompressed, &expected, now), Ok(claims.clone()));
    }

    #[test]
    fn verify_never_panics_on_arbitrary_strings(s in any::<String>(), t in "[A-Za-z0-9*_-]{0,400}") {
        let key = SecretKey::new(KEY);
        let expected = Expected::new(1_400_000_000, "admin");
        let _ = verify(&key, &s, &expected, 0);
        let _ = verify(&key, &t, &expected, 0);
        let _ = tim_sig::dangerous::decode_unverified(&t);
        // "eJ" is the usual start of a zlib stream: get past the header check more often.
        let _ = verify(&key, &format!("eJ{t}"), &expected, 0);
    }

    #[test]
    fn altered_tokens_never_verify_as_something_else(index in any::<prop::sample::Index>(), c in "[A-Za-z0-9*_-]") {
        let key = SecretKey::new(KEY);
        let claims = Claims::new(1_400_000_000, "admin", 1_700_000_000, 86_400);
        let token = sign(&key, &claims).into_string();
        let i = index.index(token.len());
        let mut altered = token.clone();
        altered.replace_range(i..=i, &c);
        let result = verify(&key, &altered, &Expected::new(1_400_000_000, "admin"), 1_700_000_000);
        if let Ok(got) = result {
            prop_assert_eq!(got, claims);
        } else {
            prop_assert_ne!(altered, token);
        }
    }
}
