//! The byte layers under the JSON document: Tencent's base64 alphabet and zlib.
//!
//! Signing emits a zlib *stored* stream (RFC 1950 header `78 01`, RFC 1951 stored blocks, Adler-32
//! trailer), written by hand: it is a valid zlib stream that every inflater accepts, and it avoids
//! setting up a deflate state, which costs several microseconds even at level 0.
//! Verification parses stored streams directly and falls back to `flate2` for compressed ones
//! (the official signers use levels 1 to 6).

use std::borrow::Cow;

use base64::Engine as _;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, general_purpose};

/// The largest inflated document accepted, a guard against zlib bombs (official documents are
/// about 200 bytes; a PrivateMapKey adds a few dozen).
pub(crate) const MAX_DOCUMENT: usize = 1 << 20;

/// Largest payload of one stored deflate block.
const MAX_STORED_BLOCK: usize = 65_535;

/// Standard alphabet, padding optional on decode (tolerant of signers that drop it).
const STANDARD_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Standard base64 with padding (`TLS.sig`, `TLS.userbuf`).
pub(crate) fn encode_std(bytes: &[u8]) -> String {
    general_purpose::STANDARD.encode(bytes)
}

/// Writes the standard base64 of `bytes` into `out`, returning its length (0 if `out` is too
/// small, which callers rule out by sizing it).
pub(crate) fn encode_std_slice(bytes: &[u8], out: &mut [u8]) -> usize {
    general_purpose::STANDARD
        .encode_slice(bytes, out)
        .unwrap_or(0)
}

/// Decodes standard base64 (padding optional).
pub(crate) fn decode_std(text: &str) -> Option<Vec<u8>> {
    STANDARD_LENIENT.decode(text).ok()
}

/// Decodes standard base64 (padding optional) into `out`, returning the length written; `None`
/// when the text is not base64 or does not fit.
pub(crate) fn decode_std_slice(text: &str, out: &mut [u8]) -> Option<usize> {
    STANDARD_LENIENT.decode_slice(text, out).ok()
}

/// Tencent's base64: the standard alphabet with `+/=` replaced by `*-_`, padding kept.
///
/// Hand-written rather than `base64`'s engine: three input bytes become two lookups in a table
/// of all 4,096 two-character pairs, about twice as fast on UserSig-sized input.
pub(crate) fn encode_tim(bytes: &[u8]) -> String {
    let mut out = vec![0u8; bytes.len().div_ceil(3) * 4];
    // Six bytes (eight characters) per step, then at most one whole triple.
    let mut sextets = bytes.chunks_exact(6);
    let (head, tail) = out.split_at_mut(bytes.len() / 6 * 8);
    let mut octets = head.chunks_exact_mut(8);
    for (s, o) in (&mut sextets).zip(&mut octets) {
        let n = usize::from(s[0]) << 40
            | usize::from(s[1]) << 32
            | usize::from(s[2]) << 24
            | usize::from(s[3]) << 16
            | usize::from(s[4]) << 8
            | usize::from(s[5]);
        let [a, b] = TIM_PAIRS[(n >> 36) & 0xfff];
        let [c, d] = TIM_PAIRS[(n >> 24) & 0xfff];
        let [e, f] = TIM_PAIRS[(n >> 12) & 0xfff];
        let [g, h] = TIM_PAIRS[n & 0xfff];
        o.copy_from_slice(&[a, b, c, d, e, f, g, h]);
    }
    let mut triples = sextets.remainder().chunks_exact(3);
    let mut quads = tail.chunks_exact_mut(4);
    for (t, q) in (&mut triples).zip(&mut quads) {
        let n = usize::from(t[0]) << 16 | usize::from(t[1]) << 8 | usize::from(t[2]);
        let [a, b] = TIM_PAIRS[n >> 12];
        let [c, d] = TIM_PAIRS[n & 0xfff];
        q.copy_from_slice(&[a, b, c, d]);
    }
    // The zip above stopped at the end of the whole triples: the next quad is the padded one.
    match (triples.remainder(), quads.next()) {
        (&[x], Some([q0, q1, q2, q3])) => {
            [*q0, *q1] = TIM_PAIRS[usize::from(x) << 4];
            [*q2, *q3] = [b'_', b'_'];
        }
        (&[x, y], Some([q0, q1, q2, q3])) => {
            let n = usize::from(x) << 10 | usize::from(y) << 2;
            [*q0, *q1] = TIM_PAIRS[n >> 6];
            [*q2, *q3] = [TIM_CHARS[n & 0x3f], b'_'];
        }
        _ => {}
    }
    // Only alphabet characters were written.
    String::from_utf8(out).unwrap_or_default()
}

