//! `tim contacts list | delete | export`: conversation lists for people.

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{ArgGroup, Args, Subcommand};
use futures_util::StreamExt;
use serde_json::Value;
use tim_client::Client;
use tim_proto::ListCursor as Cursor;
use tim_proto::recent_contact::{AssistFlags, DeleteRequest, DeleteTarget};

use crate::connect;
use crate::error::{CliError, chain};
use crate::global::GlobalOpts;
use crate::output::{Format, Printer};

/// List, delete and export conversation lists (`v4/recentcontact/*`).
#[derive(Debug, Args)]
pub(crate) struct ContactsArgs {
    // Where the service is: parsed here so the options are listed and taken after the
    // subcommand's name; read through the merged `GlobalOpts::service`.
    #[command(flatten)]
    _service: crate::global::ServiceOpts,
    #[command(subcommand)]
    command: ContactsCommand,
}

#[derive(Debug, Subcommand)]
enum ContactsCommand {
    /// Show an account's conversation list: one page, several, or all of it.
    ///
    /// Example: tim contacts list --from alice --all --format jsonl
    #[command(
        after_help = "Examples:\n  tim contacts list --from alice\n  tim contacts list --from alice --cursor v1.1700086400.57.0.1 --max-pages 2\n  tim contacts list --from alice --all --format json > alice.json"
    )]
    List(ListArgs),
    /// Delete one conversation from an account's list.
    ///
    /// Example: tim contacts delete --from alice --to user0002
    #[command(
        after_help = "Examples:\n  tim contacts delete --from alice --to user0002\n  tim contacts delete --from alice --group group003 --clear-history"
    )]
    Delete(DeleteArgs),
    /// Export the whole lists of many accounts as JSON lines, resumably.
    ///
    /// Example: tim contacts export --users users.txt --out lists.jsonl
    #[command(
        after_help = "Examples:\n  tim contacts export --users users.txt --out lists.jsonl\n  tim contacts export --users users.txt --out lists.jsonl --concurrency 16 --rate 150\n\nRun it again after an interruption: accounts already written are skipped, failed ones retried."
    )]
    Export(ExportArgs),
}

#[derive(Debug, Args)]
struct ListArgs {
    /// The account whose list to show.
    #[arg(long, value_name = "ID")]
    from: String,
    /// Fetch every page (default: one page, or --max-pages pages).
    #[arg(long)]
    all: bool,
    /// AssistFlags (7 = the three documented bits; the current docs ask for 15 or 63).
    #[arg(long, value_name = "N", default_value_t = 7)]
    flags: u32,
    /// Resume at a cursor printed by an earlier run.
    #[arg(long, value_name = "TOKEN")]
    cursor: Option<Cursor>,
    /// Fetch at most this many pages.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    max_pages: Option<u64>,
    /// Output format (default: table on a terminal, jsonl otherwise).
    #[arg(long, value_enum)]
    format: Option<Format>,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("target").required(true).args(["to", "group"])))]
struct DeleteArgs {
    /// The account whose list to change.
    #[arg(long, value_name = "ID")]
    from: String,
    /// The one-to-one conversation with this account.
    #[arg(long, value_name = "ID")]
    to: Option<String>,
    /// The conversation of this group.
    #[arg(long, value_name = "ID")]
    group: Option<String>,
    /// Also clear the roaming messages (ClearRamble = 1).
    #[arg(long)]
    clear_history: bool,
}

#[derive(Debug, Args)]
struct ExportArgs {
    /// Accounts to export, one a line (blank lines and lines starting with # are skipped).
    #[arg(long, value_name = "FILE")]
    users: PathBuf,
    /// Where to write: one JSON line per account. Existing complete lines are kept and skipped.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Accounts paged at the same time.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..))]
    concurrency: u32,
    /// Calls per second, shared by all accounts (0: no limit). The service allows 200.
    #[arg(long, value_name = "N", default_value_t = 200)]
    rate: u32,
    /// AssistFlags of every get_list call.
    #[arg(long, value_name = "N", default_value_t = 7)]
    flags: u32,
}

