//! Helpers shared by the integration tests: building tokens the way other signers do.

#![allow(dead_code, unreachable_pub)]

use std::io::Write as _;

use base64::Engine as _;

/// The public example key of the official libraries' READMEs (also in the vectors file).
pub const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
pub const SDKAPPID: u64 = 1_400_000_000;

/// zlib-compresses `doc` at `level` with flate2 and applies Tencent's base64, as the official
/// Python/Node/PHP signers do.
pub fn token_from_doc(doc: &[u8], level: u32) -> String {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(level));
    enc.write_all(doc).unwrap();
    tim_base64(&enc.finish().unwrap())
}

/// Tencent's base64 of `bytes`, via the standard alphabet and a character map.
pub fn tim_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD
        .encode(bytes)
        .chars()
        .map(|c| match c {
            '+' => '*',
            '/' => '-',
            '=' => '_',
            c => c,
        })
        .collect()
}

/// The inflated document of a token, via flate2 (independent of the crate's own inflater).
pub fn doc_of(token: &str) -> Vec<u8> {
    let std: String = token
        .chars()
        .map(|c| match c {
            '*' => '+',
            '-' => '/',
            '_' => '=',
            c => c,
        })
        .collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(std)
        .unwrap();
    let mut dec = flate2::write::ZlibDecoder::new(Vec::new());
    dec.write_all(&bytes).unwrap();
    dec.finish().unwrap()
}
