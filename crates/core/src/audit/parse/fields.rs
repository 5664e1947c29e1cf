//! Single values read out of an event: the request URI's query flags, whether a request is
//! long-running, the auditID's hash and Go durations.

use crate::audit::store::*;

/// Long-running requests hold a connection open by design; their duration is not apiserver
/// work and would swamp query time.
pub fn is_long_running(verb: &str, subresource: &str, flags: Flags) -> bool {
    verb == "watch"
        || verb == "watchList"
        || verb == "proxy"
        || flags & F_WATCH_PARAM != 0
        || matches!(subresource, "exec" | "attach" | "portforward" | "proxy")
        || (subresource == "log" && flags & F_FOLLOW != 0)
}

/// The query-string facts the cost model needs.
pub struct QueryFlags<'a> {
    pub path: &'a str,
    pub flags: Flags,
    pub limit: u32,
}

impl<'a> QueryFlags<'a> {
    /// Read `requestURI`'s query string (already JSON-unescaped, so `\u0026` is `&`).
    pub fn of(uri: &'a str) -> Self {
        let (path, query) = match memchr::memchr(b'?', uri.as_bytes()) {
            Some(i) => (&uri[..i], &uri[i + 1..]),
            None => (uri, ""),
        };
        let mut flags = 0;
        let mut limit = 0;
        // Bytes, not `str::split`: per request, the char searcher was 1–2% of reading a log.
        for kv in query.as_bytes().split(|&c| c == b'&') {
            let (k, v) = match memchr::memchr(b'=', kv) {
                Some(i) => (&kv[..i], &kv[i + 1..]),
                None => (kv, &b""[..]),
            };
            match k {
                b"resourceVersion" if !v.is_empty() => {
                    flags |= F_RV;
                    if v == b"0" {
                        flags |= F_RV_ZERO;
                    }
                }
                b"resourceVersionMatch" => match v {
                    b"Exact" => flags |= F_RVM_EXACT,
                    b"NotOlderThan" => flags |= F_RVM_NOT_OLDER,
                    _ => {}
                },
                b"labelSelector" if !v.is_empty() => flags |= F_LABEL_SELECTOR,
                b"fieldSelector" if !v.is_empty() => flags |= F_FIELD_SELECTOR,
                b"watch" if v == b"true" || v == b"1" => flags |= F_WATCH_PARAM,
                b"follow" if v == b"true" || v == b"1" => flags |= F_FOLLOW,
                b"continue" if !v.is_empty() => flags |= F_CONTINUE,
                b"limit" => {
                    if let Some(n) = parse_u64(v) {
                        if n > 0 {
                            flags |= F_LIMIT;
                            limit = n.min(u32::MAX as u64) as u32;
                        }
                    }
                }
                _ => {}
            }
        }
        QueryFlags { path, flags, limit }
    }
}

/// A `u64` as `str::parse` reads one: an optional `+`, then decimal digits only, no overflow.
fn parse_u64(b: &[u8]) -> Option<u64> {
    let digits = b.strip_prefix(b"+").unwrap_or(b);
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &c| {
        let d = c.wrapping_sub(b'0');
        (d < 10).then_some(())?;
        n.checked_mul(10)?.checked_add(d as u64)
    })
}

