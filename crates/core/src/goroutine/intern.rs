//! Fast interning of the byte strings a dump repeats thousands of times (function names, file
//! paths, argument lists, whole stacks). The std SipHash is DoS-resistant but several times
//! slower than needed for trusted, short keys; parsing speed is dominated by these lookups.

pub use crate::fxhash::FxMap;

/// Deduplicating byte-string table feeding [`super::Data::strings`]; id 0 is always `""`.
#[derive(Default)]
pub struct Strings {
    /// The strings, by id.
    pub list: Vec<String>,
    index: FxMap<Vec<u8>, u32>,
}

impl Strings {
    /// A table holding only `""` (id 0).
    pub fn new() -> Self {
        let mut s = Strings::default();
        s.intern(b"");
        s
    }

    /// The id of `b`, adding it on first sight (invalid UTF-8 is replaced).
    #[inline]
    pub fn intern(&mut self, b: &[u8]) -> u32 {
        if let Some(&i) = self.index.get(b) {
            return i;
        }
        let i = self.list.len() as u32;
        self.list.push(String::from_utf8_lossy(b).into_owned());
        self.index.insert(b.to_vec(), i);
        i
    }

    /// The bytes each string was interned from, by id (they differ from the string where
    /// invalid UTF-8 was replaced).
    pub fn raw(&self) -> Vec<&[u8]> {
        let mut raw: Vec<&[u8]> = vec![&[]; self.list.len()];
        for (k, &i) in &self.index {
            raw[i as usize] = k;
        }
        raw
    }
}