/// Runs `tim contacts ...`.
pub(crate) fn run(global: &GlobalOpts, args: ContactsArgs) -> Result<(), CliError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::Io(format!("cannot start the async runtime: {e}")))?;
    match args.command {
        ContactsCommand::List(a) => {
            let client = connect::client(global, None)?;
            runtime.block_on(list(&client, a))
        }
        ContactsCommand::Delete(a) => {
            let client = connect::client(global, None)?;
            runtime.block_on(delete(&client, a))
        }
        ContactsCommand::Export(a) => {
            let client = connect::client(global, Some(a.rate))?;
            runtime.block_on(export(&client, a))
        }
    }
}

async fn list(client: &Client, args: ListArgs) -> Result<(), CliError> {
    let format = args.format.unwrap_or(if io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::Jsonl
    });
    let max_pages = if args.all {
        args.max_pages.unwrap_or(u64::MAX)
    } else {
        args.max_pages.unwrap_or(1)
    };
    let mut list = client
        .contacts()
        .with_flags(AssistFlags::from_bits_retain(args.flags))
        .list(args.from.clone());
    if let Some(cursor) = args.cursor {
        list = list.resume(cursor);
    }
    let mut printer = Printer::new(io::stdout().lock(), format, &args.from);
    let mut pages = list.pages();
    let mut fetched = 0;
    while fetched < max_pages {
        let Some(page) = pages.next().await else {
            break;
        };
        let page = match page {
            Ok(page) => page,
            Err(e) => {
                // Pages fetched so far are printed (table and jsonl as they came; the JSON
                // document now), so the resume cursor in the error line continues exactly after
                // them.
                let resume = pages.cursor();
                if fetched > 0 && format == Format::Json {
                    printer.finish(resume).map_err(io_error)?;
                }
                let hint = resume
                    .filter(|_| fetched > 0)
                    .map(|c| format!("resume with --cursor {c}"));
                return Err(CliError::from_client(&e, hint));
            }
        };
        fetched += 1;
        printer.page(&page.items).map_err(io_error)?;
    }
    printer.finish(pages.cursor()).map_err(io_error)
}

async fn delete(client: &Client, args: DeleteArgs) -> Result<(), CliError> {
    let (target, shown) = match (args.to, args.group) {
        (Some(to), _) => (
            DeleteTarget::C2c(to.clone()),
            format!("the conversation with {to}"),
        ),
        (None, Some(group)) => (
            DeleteTarget::Group(group.clone()),
            format!("the conversation of group {group}"),
        ),
        (None, None) => return Err(CliError::Usage("give --to ID or --group ID".into())),
    };
    let request = DeleteRequest {
        from_account: args.from.clone(),
        target,
        clear_ramble: args.clear_history.then_some(true),
    };
    client
        .call(&request)
        .await
        .map_err(|e| CliError::from_client(&e, None))?;
    println!("deleted {shown} from {}'s list", args.from);
    Ok(())
}

