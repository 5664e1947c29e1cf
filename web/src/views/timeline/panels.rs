//! The HTML around the Timeline's canvas, top to bottom: the toolbar (filters, lane order, what is
//! in view), the hover tooltip, the events list, the table of event kinds (filter and jump to the
//! next occurrence) and the selected event's raw lines.

use crate::bridge::BridgeCtx;
use crate::fmt;
use crate::protocol::RawSlice;
use crate::views::canvas::{self, kind_color, kind_shape};
use std::collections::HashSet;
use whodunnit_core::query::Query;
use whodunnit_core::time::{fmt_duration, fmt_micros};
use whodunnit_core::timeline::{EventRow, LaneOrder, TimelineAnswer, TimelineQuery};
use whodunnit_core::Severity;
use yew::prelude::*;

/// The toolbar over the canvas. Its filters are the view's state, handed in.
pub(super) fn toolbar(
    a: &TimelineAnswer,
    text: &UseStateHandle<String>,
    min_sev: &UseStateHandle<Option<Severity>>,
    order: &UseStateHandle<LaneOrder>,
    set_window: &Callback<Option<(i64, i64)>>,
) -> Html {
    let on_text = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(i) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                text.set(i.value());
            }
        })
    };
    let sev_button = |label: &'static str, s: Option<Severity>| {
        let min_sev = min_sev.clone();
        let on = *min_sev == s;
        html! { <button class={classes!(on.then_some("on"))} onclick={Callback::from(move |_| min_sev.set(s))}>{ label }</button> }
    };
    let (wa, wb) = a.window.unwrap_or((0, 1));
    html! {
        <div class="toolbar">
            <input type="search" placeholder="filter: text, kind or lane" value={(**text).clone()} oninput={on_text} />
            <span class="seg">
                { sev_button("all", None) }
                { sev_button("warning+", Some(Severity::Warning)) }
                { sev_button("error+", Some(Severity::Error)) }
            </span>
            <span class="muted small">{"lanes"}</span>
            <span class="seg">
                { for [(LaneOrder::Severity, "worst first"), (LaneOrder::Busiest, "busiest"), (LaneOrder::Name, "by name")].into_iter().map(|(o, label)| {
                    let order = order.clone();
                    html! { <button class={classes!((*order == o).then_some("on"))} onclick={Callback::from(move |_| order.set(o))}>{ label }</button> }
                }) }
            </span>
            <button class="btn small" onclick={{ let s = set_window.clone(); Callback::from(move |_| s.emit(None)) }} title="Show everything (0)">{"reset zoom"}</button>
            <span class="muted small">
                { format!("{} → {} · span {} · {} events in view", fmt_micros(wa), fmt_micros(wb), fmt_duration(wb - wa), fmt::count(a.in_window)) }
                if a.untimed > 0 { { format!(" · {} events without a timestamp (not drawn)", fmt::count(a.untimed)) } }
            </span>
            <span class="muted small">{"wheel/+/− zoom · drag/←→ pan · 0 reset"}</span>
        </div>
    }
}

/// The hovered event, next to the pointer at (`x`, `y`) on the lanes canvas.
pub(super) fn tooltip(a: &TimelineAnswer, ev: &EventRow, x: f64, y: f64) -> Html {
    let k = &a.kinds[ev.kind as usize];
    html! {
        <div class="tooltip" style={format!("left:{}px;top:{}px", x + 14.0, y + 60.0)}>
            <div><b>{ &k.name }</b>{" · "}{ ev.severity.label() }</div>
            <div class="mono small">{ &ev.time_text }</div>
            <div class="small">{ &ev.label }</div>
            <div class="muted small">{ format!("{}:{}", ev.file_name, ev.line) }</div>
        </div>
    }
}

/// Up to this many events in view are also listed under the canvas.
const LIST_EVENTS: usize = 200;

pub(super) fn events_list(a: &TimelineAnswer, select: &Callback<EventRow>) -> Html {
    let Some(events) = a
        .events
        .as_ref()
        .filter(|e| !e.is_empty() && e.len() <= LIST_EVENTS)
    else {
        return html! {};
    };
    html! {
        <details class="events-list" open={events.len() <= 40}>
            <summary class="small muted">{ format!("{} events in view", events.len()) }</summary>
            <table class="grid">
                <thead><tr><th>{"time (UTC)"}</th><th>{"kind"}</th><th>{"lane"}</th><th>{"message"}</th><th>{"source"}</th></tr></thead>
                <tbody>
                { for events.iter().map(|e| {
                    let k = &a.kinds[e.kind as usize];
                    let lane = a.lanes.get(e.lane as usize).map(|l| l.name.clone()).unwrap_or_default();
                    let onclick = { let select = select.clone(); let e = e.clone(); Callback::from(move |_| select.emit(e.clone())) };
                    html! {
                        <tr class="event-row" data-time={e.time.to_string()} data-lane={lane.clone()} data-kind={k.name.clone()} {onclick} style="cursor:pointer">
                            <td class="mono small">{ &e.time_text }</td>
                            <td class={sev_class(k.severity)}>{ &k.name }</td>
                            <td class="mono small">{ lane }</td>
                            <td class="small">{ fmt::ellipsize(&e.label, 140) }</td>
                            <td class="muted small">{ format!("{}:{}", e.file_name, e.line) }</td>
                        </tr>
                    }
                }) }
                </tbody>
            </table>
        </details>
    }
}

