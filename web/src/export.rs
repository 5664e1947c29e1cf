//! Offline reports in the UI: the "Share report" dialog, the banner a report shows, and the
//! analysis a report page carries (loaded like a dropped file; the worker restores it).
//!
//! The dialog gets the app's own files either from the page's server (`./app.js` …) or, inside a
//! report, from `window.WHODUNNIT_ASSETS` (set by the report's bootstrap), hands them to the
//! worker with the options, and shows the exact size of the file it built before downloading it.

use crate::bridge::BridgeCtx;
use crate::fmt;
use crate::state::{FileEntry, FileStatus};
use js_sys::{Object, Reflect, Uint8Array};
use std::collections::BTreeSet;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{Blob, BlobPropertyBag, File, HtmlAnchorElement, Response, Url};
use whodunnit_core::report::ReportInfo;
use yew::prelude::*;

/// The report's own analysis, as a `File` to load, when this page is a report (the report's
/// bootstrap keeps the state element's text on `window.WHODUNNIT_STATE`).
pub fn embedded_report() -> Option<File> {
    use whodunnit_core::report::{STATE_ID, STATE_MIME};
    let payload = Reflect::get(&gloo::utils::window(), &"WHODUNNIT_STATE".into())
        .ok()?
        .as_string()?;
    let html = format!("<script type=\"{STATE_MIME}\" id=\"{STATE_ID}\">{payload}</script>");
    let parts = js_sys::Array::of1(&html.into());
    File::new_with_str_sequence(&parts, "report.html").ok()
}

/// The app's files (`app_js`, `app_wasm`, `worker_js`, `worker_wasm` as bytes, `css` as text).
async fn load_assets() -> Result<JsValue, String> {
    let w = gloo::utils::window();
    if let Ok(a) = Reflect::get(&w, &"WHODUNNIT_ASSETS".into()) {
        if a.is_object() {
            return Ok(a);
        }
    }
    let fail = |what: &str, e: JsValue| {
        format!(
            "cannot read the app's own file {what} ({}): export works when the app is served (scripts/dev serve) or from a report",
            e.as_string().unwrap_or_else(|| format!("{e:?}"))
        )
    };
    let fetch = |url: &'static str| {
        let w = w.clone();
        async move {
            let r = JsFuture::from(w.fetch_with_str(url))
                .await
                .map_err(|e| fail(url, e))?;
            let r: Response = r.dyn_into().map_err(|e| fail(url, e))?;
            if !r.ok() {
                return Err(fail(url, format!("HTTP {}", r.status()).into()));
            }
            Ok::<Response, String>(r)
        }
    };
    let obj = Object::new();
    for (key, url) in [
        ("app_js", "./app.js"),
        ("app_wasm", "./app_bg.wasm"),
        ("worker_js", "./worker.js"),
        ("worker_wasm", "./worker_bg.wasm"),
    ] {
        let r = fetch(url).await?;
        let buf = JsFuture::from(r.array_buffer().map_err(|e| fail(url, e))?)
            .await
            .map_err(|e| fail(url, e))?;
        let _ = Reflect::set(&obj, &key.into(), &Uint8Array::new(&buf));
    }
    let r = fetch("./style.css").await?;
    let css = JsFuture::from(r.text().map_err(|e| fail("style.css", e))?)
        .await
        .map_err(|e| fail("style.css", e))?;
    let _ = Reflect::set(&obj, &"css".into(), &css);
    let _ = Reflect::set(&w, &"WHODUNNIT_ASSETS".into(), &obj);
    Ok(obj.into())
}

