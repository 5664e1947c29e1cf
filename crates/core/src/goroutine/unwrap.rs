//! Dumps rarely arrive clean: they sit in journald output, in a CRI/Docker container log, or
//! (containerd's SIGUSR1 dump) inside one logrus `msg="…"` with `\n`/`\t` escaped. This strips
//! such wrappers so the dump grammar sees the original lines, and keeps the wrapper's time.

use crate::time::{parse_rfc3339, Micros};

/// Which wrapper a line came in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wrap {
    None,
    /// `Mar 03 10:00:00 host unit[pid]: …` (journalctl short; no year, so no time kept).
    Journald,
    /// `2020-03-03T10:00:00+0000 host unit[pid]: …` (journalctl -o short-iso).
    JournaldIso,
    /// `2020-03-03T10:00:00.1Z stderr F …` (CRI container log).
    Cri,
    /// `{"log":"…","stream":"stderr","time":"…"}` (Docker json-file).
    Docker,
    /// `time="…" level=… msg="…"` (logrus, e.g. containerd's stack dump).
    Logrus,
}

impl Wrap {
    /// Shown in the file's format detail.
    pub fn label(self) -> &'static str {
        match self {
            Wrap::None => "",
            Wrap::Journald => "journald",
            Wrap::JournaldIso => "journald short-iso",
            Wrap::Cri => "CRI container log",
            Wrap::Docker => "Docker json-file log",
            Wrap::Logrus => "logrus msg",
        }
    }
}

/// A line with its wrapper removed. `content` may hold several dump lines separated by `\n`
/// (a logrus message).
pub struct Unwrapped<'a> {
    /// The unwrapped text (may hold several lines separated by `\n`).
    pub content: &'a [u8],
    /// The wrapper's time, when it has one.
    pub time: Option<Micros>,
    /// Which wrapper was removed.
    pub wrap: Wrap,
}

/// Remove every wrapper found on `line`; `scratch` receives unescaped text when needed.
pub fn unwrap<'a>(line: &'a [u8], scratch: &'a mut Vec<u8>) -> Unwrapped<'a> {
    // Fast path: the usual dump line starts with a tab, `goroutine`, or a function name, and
    // none of the wrappers does.
    match line.first() {
        None | Some(b'\t') => {
            return Unwrapped {
                content: line,
                time: None,
                wrap: Wrap::None,
            }
        }
        _ => {}
    }
    let (mut content, mut time, mut wrap) = (line, None, Wrap::None);
    if let Some(c) = journald_short(line) {
        (content, wrap) = (c, Wrap::Journald);
    } else if let Some((c, t, w)) = iso_prefixed(line) {
        (content, time, wrap) = (c, t, w);
    } else if line.starts_with(b"{\"log\":") {
        #[derive(serde::Deserialize)]
        struct DockerLine {
            log: String,
            time: Option<String>,
        }
        if let Ok(d) = serde_json::from_slice::<DockerLine>(line) {
            scratch.clear();
            scratch.extend_from_slice(d.log.trim_end_matches(['\n', '\r']).as_bytes());
            let t = d.time.as_deref().and_then(parse_rfc3339);
            let s: &'a [u8] = scratch;
            return logrus_or(s, t, Wrap::Docker);
        }
    }
    if content.starts_with(b"time=\"") || content.starts_with(b"level=") {
        if let Some((msg_start, t)) = logrus_msg(content) {
            scratch.clear();
            unescape(&content[msg_start..], scratch);
            time = t.or(time);
            return Unwrapped {
                content: scratch,
                time,
                wrap: Wrap::Logrus,
            };
        }
    }
    if wrap == Wrap::None {
        time = None;
    }
    Unwrapped {
        content,
        time,
        wrap,
    }
}

fn logrus_or(s: &[u8], t: Option<Micros>, wrap: Wrap) -> Unwrapped<'_> {
    // A logrus line inside a Docker log would need a second scratch buffer; rare enough to
    // read it as is (its frames are still escaped, and are reported as unread).
    Unwrapped {
        content: s,
        time: t,
        wrap,
    }
}

/// `Mar 03 10:00:00 host ident[pid]: rest` → rest.
fn journald_short(l: &[u8]) -> Option<&[u8]> {
    if l.len() < 20 || !l[0].is_ascii_uppercase() || l[3] != b' ' {
        return None;
    }
    if !(l[1].is_ascii_lowercase() && l[2].is_ascii_lowercase()) {
        return None;
    }
    let t = &l[7..15];
    if !(t[2] == b':' && t[5] == b':' && t[0].is_ascii_digit() && t[7].is_ascii_digit()) {
        return None;
    }
    let mut i = 15;
    if l.get(i) == Some(&b'.') {
        while i + 1 < l.len() && l[i + 1].is_ascii_digit() {
            i += 1;
        }
        i += 1;
    }
    after_host_ident(l, i)
}

