//! The report's HTML: the built app (JS + wasm for the UI and for the worker, CSS) inlined as
//! gzipped base64, the state, and a small bootstrap script allowed by its hash.
//!
//! The bootstrap decodes the assets (`atob` + `DecompressionStream`), starts the worker from a
//! `blob:` URL (worker JS + a tail that instantiates the worker wasm from bytes carried in the
//! same blob), publishes that URL as `window.WHODUNNIT_WORKER_URL` (read by the app's bridge),
//! keeps the decoded assets on `window.WHODUNNIT_ASSETS` (so a report can export a report) and
//! the state's text on `window.WHODUNNIT_STATE` (the app replaces the body's elements), and
//! imports the app's JS from a `blob:` URL. The Content-Security-Policy names no origin at all:
//! the page can load nothing and connect nowhere.

use super::{ReportState, B64, STATE_ID, STATE_MIME};
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// The built app, as Trunk writes it to `dist/`.
#[derive(Clone, Debug, Default)]
pub struct Assets {
    /// `app.js`: the UI's wasm-bindgen glue (an ES module).
    pub app_js: Vec<u8>,
    /// `app_bg.wasm`: the UI.
    pub app_wasm: Vec<u8>,
    /// `worker.js`: the worker's wasm-bindgen glue (a classic script defining `wasm_bindgen`).
    pub worker_js: Vec<u8>,
    /// `worker_bg.wasm`: the worker (the core).
    pub worker_wasm: Vec<u8>,
    /// `style.css`.
    pub css: String,
}

/// [`Assets`] gzipped and base64-encoded, ready to inline. Encoding takes most of an export's
/// time, so callers that export repeatedly (the dialog's size estimate) keep this.
#[derive(Clone, Debug, Default)]
pub struct EncodedAssets {
    /// Base64 of gzipped [`Assets::app_js`].
    pub app_js: String,
    /// Base64 of gzipped [`Assets::app_wasm`].
    pub app_wasm: String,
    /// Base64 of gzipped [`Assets::worker_js`].
    pub worker_js: String,
    /// Base64 of gzipped [`Assets::worker_wasm`].
    pub worker_wasm: String,
    /// [`Assets::css`] as is.
    pub css: String,
}

impl EncodedAssets {
    /// Compress and encode.
    pub fn encode(a: &Assets) -> Self {
        let enc = |b: &[u8]| B64.encode(super::gzip(b));
        EncodedAssets {
            app_js: enc(&a.app_js),
            app_wasm: enc(&a.app_wasm),
            worker_js: enc(&a.worker_js),
            worker_wasm: enc(&a.worker_wasm),
            css: a.css.clone(),
        }
    }
}

/// The inline bootstrap. Constant text, so its hash is fixed per build.
const BOOTSTRAP: &str = r#"
const text = (id) => document.getElementById(id).textContent;
const bytes = (s) => { const b = atob(s.replace(/\s+/g, "")); const u = new Uint8Array(b.length); for (let i = 0; i < b.length; i++) u[i] = b.charCodeAt(i); return u; };
const gunzip = async (u) => new Uint8Array(await new Response(new Blob([u]).stream().pipeThrough(new DecompressionStream("gzip"))).arrayBuffer());
const asset = (name) => gunzip(bytes(text("whodunnit-asset-" + name)));
try {
  // The app renders into <body> and replaces what is there: keep the state first.
  window.WHODUNNIT_STATE = text("whodunnit-state");
  const [appJs, appWasm, workerJs, workerWasm] = await Promise.all(["app-js", "app-wasm", "worker-js", "worker-wasm"].map(asset));
  window.WHODUNNIT_ASSETS = { app_js: appJs, app_wasm: appWasm, worker_js: workerJs, worker_wasm: workerWasm, css: text("whodunnit-css") };
  const tail = "\n;(async () => {\n" +
    "  const queued = []; self.onmessage = (e) => queued.push(e);\n" +
    "  const s = atob(" + JSON.stringify(text("whodunnit-asset-worker-wasm").replace(/\s+/g, "")) + ");\n" +
    "  const u = new Uint8Array(s.length); for (let i = 0; i < s.length; i++) u[i] = s.charCodeAt(i);\n" +
    "  const wasm = await new Response(new Blob([u]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer();\n" +
    "  await wasm_bindgen({ module_or_path: wasm });\n" +
    "  for (const e of queued) self.onmessage && self.onmessage(e);\n" +
    "})();\n";
  window.WHODUNNIT_WORKER_URL = URL.createObjectURL(new Blob([workerJs, tail], { type: "text/javascript" }));
  const app = await import(URL.createObjectURL(new Blob([appJs], { type: "text/javascript" })));
  await app.default({ module_or_path: appWasm });
} catch (e) {
  document.body.insertAdjacentHTML("beforeend", '<pre id="whodunnit-boot-error" style="padding:2em;white-space:pre-wrap"></pre>');
  document.getElementById("whodunnit-boot-error").textContent = "This report could not start: " + e + "\nIt needs a current Chromium- or Firefox-based browser.";
}
"#;

