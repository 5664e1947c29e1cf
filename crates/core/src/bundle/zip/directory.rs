//! A zip archive's end records and central directory (APPNOTE 4.3.12–4.3.16), zip64 included:
//! where the entries are, their names, methods, sizes and times. Read from byte ranges the
//! caller fetches (the directory sits at the end of the file: the browser reads it with
//! `Blob.slice`, the CLI with a seek).

use super::{le16, le32, le64, Entry};

/// End of central directory record signature.
const EOCD: u32 = 0x0605_4b50;
/// Zip64 end of central directory locator signature.
const ZIP64_LOCATOR: u32 = 0x0706_4b50;
/// Zip64 end of central directory record signature.
const ZIP64_EOCD: u32 = 0x0606_4b50;
/// Central directory file header signature.
const CDFH: u32 = 0x0201_4b50;

/// Bytes at the end of the file that hold the end record (22 bytes plus a comment of up to
/// 64 KiB) and, before it, the zip64 locator (20 bytes).
pub const TAIL: u64 = 22 + 0xffff + 20;

/// Where the central directory is.
#[derive(Debug, PartialEq, Eq)]
pub enum End {
    /// The directory's offset and size, and how many entries it lists.
    Directory {
        offset: u64,
        size: u64,
        entries: u64,
    },
    /// A zip64 archive: the zip64 end record (56 bytes) sits at this offset.
    Zip64At(u64),
}

/// Find the end record in `tail`, the last bytes of a file of `file_size` bytes.
pub fn find_end(tail: &[u8], file_size: u64) -> Result<End, String> {
    let start = file_size - tail.len() as u64;
    let at = (0..tail.len().saturating_sub(21))
        .rev()
        .find(|&i| le32(tail, i) == EOCD && i + 22 + le16(tail, i + 20) as usize <= tail.len())
        .ok_or("no end-of-central-directory record (the archive is truncated or not a zip)")?;
    if at >= 20 && le32(tail, at - 20) == ZIP64_LOCATOR {
        return Ok(End::Zip64At(le64(tail, at - 20 + 8)));
    }
    let entries = u64::from(le16(tail, at + 10));
    let size = u64::from(le32(tail, at + 12));
    let offset = u64::from(le32(tail, at + 16));
    if offset + size > start + at as u64 {
        return Err(format!(
            "the end record places the central directory at bytes {offset}..{} past its own start ({})",
            offset + size,
            start + at as u64
        ));
    }
    Ok(End::Directory {
        offset,
        size,
        entries,
    })
}

/// Read the zip64 end record (56 bytes at the offset [`End::Zip64At`] gave).
pub fn zip64_end(b: &[u8]) -> Result<End, String> {
    if b.len() < 56 || le32(b, 0) != ZIP64_EOCD {
        return Err("the zip64 end-of-central-directory record is missing or damaged".into());
    }
    Ok(End::Directory {
        entries: le64(b, 32),
        size: le64(b, 40),
        offset: le64(b, 48),
    })
}

/// Parse the central directory; on damage, the entries read before it and the reason.
pub fn entries(cd: &[u8], cd_offset: u64) -> Result<Vec<Entry>, (Vec<Entry>, String)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 4 <= cd.len() {
        if le32(cd, i) != CDFH {
            // The end records follow the directory; anything else is damage.
            if matches!(le32(cd, i), EOCD | ZIP64_EOCD | ZIP64_LOCATOR) {
                break;
            }
            return Err((
                out,
                format!(
                    "central directory damaged at byte {} (no file header signature)",
                    cd_offset + i as u64
                ),
            ));
        }
        if i + 46 > cd.len() {
            return Err((
                out,
                format!("central directory cut off at byte {}", cd_offset + i as u64),
            ));
        }
        let (n, m, k) = (
            le16(cd, i + 28) as usize,
            le16(cd, i + 30) as usize,
            le16(cd, i + 32) as usize,
        );
        if i + 46 + n + m + k > cd.len() {
            return Err((
                out,
                format!("central directory cut off at byte {}", cd_offset + i as u64),
            ));
        }
        let flags = le16(cd, i + 8);
        let name_bytes = &cd[i + 46..i + 46 + n];
        let extra = &cd[i + 46 + n..i + 46 + n + m];
        let mut e = Entry {
            name: super::decode_name(name_bytes, flags),
            flags,
            method: le16(cd, i + 10),
            crc: le32(cd, i + 16),
            csize: u64::from(le32(cd, i + 20)),
            size: u64::from(le32(cd, i + 24)),
            header_offset: u64::from(le32(cd, i + 42)),
            mtime: super::dos_time(le16(cd, i + 12), le16(cd, i + 14)),
        };
        super::apply_extra(&mut e, extra, true);
        out.push(e);
        i += 46 + n + m + k;
    }
    Ok(out)
}
