//! The Goroutines view: lock pile-ups first (waiters, age histogram, the likely holder and
//! why), then every group of goroutines with the same story; filter, regroup, compare dumps.

use crate::fmt;
use crate::views::{use_query, Nothing};
use std::collections::HashSet;
use whodunnit_core::goroutine::frame::Similarity;
use whodunnit_core::goroutine::report::{
    FrameView, GoroutineQuery, GoroutineReport, GroupView, LockGroup, SnapshotInfo, SnapshotRef,
};
use whodunnit_core::goroutine::GoroutineDiff;
use whodunnit_core::query::Query;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub generation: u32,
    /// An evidence link to a snapshot, applied when it changes.
    #[prop_or_default]
    pub focus: Option<crate::state::Focus>,
}

#[function_component(GoroutinesView)]
pub fn goroutines_view(p: &Props) -> Html {
    let similarity = use_state(Similarity::default);
    let text = use_state(String::new);
    let state = use_state(String::new);
    let snapshot = use_state(|| None::<SnapshotRef>);
    let show_runtime = use_state(|| false);
    let expanded = use_state(HashSet::<usize>::new);
    let compare = use_state(|| None::<(SnapshotRef, SnapshotRef)>);
    // Periodic dumps of one process can hold thousands of lock pile-ups and groups: the first
    // ones are drawn at once, the rest on request.
    let all_locks = use_state(|| false);
    let all_groups = use_state(|| false);
    {
        let snapshot = snapshot.clone();
        use_effect_with(p.focus.clone(), move |f| {
            if let Some(crate::state::Focus::Goroutines { file, snapshot: s }) = f {
                snapshot.set(Some(SnapshotRef {
                    file: *file,
                    snapshot: *s,
                }));
            }
        });
    }
    let q = GoroutineQuery {
        similarity: *similarity,
        text: (*text).clone(),
        state: (*state).clone(),
        package: String::new(),
        files: Vec::new(),
        snapshot: *snapshot,
        max_groups: 300,
    };
    let answer = use_query::<GoroutineReport>(Query::Goroutines(q), p.generation);
    let r = match &*answer {
        Some(Ok(r)) => r.clone(),
        Some(Err(e)) => return html! { <div class="view error">{ e }</div> },
        None => return html! { <div class="view muted">{"Grouping goroutines…"}</div> },
    };
    if r.snapshots.is_empty() {
        return html! {
            <div class="view">
                <Nothing title="No goroutine dump loaded">
                    {"Drop a Go goroutine dump — SIGQUIT output, a panic, `curl /debug/pprof/goroutine?debug=2` (or debug=1), or a kubelet/containerd log with a dump inside. Goroutines are grouped by what they wait on, lock pile-ups come first with the likely holder."}
                </Nothing>
            </div>
        };
    }
    let text_input = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(i) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                text.set(i.value());
            }
        })
    };
    let state_input = {
        let state = state.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(i) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                state.set(i.value());
            }
        })
    };
    let sim_button = |label: &'static str, s: Similarity, title: &'static str| {
        let similarity = similarity.clone();
        html! { <button {title} class={classes!((*similarity == s).then_some("on"))} onclick={Callback::from(move |_| similarity.set(s))}>{ label }</button> }
    };
    let snap_select = {
        let snapshot = snapshot.clone();
        Callback::from(move |e: Event| {
            if let Some(sel) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                let v = sel.value();
                snapshot.set(v.split_once(':').and_then(|(f, s)| {
                    Some(SnapshotRef {
                        file: f.parse().ok()?,
                        snapshot: s.parse().ok()?,
                    })
                }));
            }
        })
    };
    let toggle = |id: usize| {
        let expanded = expanded.clone();
        Callback::from(move |_: MouseEvent| {
            let mut s = (*expanded).clone();
            if !s.remove(&id) {
                s.insert(id);
            }
            expanded.set(s);
        })
    };
    let rt = *show_runtime;
    let compare_ui = {
        let compare = compare.clone();
        html! { <CompareControls snapshots={r.snapshots.clone()} compare={Callback::from(move |c| compare.set(Some(c)))} /> }
    };

    html! {
        <div class="view goroutines-view">
            <div class="toolbar">
                <input type="search" placeholder="search function, file, package" value={(*text).clone()} oninput={text_input} />
                <input type="text" placeholder="state (e.g. semacquire)" value={(*state).clone()} oninput={state_input} style="width:170px" />
                <span class="muted small">{"group by"}</span>
                <span class="seg">
                    { sim_button("exact", Similarity::Exact, "Arguments must be equal") }
                    { sim_button("any pointer", Similarity::Pointer, "Pointer arguments may differ (default)") }
                    { sim_button("any value", Similarity::Any, "Arguments ignored") }
                </span>
                <select onchange={snap_select}>
                    <option value="" selected={snapshot.is_none()}>{ format!("all {} snapshots", r.snapshots.len()) }</option>
                    { for r.snapshots.iter().map(|s| {
                        let v = format!("{}:{}", s.file, s.snapshot);
                        let sel = *snapshot == Some(SnapshotRef { file: s.file, snapshot: s.snapshot });
                        html! { <option value={v} selected={sel}>{ &s.label }</option> }
                    }) }
                </select>
                <label class="small"><input type="checkbox" checked={rt} onchange={{ let s = show_runtime.clone(); Callback::from(move |_| s.set(!*s)) }} />{" show runtime frames"}</label>
            </div>
            <div class="stat-row">
                <super::files::Stat label="goroutines" value={fmt::count(r.total_goroutines)} />
                <super::files::Stat label="matching" value={fmt::count(r.matched_goroutines)} />
                <super::files::Stat label="groups" value={fmt::count(r.total_groups as u64)} />
                <super::files::Stat label="contended locks" value={fmt::count(r.lock_groups.len() as u64)} warn={!r.lock_groups.is_empty()} id="lock-group-count" />
            </div>
            { for r.notes.iter().map(|n| html! { <div class="note">{"ⓘ "}{ n }</div> }) }
            if !r.lock_groups.is_empty() {
                <h2 class="section">{"Lock contention"}</h2>
                { for r.lock_groups.iter().take(if *all_locks { usize::MAX } else { LOCK_CARDS }).map(|l| lock_card(l, rt)) }
                if !*all_locks && r.lock_groups.len() > LOCK_CARDS {
                    { show_all(&all_locks, LOCK_CARDS, r.lock_groups.len(), "lock pile-ups", "show-all-locks") }
                }
            }
            if !r.wait_sites.is_empty() {
                <h2 class="section">{"Waiting at one call site (no mutex)"}</h2>
                <table class="grid wait-sites">
                    <thead><tr><th class="num">{"waiters"}</th><th>{"state"}</th><th>{"call site"}</th><th>{"printed waits (min)"}</th><th>{"oldest"}</th><th>{"snapshot"}</th></tr></thead>
                    <tbody>
                    { for r.wait_sites.iter().map(|w| html! {
                        <tr class="wait-site">
                            <td class="num"><b>{ fmt::count(w.waiters) }</b></td>
                            <td class={classes!(state_class(&w.state))}>{ &w.state }</td>
                            <td class="mono small">{ &w.func }{" "}<span class="muted">{ &w.location }</span></td>
                            <td class="small">
                                { w.ages.iter().rev().map(|(m, n)| if *n > 1 { format!("{m}×{n}") } else { m.to_string() }).collect::<Vec<_>>().join(", ") }
                                if let Some(p) = &w.periodicity { <div class="periodic">{"⟳ "}{ p }</div> }
                            </td>
                            <td class="small">{ w.oldest.map(|(id, _)| format!("goroutine {id}: {}", w.oldest_range)).unwrap_or_default() }</td>
                            <td class="muted small">{ snapshot_label(&r, w.file, w.snapshot) }</td>
                        </tr>
                    }) }
                    </tbody>
                </table>
            }
            <h2 class="section">{ format!("Goroutine groups ({} of {})", r.groups.len(), r.total_groups) }</h2>
            <table class="grid groups-table">
                <thead><tr><th class="num">{"count"}</th><th>{"state"}</th><th>{"waiting"}</th><th>{"where"}</th><th>{"created by"}</th><th>{"snapshot"}</th></tr></thead>
                <tbody>
                { for r.groups.iter().take(if *all_groups { usize::MAX } else { GROUP_ROWS }).map(|g| {
                    let open = expanded.contains(&g.id);
                    html! {
                        <>
                        <tr class={classes!("group-row", g.lock_group.is_some().then_some("locked-row"))} onclick={toggle(g.id)} style="cursor:pointer">
                            <td class="num"><b>{ fmt::count(g.count) }</b></td>
                            <td class={classes!(state_class(&g.state))}>{ &g.state }{ if g.locked > 0 { " 🔒" } else { "" } }</td>
                            <td class="num">{ &g.wait_text }</td>
                            <td class="mono small">{ if open { "▾ " } else { "▸ " } }{ &g.title }</td>
                            <td class="mono small">{ g.created_by.as_ref().map(|c| c.func.clone()).unwrap_or_default() }</td>
                            <td class="muted small">{ snapshot_label(&r, g.file, g.snapshot) }</td>
                        </tr>
                        if open {
                            <tr><td colspan="6">{ group_detail(g, rt) }</td></tr>
                        }
                        </>
                    }
                }) }
                </tbody>
            </table>
            if !*all_groups && r.groups.len() > GROUP_ROWS {
                { show_all(&all_groups, GROUP_ROWS, r.groups.len(), "groups", "show-all-groups") }
            }
            { compare_ui }
            if let Some((a, b)) = *compare {
                <DiffView generation={p.generation} before={a} after={b} similarity={*similarity} />
            }
        </div>
    }
}

