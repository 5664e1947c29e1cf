//! The rows of the lane area, in the order the canvas stacks them: the findings row, then each
//! source's group header (unless it has a single lane of its own name) and its lanes.

use std::collections::HashSet;
use whodunnit_core::timeline::TimelineAnswer;

/// A row of the lane area: a group header or one lane.
#[derive(Clone, PartialEq)]
pub(super) enum Row {
    /// Marks of the findings (incident patterns) over their time spans.
    Findings,
    Group {
        name: String,
        lanes: Vec<usize>,
        collapsed: bool,
    },
    Lane(usize),
}

pub(super) fn build_rows(
    a: &TimelineAnswer,
    collapsed: &HashSet<String>,
    findings: bool,
) -> Vec<Row> {
    let mut rows = Vec::new();
    if findings {
        rows.push(Row::Findings);
    }
    let mut i = 0;
    while i < a.lanes.len() {
        let g = a.lanes[i].group.clone();
        let lanes: Vec<usize> = (i..a.lanes.len())
            .take_while(|&j| a.lanes[j].group == g)
            .collect();
        i += lanes.len();
        // A source with a single lane of its own name needs no header row.
        if let [only] = lanes[..] {
            if a.lanes[only].name == g {
                rows.push(Row::Lane(only));
                continue;
            }
        }
        let is_collapsed = collapsed.contains(&g);
        rows.push(Row::Group {
            name: g,
            lanes: lanes.clone(),
            collapsed: is_collapsed,
        });
        if !is_collapsed {
            rows.extend(lanes.into_iter().map(Row::Lane));
        }
    }
    rows
}

/// Row names, one per line, as the canvas draws them (for assistive tech and tests).
pub(super) fn row_names(a: &TimelineAnswer, rows: &[Row]) -> String {
    rows.iter()
        .map(|r| match r {
            Row::Findings => "findings".to_string(),
            Row::Group { name, .. } => name.clone(),
            Row::Lane(l) => a.lanes[*l].name.clone(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}
