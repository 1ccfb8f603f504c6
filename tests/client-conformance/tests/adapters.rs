//! The client conformance suite, instantiated once per adapter and runtime.

/// Instantiates every check of [`client_conformance::suite`] for one adapter.
macro_rules! client_conformance {
    ($module:ident => $adapter:ident) => {
        mod $module {
            use client_conformance::{suite, Adapter};

            client_conformance!(@checks $adapter:
                full_walks,
                resume_from_stored_cursor,
                faults_mid_walk,
                expired_usersig,
                stalled_cursor,
                many_accounts,
                delete,
                failover_to_backup_and_back,
            );

            #[test]
            fn concurrent_streams_under_limit() {
                Adapter::$adapter.run_exclusive(suite::concurrent_streams_under_limit);
            }
        }
    };
    (@checks $adapter:ident: $($check:ident),* $(,)?) => {
        $(
            #[test]
            fn $check() {
                Adapter::$adapter.run(suite::$check);
            }
        )*
    };
}

client_conformance!(hyper_tokio => Hyper);
client_conformance!(surf_async_std => Surf);
client_conformance!(isahc_block_on => Isahc);
client_conformance!(in_process_smol => InProcess);
client_conformance!(reqwest_tokio => Reqwest);

/// ureq is blocking: one request at a time per thread, so the check of concurrent streams (which
/// needs requests in flight together on one thread) does not apply; the blocking face gets its
/// concurrency from threads (`tests/blocking.rs`).
mod ureq_blocking {
    use client_conformance::{Adapter, suite};

    client_conformance!(@checks Ureq:
        full_walks,
        resume_from_stored_cursor,
        faults_mid_walk,
        expired_usersig,
        stalled_cursor,
        many_accounts,
        delete,
    );
}
