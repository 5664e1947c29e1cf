//! `whodunnit goroutines FILE…`: lock contention first (waiters, ages, likely holder), then
//! every group of goroutines, as text or JSON.

use crate::input;
use std::fmt::Write as _;
use std::process::ExitCode;
use whodunnit_core::goroutine::report::{FrameView, GoroutineReport, SnapshotInfo, SnapshotRef};
use whodunnit_core::goroutine::GoroutineDiff;
use whodunnit_core::goroutine::{diff, report, GoroutineQuery, Similarity};

/// The subcommand's arguments.
pub struct Args {
    pub files: Vec<String>,
    pub similarity: String,
    pub search: String,
    pub state: String,
    pub package: String,
    pub diff: bool,
    pub json: bool,
}

/// Run the subcommand.
pub fn run(a: Args) -> ExitCode {
    let Some(similarity) = Similarity::parse(&a.similarity) else {
        eprintln!(
            "whodunnit: --similarity must be exact, pointer or any (got {:?})",
            a.similarity
        );
        return ExitCode::from(2);
    };
    let (ds, failed) = input::read_all(&a.files);
    let code = if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    };
    if a.diff {
        let q = GoroutineQuery {
            similarity,
            max_groups: 1,
            ..GoroutineQuery::default()
        };
        let snaps = report(&ds, &q).snapshots;
        let (Some(first), Some(last)) = (snaps.first(), snaps.last()) else {
            eprintln!("whodunnit: --diff needs two goroutine dumps");
            return ExitCode::from(2);
        };
        if snaps.len() < 2 {
            eprintln!("whodunnit: --diff needs two goroutine dumps (found one)");
            return ExitCode::from(2);
        }
        let r = |s: &SnapshotInfo| SnapshotRef {
            file: s.file,
            snapshot: s.snapshot,
        };
        let d = diff(&ds, r(first), r(last), similarity);
        if a.json {
            println!(
                "{}",
                serde_json::to_string_pretty(&d).expect("diff serializes")
            );
        } else {
            print!("{}", render_diff(&d));
        }
        return code;
    }
    let q = GoroutineQuery {
        similarity,
        text: a.search,
        state: a.state,
        package: a.package,
        ..GoroutineQuery::default()
    };
    let rep = report(&ds, &q);
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&rep).expect("report serializes")
        );
    } else {
        print!("{}", render_text(&rep));
    }
    code
}

/// The text form of a diff.
pub fn render_diff(d: &GoroutineDiff) -> String {
    let mut out = String::new();
    let label = |s: &Option<SnapshotInfo>| s.as_ref().map(|s| s.label.clone()).unwrap_or_default();
    let _ = writeln!(
        out,
        "before: {}\nafter:  {}\n{}",
        label(&d.before),
        label(&d.after),
        d.summary
    );
    for (title, list) in [
        ("STILL BLOCKED, WAITING LONGER", &d.waited_longer),
        ("APPEARED", &d.appeared),
        ("VANISHED", &d.vanished),
    ] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{title}");
        for e in list {
            let ids: Vec<String> = e.ids.iter().take(8).map(|i| i.to_string()).collect();
            let _ = writeln!(
                out,
                "\n{}: {}{}{}",
                e.count,
                e.title,
                if e.wait_change.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", e.wait_change)
                },
                if ids.is_empty() {
                    String::new()
                } else {
                    format!("  goroutines {}", ids.join(", "))
                }
            );
            frames(&mut out, "    ", &e.frames, 12);
        }
    }
    for n in &d.notes {
        let _ = writeln!(out, "\nnote: {n}");
    }
    out
}

fn frame_line(out: &mut String, indent: &str, f: &FrameView) {
    let mark = if f.runtime {
        " [runtime]"
    } else if f.stdlib {
        " [std]"
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "{indent}{}({})  {}{}",
        f.func,
        f.args,
        if f.location.is_empty() {
            "?"
        } else {
            &f.location
        },
        mark
    );
}

/// Frames with runs of runtime frames collapsed.
fn frames(out: &mut String, indent: &str, frames: &[FrameView], max: usize) {
    let mut i = 0;
    let mut shown = 0;
    while i < frames.len() {
        if shown >= max {
            let _ = writeln!(out, "{indent}… {} more frames", frames.len() - i);
            break;
        }
        if frames[i].runtime {
            let j = frames[i..]
                .iter()
                .position(|f| !f.runtime)
                .map_or(frames.len(), |p| i + p);
            if j - i > 1 {
                let _ = writeln!(out, "{indent}({} runtime frames)", j - i);
                i = j;
                shown += 1;
                continue;
            }
        }
        frame_line(out, indent, &frames[i]);
        i += 1;
        shown += 1;
    }
}

