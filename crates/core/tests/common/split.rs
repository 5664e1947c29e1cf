//! One file read in parts, as the CLI reads it on several cores: the first part by
//! `FileIngest::new`, each other by `FileIngest::part`, joined in order by `FileIngest::absorb`.

use whodunnit_core::format::Format;
use whodunnit_core::{FileIngest, FileMeta, ParsedFile};

/// A file's meta: its name and size.
pub fn meta(name: &str, size: usize) -> FileMeta {
    FileMeta {
        name: name.to_string(),
        size: Some(size as u64),
        ..FileMeta::default()
    }
}

/// `b` read in parts cut at `cuts` (byte positions), the parts after the first read as `format`
/// in pushes of `chunk` bytes; `None` when `absorb` declined.
pub fn in_parts(
    name: &str,
    b: &[u8],
    cuts: &[usize],
    format: Format,
    chunk: usize,
) -> Option<ParsedFile> {
    in_parts_via(name, b, cuts, format, chunk, Some)
}

/// [`in_parts`], each part after the first passed through `via` before it is joined (the
/// browser's helper worker hands its part over as bytes: `to_wire`, `from_wire`); `None` also
/// when `via` gives none.
pub fn in_parts_via(
    name: &str,
    b: &[u8],
    cuts: &[usize],
    format: Format,
    chunk: usize,
    via: impl Fn(FileIngest) -> Option<FileIngest>,
) -> Option<ParsedFile> {
    let mut bounds = vec![0];
    bounds.extend_from_slice(cuts);
    bounds.push(b.len());
    let mut first = FileIngest::new(meta(name, b.len()));
    first.push(&b[..bounds[1]]);
    for w in bounds[1..].windows(2) {
        let mut p = FileIngest::part(meta(name, w[1] - w[0]), format, w[0] as u64);
        for piece in b[w[0]..w[1]].chunks(chunk) {
            p.push(piece);
        }
        if !first.absorb(via(p)?) {
            return None;
        }
    }
    Some(first.finish())
}

/// What is compared: the parsed file without its meta (a part's size is not the file's).
pub fn json(f: &ParsedFile) -> serde_json::Value {
    let mut v = serde_json::to_value(f).unwrap();
    v["meta"] = serde_json::Value::Null;
    v
}
