//! Trusted roots for the rustls-based adapters (feature `rustls`).
//!
//! `tim-transport-hyper`, `tim-transport-reqwest` and `tim-transport-ureq` all let their builders
//! choose the same things: Mozilla's web PKI roots (on by default), the platform's native roots,
//! and extra PEM or DER roots (a private CA, an emulator's self-signed certificate). [`Roots`]
//! holds that choice and turns it into what each backend takes: a [`rustls::RootCertStore`], a
//! whole [`rustls::ClientConfig`] on the ring provider, or the list of certificates (ureq builds
//! its own store). Every check and every error ([`RootsError`]) is here, once.
//!
//! ```
//! use tim_transport::tls::{Roots, RootsError};
//!
//! // Web PKI roots only: the default.
//! let config = Roots::default().client_config()?;
//! assert!(config.alpn_protocols.is_empty());
//!
//! // Nothing trusted at all is an error, not a client that fails every handshake.
//! let none = Roots::default().webpki(false).store();
//! assert!(matches!(none, Err(RootsError::NoRoots)));
//! # Ok::<_, RootsError>(())
//! ```

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// Which root certificates a TLS client trusts. Built with the consuming setters; checked when
/// it is turned into a store, a configuration or a certificate list.
#[derive(Clone)]
pub struct Roots {
    webpki: bool,
    native: bool,
    extra: Vec<Root>,
}

/// A root certificate given by the user, kept as given until it is checked.
#[derive(Clone)]
enum Root {
    Pem(Vec<u8>),
    Der(Vec<u8>),
}

impl Default for Roots {
    /// Mozilla's web PKI roots only.
    fn default() -> Self {
        Roots {
            webpki: true,
            native: false,
            extra: Vec::new(),
        }
    }
}

impl fmt::Debug for Roots {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Roots")
            .field("webpki", &self.webpki)
            .field("native", &self.native)
            .field("extra", &self.extra.len())
            .finish()
    }
}

impl Roots {
    /// Trusts (or not) Mozilla's web PKI roots, compiled in. On by default.
    #[must_use]
    pub fn webpki(mut self, enabled: bool) -> Self {
        self.webpki = enabled;
        self
    }

    /// Trusts (or not) the platform's roots, loaded when the roots are checked; asking for them
    /// where none can be loaded is [`RootsError::NativeRoots`]. Off by default.
    #[must_use]
    pub fn native(mut self, enabled: bool) -> Self {
        self.native = enabled;
        self
    }

    /// Also trusts every `CERTIFICATE` in `pem` (at least one is required).
    #[must_use]
    pub fn pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.extra.push(Root::Pem(pem.as_ref().to_vec()));
        self
    }

    /// Also trusts the DER-encoded certificate `der`.
    #[must_use]
    pub fn der(mut self, der: impl Into<Vec<u8>>) -> Self {
        self.extra.push(Root::Der(der.into()));
        self
    }

    /// Whether this is exactly the default (web PKI roots, nothing else): a backend with its
    /// own compiled-in web PKI store may use that instead.
    pub fn is_webpki_only(&self) -> bool {
        self.webpki && !self.native && self.extra.is_empty()
    }

    /// The extra (PEM and DER) roots, parsed and each accepted by rustls as a trust anchor.
    fn extra_certificates(&self) -> Result<Vec<CertificateDer<'static>>, RootsError> {
        let mut certs = Vec::new();
        let mut check = RootCertStore::empty();
        for root in &self.extra {
            match root {
                Root::Pem(pem) => {
                    let before = certs.len();
                    for cert in CertificateDer::pem_slice_iter(pem) {
                        let cert = cert.map_err(|e| RootsError::Pem(PemError(e)))?;
                        check.add(cert.clone()).map_err(RootsError::Certificate)?;
                        certs.push(cert);
                    }
                    if certs.len() == before {
                        return Err(RootsError::NoCertificateInPem);
                    }
                }
                Root::Der(der) => {
                    let cert = CertificateDer::from(der.clone());
                    check.add(cert.clone()).map_err(RootsError::Certificate)?;
                    certs.push(cert);
                }
            }
        }
        Ok(certs)
    }

    /// The platform's roots, when asked for; none loadable is an error.
    fn native_certificates(&self) -> Result<Vec<CertificateDer<'static>>, RootsError> {
        if !self.native {
            return Ok(Vec::new());
        }
        let loaded = rustls_native_certs::load_native_certs();
        if loaded.certs.is_empty() {
            return Err(RootsError::NativeRoots {
                errors: loaded.errors.len(),
            });
        }
        Ok(loaded.certs)
    }

    /// The roots as a rustls store (web PKI as trust anchors, the others parsed). Fails with the
    /// first bad root, or [`RootsError::NoRoots`] when nothing is trusted.
    pub fn store(&self) -> Result<RootCertStore, RootsError> {
        let mut store = RootCertStore::empty();
        if self.webpki {
            store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
        let native = self.native_certificates()?;
        if self.native {
            let (added, _ignored) = store.add_parsable_certificates(native);
            if added == 0 {
                return Err(RootsError::NativeRoots { errors: 0 });
            }
        }
        for cert in self.extra_certificates()? {
            store.add(cert).map_err(RootsError::Certificate)?;
        }
        if store.is_empty() {
            return Err(RootsError::NoRoots);
        }
        Ok(store)
    }

    /// The roots as whole certificates, for backends that build their own store (ureq): web PKI
    /// roots, native roots, then the extra ones, each extra one checked by rustls.
    pub fn certificates(&self) -> Result<Vec<CertificateDer<'static>>, RootsError> {
        let mut certs: Vec<CertificateDer<'static>> = Vec::new();
        if self.webpki {
            certs.extend(webpki_root_certs::TLS_SERVER_ROOT_CERTS.iter().cloned());
        }
        certs.extend(self.native_certificates()?);
        certs.extend(self.extra_certificates()?);
        if certs.is_empty() {
            return Err(RootsError::NoRoots);
        }
        Ok(certs)
    }

    /// A rustls client configuration trusting these roots, on the ring provider chosen
    /// explicitly (so it works whichever of rustls's providers the build enables), with
    /// rustls's safe default protocol versions and no client certificate. ALPN is left empty
    /// for the adapter to set.
    pub fn client_config(&self) -> Result<rustls::ClientConfig, RootsError> {
        let store = self.store()?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        Ok(rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(RootsError::Certificate)?
            .with_root_certificates(store)
            .with_no_client_auth())
    }
}

