//! The three adapters as [`Factory`](crate::Factory) functions.

use tim_transport::Transport;
use tim_transport_hyper::HyperTransport;
use tim_transport_isahc::IsahcTransport;
use tim_transport_surf::SurfTransport;

use crate::Options;

/// `tim-transport-hyper` with the options (web PKI roots plus the extra root).
pub fn hyper(options: &Options) -> Box<dyn Transport> {
    let mut builder = HyperTransport::builder().request_timeout(options.request_timeout);
    if let Some(pem) = &options.root_pem {
        builder = builder.root_certificate_pem(pem);
    }
    Box::new(builder.build().expect("the test configuration is valid"))
}

/// `tim-transport-isahc` with the options (system roots, or only the extra root).
pub fn isahc(options: &Options) -> Box<dyn Transport> {
    let mut builder = IsahcTransport::builder().request_timeout(options.request_timeout);
    if let Some(pem) = &options.root_pem {
        builder = builder.root_certificate_pem(pem);
    }
    Box::new(builder.build().expect("the test configuration is valid"))
}

/// `tim-transport-surf` with the options (system roots plus the extra root).
pub fn surf(options: &Options) -> Box<dyn Transport> {
    let mut builder = SurfTransport::builder().request_timeout(options.request_timeout);
    if let Some(pem) = &options.root_pem {
        builder = builder.root_certificate_pem(pem);
    }
    Box::new(builder.build().expect("the test configuration is valid"))
}
