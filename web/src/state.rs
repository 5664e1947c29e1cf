//! What the shell tracks — the files, the tab, the shared time window, the evidence focus — and
//! how worker messages and user actions change it. Views read these types; only the shell
//! (`app.rs`) holds the state, so the views never import the shell.

use crate::protocol::FromWorker;
use std::rc::Rc;
use web_sys::File;
use whodunnit_core::{FileSummary, Progress};
use yew::prelude::*;

/// The views, in tab order; digits 1–5 select them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    Files,
    Timeline,
    Cost,
    Goroutines,
    Findings,
}

impl Tab {
    pub const ALL: [Tab; 5] = [
        Tab::Files,
        Tab::Timeline,
        Tab::Cost,
        Tab::Goroutines,
        Tab::Findings,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Tab::Files => "Files",
            Tab::Timeline => "Timeline",
            Tab::Cost => "API cost",
            Tab::Goroutines => "Goroutines",
            Tab::Findings => "Findings",
        }
    }
}

/// Where a dropped file stands.
#[derive(Clone, Debug, PartialEq)]
pub enum FileStatus {
    Queued,
    Reading {
        total: u64,
        progress: Progress,
    },
    Done {
        summary: Box<FileSummary>,
        millis: f64,
        /// Workers that parsed it (more than one: a large audit log read in two parts).
        workers: u32,
    },
    Cancelled,
    Failed(String),
}

/// One dropped file (or a member of a dropped archive or folder) as the sidebar shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct FileEntry {
    pub id: u32,
    pub name: String,
    pub size: u64,
    pub status: FileStatus,
    /// The bundle (archive or folder) it belongs to: the sidebar groups by it.
    pub bundle: Option<String>,
}

/// Everything the shell tracks; views get what they need as props.
#[derive(Clone, Debug, PartialEq)]
pub struct AppState {
    pub files: Vec<FileEntry>,
    /// Bumped whenever the dataset in the worker changes, so views re-query.
    pub generation: u32,
    pub tab: Tab,
    pub light: bool,
    pub worker_error: Option<String>,
    /// Set when the analysis came from an offline report: shown in the report banner.
    pub report: Option<Box<whodunnit_core::report::ReportInfo>>,
    /// The time window (µs UTC) shared by the timeline and the API cost chart; `None` = everything.
    pub window: Option<(i64, i64)>,
    /// The last evidence link followed; views apply the part meant for them.
    pub focus: Option<Focus>,
}

/// Where an evidence link points (from the Findings view).
#[derive(Clone, Debug, PartialEq)]
pub enum Focus {
    Timeline {
        window: (i64, i64),
    },
    Cost {
        filters: Vec<(whodunnit_core::audit::cost::GroupBy, String)>,
        window: Option<(i64, i64)>,
    },
    Goroutines {
        file: usize,
        snapshot: usize,
    },
}

impl Default for AppState {
    fn default() -> Self {
        let light = web_sys::window()
            .and_then(|w| w.local_storage().ok().flatten())
            .and_then(|s| s.get_item("whodunnit.theme").ok().flatten())
            .is_some_and(|t| t == "light");
        AppState {
            files: Vec::new(),
            generation: 0,
            tab: Tab::Files,
            light,
            worker_error: None,
            report: None,
            window: None,
            focus: None,
        }
    }
}

pub enum Action {
    Added(Vec<FileEntry>),
    Worker(FromWorker),
    Removed(u32),
    Tab(Tab),
    /// Select a time window (shared by the timeline and the API cost view).
    Window(Option<(i64, i64)>),
    /// Open a piece of evidence in its view.
    Show(Focus),
    ToggleTheme,
    WorkerError(String),
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        let set = |s: &mut AppState, id: u32, st: FileStatus| {
            if let Some(f) = s.files.iter_mut().find(|f| f.id == id) {
                f.status = st;
            }
        };
        match action {
            Action::Added(entries) => s.files.extend(entries),
            Action::Removed(id) => {
                s.files.retain(|f| f.id != id);
                s.generation += 1;
            }
            Action::Tab(t) => s.tab = t,
            Action::Window(w) => s.window = w,
            Action::Show(f) => {
                match &f {
                    Focus::Timeline { window } => {
                        s.tab = Tab::Timeline;
                        s.window = Some(*window);
                    }
                    Focus::Cost { window, .. } => {
                        s.tab = Tab::Cost;
                        s.window = *window;
                    }
                    Focus::Goroutines { .. } => s.tab = Tab::Goroutines,
                }
                s.focus = Some(f);
            }
            Action::ToggleTheme => {
                s.light = !s.light;
                if let Some(st) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
                    let _ = st.set_item("whodunnit.theme", if s.light { "light" } else { "dark" });
                }
            }
            Action::WorkerError(e) => s.worker_error = Some(e),
            Action::Worker(msg) => match msg {
                FromWorker::Progress {
                    id,
                    total,
                    progress,
                } => set(&mut s, id, FileStatus::Reading { total, progress }),
                FromWorker::Done {
                    id,
                    summary,
                    millis,
                    workers,
                } => {
                    set(
                        &mut s,
                        id,
                        FileStatus::Done {
                            summary,
                            millis,
                            workers,
                        },
                    );
                    s.generation += 1;
                }
                FromWorker::Updated { id, summary } => {
                    if let Some(f) = s.files.iter_mut().find(|f| f.id == id) {
                        if let FileStatus::Done { summary: old, .. } = &mut f.status {
                            *old = summary;
                        }
                    }
                    s.generation += 1;
                }
                FromWorker::Cancelled { id } => set(&mut s, id, FileStatus::Cancelled),
                FromWorker::Failed { id, error } => set(&mut s, id, FileStatus::Failed(error)),
                FromWorker::Restored { id, info, files } => {
                    // The report's files take the place of the report itself.
                    replace(&mut s, id, files);
                    s.report = Some(info);
                    s.generation += 1;
                }
                FromWorker::Unpacked { id, files } => {
                    // An archive's members take the place of the archive.
                    replace(&mut s, id, files);
                    s.generation += 1;
                }
                FromWorker::Ready
                | FromWorker::Warm
                | FromWorker::Answer { .. }
                | FromWorker::RawText { .. }
                // Between the dataset worker and its helper only.
                | FromWorker::HelperReady
                | FromWorker::PartProgress { .. }
                | FromWorker::PartDone { .. } => return self,
            },
        }
        Rc::new(s)
    }
}

/// Put `files` (restored from a report, unpacked from an archive) in the place of entry `id`.
fn replace(s: &mut AppState, id: u32, files: Vec<crate::protocol::RestoredFile>) {
    if let Some(pos) = s.files.iter().position(|f| f.id == id) {
        let entries = files.into_iter().map(|f| FileEntry {
            id: f.id,
            name: f.name,
            size: f.size,
            bundle: f.summary.bundle.clone(),
            // Restored or unpacked in one pass: no read time of their own.
            status: FileStatus::Done {
                summary: f.summary,
                millis: 0.0,
                workers: 1,
            },
        });
        s.files.splice(pos..=pos, entries);
    }
}

/// Files handed over by drop, picker, paste or the sample loader.
pub type AddFiles = Callback<Vec<File>>;
