//! A cursor over JSON text for the purpose-built readers (audit events, journald entries): the
//! tokens they need (whitespace, plain keys, strings with every escape, `null`) and skipping any
//! value by bracket matching, without building a tree. Every method returns `None` where serde
//! would judge the input otherwise (control bytes in strings, lone surrogates, escaped keys are
//! not read here), so a reader built on it can fall back to serde_json then.

mod block;

use block::W;
use std::borrow::Cow;

/// Sets an `Option` field once, its key being bit `$bit` of the reader's `$seen` mask: a second
/// occurrence of the key, even after a `null`, means fall back (serde reports duplicate fields
/// as errors).
macro_rules! once {
    ($seen:expr, $bit:expr, $slot:expr, $value:expr) => {{
        if $seen & (1u32 << $bit) != 0 {
            return None;
        }
        $seen |= 1u32 << $bit;
        $slot = $value;
    }};
}
pub(crate) use once;

/// A position in JSON text `s` (`b` is its bytes).
pub(crate) struct Cursor<'a> {
    pub(crate) s: &'a str,
    pub(crate) b: &'a [u8],
    pub(crate) i: usize,
}

/// JSON whitespace (not `\f` or `\v`, which serde rejects).
#[inline]
fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\n' | b'\r' | b'\t')
}

impl<'a> Cursor<'a> {
    /// At the start of `s`.
    pub(crate) fn new(s: &'a str) -> Self {
        Cursor {
            s,
            b: s.as_bytes(),
            i: 0,
        }
    }

    /// An object: `field` is called with each key, the cursor at its value, and must read the
    /// value whole.
    pub(crate) fn object(
        &mut self,
        mut field: impl FnMut(&mut Self, &'a [u8]) -> Option<()>,
    ) -> Option<()> {
        self.ws();
        self.eat(b'{')?;
        self.ws();
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(());
        }
        loop {
            let key = self.key()?;
            self.ws();
            self.eat(b':')?;
            self.ws();
            field(self, key)?;
            self.ws();
            match self.next()? {
                b',' => self.ws(),
                b'}' => return Some(()),
                _ => return None,
            }
        }
    }

    /// Whether only whitespace is left.
    pub(crate) fn at_end(&mut self) -> bool {
        self.ws();
        self.i == self.b.len()
    }

    #[inline]
    pub(crate) fn ws(&mut self) {
        while self.i < self.b.len() && is_ws(self.b[self.i]) {
            self.i += 1;
        }
    }

    #[inline]
    pub(crate) fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    #[inline]
    pub(crate) fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    #[inline]
    pub(crate) fn eat(&mut self, want: u8) -> Option<()> {
        (self.next()? == want).then_some(())
    }

