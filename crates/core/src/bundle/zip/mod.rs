//! Zip archives, read two ways:
//!
//! * [`directory`]: from the central directory at the end of the file (random access: the
//!   browser's `Blob.slice`, the CLI's seek), the reliable way: entries are found by their
//!   local header offsets, and a damaged entry does not hide the next ones;
//! * [`local`]: from the start, local header after local header, for a zip that is itself a
//!   member of another archive (no random access there) or whose central directory is damaged.
//!
//! Why not a crate: `zip` reads through `Read + Seek`, which the worker's async `Blob` reads
//! cannot provide; `rc-zip` (sans-I/O) brings `encoding_rs` and `chardetng` (legacy-encoding
//! tables) and a second `miniz_oxide` into the wasm. The parts needed here — end records,
//! central directory, local headers, data descriptors, zip64 sizes, the extended timestamp,
//! CP437 names — fit in these three files, under a fuzz target.
//! Methods read: stored (0), deflate (8), zstd (93), xz (95); others are listed as not read.

pub mod directory;
pub mod local;

use super::codec::{Decoder, Inflate};
use crate::source::{Codec, Step};

/// One entry as the central directory (or a local header) describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub flags: u16,
    pub method: u16,
    pub crc: u32,
    /// Compressed size.
    pub csize: u64,
    /// Uncompressed size.
    pub size: u64,
    /// Offset of the entry's local header in the archive.
    pub header_offset: u64,
    /// Last-modified time, seconds since the epoch (the extended timestamp if present, else
    /// the DOS time read as UTC).
    pub mtime: Option<i64>,
}

impl Entry {
    /// Why this entry cannot be read, if it cannot.
    pub fn unreadable(&self) -> Option<String> {
        if self.flags & 1 != 0 {
            return Some("encrypted zip entry".into());
        }
        match self.method {
            0 | 8 | 93 | 95 => None,
            m => Some(format!(
                "zip compression method {m} ({}) is not supported",
                method_name(m)
            )),
        }
    }

    /// The step that turns the entry's stored bytes into its content.
    pub fn codec(&self) -> Option<Codec> {
        match self.method {
            8 => Some(Codec::Deflate),
            93 => Some(Codec::Zstd),
            95 => Some(Codec::Xz),
            _ => None,
        }
    }

    /// Steps from the archive's bytes to the entry's content, its data starting at `data`.
    pub fn reach(&self, data: u64) -> Vec<Step> {
        let mut v = vec![Step::Slice {
            offset: data,
            len: self.csize,
        }];
        v.extend(self.codec().map(Step::Decode));
        v
    }

    /// Whether the entry is a directory (no content).
    pub fn is_dir(&self) -> bool {
        self.name.ends_with('/')
    }
}

fn method_name(m: u16) -> &'static str {
    match m {
        1 => "shrink",
        6 => "implode",
        9 => "deflate64",
        12 => "bzip2",
        14 => "LZMA",
        98 => "PPMd",
        99 => "AES-encrypted",
        _ => "unknown",
    }
}

/// Decompresses one entry's data and checks its CRC-32.
pub struct EntryReader {
    dec: Option<Decoder>,
    crc: crc32fast::Hasher,
    want_crc: Option<u32>,
    /// Stored entries: bytes left.
    left: u64,
}

impl EntryReader {
    /// A reader for `e`; `check` when the CRC is known before the data (not in a data
    /// descriptor).
    pub fn new(e: &Entry, check: bool) -> Self {
        EntryReader {
            dec: e.codec().map(|c| match c {
                Codec::Deflate => Decoder::Deflate(Box::<Inflate>::default()),
                c => Decoder::new(c),
            }),
            crc: crc32fast::Hasher::new(),
            want_crc: check.then_some(e.crc),
            left: e.csize,
        }
    }

    /// Feed stored bytes; returns how many belong to the entry (deflate ends by itself; stored
    /// data ends after its size).
    pub fn push(&mut self, chunk: &[u8], out: &mut dyn FnMut(&[u8])) -> usize {
        let crc = &mut self.crc;
        let mut emit = |b: &[u8]| {
            crc.update(b);
            out(b)
        };
        match &mut self.dec {
            None => {
                let n = self.left.min(chunk.len() as u64) as usize;
                self.left -= n as u64;
                emit(&chunk[..n]);
                n
            }
            Some(Decoder::Deflate(d)) => d.push(chunk, &mut emit),
            Some(d) => {
                d.push(chunk, &mut emit);
                chunk.len()
            }
        }
    }

