//! The created-by tree: which code started how many goroutines, nested by the creating
//! goroutine when Go 1.21+ prints `created by X in goroutine N`.

use super::frame::base_name;
use super::intern::FxMap;
use super::Data;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Goroutines started from one `created by` site, and what they in turn started.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatorNode {
    /// Creating function, or `(no creator)` for main and runtime goroutines.
    pub creator: String,
    /// `file.go:123`, or empty.
    pub location: String,
    /// Goroutines (pprof counts summed).
    pub goroutines: u64,
    /// Goroutines per state, most first.
    pub states: Vec<(String, u64)>,
    /// Creation sites of goroutines these goroutines started.
    pub children: Vec<CreatorNode>,
}

/// Node key: created-by site (func, file, line); `u32::MAX` func for none.
type Key = (u32, u32, u32);
/// Goroutines and per-state counts of a node.
type Counts = BTreeMap<Key, (u64, BTreeMap<u32, u64>)>;

/// The tree for the goroutines `members` (indexes into `Data::goroutines`).
pub fn build(data: &Data, members: &[usize]) -> Vec<CreatorNode> {
    const NONE: Key = (u32::MAX, 0, 0);
    let key_of = |gi: usize| -> Key {
        data.goroutines[gi]
            .created_by
            .and_then(|f| data.frames.get(f as usize))
            .map(|f| (f.func, f.file, f.line))
            .unwrap_or(NONE)
    };
    // Looked up once per goroutine, over every snapshot's goroutines: hashed, not ordered.
    let mut by_id: FxMap<(u32, u64), usize> = FxMap::default();
    by_id.reserve(members.len());
    for &gi in members {
        let g = &data.goroutines[gi];
        if let Some(id) = g.id {
            by_id.insert((g.snapshot, id), gi);
        }
    }
    let mut counts: Counts = BTreeMap::new();
    let mut parent_votes: BTreeMap<Key, BTreeMap<Key, u64>> = BTreeMap::new();
    for &gi in members {
        let g = &data.goroutines[gi];
        let k = key_of(gi);
        let e = counts.entry(k).or_default();
        e.0 += g.count as u64;
        *e.1.entry(g.state).or_insert(0) += g.count as u64;
        if let Some(p) = g.parent.and_then(|p| by_id.get(&(g.snapshot, p))) {
            let pk = key_of(*p);
            if pk != k {
                *parent_votes.entry(k).or_default().entry(pk).or_insert(0) += 1;
            }
        }
    }
    let parent: BTreeMap<Key, Key> = parent_votes
        .into_iter()
        .filter_map(|(k, v)| v.into_iter().max_by_key(|x| x.1).map(|(p, _)| (k, p)))
        .filter(|(_, p)| counts.contains_key(p))
        .collect();
    let mut children: BTreeMap<Key, Vec<Key>> = BTreeMap::new();
    for (k, p) in &parent {
        children.entry(*p).or_default().push(*k);
    }
    let mut seen = BTreeSet::new();
    fn node(
        data: &Data,
        k: Key,
        counts: &Counts,
        children: &BTreeMap<Key, Vec<Key>>,
        seen: &mut BTreeSet<Key>,
    ) -> CreatorNode {
        seen.insert(k);
        let (n, states) = counts.get(&k).cloned().unwrap_or_default();
        let mut states: Vec<(String, u64)> = states
            .into_iter()
            .map(|(s, c)| {
                let s = data.str(s);
                (if s.is_empty() { "(unknown)" } else { s }.to_string(), c)
            })
            .collect();
        states.sort_by_key(|s| std::cmp::Reverse(s.1));
        let mut kids: Vec<CreatorNode> = children
            .get(&k)
            .map(|v| v.as_slice())
            .unwrap_or(&[])
            .iter()
            .filter(|c| !seen.contains(*c))
            .copied()
            .collect::<Vec<_>>()
            .into_iter()
            .map(|c| node(data, c, counts, children, seen))
            .collect();
        kids.sort_by_key(|n| std::cmp::Reverse(n.goroutines));
        let (creator, location) = if k.0 == u32::MAX {
            ("(no creator)".to_string(), String::new())
        } else {
            (
                data.str(k.0).to_string(),
                if k.1 == 0 {
                    String::new()
                } else {
                    format!("{}:{}", base_name(data.str(k.1)), k.2)
                },
            )
        };
        CreatorNode {
            creator,
            location,
            goroutines: n,
            states,
            children: kids,
        }
    }
    let mut roots: Vec<CreatorNode> = Vec::new();
    let keys: Vec<Key> = counts.keys().copied().collect();
    for k in keys.iter().filter(|k| !parent.contains_key(k)) {
        if !seen.contains(k) {
            roots.push(node(data, *k, &counts, &children, &mut seen));
        }
    }
    // Nodes only reachable through a cycle become roots.
    for k in keys {
        if !seen.contains(&k) {
            roots.push(node(data, k, &counts, &children, &mut seen));
        }
    }
    roots.sort_by_key(|n| std::cmp::Reverse(n.goroutines));
    roots
}
