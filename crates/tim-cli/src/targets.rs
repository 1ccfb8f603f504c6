//! What the group and mark commands share: the conversations they name (`--to`, `--group`) and
//! the reporting of per-conversation failures inside an `ActionStatus: OK` answer.

use clap::{ArgGroup, Args};
use tim_proto::contact_group::{ContactItem, ContactResult};

use crate::error::{CliError, say};

/// The conversations a command acts on: one-to-one peers and groups (at least one).
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("targets").required(true).multiple(true).args(["to", "group"])))]
pub(crate) struct Targets {
    /// One-to-one conversations with these accounts (repeatable: --to bob --to carol, or
    /// --to bob carol).
    #[arg(long, value_name = "ID", num_args = 1.., action = clap::ArgAction::Append)]
    pub(crate) to: Vec<String>,
    /// Conversations of these groups (repeatable).
    #[arg(long, value_name = "GID", num_args = 1.., action = clap::ArgAction::Append)]
    pub(crate) group: Vec<String>,
}

/// The same, optional (for `groups create`, whose group may start empty).
#[derive(Debug, Args)]
pub(crate) struct OptionalTargets {
    /// One-to-one conversations with these accounts (repeatable).
    #[arg(long, value_name = "ID", num_args = 1.., action = clap::ArgAction::Append)]
    pub(crate) to: Vec<String>,
    /// Conversations of these groups (repeatable).
    #[arg(long, value_name = "GID", num_args = 1.., action = clap::ArgAction::Append)]
    pub(crate) group: Vec<String>,
}

impl Targets {
    /// The conversations, one-to-one first, in the order given.
    pub(crate) fn items(&self) -> Vec<ContactItem> {
        items(&self.to, &self.group)
    }
}

impl OptionalTargets {
    /// The conversations, one-to-one first, in the order given.
    pub(crate) fn items(&self) -> Vec<ContactItem> {
        items(&self.to, &self.group)
    }
}

fn items(to: &[String], group: &[String]) -> Vec<ContactItem> {
    to.iter()
        .map(ContactItem::c2c)
        .chain(group.iter().map(ContactItem::group))
        .collect()
}

/// A conversation as a person reads it: `c2c bob`, `group @TGS#1`, or the item's JSON.
pub(crate) fn describe(item: &ContactItem) -> String {
    let id = item.id().map(escape);
    match (item.tag(), id) {
        (Some(1), Some(id)) => format!("c2c {id}"),
        (Some(2), Some(id)) => format!("group {id}"),
        _ => serde_json::to_string(item).unwrap_or_else(|_| "(unreadable item)".into()),
    }
}

/// Control characters of service-provided text, escaped (never sent to the terminal).
pub(crate) fn escape(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let escaped: Vec<char> = if c.is_control() {
                c.escape_default().collect()
            } else {
                vec![c]
            };
            escaped
        })
        .collect()
}

/// Prints one line on stderr per failed conversation and, when any failed, returns the
/// [`CliError::Partial`] that makes the exit status 3. `total` is how many conversations the
/// command named.
pub(crate) fn check_partial(failures: &[&ContactResult], total: usize) -> Result<(), CliError> {
    for failed in failures {
        let mut line = format!(
            "not changed: {}: code {}",
            describe(&failed.contact),
            failed.result_code.get()
        );
        if let Some(d) = failed.result_code.description() {
            line.push_str(&format!(" ({d})"));
        }
        if !failed.result_info.is_empty() {
            line.push_str(&format!(": {}", escape(&failed.result_info)));
        }
        say(&line);
    }
    if failures.is_empty() {
        return Ok(());
    }
    Err(CliError::Partial(format!(
        "{} of {total} conversation(s) were not changed (listed above)",
        failures.len()
    )))
}

/// The lines of requested conversations that a read-back did not show (after a create whose
/// answer was lost), as [`check_partial`] does for result codes.
pub(crate) fn check_missing(missing: &[ContactItem], total: usize) -> Result<(), CliError> {
    for item in missing {
        say(&format!(
            "not confirmed: {}: not shown in the group when read back",
            describe(item)
        ));
    }
    if missing.is_empty() {
        return Ok(());
    }
    Err(CliError::Partial(format!(
        "{} of {total} conversation(s) are not in the group (listed above); add them with tim groups add",
        missing.len()
    )))
}
