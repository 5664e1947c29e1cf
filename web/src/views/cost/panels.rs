//! The API cost report's HTML around its chart: the apiserver-version bar, the rows of the main
//! table, the LIST patterns, where the time went, and the per-week shares.

use crate::fmt;
use whodunnit_core::audit::cost::{CostReport, CostRow};
use yew::prelude::*;

/// Minor versions offered in the version control (the LIST rules change at 1.31, 1.33, 1.34).
const VERSIONS: [&str; 10] = [
    "1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33", "1.34", "1.35", "1.36",
];

/// The apiserver version the LIST rules assume, where it comes from, and the control to change
/// it; then what the logs cannot tell.
pub(super) fn version_bar(r: &CostReport, version: UseStateHandle<Option<String>>) -> Html {
    let lm = &r.list_model;
    let onchange = {
        let version = version.clone();
        Callback::from(move |e: Event| {
            let v = e
                .target_unchecked_into::<web_sys::HtmlSelectElement>()
                .value();
            version.set((!v.is_empty()).then_some(v));
        })
    };
    let inferred = match &lm.inferred {
        Some(i) => format!("as the logs show: {i}"),
        None => "as the logs show: unknown".to_string(),
    };
    let chosen = (*version).clone().unwrap_or_default();
    html! {
        <div class="version-bar">
            <label class="small">{"apiserver version "}
                <select class="version-select" {onchange}>
                    <option value="" selected={chosen.is_empty()}>{ inferred }</option>
                    { for VERSIONS.iter().map(|v| html! { <option value={*v} selected={chosen == *v}>{ *v }</option> }) }
                </select>
            </label>
            <span class="small list-model">{ format!(
                " LIST sources for {} ({}): {} by annotation evidence, {} by the version's rules, {} undecided.",
                lm.version.as_deref().unwrap_or("an unknown version"),
                lm.version_source,
                fmt::count(lm.by_annotation),
                fmt::count(lm.by_rule),
                fmt::count(lm.undecided)
            ) }</span>
            if !r.missing.is_empty() {
                <ul class="missing small muted">
                    { for r.missing.iter().map(|m| html! { <li>{ m }</li> }) }
                </ul>
            }
        </div>
    }
}

