//! A part of a file read on another worker, handed back as bytes ([`crate::wire`]): the
//! browser parses a large audit log on two workers, which share no memory.

use super::{FileIngest, Reader, Stage};
use crate::audit;
use crate::diag::Diagnostics;
use crate::format::{Format, FormatParser};
use crate::lines::LineSplitter;
use crate::parse::FileMeta;
use crate::wire;

/// Starts every part's bytes: the two ends are the same build (see [`crate::wire`]).
const MAGIC: &[u8; 8] = b"whdpart1";

impl FileIngest {
    /// This part's whole state as bytes, for the worker that reads the part before it to
    /// [`FileIngest::absorb`] after [`FileIngest::from_wire`]: what it joins equals what
    /// absorbing this `FileIngest` itself would have (tested). `None` for what cannot travel or
    /// be joined anyway: anything but a part of an audit log ([`FileIngest::part`]) between
    /// documents.
    pub fn to_wire(&self) -> Option<Vec<u8>> {
        let Reader::Parsing(p) = &self.reader else {
            return None;
        };
        let FormatParser::Audit(audit) = p.as_ref() else {
            return None;
        };
        if self.gzip || !matches!(self.stage, Stage::Plain) || !self.events.is_empty() {
            return None;
        }
        let mut w = wire::Writer::default();
        w.out.extend_from_slice(MAGIC);
        let (tail, discarding, discarded, next_line, line_start) = self.splitter.state();
        w.bytes(tail);
        w.u8(u8::from(discarding));
        w.u64(discarded);
        w.u64(next_line);
        w.u64(line_start);
        w.str(&self.detail);
        w.u64(self.bytes_in);
        w.u64(self.bytes);
        w.u64(self.lines);
        w.u64(self.records);
        // Diagnostics and notes are small (at most 200 kept): JSON is fine for them.
        w.str(&serde_json::to_string(&self.diags).ok()?);
        w.str(&serde_json::to_string(&self.notes).ok()?);
        audit.to_wire(&mut w)?;
        Some(w.out)
    }

    /// The part [`FileIngest::to_wire`] wrote, named by `meta`; `None` when `bytes` do not
    /// hold one (damaged, or from another build).
    pub fn from_wire(meta: FileMeta, bytes: &[u8]) -> Option<FileIngest> {
        let rest = bytes.strip_prefix(MAGIC)?;
        let mut r = wire::Reader::new(rest);
        let tail = r.bytes()?.to_vec();
        let discarding = r.u8()? != 0;
        let splitter = LineSplitter::resume(tail, discarding, r.u64()?, r.u64()?, r.u64()?);
        let detail = r.str()?.to_string();
        let (bytes_in, bytes, lines, records) = (r.u64()?, r.u64()?, r.u64()?, r.u64()?);
        let diags: Diagnostics = serde_json::from_str(r.str()?).ok()?;
        let notes: Vec<String> = serde_json::from_str(r.str()?).ok()?;
        let parser = audit::Parser::from_wire(&mut r)?;
        if !r.done() {
            return None;
        }
        let mut ing = FileIngest::new(meta);
        ing.stage = Stage::Plain;
        ing.splitter = splitter;
        ing.reader = Reader::Parsing(Box::new(FormatParser::Audit(parser)));
        ing.format = Format::AuditLog;
        ing.detail = detail;
        ing.bytes_in = bytes_in;
        ing.bytes = bytes;
        ing.lines = lines;
        ing.records = records;
        ing.diags = diags;
        ing.notes = notes;
        Some(ing)
    }
}
