//! The findings scenarios, generated at test time from real events (never committed).
//!
//! No public file shows these incidents end to end, so each scenario is built by **editing real
//! events**: the sonobuoy kubelet journal and the combinestacks dump of the shared corpus, and the
//! audit fixtures of `tests/fixtures/audit` (provenance and licences in their `SOURCES.md`). Only
//! timestamps, names, hosts, IDs and latencies are changed, and lines are repeated; message
//! texts, field layouts and stacks are the real ones. The edits and their random draws are the
//! original Python generator's, step for step (CPython's Mersenne Twister, seed 20201119, one
//! stream through the scenarios in this order), so every file is byte-for-byte what it wrote
//! (gzip members aside: the same text, compressed by flate2) and the tests' numbers stay fixed.
//!
//! | dir | incident | detectors it exercises |
//! |---|---|---|
//! | `namespace-stall/` | KubeCon 2020 "How the OOM-Killer Deleted My Namespace": namespace deleted, contents deleted ~4 days later while metrics.k8s.io was down | stalled namespace deletion, discovery outage |
//! | `cni-lock-hang/` | KubeCon 2020: containerd's CNI lock held by a hung plugin; kubelet "container runtime is down / PLEG is not healthy" every ~2 min; goroutine waiters whose ages step by 2 min | runtime / CNI hang, NotReady |
//! | `list-storm/` | KubeCon 2020: one controller's LISTs without resourceVersion ≈ 50% of apiserver query time, ~100 in flight | LIST storm |
//! | `hot-loop/` | a controller creating ReplicaSets in a loop (~1.3/s for 40 min) | hot loop |
//! | `image-pull/` | ErrImagePull / ImagePullBackOff spreading over three nodes | image pull stampede |
//! | `memory-pressure/` | eviction threshold, pods ranked and evicted, kernel OOM kill, CrashLoopBackOff after | memory pressure chain |
//!
//! Each generator function's doc says which real events its files are made from.

use crate::pyjson::Json;
use crate::pyrandom::PyRandom;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Microseconds since the Unix epoch (UTC), the generator's clock.
type Micros = i64;

const SEC: Micros = 1_000_000;
const MIN: Micros = 60 * SEC;

/// `timedelta(seconds=x)` in microseconds, rounded as CPython rounds it: whole seconds exactly,
/// the fraction's microseconds half to even.
fn secs(x: f64) -> Micros {
    let whole = x.trunc();
    whole as Micros * SEC + ((x - whole) * 1e6).round_ties_even() as Micros
}

/// `datetime(y, m, d, H, M, S, us, tzinfo=timezone.utc)`.
fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, us: u32) -> Micros {
    chrono::NaiveDate::from_ymd_opt(y, mo, d)
        .and_then(|d| d.and_hms_micro_opt(h, mi, s, us))
        .expect("valid date")
        .and_utc()
        .timestamp_micros()
}

fn fmt(t: Micros, pattern: &str) -> String {
    chrono::DateTime::from_timestamp_micros(t)
        .expect("in range")
        .format(pattern)
        .to_string()
}

/// `t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")`.
fn iso(t: Micros) -> String {
    fmt(t, "%Y-%m-%dT%H:%M:%S%.6fZ")
}

/// klog's `mmdd hh:mm:ss.uuuuuu`.
fn klog_stamp(t: Micros) -> String {
    fmt(t, "%m%d %H:%M:%S%.6f")
}

/// `int(t.timestamp() * 1e6)`: through a float, as the original did (it can lose 1 µs).
fn journal_micros(t: Micros) -> i64 {
    ((t as f64 / 1e6) * 1e6) as i64
}

