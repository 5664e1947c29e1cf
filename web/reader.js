// The slice reader: reads Files for the parsing worker on a thread of its own (see
// web/src/slices.rs). Getting a slice's bytes into a worker costs about as much as parsing them;
// here it overlaps the parse. One reader serves the parsing worker for its whole life, job after
// job: starting a worker per file stalled Firefox (a later worker never started). Slices are
// transferred (not copied); at most `ahead` of a job are unacknowledged at a time, so memory
// stays bounded. A new job, or `stop`, ends the one before it.
//
// A file is read as one byte stream, each slice's buffer filled in place by a BYOB reader.
// Reading the 1 GB bench audit log in a Chromium worker, nothing else done (2026-12-05): a BYOB
// stream into one reused 4 MiB buffer 0.7-0.8 s, the default stream 1.1-1.2 s,
// Blob.slice().arrayBuffer() on 16 MiB slices 1.2-1.3 s, FileReaderSync on 4 MiB slices (what
// this reader used) 2.1-3.0 s. Through the app the 137 MB klog bench file loaded in 455 instead
// of 494 ms. A slice's buffer is transferred to the parsing worker, which hands it back with its
// ack to be filled again: a fresh buffer per slice cost the audit log 2,161 vs 1,965 ms
// (docs/benchmarks.md). Where Blob.stream() is not a byte stream, FileReaderSync reads slice by
// slice.
let current = 0;
let acks = 0;
let wake = null;
// Buffers the parsing worker handed back with its acks, to be filled again (at most a few: as
// many as may be in flight).
const spare = [];
const nudge = () => { if (wake) { const w = wake; wake = null; w(); } };
onmessage = async (e) => {
  const d = e.data;
  if (d.ack !== undefined) {
    if (d.buf instanceof ArrayBuffer && spare.length < 8) spare.push(d.buf);
    if (d.ack === current) { acks += 1; nudge(); }
    return;
  }
  if (d.stop !== undefined) {
    if (d.stop === current) { current = 0; nudge(); }
    return;
  }
  const { job, file, slice, ahead } = d;
  current = job;
  acks = 0;
  nudge();
  const next = streamSlices(file) || syncSlices(file);
  let sent = 0;
  try {
    for (let at = 0; at < file.size;) {
      while (job === current && sent - acks >= ahead) await new Promise(resolve => { wake = resolve; });
      if (job !== current) { next.cancel(); return; }
      const end = Math.min(at + slice, file.size);
      const buf = await next.read(at, end);
      if (job !== current) { next.cancel(); return; }
      postMessage({ job, buf, end }, [buf]);
      sent += 1;
      at = end;
    }
  } catch (err) {
    next.cancel();
    if (job === current) postMessage({ job, error: String(err) });
  }
};

// Slices from one BYOB read of the whole file, or null where Blob.stream() is not a byte stream.
function streamSlices(file) {
  let reader;
  try {
    reader = file.stream().getReader({ mode: 'byob' });
  } catch (_) {
    return null;
  }
  return {
    async read(at, end) {
      const reuse = spare.findIndex(b => b.byteLength === end - at);
      let view = new Uint8Array(reuse >= 0 ? spare.splice(reuse, 1)[0] : new ArrayBuffer(end - at));
      let filled = 0;
      while (filled < view.byteLength) {
        const { value, done } = await reader.read(view.subarray(filled));
        if (done) throw new Error(`the file ended at byte ${at + filled} of ${file.size} (changed while read?)`);
        // A BYOB read hands the buffer back, moved: carry on in the one it returned.
        view = new Uint8Array(value.buffer);
        filled += value.byteLength;
      }
      return view.buffer;
    },
    cancel() { reader.cancel().catch(() => {}); },
  };
}

function syncSlices(file) {
  const reader = new FileReaderSync();
  return {
    async read(at, end) { return reader.readAsArrayBuffer(file.slice(at, end)); },
    cancel() {},
  };
}
