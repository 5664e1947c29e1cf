//! Reading a zip from its start, local header after local header (APPNOTE 4.3.7–4.3.9): for a
//! zip inside another archive, where nothing can be read out of order, and for a zip whose
//! central directory is damaged. An entry whose size is only in the data descriptor after its
//! data can be followed when it is deflated (deflate marks its own end); a stored one cannot,
//! and reading stops there with the reason.

use super::super::event::Event;
use super::{le16, le32, Entry, EntryReader};

const LFH: u32 = 0x0403_4b50;
const CDFH: u32 = 0x0201_4b50;
const EOCD: u32 = 0x0605_4b50;
const DESCRIPTOR: u32 = 0x0807_4b50;

enum State {
    /// Collecting the 30 fixed bytes of a local header.
    Fixed,
    /// Collecting the name and extra field (their total length).
    Name(usize),
    /// The entry's stored bytes.
    Data(Box<Current>),
    /// Skipping an entry that is not read (`left` bytes).
    Skip(u64),
    /// A data descriptor: bytes still to collect, and whether sizes are 8 bytes.
    Descriptor { zip64: bool },
    /// The central directory (or the end record) was reached, or reading stopped.
    Done,
}

struct Current {
    entry: Entry,
    reader: EntryReader,
    used: u64,
    /// Sizes are in a data descriptor after the data.
    descriptor: bool,
    zip64: bool,
}

/// See the module docs.
pub struct LocalScan {
    state: State,
    buf: Vec<u8>,
    fixed: [u8; 30],
    pos: u64,
}

impl Default for LocalScan {
    fn default() -> Self {
        LocalScan {
            state: State::Fixed,
            buf: Vec::new(),
            fixed: [0; 30],
            pos: 0,
        }
    }
}

