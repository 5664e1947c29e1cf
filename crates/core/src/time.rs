//! Time: every event ends up as microseconds since the Unix epoch, UTC.

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};

/// Microseconds since 1970-01-01T00:00:00Z.
pub type Micros = i64;

/// Marker for an event whose time is unknown (e.g. `dmesg` without `-T`).
pub const NO_TIME: Micros = i64::MIN;

pub const MICROS_PER_SEC: i64 = 1_000_000;

/// RFC 3339 with microseconds, as shown to users and written by the CLI (`2019-08-20T20:28:26.123456Z`).
pub fn fmt_micros(t: Micros) -> String {
    match DateTime::<Utc>::from_timestamp_micros(t) {
        Some(dt) if t != NO_TIME => dt.to_rfc3339_opts(SecondsFormat::Micros, true),
        _ => "-".to_string(),
    }
}

/// Parse an RFC 3339 / ISO 8601 timestamp with offset (`2017-11-08T23:37:48.123456789Z`,
/// `…+02:00`). Sub-microsecond digits are truncated.
pub fn parse_rfc3339(s: &str) -> Option<Micros> {
    if let Some(t) = parse_rfc3339_fast(s.as_bytes()) {
        return Some(t);
    }
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.timestamp_micros())
}

/// The common shape `YYYY-MM-DDTHH:MM:SS[.frac]Z` without allocation or chrono's generic parser:
/// audit logs hold millions of these.
fn parse_rfc3339_fast(b: &[u8]) -> Option<Micros> {
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || (b[10] != b'T' && b[10] != b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let mut v = 0u32;
        for &c in &b[r] {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + (c - b'0') as u32;
        }
        Some(v)
    };
    let (y, mo, d, h, mi, s) = (
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
    );
    let mut i = 19;
    let mut frac = 0u32;
    if b[i] == b'.' {
        i += 1;
        let mut digits = 0;
        while i < b.len() && b[i].is_ascii_digit() {
            if digits < 6 {
                frac = frac * 10 + (b[i] - b'0') as u32;
            }
            digits += 1;
            i += 1;
        }
        for _ in digits..6 {
            frac *= 10;
        }
    }
    if i + 1 != b.len() || b[i] != b'Z' {
        return None;
    }
    Some(civil_to_micros(y as i32, mo, d, h, mi, s)? + frac as i64)
}

/// Calendar fields (UTC) to microseconds; `None` for impossible dates.
pub fn civil_to_micros(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<Micros> {
    if !(1..=9999).contains(&y) {
        return civil_to_micros_chrono(y, mo, d, h, mi, s);
    }
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let month_days = match mo {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if d == 0 || d > month_days || h > 23 || mi > 59 {
        return None;
    }
    // Days since 1970-01-01 by the civil-from-days inverse (years counted from March, so the
    // leap day ends a year): every log line's time goes through here, and chrono's
    // validating constructors were ~2% of reading an audit log.
    let (y, mo, d) = (y as i64 - (mo <= 2) as i64, mo as i64, d as i64);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((mo + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + (h * 3600 + mi * 60 + s.min(59)) as i64;
    Some(secs * MICROS_PER_SEC)
}

/// [`civil_to_micros`] by chrono: years outside 1–9999, and the reference in tests.
fn civil_to_micros_chrono(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<Micros> {
    let date = NaiveDate::from_ymd_opt(y, mo, d)?;
    let dt: NaiveDateTime = date.and_hms_opt(h, mi, s.min(59))?;
    Some(dt.and_utc().timestamp() * MICROS_PER_SEC)
}

/// Human duration: `2m0s`, `1.5s`, `340ms`, `4d2h` — the Go style SREs read every day.
pub fn fmt_duration(micros: i64) -> String {
    let us = micros.unsigned_abs();
    let sign = if micros < 0 { "-" } else { "" };
    let s = us / 1_000_000;
    let body = if us < 1_000 {
        format!("{us}µs")
    } else if us < 1_000_000 {
        format!("{}ms", trim_float(us as f64 / 1e3))
    } else if s < 60 {
        format!("{}s", trim_float(us as f64 / 1e6))
    } else if s < 3600 {
        format!("{}m{}s", s / 60, s % 60)
    } else if s < 86400 {
        format!("{}h{}m", s / 3600, (s % 3600) / 60)
    } else {
        format!("{}d{}h", s / 86400, (s % 86400) / 3600)
    };
    format!("{sign}{body}")
}

fn trim_float(v: f64) -> String {
    let s = format!("{v:.1}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every day of four centuries around now and the edges of the range, with impossible
    /// days, months and times: the arithmetic answers as chrono does.
    #[test]
    fn civil_arithmetic_equals_chrono() {
        let years = (1..=3)
            .chain(1599..=2401)
            .chain(9997..=9999)
            .chain([0, -1, 10_000]);
        for y in years {
            for mo in 0..=13 {
                for d in 0..=32 {
                    for (h, mi, s) in [(0, 0, 0), (23, 59, 60), (24, 0, 0), (12, 60, 1)] {
                        assert_eq!(
                            civil_to_micros(y, mo, d, h, mi, s),
                            civil_to_micros_chrono(y, mo, d, h, mi, s),
                            "{y}-{mo}-{d} {h}:{mi}:{s}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn rfc3339_fast_and_slow_paths_agree() {
        for s in [
            "2017-11-08T23:37:48.123456789Z",
            "2017-11-08T23:37:48Z",
            "2019-08-20T20:28:26.5Z",
        ] {
            let fast = parse_rfc3339_fast(s.as_bytes()).unwrap();
            let slow = DateTime::parse_from_rfc3339(s).unwrap().timestamp_micros();
            assert_eq!(fast, slow, "{s}");
        }
        assert_eq!(
            parse_rfc3339("2017-11-08T23:37:48+01:00"),
            parse_rfc3339("2017-11-08T22:37:48Z")
        );
        assert_eq!(parse_rfc3339("nonsense"), None);
        assert_eq!(
            fmt_micros(parse_rfc3339("2019-08-20T20:28:26.5Z").unwrap()),
            "2019-08-20T20:28:26.500000Z"
        );
    }

    #[test]
    fn durations_read_like_go() {
        assert_eq!(fmt_duration(120 * MICROS_PER_SEC), "2m0s");
        assert_eq!(fmt_duration(1_500_000), "1.5s");
        assert_eq!(fmt_duration(340_000), "340ms");
        assert_eq!(
            fmt_duration(4 * 86400 * MICROS_PER_SEC + 7200 * MICROS_PER_SEC),
            "4d2h"
        );
    }
}
