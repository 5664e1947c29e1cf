//! The generated scenarios are the original generator's files, text for text: the SHA-256 of
//! each (gunzipped) file as `make.py` (CPython 3.11) wrote it when it was committed.

use sha2::{Digest, Sha256};
use whodunnit_testdata::{corpus_root, gunzip_if, scenarios};

const PINNED: &[(&str, &str)] = &[
    (
        "cni-lock-hang/containerd-goroutines.txt",
        "416f016aba9d4be0df13df6eabad2d42fe68e587c6eb12629a30f79b68ca9199",
    ),
    (
        "cni-lock-hang/kubelet.journal.jsonl",
        "85390e7b04e81178fef74a7e539d62ab84a6366116e90edd40a427e9b087dfbb",
    ),
    (
        "hot-loop/audit.log.gz",
        "1241aeefa5f7a6e2fbfa36a40eba66d8fd95173248826d2a04b18b6b424434a6",
    ),
    (
        "image-pull/ip-10-0-26-239.journal.jsonl",
        "fbae1daec8643afa999de4fe1cdeca32c4b440bcfb9fb2b1ba1f5533652cc976",
    ),
    (
        "image-pull/ip-10-0-9-16.journal.jsonl",
        "a7cf75ed176ea9e614a28e87790c3287449116271b517735fa32f313e27b7f24",
    ),
    (
        "image-pull/ip-10-0-9-206.journal.jsonl",
        "aefef43aa110d103a82bdfad31daa7ccebc9bf59aa8e9738e8100416becf17c9",
    ),
    (
        "list-storm/audit.log.gz",
        "e8db0f94d85fe8e85c4502e2ad762a13c7c55962f94855028a38acb8dcef047b",
    ),
    (
        "memory-pressure/node.journal.jsonl",
        "dbd9709353b990d279554528fd7d56c81f4da6bdc6c9d9cb5e9716c64197fffd",
    ),
    (
        "namespace-stall/audit.log",
        "5f40bea663406d866f68249cea68fbe37a61b91f35128df3f5fb6ad8bb045038",
    ),
    (
        "namespace-stall/kube-controller-manager.log",
        "4000ca5e2599a72bbdc9ffbb471c437bf689a2b667dcf8c553c6775b5e7fb734",
    ),
];

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn generated_scenarios_equal_the_original_generators_text() {
    let Some(corpus) = corpus_root() else { return };
    let mut got: Vec<(String, String)> = scenarios::generate(corpus)
        .into_iter()
        .map(|(rel, bytes)| (rel, hex(&Sha256::digest(gunzip_if(bytes)))))
        .collect();
    got.sort();
    let want: Vec<(String, String)> = PINNED
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn scenario_files_are_written_once_and_complete() {
    let Some(p) = whodunnit_testdata::scenario("list-storm/audit.log.gz") else {
        return;
    };
    let text = gunzip_if(std::fs::read(p).unwrap());
    assert_eq!(text.iter().filter(|&&b| b == b'\n').count(), 4500);
}
