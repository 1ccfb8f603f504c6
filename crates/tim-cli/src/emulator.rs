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
use crate::global::{GlobalOpts, Redacted};

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
    /// Another app to emulate beside the default one (--sdkappid/--key), as `SDKAPPID:KEY`
    /// (repeatable). It gets the same admin and settings, and no data unless the data file's
    /// `apps` section gives it some. The key is never printed.
    #[arg(long = "app", value_name = "SDKAPPID:KEY")]
    apps: Vec<Redacted>,
    /// Keep the state (data and settings of every app) in this file: restored at start when it
    /// exists (over the --data/--demo seed), written atomically on SIGTERM/SIGINT and on
    /// `POST /_emulator/save`. Holds no keys, faults or log.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
}

/// `SDKAPPID:KEY` to the app's SDKAppID and key; the messages never contain the key.
fn parse_app(arg: &Redacted) -> Result<(u64, String), CliError> {
    let Some((id, key)) = arg.expose().split_once(':') else {
        return Err(CliError::Usage(
            "--app takes SDKAPPID:KEY (no ':' found; the value is not shown: it may hold a key)"
                .to_owned(),
        ));
    };
    let id = id.trim().parse::<u64>().map_err(|_| {
        CliError::Usage(format!(
            "--app takes SDKAPPID:KEY: {id:?} is not an unsigned integer"
        ))
    })?;
    if key.is_empty() {
        return Err(CliError::Usage(format!("--app {id}: the key is empty")));
    }
    Ok((id, key.to_owned()))
}

/// Resolves when the process is asked to stop: SIGTERM or SIGINT (Ctrl-C elsewhere). The
/// handlers are installed when this is called, not when it is first polled.
fn stop_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        Ok(async move {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async move {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
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
    let extra: Vec<(u64, String)> = args.apps.iter().map(parse_app).collect::<Result<_, _>>()?;
    let mut emulator = if args.demo {
        Emulator::demo(config.clone())
    } else {
        Emulator::new(config.clone())
    };
    for (id, key) in extra {
        let mut c = config.clone();
        c.sdk_app_id = id;
        c.key = key.into();
        emulator
            .add_app(c)
            .map_err(|e| CliError::Usage(format!("--app {id}: {e}")))?;
    }
    if let Some(path) = &args.data {
        let bytes = std::fs::read(path).map_err(|e| {
            CliError::Usage(format!("cannot read data file {}: {e}", path.display()))
        })?;
        emulator
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
    let mut restored = false;
    if let Some(path) = &args.state {
        match std::fs::read(path) {
            Ok(bytes) => {
                emulator
                    .restore_state_json(&bytes)
                    .map_err(|e| CliError::Usage(format!("state file {}: {e}", path.display())))?;
                restored = true;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(CliError::Usage(format!(
                    "cannot read state file {}: {e}",
                    path.display()
                )));
            }
        }
        emulator.set_state_file(Some(path.clone()));
    }
    let accounts = emulator.data().account_count();
    let others: Vec<String> = emulator
        .apps()
        .skip(1)
        .map(|a| a.sdk_app_id().to_string())
        .collect();

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
        // Installed before the first line is printed, so a SIGTERM right after it is caught.
        let stop = stop_signal()
            .map_err(|e| CliError::Usage(format!("cannot install signal handlers: {e}")))?;
        if let (Some(path), Some(pem)) = (&args.cert_out, server.ca_cert_pem()) {
            std::fs::write(path, pem).map_err(|e| {
                CliError::Usage(format!("cannot write certificate {}: {e}", path.display()))
            })?;
        }
        let mut out = std::io::stdout().lock();
        // A script waits for this first line to learn the port: write and flush it at once.
        let _ = writeln!(out, "listening on {}", server.base_url());
        let more = if others.is_empty() {
            String::new()
        } else {
            format!(" (and apps {})", others.join(", "))
        };
        let state = match &args.state {
            None => String::new(),
            Some(p) if restored => format!(", state restored from {}", p.display()),
            Some(p) => format!(", state kept in {}", p.display()),
        };
        let _ = writeln!(
            out,
            "sdkappid {sdk_app_id}{more}, admin {}, {accounts} accounts, page size {}, rate limit {}{state}",
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
        // Serve until SIGTERM or SIGINT; then stop taking requests and save the state.
        stop.await;
        let shared = server.shared();
        server.shutdown().await;
        if args.state.is_some() {
            let saved = tokio::task::spawn_blocking(move || tim_emulator::save_state(&shared))
                .await
                .map_err(|e| CliError::Io(format!("saving the state failed: {e}")))?;
            match saved {
                Ok(Some((path, bytes))) => {
                    eprintln!("state saved to {} ({bytes} bytes)", path.display());
                }
                Ok(None) => {}
                Err(e) => {
                    return Err(CliError::Io(format!(
                        "cannot write the state file: {e} (the file is as it was)"
                    )));
                }
            }
        }
        Ok(())
    })
}
