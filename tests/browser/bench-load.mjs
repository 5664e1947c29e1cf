// Benchmark (not a test): time to load a file in the browser through the real UI vs the native CLI.
// Usage: node tests/browser/bench-load.mjs [FILE]   (default: the largest corpus file)
// ENGINES=chromium,firefox measures each engine (default: the tests' engine, WHODUNNIT_BROWSER or
// Chromium) and DISTS=dirA:dirB several web builds (e.g. with and without a target feature; default
// dist/), all in the same run, their loads interleaved so machine load hits them alike.
// THEN=key:selector goes on after the summary: presses the view's key and waits for the selector
// (e.g. THEN='4:.lock-card' for the Goroutines view's first lock), timing drop → that; CLI='…'
// replaces the CLI's arguments before the file (default `analyze --json`; e.g. `goroutines --json`).
// HELPER=always: the page parses large audit logs on two workers even on two cores.
// The clock starts when the open page's worker is warm (`html[data-worker=warm]`, set by builds
// since 2026-12-04; WAIT=ready: as soon as it is up), as a user drops a file on a page open for a
// moment; page open → warm (or ready) is printed apart.
// It runs from the page's getting the file (the file input's `change` event; since 2026-12-05,
// before that from the driver's setInputFiles call, 15–35 ms earlier) to the awaited element
// entering the DOM (a MutationObserver in the page), not to the driver noticing. The worker's own time for the file (the file list's "· N ms") is printed beside it.
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { serve, launch, openApp, ROOT, CORPUS, DIST, ENGINE } from './harness.mjs';

const file = process.argv[2] ?? path.join(CORPUS, 'kubelet/windows-kubelet-klogfile-v1.17.log');
const dists = (process.env.DISTS ?? DIST).split(':').map(d => path.resolve(d));
const engines = (process.env.ENGINES ?? ENGINE).split(',');
const RUNS = Number(process.env.RUNS ?? 5);
const WAIT = process.env.WAIT ?? 'warm';
// HELPER=always opens the page with `?helper=always`: a helper worker even on two cores.
const PAGE_QUERY = process.env.HELPER === 'always' ? '?helper=always' : '';
/** Whether the page starts a helper worker (web/src/helper.rs: three cores or more, or asked). */
const wantsHelper = page => page.evaluate(q => navigator.hardwareConcurrency >= 3 || q !== '', PAGE_QUERY);
const median = xs => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const [thenKey, thenSel] = process.env.THEN ? [process.env.THEN.split(':')[0], process.env.THEN.split(':').slice(1).join(':')] : [];
const cliArgs = (process.env.CLI ?? 'analyze --json').split(' ').filter(Boolean);
const what = thenKey ? `drop → ${thenSel}` : 'drop → summary';

const servers = await Promise.all(dists.map(d => serve(d)));
const browsers = [];
for (const e of engines) browsers.push(await launch(e));
const cases = engines.flatMap((engine, b) => dists.map((dir, d) => ({ engine, dir, browser: browsers[b], url: servers[d].url, ms: [], ready: [], worker: [], driver: [] })));
for (let i = 0; i < RUNS; i++) {
  for (const c of cases) {
    const opened = Date.now();
    const { page } = await openApp(c.browser, c.url + PAGE_QUERY);
    // The page is open once its worker is up (its wasm compiled) and, by default, warm (it read
    // its warm-up samples: web/src/warm.rs): a user drops a file after that; the wait is timed
    // on its own. WAIT=ready drops as soon as the worker is up.
    await page.waitForSelector(`html[data-worker="${WAIT}"]`, { timeout: 60_000 });
    // And its helper (a second parsing worker for large audit logs, web/src/helper.rs), where
    // the build has one and the machine more than one core: builds before 2026-12-05 have none.
    if (await wantsHelper(page)) await page.waitForSelector('html[data-helper="ready"]', { timeout: 5_000 }).catch(() => {});
    c.ready.push(Date.now() - opened);
    // When the awaited element enters the DOM, by the page's clock (the machine's, as node's):
    // the driver notices it some 100–300 ms later, which is not the app's time.
    // And the clock starts when the page gets the file (the input's `change` event, which a
    // user's drop or pick fires at once): Playwright's setInputFiles takes 15–35 ms of protocol
    // round trips before that, the driver's time, printed apart.
    const seen = sel => page.evaluate(sel => {
      window.__seen = undefined;
      window.__picked = undefined;
      document.querySelector('#file-input').addEventListener('change', () => { window.__picked ??= Date.now(); }, { capture: true });
      const look = () => { if (window.__seen === undefined && document.querySelector(sel)) window.__seen = Date.now(); };
      new MutationObserver(look).observe(document.documentElement, { subtree: true, childList: true, attributes: true });
      look();
    }, sel);
    const summary = '.file-item .badge.ok, .file-item .badge.bad';
    await seen(thenKey ? thenSel : summary);
    const t0 = Date.now();
    await page.setInputFiles('#file-input', [file]);
    await page.waitForSelector(summary, { timeout: 600_000 });
    if (thenKey) {
      await page.keyboard.press(thenKey);
      await page.waitForSelector(thenSel, { timeout: 600_000 });
    }
    const [shown, picked] = await page.evaluate(() => [window.__seen, window.__picked]);
    c.ms.push((shown ?? Date.now()) - (picked ?? t0));
    if (picked !== undefined) c.driver.push(picked - t0);
    // The worker's own time for the file (from taking it to handing over its summary), as the
    // file list shows it: the rest of drop → summary is messages and rendering.
    const own = await page.evaluate(() => document.querySelector('.file-item')?.textContent.match(/· (\d+) ms( on \d+ workers)?/));
    if (own) c.worker.push(Number(own[1]));
    if (own?.[2]) c.workers = own[2].trim();
    await page.context().close();
  }
}
for (const b of browsers) await b.close();
for (const s of servers) s.server.close();

const bin = path.join(ROOT, 'target/release/whodunnit');
const native = [];
for (let i = 0; i < RUNS; i++) {
  const t0 = process.hrtime.bigint();
  execFileSync(bin, [...cliArgs, file], { stdio: 'ignore' });
  native.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
const n = median(native);
for (const c of cases) {
  const w = median(c.ms);
  console.log(`${path.basename(file)} [${c.dir}]: ${c.engine} (${what}) median ${w.toFixed(0)} ms `
    + `(runs ${c.ms.join(', ')}), CLI (${cliArgs.join(' ')}) median ${n.toFixed(1)} ms, ${c.engine} at ${(n / w).toFixed(2)}× native; `
    + `page open → worker ${WAIT} median ${median(c.ready).toFixed(0)} ms (not in the drop time)`
    + (c.worker.length ? `; in the worker median ${median(c.worker).toFixed(0)} ms${c.workers ? ` ${c.workers}` : ''}` : '')
    + (c.driver.length ? `; setInputFiles → change median ${median(c.driver).toFixed(0)} ms (the driver's, not in the drop time)` : ''));
}
