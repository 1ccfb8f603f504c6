//! Loopback load run: get_list requests with 100-item pages over N keep-alive HTTP/1.1
//! connections.
//!
//! ```text
//! cargo run --release -p tim-emulator --example load -- [CONNS] [REQUESTS_PER_CONN] [BASE_URL]
//! cargo run --release -p tim-emulator --example load -- [CONNS] [REQUESTS_PER_CONN] --apps N [--spread]
//! cargo run --release -p tim-emulator --example load -- [CONNS] [REQUESTS_PER_CONN] --compare ROUNDS [--apps N]
//! ```
//!
//! Without `BASE_URL` the example starts the emulator in this process (demo data, rate limit
//! off) on its own one-worker runtime; with it (e.g. a `tim emulator serve --demo --rate-limit 0`
//! started elsewhere, default credentials) it loads that server. The client runs on a
//! current-thread runtime. Prints requests per second and per-request latency percentiles.
//!
//! `--apps N` configures N apps (each with the demo data and its own key); the load goes to the
//! default app, or with `--spread` connection `i` calls app `i mod N`. `--compare ROUNDS` runs,
//! ROUNDS times in turn, the one-app configuration, N apps with the load on one, and N apps with
//! the load spread (N default 10), each on a fresh server, then prints the medians and ratios.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use tim_emulator::{Config, Emulator, Server, ServerOptions};

const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
const SDKAPPID: u64 = 1_400_000_000;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// One measured run.
struct Measured {
    per_second: f64,
    p50: Duration,
    p99: Duration,
    total: usize,
    elapsed: Duration,
    page_bytes: usize,
}

fn key_of(app: usize) -> String {
    if app == 0 {
        KEY.to_owned()
    } else {
        format!("key-of-app-{app}")
    }
}

fn emulator(apps: usize) -> Emulator {
    let config = |app: usize| {
        let mut c = Config::new(SDKAPPID + app as u64, key_of(app));
        c.rate_limit = None;
        c.log_capacity = 0;
        c
    };
    let mut e = Emulator::demo(config(0));
    for app in 1..apps {
        let a = e.add_app(config(app)).expect("distinct sdkappids");
        tim_emulator::demo::load(a.data());
        a.set_baseline();
    }
    e
}

