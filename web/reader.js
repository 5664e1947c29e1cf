// The slice reader: reads a File for the parsing worker on a thread of its own (see
// web/src/slices.rs). Getting a slice's bytes into a worker costs about as much as parsing them;
// here it overlaps the parse. Slices are transferred (not copied); at most `ahead` are
// unacknowledged at a time, so memory stays bounded.
let acks = 0;
let wake = null;
onmessage = async (e) => {
  if (e.data.ack) {
    acks += 1;
    if (wake) { const w = wake; wake = null; w(); }
    return;
  }
  const { file, slice, ahead } = e.data;
  const reader = new FileReaderSync();
  let sent = 0;
  for (let at = 0; at < file.size; at += slice) {
    while (sent - acks >= ahead) await new Promise(resolve => { wake = resolve; });
    const end = Math.min(at + slice, file.size);
    let buf;
    try {
      buf = reader.readAsArrayBuffer(file.slice(at, end));
    } catch (err) {
      postMessage({ error: String(err) });
      return;
    }
    postMessage({ buf, end }, [buf]);
    sent += 1;
  }
};
