//! klog text: `Lmmdd hh:mm:ss.uuuuuu PID file:line] msg` (legacy printf-style or structured
//! `"msg" key="value"`), and the header block of a klog `--log-file` (`Log file created at:`,
//! `Running on machine:`, `Binary:`, `Log line format:`).

use super::logfmt::logfmt_value;
use super::{Head, LineFormat, Recognizer};
use crate::event::Severity;
use crate::nodelog::stamp::{self, Yearless};

/// klog text lines.
pub struct Klog;

impl Recognizer for Klog {
    fn format(&self) -> LineFormat {
        LineFormat::Klog
    }
    fn recognize<'a>(&self, line: &'a [u8]) -> Option<Head<'a>> {
        klog(line).map(Head::Klog)
    }
}

/// A line of the klog `--log-file` header block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileLine<'a> {
    /// `Log file created at: 2019/08/20 20:28:26` (`None`: the date is unreadable).
    Created(Option<(i32, Yearless)>),
    /// `Running on machine: HOST`.
    Machine(&'a [u8]),
    /// `Binary: …` or `Log line format: …` (header lines only after `Log file created at`).
    Other,
}

/// The klog `--log-file` header lines.
pub struct KlogFileHeader;

impl Recognizer for KlogFileHeader {
    fn format(&self) -> LineFormat {
        LineFormat::KlogFileHeader
    }
    fn recognize<'a>(&self, line: &'a [u8]) -> Option<Head<'a>> {
        let f = match line.first()? {
            b'L' if line.starts_with(b"Log file created at: ") => {
                FileLine::Created(klog_file_created(line))
            }
            b'R' => FileLine::Machine(line.strip_prefix(b"Running on machine: ")?),
            b'B' if line.starts_with(b"Binary: ") => FileLine::Other,
            b'L' if line.starts_with(b"Log line format: ") => FileLine::Other,
            _ => return None,
        };
        Some(Head::KlogFile(f))
    }
}

/// A parsed klog header: `Lmmdd hh:mm:ss.uuuuuu PID file:line] msg`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KlogHead {
    pub sev: Severity,
    pub when: Yearless,
    /// Index of the message in the line.
    pub msg: usize,
}

/// Parse a klog header. The thread-id column has any width (glog pads to 7, Windows and
/// long-running hosts overflow it), so it is read as "spaces, digits, one space".
pub fn klog(b: &[u8]) -> Option<KlogHead> {
    let sev = match b.first()? {
        b'I' => Severity::Info,
        b'W' => Severity::Warning,
        b'E' => Severity::Error,
        b'F' => Severity::Critical,
        b'D' => Severity::Debug,
        _ => return None,
    };
    let mon = stamp::digits(b, 1, 2)?;
    let day = stamp::digits(b, 3, 2)?;
    if b.get(5) != Some(&b' ') || !(1..=12).contains(&mon) || !(1..=31).contains(&day) {
        return None;
    }
    let (h, mi, s, us, mut i) = stamp::clock(b, 6)?;
    let start = i;
    while b.get(i) == Some(&b' ') {
        i += 1;
    }
    let pid_start = i;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    if i == pid_start || i == start || b.get(i) != Some(&b' ') {
        return None;
    }
    // `file.go:123]`: find the bracket within a short window so prose is not mistaken for it.
    let win = &b[i + 1..b.len().min(i + 1 + 160)];
    let close = memchr::memchr(b']', win)?;
    let mut msg = i + 1 + close + 1;
    if b.get(msg) == Some(&b' ') {
        msg += 1;
    }
    Some(KlogHead {
        sev,
        when: Yearless {
            mon,
            day,
            h,
            mi,
            s,
            us,
        },
        msg,
    })
}

/// `Log file created at: 2019/08/20 20:28:26`: the klog file header, the year anchor.
pub fn klog_file_created(b: &[u8]) -> Option<(i32, Yearless)> {
    let rest = b.strip_prefix(b"Log file created at: ")?;
    let y = stamp::digits(rest, 0, 4)?;
    let mon = stamp::digits(rest, 5, 2)?;
    let day = stamp::digits(rest, 8, 2)?;
    if rest.get(4) != Some(&b'/') || rest.get(7) != Some(&b'/') {
        return None;
    }
    let (h, mi, s, us, _) = stamp::clock(rest, 11)?;
    Some((
        y as i32,
        Yearless {
            mon,
            day,
            h,
            mi,
            s,
            us,
        },
    ))
}

/// The message part of a klog line (after the header) reduced to what identifies its kind:
/// for structured klog the quoted message plus the key names, so values never split templates.
/// Writes into `out`.
pub fn structured_key(msg: &[u8], out: &mut Vec<u8>) -> bool {
    if msg.first() != Some(&b'"') {
        return false;
    }
    let (quoted, mut i) = logfmt_value(msg, 0);
    out.extend_from_slice(quoted);
    let mut keys = 0;
    while i < msg.len() && keys < 16 {
        while msg.get(i) == Some(&b' ') {
            i += 1;
        }
        let Some(eq) = memchr::memchr(b'=', &msg[i..]) else {
            break;
        };
        let key = &msg[i..i + eq];
        if key.is_empty() || key.contains(&b' ') || key.contains(&b'"') {
            break;
        }
        out.push(b' ');
        out.extend_from_slice(key);
        out.extend_from_slice(b"=<*>");
        let vstart = i + eq + 1;
        i = match msg.get(vstart) {
            Some(b'"') => logfmt_value(msg, vstart).1,
            Some(b'<') if vstart + 1 == msg.len() => msg.len(),
            Some(b'[') | Some(b'{') => skip_bracketed(msg, vstart),
            _ => logfmt_value(msg, vstart).1,
        };
        keys += 1;
    }
    true
}

/// Skip a `[...]`/`{...}` value with nesting and quoted strings.
fn skip_bracketed(b: &[u8], mut i: usize) -> usize {
    let mut depth = 0i32;
    let mut in_str = false;
    while i < b.len() {
        let c = b[i];
        if in_str {
            if c == b'\\' {
                i += 1;
            } else if c == b'"' {
                in_str = false;
            }
        } else {
            match c {
                b'"' => in_str = true,
                b'[' | b'{' => depth += 1,
                b']' | b'}' => {
                    depth -= 1;
                    if depth <= 0 {
                        return i + 1;
                    }
                }
                _ => {}
            }
        }
        i += 1;
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn klog_pid_widths() {
        for l in [
            &b"E0517 15:04:22.619632 1952452992 logging_unittest.cc:253] Log every 3"[..],
            b"I0517 15:04:22.619768      52992 logging_unittest.cc:269] const array",
            b"I0820 20:28:26.508550    3312 flags.go:33] FLAG: --add-dir-header=\"false\"",
        ] {
            let h = klog(l).unwrap();
            assert!(
                l[h.msg..].starts_with(b"Log")
                    || l[h.msg..].starts_with(b"const")
                    || l[h.msg..].starts_with(b"FLAG")
            );
        }
        assert!(klog(b"I am not klog").is_none());
    }

    #[test]
    fn structured_template_key() {
        let mut out = Vec::new();
        assert!(structured_key(
            br#""Skipping pod synchronization" err="PLEG is not healthy: pleg was last seen active 2h33m12.704970756s ago; threshold is 3m0s""#,
            &mut out
        ));
        assert_eq!(out, b"Skipping pod synchronization err=<*>");
    }
}