fn state_class(s: &str) -> &'static str {
    if s.contains("semacquire") || s.contains("Lock") || s.contains("deadlock") {
        "bad"
    } else if s.contains("IO wait") || s.contains("select") || s.contains("chan") {
        "warn"
    } else {
        ""
    }
}

fn lock_card(l: &LockGroup, rt: bool) -> Html {
    let max = l
        .histogram
        .iter()
        .map(|b| b.count)
        .max()
        .unwrap_or(1)
        .max(1);
    html! {
        <div class="card alert lock-card" data-lock={l.lock.clone()}>
            <h3>{ &l.summary }</h3>
            <div class="small muted">
                { format!("{} · {} waiters · waiting {}–{} min", l.kind, l.waiters, l.newest_minutes, l.oldest_minutes) }
                if let Some(a) = &l.address { { " · address " }<span class="mono">{ a }</span> }
            </div>
            if let Some(p) = &l.periodicity { <div class="periodic">{"⟳ "}{ p }</div> }
            <div class="split">
                <div>
                    <div class="small muted">{"Waiters by age (minutes waiting)"}</div>
                    <div class="bars">
                        { for l.histogram.iter().map(|b| html! {
                            <div class="b" style={format!("height:{:.0}%", (b.count as f64 / max as f64 * 100.0).max(4.0))} title={format!("{}: {} goroutines", b.label, b.count)}></div>
                        }) }
                    </div>
                    <div class="bar-labels small muted">
                        // Empty buckets keep their place but not a label: ages that step by N
                        // minutes would otherwise crowd the axis.
                        { for l.histogram.iter().map(|b| html! { <span>{ if b.count > 0 { b.label.as_str() } else { "" } }</span> }) }
                    </div>
                    <div class="small muted" style="margin-top:8px">{"Called Lock from"}</div>
                    <ul class="mono small callsites">
                        { for l.call_sites.iter().map(|c| html! { <li><b>{ c.count }</b>{ " × " }{ &c.frame.func }{ " " }<span class="muted">{ &c.frame.location }</span></li> }) }
                    </ul>
                </div>
                <div>
                    <div class="small muted">{"Likely holder"}</div>
                    if l.holders.is_empty() {
                        <div class="warn small">{ l.no_holder.clone().unwrap_or_else(|| "No candidate.".into()) }</div>
                    }
                    { for l.holders.iter().take(3).enumerate().map(|(i, h)| html! {
                        <div class={classes!("holder", (i == 0).then_some("top"))}>
                            <div><b>{ h.goroutine.map(|g| format!("goroutine {g}")).unwrap_or_else(|| "a goroutine".into()) }</b>
                                { format!(" [{}{}]", h.state, h.wait_minutes.map(|m| format!(", {m} min")).unwrap_or_default()) }
                                <span class="pill">{ format!("score {}", h.score) }</span></div>
                            <ul class="small reasons">{ for h.reasons.iter().map(|x| html!{ <li>{ x }</li> }) }</ul>
                            { stack(&h.frames, rt, 8) }
                        </div>
                    }) }
                </div>
            </div>
            <div class="small muted">{ format!("{} waiter groups below are marked", l.waiter_groups.len()) }</div>
        </div>
    }
}

