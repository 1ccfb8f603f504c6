//! The secrets check, alone in its binary: it installs a global TRACE subscriber, and runs the
//! adapters one after the other so each log holds one walk.

use client_conformance::{Adapter, suite};

#[test]
fn secrets_stay_out_of_trace_logs_for_every_adapter() {
    for adapter in [
        Adapter::InProcess,
        Adapter::Hyper,
        Adapter::Surf,
        Adapter::Isahc,
    ] {
        adapter.run(suite::secrets_stay_out_of_logs);
    }
}
