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
    pub(crate) key: Option<String>,
    /// A ready-made UserSig for the admin, instead of --key (never printed).
    #[arg(long, env = "TIM_USERSIG", global = true, hide_env_values = true)]
    pub(crate) usersig: Option<String>,
    /// Print the client's tracing output (calls, pages, attempts, error codes) on stderr. The key
    /// and the UserSig never appear in it.
    #[arg(long, short = 'v', global = true)]
    pub(crate) verbose: bool,
}
