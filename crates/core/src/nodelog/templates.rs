//! Message templates: a Drain-style clusterer for log messages.
//!
//! Each message (klog header already stripped by the caller) is tokenized on spaces and
//! values are masked: any token holding a digit (numbers, IPs, durations, hex ids, UUIDs, pod
//! names with hashes), quoted strings and the value of `key=value`. The masked text is looked up
//! exactly; on a miss it is compared with the templates of the same length and first token
//! (Drain's fixed-depth tree) and merged into one when most tokens agree, the differing tokens
//! becoming `<*>`. Memory is bounded: past [`Miner::MAX`] templates new shapes share one
//! overflow template.

use crate::fxhash::FxMap;
use serde::{Deserialize, Serialize};

/// The placeholder for a masked value.
pub const WILD: &str = "<*>";

/// One mined template.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    /// The template text, values masked as `<*>`.
    pub text: String,
    /// Log entries that matched it.
    pub count: u64,
    /// Event kind of the entries (class name, or `log`).
    pub kind: String,
    /// 1-based line and byte offset of the first entry, to show an example.
    pub example_line: u64,
    pub example_offset: u64,
}

/// The online clusterer; see the module docs.
#[derive(Default)]
pub struct Miner {
    pub templates: Vec<Template>,
    tokens: Vec<Vec<String>>,
    exact: FxMap<String, u32>,
    buckets: FxMap<(usize, String), Vec<u32>>,
    buf: String,
    /// Messages seen verbatim lately → their template: a message whose masked text is in
    /// `exact` keeps that template for good (`exact` entries never change), so a repeated one
    /// skips masking and the masked lookup.
    verbatim: super::recent::Recent<u32>,
}

impl Miner {
    /// Most templates kept per file; beyond this new shapes go to one overflow template.
    pub const MAX: usize = 20_000;
    /// Tokens kept per template (long messages are cut, which also bounds cardinality).
    const MAX_TOKENS: usize = 40;
    /// Fraction of equal tokens for two same-length messages to share a template.
    const SIMILARITY: f32 = 0.6;

    /// The template id of `msg`, counting one entry. `kind`/`line`/`offset` describe the first
    /// entry when the template is new.
    pub fn add(&mut self, msg: &[u8], kind: &str, line: u64, offset: u64) -> u32 {
        let seen = match self.verbatim.get(msg) {
            Ok(id) => {
                self.count(id);
                return id;
            }
            Err(miss) => miss,
        };
        let (id, lasting) = self.template_of(msg, kind, line, offset, seen.wanted());
        if lasting {
            self.verbatim.put(seen, msg, id);
        }
        self.count(id);
        id
    }

    /// Count one more entry of template `id` (from [`Miner::template_of`], or remembered).
    #[inline]
    pub fn count(&mut self, id: u32) {
        self.templates[id as usize].count += 1;
    }

    /// The template id of `msg` without counting it, and — when `ask` — whether `msg` will
    /// have this template for good (its masked text is in `exact`, whose entries never
    /// change), so a memo may keep it.
    pub fn template_of(
        &mut self,
        msg: &[u8],
        kind: &str,
        line: u64,
        offset: u64,
        ask: bool,
    ) -> (u32, bool) {
        let mut buf = std::mem::take(&mut self.buf);
        mask(msg, &mut buf);
        let found = match self.exact.get(buf.as_str()) {
            Some(&id) => (id, true),
            None => {
                let id = self.miss(&buf, kind, line, offset);
                (id, ask && self.exact.get(buf.as_str()) == Some(&id))
            }
        };
        self.buf = buf;
        found
    }

