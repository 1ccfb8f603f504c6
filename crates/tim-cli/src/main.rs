//! `tim`: the command-line face of the tim toolkit for the Tencent Cloud IM REST API.
//!
//! Global options (each with an environment variable) describe the app and the service; the
//! subcommands (`contacts`, `groups`, `marks`, `api`, `sig`, `emulator`, `conformance`,
//! `completions`) share them. See `docs/cli.md` for the whole manual.

mod api;
mod conformance;
mod connect;
mod contacts;
mod emulator;
mod error;
mod global;
mod groups;
mod marks;
mod output;
mod sig;
mod targets;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::error::CliError;
use crate::global::GlobalOpts;

/// Administer Tencent Cloud IM (Chat) through its REST API.
#[derive(Debug, Parser)]
#[command(name = "tim", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    global: GlobalOpts,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List, delete and export conversation lists.
    ///
    /// With no service configured, runs against an embedded emulator with demo data.
    /// Example: tim contacts list --from alice
    Contacts(contacts::ContactsArgs),
    /// List, create, rename, fill, empty, delete and search conversation groups.
    ///
    /// Example: tim groups create --from alice --name friends --to user0002
    Groups(groups::GroupsArgs),
    /// Set or clear standard-mark bits and custom marks of conversations.
    ///
    /// Example: tim marks set --from alice --to user0002 --bit 0
    Marks(marks::MarksArgs),
    /// Send any REST call (signed, rate limited) and print the answer JSON.
    ///
    /// Not retried after an ambiguous failure unless --idempotent is given.
    /// Example: tim api recentcontact/get_contact_group --data '{"From_Account":"alice","StartIndex":0}'
    Api(api::ApiArgs),
    /// Print a shell completion script.
    ///
    /// Example: tim completions bash > /etc/bash_completion.d/tim
    Completions {
        /// The shell to generate completions for.
        shell: clap_complete::Shell,
    },
    /// Sign, verify or decode a UserSig (TLSSigAPIv2).
    ///
    /// Example: tim --sdkappid 1400000000 --key "$KEY" sig gen --identifier administrator
    Sig(sig::SigArgs),
    /// Judge another client of the conversation list against the emulator's fault scenarios.
    ///
    /// Example: tim conformance client -- sh -c 'tim contacts list --from "$TIM_ACCOUNT" --all --format jsonl'
    Conformance(conformance::ConformanceArgs),
    /// Run a fake of the IM REST service (tests, CI, demos).
    ///
    /// Example: tim emulator serve --demo --listen 127.0.0.1:0
    Emulator(emulator::EmulatorArgs),
}

fn parse() -> Result<Cli, clap::Error> {
    let matches = global::command(Cli::command()).try_get_matches()?;
    global::check_service_options(&matches)?;
    let mut cli = Cli::from_arg_matches(&matches)?;
    global::resolve_credentials(&mut cli.global, &matches)?;
    Ok(cli)
}

fn main() {
    let cli = match parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => e.exit(), // --help, --version
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            e.exit()
        }
        Err(e) => {
            // One line, like every other error: clap's message up to its usage section, with
            // the indented lines (say, the missing arguments) joined on.
            let text = e.to_string();
            let message: Vec<&str> = text
                .lines()
                .take_while(|l| {
                    !l.is_empty() && !l.starts_with("Usage:") && !l.starts_with("For more")
                })
                .map(str::trim)
                .collect();
            let message = message.join(" ");
            error::say(&format!(
                "{} (see tim --help)",
                message.strip_prefix("error: ").unwrap_or(&message)
            ));
            std::process::exit(error::EXIT_USAGE);
        }
    };
    let result = run(cli);
    if let Err(err) = result {
        if matches!(err, CliError::BrokenPipe) {
            std::process::exit(0);
        }
        error::say(&err.to_string());
        std::process::exit(err.exit_code());
    }
}

/// The filter of `--verbose`: our crates at their most verbose; third-party crates only warn,
/// since an HTTP stack's own trace output may echo a URL, which carries the UserSig. isahc is
/// named on purpose: its DEBUG span `send_async` records the request URI, so it must stay below
/// INFO whatever the default becomes.
const TRACING_FILTER: &str =
    "warn,isahc=warn,hyper=warn,hyper_util=warn,tim_client=trace,tim_cli=debug,tim_emulator=debug";

fn tracing_filter() -> tracing_subscriber::EnvFilter {
    tracing_subscriber::EnvFilter::new(TRACING_FILTER)
}

fn run(cli: Cli) -> Result<(), CliError> {
    if cli.global.verbose {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_filter())
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .with_writer(std::io::stderr)
            .init();
    }
    match cli.command {
        Command::Completions { shell } => {
            // Generated into memory, then written once: a reader that closes the pipe early
            // (`| head -3`) is a quiet exit, not a panic inside the generator.
            let mut script = Vec::new();
            clap_complete::generate(
                shell,
                &mut global::command(Cli::command()),
                "tim",
                &mut script,
            );
            use std::io::Write as _;
            let mut out = std::io::stdout().lock();
            out.write_all(&script)
                .and_then(|()| out.flush())
                .map_err(crate::contacts::io_error)
        }
        Command::Sig(args) => sig::run(&cli.global, args),
        Command::Contacts(args) => contacts::run(&cli.global, args),
        Command::Groups(args) => groups::run(&cli.global, args),
        Command::Marks(args) => marks::run(&cli.global, args),
        Command::Api(args) => api::run(&cli.global, args),
        Command::Emulator(args) => emulator::run(&cli.global, args),
        Command::Conformance(args) => conformance::run(args),
    }
}

#[cfg(test)]
mod tests {
    use tracing::Level;
    use tracing_subscriber::layer::SubscriberExt;

    #[test]
    fn the_verbose_filter_keeps_isahc_below_info_and_tim_at_trace() {
        let subscriber = tracing_subscriber::registry().with(super::tracing_filter());
        tracing::subscriber::with_default(subscriber, || {
            // isahc's `send_async` span, which records the URI (UserSig included), is DEBUG.
            assert!(!tracing::enabled!(target: "isahc::client", Level::DEBUG));
            assert!(!tracing::enabled!(target: "isahc::client", Level::INFO));
            assert!(!tracing::enabled!(target: "hyper_util::client", Level::DEBUG));
            assert!(!tracing::enabled!(target: "rustls", Level::INFO));
            assert!(tracing::enabled!(target: "isahc", Level::WARN));
            assert!(tracing::enabled!(target: "tim_client::client", Level::TRACE));
            assert!(tracing::enabled!(target: "tim_cli::contacts", Level::DEBUG));
        });
    }
}
