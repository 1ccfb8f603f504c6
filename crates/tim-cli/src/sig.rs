//! `tim sig`: sign, verify and decode UserSigs (TLSSigAPIv2) with the `tim-sig` crate.
//!
//! The library never reads a clock; this command does (`--now` overrides it).

use std::io::Read as _;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use clap::{Args, Subcommand};
use tim_sig::{Claims, Expected, SecretKey};

use crate::error::CliError;
use crate::global::{GlobalOpts, Redacted};

/// Sign, verify or decode a UserSig.
#[derive(Debug, Args)]
pub(crate) struct SigArgs {
    #[command(subcommand)]
    command: SigCommand,
}

#[derive(Debug, Subcommand)]
enum SigCommand {
    /// Sign a UserSig with --sdkappid and --key; prints the UserSig alone on stdout.
    ///
    /// Example: tim sig gen --identifier administrator --expire 86400
    Gen {
        /// The user the UserSig is for [default: the global --admin].
        #[arg(long)]
        identifier: Option<String>,
        /// Lifetime in seconds (default: 180 days).
        #[arg(long, default_value_t = tim_sig::DEFAULT_EXPIRE)]
        expire: u64,
        /// Signing time, Unix seconds [default: the system clock].
        #[arg(long)]
        now: Option<u64>,
        /// Optional userbuf, standard base64 (TRTC PrivateMapKey; IM does not use it).
        #[arg(long)]
        userbuf: Option<String>,
    },
    /// Verify a UserSig as the service does; prints its fields as JSON, or the reason it fails.
    ///
    /// Exit code 0 when valid, 1 when not. Example: tim sig verify --identifier administrator "$SIG"
    Verify {
        /// The user the UserSig must be for [default: the global --admin].
        #[arg(long)]
        identifier: Option<String>,
        /// The time to check expiry at, Unix seconds [default: the system clock].
        #[arg(long)]
        now: Option<u64>,
        /// The userbuf the UserSig must carry, standard base64 [default: none].
        #[arg(long)]
        userbuf: Option<String>,
        /// The UserSig, or - to read it from stdin (keeps it out of the process list).
        sig: Redacted,
    },
    /// Print a UserSig's JSON document without verifying anything.
    ///
    /// Example: tim sig decode "$SIG"
    Decode {
        /// The UserSig, or - to read it from stdin.
        sig: Redacted,
    },
}

/// Runs `tim sig ...`.
pub(crate) fn run(global: &GlobalOpts, args: SigArgs) -> Result<(), CliError> {
    match args.command {
        SigCommand::Gen {
            identifier,
            expire,
            now,
            userbuf,
        } => {
            let (sdk_app_id, key) = credentials(global)?;
            let claims = Claims {
                sdk_app_id,
                identifier: identifier.unwrap_or_else(|| global.admin.clone()),
                time: now.unwrap_or_else(system_now),
                expire,
                userbuf: userbuf.as_deref().map(decode_userbuf).transpose()?,
            };
            println!("{}", tim_sig::sign(&key, &claims).expose());
            Ok(())
        }
        SigCommand::Verify {
            identifier,
            now,
            userbuf,
            sig,
        } => {
            let (sdk_app_id, key) = credentials(global)?;
            let sig = read_sig(sig)?;
            let identifier = identifier.unwrap_or_else(|| global.admin.clone());
            let userbuf = userbuf.as_deref().map(decode_userbuf).transpose()?;
            let expected = Expected {
                sdk_app_id,
                identifier: &identifier,
                userbuf: userbuf.as_deref(),
            };
            let claims = tim_sig::verify(&key, &sig, &expected, now.unwrap_or_else(system_now))?;
            let fields = serde_json::json!({
                "valid": true,
                "version": tim_sig::VERSION,
                "sdkappid": claims.sdk_app_id,
                "identifier": claims.identifier,
                "time": claims.time,
                "expire": claims.expire,
                "expires_at": claims.expires_at(),
                "userbuf": claims.userbuf.as_deref().map(|b| STANDARD.encode(b)),
            });
            println!("{fields:#}");
            Ok(())
        }
        SigCommand::Decode { sig } => {
            let sig = read_sig(sig)?;
            let document = tim_sig::dangerous::decode_document(&sig)?;
            println!("{}", document.trim_end());
            Ok(())
        }
    }
}

fn credentials(global: &GlobalOpts) -> Result<(u64, SecretKey), CliError> {
    let sdk_app_id = global
        .sdkappid
        .ok_or_else(|| CliError::Usage("missing --sdkappid (or TIM_SDKAPPID)".into()))?;
    let key = global
        .key
        .as_ref()
        .ok_or_else(|| CliError::Usage("missing --key (or TIM_KEY)".into()))?;
    Ok((sdk_app_id, SecretKey::new(key.expose())))
}

fn decode_userbuf(text: &str) -> Result<Vec<u8>, CliError> {
    STANDARD
        .decode(text)
        .map_err(|_| CliError::Usage("--userbuf is not valid standard base64".into()))
}

fn read_sig(sig: Redacted) -> Result<String, CliError> {
    if sig.expose() != "-" {
        return Ok(sig.expose().to_owned());
    }
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| CliError::Usage(format!("cannot read the usersig from stdin: {e}")))?;
    Ok(text.trim().to_owned())
}

fn system_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
