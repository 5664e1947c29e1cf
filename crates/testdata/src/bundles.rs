//! Bundles in the layouts real tools write, built from corpus files at test time into
//! `target/bundles/` (never committed), deterministically. The layouts and what each file is
//! made from are in docs/bundles.md; in short:
//!
//! | layout | what writes it | forms generated |
//! |---|---|---|
//! | `must-gather` | `oc adm must-gather`: audit logs as `.log.gz` under `audit_logs/`, pod logs under `namespaces/*/pods/*/*/*/logs/current.log` (`oc logs --timestamps`), resource YAML, events | folder, `.tar.gz`, `.tar.zst` |
//! | `eks` | the EKS log collector (`eks-log-collector.sh`): `kubelet/kubelet.log` and `containerd/containerd-log.txt` (`journalctl -u …`), `kernel/dmesg.current`, `var_log/` | `.tar.gz` (as the tool writes it), `.tar.xz` |
//! | `kind` | `kind export logs`: one folder per node with `kubelet.log`, `containerd.log`, `journal.log` (journalctl), `pods/<ns>_<pod>_<uid>/<container>/0.log` (CRI) | folder, `.zip` |
//!
//! Plus two nested bundles: `support-case.zip` (the must-gather `.tar.gz` and the EKS `.tar.xz`
//! inside a zip) and `support-case.tar` (the EKS `.tar.gz` and the kind `.zip` inside a tar).
//! Log lines are the corpus's own; wrappers (journalctl's prefix, CRI's, `--timestamps`) are
//! added from each line's own time. Small non-log files (YAML, JSON, version files) are written
//! here, as the tools write them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Modification time of every generated member (2026-11-30T04:00:00Z), in seconds.
pub const MTIME: i64 = 1_796_011_200;

/// One file of a layout: its path inside the bundle and its bytes.
pub struct Member {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// A bundle layout: its members, under `root` inside archives (`./` for the EKS tarball).
pub struct Layout {
    pub name: &'static str,
    pub root: &'static str,
    pub members: Vec<Member>,
}

fn corpus_bytes(corpus: &Path, rel: &str) -> Vec<u8> {
    crate::gunzip_if(crate::read(corpus.join(rel)))
}

fn text(corpus: &Path, rel: &str) -> String {
    String::from_utf8_lossy(&corpus_bytes(corpus, rel)).into_owned()
}

fn first_lines(s: &str, n: usize) -> String {
    s.lines().take(n).map(|l| format!("{l}\n")).collect()
}

type Stamp = chrono::DateTime<chrono::Utc>;

/// A line's own time: klog (`I1130 03:27:57.537299`, year given), logrus `time="…"` or a JSON
/// `"ts":"…"`.
fn stamp(line: &str, year: i32) -> Option<Stamp> {
    use chrono::{NaiveDateTime, TimeZone};
    let b = line.as_bytes();
    if b.len() > 21 && b"IWEF".contains(&b[0]) && b[1].is_ascii_digit() && b[5] == b' ' {
        let s = format!("{year}{}", &line[1..21]);
        let t = NaiveDateTime::parse_from_str(&s, "%Y%m%d %H:%M:%S%.f").ok()?;
        return Some(chrono::Utc.from_utc_datetime(&t));
    }
    let quoted = |key: &str| {
        let i = line.find(key)? + key.len();
        let e = line[i..].find('"')?;
        chrono::DateTime::parse_from_rfc3339(&line[i..i + e])
            .ok()
            .map(|t| t.to_utc())
    };
    quoted("time=\"").or_else(|| quoted("\"ts\":\""))
}

/// Lines with each one's time: a line without one takes the time of the line before it (lines
/// before the first stamped one, that line's; a file without any, an hour before [`MTIME`]).
fn stamped(s: &str, year: i32) -> Vec<(Stamp, &str)> {
    let first = s.lines().find_map(|l| stamp(l, year));
    let mut last =
        first.unwrap_or_else(|| chrono::DateTime::from_timestamp(MTIME - 3600, 0).expect("valid"));
    s.lines()
        .map(|l| {
            if let Some(t) = stamp(l, year) {
                last = t;
            }
            (last, l)
        })
        .collect()
}

/// `journalctl -u UNIT` (short format): `Nov 30 03:29:49 host unit[pid]: line`.
fn journal_short(s: &str, year: i32, host: &str, unit: &str, pid: u32) -> String {
    stamped(s, year)
        .into_iter()
        .map(|(t, l)| format!("{} {host} {unit}[{pid}]: {l}\n", t.format("%b %d %H:%M:%S")))
        .collect()
}

/// A CRI container log (`/var/log/pods/…/0.log`): `<RFC 3339 nano> stderr F line`.
pub fn cri(s: &str, year: i32) -> String {
    stamped(s, year)
        .into_iter()
        .map(|(t, l)| format!("{} stderr F {l}\n", t.format("%Y-%m-%dT%H:%M:%S%.9fZ")))
        .collect()
}

/// `oc logs --timestamps` (what must-gather's `current.log` holds): `<RFC 3339 nano> line`.
pub fn oc_timestamps(s: &str, year: i32) -> String {
    stamped(s, year)
        .into_iter()
        .map(|(t, l)| format!("{} {l}\n", t.format("%Y-%m-%dT%H:%M:%S%.9fZ")))
        .collect()
}

/// `journalctl` (short format) of a journald JSON export: every unit, one line per entry.
fn journal_of_json(s: &str) -> String {
    let mut out = String::new();
    for l in s.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(l) else {
            continue;
        };
        let Some(t) = v["__REALTIME_TIMESTAMP"]
            .as_str()
            .and_then(|us| us.parse().ok())
            .and_then(chrono::DateTime::from_timestamp_micros)
        else {
            continue;
        };
        let msg = match &v["MESSAGE"] {
            serde_json::Value::String(m) => m.clone(),
            _ => continue,
        };
        let id = v["SYSLOG_IDENTIFIER"].as_str().unwrap_or("unknown");
        let host = v["_HOSTNAME"].as_str().unwrap_or("localhost");
        let pid = v["_PID"]
            .as_str()
            .map(|p| format!("[{p}]"))
            .unwrap_or_default();
        for m in msg.lines() {
            out += &format!("{} {host} {id}{pid}: {m}\n", t.format("%b %d %H:%M:%S"));
        }
    }
    out
}

