//! The blocking face of the client (`tim_client::blocking`) with the ureq adapter against a
//! loopback emulator: no runtime in the test's own code; pages and accounts as iterators.

use std::sync::{Arc, Mutex};

use tim_client::blocking;
use tim_emulator::{Config, Emulator, Fault, Server, ServerOptions};
use tim_transport_ureq::UreqTransport;

const APP: u64 = 1_400_000_000;
const KEY: &str = "blocking-face-secret-key";

/// A loopback emulator on a runtime of its own (the emulator's server is tokio; the client under
/// test is not).
fn server() -> (Server, Arc<Mutex<Emulator>>, tokio::runtime::Runtime) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let mut config = Config::new(APP, KEY);
    config.rate_limit = None;
    let server = runtime
        .block_on(Server::start(
            Emulator::demo(config),
            ServerOptions::default(),
        ))
        .expect("starts");
    let shared = server.shared();
    (server, shared, runtime)
}

fn client(base: &str) -> blocking::Client {
    let mut retry = tim_client::RetryPolicy::default();
    retry.initial_backoff = std::time::Duration::from_millis(1);
    retry.max_backoff = std::time::Duration::from_millis(5);
    retry.rate_limited_backoff = std::time::Duration::from_millis(5);
    blocking::Client::builder()
        .blocking_transport(UreqTransport::new())
        .base_url(base)
        .sdk_app_id(APP)
        .secret_key(KEY)
        .retry(retry)
        .build_blocking()
        .expect("valid")
}

#[test]
fn a_walk_through_faults_yields_every_conversation_once_with_no_runtime() {
    let (server, shared, _runtime) = server();
    let expected: Vec<String> = shared
        .lock()
        .expect("lock")
        .data()
        .conversations("alice")
        .into_iter()
        .map(|c| c.peer)
        .collect();
    {
        let mut emu = shared.lock().expect("lock");
        emu.faults()
            .script(Fault::HttpStatus(502), 1)
            .script(Fault::ErrorCode(50004), 1)
            .script(Fault::Drop, 1)
            .script(Fault::EmptyPage, 1);
    }
    let client = client(&server.base_url());
    let mut got = Vec::new();
    let mut pages = client.contacts().list("alice").pages();
    for page in &mut pages {
        got.extend(
            page.expect("retried")
                .items
                .into_iter()
                .filter_map(|i| i.peer_id().map(str::to_owned)),
        );
    }
    assert_eq!(got, expected);
    assert!(pages.cursor().is_none(), "complete");
    // Items, resume and collect-all are the same walk.
    let items: Vec<_> = client
        .contacts()
        .list("alice")
        .items()
        .collect::<Result<_, _>>()
        .expect("items");
    assert_eq!(items.len(), expected.len());
    let first = client.contacts().list("alice").page().expect("page");
    let rest = client
        .contacts()
        .list("alice")
        .resume(first.next.expect("more"))
        .collect_all()
        .expect("rest");
    assert_eq!(first.items.len() + rest.len(), expected.len());
}

#[test]
fn many_accounts_on_worker_threads() {
    let (server, shared, _runtime) = server();
    let client = client(&server.base_url());
    let accounts: Vec<String> = (1..=40).map(|n| format!("user{n:04}")).collect();
    let mut seen: Vec<String> = Vec::new();
    for (account, result) in client.contacts().for_accounts(accounts.clone(), 4) {
        let items = result.expect("listed");
        let expected = shared.lock().expect("lock").data().len(&account);
        assert_eq!(items.len(), expected, "{account}");
        seen.push(account);
    }
    seen.sort();
    assert_eq!(seen, accounts, "every account once");
}
