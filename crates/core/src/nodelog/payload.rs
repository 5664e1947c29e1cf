//! Words shared by every line format's payload: level words and the start of a Go panic.

use crate::event::Severity;

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

/// Whether a message opens a Go panic or fatal error (kept whole with its trace).
pub fn starts_panic(msg: &[u8]) -> bool {
    msg.starts_with(b"panic: ")
        || msg.starts_with(b"fatal error: ")
        || msg.starts_with(b"unexpected fault address")
        || (msg.starts_with(b"goroutine ") && msg.ends_with(b"]:"))
}
