//! The app shell: top bar with tabs, file sidebar, the active view, drag-and-drop anywhere.

use crate::bridge::{Bridge, BridgeCtx};
use crate::folders::{self, Dropped};
use crate::state::{Action, AddFiles, AppState, FileEntry, FileStatus, Focus, Tab};
use crate::views;
use gloo::events::EventListener;
use wasm_bindgen::JsCast;
use web_sys::{DragEvent, File, HtmlInputElement, KeyboardEvent};
use yew::prelude::*;

/// Entry point of the `app` binary.
pub fn run() {
    yew::Renderer::<App>::new().render();
}

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(AppState::default);
    let next_id = use_mut_ref(|| 1u32);
    let dragging = use_state(|| false);

    let bridge = {
        let dispatch = state.dispatcher();
        use_memo((), move |_| {
            let d2 = dispatch.clone();
            match Bridge::start(Callback::from(move |m| d2.dispatch(Action::Worker(m)))) {
                Ok(b) => Some(b),
                Err(e) => {
                    dispatch.dispatch(Action::WorkerError(e));
                    None
                }
            }
        })
    };

    let add_dropped: Callback<Vec<Dropped>> = {
        let bridge = bridge.clone();
        let dispatch = state.dispatcher();
        let next_id = next_id.clone();
        Callback::from(move |files: Vec<Dropped>| {
            let Some(b) = bridge.as_ref() else { return };
            let mut entries = Vec::new();
            for d in files {
                let id = {
                    let mut n = next_id.borrow_mut();
                    *n += 1;
                    *n
                };
                b.load(id, &d.file, d.folder.clone());
                entries.push(FileEntry {
                    id,
                    name: d.name(),
                    size: d.file.size() as u64,
                    status: FileStatus::Queued,
                    bundle: d.folder.map(|(dir, _)| dir),
                });
            }
            dispatch.dispatch(Action::Added(entries));
        })
    };
    let add_files: AddFiles = {
        let add = add_dropped.clone();
        Callback::from(move |files: Vec<File>| {
            add.emit(files.into_iter().map(Dropped::file).collect())
        })
    };

    // Inside an offline report: load the analysis the page carries.
    {
        let add = add_files.clone();
        use_effect_with((), move |_| {
            if let Some(f) = crate::export::embedded_report() {
                add.emit(vec![f]);
            }
        });
    }
    let exporting = use_state(|| false);
    let open_export = {
        let exporting = exporting.clone();
        Callback::from(move |_: MouseEvent| exporting.set(true))
    };
    let close_export = {
        let exporting = exporting.clone();
        Callback::from(move |_: ()| exporting.set(false))
    };

    // Keyboard: 1–5 switch tabs, `o` opens the file picker, `t` toggles the theme.
    {
        let dispatch = state.dispatcher();
        use_effect_with((), move |_| {
            let doc = gloo::utils::document();
            let listener = EventListener::new(&doc, "keydown", move |e| {
                let Some(e) = e.dyn_ref::<KeyboardEvent>() else {
                    return;
                };
                if e.ctrl_key() || e.meta_key() || e.alt_key() || typing_in_input(e) {
                    return;
                }
                let key = e.key();
                if let Some(t) = key
                    .parse::<usize>()
                    .ok()
                    .and_then(|n| n.checked_sub(1))
                    .and_then(|i| Tab::ALL.get(i))
                {
                    dispatch.dispatch(Action::Tab(*t));
                } else if key == "t" {
                    dispatch.dispatch(Action::ToggleTheme);
                } else if key == "o" {
                    if let Some(input) = gloo::utils::document().get_element_by_id("file-input") {
                        if let Ok(input) = input.dyn_into::<HtmlInputElement>() {
                            input.click();
                        }
                    }
                }
            });
            move || drop(listener)
        });
    }

    // Paste: files from the clipboard, or text (a goroutine dump copied from a terminal).
    {
        let add = add_files.clone();
        use_effect_with((), move |_| {
            let doc = gloo::utils::document();
            let listener = EventListener::new(&doc, "paste", move |e| {
                let Some(e) = e.dyn_ref::<web_sys::ClipboardEvent>() else {
                    return;
                };
                if typing_in_input(e) {
                    return;
                }
                let Some(dt) = e.clipboard_data() else { return };
                let files = dt.files().map(file_list).unwrap_or_default();
                if !files.is_empty() {
                    add.emit(files);
                } else if let Ok(text) = dt.get_data("text/plain") {
                    if !text.trim().is_empty() {
                        let parts = js_sys::Array::of1(&text.into());
                        if let Ok(f) = File::new_with_str_sequence(&parts, "pasted.txt") {
                            add.emit(vec![f]);
                        }
                    }
                }
            });
            move || drop(listener)
        });
    }

    let ondragover = {
        let dragging = dragging.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            if !*dragging {
                dragging.set(true);
            }
        })
    };
    let ondragleave = {
        let dragging = dragging.clone();
        Callback::from(move |e: DragEvent| {
            // Only when leaving the window, not when crossing child elements.
            if e.related_target().is_none() {
                dragging.set(false);
            }
        })
    };
    let ondrop = {
        let dragging = dragging.clone();
        let add = add_files.clone();
        let add_dropped = add_dropped.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            dragging.set(false);
            let Some(dt) = e.data_transfer() else { return };
            // Folders: walk them (their entries exist only during the event: take them now).
            let entries = folders::entries(&dt);
            if folders::has_folder(&entries) {
                let add = add_dropped.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    add.emit(folders::collect(entries).await);
                });
            } else if let Some(files) = dt.files() {
                add.emit(file_list(files));
            }
        })
    };
    let onpick = {
        let add = add_files.clone();
        Callback::from(move |e: Event| add.emit(picked(&e)))
    };
    let onpick_folder = {
        let add = add_dropped.clone();
        Callback::from(move |e: Event| add.emit(folders::from_picker(picked(&e))))
    };
    let pick = Callback::from(|_: MouseEvent| click("file-input"));
    let pick_folder = Callback::from(|_: MouseEvent| click("folder-input"));

    let on_cancel = {
        let bridge = bridge.clone();
        Callback::from(move |id: u32| {
            if let Some(b) = bridge.as_ref() {
                b.cancel(id)
            }
        })
    };
    let on_remove = {
        let bridge = bridge.clone();
        let dispatch = state.dispatcher();
        Callback::from(move |id: u32| {
            if let Some(b) = bridge.as_ref() {
                b.remove(id)
            }
            dispatch.dispatch(Action::Removed(id));
        })
    };
    let set_tab = {
        let dispatch = state.dispatcher();
        Callback::from(move |t: Tab| dispatch.dispatch(Action::Tab(t)))
    };
    let set_window = {
        let dispatch = state.dispatcher();
        Callback::from(move |w: Option<(i64, i64)>| dispatch.dispatch(Action::Window(w)))
    };
    let show = {
        let dispatch = state.dispatcher();
        Callback::from(move |f: Focus| dispatch.dispatch(Action::Show(f)))
    };
    let open_finding = {
        let dispatch = state.dispatcher();
        Callback::from(move |id: String| {
            dispatch.dispatch(Action::Tab(Tab::Findings));
            // After the Findings view has rendered, bring the card into view.
            gloo::timers::callback::Timeout::new(300, move || {
                if let Some(el) = gloo::utils::document().get_element_by_id(&id) {
                    el.scroll_into_view();
                }
            })
            .forget();
        })
    };
    let toggle_theme = {
        let dispatch = state.dispatcher();
        Callback::from(move |_: MouseEvent| dispatch.dispatch(Action::ToggleTheme))
    };

    let theme = if state.light { "app light" } else { "app dark" };
    let has_files = !state.files.is_empty();
    let body = match (&state.worker_error, bridge.as_ref()) {
        (Some(_), _) | (None, None) if !has_files => html! {
            <div class="empty"><h2>{"The analysis worker could not start"}</h2><p class="mono">{ e_or_default(&state.worker_error) }</p></div>
        },
        (_, Some(b)) if has_files => {
            let ctx = BridgeCtx(b.clone());
            let generation = state.generation;
            let files = state.files.clone();
            let view = match state.tab {
                Tab::Files => {
                    let b2 = b.clone();
                    let correct = Callback::from(move |(id, y, m): (u32, i32, i64)| {
                        b2.correct_time(id, y, m)
                    });
                    html! { <views::files::FilesView files={files} {correct} /> }
                }
                Tab::Timeline => html! {
                    <views::timeline::TimelineView {generation} window={state.window} set_window={set_window.clone()} open_finding={open_finding.clone()} />
                },
                Tab::Cost => html! {
                    <views::cost::CostView {generation} window={state.window} set_window={set_window.clone()} focus={state.focus.clone()} />
                },
                Tab::Goroutines => {
                    html! { <views::goroutines::GoroutinesView {generation} focus={state.focus.clone()} /> }
                }
                Tab::Findings => {
                    html! { <views::findings::FindingsView {generation} show={show.clone()} /> }
                }
            };
            html! { <ContextProvider<BridgeCtx> context={ctx}>{ view }</ContextProvider<BridgeCtx>> }
        }
        _ => html! { <views::empty::EmptyState add={add_files.clone()} pick={pick.clone()} /> },
    };

    html! {
        <div class={theme} {ondragover} {ondragleave} {ondrop}>
            <header class="topbar">
                <div class="brand"><span class="logo">{"◉"}</span>{"whodunnit"}</div>
                <nav class="tabs" role="tablist">
                    { for Tab::ALL.iter().enumerate().map(|(i, t)| {
                        let t = *t;
                        let active = state.tab == t;
                        let onclick = { let set_tab = set_tab.clone(); Callback::from(move |_| set_tab.emit(t)) };
                        html! {
                            <button role="tab" aria-selected={active.to_string()} class={classes!("tab", active.then_some("active"))} {onclick} title={format!("{} (key {})", t.label(), i + 1)}>
                                { t.label() }<kbd>{ i + 1 }</kbd>
                            </button>
                        }
                    }) }
                </nav>
                <div class="spacer"></div>
                <span class="offline-badge" title="Files are read by this page only. Nothing is uploaded: the page's Content-Security-Policy forbids any remote connection.">{"● offline · nothing leaves this browser"}</span>
                if has_files && bridge.is_some() {
                    <button id="share-report" class="btn" onclick={open_export} title="Save one HTML file with this analysis that opens offline">{"Share report"}</button>
                }
                <button class="btn" onclick={pick.clone()} title="Add files (o): logs, dumps, archives (.tar, .tar.gz, .tar.xz, .tar.zst, .zip)">{"Add files"}</button>
                <button class="btn" id="add-folder" onclick={pick_folder.clone()} title="Add a folder (must-gather, kind export logs, …): every file in it">{"Add folder"}</button>
                <button class="btn icon" onclick={toggle_theme} title="Toggle light/dark theme (t)">{ if state.light { "☾" } else { "☀" } }</button>
                <input id="file-input" type="file" multiple=true style="display:none" onchange={onpick} />
                <input id="folder-input" type="file" webkitdirectory=true multiple=true style="display:none" onchange={onpick_folder} />
            </header>
            if let Some(info) = state.report.as_ref() {
                <crate::export::ReportBanner info={(**info).clone()} />
            }
            if let (true, Some(b)) = (*exporting, bridge.as_ref()) {
                <crate::export::ExportDialog bridge={BridgeCtx(b.clone())} files={state.files.clone()} on_close={close_export} />
            }
            <div class="layout">
                if has_files {
                    <views::sidebar::Sidebar files={state.files.clone()} {on_cancel} {on_remove} />
                }
                <main class="main">{ body }</main>
            </div>
            if *dragging {
                <div class="drop-overlay"><div>{"Drop files, archives or folders to analyze them — they stay in this browser"}</div></div>
            }
        </div>
    }
}

/// The files a picker's `change` event carries (the picker is reset for the next pick).
fn picked(e: &Event) -> Vec<File> {
    let Some(input) = e
        .target()
        .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
    else {
        return Vec::new();
    };
    let files = input.files().map(file_list).unwrap_or_default();
    input.set_value("");
    files
}

/// Open the file picker with this id.
fn click(id: &str) {
    if let Some(input) = gloo::utils::document().get_element_by_id(id) {
        if let Ok(input) = input.dyn_into::<HtmlInputElement>() {
            input.click();
        }
    }
}

fn e_or_default(e: &Option<String>) -> String {
    e.clone().unwrap_or_else(|| "unknown error".into())
}

fn file_list(list: web_sys::FileList) -> Vec<File> {
    (0..list.length()).filter_map(|i| list.get(i)).collect()
}

/// Whether a keyboard/clipboard event targets a text field (then shortcuts stay out of the way).
fn typing_in_input(e: &Event) -> bool {
    e.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"))
}