    /// A key without escapes (escaped keys fall back: serde matches them after unescaping).
    #[inline]
    pub(crate) fn key(&mut self) -> Option<&'a [u8]> {
        self.eat(b'"')?;
        let start = self.i;
        let n = quote_or_escape(&self.b[start..])?;
        if self.b[start + n] != b'"' {
            return None;
        }
        self.i = start + n + 1;
        Some(&self.b[start..start + n])
    }

    /// Whether a `null` is here (then read); otherwise nothing is consumed.
    #[inline]
    pub(crate) fn null(&mut self) -> bool {
        if self.b[self.i..].starts_with(b"null") {
            self.i += 4;
            true
        } else {
            false
        }
    }

    #[inline]
    pub(crate) fn opt_str(&mut self) -> Option<Option<Cow<'a, str>>> {
        if self.null() {
            return Some(None);
        }
        self.string().map(Some)
    }

    /// A string value: borrowed when it has no escapes, unescaped otherwise.
    #[inline]
    pub(crate) fn string(&mut self) -> Option<Cow<'a, str>> {
        self.eat(b'"')?;
        let start = self.i;
        let n = first_of(&self.b[start..], block::string_stops, |c| {
            c == b'"' || c == b'\\' || c < 0x20
        })?;
        match self.b[start + n] {
            b'"' => {
                self.i = start + n + 1;
                Some(Cow::Borrowed(&self.s[start..start + n]))
            }
            b'\\' => self.escaped(start).map(Cow::Owned),
            _ => None,
        }
    }

    /// The rest of a string that has escapes, from its first content byte at `start`.
    fn escaped(&mut self, start: usize) -> Option<String> {
        let mut out = String::new();
        let mut run = start;
        let mut i = start;
        loop {
            let n = quote_or_escape(&self.b[i..])?;
            i += n;
            out.push_str(&self.s[run..i]);
            if self.b[i] == b'"' {
                if self.b[start..i].iter().any(|&c| c < 0x20) {
                    return None;
                }
                self.i = i + 1;
                return Some(out);
            }
            let e = *self.b.get(i + 1)?;
            i += 2;
            match e {
                b'"' => out.push('"'),
                b'\\' => out.push('\\'),
                b'/' => out.push('/'),
                b'b' => out.push('\u{8}'),
                b'f' => out.push('\u{c}'),
                b'n' => out.push('\n'),
                b'r' => out.push('\r'),
                b't' => out.push('\t'),
                b'u' => {
                    let hi = self.hex4(i)?;
                    i += 4;
                    let ch = match hi {
                        0xD800..=0xDBFF => {
                            if self.b.get(i..i + 2)? != b"\\u" {
                                return None;
                            }
                            let lo = self.hex4(i + 2)?;
                            if !(0xDC00..=0xDFFF).contains(&lo) {
                                return None;
                            }
                            i += 6;
                            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                        }
                        0xDC00..=0xDFFF => return None,
                        c => c,
                    };
                    out.push(char::from_u32(ch)?);
                }
                _ => return None,
            }
            run = i;
        }
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let h = self.b.get(at..at + 4)?;
        let mut v = 0;
        for &c in h {
            v = v << 4 | (c as char).to_digit(16)?;
        }
        Some(v)
    }

    /// Skip one value of any type. Objects and arrays are skipped by bracket matching (kinds
    /// checked, strings followed), scalars up to their delimiter.
    pub(crate) fn skip_value(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => {
                self.i += 1;
                self.skip_string_body()
            }
            b'{' | b'[' => self.skip_nested(),
            _ => {
                let start = self.i;
                while let Some(c) = self.peek() {
                    if matches!(c, b',' | b'}' | b']') || is_ws(c) {
                        break;
                    }
                    self.i += 1;
                }
                let tok = &self.b[start..self.i];
                let ok = match tok.first()? {
                    b't' => tok == b"true",
                    b'f' => tok == b"false",
                    b'n' => tok == b"null",
                    b'-' | b'0'..=b'9' => tok
                        .iter()
                        .all(|c| matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')),
                    _ => false,
                };
                ok.then_some(())
            }
        }
    }

    /// After an opening quote: move past the closing one.
    #[inline]
    fn skip_string_body(&mut self) -> Option<()> {
        loop {
            let n = quote_or_escape(&self.b[self.i..])?;
            self.i += n;
            if self.b[self.i] == b'"' {
                self.i += 1;
                return Some(());
            }
            self.i += 2;
        }
    }

    /// An object or array: brackets matched by kind (a bit per level), strings followed (a
    /// `\\` in a string hides the byte after it). The bytes that matter are found a block at a
    /// time ([`block::structure`]); in a block without `\\`, the strings are known from the
    /// quotes at once ([`block::inside_strings`]); the last bytes of the text, fewer than a
    /// block, one by one.
    fn skip_nested(&mut self) -> Option<()> {
        let b = self.b;
        let mut levels = Levels::default();
        let mut in_str = false;
        let mut i = self.i;
        // Bit 0 set: the block's first byte is escaped by a `\\` that ended the previous one.
        let mut carry = 0u32;
        while let Some(chunk) = b.get(i..i + W) {
            let chunk: &[u8; W] = chunk.try_into().ok()?;
            let st = block::structure(chunk);
            if st.escapes == 0 && carry == 0 {
                // No escapes: which bytes are in strings follows from the quotes alone, and
                // only the brackets outside them are walked (quotes are most of a body's
                // structure: walking them bit by bit was most of skipping).
                let inside = block::inside_strings(st.quotes, in_str);
                in_str = inside >> (W - 1) == 1;
                let mut m = st.brackets & !inside;
                while m != 0 {
                    let k = m.trailing_zeros() as usize;
                    m &= m - 1;
                    if levels.known_bracket(chunk[k])? {
                        self.i = i + k + 1;
                        return Some(());
                    }
                }
                i += W;
                continue;
            }
            let mut m = (st.quotes | st.escapes | st.brackets) & !carry;
            carry = 0;
            while m != 0 {
                let k = m.trailing_zeros() as usize;
                m &= m - 1;
                let c = chunk[k];
                if in_str {
                    match c {
                        b'"' => in_str = false,
                        b'\\' if k + 1 == W => carry = 1,
                        b'\\' => m &= !(1 << (k + 1)),
                        _ => {}
                    }
                } else if c == b'"' {
                    in_str = true;
                } else if levels.bracket(c)? {
                    self.i = i + k + 1;
                    return Some(());
                }
            }
            i += W;
        }
        i += carry as usize;
        while let Some(&c) = b.get(i) {
            i += 1;
            if in_str {
                match c {
                    b'"' => in_str = false,
                    b'\\' => i += 1,
                    _ => {}
                }
            } else if c == b'"' {
                in_str = true;
            } else if levels.bracket(c)? {
                self.i = i;
                return Some(());
            }
        }
        None
    }
}

/// The open brackets while skipping a value: bit k of `stack` is set when level k is an array.
#[derive(Default)]
struct Levels {
    stack: u64,
    depth: u32,
}

impl Levels {
    /// A byte outside strings: `Some(true)` when it closes the outermost level, `None` when it
    /// closes the wrong kind or nests past 64 levels (serde's limit is 128; deeper falls back).
    #[inline(always)]
    fn bracket(&mut self, c: u8) -> Option<bool> {
        match c {
            b'{' | b'[' => {
                if self.depth == 64 {
                    return None;
                }
                self.stack = self.stack << 1 | (c == b'[') as u64;
                self.depth += 1;
                Some(false)
            }
            b'}' | b']' => {
                if self.depth == 0 || (self.stack & 1 == 1) != (c == b']') {
                    return None;
                }
                self.stack >>= 1;
                self.depth -= 1;
                Some(self.depth == 0)
            }
            // A `\\` outside strings: not JSON, but skipped values are not validated.
            _ => Some(false),
        }
    }

