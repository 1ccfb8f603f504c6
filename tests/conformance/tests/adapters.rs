//! The conformance suite, instantiated once per adapter.

/// Instantiates every check of [`conformance::suite`] for one adapter factory.
macro_rules! conformance {
    ($adapter:ident) => {
        mod $adapter {
            use conformance::{adapters, suite};

            conformance!(@checks $adapter:
                pass_through,
                bad_gateway_is_a_response,
                large_bodies,
                concurrent_requests,
                connection_refused,
                dropped_connection,
                slow_server_times_out,
                https_custom_root,
                get_list_walk,
            );
        }
    };
    (@checks $adapter:ident: $($check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                suite::$check(adapters::$adapter).await;
            }
        )*
    };
}

conformance!(hyper);
conformance!(isahc);
conformance!(surf);

/// Over TLS, hyper and isahc negotiate HTTP/2 through ALPN; surf's h1 backend stays on 1.1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_versions() {
    use conformance::{adapters, suite};
    assert_eq!(
        suite::https_version(adapters::hyper).await,
        http::Version::HTTP_2
    );
    assert_eq!(
        suite::https_version(adapters::isahc).await,
        http::Version::HTTP_2
    );
    assert_eq!(
        suite::https_version(adapters::surf).await,
        http::Version::HTTP_11
    );
}