/// Hex digit values; 0x80 marks a non-digit.
const HEX: [u8; 256] = {
    let mut t = [0x80u8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// Hash an auditID to 128 bits: UUIDs (the apiserver's format) map exactly, anything else is
/// hashed twice with SipHash (deterministic keys, so results are reproducible).
pub fn hash_id(s: &str) -> [u64; 2] {
    let b = s.as_bytes();
    if b.len() == 36 && b[8] == b'-' && b[13] == b'-' && b[18] == b'-' && b[23] == b'-' {
        // Two 64-bit halves, a straight loop per group of digits (a chained iterator into a
        // u128 was 4% of reading an audit log).
        let mut bad = 0u8;
        let mut digits = |groups: [&[u8]; 3]| {
            let mut v: u64 = 0;
            for g in groups {
                for &c in g {
                    let d = HEX[c as usize];
                    bad |= d;
                    v = (v << 4) | (d & 0xf) as u64;
                }
            }
            v
        };
        let hi = digits([&b[..8], &b[9..13], &b[14..18]]);
        let lo = digits([&b[19..23], &b[24..], &[]]);
        if bad & 0x80 == 0 {
            return [hi, lo];
        }
    }
    use std::hash::{Hash, Hasher};
    let mut h1 = std::hash::DefaultHasher::new();
    s.hash(&mut h1);
    let mut h2 = std::hash::DefaultHasher::new();
    (s, 0x5eed_u32).hash(&mut h2);
    // Tag the top bit so a hashed ID can never equal a UUID whose first digit is below 8.
    [h1.finish() | 1 << 63, h2.finish()]
}

/// Parse a Go `time.Duration` string (`1.150272ms`, `35.683763759s`, `2m3.5s`, `629.994µs`) to
/// µs. Negative or malformed values give `None`.
pub fn parse_go_duration(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.is_empty() || b[0] == b'-' {
        return None;
    }
    if s == "0" {
        return Some(0);
    }
    let mut i = 0;
    let mut total_ns: f64 = 0.0;
    while i < b.len() {
        let start = i;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
            i += 1;
        }
        if i == start {
            return None;
        }
        let n: f64 = s[start..i].parse().ok()?;
        let ustart = i;
        while i < b.len() && !(b[i].is_ascii_digit() || b[i] == b'.') {
            i += 1;
        }
        let unit = match &s[ustart..i] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        total_ns += n * unit;
    }
    let us = total_ns / 1e3;
    (us.is_finite() && us < i64::MAX as f64).then_some(us.round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(parse_go_duration("1.150272ms"), Some(1150));
        assert_eq!(parse_go_duration("35.683763759s"), Some(35_683_764));
        assert_eq!(parse_go_duration("629.994µs"), Some(630));
        assert_eq!(parse_go_duration("317ns"), Some(0));
        assert_eq!(parse_go_duration("2m3.5s"), Some(123_500_000));
        assert_eq!(parse_go_duration("-2562047h47m16.854775808s"), None);
        assert_eq!(parse_go_duration("fast"), None);
    }

    #[test]
    fn list_sources_follow_the_cacher() {
        let f = |uri: &str| QueryFlags::of(uri).flags;
        assert!(list_from_etcd(f("/api/v1/pods")));
        assert!(!list_from_etcd(f("/api/v1/pods?resourceVersion=0")));
        assert!(!list_from_etcd(f(
            "/api/v1/pods?resourceVersion=0&limit=500"
        )));
        assert!(list_from_etcd(f("/api/v1/pods?limit=500")));
        assert!(list_from_etcd(f(
            "/api/v1/pods?resourceVersion=10&resourceVersionMatch=Exact"
        )));
        assert!(!list_from_etcd(f(
            "/api/v1/pods?resourceVersion=10&resourceVersionMatch=NotOlderThan&limit=5"
        )));
        assert!(!list_from_etcd(f("/api/v1/pods?resourceVersion=25701453")));
        assert!(list_from_etcd(f(
            "/api/v1/pods?resourceVersion=25701453&limit=5"
        )));
        assert!(list_from_etcd(f("/api/v1/pods?limit=5&continue=abc")));
    }

    #[test]
    fn ids_hash_stably() {
        assert_eq!(
            hash_id("033d17af-082d-4b24-aa22-627752e83d71"),
            [0x033d17af082d4b24, 0xaa22627752e83d71]
        );
        assert_eq!(hash_id("x"), hash_id("x"));
        assert_ne!(hash_id("x"), hash_id("y"));
    }

    #[test]
    fn limits_parse_as_str_parse_does() {
        let mut cases: Vec<String> = [
            "",
            "+",
            "-",
            "0",
            "+0",
            "-0",
            "500",
            "+500",
            "00500",
            "5 ",
            " 5",
            "5e3",
            "0x10",
            "18446744073709551615",
            "18446744073709551616",
            "99999999999999999999999",
            "١٢",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for n in [1u64, 9, 10, 4_294_967_295, 4_294_967_296, u64::MAX / 10] {
            cases.push(n.to_string());
        }
        for c in cases {
            assert_eq!(parse_u64(c.as_bytes()), c.parse::<u64>().ok(), "{c:?}");
        }
        assert_eq!(QueryFlags::of("/api/v1/pods?limit=+7").limit, 7);
        assert_eq!(
            QueryFlags::of("/api/v1/pods?limit=99999999999").limit,
            u32::MAX
        );
        assert_eq!(QueryFlags::of("/api/v1/pods?watch&limit").flags, 0);
    }
}