/// Python's `str.splitlines()`.
fn splitlines(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut it = s.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        let brk = matches!(
            c,
            '\n' | '\r'
                | '\u{b}'
                | '\u{c}'
                | '\u{1c}'
                | '\u{1d}'
                | '\u{1e}'
                | '\u{85}'
                | '\u{2028}'
                | '\u{2029}'
        );
        if brk {
            out.push(&s[start..i]);
            let mut end = i + c.len_utf8();
            if c == '\r' {
                if let Some(&(j, '\n')) = it.peek() {
                    it.next();
                    end = j + 1;
                }
            }
            start = end;
        }
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

fn read_text(p: &Path) -> String {
    let b = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    String::from_utf8(crate::gunzip_if(b)).unwrap_or_else(|_| panic!("{}: not UTF-8", p.display()))
}

fn read_json_lines(p: &Path) -> Vec<Json> {
    splitlines(&read_text(p))
        .into_iter()
        .map(|l| Json::parse(l).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
        .collect()
}

fn s(j: &Json, path: &[&str]) -> String {
    let mut v = j;
    for k in path {
        match v.get(k) {
            Some(x) => v = x,
            None => return String::new(),
        }
    }
    v.as_str().unwrap_or_default().to_string()
}

fn first(events: &[Json], what: &str, pred: impl Fn(&Json) -> bool) -> Json {
    events
        .iter()
        .find(|e| pred(e))
        .unwrap_or_else(|| panic!("no {what} event in the source"))
        .clone()
}

/// One edit of an audit event, applied in order (order decides where a new key goes).
enum Edit {
    /// `objectRef = {**objectRef, **v}`
    ObjectRef(Json),
    /// `user = {**user, **v}`
    User(Json),
    /// `responseStatus.code = v` (the object created last when absent)
    Code(i64),
    /// `e[k] = v`
    Set(&'static str, Json),
}

fn obj(kv: &[(&str, Json)]) -> Json {
    Json::Obj(kv.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
}

fn strs(v: &[&str]) -> Json {
    Json::Arr(v.iter().map(|s| Json::str(s)).collect())
}

/// The real events the scenarios are edited from.
struct Sources {
    pleg: Json,
    ns_delete: Json,
    rbac_deletes: Vec<Json>,
    list_pods: Json,
    lease: Json,
    list_svc_rv: Json,
    create: Json,
    write_stacks_2: String,
}

impl Sources {
    fn read(corpus: &Path) -> Sources {
        let sono = read_text(
            &corpus.join("kubelet/sonobuoy-systemd-logs/results-0.10-ip-10-0-9-16.journal.jsonl"),
        );
        // Only lines that can hold the message are parsed: the first whose MESSAGE has it wins.
        let pleg = splitlines(&sono)
            .into_iter()
            .filter(|l| l.contains("PLEG is not healthy"))
            .map(|l| Json::parse(l).expect("sonobuoy journal line"))
            .find(|e| s(e, &["MESSAGE"]).contains("PLEG is not healthy"))
            .expect("the sonobuoy PLEG entry");
        let audit = crate::fixture("audit");
        let falco = read_json_lines(&audit.join("falco-k8s-audit.jsonl"));
        let rbac = read_json_lines(&audit.join("audit2rbac-demo-head.log"));
        let oshift = read_json_lines(&audit.join("openshift-clo-k8s.log"));
        let verb = |e: &Json, v: &str| s(e, &["verb"]) == v;
        let res = |e: &Json, r: &str| s(e, &["objectRef", "resource"]) == r;
        Sources {
            pleg,
            ns_delete: first(&falco, "namespace delete", |e| {
                verb(e, "delete") && res(e, "namespaces")
            }),
            rbac_deletes: rbac.into_iter().filter(|e| verb(e, "delete")).collect(),
            list_pods: first(&oshift, "labelSelector list", |e| {
                verb(e, "list") && s(e, &["requestURI"]).contains("labelSelector")
            }),
            lease: first(&oshift, "lease update", |e| {
                verb(e, "update") && res(e, "leases")
            }),
            list_svc_rv: first(&oshift, "resourceVersion list", |e| {
                verb(e, "list") && s(e, &["requestURI"]).contains("resourceVersion")
            }),
            create: first(&oshift, "secret create", |e| {
                verb(e, "create") && res(e, "secrets")
            }),
            write_stacks_2: read_text(&corpus.join("goroutines/combinestacks_write-stacks-2.txt")),
        }
    }
}

/// Generated files, relative path → bytes.
pub type Files = Vec<(String, Vec<u8>)>;

struct Gen<'a> {
    rnd: PyRandom,
    src: &'a Sources,
    out: Files,
}

impl Gen<'_> {
    fn write(&mut self, rel: &str, lines: &[String], gz: bool) {
        let mut data = lines.join("\n").into_bytes();
        data.push(b'\n');
        if gz {
            data = crate::gzip(&data);
        }
        self.out.push((rel.to_string(), data));
    }

    /// `str(uuid.UUID(int=rnd.getrandbits(128)))`.
    fn uid(&mut self) -> String {
        let h = format!("{:032x}", self.rnd.getrandbits(128));
        format!(
            "{}-{}-{}-{}-{}",
            &h[..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..]
        )
    }

    /// A real audit event, completed at `t_recv + latency_s`, with a new auditID and `edits`;
    /// request and response bodies dropped.
    fn audit_event(
        &mut self,
        base: &Json,
        t_recv: Micros,
        latency_s: f64,
        edits: Vec<Edit>,
    ) -> String {
        let mut e = base.clone();
        let id = self.uid();
        e.set("auditID", Json::Str(id));
        e.set("stage", Json::str("ResponseComplete"));
        e.set("requestReceivedTimestamp", Json::Str(iso(t_recv)));
        e.set("stageTimestamp", Json::Str(iso(t_recv + secs(latency_s))));
        for edit in edits {
            match edit {
                Edit::ObjectRef(v) => {
                    let cur = e.get("objectRef").cloned().unwrap_or(Json::Obj(Vec::new()));
                    e.set("objectRef", cur.merged(&v));
                }
                Edit::User(v) => {
                    let cur = e.get("user").cloned().expect("event has a user");
                    e.set("user", cur.merged(&v));
                }
                Edit::Code(c) => e
                    .entry_obj("responseStatus")
                    .set("code", Json::Num(c.into())),
                Edit::Set(k, v) => e.set(k, v),
            }
        }
        e.remove("requestObject");
        e.remove("responseObject");
        e.dumps(",", ":")
    }

    /// The sonobuoy kubelet PLEG entry with its host, identifier, time and message changed, in
    /// journalctl's own `-o json` spacing.
    #[allow(clippy::too_many_arguments)]
    fn journal(
        &self,
        host: &str,
        ident: &str,
        pid: u32,
        t: Micros,
        msg: &str,
        prio: &str,
        transport: &str,
    ) -> String {
        let mut e = self.src.pleg.clone();
        e.set(
            "__REALTIME_TIMESTAMP",
            Json::Str(journal_micros(t).to_string()),
        );
        e.set("_HOSTNAME", Json::str(host));
        e.set("SYSLOG_IDENTIFIER", Json::str(ident));
        e.set("_COMM", Json::str(ident));
        e.set("_PID", Json::Str(pid.to_string()));
        e.set("PRIORITY", Json::str(prio));
        e.set("_TRANSPORT", Json::str(transport));
        e.set("MESSAGE", Json::str(msg));
        if ident == "kernel" {
            for k in [
                "_SYSTEMD_UNIT",
                "_SYSTEMD_CGROUP",
                "_SYSTEMD_SLICE",
                "_EXE",
                "_CMDLINE",
                "_PID",
                "_UID",
                "_GID",
                "_CAP_EFFECTIVE",
            ] {
                e.remove(k);
            }
        }
        let d = e.dumps(", ", " : ");
        format!("{{ {} }}", &d[1..d.len() - 1])
    }

    /// `namespace-stall/`:
    /// - `audit.log` — line 1 is the real namespace DELETE of `falco-k8s-audit.jsonl`
    ///   (falcosecurity/falco `delete_namespace_foo.json`) with the namespace renamed
    ///   `ovh-tenant`, the user `deploy-bot` and the time 2020-11-13T09:41:07.25Z. Lines 2–49 are
    ///   the real `delete` events of rolebindings/roles from `audit2rbac-demo-head.log`
    ///   (liggitt/audit2rbac), repeated 6×, moved to namespace `ovh-tenant`, user
    ///   `system:serviceaccount:kube-system:namespace-controller`, object names
    ///   `audit2rbac:userN`, new auditIDs, times from 2020-11-17T11:54 (4d2h later).
    /// - `kube-controller-manager.log` — klog `--log-file` header (year anchor 2020) and, every
    ///   ~10 min from 25 min before the DELETE until the contents go, the real discovery error
    ///   `unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: the
    ///   server is currently unable to handle the request` (the rancherd journal line quoted in
    ///   `crates/core/src/nodelog/classes.rs`, from a public bug report), prefixed with the
    ///   namespace controller's `deletion of namespace ovh-tenant failed:` and re-stamped.
    ///
    /// Expected: stalled namespace deletion (4d2h gap, APIService v1beta1.metrics.k8s.io),
    /// discovery outage.
    fn namespace_stall(&mut self) {
        let src = self.src;
        let t0 = utc(2020, 11, 13, 9, 41, 7, 250_000);
        let t1 = t0 + (4 * 24 * 60 + 2 * 60 + 13) * MIN;
        let ns = "ovh-tenant";
        let first = self.audit_event(
            &src.ns_delete,
            t0,
            0.012,
            vec![
                Edit::ObjectRef(obj(&[("name", Json::str(ns))])),
                Edit::Set("requestURI", Json::Str(format!("/api/v1/namespaces/{ns}"))),
                Edit::User(obj(&[
                    ("username", Json::str("deploy-bot")),
                    ("groups", strs(&["system:authenticated"])),
                ])),
            ],
        );
        let mut lines = vec![first];
        // The namespace controller empties the namespace once discovery works again.
        let nc = obj(&[
            (
                "username",
                Json::str("system:serviceaccount:kube-system:namespace-controller"),
            ),
            (
                "groups",
                strs(&[
                    "system:serviceaccounts",
                    "system:serviceaccounts:kube-system",
                    "system:authenticated",
                ]),
            ),
        ]);
        let n = src.rbac_deletes.len();
        for i in 0..6 * n {
            let base = &src.rbac_deletes[i % n];
            let t = t1 + 2 * i as Micros * SEC + self.rnd.randrange(1000, 900_000) as Micros;
            let user_i = format!("user{i}");
            let name = s(base, &["objectRef", "name"]).replace("bob", &user_i);
            let uri = s(base, &["requestURI"])
                .replace("/default/", &format!("/{ns}/"))
                .replace("bob", &user_i);
            let line = self.audit_event(
                base,
                t,
                0.02,
                vec![
                    Edit::User(nc.clone()),
                    Edit::ObjectRef(obj(&[("namespace", Json::str(ns)), ("name", Json::Str(name))])),
                    Edit::Set("requestURI", Json::Str(uri)),
                    Edit::Set("userAgent", Json::str("kube-controller-manager/v1.15.11 (linux/amd64) kubernetes/d94a81c/system:serviceaccount:kube-system:namespace-controller")),
                ],
            );
            lines.push(line);
        }
        self.write("namespace-stall/audit.log", &lines, false);
        let mut cm: Vec<String> = [
            "Log file created at: 2020/11/13 09:00:00",
            "Running on machine: master-1",
            "Binary: Built with gc go1.12.17 for linux/amd64",
            "Log line format: [IWEF]mmdd hh:mm:ss.uuuuuu threadid file:line] msg",
        ]
        .map(String::from)
        .to_vec();
        let mut t = t0 - 25 * MIN;
        while t < t1 - 3 * MIN {
            t += 10 * MIN + self.rnd.randrange(0, 2_000_000) as Micros;
            cm.push(format!("E{}       1 namespace_controller.go:148] deletion of namespace {ns} failed: unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: the server is currently unable to handle the request", klog_stamp(t)));
        }
        self.write("namespace-stall/kube-controller-manager.log", &cm, false);
    }

    /// `cni-lock-hang/`:
    /// - `kubelet.journal.jsonl` — the real kubelet entry `skipping pod synchronization -
    ///   [container runtime is down PLEG is not healthy: …]` of
    ///   `kubelet/sonobuoy-systemd-logs/results-0.10-ip-10-0-9-16` (journalctl -o json,
    ///   vmware-tanzu/sonobuoy), repeated 16× every 120 s ± 3 s from 2020-03-02T14:00:11Z;
    ///   `__REALTIME_TIMESTAMP`, the klog time and the "last seen active" duration edited.
    /// - `containerd-goroutines.txt` — `goroutines/combinestacks_write-stacks-2.txt`
    ///   (evanj/combinestacks, 150 goroutines blocked on `sync.Mutex 0xc000192068`) with wait
    ///   ages added to the 150 `[semacquire]` headers: `[semacquire, N minutes]`, N = 30, 28, … 2
    ///   (ten goroutines per step), as a dump taken at the end of the hang would show them.
    ///
    /// Expected: runtime hang on ip-10-0-9-16, period 2m, linked to the lock group (holder
    /// candidates goroutine 1 and 34); NotReady episode of 30 min.
    fn cni_lock_hang(&mut self) {
        let start = utc(2020, 3, 2, 14, 0, 11, 0);
        let pleg_msg = s(&self.src.pleg, &["MESSAGE"]);
        let mut out = Vec::new();
        for k in 0..16 {
            let t = start + secs(120.0 * k as f64 + self.rnd.uniform(-3.0, 3.0));
            let since = format!("{}m{:.9}s", 3 + 2 * k, self.rnd.uniform(0.0, 59.0));
            let msg = pleg_msg
                .replace("I1213 17:02:17.295985", &format!("I{}", klog_stamp(t)))
                .replace("2562047h47m16.854775807s", &since);
            out.push(self.journal("ip-10-0-9-16", "kubelet", 2856, t, &msg, "6", "stdout"));
        }
        self.write("cni-lock-hang/kubelet.journal.jsonl", &out, false);
        let mut n = 0;
        let mut res = Vec::new();
        for l in splitlines(&self.src.write_stacks_2) {
            if l.starts_with("goroutine ") && l.ends_with("[semacquire]:") {
                let age = 30 - 2 * (n / 10);
                n += 1;
                res.push(l.replace("[semacquire]:", &format!("[semacquire, {age} minutes]:")));
            } else {
                res.push(l.to_string());
            }
        }
        self.write("cni-lock-hang/containerd-goroutines.txt", &res, false);
    }

    /// `list-storm/audit.log.gz`:
    /// - 1500 copies of the real `list pods?labelSelector=apiserver%3Dtrue` event of
    ///   `audit/openshift-clo-k8s.log` (openshift/cluster-logging-operator) as user
    ///   `system:serviceaccount:kube-system:nodegroup-controller`, cluster-wide URI
    ///   `/api/v1/pods?labelSelector=nodegroup%3Dworkers` (no resourceVersion → served from
    ///   etcd), agent `nodegroup-controller/v0.4.2`, received uniformly over 5 min from
    ///   2020-06-04T08:30Z, latency 10–30 s (an apiserver in meltdown).
    /// - 3000 background requests: the real lease `update` (renamed per node
    ///   `system:node:ip-10-0-…`) and the real `list services?resourceVersion=25701453` event of
    ///   the same file, latency 5–15 s.
    ///
    /// Expected: one LIST storm, ≈50% of query time, ≈100 in flight (KubeCon 2020).
    fn list_storm(&mut self) {
        let src = self.src;
        let start = utc(2020, 6, 4, 8, 30, 0, 0);
        let who = obj(&[
            (
                "username",
                Json::str("system:serviceaccount:kube-system:nodegroup-controller"),
            ),
            (
                "groups",
                strs(&[
                    "system:serviceaccounts",
                    "system:serviceaccounts:kube-system",
                    "system:authenticated",
                ]),
            ),
        ]);
        let mut lines = Vec::new();
        for _ in 0..1500 {
            let t = start + secs(self.rnd.uniform(0.0, 300.0));
            let lat = self.rnd.uniform(10.0, 30.0);
            let ev = self.audit_event(
                &src.list_pods,
                t,
                lat,
                vec![
                    Edit::User(who.clone()),
                    Edit::ObjectRef(obj(&[("namespace", Json::str(""))])),
                    Edit::Set(
                        "requestURI",
                        Json::str("/api/v1/pods?labelSelector=nodegroup%3Dworkers"),
                    ),
                    Edit::Set("userAgent", Json::str("nodegroup-controller/v0.4.2")),
                ],
            );
            lines.push((t, ev));
        }
        let lease_prefix = s(&src.lease, &["requestURI"])
            .split("/leases/")
            .next()
            .unwrap_or_default()
            .to_string();
        for i in 0..3000 {
            let t = start + secs(self.rnd.uniform(0.0, 300.0));
            let lat = self.rnd.uniform(5.0, 15.0);
            let ev = if i % 3 == 0 {
                let node = format!("ip-10-0-{}-{}.ec2.internal", i % 40, (i * 7) % 250);
                self.audit_event(
                    &src.lease,
                    t,
                    lat,
                    vec![
                        Edit::User(obj(&[(
                            "username",
                            Json::Str(format!("system:node:{node}")),
                        )])),
                        Edit::ObjectRef(obj(&[("name", Json::Str(node.clone()))])),
                        Edit::Set(
                            "requestURI",
                            Json::Str(format!("{lease_prefix}/leases/{node}?timeout=10s")),
                        ),
                    ],
                )
            } else {
                self.audit_event(&src.list_svc_rv, t, lat, Vec::new())
            };
            lines.push((t, ev));
        }
        lines.sort_by_key(|(t, _)| *t);
        let lines: Vec<String> = lines.into_iter().map(|(_, l)| l).collect();
        self.write("list-storm/audit.log.gz", &lines, true);
    }

    /// `hot-loop/audit.log.gz`: 3000 copies of the real `create secrets` event of
    /// `audit/openshift-clo-k8s.log`, turned into `create replicasets.apps` in namespace `shop` by
    /// `system:serviceaccount:kube-system:deployment-controller` (random names `web-<hex>`,
    /// code 201), 0.4–1.2 s apart from 2021-02-08T22:05Z (40 min).
    ///
    /// Expected: hot loop, 3000 creates of replicasets.apps at ~1.3/s.
    fn hot_loop(&mut self) {
        let src = self.src;
        let who = obj(&[
            (
                "username",
                Json::str("system:serviceaccount:kube-system:deployment-controller"),
            ),
            (
                "groups",
                strs(&[
                    "system:serviceaccounts",
                    "system:serviceaccounts:kube-system",
                    "system:authenticated",
                ]),
            ),
        ]);
        let mut lines = Vec::new();
        let mut t = utc(2021, 2, 8, 22, 5, 0, 0);
        for _ in 0..3000 {
            t += secs(self.rnd.uniform(0.4, 1.2));
            let name = format!("web-{:010x}", self.rnd.getrandbits(40));
            let lat = self.rnd.uniform(0.005, 0.03);
            let ev = self.audit_event(
                &src.create,
                t,
                lat,
                vec![
                    Edit::User(who.clone()),
                    Edit::ObjectRef(obj(&[
                        ("resource", Json::str("replicasets")),
                        ("apiGroup", Json::str("apps")),
                        ("apiVersion", Json::str("v1")),
                        ("namespace", Json::str("shop")),
                        ("name", Json::Str(name)),
                    ])),
                    Edit::Set("requestURI", Json::str("/apis/apps/v1/namespaces/shop/replicasets")),
                    Edit::Set("userAgent", Json::str("kube-controller-manager/v1.19.7 (linux/amd64) kubernetes/1dd5338/system:serviceaccount:kube-system:deployment-controller")),
                    Edit::Code(201),
                ],
            );
            lines.push(ev);
        }
        self.write("hot-loop/audit.log.gz", &lines, true);
    }

    /// `image-pull/`: three `journalctl -o json` files (the sonobuoy kubelet entry of
    /// `results-0.10-ip-10-0-9-16` as envelope, host renamed to the three sonobuoy nodes) whose
    /// MESSAGE is one of two real kubelet lines quoted in `crates/core/src/nodelog/classes.rs`
    /// (from public bug reports): the `ImagePullBackOff` pod_workers line and the
    /// `ErrImagePull: image pull failed for unknown error` line, re-stamped. 4, 7 and 10
    /// failures, each node starting 2 min after the previous (a rising stampede).
    ///
    /// Expected: image pull stampede on 3 nodes (21 failures), image named, rate rising.
    fn image_pull(&mut self) {
        const IMG_BACKOFF: &str = r#"E0314 19:36:06.517880    3244 pod_workers.go:190] Error syncing pod bade5491-4634-11e9-9bf4-d409029b649b ("ubuntu_default(bade5491-4634-11e9-9bf4-d409029b649b)"), skipping: failed to "StartContainer" for "ubuntu" with ImagePullBackOff: "Back-off pulling image \"gcr.io/kubeflow-images-public/ubuntu:18.04\"""#;
        const IMG_ERR: &str = "E0816 20:28:50.954352   46840 docker_manager.go:2196] container start failed: ErrImagePull: image pull failed for unknown error";
        let start = utc(2019, 3, 14, 19, 30, 0, 0);
        for (h, host) in ["ip-10-0-26-239", "ip-10-0-9-16", "ip-10-0-9-206"]
            .into_iter()
            .enumerate()
        {
            let mut out = Vec::new();
            for k in 0..4 + 3 * h {
                let t = start + secs((20 * k + 120 * h) as f64 + self.rnd.uniform(0.0, 5.0));
                let src = if k % 3 == 0 { IMG_ERR } else { IMG_BACKOFF };
                let msg = src.replace(&src[1..21], &klog_stamp(t));
                out.push(self.journal(host, "kubelet", 3244, t, &msg, "3", "stdout"));
            }
            self.write(&format!("image-pull/{host}.journal.jsonl"), &out, false);
        }
    }

    /// `memory-pressure/node.journal.jsonl`: one `journalctl -o json` file (sonobuoy kubelet
    /// entry as envelope, host `192-168-250-5`) with six real lines, re-stamped 2–6 s apart on
    /// 2022-05-28: the kubelet's `eviction manager: attempting to reclaim …` (resource changed
    /// from imagefs to memory), `pods ranked for eviction` and `pod is evicted successfully`
    /// (public bug reports, quoted in `nodelog/classes.rs`), the kernel's `Memory cgroup out of
    /// memory: Kill process 1012 (heapster)` and `Killed process 1012 (heapster)`
    /// (`kubelet/npd-kernel-problems/oom_kill`, as kernel-transport entries), then a real
    /// `CrashLoopBackOff` pod_workers line with the container renamed heapster.
    ///
    /// Expected: memory pressure chain, critical, victims sre/infras-logstash-… and heapster, a
    /// restart after.
    fn memory_pressure(&mut self) {
        let host = "192-168-250-5";
        let msgs: [(&str, &str, u8); 6] = [
            ("kubelet", "W0822 23:51:03.731889    2684 eviction_manager.go:211] eviction manager: attempting to reclaim memory", 4),
            ("kubelet", r#"I0528 16:05:50.514706 2269385 eviction_manager.go:405] "Eviction manager: pods ranked for eviction" pods=["sre/infras-logstash-d484d57fc-rkx95","sre/admin-api-server-847868d7b-7sqdm","scrm/portal-h5-7c46694b8f-bkz95"]"#, 6),
            ("kubelet", r#"I0528 16:05:54.802914 2269385 eviction_manager.go:627] "Eviction manager: pod is evicted successfully" pod="sre/infras-logstash-d484d57fc-rkx95""#, 6),
            ("kernel", "Memory cgroup out of memory: Kill process 1012 (heapster) score 1035 or sacrifice child", 3),
            ("kernel", "Killed process 1012 (heapster) total-vm:327128kB, anon-rss:306328kB, file-rss:11132kB, shmem-rss:12345kB", 3),
            ("kubelet", r#"E0314 19:36:06.517880    3244 pod_workers.go:190] Error syncing pod, skipping: failed to "StartContainer" for "heapster" with CrashLoopBackOff: "Back-off 20s restarting failed container=heapster pod=heapster-5c4c7f4b9f-x2x8k_kube-system(bdfa8741-f70a-11e5-bf51-00269e2bd23c)""#, 3),
        ];
        let mut t = utc(2022, 5, 28, 16, 5, 40, 0);
        let mut out = Vec::new();
        for (ident, m, prio) in msgs {
            t += secs(self.rnd.uniform(2.0, 6.0));
            let m = if ident == "kubelet" {
                format!("{}{}{}", &m[..1], klog_stamp(t), &m[21..])
            } else {
                m.to_string()
            };
            let transport = if ident == "kernel" {
                "kernel"
            } else {
                "stdout"
            };
            out.push(self.journal(host, ident, 2_269_385, t, &m, &prio.to_string(), transport));
        }
        self.write("memory-pressure/node.journal.jsonl", &out, false);
    }
}

/// Every scenario file, built from the corpus at `corpus` and the audit fixtures (pure: no
/// writes). Deterministic.
pub fn generate(corpus: &Path) -> Files {
    let src = Sources::read(corpus);
    let mut g = Gen {
        rnd: PyRandom::new(20201119),
        src: &src,
        out: Vec::new(),
    };
    g.namespace_stall();
    g.cni_lock_hang();
    g.list_storm();
    g.hot_loop();
    g.image_pull();
    g.memory_pressure();
    g.out
}

/// Where generated scenarios go: `target/scenarios` (or under `$CARGO_TARGET_DIR`).
pub fn out_dir() -> PathBuf {
    crate::target_dir("scenarios")
}

/// The generated scenario folder, written once per process (each file replaced atomically and
/// only when its bytes changed, so concurrent test binaries never see a half-written file), or
/// `None` when the corpus is absent.
pub fn dir() -> Option<&'static Path> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| {
        let corpus = crate::corpus_root()?;
        let out = out_dir();
        for (rel, bytes) in generate(corpus) {
            crate::write_generated(&out.join(&rel), &bytes);
        }
        Some(out)
    })
    .as_deref()
}

/// A generated scenario file (`rel` like `"list-storm/audit.log.gz"`), or `None` when the
/// corpus is absent. Panics on a name the generator does not write.
pub fn scenario(rel: &str) -> Option<PathBuf> {
    let p = dir()?.join(rel);
    assert!(p.is_file(), "no generated scenario file {rel}");
    Some(p)
}

#[cfg(test)]
mod tests {
    use super::{secs, splitlines};

    #[test]
    fn timedelta_rounding_and_splitlines_match_python() {
        // timedelta(seconds=x) // timedelta(microseconds=1) in CPython 3.11.
        assert_eq!(secs(0.0000005), 0);
        assert_eq!(secs(0.0000015), 2);
        assert_eq!(secs(0.0000025), 2);
        assert_eq!(secs(1.0000005), 1_000_001);
        assert_eq!(secs(-2.5), -2_500_000);
        assert_eq!(
            splitlines("a\r\nb\rc\n\nd\u{2028}e\n"),
            ["a", "b", "c", "", "d", "e"]
        );
    }
}
