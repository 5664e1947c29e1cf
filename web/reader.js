// The slice reader: reads Files for the parsing worker on a thread of its own (see
// web/src/slices.rs). Getting a slice's bytes into a worker costs about as much as parsing them;
// here it overlaps the parse. One reader serves the parsing worker for its whole life, job after
// job: starting a worker per file stalled Firefox (a later worker never started). Slices are
// transferred (not copied); at most `ahead` of a job are unacknowledged at a time, so memory
// stays bounded. A new job, or `stop`, ends the one before it.
let current = 0;
let acks = 0;
let wake = null;
const nudge = () => { if (wake) { const w = wake; wake = null; w(); } };
onmessage = async (e) => {
  const d = e.data;
  if (d.ack !== undefined) {
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
  const reader = new FileReaderSync();
  let sent = 0;
  for (let at = 0; at < file.size; at += slice) {
    while (job === current && sent - acks >= ahead) await new Promise(resolve => { wake = resolve; });
    if (job !== current) return;
    const end = Math.min(at + slice, file.size);
    let buf;
    try {
      buf = reader.readAsArrayBuffer(file.slice(at, end));
    } catch (err) {
      postMessage({ job, error: String(err) });
      return;
    }
    postMessage({ job, buf, end }, [buf]);
    sent += 1;
  }
};
