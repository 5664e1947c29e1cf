//! A memo of the messages seen lately, for the per-message work that depends on the text only
//! (its class, its template). Logs repeat messages word for word — a real kubelet log has 4,818
//! distinct messages in 25,521 lines — so most lookups hit.
//!
//! Two-way set-associative (two slots per hash bucket, the one used last first; a newcomer
//! replaces the other): memory and lookup cost stay fixed however many distinct messages a
//! file has, and the slots follow the messages a log repeats now. With one slot per bucket,
//! messages sharing a bucket evicted each other: on the real kubelet log repeated (4,818
//! distinct messages) a quarter of lookups missed and classification by Aho-Corasick was still
//! 9% of reading it. Where nearly every message is new, looking up costs more
//! than it saves, so after a window of lookups that mostly missed the memo is not consulted
//! for a while, then tried again.

use crate::fxhash::FxHasher;
use crate::textmap::same;
use std::hash::Hasher;

/// Buckets (a power of two) of two slots each: some hundreds of kB with their messages.
const SETS: usize = 1 << 13;
/// Longer messages are not remembered (they rarely repeat and would hold the most memory).
const MAX_LEN: usize = 512;
/// Lookups per window; a window with fewer hits than this many 32ths turns the memo off …
const WINDOW: u32 = 4096;
const MIN_HITS_32THS: u32 = 2;
/// … for this many messages.
const OFF_FOR: u32 = 1 << 16;

struct Slot<V> {
    hash: u64,
    key: Vec<u8>,
    value: Option<V>,
}

/// Message → value memo; see the module docs.
pub struct Recent<V> {
    slots: Vec<Slot<V>>,
    looks: u32,
    hits: u32,
    off: u32,
}

impl<V> Default for Recent<V> {
    fn default() -> Self {
        Recent {
            slots: Vec::new(),
            looks: 0,
            hits: 0,
            off: 0,
        }
    }
}

/// Where a missed message goes once its value is known ([`Recent::put`]).
pub struct Miss {
    slot: Option<(usize, u64)>,
}

thread_local! {
    static OFF_HERE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Run `f` with every memo created on this thread never consulted: the reference the memos are
/// tested against (a memo is a cache: what a file reads as must not depend on it).
pub fn with_memos_off<R>(f: impl FnOnce() -> R) -> R {
    OFF_HERE.with(|o| o.set(true));
    let r = f();
    OFF_HERE.with(|o| o.set(false));
    r
}

#[cfg(test)]
impl<V> Recent<V> {
    /// A memo never consulted: the reference the tests compare with.
    pub(crate) fn never() -> Self {
        Recent {
            off: u32::MAX,
            ..Recent::default()
        }
    }
}

impl Miss {
    /// Whether [`Recent::put`] would keep anything (the memo is on, the message not too long).
    pub fn wanted(&self) -> bool {
        self.slot.is_some()
    }
}

impl<V: Copy> Recent<V> {
    /// The value remembered for `key`, or where to [`put`](Recent::put) it.
    #[inline]
    pub fn get(&mut self, key: &[u8]) -> Result<V, Miss> {
        if self.off > 0 {
            self.off -= 1;
            return Err(Miss { slot: None });
        }
        if key.len() > MAX_LEN {
            return Err(Miss { slot: None });
        }
        if self.slots.is_empty() {
            if OFF_HERE.with(|o| o.get()) {
                self.off = u32::MAX;
                return Err(Miss { slot: None });
            }
            self.slots = (0..2 * SETS)
                .map(|_| Slot {
                    hash: 0,
                    key: Vec::new(),
                    value: None,
                })
                .collect();
        }
        let mut h = FxHasher::default();
        h.write(key);
        let hash = h.finish();
        // The high bits: FxHash's low bits mix least.
        let at = (hash >> (64 - SETS.trailing_zeros())) as usize;
        self.looks += 1;
        let holds = |s: &Slot<V>| match s.value {
            Some(v) if s.hash == hash && same(&s.key, key) => Some(v),
            _ => None,
        };
        let mut hit = holds(&self.slots[2 * at]);
        if hit.is_none() {
            hit = holds(&self.slots[2 * at + 1]);
            if hit.is_some() {
                self.slots.swap(2 * at, 2 * at + 1);
            }
        }
        if hit.is_some() {
            self.hits += 1;
        }
        if self.looks == WINDOW {
            if self.hits * 32 < WINDOW * MIN_HITS_32THS {
                self.off = OFF_FOR;
            }
            self.looks = 0;
            self.hits = 0;
        }
        hit.ok_or(Miss {
            slot: Some((at, hash)),
        })
    }

    /// Remember `value` for `key` after a [`get`](Recent::get) missed it.
    #[inline]
    pub fn put(&mut self, miss: Miss, key: &[u8], value: V) {
        let Some((at, hash)) = miss.slot else {
            return;
        };
        // The slot used last becomes the second; the newcomer takes the first, in the place (and
        // the buffer) of the slot used least.
        self.slots.swap(2 * at, 2 * at + 1);
        let s = &mut self.slots[2 * at];
        s.hash = hash;
        s.key.clear();
        s.key.extend_from_slice(key);
        s.value = Some(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_replaces_and_steps_aside_when_nothing_repeats() {
        let mut r: Recent<u32> = Recent::default();
        let m = r.get(b"a").unwrap_err();
        r.put(m, b"a", 1);
        assert_eq!(r.get(b"a").ok(), Some(1));
        assert!(r.get(b"b").is_err());
        // Two messages of one bucket are both remembered; a third evicts the one used least.
        let set = |k: &[u8]| {
            let mut h = FxHasher::default();
            h.write(k);
            h.finish() >> (64 - SETS.trailing_zeros())
        };
        let mut same = (0u32..)
            .map(|i| i.to_le_bytes())
            .filter(|k| set(k) == set(b"a"));
        let (b, c) = (same.next().unwrap(), same.next().unwrap());
        let m = r.get(&b).unwrap_err();
        r.put(m, &b, 2);
        assert_eq!((r.get(b"a").ok(), r.get(&b).ok()), (Some(1), Some(2)));
        let m = r.get(&c).unwrap_err();
        r.put(m, &c, 3);
        assert_eq!(r.get(b"a").ok(), None);
        assert_eq!((r.get(&b).ok(), r.get(&c).ok()), (Some(2), Some(3)));
        // Every message new: after a window the memo is off (nothing is looked up or kept).
        let mut r: Recent<u32> = Recent::default();
        for i in 0..WINDOW {
            let k = i.to_le_bytes();
            if let Err(m) = r.get(&k) {
                r.put(m, &k, i);
            }
        }
        assert!(r.off > 0);
        let m = r.get(b"x").unwrap_err();
        assert!(m.slot.is_none());
    }
}
