//! The file list: every dropped file with its format, progress and counts; the members of an
//! archive or folder grouped under it (collapsible), with the bundle's totals: members,
//! records, lines skipped, members not read.

use crate::fmt;
use crate::state::{FileEntry, FileStatus};
use whodunnit_core::{BundleTotals, FileSummary};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SidebarProps {
    pub files: Vec<FileEntry>,
    pub on_cancel: Callback<u32>,
    pub on_remove: Callback<u32>,
}

#[function_component(Sidebar)]
pub fn sidebar(p: &SidebarProps) -> Html {
    // Files in drop order; a bundle's members together, where its first member stands.
    let mut groups: Vec<(Option<&str>, Vec<&FileEntry>)> = Vec::new();
    for f in &p.files {
        match groups
            .iter_mut()
            .find(|(b, _)| b.is_some() && *b == f.bundle.as_deref())
        {
            Some((_, members)) => members.push(f),
            None => groups.push((f.bundle.as_deref(), vec![f])),
        }
    }
    html! {
        <aside class="sidebar">
            <div class="sidebar-head">{ format!("{} file{}", p.files.len(), if p.files.len() == 1 { "" } else { "s" }) }</div>
            <ul class="file-list">
                { for groups.iter().map(|(bundle, members)| match bundle {
                    Some(name) => bundle_item(name, members, &p.on_cancel, &p.on_remove),
                    None => html! { for members.iter().map(|f| file_item(f, None, &p.on_cancel, &p.on_remove)) },
                }) }
            </ul>
        </aside>
    }
}

/// A bundle: its totals, then its members (names shown relative to it).
fn bundle_item(
    name: &str,
    members: &[&FileEntry],
    on_cancel: &Callback<u32>,
    on_remove: &Callback<u32>,
) -> Html {
    let done: Vec<FileSummary> = members
        .iter()
        .filter_map(|f| match &f.status {
            FileStatus::Done { summary, .. } => Some((**summary).clone()),
            _ => None,
        })
        .collect();
    let t = BundleTotals::of(&done).pop().unwrap_or_default();
    let reading = members.len() - done.len();
    let mut line = format!(
        "{} members · {} records · {} skipped · {} not read",
        fmt::count(members.len() as u64),
        fmt::count(t.records),
        fmt::count(t.skipped),
        fmt::count(t.not_read)
    );
    if reading > 0 {
        line += &format!(" · {} reading", fmt::count(reading as u64));
    }
    let remove_all = {
        let ids: Vec<u32> = members.iter().map(|f| f.id).collect();
        let (on_remove, on_cancel) = (on_remove.clone(), on_cancel.clone());
        let reading: Vec<bool> = members
            .iter()
            .map(|f| matches!(f.status, FileStatus::Queued | FileStatus::Reading { .. }))
            .collect();
        Callback::from(move |e: MouseEvent| {
            e.prevent_default();
            for (id, r) in ids.iter().zip(&reading) {
                if *r {
                    on_cancel.emit(*id)
                } else {
                    on_remove.emit(*id)
                }
            }
        })
    };
    html! {
        <li class="bundle-item" data-bundle={name.to_string()}>
            <details open=true>
                <summary>
                    <span class="bundle-name" title={name.to_string()}>{ "▣ " }{ short(name) }</span>
                    <button class="link" title="Remove the whole bundle from the analysis" onclick={remove_all}>{"✕"}</button>
                    <div class="muted small bundle-counts">
                        <span class="members">{ format!("{} members", fmt::count(members.len() as u64)) }</span>
                        { " · " }<span class="records">{ format!("{} records", fmt::count(t.records)) }</span>
                        { " · " }<span class="skipped">{ format!("{} skipped", fmt::count(t.skipped)) }</span>
                        { " · " }<span class="not-read">{ format!("{} not read", fmt::count(t.not_read)) }</span>
                        if reading > 0 { { format!(" · {reading} reading") } }
                    </div>
                </summary>
                <ul class="file-list members" title={line}>
                    { for members.iter().map(|f| file_item(f, Some(name), on_cancel, on_remove)) }
                </ul>
            </details>
        </li>
    }
}

/// The last components of `path` that fit in about `max` characters (at least the file name),
/// `…/` before them when some were left out.
fn path_tail(path: &str, max: usize) -> String {
    let parts: Vec<&str> = path.split('/').collect();
    let mut n = 1;
    while n < parts.len() && parts[parts.len() - n - 1..].join("/").chars().count() <= max {
        n += 1;
    }
    let tail = parts[parts.len() - n..].join("/");
    if n < parts.len() {
        format!("…/{tail}")
    } else {
        tail
    }
}

