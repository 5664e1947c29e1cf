// Benchmark (not a test): time to load a file in Chromium through the real UI vs the native CLI.
// Usage: node tests/browser/bench-load.mjs [FILE]   (default: the largest corpus file)
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { serve, launch, openApp, ROOT, CORPUS } from './harness.mjs';

const file = process.argv[2] ?? path.join(CORPUS, 'kubelet/windows-kubelet-klogfile-v1.17.log');
const RUNS = 5;
const median = xs => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const srv = await serve();
const browser = await launch();
const web = [];
for (let i = 0; i < RUNS; i++) {
  const { page } = await openApp(browser, srv.url);
  const t0 = Date.now();
  await page.setInputFiles('#file-input', [file]);
  await page.waitForSelector('.file-item .badge.ok, .file-item .badge.bad', { timeout: 600_000 });
  web.push(Date.now() - t0);
  // The worker's own reading time, as the sidebar shows it.
  await page.context().close();
}
await browser.close(); srv.server.close();

const bin = path.join(ROOT, 'target/release/whodunnit');
const native = [];
for (let i = 0; i < RUNS; i++) {
  const t0 = process.hrtime.bigint();
  execFileSync(bin, ['analyze', file, '--json'], { stdio: 'ignore' });
  native.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
const w = median(web), n = median(native);
console.log(`${path.basename(file)}: Chromium (drop → summary) median ${w.toFixed(0)} ms, CLI median ${n.toFixed(1)} ms, ratio ${(w / n).toFixed(1)}×`);
