//! The global options every subcommand shares.

use clap::Args;

/// Who we are to the service: the app and its admin. Every option also reads an environment
/// variable. These are global: every subcommand, `tim emulator serve` included (there they are
/// the emulated app's credentials), takes them before or after its name.
#[derive(Debug, Clone, Args)]
pub(crate) struct GlobalOpts {
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
    /// Print the client's tracing output (calls, pages, attempts, error codes) on stderr. The key
    /// and the UserSig never appear in it.
    #[arg(long, short = 'v', global = true)]
    pub(crate) verbose: bool,
    /// Where the service is and how to reach it (merged from the top level and the subcommand).
    #[command(flatten)]
    pub(crate) service: ServiceOpts,
}

/// Where the service is and how calls to it are signed and limited: only the subcommands that
/// call the service (`contacts`, `groups`, `marks`, `api`) take these, so `tim emulator serve
/// --help` does not list them. They are accepted before the subcommand's name too
/// (`tim --base-url URL contacts list`): [`command`] makes the top level's copies non-global, and
/// clap merges the two places into one value (an explicit option wins over the environment).
#[derive(Debug, Clone, Args)]
pub(crate) struct ServiceOpts {
    /// Base URL of the service, e.g. http://127.0.0.1:8080 for an emulator (overrides --region).
    #[arg(long, env = "TIM_BASE_URL", global = true)]
    pub(crate) base_url: Option<String>,
    /// Data centre of the app: china, singapore, seoul, tokyo, frankfurt, mumbai, silicon-valley,
    /// jakarta, riyadh.
    #[arg(long, env = "TIM_REGION", global = true)]
    pub(crate) region: Option<String>,
    /// A ready-made UserSig for the admin, instead of --key (never printed).
    #[arg(long, env = "TIM_USERSIG", global = true, hide_env_values = true)]
    pub(crate) usersig: Option<Redacted>,
    /// Share the rate limit with every other process through this Redis (`redis://` or
    /// `rediss://`, password allowed; never printed): each call reserves its slot there.
    #[arg(long, env = "TIM_REDIS_URL", global = true, hide_env_values = true)]
    pub(crate) redis: Option<Redacted>,
    /// How many processes share the quota through --redis: when Redis is unreachable, each keeps
    /// to 1/N of it.
    #[arg(long, env = "TIM_REPLICAS", global = true, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) replicas: u32,
    /// The longest one attempt of a call may take, in milliseconds, before it counts as a
    /// timeout and is retried (default 30000).
    #[arg(long, env = "TIM_TIMEOUT_MS", global = true, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) timeout_ms: Option<u64>,
}

/// The ids of [`ServiceOpts`]' arguments.
const SERVICE_IDS: [&str; 6] = [
    "base_url",
    "region",
    "usersig",
    "redis",
    "replicas",
    "timeout_ms",
];

/// The subcommands that call the service and so take [`ServiceOpts`].
const SERVICE_COMMANDS: [&str; 4] = ["contacts", "groups", "marks", "api"];

/// The top-level command: the derived one, with the top level's copies of the service options
/// made non-global (the service subcommands carry their own, global below them), so they are
/// accepted before any subcommand but not listed under `emulator`, `sig` or `completions`.
pub(crate) fn command(derived: clap::Command) -> clap::Command {
    SERVICE_IDS
        .iter()
        .fold(derived, |cmd, id| cmd.mut_arg(*id, |a| a.global(false)))
}

/// Refuses a service option given on the command line before a subcommand that does not call the
/// service (`tim --base-url X emulator serve`): it would be ignored silently.
pub(crate) fn check_service_options(matches: &clap::ArgMatches) -> Result<(), clap::Error> {
    use clap::parser::ValueSource;
    let Some((name, _)) = matches.subcommand() else {
        return Ok(());
    };
    if SERVICE_COMMANDS.contains(&name) {
        return Ok(());
    }
    for id in SERVICE_IDS {
        if matches.value_source(id) == Some(ValueSource::CommandLine) {
            return Err(clap::Error::raw(
                clap::error::ErrorKind::ArgumentConflict,
                format!(
                    "--{} does not apply to `tim {name}`, which does not call the service\n",
                    id.replace('_', "-")
                ),
            ));
        }
    }
    Ok(())
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
    type Err = &'static str;

    /// An empty secret is refused: it would be sent (or signed with) and fail far from here.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim().is_empty() {
            return Err("the secret is empty");
        }
        Ok(Redacted(s.to_owned()))
    }
}

/// Settles `--key` against `--usersig`: an option given on the command line wins over the other
/// kind from the environment (an exported `TIM_KEY` does not override an explicit `--usersig`),
/// and both kinds from the same place are a usage error rather than a silent choice.
pub(crate) fn resolve_credentials(
    global: &mut GlobalOpts,
    matches: &clap::ArgMatches,
) -> Result<(), clap::Error> {
    use clap::parser::ValueSource;
    if global.key.is_none() || global.service.usersig.is_none() {
        return Ok(());
    }
    let from_line = |id: &str| matches.value_source(id) == Some(ValueSource::CommandLine);
    match (from_line("key"), from_line("usersig")) {
        (true, false) => global.service.usersig = None,
        (false, true) => global.key = None,
        (true, true) => {
            return Err(clap::Error::raw(
                clap::error::ErrorKind::ArgumentConflict,
                "give --key or --usersig, not both\n",
            ));
        }
        (false, false) => {
            return Err(clap::Error::raw(
                clap::error::ErrorKind::ArgumentConflict,
                "TIM_KEY and TIM_USERSIG are both set: unset one (or pass --key or --usersig to choose)\n",
            ));
        }
    }
    Ok(())
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
            sdkappid: Some(1),
            admin: "administrator".into(),
            key: Some(Redacted("the-secret-key".into())),
            verbose: false,
            service: ServiceOpts {
                base_url: None,
                region: None,
                usersig: Some(Redacted("eJy-the-usersig".into())),
                redis: Some(Redacted("redis://:the-redis-password@h".into())),
                replicas: 1,
                timeout_ms: None,
            },
        };
        let debug = format!("{opts:?}");
        assert!(
            !debug.contains("the-secret-key")
                && !debug.contains("the-usersig")
                && !debug.contains("the-redis-password"),
            "{debug}"
        );
        assert!(debug.contains("[redacted]"));
    }
}