    fn miss(&mut self, masked: &str, kind: &str, line: u64, offset: u64) -> u32 {
        let toks: Vec<&str> = masked.split(' ').collect();
        let first = toks.first().copied().unwrap_or("").to_string();
        let key = (toks.len(), first);
        if let Some(ids) = self.buckets.get(&key) {
            // Drain: most similar template of the same length and first token.
            let mut best: Option<(u32, f32)> = None;
            for &id in ids.iter().take(64) {
                let t = &self.tokens[id as usize];
                let same = t
                    .iter()
                    .zip(&toks)
                    .filter(|(a, b)| a.as_str() == **b || a.as_str() == WILD)
                    .count();
                let sim = same as f32 / toks.len().max(1) as f32;
                if sim >= Self::SIMILARITY && best.is_none_or(|b| sim > b.1) {
                    best = Some((id, sim));
                }
            }
            if let Some((id, _)) = best {
                let t = &mut self.tokens[id as usize];
                let mut changed = false;
                for (a, b) in t.iter_mut().zip(&toks) {
                    if a != b && a != WILD {
                        *a = WILD.to_string();
                        changed = true;
                    }
                }
                if changed {
                    self.templates[id as usize].text = t.join(" ");
                }
                if self.exact.len() < Self::MAX * 8 {
                    self.exact.insert(masked.to_string(), id);
                }
                return id;
            }
        }
        if self.templates.len() >= Self::MAX {
            return self.overflow(kind, line, offset);
        }
        let id = self.templates.len() as u32;
        self.templates.push(Template {
            text: masked.to_string(),
            count: 0,
            kind: kind.to_string(),
            example_line: line,
            example_offset: offset,
        });
        self.tokens
            .push(toks.iter().map(|s| s.to_string()).collect());
        self.exact.insert(masked.to_string(), id);
        self.buckets.entry(key).or_default().push(id);
        id
    }

    fn overflow(&mut self, kind: &str, line: u64, offset: u64) -> u32 {
        const OVER: &str = "(other messages: template limit reached)";
        if let Some(&id) = self.exact.get(OVER) {
            return id;
        }
        let id = self.templates.len() as u32;
        self.templates.push(Template {
            text: OVER.to_string(),
            count: 0,
            kind: kind.to_string(),
            example_line: line,
            example_offset: offset,
        });
        self.tokens.push(vec![OVER.to_string()]);
        self.exact.insert(OVER.to_string(), id);
        id
    }
}

/// Byte classes of a token's bytes for [`mask`]: where it ends, `=`, a digit (the token is a
/// value to mask), a byte a `key=` may hold.
const T_END: u8 = 1;
const T_EQ: u8 = 2;
const T_DIGIT: u8 = 4;
const T_KEY: u8 = 8;
const TOKEN: [u8; 256] = {
    let mut t = [0u8; 256];
    t[b' ' as usize] = T_END;
    t[b'\t' as usize] = T_END;
    t[b'=' as usize] = T_EQ;
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        if b.is_ascii_digit() {
            t[c] = T_DIGIT | T_KEY;
        } else if b.is_ascii_alphabetic() || b == b'_' || b == b'-' || b == b'.' {
            t[c] = T_KEY;
        }
        c += 1;
    }
    t
};

