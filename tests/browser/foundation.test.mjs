// Foundation: drop real corpus files, the Files view shows the CLI's record counts, nothing
// leaves 127.0.0.1, and an unknown file is explained.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { serve, launch, openApp, dropFiles, screenshot, cli, remoteRequests, CORPUS } from './harness.mjs';

let srv, browser;
before(async () => { srv = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); srv?.server.close(); });

const FILES = [
  path.join(CORPUS, 'kubelet/windows-kubelet-klogfile-v1.17.log'),
  path.join(CORPUS, 'goroutines/combinestacks_write-stacks-2.txt'),
  path.join(CORPUS, 'kubelet/sonobuoy-systemd-logs/results-0.10-ip-10-0-9-206.journal.jsonl'),
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
  await page.waitForFunction(() => document.querySelectorAll('.file-item .badge.ok').length === 2, null, { timeout: 60_000 });
  assert.deepEqual(remoteRequests(requests), []);
});
