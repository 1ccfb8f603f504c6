//! `tim marks set | clear | custom`: conversation marks (`recentcontact/mark_contact`) through
//! [`tim_client::Marks`], in calls of at most 100 conversations under the rate limit.

use clap::{Args, Subcommand};
use tim_client::{Client, MarkResults};
use tim_proto::contact_group::StandardMarks;

use crate::connect;
use crate::error::CliError;
use crate::global::GlobalOpts;
use crate::targets::{Targets, check_partial};

/// Standard and custom marks of conversations (`v4/recentcontact/mark_contact`).
#[derive(Debug, Args)]
pub(crate) struct MarksArgs {
    // Where the service is: parsed here so the options are listed and taken after the
    // subcommand's name; read through the merged `GlobalOpts::service`.
    #[command(flatten)]
    _service: crate::global::ServiceOpts,
    #[command(subcommand)]
    command: MarksCommand,
}

#[derive(Debug, Subcommand)]
enum MarksCommand {
    /// Set standard-mark bits on conversations (the other bits are left as they are).
    ///
    /// Example: tim marks set --from alice --to user0002 --group group003 --bit 0 --bit 3
    Set(BitsArgs),
    /// Clear standard-mark bits on conversations (the other bits are left as they are).
    ///
    /// Example: tim marks clear --from alice --to user0002 --bit 0
    Clear(BitsArgs),
    /// Set the custom mark of conversations ("" clears it).
    ///
    /// Example: tim marks custom --from alice --to user0002 --mark vip
    Custom(CustomArgs),
}

#[derive(Debug, Args)]
struct BitsArgs {
    /// The account whose conversations to mark.
    #[arg(long, value_name = "ID")]
    from: String,
    #[command(flatten)]
    targets: Targets,
    /// A standard-mark bit, 0 to 63 (repeatable: --bit 0 --bit 3, or --bit 0 3).
    #[arg(long, value_name = "N", required = true, num_args = 1.., action = clap::ArgAction::Append,
          value_parser = clap::value_parser!(u32).range(0..=i64::from(StandardMarks::MAX_BIT)))]
    bit: Vec<u32>,
}

#[derive(Debug, Args)]
struct CustomArgs {
    /// The account whose conversations to mark.
    #[arg(long, value_name = "ID")]
    from: String,
    #[command(flatten)]
    targets: Targets,
    /// The custom mark ("" clears it).
    #[arg(long, value_name = "TEXT")]
    mark: String,
}

/// Runs `tim marks ...`.
pub(crate) fn run(global: &GlobalOpts, args: MarksArgs) -> Result<(), CliError> {
    let runtime = connect::runtime()?;
    let client = connect::client(global, None)?;
    runtime.block_on(async {
        match args.command {
            MarksCommand::Set(a) => bits(&client, a, true).await,
            MarksCommand::Clear(a) => bits(&client, a, false).await,
            MarksCommand::Custom(a) => custom(&client, a).await,
        }
    })
}

async fn bits(client: &Client, args: BitsArgs, set: bool) -> Result<(), CliError> {
    let bits = StandardMarks::from_indices(args.bit.iter().copied())
        .map_err(|e| CliError::Usage(format!("--bit: {e}")))?;
    let contacts = args.targets.items();
    let marks = client.marks();
    let results = if set {
        marks.set(args.from, contacts, bits).await
    } else {
        marks.clear(args.from, contacts, bits).await
    }
    .map_err(|e| CliError::from_client(&e, None))?;
    let list: Vec<String> = bits.indices().map(|i| i.to_string()).collect();
    report(
        &results,
        &format!(
            "{} bit(s) {} on",
            if set { "set" } else { "cleared" },
            list.join(",")
        ),
    )
}

async fn custom(client: &Client, args: CustomArgs) -> Result<(), CliError> {
    let contacts = args.targets.items();
    let results = client
        .marks()
        .custom(args.from, contacts, &args.mark)
        .await
        .map_err(|e| CliError::from_client(&e, None))?;
    let what = if args.mark.is_empty() {
        "cleared the custom mark of".to_owned()
    } else {
        format!(
            "set the custom mark {} on",
            crate::targets::escape(&args.mark)
        )
    };
    report(&results, &what)
}

fn report(results: &MarkResults, what: &str) -> Result<(), CliError> {
    let failures = results.partial_failures();
    let total = results.results.len();
    let line = format!(
        "{what} {} of {total} conversation(s)",
        total - failures.len()
    );
    {
        use std::io::Write as _;
        let mut out = std::io::stdout().lock();
        writeln!(out, "{line}")
            .and_then(|()| out.flush())
            .map_err(crate::contacts::io_error)?;
    }
    check_partial(&failures, total)
}
