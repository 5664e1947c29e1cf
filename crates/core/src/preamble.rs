//! Preamble lines: what tooling prints before a log's first entry — an entrypoint's shell
//! trace (`+ echo kubelet …`, `++ grep …` from `set -x`) and banners (`==== kubelet ====`).
//!
//! Format-independent, so the registry can leave them out of the sniffing sample (a file is not
//! judged by its preamble) and a parser can count them as skipped with this reason.

/// Why `line` looks like preamble, or `None`.
pub fn reason(line: &[u8]) -> Option<&'static str> {
    let plus = line.iter().take_while(|&&c| c == b'+').count();
    if plus > 0 && line.get(plus) == Some(&b' ') {
        return Some("preamble: shell trace (set -x)");
    }
    let t = line.trim_ascii();
    let first = *t.first()?;
    if matches!(first, b'=' | b'-' | b'*' | b'#' | b'~')
        && t.len() >= 4
        && t[..3].iter().all(|&c| c == first)
        && t.ends_with(&[first])
    {
        return Some("preamble: banner");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::reason;

    #[test]
    fn shell_traces_and_banners() {
        assert!(reason(b"+ echo kubelet --v=2").is_some());
        assert!(reason(b"++ grep -i resolv /etc/resolv.conf").is_some());
        assert!(reason(b"+++ cut -d = -f 2").is_some());
        assert!(reason(b"==== kubelet ====").is_some());
        assert!(reason(b"--------").is_some());
        // journalctl markers and real entries are not preamble
        assert!(reason(b"-- Logs begin at Wed 2017-12-13 16:56:37 UTC, end at x. --").is_none());
        assert!(reason(b"I0413 10:53:52.844381 3263 kubelet.go:2055] +x").is_none());
        assert!(reason(b"+1 hello").is_none());
        assert!(reason(b"").is_none());
    }
}
