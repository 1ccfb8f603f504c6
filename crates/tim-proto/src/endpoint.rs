//! Addressing: data centres, base URLs and the REST URL with its query string.
//!
//! Every call is `POST {base}/v4/{service}/{command}?sdkappid=…&identifier=…&usersig=…&random=…&contenttype=json`
//! (`docs/protocol/conventions.md`). The UserSig and `random` are inputs: this crate neither signs nor draws random
//! numbers.

use std::fmt;
use std::str::FromStr;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// A documented data centre of the service, with its primary and backup domain (`docs/protocol/conventions.md`).
///
/// The SDKAppID's region decides which one an app must use; calling the wrong one answers 70016 or
/// 70020.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Region {
    /// China (`console.tim.qq.com`).
    China,
    /// Singapore (`adminapisgp.im.qcloud.com`).
    Singapore,
    /// Seoul (`adminapikr.im.qcloud.com`).
    Seoul,
    /// Tokyo (`adminapijpn.im.qcloud.com`).
    Tokyo,
    /// Frankfurt (`adminapiger.im.qcloud.com`).
    Frankfurt,
    /// Mumbai (`adminapiind.im.qcloud.com`; dropped from some newer documentation).
    Mumbai,
    /// Silicon Valley (`adminapiusa.im.qcloud.com`).
    SiliconValley,
    /// Jakarta (`adminapiidn.im.qcloud.com`).
    Jakarta,
    /// Riyadh (`adminapiksa.im.qcloud.com`; no backup domain is documented).
    Riyadh,
}

impl Region {
    /// Every documented region.
    pub const ALL: &'static [Region] = &[
        Region::China,
        Region::Singapore,
        Region::Seoul,
        Region::Tokyo,
        Region::Frankfurt,
        Region::Mumbai,
        Region::SiliconValley,
        Region::Jakarta,
        Region::Riyadh,
    ];

    /// The primary domain.
    pub const fn domain(self) -> &'static str {
        match self {
            Region::China => "console.tim.qq.com",
            Region::Singapore => "adminapisgp.im.qcloud.com",
            Region::Seoul => "adminapikr.im.qcloud.com",
            Region::Tokyo => "adminapijpn.im.qcloud.com",
            Region::Frankfurt => "adminapiger.im.qcloud.com",
            Region::Mumbai => "adminapiind.im.qcloud.com",
            Region::SiliconValley => "adminapiusa.im.qcloud.com",
            Region::Jakarta => "adminapiidn.im.qcloud.com",
            Region::Riyadh => "adminapiksa.im.qcloud.com",
        }
    }

    /// The backup domain, documented for when DNS is hijacked; Riyadh has none.
    pub const fn backup_domain(self) -> Option<&'static str> {
        match self {
            Region::China => Some("adminapi.my-imcloud.com"),
            Region::Singapore => Some("adminapisgp.my-imcloud.com"),
            Region::Seoul => Some("adminapikr.my-imcloud.com"),
            Region::Tokyo => Some("adminapijpn.my-imcloud.com"),
            Region::Frankfurt => Some("adminapiger.my-imcloud.com"),
            Region::Mumbai => Some("adminapiind.my-imcloud.com"),
            Region::SiliconValley => Some("adminapiusa.my-imcloud.com"),
            Region::Jakarta => Some("adminapiidn.my-imcloud.com"),
            Region::Riyadh => None,
        }
    }

    /// The short lowercase name accepted by [`FromStr`] (`"silicon-valley"`, ...).
    pub const fn name(self) -> &'static str {
        match self {
            Region::China => "china",
            Region::Singapore => "singapore",
            Region::Seoul => "seoul",
            Region::Tokyo => "tokyo",
            Region::Frankfurt => "frankfurt",
            Region::Mumbai => "mumbai",
            Region::SiliconValley => "silicon-valley",
            Region::Jakarta => "jakarta",
            Region::Riyadh => "riyadh",
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The text did not name a region.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown region {0:?} (expected one of china, singapore, seoul, tokyo, frankfurt, mumbai, silicon-valley, jakarta, riyadh)"
)]
pub struct UnknownRegion(String);

impl FromStr for Region {
    type Err = UnknownRegion;

