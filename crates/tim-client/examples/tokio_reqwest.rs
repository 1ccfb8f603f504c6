//! A tokio program: walks a conversation list through the reqwest adapter against the service
//! at `TIM_BASE_URL` (CI points it at `tim emulator serve --demo`).
//!
//! ```sh
//! tim emulator serve --demo --listen 127.0.0.1:8080 &
//! TIM_BASE_URL=http://127.0.0.1:8080 cargo run -p tim-client --example tokio_reqwest [account]
//! ```

use futures_util::StreamExt;
use tim_client::Client;
use tim_transport_reqwest::ReqwestTransport;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let account = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "alice".to_owned());
    let base = std::env::var("TIM_BASE_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let sdk_app_id = std::env::var("TIM_SDKAPPID").map_or(Ok(1_400_000_000), |s| s.parse())?;
    let key = std::env::var("TIM_KEY").unwrap_or_else(|_| {
        "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e".into()
    });

    let client = Client::builder()
        .transport(ReqwestTransport::new())
        .base_url(&base)
        .sdk_app_id(sdk_app_id)
        .secret_key(key)
        .build()?;

    let mut total = 0;
    let mut conversations = client.contacts().list(account.clone()).conversations();
    while let Some(conversation) = conversations.next().await {
        let conversation = conversation?;
        total += 1;
        if conversation.last_in_page {
            println!(
                "page {} done, resume at {:?}",
                conversation.page,
                conversation.next.map(|c| c.to_string())
            );
        }
    }
    println!("{account}: {total} conversations (tokio, reqwest)");
    if total == 0 {
        return Err("no conversations: is TIM_BASE_URL an emulator with --demo?".into());
    }
    Ok(())
}
