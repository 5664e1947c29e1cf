// Shared harness for the browser tests: serve dist/ on 127.0.0.1, drive the engine of this run
// (Chromium or Firefox, driver/index.mjs), and record every request the page makes (the privacy
// tests assert on them).
import { launch, ENGINE } from './driver/index.mjs';
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
/** Screenshots, one folder per engine. */
export const ARTIFACTS = path.join(ROOT, 'tests/browser/artifacts', ENGINE);
export { launch, ENGINE };
export { dragAndDrop } from './driver/index.mjs';

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

/**
 * Open the app in a fresh page; returns the page, every URL it requested and its errors (in both
 * engines a CSP violation is a console error, so a blocked script or connection shows there).
 */
export async function openApp(browser, url, { light = false } = {}) {
  const init = light ? () => localStorage.setItem('whodunnit.theme', 'light') : undefined;
  const { page, requests, errors } = await browser.newPage({ init });
  await page.goto(url);
  await page.waitForSelector('.topbar');
  return { page, requests, errors };
}

/** Wait until the sidebar lists `n` files and none is still queued or being read. */
export async function filesRead(page, n, { exactly = false } = {}) {
  await page.waitForFunction(([n, exactly]) => (exactly ? document.querySelectorAll('.file-item').length === n
    : document.querySelectorAll('.file-item').length >= n)
    && [...document.querySelectorAll('.file-item .badge')].every(b => !/queued|reading/.test(b.textContent)), [n, exactly],
  { timeout: 120_000 });
}

/** Drop files through the file picker (the same FileList as a drag-and-drop: see dragAndDrop). */
export async function dropFiles(page, files) {
  await page.setInputFiles('#file-input', files);
  await filesRead(page, files.length);
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
