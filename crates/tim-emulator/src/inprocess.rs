//! [`InProcess`]: a [`Transport`] that calls the emulator core directly, without sockets.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use tim_transport::{Transport, TransportError, async_trait};

use crate::{Delivery, Emulator};

/// A [`Transport`] over an in-memory [`Emulator`]: every request is answered by
/// [`Emulator::handle`] at the system time, on the calling task.
///
/// - [`Delivery::Drop`] and [`Delivery::Truncate`] become [`TransportError::io`], as a real
///   connection reset or short body would;
/// - delays (latency, jitter, delay faults) are waited for with `async-io`'s timer, which works
///   under any executor;
/// - the request URI's scheme and authority are ignored: any base URL reaches the emulator.
///
/// Cloning shares the emulator.
///
/// ```
/// use tim_emulator::{Config, Emulator, InProcess};
/// use tim_transport::{Bytes, Transport};
///
/// let emulator = Emulator::demo(Config::new(1400000000, "key"));
/// let transport = InProcess::new(emulator);
/// let request = http::Request::post("http://emulator/_emulator/echo")
///     .body(Bytes::from_static(b"hi"))
///     .unwrap();
/// let response = futures_lite::future::block_on(transport.send(request)).unwrap();
/// assert_eq!(response.body(), "hi");
/// ```
#[derive(Clone, Debug)]
pub struct InProcess {
    emulator: Arc<Mutex<Emulator>>,
}

impl InProcess {
    /// Wraps `emulator`.
    pub fn new(emulator: Emulator) -> Self {
        InProcess {
            emulator: Arc::new(Mutex::new(emulator)),
        }
    }

    /// Shares an emulator that something else (e.g. a [`crate::Server`]) also uses.
    pub fn from_shared(emulator: Arc<Mutex<Emulator>>) -> Self {
        InProcess { emulator }
    }

    /// Runs `f` on the emulator (to load data, set faults, read the log).
    pub fn with<R>(&self, f: impl FnOnce(&mut Emulator) -> R) -> R {
        f(&mut lock(&self.emulator))
    }

    /// The shared emulator.
    pub fn shared(&self) -> Arc<Mutex<Emulator>> {
        Arc::clone(&self.emulator)
    }
}

/// Locks the emulator; a panic in another holder does not make the data unusable (every
/// change the core makes leaves it consistent), so poisoning is ignored.
pub(crate) fn lock(m: &Mutex<Emulator>) -> MutexGuard<'_, Emulator> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The system time since the Unix epoch (zero if the clock is before it).
pub(crate) fn system_now() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
}

#[async_trait]
impl Transport for InProcess {
    async fn send(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<http::Response<Bytes>, TransportError> {
        let reply = lock(&self.emulator).handle(system_now(), request);
        if !reply.delay.is_zero() {
            async_io::Timer::after(reply.delay).await;
        }
        match reply.delivery {
            Delivery::Full => Ok(reply.response),
            Delivery::Truncate { .. } => Err(TransportError::io(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "connection closed before the end of the body",
            ))),
            Delivery::Drop => Err(TransportError::io(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "connection closed without a response",
            ))),
        }
    }
}
