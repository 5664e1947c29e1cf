//! A purpose-built reader for one audit `Event` object: it pulls the fields the store needs
//! straight from the bytes, without building a JSON tree and without serde's per-field dispatch.
//!
//! Any key order and any spacing are read; strings with escapes are unescaped (`\uXXXX` with
//! surrogate pairs included); nested values the store does not use (`requestObject`,
//! `responseObject`, `metadata`, …) are skipped by bracket matching; `user`, `objectRef` and
//! `annotations` are located the same way and handed over as raw text, as serde's `RawValue`
//! would. Anything unusual — a duplicate or escaped key, a field of an unexpected type, a number
//! serde would reject, trailing bytes, nesting deeper than 64 — makes [`scan_event`] return
//! `None`, and the caller falls back to serde_json, which then reads it or says exactly what is
//! wrong. The property test `audit_scanner` checks that both paths give identical requests.
//!
//! One deliberate difference: skipped values are checked for balanced brackets and closed
//! strings only, not validated as JSON, so a body with, say, a missing colon deep inside is read
//! here where serde would reject the whole event. Cut-off lines (the damage real files show)
//! are unbalanced and still fall back.

use super::parse::{FirstStr, Raw, RawEvent, RawStatus};
use std::borrow::Cow;

/// Read one event object (the whole of `s`, surrounding JSON whitespace allowed).
/// `None`: not read here; use serde_json.
pub(crate) fn scan_event(s: &str) -> Option<RawEvent<'_>> {
    let mut c = Cursor {
        s,
        b: s.as_bytes(),
        i: 0,
    };
    c.ws();
    c.eat(b'{')?;
    let mut ev = RawEvent::default();
    c.ws();
    if c.peek()? == b'}' {
        c.i += 1;
    } else {
        loop {
            let key = c.key()?;
            c.ws();
            c.eat(b':')?;
            c.ws();
            c.field(key, &mut ev)?;
            c.ws();
            match c.next()? {
                b',' => c.ws(),
                b'}' => break,
                _ => return None,
            }
        }
    }
    c.ws();
    (c.i == c.b.len()).then_some(ev)
}

/// Sets an `Option` field once; a second occurrence of the key means fall back (serde reports
/// duplicate fields as errors).
macro_rules! once {
    ($slot:expr, $value:expr) => {{
        if $slot.is_some() {
            return None;
        }
        $slot = $value;
    }};
}

struct Cursor<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
}

/// JSON whitespace (not `\f` or `\v`, which serde rejects).
#[inline]
fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\n' | b'\r' | b'\t')
}

impl<'a> Cursor<'a> {
    #[inline]
    fn ws(&mut self) {
        while self.i < self.b.len() && is_ws(self.b[self.i]) {
            self.i += 1;
        }
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    #[inline]
    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    #[inline]
    fn eat(&mut self, want: u8) -> Option<()> {
        (self.next()? == want).then_some(())
    }

    /// A key without escapes (escaped keys fall back: serde matches them after unescaping).
    #[inline]
    fn key(&mut self) -> Option<&'a [u8]> {
        self.eat(b'"')?;
        let start = self.i;
        let n = quote_or_escape(&self.b[start..])?;
        if self.b[start + n] != b'"' {
            return None;
        }
        self.i = start + n + 1;
        Some(&self.b[start..start + n])
    }

    /// The value of one top-level field.
    fn field(&mut self, key: &[u8], ev: &mut RawEvent<'a>) -> Option<()> {
        match key {
            b"kind" => once!(ev.kind, self.opt_str()?),
            b"apiVersion" => once!(ev.api_version, self.opt_str()?),
            b"auditID" => once!(ev.audit_id, self.opt_str()?),
            b"stage" => once!(ev.stage, self.opt_str()?),
            b"requestURI" => once!(ev.request_uri, self.opt_str()?),
            b"verb" => once!(ev.verb, self.opt_str()?),
            b"user" => once!(ev.user, self.opt_raw()?),
            b"impersonatedUser" => once!(ev.impersonated, self.opt_raw()?),
            b"sourceIPs" => once!(ev.source_ips, self.opt_first_str()?),
            b"userAgent" => once!(ev.user_agent, self.opt_str()?),
            b"objectRef" => once!(ev.object_ref, self.opt_raw()?),
            b"responseStatus" => once!(ev.response_status, self.opt_status()?),
            b"requestReceivedTimestamp" => once!(ev.received, self.opt_str()?),
            b"stageTimestamp" => once!(ev.stage_ts, self.opt_str()?),
            b"timestamp" => once!(ev.timestamp, self.opt_str()?),
            b"annotations" => once!(ev.annotations, self.opt_raw()?),
            _ => {
                self.skip_value()?;
            }
        }
        Some(())
    }