    /// Accepts the names of [`Region::name`], common aliases (`cn`, `sgp`, `kr`, `jpn`, `ger`,
    /// `ind`, `usa`, `idn`, `ksa`) and a region's primary domain.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        let region = match lower.as_str() {
            "china" | "cn" | "mainland" => Region::China,
            "singapore" | "sgp" | "sg" => Region::Singapore,
            "seoul" | "kr" | "korea" => Region::Seoul,
            "tokyo" | "jpn" | "jp" | "japan" => Region::Tokyo,
            "frankfurt" | "ger" | "de" | "germany" => Region::Frankfurt,
            "mumbai" | "ind" | "in" | "india" => Region::Mumbai,
            "silicon-valley" | "siliconvalley" | "silicon_valley" | "usa" | "us" => {
                Region::SiliconValley
            }
            "jakarta" | "idn" | "id" | "indonesia" => Region::Jakarta,
            "riyadh" | "ksa" | "sa" => Region::Riyadh,
            other => {
                return Region::ALL
                    .iter()
                    .copied()
                    .find(|r| r.domain() == other)
                    .ok_or_else(|| UnknownRegion(s.to_owned()));
            }
        };
        Ok(region)
    }
}

/// A base URL that calls are sent to: a region's domain over HTTPS, or a custom URL (plain `http`
/// allowed, for an emulator on loopback).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BaseUrl {
    /// `scheme://authority[/prefix]`, without a trailing slash.
    base: String,
}

/// A custom base URL was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BaseUrlError {
    /// The URL does not start with `http://` or `https://`.
    #[error("base url must start with http:// or https://")]
    Scheme,
    /// The URL has no host.
    #[error("base url has no host")]
    NoHost,
    /// The URL has a query string or fragment, which would clash with the REST query.
    #[error("base url must not have a query string or fragment")]
    Query,
    /// The URL does not parse as an HTTP URI.
    #[error("base url is not a valid uri: {0}")]
    Invalid(String),
}

impl BaseUrl {
    /// The primary domain of a region, over HTTPS.
    pub fn region(region: Region) -> Self {
        BaseUrl {
            base: format!("https://{}", region.domain()),
        }
    }

    /// The backup domain of a region, over HTTPS, if it has one.
    pub fn region_backup(region: Region) -> Option<Self> {
        region.backup_domain().map(|domain| BaseUrl {
            base: format!("https://{domain}"),
        })
    }

    /// A custom base URL such as `http://127.0.0.1:8080` or `https://proxy.example/tim`.
    ///
    /// A path prefix is kept; a trailing slash is dropped.
    pub fn custom(url: &str) -> Result<Self, BaseUrlError> {
        let url = url.trim();
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))
            .ok_or(BaseUrlError::Scheme)?;
        if url.contains(['?', '#']) {
            return Err(BaseUrlError::Query);
        }
        let authority = rest.split('/').next().unwrap_or_default();
        if authority.is_empty() {
            return Err(BaseUrlError::NoHost);
        }
        let base = url.trim_end_matches('/').to_owned();
        // Parse once so that a bad authority is caught here, not at the first call.
        base.parse::<http::Uri>()
            .map_err(|e| BaseUrlError::Invalid(e.to_string()))?;
        Ok(BaseUrl { base })
    }

    /// The base URL, without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.base
    }

    /// The full URL of a call; see [`QueryParams`] for what goes into the query.
    ///
    /// The result contains the UserSig: never log it unredacted (see [`tim_redact::redact`]).
    pub fn url(&self, path: ApiPath, params: &QueryParams<'_>) -> String {
        format!(
            "{}/v4/{}/{}?sdkappid={}&identifier={}&usersig={}&random={}&contenttype=json",
            self.base,
            path.service,
            path.command,
            params.sdk_app_id,
            utf8_percent_encode(params.identifier, QUERY_VALUE),
            utf8_percent_encode(params.usersig, USERSIG_VALUE),
            params.random,
        )
    }
}

impl fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("BaseUrl").field(&self.base).finish()
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.base)
    }
}

impl From<Region> for BaseUrl {
    fn from(region: Region) -> Self {
        BaseUrl::region(region)
    }
}

/// Everything but RFC 3986 unreserved characters is percent-encoded in query values.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The UserSig's alphabet (`A-Za-z0-9*-_`) goes into the query as is: `*` is a sub-delimiter
/// RFC 3986 allows there, and every official SDK sends it raw (`docs/protocol/conventions.md`); whether the
/// service would decode `%2A` is not documented. Anything outside the alphabet is encoded.
const USERSIG_VALUE: &AsciiSet = &QUERY_VALUE.remove(b'*');

