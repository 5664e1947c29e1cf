//! Object history: every request that touched one object, asked for by name under the report.

use crate::fmt;
use crate::views::use_query;
use whodunnit_core::audit::history::HistoryReport;
use whodunnit_core::query::Query;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct HistoryProps {
    pub generation: u32,
}

/// Object history: every request that touched an object, a namespace including its contents.
#[function_component(History)]
pub(super) fn history(p: &HistoryProps) -> Html {
    let input = use_state(String::new);
    let object = use_state(String::new);
    let answer = use_query::<HistoryReport>(
        Query::History {
            object: (*object).clone(),
            max: 500,
        },
        p.generation,
    );
    let oninput = {
        let input = input.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(i) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                input.set(i.value());
            }
        })
    };
    let onsubmit = {
        let input = input.clone();
        let object = object.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            object.set((*input).clone());
        })
    };
    let body = if object.is_empty() {
        html! { <div class="muted small">{"Type an object — `namespace foo`, `pods/bar`, `foo/pods/bar` — to list every request that touched it, in order. A namespace's history includes the objects inside it."}</div> }
    } else {
        match &*answer {
            None => html! { <div class="muted">{"searching…"}</div> },
            Some(Err(e)) => html! { <div class="error">{ e }</div> },
            Some(Ok(h)) => history_table(h),
        }
    };
    html! {
        <>
        <h2 class="section">{"Object history"}</h2>
        <form class="toolbar" {onsubmit}>
            <input type="search" id="history-input" placeholder="namespace foo · pods/bar · foo/pods/bar" value={(*input).clone()} {oninput} />
            <button class="btn" type="submit">{"Show history"}</button>
        </form>
        { body }
        </>
    }
}

fn history_table(h: &HistoryReport) -> Html {
    html! {
        <>
        <div class="card">
            <h3>{ &h.label }{" — "}{ fmt::count(h.total) }{" requests"}</h3>
            <table class="grid">
                <thead><tr><th>{"what"}</th><th class="num">{"requests"}</th><th>{"first"}</th><th>{"last"}</th><th>{"first delete"}</th><th>{"by"}</th></tr></thead>
                <tbody>
                { for h.groups.iter().map(|g| html! {
                    <tr><td>{ &g.what }</td><td class="num">{ fmt::count(g.requests) }</td><td class="mono small">{ &g.first_text }</td><td class="mono small">{ &g.last_text }</td>
                    <td class={classes!("mono", "small", g.first_delete.is_some().then_some("warn"))}>{ &g.first_delete_text }</td><td class="mono small">{ &g.first_delete_by }</td></tr>
                }) }
                </tbody>
            </table>
        </div>
        <table class="grid history-table">
            <thead><tr><th>{"time"}</th><th>{"verb"}</th><th>{"object"}</th><th>{"user"}</th><th class="num">{"code"}</th></tr></thead>
            <tbody>
            { for h.entries.iter().map(|e| { let r = &e.request; html! {
                <tr class={classes!(e.mutating.then_some("mutating"))}>
                    <td class="mono small">{ &r.time_text }</td>
                    <td class={classes!((r.verb.starts_with("delete")).then_some("bad"))}>{ &r.verb }</td>
                    <td class="mono small">{ format!("{}{}/{}", if r.namespace.is_empty() { String::new() } else { format!("{}/", r.namespace) }, r.resource, r.name) }</td>
                    <td class="mono small" title={r.user.clone()}>{ fmt::ellipsize_middle(&r.user, 50) }</td>
                    <td class={classes!("num", (r.code >= 400).then_some("warn"))}>{ r.code }</td>
                </tr>
            }}) }
            </tbody>
        </table>
        if h.omitted > 0 { <div class="muted small">{ format!("{} more not shown", fmt::count(h.omitted)) }</div> }
        </>
    }
}
