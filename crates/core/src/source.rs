//! Where a file's bytes come from when they are not simply the bytes of a file the user gave: a
//! member of a bundle (an archive or a folder), or a file compressed with xz or zstd.
//!
//! A leaf module: [`crate::ingest::ParsedFile`] carries a [`Source`], the bundle layer
//! ([`crate::bundle`]) writes it, and the re-reading code ([`crate::bundle::reread`]) follows its
//! [`Step`]s to reach a member's bytes again (the raw-line panel, findings' evidence). Nothing
//! here reads bytes.

use serde::{Deserialize, Serialize};

/// The bundle formats read, for the lists users see (`format::Format::KNOWN`, whose registry
/// must not import the bundle layer that builds on it).
pub const FORMATS: &str = "archives and folders: .tar, .tar.gz/.tgz, .tar.xz, .tar.zst, .zip (nested too, e.g. a .log.gz inside a tar), folders; single files compressed with gzip, xz or zstd";

/// Separator between a bundle and the path inside it, and between nested archives:
/// `bundle.tar.gz › var/log/kubelet.log`.
pub const SEP: &str = " › ";

/// A compression format, as a step of reaching a member's bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Codec {
    /// gzip (RFC 1952), concatenated members too.
    Gzip,
    /// Raw deflate (RFC 1951): zip entries of method 8.
    Deflate,
    /// xz (`.xz`, `.txz`).
    Xz,
    /// Zstandard (`.zst`), one frame or several.
    Zstd,
}

impl Codec {
    /// Lower-case name, as shown to users.
    pub fn name(self) -> &'static str {
        match self {
            Codec::Gzip => "gzip",
            Codec::Deflate => "deflate",
            Codec::Xz => "xz",
            Codec::Zstd => "zstd",
        }
    }
}

/// One step from a byte stream to the next: the holder file's bytes go through the steps in
/// order, and what comes out is the member's bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Bytes `offset..offset + len` of the stream (a tar member's data, a zip entry's data).
    Slice { offset: u64, len: u64 },
    /// Decompress the stream.
    Decode(Codec),
}

/// Where a member's bytes are, and what it is within its bundle.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// The bundle (archive or folder) the file came out of, as the user named it; `None` for a
    /// single compressed file (`kubelet.log.xz`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle: Option<String>,
    /// The path inside the bundle (`var/log/kubelet.log`; inside a nested archive
    /// `logs.tar.gz › kubelet.log`).
    #[serde(default)]
    pub path: String,
    /// For a folder's members: the file that holds the bytes, relative to the folder. Empty
    /// when the bundle (or the given file) itself holds them.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub holder: String,
    /// How the member's bytes are reached from the holder's bytes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reach: Vec<Step>,
    /// Why the member was not read as a log (a binary, an image, a YAML manifest, empty, the
    /// unreadable rest of a damaged archive …); `None` when it was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_read: Option<String>,
}

impl Source {
    /// The display name of a member: `bundle › path`.
    pub fn display_name(bundle: &str, path: &str) -> String {
        format!("{bundle}{SEP}{path}")
    }
}
