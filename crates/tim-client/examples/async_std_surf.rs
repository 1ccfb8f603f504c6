//! The client under async-std with the surf adapter: streams one account's conversations,
//! then resumes a walk from a cursor stored as text. The emulator's loopback server runs on a
//! tokio runtime of its own in the background; the client never sees tokio.
//!
//! `cargo run -p tim-client --example async_std_surf`.

use futures_util::StreamExt;
use tim_client::Client;
use tim_emulator::{Config, Emulator, Server, ServerOptions};
use tim_proto::ListCursor as Cursor;
use tim_transport_surf::SurfTransport;

const SDK_APP_ID: u64 = 1_400_000_000;
const KEY: &str = "example-secret-key";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server_runtime = tokio::runtime::Runtime::new()?;
    let server = server_runtime.block_on(Server::start(
        Emulator::demo(Config::new(SDK_APP_ID, KEY)),
        ServerOptions::default(),
    ))?;
    let base_url = server.base_url();

    async_std::task::block_on(async {
        let client = Client::builder()
            .transport(SurfTransport::new())
            .base_url(&base_url)
            .sdk_app_id(SDK_APP_ID)
            .secret_key(KEY)
            .build()?;
        let contacts = client.contacts();

        let mut conversations = contacts.list("alice").conversations();
        let mut groups = 0;
        let mut total = 0;
        while let Some(c) = conversations.next().await {
            let c = c?;
            total += 1;
            groups += usize::from(c.item.session_type() == Some(2));
        }
        println!("alice: {total} conversations, {groups} of them groups");

        let first = contacts.list("user0100").page().await?;
        let stored = first.next.map(|c| c.to_string()).unwrap_or_default();
        println!(
            "user0100: first page of {}, stored cursor {stored}",
            first.items.len()
        );
        let cursor: Cursor = stored.parse()?;
        let rest = contacts
            .list("user0100")
            .resume(cursor)
            .collect_all()
            .await?;
        println!("user0100: {} more after resuming", rest.len());
        Ok::<(), Box<dyn std::error::Error>>(())
    })?;
    server_runtime.block_on(server.shutdown());
    Ok(())
}