/// Why a set of [`Roots`] could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RootsError {
    /// A PEM root certificate could not be parsed.
    #[error("invalid pem root certificate")]
    Pem(#[source] PemError),
    /// A PEM input held no `CERTIFICATE` block.
    #[error("no certificate in pem input")]
    NoCertificateInPem,
    /// rustls rejected a root certificate or the configuration.
    #[error("invalid tls root or configuration")]
    Certificate(#[source] rustls::Error),
    /// Native roots were asked for, but none could be loaded.
    #[error("no native root certificate could be loaded ({errors} errors)")]
    NativeRoots {
        /// How many errors `rustls-native-certs` reported.
        errors: usize,
    },
    /// No root certificate is trusted: web PKI roots are off and no other root was given.
    #[error("no trusted root certificate configured")]
    NoRoots,
}

/// A PEM parsing error; the source of [`RootsError::Pem`].
#[derive(Debug)]
pub struct PemError(rustls::pki_types::pem::Error);

impl fmt::Display for PemError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl StdError for PemError {}

#[cfg(test)]
mod tests {
    use super::*;

    /// A self-signed CA certificate, as an emulator's or a private CA's would be.
    fn self_signed() -> (String, Vec<u8>) {
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])
            .expect("generates")
            .cert;
        (cert.pem(), cert.der().to_vec())
    }

    #[test]
    fn the_default_is_the_web_pki_store() {
        let roots = Roots::default();
        assert!(roots.is_webpki_only());
        let store = roots.store().expect("web pki");
        assert_eq!(store.len(), webpki_roots::TLS_SERVER_ROOTS.len());
        assert_eq!(
            roots.certificates().expect("web pki").len(),
            webpki_root_certs::TLS_SERVER_ROOT_CERTS.len()
        );
        roots.client_config().expect("a configuration");
    }

    #[test]
    fn custom_roots_alone_are_trusted() {
        let (pem, der) = self_signed();
        let roots = Roots::default().webpki(false).pem(&pem).der(der.clone());
        assert!(!roots.is_webpki_only());
        assert_eq!(roots.store().expect("two roots").len(), 2);
        let certs = roots.certificates().expect("two roots");
        assert_eq!(certs.len(), 2);
        assert_eq!(certs[1].as_ref(), &der[..]);
        roots.client_config().expect("a configuration");
    }

    #[test]
    fn bad_roots_are_typed_errors() {
        let e = Roots::default()
            .pem("not a pem")
            .store()
            .expect_err("no cert");
        assert!(matches!(e, RootsError::NoCertificateInPem), "{e:?}");
        let broken = "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
        let e = Roots::default()
            .pem(broken)
            .store()
            .expect_err("bad base64");
        assert!(matches!(e, RootsError::Pem(_)), "{e:?}");
        let e = Roots::default()
            .der(b"not der".to_vec())
            .certificates()
            .expect_err("bad der");
        assert!(matches!(e, RootsError::Certificate(_)), "{e:?}");
        let e = Roots::default()
            .webpki(false)
            .client_config()
            .expect_err("none");
        assert!(matches!(e, RootsError::NoRoots), "{e:?}");
        let e = Roots::default()
            .webpki(false)
            .certificates()
            .expect_err("none");
        assert!(matches!(e, RootsError::NoRoots), "{e:?}");
    }

    #[test]
    fn debug_counts_the_extra_roots() {
        let (pem, _) = self_signed();
        let debug = format!("{:?}", Roots::default().pem(pem));
        assert_eq!(debug, "Roots { webpki: true, native: false, extra: 1 }");
    }
}
