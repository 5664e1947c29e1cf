//! Finding JSON documents and array elements in bytes without parsing them.
//!
//! Pretty-printed events and `EventList`s span many lines: [`Depth`] follows nesting across
//! lines (outside strings) so the parser knows when a document is complete, and
//! [`array_elements`] / [`object_field`] locate each event of a list so it can be parsed on its
//! own and keep its exact byte range for re-reading.

use std::ops::Range;

/// Nesting depth of `{`/`[` outside strings, carried across lines.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Depth {
    depth: u32,
    in_str: bool,
    esc: bool,
    started: bool,
}

/// What scanning a piece of a document found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Scan {
    /// The document is still open after these bytes.
    Open,
    /// The document closed; its last byte is at this index (exclusive end).
    Closed(usize),
    /// A closing bracket without an opening one, at this index.
    Invalid(usize),
}

impl Depth {
    /// Scan the next bytes of a document.
    pub fn scan(&mut self, b: &[u8]) -> Scan {
        for (i, &c) in b.iter().enumerate() {
            if self.in_str {
                if self.esc {
                    self.esc = false;
                } else if c == b'\\' {
                    self.esc = true;
                } else if c == b'"' {
                    self.in_str = false;
                }
                continue;
            }
            match c {
                b'"' => self.in_str = true,
                b'{' | b'[' => {
                    self.depth += 1;
                    self.started = true;
                }
                b'}' | b']' => {
                    if self.depth == 0 {
                        return Scan::Invalid(i);
                    }
                    self.depth -= 1;
                    if self.depth == 0 {
                        return Scan::Closed(i + 1);
                    }
                }
                _ => {}
            }
        }
        Scan::Open
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// End (exclusive) of the string starting at `b[i] == '"'`.
fn skip_string(b: &[u8], mut i: usize) -> Option<usize> {
    i += 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// End (exclusive) of the JSON value starting at `b[i]`.
pub(crate) fn skip_value(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i)? {
        b'"' => skip_string(b, i),
        b'{' | b'[' => {
            let mut d = Depth::default();
            match d.scan(&b[i..]) {
                Scan::Closed(n) => Some(i + n),
                _ => None,
            }
        }
        _ => {
            let mut j = i;
            while j < b.len() && !matches!(b[j], b',' | b'}' | b']') && !b[j].is_ascii_whitespace()
            {
                j += 1;
            }
            (j > i).then_some(j)
        }
    }
}

/// Byte ranges of the elements of the array starting at `b[i] == '['`.
pub(crate) fn array_elements(b: &[u8], i: usize) -> Option<Vec<Range<usize>>> {
    if b.get(i) != Some(&b'[') {
        return None;
    }
    let mut out = Vec::new();
    let mut j = skip_ws(b, i + 1);
    if b.get(j) == Some(&b']') {
        return Some(out);
    }
    loop {
        let end = skip_value(b, j)?;
        out.push(j..end);
        j = skip_ws(b, end);
        match b.get(j)? {
            b',' => j = skip_ws(b, j + 1),
            b']' => return Some(out),
            _ => return None,
        }
    }
}

/// Start of the value of top-level field `key` in the object starting at `b[i] == '{'`.
pub(crate) fn object_field(b: &[u8], i: usize, key: &[u8]) -> Option<usize> {
    if b.get(i) != Some(&b'{') {
        return None;
    }
    let mut j = skip_ws(b, i + 1);
    loop {
        if b.get(j) != Some(&b'"') {
            return None;
        }
        let kend = skip_string(b, j)?;
        let k = &b[j + 1..kend - 1];
        j = skip_ws(b, kend);
        if b.get(j) != Some(&b':') {
            return None;
        }
        j = skip_ws(b, j + 1);
        if k == key {
            return Some(j);
        }
        j = skip_ws(b, skip_value(b, j)?);
        match b.get(j)? {
            b',' => j = skip_ws(b, j + 1),
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_follows_strings_and_lines() {
        let mut d = Depth::default();
        assert_eq!(d.scan(b"{"), Scan::Open);
        assert_eq!(d.scan(br#"  "a": "}{\"]","#), Scan::Open);
        assert_eq!(d.scan(br#"  "b": [1, {"c": 2}]"#), Scan::Open);
        assert_eq!(d.scan(b"} trailing"), Scan::Closed(1));
        assert_eq!(Depth::default().scan(b"}"), Scan::Invalid(0));
    }

    #[test]
    fn list_items_are_located() {
        let doc =
            br#"{"kind":"EventList","metadata":{"x":[1,2]},"items":[ {"a":"]"} , {"b":[]} ]}"#;
        let at = object_field(doc, 0, b"items").unwrap();
        let items = array_elements(doc, at).unwrap();
        let got: Vec<&[u8]> = items.iter().map(|r| &doc[r.clone()]).collect();
        assert_eq!(got, vec![&br#"{"a":"]"}"#[..], &br#"{"b":[]}"#[..]]);
        assert_eq!(object_field(doc, 0, b"nope"), None);
        assert_eq!(array_elements(b"[]", 0), Some(vec![]));
        assert_eq!(array_elements(b"[1,", 0), None);
    }
}
