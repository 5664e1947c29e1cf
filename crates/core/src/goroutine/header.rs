//! The non-frame lines of a dump: goroutine headers, `created by`, elision markers, ancestors,
//! preambles that start a new snapshot, and the race detector's access lines.

use super::frame::trim;

/// `goroutine 7 [sleep, 3 minutes, locked to thread]:` and Go 1.22+
/// `goroutine 7 gp=0xc000007c00 m=nil [sleep]:`.
#[derive(Debug, PartialEq, Eq)]
pub struct Header<'a> {
    /// Goroutine ID.
    pub id: u64,
    /// Goroutine state as printed.
    pub state: &'a [u8],
    /// Minutes blocked, when printed.
    pub wait_minutes: Option<u32>,
    /// Locked to an OS thread.
    pub locked: bool,
}

/// Parse a goroutine header; `None` when the line is not one.
pub fn parse_header(s: &[u8]) -> Option<Header<'_>> {
    let rest = s.strip_prefix(b"goroutine ")?;
    let mut i = 0;
    let mut id = 0u64;
    while i < rest.len() && rest[i].is_ascii_digit() {
        id = id.checked_mul(10)?.checked_add((rest[i] - b'0') as u64)?;
        i += 1;
    }
    if i == 0 || i >= rest.len() || rest[i] != b' ' {
        return None;
    }
    let open = i + memchr::memchr(b'[', &rest[i..])?;
    let close = memchr::memrchr(b']', rest)?;
    if close <= open || !trim(&rest[close + 1..]).starts_with(b":") {
        return None;
    }
    let inner = &rest[open + 1..close];
    let mut parts = inner.split(|&c| c == b',');
    let state = trim(parts.next().unwrap_or(b""));
    let mut wait_minutes = None;
    let mut locked = false;
    for p in parts {
        let p = trim(p);
        if p == b"locked to thread" {
            locked = true;
        } else if let Some(n) = p
            .strip_suffix(b" minutes")
            .or_else(|| p.strip_suffix(b" minute"))
        {
            wait_minutes = std::str::from_utf8(n).ok().and_then(|n| n.parse().ok());
        }
    }
    Some(Header {
        id,
        state,
        wait_minutes,
        locked,
    })
}

/// `created by pkg.F` or Go 1.21+ `created by pkg.F in goroutine 12` → (function, parent id).
pub fn parse_created_by(s: &[u8]) -> Option<(&[u8], Option<u64>)> {
    let rest = trim(s.strip_prefix(b"created by ")?);
    if let Some(i) = memchr::memmem::find(rest, b" in goroutine ") {
        let id = std::str::from_utf8(&rest[i + 14..])
            .ok()?
            .trim()
            .parse()
            .ok();
        return Some((&rest[..i], id));
    }
    Some((rest, None))
}

/// `...additional frames elided...` (any Go) or Go 1.21+ `...N frames elided...` → frames
/// left out (0 when not said).
pub fn parse_elided(s: &[u8]) -> Option<u32> {
    if s == b"...additional frames elided..." {
        return Some(0);
    }
    let rest = s.strip_prefix(b"...")?.strip_suffix(b" frames elided...")?;
    std::str::from_utf8(rest).ok()?.parse().ok()
}

/// `[originating from goroutine 24]:` (GODEBUG=tracebackancestors).
pub fn parse_ancestor(s: &[u8]) -> Option<u64> {
    let rest = s
        .strip_prefix(b"[originating from goroutine ")?
        .strip_suffix(b"]:")?;
    std::str::from_utf8(rest).ok()?.parse().ok()
}

/// Lines that open a new crash report or dump: a new snapshot starts here when the current
/// one already holds goroutines.
pub fn is_preamble(s: &[u8]) -> bool {
    s.starts_with(b"panic: ")
        || s.starts_with(b"fatal error: ")
        || s.starts_with(b"fatal: morestack")
        || s.starts_with(b"unexpected fault address")
        || s.starts_with(b"SIGQUIT: ")
        || s.starts_with(b"SIGABRT: ")
        || s.starts_with(b"SIGSEGV: ")
        || s.starts_with(b"SIGBUS: ")
        || s.starts_with(b"SIGILL: ")
        || s.starts_with(b"SIGTRAP: ")
        || s.starts_with(b"SIGFPE: ")
        || s.starts_with(b"SIGTERM: ")
        || s.starts_with(b"=== BEGIN goroutine stack dump ===")
}

