//! Docker's json-file log driver: `{"log":"msg\n","stream":"stderr","time":"…"}`.

use super::{Head, LineFormat, Recognizer};

/// Docker json-file lines.
pub struct DockerJson;

impl Recognizer for DockerJson {
    fn format(&self) -> LineFormat {
        LineFormat::DockerJson
    }
    fn recognize<'a>(&self, line: &'a [u8]) -> Option<Head<'a>> {
        (is_docker_json(line) && !super::journal_json::is_journal_json(line))
            .then_some(Head::DockerJson)
    }
}

/// An object that opens with Docker's `"log"` field and has a `"stream"`.
pub fn is_docker_json(line: &[u8]) -> bool {
    line.starts_with(b"{\"log\":") && memchr::memmem::find(line, b"\"stream\"").is_some()
}
