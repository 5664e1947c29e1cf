//! The table of the most frequent message templates of unclassified lines, under the Timeline.

use crate::fmt;
use crate::views::use_query;
use whodunnit_core::query::Query;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub(super) struct TemplatesProps {
    pub generation: u32,
}

/// The most frequent unclassified message templates: the noise, so it can be recognized and
/// filtered, and so a frequent message no class knows yet is not missed.
#[function_component(Templates)]
pub(super) fn templates(p: &TemplatesProps) -> Html {
    use whodunnit_core::nodelog::{TemplatesQuery, TemplatesReport};
    let q = TemplatesQuery {
        limit: 30,
        ..TemplatesQuery::default()
    };
    let answer = use_query::<TemplatesReport>(Query::Templates(q), p.generation);
    let Some(Ok(r)) = &*answer else {
        return html! {};
    };
    if r.rows.is_empty() {
        return html! {};
    }
    html! {
        <details class="templates">
            <summary><h2 class="section" style="display:inline">{ format!("Top message templates of unclassified lines ({} distinct in {} lines)", fmt::count(r.distinct as u64), fmt::count(r.entries)) }</h2></summary>
            <table class="grid">
                <thead><tr><th class="num">{"count"}</th><th class="num">{"share"}</th><th>{"template"}</th><th>{"first seen"}</th></tr></thead>
                <tbody>
                { for r.rows.iter().map(|t| html! {
                    <tr>
                        <td class="num">{ fmt::count(t.count) }</td>
                        <td class="num">{ &t.share }</td>
                        <td class="mono small">{ &t.template }</td>
                        <td class="muted small">{ format!("{}:{}", t.example_file_name, t.example_line) }</td>
                    </tr>
                }) }
                </tbody>
            </table>
        </details>
    }
}
