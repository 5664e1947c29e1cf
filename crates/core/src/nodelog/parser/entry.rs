//! One log entry → one timeline event: payload peeled, classified, templated, pushed.

use super::Parser;
use crate::event::{EventIds, NewEvent, Severity};
use crate::lines::LineAt;
use crate::nodelog::classes;
use crate::nodelog::peel::{inner, Tmpl};
use crate::nodelog::PanicRange;
use crate::parse::ParseCx;
use crate::time::{Micros, NO_TIME};

/// Kind slot of an entry: its class, `panic`, or `log` at the entry's level (the store keeps
/// one severity per kind, so unclassified lines get one kind per level).
fn slot_of(class: Option<usize>, panic: bool, sev: Severity) -> usize {
    match class {
        Some(c) => c,
        None if panic => classes::CLASSES.len(),
        None => classes::CLASSES.len() + 1 + sev as usize,
    }
}

/// Kind name and severity of a kind slot: the classes, then `panic`, then `log` per level.
pub(super) fn kind_of_slot(slot: usize) -> (&'static str, Severity) {
    const LOG: [(&str, Severity); 5] = [
        ("log.debug", Severity::Debug),
        ("log", Severity::Info),
        ("log.warning", Severity::Warning),
        ("log.error", Severity::Error),
        ("log.critical", Severity::Critical),
    ];
    let n = classes::CLASSES.len();
    if slot < n {
        (classes::CLASSES[slot].name, classes::CLASSES[slot].severity)
    } else if slot == n {
        ("panic", Severity::Critical)
    } else {
        LOG[(slot - n - 1).min(4)]
    }
}

impl Parser {
    /// Hand a line of a panic or goroutine dump to the embedded goroutine parser; the
    /// current entry is the log event it belongs to.
    pub(super) fn feed_dump(&mut self, cx: &ParseCx<'_>, text: &[u8], at: LineAt, end: u64) {
        let owner = self
            .cur
            .map_or(u32::MAX, |c| c.min(u32::MAX as usize) as u32);
        let lane = self
            .cur
            .and_then(|c| cx.events.lane.get(c).copied())
            .unwrap_or(u32::MAX);
        // Another process, or a log entry of this one since the last dump line (besides the
        // entry this line starts): the dump read so far is over. Other processes' lines
        // interleaved in a journal do not end it.
        let ended =
            lane != self.dump_lane || self.dump_lane_entries > u32::from(owner != self.dump_owner);
        let name = &self.name;
        self.dumps
            .get_or_insert_with(|| Box::new(super::Dumps::new(name)))
            .feed(text, at, end, owner, ended);
        self.dump_lane = lane;
        self.dump_owner = owner;
        self.dump_lane_entries = 0;
    }

    pub(super) fn close_panic(&mut self) {
        self.panic = None;
    }

