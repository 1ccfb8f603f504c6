//! `tim groups list | create | rename | add | remove | delete | search`: conversation groups
//! (`recentcontact/*_contact_group`) through [`tim_client::ContactGroups`].

use std::io::{self, IsTerminal, Write};

use clap::{Args, Subcommand};
use tim_client::{Client, ContactGroupList, CreatedGroup};
use tim_proto::contact_group::{ContactResultItem, GroupItem};

use crate::connect;
use crate::contacts::io_error;
use crate::error::{CliError, say};
use crate::global::GlobalOpts;
use crate::output::Format;
use crate::targets::{OptionalTargets, Targets, check_missing, check_partial, escape};

/// Conversation groups of an account (`v4/recentcontact/*_contact_group`).
#[derive(Debug, Args)]
pub(crate) struct GroupsArgs {
    // Where the service is: parsed here so the options are listed and taken after the
    // subcommand's name; read through the merged `GlobalOpts::service`.
    #[command(flatten)]
    _service: crate::global::ServiceOpts,
    #[command(subcommand)]
    command: GroupsCommand,
}

#[derive(Debug, Subcommand)]
enum GroupsCommand {
    /// Show an account's groups and its grouped or marked conversations (every page).
    ///
    /// Example: tim groups list --from alice --format json
    List(ListArgs),
    /// Create a group, optionally with conversations. Sent with create_safely: when the
    /// answer is lost (timeout, cut connection), the groups are read back and the create is
    /// re-sent only if the group is absent, so a retry never creates it twice.
    ///
    /// Example: tim groups create --from alice --name friends --to user0002 --group group003
    #[command(
        after_help = "Examples:\n  tim groups create --from alice --name friends\n  tim groups create --from alice --name friends --to user0002 user0003 --group group003"
    )]
    Create(CreateArgs),
    /// Rename a group (not retried after an ambiguous failure: list the groups to check).
    ///
    /// Example: tim groups rename --from alice --name friends --new-name family
    Rename(RenameArgs),
    /// Add conversations to a group.
    ///
    /// Example: tim groups add --from alice --name friends --to user0002 --group group003
    Add(ChangeArgs),
    /// Remove conversations from a group.
    ///
    /// Example: tim groups remove --from alice --name friends --to user0002
    Remove(ChangeArgs),
    /// Delete a group (its conversations stay in the list). A group that does not exist is
    /// reported on stderr and is not an error.
    ///
    /// Example: tim groups delete --from alice --name friends
    Delete(DeleteArgs),
    /// Show the groups and marks of some conversations.
    ///
    /// Example: tim groups search --from alice --to user0002 --group group003
    Search(SearchArgs),
}

#[derive(Debug, Args)]
struct ListArgs {
    /// The account whose groups to show.
    #[arg(long, value_name = "ID")]
    from: String,
    /// Output format (default: table on a terminal, jsonl otherwise).
    #[arg(long, value_enum)]
    format: Option<Format>,
}

#[derive(Debug, Args)]
struct CreateArgs {
    /// The account that gets the group.
    #[arg(long, value_name = "ID")]
    from: String,
    /// The new group's name (at most 32 bytes).
    #[arg(long, value_name = "NAME")]
    name: String,
    #[command(flatten)]
    targets: OptionalTargets,
}

#[derive(Debug, Args)]
struct RenameArgs {
    /// The account whose group to rename.
    #[arg(long, value_name = "ID")]
    from: String,
    /// The group's current name.
    #[arg(long, value_name = "OLD")]
    name: String,
    /// The group's new name (at most 32 bytes).
    #[arg(long, value_name = "NEW")]
    new_name: String,
}

#[derive(Debug, Args)]
struct ChangeArgs {
    /// The account whose group to change.
    #[arg(long, value_name = "ID")]
    from: String,
    /// The group's name.
    #[arg(long, value_name = "NAME")]
    name: String,
    #[command(flatten)]
    targets: Targets,
}

#[derive(Debug, Args)]
struct DeleteArgs {
    /// The account whose group to delete.
    #[arg(long, value_name = "ID")]
    from: String,
    /// The group's name.
    #[arg(long, value_name = "NAME")]
    name: String,
}

