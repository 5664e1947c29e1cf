//! The journald entry scanner (`journal_json::scan_entry`) against serde_json: every line of
//! every `journalctl -o json` file we have is read both ways; where the scanner reads a line it
//! gives serde's entry, and it reads nearly all of them. Randomly re-ordered, re-spaced and
//! re-escaped copies of the lines give the original's entry too (or are left to serde).

use proptest::prelude::*;
use serde_json::Value;
use whodunnit_core::nodelog::lines::journal_json::{scan_entry, Entry};

/// The journals of the corpus (`kubelet/`), line by line.
fn lines() -> Vec<(String, Vec<u8>)> {
    let Some(dir) = whodunnit_testdata::corpus("kubelet") else {
        return Vec::new();
    };
    let mut files = vec![dir.join("lnav-logfile_journald.json")];
    let sono = dir.join("sonobuoy-systemd-logs");
    let mut names: Vec<_> = std::fs::read_dir(&sono)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".jsonl"))
        .collect();
    names.sort();
    files.extend(names);
    let mut out = Vec::new();
    for f in files {
        let b = whodunnit_testdata::read(&f);
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        for l in b.split(|&c| c == b'\n').filter(|l| !l.is_empty()) {
            out.push((name.clone(), l.to_vec()));
        }
    }
    out
}

fn serde(line: &[u8]) -> Option<Entry<'_>> {
    serde_json::from_slice(line).ok()
}

#[test]
fn every_journal_line_reads_as_serde_reads_it() {
    let lines = lines();
    if lines.is_empty() {
        return;
    }
    let mut scanned = 0;
    for (name, l) in &lines {
        if let Some(e) = scan_entry(l) {
            scanned += 1;
            assert_eq!(
                Some(&e),
                serde(l).as_ref(),
                "{name}: {}",
                String::from_utf8_lossy(l)
            );
        }
    }
    // Byte arrays (non-UTF-8 messages) are left to serde; they are rare.
    assert!(
        scanned * 100 >= lines.len() * 99,
        "scanned {scanned} of {} lines",
        lines.len()
    );
}

#[test]
fn what_serde_would_judge_otherwise_is_left_to_it() {
    for doc in [
        r#"{"MESSAGE":"a","MESSAGE":"b"}"#,
        r#"{"MESSAGE":null,"MESSAGE":"b"}"#,
        r#"{"MESSAGE":[104,105]}"#,
        r#"{"PRIORITY":6}"#,
        r#"{"MESSAGE":"x"} y"#,
        r#"{"MESS\u0041GE":"x"}"#,
        r#"{"MESSAGE":"x",}"#,
        r#"{"MESSAGE":"\ud83dx"}"#,
        "{\"MESSAGE\":\"a\tb\"}",
    ] {
        assert!(scan_entry(doc.as_bytes()).is_none(), "{doc}");
    }
    let e = scan_entry(br#" {"MESSAGE":null,"_PID":[1,2],"x":{"y":"}"},"PRIORITY":"3"} "#)
        .expect("scanned");
    assert!(e.message.is_none());
    assert_eq!(e.priority.map(|f| f.0.into_owned()).as_deref(), Some("3"));
}

/// `v` written with its keys in `order` (a permutation seed), `pretty` or compact, and `/`
/// escaped as `\/` when `slash`.
fn rewrite(v: &Value, order: u64, pretty: bool, slash: bool) -> String {
    let Value::Object(m) = v else {
        return v.to_string();
    };
    let mut keys: Vec<&String> = m.keys().collect();
    keys.sort_by_key(|k| {
        k.bytes()
            .fold(order, |h, c| h.rotate_left(5) ^ c as u64)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
    });
    let sep = if pretty { " ,\n\t" } else { "," };
    let colon = if pretty { " : " } else { ":" };
    let mut out = String::from(if pretty { "{ " } else { "{" });
    for (i, k) in keys.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        let mut val = m[*k].to_string();
        if slash {
            val = val.replace('/', "\\/");
        }
        out.push_str(&format!("{}{colon}{val}", Value::String((*k).clone())));
    }
    out.push_str(if pretty { " }\n" } else { "}" });
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn rewritten_lines_read_as_the_original(order in any::<u64>(), pretty in any::<bool>(), slash in any::<bool>()) {
        let (mut tried, mut scanned) = (0, 0);
        for (name, l) in lines().iter().step_by(17) {
            let Ok(v) = serde_json::from_slice::<Value>(l) else { continue };
            let Some(want) = serde(l) else { continue };
            let text = rewrite(&v, order, pretty, slash);
            tried += 1;
            if let Some(got) = scan_entry(text.as_bytes()) {
                scanned += 1;
                prop_assert_eq!(&got, &want, "{}: {}", name, text);
            }
        }
        prop_assert!(scanned * 100 >= tried * 99, "scanned {} of {}", scanned, tried);
    }
}