    /// Emit an entry after peeling its payload.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn entry_with_inner(
        &mut self,
        cx: &mut ParseCx<'_>,
        at: LineAt,
        len: u64,
        t: Micros,
        prov: bool,
        outer_sev: Option<Severity>,
        lane: &str,
        class_text: &[u8],
        msg: &[u8],
    ) {
        let mut scratch = std::mem::take(&mut self.scratch);
        let inn = inner(msg, &mut scratch);
        // A panic trace relayed line by line (journald): later lines join the panic event.
        if let Some((p, plane)) = self.panic {
            let lane_id = cx.events.lanes.intern(lane);
            if plane == lane_id && !inn.headed && !inn.panic {
                let end = at.offset + len;
                let r = &mut self.panics[p];
                r.end_line = at.line;
                r.len = end.saturating_sub(r.offset);
                *cx.records += 1;
                self.feed_dump(cx, msg, at, end);
                self.scratch = scratch;
                return;
            }
            self.panic = None;
        }
        if let (Some(k), true) = (
            inn.klog,
            t != NO_TIME && self.utc_wrapper && self.zone_samples.len() < 64,
        ) {
            // klog inside a UTC wrapper (journald JSON, CRI, Docker): local klog clock vs true UTC
            // gives the zone.
            use chrono::Datelike;
            if let Some(y) =
                chrono::DateTime::<chrono::Utc>::from_timestamp_micros(t).map(|d| d.year())
            {
                if let Some(local) = k.in_year(y) {
                    self.zone_samples.push(local - t);
                }
            }
        }
        let sev = inn.sev.or(outer_sev).unwrap_or(Severity::Info);
        let tmpl: &[u8] = match inn.tmpl {
            Tmpl::Range(a, b) => &msg[a.min(msg.len())..b.min(msg.len())],
            Tmpl::Scratch => &scratch,
        };
        let same = class_text.as_ptr() == msg.as_ptr() && class_text.len() == msg.len();
        let body = &msg[inn.body.min(msg.len())..];
        let class = if same && inn.httplog {
            classes::index_of("apiserver_request")
        } else if same && tmpl.as_ptr() == body.as_ptr() && tmpl.len() == body.len() {
            // One text for the class and the template (a klog message): one memo lookup.
            self.class_and_template(body, inn.panic, sev, at)
        } else if same {
            self.classes.classify(body)
        } else {
            self.classes.classify(class_text)
        };
        let dump_message =
            inn.headed && inn.klog.is_none() && super::dumps::starts_dump_message(tmpl);
        self.entry(
            cx, at, len, t, prov, sev, lane, class, class_text, tmpl, inn.panic,
        );
        if inn.multiline {
            self.ml_value = true;
        }
        let end = at.offset + len;
        if self.panic.is_some() {
            // This entry opened a panic (any earlier one was closed above).
            self.feed_dump(cx, &msg[inn.body.min(msg.len())..], at, end);
        } else if dump_message {
            match inn.tmpl {
                // logrus: the goroutine parser unescapes `msg="…"` itself.
                Tmpl::Range(..) => self.feed_dump(cx, msg, at, end),
                // JSON: the message is already unescaped, one dump line per `\n`.
                Tmpl::Scratch => {
                    for piece in scratch.split(|&c| c == b'\n') {
                        self.feed_dump(cx, piece, at, end);
                    }
                }
            }
        } else if !inn.headed
            && self.dump_lane_entries == 1
            && self.cur.and_then(|c| cx.events.lane.get(c).copied()) == Some(self.dump_lane)
        {
            // A journal interleaved another process's line into the dump, which closed the
            // panic event: the dump's next headerless line still continues the dump.
            self.feed_dump(cx, msg, at, end);
        }
        self.scratch = scratch;
    }

    /// Emit one timeline event for one log entry.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn entry(
        &mut self,
        cx: &mut ParseCx<'_>,
        at: LineAt,
        len: u64,
        t: Micros,
        prov: bool,
        sev: Severity,
        lane: &str,
        class: Option<usize>,
        class_text: &[u8],
        tmpl: &[u8],
        panic: bool,
    ) {
        self.cur_plain = false;
        if !self.started {
            self.settle_before(true, cx);
        }
        if let Some((line, offset, blen)) = self.pending_boot.take() {
            cx.events.push(NewEvent {
                time: t,
                kind: "boot",
                severity: Severity::Warning,
                lane,
                label: "system boot",
                line,
                offset,
                len: blen,
            });
            self.track_label(cx, u32::MAX, None);
            *self.kinds.entry("boot".into()).or_insert(0) += 1;
        }
        let slot = slot_of(class, panic, sev);
        let (kind, severity) = kind_of_slot(slot);
        let tid = match self.known_template.take() {
            Some(tid) => {
                self.miner.count(tid);
                tid
            }
            None => self.miner.add(tmpl, kind, at.line, at.offset),
        };
        let suffix: Option<Box<str>> = class
            .filter(|&c| classes::is_rpc(c))
            .and_then(|_| classes::grpc_code(class_text))
            .map(|code| format!(" [code={code}]").into_boxed_str());
        // Hot path: ids cached per kind slot, lane and template, pushed as ids
        // (`EventStore::push_ids`: no string hashed per event).
        let ev = &mut *cx.events;
        if self.slot_kind.len() <= slot {
            self.slot_kind.resize(slot + 1, u16::MAX);
        }
        if self.slot_kind[slot] == u16::MAX {
            self.slot_kind[slot] = ev.kind_id(kind, severity);
        }
        let kid = self.slot_kind[slot];
        let same_lane = crate::textmap::same(self.lane_cache.0.as_bytes(), lane.as_bytes());
        if !same_lane || self.lane_cache.1 == u32::MAX {
            self.lane_cache = (lane.to_string(), ev.lanes.intern(lane));
        }
        let lid = self.lane_cache.1;
        if lid == self.dump_lane {
            self.dump_lane_entries = self.dump_lane_entries.saturating_add(1);
        }
        let labid = match &suffix {
            Some(sfx) => ev
                .labels
                .intern(&format!("{}{sfx}", self.miner.templates[tid as usize].text)),
            None => {
                let t = tid as usize;
                if self.tid_label.len() <= t {
                    self.tid_label.resize(t + 1, u32::MAX);
                }
                if self.tid_label[t] == u32::MAX {
                    self.tid_label[t] = ev.labels.intern(&self.miner.templates[t].text);
                }
                self.tid_label[t]
            }
        };
        let ids = EventIds {
            kind: kid,
            lane: lid,
            label: labid,
        };
        ev.push_ids(t, ids, at.line, at.offset, len);
        self.track_label(cx, tid, suffix);
        let idx = cx.events.len() - 1;
        if prov {
            self.years.pending(idx as u32);
        }
        *cx.records += 1;
        if self.slot_count.len() <= slot {
            self.slot_count.resize(slot + 1, 0);
        }
        self.slot_count[slot] += 1;
        self.cur = Some(idx);
        self.cur_stamped_klog = None;
        if t != NO_TIME {
            self.cur_time = t;
            self.cur_prov = prov;
        }
        if kind == "panic" && self.panics.len() < 10_000 {
            let first = String::from_utf8_lossy(&tmpl[..tmpl.len().min(200)]).into_owned();
            self.panics.push(PanicRange {
                line: at.line,
                end_line: at.line,
                offset: at.offset,
                len,
                lane: lane.to_string(),
                time: t,
                first,
            });
            let lane_id = cx.events.lane[idx];
            self.panic = Some((self.panics.len() - 1, lane_id));
        }
    }

    /// The class of `text` and its template (left in `known_template` for [`Self::entry`]),
    /// remembered together for the messages seen lately: where the class and the template read
    /// the same text, one lookup answers both (two were ~20% of reading a klog file).
    fn class_and_template(
        &mut self,
        text: &[u8],
        panic: bool,
        sev: Severity,
        at: LineAt,
    ) -> Option<usize> {
        match self.joint.get(text) {
            Ok((class, tid)) => {
                self.known_template = Some(tid);
                class.map(usize::from)
            }
            Err(miss) => {
                let class = classes::classify(text);
                let (kind, _) = kind_of_slot(slot_of(class, panic, sev));
                let (tid, lasting) =
                    self.miner
                        .template_of(text, kind, at.line, at.offset, miss.wanted());
                if lasting {
                    self.joint.put(miss, text, (class.map(|c| c as u16), tid));
                }
                self.known_template = Some(tid);
                class
            }
        }
    }

    /// Remember which template the last pushed event's label came from.
    pub(super) fn track_label(&mut self, cx: &mut ParseCx<'_>, tid: u32, suffix: Option<Box<str>>) {
        let Some(&l) = cx.events.label.last() else {
            return;
        };
        let l = l as usize;
        if self.label_tid.len() <= l {
            self.label_tid.resize(l + 1, (u32::MAX, None));
            self.label_tid[l] = (tid, suffix);
        }
    }
}
