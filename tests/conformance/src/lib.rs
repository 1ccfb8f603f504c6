//! One conformance suite for every tim transport adapter, and the adapter benchmark.
//!
//! The suite ([`suite`]) is written once against `dyn Transport` and a [`Factory`] that builds
//! the adapter under test with given [`Options`]. `tests/adapters.rs` instantiates it for
//! hyper, reqwest, isahc, surf and ureq with one macro; the blocking ureq adapter goes through
//! the [`adapters::OnThread`] shim (each blocking call on a plain thread), so it passes the same
//! checks, not a copy of them. Every check runs against the emulator's loopback server
//! (`tim_emulator::Server`): pass-through checks use its `/_emulator/echo` route, failure checks
//! its fault injection on `/v4/` APIs.
//!
//! `benches/transports.rs` (`cargo bench -p conformance`) pulls 100,000 conversations through
//! each adapter, each adapter's backend used directly, and a bare `hyper::client::conn::http1`
//! floor, and prints the ratios.

use std::time::Duration;

use tim_transport::Transport;

pub mod adapters;
pub mod harness;
pub mod suite;

/// What a test asks of the adapter it builds.
#[derive(Clone, Debug)]
pub struct Options {
    /// The whole-request timeout.
    pub request_timeout: Duration,
    /// An extra trusted root certificate, PEM.
    pub root_pem: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            request_timeout: Duration::from_secs(10),
            root_pem: None,
        }
    }
}

/// Builds the adapter under test.
pub type Factory = fn(&Options) -> Box<dyn Transport>;
