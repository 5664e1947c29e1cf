//! Dropped and picked folders: the files in them, each with its folder and its path inside it.
//! Only `File` handles are gathered here (no bytes are read: the worker reads them).
//!
//! A drop gives `DataTransferItem`s; `webkitGetAsEntry()` turns a folder into a
//! `FileSystemDirectoryEntry`, whose reader hands out entries in batches until an empty one.
//! A picker with `webkitdirectory` gives Files whose `webkitRelativePath` is `folder/sub/file`.

use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{DataTransfer, File, FileSystemDirectoryEntry, FileSystemEntry, FileSystemFileEntry};

/// A file handed to the app: the File, and (folder name, path inside it) when it came in a
/// folder.
#[derive(Clone, Debug, PartialEq)]
pub struct Dropped {
    pub file: File,
    pub folder: Option<(String, String)>,
}

impl Dropped {
    /// A file dropped on its own.
    pub fn file(file: File) -> Self {
        Dropped { file, folder: None }
    }

    /// The name a folder's file is listed by: `folder › path`.
    pub fn name(&self) -> String {
        match &self.folder {
            Some((dir, rel)) => whodunnit_core::Source::display_name(dir, rel),
            None => self.file.name(),
        }
    }
}

/// The entries of a drop, taken while the drop event lasts (they are gone after it).
pub fn entries(dt: &DataTransfer) -> Vec<FileSystemEntry> {
    let items = dt.items();
    (0..items.length())
        .filter_map(|i| items.get(i))
        .filter_map(|item| item.webkit_get_as_entry().ok().flatten())
        .collect()
}

/// Whether any dropped entry is a folder (else the plain `FileList` is used).
pub fn has_folder(entries: &[FileSystemEntry]) -> bool {
    entries.iter().any(|e| e.is_directory())
}

/// Every file under the dropped entries, folders walked recursively (in name order within a
/// folder).
pub async fn collect(entries: Vec<FileSystemEntry>) -> Vec<Dropped> {
    let mut out = Vec::new();
    for e in entries {
        if e.is_directory() {
            let dir = e.name();
            walk(e.unchecked_into(), &dir, "", &mut out).await;
        } else if let Some(f) = file_of(e.unchecked_ref()).await {
            out.push(Dropped::file(f));
        }
    }
    out
}

/// Depth-first, with an explicit stack of (folder, its path below the dropped folder).
async fn walk(root: FileSystemDirectoryEntry, top: &str, prefix: &str, out: &mut Vec<Dropped>) {
    let mut stack = vec![(root, prefix.to_string())];
    while let Some((dir, prefix)) = stack.pop() {
        let mut children = read_all(&dir).await;
        children.sort_by_key(|e| e.name());
        let mut subdirs = Vec::new();
        for c in children {
            let rel = format!("{prefix}{}", c.name());
            if c.is_directory() {
                subdirs.push((
                    c.unchecked_into::<FileSystemDirectoryEntry>(),
                    format!("{rel}/"),
                ));
            } else if let Some(f) = file_of(c.unchecked_ref()).await {
                out.push(Dropped {
                    file: f,
                    folder: Some((top.to_string(), rel)),
                });
            }
        }
        stack.extend(subdirs.into_iter().rev());
    }
}

/// All entries of a folder: `readEntries` answers in batches (100 in Chromium) until empty.
async fn read_all(dir: &FileSystemDirectoryEntry) -> Vec<FileSystemEntry> {
    let reader = dir.create_reader();
    let mut all = Vec::new();
    loop {
        let p = Promise::new(&mut |resolve: Function, reject: Function| {
            let _ = reader.read_entries_with_callback_and_callback(&resolve, &reject);
        });
        let Ok(batch) = JsFuture::from(p).await else {
            break;
        };
        let batch: Array = batch.unchecked_into();
        if batch.length() == 0 {
            break;
        }
        all.extend(batch.iter().map(|e| e.unchecked_into::<FileSystemEntry>()));
    }
    all
}

async fn file_of(e: &FileSystemFileEntry) -> Option<File> {
    let p = Promise::new(&mut |resolve: Function, reject: Function| {
        e.file_with_callback_and_callback(&resolve, &reject);
    });
    JsFuture::from(p).await.ok()?.dyn_into::<File>().ok()
}

/// The files of a `webkitdirectory` picker, with their folder and path from
/// `webkitRelativePath` (`folder/sub/file`); a File without one is a plain file.
pub fn from_picker(files: Vec<File>) -> Vec<Dropped> {
    files
        .into_iter()
        .map(|f| {
            let rel = Reflect::get(&f, &JsValue::from_str("webkitRelativePath"))
                .ok()
                .and_then(|v| v.as_string())
                .unwrap_or_default();
            match rel.split_once('/') {
                Some((dir, rest)) if !rest.is_empty() => Dropped {
                    file: f,
                    folder: Some((dir.to_string(), rest.to_string())),
                },
                _ => Dropped::file(f),
            }
        })
        .collect()
}