fn m(path: &str, bytes: impl Into<Vec<u8>>) -> Member {
    Member {
        path: path.to_string(),
        bytes: bytes.into(),
    }
}

/// The three layouts, from the corpus at `c`.
pub fn layouts(c: &Path) -> Vec<Layout> {
    let apiserver = text(c, "live-controlplane/kube-apiserver.log.gz");
    let kcm = text(c, "live-controlplane/kube-controller-manager.log.gz");
    let etcd = first_lines(&text(c, "live-controlplane/etcd.log.gz"), 2000);
    let audit = first_lines(&text(c, "live-controlplane/audit.log.gz"), 1500);
    let containerd = text(c, "live-containerd/containerd.log");
    let kubelet = text(c, "kubelet/windows-kubelet-klogfile-v1.17.log");
    let dmesg: String = [
        "oom_kill",
        "docker_hung",
        "null_pointer",
        "unregister_netdevice",
    ]
    .iter()
    .map(|f| text(c, &format!("kubelet/npd-kernel-problems/{f}")))
    .collect();
    let events = crate::read(crate::fixture(
        "events/kspan-deployment-rollout.events.yaml",
    ));
    let pod_yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver-master-0\n  namespace: openshift-kube-apiserver\nspec:\n  containers:\n  - name: kube-apiserver\n    image: quay.io/openshift-release-dev/ocp-v4.0-art-dev\n";
    let ns = "namespaces/openshift-kube-apiserver";
    let pods = |ns: &str, pod: &str, c: &str| format!("namespaces/{ns}/pods/{pod}/{c}/{c}/logs");
    let must_gather = Layout {
        name: "must-gather",
        root: "must-gather.local.5183578593405232164/quay-io-openshift-release-dev-ocp-v4-0-art-dev-sha256-9f1a/",
        members: vec![
            m("audit_logs/kube-apiserver/master-0-audit-2026-11-30T03-45-12.000.log.gz", crate::gzip(audit.as_bytes())),
            m("audit_logs/kube-apiserver.audit_logs_listing", "master-0-audit-2026-11-30T03-45-12.000.log.gz\n"),
            m(&format!("{}/current.log", pods("openshift-kube-apiserver", "kube-apiserver-master-0", "kube-apiserver")), oc_timestamps(&apiserver, 2026)),
            m(&format!("{}/previous.log", pods("openshift-kube-apiserver", "kube-apiserver-master-0", "kube-apiserver")), ""),
            m(&format!("{}/current.log", pods("openshift-kube-controller-manager", "kube-controller-manager-master-0", "kube-controller-manager")), oc_timestamps(&kcm, 2026)),
            m(&format!("{}/current.log", pods("openshift-etcd", "etcd-master-0", "etcd")), oc_timestamps(&etcd, 2026)),
            m(&format!("{ns}/pods/kube-apiserver-master-0/kube-apiserver-master-0.yaml"), pod_yaml),
            m(&format!("{ns}/core/events.yaml"), events),
            m("timestamp", "2026-11-30 03:59:01.123456789 +0000 UTC m=+0.051234567\n2026-11-30 04:00:00.987654321 +0000 UTC m=+59.915432100\n"),
            m("version", "oc 4.18.0\n"),
        ],
    };
    let eks = Layout {
        name: "eks",
        root: "./",
        members: vec![
            m("kubelet/kubelet.log", journal_short(&kubelet, 2019, "ip-10-0-1-23.ec2.internal", "kubelet", 3312)),
            m("kubelet/kubeconfig.yaml", "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://ABCDEF.gr7.us-west-2.eks.amazonaws.com\n  name: kubernetes\n"),
            m("containerd/containerd-log.txt", journal_short(&containerd, 2026, "ip-10-0-1-23.ec2.internal", "containerd", 2275)),
            m("kernel/dmesg.current", dmesg),
            m("kernel/uname.txt", "Linux ip-10-0-1-23.ec2.internal 6.1.119-129.201.amzn2023.x86_64 #1 SMP x86_64 GNU/Linux\n"),
            m("var_log/containerd.log.1.gz", crate::gzip(containerd.as_bytes())),
            m("system/instance-id.txt", "i-0a1b2c3d4e5f60718\n"),
        ],
    };
    let kind = Layout {
        name: "kind",
        root: "kind-logs/",
        members: vec![
            m("kind-version.txt", "kind v0.27.0 go1.23.6 linux/amd64\n"),
            m("docker-info.txt", "Client:\n Version:    27.5.1\n Context:    default\n"),
            m("kind-control-plane/kubelet.log", journal_short(&apiserver, 2026, "kind-control-plane", "kubelet", 711)),
            m("kind-control-plane/containerd.log", journal_short(&containerd, 2026, "kind-control-plane", "containerd", 102)),
            m("kind-control-plane/journal.log", journal_of_json(&text(c, "kubelet/sonobuoy-systemd-logs/results-0.10-ip-10-0-9-16.journal.jsonl"))),
            m("kind-control-plane/kubernetes-version.txt", "v1.36.2\n"),
            m("kind-control-plane/inspect.json", "[{\"Id\":\"5e1f0c\",\"Name\":\"/kind-control-plane\",\"State\":{\"Status\":\"running\"}}]\n"),
            m("kind-control-plane/pods/kube-system_etcd-kind-control-plane_6d2a0c8a/etcd/0.log", cri(&etcd, 2026)),
            m("kind-control-plane/pods/kube-system_kube-controller-manager-kind-control-plane_1f7be2c1/kube-controller-manager/0.log", cri(&kcm, 2026)),
        ],
    };
    vec![must_gather, eks, kind]
}