    /// `null` → `Some(None)`; otherwise `None` (not null, nothing consumed).
    #[inline]
    fn null(&mut self) -> bool {
        if self.b[self.i..].starts_with(b"null") {
            self.i += 4;
            true
        } else {
            false
        }
    }

    #[inline]
    fn opt_str(&mut self) -> Option<Option<Cow<'a, str>>> {
        if self.null() {
            return Some(None);
        }
        self.string().map(Some)
    }

    #[inline]
    fn opt_raw(&mut self) -> Option<Option<Raw<'a>>> {
        if self.null() {
            return Some(None);
        }
        let start = self.i;
        self.skip_value()?;
        Some(Some(Raw(&self.s[start..self.i])))
    }

    /// `sourceIPs`: the first string of an array; the other elements may be anything.
    fn opt_first_str(&mut self) -> Option<Option<FirstStr<'a>>> {
        if self.null() {
            return Some(None);
        }
        self.eat(b'[')?;
        self.ws();
        if self.peek()? == b']' {
            self.i += 1;
            return Some(Some(FirstStr(None)));
        }
        let first = self.string()?;
        loop {
            self.ws();
            match self.next()? {
                b']' => return Some(Some(FirstStr(Some(first)))),
                b',' => {
                    self.ws();
                    self.skip_value()?;
                }
                _ => return None,
            }
        }
    }

    /// `responseStatus`: only `code` is read.
    fn opt_status(&mut self) -> Option<Option<RawStatus>> {
        if self.null() {
            return Some(None);
        }
        self.eat(b'{')?;
        let mut st = RawStatus { code: None };
        let mut seen = false;
        self.ws();
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(Some(st));
        }
        loop {
            let key = self.key()?;
            self.ws();
            self.eat(b':')?;
            self.ws();
            if key == b"code" {
                if seen {
                    return None;
                }
                seen = true;
                st.code = if self.null() { None } else { Some(self.int()?) };
            } else {
                self.skip_value()?;
            }
            self.ws();
            match self.next()? {
                b',' => self.ws(),
                b'}' => return Some(Some(st)),
                _ => return None,
            }
        }
    }

    /// An integer as serde reads it into an `i64`: no fraction, exponent or leading zero.
    fn int(&mut self) -> Option<i64> {
        let neg = self.peek()? == b'-';
        if neg {
            self.i += 1;
        }
        let start = self.i;
        let mut v: i64 = 0;
        while let Some(c @ b'0'..=b'9') = self.peek() {
            let d = (c - b'0') as i64;
            v = v.checked_mul(10)?;
            v = if neg {
                v.checked_sub(d)?
            } else {
                v.checked_add(d)?
            };
            self.i += 1;
        }
        let n = self.i - start;
        if n == 0 || (n > 1 && self.b[start] == b'0') {
            return None;
        }
        if matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        Some(v)
    }

    /// A string value: borrowed when it has no escapes, unescaped otherwise.
    #[inline]
    fn string(&mut self) -> Option<Cow<'a, str>> {
        self.eat(b'"')?;
        let start = self.i;
        let n = quote_or_escape(&self.b[start..])?;
        if self.b[start + n] == b'"' {
            let raw = &self.b[start..start + n];
            if raw.iter().any(|&c| c < 0x20) {
                return None;
            }
            self.i = start + n + 1;
            return Some(Cow::Borrowed(&self.s[start..start + n]));
        }
        self.escaped(start).map(Cow::Owned)
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
    fn skip_value(&mut self) -> Option<()> {
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

    /// An object or array: brackets matched by kind (a bit per level), strings skipped whole.
    fn skip_nested(&mut self) -> Option<()> {
        // Bit k of `stack` is set when level k is an array.
        let mut stack: u64 = 0;
        let mut depth: u32 = 0;
        while let Some(&c) = self.b.get(self.i) {
            self.i += 1;
            match CLASS[c as usize] {
                C_QUOTE => self.skip_string_body()?,
                C_OPEN => {
                    if depth == 64 {
                        return None;
                    }
                    stack = stack << 1 | (c == b'[') as u64;
                    depth += 1;
                }
                C_CLOSE => {
                    if depth == 0 || (stack & 1 == 1) != (c == b']') {
                        return None;
                    }
                    stack >>= 1;
                    depth -= 1;
                    if depth == 0 {
                        return Some(());
                    }
                }
                _ => {}
            }
        }
        None
    }
}