#[derive(Debug, Args)]
struct SearchArgs {
    /// The account whose conversations to look up.
    #[arg(long, value_name = "ID")]
    from: String,
    #[command(flatten)]
    targets: Targets,
    /// Output format (default: table on a terminal, jsonl otherwise).
    #[arg(long, value_enum)]
    format: Option<Format>,
}

/// Runs `tim groups ...`.
pub(crate) fn run(global: &GlobalOpts, args: GroupsArgs) -> Result<(), CliError> {
    let runtime = connect::runtime()?;
    let client = connect::client(global, None)?;
    runtime.block_on(async {
        match args.command {
            GroupsCommand::List(a) => list(&client, a).await,
            GroupsCommand::Create(a) => create(&client, a).await,
            GroupsCommand::Rename(a) => rename(&client, a).await,
            GroupsCommand::Add(a) => change(&client, a, true).await,
            GroupsCommand::Remove(a) => change(&client, a, false).await,
            GroupsCommand::Delete(a) => delete(&client, a).await,
            GroupsCommand::Search(a) => search(&client, a).await,
        }
    })
}

fn client_error(e: &tim_client::Error) -> CliError {
    CliError::from_client(e, None)
}

fn default_format(format: Option<Format>) -> Format {
    format.unwrap_or(if io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::Jsonl
    })
}

async fn list(client: &Client, args: ListArgs) -> Result<(), CliError> {
    let format = default_format(args.format);
    let all = client
        .contact_groups()
        .collect(args.from.clone())
        .await
        .map_err(|e| client_error(&e))?;
    print_list(&mut io::stdout().lock(), format, &args.from, &all).map_err(io_error)
}

async fn search(client: &Client, args: SearchArgs) -> Result<(), CliError> {
    let format = default_format(args.format);
    let found = client
        .contact_groups()
        .search(args.from.clone(), args.targets.items())
        .await
        .map_err(|e| client_error(&e))?;
    print_list(&mut io::stdout().lock(), format, &args.from, &found).map_err(io_error)
}

async fn create(client: &Client, args: CreateArgs) -> Result<(), CliError> {
    let contacts = args.targets.items();
    let total = contacts.len();
    let created = client
        .contact_groups()
        .create_safely(args.from.clone(), args.name.clone(), contacts)
        .await
        .map_err(|e| client_error(&e))?;
    let shown = |group: Option<&GroupItem>| {
        group.map_or_else(String::new, |g| format!(" (GroupId {})", g.group_id))
    };
    match &created {
        CreatedGroup::Created(response) => {
            let failures = response.partial_failures();
            println_out(&format!(
                "created group {}{} with {} of {total} conversation(s)",
                escape(&args.name),
                shown(created.group()),
                total - failures.len()
            ))?;
            check_partial(&failures, total)
        }
        CreatedGroup::Found {
            missing,
            first_error,
            ..
        } => {
            say(&format!(
                "the create's answer was lost ({}); the group was found when read back",
                crate::error::chain(first_error)
            ));
            println_out(&format!(
                "created group {}{}",
                escape(&args.name),
                shown(created.group())
            ))?;
            check_missing(missing, total)
        }
        // A future outcome: the group's state is whatever the service says now.
        _ => println_out(&format!("created group {}", escape(&args.name))),
    }
}

async fn rename(client: &Client, args: RenameArgs) -> Result<(), CliError> {
    let response = client
        .contact_groups()
        .rename(args.from, args.name.clone(), args.new_name.clone())
        .await
        .map_err(|e| client_error(&e))?;
    println_out(&format!(
        "renamed group {} to {}",
        escape(&args.name),
        escape(&args.new_name)
    ))?;
    let failures = response.partial_failures();
    check_partial(&failures, response.results().len())
}

async fn change(client: &Client, args: ChangeArgs, add: bool) -> Result<(), CliError> {
    let contacts = args.targets.items();
    let total = contacts.len();
    let groups = client.contact_groups();
    let response = if add {
        groups.add(args.from, args.name.clone(), contacts).await
    } else {
        groups.remove(args.from, args.name.clone(), contacts).await
    }
    .map_err(|e| client_error(&e))?;
    let failures = response.partial_failures();
    let (verb, preposition) = if add {
        ("added", "to")
    } else {
        ("removed", "from")
    };
    println_out(&format!(
        "{verb} {} of {total} conversation(s) {preposition} group {}",
        total - failures.len(),
        escape(&args.name)
    ))?;
    check_partial(&failures, total)
}

