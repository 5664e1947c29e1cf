// The API cost view's apiserver version control and the managed-cloud shapes: the headline
// numbers move with the version exactly as the CLI's do, and a mixed folder (native + GKE + EKS
// + AKS) gives one cost view with the apiserver / cluster dimension, as the CLI does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { serve, launch, openApp, dropFiles, screenshot, cli, FIXTURES } from './harness.mjs';

let srv, browser;
before(async () => { srv = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); srv?.server.close(); });

const fx = p => path.join(FIXTURES, 'audit/cloud', p);
const SLICE = fx('live-slice.jsonl.gz');
const MIXED = [SLICE, fx('gke-sink.jsonl.gz'), fx('eks-firehose.json.gz'), fx('aks-eventhub.json.gz')];

/** The "LISTs from etcd" headline as the view shows it. */
async function etcdStat(page) {
  return page.evaluate(() => {
    const s = [...document.querySelectorAll('.stat')].find(e => e.querySelector('.stat-label')?.textContent === 'LISTs from etcd');
    return s?.querySelector('.stat-value')?.textContent;
  });
}

const headline = r => r.totals.lists_unknown > 0
  ? `${r.totals.lists_etcd} of ${r.totals.lists} (${r.totals.lists_unknown} unknown)`
  : `${r.totals.lists_etcd} of ${r.totals.lists}`;

test('Changing the apiserver version moves the LIST headline as the CLI says', async () => {
  const { page, errors } = await openApp(browser, srv.url);
  await dropFiles(page, [SLICE]);
  await page.keyboard.press('3');
  await page.waitForSelector('.version-select');
  const inferred = cli(['audit', SLICE]);
  assert.equal(inferred.list_model.version, '1.36.2');
  await page.waitForFunction(() => document.querySelector('.list-model')?.textContent.includes('1.36.2'));
  assert.equal(await etcdStat(page), headline(inferred));
  const seen = new Set([headline(inferred)]);
  for (const v of ['1.30', '1.31', '1.33', '1.34']) {
    const want = cli(['audit', SLICE, '--server-version', v]);
    await page.selectOption('.version-select', v);
    await page.waitForFunction(v => document.querySelector('.list-model')?.textContent.includes(`for ${v} (set by the user)`), v);
    assert.equal(await etcdStat(page), headline(want), v);
    const firstPattern = await page.textContent('.list-pattern .source');
    assert.equal(firstPattern, want.list_model.patterns[0].source, v);
    seen.add(headline(want));
    if (v === '1.30') await screenshot(page, 'cost-version-1.30');
  }
  assert.ok(seen.size >= 4, `the headline moved: ${[...seen]}`);
  assert.deepEqual(errors, []);
});

test('A mixed folder (native + GKE + EKS + AKS) is one cost view with the apiserver dimension', async () => {
  const { page, errors } = await openApp(browser, srv.url);
  await dropFiles(page, MIXED);
  await page.keyboard.press('3');
  await page.waitForSelector('.cost-row');
  await page.click('.toolbar .seg button:has-text("apiserver / cluster")');
  const want = cli(['audit', ...MIXED, '--by', 'apiserver', '--top', '25']);
  await page.waitForFunction(n => document.querySelectorAll('.cost-row').length === n && document.querySelector('.cost-table th')?.textContent === 'apiserver / cluster', want.rows.length);
  const rows = await page.$$eval('.cost-row', rs => rs.map(r => [r.dataset.key, r.children[1].textContent]));
  assert.deepEqual(rows, want.rows.map(r => [r.key, r.requests.toLocaleString('en-US')]));
  assert.equal(want.totals.requests, 4 * 161);
  assert.ok(want.missing.some(m => m.includes('no latency')));
  const missing = await page.$$eval('.missing li', ls => ls.map(l => l.textContent));
  assert.deepEqual(missing, want.missing);
  await screenshot(page, 'cost-mixed-clouds');
  assert.deepEqual(errors, []);
});