pub(super) fn kinds_table(
    a: &TimelineAnswer,
    on: &UseStateHandle<HashSet<String>>,
    set_window: &Callback<Option<(i64, i64)>>,
    bridge: Option<BridgeCtx>,
) -> Html {
    let mut kinds: Vec<(usize, &whodunnit_core::timeline::KindStat)> = a
        .kinds
        .iter()
        .enumerate()
        .filter(|(_, k)| k.total > 0)
        .collect();
    kinds.sort_by(|x, y| {
        y.1.severity
            .cmp(&x.1.severity)
            .then(y.1.count.cmp(&x.1.count))
    });
    let window = a.window;
    html! {
        <table class="grid kinds-table">
            <thead><tr><th></th><th>{"kind"}</th><th>{"severity"}</th><th class="num">{"in view"}</th><th class="num">{"total"}</th><th>{"recurs"}</th><th>{"jump"}</th></tr></thead>
            <tbody>
            { for kinds.into_iter().map(|(_, k)| {
                let name = k.name.clone();
                let active = on.contains(&name);
                let toggle = {
                    let on = on.clone();
                    let name = name.clone();
                    Callback::from(move |_: MouseEvent| {
                        let mut s = (*on).clone();
                        if !s.remove(&name) { s.insert(name.clone()); }
                        on.set(s);
                    })
                };
                let jump = |forward: bool| {
                    let name = name.clone();
                    let set_window = set_window.clone();
                    let bridge = bridge.clone();
                    Callback::from(move |_: MouseEvent| jump_to(bridge.clone(), &name, window, forward, set_window.clone()))
                };
                let shape = match kind_shape(&k.name) { canvas::Shape::Circle => "●", canvas::Shape::Square => "■", canvas::Shape::Diamond => "◆", canvas::Shape::Triangle => "▲" };
                html! {
                    <tr class={classes!(active.then_some("selected"))}>
                        <td style={format!("color:{}", kind_color(&k.name, k.severity))}>{ shape }</td>
                        <td><button class="link" title="Show only this kind (click again to clear)" onclick={toggle}>{ &k.name }</button></td>
                        <td class={sev_class(k.severity)}>{ k.severity.label() }</td>
                        <td class="num">{ fmt::count(k.count) }</td>
                        <td class="num">{ fmt::count(k.total) }</td>
                        <td class="period">{ k.period.clone().unwrap_or_default() }</td>
                        <td><button class="link" title="Previous occurrence" onclick={jump(false)}>{"◀"}</button>{" "}<button class="link" title="Next occurrence" onclick={jump(true)}>{"▶"}</button></td>
                    </tr>
                }
            }) }
            </tbody>
        </table>
    }
}

/// The CSS class that colours a severity (the Findings view uses it too).
pub fn sev_class(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::Error => "bad",
        Severity::Warning => "warn",
        _ => "muted",
    }
}

/// Center the window on the next (or previous) occurrence of `kind` outside the current center.
fn jump_to(
    bridge: Option<BridgeCtx>,
    kind: &str,
    window: Option<(i64, i64)>,
    forward: bool,
    set_window: Callback<Option<(i64, i64)>>,
) {
    let (Some(b), Some((wa, wb))) = (bridge, window) else {
        return;
    };
    let center = wa + (wb - wa) / 2;
    let span = wb - wa;
    let q = Query::Timeline(TimelineQuery {
        kinds: vec![kind.to_string()],
        bins: 1,
        max_events: 200_000,
        ..TimelineQuery::default()
    });
    b.0.query(
        &q,
        Callback::from(move |v: serde_json::Value| {
            let Ok(a) = serde_json::from_value::<TimelineAnswer>(v) else {
                return;
            };
            let times: Vec<i64> = a
                .events
                .unwrap_or_default()
                .into_iter()
                .map(|e| e.time)
                .collect();
            let slack = span / 20;
            let t = if forward {
                times.iter().copied().find(|&t| t > center + slack)
            } else {
                times.iter().rev().copied().find(|&t| t < center - slack)
            };
            if let Some(t) = t {
                set_window.emit(Some((t - span / 2, t + span / 2)));
            }
        }),
    );
}

pub(super) fn detail(a: &TimelineAnswer, sel: Option<&EventRow>, raw: Option<&RawSlice>) -> Html {
    let Some(e) = sel else {
        return html! { <div class="muted small">{"Zoom in until single events are drawn, then click one to read its raw lines (re-read from the file)."}</div> };
    };
    let k = &a.kinds[e.kind as usize];
    let lane = a
        .lanes
        .get(e.lane as usize)
        .map(|l| l.name.clone())
        .unwrap_or_default();
    html! {
        <div class="card event-detail">
            <h3>{ &k.name }{" "}<span class={classes!("pill", sev_class(e.severity))}>{ e.severity.label() }</span></h3>
            <div class="mono small">{ &e.time_text }{" · "}{ lane }</div>
            <div class="muted small">{ format!("{}:{} (byte {})", e.file_name, e.line, e.offset) }</div>
            <div class="small" style="margin:6px 0">{ &e.label }</div>
            { match raw {
                None => html! { <div class="muted small">{"reading…"}</div> },
                Some(r) => html! {
                    <div class="raw mono" id="raw-text">
                        { for r.before.iter().map(|l| html!{ <span class="ctx">{ l }{"\n"}</span> }) }
                        { for r.lines.iter().map(|l| html!{ <span class="hit">{ l }</span> }) }
                        { for r.after.iter().map(|l| html!{ <span class="ctx">{ l }{"\n"}</span> }) }
                    </div>
                },
            } }
        </div>
    }
}
