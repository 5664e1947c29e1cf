// Shared harness for the browser tests: serve dist/ on 127.0.0.1, drive Debian's Chromium with
// playwright-core, and record every request the page makes (the privacy test asserts on them).
import { chromium } from 'playwright-core';
import { createServer } from 'node:http';
import { readFile, stat, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DIST = path.join(ROOT, 'dist');
export const CORPUS = path.resolve(ROOT, process.env.WHODUNNIT_CORPUS ?? '../shared/corpus');
export const FIXTURES = path.join(ROOT, 'tests/fixtures');

let corpusNoted = false;
/**
 * Options for `test(name, needsCorpus(), fn)`: nothing when the shared corpus is there, else a
 * skip, announced once per file with one line naming WHODUNNIT_CORPUS. Under CI=true a missing
 * corpus is an error (CI always has it), as in the Rust tests (crates/testdata).
 */
export function needsCorpus() {
  if (existsSync(CORPUS)) return {};
  const why = `the shared corpus is missing at ${CORPUS} (set WHODUNNIT_CORPUS to its path)`;
  if (process.env.CI === 'true') throw new Error(`${why}; CI=true: CI always has it`);
  if (!corpusNoted) console.log(`skipping tests that need the shared corpus: ${why}`);
  corpusNoted = true;
  return { skip: why };
}
export const ARTIFACTS = path.join(ROOT, 'tests/browser/artifacts');

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.json': 'application/json' };

/** Serve `dir` on an ephemeral port of 127.0.0.1. */
export async function serve(dir = DIST) {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    let p = path.join(dir, decodeURIComponent(url.pathname));
    if (!p.startsWith(dir)) { res.writeHead(403).end(); return; }
    try {
      if ((await stat(p)).isDirectory()) p = path.join(p, 'index.html');
      const body = await readFile(p);
      res.writeHead(200, { 'content-type': TYPES[path.extname(p)] ?? 'application/octet-stream' }).end(body);
    } catch { res.writeHead(404).end(); }
  });
  await new Promise(r => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${server.address().port}/` };
}

/** Launch headless Chromium with the flags this workplace needs (no background networking). */
export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-quic'],
  });
}

/** Open the app; returns the page and the list of every URL it requested. */
export async function openApp(browser, url, { light = false } = {}) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const requests = [];
  context.on('request', r => requests.push(r.url()));
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', e => errors.push(String(e)));
  page.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });
  if (light) await page.addInitScript(() => localStorage.setItem('whodunnit.theme', 'light'));
  await page.goto(url);
  await page.waitForSelector('.topbar');
  return { page, requests, errors };
}

/** Drop files through the file picker (the same path as drag-and-drop: a FileList). */
export async function dropFiles(page, files) {
  await page.setInputFiles('#file-input', files);
  await page.waitForFunction(n => document.querySelectorAll('.file-item').length >= n
    && [...document.querySelectorAll('.file-item .badge')].every(b => !/queued|reading/.test(b.textContent)), files.length,
    { timeout: 120_000 });
}

export async function screenshot(page, name) {
  await mkdir(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** Run the release CLI (built by the test script) and parse its JSON output. */
export function cli(args) {
  const bin = process.env.WHODUNNIT_CLI ?? path.join(ROOT, 'target/release/whodunnit');
  return JSON.parse(execFileSync(bin, [...args, '--json'], { encoding: 'utf8', maxBuffer: 1 << 28 }));
}

/** Every request went to the page's own origin on 127.0.0.1 (or was a blob:/data: URL). */
export function remoteRequests(requests) {
  return requests.filter(u => !/^(https?:\/\/127\.0\.0\.1[:/]|blob:|data:)/.test(u));
}