/// ` host ident[pid]: rest` starting at `i` (the space before host) → rest.
fn after_host_ident(l: &[u8], i: usize) -> Option<&[u8]> {
    if l.get(i) != Some(&b' ') {
        return None;
    }
    let host_end = i + 1 + memchr::memchr(b' ', &l[i + 1..])?;
    let rest = &l[host_end + 1..];
    let colon = memchr::memmem::find(rest, b": ").or_else(|| {
        if rest.ends_with(b":") {
            Some(rest.len() - 1)
        } else {
            None
        }
    })?;
    let ident = &rest[..colon];
    if ident.is_empty() || ident.contains(&b' ') {
        return None;
    }
    Some(rest.get(colon + 2..).unwrap_or(b""))
}

/// CRI (`<rfc3339> stdout|stderr F|P rest`) or journald short-iso (`<iso> host ident: rest`).
fn iso_prefixed(l: &[u8]) -> Option<(&[u8], Option<Micros>, Wrap)> {
    if l.len() < 21 || l[4] != b'-' || l[7] != b'-' || l[10] != b'T' || !l[0].is_ascii_digit() {
        return None;
    }
    let sp = memchr::memchr(b' ', l)?;
    let ts = std::str::from_utf8(&l[..sp]).ok()?;
    let time = parse_rfc3339(ts).or_else(|| {
        // journald prints `+0000`; RFC 3339 wants `+00:00`.
        let b = ts.as_bytes();
        if b.len() > 5 && (b[b.len() - 5] == b'+' || b[b.len() - 5] == b'-') {
            let fixed = format!("{}:{}", &ts[..ts.len() - 2], &ts[ts.len() - 2..]);
            parse_rfc3339(&fixed)
        } else {
            None
        }
    });
    let rest = &l[sp + 1..];
    for stream in [&b"stdout "[..], b"stderr "] {
        if let Some(r) = rest.strip_prefix(stream) {
            let r = r
                .strip_prefix(b"F ")
                .or_else(|| r.strip_prefix(b"P "))
                .unwrap_or(r);
            return Some((r, time, Wrap::Cri));
        }
    }
    after_host_ident(l, sp).map(|c| (c, time, Wrap::JournaldIso))
}

/// Find `msg="` in a logrus line; returns where the quoted text starts and the `time=` value.
fn logrus_msg(l: &[u8]) -> Option<(usize, Option<Micros>)> {
    let m = memchr::memmem::find(l, b"msg=\"")?;
    let time = l.strip_prefix(b"time=\"").and_then(|r| {
        let end = memchr::memchr(b'"', r)?;
        parse_rfc3339(std::str::from_utf8(&r[..end]).ok()?)
    });
    Some((m + 5, time))
}

/// Unescape a Go-quoted string body up to its closing quote.
fn unescape(s: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'"' => return,
            b'\\' if i + 1 < s.len() => {
                i += 1;
                out.push(match s[i] {
                    b'n' => b'\n',
                    b't' => b'\t',
                    b'r' => b'\r',
                    c => c,
                });
            }
            c => out.push(c),
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrappers() {
        let mut s = Vec::new();
        let u = unwrap(
            b"Mar 03 10:00:00 node1 kubelet[812]: goroutine 1 [running]:",
            &mut s,
        );
        assert_eq!(
            (u.content, u.wrap),
            (&b"goroutine 1 [running]:"[..], Wrap::Journald)
        );
        let mut s = Vec::new();
        let u = unwrap(b"2020-05-14T08:36:22.1Z stderr F \tmain.go:3 +0x1", &mut s);
        assert_eq!((u.content, u.wrap), (&b"\tmain.go:3 +0x1"[..], Wrap::Cri));
        assert!(u.time.is_some());
        let mut s = Vec::new();
        let u = unwrap(
            br#"time="2020-05-14T08:36:22Z" level=info msg="=== BEGIN goroutine stack dump ===\ngoroutine 1 [running]:\n\tmain.go:1" pid=1"#,
            &mut s,
        );
        assert_eq!(u.wrap, Wrap::Logrus);
        assert_eq!(
            u.content,
            &b"=== BEGIN goroutine stack dump ===\ngoroutine 1 [running]:\n\tmain.go:1"[..]
        );
    }
}
