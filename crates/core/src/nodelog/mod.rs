//! PLACEHOLDER: replaced by the format's real parser.

use crate::ingest::{FileMeta, ParseCx};
use crate::lines::LineAt;
use serde::{Deserialize, Serialize};

pub fn sniff(_sample: &[&[u8]]) -> u32 {
    0
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Data {}

pub struct Parser;

impl Parser {
    pub fn new(_meta: &FileMeta) -> Self {
        Parser
    }
    pub fn line(&mut self, _line: &[u8], _at: LineAt, _cx: &mut ParseCx<'_>) {}
    pub fn finish(self, _cx: &mut ParseCx<'_>) -> Data {
        Data {}
    }
}
