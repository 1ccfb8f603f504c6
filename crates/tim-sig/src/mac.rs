//! HMAC-SHA256 (RFC 2104) with the keyed states computed once per key.
//!
//! HMAC(K, m) = H((K' ⊕ opad) ‖ H((K' ⊕ ipad) ‖ m)), where K' is the key zero-padded to one
//! SHA-256 block (or hashed first when longer than a block). The two key blocks are the same for
//! every message, so [`KeyStates::new`] compresses them once and keeps the two SHA-256 chaining
//! values ("midstates"); a MAC then costs only the message blocks plus one outer block, instead
//! of the two extra key blocks and the key setup `hmac::Hmac` pays on every call.
//!
//! The midstates are as secret as the key (they let anyone compute MACs), so they live in
//! [`KeyStates`], which is zeroized on drop, and the running state [`Mac`] zeroizes itself too.
//! The SHA-256 compression function is `sha2`'s (`compress` feature: SHA-NI / AVX2 dispatch);
//! only the Merkle–Damgård padding is written here, and a test checks the result against
//! `hmac::Hmac<Sha256>`.

use sha2::Digest as _;
use sha2::digest::generic_array::GenericArray;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// SHA-256 initial chaining value (FIPS 180-4 §5.3.3).
const IV: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

const BLOCK: usize = 64;

/// Length of an HMAC-SHA256 tag.
pub(crate) const TAG_LEN: usize = 32;

fn compress(state: &mut [u32; 8], block: &[u8; BLOCK]) {
    sha2::compress256(
        state,
        core::slice::from_ref(GenericArray::from_slice(block)),
    );
}

/// The SHA-256 states after the `K' ⊕ ipad` and `K' ⊕ opad` blocks.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub(crate) struct KeyStates {
    inner: [u32; 8],
    outer: [u32; 8],
}

impl KeyStates {
    pub(crate) fn new(key: &[u8]) -> Self {
        let mut padded = [0u8; BLOCK];
        if key.len() > BLOCK {
            let mut digest = sha2::Sha256::digest(key);
            padded[..TAG_LEN].copy_from_slice(&digest);
            digest.zeroize();
        } else {
            padded[..key.len()].copy_from_slice(key);
        }
        let mut block = [0u8; BLOCK];
        let mut states = Self {
            inner: IV,
            outer: IV,
        };
        for (b, k) in block.iter_mut().zip(&padded) {
            *b = k ^ 0x36;
        }
        compress(&mut states.inner, &block);
        for (b, k) in block.iter_mut().zip(&padded) {
            *b = k ^ 0x5c;
        }
        compress(&mut states.outer, &block);
        padded.zeroize();
        block.zeroize();
        states
    }

    /// Starts a MAC under this key.
    pub(crate) fn mac(&self) -> Mac<'_> {
        Mac {
            keys: self,
            state: self.inner,
            buf: [0; BLOCK],
            buffered: 0,
            // The key block already hashed.
            total: BLOCK as u64,
        }
    }
}

/// A MAC in progress: feed it with [`Mac::update`], end with [`Mac::finalize`].
pub(crate) struct Mac<'k> {
    keys: &'k KeyStates,
    state: [u32; 8],
    buf: [u8; BLOCK],
    buffered: usize,
    /// Bytes hashed so far, including the key block.
    total: u64,
}

