// Benchmark (not a test): time to load a file in Chromium through the real UI vs the native CLI.
// Usage: node tests/browser/bench-load.mjs [FILE]   (default: the largest corpus file)
// DISTS=dirA:dirB compares several web builds (e.g. with and without a target feature) in the
// same run, their loads interleaved so machine load hits them alike; default: dist/.
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { serve, launch, openApp, ROOT, CORPUS, DIST } from './harness.mjs';

const file = process.argv[2] ?? path.join(CORPUS, 'kubelet/windows-kubelet-klogfile-v1.17.log');
const dists = (process.env.DISTS ?? DIST).split(':').map(d => path.resolve(d));
const RUNS = Number(process.env.RUNS ?? 5);
const median = xs => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const servers = await Promise.all(dists.map(d => serve(d)));
const browser = await launch();
const web = dists.map(() => []);
for (let i = 0; i < RUNS; i++) {
  for (const [d, srv] of servers.entries()) {
    const { page } = await openApp(browser, srv.url);
    const t0 = Date.now();
    await page.setInputFiles('#file-input', [file]);
    await page.waitForSelector('.file-item .badge.ok, .file-item .badge.bad', { timeout: 600_000 });
    web[d].push(Date.now() - t0);
    await page.context().close();
  }
}
await browser.close();
for (const s of servers) s.server.close();

const bin = path.join(ROOT, 'target/release/whodunnit');
const native = [];
for (let i = 0; i < RUNS; i++) {
  const t0 = process.hrtime.bigint();
  execFileSync(bin, ['analyze', file, '--json'], { stdio: 'ignore' });
  native.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
const n = median(native);
for (const [d, dir] of dists.entries()) {
  const w = median(web[d]);
  console.log(`${path.basename(file)} [${dir}]: Chromium (drop → summary) median ${w.toFixed(0)} ms `
    + `(runs ${web[d].join(', ')}), CLI median ${n.toFixed(1)} ms, Chromium at ${(n / w).toFixed(2)}× native`);
}
