//! `tim`: the command-line face of the tim toolkit for the Tencent Cloud IM REST API.
//!
//! Global options (each with an environment variable) describe the app and the service; the
//! subcommands share them. See `docs/cli.md` for the whole manual.

mod connect;
mod contacts;
mod emulator;
mod error;
mod global;
mod output;
mod sig;

use clap::{CommandFactory, Parser, Subcommand};

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
    /// Run a fake of the IM REST service (tests, CI, demos).
    ///
    /// Example: tim emulator serve --demo --listen 127.0.0.1:0
    Emulator(emulator::EmulatorArgs),
}

fn main() {
    let cli = Cli::parse();
    let result = run(cli);
    if let Err(err) = result {
        eprintln!("tim: {err}");
        std::process::exit(err.exit_code());
    }
}

fn run(cli: Cli) -> Result<(), CliError> {
    let _ = &cli.global;
    match cli.command {
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "tim", &mut std::io::stdout());
            Ok(())
        }
        Command::Sig(args) => sig::run(&cli.global, args),
        Command::Contacts(args) => contacts::run(&cli.global, args),
        Command::Emulator(args) => emulator::run(&cli.global, args),
    }
}
