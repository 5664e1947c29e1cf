// A Firefox page behind the Playwright-shaped subset of index.mjs, over WebDriver BiDi: script
// calls for queries and waits (polled, as Playwright's auto-waiting does), input actions for
// clicks, keys and the wheel (real events, at the element's place on screen), input.setFiles for
// the file picker, browsingContext.captureScreenshot for screenshots.
import { writeFile, readdir, stat, copyFile } from 'node:fs/promises';
import path from 'node:path';
import { DOM } from './dom.mjs';

const TIMEOUT = 30_000;
const POLL_MS = 50;
const sleep = ms => new Promise(r => setTimeout(r, ms));
/** WebDriver's code points for the named keys of Playwright's `keyboard.press`. */
const KEYS = {
  Enter: '\uE007', Escape: '\uE00C', Tab: '\uE004', Backspace: '\uE003', Delete: '\uE017',
  Home: '\uE011', End: '\uE010', PageUp: '\uE00E', PageDown: '\uE00F',
  ArrowLeft: '\uE012', ArrowUp: '\uE013', ArrowRight: '\uE014', ArrowDown: '\uE015',
};
/** Errors of a script call that a retry can outlive (the document was being replaced). */
const TRANSIENT = /no such (frame|node|handle)|discarded|destroyed|navigat/i;
const str = value => ({ type: 'string', value });

/** Every file under `dir`, sorted, as absolute paths. */
async function walk(dir) {
  const out = [];
  for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...await walk(p)); else if (e.isFile()) out.push(p);
  }
  return out;
}

export class FirefoxPage {
  /** @param browser the FirefoxBrowser (its `cmd` sends a BiDi command) */
  constructor(browser, context, userContext) {
    this.browser = browser;
    this.id = context;
    this.userContext = userContext;
    this.requests = [];
    this.errors = [];
    this.blocked = [];
    this.downloads = [];
    this.pointer = { x: 0, y: 0 };
    this.keyboard = { press: key => this.press(key) };
    this.mouse = { wheel: (dx, dy) => this.wheel(dx, dy) };
  }

  context() { return { close: () => this.close() }; }
  async close() {
    this.browser.pages.delete(this.id);
    if (this.browser.active === this.id) this.browser.active = null;
    await this.browser.cmd('browsingContext.close', { context: this.id });
    await this.browser.cmd('browser.removeUserContext', { userContext: this.userContext });
  }

  async goto(url) {
    await this.browser.cmd('browsingContext.navigate', { context: this.id, url, wait: 'complete' });
  }

  /** Run `src` (a function's source) in the page with `args`; both ways as JSON. */
  async run(src, ...args) {
    const r = await this.browser.cmd('script.callFunction', {
      functionDeclaration: `async function (json) { ${DOM}
        const r = await (${src})(...JSON.parse(json));
        return r === undefined ? undefined : JSON.stringify(r); }`,
      arguments: [str(JSON.stringify(args))],
      target: { context: this.id }, awaitPromise: true, resultOwnership: 'none',
    });
    if (r.type === 'exception') throw new Error(`in the page: ${r.exceptionDetails.text}`);
    return r.result.type === 'string' ? JSON.parse(r.result.value) : undefined;
  }

