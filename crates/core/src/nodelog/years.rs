//! Years for timestamps that have none (klog `mmdd`, journalctl/syslog `Mon dd`).
//!
//! While reading a file: a year anchor (klog `Log file created at: 2019/…`, journalctl
//! `-- Logs begin at … 2017-12-13 …`, or any full ISO timestamp in the same file) fixes the year;
//! month jumps of six or more months roll the year forward (Dec → Jan) or back (`journalctl -r`).
//! Entries seen before any anchor get a provisional year and are re-dated when the anchor comes.
//! Without any anchor the file's last-modified time decides (the last entry is assumed to be no
//! later than the file's mtime), and the user is told. [`resolve_years`](super::resolve_years) later re-dates such files
//! from other files of the same dataset.

use super::stamp::Yearless;
use crate::event::EventStore;
use crate::time::{Micros, NO_TIME};
use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::{Deserialize, Serialize};

/// Where a file's year came from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum YearSource {
    /// The file's timestamps all carry a year (ISO, epoch) or no yearless stamps were read.
    #[default]
    Timestamps,
    /// An anchor inside the file (klog file header, journal header, full timestamps).
    InFile,
    /// Assumed from the file's last-modified time.
    FileModified,
    /// Re-dated from other files of the dataset by [`resolve_years`](super::resolve_years).
    OtherFiles,
    /// Nothing to go on: a placeholder year.
    Unknown,
}

/// Time facts about one node-log file, for the UI ("year assumed…").
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeInfo {
    pub year_source: YearSource,
    /// The year of the first yearless timestamp, once resolved.
    pub year: Option<i32>,
    /// Offset of the process's local clock from UTC, in minutes, when derived from an outer
    /// wrapper with true UTC times (journald `__REALTIME_TIMESTAMP` around klog text).
    pub zone_offset_min: Option<i32>,
    /// Whether times without a zone were read as UTC.
    pub zone_assumed: bool,
    /// Event-index ranges `[start, end)` whose year was assumed (re-dated by [`resolve_years`](super::resolve_years)).
    pub assumed_ranges: Vec<[u32; 2]>,
}

/// The placeholder year for entries read before any anchor (a leap year, so Feb 29 exists).
const PROVISIONAL: i32 = 2000;

/// Per-file year state; see the module docs.
pub struct Years {
    known: Option<i32>,
    year: i32,
    last_month: u32,
    /// Events dated with a provisional year, waiting for an anchor.
    pending: Vec<u32>,
    pub first_year: Option<i32>,
    anchored_any: bool,
    saw_yearless: bool,
    /// The last date dated and its midnight: a log's lines share dates, and converting one was
    /// 3% of reading a klog file.
    last_day: Option<(i32, u32, u32, Micros)>,
}

impl Default for Years {
    fn default() -> Self {
        Years {
            known: None,
            year: PROVISIONAL,
            last_month: 0,
            pending: Vec::new(),
            first_year: None,
            anchored_any: false,
            saw_yearless: false,
            last_day: None,
        }
    }
}

impl Years {
    /// Date a yearless stamp. Returns the time and whether the year is provisional (then the
    /// caller passes the event index to [`Years::pending`]).
    pub fn date(&mut self, y: &Yearless) -> (Micros, bool) {
        self.saw_yearless = true;
        if self.last_month != 0 {
            if y.mon + 6 <= self.last_month {
                self.year += 1;
            } else if y.mon >= self.last_month + 6 {
                self.year -= 1;
            }
        }
        self.last_month = y.mon;
        if self.known.is_some() && self.first_year.is_none() {
            self.first_year = Some(self.year);
        }
        let t = self
            .in_year(y, self.year)
            .or_else(|| y.in_year(PROVISIONAL).map(|t| t - 86_400_000_000))
            .unwrap_or(NO_TIME);
        (t, self.known.is_none())
    }

    /// [`Yearless::in_year`], remembering the last date's midnight.
    fn in_year(&mut self, y: &Yearless, year: i32) -> Option<Micros> {
        if y.h > 23 || y.mi > 59 {
            return None;
        }
        let day = match self.last_day {
            Some((yr, mon, day, t)) if (yr, mon, day) == (year, y.mon, y.day) => t,
            _ => {
                let t = crate::time::civil_to_micros(year, y.mon, y.day, 0, 0, 0)?;
                self.last_day = Some((year, y.mon, y.day, t));
                t
            }
        };
        let secs = y.h as i64 * 3600 + y.mi as i64 * 60 + y.s.min(59) as i64;
        Some(day + secs * 1_000_000 + y.us as i64)
    }

    /// Whether an anchor has fixed the year.
    pub fn known(&self) -> bool {
        self.known.is_some()
    }

    /// Remember an event dated provisionally.
    pub fn pending(&mut self, event: u32) {
        self.pending.push(event);
    }

    /// The file says the current year is `year` (and month `mon`, to detect rollover next).
    pub fn anchor(&mut self, year: i32, mon: u32, events: &mut EventStore) {
        if self.known.is_none() && !self.pending.is_empty() {
            // Pending entries were dated relative to `self.year`; the anchor tells what that is.
            let mut delta = year - self.year;
            if self.last_month != 0 && mon + 6 <= self.last_month {
                delta -= 1;
            } else if self.last_month != 0 && mon >= self.last_month + 6 {
                delta += 1;
            }
            shift_years(events, &self.pending, delta);
            self.pending.clear();
        }
        self.known = Some(year);
        self.year = year;
        self.last_month = mon;
        self.anchored_any = true;
    }

