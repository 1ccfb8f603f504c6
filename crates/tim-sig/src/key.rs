//! The two secrets: the app's key and the token signed with it.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::mac::KeyStates;

/// The app's secret key (the "密钥" of the IM console, usually 64 hex characters).
///
/// The HMAC key is the UTF-8 bytes of this string as shown in the console; it is **not**
/// hex-decoded (api-facts §3.1 step 3).
///
/// `Debug` prints `SecretKey([redacted])`; there is no `Display` and no `PartialEq` (comparing
/// keys is never needed and would invite timing leaks).
///
/// The key is not kept as text: construction computes the HMAC-SHA256 keyed states once (the
/// SHA-256 chaining values after the key's inner and outer pad blocks), so each signature hashes
/// only its own content. Those states are as secret as the key and are zeroized on drop. A
/// `String` the key is built from is moved in and zeroized at once; a `&str` is only read, and
/// the caller's copy is theirs to clear.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SecretKey(KeyStates);

impl SecretKey {
    /// Wraps the key string.
    pub fn new(key: impl Into<String>) -> Self {
        Self::from(key.into())
    }

    /// The precomputed HMAC states.
    pub(crate) fn states(&self) -> &KeyStates {
        &self.0
    }
}

impl From<String> for SecretKey {
    fn from(mut key: String) -> Self {
        let states = KeyStates::new(key.as_bytes());
        key.zeroize();
        Self(states)
    }
}

impl From<&str> for SecretKey {
    fn from(key: &str) -> Self {
        Self(KeyStates::new(key.as_bytes()))
    }
}

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
