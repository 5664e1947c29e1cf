//! A streaming tar reader over pushed chunks: headers in, file starts, data and ends out.
//!
//! Why not the `tar` crate: its `Archive` pulls from a `std::io::Read`, and the browser's worker
//! gets bytes by awaiting `Blob` slices, so the core must be pushed bytes. The format is small:
//! 512-byte headers (v7, ustar/POSIX with the name prefix, GNU with `././@LongLink` names, pax
//! extended headers for long paths, sizes and times), data padded to 512 bytes, zero blocks at
//! the end. Damage (a header whose checksum is wrong) is reported with its offset and reading
//! resumes at the next valid ustar header, so one bad block does not lose the rest.

/// Tar block size.
pub const BLOCK: usize = 512;

use super::event::Event;
use crate::source::Step;

enum State {
    /// Collecting a header block.
    Header,
    /// Streaming a file's data: bytes left, then padding to skip.
    Data { left: u64, pad: u64 },
    /// Skipping an entry's data (devices, unknown types) and padding.
    Skip { left: u64 },
    /// Collecting a GNU long name or a pax header's records.
    Extension { kind: u8, left: u64, pad: u64 },
    /// After a damaged header: looking for the next valid one, block by block.
    Resync,
    /// Two zero blocks: the archive ended.
    End,
}

/// Overrides from a GNU long-name entry or a pax extended header, for the next entry.
#[derive(Default)]
struct Pending {
    path: Option<String>,
    size: Option<u64>,
    mtime: Option<i64>,
}

/// See the module docs.
pub struct TarReader {
    state: State,
    block: Vec<u8>,
    ext: Vec<u8>,
    pending: Pending,
    path: String,
    /// Stream offset of the next byte pushed.
    pos: u64,
    zero_blocks: u32,
    /// A file's data was started and not finished.
    in_file: bool,
    /// Bytes of the current file still expected (for the truncation message).
    file_left: u64,
}

impl Default for TarReader {
    fn default() -> Self {
        TarReader {
            state: State::Header,
            block: Vec::with_capacity(BLOCK),
            ext: Vec::new(),
            pending: Pending::default(),
            path: String::new(),
            pos: 0,
            zero_blocks: 0,
            in_file: false,
            file_left: 0,
        }
    }
}

/// Pax and GNU long names longer than this are damage, not names.
const MAX_EXTENSION: u64 = 1 << 20;

