//! The CLI's error type, its one-line messages and its exit codes.

use std::fmt;

use tim_proto::{ApiError, ErrorCode};

/// Exit code of usage and configuration errors (as clap's own).
pub(crate) const EXIT_USAGE: i32 = 2;
/// Exit code when the service answered with an error code.
pub(crate) const EXIT_SERVICE: i32 = 3;
/// Exit code when no usable answer came back (connection, timeout, unusable response).
pub(crate) const EXIT_TRANSPORT: i32 = 4;
/// Exit code when the service's answers cannot be paged (stalled cursor, page limit...).
pub(crate) const EXIT_PROTOCOL: i32 = 5;

/// Everything that ends a `tim` run unsuccessfully, each with its own exit code.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    /// The command line or configuration is wrong (exit code 2, like clap's own usage errors).
    #[error("{0}")]
    Usage(String),
    /// A UserSig failed verification or decoding (exit code 1).
    #[error(transparent)]
    Verify(#[from] tim_sig::VerifyError),
    /// The service answered with an error code (exit code 3), with what to do next.
    #[error("{}", service_line(.0, .1.as_deref()))]
    Service(ApiError, Option<String>),
    /// No usable answer (exit code 4).
    #[error("{0}")]
    Transport(String),
    /// The answers could not be paged (exit code 5).
    #[error("{0}")]
    Protocol(String),
    /// A local file could not be read or written (exit code 1).
    #[error("{0}")]
    Io(String),
    /// Some items failed inside answers that succeeded: accounts of an export (recorded in the
    /// output), conversations of a group or mark change (one stderr line each) (exit code 3).
    #[error("{0}")]
    Partial(String),
    /// The run was interrupted (Ctrl-C); the message says how to resume (exit code 130, as a
    /// shell reports SIGINT).
    #[error("{0}")]
    Interrupted(String),
    /// A check failed: some conformance scenarios did not pass (exit code 1).
    #[error("{0}")]
    Failed(String),
    /// stdout was closed by its reader (`| head`): stop quietly (exit code 0).
    #[error("output closed by its reader")]
    BrokenPipe,
}

impl CliError {
    /// The process exit code for this error.
    pub(crate) fn exit_code(&self) -> i32 {
        match self {
            CliError::BrokenPipe => 0,
            CliError::Interrupted(_) => 130,
            CliError::Usage(_) => EXIT_USAGE,
            CliError::Verify(_) | CliError::Io(_) | CliError::Failed(_) => 1,
            CliError::Service(..) | CliError::Partial(_) => EXIT_SERVICE,
            CliError::Transport(_) => EXIT_TRANSPORT,
            CliError::Protocol(_) => EXIT_PROTOCOL,
        }
    }

    /// The error of a client call, with `context` (say, where to resume) appended.
    pub(crate) fn from_client(error: &tim_client::Error, context: Option<String>) -> Self {
        if let Some(api) = error.api_error() {
            return CliError::Service(api.clone(), context);
        }
        let suffix = context.map(|c| format!(" ({c})")).unwrap_or_default();
        let text = format!("{}{suffix}", chain(error));
        match error {
            tim_client::Error::Pagination { .. } => CliError::Protocol(text),
            _ => CliError::Transport(text),
        }
    }
}

/// Prints `tim: <message>` on stderr in one write, so that it never interleaves with stdout on a
/// terminal (stderr is unbuffered: `eprintln!` with arguments writes piece by piece).
pub(crate) fn say(message: &str) {
    use std::io::Write as _;
    let line = format!("tim: {message}\n");
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// An error and its sources on one line: `a: b: c`.
pub(crate) fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        let next = s.to_string();
        if !text.ends_with(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = s.source();
    }
    text
}

/// What a person should check for a code, where a hint helps.
pub(crate) fn hint(code: ErrorCode) -> Option<&'static str> {
    match code {
        ErrorCode::USERSIG_KEY_NOT_FOUND | ErrorCode::SDKAPPID_NOT_FOUND => {
            Some("probably the wrong region for this SDKAppID: check --region / TIM_REGION")
        }
        ErrorCode::USERSIG_EXPIRED => Some(
            "the UserSig expired: sign a new one (tim sig gen) or pass --key to sign automatically",
        ),
        ErrorCode::ID_NOT_ADMIN
        | ErrorCode::CONV_ADMIN_REQUIRED
        | ErrorCode::ACCOUNT_ADMIN_REQUIRED => {
            Some("the identifier is not an App admin: check --admin / TIM_ADMIN")
        }
        ErrorCode::USERSIG_MISMATCH_KEY => {
            Some("the key does not belong to this SDKAppID: check --key / TIM_KEY")
        }
        ErrorCode::USERSIG_MISMATCH_ID => {
            Some("the UserSig was signed for another identifier than --admin")
        }
        ErrorCode::CONV_ACCOUNT_NOT_FOUND | ErrorCode::ACCOUNT_NOT_FOUND => {
            Some("the account was never imported into this app")
        }
        c if c.class() == tim_proto::ErrorClass::RateLimited => {
            Some("lower the request rate (--rate)")
        }
        _ => None,
    }
}

fn service_line(error: &ApiError, context: Option<&str>) -> String {
    struct Line<'a>(&'a ApiError, Option<&'a str>);
    impl fmt::Display for Line<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            let e = self.0;
            write!(f, "service error {}", e.code.get())?;
            if let Some(d) = e.code.description() {
                write!(f, ": {d}")?;
            }
            if !e.info.is_empty() {
                write!(f, " [ErrorInfo: {}]", e.info.replace(['\n', '\r'], " "))?;
            }
            if let Some(h) = hint(e.code) {
                write!(f, "; hint: {h}")?;
            }
            if let Some(c) = self.1 {
                write!(f, "; {c}")?;
            }
            Ok(())
        }
    }
    Line(error, context).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_errors_are_one_line_with_code_meaning_and_hint() {
        let e = CliError::Service(
            ApiError {
                code: ErrorCode(70016),
                info: "key\nnot found".into(),
                display: None,
            },
            Some("resume with --cursor v1.1.2.3.4".into()),
        );
        let line = e.to_string();
        assert!(!line.contains('\n'));
        assert!(line.starts_with("service error 70016: "), "{line}");
        assert!(line.contains("[ErrorInfo: key not found]"), "{line}");
        assert!(
            line.ends_with(
                "hint: probably the wrong region for this SDKAppID: check --region / TIM_REGION; resume with --cursor v1.1.2.3.4"
            ),
            "{line}"
        );
        assert_eq!(e.exit_code(), EXIT_SERVICE);
        for code in [70001, 60010, 50003] {
            assert!(hint(ErrorCode(code)).is_some(), "{code}");
        }
        assert_eq!(hint(ErrorCode(424242)), None);
    }
}
