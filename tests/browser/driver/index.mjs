// The browser tests' one driver interface, so each test is written once and runs in Chromium and
// in Firefox. The engine comes from WHODUNNIT_BROWSER (chromium | firefox; scripts/test-all runs
// the suite once per engine).
//
// `launch()` gives a Browser: `newPage({ init, offline })` opens a fresh, isolated page (its own
// storage) at 1440×900 and returns { page, requests, errors, blocked }:
//   requests  every URL the page and its workers asked for (the privacy tests assert on it),
//   errors    uncaught exceptions and console.error messages,
//   blocked   with `offline`, the non-file URLs the page tried (each one failed);
//   init      a function (or a list) run before any script of every document (addInitScript).
// `page` is Playwright-shaped; the tests use only this subset, which firefox.mjs implements over
// WebDriver BiDi (chromium.mjs hands out Playwright's own page):
//   goto, evaluate, waitForFunction(fn, arg, {timeout}), waitForSelector, waitForTimeout,
//   $(sel), $$eval(sel, fn, arg), textContent, innerText, getAttribute, click, check,
//   selectOption, setInputFiles (files; or one directory for a `webkitdirectory` input),
//   keyboard.press, mouse.wheel, screenshot({ path }), waitForEvent('download') → saveAs,
//   context().close(), and locator(sel, { hasText }) with first, nth, count, waitFor, click,
//   hover ({ position }), getAttribute, boundingBox.
// Selectors are CSS plus Playwright's `:has-text("…")` (case-insensitive substring of the
// element's whitespace-normalized text).

/** The engines the suite runs in. */
export const ENGINES = ['chromium', 'firefox'];

/** The engine of this run. */
export const ENGINE = process.env.WHODUNNIT_BROWSER ?? 'chromium';
if (!ENGINES.includes(ENGINE)) throw new Error(`WHODUNNIT_BROWSER=${ENGINE}: not one of ${ENGINES.join(', ')}`);

/** Launch the engine of this run (headless, no background networking, fresh profile). */
export async function launch(engine = ENGINE) {
  const driver = engine === 'firefox' ? await import('./firefox.mjs') : await import('./chromium.mjs');
  return driver.launch();
}

/**
 * Drop `files` on `target` as a drag-and-drop from the desktop does: a `drop` event whose
 * DataTransfer holds the files (read from disk by the browser itself, through a picker the page
 * never sees). A directory cannot be dropped this way: no page can build a DataTransfer holding a
 * directory entry, in either engine; a folder is picked through a `webkitdirectory` input.
 */
export async function dragAndDrop(page, files, target = 'body') {
  await page.evaluate(() => {
    const input = document.createElement('input');
    Object.assign(input, { type: 'file', multiple: true, id: 'driver-drag-files', hidden: true });
    document.documentElement.append(input); // outside <body>, which the app renders
  });
  await page.setInputFiles('#driver-drag-files', files);
  await page.evaluate(target => {
    const input = document.getElementById('driver-drag-files');
    const dataTransfer = new DataTransfer();
    for (const f of input.files) dataTransfer.items.add(f);
    input.remove();
    const el = document.querySelector(target);
    for (const type of ['dragenter', 'dragover', 'drop']) {
      el.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer }));
    }
  }, target);
}
