// Bundles in the browser: archives and folders in real tools' layouts (generated at test time
// from corpus files by crates/testdata, into target/bundles/) are listed member by member under
// their bundle, with the CLI's counts; a member's raw line opens from the timeline, re-read out
// of the archive.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { serve, launch, openApp, dropFiles, screenshot, cli, needsCorpus, ROOT } from './harness.mjs';

let srv, browser, BUNDLES;
before(async () => {
  srv = await serve();
  browser = await launch();
  // The generator writes target/bundles/ (once; unchanged files are not rewritten).
  const out = execFileSync('cargo', ['run', '-q', '--locked', '-p', 'whodunnit-testdata', '--example', 'write_bundles'],
    { cwd: ROOT, encoding: 'utf8' }).trim();
  BUNDLES = out || null;
});
after(async () => { await browser?.close(); srv?.server.close(); });

const EKS = 'eks_i-0a1b2c3d4e5f60718_2026-11-30_0400-UTC_0.7.8.tar.gz';

/** Member path → counts, as `whodunnit analyze --json` gives them. */
function cliMembers(given) {
  return Object.fromEntries(cli(['analyze', given]).map(s => [s.member,
    s.not_read ? { not_read: s.not_read } : { records: s.records, events: s.events, skipped: s.skipped_lines }]));
}

/** The same from the Files view (rows named `bundle › member`). */
async function shownMembers(page, bundle) {
  await page.keyboard.press('1');
  await page.waitForSelector('tr[data-file]');
  const rows = await page.$$eval('tr[data-file]', rs => rs.map(r => ({
    name: r.dataset.file,
    notRead: r.classList.contains('not-read') ? r.textContent.replace(/^.*?not read: /, '') : null,
    records: r.querySelector('.records')?.textContent, events: r.querySelector('.events')?.textContent,
    skipped: r.querySelector('.skipped')?.textContent,
  })));
  const n = s => Number(s.replace(/,/g, ''));
  return Object.fromEntries(rows.filter(r => r.name.startsWith(`${bundle} › `)).map(r => [r.name.slice(bundle.length + 3),
    r.notRead ? { not_read: r.notRead } : { records: n(r.records), events: n(r.events), skipped: n(r.skipped) }]));
}

/** The bundle's totals in the sidebar. */
async function sidebarTotals(page, bundle) {
  const item = `.bundle-item[data-bundle="${bundle}"]`;
  await page.waitForSelector(item);
  const n = async c => Number((await page.textContent(`${item} .bundle-counts .${c}`)).replace(/[^0-9]/g, ''));
  return { members: await n('members'), records: await n('records'), skipped: await n('skipped'), not_read: await n('not-read') };
}

function totals(members) {
  const v = Object.values(members);
  return {
    members: v.length,
    records: v.reduce((a, m) => a + (m.records ?? 0), 0),
    skipped: v.reduce((a, m) => a + (m.skipped ?? 0), 0),
    not_read: v.filter(m => m.not_read).length,
  };
}

test('a .tar.gz bundle: its members under it in the sidebar with the CLI\'s counts; a member\'s raw line from the timeline', needsCorpus(), async () => {
  const { page, errors } = await openApp(browser, srv.url);
  const given = path.join(BUNDLES, EKS);
  await dropFiles(page, [given]);
  await page.waitForSelector(`.bundle-item[data-bundle="${EKS}"]`);
  const want = cliMembers(given);
  assert.equal(Object.keys(want).length, 7);
  assert.deepEqual(await shownMembers(page, EKS), want);
  assert.deepEqual(await sidebarTotals(page, EKS), totals(want));
  await screenshot(page, 'bundle-targz-files');
  // The timeline: a kubelet event of the member (PLEG, 3 of them), its raw line re-read out of
  // the tar.gz.
  await page.keyboard.press('2');
  await page.locator('.kinds-table button', { hasText: 'pleg_unhealthy' }).click();
  const row = page.locator('tr.event-row[data-lane*="kubelet"]').first();
  await row.waitFor();
  await row.click();
  await page.waitForSelector('#raw-text');
  await page.waitForFunction(() => !/reading/.test(document.querySelector('#raw-text')?.textContent ?? 'reading'));
  const raw = await page.textContent('#raw-text');
  const labels = cli(['timeline', given]).events.map(e => e.label);
  const line = labels.find(l => raw.includes(l));
  assert.ok(line && /kubelet\[3312\]: [IWE]\d{4} /.test(line), `raw panel shows a kubelet line of the member: ${raw.slice(0, 300)}`);
  await screenshot(page, 'bundle-targz-raw-line');
  assert.deepEqual(errors, []);
});