impl Mac<'_> {
    pub(crate) fn update(&mut self, mut data: &[u8]) {
        self.total = self.total.wrapping_add(data.len() as u64);
        if self.buffered > 0 {
            let take = (BLOCK - self.buffered).min(data.len());
            self.buf[self.buffered..self.buffered + take].copy_from_slice(&data[..take]);
            self.buffered += take;
            data = &data[take..];
            if self.buffered < BLOCK {
                return;
            }
            compress(&mut self.state, &self.buf);
            self.buffered = 0;
        }
        let mut blocks = data.chunks_exact(BLOCK);
        for block in &mut blocks {
            if let Ok(block) = <&[u8; BLOCK]>::try_from(block) {
                compress(&mut self.state, block);
            }
        }
        let rest = blocks.remainder();
        self.buf[..rest.len()].copy_from_slice(rest);
        self.buffered = rest.len();
    }

    /// The tag: `H(outer ‖ H(inner ‖ data))`.
    pub(crate) fn finalize(mut self) -> [u8; TAG_LEN] {
        // Inner hash: 0x80, zeros, the bit length (big-endian) in the last 8 bytes.
        let bits = self.total.wrapping_mul(8);
        self.buf[self.buffered] = 0x80;
        self.buf[self.buffered + 1..].fill(0);
        if self.buffered + 1 > BLOCK - 8 {
            compress(&mut self.state, &self.buf);
            self.buf.fill(0);
        }
        self.buf[BLOCK - 8..].copy_from_slice(&bits.to_be_bytes());
        compress(&mut self.state, &self.buf);

        // Outer hash: one block, the 32-byte inner digest then the padding for 64 + 32 bytes.
        self.buf.fill(0);
        for (out, word) in self.buf.chunks_exact_mut(4).zip(self.state) {
            out.copy_from_slice(&word.to_be_bytes());
        }
        self.buf[TAG_LEN] = 0x80;
        self.buf[BLOCK - 8..].copy_from_slice(&(((BLOCK + TAG_LEN) * 8) as u64).to_be_bytes());
        self.state = self.keys.outer;
        compress(&mut self.state, &self.buf);

        let mut tag = [0u8; TAG_LEN];
        for (out, word) in tag.chunks_exact_mut(4).zip(self.state) {
            out.copy_from_slice(&word.to_be_bytes());
        }
        tag
    }
}

impl Drop for Mac<'_> {
    fn drop(&mut self) {
        self.state.zeroize();
        self.buf.zeroize();
    }
}

/// Compares two byte strings in time that depends only on their lengths (the lengths are
/// public: a tag's is fixed). Every byte is XORed into one accumulator, with no early exit, and
/// the accumulator goes through `black_box` so the optimizer cannot turn the loop back into a
/// short-circuiting comparison.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut diff = 0u8;
    for (x, y) in a.iter().zip(b) {
        diff |= x ^ y;
    }
    core::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use hmac::{Hmac, Mac as _};
    use proptest::prelude::*;
    use sha2::Sha256;

    use super::*;

    fn reference(key: &[u8], parts: &[&[u8]]) -> [u8; TAG_LEN] {
        let mut mac = <Hmac<Sha256>>::new_from_slice(key).unwrap();
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }

    #[test]
    fn rfc_4231_test_case_2() {
        let tag = {
            let keys = KeyStates::new(b"Jefe");
            let mut mac = keys.mac();
            mac.update(b"what do ya want for nothing?");
            mac.finalize()
        };
        // RFC 4231 §4.3, HMAC-SHA-256.
        let expected: [u8; TAG_LEN] = [
            0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24, 0x26, 0x08, 0x95,
            0x75, 0xc7, 0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9,
            0x64, 0xec, 0x38, 0x43,
        ];
        assert_eq!(tag, expected);
        assert_eq!(tag, reference(b"Jefe", &[b"what do ya want for nothing?"]));
    }

    #[test]
    fn every_padding_boundary_matches_hmac() {
        // Message lengths around the one- and two-block padding boundaries, and key lengths
        // below, at and above the block size.
        for key_len in [0usize, 1, 32, 63, 64, 65, 200] {
            let key: Vec<u8> = (0..key_len).map(|i| (i * 31 + 7) as u8).collect();
            let keys = KeyStates::new(&key);
            for len in 0..200 {
                let data: Vec<u8> = (0..len).map(|i| (i * 13) as u8).collect();
                let mut mac = keys.mac();
                mac.update(&data);
                assert_eq!(
                    mac.finalize(),
                    reference(&key, &[&data]),
                    "key {key_len} len {len}"
                );
            }
        }
    }

    #[test]
    fn constant_time_eq_compares() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(!constant_time_eq(b"\x00bc", b"\x80bc"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn matches_hmac_for_random_keys_and_split_messages(
            key in proptest::collection::vec(any::<u8>(), 0..150),
            parts in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..150), 0..5),
        ) {
            let keys = KeyStates::new(&key);
            let mut mac = keys.mac();
            for part in &parts {
                mac.update(part);
            }
            let parts: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
            prop_assert_eq!(mac.finalize(), reference(&key, &parts));
        }
    }
}
