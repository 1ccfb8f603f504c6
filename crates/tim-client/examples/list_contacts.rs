//! Lists one account's conversations page by page under tokio with the hyper adapter, against
//! the emulator on a loopback port, printing the resume cursor after each page.
//!
//! `cargo run -p tim-client --example list_contacts [account]` (default `alice`).

use futures_util::StreamExt;
use tim_client::Client;
use tim_emulator::{Config, Emulator, Server, ServerOptions};
use tim_transport_hyper::HyperTransport;

const SDK_APP_ID: u64 = 1_400_000_000;
const KEY: &str = "example-secret-key";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let account = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "alice".to_owned());
    let server = Server::start(
        Emulator::demo(Config::new(SDK_APP_ID, KEY)),
        ServerOptions::default(),
    )
    .await?;
    println!("emulator at {}", server.base_url());

    let client = Client::builder()
        .transport(HyperTransport::new())
        .base_url(&server.base_url())
        .sdk_app_id(SDK_APP_ID)
        .secret_key(KEY)
        .build()?;

    let mut pages = client.contacts().list(account.as_str()).pages();
    while let Some(page) = pages.next().await {
        let page = page?;
        let pinned = page.items.iter().filter(|c| c.is_pinned()).count();
        let resume = page
            .next
            .map_or_else(|| "complete".to_owned(), |c| c.to_string());
        println!(
            "page {:>3}: {:>3} conversations ({pinned} pinned); resume at {resume}",
            page.number,
            page.items.len()
        );
        for item in page.items.iter().take(3) {
            println!(
                "    {:?} {} at {}",
                item.session_type(),
                item.peer_id().unwrap_or("?"),
                item.msg_time().unwrap_or(0)
            );
        }
    }
    server.shutdown().await;
    Ok(())
}
