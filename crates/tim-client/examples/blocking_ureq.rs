//! A plain `fn main()` with no async runtime: walks a conversation list through tim-client's
//! blocking face and the ureq adapter, page by page, against the service at `TIM_BASE_URL`
//! (CI points it at `tim emulator serve --demo`).
//!
//! ```sh
//! tim emulator serve --demo --listen 127.0.0.1:8080 &
//! TIM_BASE_URL=http://127.0.0.1:8080 cargo run -p tim-client --example blocking_ureq [account]
//! ```
//!
//! Without `TIM_SDKAPPID` / `TIM_KEY` it uses the emulator's defaults.

use tim_client::blocking;
use tim_transport_ureq::UreqTransport;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let account = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "alice".to_owned());
    let base = std::env::var("TIM_BASE_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let sdk_app_id = std::env::var("TIM_SDKAPPID").map_or(Ok(1_400_000_000), |s| s.parse())?;
    let key = std::env::var("TIM_KEY").unwrap_or_else(|_| {
        "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e".into()
    });

    let client = blocking::Client::builder()
        .blocking_transport(UreqTransport::new())
        .base_url(&base)
        .sdk_app_id(sdk_app_id)
        .secret_key(key)
        .build_blocking()?;

    let mut total = 0;
    let mut pages = client.contacts().list(account.clone()).pages();
    for page in &mut pages {
        let page = page?;
        total += page.items.len();
        println!(
            "page {}: {} conversations, next {:?}",
            page.number,
            page.items.len(),
            page.next.map(|c| c.to_string())
        );
    }
    println!("{account}: {total} conversations (blocking, ureq, no runtime)");
    if total == 0 {
        return Err("no conversations: is TIM_BASE_URL an emulator with --demo?".into());
    }
    Ok(())
}