fn group_detail(g: &GroupView, rt: bool) -> Html {
    html! {
        <div class="group-detail">
            { stack(&g.frames, rt, 200) }
            if let Some(e) = &g.elided { <div class="muted small">{ e }</div> }
            if let Some(c) = &g.created_by { <div class="small">{"created by "}<span class="mono">{ &c.func }</span>{" "}<span class="muted mono">{ &c.file }{":"}{ c.line }</span></div> }
            if let Some(race) = &g.race { <div class="bad small">{ race }</div> }
            <div class="muted small">{ format!("goroutines: {}{}", g.ids.iter().take(40).map(|i| i.to_string()).collect::<Vec<_>>().join(", "), if g.ids_total > 40 { format!(" … ({} in all)", g.ids_total) } else { String::new() }) }</div>
        </div>
    }
}

/// A stack, innermost first; runtime frames collapsed unless asked for, stdlib dimmed.
/// Lock cards drawn before "show all".
const LOCK_CARDS: usize = 25;
/// Group rows drawn before "show all" (the query returns 300, and every group waiting on a lock).
const GROUP_ROWS: usize = 300;

/// "Showing `shown` of `total` …" and a button that draws the rest.
fn show_all(flag: &UseStateHandle<bool>, shown: usize, total: usize, what: &str, id: &str) -> Html {
    let flag = flag.clone();
    html! {
        <div class="note">
            { format!("Showing the first {} of {} {what}, in the report's order. ", fmt::count(shown as u64), fmt::count(total as u64)) }
            <button id={id.to_string()} onclick={Callback::from(move |_| flag.set(true))}>{ format!("show all {}", fmt::count(total as u64)) }</button>
        </div>
    }
}