/// Mask `msg` into `out` (see the module docs).
pub fn mask(msg: &[u8], out: &mut String) {
    out.clear();
    // Validate UTF-8 once; tokens split at ASCII bytes are then valid `str` slices.
    let text = match std::str::from_utf8(msg) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(msg),
    };
    let b = text.as_bytes();
    let mut i = 0;
    let mut n = 0;
    while i < b.len() {
        while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        if n == Miner::MAX_TOKENS {
            out.push_str(" …");
            break;
        }
        if n > 0 {
            out.push(' ');
        }
        n += 1;
        // A quoted value, possibly with spaces: one masked token.
        if b[i] == b'"' || b[i] == b'\'' {
            let q = b[i];
            let mut j = i + 1;
            while j < b.len() && b[j] != q {
                if b[j] == b'\\' {
                    j += 1;
                }
                j += 1;
            }
            out.push_str(WILD);
            i = (j + 1).min(b.len());
            // Punctuation glued to the closing quote (`"x":`) stays.
            while i < b.len() && b[i] != b' ' {
                push_byte(out, b[i]);
                i += 1;
            }
            continue;
        }
        // One pass over the token: its end, its first `=` and whether the bytes before that
        // can be a key, whether it holds a digit.
        let start = i;
        let mut eq = None;
        let mut key_ok = true;
        let mut digit = false;
        while i < b.len() {
            let k = TOKEN[b[i] as usize];
            if k & T_END != 0 {
                break;
            }
            if eq.is_none() {
                if k & T_EQ != 0 {
                    eq = Some(i - start);
                } else {
                    key_ok &= k & T_KEY != 0;
                }
            }
            digit |= k & T_DIGIT != 0;
            i += 1;
        }
        let tok = &b[start..i];
        if let Some(eq) = eq {
            if eq > 0 && key_ok {
                out.push_str(&text[start..start + eq + 1]);
                out.push_str(WILD);
                // A quoted value with spaces continues past this token.
                if tok.get(eq + 1) == Some(&b'"') && !(tok.len() > eq + 2 && tok.ends_with(b"\"")) {
                    let mut j = i;
                    while j < b.len() && b[j] != b'"' {
                        if b[j] == b'\\' {
                            j += 1;
                        }
                        j += 1;
                    }
                    i = (j + 1).min(b.len());
                }
                continue;
            }
        }
        if digit {
            // Keep trailing punctuation (`10.0.0.1:6443:` → `<*>:`) so sentences still read.
            out.push_str(WILD);
            if let Some(&last) = tok.last() {
                if matches!(last, b':' | b',' | b';' | b')' | b']') && tok.len() > 1 {
                    out.push(last as char);
                }
            }
        } else {
            out.push_str(&text[start..i]);
        }
    }
}

fn push_byte(out: &mut String, c: u8) {
    if c.is_ascii() {
        out.push(c as char);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> String {
        let mut o = String::new();
        mask(s.as_bytes(), &mut o);
        o
    }

    #[test]
    fn masks_values() {
        assert_eq!(
            m(r#"Unable to register node "ip-10-0-9-206" with API server: Post https://10.0.9.206:6443/api/v1/nodes: dial tcp 10.0.9.206:6443: getsockopt: connection refused"#),
            "Unable to register node <*> with API server: Post <*>: dial tcp <*>: getsockopt: connection refused"
        );
        assert_eq!(m(r#"FLAG: --address="0.0.0.0""#), "FLAG: --address=<*>");
        assert_eq!(m(r#"msg key="a b c" next=1"#), "msg key=<*> next=<*>");
    }

    /// Real messages (a kubelet log's, which repeat), in order and then shuffled by a stride:
    /// a miner remembering messages gives the ids and templates of one that does not.
    #[test]
    fn remembering_messages_changes_no_template() {
        let Some(p) = whodunnit_testdata::corpus("kubelet/windows-kubelet-klogfile-v1.17.log")
        else {
            return;
        };
        let b = whodunnit_testdata::read(p);
        let msgs: Vec<&[u8]> = b
            .split(|&c| c == b'\n')
            .map(|l| match l.iter().position(|&c| c == b']') {
                Some(i) => &l[i + 1..],
                None => l,
            })
            .collect();
        let n = msgs.len();
        let order = (0..n).chain((0..n).map(|i| i * 7919 % n));
        let mut with = Miner::default();
        let mut without = Miner {
            verbatim: super::super::recent::Recent::never(),
            ..Miner::default()
        };
        for (k, i) in order.enumerate() {
            let (a, b) = (
                with.add(msgs[i], "log", k as u64, 0),
                without.add(msgs[i], "log", k as u64, 0),
            );
            assert_eq!(a, b, "{}", String::from_utf8_lossy(msgs[i]));
        }
        assert_eq!(with.templates, without.templates);
    }

    #[test]
    fn drain_merges_same_shape() {
        let mut mi = Miner::default();
        let a = mi.add(b"Starting container alpha now", "log", 1, 0);
        let b = mi.add(b"Starting container beta now", "log", 2, 10);
        assert_eq!(a, b);
        assert_eq!(mi.templates[a as usize].text, "Starting container <*> now");
        assert_eq!(mi.templates[a as usize].count, 2);
        let c = mi.add(b"Stopped", "log", 3, 20);
        assert_ne!(a, c);
    }
}
