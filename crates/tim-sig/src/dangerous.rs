//! Reading a UserSig **without verifying it**.
//!
//! Nothing decoded here is authenticated: anyone can write a token that claims any identifier,
//! app or lifetime. Use these functions to inspect and debug tokens (the `tim sig decode`
//! command), never to decide who a caller is; [`crate::verify`] does that.

pub use crate::verify::Decoded;
use crate::verify::VerifyError;

/// Decodes a UserSig's fields without checking its signature, expiry or version.
///
/// Fails like [`crate::verify`]'s decoding steps: [`VerifyError::Empty`], [`VerifyError::Base64`],
/// [`VerifyError::Zlib`], [`VerifyError::Json`], [`VerifyError::MissingField`] or
/// [`VerifyError::InvalidField`].
///
/// ```
/// use tim_sig::{Claims, SecretKey, sign};
/// let token = sign(&SecretKey::new("key"), &Claims::new(1400000000, "admin", 1700000000, 86400));
/// let decoded = tim_sig::dangerous::decode_unverified(token.expose()).unwrap();
/// assert_eq!(decoded.claims.identifier, "admin");
/// assert_eq!(decoded.version, "2.0");
/// ```
pub fn decode_unverified(usersig: &str) -> Result<Decoded, VerifyError> {
    crate::verify::decode(usersig)
}

/// The UserSig's inflated JSON document, verbatim (the layout of the library that signed it),
/// checked only to be JSON. It contains `TLS.sig`, from which the token can be rebuilt: treat
/// it as a secret.
pub fn decode_document(usersig: &str) -> Result<String, VerifyError> {
    crate::verify::document(usersig)
}
