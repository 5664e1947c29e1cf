// Offline reports: export from the app, open the file from disk with the network blocked, see
// the same views; the CLI's report shows the same; a report dropped back in re-opens; redaction.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import os from 'node:os';
import { gunzipSync } from 'node:zlib';
import { readFile, stat } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { serve, launch, openApp, dropFiles, screenshot, remoteRequests, needsCorpus, CORPUS, FIXTURES, DIST, ROOT } from './harness.mjs';

// Override to test a build elsewhere (WHODUNNIT_DIST) or another CLI binary (WHODUNNIT_BIN).
const dist = process.env.WHODUNNIT_DIST ?? DIST;
const BIN = process.env.WHODUNNIT_BIN ?? path.join(ROOT, 'target/release/whodunnit');

const FILES = [
  path.join(FIXTURES, 'audit/audit2rbac-demo-head.log'),
  path.join(FIXTURES, 'audit/openshift-clo-k8s.log'),
  path.join(CORPUS, 'goroutines/combinestacks_write-stacks-2.txt'),
  path.join(CORPUS, 'kubelet/sonobuoy-systemd-logs/results-0.10-ip-10-0-9-206.journal.jsonl'),
];
const TABS = ['Files', 'Timeline', 'API cost', 'Goroutines', 'Findings'];

let srv, browser;
before(async () => { srv = await serve(dist); browser = await launch(); });
after(async () => { await browser?.close(); srv?.server.close(); });

/** What the views show while a worker answer is pending (web/src/views); "waiting" alone is data. */
const PENDING = /Computing the timeline…|Computing API cost…|Looking for known incident patterns…|Grouping goroutines…|(reading|searching|comparing|waiting)…/;

/** The text of the main area once it stops changing; read times ("12 ms") vary between runs. */
async function settled(page) {
  let prev = null;
  for (let i = 0; i < 60; i++) {
    const t = (await page.innerText('main.main')).replace(/\d+ ms\b/g, 'N ms');
    if (t === prev && !PENDING.test(t)) return t;
    prev = t;
    await page.waitForTimeout(300);
  }
  return prev;
}

/** Every tab's text, keyed by tab label. */
async function allTabs(page, shotPrefix) {
  const out = {};
  for (const [i, tab] of TABS.entries()) {
    await page.click(`.tab:has-text("${tab}")`);
    await page.waitForSelector(`.tab.active:has-text("${tab}")`);
    out[tab] = await settled(page);
    if (shotPrefix) await screenshot(page, `${shotPrefix}-${i + 1}-${tab.toLowerCase().replace(/ /g, '-')}`);
  }
  await page.click('.tab:has-text("Files")');
  return out;
}

/** Run `change` once the dialog has built a report, and wait until it has built the next one. */
async function rebuiltAfter(page, change) {
  await page.waitForSelector('#export-size, #export-error', { timeout: 120_000 });
  const seq = Number(await page.getAttribute('#export-size', 'data-seq'));
  await change();
  await page.waitForFunction(s => Number(document.querySelector('#export-size')?.dataset.seq) > s, seq, { timeout: 120_000 });
}

/** Export through the dialog; returns the saved path and the size the dialog announced. */
async function exportReport(page, name, { redact = false, raw = [] } = {}) {
  await page.click('#share-report');
  await page.waitForSelector('.export-dialog');
  for (const f of raw) await rebuiltAfter(page, () => page.check(`.export-dialog label:has-text("${f}") input.export-raw`));
  if (redact) await rebuiltAfter(page, () => page.check('#export-redact'));
  await page.waitForSelector('#export-size, #export-error', { timeout: 120_000 });
  assert.equal(await page.$('#export-error'), null, await page.textContent('.export-dialog'));
  const announced = Number((await page.textContent('#export-size')).match(/\(([\d,]+) bytes\)/)[1].replace(/,/g, ''));
  await screenshot(page, `${name}-dialog`);
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#export-download')]);
  const file = path.join(os.tmpdir(), `${name}-${process.pid}.html`);
  await dl.saveAs(file);
  await page.click('.export-dialog button:has-text("Close")');
  return { file, announced };
}

/** Open a report from disk in a page where every non-file request fails and is recorded. */
async function openOffline(file) {
  const { page, requests, errors, blocked } = await browser.newPage({ offline: true });
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('#report-banner', { timeout: 60_000 });
  await page.waitForFunction(() => document.querySelectorAll('.file-item').length > 0
    && [...document.querySelectorAll('.file-item .badge')].every(b => !/queued|reading/.test(b.textContent)), null, { timeout: 60_000 });
  return { page, blocked, requests, errors };
}

/** The analysis state inside a report file, as JSON text. */
async function stateOf(file) {
  const html = await readFile(file, 'utf8');
  const m = html.match(/<script type="application\/x-whodunnit-report" id="whodunnit-state">([^<]*)<\/script>/);
  assert.ok(m, 'state element');
  return gunzipSync(Buffer.from(m[1], 'base64')).toString('utf8');
}