/// A tar (GNU long names for paths over 100 bytes) of `files`, every member at [`MTIME`].
pub fn tar(files: &[(String, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (path, bytes) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(bytes.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(MTIME as u64);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, path, *bytes)
            .expect("tar into memory");
    }
    b.into_inner().expect("tar into memory")
}

/// A zip of `files` (deflated, DOS time [`MTIME`]).
pub fn zip(files: &[(String, &[u8])]) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let t = zip::DateTime::from_date_and_time(2026, 11, 30, 4, 0, 0).expect("valid");
    let opts = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(t);
    for (path, bytes) in files {
        w.start_file(path.as_str(), opts).expect("zip into memory");
        w.write_all(bytes).expect("zip into memory");
    }
    w.finish().expect("zip into memory").into_inner()
}

/// `bytes` as xz (preset 6).
pub fn xz(bytes: &[u8]) -> Vec<u8> {
    let mut w = lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::with_preset(6))
        .expect("xz into memory");
    w.write_all(bytes).expect("xz into memory");
    w.finish().expect("xz into memory")
}

/// `bytes` as one Zstandard frame.
pub fn zstd(bytes: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(bytes, ruzstd::encoding::CompressionLevel::Fastest)
}

/// `layout`'s members as (path inside the archive, bytes).
pub fn entries(l: &Layout) -> Vec<(String, &[u8])> {
    l.members
        .iter()
        .map(|m| (format!("{}{}", l.root, m.path), &m.bytes[..]))
        .collect()
}