async fn export(client: &Client, args: ExportArgs) -> Result<(), CliError> {
    if same_file(&args.users, &args.out) {
        return Err(CliError::Usage("--out must not be the --users file".into()));
    }
    let users = read_users(&args.users)?;
    let done = compact_existing(&args.out)?;
    let mut seen = HashSet::new();
    let unique: Vec<String> = users
        .into_iter()
        .filter(|u| seen.insert(u.clone()))
        .collect();
    let skipped = unique.iter().filter(|u| done.contains(*u)).count();
    let todo: Vec<String> = unique.into_iter().filter(|u| !done.contains(u)).collect();
    let mut out = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&args.out)
        .map_err(|e| CliError::Io(format!("cannot open {}: {e}", args.out.display())))?;
    let bar = progress_bar(todo.len() as u64);
    let total = todo.len();
    let mut stream = client
        .contacts()
        .with_flags(AssistFlags::from_bits_retain(args.flags))
        .for_accounts(todo, args.concurrency as usize);
    let mut failed = 0usize;
    let mut written = 0usize;
    let interrupt = tokio::signal::ctrl_c();
    tokio::pin!(interrupt);
    loop {
        let next = tokio::select! {
            next = stream.next() => next,
            _ = &mut interrupt => {
                if let Some(bar) = &bar {
                    bar.finish_and_clear();
                }
                // Every line written so far is whole and flushed; the next run skips them.
                return Err(CliError::Interrupted(format!(
                    "interrupted: {} of {} written to {}; run the same command again to resume (accounts already written are skipped)",
                    written,
                    accounts(total),
                    args.out.display()
                )));
            }
        };
        let Some((account, result)) = next else {
            break;
        };
        if let Err(e) = &result
            && e.is_unreachable()
        {
            // The service cannot be reached at all: stop with one line instead of writing the
            // same error for every account (the stream ends here). Nothing is written for the
            // accounts not done, so the next run does them.
            drop(stream);
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            return Err(CliError::Transport(format!(
                "{}; stopped after {} of {} ({} exported, {} failed, {} already there): run the same command again once the service can be reached",
                chain(e),
                written,
                accounts(total),
                written - failed,
                failed,
                skipped,
            )));
        }
        let line = match &result {
            Ok(items) => ExportLine::Exported {
                from_account: &account,
                session_item: items,
            },
            Err(e) => {
                failed += 1;
                match e.api_error() {
                    Some(api) => ExportLine::Failed {
                        from_account: &account,
                        error_code: Some(api.code.get()),
                        error_info: api.info.clone(),
                    },
                    None => ExportLine::Failed {
                        from_account: &account,
                        error_code: None,
                        error_info: chain(e),
                    },
                }
            }
        };
        // One write per line, flushed at once: an interruption loses at most the line in flight,
        // which the next run drops and redoes.
        let mut bytes = serde_json::to_vec(&line).map_err(|e| CliError::Io(e.to_string()))?;
        bytes.push(b'\n');
        out.write_all(&bytes)
            .and_then(|()| out.flush())
            .map_err(|e| CliError::Io(format!("cannot write {}: {e}", args.out.display())))?;
        written += 1;
        if let Some(bar) = &bar {
            bar.inc(1);
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    crate::error::say(&format!(
        "exported {} to {} ({} already there, {} failed)",
        accounts(total - failed),
        args.out.display(),
        skipped,
        failed
    ));
    if failed > 0 {
        return Err(CliError::Partial(format!(
            "{failed} of {} failed; their ErrorCode lines are in {}: run the same command again to retry those that may succeed",
            accounts(total),
            args.out.display()
        )));
    }
    Ok(())
}

/// "1 account", "2 accounts".
pub(crate) fn accounts(n: usize) -> String {
    if n == 1 {
        "1 account".to_owned()
    } else {
        format!("{n} accounts")
    }
}

/// One line of an export, fields in the service's order and with its names.
#[derive(serde::Serialize)]
#[serde(untagged)]
enum ExportLine<'a> {
    Exported {
        #[serde(rename = "From_Account")]
        from_account: &'a str,
        #[serde(rename = "SessionItem")]
        session_item: &'a [tim_proto::recent_contact::SessionItem],
    },
    Failed {
        #[serde(rename = "From_Account")]
        from_account: &'a str,
        /// `None` when no answer came back at all.
        #[serde(rename = "ErrorCode")]
        error_code: Option<i64>,
        #[serde(rename = "ErrorInfo")]
        error_info: String,
    },
}

/// Whether two paths name the same existing file.
fn same_file(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn progress_bar(len: u64) -> Option<indicatif::ProgressBar> {
    if !io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(len);
    let style =
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} accounts  {rate}  ETA {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            // Whole accounts per second: the default `{per_sec}` shows four decimals.
            .with_key(
                "rate",
                |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.0} accounts/s", state.per_sec());
                },
            );
    bar.set_style(style);
    Some(bar)
}

fn read_users(path: &Path) -> Result<Vec<String>, CliError> {
    let file = File::open(path)
        .map_err(|e| CliError::Io(format!("cannot read {}: {e}", path.display())))?;
    let mut users = Vec::new();
    for (n, line) in BufReader::new(file).split(b'\n').enumerate() {
        let line =
            line.map_err(|e| CliError::Io(format!("cannot read {}: {e}", path.display())))?;
        // A line that is not UTF-8 cannot be an account: say which one, instead of refusing the
        // file with no clue (and never skip it silently).
        let line = String::from_utf8(line).map_err(|_| {
            CliError::Usage(format!(
                "{}:{}: not valid UTF-8 (account ids are UTF-8 text)",
                path.display(),
                n + 1
            ))
        })?;
        let user = line.trim();
        if !user.is_empty() && !user.starts_with('#') {
            users.push(user.to_owned());
        }
    }
    Ok(users)
}

