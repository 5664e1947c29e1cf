//! CRI container logs (what the kubelet writes under `/var/log/pods`):
//! `2023-05-11T16:09:21.8Z stderr F msg`, with `P` partial lines joined up to the `F` line.

use super::{Head, LineFormat, Recognizer};
use crate::nodelog::stamp;

/// CRI container log lines.
pub struct Cri;

impl Recognizer for Cri {
    fn format(&self) -> LineFormat {
        LineFormat::Cri
    }
    fn recognize<'a>(&self, line: &'a [u8]) -> Option<Head<'a>> {
        if !line.first()?.is_ascii_digit() {
            return None;
        }
        let (time, i, zoned) = stamp::iso(line)?;
        let rest = &line[i..];
        if !is_stream(rest) {
            return None;
        }
        Some(Head::Cri {
            time,
            zoned,
            partial: rest.get(8) == Some(&b'P'),
            msg: (i + 10).min(line.len()),
        })
    }
}

/// The ` stdout ` / ` stderr ` column that follows a CRI line's time.
pub fn is_stream(rest: &[u8]) -> bool {
    rest.starts_with(b" stdout ") || rest.starts_with(b" stderr ")
}
