//! What a container reader (tar, zip) tells the bundle layer: a member starts, its bytes, its
//! end, an entry with nothing to read, damage. Shared by the container formats; a leaf.

use crate::source::Step;

/// See the module docs.
#[derive(Debug, PartialEq, Eq)]
pub enum Event<'a> {
    /// A file starts; its content follows as [`Event::Data`], then [`Event::End`]. `size` is
    /// its content's size when known up front; `mtime` in seconds since the epoch; `reach`
    /// leads from the container's stream to the content (a slice whose length is `u64::MAX`
    /// when only the content's own end marks it: deflate with a data descriptor).
    File {
        path: &'a str,
        size: Option<u64>,
        mtime: Option<i64>,
        reach: Vec<Step>,
    },
    /// The next bytes of the current file's content.
    Data(&'a [u8]),
    /// The current file is complete; `problem` says what went wrong reading it (a CRC
    /// mismatch, a corrupt stream, the archive ending inside it).
    End { problem: Option<String> },
    /// An entry that is not read: a link, a device, an encrypted entry … (directories are not
    /// reported: they hold nothing).
    Other { path: &'a str, what: String },
    /// The container is damaged at `offset` (of its stream); see the reader for whether it
    /// resumes.
    Damaged { offset: u64, reason: String },
}