fn run(
    conns: usize,
    per_conn: usize,
    apps: usize,
    spread: bool,
    external: Option<String>,
) -> Result<Measured, BoxError> {
    // The server side, unless an external one is given.
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let (server, base) = match external {
        Some(url) => (None, url),
        None => {
            let server =
                server_rt.block_on(Server::start(emulator(apps), ServerOptions::default()))?;
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
    let path_of = |app: usize| {
        let id = SDKAPPID + app as u64;
        let sig = tim_sig::sign(
            &tim_sig::SecretKey::new(key_of(app)),
            &tim_sig::Claims::new(id, "administrator", now, 86_400),
        );
        format!(
            "/v4/recentcontact/get_list?sdkappid={id}&identifier=administrator&usersig={}&random=1&contenttype=json",
            sig.expose()
        )
    };
    let paths: Vec<String> = (0..conns)
        .map(|i| path_of(if spread { i % apps } else { 0 }))
        .collect();
    // user0100 has 1,000 conversations and no pinned ones: every page holds 100 items.
    let body = Bytes::from_static(
        br#"{"From_Account":"user0100","TimeStamp":0,"StartIndex":0,"TopTimeStamp":0,"TopStartIndex":0,"AssistFlags":7}"#,
    );

    let client_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (elapsed, mut latencies, page_bytes) = client_rt.block_on(async move {
        let mut senders = Vec::with_capacity(conns);
        for path in &paths {
            let stream = tokio::net::TcpStream::connect(&authority).await?;
            stream.set_nodelay(true)?;
            let (mut sender, conn) = http1::handshake(TokioIo::new(stream)).await?;
            tokio::spawn(conn);
            // Warm-up and a correctness check, on every connection's app.
            let first = one(&mut sender, &authority, path, body.clone()).await?;
            let v: serde_json::Value = serde_json::from_slice(&first)?;
            assert_eq!(v["ErrorCode"], 0, "{v}");
            assert_eq!(v["SessionItem"].as_array().map(Vec::len), Some(100));
            senders.push((sender, first.len()));
        }
        let page_bytes = senders[0].1;

        let start = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for ((mut sender, bytes), path) in senders.into_iter().zip(paths) {
            let (authority, body) = (authority.clone(), body.clone());
            tasks.spawn(async move {
                let mut lat = Vec::with_capacity(per_conn);
                for _ in 0..per_conn {
                    let t = Instant::now();
                    let page = one(&mut sender, &authority, &path, body.clone()).await?;
                    assert_eq!(page.len(), bytes);
                    lat.push(t.elapsed());
                }
                Ok::<_, BoxError>(lat)
            });
        }
        let mut all = Vec::with_capacity(conns * per_conn);
        while let Some(done) = tasks.join_next().await {
            all.extend(done??);
        }
        Ok::<_, BoxError>((start.elapsed(), all, page_bytes))
    })?;

    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p) as usize];
    let total = latencies.len();
    if let Some(server) = server {
        server_rt.block_on(server.shutdown());
    }
    Ok(Measured {
        per_second: total as f64 / elapsed.as_secs_f64(),
        p50: pct(0.5),
        p99: pct(0.99),
        total,
        elapsed,
        page_bytes,
    })
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "n/a".to_owned())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut positional = Vec::new();
    let mut apps = 1usize;
    let mut spread = false;
    let mut compare: Option<usize> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--apps" => apps = it.next().ok_or("--apps N")?.parse()?,
            "--spread" => spread = true,
            "--compare" => compare = Some(it.next().ok_or("--compare ROUNDS")?.parse()?),
            _ => positional.push(a.clone()),
        }
    }
    let conns: usize = positional.first().map_or(Ok(8), |s| s.parse())?;
    let per_conn: usize = positional.get(1).map_or(Ok(5_000), |s| s.parse())?;
    let external = positional.get(2).cloned();
    let apps = apps.max(1);

    let Some(rounds) = compare else {
        let m = run(conns, per_conn, apps, spread, external)?;
        println!(
            "{} get_list requests ({} B pages of 100 items) over {conns} keep-alive connections, {apps} app(s){} in {:.2} s: {:.0} req/s; latency p50 {:?}, p99 {:?}",
            m.total,
            m.page_bytes,
            if spread { " (spread)" } else { "" },
            m.elapsed.as_secs_f64(),
            m.per_second,
            m.p50,
            m.p99,
        );
        return Ok(());
    };
    let many = if apps > 1 { apps } else { 10 };
    let configs = [
        ("1 app", 1, false),
        ("load on 1 of N apps", many, false),
        ("load spread over N apps", many, true),
    ];
    let mut results: Vec<Vec<f64>> = vec![Vec::new(); configs.len()];
    for round in 1..=rounds.max(1) {
        for (i, (name, n, spread)) in configs.iter().enumerate() {
            let before = loadavg();
            let m = run(conns, per_conn, *n, *spread, None)?;
            println!(
                "round {round} {name:<24} (N={n}): {:>7.0} req/s, p50 {:?}, p99 {:?}; load average before {before}",
                m.per_second, m.p50, m.p99,
            );
            results[i].push(m.per_second);
        }
    }
    let base = median(results[0].clone());
    for (i, (name, n, _)) in configs.iter().enumerate() {
        let m = median(results[i].clone());
        println!(
            "median {name:<24} (N={n}): {m:>7.0} req/s, {:.3}x the one-app figure",
            m / base
        );
    }
    println!("load average at the end: {}", loadavg());
    Ok(())
}

async fn one(
    sender: &mut http1::SendRequest<Full<Bytes>>,
    authority: &str,
    path: &str,
    body: Bytes,
) -> Result<Bytes, BoxError> {
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
