//! Running one scenario: a fresh emulator on a loopback port, the client command with the
//! scenario's environment in its own process group, killed at the time limit.

use std::process::Stdio;
use std::time::{Duration, Instant};

use tim_emulator::{Config, Emulator, LogEntry, Server, ServerOptions};
use tokio::io::AsyncReadExt;

use super::judge::{Ended, Run};
use super::scenarios::{self, ACCOUNT, ADMIN, CLIENT_TIMEOUT_MS, PAGE_SIZE, SDKAPPID, Scenario};
use crate::error::CliError;

/// The most stdout kept from a client (more is read and dropped).
const MAX_STDOUT: usize = 16 * 1024 * 1024;
/// How long stdout may stay open after the client's process group is gone.
const DRAIN: Duration = Duration::from_secs(2);

/// What the runner needs besides the scenario.
#[derive(Clone, Debug)]
pub(crate) struct Options {
    pub(crate) command: Vec<String>,
    pub(crate) limit: Duration,
    pub(crate) client_stderr: bool,
}

/// What one scenario run produced, to judge.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub(crate) run: Run,
    pub(crate) log: Vec<LogEntry>,
    pub(crate) duration: Duration,
}

/// A key for one scenario: not a secret (the emulator is the only party), but new every run, so
/// a client cannot pass with a key of its own.
fn fresh_key(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("conformance-{name}-{nanos:x}-{:x}", std::process::id())
}

/// The emulator of a scenario: the app, the admin, the walked account and the faults.
fn emulator(s: &Scenario, key: &str) -> Result<Emulator, CliError> {
    let mut config = Config::new(SDKAPPID, key);
    config.admins = vec![ADMIN.to_owned()];
    config.page_size = PAGE_SIZE;
    // Throttling is injected where a scenario wants it; the client's own pace is judged.
    config.rate_limit = None;
    let mut emulator = Emulator::new(config);
    emulator
        .data()
        .set_list(ACCOUNT, scenarios::conversations());
    for spec in s.faults {
        emulator
            .faults()
            .apply_spec(&format!("{spec},api=recentcontact/get_list"))
            .map_err(|e| CliError::Io(format!("scenario {}: fault {spec}: {e}", s.name)))?;
    }
    Ok(emulator)
}

/// Runs scenario `s` with the client of `options`.
pub(crate) async fn run(s: &Scenario, options: &Options) -> Result<Outcome, CliError> {
    let key = fresh_key(s.name);
    let server = Server::start(emulator(s, &key)?, ServerOptions::default())
        .await
        .map_err(|e| CliError::Io(format!("cannot start the emulator: {e}")))?;
    let (program, args) = options
        .command
        .split_first()
        .ok_or_else(|| CliError::Usage("give the client command after --".into()))?;
    let mut command = tokio::process::Command::new(program);
    command.args(args);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("TIM_") {
            command.env_remove(name);
        }
    }
    command
        .env("TIM_BASE_URL", server.base_url())
        .env("TIM_SDKAPPID", SDKAPPID.to_string())
        .env("TIM_ADMIN", ADMIN)
        .env("TIM_KEY", &key)
        .env("TIM_ACCOUNT", ACCOUNT)
        .env("TIM_TIMEOUT_MS", CLIENT_TIMEOUT_MS.to_string())
        .env("TIM_SCENARIO", s.name)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(if options.client_stderr {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .kill_on_drop(true);
    #[cfg(unix)]
    command.process_group(0);
    let started = Instant::now();
    let mut child = command
        .spawn()
        .map_err(|e| CliError::Usage(format!("cannot start the client {program:?}: {e}")))?;
    let group = child.id();
    let mut stdout = child.stdout.take();
    let reader = tokio::spawn(async move {
        let mut kept = Vec::new();
        let Some(out) = stdout.as_mut() else {
            return kept;
        };
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match out.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let room = MAX_STDOUT.saturating_sub(kept.len());
                    kept.extend_from_slice(&buf[..n.min(room)]);
                }
            }
        }
        kept
    });
    let ended = match tokio::time::timeout(options.limit, child.wait()).await {
        Ok(Ok(status)) => exit_of(status),
        Ok(Err(e)) => return Err(CliError::Io(format!("cannot wait for the client: {e}"))),
        Err(_) => {
            kill_group(group);
            let _ = child.kill().await;
            Ended::TimedOut
        }
    };
    let duration = started.elapsed();
    // Whatever the client left behind in its group goes too, so stdout reaches its end.
    kill_group(group);
    let stdout = match tokio::time::timeout(DRAIN, reader).await {
        Ok(Ok(bytes)) => bytes,
        _ => Vec::new(),
    };
    let log = server.with(|e| e.log().to_vec());
    server.shutdown().await;
    Ok(Outcome {
        run: Run {
            ended,
            stdout,
            limit: options.limit,
        },
        log,
        duration,
    })
}

fn exit_of(status: std::process::ExitStatus) -> Ended {
    if let Some(code) = status.code() {
        return Ended::Exited(code);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt as _;
        if let Some(signal) = status.signal() {
            return Ended::Signalled(signal);
        }
    }
    Ended::Signalled(0)
}

/// Kills the client's process group (the client and whatever it started), ignoring a group
/// that is already gone.
#[cfg(unix)]
fn kill_group(group: Option<u32>) {
    use rustix::process::{Pid, Signal, kill_process_group};
    if let Some(pid) = group
        .and_then(|g| i32::try_from(g).ok())
        .and_then(Pid::from_raw)
    {
        let _ = kill_process_group(pid, Signal::KILL);
    }
}

#[cfg(not(unix))]
fn kill_group(_: Option<u32>) {}
