//! The compact, columnar store of timeline events.
//!
//! One row per event, a handful of integers each (~40 bytes), so ten million events fit in a
//! browser tab. Raw text is never kept: `offset`/`len` locate the event's bytes in the
//! (decompressed) file so a detail view can re-read them on demand.

use crate::fxhash::FxMap;
use crate::time::{Micros, NO_TIME};
use serde::{Deserialize, Serialize};

/// How bad an event is.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Debug,
    #[default]
    Info,
    Warning,
    Error,
    Critical,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Debug => "debug",
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
            Severity::Critical => "critical",
        }
    }
}

/// Deduplicating string table: each distinct string is stored once and named by its index.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Interner {
    pub strings: Vec<String>,
    #[serde(skip)]
    index: FxMap<String, u32>,
}

impl Interner {
    pub fn intern(&mut self, s: &str) -> u32 {
        if self.index.len() != self.strings.len() {
            self.rebuild();
        }
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.strings.len() as u32;
        self.strings.push(s.to_string());
        self.index.insert(s.to_string(), i);
        i
    }

    pub fn get(&self, i: u32) -> &str {
        self.strings
            .get(i as usize)
            .map(String::as_str)
            .unwrap_or("")
    }

    pub fn len(&self) -> usize {
        self.strings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }

    /// After deserialization the lookup index is empty; rebuild it lazily.
    fn rebuild(&mut self) {
        self.index = self
            .strings
            .iter()
            .enumerate()
            .map(|(i, s)| (s.clone(), i as u32))
            .collect();
    }
}

/// An event kind: a named class with a severity (e.g. `pleg_unhealthy`, error).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindInfo {
    pub name: String,
    pub severity: Severity,
}

/// One event as producers hand it over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewEvent<'a> {
    pub time: Micros,
    /// Kind name, e.g. `pleg_unhealthy` or `audit.list`.
    pub kind: &'a str,
    pub severity: Severity,
    /// Lane: where the event came from (node / component / user), e.g. `ip-10-0-9-16/kubelet`.
    pub lane: &'a str,
    /// Short label shown on hover (a message template, `LIST pods`, …). Interned: keep it low
    /// in cardinality (no timestamps, IDs or pointers).
    pub label: &'a str,
    pub line: u64,
    pub offset: u64,
    pub len: u64,
}

/// An event's kind, lane and label as ids of one [`EventStore`] (see [`EventStore::push_ids`]).
#[derive(Clone, Copy, Debug)]
pub struct EventIds {
    pub kind: u16,
    pub lane: u32,
    pub label: u32,
}

/// Columnar event table; see the module docs.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct EventStore {
    pub time: Vec<Micros>,
    pub kind: Vec<u16>,
    pub lane: Vec<u32>,
    pub label: Vec<u32>,
    pub line: Vec<u32>,
    pub offset: Vec<u64>,
    pub len: Vec<u32>,
    pub kinds: Vec<KindInfo>,
    pub lanes: Interner,
    pub labels: Interner,
    #[serde(skip)]
    kind_index: FxMap<String, u16>,
}

impl EventStore {
    pub fn len(&self) -> usize {
        self.time.len()
    }

    pub fn is_empty(&self) -> bool {
        self.time.is_empty()
    }

    /// Id of a kind, registering it on first use. The first severity given for a name wins.
    pub fn kind_id(&mut self, name: &str, severity: Severity) -> u16 {
        if self.kind_index.len() != self.kinds.len() {
            self.kind_index = self
                .kinds
                .iter()
                .enumerate()
                .map(|(i, k)| (k.name.clone(), i as u16))
                .collect();
        }
        if let Some(&k) = self.kind_index.get(name) {
            return k;
        }
        let k = self.kinds.len() as u16;
        self.kinds.push(KindInfo {
            name: name.to_string(),
            severity,
        });
        self.kind_index.insert(name.to_string(), k);
        k
    }

    /// Give back capacity beyond the events held (after a reservation from a projected count,
    /// or doubling): in wasm the freed tail is reused by the next file instead of new memory.
    pub fn shrink_to_fit(&mut self) {
        self.time.shrink_to_fit();
        self.kind.shrink_to_fit();
        self.lane.shrink_to_fit();
        self.label.shrink_to_fit();
        self.line.shrink_to_fit();
        self.offset.shrink_to_fit();
        self.len.shrink_to_fit();
    }

