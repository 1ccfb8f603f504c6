//! `tim conformance client -- COMMAND…`: runs any client of the conversation list against the
//! emulator under named scenarios and judges each from the emulator's data and request log.
//! See `docs/conformance.md`.

mod judge;
mod runner;
mod scenarios;

use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};
use futures_util::StreamExt as _;

use crate::error::CliError;
use judge::Score;
use scenarios::{SCENARIOS, Scenario};

/// Conformance suites for other clients.
#[derive(Debug, Args)]
pub(crate) struct ConformanceArgs {
    #[command(subcommand)]
    command: ConformanceCommand,
}

#[derive(Debug, Subcommand)]
enum ConformanceCommand {
    /// Run a conversation-list client under every scenario and print a scorecard.
    ///
    /// The command gets TIM_BASE_URL, TIM_SDKAPPID, TIM_ADMIN, TIM_KEY, TIM_ACCOUNT and
    /// TIM_TIMEOUT_MS and must print TIM_ACCOUNT's conversations as JSON lines.
    /// Example: tim conformance client -- sh -c 'tim contacts list --from "$TIM_ACCOUNT" --all --format jsonl'
    #[command(
        after_help = "Examples:\n  tim conformance client --list\n  tim conformance client -- sh -c 'tim contacts list --from \"$TIM_ACCOUNT\" --all --format jsonl'\n  tim conformance client --scenario http-502 --format json -- python3 tim_client.py\n\nExit status: 0 when every scenario passes, 1 when one fails. See docs/conformance.md."
    )]
    Client(ClientArgs),
}

/// How the scorecard is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ScoreFormat {
    /// One row per scenario.
    Table,
    /// One JSON document.
    Json,
}

#[derive(Debug, Args)]
struct ClientArgs {
    /// Run only this scenario (repeatable; --list names them).
    #[arg(long = "scenario", value_name = "NAME")]
    scenarios: Vec<String>,
    /// List the scenarios, what each injects and what passes, and exit.
    #[arg(long)]
    list: bool,
    /// Scorecard format.
    #[arg(long, value_enum, default_value = "table")]
    format: ScoreFormat,
    /// Seconds each scenario's client may run; one still running then is killed (with its
    /// process group) and fails.
    #[arg(long, value_name = "SECONDS", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=3600))]
    timeout: u64,
    /// Scenarios run at the same time.
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=16))]
    jobs: u32,
    /// Let the client's stderr through (by default it is discarded).
    #[arg(long)]
    client_stderr: bool,
    /// The client: a program and its arguments, after `--`.
    #[arg(last = true, value_name = "COMMAND", required_unless_present = "list")]
    command: Vec<String>,
}

/// Runs `tim conformance ...`.
pub(crate) fn run(args: ConformanceArgs) -> Result<(), CliError> {
    match args.command {
        ConformanceCommand::Client(a) => client(a),
    }
}

fn client(args: ClientArgs) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    if args.list {
        return list(&mut out, args.format).map_err(crate::contacts::io_error);
    }
    let chosen: Vec<&'static Scenario> = if args.scenarios.is_empty() {
        SCENARIOS.iter().collect()
    } else {
        args.scenarios
            .iter()
            .map(|n| {
                scenarios::find(n).ok_or_else(|| {
                    CliError::Usage(format!(
                        "no scenario {n:?}; there are: {}",
                        SCENARIOS
                            .iter()
                            .map(|s| s.name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })
            })
            .collect::<Result<_, _>>()?
    };
    let options = runner::Options {
        command: args.command,
        limit: Duration::from_secs(args.timeout),
        client_stderr: args.client_stderr,
    };
    let runtime = crate::connect::runtime()?;
    let scores: Vec<Score> = runtime.block_on(async {
        futures_util::stream::iter(chosen)
            .map(|s| {
                let options = options.clone();
                async move {
                    let outcome = runner::run(s, &options).await?;
                    Ok::<_, CliError>(judge::judge(
                        s,
                        &outcome.log,
                        &outcome.run,
                        outcome.duration,
                    ))
                }
            })
            .buffered(args.jobs as usize)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
    })?;
    let failed = scores.iter().filter(|s| !s.pass).count();
    match args.format {
        ScoreFormat::Table => table(&mut out, &scores),
        ScoreFormat::Json => json(&mut out, &options.command, &scores),
    }
    .map_err(crate::contacts::io_error)?;
    if failed > 0 {
        return Err(CliError::Failed(format!(
            "{failed} of {} scenarios failed",
            scores.len()
        )));
    }
    Ok(())
}

fn list(out: &mut impl std::io::Write, format: ScoreFormat) -> std::io::Result<()> {
    match format {
        ScoreFormat::Json => {
            let doc: Vec<_> = SCENARIOS
                .iter()
                .map(|s| {
                    serde_json::json!({
                        "name": s.name,
                        "injected": s.injected,
                        "passes": s.passes,
                        "faults": s.faults,
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)
        }
        ScoreFormat::Table => {
            for s in SCENARIOS {
                writeln!(
                    out,
                    "{}\n  injected: {}\n  passes:   {}",
                    s.name, s.injected, s.passes
                )?;
            }
            Ok(())
        }
    }
}

fn table(out: &mut impl std::io::Write, scores: &[Score]) -> std::io::Result<()> {
    let width = scores
        .iter()
        .map(|s| s.name.len())
        .max()
        .unwrap_or(8)
        .max(8);
    writeln!(out, "{:<width$}  RESULT  REQS  TIME     REASON", "SCENARIO")?;
    for s in scores {
        let result = if s.pass { "pass" } else { "FAIL" };
        let time = format!("{:.1}s", s.duration_ms as f64 / 1000.0);
        // The reason may quote the client's own ids: no control characters to the terminal.
        let reason: String = s
            .reason
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        writeln!(
            out,
            "{:<width$}  {result:<6}  {:<4}  {time:<7}  {reason}",
            s.name, s.requests
        )?;
        for more in s.failures.iter().skip(1) {
            let more: String = more
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            writeln!(
                out,
                "{:<width$}  {:<6}  {:<4}  {:<7}  also: {more}",
                "", "", "", ""
            )?;
        }
    }
    let passed = scores.iter().filter(|s| s.pass).count();
    writeln!(out, "{passed} of {} scenarios passed", scores.len())?;
    out.flush()
}

fn json(
    out: &mut impl std::io::Write,
    command: &[String],
    scores: &[Score],
) -> std::io::Result<()> {
    let passed = scores.iter().filter(|s| s.pass).count();
    let doc = serde_json::json!({
        "client": command,
        "passed": passed,
        "failed": scores.len() - passed,
        "pass": passed == scores.len(),
        "scenarios": scores,
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)?;
    out.flush()
}
