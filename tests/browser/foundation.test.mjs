// Foundation: drop real corpus files, the Files view shows the CLI's record counts, nothing
// leaves 127.0.0.1, and an unknown file is explained; the bundled samples (web/samples, the
// CC0 recordings) load and show what the CLI finds in the same files.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import os from 'node:os';
import { readFile, writeFile } from 'node:fs/promises';
import { serve, launch, openApp, dropFiles, dragAndDrop, filesRead, screenshot, cli, remoteRequests, needsCorpus, CORPUS, FIXTURES, ROOT } from './harness.mjs';
import { gzipSync } from 'node:zlib';

let srv, browser;
before(async () => { srv = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); srv?.server.close(); });

// Real files from the corpus (read in place; see the SOURCES.md there) and tests/fixtures. The
// corpus holds the Windows kubelet log plain: a gzipped copy is written to the temp dir at test
// time, which also exercises transparent decompression in the browser.
const WINDOWS = path.join(CORPUS, 'kubelet/windows-kubelet-klogfile-v1.17.log');
const WINDOWS_GZ = path.join(os.tmpdir(), 'windows-kubelet-klogfile-v1.17.log.gz');
const FILES = [
  WINDOWS_GZ,
  path.join(CORPUS, 'goroutines/combinestacks_write-stacks-2.txt'),
  path.join(CORPUS, 'kubelet/sonobuoy-systemd-logs/results-0.10-ip-10-0-9-206.journal.jsonl'),
  path.join(FIXTURES, 'audit/audit2rbac-demo-head.log'),
];

/** The bundled sample set `set` of web/samples/index.json, as paths. */
async function sampleSet(set) {
  const dir = path.join(ROOT, 'web/samples');
  const index = JSON.parse(await readFile(path.join(dir, 'index.json'), 'utf8'));
  return index[set].files.map(f => path.join(dir, f));
}

/** Load sample set `set` with its button; wait until every file is read. */
async function loadSamples(page, button, n) {
  await page.click(button);
  await filesRead(page, n, { exactly: true });
}

/** File name → records, as the Files view shows them. */
async function shownRecords(page) {
  return page.$$eval('tr[data-file]', rows => Object.fromEntries(rows.map(r =>
    [r.dataset.file, Number(r.querySelector('.records').textContent.replace(/,/g, ''))])));
}

const cliRecords = files => Object.fromEntries(cli(['analyze', ...files]).map(s => [path.basename(s.name), s.records]));

test('dropped files show the same record counts as the CLI, and nothing leaves 127.0.0.1', needsCorpus(), async () => {
  await writeFile(WINDOWS_GZ, gzipSync(await readFile(WINDOWS)));
  const { page, requests, errors } = await openApp(browser, srv.url);
  await screenshot(page, 'empty-state');
  await dropFiles(page, FILES);
  assert.deepEqual(await shownRecords(page), cliRecords(FILES));
  await screenshot(page, 'files-view');
  assert.deepEqual(remoteRequests(requests), [], 'requests left 127.0.0.1');
  assert.deepEqual(errors, [], 'page errors');
});

test('files dragged onto the drop card are read as picked ones: the CLI\'s record counts', async () => {
  const { page, requests, errors } = await openApp(browser, srv.url);
  const files = ['audit/audit2rbac-demo-head.log', 'audit/openshift-clo-crc.log.gz'].map(f => path.join(FIXTURES, f));
  await dragAndDrop(page, files, '.drop-card');
  await filesRead(page, files.length);
  assert.deepEqual(await shownRecords(page), cliRecords(files));
  assert.deepEqual(remoteRequests(requests), []);
  assert.deepEqual(errors, [], 'page errors');
});

test('the worker warms its parsers while the page waits; files read then give the CLI\'s counts', async () => {
  const { page, requests, errors } = await openApp(browser, srv.url);
  await page.waitForSelector('html[data-worker="warm"]', { timeout: 60_000 });
  const files = ['audit/audit2rbac-demo-head.log', 'audit/openshift-clo-crc.log.gz'].map(f => path.join(FIXTURES, f));
  await dropFiles(page, files);
  assert.deepEqual(await shownRecords(page), cliRecords(files));
  assert.deepEqual(remoteRequests(requests), []);
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

test('the real-files sample loads from the bundled recordings with the CLI\'s record counts', async () => {
  const { page, requests, errors } = await openApp(browser, srv.url);
  const files = await sampleSet('real');
  await loadSamples(page, '#load-sample', files.length);
  assert.equal(await page.$$eval('.file-item .badge.ok', b => b.length), files.length);
  assert.deepEqual(await shownRecords(page), cliRecords(files));
  await screenshot(page, 'sample-incident');
  assert.deepEqual(remoteRequests(requests), []);
  assert.deepEqual(errors, [], 'page errors');
});

test('the seed incidents sample: the recordings load and show the CLI\'s findings within seconds', async () => {
  const { page, requests } = await openApp(browser, srv.url);
  const files = await sampleSet('seeds');
  const t0 = Date.now();
  await loadSamples(page, '#load-scenarios', files.length);
  assert.equal(await page.$$eval('.file-item .badge.ok', b => b.length), files.length);
  assert.deepEqual(await shownRecords(page), cliRecords(files));
  await page.keyboard.press('5');
  await page.waitForSelector('.finding');
  const detectors = await page.$$eval('.finding', fs => fs.map(f => f.dataset.detector));
  const seconds = (Date.now() - t0) / 1000;
  console.log(`seed incidents: ${detectors.length} findings in ${seconds.toFixed(1)} s: ${detectors.join(', ')}`);
  const expected = cli(['findings', ...files]).findings.map(f => f.detector);
  assert.ok(expected.length > 0, 'the CLI finds something in the seed incidents');
  assert.deepEqual([...detectors].sort(), [...expected].sort());
  await screenshot(page, 'seed-incidents-findings');
  assert.deepEqual(remoteRequests(requests), []);
});

test('a 200 MB file loads while the page stays responsive, and can be cancelled', needsCorpus(), async () => {
  const wf = writeFile;
  const big = path.join(os.tmpdir(), 'whodunnit-200mb-kubelet.log');
  const unit = await readFile(WINDOWS);
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