    /// Make room for exactly `n` more events (a producer that knows its count: no doubling,
    /// which in wasm, where memory never shrinks, would leave up to half of it unused).
    pub fn reserve_exact(&mut self, n: usize) {
        self.time.reserve_exact(n);
        self.kind.reserve_exact(n);
        self.lane.reserve_exact(n);
        self.label.reserve_exact(n);
        self.line.reserve_exact(n);
        self.offset.reserve_exact(n);
        self.len.reserve_exact(n);
    }

    pub fn push(&mut self, e: NewEvent<'_>) {
        let ids = EventIds {
            kind: self.kind_id(e.kind, e.severity),
            lane: self.lanes.intern(e.lane),
            label: self.labels.intern(e.label),
        };
        self.push_ids(e.time, ids, e.line, e.offset, e.len);
    }

    /// Push an event whose kind, lane and label are ids of this store already: for a producer
    /// that remembers them (interning three strings per event was most of turning a 1 GiB audit
    /// log's requests into events).
    pub fn push_ids(&mut self, time: Micros, ids: EventIds, line: u64, offset: u64, len: u64) {
        self.time.push(time);
        self.kind.push(ids.kind);
        self.lane.push(ids.lane);
        self.label.push(ids.label);
        self.line.push(line.min(u32::MAX as u64) as u32);
        self.offset.push(offset);
        self.len.push(len.min(u32::MAX as u64) as u32);
    }

    /// Earliest and latest known times.
    pub fn time_range(&self) -> Option<(Micros, Micros)> {
        let mut it = self.time.iter().copied().filter(|&t| t != NO_TIME);
        let first = it.next()?;
        Some(it.fold((first, first), |(lo, hi), t| (lo.min(t), hi.max(t))))
    }

    /// Shift every known time by `delta` (used when the year or zone of a log is resolved late).
    pub fn shift(&mut self, delta: Micros) {
        for t in self.time.iter_mut().filter(|t| **t != NO_TIME) {
            *t += delta;
        }
    }

    /// Correct every known time by whole calendar years and a number of minutes: what a user
    /// does when a log's year or zone had to be assumed and was wrong. Years move the calendar
    /// date (29 February becomes 28 February in a common year), minutes fix a zone offset.
    pub fn correct(&mut self, years: i32, minutes: i64) {
        use chrono::{DateTime, Datelike, Utc};
        for t in self.time.iter_mut().filter(|t| **t != NO_TIME) {
            let Some(dt) = DateTime::<Utc>::from_timestamp_micros(*t) else {
                continue;
            };
            let moved = dt
                .with_year(dt.year() + years)
                .or_else(|| dt.with_day(28).and_then(|d| d.with_year(dt.year() + years)))
                .unwrap_or(dt);
            *t = moved.timestamp_micros() + minutes * 60_000_000;
        }
    }

    pub fn severity(&self, i: usize) -> Severity {
        self.kinds[self.kind[i] as usize].severity
    }

    pub fn kind_name(&self, i: usize) -> &str {
        &self.kinds[self.kind[i] as usize].name
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_rfc3339;

    #[test]
    fn correcting_year_and_zone_moves_every_timed_event() {
        let mut ev = EventStore::default();
        for t in ["2019-08-20T20:28:26Z", "2020-02-29T10:00:00Z"] {
            ev.push(NewEvent {
                time: parse_rfc3339(t).unwrap(),
                kind: "k",
                severity: Severity::Info,
                lane: "l",
                label: "",
                line: 1,
                offset: 0,
                len: 1,
            });
        }
        ev.push(NewEvent {
            time: NO_TIME,
            kind: "k",
            severity: Severity::Info,
            lane: "l",
            label: "",
            line: 2,
            offset: 0,
            len: 1,
        });
        ev.correct(1, -120);
        assert_eq!(ev.time[0], parse_rfc3339("2020-08-20T18:28:26Z").unwrap());
        assert_eq!(ev.time[1], parse_rfc3339("2021-02-28T08:00:00Z").unwrap());
        assert_eq!(ev.time[2], NO_TIME);
    }
}
