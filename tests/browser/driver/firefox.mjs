// Firefox (Debian's firefox-esr) through geckodriver and selenium-webdriver, speaking WebDriver
// BiDi: one session per launch, a user context (own storage) and window per page. See index.mjs
// for the interface both engines share, firefox-page.mjs for the page.
import { Builder } from 'selenium-webdriver';
import firefox from 'selenium-webdriver/firefox.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FirefoxPage } from './firefox-page.mjs';

const VIEWPORT = { width: 1440, height: 900 };

/** The first `name` on PATH (selenium wants the driver's path). */
function onPath(name) {
  const hit = (process.env.PATH ?? '').split(':').map(d => path.join(d, name)).find(existsSync);
  if (!hit) throw new Error(`${name} not found on PATH: run scripts/setup.sh and source its env file`);
  return hit;
}

/**
 * A fresh profile with every background connection off: captive-portal and connectivity checks,
 * telemetry and health reports, updates of the app, add-ons, search engines and remote settings,
 * Safe Browsing lists, region and location lookups, DNS-over-HTTPS, prefetching. The machine has
 * no network; the privacy tests must see the page's requests only, and nothing may wait on a
 * host that cannot answer. As a backstop every proxied request goes to a closed port on
 * 127.0.0.1 and fails at once (loopback itself is never proxied: the app is served there).
 */
const PREFS = {
  'network.proxy.type': 1,
  'network.proxy.http': '127.0.0.1', 'network.proxy.http_port': 9,
  'network.proxy.ssl': '127.0.0.1', 'network.proxy.ssl_port': 9,
  'network.proxy.socks_remote_dns': true,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'network.trr.mode': 5,
  'network.dns.disablePrefetch': true,
  'network.prefetch-next': false,
  'network.http.speculative-parallel-limit': 0,
  'toolkit.telemetry.enabled': false,
  'toolkit.telemetry.unified': false,
  'toolkit.telemetry.server': '',
  'datareporting.policy.dataSubmissionEnabled': false,
  'datareporting.healthreport.uploadEnabled': false,
  'app.update.disabledForTesting': true,
  'app.update.auto': false,
  'app.normandy.enabled': false,
  'extensions.update.enabled': false,
  'extensions.getAddons.cache.enabled': false,
  'extensions.blocklist.enabled': false,
  'browser.search.update': false,
  // Honoured only with MOZ_DISABLE_NONLOCAL_CONNECTIONS=1 (see launch); then remote settings
  // skip every sync (services-settings/Utils.sys.mjs: shouldSkipRemoteActivity).
  'services.settings.server': 'data:,#remote-settings-dummy/v1',
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'browser.safebrowsing.downloads.enabled': false,
  'browser.safebrowsing.downloads.remote.enabled': false,
  'browser.safebrowsing.blockedURIs.enabled': false,
  'browser.safebrowsing.provider.mozilla.updateURL': '',
  'browser.region.network.url': '',
  'browser.region.update.enabled': false,
  'geo.provider.network.url': '',
  'media.gmp-manager.url': '',
  'browser.newtabpage.enabled': false,
  'browser.startup.page': 0,
  'browser.shell.checkDefaultBrowser': false,
  // Downloads are saved without asking, into the session's own folder (browser.downloadEnd).
  'browser.download.folderList': 2,
  'browser.download.useDownloadDir': true,
  'browser.download.always_ask_before_handling_new_types': false,
  'browser.download.alwaysOpenPanel': false,
};

export async function launch() {
  const downloads = await mkdtemp(path.join(os.tmpdir(), 'whodunnit-firefox-downloads-'));
  const options = new firefox.Options().setBinary(process.env.FIREFOX ?? '/usr/bin/firefox-esr')
    .addArguments('-headless').enableBidi();
  for (const [k, v] of Object.entries({ ...PREFS, 'browser.download.dir': downloads })) options.setPreference(k, v);
  // Firefox, as in Mozilla's own test harnesses: without this a release build ignores the remote
  // settings override above and retries its server several times a second.
  const env = { ...process.env, MOZ_DISABLE_NONLOCAL_CONNECTIONS: '1' };
  const service = new firefox.ServiceBuilder(process.env.GECKODRIVER ?? onPath('geckodriver'))
    .setEnvironment(env).setStdio('ignore');
  const driver = await new Builder().forBrowser('firefox').setFirefoxOptions(options).setFirefoxService(service).build();
  const browser = new FirefoxBrowser(driver, await driver.getBidi(), downloads);
  await browser.listen();
  return browser;
}

class FirefoxBrowser {
  engine = 'firefox';
  pages = new Map();
  active = null;

  constructor(driver, bidi, downloads) { Object.assign(this, { driver, bidi, downloads }); }

  /** Send a BiDi command; its result, or an error naming the command. */
  async cmd(method, params) {
    const r = await this.bidi.send({ method, params });
    if (r.type === 'error') throw new Error(`${method}: ${r.error}: ${r.message}`);
    return r.result;
  }

  /** Route the session's events to their page (a worker's requests carry its page's context). */
  async listen() {
    const on = (event, fn) => this.bidi.on(event, p => {
      const page = this.pages.get(p.context ?? p.source?.context);
      if (page) fn(page, p);
    });
    on('network.beforeRequestSent', (page, p) => {
      page.requests.push(p.request.url);
      if (!p.isBlocked) return;
      if (/^(file|blob|data):/.test(p.request.url)) {
        this.cmd('network.continueRequest', { request: p.request.request }).catch(() => {});
      } else {
        page.blocked.push(p.request.url);
        this.cmd('network.failRequest', { request: p.request.request }).catch(() => {});
      }
    });
    on('log.entryAdded', (page, p) => {
      if (p.type === 'javascript') page.errors.push(p.text);
      else if (p.type === 'console' && p.level === 'error') page.errors.push(p.text);
    });
    // Chromium logs a failed load on the console; say the same here, so `errors` means the same.
    on('network.responseCompleted', (page, p) => {
      const { status, statusText } = p.response;
      if (status >= 400) page.errors.push(`Failed to load resource: the server responded with a status of ${status} (${statusText})`);
    });
    on('browsingContext.downloadEnd', (page, p) => { if (p.status === 'complete') page.downloads.push(p.filepath); });
    await this.bidi.subscribe(['network.beforeRequestSent', 'network.responseCompleted', 'log.entryAdded', 'browsingContext.downloadEnd']);
  }

  async newPage({ init, offline = false } = {}) {
    const { userContext } = await this.cmd('browser.createUserContext', {});
    const { context } = await this.cmd('browsingContext.create', { type: 'window', userContext });
    await this.cmd('browsingContext.setViewport', { context, viewport: VIEWPORT });
    for (const fn of [init ?? []].flat()) await this.cmd('script.addPreloadScript', { functionDeclaration: String(fn), contexts: [context] });
    if (offline) await this.cmd('network.addIntercept', { phases: ['beforeRequestSent'], contexts: [context] });
    const page = new FirefoxPage(this, context, userContext);
    this.pages.set(context, page);
    return { page, requests: page.requests, errors: page.errors, blocked: page.blocked };
  }

  /** Bring a page's window to the front before input or a screenshot (one focused page at a time). */
  async activate(context) {
    if (this.active === context) return;
    await this.cmd('browsingContext.activate', { context });
    this.active = context;
  }

  async close() {
    await this.driver.quit();
    await rm(this.downloads, { recursive: true, force: true });
  }
}