/// The largest LIST patterns, where they were served and what decided it.
pub(super) fn list_patterns(r: &CostReport) -> Html {
    let pats = &r.list_model.patterns;
    if pats.is_empty() {
        return html! {};
    }
    html! {
        <>
            <h2 class="section">{"LIST patterns: where they were served"}</h2>
            <table class="grid list-patterns">
                <thead><tr>
                    <th>{"user"}</th><th>{"resource"}</th><th>{"resourceVersion"}</th>
                    <th class="num">{"LISTs"}</th><th class="num">{"query time"}</th>
                    <th>{"served from"}</th><th>{"decided by"}</th><th>{"why"}</th>
                </tr></thead>
                <tbody>
                    { for pats.iter().map(|p| html! {
                        <tr class="list-pattern">
                            <td class="mono" title={p.user.clone()}>{ fmt::ellipsize_middle(&p.user, 48) }</td>
                            <td class="mono">{ &p.resource }</td>
                            <td>{ &p.class_label }</td>
                            <td class="num">{ fmt::count(p.lists) }</td>
                            <td class="num">{ whodunnit_core::time::fmt_duration(p.query_time_us) }</td>
                            <td class={classes!("source", (p.source == whodunnit_core::audit::version::ListSource::Etcd).then_some("etcd-hot"))}>{ p.source.label() }</td>
                            <td>{ &p.decided_by }</td>
                            <td class="small muted">{ &p.rule }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
        </>
    }
}

/// Where the time went: the latency annotations' sum, with their >500 ms caveat, and APF.
pub(super) fn time_split(r: &CostReport) -> Html {
    if r.latency_breakdown.is_empty() && r.apf.is_empty() {
        return html! {};
    }
    html! {
        <>
            <h2 class="section">{"Where the time went"}</h2>
            if !r.latency_breakdown.is_empty() {
                <p class="small muted">{ format!("Sum of apiserver.latency.k8s.io/* annotations. The apiserver writes them only for requests slower than 500 ms: {} of {} requests here.", fmt::count(r.totals.annotated), fmt::count(r.totals.requests)) }</p>
                <table class="grid latency-split">
                    <tbody>
                        { for r.latency_breakdown.iter().map(|p| html! { <tr><td class="mono">{ &p.name }</td><td class="num">{ &p.text }</td></tr> }) }
                    </tbody>
                </table>
            }
            if !r.apf.is_empty() {
                <table class="grid apf">
                    <thead><tr><th>{"priority level"}</th><th>{"flow schema"}</th><th class="num">{"requests"}</th><th class="num">{"query time"}</th></tr></thead>
                    <tbody>
                        { for r.apf.iter().map(|a| html! { <tr><td>{ &a.priority_level }</td><td>{ &a.flow_schema }</td><td class="num">{ fmt::count(a.requests) }</td><td class="num">{ whodunnit_core::time::fmt_duration(a.query_time_us) }</td></tr> }) }
                    </tbody>
                </table>
            }
        </>
    }
}

pub(super) fn cost_row(r: &CostRow, drill: Callback<String>) -> Html {
    let key = r.key.clone();
    let etcd_hot = r.lists_etcd > 0 && r.lists_etcd * 2 >= r.lists.max(1);
    let errors = r.errors_4xx + r.errors_5xx + r.throttled_429;
    html! {
        <tr class="cost-row" data-key={r.key.clone()}>
            <td class="mono key"><button class="link" title={format!("{}: drill down", r.key)} onclick={Callback::from(move |_| drill.emit(key.clone()))}>{ fmt::ellipsize_middle(&r.key, 70) }</button></td>
            <td class="num">{ fmt::count(r.requests) }</td>
            <td class="num">{ &r.query_time_text }</td>
            <td class="share"><div class="sharebar"><div style={format!("width:{:.1}%", r.share * 100.0)}></div></div><span class="share-text">{ &r.share_text }</span></td>
            <td class="num">{ format!("{:.2}", r.mean_in_flight) }</td>
            <td class="num">{ &r.p50_text }</td>
            <td class="num">{ &r.p95_text }</td>
            <td class="num">{ &r.p99_text }</td>
            <td class={classes!("num", (errors > 0).then_some("warn"))} title={format!("4xx {} · 5xx {} · 429 {}", r.errors_4xx, r.errors_5xx, r.throttled_429)}>{ fmt::count(errors) }</td>
            <td class="num">{ fmt::count(r.lists) }</td>
            <td class={classes!("num", etcd_hot.then_some("etcd-hot"))} title="LISTs served from etcd, bypassing the watch cache: decided per pattern by annotation evidence, then by the apiserver version's rules (see LIST patterns)">
                { fmt::count(r.lists_etcd) }
                if r.lists_etcd_with_selector > 0 { <span class="muted small">{ format!(" ({} w/ selector)", r.lists_etcd_with_selector) }</span> }
            </td>
            <td class="num">{ fmt::count(r.lists_cache) }</td>
            <td class="num muted">{ fmt::count(r.long_running) }</td>
        </tr>
    }
}

pub(super) fn others_row(o: &CostRow) -> Html {
    html! {
        <tr class="muted">
            <td>{ &o.key }</td><td class="num">{ fmt::count(o.requests) }</td><td class="num">{ &o.query_time_text }</td>
            <td class="share"><span class="share-text">{ &o.share_text }</span></td><td class="num">{ format!("{:.2}", o.mean_in_flight) }</td>
            <td></td><td></td><td></td><td></td><td class="num">{ fmt::count(o.lists) }</td><td class="num">{ fmt::count(o.lists_etcd) }</td><td class="num">{ fmt::count(o.lists_cache) }</td><td class="num">{ fmt::count(o.long_running) }</td>
        </tr>
    }
}

pub(super) fn weekly(r: &CostReport) -> Html {
    let w = &r.weekly;
    if w.weeks.is_empty() {
        return html! {};
    }
    html! {
        <>
        <h2 class="section">{ format!("Share of query time per week, by {}", r.by_label) }</h2>
        <table class="grid">
            <thead><tr><th>{ r.by_label.clone() }</th>{ for w.week_labels.iter().map(|l| html!{ <th class="num">{ l }</th> }) }</tr></thead>
            <tbody>
            { for w.rows.iter().map(|row| html! {
                <tr><td class="mono small" title={row.key.clone()}>{ fmt::ellipsize_middle(&row.key, 60) }</td>{ for row.shares.iter().map(|s| html!{ <td class="num">{ fmt::pct(*s) }</td> }) }</tr>
            }) }
            </tbody>
        </table>
        </>
    }
}
