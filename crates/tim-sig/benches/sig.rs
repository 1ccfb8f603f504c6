//! Criterion benchmarks for signing and verifying (see `docs/performance.md`).
//!
//! Run: `cargo bench -p tim-sig`. Compare with the official Node signer:
//! `node crates/tim-sig/benches/node_signer.js` (see that file).

#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use tim_sig::{Claims, Expected, SecretKey, sign, verify};

const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
/// The official Python signer's token for ("xiaojun", 15552000) at 1569910200 (zlib level 6).
const PYTHON_TOKEN: &str = "eJyrVgrxCdYrSy1SslJQMtIzUNJRAItkpqTmlWSmZUIkKjIT87NK82CSxSnZiQUFmSlAKUMTAyiAyqVWFGQWpYJkTE1NjRDiJZm5EFEzS0tDAyO4eHFmOsiGdP-81HBD42JDS7f0yjyLoPIc1xL9Ip-scuPyKp9CS1-t4EKnpIgQz7S8QFulWgAoqDP8";

fn benches(c: &mut Criterion) {
    let key = SecretKey::new(KEY);
    let claims = Claims::new(1_400_000_000, "xiaojun", 1_569_910_200, 15_552_000);
    let expected = Expected::new(1_400_000_000, "xiaojun");
    let ours = sign(&key, &claims);

    c.bench_function("sign", |b| {
        b.iter(|| sign(black_box(&key), black_box(&claims)))
    });
    c.bench_function("verify (own token, stored zlib)", |b| {
        b.iter(|| {
            verify(
                black_box(&key),
                black_box(ours.expose()),
                &expected,
                1_569_910_200,
            )
        })
    });
    c.bench_function("verify (official python token, zlib level 6)", |b| {
        b.iter(|| {
            verify(
                black_box(&key),
                black_box(PYTHON_TOKEN),
                &expected,
                1_569_910_200,
            )
        })
    });
    c.bench_function("decode_unverified (own token)", |b| {
        b.iter(|| tim_sig::dangerous::decode_unverified(black_box(ours.expose())))
    });
}

criterion_group! {
    name = sig;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = benches
}
criterion_main!(sig);
