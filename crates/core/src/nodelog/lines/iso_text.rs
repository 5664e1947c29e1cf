//! Text lines that open with a full ISO timestamp and are neither CRI nor journalctl short-iso
//! (etcd's and many tools' text output, `2019-05-20T10:00:00Z msg`), also behind a program's
//! tag, as CNI plugins and shell scripts write their own logs
//! (`hang-cni: 2026-11-30T03:29:54.109080927Z pid=7269 ADD …`).

use super::{Head, LineFormat, Recognizer};
use crate::nodelog::stamp;

/// ISO-timestamped text lines.
pub struct IsoText;

impl Recognizer for IsoText {
    fn format(&self) -> LineFormat {
        LineFormat::Iso
    }
    fn recognize<'a>(&self, line: &'a [u8]) -> Option<Head<'a>> {
        let start = if line.first()?.is_ascii_digit() {
            0
        } else {
            tagged(line)?
        };
        let (time, len, zoned) = stamp::iso(&line[start..])?;
        let end = start + len;
        if super::cri::is_stream(&line[end..])
            || super::journal_text::syslog_tail(line, end).is_some()
        {
            return None;
        }
        Some(Head::Iso { time, zoned, end })
    }
}

/// Where the timestamp starts after a program's tag: `name: ` or `name[pid]: `, the name a
/// letter then letters, digits and `._-/` (at most 64 bytes).
fn tagged(line: &[u8]) -> Option<usize> {
    const MAX: usize = 64;
    if !line.first()?.is_ascii_alphabetic() {
        return None;
    }
    let mut i = line
        .iter()
        .take(MAX + 1)
        .position(|&c| !(c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-' | b'/')))?;
    if line[i] == b'[' {
        let digits = line[i + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if digits == 0 || line.get(i + 1 + digits) != Some(&b']') {
            return None;
        }
        i += digits + 2;
    }
    (line.get(i..i + 2)? == b": " && line.get(i + 2)?.is_ascii_digit()).then_some(i + 2)
}
