//! logrus / logfmt lines, as containerd, dockerd and virtual-kubelet write them:
//! `time="…" level=error msg="…" key=value`.

use super::{Head, LineFormat, Recognizer};
use crate::event::Severity;
use crate::nodelog::payload::level_word;
use crate::nodelog::stamp;
use crate::time::Micros;

/// logrus/logfmt lines.
pub struct Logfmt;

impl Recognizer for Logfmt {
    fn format(&self) -> LineFormat {
        LineFormat::Logfmt
    }
    fn recognize<'a>(&self, line: &'a [u8]) -> Option<Head<'a>> {
        logfmt(line).map(Head::Logfmt)
    }
}

/// A logfmt value at `b[i..]`: quoted (with `\"` escapes) or bare. Returns the value's
/// inner bytes and the index after it.
pub fn logfmt_value(b: &[u8], i: usize) -> (&[u8], usize) {
    if b.get(i) == Some(&b'"') {
        let mut j = i + 1;
        while j < b.len() {
            match b[j] {
                b'\\' => j += 2,
                b'"' => return (&b[i + 1..j], j + 1),
                _ => j += 1,
            }
        }
        (&b[(i + 1).min(b.len())..], b.len())
    } else {
        let end = memchr::memchr(b' ', &b[i.min(b.len())..]).map_or(b.len(), |e| i + e);
        (&b[i.min(b.len())..end], end)
    }
}

/// What logrus/logfmt lines carry: `time="…" level=… msg="…"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fields<'a> {
    pub time: Option<Micros>,
    pub sev: Option<Severity>,
    pub msg: &'a [u8],
}

/// Parse a logfmt line that has at least `level=` or `time=`; `None` otherwise.
pub fn logfmt(b: &[u8]) -> Option<Fields<'_>> {
    if !(b.starts_with(b"time=") || b.starts_with(b"level=") || b.starts_with(b"ts=")) {
        return None;
    }
    let mut out = Fields {
        time: None,
        sev: None,
        // Empty but inside `b`, so callers may locate `msg` within the line.
        msg: &b[b.len()..],
    };
    let mut i = 0;
    let mut pairs = 0;
    while i < b.len() && pairs < 64 {
        while b.get(i) == Some(&b' ') {
            i += 1;
        }
        let Some(eq) = memchr::memchr(b'=', &b[i..]) else {
            break;
        };
        let key = &b[i..i + eq];
        if key.is_empty() || key.contains(&b' ') {
            break;
        }
        let (val, next) = logfmt_value(b, i + eq + 1);
        match key {
            b"time" | b"ts" => out.time = stamp::iso(val).map(|t| t.0),
            b"level" | b"lvl" => out.sev = level_word(val),
            b"msg" | b"message" => out.msg = val,
            _ => {}
        }
        pairs += 1;
        i = next;
    }
    if out.time.is_none() && out.sev.is_none() {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logfmt_fields() {
        let l = logfmt(br#"time="2021-09-15T21:17:10.220731Z" level=error msg="error retrieving pod status: x" namespace=a"#).unwrap();
        assert_eq!(l.sev, Some(Severity::Error));
        assert_eq!(l.msg, b"error retrieving pod status: x");
        assert!(l.time.is_some());
    }
}
