// Benchmark (not a test): the browser worker's parse of FILE as a bare wasm module in V8 (node),
// against the same code natively, in one run — the wasm cost per byte apart from reading,
// messaging and rendering (crates/core/examples/parse_common). Build both first:
//   cargo build --release -p whodunnit-core --example bench_parse
//   cargo build --profile wasm-release --target wasm32-unknown-unknown -p whodunnit-core \
//       --example bench_parse_wasm
//   node tests/browser/bench-parse.mjs FILE [ROUNDS]      (default 5 rounds each, medians)
// BENCH_AHEAD=1 times only the parser's side of a read-ahead on both sides (the file split into
// batches first, untimed: `parse_common::batches`), the bound of moving the split to a helper.
// The wasm side runs in node and then in a Chromium dedicated worker, as the app's parse does
// (CHROMIUM=0 skips it; the page and worker are made here, nothing of the app). The module is
// not passed through wasm-opt (the app's worker is, at -O3: ~3% faster on klog).
// `node --cpu-prof tests/browser/bench-parse.mjs FILE` writes a V8 profile of the node side (the
// module keeps its function names; `alloc::vec::from_elem` in it is the file's buffer being
// zeroed, outside the timed rounds).
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { ROOT } from './harness.mjs';
import { launchPlaywright } from './driver/chromium.mjs';

// Builds are looked for where cargo put them (CARGO_TARGET_DIR, or target/).
const TARGET = path.resolve(process.env.CARGO_TARGET_DIR ?? path.join(ROOT, 'target'));
const [file, roundsArg] = process.argv.slice(2);
if (!file) { console.error('usage: node tests/browser/bench-parse.mjs FILE [ROUNDS]'); process.exit(2); }
const rounds = Number(roundsArg ?? 5);
const times = report => [...report.matchAll(/round \d+: ([\d.]+) ms/g)].map(m => Number(m[1]));
const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const native = execFileSync(path.join(TARGET, 'release/examples/bench_parse'), [file, String(rounds)]).toString();
const wasmBytes = fs.readFileSync(path.join(TARGET, 'wasm32-unknown-unknown/wasm-release/examples/bench_parse_wasm.wasm'));
const { instance } = await WebAssembly.instantiate(wasmBytes, { bench: { now: () => performance.now() } });
const e = instance.exports;
const bytes = fs.readFileSync(file);
const at = e.buffer(bytes.length); // may grow the memory: take its buffer after
new Uint8Array(e.memory.buffer, at, bytes.length).set(bytes);
const p = (process.env.BENCH_AHEAD ? e.run_ahead : e.run)(rounds);
const wasm = new TextDecoder().decode(new Uint8Array(e.memory.buffer, p, e.report_len()));

// The same module in a Chromium dedicated worker, as the app runs it; a server on the loopback
// serves the module and the file (Playwright's routing cannot carry a file of this size).
let chromium = '';
if (process.env.CHROMIUM !== '0') {
  const server = http.createServer((req, res) => {
    const body = req.url === '/bench.wasm' ? wasmBytes : req.url === '/file' ? bytes : Buffer.from('<!doctype html><title>bench</title>');
    res.writeHead(200, { 'content-type': req.url === '/bench.wasm' ? 'application/wasm' : req.url === '/' ? 'text/html' : 'application/octet-stream' });
    res.end(body);
  });
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve));
  const browser = await launchPlaywright();
  const page = await (await browser.newContext()).newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  chromium = await page.evaluate(async ([rounds, ahead]) => {
    const src = `onmessage = async ({ data: { wasm, file, rounds, ahead } }) => {
      const { instance } = await WebAssembly.instantiate(wasm, { bench: { now: () => performance.now() } });
      const e = instance.exports;
      const at = e.buffer(file.byteLength);
      new Uint8Array(e.memory.buffer, at, file.byteLength).set(new Uint8Array(file));
      const p = (ahead ? e.run_ahead : e.run)(rounds);
      postMessage(new TextDecoder().decode(new Uint8Array(e.memory.buffer, p, e.report_len())));
    };`;
    const worker = new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })));
    const [wasm, file] = await Promise.all(['/bench.wasm', '/file'].map(async u => (await fetch(u)).arrayBuffer()));
    return new Promise(resolve => { worker.onmessage = e => resolve(e.data); worker.postMessage({ wasm, file, rounds, ahead }, [wasm, file]); });
  }, [rounds, !!process.env.BENCH_AHEAD]);
  await browser.close();
  server.close();
}

const [n, w] = [median(times(native)), median(times(wasm))];
console.log(`native:\n${native}wasm (node ${process.version}):\n${wasm}` + (chromium ? `wasm (Chromium worker):\n${chromium}` : '')
  + `${path.basename(file)}: native median ${n.toFixed(1)} ms, wasm in node median ${w.toFixed(1)} ms (${(n / w).toFixed(2)}× native)`
  + (chromium ? `, wasm in Chromium median ${median(times(chromium)).toFixed(1)} ms (${(n / median(times(chromium))).toFixed(2)}× native)` : ''));
