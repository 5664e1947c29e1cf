//! The first screen: what to drop, and a sample incident to try the tool without one.

use crate::state::AddFiles;
use js_sys::{Array, Promise};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{File, Response};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct EmptyProps {
    pub add: AddFiles,
    pub pick: Callback<MouseEvent>,
}

#[function_component(EmptyState)]
pub fn empty_state(p: &EmptyProps) -> Html {
    let error = use_state(|| None::<String>);
    let load = |set: &'static str| {
        let add = p.add.clone();
        let error = error.clone();
        Callback::from(move |_: MouseEvent| {
            let add = add.clone();
            let error = error.clone();
            spawn_local(async move {
                match fetch_samples(set).await {
                    Ok(files) => add.emit(files),
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    html! {
        <div class="empty">
            <div class="drop-card" onclick={p.pick.clone()}>
                <div class="drop-icon">{"⇣"}</div>
                <h2>{"Drop what you pulled off the broken cluster"}</h2>
                <p>{"or click to choose files · archives and folders too (Add folder) · or paste a goroutine dump (Ctrl+V)"}</p>
            </div>
            <div class="kinds">
                <div class="kind"><h4>{"Kubernetes audit logs"}</h4><p>{"audit.k8s.io Event JSON lines, EventList, GKE Cloud Logging, EKS CloudWatch Logs and AKS Azure Monitor exports, .gz; CSV query results over whodunnit's Parquet export. → per-user API cost, LIST calls that bypass the cache (per apiserver version), object history."}</p></div>
                <div class="kind"><h4>{"Node and component logs"}</h4><p>{"kubelet, controller-manager, containerd: klog files, journalctl text or -o json, logrus, CRI and Docker logs, dmesg, several mixed line by line. → one timeline, classified events, recurring errors."}</p></div>
                <div class="kind"><h4>{"Kubernetes events"}</h4><p>{"kubectl get events -o json, -o yaml, the text table or -o wide; events.json from cluster-info dump. → on the timeline by object kind, classified like log lines."}</p></div>
                <div class="kind"><h4>{"Archives and folders"}</h4><p>{".tar, .tar.gz/.tgz, .tar.xz, .tar.zst, .zip, nested too (a .log.gz inside a tar, a tar inside a zip); folders: must-gather, the EKS log collector's tarball, kind export logs; single files compressed with gzip, xz or zstd. → every member read as its own file, grouped under its bundle; files that are not logs listed as not read, with the reason."}</p></div>
                <div class="kind"><h4>{"Go goroutine dumps"}</h4><p>{"SIGQUIT dumps, panics, pprof goroutine?debug=1/2, dumps inside logs. → goroutines grouped by what they wait on, lock pile-ups and the likely holder."}</p></div>
            </div>
            <div class="sample-row">
                <button class="btn primary" id="load-scenarios" onclick={load("seeds")}>{"Load the seed incidents"}</button>
                <span class="muted small">{"real recordings (CC0): a control plane's LIST storms, an API Priority and Fairness burst answered with 429s and a namespace stuck terminating behind an unavailable APIService; containerd with a CNI ADD that never returns, one RunPodSandbox every 2 minutes (its log and two goroutine dumps). Not recorded: contents deleted days late (here the namespace is stuck 4 min 40 s), and a kubelet log for the CNI hang (no kubelet ran)."}</span>
            </div>
            <div class="sample-row" style="margin-top:10px">
                <button class="btn" id="load-sample" onclick={load("real")}>{"Load more real files"}</button>
                <span class="muted small">{"from the same recordings: etcd's JSON log, and containerd's own SIGUSR1 stack dump"}</span>
            </div>
            if let Some(e) = &*error { <div class="error">{ e }</div> }
            <p class="muted small privacy">{"Everything runs in this tab (WebAssembly in a Web Worker). No file, line or statistic is ever sent anywhere; the page's Content-Security-Policy forbids it."}</p>
        </div>
    }
}

/// Fetch a set of the bundled sample files listed in `samples/index.json` (same origin,
/// shipped with the app).
async fn fetch_samples(set: &str) -> Result<Vec<File>, String> {
    let index: serde_json::Value = serde_json::from_str(&fetch_text("samples/index.json").await?)
        .map_err(|e| e.to_string())?;
    let names: Vec<String> = index[set]["files"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let mut files = Vec::new();
    for name in names {
        let resp = fetch(&format!("samples/{name}")).await?;
        let blob = JsFuture::from(resp.blob().map_err(err)?)
            .await
            .map_err(err)?;
        let parts = Array::of1(&blob);
        files.push(File::new_with_blob_sequence(&parts, &name).map_err(err)?);
    }
    Ok(files)
}

async fn fetch(url: &str) -> Result<Response, String> {
    let window = web_sys::window().ok_or("no window")?;
    let p: Promise = window.fetch_with_str(url);
    let resp: Response = JsFuture::from(p)
        .await
        .map_err(err)?
        .dyn_into()
        .map_err(err)?;
    if !resp.ok() {
        return Err(format!("{url}: HTTP {}", resp.status()));
    }
    Ok(resp)
}

async fn fetch_text(url: &str) -> Result<String, String> {
    let resp = fetch(url).await?;
    JsFuture::from(resp.text().map_err(err)?)
        .await
        .map_err(err)?
        .as_string()
        .ok_or_else(|| "not text".into())
}

fn err(e: wasm_bindgen::JsValue) -> String {
    format!("{e:?}")
}
