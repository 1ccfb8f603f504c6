//! UserSig (TLSSigAPIv2) signing and verification for Tencent Cloud IM, interoperable with every
//! official signer.
//!
//! A UserSig is the credential every IM REST call carries in its `usersig=` query parameter.
//! It is a JSON document (`TLS.ver`, `TLS.identifier`, `TLS.sdkappid`, `TLS.time`,
//! `TLS.expire`, optionally `TLS.userbuf`, and `TLS.sig`, an HMAC-SHA256 of the other fields
//! under the app's secret key), zlib-compressed, then base64-encoded with `+/=` replaced by
//! `*-_`. The workspace's `docs/usersig.md` describes the format byte by byte.
//!
//! # Example
//!
//! ```
//! use tim_sig::{Claims, Expected, SecretKey, VerifyError, sign, verify};
//!
//! let key = SecretKey::new("5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e");
//! let now = 1_700_000_000; // the caller's clock: this crate never reads one
//! let claims = Claims::new(1400000000, "administrator", now, tim_sig::DEFAULT_EXPIRE);
//!
//! let usersig = sign(&key, &claims);
//! let url_param = usersig.expose(); // the only way to read the token
//! assert!(!url_param.is_empty());
//!
//! let expected = Expected::new(1400000000, "administrator");
//! assert_eq!(verify(&key, usersig.expose(), &expected, now + 60), Ok(claims));
//!
//! let later = now + tim_sig::DEFAULT_EXPIRE + 1;
//! assert!(matches!(
//!     verify(&key, usersig.expose(), &expected, later),
//!     Err(VerifyError::Expired { .. })
//! ));
//! ```
//!
//! # Contract
//!
//! * **Pure.** No clock, no randomness, no IO: [`sign`] takes the signing time in
//!   [`Claims::time`], [`verify`] takes `now`. [`ReusePolicy`] decides when to sign again, given
//!   the time.
//! * **Audited building blocks.** The MAC is RustCrypto's [`hmac::Hmac`]`<`[`sha2::Sha256`]`>`
//!   (keyed once per [`SecretKey`], tags compared in constant time by `hmac` itself), and the
//!   document is read by `serde_json`, the base64 layers by `base64` and the zlib stream by
//!   `miniz_oxide`; this crate writes no cryptographic primitive and no parser of untrusted
//!   bytes. The dependencies are `hmac`, `sha2`, `base64`, `miniz_oxide`, `adler2`, `serde`,
//!   `serde_json`, `zeroize` and `thiserror`, and nothing else.
//! * **Interoperable.** [`verify`] accepts tokens from every official library, whatever their
//!   JSON key order, whitespace, escaping (PHP's `\/`) or zlib level; the known answers of the
//!   official Python and Node signers are in the test suite. [`sign`] emits what the service
//!   accepts: [`tls_sig`] matches the official libraries bit for bit; the surrounding bytes
//!   differ from every official library's (as they differ from each other) because the zlib
//!   stream uses stored blocks, like the official Go signer since 2024.
//! * **Secret.** [`SecretKey`] and [`UserSig`] print as `[redacted]` and have no `Display`; no
//!   error message contains either. [`UserSig`] and the key text a [`SecretKey`] is built from
//!   are zeroized; the keyed HMAC state is overwritten on drop on a best-effort basis only,
//!   because `hmac` 0.12 does not implement `Zeroize` (see [`SecretKey`]).
//! * **No panics** on any input: every failure is a [`VerifyError`] or a
//!   [`private_map_key::UserBufError`].
//!
//! # Errors
//!
//! [`verify`] returns the first failing check, in the order listed on [`verify`]; each
//! [`VerifyError`] has [`VerifyError::service_error_code`], the IM error code the service
//! answers for it (70001 expired, 70003 malformed, 70009 wrong key, ...).
//!
//! # Performance
//!
//! Signing happens once per UserSig lifetime (see [`ReusePolicy`]), so this crate favours
//! audited crates over hand-tuned code; it is still far below the cost of one request.
//! `cargo bench -p tim-sig` times [`sign`] and [`verify`] with the official Node signer in the
//! same run and prints the ratios: in every run so far [`sign`] was at least 29.9× and
//! [`verify`] at least 14.8× faster than the fastest Node figure of its run (on a loaded
//! machine, which slows Node more). On a quiet machine that is an estimated 0.3 µs per
//! signature and 0.6 µs per verification; the hand-written HMAC and JSON parser this crate
//! used before saved nothing measurable on [`sign`] and about a quarter of a microsecond on
//! [`verify`]. The workspace's `docs/performance.md` has the runs and where the time goes.

mod codec;
pub mod dangerous;
mod key;
mod policy;
pub mod private_map_key;
mod sign;
mod verify;

pub use key::{SecretKey, UserSig};
pub use policy::ReusePolicy;
pub use sign::{Claims, DEFAULT_EXPIRE, VERSION, content_to_sign, sign, tls_sig};
pub use verify::{Expected, VerifyError, verify};
