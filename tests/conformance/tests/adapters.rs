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
conformance!(reqwest);
conformance!(isahc);
conformance!(surf);
// Blocking: every check drives it through the `OnThread` shim (each call on a plain thread).
conformance!(ureq);

/// Over TLS, hyper, reqwest and isahc negotiate HTTP/2 through ALPN; surf's h1 backend and ureq
/// stay on 1.1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_versions() {
    use conformance::{adapters, suite};
    assert_eq!(
        suite::https_version(adapters::hyper).await,
        http::Version::HTTP_2
    );
    assert_eq!(
        suite::https_version(adapters::reqwest).await,
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
    assert_eq!(
        suite::https_version(adapters::ureq).await,
        http::Version::HTTP_11
    );
}

/// Each adapter keeps its backend's own error object (`TransportError::backend`) for callers
/// that need its type, while what prints stays redacted (checked by `connection_refused`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backend_errors_keep_their_type() {
    use conformance::{adapters, suite};
    let (error, _) = suite::refused(adapters::hyper).await;
    assert!(
        error
            .backend()
            .downcast_ref::<hyper_util::client::legacy::Error>()
            .is_some_and(hyper_util::client::legacy::Error::is_connect),
        "{error:?}"
    );
    let (error, _) = suite::refused(adapters::reqwest).await;
    assert!(
        error
            .backend()
            .downcast_ref::<::reqwest::Error>()
            .is_some_and(::reqwest::Error::is_connect),
        "{error:?}"
    );
    let (error, _) = suite::refused(adapters::isahc).await;
    let isahc = error
        .backend()
        .downcast_ref::<::isahc::Error>()
        .expect("an isahc::Error");
    assert_eq!(
        isahc.kind(),
        &::isahc::error::ErrorKind::ConnectionFailed,
        "{error:?}"
    );
    // surf's error is not a `std::error::Error`: the adapter keeps it in a `SurfError`.
    let (error, _) = suite::refused(adapters::surf).await;
    let surf = error
        .backend()
        .downcast_ref::<tim_transport_surf::SurfError>()
        .expect("a SurfError");
    assert!(
        surf.get_ref().to_string().contains("Connection refused"),
        "{error:?}"
    );
    let (error, _) = suite::refused(adapters::ureq).await;
    let ureq = error
        .backend()
        .downcast_ref::<::ureq::Error>()
        .expect("a ureq::Error");
    assert!(
        matches!(ureq, ::ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused),
        "{error:?}"
    );
}