/// Index of the first `"` or `\\` in `b`. Most strings in an event are short: a plain loop
/// over the first bytes beats memchr's setup there; long ones (bodies, URIs) go to memchr.
#[inline]
fn quote_or_escape(b: &[u8]) -> Option<usize> {
    const SHORT: usize = 24;
    for (i, &c) in b.iter().take(SHORT).enumerate() {
        if c == b'"' || c == b'\\' {
            return Some(i);
        }
    }
    if b.len() <= SHORT {
        return None;
    }
    memchr::memchr2(b'"', b'\\', &b[SHORT..]).map(|n| n + SHORT)
}

const C_OTHER: u8 = 0;
const C_QUOTE: u8 = 1;
const C_OPEN: u8 = 2;
const C_CLOSE: u8 = 3;

/// Byte classes for bracket matching.
const CLASS: [u8; 256] = {
    let mut t = [C_OTHER; 256];
    t[b'"' as usize] = C_QUOTE;
    t[b'{' as usize] = C_OPEN;
    t[b'[' as usize] = C_OPEN;
    t[b'}' as usize] = C_CLOSE;
    t[b']' as usize] = C_CLOSE;
    t
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_in_any_order_with_escapes() {
        let doc = r#" { "verb" : "list", "objectRef":{"resource":"pods","x":[1,{"y":"}"}]},
            "requestURI":"/api/v1/pods?limit=500\u0026watch=1", "sourceIPs":["10.0.0.1",2],
            "responseStatus":{"metadata":{},"code":200}, "user":{"username":"a\"b"},
            "requestObject":{"deep":[[["\\"]]]}, "auditID":"\ud83d\ude00x" } "#;
        let ev = scan_event(doc).expect("scanned");
        assert_eq!(ev.verb.as_deref(), Some("list"));
        assert_eq!(
            ev.request_uri.as_deref(),
            Some("/api/v1/pods?limit=500&watch=1")
        );
        assert_eq!(
            ev.object_ref.map(|r| r.0),
            Some(r#"{"resource":"pods","x":[1,{"y":"}"}]}"#)
        );
        assert_eq!(ev.user.map(|r| r.0), Some(r#"{"username":"a\"b"}"#));
        assert_eq!(ev.source_ips.and_then(|s| s.0).as_deref(), Some("10.0.0.1"));
        assert_eq!(ev.response_status.and_then(|s| s.code), Some(200));
        assert_eq!(ev.audit_id.as_deref(), Some("\u{1F600}x"));
    }

    #[test]
    fn falls_back_on_what_serde_would_judge() {
        for doc in [
            r#"{"verb":"get","verb":"list"}"#,
            r#"{"verb":5}"#,
            r#"{"responseStatus":{"code":2.0}}"#,
            r#"{"responseStatus":{"code":0200}}"#,
            r#"{"responseStatus":{"code":99999999999999999999}}"#,
            r#"{"verb":"get"} x"#,
            r#"{"verb":"get",}"#,
            r#"{"a":{"b":[}]}"#,
            r#"{"verb":"\ud83dx"}"#,
            r#"{"ver\u0062":"get"}"#,
            r#"{"verb":"get""#,
            "{\"verb\":\"g\tet\"}",
        ] {
            assert!(scan_event(doc).is_none(), "{doc}");
        }
        let ev = scan_event(r#"{"verb":null,"responseStatus":{"code":-1}}"#).unwrap();
        assert!(ev.verb.is_none());
        assert_eq!(ev.response_status.and_then(|s| s.code), Some(-1));
    }
}
