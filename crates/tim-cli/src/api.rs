//! `tim api SERVICE/COMMAND --data JSON|@FILE`: any REST call, signed, rate limited and retried
//! by the same client as every other command ([`tim_client::Client::call_raw`]), its answer
//! printed as JSON.

use std::io::{self, IsTerminal, Read, Write};

use clap::Args;
use serde_json::Value;
use tim_client::{ApiPath, Idempotency};

use crate::connect;
use crate::contacts::io_error;
use crate::error::CliError;
use crate::global::GlobalOpts;

/// Send any REST call and print its answer.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  tim api recentcontact/get_list --data '{\"From_Account\":\"alice\",\"TimeStamp\":0,\"StartIndex\":0,\"TopTimeStamp\":0,\"TopStartIndex\":0,\"AssistFlags\":7}'\n  tim api recentcontact/get_contact_group --data @body.json --idempotent\n  echo '{\"From_Account\":\"alice\",\"StartIndex\":0}' | tim api recentcontact/get_contact_group --data @-\n\nThe call is NOT retried after a failure that may have reached the service (a timeout, a cut\nconnection, a 502) unless --idempotent is given. A service error answer is printed too, and\nthe exit status is 3."
)]
pub(crate) struct ApiArgs {
    // Where the service is: parsed here so the options are listed and taken after the
    // subcommand's name; read through the merged `GlobalOpts::service`.
    #[command(flatten)]
    _service: crate::global::ServiceOpts,
    /// The call: `service/command` (a leading `v4/` or `/v4/` is accepted).
    #[arg(value_name = "SERVICE/COMMAND")]
    path: String,
    /// The JSON body, or @FILE to read it from a file (@- for stdin). Default: {}.
    #[arg(long, value_name = "JSON|@FILE")]
    data: Option<String>,
    /// The call may be sent again after a failure that may have reached the service (say so
    /// only for reads and absolute sets; by default tim api treats every call as not
    /// idempotent and does not re-send it then).
    #[arg(long)]
    idempotent: bool,
}

/// Runs `tim api ...`.
pub(crate) fn run(global: &GlobalOpts, args: ApiArgs) -> Result<(), CliError> {
    let path = parse_path(&args.path)?;
    let body = read_body(args.data.as_deref())?;
    let idempotency = if args.idempotent {
        Idempotency::Idempotent
    } else {
        Idempotency::NotIdempotent
    };
    let runtime = connect::runtime()?;
    let client = connect::client(global, None)?;
    let result = runtime.block_on(client.call_raw(path, &body, idempotency));
    match result {
        Ok(answer) => print(&answer),
        Err(e) => {
            if let Some(api) = e.api_error() {
                // The service's answer is printed like a successful one: a script reads the
                // JSON either way, the exit status tells them apart.
                let mut answer = serde_json::json!({
                    "ActionStatus": "FAIL",
                    "ErrorCode": api.code.get(),
                    "ErrorInfo": api.info,
                });
                if let Some(display) = &api.display {
                    answer["ErrorDisplay"] = Value::String(display.clone());
                }
                print(&answer)?;
            }
            Err(CliError::from_client(&e, None))
        }
    }
}

/// `service/command` as an [`ApiPath`]. The two names live as long as the process (a `tim api`
/// run makes one call).
fn parse_path(text: &str) -> Result<ApiPath, CliError> {
    let trimmed = text.trim_start_matches('/');
    let trimmed = trimmed.strip_prefix("v4/").unwrap_or(trimmed);
    let bad = || {
        CliError::Usage(format!(
            "{text:?} is not SERVICE/COMMAND (e.g. recentcontact/get_list)"
        ))
    };
    let (service, command) = trimmed.split_once('/').ok_or_else(bad)?;
    let name_ok = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
    };
    if !name_ok(service) || !name_ok(command) {
        return Err(bad());
    }
    let service: &'static str = Box::leak(service.to_owned().into_boxed_str());
    let command: &'static str = Box::leak(command.to_owned().into_boxed_str());
    Ok(ApiPath::new(service, command))
}

/// The body of `--data`: inline JSON, `@FILE`, `@-` (stdin), or `{}` when not given.
fn read_body(data: Option<&str>) -> Result<Value, CliError> {
    let (text, origin) = match data {
        None => return Ok(Value::Object(serde_json::Map::new())),
        Some("@-") => {
            let mut text = String::new();
            io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| CliError::Io(format!("cannot read the body from stdin: {e}")))?;
            (text, "stdin".to_owned())
        }
        Some(at) if at.starts_with('@') => {
            let file = &at[1..];
            let text = std::fs::read_to_string(file)
                .map_err(|e| CliError::Io(format!("cannot read --data file {file}: {e}")))?;
            (text, file.to_owned())
        }
        Some(inline) => (inline.to_owned(), "--data".to_owned()),
    };
    let body: Value = serde_json::from_str(&text)
        .map_err(|e| CliError::Usage(format!("{origin}: not valid JSON: {e}")))?;
    if !body.is_object() {
        return Err(CliError::Usage(format!(
            "{origin}: the body must be a JSON object ({{...}})"
        )));
    }
    Ok(body)
}

/// The answer on stdout: pretty on a terminal, one compact line otherwise.
fn print(answer: &Value) -> Result<(), CliError> {
    let mut out = io::stdout().lock();
    let written = if io::stdout().is_terminal() {
        serde_json::to_writer_pretty(&mut out, answer)
    } else {
        serde_json::to_writer(&mut out, answer)
    };
    written.map_err(|e| io_error(e.into()))?;
    writeln!(out).and_then(|()| out.flush()).map_err(io_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_with_or_without_v4() {
        for text in [
            "recentcontact/get_list",
            "v4/recentcontact/get_list",
            "/v4/recentcontact/get_list",
        ] {
            let path = parse_path(text).expect("a path");
            assert_eq!(path.to_string(), "v4/recentcontact/get_list");
        }
        for bad in ["get_list", "a/b/c", "/", "a/", "a b/c", "a/b?x=1"] {
            assert!(parse_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bodies() {
        assert_eq!(read_body(None).expect("default"), serde_json::json!({}));
        let err = read_body(Some("{\"a\":")).expect_err("bad json");
        assert!(
            err.to_string().starts_with("--data: not valid JSON"),
            "{err}"
        );
        assert!(read_body(Some("[1]")).is_err());
    }
}
