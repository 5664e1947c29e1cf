//! Where a parsed file keeps goroutine data: above the format registry, so the parser
//! modules never import it back.

use super::Data;
use crate::format::FormatData;
use crate::ingest::ParsedFile;

/// The goroutine data of a file: a dump file's own, or the dumps found inside a node log
/// (a panic or a SIGUSR1 dump printed among log lines). Every goroutine analysis reads files
/// through this, so embedded dumps show up wherever dump files do.
pub fn goroutine_data(f: &ParsedFile) -> Option<&Data> {
    match &f.data {
        FormatData::Goroutines(d) => Some(d),
        FormatData::NodeLog(d) => d.goroutines.as_ref().filter(|g| !g.snapshots.is_empty()),
        _ => None,
    }
}