/// Tencent's base64 alphabet.
const TIM_CHARS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-";

/// Every 12-bit value as its two characters.
static TIM_PAIRS: [[u8; 2]; 4096] = {
    let mut pairs = [[0u8; 2]; 4096];
    let mut i = 0;
    while i < 4096 {
        pairs[i] = [TIM_CHARS[i >> 6], TIM_CHARS[i & 0x3f]];
        i += 1;
    }
    pairs
};

/// Character → 6-bit value for both the Tencent (`*-`) and the standard (`+/`) alphabets;
/// 0xff for anything else (padding included).
static DECODE: [u8; 256] = {
    let mut table = [0xffu8; 256];
    let mut i = 0;
    while i < 64 {
        table[TIM_CHARS[i] as usize] = i as u8;
        i += 1;
    }
    table[b'+' as usize] = 62;
    table[b'/' as usize] = 63;
    table
};

/// Marks an invalid character in [`SHIFTED`].
const INVALID: u32 = 1 << 31;

/// [`DECODE`] shifted for each position of a quad (18, 12, 6, 0), [`INVALID`] for anything
/// outside the alphabets.
static SHIFTED: [[u32; 256]; 4] = {
    let mut table = [[INVALID; 256]; 4];
    let mut c = 0;
    while c < 256 {
        let v = DECODE[c];
        if v != 0xff {
            let v = v as u32;
            table[0][c] = v << 18;
            table[1][c] = v << 12;
            table[2][c] = v << 6;
            table[3][c] = v;
        }
        c += 1;
    }
    table
};

/// The common case of [`decode_tim`], in one pass and into `out`: every character in either
/// alphabet, padding (`_` or `=`) absent or canonical, zero trailing bits. Returns the decoded
/// length, or `None` for anything else (including `out` too small), which [`decode_tim`]
/// then judges. When it answers, the bytes are the ones [`decode_tim`] returns (tested).
pub(crate) fn decode_tim_fast(text: &[u8], out: &mut [u8]) -> Option<usize> {
    let unpadded = match text {
        [rest @ .., b'_' | b'=', b'_' | b'=']
            if text.len().is_multiple_of(4) && rest.len() % 4 == 2 =>
        {
            rest
        }
        [rest @ .., b'_' | b'='] if text.len().is_multiple_of(4) && rest.len() % 4 == 3 => rest,
        _ => text,
    };
    let len = unpadded.len() / 4 * 3 + (unpadded.len() % 4).saturating_sub(1);
    let out = out.get_mut(..len)?;
    // `SHIFTED[i][c]` is character c's value already in place for position i of a quad, so a
    // quad's 24 bits are four lookups ORed; an invalid character sets bit 31.
    let quad = |q: &[u8]| {
        SHIFTED[0][usize::from(q[0])]
            | SHIFTED[1][usize::from(q[1])]
            | SHIFTED[2][usize::from(q[2])]
            | SHIFTED[3][usize::from(q[3])]
    };
    let mut invalid = 0u32;
    // Two quads (eight characters, six bytes) per step, then at most one more quad.
    let mut octets = unpadded.chunks_exact(8);
    let mut sextets = out.chunks_exact_mut(6);
    for (o, x) in (&mut octets).zip(&mut sextets) {
        let (hi, lo) = (quad(&o[..4]), quad(&o[4..]));
        invalid |= hi | lo;
        let n = u64::from(hi) << 24 | u64::from(lo);
        x.copy_from_slice(&n.to_be_bytes()[2..]);
    }
    let mut quads = octets.remainder().chunks_exact(4);
    let mut triples = sextets.into_remainder().chunks_exact_mut(3);
    for (q, t) in (&mut quads).zip(&mut triples) {
        let n = quad(q);
        invalid |= n;
        t.copy_from_slice(&n.to_be_bytes()[1..]);
    }
    let mut invalid = u8::from(invalid & INVALID != 0) << 7;
    let mut trailing = 0u8;
    let tail = triples.into_remainder();
    match (quads.remainder(), tail) {
        ([], []) => {}
        ([a, b], [x]) => {
            let [a, b] = [*a, *b].map(|ch| DECODE[usize::from(ch)]);
            invalid |= a | b;
            trailing = b & 0x0f;
            *x = a << 2 | b >> 4;
        }
        ([a, b, c], [x, y]) => {
            let [a, b, c] = [*a, *b, *c].map(|ch| DECODE[usize::from(ch)]);
            invalid |= a | b | c;
            trailing = c & 0x03;
            *x = a << 2 | b >> 4;
            *y = b << 4 | c >> 2;
        }
        _ => return None,
    }
    // Valid values are below 64: an invalid character (0xff) sets the top bits.
    (invalid & 0xc0 == 0 && trailing == 0).then_some(len)
}