fn stack(frames: &[FrameView], show_runtime: bool, max: usize) -> Html {
    let mut hidden = 0;
    let shown: Vec<&FrameView> = frames
        .iter()
        .filter(|f| {
            let keep = show_runtime || !f.runtime;
            if !keep {
                hidden += 1;
            }
            keep
        })
        .take(max)
        .collect();
    html! {
        <pre class="stack">
            { for shown.iter().map(|f| html! {
                <div class={classes!(f.stdlib.then_some("frame-std"))}>
                    <span class="frame-func">{ &f.func }</span>{"("}<span class="muted">{ &f.args }</span>{")"}
                    {"\n    "}<span class="frame-loc">{ &f.file }{ if f.line > 0 { format!(":{}", f.line) } else { String::new() } }</span>
                </div>
            }) }
            if hidden > 0 { <div class="muted">{ format!("… {hidden} runtime frames hidden") }</div> }
        </pre>
    }
}

#[derive(Properties, PartialEq)]
struct CompareProps {
    snapshots: Vec<SnapshotInfo>,
    compare: Callback<(SnapshotRef, SnapshotRef)>,
}

/// Pick two snapshots (usually two dumps of one process, minutes apart) to compare.
#[function_component(CompareControls)]
fn compare_controls(p: &CompareProps) -> Html {
    let before = use_state(|| 0usize);
    let after = use_state(|| p.snapshots.len().saturating_sub(1));
    if p.snapshots.len() < 2 {
        return html! {};
    }
    let pick = |h: UseStateHandle<usize>| {
        Callback::from(move |e: Event| {
            if let Some(sel) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                h.set(sel.selected_index().max(0) as usize);
            }
        })
    };
    let select = |h: &UseStateHandle<usize>| {
        html! {
            <select onchange={pick(h.clone())}>
                { for p.snapshots.iter().enumerate().map(|(i, s)| html! { <option selected={i == **h}>{ &s.label }</option> }) }
            </select>
        }
    };
    let onclick = {
        let (snaps, compare, before, after) =
            (p.snapshots.clone(), p.compare.clone(), *before, *after);
        Callback::from(move |_: MouseEvent| {
            let r = |i: usize| SnapshotRef {
                file: snaps[i].file,
                snapshot: snaps[i].snapshot,
            };
            compare.emit((r(before), r(after)));
        })
    };
    html! {
        <div class="toolbar" style="margin-top:18px">
            <h2 class="section" style="margin:0">{"Compare two dumps"}</h2>
            { select(&before) }<span class="muted">{"→"}</span>{ select(&after) }
            <button class="btn small" {onclick}>{"compare"}</button>
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct DiffProps {
    generation: u32,
    before: SnapshotRef,
    after: SnapshotRef,
    similarity: Similarity,
}

#[function_component(DiffView)]
fn diff_view(p: &DiffProps) -> Html {
    let answer = use_query::<GoroutineDiff>(
        Query::GoroutineDiff {
            before: p.before,
            after: p.after,
            similarity: p.similarity,
        },
        p.generation,
    );
    let Some(Ok(d)) = &*answer else {
        return html! { <div class="muted">{"comparing…"}</div> };
    };
    let section = |title: &str, entries: &[whodunnit_core::goroutine::DiffEntry]| {
        html! {
            <div class="card">
                <h3>{ format!("{title} ({})", entries.iter().map(|e| e.count).sum::<u64>()) }</h3>
                { for entries.iter().take(30).map(|e| html! {
                    <div class="small"><b>{ e.count }</b>{" × "}<span class="mono">{ &e.title }</span>{" "}<span class="muted">{ &e.state }{" "}{ &e.wait_change }</span></div>
                }) }
            </div>
        }
    };
    html! {
        <div>
            <div class="note">{ &d.summary }</div>
            { for d.notes.iter().map(|n| html! { <div class="note">{ n }</div> }) }
            <div class="split">
                { section("Appeared", &d.appeared) }
                { section("Vanished", &d.vanished) }
            </div>
            { section("Still blocked, waiting longer", &d.waited_longer) }
        </div>
    }
}

/// How a snapshot is named in the tables (file, dump number, time): rows of several snapshots
/// must say which dump they come from.
fn snapshot_label(r: &GoroutineReport, file: usize, snapshot: usize) -> String {
    r.snapshots
        .iter()
        .find(|s| s.file == file && s.snapshot == snapshot)
        .map(|s| s.label.clone())
        .unwrap_or_default()
}
