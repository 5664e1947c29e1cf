// Foundation: drop real corpus files, the Files view shows the CLI's record counts, nothing
// leaves 127.0.0.1, and an unknown file is explained.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { serve, launch, openApp, dropFiles, screenshot, cli, remoteRequests, FIXTURES } from './harness.mjs';
import { gunzipSync } from 'node:zlib';

let srv, browser;
before(async () => { srv = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); srv?.server.close(); });

// Real files from tests/fixtures (see the SOURCES.md beside them); the kubelet log is gzipped
// there, which also exercises transparent decompression in the browser.
const FILES = [
  path.join(FIXTURES, 'kubelet/windows-kubelet-klogfile-v1.17.log.gz'),
  path.join(FIXTURES, 'goroutines/combinestacks_write-stacks-2.txt'),
  path.join(FIXTURES, 'kubelet/sonobuoy-systemd-logs/results-0.10-ip-10-0-9-206.journal.jsonl.gz'),
  path.join(FIXTURES, 'audit/audit2rbac-demo-head.log'),
];

test('dropped files show the same record counts as the CLI, and nothing leaves 127.0.0.1', async () => {
  const { page, requests, errors } = await openApp(browser, srv.url);
  await screenshot(page, 'empty-state');
  await dropFiles(page, FILES);
  const shown = await page.$$eval('tr[data-file]', rows => Object.fromEntries(rows.map(r =>
    [r.dataset.file, Number(r.querySelector('.records').textContent.replace(/,/g, ''))])));
  const expected = Object.fromEntries(cli(['analyze', ...FILES]).map(s => [path.basename(s.name), s.records]));
  assert.deepEqual(shown, expected);
  await screenshot(page, 'files-view');
  assert.deepEqual(remoteRequests(requests), [], 'requests left 127.0.0.1');
  assert.deepEqual(errors, [], 'page errors');
});

test('an unrecognized file gets a clear message listing the formats we read', async () => {
  const { page } = await openApp(browser, srv.url);
  const junk = path.join(os.tmpdir(), 'not-a-log.bin');
  await writeFile(junk, 'hello\nthis is not a log\n');
  await dropFiles(page, [junk]);
  const text = await page.textContent('.diag-block');
  assert.match(text, /not-a-log\.bin: unknown format: not a format whodunnit reads; all 2 lines skipped/);
  assert.match(text, /goroutine dumps/);
});

test('the sample incident loads from the bundled files', async () => {
  const { page, requests } = await openApp(browser, srv.url);
  await page.click('#load-sample');
  await page.waitForFunction(() => document.querySelectorAll('.file-item .badge.ok').length === 3, null, { timeout: 60_000 });
  await screenshot(page, 'sample-incident');
  assert.deepEqual(remoteRequests(requests), []);
});

test('the seed incidents sample: all three incidents are found within seconds', async () => {
  const { page, requests } = await openApp(browser, srv.url);
  const t0 = Date.now();
  await page.click('#load-scenarios');
  await page.waitForFunction(() => document.querySelectorAll('.file-item .badge.ok').length === 5, null, { timeout: 60_000 });
  await page.keyboard.press('5');
  await page.waitForSelector('.finding');
  const detectors = await page.$$eval('.finding', fs => fs.map(f => f.dataset.detector));
  const seconds = (Date.now() - t0) / 1000;
  console.log(`seed incidents: ${detectors.length} findings in ${seconds.toFixed(1)} s: ${detectors.join(', ')}`);
  for (const d of ['runtime_hang', 'stalled_namespace_deletion', 'list_storm']) assert.ok(detectors.includes(d), d);
  await screenshot(page, 'seed-incidents-findings');
  assert.deepEqual(remoteRequests(requests), []);
});

test('a 200 MB file loads while the page stays responsive, and can be cancelled', async () => {
  const { writeFile: wf, readFile } = await import('node:fs/promises');
  const big = path.join(os.tmpdir(), 'whodunnit-200mb-kubelet.log');
  const unit = gunzipSync(await readFile(path.join(FIXTURES, 'kubelet/windows-kubelet-klogfile-v1.17.log.gz')));
  const copies = Math.ceil(200e6 / unit.length);
  await wf(big, Buffer.concat(Array(copies).fill(unit)));

  const { page } = await openApp(browser, srv.url);
  // Measure the longest gap between animation frames while the worker reads the file.
  await page.evaluate(() => {
    window.__gaps = []; let last = performance.now();
    const tick = t => { window.__gaps.push(t - last); last = t; if (!window.__stop) requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  });
  await page.setInputFiles('#file-input', [big]);
  await page.waitForSelector('.file-item .progress .bar');
  // The UI answers while reading: switch tabs and back.
  const t0 = Date.now();
  await page.keyboard.press('2');
  await page.waitForSelector('.tab.active:has-text("Timeline")');
  await page.keyboard.press('1');
  const tabSwitchMs = Date.now() - t0;
  await page.waitForFunction(() => [...document.querySelectorAll('.file-item .badge')].every(b => !/queued|reading/.test(b.textContent)),
    null, { timeout: 240_000 });
  const gaps = await page.evaluate(() => { window.__stop = true; return window.__gaps; });
  const worst = Math.max(...gaps);
  console.log(`200 MB: ${gaps.length} frames, worst frame gap ${worst.toFixed(0)} ms, tab switch ${tabSwitchMs} ms`);
  assert.ok(worst < 250, `main thread blocked for ${worst} ms`);
  assert.ok(tabSwitchMs < 1000, `tab switch took ${tabSwitchMs} ms`);

  // Cancel: a second copy is stopped mid-way and says so.
  await page.setInputFiles('#file-input', [big]);
  await page.waitForFunction(() => /reading/.test(document.querySelector('.file-item:last-child .badge')?.textContent));
  await page.click('.file-item:last-child button.link');
  await page.waitForFunction(() => /cancelled/.test(document.querySelector('.file-item:last-child .badge')?.textContent), null, { timeout: 30_000 });
});
