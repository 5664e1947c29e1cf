// The analysis views on real files (the corpus read in place, tests/fixtures/audit): what the
// browser shows equals what the CLI says.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { serve, launch, openApp, dropFiles, screenshot, cli, needsCorpus, CORPUS, FIXTURES, ROOT } from './harness.mjs';

let srv, browser;
before(async () => { srv = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); srv?.server.close(); });

const fx = p => path.join(FIXTURES, p);
const co = p => path.join(CORPUS, p);
const DUMP = co('goroutines/combinestacks_write-stacks-2.txt');
const JOURNALS = [co('kubelet/sonobuoy-systemd-logs/results-0.10-ip-10-0-9-206.journal.jsonl'),
  co('kubelet/sonobuoy-systemd-logs/results-0.10-ip-10-0-26-239.journal.jsonl')];
const AUDIT = [fx('audit/audit2rbac-demo-head.log'), fx('audit/openshift-clo-crc.log.gz')];

test('Goroutines: the 150-waiter lock pile-up and its likely holder, as the CLI finds them', needsCorpus(), async () => {
  const { page, errors } = await openApp(browser, srv.url);
  await dropFiles(page, [DUMP]);
  await page.keyboard.press('4');
  await page.waitForSelector('.lock-card');
  const title = await page.textContent('.lock-card h3');
  const report = cli(['goroutines', DUMP]);
  const lock = report.lock_groups[0];
  assert.equal(lock.waiters, 150);
  assert.equal(lock.address, '0xc000192068');
  assert.equal(title.trim(), lock.summary);
  const holder = await page.textContent('.lock-card .holder.top');
  assert.match(holder, new RegExp(`goroutine ${lock.holders[0].goroutine}\\b`));
  await screenshot(page, 'goroutines-lock-contention');
  assert.deepEqual(errors, []);
});

test('Goroutines: 30 dumps of one process draw 25 lock cards, then all 30 on request, as many as the CLI finds', needsCorpus(), async () => {
  // Generated at test time (never committed): the same dump taken 30 times, one pile-up each.
  const dir = path.join(ROOT, 'target/browser-generated');
  await mkdir(dir, { recursive: true });
  const one = await readFile(DUMP);
  const file = path.join(dir, 'thirty-dumps.txt');
  await writeFile(file, Buffer.concat(Array.from({ length: 30 }, () => Buffer.concat([one, Buffer.from('\n\n')]))));
  const locks = cli(['goroutines', file]).lock_groups;
  assert.equal(locks.length, 30);
  const { page, errors } = await openApp(browser, srv.url);
  await dropFiles(page, [file]);
  await page.keyboard.press('4');
  await page.waitForSelector('.lock-card');
  assert.equal(await page.locator('.lock-card').count(), 25);
  assert.match(await page.textContent('.goroutines-view'), /Showing the first 25 of 30 lock pile-ups/);
  await page.evaluate(() => document.getElementById('show-all-locks').scrollIntoView({ block: 'center' }));
  await screenshot(page, 'goroutines-thirty-dumps');
  await page.click('#show-all-locks');
  await page.waitForFunction(() => document.querySelectorAll('.lock-card').length === 30);
  assert.equal(await page.locator('#show-all-locks').count(), 0);
  const titles = await page.$$eval('.lock-card h3', hs => hs.map(h => h.textContent.trim()));
  assert.deepEqual(titles, locks.map(l => l.summary));
  assert.deepEqual(errors, []);
});

