// The Findings tab on the live recordings (CC0, from the shared corpus): the same findings as
// `whodunnit findings --json` on the same files — titles, severities, spans and the evidence
// quoting the real lines (no mined template) — with screenshots per recording.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { serve, launch, openApp, dropFiles, screenshot, cli, CORPUS } from './harness.mjs';

let srv, browser;
before(async () => { srv = await serve(); browser = await launch(); });
after(async () => { await browser?.close(); srv?.server.close(); });

const cp = f => path.join(CORPUS, 'live-controlplane', f);
const cd = f => path.join(CORPUS, 'live-containerd', f);
const CONTROLPLANE = ['audit.log.gz', 'kube-apiserver.log.gz', 'kube-controller-manager.log.gz', 'etcd.log.gz'].map(cp);
const CONTAINERD = ['containerd.log',
  ...['034254Z', '034454Z', '034531Z'].flatMap(t => [`containerd-goroutines-20261130T${t}.txt`, `containerd-goroutines-20261130T${t}-sigusr1.txt`])].map(cd);

/** What the Findings tab shows, card by card. */
async function cards(page) {
  return page.$$eval('.finding', cs => cs.map(c => ({
    detector: c.dataset.detector,
    title: c.querySelector('h3').textContent,
    summary: c.querySelector('.summary').textContent,
    evidence: [...c.querySelectorAll('.evidence li > span:nth-of-type(2)')].map(s => s.textContent),
  })));
}

/** Base names: the app knows files by name, the CLI by the path it was given. */
const base = s => s.replaceAll(CORPUS + '/', '').replace(/live-(controlplane|containerd)\//g, '');

/** Summaries and evidence lists the app shows that differ from the CLI's, as [id, app, cli]. */
const summaryDiffs = [];

async function compare(files, name, more) {
  const { page, errors } = await openApp(browser, srv.url);
  await dropFiles(page, files);
  await page.keyboard.press('5');
  await page.waitForSelector('.finding', { timeout: 120_000 });
  const shown = await cards(page);
  const report = cli(['findings', ...files]);
  assert.equal(shown.length, report.findings.length, shown.map(c => c.title).join(' | '));
  report.findings.forEach((f, i) => {
    const c = shown[i];
    assert.equal(c.detector, f.detector);
    assert.ok(c.title.endsWith(f.title), `${c.title} / ${f.title}`);
    assert.ok(c.title.startsWith(f.severity), `${c.title}: ${f.severity}`);
    if (c.summary !== base(f.summary)) summaryDiffs.push([f.id, c.summary, base(f.summary)]);
    const labels = f.evidence.slice(0, 12).map(e => e.label);
    assert.equal(c.evidence.length, labels.length, f.id);
    if (JSON.stringify(c.evidence) !== JSON.stringify(labels)) summaryDiffs.push([f.id + ' evidence', c.evidence.join('\n'), labels.join('\n')]);
    for (const l of c.evidence) assert.ok(!l.includes('<*>'), `${f.id}: a template in the evidence: ${l}`);
  });
  await screenshot(page, name);
  if (more) await more(page);
  assert.deepEqual(errors, []);
  return report;
}

test('live control plane: namespace stuck behind an APIService, LIST storm, APF 429s — as the CLI finds them', async t => {
  if (!CONTROLPLANE.every(existsSync)) { t.skip('shared corpus not found'); return; }
  const report = await compare(CONTROLPLANE, 'findings-live-controlplane', async page => {
    // A busy apiserver: the cost chart counts requests in flight.
    await page.keyboard.press('3');
    await page.waitForSelector('.chart-head b');
    assert.match(await page.textContent('.chart-head b'), /^Requests in flight \(mean per /);
    // A long user is cut in its middle: a service account's name, at its end, stays in view.
    const legend = await page.$$eval('.legend-item', ls => ls.map(l => [l.textContent.trim(), l.title]));
    const sa = legend.find(([, full]) => full === 'system:serviceaccount:autoscaling:capacity-planner');
    assert.ok(sa && sa[0].length < sa[1].length && sa[0].includes('…') && sa[0].endsWith('autoscaling:capacity-planner'), JSON.stringify(legend));
  });
  const by = d => report.findings.filter(f => f.detector === d);
  assert.match(by('stalled_namespace_deletion')[0].title, /payments-legacy .*v1beta1\.custom\.metrics\.k8s\.io/);
  assert.match(by('list_storm')[0].title, /capacity-planner/);
  assert.match(by('apf_rejections')[0].title, /^2614 requests rejected .*batch-importer/);
});

test('live containerd: 8 RunPodSandbox calls stuck in CNI setup, from the dumps and containerd.log', async t => {
  if (!CONTAINERD.every(existsSync)) { t.skip('shared corpus not found'); return; }
  const report = await compare(CONTAINERD, 'findings-live-containerd', async page => {
    // The Goroutines view shows the same pile-up as waiters at one call site (there is no mutex).
    await page.keyboard.press('4');
    await page.waitForSelector('.wait-site');
    const rows = await page.$$eval('.wait-site', rs => rs.map(r => r.textContent));
    assert.ok(rows.some(r => /^8/.test(r.trim()) && r.includes('go-cni.(*libcni).attachNetworks') && r.includes('goroutine 82')), rows.join('\n'));
    await screenshot(page, 'goroutines-live-containerd');
    // Six dumps whose names share their first 30 characters: the sidebar cuts a long name in
    // its middle, so each file's end (its time, -sigusr1) stays in view and tells them apart.
    const tails = await page.$$eval('.file-item .name-tail', ts => ts.map(t => {
      const r = t.getBoundingClientRect(), side = t.closest('.sidebar').getBoundingClientRect();
      return { text: t.textContent, shown: r.width > 0 && r.left >= side.left && r.right <= side.right };
    }));
    assert.equal(tails.length, CONTAINERD.length);
    assert.equal(new Set(tails.map(t => t.text)).size, tails.length, tails.map(t => t.text).join(' '));
    assert.ok(tails.every(t => t.shown), JSON.stringify(tails));
    assert.ok(await page.$$eval('.file-item .file-name', ns => ns.every(n => n.scrollWidth <= n.clientWidth + 1)));
  });
  assert.match(report.findings[0].title, /^8 RunPodSandbox calls stuck/);
});

// Collected from both recordings above: the app's summaries and evidence quotes are the CLI's,
// word for word (the worker re-reads the quoted lines of .gz files to their very end).
test('every summary and evidence list equals the CLI\'s', () => {
  for (const [id, app, cli] of summaryDiffs) assert.equal(app, cli, id);
});