test('an exported report opens from disk offline and shows the same views; the CLI report too', needsCorpus(), async () => {
  const live = await openApp(browser, srv.url);
  await dropFiles(live.page, FILES);
  const liveTabs = await allTabs(live.page, 'report-live');
  assert.ok(/combinestacks_write-stacks-2\.txt/.test(liveTabs.Files), liveTabs.Files);

  const { file, announced } = await exportReport(live.page, 'report-app');
  const size = (await stat(file)).size;
  assert.equal(size, announced, 'the dialog announced the exact size');
  console.log(`app report of ${FILES.length} files: ${size} bytes`);
  assert.deepEqual(remoteRequests(live.requests), [], 'the live app stayed on 127.0.0.1');

  const off = await openOffline(file);
  const banner = await off.page.textContent('#report-banner');
  assert.match(banner, /Offline report/);
  assert.match(banner, /by whodunnit \d+\.\d+\.\d+ \(report schema 1\)/);
  assert.match(banner, new RegExp(`from ${FILES.length} files`));
  assert.match(banner, /not redacted/);
  const reportTabs = await allTabs(off.page, 'report-offline');
  for (const tab of TABS) assert.equal(reportTabs[tab], liveTabs[tab], `${tab} differs in the report`);
  assert.deepEqual(off.blocked, [], 'the report tried to reach the network');
  assert.deepEqual(off.requests.filter(u => !/^(file:|blob:|data:)/.test(u)), []);
  assert.deepEqual(off.errors, [], 'page errors in the report');

  // The CLI's report of the same inputs shows the same views.
  execFileSync(BIN, ['report', ...FILES, '-o', `${file}.cli.html`], { stdio: 'pipe' });
  const cliOff = await openOffline(`${file}.cli.html`);
  const cliTabs = await allTabs(cliOff.page);
  for (const tab of TABS) assert.equal(cliTabs[tab], liveTabs[tab], `${tab} differs in the CLI report`);
  assert.deepEqual(cliOff.blocked, []);

  // A report dropped back into the app re-opens its analysis.
  const again = await openApp(browser, srv.url);
  await dropFiles(again.page, [file]);
  await again.page.waitForSelector('#report-banner');
  await again.page.waitForFunction(n => document.querySelectorAll('.file-item').length === n, FILES.length);
  const againTabs = await allTabs(again.page);
  for (const tab of TABS) assert.equal(againTabs[tab], liveTabs[tab], `${tab} differs after re-opening`);

  // The report can export itself again (assets come from the page, not from a server).
  const re = await exportReport(off.page, 'report-reexport');
  assert.ok(re.announced > 0.8 * size && re.announced < 1.2 * size, `${re.announced} vs ${size}`);
});

test('a redacted export holds no username, IP or node name of the inputs', needsCorpus(), async () => {
  const live = await openApp(browser, srv.url);
  await dropFiles(live.page, FILES);
  const { file } = await exportReport(live.page, 'report-redacted', { redact: true });
  const state = await stateOf(file);
  const secrets = new Set();
  for (const f of FILES) {
    const text = await readFile(f, 'utf8');
    for (const line of text.split('\n')) {
      let v; try { v = JSON.parse(line); } catch { continue; }
      const u = v.user?.username;
      if (u && !u.startsWith('system:')) secrets.add(u);
      for (const ip of v.sourceIPs ?? []) secrets.add(ip);
      if (v._HOSTNAME) secrets.add(v._HOSTNAME);
    }
  }
  assert.ok(secrets.size >= 4, [...secrets].join(' '));
  for (const s of secrets) assert.ok(!state.includes(s), `${s} survived redaction`);
  const off = await openOffline(file);
  assert.match(await off.page.textContent('#report-banner'), /redacted \(pseudonyms\)/);
  await screenshot(off.page, 'report-redacted-files');
});

/** Click every "raw" button of the API cost view's slowest requests; their texts in order. */
async function costRaws(page) {
  await page.click('.tab:has-text("API cost")');
  await page.waitForSelector('button.link:has-text("raw")', { timeout: 30_000 });
  const n = await page.locator('button.link:has-text("raw")').count();
  const out = [];
  for (let i = 0; i < n; i++) {
    await page.locator('button.link:has-text("raw")').nth(i).click();
    await page.waitForFunction(() => { const r = document.querySelector('div.raw'); return r && r.textContent !== 'reading…'; });
    out.push(await page.textContent('div.raw'));
  }
  return out;
}

test('raw lines travel only for opted-in files; the others say they were not included', needsCorpus(), async () => {
  const live = await openApp(browser, srv.url);
  await dropFiles(live.page, FILES);
  const liveRaws = await costRaws(live.page);
  const { file } = await exportReport(live.page, 'report-raw', { raw: ['audit2rbac-demo-head.log'] });
  const off = await openOffline(file);
  assert.match(await off.page.textContent('#report-banner'), /raw lines included for 1 of 4 files/);
  const raws = await costRaws(off.page);
  assert.equal(raws.length, liveRaws.length);
  let same = 0, missing = 0;
  for (const [i, r] of raws.entries()) {
    if (/was not included in this report/.test(r)) { missing++; continue; }
    assert.equal(r, liveRaws[i], `raw text of row ${i}`);
    assert.match(r, /"auditID"/);
    same++;
  }
  assert.ok(same > 0 && missing > 0, `${same} rows with raw text, ${missing} without`);
  await screenshot(off.page, 'report-raw-cost');
  assert.deepEqual(off.blocked, []);
});
