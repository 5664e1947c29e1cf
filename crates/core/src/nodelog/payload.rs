//! The innermost layer of a log entry: klog text (legacy printf-style or structured
//! `"msg" key="value"`), klog/zap JSON, logrus/logfmt (`time="…" level=… msg="…"`), or plain
//! text. Wrappers (journald, CRI, Docker) hand their message here.

use super::stamp::{self, Yearless};
use crate::event::Severity;
use crate::time::Micros;

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

/// Severity from a level word (`error`, `warning`, `W`, `fatal`, journald `PRIORITY` digits…).
pub fn level_word(w: &[u8]) -> Option<Severity> {
    let mut buf = [0u8; 8];
    let n = w.len().min(8);
    for (d, s) in buf.iter_mut().zip(&w[..n]) {
        *d = s.to_ascii_lowercase();
    }
    Some(match &buf[..n] {
        b"trace" | b"debug" | b"dbug" | b"d" | b"7" => Severity::Debug,
        b"info" | b"notice" | b"i" | b"5" | b"6" => Severity::Info,
        b"warn" | b"warning" | b"w" | b"4" => Severity::Warning,
        b"error" | b"err" | b"e" | b"3" => Severity::Error,
        b"fatal" | b"panic" | b"critical" | b"crit" | b"alert" | b"emerg" | b"f" | b"0" | b"1"
        | b"2" => Severity::Critical,
        _ => return None,
    })
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
pub struct Logfmt<'a> {
    pub time: Option<Micros>,
    pub sev: Option<Severity>,
    pub msg: &'a [u8],
}

/// Parse a logfmt line that has at least `level=` or `time=`; `None` otherwise.
pub fn logfmt(b: &[u8]) -> Option<Logfmt<'_>> {
    if !(b.starts_with(b"time=") || b.starts_with(b"level=") || b.starts_with(b"ts=")) {
        return None;
    }
    let mut out = Logfmt {
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

/// klog / zap / generic JSON log line fields.
#[derive(serde::Deserialize, Default)]
pub struct JsonLog<'a> {
    #[serde(default)]
    pub ts: Option<serde_json::Value>,
    #[serde(default)]
    pub time: Option<&'a str>,
    #[serde(default, borrow)]
    pub msg: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, borrow)]
    pub message: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, borrow)]
    pub level: Option<std::borrow::Cow<'a, str>>,
    #[serde(default)]
    pub err: Option<serde::de::IgnoredAny>,
}

impl JsonLog<'_> {
    /// Time: numeric `ts` (epoch s or ms), string `ts`/`time` (RFC 3339).
    pub fn when(&self) -> Option<Micros> {
        match &self.ts {
            Some(serde_json::Value::Number(n)) => n.as_f64().and_then(stamp::epoch_number),
            Some(serde_json::Value::String(s)) => stamp::iso(s.as_bytes()).map(|t| t.0),
            _ => self
                .time
                .and_then(|s| stamp::iso(s.as_bytes()).map(|t| t.0)),
        }
    }

    pub fn sev(&self) -> Severity {
        if let Some(l) = self.level.as_deref().and_then(|l| level_word(l.as_bytes())) {
            return l;
        }
        if self.err.is_some() {
            Severity::Error
        } else {
            Severity::Info
        }
    }

    pub fn text(&self) -> &str {
        self.msg
            .as_deref()
            .or(self.message.as_deref())
            .unwrap_or("")
    }
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

/// Whether a message opens a Go panic or fatal error (kept whole with its trace).
pub fn starts_panic(msg: &[u8]) -> bool {
    msg.starts_with(b"panic: ")
        || msg.starts_with(b"fatal error: ")
        || msg.starts_with(b"unexpected fault address")
        || (msg.starts_with(b"goroutine ") && msg.ends_with(b"]:"))
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

    #[test]
    fn logfmt_fields() {
        let l = logfmt(br#"time="2021-09-15T21:17:10.220731Z" level=error msg="error retrieving pod status: x" namespace=a"#).unwrap();
        assert_eq!(l.sev, Some(Severity::Error));
        assert_eq!(l.msg, b"error retrieving pod status: x");
        assert!(l.time.is_some());
    }
}
