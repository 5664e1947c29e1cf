//! Headerless lines: held before the first entry (a preamble when an entry follows, the
//! file's content when none does), attached to the current entry where they really continue it
//! (`continues`), or plain-text entries of their own.

use super::Parser;
use crate::diag::DiagKind;
use crate::event::Severity;
use crate::lines::LineAt;
use crate::nodelog::lines::kernel;
use crate::nodelog::{classes, payload};
use crate::parse::ParseCx;
use crate::time::NO_TIME;

impl Parser {
    /// Hold a headerless line seen before any entry (see `before`).
    pub(super) fn hold(&mut self, line: &[u8], at: LineAt, cx: &mut ParseCx<'_>) {
        self.before_bytes += line.len();
        self.before.push((line.to_vec(), at));
        if self.before.len() >= Self::BEFORE_LINES || self.before_bytes >= Self::BEFORE_BYTES {
            self.settle_before(false, cx);
        }
    }

    /// Held lines before the first entry: a preamble when an entry came (`entry_follows`),
    /// skipped with the reason; otherwise the file's own content, read as plain lines.
    pub(super) fn settle_before(&mut self, entry_follows: bool, cx: &mut ParseCx<'_>) {
        self.started = true;
        let held = std::mem::take(&mut self.before);
        if entry_follows {
            for (l, at) in &held {
                match crate::preamble::reason(l) {
                    Some(why) => cx.diags.skip(at.line, at.offset, DiagKind::Ignored, why),
                    None if l.iter().all(u8::is_ascii_whitespace) => {
                        cx.diags
                            .skip(at.line, at.offset, DiagKind::Ignored, "blank line")
                    }
                    None => cx.diags.skip(
                        at.line,
                        at.offset,
                        DiagKind::Malformed,
                        "line without a recognizable header before any log entry",
                    ),
                }
            }
            return;
        }
        for (l, at) in &held {
            self.line(l, *at, cx);
        }
    }

    /// A line no recognizer claims: plain text.
    pub(super) fn orphan(&mut self, line: &[u8], at: LineAt, end: u64, cx: &mut ParseCx<'_>) {
        if !self.started {
            return self.hold(line, at, cx);
        }
        let Some(cur) = self.cur else {
            return self.plain(line, at, end, cx);
        };
        if self.panic.is_none() && payload::starts_panic(line) {
            // A panic printed by the process itself, after its last log line.
            let lane = cx.events.lanes.get(cx.events.lane[cur]).to_string();
            let (t, prov) = (self.cur_time, self.cur_prov);
            // Dated like the entry it follows, provisional year included (re-dated with it).
            self.entry(
                cx,
                at,
                end - at.offset,
                t,
                prov,
                Severity::Critical,
                &lane,
                classes::classify(line),
                line,
                line,
                true,
            );
            *cx.records -= 1; // part of the output, not a log entry of its own
            self.continuations += 1;
            if self.panic.is_some() {
                self.feed_dump(cx, line, at, end);
            }
            return;
        }
        if self.continues(line) {
            return self.extend(cx, line, at, end);
        }
        self.plain(line, at, end, cx);
    }

    /// Whether a headerless line really continues the current record: an indented line (stack
    /// frames, wrapped values), a line of an open panic or dump, a kernel report's register and
    /// stack lines, or — in a file of one line format — any text after a headed entry
    /// (messages with raw newlines). In a `mixed` file, or after a plain-text entry, the other
    /// lines are records of their own.
    pub(super) fn continues(&self, line: &[u8]) -> bool {
        if (!self.mixed && !self.cur_plain)
            || self.panic.is_some()
            || matches!(line.first(), Some(b' ' | b'\t'))
        {
            return true;
        }
        kernel::kernel_cont(line)
    }

    /// A plain-text record: no time of its own (in a `mixed` file it takes the previous
    /// record's), the file's lane, severity from the text's classification.
    pub(super) fn plain(&mut self, line: &[u8], at: LineAt, end: u64, cx: &mut ParseCx<'_>) {
        if self.cur.is_some() && kernel::kernel_cont(line) {
            return self.extend(cx, line, at, end);
        }
        let (t, prov) = if self.mixed {
            (self.cur_time, self.cur_prov)
        } else {
            (NO_TIME, false)
        };
        let lane = self.take_lane(None);
        self.entry_with_inner(cx, at, end - at.offset, t, prov, None, &lane, line, line);
        self.put_lane(None, lane);
        self.cur_plain = true;
    }

    /// Attach a line to the current entry (and the open panic).
    pub(super) fn extend(&mut self, cx: &mut ParseCx<'_>, line: &[u8], at: LineAt, end: u64) {
        self.continuations += 1;
        if let Some(i) = self.cur {
            let off = cx.events.offset[i];
            cx.events.len[i] = (end.saturating_sub(off)).min(u32::MAX as u64) as u32;
        }
        if let Some((p, _)) = self.panic {
            let r = &mut self.panics[p];
            r.end_line = at.line;
            r.len = end.saturating_sub(r.offset);
            self.feed_dump(cx, line, at, end);
        }
    }
}
