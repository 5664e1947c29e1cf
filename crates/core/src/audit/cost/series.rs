//! Query time over time: the stacked in-flight series in readable buckets, and the weekly
//! table of each top key's share.

use super::query::CostQuery;
use super::report::{Series, Weekly, WeeklyRow};
use crate::audit::store::*;
use crate::audit::view::AuditFiles;
use crate::time::{fmt_duration, fmt_micros, Micros, MICROS_PER_SEC, NO_TIME};
use std::collections::BTreeMap;

/// A readable bucket size giving about `target` buckets over `span`.
pub fn bucket_size(span: i64, target: usize) -> i64 {
    const S: i64 = MICROS_PER_SEC;
    const STEPS: [i64; 20] = [
        S,
        2 * S,
        5 * S,
        10 * S,
        15 * S,
        30 * S,
        60 * S,
        120 * S,
        300 * S,
        600 * S,
        900 * S,
        1800 * S,
        3600 * S,
        7200 * S,
        3 * 3600 * S,
        6 * 3600 * S,
        12 * 3600 * S,
        86400 * S,
        7 * 86400 * S,
        30 * 86400 * S,
    ];
    let want = span / target.max(1) as i64;
    const DAY: i64 = 86400 * S;
    // Past the largest step, whole days: the bucket count stays near `target` for any span.
    STEPS
        .iter()
        .copied()
        .find(|&s| s >= want)
        .unwrap_or_else(|| (want / DAY + 1).saturating_mul(DAY))
}

/// Monday 00:00 UTC of the week holding `t`.
fn week_start(t: Micros) -> Micros {
    const DAY: i64 = 86400 * MICROS_PER_SEC;
    // 1970-01-01 was a Thursday: shift so weeks start on Monday.
    let days = t.div_euclid(DAY);
    (days - (days + 3).rem_euclid(7)) * DAY
}

/// Series index of each key: its rank among the top `n`, or `n` for "others".
fn series_slots(order: &[u32], n: usize) -> (Vec<usize>, usize) {
    let mut slot = vec![n; order.len()];
    for (rank, &k) in order.iter().enumerate().take(n) {
        slot[k as usize] = rank;
    }
    (slot, n.min(order.len()))
}

pub(super) fn series(
    af: &AuditFiles<'_>,
    picked: &[(u32, u32)],
    order: &[u32],
    q: &CostQuery,
    start: Micros,
    window_us: i64,
    names: &[String],
) -> Series {
    let (slot, shown) = series_slots(order, q.series_top);
    let has_others = order.len() > shown;
    let mut keys: Vec<String> = order
        .iter()
        .take(shown)
        .map(|&k| names[k as usize].clone())
        .collect();
    let bucket = bucket_size(window_us, q.buckets);
    let n = if start == NO_TIME {
        0
    } else {
        (window_us / bucket + 1) as usize
    };
    let mut values = vec![vec![0.0f64; n]; shown + has_others as usize];
    for &(ri, k) in picked {
        let r = &af.reqs[ri as usize];
        let s = slot[k as usize].min(shown + has_others as usize - 1);
        if n == 0 || r.flags & F_LONG_RUNNING != 0 || !r.finished() {
            continue;
        }
        let Some(lat) = r.latency() else { continue };
        // Spread the request's time over the buckets it overlaps.
        let (a, b) = (r.received - start, r.received - start + lat);
        let mut t = a.max(0);
        while t < b {
            let bi = (t / bucket) as usize;
            if bi >= n {
                break;
            }
            let bucket_end = (bi as i64 + 1) * bucket;
            let piece = b.min(bucket_end) - t;
            values[s][bi] += piece as f64 / bucket as f64;
            t = bucket_end;
        }
    }
    if has_others {
        keys.push("others".into());
    }
    Series {
        bucket_us: bucket,
        bucket_text: fmt_duration(bucket),
        times: (0..n).map(|i| start + i as i64 * bucket).collect(),
        keys,
        values,
    }
}

pub(super) fn weekly(
    af: &AuditFiles<'_>,
    picked: &[(u32, u32)],
    order: &[u32],
    top: usize,
    names: &[String],
) -> Weekly {
    let (slot, shown) = series_slots(order, top);
    let has_others = order.len() > shown;
    let mut per: BTreeMap<Micros, Vec<i64>> = BTreeMap::new();
    for &(ri, k) in picked {
        let r = &af.reqs[ri as usize];
        if r.flags & F_LONG_RUNNING != 0 || !r.finished() {
            continue;
        }
        let Some(lat) = r.latency() else { continue };
        let w = per
            .entry(week_start(r.received))
            .or_insert_with(|| vec![0; shown + has_others as usize]);
        w[slot[k as usize].min(shown + has_others as usize - 1)] += lat;
    }
    let weeks: Vec<Micros> = per.keys().copied().collect();
    let totals_us: Vec<i64> = per.values().map(|v| v.iter().sum()).collect();
    let mut rows: Vec<WeeklyRow> = order
        .iter()
        .take(shown)
        .map(|&k| WeeklyRow {
            key: names[k as usize].clone(),
            shares: Vec::new(),
        })
        .collect();
    if has_others {
        rows.push(WeeklyRow {
            key: "others".into(),
            shares: Vec::new(),
        });
    }
    for (wi, v) in per.values().enumerate() {
        for (ri, row) in rows.iter_mut().enumerate() {
            let t = totals_us[wi];
            row.shares
                .push(if t > 0 { v[ri] as f64 / t as f64 } else { 0.0 });
        }
    }
    Weekly {
        week_labels: weeks
            .iter()
            .map(|&w| fmt_micros(w)[..10].to_string())
            .collect(),
        weeks,
        totals_us,
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_and_weeks() {
        assert_eq!(bucket_size(3600 * MICROS_PER_SEC, 120), 30 * MICROS_PER_SEC);
        assert_eq!(bucket_size(0, 120), MICROS_PER_SEC);
        let ten_years = 3650 * 86400 * MICROS_PER_SEC;
        assert!(ten_years / bucket_size(ten_years, 120) <= 120);
        // 2021-03-17 was a Wednesday; its week starts Monday 2021-03-15.
        let t = crate::time::parse_rfc3339("2021-03-17T10:38:17Z").unwrap();
        assert_eq!(fmt_micros(week_start(t)), "2021-03-15T00:00:00.000000Z");
    }
}
