//! Members that are not logs: what a member's first bytes say it is, so binaries, images,
//! certificates and empty files are listed as "not read" with a reason instead of being parsed
//! (and text that no format recognized gets a reason naming what it looks like).

/// Bytes of a member's head looked at.
pub const HEAD: usize = 8 << 10;

/// Why a member with this head (and this many bytes in all, when known) is not read as a log,
/// or `None` when it may be one.
pub fn not_a_log(head: &[u8], size: Option<u64>) -> Option<String> {
    if head.is_empty() && size.unwrap_or(0) == 0 {
        return Some("empty file".into());
    }
    const MAGIC: &[(&[u8], &str)] = &[
        (b"\x89PNG", "image (PNG)"),
        (b"\xff\xd8\xff", "image (JPEG)"),
        (b"GIF8", "image (GIF)"),
        (b"%PDF", "PDF document"),
        (b"\x7fELF", "binary (ELF executable or library)"),
        (
            b"LPKSHHRH",
            "binary systemd journal file (export it with `journalctl -o json` or `journalctl` to read it)",
        ),
        (b"BZh", "bzip2-compressed (not supported: gzip, xz and zstd are)"),
        (b"7z\xbc\xaf\x27\x1c", "7-Zip archive (not supported)"),
        (b"Rar!", "RAR archive (not supported)"),
        (b"-----BEGIN ", "certificate or key (PEM)"),
        (b"SQLite format 3\0", "SQLite database"),
    ];
    if let Some((_, what)) = MAGIC.iter().find(|(m, _)| head.starts_with(m)) {
        return Some((*what).to_string());
    }
    if head.starts_with(b"RIFF") && head.get(8..12) == Some(b"WEBP") {
        return Some("image (WebP)".into());
    }
    let sample = &head[..head.len().min(HEAD)];
    let control = sample
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x1b | 0x0c))
        .count();
    if sample.contains(&0) || control * 10 > sample.len() {
        return Some("binary data".into());
    }
    None
}

/// Why a text member that no format recognized is not read: what it looks like.
pub fn unrecognized_text(head: &[u8]) -> String {
    let text = String::from_utf8_lossy(&head[..head.len().min(HEAD)]);
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .unwrap_or("");
    let yaml_key = |l: &str| {
        l.split_once(':').is_some_and(|(k, _)| {
            !k.is_empty()
                && k.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'"'))
        })
    };
    if first == "---" || first.starts_with("apiVersion:") || first.starts_with("kind:") {
        "YAML manifest (not a Kubernetes Events list)".into()
    } else if first.starts_with('{') || first.starts_with('[') {
        "JSON, not in a format whodunnit reads".into()
    } else if yaml_key(first) {
        "YAML or key-value text, not in a format whodunnit reads".into()
    } else {
        "text, not in a format whodunnit reads".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_of_members() {
        assert_eq!(not_a_log(b"", Some(0)).unwrap(), "empty file");
        assert_eq!(
            not_a_log(b"\x89PNG\r\n\x1a\n", None).unwrap(),
            "image (PNG)"
        );
        assert_eq!(
            not_a_log(b"-----BEGIN CERTIFICATE-----\nMIIB", None).unwrap(),
            "certificate or key (PEM)"
        );
        assert_eq!(not_a_log(b"ab\0cd", None).unwrap(), "binary data");
        assert_eq!(
            not_a_log(b"I0101 00:00:00.000000 1 x.go:1] hi\n", None),
            None
        );
        assert!(unrecognized_text(b"apiVersion: v1\nkind: Pod\n").starts_with("YAML manifest"));
        assert!(unrecognized_text(b"{\"a\":1}").starts_with("JSON"));
        assert!(unrecognized_text(b"hello world\n").starts_with("text"));
    }
}
