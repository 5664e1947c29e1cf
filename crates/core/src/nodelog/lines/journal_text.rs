//! journalctl text outputs and syslog: `Apr 13 10:53:52 host kubelet[3263]: msg` (short,
//! short-precise, syslog), `2017-12-13T16:58:30+0000 host kubelet[2975]: msg` (short-iso), and
//! the `-- Logs begin at … --` / `-- Boot … --` / `-- Reboot --` marker lines.

use super::{Head, LineFormat, Recognizer};
use crate::nodelog::stamp;

/// `journalctl` short / short-precise and syslog lines (`Mon dd hh:mm:ss`, no year).
pub struct Syslog;

impl Recognizer for Syslog {
    fn format(&self) -> LineFormat {
        LineFormat::Syslog
    }
    fn recognize<'a>(&self, line: &'a [u8]) -> Option<Head<'a>> {
        let (when, end) = stamp::syslog(line)?;
        Some(Head::Syslog { when, end })
    }
}

/// `journalctl -o short-iso` lines: an ISO time, then `host ident[pid]: `.
pub struct JournalIso;

impl Recognizer for JournalIso {
    fn format(&self) -> LineFormat {
        LineFormat::JournalIso
    }
    fn recognize<'a>(&self, line: &'a [u8]) -> Option<Head<'a>> {
        if !line.first()?.is_ascii_digit() {
            return None;
        }
        let (time, i, zoned) = stamp::iso(line)?;
        if super::cri::is_stream(&line[i..]) {
            return None;
        }
        let (host, ident, msg) = syslog_tail(line, i)?;
        Some(Head::JournalIso {
            time,
            zoned,
            host,
            ident,
            msg,
        })
    }
}

/// journalctl's `-- … --` marker lines.
pub struct JournalMarker;

impl Recognizer for JournalMarker {
    fn format(&self) -> LineFormat {
        LineFormat::JournalMarker
    }
    fn recognize<'a>(&self, line: &'a [u8]) -> Option<Head<'a>> {
        if line.first() != Some(&b'-') {
            return None;
        }
        marker(line).map(Head::Marker)
    }
}

/// A `journalctl` text marker line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Marker {
    /// `-- Logs begin at Wed 2017-12-13 16:56:37 UTC, end at …. --`: year anchor (year, month)
    /// and whether the zone was UTC.
    Begin { year: i32, mon: u32, utc: bool },
    /// `-- Boot 0dc8… --` or `-- Reboot --`.
    Boot,
    /// `-- No entries --` and other markers.
    Other,
}

/// Parse a `-- … --` marker line.
pub fn marker(b: &[u8]) -> Option<Marker> {
    let rest = b.strip_prefix(b"-- ")?;
    if rest.starts_with(b"Reboot") || rest.starts_with(b"Boot ") {
        return Some(Marker::Boot);
    }
    let after = rest
        .strip_prefix(b"Logs begin at ")
        .or_else(|| rest.strip_prefix(b"Journal begins at "));
    if let Some(after) = after {
        // `Wed 2017-12-13 16:56:37 UTC, end at …`
        let date = after
            .iter()
            .position(u8::is_ascii_digit)
            .map(|i| &after[i..]);
        if let Some(d) = date {
            if let (Some(y), Some(m)) = (stamp::digits(d, 0, 4), stamp::digits(d, 5, 2)) {
                let zone = d.get(20..).unwrap_or(b"");
                let utc = zone.starts_with(b"UTC") || zone.starts_with(b"GMT");
                return Some(Marker::Begin {
                    year: y as i32,
                    mon: m,
                    utc,
                });
            }
        }
    }
    b.ends_with(b"--").then_some(Marker::Other)
}

/// The `host ident[pid]: ` part after a journalctl/syslog timestamp. Returns host, identifier
/// and the index of the message.
pub fn syslog_tail(b: &[u8], mut i: usize) -> Option<(&[u8], &[u8], usize)> {
    while b.get(i) == Some(&b' ') {
        i += 1;
    }
    // `2026-11-30T03:27:57.537299Z I1130 03:27:57.537299 6161 flags.go:64] …` (`kubectl logs
    // --timestamps`, must-gather's current.log) is a klog line behind a timestamp, not a host
    // `I1130` and an identifier `03`.
    if super::klog::klog(&b[i..]).is_some() {
        return None;
    }
    let hs = i;
    while i < b.len() && b[i] != b' ' {
        i += 1;
    }
    let host = &b[hs..i];
    // A host name is letters, digits, `-`, `.`, `_`: `[-]informer-sync failed: …` (a healthz
    // report's next line behind a timestamp) names no host.
    if !host
        .iter()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_'))
    {
        return None;
    }
    i += 1;
    let is = i;
    // The identifier ends at `[pid]:` or `:`; it has no spaces.
    while i < b.len() && b[i] != b':' && b[i] != b'[' && b[i] != b' ' {
        i += 1;
    }
    let ident = b.get(is..i)?;
    if ident.is_empty() || host.is_empty() {
        return None;
    }
    if b.get(i) == Some(&b'[') {
        let close = memchr::memchr(b']', &b[i..])? + i;
        i = close + 1;
    }
    if b.get(i) != Some(&b':') {
        return None;
    }
    i += 1;
    if b.get(i) == Some(&b' ') {
        i += 1;
    }
    Some((host, ident, i))
}
