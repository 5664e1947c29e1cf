//! FxHash (the hasher rustc uses) for the parsers' hot-path maps: one multiply-rotate per word.
//!
//! The keys are names, paths, IDs and argument lists of files being read: there is no adversary
//! to defend against with SipHash, and parsing speed is dominated by these lookups.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// FxHash-style multiplicative hasher (the one rustc uses): fast on short keys.
#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;
/// The second lane's start for long keys (any odd constant other than `SEED`).
const SEED2: u64 = 0x9e_37_79_b9_7f_4a_7c_15;

impl FxHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.hash = (self.hash.rotate_left(5) ^ w).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut bytes = bytes;
        if bytes.len() >= 32 {
            // Long keys (the raw `user` and `objectRef` texts the audit parser caches by
            // content, ~100–200 bytes) in two lanes: the chain of multiplies, not the loads,
            // bounds one lane's speed.
            let mut a = self.hash;
            let mut b = SEED2;
            let mut blocks = bytes.chunks_exact(16);
            for c in &mut blocks {
                let (x, y) = c.split_at(8);
                a = (a.rotate_left(5) ^ u64::from_le_bytes(x.try_into().unwrap()))
                    .wrapping_mul(SEED);
                b = (b.rotate_left(5) ^ u64::from_le_bytes(y.try_into().unwrap()))
                    .wrapping_mul(SEED);
            }
            self.hash = a;
            self.add(b);
            bytes = blocks.remainder();
        }
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes([
                c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7],
            ]));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut buf = [0u8; 8];
            buf[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(buf) ^ ((rest.len() as u64) << 56));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

/// A `HashMap` using [`FxHasher`].
pub type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(b: &[u8]) -> u64 {
        let mut h = FxHasher::default();
        h.write(b);
        h.finish()
    }

    /// Every byte of a key counts, in both lanes and the tail, and the length does.
    #[test]
    fn every_byte_and_the_length_count() {
        for len in 0..80 {
            let key: Vec<u8> = (0..len as u8).map(|i| b'a' + i % 26).collect();
            for at in 0..len {
                let mut other = key.clone();
                other[at] ^= 1;
                assert_ne!(hash(&key), hash(&other), "len {len}, byte {at}");
            }
            let mut longer = key.clone();
            longer.push(0);
            assert_ne!(hash(&key), hash(&longer), "len {len}");
        }
    }
}
