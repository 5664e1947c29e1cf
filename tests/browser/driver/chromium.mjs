// Chromium through playwright-core (Debian's build: never downloads a browser). Pages are
// Playwright's own; see index.mjs for the interface both engines share.
import { chromium } from 'playwright-core';

const VIEWPORT = { width: 1440, height: 900 };

/** Debian's Chromium, headless, with the flags this workplace needs (no background networking). */
export function launchPlaywright() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-quic'],
  });
}

export async function launch() {
  const browser = await launchPlaywright();
  return {
    engine: 'chromium',
    async newPage({ init, offline = false } = {}) {
      const context = await browser.newContext({ viewport: VIEWPORT, acceptDownloads: true });
      const requests = [], blocked = [], errors = [];
      if (offline) {
        await context.route('**/*', route => {
          const u = route.request().url();
          if (u.startsWith('file:')) return route.continue();
          blocked.push(u);
          return route.abort();
        });
        await context.setOffline(true);
      }
      context.on('request', r => requests.push(r.url()));
      const page = await context.newPage();
      page.on('pageerror', e => errors.push(String(e)));
      page.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });
      for (const fn of [init ?? []].flat()) await page.addInitScript(fn);
      return { page, requests, errors, blocked };
    },
    close: () => browser.close(),
  };
}
