//! The byte layers under the JSON document: Tencent's base64 alphabet and zlib.
//!
//! Everything that reads untrusted bytes here is a maintained crate: `base64`'s engines (one with
//! Tencent's alphabet) and `miniz_oxide`'s inflater (flate2's own backend), with a size limit
//! against zlib bombs. The one piece written here is the *writer* of a zlib stored stream (RFC
//! 1950 header `78 01`, RFC 1951 stored blocks, the `adler2` crate's Adler-32 trailer) for
//! signing: a valid zlib stream every inflater accepts, without setting up a deflate state, which
//! costs several microseconds even at level 0. It frames our own output and parses nothing.

use base64::Engine as _;
use base64::alphabet::Alphabet;
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

/// Tencent's alphabet: the standard one with `+/` replaced by `*-` (its padding, `_`, is added
/// and stripped around the engine, which only pads with `=`).
const TIM_ALPHABET: Alphabet =
    match Alphabet::new("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-") {
        Ok(alphabet) => alphabet,
        // Evaluated at compile time: a malformed alphabet fails the build, never a run.
        Err(_) => panic!("Tencent's base64 alphabet is malformed"),
    };

/// Tencent's alphabet without padding (encode: the caller pads with `_`; decode: padding is
/// stripped first), canonical trailing bits required on decode.
const TIM_ENGINE: GeneralPurpose = GeneralPurpose::new(
    &TIM_ALPHABET,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone),
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
pub(crate) fn encode_tim(bytes: &[u8]) -> String {
    let mut out = TIM_ENGINE.encode(bytes);
    let padding = (3 - bytes.len() % 3) % 3;
    out.extend(std::iter::repeat_n('_', padding));
    out
}

/// The common case of [`decode_tim`], into `out` without allocating: Tencent's alphabet only,
/// padding (`_` or `=`) absent or canonical, zero trailing bits. Returns the decoded length, or
/// `None` for anything else (the standard alphabet's `+/`, `out` too small, ...), which
/// [`decode_tim`] then judges. When it answers, the bytes are the ones [`decode_tim`] returns
/// (property-tested).
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
    TIM_ENGINE.decode_slice(unpadded, out).ok()
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

/// Adler-32 (RFC 1950 §9), the zlib trailer checksum, from the `adler2` crate.
pub(crate) fn adler32(data: &[u8]) -> u32 {
    adler2::adler32_slice(data)
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

/// Inflates a complete zlib stream with `miniz_oxide` (header, Adler-32 trailer and every block
/// checked by it). Trailing bytes after the stream are an error, as is a document larger than
/// [`MAX_DOCUMENT`].
///
/// `miniz_oxide`'s core decompressor rather than `flate2::Decompress`: the same code, without the
/// 32 KiB window `flate2` allocates and clears per stream (the whole output is kept in one buffer
/// instead, which is all the window a complete stream needs).
pub(crate) fn inflate(stream: &[u8]) -> Result<Vec<u8>, InflateError> {
    use miniz_oxide::inflate::TINFLStatus;
    use miniz_oxide::inflate::core::{DecompressorOxide, decompress, inflate_flags};

    let flags = inflate_flags::TINFL_FLAG_PARSE_ZLIB_HEADER
        | inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
    let mut state = DecompressorOxide::new();
    // One byte over the limit, so a document of exactly MAX_DOCUMENT bytes fits and a larger one
    // is seen.
    let cap = MAX_DOCUMENT + 1;
    let mut out = vec![0u8; stream.len().saturating_mul(2).clamp(256, cap)];
    let (mut read, mut written) = (0, 0);
    loop {
        let input = stream.get(read..).ok_or(InflateError)?;
        let (status, consumed, produced) = decompress(&mut state, input, &mut out, written, flags);
        read += consumed;
        written += produced;
        match status {
            TINFLStatus::Done => break,
            TINFLStatus::HasMoreOutput if out.len() < cap => {
                let grown = out.len().saturating_mul(2).min(cap);
                out.resize(grown, 0);
            }
            _ => return Err(InflateError),
        }
    }
    if written > MAX_DOCUMENT || read != stream.len() {
        return Err(InflateError);
    }
    out.truncate(written);
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
            // Unpadded, too; the standard alphabet is left to the general decoder.
            let n = decode_tim_fast(mapped.trim_end_matches('_').as_bytes(), &mut out);
            assert_eq!(n.map(|n| &out[..n]), Some(&data[..]), "len {len}");
            assert_eq!(
                decode_tim(&standard).as_deref(),
                Some(&data[..]),
                "len {len}"
            );
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
            // ...and our inflater decodes both, identically.
            assert_eq!(inflate(&ours).unwrap(), data, "len {len}");
            assert_eq!(inflate(&theirs).unwrap(), data, "len {len}");
        }
    }

    #[test]
    fn compressed_streams_inflate_and_damage_is_refused() {
        use std::io::Write as _;
        let data = b"{\"TLS.ver\":\"2.0\",\"TLS.identifier\":\"xiaojun\"}".repeat(20);
        for level in [1, 6, 9] {
            let mut enc =
                flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(level));
            enc.write_all(&data).unwrap();
            let stream = enc.finish().unwrap();
            assert_eq!(inflate(&stream).unwrap(), data);
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
