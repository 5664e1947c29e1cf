// The driver layer itself (driver/), on its probe page: files picked, a folder picked through a
// `webkitdirectory` input (Firefox's WebDriver cannot hand over a directory: firefox-page.mjs
// does it through a helper input) and files dropped reach the page as they do for a user; clicks,
// keys and the wheel arrive as trusted events where they were aimed; console errors and requests
// are seen. The same expectations in both engines, so a test written once means the same in each.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import os from 'node:os';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { serve, launch, dragAndDrop, remoteRequests, ROOT } from './harness.mjs';

let srv, browser, dir;
before(async () => {
  srv = await serve(path.join(ROOT, 'tests/browser/driver'));
  browser = await launch();
  dir = await mkdtemp(path.join(os.tmpdir(), 'whodunnit-driver-'));
  await mkdir(path.join(dir, 'bundle/node-1'), { recursive: true });
  await writeFile(path.join(dir, 'bundle/audit.log'), 'A');
  await writeFile(path.join(dir, 'bundle/node-1/kubelet.log'), 'K');
  await writeFile(path.join(dir, 'bundle/node-1/goroutines.txt'), 'G');
});
after(async () => { await browser?.close(); srv?.server.close(); if (dir) await rm(dir, { recursive: true }); });

async function probe() {
  const opened = await browser.newPage();
  await opened.page.goto(`${srv.url}probe.html`);
  await opened.page.waitForSelector('#zone');
  return opened;
}

/** The probe's log once it has `n` lines, one array per line (its words). */
async function log(page, n) {
  await page.waitForFunction(n => document.getElementById('log').textContent.trim().split('\n').length >= n, n);
  return (await page.textContent('#log')).trim().split('\n').map(l => l.split(' '));
}
const sorted = ([head, ...rest]) => [head, ...rest.sort()];

test('picked files, a picked folder and dropped files reach the page as a user hands them over', async () => {
  const { page, errors } = await probe();
  const b = f => path.join(dir, 'bundle', f);
  await page.setInputFiles('#files', [b('audit.log'), b('node-1/kubelet.log')]);
  await log(page, 1);
  await page.setInputFiles('#folder', path.join(dir, 'bundle'));
  await log(page, 2);
  await dragAndDrop(page, [b('node-1/goroutines.txt'), b('audit.log')], '#zone');
  const lines = await log(page, 3);
  assert.deepEqual(lines.map(sorted), [
    ['files:', 'audit.log=A', 'kubelet.log=K'],
    ['folder:', 'bundle/audit.log=A', 'bundle/node-1/goroutines.txt=G', 'bundle/node-1/kubelet.log=K'],
    ['drop:', 'audit.log=A', 'goroutines.txt=G'],
  ]);
  // A failed load is an error in both engines (Chromium logs it; the Firefox driver adds it).
  assert.deepEqual(errors, ['probe: an error on the console', 'Failed to load resource: the server responded with a status of 404 (Not Found)']);
});

test('clicks, keys and the wheel are trusted events where they were aimed; requests are seen', async () => {
  const { page, requests } = await probe();
  await page.click('button:has-text("CLICK")');
  await page.keyboard.press('5');
  const zone = await page.locator('div', { hasText: 'drop here' }).boundingBox();
  await page.locator('#zone').hover({ position: { x: 10, y: 20 } });
  await page.mouse.wheel(0, -100);
  const [click, key, [wheel, up, at, xy, trusted]] = await log(page, 3);
  assert.deepEqual(click, ['click:', '80,315', 'true']);
  assert.deepEqual(key, ['key:', '5', 'true']);
  assert.deepEqual([wheel, up, at, trusted], ['wheel:', 'up', 'at', 'true']);
  // Within a pixel: layout is fractional, event coordinates are not (in Firefox).
  const [x, y] = xy.split(',').map(Number);
  assert.ok(Math.abs(x - (zone.x + 10)) <= 1 && Math.abs(y - (zone.y + 20)) <= 1, `${xy} vs ${zone.x + 10},${zone.y + 20}`);
  assert.ok(requests.includes(`${srv.url}missing.txt`), requests.join(' '));
  assert.deepEqual(remoteRequests(requests), []);
});