async fn delete(client: &Client, args: DeleteArgs) -> Result<(), CliError> {
    let deleted = client
        .contact_groups()
        .delete(args.from, args.name.clone())
        .await
        .map_err(|e| client_error(&e))?;
    if deleted {
        println_out(&format!("deleted group {}", escape(&args.name)))
    } else {
        say(&format!(
            "there is no group {} (51009): nothing to delete",
            escape(&args.name)
        ));
        Ok(())
    }
}

fn println_out(line: &str) -> Result<(), CliError> {
    let mut out = io::stdout().lock();
    writeln!(out, "{line}")
        .and_then(|()| out.flush())
        .map_err(io_error)
}

/// Prints groups and conversations: a table, one JSON document (the wire names `GroupItem` and
/// `ContactItem`), or JSON lines (each group, then each conversation, with their wire fields).
fn print_list(
    out: &mut impl Write,
    format: Format,
    from: &str,
    list: &ContactGroupList,
) -> io::Result<()> {
    match format {
        Format::Json => {
            #[derive(serde::Serialize)]
            struct Document<'a> {
                #[serde(rename = "From_Account")]
                from_account: &'a str,
                #[serde(rename = "GroupItem")]
                groups: &'a [GroupItem],
                #[serde(rename = "ContactItem")]
                contacts: &'a [ContactResultItem],
            }
            let doc = Document {
                from_account: from,
                groups: &list.groups,
                contacts: &list.contacts,
            };
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)?;
        }
        Format::Jsonl => {
            for g in &list.groups {
                serde_json::to_writer(&mut *out, g)?;
                writeln!(out)?;
            }
            for c in &list.contacts {
                serde_json::to_writer(&mut *out, c)?;
                writeln!(out)?;
            }
        }
        Format::Table => {
            writeln!(out, "{:<10} GROUP", "GROUP ID")?;
            for g in &list.groups {
                writeln!(out, "{:<10} {}", g.group_id, escape(&g.group_name))?;
            }
            writeln!(out)?;
            writeln!(
                out,
                "{:<6} {:<24} {:<24} {:<12} CUSTOM MARK",
                "TYPE", "PEER", "GROUPS", "MARK BITS"
            )?;
            for c in &list.contacts {
                let kind = match c.tag() {
                    Some(1) => "c2c".to_owned(),
                    Some(2) => "group".to_owned(),
                    Some(t) => format!("type{t}"),
                    None => "?".to_owned(),
                };
                let peer = c.id().map_or_else(|| "-".to_owned(), escape);
                let state = c.meta();
                let groups = state
                    .and_then(|s| s.contact_group_id.as_ref())
                    .map(|ids| {
                        ids.iter()
                            .map(|id| {
                                list.groups
                                    .iter()
                                    .find(|g| g.group_id == *id)
                                    .map_or_else(|| id.to_string(), |g| escape(&g.group_name))
                            })
                            .collect::<Vec<_>>()
                            .join(",")
                    })
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| "-".to_owned());
                let bits = match state.and_then(|s| s.standard_marks()) {
                    Some(Ok(marks)) if !marks.is_empty() => marks
                        .indices()
                        .map(|i| i.to_string())
                        .collect::<Vec<_>>()
                        .join(","),
                    Some(Err(_)) => state
                        .and_then(|s| s.standard_mark.as_deref())
                        .map_or_else(|| "?".to_owned(), escape),
                    _ => "-".to_owned(),
                };
                let custom = state
                    .and_then(|s| s.custom_mark.as_deref())
                    .filter(|m| !m.is_empty())
                    .map_or_else(|| "-".to_owned(), escape);
                writeln!(out, "{kind:<6} {peer:<24} {groups:<24} {bits:<12} {custom}")?;
            }
            writeln!(
                out,
                "{} group(s), {} conversation(s)",
                list.groups.len(),
                list.contacts.len()
            )?;
        }
    }
    out.flush()
}