/// Characters kept at the end of a file name too long for the sidebar: where several files share
/// a long start (`containerd-goroutines-20261130T034254Z.txt`, `…T034454Z-sigusr1.txt`), what
/// tells them apart is at the end.
const NAME_TAIL: usize = 20;

/// `name` as its start (cut with an ellipsis by CSS when the sidebar is too narrow) and its last
/// [`NAME_TAIL`] characters (always shown).
fn name_parts(name: &str) -> (&str, &str) {
    let cut = name
        .char_indices()
        .rev()
        .nth(NAME_TAIL - 1)
        .map_or(0, |(i, _)| i);
    name.split_at(cut)
}

/// The last part of a path: a bundle given as `target/bundles/x.tar.gz` is shown as `x.tar.gz`.
fn short(name: &str) -> &str {
    name.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(name)
}

fn file_item(
    f: &FileEntry,
    bundle: Option<&str>,
    on_cancel: &Callback<u32>,
    on_remove: &Callback<u32>,
) -> Html {
    let id = f.id;
    let (badge, badge_class, line, bar) = match &f.status {
        FileStatus::Queued => (
            "queued".to_string(),
            "badge",
            "waiting…".to_string(),
            Some(0.0),
        ),
        FileStatus::Reading { total, progress } => (
            "reading".into(),
            "badge",
            format!(
                "{} / {} · {} records · {} skipped",
                fmt::bytes(progress.bytes_in),
                fmt::bytes(*total),
                fmt::count(progress.records),
                fmt::count(progress.skipped)
            ),
            Some(if *total == 0 {
                1.0
            } else {
                progress.bytes_in as f64 / *total as f64
            }),
        ),
        FileStatus::Done { summary, .. } if summary.not_read.is_some() => (
            "not read".into(),
            "badge warn",
            summary.not_read.clone().unwrap_or_default(),
            None,
        ),
        FileStatus::Done {
            summary,
            millis,
            workers,
        } => {
            let cls = if summary.unrecognized() {
                "badge bad"
            } else {
                "badge ok"
            };
            let mut line = format!("{} records", fmt::count(summary.records));
            if summary.skipped_lines > 0 {
                line += &format!(" · {} skipped", fmt::count(summary.skipped_lines));
            }
            // Members of an archive are read in one pass: no time of their own.
            if *millis > 0.0 {
                line += &format!(" · {:.0} ms", millis);
                if *workers > 1 {
                    line += &format!(" on {workers} workers");
                }
            }
            (short_format(&summary.format), cls, line, None)
        }
        FileStatus::Cancelled => (
            "cancelled".into(),
            "badge warn",
            "reading was cancelled".into(),
            None,
        ),
        FileStatus::Failed(e) => ("failed".into(), "badge bad", e.clone(), None),
    };
    let reading = matches!(f.status, FileStatus::Queued | FileStatus::Reading { .. });
    let action = if reading {
        let cb = on_cancel.clone();
        html! { <button class="link" title="Stop reading this file" onclick={Callback::from(move |_| cb.emit(id))}>{"cancel"}</button> }
    } else {
        let cb = on_remove.clone();
        html! { <button class="link" title="Remove from the analysis" onclick={Callback::from(move |_| cb.emit(id))}>{"✕"}</button> }
    };
    // Inside a bundle, a member is named by its path in it, its end when long (the start is the
    // same for many members: `must-gather.local…/quay-io-…/namespaces/…`).
    let shown = match bundle
        .and_then(|b| f.name.strip_prefix(b))
        .and_then(|n| n.strip_prefix(whodunnit_core::source::SEP))
    {
        Some(path) => path_tail(path, 24),
        None => f.name.clone(),
    };
    let (head, tail) = name_parts(&shown);
    html! {
        <li class="file-item" data-file-id={id.to_string()} data-name={f.name.clone()}>
            <div class="file-row">
                <span class="file-name" title={f.name.clone()}>
                    <span class="name-head">{ head }</span><span class="name-tail">{ tail }</span>
                </span>
                { action }
            </div>
            <div class="file-row">
                <span class={badge_class}>{ badge }</span>
                <span class="muted small">{ fmt::bytes(f.size) }</span>
            </div>
            <div class="muted small file-line">{ line }</div>
            if let Some(frac) = bar {
                <div class="progress"><div class="bar" style={format!("width:{:.1}%", frac * 100.0)}></div></div>
            }
        </li>
    }
}

/// Sidebar badges are narrow: "Kubernetes audit log" → "audit".
fn short_format(f: &str) -> String {
    match f {
        "Go goroutine dump" => "goroutines".into(),
        "Kubernetes audit log" => "audit".into(),
        "node log" => "log".into(),
        other => other.to_string(),
    }
}