/// Save `html` through a `blob:` URL and an `<a download>`.
fn download(html: &str, name: &str) -> Result<(), JsValue> {
    let parts = js_sys::Array::of1(&JsValue::from_str(html));
    let bag = BlobPropertyBag::new();
    bag.set_type("text/html;charset=utf-8");
    let blob = Blob::new_with_str_sequence_and_options(&parts, &bag)?;
    let url = Url::create_object_url_with_blob(&blob)?;
    let doc = gloo::utils::document();
    let a: HtmlAnchorElement = doc.create_element("a")?.dyn_into()?;
    a.set_href(&url);
    a.set_download(name);
    a.set_attribute("style", "display:none")?;
    gloo::utils::body().append_child(&a)?;
    a.click();
    a.remove();
    // Give the download time to start before the URL goes away.
    gloo::timers::callback::Timeout::new(60_000, move || {
        let _ = Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}

#[derive(Clone, PartialEq)]
enum Built {
    Waiting(&'static str),
    /// `seq` numbers the builds, so a test can tell a rebuild from the previous result.
    Ready {
        html: Rc<String>,
        bytes: u64,
        seq: u32,
    },
    Failed(String),
}

/// Props of [`ExportDialog`].
#[derive(Properties, PartialEq)]
pub struct ExportProps {
    pub bridge: BridgeCtx,
    pub files: Vec<FileEntry>,
    pub on_close: Callback<()>,
}

/// The export dialog: what goes into the report, its size, and the download button.
#[function_component(ExportDialog)]
pub fn export_dialog(p: &ExportProps) -> Html {
    let redact = use_state(|| false);
    let raw = use_state(BTreeSet::<u32>::new);
    let assets = use_state(|| None::<Result<JsValue, String>>);
    let built = use_state(|| Built::Waiting("reading the app's own files…"));
    let seq = use_mut_ref(|| 0u32);
    let created = use_memo((), |_| {
        js_sys::Date::new_0()
            .to_iso_string()
            .as_string()
            .unwrap_or_default()
    });

    {
        let assets = assets.clone();
        use_effect_with((), move |_| {
            spawn_local(async move { assets.set(Some(load_assets().await)) });
        });
    }
    {
        let built = built.clone();
        let bridge = p.bridge.clone();
        let created = (*created).clone();
        let key = (assets.as_ref().map(|a| a.is_ok()), *redact, (*raw).clone());
        let assets = (*assets).clone();
        use_effect_with(key, move |(_, redact, raw)| {
            *seq.borrow_mut() += 1;
            let mine = *seq.borrow();
            match assets {
                None => {}
                Some(Err(e)) => built.set(Built::Failed(e)),
                Some(Ok(a)) => {
                    built.set(Built::Waiting("building the report…"));
                    let seq = seq.clone();
                    let cb = Callback::from(move |v: serde_json::Value| {
                        if *seq.borrow() != mine {
                            return;
                        }
                        match (v["html"].as_str(), v["error"].as_str()) {
                            (Some(h), _) => built.set(Built::Ready {
                                seq: mine,
                                bytes: h.len() as u64,
                                html: Rc::new(h.to_string()),
                            }),
                            (_, Some(e)) => built.set(Built::Failed(e.to_string())),
                            _ => built.set(Built::Failed("no answer from the worker".into())),
                        }
                    });
                    let raw: Vec<u32> = if *redact {
                        vec![]
                    } else {
                        raw.iter().copied().collect()
                    };
                    bridge.0.export(*redact, raw, created, &a, cb);
                }
            }
        });
    }

    let done: Vec<&FileEntry> = p
        .files
        .iter()
        .filter(|f| matches!(f.status, FileStatus::Done { .. }))
        .collect();
    let toggle_redact = {
        let redact = redact.clone();
        Callback::from(move |_: Event| redact.set(!*redact))
    };
    let close = {
        let on_close = p.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    let save = {
        let built = built.clone();
        let created = (*created).clone();
        Callback::from(move |_: MouseEvent| {
            if let Built::Ready { html, .. } = &*built {
                let stamp: String = created
                    .chars()
                    .take(19)
                    .map(|c| if c == ':' { '-' } else { c })
                    .collect();
                if let Err(e) = download(html, &format!("whodunnit-report-{stamp}.html")) {
                    built.set(Built::Failed(format!("download failed: {e:?}")));
                }
            }
        })
    };
    let status = match &*built {
        Built::Waiting(what) => html! { <span class="muted">{ *what }</span> },
        Built::Ready { bytes, seq, .. } => html! {
            <span id="export-size" data-seq={seq.to_string()}>{"Size: "}<strong>{ fmt::bytes(*bytes) }</strong>
                <span class="muted">{ format!(" ({} bytes)", fmt::count(*bytes)) }</span></span>
        },
        Built::Failed(e) => html! { <span class="bad" id="export-error">{ e.clone() }</span> },
    };
    let ready = matches!(&*built, Built::Ready { .. });
    html! {
        <div class="export-backdrop" style="position:fixed;inset:0;z-index:20;background:var(--shadow);display:flex;align-items:center;justify-content:center">
            <div class="export-dialog card" role="dialog" aria-label="Share offline report"
                 style="width:min(620px,92vw);max-height:86vh;overflow:auto;padding:18px 20px;box-shadow:0 8px 30px var(--shadow)">
                <h3 style="margin-top:0">{"Share an offline report"}</h3>
                <p class="muted" style="margin-top:0">
                    {"One HTML file with this app and the analysis of these files. It opens by double-click with no network and no server, and loads or sends nothing."}
                </p>
                <label style="display:flex;gap:8px;align-items:flex-start;margin:12px 0">
                    <input id="export-redact" type="checkbox" checked={*redact} onchange={toggle_redact} />
                    <span>{"Redact: replace usernames, service accounts, IPs, node names and namespaces by consistent pseudonyms ("}
                        <code>{"user-3f2a"}</code>{", "}<code>{"ip-7c1d"}</code>{")"}</span>
                </label>
                <div class="muted small" style="margin:6px 0">
                    { if *redact { "Raw lines are left out of redacted reports: they would carry the original names." }
                      else { "By default the report holds the analysis (summaries, events, tables), not the raw log lines. Include raw lines per file:" } }
                </div>
                <ul style="list-style:none;padding:0;margin:0 0 12px">
                    { for done.iter().map(|f| {
                        let id = f.id;
                        let checked = raw.contains(&id) && !*redact;
                        let onchange = {
                            let raw = raw.clone();
                            Callback::from(move |_: Event| {
                                let mut s = (*raw).clone();
                                if !s.remove(&id) { s.insert(id); }
                                raw.set(s);
                            })
                        };
                        html! {
                            <li style="padding:3px 0">
                                <label style="display:flex;gap:8px;align-items:center">
                                    <input type="checkbox" class="export-raw" {checked} disabled={*redact} {onchange} />
                                    <span class="mono">{ f.name.clone() }</span>
                                    <span class="muted small">{ format!("include raw lines ({})", fmt::bytes(f.size)) }</span>
                                </label>
                            </li>
                        }
                    }) }
                </ul>
                <div style="display:flex;gap:10px;align-items:center">
                    { status }
                    <div class="spacer"></div>
                    <button class="btn" onclick={close}>{"Close"}</button>
                    <button id="export-download" class="btn primary" disabled={!ready} onclick={save}>{"Download report.html"}</button>
                </div>
            </div>
        </div>
    }
}

/// Props of [`ReportBanner`].
#[derive(Properties, PartialEq)]
pub struct BannerProps {
    pub info: ReportInfo,
}

/// Where a report's analysis came from: files, when, which version, redacted or not.
#[function_component(ReportBanner)]
pub fn report_banner(p: &BannerProps) -> Html {
    let i = &p.info;
    let names: Vec<String> = i.files.iter().map(|f| f.name.clone()).collect();
    let with_raw = i.files.iter().filter(|f| f.raw_included).count();
    let raw = match with_raw {
        0 => "raw lines not included".to_string(),
        n if n == i.files.len() => "raw lines included".to_string(),
        n => format!("raw lines included for {n} of {} files", i.files.len()),
    };
    html! {
        <div id="report-banner" class="report-banner small" role="note"
             style="padding:6px 14px;background:var(--panel2);border-bottom:1px solid var(--border);display:flex;gap:8px;flex-wrap:wrap;align-items:baseline">
            <strong>{"Offline report"}</strong>
            <span>{ format!("made {} by whodunnit {} (report schema {})", i.created, i.app_version, i.schema) }</span>
            <span class="muted">{"·"}</span>
            <span title={names.join("\n")}>{ format!("from {} file{}: {}", names.len(), if names.len() == 1 { "" } else { "s" }, shorten(&names)) }</span>
            <span class="muted">{"·"}</span>
            <span class={if i.redacted { "warn" } else { "muted" }}>{ if i.redacted { "redacted (pseudonyms)" } else { "not redacted" } }</span>
            <span class="muted">{"·"}</span>
            <span class="muted">{ raw }</span>
        </div>
    }
}

fn shorten(names: &[String]) -> String {
    const SHOW: usize = 4;
    let mut s = names
        .iter()
        .take(SHOW)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOW {
        s += &format!(" and {} more", names.len() - SHOW);
    }
    s
}