/// Decodes Tencent's base64. Like the official Go verifier (which maps `_-*` back to `=/+` and
/// decodes standard base64), this also accepts the standard characters; padding is optional.
pub(crate) fn decode_tim(text: &str) -> Option<Vec<u8>> {
    let mapped: Vec<u8> = text
        .bytes()
        .map(|b| match b {
            b'*' => b'+',
            b'-' => b'/',
            b'_' => b'=',
            other => other,
        })
        .collect();
    STANDARD_LENIENT.decode(mapped).ok()
}

/// Adler-32 (RFC 1950 §9), the zlib trailer checksum.
///
/// Hand-written rather than a dependency: it is a dozen lines, and keeping the crate's
/// dependency list to the audited few is a checked invariant of the workspace.
pub(crate) fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65_521;
    // Even and odd bytes of a little-endian word, as four 16-bit lanes each.
    const LANES: u64 = 0x00ff_00ff_00ff_00ff;
    let lane = |x: u64, k: u32| ((x >> (16 * k)) & 0xffff) as u32;
    let (mut a, mut b) = (1u32, 0u32);
    // 128 bytes (16 words) at a time, in SWAR form: lane k of `even` sums the bytes at offset
    // 2k of each word, `odd` those at 2k + 1, and before each word `even_b`/`odd_b` add the
    // lanes' running sums. A byte at offset p of word j (of m) contributes m - j - 1 times
    // through `*_b`, times 8, plus 8 - p at the end: n - (8j + p) in all, as in the
    // byte-at-a-time definition. Lanes stay below 2^16: at most 255·16 and 255·16·15/2.
    for chunk in data.chunks(128) {
        let mut words = chunk.chunks_exact(8);
        let (mut even, mut odd, mut even_b, mut odd_b) = (0u64, 0u64, 0u64, 0u64);
        let mut n = 0u32;
        for word in &mut words {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(word);
            let w = u64::from_le_bytes(bytes);
            even_b += even;
            odd_b += odd;
            even += w & LANES;
            odd += (w >> 8) & LANES;
            n += 8;
        }
        let (mut sum, mut sum_b, mut weighted) = (0u32, 0u32, 0u32);
        for k in 0..4 {
            sum += lane(even, k) + lane(odd, k);
            sum_b += lane(even_b, k) + lane(odd_b, k);
            weighted += (8 - 2 * k) * lane(even, k) + (7 - 2 * k) * lane(odd, k);
        }
        b += n * a + 8 * sum_b + weighted;
        a += sum;
        for &byte in words.remainder() {
            a += u32::from(byte);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

/// Wraps `data` in a zlib stream of stored (uncompressed) deflate blocks.
pub(crate) fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let blocks = data.len().div_ceil(MAX_STORED_BLOCK).max(1);
    let mut out = Vec::with_capacity(2 + blocks * 5 + data.len() + 4);
    // CMF 0x78: deflate, 32 KiB window. FLG 0x01: no dictionary, level "fastest", and
    // 0x7801 % 31 == 0 as the FCHECK rule requires. This is what zlib writes at level 0.
    out.extend_from_slice(&[0x78, 0x01]);
    let mut chunks = data.chunks(MAX_STORED_BLOCK).peekable();
    if chunks.peek().is_none() {
        // One final, empty stored block.
        out.extend_from_slice(&[0x01, 0x00, 0x00, 0xff, 0xff]);
    }
    while let Some(chunk) = chunks.next() {
        let last = chunks.peek().is_none();
        // BFINAL in bit 0, BTYPE = 00 (stored) in bits 1-2, then padding to the byte boundary.
        out.push(u8::from(last));
        let len = u16::try_from(chunk.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

/// Bytes in front of the data in [`zlib_stored_in_place`]: zlib header and one stored-block header.
pub(crate) const STORED_HEADER: usize = 7;

/// [`zlib_stored`] for a buffer whose first [`STORED_HEADER`] bytes were reserved for the
/// headers: the data after them is wrapped without copying when it fits one stored block.
pub(crate) fn zlib_stored_in_place(mut buf: Vec<u8>) -> Vec<u8> {
    let end = buf.len();
    buf.extend_from_slice(&[0; 4]);
    match frame_stored(&mut buf, end) {
        Some(_) => buf,
        None => zlib_stored(buf.get(STORED_HEADER..end).unwrap_or_default()),
    }
}

/// Frames `buf[STORED_HEADER..end]` as a zlib stream of one stored block, in place: writes
/// the headers in front and the Adler-32 at `end`. Returns the stream's length, or `None` when
/// the data is over one block or there is no room for the trailer.
pub(crate) fn frame_stored(buf: &mut [u8], end: usize) -> Option<usize> {
    let data = buf.get(STORED_HEADER..end)?;
    let len = u16::try_from(data.len()).ok()?;
    let adler = adler32(data).to_be_bytes();
    buf.get_mut(end..end + 4)?.copy_from_slice(&adler);
    let [lo, hi] = len.to_le_bytes();
    let [nlo, nhi] = (!len).to_le_bytes();
    // Same bytes as `zlib_stored`: header, one final stored block, trailer.
    buf.get_mut(..STORED_HEADER)?
        .copy_from_slice(&[0x78, 0x01, 0x01, lo, hi, nlo, nhi]);
    Some(end + 4)
}

/// Why a zlib stream was refused (all map to one public error kind).
#[derive(Debug)]
pub(crate) struct InflateError;

/// Inflates a complete zlib stream. Trailing bytes after the stream are an error, as is a
/// document larger than [`MAX_DOCUMENT`].
pub(crate) fn inflate(stream: &[u8]) -> Result<Cow<'_, [u8]>, InflateError> {
    let [cmf, flg, ..] = *stream else {
        return Err(InflateError);
    };
    // CM = 8 (deflate), CINFO <= 7, header checksum, and no preset dictionary (FDICT).
    if cmf & 0x0f != 8 || cmf >> 4 > 7 || (u16::from(cmf) << 8 | u16::from(flg)) % 31 != 0 {
        return Err(InflateError);
    }
    if flg & 0x20 != 0 {
        return Err(InflateError);
    }
    match inflate_stored(&stream[2..]) {
        Stored::Done(data) => Ok(data),
        Stored::Invalid => Err(InflateError),
        Stored::Compressed => inflate_general(stream).map(Cow::Owned),
    }
}

enum Stored<'a> {
    Done(Cow<'a, [u8]>),
    Invalid,
    Compressed,
}

/// Fast path: a deflate body made only of stored blocks (what this crate and the official Go
/// signer emit). A single block is returned without copying.
fn inflate_stored(body: &[u8]) -> Stored<'_> {
    let mut pos = 0;
    let mut out: Cow<'_, [u8]> = Cow::Borrowed(&[]);
    loop {
        let Some(&header) = body.get(pos) else {
            return Stored::Invalid;
        };
        if (header >> 1) & 0b11 != 0b00 {
            // A compressed block: only the general inflater can say where it ends. Stored
            // blocks seen so far are re-read by it, which keeps this path simple.
            return Stored::Compressed;
        }
        let Some(lens) = body.get(pos + 1..pos + 5) else {
            return Stored::Invalid;
        };
        let len = u16::from_le_bytes([lens[0], lens[1]]);
        let nlen = u16::from_le_bytes([lens[2], lens[3]]);
        if len != !nlen {
            return Stored::Invalid;
        }
        let start = pos + 5;
        let end = start + usize::from(len);
        let Some(chunk) = body.get(start..end) else {
            return Stored::Invalid;
        };
        if out.is_empty() {
            out = Cow::Borrowed(chunk);
        } else {
            out.to_mut().extend_from_slice(chunk);
        }
        if out.len() > MAX_DOCUMENT {
            return Stored::Invalid;
        }
        pos = end;
        if header & 1 == 1 {
            break;
        }
    }
    match body.get(pos..) {
        Some(trailer)
            if trailer.len() == 4
                && u32::from_be_bytes([trailer[0], trailer[1], trailer[2], trailer[3]])
                    == adler32(&out) =>
        {
            Stored::Done(out)
        }
        _ => Stored::Invalid,
    }
}

/// General path: any zlib stream, via `flate2` (which checks the Adler-32 trailer).
fn inflate_general(stream: &[u8]) -> Result<Vec<u8>, InflateError> {
    use flate2::{Decompress, FlushDecompress, Status};

    let mut inflater = Decompress::new(true);
    let mut out = Vec::with_capacity(stream.len().saturating_mul(3).clamp(256, MAX_DOCUMENT));
    loop {
        if out.len() == out.capacity() {
            if out.len() > MAX_DOCUMENT {
                return Err(InflateError);
            }
            // Doubling; the checks above and below bound the total to about 2 MAX_DOCUMENT.
            out.reserve(out.len().max(256));
        }
        let consumed = usize::try_from(inflater.total_in()).map_err(|_| InflateError)?;
        let input = stream.get(consumed..).ok_or(InflateError)?;
        let before = (inflater.total_in(), inflater.total_out());
        let status = inflater
            .decompress_vec(input, &mut out, FlushDecompress::None)
            .map_err(|_| InflateError)?;
        match status {
            Status::StreamEnd => break,
            Status::Ok | Status::BufError => {
                let progressed = (inflater.total_in(), inflater.total_out()) != before;
                if !progressed && out.len() < out.capacity() {
                    // Input exhausted before the end of the stream: truncated.
                    return Err(InflateError);
                }
            }
        }
    }
    if out.len() > MAX_DOCUMENT || usize::try_from(inflater.total_in()).ok() != Some(stream.len()) {
        return Err(InflateError);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adler32_known_answers() {
        // RFC 1950 examples and zlib's documented values.
        assert_eq!(adler32(b""), 1);
        assert_eq!(adler32(b"a"), 0x0062_0062);
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
        // Every remainder length, against the byte-at-a-time definition, with all-0xff input
        // (the largest lane values) and varied input.
        for len in 0..400 {
            let data: Vec<u8> = if len % 2 == 0 {
                vec![0xff; len]
            } else {
                (0..len).map(|i| (i * 37 + 200) as u8).collect()
            };
            let (mut a, mut b) = (1u32, 0u32);
            for &x in &data {
                a = (a + u32::from(x)) % 65_521;
                b = (b + a) % 65_521;
            }
            assert_eq!(adler32(&data), (b << 16) | a, "len {len}");
        }
        // Long input exercises the modulo chunking.
        let long = vec![0xffu8; 100_000];
        let (mut a, mut b) = (1u64, 0u64);
        for &x in &long {
            a = (a + u64::from(x)) % 65_521;
            b = (b + a) % 65_521;
        }
        assert_eq!(u64::from(adler32(&long)), (b << 16) | a);
    }

    #[test]
    fn tim_base64_uses_the_tencent_alphabet() {
        // 0xfb 0xff → "+/8=" in standard base64.
        assert_eq!(encode_tim(&[0xfb, 0xff]), "*-8_");
        assert_eq!(decode_tim("*-8_").as_deref(), Some(&[0xfb, 0xff][..]));
        assert_eq!(decode_tim("+/8=").as_deref(), Some(&[0xfb, 0xff][..]));
        assert_eq!(decode_tim("*-8").as_deref(), Some(&[0xfb, 0xff][..]));
        assert_eq!(decode_tim("*-8_x"), None);
    }

    #[test]
    fn tim_encoding_matches_the_base64_crate() {
        for len in 0..70 {
            let data: Vec<u8> = (0..len).map(|i| (i * 97 + 13) as u8).collect();
            let standard = general_purpose::STANDARD.encode(&data);
            let mapped: String = standard
                .chars()
                .map(|c| match c {
                    '+' => '*',
                    '/' => '-',
                    '=' => '_',
                    c => c,
                })
                .collect();
            assert_eq!(encode_tim(&data), mapped, "len {len}");
            let mut out = [0u8; 128];
            let n = decode_tim_fast(mapped.as_bytes(), &mut out);
            assert_eq!(n.map(|n| &out[..n]), Some(&data[..]), "len {len}");
            let n = decode_tim_fast(standard.trim_end_matches('=').as_bytes(), &mut out);
            assert_eq!(n.map(|n| &out[..n]), Some(&data[..]), "len {len}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        /// Whenever the one-pass decoder answers, the general one agrees; on the encodings of
        /// random bytes, it always answers.
        #[test]
        fn fast_decoding_agrees(
            text in "[A-Za-z0-9*+/_=-]{0,40}[_=!]{0,3}",
            data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..60),
        ) {
            let mut out = [0u8; 64];
            if let Some(n) = decode_tim_fast(text.as_bytes(), &mut out) {
                let general = decode_tim(&text);
                proptest::prop_assert_eq!(general.as_deref(), Some(&out[..n]));
            }
            let n = decode_tim_fast(encode_tim(&data).as_bytes(), &mut out);
            proptest::prop_assert_eq!(n.map(|n| &out[..n]), Some(&data[..]));
        }
    }

    #[test]
    fn stored_stream_matches_flate2_level_0_and_inflates() {
        use std::io::Write as _;
        for len in [0usize, 1, 200, 65_535, 65_536, 140_000] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            let ours = zlib_stored(&data);
            let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::none());
            enc.write_all(&data).unwrap();
            let theirs = enc.finish().unwrap();
            // flate2 decodes ours...
            let mut dec = flate2::write::ZlibDecoder::new(Vec::new());
            dec.write_all(&ours).unwrap();
            assert_eq!(dec.finish().unwrap(), data, "len {len}");
            // ...and our fast path decodes both, identically.
            assert_eq!(inflate(&ours).unwrap().as_ref(), &data[..], "len {len}");
            assert_eq!(inflate(&theirs).unwrap().as_ref(), &data[..], "len {len}");
        }
    }

    #[test]
    fn compressed_streams_take_the_general_path() {
        use std::io::Write as _;
        let data = b"{\"TLS.ver\":\"2.0\",\"TLS.identifier\":\"xiaojun\"}".repeat(20);
        for level in [1, 6, 9] {
            let mut enc =
                flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(level));
            enc.write_all(&data).unwrap();
            let stream = enc.finish().unwrap();
            assert_eq!(inflate(&stream).unwrap().as_ref(), &data[..]);
            // Truncation, trailing garbage and a flipped checksum are all refused.
            assert!(inflate(&stream[..stream.len() - 1]).is_err());
            let mut trailing = stream.clone();
            trailing.push(0);
            assert!(inflate(&trailing).is_err());
            let mut bad = stream.clone();
            let last = bad.len() - 1;
            bad[last] ^= 1;
            assert!(inflate(&bad).is_err());
        }
    }

    #[test]
    fn in_place_stream_equals_zlib_stored() {
        for len in [0usize, 1, 200, 65_535, 65_536, 140_000] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            let mut buf = vec![0xaa; STORED_HEADER];
            buf.extend_from_slice(&data);
            assert_eq!(zlib_stored_in_place(buf), zlib_stored(&data), "len {len}");
        }
    }

    #[test]
    fn stored_stream_damage_is_refused() {
        let ours = zlib_stored(b"hello");
        for cut in 0..ours.len() {
            assert!(inflate(&ours[..cut]).is_err(), "cut at {cut}");
        }
        let mut bad = ours.clone();
        bad[3] ^= 1; // LEN no longer matches NLEN
        assert!(inflate(&bad).is_err());
        let mut bad = ours.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1; // Adler-32
        assert!(inflate(&bad).is_err());
        let mut bad = ours;
        bad[1] = 0x02; // header checksum
        assert!(inflate(&bad).is_err());
    }

    #[test]
    fn zlib_bombs_are_refused() {
        use std::io::Write as _;
        let data = vec![b'a'; MAX_DOCUMENT + 1];
        let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(&data).unwrap();
        assert!(inflate(&enc.finish().unwrap()).is_err());
        assert!(inflate(&zlib_stored(&data)).is_err());
        let fits = vec![b'a'; MAX_DOCUMENT];
        let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(&fits).unwrap();
        assert_eq!(inflate(&enc.finish().unwrap()).unwrap().len(), MAX_DOCUMENT);
    }
}