test('a tar.gz of a kubelet log and a goroutine dump, and a zip of archives (nested): the CLI\'s counts', needsCorpus(), async () => {
  const { page, errors } = await openApp(browser, srv.url);
  const pair = path.join(BUNDLES, 'kubelet-and-dump.tar.gz');
  const nested = path.join(BUNDLES, 'support-case.zip');
  await dropFiles(page, [pair, nested]);
  await page.waitForSelector('.bundle-item[data-bundle="support-case.zip"]');
  for (const [given, name] of [[pair, 'kubelet-and-dump.tar.gz'], [nested, 'support-case.zip']]) {
    const want = cliMembers(given);
    assert.deepEqual(await shownMembers(page, name), want, name);
    const shown = await sidebarTotals(page, name);
    assert.deepEqual(shown, totals(want), name);
    console.log(`${name}: ${JSON.stringify(shown)} ${JSON.stringify(want)}`);
  }
  assert.equal(Object.keys(cliMembers(nested)).length, 17, 'must-gather (10) and EKS (7) members inside the zip');
  await page.evaluate(() => document.querySelector('.bundle-item[data-bundle="support-case.zip"] details').open = false);
  await screenshot(page, 'bundle-pair-and-nested');
  assert.deepEqual(errors, []);
});

test('a folder through the folder picker (webkitdirectory): kind export logs, member by member', needsCorpus(), async () => {
  const { page, errors } = await openApp(browser, srv.url);
  const dir = path.join(BUNDLES, 'kind-logs');
  await page.setInputFiles('#folder-input', dir);
  await page.waitForFunction(() => document.querySelectorAll('.bundle-item .file-item').length >= 9
    && [...document.querySelectorAll('.file-item .badge')].every(b => !/queued|reading/.test(b.textContent)), null, { timeout: 120_000 });
  const want = cliMembers(dir);
  assert.equal(Object.keys(want).length, 9);
  assert.deepEqual(await shownMembers(page, 'kind-logs'), want);
  assert.deepEqual(await sidebarTotals(page, 'kind-logs'), totals(want));
  await page.keyboard.press('1');
  await screenshot(page, 'bundle-folder-sidebar');
  assert.deepEqual(errors, []);
});

/** Every file under `dir`: [path relative to it, base64 bytes]. */
async function files(dir, rel = '') {
  const out = [];
  for (const e of await readdir(path.join(dir, rel), { withFileTypes: true })) {
    const r = path.join(rel, e.name);
    if (e.isDirectory()) out.push(...await files(dir, r));
    else out.push([r, (await readFile(path.join(dir, r))).toString('base64')]);
  }
  return out;
}

test('a folder dropped (DataTransferItem.webkitGetAsEntry, directory readers): the must-gather tree', needsCorpus(), async () => {
  const { page, errors } = await openApp(browser, srv.url);
  const name = 'must-gather.local.5183578593405232164';
  const dir = path.join(BUNDLES, name);
  const tree = await files(dir);
  // Chromium gives a dropped folder as FileSystemDirectoryEntry objects; a test cannot make the
  // OS drop one, so the drop carries entries with the same interface over the real files
  // (readEntries in batches of 3, then an empty batch, as the API does).
  await page.evaluate(({ name, tree }) => {
    const root = { dirs: {}, files: {} };
    for (const [rel, b64] of tree) {
      const parts = rel.split('/');
      let d = root;
      for (const p of parts.slice(0, -1)) d = d.dirs[p] ??= { dirs: {}, files: {} };
      d.files[parts.at(-1)] = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
    }
    const fileEntry = (n, bytes) => ({ isFile: true, isDirectory: false, name: n,
      file: (ok) => setTimeout(() => ok(new File([bytes], n, { lastModified: 1796011200000 }))) });
    const dirEntry = (n, d) => ({ isFile: false, isDirectory: true, name: n, createReader() {
      const all = [...Object.entries(d.dirs).map(([k, v]) => dirEntry(k, v)), ...Object.entries(d.files).map(([k, v]) => fileEntry(k, v))];
      return { readEntries: (ok) => setTimeout(() => ok(all.splice(0, 3))) };
    } });
    const item = { kind: 'file', webkitGetAsEntry: () => dirEntry(name, root) };
    const ev = new Event('drop', { bubbles: true, cancelable: true });
    Object.defineProperty(ev, 'dataTransfer', { value: { items: { length: 1, 0: item }, files: { length: 0 } } });
    document.querySelector('.app').dispatchEvent(ev);
  }, { name, tree });
  await page.waitForFunction(n => document.querySelectorAll('.bundle-item .file-item').length >= n
    && [...document.querySelectorAll('.file-item .badge')].every(b => !/queued|reading/.test(b.textContent)), tree.length, { timeout: 120_000 });
  const want = cliMembers(dir);
  assert.equal(Object.keys(want).length, tree.length);
  assert.deepEqual(await shownMembers(page, name), want);
  assert.deepEqual(await sidebarTotals(page, name), totals(want));
  await page.keyboard.press('1');
  await screenshot(page, 'bundle-folder-drop');
  assert.deepEqual(errors, []);
});

test('the empty state names archives and folders, as the unknown-format message does', async () => {
  const { page } = await openApp(browser, srv.url);
  const text = await page.textContent('.kinds');
  for (const f of ['.tar, .tar.gz/.tgz, .tar.xz, .tar.zst, .zip', 'must-gather', 'kind export logs', 'gzip, xz or zstd']) {
    assert.ok(text.includes(f), f);
  }
  assert.notEqual(await page.getAttribute('#folder-input', 'webkitdirectory'), null);
});
