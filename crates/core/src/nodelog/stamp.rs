//! Timestamp shapes found at the start of node-log lines, parsed from bytes without allocation.
//!
//! Each parser returns the time plus the index where the rest of the line starts, so callers
//! can peel one wrapper after another (CRI → klog, journal → klog …).

use crate::time::{civil_to_micros, Micros};

/// A wall-clock time without a year (klog, journalctl short, syslog): the year is resolved
/// later from anchors (see `years.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Yearless {
    pub mon: u32,
    pub day: u32,
    pub h: u32,
    pub mi: u32,
    pub s: u32,
    pub us: u32,
}

impl Yearless {
    /// This wall-clock time in `year`, read as UTC; `None` for impossible dates (Feb 29 …).
    pub fn in_year(&self, year: i32) -> Option<Micros> {
        Some(civil_to_micros(year, self.mon, self.day, self.h, self.mi, self.s)? + self.us as i64)
    }
}

/// `n` ASCII digits at `b[i..]` as a number.
pub fn digits(b: &[u8], i: usize, n: usize) -> Option<u32> {
    let s = b.get(i..i + n)?;
    let mut v = 0u32;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as u32;
    }
    Some(v)
}

/// `.ffffff…` at `b[i..]`: microseconds and the index after the digits (sub-µs truncated).
fn fraction(b: &[u8], mut i: usize) -> (u32, usize) {
    if b.get(i) != Some(&b'.') && b.get(i) != Some(&b',') {
        return (0, i);
    }
    i += 1;
    let mut us = 0u32;
    let mut n = 0;
    while let Some(&c) = b.get(i) {
        if !c.is_ascii_digit() {
            break;
        }
        if n < 6 {
            us = us * 10 + (c - b'0') as u32;
        }
        n += 1;
        i += 1;
    }
    for _ in n.min(6)..6 {
        us *= 10;
    }
    (us, i)
}

/// `hh:mm:ss[.ffffff]` at `b[i..]`.
pub fn clock(b: &[u8], i: usize) -> Option<(u32, u32, u32, u32, usize)> {
    let h = digits(b, i, 2)?;
    let mi = digits(b, i + 3, 2)?;
    let s = digits(b, i + 6, 2)?;
    if b[i + 2] != b':' || b[i + 5] != b':' || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let (us, end) = fraction(b, i + 8);
    Some((h, mi, s, us, end))
}

/// ISO 8601 / RFC 3339 at the start of `b`: `2017-12-13T16:58:30[.f][Z|±hh:mm|±hhmm]`, also with a
/// space instead of `T`. Returns UTC micros, the index after it, and whether a zone was given
/// (without one the time is read as UTC and the caller says so).
pub fn iso(b: &[u8]) -> Option<(Micros, usize, bool)> {
    let y = digits(b, 0, 4)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let mo = digits(b, 5, 2)?;
    let d = digits(b, 8, 2)?;
    if !matches!(b.get(10), Some(b'T') | Some(b' ')) || b.len() < 19 {
        return None;
    }
    let (h, mi, s, us, mut i) = clock(b, 11)?;
    let base = civil_to_micros(y as i32, mo, d, h, mi, s)? + us as i64;
    match b.get(i) {
        Some(b'Z') | Some(b'z') => Some((base, i + 1, true)),
        Some(&c @ (b'+' | b'-')) => {
            let oh = digits(b, i + 1, 2)?;
            i += 3;
            if b.get(i) == Some(&b':') {
                i += 1;
            }
            let om = digits(b, i, 2).unwrap_or(0);
            if digits(b, i, 2).is_some() {
                i += 2;
            }
            let off = (oh as i64 * 3600 + om as i64 * 60) * 1_000_000;
            let t = if c == b'+' { base - off } else { base + off };
            Some((t, i, true))
        }
        _ => Some((base, i, false)),
    }
}

/// Month abbreviation (`Jan` … `Dec`) to 1–12.
pub fn month(b: &[u8]) -> Option<u32> {
    const M: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let m = b.get(..3)?;
    M.iter().position(|x| &x[..] == m).map(|i| i as u32 + 1)
}

/// syslog / journalctl short: `Dec 13 16:58:30[.ffffff] ` (day may be space-padded).
pub fn syslog(b: &[u8]) -> Option<(Yearless, usize)> {
    let mon = month(b)?;
    if b.get(3) != Some(&b' ') {
        return None;
    }
    let mut i = 4;
    if b.get(i) == Some(&b' ') {
        i += 1;
    }
    let (day, di) = if let Some(d) = digits(b, i, 2) {
        (d, i + 2)
    } else {
        (digits(b, i, 1)?, i + 1)
    };
    if b.get(di) != Some(&b' ') || !(1..=31).contains(&day) {
        return None;
    }
    let (h, mi, s, us, end) = clock(b, di + 1)?;
    Some((
        Yearless {
            mon,
            day,
            h,
            mi,
            s,
            us,
        },
        end,
    ))
}

/// Epoch seconds or milliseconds as written by JSON loggers (`ts`): values above 1e11 are
/// milliseconds (klog's JSON format has used both over the years).
pub fn epoch_number(v: f64) -> Option<Micros> {
    if !v.is_finite() || v <= 0.0 {
        return None;
    }
    let us = if v > 1e14 {
        v // already µs
    } else if v > 1e11 {
        v * 1e3
    } else {
        v * 1e6
    };
    if us > 9.0e18 {
        return None;
    }
    Some(us as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_variants_agree() {
        let z = iso(b"2017-12-13T16:58:30.211756Z rest").unwrap();
        assert_eq!(z.1, 27);
        let p = iso(b"2017-12-13T17:58:30.211756+0100 host").unwrap();
        let q = iso(b"2017-12-13T17:58:30.211756+01:00 host").unwrap();
        assert_eq!(z.0, p.0);
        assert_eq!(z.0, q.0);
        assert!(iso(b"2017-12-13 16:58:30").is_some_and(|x| !x.2));
        assert!(iso(b"2017-13-13T16:58:30Z").is_none());
    }

    #[test]
    fn syslog_padded_day() {
        let (y, end) = syslog(b"Oct  8 16:29:51 worker9 k3s[1636]: x").unwrap();
        assert_eq!((y.mon, y.day, y.h, y.mi, y.s), (10, 8, 16, 29, 51));
        assert_eq!(end, 15);
        let (y, _) = syslog(b"Dec 13 16:58:30.123456 host").unwrap();
        assert_eq!(y.us, 123456);
    }
}