  /** Poll `fn` until it returns something truthy (Playwright's auto-waiting). */
  async poll(what, fn, timeout = TIMEOUT) {
    const end = Date.now() + timeout;
    for (;;) {
      let v;
      try { v = await fn(); } catch (e) { if (!TRANSIENT.test(e.message) || Date.now() > end) throw e; }
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}; the page showed: ${await this.shown()}`);
      await sleep(POLL_MS);
    }
  }

  /** The page's text, squeezed (for a timeout's message), or why it could not be had. */
  async shown() {
    try {
      return (await this.run(`() => document.body.innerText`)).replace(/\s+/g, ' ').slice(0, 1500);
    } catch (e) { return `(unreadable: ${e.message})`; }
  }

  evaluate(fn, arg) { return this.run(`(a) => (${fn})(a)`, arg); }
  waitForFunction(fn, arg, { timeout } = {}) {
    return this.poll(`function ${String(fn).slice(0, 80)}`, () => this.evaluate(fn, arg), timeout);
  }
  waitForTimeout(ms) { return sleep(ms); }
  waitForSelector(selector, { timeout } = {}) { return this.locator(selector).waitFor({ timeout }); }
  $$eval(selector, fn, arg) { return this.run(`(s, a) => (${fn})(q(s), a)`, selector, arg); }
  async $(selector) { return (await this.locator(selector).count()) > 0 ? this.locator(selector) : null; }
  textContent(selector) { return this.locator(selector).textContent(); }
  innerText(selector) { return this.locator(selector).innerText(); }
  getAttribute(selector, name) { return this.locator(selector).getAttribute(name); }
  click(selector) { return this.locator(selector).click(); }
  locator(selector, { hasText } = {}) { return new Locator(this, selector, hasText, 0); }

  async check(selector) {
    const loc = this.locator(selector);
    const checked = async () => (await loc.withElement(e => e.checked))?.v;
    if (!await checked()) await loc.click();
    await this.poll(`${selector} checked`, checked);
  }

  /** Choose the option whose value or label is `value`, then fire input and change. */
  async selectOption(selector, value) {
    const loc = this.locator(selector);
    await loc.waitFor();
    const ok = await this.run(`(s, v) => {
      const el = q(s)[0];
      const o = [...el.options].find(o => o.value === v || o.label === v);
      if (!o) return false;
      el.value = o.value;
      el.dispatchEvent(new Event('input', { bubbles: true }));
      el.dispatchEvent(new Event('change', { bubbles: true }));
      return true; }`, selector, value);
    if (!ok) throw new Error(`${selector}: no option ${value}`);
  }

  /**
   * Files for an `<input type=file>`, read by Firefox from disk (BiDi input.setFiles). A single
   * directory goes to a `webkitdirectory` input: Firefox's WebDriver refuses directories
   * ("Is directory"), so its files are set through a helper input and handed over with the
   * `webkitRelativePath` Firefox's folder picker gives them ("dir/sub/file").
   */
  async setInputFiles(selector, files) {
    const paths = [files].flat().map(p => path.resolve(p));
    if (paths.length === 1 && (await stat(paths[0])).isDirectory()) return this.pickDirectory(selector, paths[0]);
    const element = await this.locator(selector).node();
    await this.browser.cmd('input.setFiles', { context: this.id, element, files: paths });
  }

  async pickDirectory(selector, dir) {
    const files = await walk(dir);
    const rel = files.map(f => [path.basename(dir), ...path.relative(dir, f).split(path.sep)].join('/'));
    await this.evaluate(() => {
      const input = Object.assign(document.createElement('input'), { type: 'file', multiple: true, hidden: true, id: 'driver-directory-files' });
      document.documentElement.append(input);
    });
    await this.setInputFiles('#driver-directory-files', files);
    await this.run(`(s, rel) => {
      const helper = document.getElementById('driver-directory-files');
      const input = q(s)[0];
      if (!input?.webkitdirectory) throw new Error(s + ' is not a webkitdirectory input');
      const dt = new DataTransfer();
      [...helper.files].forEach((f, i) => {
        const g = new File([f], f.name, { type: f.type, lastModified: f.lastModified });
        Object.defineProperty(g, 'webkitRelativePath', { value: rel[i] });
        dt.items.add(g);
      });
      helper.remove();
      input.files = dt.files;
      input.dispatchEvent(new Event('input', { bubbles: true }));
      input.dispatchEvent(new Event('change', { bubbles: true })); }`, selector, rel);
  }

  async actions(...sources) {
    await this.browser.activate(this.id);
    await this.browser.cmd('input.performActions', { context: this.id, actions: sources });
  }
  async pointerTo(x, y, more = []) {
    this.pointer = { x: Math.round(x), y: Math.round(y) };
    await this.actions({ type: 'pointer', id: 'mouse', parameters: { pointerType: 'mouse' },
      actions: [{ type: 'pointerMove', ...this.pointer }, ...more] });
  }
  async press(key) {
    const value = KEYS[key] ?? key;
    if ([...value].length !== 1) throw new Error(`keyboard.press(${key}): not a key this driver knows`);
    await this.actions({ type: 'key', id: 'keyboard', actions: [{ type: 'keyDown', value }, { type: 'keyUp', value }] });
  }
  /** A wheel turn where the pointer is, as Playwright's mouse.wheel. */
  async wheel(deltaX, deltaY) {
    await this.actions({ type: 'wheel', id: 'wheel', actions: [{ type: 'scroll', ...this.pointer, deltaX, deltaY }] });
  }

  async screenshot({ path: file }) {
    await this.browser.activate(this.id);
    const { data } = await this.browser.cmd('browsingContext.captureScreenshot', { context: this.id, origin: 'viewport' });
    const png = Buffer.from(data, 'base64');
    if (file) await writeFile(file, png);
    return png;
  }

  /** The next download this page starts, with `saveAs(path)` (only 'download' is supported). */
  waitForEvent(event, { timeout = TIMEOUT } = {}) {
    if (event !== 'download') throw new Error(`waitForEvent(${event}): only 'download' is supported`);
    const seen = this.downloads.length;
    return this.poll('a download', async () => {
      const d = this.downloads[seen];
      return d && { saveAs: dest => copyFile(d, dest), path: async () => d };
    }, timeout);
  }
}

/** Playwright's Locator, the subset the tests use: the `index`-th match of selector (+ text). */
class Locator {
  constructor(page, selector, hasText, index) { Object.assign(this, { page, selector, hasText, index }); }
  first() { return this.nth(0); }
  nth(i) { return new Locator(this.page, this.selector, this.hasText, i); }
  get what() { return `${this.selector}${this.hasText ? ` with text "${this.hasText}"` : ''} [${this.index}]`; }
  count() { return this.page.run('(s, t) => q(s, t).length', this.selector, this.hasText); }

  /** `{ v: fn(element) }` if the element exists, else null (`fn`: a function or its source). */
  withElement(fn) {
    return this.page.run(`(s, t, i) => { const e = q(s, t)[i]; return e ? { v: (${fn})(e) } : null; }`,
      this.selector, this.hasText, this.index);
  }
  /** `fn(element)` once the element exists. */
  async whenAttached(fn) { return (await this.page.poll(this.what, () => this.withElement(fn))).v; }
  textContent() { return this.whenAttached(e => e.textContent); }
  innerText() { return this.whenAttached(e => e.innerText); }
  getAttribute(name) { return this.whenAttached(`e => e.getAttribute(${JSON.stringify(name)})`); }
  async waitFor({ timeout } = {}) {
    await this.page.poll(`${this.what} visible`, () => this.page.run('(s, t, i) => { const e = q(s, t)[i]; return !!e && visible(e); }',
      this.selector, this.hasText, this.index), timeout);
    return this;
  }
  async boundingBox() {
    return this.page.run(`(s, t, i) => { const e = q(s, t)[i]; if (!e || !visible(e)) return null;
      const r = e.getBoundingClientRect(); return { x: r.left, y: r.top, width: r.width, height: r.height }; }`,
    this.selector, this.hasText, this.index);
  }
  /** The element, as BiDi's shared reference (for input.setFiles). */
  async node() {
    await this.whenAttached(() => true);
    const r = await this.page.browser.cmd('script.callFunction', {
      functionDeclaration: `function (s, t, i) { ${DOM} return q(s, t ?? undefined)[i]; }`,
      arguments: [str(this.selector), this.hasText == null ? { type: 'null' } : str(this.hasText), { type: 'number', value: this.index }],
      target: { context: this.page.id }, awaitPromise: false, resultOwnership: 'none',
    });
    if (r.result?.type !== 'node') throw new Error(`${this.what}: not an element`);
    return { sharedId: r.result.sharedId };
  }
  /**
   * Where to point, as Playwright's actionability checks: the element visible (and enabled),
   * scrolled into view if needed, not moving across two frames, and the one hit at the point
   * (no overlay in the way). `position` is from the element's top-left, else its center.
   */
  async point(position, enabled) {
    return this.page.poll(`${this.what} visible, stable${enabled ? ', enabled' : ''} and not covered`, () => this.page.run(`async (s, t, i, pos, enabled) => {
      const e = q(s, t)[i];
      if (!e || !visible(e) || (enabled && e.disabled)) return null;
      if (!inView(e)) e.scrollIntoView({ block: 'nearest', inline: 'nearest' });
      const r = e.getBoundingClientRect();
      await new Promise(done => { requestAnimationFrame(() => requestAnimationFrame(done)); setTimeout(done, 200); });
      const r2 = e.getBoundingClientRect();
      if (r2.left !== r.left || r2.top !== r.top || r2.width !== r.width || r2.height !== r.height) return null;
      const p = pos ? { x: r.left + pos.x, y: r.top + pos.y } : { x: r.left + r.width / 2, y: r.top + r.height / 2 };
      const hit = document.elementFromPoint(Math.round(p.x), Math.round(p.y));
      if (hit && (hit === e || e.contains(hit))) return p;
      e.scrollIntoView({ block: 'center', inline: 'center' }); // out from under whatever covers it, then again
      return null; }`,
    this.selector, this.hasText, this.index, position ?? null, enabled));
  }
  async hover({ position } = {}) {
    const p = await this.point(position, false);
    await this.page.pointerTo(p.x, p.y);
  }
  async click({ position } = {}) {
    const p = await this.point(position, true);
    await this.page.pointerTo(p.x, p.y, [{ type: 'pointerDown', button: 0 }, { type: 'pointerUp', button: 0 }]);
  }
}