/// The page's Content-Security-Policy: no origin is named, so nothing remote can be loaded or
/// contacted; scripts run only from `blob:` URLs this page made and from the hashed bootstrap.
pub fn csp() -> String {
    let hash = B64.encode(Sha256::digest(BOOTSTRAP.as_bytes()));
    format!(
        "default-src 'none'; script-src blob: 'wasm-unsafe-eval' 'sha256-{hash}'; worker-src blob:; \
         connect-src blob: data:; img-src data: blob:; style-src 'unsafe-inline'; font-src data:; \
         object-src 'none'; base-uri 'none'; form-action 'none'"
    )
}

/// One self-contained HTML file: see the module docs.
pub fn build_html(assets: &Assets, state: &ReportState) -> String {
    build_html_encoded(&EncodedAssets::encode(assets), state)
}

/// [`build_html`] with assets encoded once beforehand.
pub fn build_html_encoded(assets: &EncodedAssets, state: &ReportState) -> String {
    let payload = state.encode();
    let n = state.files.len();
    let title = format!(
        "whodunnit report — {n} file{} — {}",
        if n == 1 { "" } else { "s" },
        state.created
    );
    let asset = |id: &str, b64: &str| {
        format!("<script type=\"application/x-whodunnit-asset\" id=\"whodunnit-asset-{id}\">{b64}</script>\n")
    };
    let mut h = String::with_capacity(
        payload.len()
            + assets.app_js.len()
            + assets.app_wasm.len()
            + assets.worker_js.len()
            + assets.worker_wasm.len()
            + assets.css.len()
            + BOOTSTRAP.len()
            + 2048,
    );
    h += "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n";
    h += &format!(
        "<meta name=\"generator\" content=\"whodunnit {} ({STATE_MIME}; schema {})\" />\n",
        escape(&state.app_version),
        state.schema
    );
    h += &format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\" />\n",
        csp()
    );
    h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n";
    h += "<meta name=\"referrer\" content=\"no-referrer\" />\n<link rel=\"icon\" href=\"data:,\" />\n";
    h += &format!("<title>{}</title>\n", escape(&title));
    // `</style` cannot occur in the app's own CSS; guard anyway so the page cannot break.
    h += &format!(
        "<style id=\"whodunnit-css\">{}</style>\n</head>\n<body>\n",
        assets.css.replace("</style", "<\\/style")
    );
    h += &format!("<script type=\"{STATE_MIME}\" id=\"{STATE_ID}\">{payload}</script>\n");
    h += &asset("app-js", &assets.app_js);
    h += &asset("app-wasm", &assets.app_wasm);
    h += &asset("worker-js", &assets.worker_js);
    h += &asset("worker-wasm", &assets.worker_wasm);
    h += &format!("<script type=\"module\">{BOOTSTRAP}</script>\n</body>\n</html>\n");
    h
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