    /// Whether the entry's data is complete (deflate: its last block was read).
    pub fn done(&self) -> bool {
        match &self.dec {
            None => self.left == 0,
            Some(Decoder::Deflate(d)) => d.done(),
            Some(_) => false,
        }
    }

    /// End of the entry's data: what went wrong, if anything.
    pub fn finish(&mut self, out: &mut dyn FnMut(&[u8])) -> Option<String> {
        let crc = &mut self.crc;
        let mut emit = |b: &[u8]| {
            crc.update(b);
            out(b)
        };
        if let Some(d) = &mut self.dec {
            d.finish(&mut emit);
            if let Some(e) = d.error() {
                return Some(e.to_string());
            }
        } else if self.left > 0 {
            return Some(format!("{} bytes of stored data missing", self.left));
        }
        let got = self.crc.clone().finalize();
        match self.want_crc {
            Some(want) if want != got => Some(format!(
                "CRC-32 mismatch (archive says {want:08x}, content has {got:08x})"
            )),
            _ => None,
        }
    }
}

pub(crate) fn le16(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([b[i], b[i + 1]])
}

pub(crate) fn le32(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

pub(crate) fn le64(b: &[u8], i: usize) -> u64 {
    u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"))
}

/// A name: UTF-8 when flag bit 11 says so (or when it is valid UTF-8), else IBM code page 437.
fn decode_name(b: &[u8], flags: u16) -> String {
    if flags & 0x800 != 0 || b.is_ascii() {
        return String::from_utf8_lossy(b).into_owned();
    }
    if let Ok(s) = std::str::from_utf8(b) {
        return s.to_string();
    }
    const HIGH: &str = "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{a0}";
    let high: Vec<char> = HIGH.chars().collect();
    b.iter()
        .map(|&c| {
            if c < 0x80 {
                c as char
            } else {
                high[(c - 0x80) as usize]
            }
        })
        .collect()
}

/// A DOS date and time (local time of the zipping machine, read as UTC), seconds since the epoch.
fn dos_time(time: u16, date: u16) -> Option<i64> {
    let (y, mo, d) = (
        1980 + i32::from(date >> 9),
        u32::from((date >> 5) & 15),
        u32::from(date & 31),
    );
    let (h, mi, s) = (
        u32::from(time >> 11),
        u32::from((time >> 5) & 63),
        u32::from(time & 31) * 2,
    );
    chrono::NaiveDate::from_ymd_opt(y, mo, d)?
        .and_hms_opt(h, mi, s)
        .map(|t| t.and_utc().timestamp())
}

/// Apply an extra field's zip64 sizes/offset and extended timestamp to `e`. In a central
/// directory the zip64 field holds only the values whose 32-bit field is saturated; in a local
/// header it holds both sizes.
fn apply_extra(e: &mut Entry, mut x: &[u8], central: bool) {
    while x.len() >= 4 {
        let (id, len) = (le16(x, 0), le16(x, 2) as usize);
        let Some(body) = x.get(4..4 + len) else {
            break;
        };
        match id {
            0x0001 => {
                let mut vals = body.chunks_exact(8).map(|c| le64(c, 0));
                if !central || e.size == 0xffff_ffff {
                    e.size = vals.next().unwrap_or(e.size);
                }
                if !central || e.csize == 0xffff_ffff {
                    e.csize = vals.next().unwrap_or(e.csize);
                }
                if central && e.header_offset == 0xffff_ffff {
                    e.header_offset = vals.next().unwrap_or(e.header_offset);
                }
            }
            0x5455 if body.len() >= 5 && body[0] & 1 != 0 => {
                e.mtime = Some(i64::from(le32(body, 1) as i32));
            }
            _ => {}
        }
        x = &x[4 + len..];
    }
}

/// Whether `head` starts a zip archive (a local header, or the end record of an empty zip).
pub fn sniff(head: &[u8]) -> bool {
    head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06")
}
