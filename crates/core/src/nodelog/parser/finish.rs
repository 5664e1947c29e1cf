//! End of input: the last partial entry, years and zone settled, labels re-templated.

use super::entry::kind_of_slot;
use super::Parser;
use crate::diag::DiagKind;
use crate::event::{NewEvent, Severity};
use crate::lines::LineAt;
use crate::nodelog::lines::LineFormat;
use crate::nodelog::{Data, TimeInfo};
use crate::parse::ParseCx;
use std::collections::BTreeMap;

impl Parser {
    /// End of input: settle years, zone, labels; hand over [`Data`].
    pub fn finish(mut self, cx: &mut ParseCx<'_>) -> Data {
        if !self.started {
            self.settle_before(false, cx);
        }
        if let Some(p) = self.partial.take() {
            cx.diags.note(
                p.line,
                p.offset,
                DiagKind::Truncated,
                "CRI partial (P) entry never completed",
            );
            let lane = std::mem::take(&mut self.file_lane);
            let at = LineAt {
                line: p.line,
                offset: p.offset,
            };
            self.entry_with_inner(
                cx,
                at,
                p.buf.len() as u64,
                p.time,
                false,
                None,
                &lane,
                &p.buf,
                &p.buf,
            );
        }
        if let Some((line, offset, len)) = self.pending_boot.take() {
            let lane = self.file_lane.clone();
            cx.events.push(NewEvent {
                time: self.cur_time,
                kind: "boot",
                severity: Severity::Warning,
                lane: &lane,
                label: "system boot",
                line,
                offset,
                len,
            });
            self.track_label(cx, u32::MAX, None);
        }
        for (slot, n) in self.slot_count.iter().enumerate() {
            if *n > 0 {
                *self
                    .kinds
                    .entry(kind_of_slot(slot).0.to_string())
                    .or_insert(0) += n;
            }
        }
        let mut time = TimeInfo::default();
        self.years
            .finish(cx.events, self.last_modified_ms, &mut time, cx.notes);
        if !self.zone_samples.is_empty() {
            // Round to 15 minutes and take the most common value.
            let mut counts: BTreeMap<i64, u32> = BTreeMap::new();
            for s in &self.zone_samples {
                let q = 15 * 60 * 1_000_000i64;
                *counts.entry((s + q / 2).div_euclid(q)).or_insert(0) += 1;
            }
            if let Some((&q, _)) = counts.iter().max_by_key(|(_, n)| **n) {
                let min = (q * 15) as i32;
                time.zone_offset_min = Some(min);
                if min != 0 {
                    cx.notes.push(format!(
                        "klog timestamps inside journal entries are UTC{}{:02}:{:02}; the journal's UTC times are used",
                        if min < 0 { '-' } else { '+' },
                        min.abs() / 60,
                        min.abs() % 60
                    ));
                }
            }
        } else if self.zone_assumed {
            time.zone_assumed = true;
            cx.notes.push(
                "timestamps carry no time zone; read as UTC (set the offset if wrong)".into(),
            );
        }
        // Drain may have generalized templates after events were labeled: relabel.
        let mut labels = crate::event::Interner::default();
        let old = std::mem::take(&mut cx.events.labels);
        let map: Vec<u32> = old
            .strings
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let text = match self.label_tid.get(i) {
                    Some((tid, suf)) if (*tid as usize) < self.miner.templates.len() => {
                        let t = &self.miner.templates[*tid as usize].text;
                        match suf {
                            Some(s) => format!("{t}{s}"),
                            None => t.clone(),
                        }
                    }
                    _ => s.clone(),
                };
                labels.intern(&text)
            })
            .collect();
        for l in cx.events.label.iter_mut() {
            *l = map.get(*l as usize).copied().unwrap_or(*l);
        }
        cx.events.labels = labels;
        let best = LineFormat::ALL
            .iter()
            .filter(|s| **s != LineFormat::JournalMarker)
            .max_by_key(|s| self.shapes[**s as usize])
            .filter(|s| self.shapes[**s as usize] > 0);
        *cx.detail = match best {
            Some(LineFormat::Klog) if self.klog_headers > 0 => {
                LineFormat::KlogFileHeader.label().to_string()
            }
            Some(s) => s.label().to_string(),
            None => "kernel ring buffer / plain text (no timestamps)".to_string(),
        };
        let (goroutines, dump_events) = match self.dumps.take() {
            Some(d) => d.finish(),
            None => (None, Vec::new()),
        };
        if let Some(g) = &goroutines {
            cx.notes.push(format!(
                "{} goroutine dump{} inside this log ({} goroutines): shown with the goroutine dumps",
                g.snapshots.len(),
                if g.snapshots.len() == 1 { "" } else { "s" },
                g.total_goroutines()
            ));
        }
        let mut data = Data {
            templates: self.miner.templates,
            kinds: self.kinds,
            panics: self.panics,
            time,
            host: self.host,
            shapes: LineFormat::ALL
                .iter()
                .filter(|s| self.shapes[**s as usize] > 0)
                .map(|s| (s.label().to_string(), self.shapes[*s as usize]))
                .collect(),
            restarts: self.klog_headers.saturating_sub(1),
            goroutines,
            dump_events,
            continuations: self.continuations,
            header_lines: self.header_lines,
        };
        data.sync_dump_times(cx.events);
        data
    }
}
