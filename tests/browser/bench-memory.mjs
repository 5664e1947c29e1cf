// Benchmark (not a test): Chromium's memory while a file loads through the real UI.
// Usage: node tests/browser/bench-memory.mjs FILE [FILE...]
// Prints, per file: the peak of all Chromium processes' proportional set size (PSS, from
// /proc/PID/smaps_rollup, sampled every 100 ms) above the same page idle before the drop, and
// the worker's wasm memory (the high-water mark: wasm memory never shrinks) when the build
// reports it (`self.whodunnitWasmBytes`, set by the worker after each file), each also as a
// fraction of the file's size. DIST=dir measures another web build.
import path from 'node:path';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { serve, launch, openApp } from './harness.mjs';

const files = process.argv.slice(2);
if (!files.length) {
  console.error('usage: node tests/browser/bench-memory.mjs FILE [FILE...]');
  process.exit(2);
}
// HELPER=always: a helper worker even on two cores (web/src/helper.rs).
const PAGE_QUERY = process.env.HELPER === 'always' ? '?helper=always' : '';
const dist = path.resolve(process.env.DIST ?? path.join(path.dirname(new URL(import.meta.url).pathname), '../../dist'));

/** Every process below `root` (this node process: the browser and all its children). */
function descendants(root) {
  const kids = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!kids.has(ppid)) kids.set(ppid, []);
      kids.get(ppid).push(Number(d));
    } catch { /* gone */ }
  }
  const out = [];
  const todo = [...(kids.get(root) ?? [])];
  while (todo.length) {
    const p = todo.pop();
    out.push(p);
    todo.push(...(kids.get(p) ?? []));
  }
  return out;
}

/** Sum of PSS (bytes) of the browser's processes. */
function chromiumPss() {
  let kb = 0;
  for (const p of descendants(process.pid)) {
    try {
      const m = readFileSync(`/proc/${p}/smaps_rollup`, 'utf8').match(/^Pss:\s+(\d+)/m);
      if (m) kb += Number(m[1]);
    } catch { /* gone */ }
  }
  return kb * 1024;
}

const MB = x => (x / 1e6).toFixed(0);
const { server, url } = await serve(dist);
const browser = await launch();
for (const file of files) {
  const size = statSync(file).size;
  const { page } = await openApp(browser, url + PAGE_QUERY);
  await page.waitForTimeout(1500);
  // Builds since 2026-12-05 parse a large audit log on two workers once the second is up.
  if (await page.evaluate(q => navigator.hardwareConcurrency >= 3 || q !== '', PAGE_QUERY)) {
    await page.waitForSelector('html[data-helper="ready"]', { timeout: 5_000 }).catch(() => {});
  }
  const idle = chromiumPss();
  let peak = idle;
  const timer = setInterval(() => { peak = Math.max(peak, chromiumPss()); }, 100);
  const t0 = Date.now();
  await page.setInputFiles('#file-input', [file]);
  await page.waitForSelector('.file-item .badge.ok, .file-item .badge.bad', { timeout: 1_800_000 });
  const ms = Date.now() - t0;
  await page.waitForTimeout(500);
  clearInterval(timer);
  peak = Math.max(peak, chromiumPss());
  let wasm = null, helper = null;
  for (const w of page.workers()) {
    const v = await w.evaluate(() => self.whodunnitWasmBytes ?? null).catch(() => null);
    if (v) wasm = Math.max(wasm ?? 0, v);
    // The helper's high-water mark, as it reported it after its part (web/src/helper.rs).
    const h = await w.evaluate(() => self.whodunnitHelperWasmBytes ?? null).catch(() => null);
    if (h) helper = Math.max(helper ?? 0, h);
  }
  const above = peak - idle;
  console.log(`${path.basename(file)} (${MB(size)} MB): loaded in ${ms} ms; Chromium PSS idle ${MB(idle)} MB, `
    + `peak ${MB(peak)} MB, +${MB(above)} MB above idle = ${(above / size).toFixed(2)}× the file; `
    + (wasm ? `worker wasm memory ${MB(wasm)} MB = ${(wasm / size).toFixed(2)}× the file`
      : 'worker wasm memory not reported by this build')
    + (helper ? `; its helper's ${MB(helper)} MB (both ${(((wasm ?? 0) + helper) / size).toFixed(2)}× the file)` : ''));
  await page.context().close();
}
await browser.close();
server.close();
