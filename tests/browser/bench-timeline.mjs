// Benchmark (not a test): the timeline bench in Chromium's wasm — the same workload and queries
// as `cargo run --release -p whodunnit-core --example bench_timeline` (crates/core/examples/
// timeline_common), built as a bare wasm module with the web build's profile and flags:
//   cargo build --profile wasm-release --target wasm32-unknown-unknown -p whodunnit-core \
//       --example bench_timeline_wasm
//   node tests/browser/bench-timeline.mjs [MILLIONS]   (default 10)
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, CORPUS } from './harness.mjs';
import { launchPlaywright } from './driver/chromium.mjs';

const millions = Number(process.argv[2] ?? 10);
const wasm = fs.readFileSync(path.join(ROOT,
  'target/wasm32-unknown-unknown/wasm-release/examples/bench_timeline_wasm.wasm'));
const dir = path.join(CORPUS, 'kubelet/sonobuoy-systemd-logs');
const files = fs.readdirSync(dir).filter(f => f.endsWith('.jsonl')).sort()
  .map(f => fs.readFileSync(path.join(dir, f)));

// Chromium only: Playwright's request routing serves everything from memory (no server, no file).
const browser = await launchPlaywright();
const page = await (await browser.newContext()).newPage();
await page.route('http://bench.invalid/**', route => {
  const name = new URL(route.request().url()).pathname.slice(1);
  if (name === 'bench.wasm') return route.fulfill({ body: wasm, contentType: 'application/wasm' });
  if (name.startsWith('f')) return route.fulfill({ body: files[Number(name.slice(1))] });
  return route.fulfill({ body: '<!doctype html><title>bench</title>', contentType: 'text/html' });
});
await page.goto('http://bench.invalid/');
const report = await page.evaluate(async ({ millions, n }) => {
  const bytes = await (await fetch('/bench.wasm')).arrayBuffer();
  const { instance } = await WebAssembly.instantiate(bytes, { bench: { now: () => performance.now() } });
  const e = instance.exports;
  for (let i = 0; i < n; i++) {
    const b = new Uint8Array(await (await fetch('/f' + i)).arrayBuffer());
    const p = e.buffer(b.length);
    new Uint8Array(e.memory.buffer, p, b.length).set(b);
  }
  const p = e.run(millions);
  const out = new TextDecoder().decode(new Uint8Array(e.memory.buffer, p, e.report_len()));
  return `${out}  wasm memory: ${(e.memory.buffer.byteLength / 1e6).toFixed(0)} MB\n`;
}, { millions, n: files.length });
await browser.close();
console.log(`Chromium (${(await import('node:child_process')).execFileSync(process.env.CHROMIUM ?? '/usr/bin/chromium', ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim()}), wasm:`);
process.stdout.write(report);
