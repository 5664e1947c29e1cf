// In-page helpers for the WebDriver side (firefox-page.mjs): the source of `q(selector, hasText)`,
// `inView(el)` and `visible(el)`, prepended to every function the driver runs in a page. Script
// evaluation over WebDriver BiDi is not subject to the page's CSP; `eval` inside the page would be.
//
// Selectors are CSS plus Playwright's `:has-text("…")`: the part before it selects, the text
// filters (case-insensitive substring of the whitespace-normalized textContent), and the rest of
// the selector is matched among the descendants of what is left. `hasText` filters the final
// matches the same way (Playwright's `locator(sel, { hasText })`).
export const DOM = String.raw`
const norm = s => s.replace(/\s+/g, ' ').trim().toLowerCase();
const q = (selector, hasText) => {
  const re = /:has-text\((["'])((?:\\.|(?!\1).)*)\1\)/;
  let scopes = null, rest = selector, m;
  const within = css => scopes === null ? [...document.querySelectorAll(css)]
    : [...new Set(scopes.flatMap(s => [...s.querySelectorAll(':scope ' + css)]))];
  while ((m = rest.match(re))) {
    const text = norm(m[2]);
    scopes = within(rest.slice(0, m.index)).filter(e => norm(e.textContent).includes(text));
    rest = rest.slice(m.index + m[0].length);
  }
  let els = rest.trim() ? within(rest) : scopes;
  if (hasText != null) els = els.filter(e => norm(e.textContent).includes(norm(hasText)));
  return els;
};
/** Wholly inside the window and every scrolling ancestor's scrollport (its scrollbars excluded). */
const inView = e => {
  const r = e.getBoundingClientRect();
  if (r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth) return false;
  for (let a = e.parentElement; a; a = a.parentElement) {
    if (getComputedStyle(a).overflow === 'visible') continue;
    const b = a.getBoundingClientRect(), top = b.top + a.clientTop, left = b.left + a.clientLeft;
    if (r.top < top || r.left < left || r.bottom > top + a.clientHeight || r.right > left + a.clientWidth) return false;
  }
  return true;
};
const visible = e => {
  const r = e.getBoundingClientRect();
  return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden';
};
`;
