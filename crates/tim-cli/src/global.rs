//! The global options every subcommand shares.

use clap::Args;

/// Where the service is and who we are to it. Every option also reads an environment variable.
#[derive(Debug, Clone, Args)]
pub(crate) struct GlobalOpts {
    /// Base URL of the service, e.g. http://127.0.0.1:8080 for an emulator (overrides --region).
    #[arg(long, env = "TIM_BASE_URL", global = true)]
    pub(crate) base_url: Option<String>,
    /// Data centre of the app: china, singapore, seoul, tokyo, frankfurt, mumbai, silicon-valley,
    /// jakarta, riyadh.
    #[arg(long, env = "TIM_REGION", global = true)]
    pub(crate) region: Option<String>,
    /// The app's SDKAppID.
    #[arg(long, env = "TIM_SDKAPPID", global = true)]
    pub(crate) sdkappid: Option<u64>,
    /// The App admin account the calls are made as.
    #[arg(
        long,
        env = "TIM_ADMIN",
        default_value = "administrator",
        global = true
    )]
    pub(crate) admin: String,
    /// The app's secret key; the UserSig is signed from it (never printed).
    #[arg(long, env = "TIM_KEY", global = true, hide_env_values = true)]
    pub(crate) key: Option<Redacted>,
    /// A ready-made UserSig for the admin, instead of --key (never printed).
    #[arg(long, env = "TIM_USERSIG", global = true, hide_env_values = true)]
    pub(crate) usersig: Option<Redacted>,
    /// Print the client's tracing output (calls, pages, attempts, error codes) on stderr. The key
    /// and the UserSig never appear in it.
    #[arg(long, short = 'v', global = true)]
    pub(crate) verbose: bool,
}

/// A secret given on the command line (a key or a UserSig): `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Redacted(String);

impl Redacted {
    /// The secret itself, to hand to the signer or the client (never to print).
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for Redacted {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Redacted(s.to_owned()))
    }
}

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_of_the_options_never_shows_secrets() {
        let opts = GlobalOpts {
            base_url: None,
            region: None,
            sdkappid: Some(1),
            admin: "administrator".into(),
            key: Some(Redacted("the-secret-key".into())),
            usersig: Some(Redacted("eJy-the-usersig".into())),
            verbose: false,
        };
        let debug = format!("{opts:?}");
        assert!(
            !debug.contains("the-secret-key") && !debug.contains("the-usersig"),
            "{debug}"
        );
        assert!(debug.contains("[redacted]"));
    }
}