    /// [`Levels::bracket`] for a byte known to be a bracket: told apart by two bits (`{` and
    /// `[` have bit 1 set, `}` and `]` not; `[` and `]` have bit 5 clear): one branch instead
    /// of a jump through a table per bracket.
    #[inline(always)]
    fn known_bracket(&mut self, c: u8) -> Option<bool> {
        debug_assert!(matches!(c, b'{' | b'}' | b'[' | b']'));
        let array = (c & 0x20 == 0) as u64;
        if c & 0x02 != 0 {
            if self.depth == 64 {
                return None;
            }
            self.stack = self.stack << 1 | array;
            self.depth += 1;
            Some(false)
        } else {
            if self.depth == 0 || self.stack & 1 != array {
                return None;
            }
            self.stack >>= 1;
            self.depth -= 1;
            Some(self.depth == 0)
        }
    }
}

/// Index of the first `"` or `\\` in `b`.
#[inline]
fn quote_or_escape(b: &[u8]) -> Option<usize> {
    first_of(b, block::quote_escape, |c| c == b'"' || c == b'\\')
}

/// Index of the first byte of `b` that `mask` marks, a block at a time; `hit` says the same of
/// one byte, for the last bytes.
#[inline(always)]
fn first_of(b: &[u8], mask: fn(&[u8; W]) -> u32, hit: impl Fn(u8) -> bool) -> Option<usize> {
    let mut i = 0;
    while let Some(chunk) = b.get(i..i + W) {
        let m = mask(chunk.try_into().ok()?);
        if m != 0 {
            return Some(i + m.trailing_zeros() as usize);
        }
        i += W;
    }
    b[i..].iter().position(|&c| hit(c)).map(|n| i + n)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Skipping one byte at a time, as the tail of `skip_nested` does: the reference the block
    /// walk must equal.
    fn skip_bytewise(b: &[u8]) -> Option<usize> {
        let mut levels = Levels::default();
        let mut in_str = false;
        let mut i = 0;
        while let Some(&c) = b.get(i) {
            i += 1;
            if in_str {
                match c {
                    b'"' => in_str = false,
                    b'\\' => i += 1,
                    _ => {}
                }
            } else if c == b'"' {
                in_str = true;
            } else if levels.bracket(c)? {
                return Some(i);
            }
        }
        None
    }

    proptest! {
        /// Any text of structure bytes, across block boundaries, with and without escapes:
        /// the block walk ends where the byte walk does, or declines where it does.
        #[test]
        fn skip_nested_equals_the_byte_walk(
            open in prop::sample::select(vec![b'{', b'[']),
            body in prop::collection::vec(
                prop::sample::select(b"\"\"\"\\{}[]a ,:".to_vec()), 0..120),
        ) {
            let mut text = vec![open];
            text.extend(&body);
            let s = String::from_utf8(text.clone()).unwrap();
            let mut c = Cursor::new(&s);
            let got = c.skip_nested().map(|()| c.i);
            prop_assert_eq!(got, skip_bytewise(&text));
        }
    }

    /// Nested values whose strings hold brackets, quotes and backslashes (escaped as JSON
    /// escapes them), at every alignment to the blocks: skipped to their exact end.
    #[test]
    fn skip_nested_finds_the_end_of_real_nesting() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut rand = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        fn value(out: &mut String, depth: u32, rand: &mut dyn FnMut(u64) -> u64) {
            match if depth > 4 { 2 } else { rand(4) } {
                0 => {
                    out.push('{');
                    for k in 0..rand(4) {
                        if k > 0 {
                            out.push(',');
                        }
                        out.push_str("\"k\":");
                        value(out, depth + 1, rand);
                    }
                    out.push('}');
                }
                1 => {
                    out.push('[');
                    for k in 0..rand(4) {
                        if k > 0 {
                            out.push(',');
                        }
                        value(out, depth + 1, rand);
                    }
                    out.push(']');
                }
                _ => {
                    out.push('"');
                    for _ in 0..rand(40) {
                        out.push_str(
                            ["a", "{", "]", "\\\"", "\\\\", " ", "[", "}"][rand(8) as usize],
                        );
                    }
                    out.push('"');
                }
            }
        }
        for _ in 0..5000 {
            let mut doc = String::new();
            while !doc.starts_with(['{', '[']) {
                doc.clear();
                value(&mut doc, 0, &mut rand);
            }
            for pad in 0..W {
                let s = format!("{}{doc},\"after\":[1]}}", " ".repeat(pad));
                let mut c = Cursor::new(&s);
                c.i = pad;
                assert_eq!(c.skip_nested(), Some(()), "{s}");
                assert_eq!(c.i, pad + doc.len(), "{s}");
            }
        }
    }
}