impl LocalScan {
    /// Read the next chunk of the zip stream.
    pub fn push(&mut self, mut chunk: &[u8], emit: &mut dyn FnMut(Event<'_>)) {
        while !chunk.is_empty() {
            match &mut self.state {
                State::Done => {
                    self.pos += chunk.len() as u64;
                    return;
                }
                State::Skip(left) => {
                    let n = (*left).min(chunk.len() as u64) as usize;
                    *left -= n as u64;
                    self.pos += n as u64;
                    chunk = &chunk[n..];
                    if *left == 0 {
                        self.state = State::Fixed;
                    }
                }
                State::Data(cur) => {
                    let room = if cur.descriptor {
                        chunk.len()
                    } else {
                        (cur.entry.csize - cur.used).min(chunk.len() as u64) as usize
                    };
                    let n = cur
                        .reader
                        .push(&chunk[..room], &mut |b| emit(Event::Data(b)));
                    cur.used += n as u64;
                    self.pos += n as u64;
                    chunk = &chunk[n..];
                    let complete = if cur.descriptor {
                        cur.reader.done()
                    } else {
                        cur.used == cur.entry.csize
                    };
                    if complete {
                        self.end_entry(emit);
                    } else if n == 0 && room > 0 {
                        // The decoder took nothing: it failed. With its size known, the entry's
                        // other bytes are passed over and the next entry read.
                        let rest = (!cur.descriptor).then(|| cur.entry.csize - cur.used);
                        self.end_entry(emit);
                        if let (Some(rest), State::Fixed) = (rest, &self.state) {
                            self.state = State::Skip(rest);
                        }
                    }
                }
                State::Fixed | State::Name(_) | State::Descriptor { .. } => {
                    let need = self.need();
                    let n = (need - self.buf.len()).min(chunk.len());
                    self.buf.extend_from_slice(&chunk[..n]);
                    self.pos += n as u64;
                    chunk = &chunk[n..];
                    if self.buf.len() == self.need() {
                        self.collected(emit);
                    }
                }
            }
        }
    }

    /// End of the stream: an entry or header cut short is reported.
    pub fn finish(&mut self, emit: &mut dyn FnMut(Event<'_>)) {
        match std::mem::replace(&mut self.state, State::Done) {
            State::Data(mut cur) => {
                let problem = cur
                    .reader
                    .finish(&mut |b| emit(Event::Data(b)))
                    .unwrap_or_else(|| "cut short".into());
                let reason = format!("the archive ends inside {} ({problem})", cur.entry.name);
                emit(Event::End {
                    problem: Some(reason.clone()),
                });
                emit(Event::Damaged {
                    offset: self.pos,
                    reason,
                });
            }
            State::Fixed if self.buf.is_empty() => {}
            State::Done => {}
            State::Skip(0) => {}
            _ => emit(Event::Damaged {
                offset: self.pos,
                reason: "the archive ends inside a zip header (truncated; no central directory)"
                    .into(),
            }),
        }
    }

    fn need(&self) -> usize {
        match self.state {
            State::Fixed => 30,
            State::Name(n) => n,
            State::Descriptor { zip64 } => {
                let sizes = if zip64 { 16 } else { 8 };
                // With the optional signature the descriptor is 4 bytes longer.
                if self.buf.len() >= 4 && le32(&self.buf, 0) == DESCRIPTOR {
                    8 + sizes
                } else {
                    4 + sizes
                }
            }
            _ => 0,
        }
    }

    fn stop(&mut self, emit: &mut dyn FnMut(Event<'_>), at: u64, reason: String) {
        emit(Event::Damaged { offset: at, reason });
        self.state = State::Done;
    }

    fn collected(&mut self, emit: &mut dyn FnMut(Event<'_>)) {
        let b = std::mem::take(&mut self.buf);
        match self.state {
            State::Fixed => {
                let at = self.pos - 30;
                match le32(&b, 0) {
                    LFH => {
                        self.fixed.copy_from_slice(&b);
                        let n = le16(&b, 26) as usize + le16(&b, 28) as usize;
                        self.state = State::Name(n);
                        if n == 0 {
                            self.collected(emit);
                        }
                    }
                    CDFH | EOCD => self.state = State::Done,
                    _ => self.stop(
                        emit,
                        at,
                        "no zip local header where one should start".into(),
                    ),
                }
            }
            State::Name(n) => self.start_entry(&b, n, emit),
            // The entry already ended (deflate marks its end); the descriptor only repeats
            // its CRC and sizes.
            State::Descriptor { .. } => self.state = State::Fixed,
            _ => {}
        }
    }

    fn start_entry(&mut self, b: &[u8], n: usize, emit: &mut dyn FnMut(Event<'_>)) {
        let f = self.fixed;
        let name_len = le16(&f, 26) as usize;
        let flags = le16(&f, 6);
        let mut e = Entry {
            name: super::decode_name(&b[..name_len.min(n)], flags),
            flags,
            method: le16(&f, 8),
            crc: le32(&f, 14),
            csize: u64::from(le32(&f, 18)),
            size: u64::from(le32(&f, 22)),
            header_offset: self.pos - 30 - n as u64,
            mtime: super::dos_time(le16(&f, 10), le16(&f, 12)),
        };
        let extra = &b[name_len.min(n)..];
        let zip64 = has_zip64(extra);
        super::apply_extra(&mut e, extra, false);
        let descriptor = flags & 8 != 0;
        if let Some(why) = e.unreadable() {
            if descriptor {
                let at = e.header_offset;
                return self.stop(
                    emit,
                    at,
                    format!("{}: {why}, and its size is only after its data: reading stops here (the central directory would say where the next entry starts)", e.name),
                );
            }
            emit(Event::Other {
                path: &e.name,
                what: why,
            });
            self.state = State::Skip(e.csize);
            return;
        }
        if descriptor && e.method != 8 {
            let at = e.header_offset;
            return self.stop(emit, at, format!("{}: stored without its size (in a data descriptor after the data): its end cannot be found without the central directory", e.name));
        }
        if e.is_dir() && e.csize == 0 {
            self.state = State::Fixed;
            return;
        }
        let mut reach = e.reach(self.pos);
        if descriptor {
            // The compressed size is only known at the end: deflate marks it.
            reach[0] = crate::source::Step::Slice {
                offset: self.pos,
                len: u64::MAX,
            };
        }
        emit(Event::File {
            path: &e.name,
            size: (!descriptor).then_some(e.size),
            mtime: e.mtime,
            reach,
        });
        let reader = EntryReader::new(&e, !descriptor);
        let cur = Current {
            reader,
            used: 0,
            descriptor,
            zip64,
            entry: e,
        };
        if !descriptor && cur.entry.csize == 0 {
            self.state = State::Data(Box::new(cur));
            return self.end_entry(emit);
        }
        self.state = State::Data(Box::new(cur));
    }

    fn end_entry(&mut self, emit: &mut dyn FnMut(Event<'_>)) {
        let State::Data(mut cur) = std::mem::replace(&mut self.state, State::Fixed) else {
            return;
        };
        let problem = cur.reader.finish(&mut |b| emit(Event::Data(b)));
        cur.entry.csize = cur.used;
        emit(Event::End {
            problem: problem.clone(),
        });
        if problem.is_some() && cur.descriptor {
            // Where the next entry starts is unknown after a broken deflate stream.
            return self.stop(
                emit,
                self.pos,
                format!(
                    "{}: its data could not be read to its end, and the next entry's position is unknown",
                    cur.entry.name
                ),
            );
        }
        if cur.descriptor {
            self.state = State::Descriptor { zip64: cur.zip64 };
        }
    }
}

fn has_zip64(mut x: &[u8]) -> bool {
    while x.len() >= 4 {
        let (id, len) = (le16(x, 0), le16(x, 2) as usize);
        if id == 0x0001 {
            return true;
        }
        x = x.get(4 + len..).unwrap_or_default();
    }
    false
}
