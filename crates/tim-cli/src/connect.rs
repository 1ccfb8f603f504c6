//! Turning the global options into a [`Client`]: the real service (or any base URL) through the
//! hyper transport, or, with nothing configured, the emulator in-process with its demo data.

use std::sync::Arc;

use tim_client::{Client, RateLimit};
use tim_emulator::{Config, Emulator, InProcess};
use tim_proto::{BaseUrl, Region};
use tim_sig::{SecretKey, UserSig};
use tim_transport::Transport;
use tim_transport_hyper::HyperTransport;

use crate::emulator::{DEFAULT_KEY, DEFAULT_SDKAPPID};
use crate::error::CliError;
use crate::global::GlobalOpts;

/// Whether no address or credential setting was given at all.
pub(crate) fn is_unconfigured(global: &GlobalOpts) -> bool {
    global.service.base_url.is_none()
        && global.service.region.is_none()
        && global.sdkappid.is_none()
        && global.key.is_none()
        && global.service.usersig.is_none()
}

/// Builds the client the global options describe. `rate` overrides the default limit of 200
/// calls per second (`Some(0)` switches it off).
pub(crate) fn client(global: &GlobalOpts, rate: Option<u32>) -> Result<Client, CliError> {
    let mut builder = Client::builder().admin(global.admin.clone());
    if let Some(ms) = global.service.timeout_ms {
        let mut retry = tim_client::RetryPolicy::default();
        retry.attempt_timeout = Some(std::time::Duration::from_millis(ms));
        builder = builder.retry(retry);
    }
    let builder = match (rate, &global.service.redis) {
        (Some(0), _) => builder.no_rate_limit(),
        (rate, Some(url)) => {
            let mut redis = tim_limiter_redis::RedisLimiter::builder(url.expose())
                .replicas(global.service.replicas);
            if let Some(n) = rate {
                redis = redis.rate_limit(RateLimit::per_second(n));
            }
            // The URL's password never reaches the message (the limiter's errors redact it).
            let limiter = redis
                .build()
                .map_err(|e| CliError::Usage(format!("--redis: {e}")))?;
            builder.rate_limiter(limiter)
        }
        (Some(n), None) => builder.rate_limit(RateLimit::per_second(n)),
        (None, None) => builder,
    };
    if is_unconfigured(global) {
        crate::error::say(
            "no service configured (TIM_BASE_URL, TIM_REGION, TIM_SDKAPPID, TIM_KEY, TIM_USERSIG): using the embedded emulator with demo data",
        );
        let emulator = Emulator::demo(Config::new(DEFAULT_SDKAPPID, DEFAULT_KEY));
        let transport: Arc<dyn Transport> = Arc::new(InProcess::new(emulator));
        return builder
            .shared_transport(transport)
            .base_url("http://emulator.invalid")
            .sdk_app_id(DEFAULT_SDKAPPID)
            .secret_key(SecretKey::new(DEFAULT_KEY))
            .build()
            .map_err(|e| CliError::Usage(e.to_string()));
    }
    // A region fails over to its backup domain when the primary cannot be connected to.
    let builder = match (&global.service.base_url, &global.service.region) {
        (Some(url), _) => builder
            .base(BaseUrl::custom(url).map_err(|e| CliError::Usage(format!("--base-url: {e}")))?),
        (None, Some(region)) => {
            let region: Region = region
                .parse()
                .map_err(|e| CliError::Usage(format!("--region: {e}")))?;
            builder.region(region)
        }
        (None, None) => {
            return Err(CliError::Usage(
                "set --region (TIM_REGION) or --base-url (TIM_BASE_URL) to say where the service is".into(),
            ));
        }
    };
    let sdk_app_id = global.sdkappid.ok_or_else(|| {
        CliError::Usage("set --sdkappid (TIM_SDKAPPID), the app's SDKAppID".into())
    })?;
    let builder = builder
        .sdk_app_id(sdk_app_id)
        .shared_transport(Arc::new(HyperTransport::new()));
    let builder = match (&global.key, &global.service.usersig) {
        (Some(key), _) => builder.secret_key(SecretKey::new(key.expose())),
        (None, Some(sig)) => builder.usersig(UserSig::from_string(sig.expose().to_owned())),
        (None, None) => {
            return Err(CliError::Usage(
                "set --key (TIM_KEY) to sign UserSigs, or --usersig (TIM_USERSIG) to use a ready one".into(),
            ));
        }
    };
    builder.build().map_err(|e| CliError::Usage(e.to_string()))
}

/// The runtime the commands' calls run on (two worker threads).
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::Io(format!("cannot start the async runtime: {e}")))
}
