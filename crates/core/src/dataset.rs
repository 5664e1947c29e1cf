//! All files of one investigation, and the queries the views run over them.

use crate::ingest::ParsedFile;
use crate::summary::FileSummary;
use serde::{Deserialize, Serialize};

/// The files a user dropped, read.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Dataset {
    pub files: Vec<ParsedFile>,
}

impl Dataset {
    pub fn add(&mut self, f: ParsedFile) -> usize {
        self.files.push(f);
        self.files.len() - 1
    }

    pub fn summaries(&self) -> Vec<FileSummary> {
        self.files.iter().map(FileSummary::of).collect()
    }
}
