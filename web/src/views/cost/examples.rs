//! The slowest matching requests, each with its raw audit line re-read from its file on demand.

use crate::bridge::BridgeCtx;
use crate::fmt;
use crate::protocol::RawSlice;
use whodunnit_core::audit::cost::RequestRow;
use yew::prelude::*;

#[function_component(Examples)]
fn examples_inner(p: &ExamplesProps) -> Html {
    let bridge = use_context::<BridgeCtx>();
    let open = use_state(|| None::<(usize, Option<RawSlice>)>);
    html! {
        <>
        <h2 class="section">{"Slowest matching requests"}</h2>
        <table class="grid">
            <thead><tr><th>{"time"}</th><th>{"user"}</th><th>{"verb"}</th><th>{"resource"}</th><th>{"namespace/name"}</th><th class="num">{"code"}</th><th class="num">{"latency"}</th><th>{"LIST source"}</th><th>{"query"}</th><th></th></tr></thead>
            <tbody>
            { for p.rows.iter().enumerate().map(|(i, r)| {
                let onclick = {
                    let open = open.clone();
                    let bridge = bridge.clone();
                    let (file, offset, len) = (r.file as u32, r.offset, r.len);
                    Callback::from(move |_: MouseEvent| {
                        open.set(Some((i, None)));
                        if let Some(b) = &bridge {
                            let open = open.clone();
                            b.0.raw(file, offset, len, 0, Callback::from(move |raw| open.set(Some((i, Some(raw))))));
                        }
                    })
                };
                let shown = open.as_ref().filter(|(j, _)| *j == i).map(|(_, raw)| raw.clone());
                html! {
                    <>
                    <tr>
                        <td class="mono small">{ &r.time_text }</td>
                        <td class="mono small" title={r.user.clone()}>{ fmt::ellipsize_middle(&r.user, 40) }</td>
                        <td>{ &r.verb }</td>
                        <td>{ &r.resource }</td>
                        <td class="mono small">{ format!("{}/{}", r.namespace, r.name) }</td>
                        <td class={classes!("num", (r.code >= 400).then_some("warn"))}>{ r.code }</td>
                        <td class="num">{ &r.latency_text }</td>
                        <td class={classes!((r.list_source == "etcd").then_some("etcd-hot"))}>{ &r.list_source }</td>
                        <td class="mono small">{ &r.query }</td>
                        <td><button class="link" {onclick}>{"raw"}</button></td>
                    </tr>
                    if let Some(raw) = shown {
                        <tr><td colspan="10"><div class="raw mono wrap">{ match raw { Some(r) => r.lines.join("\n"), None => "reading…".into() } }</div></td></tr>
                    }
                    </>
                }
            }) }
            </tbody>
        </table>
        </>
    }
}

#[derive(Properties, PartialEq)]
struct ExamplesProps {
    rows: Vec<RequestRow>,
}

pub(super) fn examples(rows: &[RequestRow]) -> Html {
    if rows.is_empty() {
        return html! {};
    }
    html! { <Examples rows={rows.to_vec()} /> }
}
