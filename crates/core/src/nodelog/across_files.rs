//! Node-log passes over a whole dataset, after every file is read: years and zones settled
//! from the other files ([`resolve_years`]), embedded dumps re-timed ([`sync_dump_times`]).
//! Above the format registry: the node-log parser never imports this.

use super::years::{shift_one, shift_years, YearSource};
use crate::dataset::Dataset;
use crate::format::FormatData;
use crate::ingest::ParsedFile;
use crate::time::{Micros, NO_TIME};

/// [`super::Data::sync_dump_times`] for a parsed file (no-op for other formats).
pub fn sync_dump_times(f: &mut ParsedFile) {
    if let FormatData::NodeLog(d) = &mut f.data {
        d.sync_dump_times(&f.events);
    }
}

/// Cross-file pass: re-date node-log files whose year was assumed (from mtime or nothing) using
/// the time span of files whose years are certain (audit logs, journald JSON, klog files with a
/// header, …). The shift (±3 years at most) that brings the file closest to the certain span is
/// applied when it makes the file overlap or come within 31 days of it. Run it after all files
/// are read (the CLI does; the web worker should after each drop). Returns the number of files
/// re-dated (years or zone).
///
/// The same pass fixes zones: a node-log file whose times carry no zone (`zone_assumed`, e.g. a
/// standalone klog file) takes the zone offset derived for the same host in another file
/// (klog inside journald JSON / CRI, see [`TimeInfo::zone_offset_min`](super::years::TimeInfo::zone_offset_min)); its times are moved
/// from that local clock to UTC.
pub fn resolve_years(ds: &mut Dataset) -> usize {
    resolve_dates(ds) + resolve_zones(ds)
}

fn resolve_zones(ds: &mut Dataset) -> usize {
    let known: Vec<(String, i32)> = ds
        .files
        .iter()
        .filter_map(|f| match &f.data {
            FormatData::NodeLog(d) => Some((d.host.clone()?, d.time.zone_offset_min?)),
            _ => None,
        })
        .collect();
    let mut changed = 0;
    for f in &mut ds.files {
        let FormatData::NodeLog(d) = &mut f.data else {
            continue;
        };
        if !d.time.zone_assumed || d.time.zone_offset_min.is_some() {
            continue;
        }
        let Some(host) = d.host.clone() else {
            continue;
        };
        let Some(&(_, off)) = known.iter().find(|(h, _)| *h == host) else {
            continue;
        };
        d.time.zone_offset_min = Some(off);
        d.time.zone_assumed = false;
        if off != 0 {
            f.events.shift(-(off as i64) * 60 * 1_000_000);
            d.sync_dump_times(&f.events);
            changed += 1;
        }
        f.notes.push(format!(
            "times read as UTC{}{:02}:{:02}, the zone another file shows for host {host}",
            if off < 0 { '-' } else { '+' },
            off.abs() / 60,
            off.abs() % 60
        ));
    }
    changed
}

fn resolve_dates(ds: &mut Dataset) -> usize {
    let anchored: Vec<(Micros, Micros)> = ds
        .files
        .iter()
        .filter(|f| match &f.data {
            FormatData::NodeLog(d) => matches!(
                d.time.year_source,
                YearSource::Timestamps | YearSource::InFile
            ),
            _ => true,
        })
        .filter_map(|f| f.events.time_range())
        .collect();
    if anchored.is_empty() {
        return 0;
    }
    let lo = anchored.iter().map(|r| r.0).min().unwrap_or(0);
    let hi = anchored.iter().map(|r| r.1).max().unwrap_or(0);
    let gap = |a: Micros, b: Micros| -> i64 {
        if b < lo {
            lo - b
        } else if a > hi {
            a - hi
        } else {
            0
        }
    };
    let mut changed = 0;
    for f in &mut ds.files {
        let FormatData::NodeLog(d) = &mut f.data else {
            continue;
        };
        if !matches!(
            d.time.year_source,
            YearSource::FileModified | YearSource::Unknown
        ) || d.time.assumed_ranges.is_empty()
        {
            continue;
        }
        let idx: Vec<u32> = d
            .time
            .assumed_ranges
            .iter()
            .flat_map(|r| r[0]..r[1])
            .filter(|&i| (i as usize) < f.events.time.len())
            .collect();
        let times: Vec<Micros> = idx
            .iter()
            .map(|&i| f.events.time[i as usize])
            .filter(|&t| t != NO_TIME)
            .collect();
        let (Some(&a), Some(&b)) = (times.iter().min(), times.iter().max()) else {
            continue;
        };
        let best = (-3i32..=3)
            .min_by_key(|&k| (gap(shift_one(a, k), shift_one(b, k)), k.abs()))
            .unwrap_or(0);
        let g = gap(shift_one(a, best), shift_one(b, best));
        if best == 0 || g > 31 * 86_400 * 1_000_000 {
            continue;
        }
        shift_years(&mut f.events, &idx, best);
        d.sync_dump_times(&f.events);
        d.time.year_source = YearSource::OtherFiles;
        d.time.year = d.time.year.map(|y| y + best);
        f.notes.push(format!(
            "year re-dated to {} to match the other files' time span",
            d.time.year.unwrap_or(0)
        ));
        changed += 1;
    }
    changed
}
