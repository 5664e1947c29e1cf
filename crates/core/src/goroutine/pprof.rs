//! `runtime/pprof` goroutine profile with `debug=1`: `goroutine profile: total N`, then blocks
//! of `N @ 0xpc 0xpc …` followed by `#\t0xpc\tpkg.Func+0x46\t/path/file.go:71` frames.
//! Goroutines with the same stack are already merged (N of them), without IDs or states.

/// `goroutine profile: total 154` → 154.
pub fn parse_total(s: &[u8]) -> Option<u64> {
    let rest = s.strip_prefix(b"goroutine profile: total ")?;
    std::str::from_utf8(rest).ok()?.trim().parse().ok()
}

/// `100 @ 0x1037d50 0x10486d0 …` → 100.
pub fn parse_block(s: &[u8]) -> Option<u32> {
    let at = memchr::memmem::find(s, b" @ ")?;
    if !s[at + 3..].starts_with(b"0x") {
        return None;
    }
    std::str::from_utf8(&s[..at]).ok()?.parse().ok()
}

/// A `#` frame line → (function, file, line). `None` for `# labels: …` and bare-PC lines.
pub fn parse_frame(s: &[u8]) -> Option<(&[u8], &[u8], u32)> {
    let rest = s.strip_prefix(b"#")?;
    if !rest.contains(&b'\t') {
        return parse_frame_spaces(rest);
    }
    let mut fields = rest
        .split(|&c| c == b'\t')
        .map(super::frame::trim)
        .filter(|f| !f.is_empty());
    let pc = fields.next()?;
    if !pc.starts_with(b"0x") {
        return None;
    }
    let func = fields.next()?;
    let func = match memchr::memmem::rfind(func, b"+0x") {
        Some(i) => &func[..i],
        None => func,
    };
    let loc = fields.next_back()?;
    let (file, line) = super::frame::parse_file(loc)?;
    Some((func, file, line))
}

/// A `#` frame whose tabs became spaces (copy-paste): `# 0xpc func+0x46 /path/file.go:71`.
fn parse_frame_spaces(rest: &[u8]) -> Option<(&[u8], &[u8], u32)> {
    let rest = super::frame::trim(rest);
    let sp = memchr::memchr(b' ', rest)?;
    if !rest.starts_with(b"0x") {
        return None;
    }
    let rest = super::frame::trim(&rest[sp..]);
    let sp = memchr::memchr(b' ', rest)?;
    let func = &rest[..sp];
    let func = match memchr::memmem::rfind(func, b"+0x") {
        Some(i) => &func[..i],
        None => func,
    };
    let (file, line) = super::frame::parse_file(&rest[sp..])?;
    Some((func, file, line))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug1() {
        assert_eq!(parse_total(b"goroutine profile: total 154"), Some(154));
        assert_eq!(parse_block(b"100 @ 0x1037d50 0x10486d0"), Some(100));
        assert_eq!(
            parse_frame(
                b"#\t0x107f4ab\tsync.(*Mutex).lockSlow+0xfb\t\t/Users/ej/go/src/sync/mutex.go:138"
            ),
            Some((
                &b"sync.(*Mutex).lockSlow"[..],
                &b"/Users/ej/go/src/sync/mutex.go"[..],
                138
            ))
        );
        assert_eq!(parse_frame(b"# labels: {\"a\":\"b\"}"), None);
        assert_eq!(
            parse_frame(
                b"#    0x107f4ab    sync.(*Mutex).lockSlow+0xfb        /go/src/sync/mutex.go:138"
            ),
            Some((
                &b"sync.(*Mutex).lockSlow"[..],
                &b"/go/src/sync/mutex.go"[..],
                138
            ))
        );
    }
}
