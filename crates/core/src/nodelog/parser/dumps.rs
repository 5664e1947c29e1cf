//! Goroutine dumps inside a log (panic traces, SIGQUIT/SIGUSR1 dumps, containerd's logrus
//! `=== BEGIN goroutine stack dump ===`), read by an embedded goroutine parser.

use crate::diag::Diagnostics;
use crate::event::EventStore;
use crate::goroutine;
use crate::lines::LineAt;
use crate::parse::{FileMeta, ParseCx};
use crate::time::NO_TIME;

/// A dump's text starts a containerd-style logrus message (`msg="=== BEGIN goroutine …`).
pub(super) fn starts_dump_message(text: &[u8]) -> bool {
    text.starts_with(b"=== BEGIN goroutine stack dump")
}

/// Goroutine dumps inside the log: an embedded goroutine parser writing to its own
/// diagnostics and events, so the log's results stay those of its log lines.
pub(super) struct Dumps {
    parser: goroutine::Parser,
    diags: Diagnostics,
    events: EventStore,
    records: u64,
    detail: String,
    notes: Vec<String>,
    /// (first line fed for a log event, that event's index), in file order.
    owners: Vec<(u64, u32)>,
}

impl Dumps {
    pub(super) fn new(name: &str) -> Self {
        let meta = FileMeta {
            name: name.to_string(),
            ..FileMeta::default()
        };
        Dumps {
            parser: goroutine::Parser::new(&meta),
            diags: Diagnostics::default(),
            events: EventStore::default(),
            records: 0,
            detail: String::new(),
            notes: Vec::new(),
            owners: Vec::new(),
        }
    }

    /// Feed one line of dump text (wrappers the log parser removed are gone; `end` is the
    /// offset past the whole line) belonging to log event `owner`. `ended`: the dump read so
    /// far ended before this line (a log entry of its process came in between).
    pub(super) fn feed(&mut self, text: &[u8], at: LineAt, end: u64, owner: u32, ended: bool) {
        let mut cx = ParseCx {
            diags: &mut self.diags,
            events: &mut self.events,
            records: &mut self.records,
            detail: &mut self.detail,
            notes: &mut self.notes,
        };
        if ended {
            self.parser.end_dump(&mut cx);
        }
        if self.owners.last().is_none_or(|&(_, o)| o != owner) && self.owners.len() < 1 << 20 {
            self.owners.push((at.line, owner));
        }
        self.parser.line_in(text, at, end, &mut cx);
    }

    /// The dumps read, and per snapshot the log event whose time it takes.
    pub(super) fn finish(mut self) -> (Option<goroutine::Data>, Vec<u32>) {
        let mut cx = ParseCx {
            diags: &mut self.diags,
            events: &mut self.events,
            records: &mut self.records,
            detail: &mut self.detail,
            notes: &mut self.notes,
        };
        let data = self.parser.finish(&mut cx);
        if data.snapshots.is_empty() {
            return (None, Vec::new());
        }
        let owners = &self.owners;
        let events = data
            .snapshots
            .iter()
            .map(|s| {
                if s.time != NO_TIME {
                    return u32::MAX;
                }
                let i = owners.partition_point(|&(l, _)| l <= s.line);
                i.checked_sub(1).map_or(u32::MAX, |i| owners[i].1)
            })
            .collect();
        (Some(data), events)
    }
}
