// Back into the app: a query result over the Parquet export, written as CSV by DuckDB or by
// Spark (tests/fixtures/audit/csv: one user's requests of the live recording), dropped into the
// app, shows in the API cost view exactly as the CLI reads the same file — with the version the
// log shows inferred, and with the version set.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { serve, launch, openApp, dropFiles, screenshot, cli, FIXTURES } from './harness.mjs';

let srv, browser;
before(async () => { srv = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); srv?.server.close(); });

const CSVS = ['carol-duckdb.csv', 'carol-spark.csv'].map(f => path.join(FIXTURES, 'audit/csv', f));

/** The cost table's rows as the view shows them: key, requests, query time, p50, p95, p99,
 *  errors, LISTs, from etcd, from cache, long-running. */
async function rows(page) {
  return page.$$eval('.cost-row', rs => rs.map(r => [0, 1, 2, 5, 6, 7, 8, 9, 10, 11, 12]
    .map(i => (i === 0 ? r.dataset.key : r.children[i].firstChild?.textContent ?? '').trim())));
}

const want = r => r.rows.map(x => [x.key, x.requests.toLocaleString('en-US'), x.query_time_text,
  x.p50_text, x.p95_text, x.p99_text,
  (x.errors_4xx + x.errors_5xx + x.throttled_429).toLocaleString('en-US'),
  x.lists.toLocaleString('en-US'), x.lists_etcd.toLocaleString('en-US'),
  x.lists_cache.toLocaleString('en-US'), x.long_running.toLocaleString('en-US')]);

for (const csv of CSVS) {
  test(`${path.basename(csv)} in the API cost view equals the CLI`, async () => {
    const { page, errors } = await openApp(browser, srv.url);
    await dropFiles(page, [csv]);
    const badge = await page.textContent('.file-item');
    assert.match(badge, /audit/i);
    await page.keyboard.press('3');
    await page.waitForSelector('.cost-row');
    const blind = cli(['audit', csv]);
    assert.equal(blind.totals.requests, 383);
    assert.deepEqual(await rows(page), want(blind));
    // One user's requests carry no control-plane user agent: set the version the log showed.
    const set = cli(['audit', csv, '--server-version', '1.36']);
    await page.selectOption('.version-select', '1.36');
    await page.waitForFunction(() => document.querySelector('.list-model')?.textContent.includes('for 1.36 (set by the user)'));
    assert.deepEqual(await rows(page), want(set));
    assert.ok(set.totals.lists_cache > 0 && set.totals.lists_unknown === 0);
    await screenshot(page, `cost-${path.basename(csv, '.csv')}`);
    assert.deepEqual(errors, []);
  });
}
