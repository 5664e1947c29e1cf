//! Splitting a byte stream that arrives in chunks of any size into lines.
//!
//! A line may span any number of chunks. The splitter keeps only the unfinished tail of the
//! last chunk, so memory is bounded by the longest line (capped at [`LineSplitter::MAX_LINE`]).

/// Where a line sits in its file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineAt {
    /// 1-based line number.
    pub line: u64,
    /// Byte offset of the first byte of the line.
    pub offset: u64,
}

/// Incremental line splitter; see the module docs.
#[derive(Debug, Default)]
pub struct LineSplitter {
    tail: Vec<u8>,
    /// The current line is over [`Self::MAX_LINE`] and is being discarded until its newline.
    discarding: bool,
    discarded: u64,
    next_line: u64,
    line_start: u64,
}

/// What the splitter hands out: a complete line, or notice that a line was too long.
pub enum Piece<'a> {
    Line(&'a [u8], LineAt),
    /// A line that was skipped for its length, with that length in bytes.
    TooLong(LineAt, u64),
}

impl LineSplitter {
    /// Lines longer than this are skipped (and reported); a pathological line must not take
    /// the tab's memory.
    pub const MAX_LINE: usize = 256 << 20;

    pub fn new() -> Self {
        Self {
            next_line: 1,
            ..Self::default()
        }
    }

    /// A splitter for bytes that start at file offset `offset`, at the start of a line; its
    /// line numbers count from 1 there (a part of a file read in parallel).
    pub fn starting_at(offset: u64) -> Self {
        Self {
            next_line: 1,
            line_start: offset,
            ..Self::default()
        }
    }

    /// The whole state, for a part crossing workers (`FileIngest::to_wire`): the partial line
    /// held, whether it is being discarded and how much was, the next line's number and offset.
    pub(crate) fn state(&self) -> (&[u8], bool, u64, u64, u64) {
        (
            &self.tail,
            self.discarding,
            self.discarded,
            self.next_line,
            self.line_start,
        )
    }

    /// A splitter in the state [`LineSplitter::state`] gave.
    pub(crate) fn resume(
        tail: Vec<u8>,
        discarding: bool,
        discarded: u64,
        next_line: u64,
        line_start: u64,
    ) -> Self {
        Self {
            tail,
            discarding,
            discarded,
            next_line,
            line_start,
        }
    }

    /// Whether no partial line is held (everything pushed ended with a line break).
    pub fn at_line_start(&self) -> bool {
        self.tail.is_empty() && !self.discarding
    }

    /// Move the line numbers still to come up by `lines_before` (a part's splitter taken over
    /// by the part before it).
    pub fn renumber(&mut self, lines_before: u64) {
        self.next_line += lines_before;
    }

    /// Feed a chunk; `emit` is called for every line completed by it, in order.
    /// Line terminators (`\n`, `\r\n`) are stripped.
    pub fn push(&mut self, mut chunk: &[u8], emit: &mut dyn FnMut(Piece<'_>)) {
        while !chunk.is_empty() {
            let Some(i) = memchr::memchr(b'\n', chunk) else {
                if self.discarding {
                    self.discarded += chunk.len() as u64;
                } else if self.tail.len() + chunk.len() > Self::MAX_LINE {
                    self.discarding = true;
                    self.discarded = (self.tail.len() + chunk.len()) as u64;
                    self.tail = Vec::new();
                } else {
                    self.tail.extend_from_slice(chunk);
                }
                return;
            };
            let (head, rest) = (&chunk[..i], &chunk[i + 1..]);
            let at = LineAt {
                line: self.next_line,
                offset: self.line_start,
            };
            let len;
            if self.discarding {
                len = self.discarded + head.len() as u64;
                emit(Piece::TooLong(at, len));
                self.discarding = false;
            } else if self.tail.is_empty() {
                len = head.len() as u64;
                emit(Piece::Line(strip_cr(head), at));
            } else {
                self.tail.extend_from_slice(head);
                len = self.tail.len() as u64;
                emit(Piece::Line(strip_cr(&self.tail), at));
                self.tail.clear();
            }
            self.next_line += 1;
            self.line_start += len + 1;
            chunk = rest;
        }
    }

    /// Flush the last line if the input did not end with a newline.
    pub fn finish(&mut self, emit: &mut dyn FnMut(Piece<'_>)) {
        let at = LineAt {
            line: self.next_line,
            offset: self.line_start,
        };
        if self.discarding {
            emit(Piece::TooLong(at, self.discarded));
        } else if !self.tail.is_empty() {
            emit(Piece::Line(strip_cr(&self.tail), at));
        }
        self.tail.clear();
        self.discarding = false;
    }
}

fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(chunks: &[&[u8]]) -> Vec<(String, u64, u64)> {
        let mut s = LineSplitter::new();
        let mut out = Vec::new();
        let mut f = |p: Piece<'_>| match p {
            Piece::Line(l, at) => {
                out.push((String::from_utf8_lossy(l).into_owned(), at.line, at.offset))
            }
            Piece::TooLong(at, _) => out.push(("<too long>".into(), at.line, at.offset)),
        };
        for c in chunks {
            s.push(c, &mut f);
        }
        s.finish(&mut f);
        out
    }

    #[test]
    fn lines_across_chunks_keep_numbers_and_offsets() {
        let got = split(&[b"ab", b"c\r\nde", b"f\n\ng"]);
        assert_eq!(
            got,
            vec![
                ("abc".into(), 1, 0),
                ("def".into(), 2, 5),
                ("".into(), 3, 9),
                ("g".into(), 4, 10)
            ]
        );
    }
}
