//! The CLI's error type and its exit codes.

/// Everything that ends a `tim` run unsuccessfully, each with its own exit code.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    /// The command line or configuration is wrong (exit code 2, like clap's own usage errors).
    #[error("{0}")]
    Usage(String),
    /// A UserSig failed verification or decoding (exit code 1).
    #[error(transparent)]
    Verify(#[from] tim_sig::VerifyError),
}

impl CliError {
    /// The process exit code for this error.
    pub(crate) fn exit_code(&self) -> i32 {
        match self {
            CliError::Usage(_) => 2,
            CliError::Verify(_) => 1,
        }
    }
}
