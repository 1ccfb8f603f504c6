//! `tim emulator serve`: the `tim-emulator` fake of the IM REST service as a standalone server.
//!
//! The global `--sdkappid`, `--key` and `--admin` are the emulated app's credentials; without
//! them the app is [`DEFAULT_SDKAPPID`] with the public example key of the official signers'
//! READMEs ([`DEFAULT_KEY`]) and the admin `administrator`. See `docs/emulator.md`.

use std::io::Write as _;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;

use clap::{Args, Subcommand};
use tim_emulator::{Config, Edition, Emulator, Server, ServerOptions};

use crate::error::CliError;
use crate::global::GlobalOpts;

/// The emulated SDKAppID when `--sdkappid` is not given.
pub(crate) const DEFAULT_SDKAPPID: u64 = 1_400_000_000;
/// The emulated app's key when `--key` is not given: the public example key of the official
/// TLSSigAPIv2 READMEs (so it is no secret, and official examples verify against it).
pub(crate) const DEFAULT_KEY: &str =
    "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

/// Run a fake of the IM REST service for tests and CI.
#[derive(Debug, Args)]
pub(crate) struct EmulatorArgs {
    #[command(subcommand)]
    command: EmulatorCommand,
}

#[derive(Debug, Subcommand)]
enum EmulatorCommand {
    /// Serve the emulator until killed; the first stdout line is `listening on URL`.
    ///
    /// Example: tim emulator serve --demo --listen 127.0.0.1:0
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to listen on, `HOST:PORT` with an IP or a host name such as `localhost` (the
    /// first loopback address it resolves to is preferred); port 0 picks a free port, the first
    /// line of output tells which.
    #[arg(long, default_value = "127.0.0.1:8080", value_parser = parse_listen)]
    listen: SocketAddr,
    /// Load this data file (JSON: admins, accounts, sessions; see docs/emulator.md).
    #[arg(long, conflicts_with = "demo")]
    data: Option<PathBuf>,
    /// Load the deterministic demo data set (alice, user0001..user1000).
    #[arg(long)]
    demo: bool,
    /// get_list page size.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    page_size: u32,
    /// Calls per second allowed per API; 0 switches rate limiting off.
    #[arg(long, default_value_t = 200)]
    rate_limit: u32,
    /// The app's edition: developer, pro, pro_plus or enterprise. Conversation groups and
    /// standard marks answer 51013 on developer and pro.
    #[arg(long, default_value = "enterprise", value_parser = parse_edition)]
    edition: Edition,
    /// A fault to inject, e.g. `code=70001,count=2`, `status=502,rate=0.1`, `drop`,
    /// `latency=20ms,jitter=5ms` (repeatable; see docs/emulator.md).
    #[arg(long = "fault", value_name = "SPEC")]
    faults: Vec<String>,
    /// Seed of the probabilistic faults and the jitter.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Serve HTTPS with a self-signed certificate for localhost and 127.0.0.1.
    #[arg(long)]
    tls: bool,
    /// With --tls, write the certificate (PEM) to this file so clients can trust it.
    #[arg(long, requires = "tls")]
    cert_out: Option<PathBuf>,
}

/// `HOST:PORT` to one socket address: an address literal as is, a host name resolved, its first
/// loopback address preferred (else its first address).
fn parse_listen(s: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = s.parse::<SocketAddr>() {
        return Ok(addr);
    }
    let addrs: Vec<SocketAddr> = s
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {s:?} (expected HOST:PORT): {e}"))?
        .collect();
    addrs
        .iter()
        .find(|a| a.ip().is_loopback())
        .or_else(|| addrs.first())
        .copied()
        .ok_or_else(|| format!("{s:?} resolves to no address"))
}

fn parse_edition(s: &str) -> Result<Edition, String> {
    s.parse()
        .map_err(|e: tim_emulator::UnknownEdition| e.to_string())
}

/// Runs `tim emulator ...`.
pub(crate) fn run(global: &GlobalOpts, args: EmulatorArgs) -> Result<(), CliError> {
    match args.command {
        EmulatorCommand::Serve(serve) => run_serve(global, serve),
    }
}

fn run_serve(global: &GlobalOpts, args: ServeArgs) -> Result<(), CliError> {
    let sdk_app_id = global.sdkappid.unwrap_or(DEFAULT_SDKAPPID);
    let key = global
        .key
        .as_ref()
        .map_or_else(|| DEFAULT_KEY.to_owned(), |k| k.expose().to_owned());
    let mut config = Config::new(sdk_app_id, key);
    config.admins = vec![global.admin.clone()];
    config.page_size = args.page_size as usize;
    config.rate_limit = (args.rate_limit > 0).then_some(args.rate_limit);
    config.seed = args.seed;
    config.edition = args.edition;
    let mut emulator = if args.demo {
        Emulator::demo(config)
    } else {
        Emulator::new(config)
    };
    if let Some(path) = &args.data {
        let bytes = std::fs::read(path).map_err(|e| {
            CliError::Usage(format!("cannot read data file {}: {e}", path.display()))
        })?;
        emulator
            .data()
            .load_json(&bytes)
            .map_err(|e| CliError::Usage(format!("data file {}: {e}", path.display())))?;
        emulator.set_baseline();
    }
    for spec in &args.faults {
        emulator
            .faults()
            .apply_spec(spec)
            .map_err(|e| CliError::Usage(format!("--fault {spec:?}: {e}")))?;
    }
    // `/_emulator/reset` returns to this start-up state, the --fault faults included.
    emulator.set_baseline();
    let accounts = emulator.data().account_count();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Usage(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async move {
        let options = ServerOptions {
            addr: args.listen,
            tls: args.tls,
            ..ServerOptions::default()
        };
        let server = Server::start(emulator, options)
            .await
            .map_err(|e| CliError::Usage(format!("cannot listen on {}: {e}", args.listen)))?;
        if let (Some(path), Some(pem)) = (&args.cert_out, server.ca_cert_pem()) {
            std::fs::write(path, pem).map_err(|e| {
                CliError::Usage(format!("cannot write certificate {}: {e}", path.display()))
            })?;
        }
        let mut out = std::io::stdout().lock();
        // A script waits for this first line to learn the port: write and flush it at once.
        let _ = writeln!(out, "listening on {}", server.base_url());
        let _ = writeln!(
            out,
            "sdkappid {sdk_app_id}, admin {}, {accounts} accounts, page size {}, rate limit {}",
            global.admin,
            args.page_size,
            match args.rate_limit {
                0 => "off".to_owned(),
                n => format!("{n}/s per api"),
            }
        );
        let _ = writeln!(out, "admin api: {}/_emulator/", server.base_url());
        let _ = out.flush();
        drop(out);
        // Serve until the process is killed (SIGINT/SIGTERM end it).
        std::future::pending::<()>().await;
        drop(server);
        Ok(())
    })
}
