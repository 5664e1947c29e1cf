//! Texts compared and looked up without wasm's `memcmp`.
//!
//! In wasm, `==` on slices calls a `memcmp` that compares byte by byte, where natively the C
//! library's compares 16 or 32 bytes at a time. The parsers compare long texts on every line —
//! remembered klog messages (`nodelog::recent`), the raw `user` and `objectRef` objects of
//! every audit event (100–200 bytes each, looked up in maps keyed by their text) — so in the
//! worker they are compared 8 bytes at a time instead: [`same`], and [`TextMap`], a map from
//! texts whose lookups use it. Profiled in node (the worker's parse of a 200 MB audit log),
//! `memcmp` was 6% of the wasm time, nearly all of it these map lookups.

use crate::fxhash::{FxHasher, FxMap};
use std::hash::Hasher;

/// Whether `a` and `b` are equal: 8 bytes at a time in wasm (see the module docs), the C
/// library's `memcmp` elsewhere.
#[inline]
pub(crate) fn same(a: &[u8], b: &[u8]) -> bool {
    if cfg!(target_arch = "wasm32") {
        same_words(a, b)
    } else {
        a == b
    }
}

/// Slice equality 8 bytes at a time (see [`same`]); the last word overlaps the one before
/// rather than ending byte by byte. An index loop: iterator adapters here (`chunks_exact` and
/// `zip`) were left as calls in the size-optimized wasm build, 2% of reading a klog file.
#[inline]
fn same_words(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word = |s: &[u8], i: usize| u64::from_ne_bytes(s[i..i + 8].try_into().expect("8 bytes"));
    if n < 8 {
        let mut i = 0;
        while i < n && a[i] == b[i] {
            i += 1;
        }
        return i == n;
    }
    let mut i = 0;
    while i + 8 < n {
        if word(a, i) != word(b, i) {
            return false;
        }
        i += 8;
    }
    word(a, n - 8) == word(b, n - 8)
}

/// A map from texts to values, found by the text's FxHash and confirmed with [`same`] (a
/// `HashMap<Box<str>, V>` confirms with `memcmp`). A text whose hash another text already holds
/// goes to a plain map beside it, so every text keeps its own value.
pub(crate) struct TextMap<V> {
    by_hash: FxMap<u64, (Box<str>, V)>,
    collided: FxMap<Box<str>, V>,
}

impl<V> Default for TextMap<V> {
    fn default() -> Self {
        Self {
            by_hash: FxMap::default(),
            collided: FxMap::default(),
        }
    }
}

fn hash(s: &str) -> u64 {
    let mut h = FxHasher::default();
    h.write(s.as_bytes());
    h.finish()
}

impl<V> TextMap<V> {
    /// The value of `s`.
    #[inline]
    pub fn get(&self, s: &str) -> Option<&V> {
        self.get_hashed(hash(s), s)
    }

    /// Set the value of `s`.
    pub fn insert(&mut self, s: &str, v: V) {
        self.insert_hashed(hash(s), s, v)
    }

    #[inline]
    fn get_hashed(&self, h: u64, s: &str) -> Option<&V> {
        match self.by_hash.get(&h) {
            Some((k, v)) if same(k.as_bytes(), s.as_bytes()) => Some(v),
            Some(_) => self.collided.get(s),
            None => None,
        }
    }

    fn insert_hashed(&mut self, h: u64, s: &str, v: V) {
        use std::collections::hash_map::Entry;
        match self.by_hash.entry(h) {
            Entry::Vacant(e) => {
                e.insert((s.into(), v));
            }
            Entry::Occupied(mut e) if same(e.get().0.as_bytes(), s.as_bytes()) => e.get_mut().1 = v,
            Entry::Occupied(_) => {
                self.collided.insert(s.into(), v);
            }
        }
    }

    /// Texts held.
    pub fn len(&self) -> usize {
        self.by_hash.len() + self.collided.len()
    }

    /// Forget every text.
    pub fn clear(&mut self) {
        self.by_hash.clear();
        self.collided.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_words_is_slice_equality() {
        let text = b"I1205 01:02:03.456789 1 kubelet.go:2000] SyncLoop (PLEG): event";
        for n in 0..text.len() {
            let a = &text[..n];
            assert!(same_words(a, a));
            assert!(!same_words(a, &text[..n + 1]));
            for k in 0..n {
                let mut b = a.to_vec();
                b[k] ^= 1;
                assert!(!same_words(a, &b), "{n} {k}");
            }
        }
    }

    /// Texts of one hash keep their own values (real collisions are rare: here every text is
    /// put under one hash), and the public surface agrees with a `HashMap`.
    #[test]
    fn texts_sharing_a_hash_keep_their_values() {
        let texts = ["{\"username\":\"a\"}", "{\"username\":\"b\"}", "", "x"];
        let mut m: TextMap<u32> = TextMap::default();
        for (i, t) in texts.iter().enumerate() {
            m.insert_hashed(0, t, i as u32);
        }
        m.insert_hashed(0, "x", 9);
        assert_eq!(m.len(), texts.len());
        let found: Vec<_> = texts.iter().map(|t| m.get_hashed(0, t).copied()).collect();
        assert_eq!(found, [Some(0), Some(1), Some(2), Some(9)]);
        assert_eq!(m.get_hashed(0, "y"), None);

        let mut m: TextMap<u32> = TextMap::default();
        for (i, t) in texts.iter().enumerate() {
            m.insert(t, i as u32);
        }
        m.insert("x", 9);
        assert_eq!(m.len(), texts.len());
        assert_eq!(
            (m.get("x"), m.get(texts[0]), m.get("y")),
            (Some(&9), Some(&0), None)
        );
        m.clear();
        assert_eq!((m.len(), m.get("x")), (0, None));
    }
}
