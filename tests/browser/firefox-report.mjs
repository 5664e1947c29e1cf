// Manual check: a report opens from file:// in Firefox, offline, and every tab renders.
// Not part of CI (needs Firefox and puppeteer-core, which drives stock Firefox over WebDriver BiDi):
//   apt-get install firefox-esr && npm install --no-save puppeteer-core
//   node firefox-report.mjs /path/to/report.html
// Every http(s) request goes to a dead proxy (127.0.0.1:9); the script lists any the page made.
const file = process.argv[2];
if (!file) { console.error('usage: node firefox-report.mjs REPORT.html'); process.exit(2); }
let puppeteer;
try { puppeteer = (await import('puppeteer-core')).default; } catch {
  console.error('needs puppeteer-core: npm install --no-save puppeteer-core'); process.exit(2);
}
const browser = await puppeteer.launch({
  browser: 'firefox', executablePath: process.env.FIREFOX ?? '/usr/bin/firefox-esr', headless: true,
  extraPrefsFirefox: { 'network.proxy.type': 1, 'network.proxy.http': '127.0.0.1', 'network.proxy.http_port': 9,
    'network.proxy.ssl': '127.0.0.1', 'network.proxy.ssl_port': 9 },
});
const page = await browser.newPage();
await page.setViewport({ width: 1440, height: 900 });
const errors = [], requests = [];
page.on('pageerror', e => errors.push(String(e)));
page.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });
page.on('request', r => requests.push(r.url()));
await page.goto(new URL(`file://${file}`).href);
await page.waitForSelector('#report-banner', { timeout: 60_000 });
await page.waitForFunction(() => document.querySelectorAll('.file-item').length > 0
  && [...document.querySelectorAll('.file-item .badge')].every(b => !/queued|reading/.test(b.textContent)), { timeout: 60_000 });
const tabs = {};
for (const label of ['Files', 'Timeline', 'API cost', 'Goroutines', 'Findings']) {
  for (const h of await page.$$('.tab')) {
    if ((await h.evaluate(e => e.textContent)).includes(label)) { await h.click(); break; }
  }
  await new Promise(r => setTimeout(r, 2000));
  tabs[label] = (await page.$eval('main.main', e => e.innerText)).length;
}
const remote = requests.filter(u => !/^(file:|blob:|data:)/.test(u));
console.log(JSON.stringify({ banner: await page.$eval('#report-banner', e => e.innerText), textLengthByTab: tabs, errors, remote }, null, 1));
await browser.close();
process.exit(errors.length || remote.length || Object.values(tabs).some(n => n < 50) ? 1 : 0);
