//! Loopback load run: get_list requests with 100-item pages over N keep-alive HTTP/1.1
//! connections.
//!
//! ```text
//! cargo run --release -p tim-emulator --example load -- [CONNS] [REQUESTS_PER_CONN] [BASE_URL]
//! ```
//!
//! Without `BASE_URL` the example starts the emulator in this process (demo data, rate limit
//! off) on its own one-worker runtime; with it (e.g. a `tim emulator serve --demo --rate-limit 0`
//! started elsewhere, default credentials) it loads that server. The client runs on a
//! current-thread runtime. Prints requests per second and per-request latency percentiles.

use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use tim_emulator::{Config, Emulator, Server, ServerOptions};

const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
const SDKAPPID: u64 = 1_400_000_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let conns: usize = args.first().map_or(Ok(8), |s| s.parse())?;
    let per_conn: usize = args.get(1).map_or(Ok(5_000), |s| s.parse())?;
    let external = args.get(2).cloned();

    // The server side, unless an external one is given.
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let (server, base) = match external {
        Some(url) => (None, url),
        None => {
            let mut config = Config::new(SDKAPPID, KEY);
            config.rate_limit = None;
            config.log_capacity = 0;
            let server = server_rt.block_on(Server::start(
                Emulator::demo(config),
                ServerOptions::default(),
            ))?;
            let base = server.base_url();
            (Some(server), base)
        }
    };
    let authority = base
        .strip_prefix("http://")
        .ok_or("only http:// base URLs are supported")?
        .trim_end_matches('/')
        .to_owned();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let sig = tim_sig::sign(
        &tim_sig::SecretKey::new(KEY),
        &tim_sig::Claims::new(SDKAPPID, "administrator", now, 86_400),
    );
    let path = format!(
        "/v4/recentcontact/get_list?sdkappid={SDKAPPID}&identifier=administrator&usersig={}&random=1&contenttype=json",
        sig.expose()
    );
    // user0100 has 1,000 conversations and no pinned ones: every page holds 100 items.
    let body = Bytes::from_static(
        br#"{"From_Account":"user0100","TimeStamp":0,"StartIndex":0,"TopTimeStamp":0,"TopStartIndex":0,"AssistFlags":7}"#,
    );

    let client_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (elapsed, mut latencies, page_bytes) = client_rt
        .block_on(async move {
            let mut senders = Vec::with_capacity(conns);
            for _ in 0..conns {
                let stream = tokio::net::TcpStream::connect(&authority).await?;
                stream.set_nodelay(true)?;
                let (sender, conn) = http1::handshake(TokioIo::new(stream)).await?;
                tokio::spawn(conn);
                senders.push(sender);
            }
            // Warm-up and a correctness check.
            let first = one(&mut senders[0], &authority, &path, body.clone()).await?;
            let v: serde_json::Value = serde_json::from_slice(&first)?;
            assert_eq!(v["ErrorCode"], 0, "{v}");
            assert_eq!(v["SessionItem"].as_array().map(Vec::len), Some(100));
            let page_bytes = first.len();

            let start = Instant::now();
            let mut tasks = tokio::task::JoinSet::new();
            for mut sender in senders {
                let (authority, path, body) = (authority.clone(), path.clone(), body.clone());
                tasks.spawn(async move {
                    let mut lat = Vec::with_capacity(per_conn);
                    for _ in 0..per_conn {
                        let t = Instant::now();
                        let page = one(&mut sender, &authority, &path, body.clone()).await?;
                        assert_eq!(page.len(), page_bytes);
                        lat.push(t.elapsed());
                    }
                    Ok::<_, Box<dyn std::error::Error + Send + Sync>>(lat)
                });
            }
            let mut all = Vec::with_capacity(conns * per_conn);
            while let Some(done) = tasks.join_next().await {
                all.extend(done??);
            }
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>((start.elapsed(), all, page_bytes))
        })
        .map_err(|e| e.to_string())?;

    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p) as usize];
    let total = latencies.len();
    println!(
        "{total} get_list requests ({page_bytes} B pages of 100 items) over {conns} keep-alive connections in {:.2} s: {:.0} req/s; latency p50 {:?}, p99 {:?}",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64(),
        pct(0.5),
        pct(0.99),
    );
    if let Some(server) = server {
        server_rt.block_on(server.shutdown());
    }
    Ok(())
}

async fn one(
    sender: &mut http1::SendRequest<Full<Bytes>>,
    authority: &str,
    path: &str,
    body: Bytes,
) -> Result<Bytes, Box<dyn std::error::Error + Send + Sync>> {
    sender.ready().await?;
    let request = http::Request::post(path)
        .header(http::header::HOST, authority)
        .body(Full::new(body))?;
    let response = sender.send_request(request).await?;
    if response.status() != 200 {
        return Err(format!("status {}", response.status()).into());
    }
    let bytes = response.into_body().collect().await?.to_bytes();
    Ok(bytes)
}