/// Keeps the lines of an earlier export that are final (an exported list, or an account the
/// service refused for good, such as 50001 "not imported") and drops those to redo (an error that
/// may pass on a new try, and a line cut by an interruption); returns the accounts kept.
///
/// A complete line that is not an export line means `--out` is some other file: it is refused,
/// never rewritten.
fn compact_existing(out: &Path) -> Result<HashSet<String>, CliError> {
    let text = match fs::read(out) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(HashSet::new()),
        Err(e) => return Err(CliError::Io(format!("cannot read {}: {e}", out.display()))),
    };
    let mut kept = Vec::with_capacity(text.len());
    let mut done = HashSet::new();
    let mut changed = false;
    for (n, line) in text.split_inclusive(|&b| b == b'\n').enumerate() {
        if !line.ends_with(b"\n") {
            changed = true; // cut by an interruption: redo
            continue;
        }
        let value: Value = serde_json::from_slice(line).map_err(|_| not_an_export(out, n))?;
        let account = value
            .get("From_Account")
            .and_then(Value::as_str)
            .ok_or_else(|| not_an_export(out, n))?;
        let is_final = match value.get("ErrorCode") {
            None => value.get("SessionItem").is_some_and(Value::is_array),
            Some(code) => code.as_i64().is_some_and(|c| {
                tim_proto::ErrorCode(c).class() == tim_proto::ErrorClass::Permanent
            }),
        };
        if is_final && done.insert(account.to_owned()) {
            kept.extend_from_slice(line);
        } else {
            changed = true;
        }
    }
    if changed {
        let mut tmp = out.as_os_str().to_owned();
        tmp.push(".tim-tmp");
        let tmp = PathBuf::from(tmp);
        let write = || -> io::Result<()> {
            let mut file = File::create(&tmp)?;
            file.write_all(&kept)?;
            file.sync_all()?;
            fs::rename(&tmp, out)
        };
        write().map_err(|e| CliError::Io(format!("cannot rewrite {}: {e}", out.display())))?;
    }
    Ok(done)
}

fn not_an_export(out: &Path, n: usize) -> CliError {
    CliError::Usage(format!(
        "{} line {} is not a line of a tim export; refusing to rewrite the file (choose another --out)",
        out.display(),
        n + 1
    ))
}

pub(crate) fn io_error(e: io::Error) -> CliError {
    if e.kind() == io::ErrorKind::BrokenPipe {
        // The reader went away (`tim ... | head`): not an error of ours.
        return CliError::BrokenPipe;
    }
    CliError::Io(format!("cannot write the output: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compaction_keeps_final_lines_and_redoes_the_rest() {
        let dir = std::env::temp_dir().join(format!("tim-compact-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("temp dir");
        let out = dir.join("out.jsonl");
        fs::write(
            &out,
            concat!(
                "{\"From_Account\":\"a\",\"SessionItem\":[]}\n",
                "{\"From_Account\":\"b\",\"ErrorCode\":50001,\"ErrorInfo\":\"x\"}\n",
                "{\"From_Account\":\"c\",\"ErrorCode\":50004,\"ErrorInfo\":\"retry me\"}\n",
                "{\"From_Account\":\"d\",\"ErrorCode\":null,\"ErrorInfo\":\"timed out\"}\n",
                "{\"From_Account\":\"a\",\"SessionItem\":[]}\n",
                "{\"From_Account\":\"e\",\"SessionIt"
            ),
        )
        .expect("write");
        let done = compact_existing(&out).expect("compacts");
        assert_eq!(done, HashSet::from(["a".to_owned(), "b".to_owned()]));
        assert_eq!(
            fs::read_to_string(&out).expect("read"),
            "{\"From_Account\":\"a\",\"SessionItem\":[]}\n{\"From_Account\":\"b\",\"ErrorCode\":50001,\"ErrorInfo\":\"x\"}\n"
        );
        assert!(!dir.join("out.jsonl.tim-tmp").exists());
        let _ = fs::remove_dir_all(dir);
    }

    #[test]
    fn a_file_that_is_not_an_export_is_refused_untouched() {
        let dir = std::env::temp_dir().join(format!("tim-compact-other-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("temp dir");
        let out = dir.join("users.txt");
        fs::write(&out, "user0001\nuser0002\n").expect("write");
        let err = compact_existing(&out).expect_err("refused");
        assert!(
            err.to_string()
                .contains("line 1 is not a line of a tim export"),
            "{err}"
        );
        assert_eq!(
            fs::read_to_string(&out).expect("read"),
            "user0001\nuser0002\n"
        );
        let _ = fs::remove_dir_all(dir);
    }
}