test('Timeline: two node logs and a dump on one axis; zoom, click an event, read its raw line', needsCorpus(), async () => {
  const { page, errors } = await openApp(browser, srv.url);
  await dropFiles(page, [...JOURNALS, DUMP]);
  await page.keyboard.press('2');
  await page.waitForSelector('canvas.lanes');
  const rows = (await page.getAttribute('canvas.lanes', 'data-rows')).split('\n');
  assert.ok(rows.includes('ip-10-0-9-206') && rows.includes('ip-10-0-26-239'), rows.join(','));
  await screenshot(page, 'timeline-overview');
  // Show only PLEG events, zoom to the first one, and click it on the canvas.
  await page.locator('.kinds-table button', { hasText: 'pleg_unhealthy' }).click();
  const first = page.locator('tr.event-row').first();
  await first.waitFor();
  const t = Number(await first.getAttribute('data-time'));
  const laneName = await first.getAttribute('data-lane');
  await page.evaluate(() => window.scrollTo(0, 0));
  const canvas = page.locator('canvas.lanes');
  const attr = async a => canvas.getAttribute(a);
  // Zoom in around the event: 6 steps of the wheel over its position.
  for (let step = 0; step < 6; step++) {
    const [wa, wb] = (await attr('data-window')).split(',').map(Number);
    const labelW = Number(await attr('data-label-width'));
    const box = await canvas.boundingBox();
    const x = labelW + (t - wa) / (wb - wa) * (box.width - labelW);
    await canvas.hover({ position: { x, y: 10 } });
    await page.mouse.wheel(0, -200);
    await page.waitForTimeout(250);
  }
  const [wa, wb] = (await attr('data-window')).split(',').map(Number);
  assert.ok(wa <= t && t < wb, 'the event stays in the zoomed window');
  const labelW = Number(await attr('data-label-width'));
  const [axisH, rowH] = [Number(await attr('data-axis-height')), Number(await attr('data-row-height'))];
  const names = (await attr('data-rows')).split('\n');
  const row = names.indexOf(laneName);
  assert.ok(row >= 0, `lane ${laneName} drawn`);
  const box = await canvas.boundingBox();
  const x = labelW + (t - wa) / (wb - wa) * (box.width - labelW);
  await canvas.click({ position: { x, y: axisH + row * rowH + rowH / 2 } });
  await page.waitForSelector('#raw-text');
  await page.waitForFunction(() => !/reading/.test(document.querySelector('#raw-text')?.textContent ?? 'reading'));
  const raw = await page.textContent('#raw-text');
  assert.match(raw, /PLEG is not healthy/);
  await screenshot(page, 'timeline-event-raw');
  assert.deepEqual(errors, []);
});

test('API cost: the top user and its share equal the CLI', async () => {
  const { page, errors } = await openApp(browser, srv.url);
  await dropFiles(page, AUDIT);
  await page.keyboard.press('3');
  await page.waitForSelector('.cost-row');
  const key = await page.getAttribute('.cost-row', 'data-key');
  const share = (await page.textContent('.cost-row .share-text')).trim();
  const report = cli(['audit', ...AUDIT]);
  assert.equal(key, report.rows[0].key);
  assert.equal(share, report.rows[0].share_text);
  // 24 requests over four years: the chart shows query time, not 0.00000002 in flight.
  assert.match(await page.textContent('.chart-head b'),
    /^Query time per \S+ \(fewer than 0\.01 requests in flight on average\)$/);
  await screenshot(page, 'api-cost');
  assert.deepEqual(errors, []);
});

test('Findings: the same findings as the CLI, marked on the timeline; evidence opens its view', needsCorpus(), async () => {
  const { page, errors } = await openApp(browser, srv.url);
  await dropFiles(page, [...JOURNALS, DUMP]);
  await page.keyboard.press('5');
  await page.waitForSelector('.finding');
  const titles = await page.$$eval('.finding h3', hs => hs.map(h => h.textContent));
  const report = cli(['findings', ...JOURNALS, DUMP]);
  assert.equal(titles.length, report.findings.length);
  for (const f of report.findings) assert.ok(titles.some(t => t.includes(f.title)), f.title);
  await screenshot(page, 'findings');
  await page.locator('.finding button:has-text("open lock")').first().click();
  await page.waitForSelector('.tab.active:has-text("Goroutines")');
  await page.keyboard.press('5');
  await page.locator('.finding button:has-text("show on timeline")').first().click();
  await page.waitForSelector('.tab.active:has-text("Timeline")');
  // The timeline asks for the findings itself: their row appears when the answer arrives.
  await page.waitForFunction(() => document.querySelector('canvas.lanes')?.dataset.rows?.split('\n')[0] === 'findings');
  await screenshot(page, 'timeline-findings');
  assert.deepEqual(errors, []);
});
