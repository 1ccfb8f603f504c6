//! The two secrets: the app's key and the token signed with it.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

/// The app's secret key (the "密钥" of the IM console, usually 64 hex characters).
///
/// The HMAC key is the UTF-8 bytes of this string as shown in the console; it is **not**
/// hex-decoded (api-facts §3.1 step 3).
///
/// `Debug` prints `SecretKey([redacted])`; there is no `Display` and no `PartialEq` (comparing
/// keys is never needed and would invite timing leaks). The bytes are zeroized on drop. The
/// string a key is built from is moved in when it is a `String`; a `&str` is copied and the
/// caller's copy is theirs to clear.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SecretKey(String);

impl SecretKey {
    /// Wraps the key string.
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    /// The HMAC key bytes.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl From<String> for SecretKey {
    fn from(key: String) -> Self {
        Self(key)
    }
}

impl From<&str> for SecretKey {
    fn from(key: &str) -> Self {
        Self(key.to_owned())
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
