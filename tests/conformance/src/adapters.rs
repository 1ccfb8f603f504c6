//! The adapters as [`Factory`](crate::Factory) functions, and the concrete transports they wrap
//! (the benchmark also uses their backends directly).
//!
//! The blocking ureq adapter runs through [`OnThread`], a test shim that moves each blocking
//! call to a plain thread so the one async suite can drive it.

use std::sync::Arc;

use bytes::Bytes;
use tim_transport::{BlockingTransport, Transport, TransportError, async_trait};
use tim_transport_hyper::HyperTransport;
use tim_transport_isahc::IsahcTransport;
use tim_transport_reqwest::ReqwestTransport;
use tim_transport_surf::SurfTransport;
use tim_transport_ureq::UreqTransport;

use crate::Options;

/// `tim-transport-hyper` with the options (web PKI roots plus the extra root).
pub fn hyper_transport(options: &Options) -> HyperTransport {
    let mut builder = HyperTransport::builder().request_timeout(options.request_timeout);
    if let Some(pem) = &options.root_pem {
        builder = builder.root_certificate_pem(pem);
    }
    builder.build().expect("the test configuration is valid")
}

/// [`hyper_transport`] as a [`Factory`](crate::Factory).
pub fn hyper(options: &Options) -> Box<dyn Transport> {
    Box::new(hyper_transport(options))
}

/// `tim-transport-reqwest` with the options (web PKI roots plus the extra root).
pub fn reqwest_transport(options: &Options) -> ReqwestTransport {
    let mut builder = ReqwestTransport::builder().request_timeout(options.request_timeout);
    if let Some(pem) = &options.root_pem {
        builder = builder.root_certificate_pem(pem);
    }
    builder.build().expect("the test configuration is valid")
}

/// [`reqwest_transport`] as a [`Factory`](crate::Factory).
pub fn reqwest(options: &Options) -> Box<dyn Transport> {
    Box::new(reqwest_transport(options))
}

/// `tim-transport-isahc` with the options (system roots, or only the extra root).
pub fn isahc_transport(options: &Options) -> IsahcTransport {
    let mut builder = IsahcTransport::builder().request_timeout(options.request_timeout);
    if let Some(pem) = &options.root_pem {
        builder = builder.root_certificate_pem(pem);
    }
    builder.build().expect("the test configuration is valid")
}

/// [`isahc_transport`] as a [`Factory`](crate::Factory).
pub fn isahc(options: &Options) -> Box<dyn Transport> {
    Box::new(isahc_transport(options))
}

/// `tim-transport-surf` with the options (system roots plus the extra root).
pub fn surf_transport(options: &Options) -> SurfTransport {
    let mut builder = SurfTransport::builder().request_timeout(options.request_timeout);
    if let Some(pem) = &options.root_pem {
        builder = builder.root_certificate_pem(pem);
    }
    builder.build().expect("the test configuration is valid")
}

/// [`surf_transport`] as a [`Factory`](crate::Factory).
pub fn surf(options: &Options) -> Box<dyn Transport> {
    Box::new(surf_transport(options))
}

/// `tim-transport-ureq` with the options (web PKI roots plus the extra root), blocking.
pub fn ureq_transport(options: &Options) -> UreqTransport {
    let mut builder = UreqTransport::builder().request_timeout(options.request_timeout);
    if let Some(pem) = &options.root_pem {
        builder = builder.root_certificate_pem(pem);
    }
    builder.build().expect("the test configuration is valid")
}

/// [`ureq_transport`] as a [`Factory`](crate::Factory), through [`OnThread`].
pub fn ureq(options: &Options) -> Box<dyn Transport> {
    Box::new(OnThread::new(ureq_transport(options)))
}

/// A test shim that drives a [`BlockingTransport`] from the async suite: each `send` runs the
/// blocking call on a new plain thread and awaits its result, so the suite's server, running
/// in the test's tokio runtime, keeps its worker threads.
///
/// Nothing else changes: the request, the response and the error (its kind, its redacted text
/// and its backend object) are the blocking transport's own.
#[derive(Clone, Debug)]
pub struct OnThread(Arc<dyn BlockingTransport>);

impl OnThread {
    /// Wraps `transport`.
    pub fn new(transport: impl BlockingTransport + 'static) -> OnThread {
        OnThread(Arc::new(transport))
    }
}

#[async_trait]
impl Transport for OnThread {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let transport = self.0.clone();
        let (tx, rx) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            let _ = tx.send(transport.send(request));
        });
        rx.await
            .expect("the blocking call's thread sends its result")
    }
}