impl TarReader {
    /// Read the next chunk of the tar stream.
    pub fn push(&mut self, mut chunk: &[u8], emit: &mut dyn FnMut(Event<'_>)) {
        while !chunk.is_empty() {
            match &mut self.state {
                State::End => {
                    self.pos += chunk.len() as u64;
                    return;
                }
                State::Data { left, pad } => {
                    if *left > 0 {
                        let n = (*left).min(chunk.len() as u64) as usize;
                        *left -= n as u64;
                        self.file_left = *left;
                        let done = *left == 0;
                        emit(Event::Data(&chunk[..n]));
                        chunk = &chunk[n..];
                        self.pos += n as u64;
                        if done {
                            self.in_file = false;
                            emit(self.end(None));
                        }
                    } else {
                        let n = (*pad).min(chunk.len() as u64) as usize;
                        *pad -= n as u64;
                        chunk = &chunk[n..];
                        self.pos += n as u64;
                    }
                    if let State::Data { left: 0, pad: 0 } = self.state {
                        self.state = State::Header;
                    }
                }
                State::Skip { left } => {
                    let n = (*left).min(chunk.len() as u64) as usize;
                    *left -= n as u64;
                    chunk = &chunk[n..];
                    self.pos += n as u64;
                    if *left == 0 {
                        self.state = State::Header;
                    }
                }
                State::Extension { kind, left, pad } => {
                    if *left > 0 {
                        let n = (*left).min(chunk.len() as u64) as usize;
                        self.ext.extend_from_slice(&chunk[..n]);
                        *left -= n as u64;
                        chunk = &chunk[n..];
                        self.pos += n as u64;
                    } else {
                        let n = (*pad).min(chunk.len() as u64) as usize;
                        *pad -= n as u64;
                        chunk = &chunk[n..];
                        self.pos += n as u64;
                    }
                    if *left == 0 && *pad == 0 {
                        let kind = *kind;
                        self.state = State::Header;
                        self.extension(kind);
                    }
                }
                State::Header | State::Resync => {
                    let n = (BLOCK - self.block.len()).min(chunk.len());
                    self.block.extend_from_slice(&chunk[..n]);
                    chunk = &chunk[n..];
                    self.pos += n as u64;
                    if self.block.len() == BLOCK {
                        let block = std::mem::take(&mut self.block);
                        self.header(&block, emit);
                        self.block = block;
                        self.block.clear();
                    }
                }
            }
        }
    }

    /// End of the stream: a file cut short or a header cut short is reported.
    pub fn finish(&mut self, emit: &mut dyn FnMut(Event<'_>)) {
        let reason = match &self.state {
            State::Data { left, .. } if *left > 0 || self.in_file => Some(format!(
                "the archive ends inside {} ({} bytes of its data missing)",
                self.path, self.file_left
            )),
            State::Header if !self.block.is_empty() => Some(format!(
                "the archive ends inside a header ({} of {BLOCK} bytes)",
                self.block.len()
            )),
            State::Extension { .. } => {
                Some("the archive ends inside an extended header".to_string())
            }
            State::Skip { left } if *left > 0 => Some(format!(
                "the archive ends inside an entry's data ({left} bytes missing)"
            )),
            _ => None,
        };
        if let Some(reason) = reason {
            if self.in_file {
                self.in_file = false;
                emit(self.end(Some(reason.clone())));
            }
            emit(Event::Damaged {
                offset: self.pos,
                reason,
            });
        }
        self.state = State::End;
    }

    fn header(&mut self, b: &[u8], emit: &mut dyn FnMut(Event<'_>)) {
        let at = self.pos - BLOCK as u64;
        if b.iter().all(|&c| c == 0) {
            if matches!(self.state, State::Header) {
                self.zero_blocks += 1;
                if self.zero_blocks >= 2 {
                    self.state = State::End;
                }
            }
            return;
        }
        self.zero_blocks = 0;
        let resyncing = matches!(self.state, State::Resync);
        if !checksum_ok(b) || (resyncing && !is_ustar(b)) {
            if !resyncing {
                emit(Event::Damaged {
                    offset: at,
                    reason: "tar header checksum mismatch (not a tar header); reading resumes at the next valid header".into(),
                });
                self.state = State::Resync;
            }
            return;
        }
        self.state = State::Header;
        let Some(mut size) = number(&b[124..136]) else {
            emit(Event::Damaged {
                offset: at,
                reason: "tar header with an unreadable size".into(),
            });
            self.state = State::Resync;
            return;
        };
        let kind = b[156];
        let pending = std::mem::take(&mut self.pending);
        if let Some(s) = pending.size {
            size = s;
        }
        let padded = size.div_ceil(BLOCK as u64) * BLOCK as u64;
        match kind {
            b'L' | b'K' | b'x' | b'g' => {
                if size > MAX_EXTENSION {
                    emit(Event::Damaged {
                        offset: at,
                        reason: format!("tar extended header of {size} bytes is implausible"),
                    });
                    self.state = State::Resync;
                    return;
                }
                // An extension applies to the entry after it; keep what came before it too.
                self.pending = pending;
                self.pending.size = None;
                self.ext.clear();
                self.state = if size == 0 {
                    State::Header
                } else {
                    State::Extension {
                        kind,
                        left: size,
                        pad: padded - size,
                    }
                };
                return;
            }
            _ => {}
        }
        self.path = pending.path.unwrap_or_else(|| header_path(b));
        let mtime = pending
            .mtime
            .or_else(|| number(&b[136..148]).map(|t| t as i64));
        let what = match kind {
            b'0' | 0 | b'7' => None,
            b'1' => Some("hard link"),
            b'2' => Some("symbolic link"),
            b'3' | b'4' => Some("device"),
            b'5' => Some("directory"),
            b'6' => Some("FIFO"),
            b'S' => Some("GNU sparse file (not supported)"),
            _ => Some("tar entry of an unknown type"),
        };
        // Old tars mark directories by a trailing slash on a regular entry.
        let what = what.or((kind != b'7' && self.path.ends_with('/')).then_some("directory"));
        match what {
            None => {
                self.in_file = size > 0;
                self.file_left = size;
                emit(Event::File {
                    path: &self.path,
                    size: Some(size),
                    mtime,
                    reach: vec![Step::Slice {
                        offset: self.pos,
                        len: size,
                    }],
                });
                if size == 0 {
                    emit(self.end(None));
                } else {
                    self.state = State::Data {
                        left: size,
                        pad: padded - size,
                    };
                }
            }
            Some(what) => {
                if kind != b'5' && what != "directory" {
                    emit(Event::Other {
                        path: &self.path,
                        what: what.to_string(),
                    });
                }
                // Links and directories have no data; devices and unknown types may.
                let data = if matches!(kind, b'1' | b'2' | b'5') {
                    0
                } else {
                    padded
                };
                if data > 0 {
                    self.state = State::Skip { left: data };
                }
            }
        }
    }

    /// The end of the current file.
    fn end(&self, problem: Option<String>) -> Event<'static> {
        Event::End { problem }
    }

    /// A GNU long name (`L`) or a pax header (`x`) applies to the next entry; a long link name
    /// (`K`) and global pax headers (`g`) change nothing we read.
    fn extension(&mut self, kind: u8) {
        match kind {
            b'L' => {
                let end = memchr::memchr(0, &self.ext).unwrap_or(self.ext.len());
                self.pending.path = Some(String::from_utf8_lossy(&self.ext[..end]).into_owned());
            }
            b'x' => {
                for (k, v) in pax_records(&self.ext) {
                    match k {
                        b"path" => {
                            self.pending.path = Some(String::from_utf8_lossy(v).into_owned())
                        }
                        b"size" => {
                            self.pending.size =
                                std::str::from_utf8(v).ok().and_then(|s| s.parse().ok())
                        }
                        b"mtime" => {
                            self.pending.mtime = std::str::from_utf8(v)
                                .ok()
                                .and_then(|s| s.split('.').next()?.parse().ok())
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        self.ext.clear();
    }
}

/// Pax records: `"<len> <key>=<value>\n"`, one after another.
fn pax_records(mut b: &[u8]) -> Vec<(&[u8], &[u8])> {
    let mut out = Vec::new();
    while !b.is_empty() {
        let Some(sp) = memchr::memchr(b' ', b) else {
            break;
        };
        let Some(len) = std::str::from_utf8(&b[..sp])
            .ok()
            .and_then(|s| s.parse::<usize>().ok())
        else {
            break;
        };
        if len <= sp + 1 || len > b.len() {
            break;
        }
        let rec = &b[sp + 1..len];
        let rec = rec.strip_suffix(b"\n").unwrap_or(rec);
        if let Some(eq) = memchr::memchr(b'=', rec) {
            out.push((&rec[..eq], &rec[eq + 1..]));
        }
        b = &b[len..];
    }
    out
}

/// The entry's path: ustar's prefix joined to the name (GNU headers use the prefix's bytes for
/// other fields, so only POSIX `ustar\0` headers have one).
fn header_path(b: &[u8]) -> String {
    let name = cstr(&b[..100]);
    let posix = &b[257..263] == b"ustar\0";
    let prefix = if posix { cstr(&b[345..500]) } else { &[][..] };
    let mut p = String::new();
    if !prefix.is_empty() {
        p.push_str(&String::from_utf8_lossy(prefix));
        p.push('/');
    }
    p.push_str(&String::from_utf8_lossy(name));
    p
}

fn cstr(b: &[u8]) -> &[u8] {
    &b[..memchr::memchr(0, b).unwrap_or(b.len())]
}

/// A numeric field: octal text (NUL/space padded), or GNU base-256 when the high bit is set.
fn number(f: &[u8]) -> Option<u64> {
    if f.first().is_some_and(|&c| c & 0x80 != 0) {
        let mut v: u64 = u64::from(f[0] & 0x7f);
        for &c in &f[1..] {
            v = v.checked_mul(256)?.checked_add(u64::from(c))?;
        }
        return Some(v);
    }
    let t: &[u8] = {
        let s = f.iter().position(|&c| c != b' ').unwrap_or(f.len());
        let e = f[s..]
            .iter()
            .position(|&c| c == 0 || c == b' ')
            .map_or(f.len(), |e| s + e);
        &f[s..e]
    };
    if t.is_empty() {
        return Some(0);
    }
    let mut v: u64 = 0;
    for &c in t {
        if !(b'0'..=b'7').contains(&c) {
            return None;
        }
        v = v.checked_mul(8)?.checked_add(u64::from(c - b'0'))?;
    }
    Some(v)
}

/// The header's checksum field equals the sum of its bytes (the field counted as spaces);
/// some old tars summed signed bytes.
fn checksum_ok(b: &[u8]) -> bool {
    let Some(want) = number(&b[148..156]) else {
        return false;
    };
    let (mut unsigned, mut signed) = (0u64, 0i64);
    for (i, &c) in b.iter().enumerate() {
        let c = if (148..156).contains(&i) { b' ' } else { c };
        unsigned += u64::from(c);
        signed += i64::from(c as i8);
    }
    want == unsigned || want as i64 == signed
}

fn is_ustar(b: &[u8]) -> bool {
    b[257..262] == *b"ustar"
}

/// Whether `head` starts a tar archive: a first header block with a valid checksum and either the
/// ustar magic or a plausible v7 header (a name, an octal size, a known type).
pub fn sniff(head: &[u8]) -> bool {
    if head.len() < BLOCK {
        return false;
    }
    let b = &head[..BLOCK];
    if b.iter().all(|&c| c == 0) || !checksum_ok(b) {
        return false;
    }
    is_ustar(b)
        || (b[0] != 0 && number(&b[124..136]).is_some() && matches!(b[156], 0 | b'0'..=b'7'))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ustar header for `path` of `size` bytes (what GNU tar writes, checksum included).
    pub(crate) fn header(path: &str, size: u64, kind: u8) -> Vec<u8> {
        let mut b = vec![0u8; BLOCK];
        b[..path.len()].copy_from_slice(path.as_bytes());
        b[100..107].copy_from_slice(b"0000644");
        b[124..135].copy_from_slice(format!("{size:011o}").as_bytes());
        b[136..147].copy_from_slice(b"14000000000");
        b[156] = kind;
        b[257..263].copy_from_slice(b"ustar\0");
        b[263..265].copy_from_slice(b"00");
        b[148..156].copy_from_slice(b"        ");
        let sum: u64 = b.iter().map(|&c| u64::from(c)).sum();
        b[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        b
    }

    fn entry(path: &str, data: &[u8]) -> Vec<u8> {
        let mut v = header(path, data.len() as u64, b'0');
        v.extend_from_slice(data);
        v.resize(v.len().div_ceil(BLOCK) * BLOCK, 0);
        v
    }

    fn read(bytes: &[u8], chunk: usize) -> Vec<String> {
        let mut r = TarReader::default();
        let mut out = Vec::new();
        let mut f = |e: Event<'_>| {
            out.push(match e {
                Event::File {
                    path, size, reach, ..
                } => format!("file {path} {} {reach:?}", size.unwrap()),
                Event::Data(d) => format!("data {}", String::from_utf8_lossy(d)),
                Event::End { problem } => format!("end {problem:?}"),
                Event::Other { path, what } => format!("{what} {path}"),
                Event::Damaged { offset, reason } => format!("damaged @{offset}: {reason}"),
            })
        };
        for c in bytes.chunks(chunk.max(1)) {
            r.push(c, &mut f);
        }
        r.finish(&mut f);
        // Data events depend on chunking: join them.
        let mut joined: Vec<String> = Vec::new();
        for e in out {
            match (joined.last_mut(), e.strip_prefix("data ")) {
                (Some(last), Some(d)) if last.starts_with("data ") => last.push_str(d),
                _ => joined.push(e),
            }
        }
        joined
    }

    #[test]
    fn files_long_names_and_damage_in_any_chunking() {
        let mut t = entry("a.log", b"one\ntwo\n");
        t.extend(header("dir/", 0, b'5'));
        let long = format!("{}/x.log", "d".repeat(120));
        t.extend(
            entry("././@LongLink", format!("{long}\0").as_bytes())
                .iter()
                .enumerate()
                .map(|(i, &c)| if i == 156 { b'L' } else { c }),
        );
        // The long-link header's type was patched: fix its checksum.
        let h = t.len() - 1024;
        t[h + 148..h + 156].copy_from_slice(b"        ");
        let sum: u64 = t[h..h + 512].iter().map(|&c| u64::from(c)).sum();
        t[h + 148..h + 155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        t.extend(entry("ignored-name", b"long\n"));
        let mut bad = header("b.log", 3, b'0');
        bad[0] = b'c'; // checksum now wrong
        t.extend(bad);
        t.extend(entry("c.log", b"after\n"));
        t.extend(vec![0u8; 1024]);
        let want = vec![
            "file a.log 8 [Slice { offset: 512, len: 8 }]".to_string(),
            "data one\ntwo\n".into(),
            "end None".into(),
            format!("file {long} 5 [Slice {{ offset: 3072, len: 5 }}]"),
            "data long\n".into(),
            "end None".into(),
            "damaged @3584: tar header checksum mismatch (not a tar header); reading resumes at the next valid header".into(),
            "file c.log 6 [Slice { offset: 4608, len: 6 }]".into(),
            "data after\n".into(),
            "end None".into(),
        ];
        for chunk in [1, 7, 512, 100_000] {
            assert_eq!(read(&t, chunk), want, "chunk {chunk}");
        }
    }

    #[test]
    fn truncation_names_the_member() {
        let t = entry("a.log", &[b'x'; 2000]);
        let got = read(&t[..1200], 64);
        assert_eq!(
            got.last().unwrap(),
            "damaged @1200: the archive ends inside a.log (1312 bytes of its data missing)"
        );
        assert!(sniff(&t));
        assert!(!sniff(b"plain text"));
    }
}
