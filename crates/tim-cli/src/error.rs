//! The CLI's error type and its exit codes.

/// Everything that ends a `tim` run unsuccessfully, each with its own exit code.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    /// The command line or configuration is wrong (exit code 2, like clap's own usage errors).
    #[error("{0}")]
    Usage(String),
}

impl CliError {
    /// The process exit code for this error.
    pub(crate) fn exit_code(&self) -> i32 {
        match self {
            CliError::Usage(_) => 2,
        }
    }
}
