//! The Files view: per file its format, records, time range and every diagnostic.

use crate::fmt;
use crate::state::{FileEntry, FileStatus};
use whodunnit_core::time::fmt_micros;
use whodunnit_core::FileSummary;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct FilesProps {
    pub files: Vec<FileEntry>,
    /// Correct a file's times: (file id, years, minutes).
    pub correct: Callback<(u32, i32, i64)>,
}

#[function_component(FilesView)]
pub fn files_view(p: &FilesProps) -> Html {
    let done: Vec<(&FileEntry, &FileSummary, f64)> = p
        .files
        .iter()
        .filter_map(|f| match &f.status {
            FileStatus::Done {
                summary, millis, ..
            } => Some((f, summary.as_ref(), *millis)),
            _ => None,
        })
        .collect();
    let total_records: u64 = done.iter().map(|(_, s, _)| s.records).sum();
    let total_events: u64 = done.iter().map(|(_, s, _)| s.events).sum();
    // A member not read (not a log) is counted as such, its lines not as skipped.
    let not_read = done.iter().filter(|(_, s, _)| s.not_read.is_some()).count() as u64;
    let total_skipped: u64 = done
        .iter()
        .filter(|(_, s, _)| s.not_read.is_none())
        .map(|(_, s, _)| s.skipped_lines)
        .sum();
    html! {
        <div class="view files-view">
            <div class="stat-row">
                <Stat label="files read" value={fmt::count(done.len() as u64 - not_read)} />
                <Stat label="records" value={fmt::count(total_records)} id="total-records" />
                <Stat label="timeline events" value={fmt::count(total_events)} />
                <Stat label="lines skipped" value={fmt::count(total_skipped)} warn={total_skipped > 0} />
                if not_read > 0 {
                    <Stat label="members not read" value={fmt::count(not_read)} id="total-not-read" />
                }
            </div>
            <table class="grid">
                <thead><tr>
                    <th>{"file"}</th><th>{"format"}</th><th class="num">{"size"}</th><th class="num">{"records"}</th>
                    <th class="num">{"events"}</th><th>{"time range (UTC)"}</th><th class="num">{"skipped"}</th><th class="num">{"read in"}</th>
                </tr></thead>
                <tbody>
                    { for done.iter().map(|(f, s, ms)| row(f, s, *ms)) }
                </tbody>
            </table>
            { for done.iter().filter(|(_, s, _)| s.not_read.is_none() && (!s.diagnostics.is_empty() || !s.notes.is_empty())).map(|(f, s, _)| diagnostics(f.id, s, &p.correct)) }
        </div>
    }
}

fn row(f: &FileEntry, s: &FileSummary, ms: f64) -> Html {
    let range = match (s.first, s.last) {
        (Some(a), Some(b)) => format!("{} → {}", fmt_micros(a), fmt_micros(b)),
        _ => "no timestamps".into(),
    };
    if let Some(why) = &s.not_read {
        return html! {
            <tr data-file={s.name.clone()} class="not-read">
                <td class="mono" title={f.name.clone()}>{ &s.name }</td>
                <td class="muted" colspan="7">{ "not read: " }{ why }</td>
            </tr>
        };
    }
    let fmt_cls = if s.unrecognized() { "bad" } else { "" };
    html! {
        <tr data-file={s.name.clone()}>
            <td class="mono" title={f.name.clone()}>{ &s.name }</td>
            <td class={fmt_cls}>{ &s.format }{ if s.gzip { " (gzip)" } else { "" } }
                if !s.detail.is_empty() && s.detail != s.format { <div class="muted small">{ &s.detail }</div> }
            </td>
            <td class="num">{ fmt::bytes(s.bytes) }</td>
            <td class="num records">{ fmt::count(s.records) }</td>
            <td class="num events">{ fmt::count(s.events) }</td>
            <td class="mono small">{ range }</td>
            <td class={classes!("num", "skipped", (s.skipped_lines > 0).then_some("warn"))}>{ fmt::count(s.skipped_lines) }</td>
            // Members of an archive are read in one pass: no read time of their own.
            <td class="num muted">{ if f.bundle.is_some() && ms <= 0.0 { "—".to_string() } else { format!("{ms:.0} ms") } }</td>
        </tr>
    }
}

fn diagnostics(id: u32, s: &FileSummary, correct: &Callback<(u32, i32, i64)>) -> Html {
    let counts: Vec<String> = s
        .diag_counts
        .iter()
        .map(|(k, v)| format!("{} × {k}", fmt::count(*v)))
        .collect();
    html! {
        <details class="diag-block" open={s.unrecognized()}>
            <summary><span class="mono">{ &s.name }</span>{" — "}{ counts.join(", ") }</summary>
            { for s.notes.iter().map(|n| html!{ <div class="note">{"ⓘ "}{ n }</div> }) }
            if s.format == "node log" && s.first.is_some() {
                { time_correction(id, correct) }
            }
            <ul class="diag-list mono small">
                { for s.diagnostics.iter().map(|d| html!{ <li>{ d }</li> }) }
            </ul>
        </details>
    }
}

/// Buttons to fix an assumed year or zone: every time of the file moves, the views follow.
fn time_correction(id: u32, correct: &Callback<(u32, i32, i64)>) -> Html {
    let button = |label: &'static str, years: i32, minutes: i64| {
        let correct = correct.clone();
        html! { <button class="btn small" onclick={Callback::from(move |_| correct.emit((id, years, minutes)))}>{ label }</button> }
    };
    html! {
        <div class="toolbar time-correction">
            <span class="small muted">{"Wrong year or zone? Move this file's times:"}</span>
            { button("−1 year", -1, 0) }{ button("+1 year", 1, 0) }
            { button("−1 h", 0, -60) }{ button("+1 h", 0, 60) }
            { button("−30 min", 0, -30) }{ button("+30 min", 0, 30) }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct StatProps {
    pub label: AttrValue,
    pub value: AttrValue,
    #[prop_or_default]
    pub warn: bool,
    #[prop_or_default]
    pub id: Option<AttrValue>,
}

/// A big number with a caption, used at the top of views.
#[function_component(Stat)]
pub fn stat(p: &StatProps) -> Html {
    html! {
        <div class={classes!("stat", p.warn.then_some("warn"))}>
            <div class="stat-value" id={p.id.clone()}>{ p.value.clone() }</div>
            <div class="stat-label">{ p.label.clone() }</div>
        </div>
    }
}
