//! The string table for the audit parser's hot path (on the crate's FxHash maps): user names,
//! verbs, resources and auditIDs repeat on every row, and a row costs a dozen lookups.

pub(crate) use crate::fxhash::FxMap;
use crate::textmap::TextMap;

/// Interning while reading; turned into the serializable [`crate::event::Interner`] at the end.
#[derive(Default)]
pub(crate) struct FastInterner {
    pub strings: Vec<String>,
    index: TextMap<u32>,
}

impl FastInterner {
    /// Index of `s`, adding it on first use.
    #[inline]
    pub fn intern(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.strings.len() as u32;
        self.strings.push(s.to_string());
        self.index.insert(s, i);
        i
    }
}