/// Lines that belong to a crash's preamble but do not start one (used, not stored).
pub fn is_preamble_detail(s: &[u8]) -> bool {
    s.starts_with(b"[signal ")
        || s.starts_with(b"PC=")
        || s.starts_with(b"signal arrived during")
        || s.starts_with(b"panic: ")
        || s.starts_with(b"\tpanic: ")
        || s.starts_with(b"goroutine running on other thread")
        || s.starts_with(b"=== END goroutine stack dump ===")
        || s.starts_with(b"[recovered]")
        || s.starts_with(b"runtime: ")
        || s.starts_with(b"-----")
}

/// One access of a race report: `Read at 0x00c4211413e0 by goroutine 224:`,
/// `Previous write at … by goroutine 45:`, old-style `Write by goroutine 6:`, or the
/// creation line `Goroutine 224 (running) created at:`.
#[derive(Debug, PartialEq, Eq)]
pub enum RaceLine<'a> {
    Access {
        write: bool,
        previous: bool,
        addr: Option<u64>,
        goroutine: u64,
    },
    Created {
        goroutine: u64,
        state: &'a [u8],
    },
}

/// Parse a race-report line; `None` for anything else.
pub fn parse_race(s: &[u8]) -> Option<RaceLine<'_>> {
    if let Some(rest) = s.strip_prefix(b"Goroutine ") {
        let sp = memchr::memchr(b' ', rest)?;
        let goroutine = std::str::from_utf8(&rest[..sp]).ok()?.parse().ok()?;
        let r = &rest[sp + 1..];
        if !r.ends_with(b" created at:") && !r.ends_with(b"created at:") {
            return None;
        }
        let state = r
            .strip_prefix(b"(")
            .and_then(|r| memchr::memchr(b')', r).map(|i| &r[..i]))
            .unwrap_or(b"running");
        return Some(RaceLine::Created { goroutine, state });
    }
    let (previous, rest) = match s.strip_prefix(b"Previous ") {
        Some(r) => (true, r),
        None => (false, s),
    };
    let (write, rest) = if let Some(r) = rest
        .strip_prefix(b"Write")
        .or_else(|| rest.strip_prefix(b"write"))
    {
        (true, r)
    } else if let Some(r) = rest
        .strip_prefix(b"Read")
        .or_else(|| rest.strip_prefix(b"read"))
    {
        (false, r)
    } else {
        return None;
    };
    // `by goroutine 7:`, or `by main goroutine:` for goroutine 1.
    let (by, goroutine) = if let Some(by) = memchr::memmem::find(rest, b" by goroutine ") {
        let g = rest[by + 14..].strip_suffix(b":")?;
        (by, std::str::from_utf8(g).ok()?.parse().ok()?)
    } else {
        let by = memchr::memmem::find(rest, b" by main goroutine:")?;
        if by + 19 != rest.len() {
            return None;
        }
        (by, 1)
    };
    let addr = rest[..by]
        .strip_prefix(b" at 0x")
        .and_then(|h| u64::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
    Some(RaceLine::Access {
        write,
        previous,
        addr,
        goroutine,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        let h = parse_header(b"goroutine 7 [sleep, 3 minutes, locked to thread]:").unwrap();
        assert_eq!(
            (h.id, h.state, h.wait_minutes, h.locked),
            (7, &b"sleep"[..], Some(3), true)
        );
        let h =
            parse_header(b"goroutine 1 gp=0xc000002380 m=nil [chan receive (nil chan)]:").unwrap();
        assert_eq!(h.state, b"chan receive (nil chan)");
        assert!(parse_header(b"goroutine profile: total 154").is_none());
        assert_eq!(
            parse_created_by(b"created by main.main in goroutine 1"),
            Some((&b"main.main"[..], Some(1)))
        );
        assert_eq!(parse_elided(b"...12 frames elided..."), Some(12));
        assert_eq!(
            parse_ancestor(b"[originating from goroutine 24]:"),
            Some(24)
        );
        assert_eq!(
            parse_race(b"Previous write at 0x00c4211413e0 by goroutine 45:"),
            Some(RaceLine::Access {
                write: true,
                previous: true,
                addr: Some(0xc4211413e0),
                goroutine: 45
            })
        );
        assert_eq!(
            parse_race(b"Write at 0x00c000018120 by main goroutine:"),
            Some(RaceLine::Access {
                write: true,
                previous: false,
                addr: Some(0xc000018120),
                goroutine: 1
            })
        );
        assert_eq!(
            parse_race(b"Goroutine 6 (running) created at:"),
            Some(RaceLine::Created {
                goroutine: 6,
                state: b"running"
            })
        );
    }
}