/// `/v4/{service}/{command}` of one API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ApiPath {
    /// The service name, e.g. `recentcontact`.
    pub service: &'static str,
    /// The command, e.g. `get_list`.
    pub command: &'static str,
}

impl ApiPath {
    /// A path from its two parts.
    pub const fn new(service: &'static str, command: &'static str) -> Self {
        ApiPath { service, command }
    }
}

impl fmt::Display for ApiPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v4/{}/{}", self.service, self.command)
    }
}

/// The per-call query parameters. `random` and `usersig` come from the caller: this crate has
/// no clock and no RNG.
#[derive(Clone, Copy)]
pub struct QueryParams<'a> {
    /// The app's SDKAppID.
    pub sdk_app_id: u64,
    /// The App admin account the call is made as.
    pub identifier: &'a str,
    /// The admin's UserSig.
    pub usersig: &'a str,
    /// A fresh random `u32` per request.
    pub random: u32,
}

impl fmt::Debug for QueryParams<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueryParams")
            .field("sdk_app_id", &self.sdk_app_id)
            .field("identifier", &self.identifier)
            .field("usersig", &"[redacted]")
            .field("random", &self.random)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> QueryParams<'static> {
        QueryParams {
            sdk_app_id: 1400000000,
            identifier: "admin",
            usersig: "eJyr*Vgr-x_",
            random: 4294967295,
        }
    }

    #[test]
    fn builds_the_documented_url() {
        let url = BaseUrl::region(Region::China)
            .url(ApiPath::new("recentcontact", "get_list"), &params());
        assert_eq!(
            url,
            "https://console.tim.qq.com/v4/recentcontact/get_list?sdkappid=1400000000&identifier=admin&usersig=eJyr*Vgr-x_&random=4294967295&contenttype=json"
        );
        assert!(url.parse::<http::Uri>().is_ok());
    }

    #[test]
    fn percent_encodes_reserved_characters_in_the_identifier() {
        let p = QueryParams {
            identifier: "a&b=c d/é",
            ..params()
        };
        let url = BaseUrl::custom("http://127.0.0.1:8080/")
            .expect("valid")
            .url(ApiPath::new("s", "c"), &p);
        assert!(url.starts_with("http://127.0.0.1:8080/v4/s/c?"), "{url}");
        assert!(url.contains("identifier=a%26b%3Dc%20d%2F%C3%A9&"), "{url}");
    }

    #[test]
    fn custom_endpoints_are_validated() {
        assert_eq!(
            BaseUrl::custom("ftp://x").unwrap_err(),
            BaseUrlError::Scheme
        );
        assert_eq!(
            BaseUrl::custom("http://").unwrap_err(),
            BaseUrlError::NoHost
        );
        assert_eq!(
            BaseUrl::custom("http://h/?a=1").unwrap_err(),
            BaseUrlError::Query
        );
        assert!(matches!(
            BaseUrl::custom("http://bad host"),
            Err(BaseUrlError::Invalid(_))
        ));
        assert_eq!(
            BaseUrl::custom("https://p.example/tim/")
                .expect("valid")
                .as_str(),
            "https://p.example/tim"
        );
    }

    #[test]
    fn every_region_parses_back_and_has_a_domain() {
        for &r in Region::ALL {
            assert_eq!(r.name().parse::<Region>(), Ok(r));
            assert_eq!(r.domain().parse::<Region>(), Ok(r));
            assert!(BaseUrl::region(r).as_str().starts_with("https://"));
        }
        assert_eq!(Region::Riyadh.backup_domain(), None);
        assert_eq!(
            BaseUrl::region_backup(Region::China)
                .expect("has one")
                .as_str(),
            "https://adminapi.my-imcloud.com"
        );
        assert!("mars".parse::<Region>().is_err());
    }

    #[test]
    fn redaction_hides_every_usersig_and_debug_never_shows_it() {
        let url = BaseUrl::region(Region::Seoul).url(ApiPath::new("a", "b"), &params());
        let redacted = tim_redact::redact(&url);
        assert!(!redacted.contains("eJyr"), "{redacted}");
        assert!(
            redacted.contains("usersig=[redacted]&random="),
            "{redacted}"
        );
        assert!(!format!("{:?}", params()).contains("eJyr"));
    }
}
