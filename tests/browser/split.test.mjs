// A large audit log is parsed on two workers (web/src/split.rs: this worker reads the first
// half, its helper the second, the halves joined in order) and reads exactly as the CLI reads
// it: the same records and skipped lines, the same per-user cost rows. The log is the live
// recording's events copied until 80,000 requests (~130 MB, crates/testdata audit_scale,
// built by tests/sql/run.py's `scale-audit` before these tests run; built here otherwise).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { serve, launch, openApp, dropFiles, screenshot, cli, needsCorpus, ROOT } from './harness.mjs';

let srv, browser;
before(async () => { srv = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); srv?.server.close(); });

/** The generated log's path (built once; the generator skips a log already there). */
function bigAuditLog() {
  const bin = path.join(ROOT, 'target/release/scale-audit');
  const args = ['80000'];
  const out = existsSync(bin)
    ? execFileSync(bin, args, { encoding: 'utf8' })
    : execFileSync('cargo', ['run', '-q', '--release', '--locked', '-p', 'whodunnit-testdata',
      '--bin', 'scale-audit', '--', ...args], { encoding: 'utf8', cwd: ROOT });
  return out.trim();
}

/** The cost table as the view shows it: key, requests, query time, LISTs, from etcd. */
async function rows(page) {
  return page.$$eval('.cost-row', rs => rs.map(r => [0, 1, 2, 9, 10]
    .map(i => (i === 0 ? r.dataset.key : r.children[i].firstChild?.textContent ?? '').trim())));
}
const want = r => r.rows.map(x => [x.key, x.requests.toLocaleString('en-US'), x.query_time_text,
  x.lists.toLocaleString('en-US'), x.lists_etcd.toLocaleString('en-US')]);

test('a large audit log read on two workers equals the CLI', needsCorpus(), async () => {
  const log = bigAuditLog();
  // `?helper=always`: a helper even on two cores, where the app starts none (web/src/helper.rs).
  const { page, errors } = await openApp(browser, `${srv.url}?helper=always`);
  // The helper is started once the worker is up; a file dropped before it is ready is read on
  // one worker (also correct, but not what this test is about).
  await page.waitForSelector('html[data-helper="ready"]', { timeout: 60_000 });
  await dropFiles(page, [log]);
  const item = await page.textContent('.file-item');
  assert.match(item, / on 2 workers/, item);
  const want_summary = cli(['analyze', log])[0];
  assert.match(item, new RegExp(`${want_summary.records.toLocaleString('en-US')} records`), item);
  assert.equal(want_summary.skipped_lines, 0);
  await page.keyboard.press('3');
  await page.waitForSelector('.cost-row');
  assert.deepEqual(await rows(page), want(cli(['audit', log])));
  await screenshot(page, 'split-audit-cost');
  assert.deepEqual(errors, []);
});
