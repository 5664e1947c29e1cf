//! Lines that describe the file rather than log an entry: the klog `--log-file` header block
//! (its creation date anchors the year; a second header means the process restarted),
//! journalctl's begin and boot markers, and the host they name.

use super::Parser;
use crate::diag::DiagKind;
use crate::event::{NewEvent, Severity};
use crate::lines::LineAt;
use crate::nodelog::lines::journal_text::Marker;
use crate::nodelog::lines::klog::FileLine;
use crate::nodelog::lines::LineFormat;
use crate::nodelog::stamp::Yearless;
use crate::parse::ParseCx;
use crate::time::{Micros, NO_TIME};

impl Parser {
    pub(super) fn set_host(&mut self, h: String) {
        if !h.is_empty() {
            self.file_lane = format!("{h}/{}", self.comp_guess);
            self.host = Some(h);
            self.mixed_lanes.iter_mut().for_each(String::clear);
        }
    }

    /// The file says "now is `t`" with a full date: anchor yearless stamps.
    pub(super) fn anchor_from(&mut self, t: Micros, cx: &mut ParseCx<'_>) {
        if self.years_known() {
            return;
        }
        if let Some(d) = chrono::DateTime::<chrono::Utc>::from_timestamp_micros(t) {
            use chrono::Datelike;
            self.years.anchor(d.year(), d.month(), cx.events);
        }
    }

    pub(super) fn years_known(&self) -> bool {
        self.years.known()
    }

    /// A line of the klog `--log-file` header block.
    pub(super) fn klog_file_line(
        &mut self,
        f: FileLine<'_>,
        line: &[u8],
        at: LineAt,
        end: u64,
        cx: &mut ParseCx<'_>,
    ) {
        match f {
            FileLine::Created(created) => {
                self.header_lines += 1;
                self.klog_file_header(created, line, at, cx)
            }
            FileLine::Machine(h) => {
                self.header_lines += 1;
                let h = String::from_utf8_lossy(h).trim().to_string();
                self.set_host(h);
            }
            FileLine::Other if self.klog_headers > 0 => self.header_lines += 1,
            FileLine::Other => self.orphan(line, at, end, cx),
        }
    }

    pub(super) fn klog_file_header(
        &mut self,
        created: Option<(i32, Yearless)>,
        line: &[u8],
        at: LineAt,
        cx: &mut ParseCx<'_>,
    ) {
        self.count(LineFormat::KlogFileHeader);
        self.close_panic();
        self.cur = None;
        match created {
            Some((year, when)) => {
                self.years.anchor(year, when.mon, cx.events);
                self.klog_headers += 1;
                if self.klog_headers > 1 {
                    // A new file header inside one file: the process restarted.
                    let t = when.in_year(year).unwrap_or(NO_TIME);
                    let lane = self.file_lane.clone();
                    cx.events.push(NewEvent {
                        time: t,
                        kind: "process_restart",
                        severity: Severity::Warning,
                        lane: &lane,
                        label: "klog file header: process restarted",
                        line: at.line,
                        offset: at.offset,
                        len: line.len() as u64,
                    });
                    self.track_label(cx, u32::MAX, None);
                    *self.kinds.entry("process_restart".into()).or_insert(0) += 1;
                }
            }
            None => cx.diags.note(
                at.line,
                at.offset,
                DiagKind::BadTime,
                "klog file header with an unreadable date",
            ),
        }
    }

    pub(super) fn marker(&mut self, m: Marker, at: LineAt, end: u64, cx: &mut ParseCx<'_>) {
        self.count(LineFormat::JournalMarker);
        self.header_lines += 1;
        match m {
            Marker::Begin { year, mon, utc } => {
                self.years.anchor(year, mon, cx.events);
                self.journal_utc = Some(utc);
                if !utc {
                    cx.notes.push(
                        "journalctl printed local times in a zone other than UTC; read as UTC"
                            .into(),
                    );
                }
            }
            Marker::Boot => self.pending_boot = Some((at.line, at.offset, end - at.offset)),
            Marker::Other => {}
        }
    }
}