/// Every generated file: (path under `target/bundles/`, bytes). Folders are written as their
/// files; their mtimes are set by [`dir`].
pub fn generate(corpus: &Path) -> Vec<(String, Vec<u8>)> {
    let ls = layouts(corpus);
    let (mg, eks, kind) = (&ls[0], &ls[1], &ls[2]);
    let mg_tar = tar(&entries(mg));
    let eks_tar = tar(&entries(eks));
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    for l in [mg, kind] {
        for (path, bytes) in entries(l) {
            out.push((path, bytes.to_vec()));
        }
    }
    let mg_gz = crate::gzip(&mg_tar);
    let eks_gz = crate::gzip(&eks_tar);
    let eks_xz = xz(&eks_tar);
    let kind_zip = zip(&entries(kind));
    out.push(("must-gather.tar.zst".into(), zstd(&mg_tar)));
    out.push((
        "support-case.zip".into(),
        zip(&[
            ("must-gather.tar.gz".into(), &mg_gz[..]),
            (
                "eks_i-0a1b2c3d4e5f60718_2026-11-30_0400-UTC_0.7.8.tar.xz".into(),
                &eks_xz[..],
            ),
        ]),
    ));
    out.push((
        "support-case.tar".into(),
        tar(&[
            (
                "eks_i-0a1b2c3d4e5f60718_2026-11-30_0400-UTC_0.7.8.tar.gz".into(),
                &eks_gz[..],
            ),
            ("kind-logs.zip".into(), &kind_zip[..]),
        ]),
    ));
    out.push(("must-gather.tar.gz".into(), mg_gz));
    out.push((
        "eks_i-0a1b2c3d4e5f60718_2026-11-30_0400-UTC_0.7.8.tar.gz".into(),
        eks_gz,
    ));
    out.push((
        "eks_i-0a1b2c3d4e5f60718_2026-11-30_0400-UTC_0.7.8.tar.xz".into(),
        eks_xz,
    ));
    out.push(("kind-logs.zip".into(), kind_zip));
    let pair = [
        (
            "kubelet.log".to_string(),
            corpus_bytes(corpus, "kubelet/windows-kubelet-klogfile-v1.17.log"),
        ),
        (
            "goroutines.txt".to_string(),
            corpus_bytes(corpus, "goroutines/combinestacks_write-stacks-2.txt"),
        ),
    ];
    let pair: Vec<(String, &[u8])> = pair.iter().map(|(p, b)| (p.clone(), &b[..])).collect();
    out.push(("kubelet-and-dump.tar.gz".into(), crate::gzip(&tar(&pair))));
    out
}

/// The folder forms: `must-gather.local.…` (what `oc adm must-gather` leaves) and `kind-logs`.
pub const FOLDERS: [&str; 2] = ["must-gather.local.5183578593405232164", "kind-logs"];

/// Where generated bundles go: `target/bundles` (or under `$CARGO_TARGET_DIR`).
pub fn out_dir() -> PathBuf {
    crate::target_dir("bundles")
}

/// The generated bundles' folder, written once per process (each file replaced atomically and
/// only when its bytes changed; folder members get [`MTIME`]), or `None` without the corpus.
pub fn dir() -> Option<&'static Path> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| {
        let corpus = crate::corpus_root()?;
        let out = out_dir();
        let when = std::time::UNIX_EPOCH + std::time::Duration::from_secs(MTIME as u64);
        for (rel, bytes) in generate(corpus) {
            let p = out.join(&rel);
            crate::write_generated(&p, &bytes);
            let f = std::fs::File::options().write(true).open(&p);
            f.and_then(|f| f.set_modified(when))
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        }
        Some(out)
    })
    .as_deref()
}

/// A generated bundle (`rel` like `"must-gather.tar.gz"` or `"kind"`), or `None` when the
/// corpus is absent.
pub fn bundle(rel: &str) -> Option<PathBuf> {
    let p = dir()?.join(rel);
    assert!(p.exists(), "no generated bundle {rel}");
    Some(p)
}