    /// Settle at end of file. Returns what the UI must know.
    pub fn finish(
        &mut self,
        events: &mut EventStore,
        last_modified_ms: Option<i64>,
        info: &mut TimeInfo,
        notes: &mut Vec<String>,
    ) {
        if !self.saw_yearless {
            info.year_source = YearSource::Timestamps;
            return;
        }
        if self.pending.is_empty() {
            info.year_source = YearSource::InFile;
            info.year = self.first_year;
            return;
        }
        let last_t = self
            .pending
            .iter()
            .rev()
            .map(|&i| events.time[i as usize])
            .find(|&t| t != NO_TIME);
        match (
            last_modified_ms,
            last_t.and_then(DateTime::<Utc>::from_timestamp_micros),
        ) {
            (Some(ms), Some(last)) => {
                let Some(mtime) = DateTime::<Utc>::from_timestamp_millis(ms) else {
                    return self.unknown(info, notes);
                };
                // The last entry is the closest to the mtime: same year unless it would be later.
                let mut target = mtime.year();
                if (last.month(), last.day(), last.hour())
                    > (mtime.month(), mtime.day(), mtime.hour())
                {
                    target -= 1;
                }
                let delta = target - last.year();
                shift_years(events, &self.pending, delta);
                info.year_source = YearSource::FileModified;
                info.year = first_year_of(events, &self.pending);
                info.assumed_ranges = ranges(&self.pending);
                notes.push(format!(
                    "timestamps have no year; assumed {} from the file's last-modified date (set it if wrong)",
                    info.year.unwrap_or(target)
                ));
            }
            _ => self.unknown(info, notes),
        }
        self.pending.clear();
    }

    fn unknown(&mut self, info: &mut TimeInfo, notes: &mut Vec<String>) {
        info.year_source = YearSource::Unknown;
        info.year = Some(PROVISIONAL);
        info.assumed_ranges = ranges(&self.pending);
        notes.push(format!(
            "timestamps have no year and nothing in the file gives one; placeholder year {PROVISIONAL} used"
        ));
    }
}

fn first_year_of(events: &EventStore, idx: &[u32]) -> Option<i32> {
    idx.iter()
        .map(|&i| events.time[i as usize])
        .find(|&t| t != NO_TIME)
        .and_then(DateTime::<Utc>::from_timestamp_micros)
        .map(|d| d.year())
}

/// Compress sorted event indices into `[start, end)` ranges.
fn ranges(idx: &[u32]) -> Vec<[u32; 2]> {
    let mut out: Vec<[u32; 2]> = Vec::new();
    for &i in idx {
        match out.last_mut() {
            Some(r) if r[1] == i => r[1] = i + 1,
            _ => out.push([i, i + 1]),
        }
    }
    out
}

/// Move the given events by whole calendar years (Feb 29 → Feb 28 in non-leap years).
pub(super) fn shift_years(events: &mut EventStore, idx: &[u32], delta: i32) {
    if delta == 0 {
        return;
    }
    for &i in idx {
        let t = &mut events.time[i as usize];
        *t = shift_one(*t, delta);
    }
}

pub(super) fn shift_one(t: Micros, delta: i32) -> Micros {
    if t == NO_TIME {
        return t;
    }
    let Some(d) = DateTime::<Utc>::from_timestamp_micros(t) else {
        return t;
    };
    let y = d.year() + delta;
    d.with_year(y)
        .or_else(|| d.with_day(28).and_then(|d| d.with_year(y)))
        .map_or(t, |n| n.timestamp_micros())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yl(mon: u32, day: u32) -> Yearless {
        Yearless {
            mon,
            day,
            h: 12,
            mi: 0,
            s: 0,
            us: 0,
        }
    }

    /// The remembered midnight gives what converting each time whole gives, for valid and
    /// impossible times and dates, asked in an order that reuses and replaces it.
    #[test]
    fn remembered_midnight_changes_no_time() {
        let mut y = Years::default();
        for year in [2019, 2020, 2000, 1, 9999] {
            for (mon, day) in [
                (2, 28),
                (2, 29),
                (2, 29),
                (3, 1),
                (12, 31),
                (13, 1),
                (4, 31),
            ] {
                for (h, mi, s, us) in [
                    (0, 0, 0, 0),
                    (23, 59, 60, 999_999),
                    (24, 0, 0, 0),
                    (1, 60, 0, 5),
                ] {
                    let t = Yearless {
                        mon,
                        day,
                        h,
                        mi,
                        s,
                        us,
                    };
                    assert_eq!(y.in_year(&t, year), t.in_year(year), "{year} {t:?}");
                }
            }
        }
    }

    #[test]
    fn rollover_forward_and_reverse() {
        let mut y = Years::default();
        let mut ev = EventStore::default();
        y.anchor(2019, 12, &mut ev);
        let (a, _) = y.date(&yl(12, 31));
        let (b, prov) = y.date(&yl(1, 1));
        assert!(!prov);
        assert_eq!(b - a, 86_400_000_000);
        // Reverse order (journalctl -r): Jan then Dec goes back a year.
        let mut r = Years::default();
        r.anchor(2020, 1, &mut ev);
        let (c, _) = r.date(&yl(1, 1));
        let (d, _) = r.date(&yl(12, 31));
        assert_eq!(c - d, 86_400_000_000);
    }
}