/// The text report.
pub fn render_text(rep: &GoroutineReport) -> String {
    let mut out = String::new();
    for s in &rep.snapshots {
        let _ = writeln!(
            out,
            "== {} ({} groups, {} lock groups{})",
            s.label,
            s.groups,
            s.lock_groups,
            if s.time_text != "-" {
                format!(", at {}", s.time_text)
            } else {
                String::new()
            }
        );
    }
    for s in &rep.snapshots {
        for st in &s.system_stacks {
            let _ = writeln!(out, "\nsystem stack of {}:", s.label);
            frames(&mut out, "    ", st, 12);
        }
    }
    if !rep.wait_sites.is_empty() {
        let _ = writeln!(out, "\nWAITING AT ONE CALL SITE (no mutex)");
        for w in &rep.wait_sites {
            let snap = rep
                .snapshots
                .iter()
                .find(|s| s.file == w.file && s.snapshot == w.snapshot)
                .map(|s| s.label.as_str())
                .unwrap_or("");
            let ages: Vec<String> = w
                .ages
                .iter()
                .rev()
                .map(|(m, n)| {
                    if *n > 1 {
                        format!("{m}×{n}")
                    } else {
                        m.to_string()
                    }
                })
                .collect();
            let _ = writeln!(
                out,
                "\n{} × [{}] at {} ({})  — {snap}\n  printed waits (min): {}",
                w.waiters,
                w.state,
                w.func,
                w.location,
                ages.join(", ")
            );
            if let Some(p) = &w.periodicity {
                let _ = writeln!(out, "  periodic: {p}");
            }
            if let Some((id, _)) = w.oldest {
                let _ = writeln!(out, "  oldest: goroutine {id}, {}", w.oldest_range);
            }
        }
    }
    if !rep.lock_groups.is_empty() {
        let _ = writeln!(out, "\nLOCK CONTENTION");
        for (i, l) in rep.lock_groups.iter().enumerate() {
            let snap = rep
                .snapshots
                .iter()
                .find(|s| s.file == l.file && s.snapshot == l.snapshot)
                .map(|s| s.label.as_str())
                .unwrap_or("");
            let _ = writeln!(out, "\n[lock {}] {}  — {snap}", i + 1, l.summary);
            let sites: Vec<String> = l
                .call_sites
                .iter()
                .map(|c| format!("{}× {} ({})", c.count, c.frame.func, c.frame.location))
                .collect();
            let _ = writeln!(out, "  call sites: {}", sites.join(", "));
            let max = l
                .histogram
                .iter()
                .map(|b| b.count)
                .max()
                .unwrap_or(1)
                .max(1);
            if l.histogram.len() > 1 {
                let _ = writeln!(out, "  wait ages:");
                for b in &l.histogram {
                    let bar = "#".repeat(((b.count * 40).div_ceil(max)) as usize);
                    let _ = writeln!(out, "    {:>8} {:>5} {bar}", b.label, b.count);
                }
            }
            if let Some(p) = &l.periodicity {
                let _ = writeln!(out, "  periodic: {p}");
            }
            if l.holders.is_empty() {
                if let Some(n) = &l.no_holder {
                    let _ = writeln!(out, "  holder: none found. {n}");
                }
            } else {
                let _ = writeln!(out, "  likely holder candidates:");
                for h in &l.holders {
                    let _ = writeln!(
                        out,
                        "    goroutine {} [{}{}] score {}",
                        h.goroutine.map_or("?".into(), |i| i.to_string()),
                        h.state,
                        h.wait_minutes
                            .map_or(String::new(), |w| format!(", {w} min")),
                        h.score
                    );
                    for r in &h.reasons {
                        let _ = writeln!(out, "      - {r}");
                    }
                    frames(&mut out, "        ", &h.frames, 6);
                }
            }
        }
    }
    let _ = writeln!(
        out,
        "\nGROUPS ({} of {})",
        rep.groups.len(),
        rep.total_groups
    );
    for g in &rep.groups {
        let created = g
            .created_by
            .as_ref()
            .map(|c| format!(" created by {} ({})", c.func, c.location))
            .unwrap_or_default();
        let ids: Vec<String> = g.ids.iter().take(8).map(|i| i.to_string()).collect();
        let _ = writeln!(
            out,
            "\n{}: {}{}{}{}{}{}",
            g.count,
            g.state,
            if g.wait_text.is_empty() {
                String::new()
            } else {
                format!(" [{}]", g.wait_text)
            },
            if g.locked > 0 {
                " [locked to thread]"
            } else {
                ""
            },
            created,
            if ids.is_empty() {
                String::new()
            } else {
                format!(
                    "  goroutines {}{}",
                    ids.join(", "),
                    if g.ids_total > ids.len() { ", …" } else { "" }
                )
            },
            g.lock_group
                .map(|l| format!("  (lock {})", l + 1))
                .unwrap_or_default()
        );
        if let Some(r) = &g.race {
            let _ = writeln!(out, "    race: {r}");
        }
        if g.unavailable {
            let _ = writeln!(out, "    (stack unavailable: running on another thread)");
        }
        frames(&mut out, "    ", &g.frames, 40);
        if let Some(e) = &g.elided {
            let _ = writeln!(out, "    {e}");
        }
    }
    for n in &rep.notes {
        let _ = writeln!(out, "\nnote: {n}");
    }
    out
}
