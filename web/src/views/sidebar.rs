//! The file list: every dropped file with its format, progress and counts.

use crate::app::{FileEntry, FileStatus};
use crate::fmt;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SidebarProps {
    pub files: Vec<FileEntry>,
    pub on_cancel: Callback<u32>,
    pub on_remove: Callback<u32>,
}

#[function_component(Sidebar)]
pub fn sidebar(p: &SidebarProps) -> Html {
    html! {
        <aside class="sidebar">
            <div class="sidebar-head">{ format!("{} file{}", p.files.len(), if p.files.len() == 1 { "" } else { "s" }) }</div>
            <ul class="file-list">
                { for p.files.iter().map(|f| file_item(f, &p.on_cancel, &p.on_remove)) }
            </ul>
        </aside>
    }
}

fn file_item(f: &FileEntry, on_cancel: &Callback<u32>, on_remove: &Callback<u32>) -> Html {
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
        FileStatus::Done { summary, millis } => {
            let cls = if summary.unrecognized() {
                "badge bad"
            } else {
                "badge ok"
            };
            let mut line = format!("{} records", fmt::count(summary.records));
            if summary.skipped_lines > 0 {
                line += &format!(" · {} skipped", fmt::count(summary.skipped_lines));
            }
            line += &format!(" · {:.0} ms", millis);
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
    html! {
        <li class="file-item" data-file-id={id.to_string()}>
            <div class="file-row">
                <span class="file-name" title={f.name.clone()}>{ &f.name }</span>
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
