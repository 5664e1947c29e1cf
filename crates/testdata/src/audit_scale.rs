//! Large audit logs built from real events, at test and bench time (never committed): copy `k`
//! of every event gets a unique auditID (its first 8 hex digits replaced by `k`) and its
//! timestamps shifted by `k × shift` seconds, so requests stay distinct and stages stay paired.
//! `bench_audit` builds its log from the audit fixtures this way; the Parquet export's SQL
//! test builds a ≥ 1 M-request log from the live control-plane recording (CC0).

use std::collections::HashSet;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

const TIME_KEYS: &[&[u8]] = &[
    b"\"requestReceivedTimestamp\":\"",
    b"\"stageTimestamp\":\"",
    b"\"timestamp\":\"",
];

/// Copy `k` of one event line (auditID renumbered, timestamps shifted by `shift_s` seconds),
/// appended to `out` with its newline.
pub fn variant(line: &[u8], k: u64, shift_s: i64, out: &mut Vec<u8>) {
    let mut edits: Vec<(usize, usize, Vec<u8>)> = Vec::new();
    if let Some(i) = find(line, b"\"auditID\":\"") {
        let s = i + 11;
        edits.push((s, s + 8, format!("{:08x}", k & 0xffff_ffff).into_bytes()));
    }
    for key in TIME_KEYS {
        let mut from = 0;
        while let Some(i) = find(&line[from..], key) {
            let s = from + i + key.len();
            from = s;
            let Some(len) = line[s..].iter().position(|&c| c == b'"') else {
                continue;
            };
            let text = std::str::from_utf8(&line[s..s + len]).unwrap_or("");
            if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
                let t =
                    t.with_timezone(&chrono::Utc) + chrono::Duration::seconds(k as i64 * shift_s);
                let f = if text.contains('.') {
                    "%Y-%m-%dT%H:%M:%S%.6fZ"
                } else {
                    "%Y-%m-%dT%H:%M:%SZ"
                };
                edits.push((s, s + len, t.format(f).to_string().into_bytes()));
            }
        }
    }
    edits.sort_by_key(|e| e.0);
    let mut at = 0;
    for (s, e, rep) in edits {
        out.extend_from_slice(&line[at..s]);
        out.extend_from_slice(&rep);
        at = e;
    }
    out.extend_from_slice(&line[at..]);
    out.push(b'\n');
}

fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    h.windows(n.len()).position(|w| w == n)
}

/// The non-empty lines of `bytes` (gunzipped when gzip).
pub fn event_lines(bytes: Vec<u8>) -> Vec<Vec<u8>> {
    crate::gunzip_if(bytes)
        .split(|&c| c == b'\n')
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

/// Distinct auditIDs among `lines`: the requests one copy adds.
pub fn requests_in(lines: &[Vec<u8>]) -> usize {
    let ids: HashSet<&[u8]> = lines
        .iter()
        .filter_map(|l| {
            let s = find(l, b"\"auditID\":\"")? + 11;
            let e = l[s..].iter().position(|&c| c == b'"')?;
            Some(&l[s..s + e])
        })
        .collect();
    ids.len()
}

/// Write copies `0, 1, …` of `lines` to `path` until `enough(bytes, copies)`; returns
/// (bytes, copies).
pub fn write_copies(
    path: &Path,
    lines: &[Vec<u8>],
    shift_s: i64,
    enough: impl Fn(usize, u64) -> bool,
) -> std::io::Result<(usize, u64)> {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut w = BufWriter::with_capacity(8 << 20, std::fs::File::create(&tmp)?);
    let (mut written, mut k, mut buf) = (0usize, 0u64, Vec::new());
    while !enough(written, k) {
        for l in lines {
            buf.clear();
            variant(l, k, shift_s, &mut buf);
            w.write_all(&buf)?;
            written += buf.len();
        }
        k += 1;
    }
    w.flush()?;
    drop(w);
    std::fs::rename(&tmp, path)?;
    Ok((written, k))
}

/// Copies of the live control-plane recording's audit log (23,100 requests over 17 minutes),
/// each an hour after the last, until there are at least `min_requests` requests:
/// `target/scale/live-audit-<min_requests>.log`. Built once (the copy count is checked by
/// size); `None` when the corpus is absent.
pub fn live_audit(min_requests: usize) -> Option<PathBuf> {
    let src = crate::corpus("live-controlplane/audit.log.gz")?;
    let lines = event_lines(crate::read(src));
    let per_copy = requests_in(&lines).max(1);
    let copies = min_requests.div_ceil(per_copy) as u64;
    let path = out_dir().join(format!("live-audit-{min_requests}.log"));
    let stamp = path.with_extension("size");
    let have = std::fs::metadata(&path).map(|m| m.len()).ok();
    let want = std::fs::read_to_string(&stamp)
        .ok()
        .and_then(|s| s.trim().parse().ok());
    if have.is_some() && have == want {
        return Some(path);
    }
    let (bytes, _) = write_copies(&path, &lines, 3600, |_, k| k >= copies)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    std::fs::write(&stamp, bytes.to_string()).expect("write size stamp");
    Some(path)
}

/// Where generated large logs go: `target/scale` (or under `$CARGO_TARGET_DIR`).
pub fn out_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(t) => PathBuf::from(t).join("scale"),
        None => crate::root().join("target/scale"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_renumber_ids_and_shift_times() {
        let line = br#"{"auditID":"3592efbe-2d3a-438e-a119-e2f294db3518","stage":"ResponseComplete","requestReceivedTimestamp":"2026-11-30T03:27:58.188692Z","stageTimestamp":"2026-11-30T03:27:58Z"}"#;
        let mut out = Vec::new();
        variant(line, 2, 3600, &mut out);
        let s = String::from_utf8(out).unwrap();
        assert!(
            s.contains(r#""auditID":"00000002-2d3a-438e-a119-e2f294db3518""#),
            "{s}"
        );
        assert!(
            s.contains(r#""requestReceivedTimestamp":"2026-11-30T05:27:58.188692Z""#),
            "{s}"
        );
        assert!(
            s.contains(r#""stageTimestamp":"2026-11-30T05:27:58Z""#),
            "{s}"
        );
        assert!(s.ends_with("}\n"));
        assert_eq!(requests_in(&[line.to_vec(), line.to_vec()]), 1);
    }
}
