//! The two secrets: the app's key and the token signed with it.

use std::fmt;

use hmac::{Hmac, Mac as _};
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// HMAC-SHA256, RustCrypto's.
pub(crate) type HmacSha256 = Hmac<Sha256>;

/// The app's secret key (the "密钥" of the IM console, usually 64 hex characters).
///
/// The HMAC key is the UTF-8 bytes of this string as shown in the console; it is **not**
/// hex-decoded (see the workspace's `docs/usersig.md`, "Format").
///
/// `Debug` prints `SecretKey([redacted])`; there is no `Display` and no `PartialEq` (comparing
/// keys is never needed and would invite timing leaks).
///
/// # What is kept, and what is cleared
///
/// The key is not kept as text: construction keys an [`hmac::Hmac<sha2::Sha256>`] once (which
/// hashes the key's inner and outer pad blocks) and keeps that keyed state; each signature
/// clones it and hashes only its own content. A `String` the key is built from is moved in and
/// zeroized at once; a `&str` is only read, and the caller's copy is theirs to clear.
///
/// The keyed state is as secret as the key (it lets anyone compute MACs), but `hmac` 0.12 and
/// `sha2` 0.10 do not implement [`Zeroize`] for it, and this crate forbids `unsafe` code, so it
/// cannot be wiped with volatile writes. [`Zeroize::zeroize`] (called on drop) overwrites it with
/// the state of an empty key and keeps the write from being optimized away with
/// [`std::hint::black_box`]: a best effort, not the guarantee `zeroize` gives for plain bytes.
/// The temporary copies `hmac` makes while keying (the padded key block) and the per-call clones
/// on the stack are not cleared.
#[derive(Clone)]
pub struct SecretKey(HmacSha256);

impl SecretKey {
    /// Wraps the key string.
    pub fn new(key: impl Into<String>) -> Self {
        Self::from(key.into())
    }

    /// A fresh MAC under this key, ready for the content.
    pub(crate) fn mac(&self) -> HmacSha256 {
        self.0.clone()
    }
}

/// HMAC accepts keys of any length (longer ones are hashed first), so keying cannot fail.
fn keyed(key: &[u8]) -> HmacSha256 {
    HmacSha256::new_from_slice(key).unwrap_or_else(|_| unkeyed())
}

/// The state of an empty key: public, used to overwrite a dropped key's state.
fn unkeyed() -> HmacSha256 {
    // `new` takes a key of the block size; zeros are the empty key, padded.
    HmacSha256::new(&Default::default())
}

impl From<String> for SecretKey {
    fn from(mut key: String) -> Self {
        let mac = keyed(key.as_bytes());
        key.zeroize();
        Self(mac)
    }
}

impl From<&str> for SecretKey {
    fn from(key: &str) -> Self {
        Self(keyed(key.as_bytes()))
    }
}

impl Zeroize for SecretKey {
    /// Replaces the keyed state with an empty key's (best effort; see [`SecretKey`]). The key is
    /// unusable afterwards: it signs as the empty key would.
    fn zeroize(&mut self) {
        self.0 = unkeyed();
        std::hint::black_box(&mut self.0);
    }
}

impl Drop for SecretKey {
    fn drop(&mut self) {
        self.zeroize();
    }
}

/// Marks that drop calls [`Zeroize::zeroize`]; read its caveat on [`SecretKey`].
impl ZeroizeOnDrop for SecretKey {}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey([redacted])")
    }
}

/// A signed UserSig: a bearer credential for the identifier it names.
///
/// `Debug` prints `UserSig([redacted])` and there is no `Display`, so a token cannot end up in a
/// log by accident; [`UserSig::expose`] is the one way to read it (to put it in a request URL).
/// The text is zeroized on drop.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct UserSig(String);

impl UserSig {
    /// The token text, e.g. for the `usersig=` query parameter. Do not log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Wraps a token obtained elsewhere (configuration, another signer). Nothing is checked;
    /// use [`verify`](crate::verify) for that.
    pub fn from_string(usersig: String) -> Self {
        Self(usersig)
    }

    /// Unwraps the token text (the caller takes over keeping it out of logs).
    pub fn into_string(mut self) -> String {
        std::mem::take(&mut self.0)
    }
}

impl fmt::Debug for UserSig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UserSig([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(mac: HmacSha256, message: &[u8]) -> [u8; 32] {
        let mut mac = mac;
        mac.update(message);
        mac.finalize().into_bytes().into()
    }

    #[test]
    fn rfc_4231_test_case_2() {
        // RFC 4231 §4.3, HMAC-SHA-256: the key wiring (bytes of the string, no decoding).
        let expected: [u8; 32] = [
            0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24, 0x26, 0x08, 0x95,
            0x75, 0xc7, 0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9,
            0x64, 0xec, 0x38, 0x43,
        ];
        let message = b"what do ya want for nothing?";
        assert_eq!(tag(SecretKey::new("Jefe").mac(), message), expected);
        assert_eq!(tag(SecretKey::from("Jefe").mac(), message), expected);
        // The clone is a fresh MAC each time: the key's own state is never advanced.
        let key = SecretKey::new("Jefe");
        assert_eq!(tag(key.mac(), message), tag(key.mac(), message));
    }

    #[test]
    fn keys_of_any_length_are_accepted() {
        // Longer than a SHA-256 block: hashed first, as every HMAC does.
        let long = "k".repeat(200);
        assert_eq!(
            tag(SecretKey::new(long.clone()).mac(), b"m"),
            tag(keyed(long.as_bytes()), b"m")
        );
        assert_eq!(tag(SecretKey::new("").mac(), b"m"), tag(unkeyed(), b"m"));
    }

    #[test]
    fn zeroize_replaces_the_state_with_the_empty_keys() {
        let mut key = SecretKey::new("secret");
        assert_ne!(tag(key.mac(), b"m"), tag(unkeyed(), b"m"));
        key.zeroize();
        assert_eq!(tag(key.mac(), b"m"), tag(unkeyed(), b"m"));
        assert_eq!(format!("{key:?}"), "SecretKey([redacted])");
    }
}
