//! Text lines that open with a full ISO timestamp and are neither CRI nor journalctl short-iso
//! (etcd's and many tools' text output, `2019-05-20T10:00:00Z msg`).

use super::{Head, LineFormat, Recognizer};
use crate::nodelog::stamp;

/// ISO-timestamped text lines.
pub struct IsoText;

impl Recognizer for IsoText {
    fn format(&self) -> LineFormat {
        LineFormat::Iso
    }
    fn recognize<'a>(&self, line: &'a [u8]) -> Option<Head<'a>> {
        if !line.first()?.is_ascii_digit() {
            return None;
        }
        let (time, end, zoned) = stamp::iso(line)?;
        if super::cri::is_stream(&line[end..])
            || super::journal_text::syslog_tail(line, end).is_some()
        {
            return None;
        }
        Some(Head::Iso { time, zoned, end })
    }
}
