//! The one table of named node-log event kinds: patterns, severity and a real example line each
//! (copied from public bug reports and from the corpus; a test classifies every example).
//!
//! Matching is a single Aho-Corasick pass over the line for all patterns at once (the
//! `aho-corasick` crate: ~100 patterns tested with one scan per line instead of ~100 `memmem`
//! scans, which is what keeps classification off the profile). Earlier rows win when several
//! classes match, so specific rows come before generic ones (`runtime_rpc_error` is last).

use crate::event::Severity;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use std::sync::OnceLock;

/// One named kind of node-log event.
pub struct Class {
    /// Kind name on the timeline (`pleg_unhealthy`).
    pub name: &'static str,
    pub severity: Severity,
    /// Human title for legends.
    pub title: &'static str,
    /// Any of these substrings (ASCII case-insensitive) selects the class …
    pub any: &'static [&'static str],
    /// … provided all of these are present too.
    pub also: &'static [&'static str],
    /// Real log lines of this kind.
    pub examples: &'static [&'static str],
}

use Severity::{Critical, Error, Info, Warning};

/// The table. Order matters: the first matching row wins.
pub static CLASSES: &[Class] = &[
    Class {
        name: "panic",
        severity: Critical,
        title: "Go panic",
        any: &["Observed a panic", "panic: runtime error", "fatal error: "],
        also: &[],
        examples: &[r#"E1113 02:33:50.372838       1 runtime.go:78] Observed a panic: "invalid memory address or nil pointer dereference" (runtime error: invalid memory address or nil pointer dereference)"#],
    },
    Class {
        name: "kernel_oom_kill",
        severity: Critical,
        title: "kernel OOM kill",
        any: &["Memory cgroup out of memory", "Out of memory: Kill", "Killed process", "invoked oom-killer", "oom-kill:"],
        also: &[],
        examples: &[
            "Memory cgroup out of memory: Kill process 1012 (heapster) score 1035 or sacrifice child",
            "Killed process 1012 (heapster) total-vm:327128kB, anon-rss:306328kB, file-rss:11132kB, shmem-rss:12345kB",
        ],
    },
    Class {
        name: "container_oom",
        severity: Error,
        title: "container OOM",
        any: &["System OOM encountered", "Cgroup OOM encountered", "OOMKilled", "TaskOOM"],
        also: &[],
        examples: &["  Warning  CgroupOOM  28s                kubelet            Cgroup OOM encountered, victim process: stress, pid: 470521"],
    },
    Class {
        name: "kernel_hung_task",
        severity: Error,
        title: "kernel hung task",
        any: &["blocked for more than"],
        also: &["task "],
        examples: &["INFO: task docker:20744 blocked for more than 120 seconds."],
    },
    Class {
        name: "kernel_oops",
        severity: Critical,
        title: "kernel oops",
        any: &["BUG: unable to handle kernel", "divide error:", "general protection fault", "Kernel panic - not syncing", "kernel BUG at"],
        also: &[],
        examples: &[
            "BUG: unable to handle kernel NULL pointer dereference at 0000000000000078",
            "divide error: 0000 [#1] SMP ",
        ],
    },
    Class {
        name: "kernel_fs_readonly",
        severity: Error,
        title: "filesystem remounted read-only",
        any: &["Remounting filesystem read-only"],
        also: &[],
        examples: &["EXT4-fs (sda1): Remounting filesystem read-only"],
    },
    Class {
        name: "kernel_netdev_stuck",
        severity: Warning,
        title: "netdevice unregister stuck",
        any: &["unregister_netdevice: waiting for"],
        also: &[],
        examples: &["unregister_netdevice: waiting for lo to become free. Usage count = 1"],
    },
    Class {
        name: "pleg_unhealthy",
        severity: Error,
        title: "PLEG unhealthy",
        any: &["PLEG is not healthy"],
        also: &[],
        examples: &[
            "I1213 16:58:30.211756    2975 kubelet.go:1779] skipping pod synchronization - [container runtime is down PLEG is not healthy: pleg was last seen active 2562047h47m16.854775807s ago; threshold is 3m0s]",
            r#"Apr 13 10:53:52 ip-10-42-10-121 kubelet: E0413 10:53:52.844381    3263 kubelet.go:2055] "Skipping pod synchronization" err="PLEG is not healthy: pleg was last seen active 2h33m12.704970756s ago; threshold is 3m0s""#,
        ],
    },
    Class {
        name: "pod_sync_skipped",
        severity: Error,
        title: "pod sync skipped / runtime down",
        any: &["skipping pod synchronization", "container runtime is down", "Container runtime not ready", "RuntimeReady=false"],
        also: &[],
        examples: &["Apr 09 21:14:19 k8s-node1 kubelet[26014]: I0409 21:14:19.210702   26014 kubelet.go:1794] skipping pod synchronization - [container runtime is down]"],
    },
    Class {
        name: "network_not_ready",
        severity: Warning,
        title: "network not ready / CNI uninitialized",
        any: &["Container runtime network not ready", "cni config uninitialized", "network plugin is not ready", "NetworkPluginNotReady", "No networks found in /etc/cni/net.d"],
        also: &[],
        examples: &[
            "E1213 16:58:30.262015    2975 kubelet.go:2095] Container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:docker: network plugin is not ready: cni config uninitialized",
            "W1213 16:58:18.942888    2945 cni.go:196] Unable to update cni config: No networks found in /etc/cni/net.d",
        ],
    },
    Class {
        name: "node_not_ready",
        severity: Error,
        title: "node not ready",
        any: &["Node became not ready", "NodeNotReady", "is NotReady as of"],
        also: &[],
        examples: &[
            "I0131 15:46:40.357386    3072 setters.go:518] Node became not ready: {Type:Ready Status:False LastHeartbeatTime:2020-01-31 15:46:40.357320576 +0000 UTC m=+6391.653089090 LastTransitionTime:2020-01-31 15:46:40.357320576 +0000 UTC m=+6391.6",
            "Jun 17 13:01:21 kubedee-test-controller kube-controller-manager[1717]: I0617 13:01:21.373343    1717 node_lifecycle_controller.go:702] Node kubedee-test-worker-2ajv8y is NotReady as of 2019-06-17 13:01:21.373314502 +0000 UTC m=+110.217298148. Adding it to the Taint queue.",
        ],
    },
    Class {
        name: "node_status_failed",
        severity: Error,
        title: "node status update failed",
        any: &["Error updating node status", "Unable to update node status"],
        also: &[],
        examples: &[r#"E1027 04:55:44.789086   24796 kubelet.go:2246] Error updating node status, will retry: node "127.0.0.1" cannot be updated: the object has been modified; please apply your changes to the latest version and try again"#],
    },
    Class {
        name: "node_lease_failed",
        severity: Error,
        title: "node lease update failed",
        any: &["Failed to update lease", "failed to ensure node lease exists", "Failed to ensure lease exists", "failed to update node lease"],
        also: &[],
        examples: &[
            r#"Aug 19 17:30:23.156577 ip-10-0-77-156 kubenswrapper[2478]: E0819 17:30:23.156522    2478 controller.go:195] "Failed to update lease" err="Put \"https://api-int.ci-op-ht2pcfvh-a6aef.aws-2.ci.openshift.org:6443/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/ip-10-0-77-156.us-west-2.compute.internal?timeout=10s\": dial tcp 10.0.54.68:6443: connect: connection refused""#,
        ],
    },
    Class {
        name: "node_register_failed",
        severity: Error,
        title: "node registration failed",
        any: &["Unable to register node"],
        also: &[],
        examples: &[r#"E1213 16:58:30.528825    2975 kubelet_node_status.go:107] Unable to register node "ip-10-0-9-206.us-west-2.compute.internal" with API server: Post https://10.0.9.206:6443/api/v1/nodes: dial tcp 10.0.9.206:6443: getsockopt: connection refused"#],
    },
    Class {
        name: "node_registration",
        severity: Info,
        title: "node registration",
        any: &["Attempting to register node", "Successfully registered node"],
        also: &[],
        examples: &["I1213 16:58:30.528418    2975 kubelet_node_status.go:83] Attempting to register node ip-10-0-9-206.us-west-2.compute.internal"],
    },
    Class {
        name: "kubelet_start_failed",
        severity: Critical,
        title: "kubelet failed to start",
        any: &["failed to run Kubelet", "unable to load client CA file", "unable to load bootstrap kubeconfig"],
        also: &[],
        examples: &["error: unable to load client CA file /etc/kubernetes/pki/ca.crt: open /etc/kubernetes/pki/ca.crt: no such file or directory"],
    },
    Class {
        name: "kubelet_restart",
        severity: Warning,
        title: "kubelet (re)started",
        any: &["Started kubelet", "Started Kubernetes Kubelet", "kubelet.service: Scheduled restart job", "kubelet.service: Service hold-off time over"],
        also: &[],
        examples: &[
            "I1213 16:58:29.996863    2975 server.go:718] Started kubelet v1.8.4",
            "I0820 20:28:29.060547    3312 server.go:1064] Started kubelet",
        ],
    },
    Class {
        name: "eviction_begin",
        severity: Warning,
        title: "eviction: reclaiming",
        any: &["eviction manager: attempting to reclaim", "must evict pod(s) to reclaim"],
        also: &[],
        examples: &["W0822 23:51:03.731889    2684 eviction_manager.go:211] eviction manager: attempting to reclaim imagefs"],
    },
    Class {
        name: "eviction_ranked",
        severity: Warning,
        title: "eviction: pods ranked",
        any: &["pods ranked for eviction"],
        also: &[],
        examples: &[r#"May 28 16:05:50 192-168-250-5 kubelet[2269385]: I0528 16:05:50.514706 2269385 eviction_manager.go:405] "Eviction manager: pods ranked for eviction" pods=["sre/infras-logstash-d484d57fc-rkx95","sre/admin-api-server-847868d7b-7sqdm","scrm/portal-h5-7c46694b8f-bkz95"]"#],
    },
    Class {
        name: "evicted",
        severity: Error,
        title: "pod evicted",
        any: &["is evicted successfully", "evicted successfully"],
        also: &[],
        examples: &[r#"May 28 16:05:54 192-168-250-5 kubelet[2269385]: I0528 16:05:54.802914 2269385 eviction_manager.go:627] "Eviction manager: pod is evicted successfully" pod="sre/infras-logstash-d484d57fc-rkx95""#],
    },
    Class {
        name: "eviction_blind",
        severity: Warning,
        title: "eviction manager cannot observe",
        any: &["eviction manager: failed to get summary stats", "eviction manager: unexpected err", "eviction manager: no ranking function", "no observation found for eviction signal"],
        also: &[],
        examples: &[
            "E0820 21:10:41.186390    3312 eviction_manager.go:246] eviction manager: failed to get summary stats: failed to list pod stats: failed to list all container stats: rpc error: code = Unknown desc = EOF",
            "E1213 16:58:30.515692    2975 eviction_manager.go:238] eviction manager: unexpected err: failed to get node info: node 'ip-10-0-9-206.us-west-2.compute.internal' not found",
        ],
    },
    Class {
        name: "image_pull_backoff",
        severity: Warning,
        title: "image pull back-off",
        any: &["ImagePullBackOff", "Back-off pulling image"],
        also: &[],
        examples: &[r#"Mar 14 19:36:06 minikube kubelet[3244]: E0314 19:36:06.517880    3244 pod_workers.go:190] Error syncing pod bade5491-4634-11e9-9bf4-d409029b649b ("ubuntu_default(bade5491-4634-11e9-9bf4-d409029b649b)"), skipping: failed to "StartContainer" for "ubuntu" with ImagePullBackOff: "Back-off pulling image \"gcr.io/kubeflow-images-public/ubuntu:18.04\"""#],
    },
    Class {
        name: "image_pull_error",
        severity: Error,
        title: "image pull error",
        any: &["ErrImagePull", "Failed to pull image", "PullImage from image service failed", "failed to pull and unpack image"],
        also: &[],
        examples: &["E0816 20:28:50.954352   46840 docker_manager.go:2196] container start failed: ErrImagePull: image pull failed for unknown error"],
    },
    Class {
        name: "crash_loop",
        severity: Error,
        title: "CrashLoopBackOff",
        any: &["CrashLoopBackOff", "Back-off restarting failed container"],
        also: &[],
        examples: &[r#"Warning FailedSync      Error syncing pod, skipping: failed to "StartContainer" for "c-taf-com-tlinux" with CrashLoopBackOff: "Back-off 20s restarting failed container=c-taf-com-tlinux pod=taf-com-tlinux_default(bdfa8741-f70a-11e5-bf51-00269e2bd23c)""#],
    },
    Class {
        name: "create_container_config_error",
        severity: Error,
        title: "CreateContainerConfigError",
        any: &["CreateContainerConfigError"],
        also: &[],
        examples: &["      Reason:       CreateContainerConfigError"],
    },
    Class {
        name: "probe_failed",
        severity: Warning,
        title: "probe failed / errored",
        any: &["Probe failed", "probe failed:", "Probe errored", "probe errored:"],
        also: &[],
        examples: &["  Warning  Unhealthy  4m53s (x26 over 14m)  kubelet, localhost.localdomain  Liveness probe failed: Get http://10.244.0.4:8080/health: net/http: request canceled (Client.Timeout exceeded while awaiting headers)"],
    },
    Class {
        name: "sandbox_failed",
        severity: Error,
        title: "pod sandbox failure",
        any: &["Failed to create pod sandbox", "Failed create pod sandbox", "RunPodSandbox from runtime service failed", "CreatePodSandbox for pod", "StopPodSandbox from runtime service failed", "KillPodSandbox"],
        also: &[],
        examples: &[r#"E0829 08:20:58.614213   21200 remote_runtime.go:222] "RunPodSandbox from runtime service failed" err="rpc error: code = Unknown desc = failed to setup network for sandbox \"9d2d48a44f868508befed39e09dd1c2956660f1e6e1c6d16801657cd93848948\": plugin type=\"calico\" failed (add): pods \"nginx-sandbox\" not found""#],
    },
    Class {
        name: "cni_add_failed",
        severity: Error,
        title: "CNI add failed",
        any: &["failed (add)", "failed to setup network for sandbox", "failed to set up sandbox container", "NetworkPlugin cni failed to set up pod", "Error adding network"],
        also: &[],
        examples: &[r#"May 11 16:09:21 k8s-master01 containerd[765]: time="2023-05-11T16:09:21.839669754+08:00" level=error msg="RunPodSandbox for &PodSandboxMetadata{Name:coredns-f5cb5585b-s2bxk,Uid:eeb63f47-d6af-45ef-b52a-f37fb5bc75d5,Namespace:kube-system,Attempt:0,} failed, error" error="failed to setup network for sandbox \"f1f5708a3613e62a4d38161c36417538dbc3b1e46020bea2a4a7c4cca87603a0\": plugin type=\"calico\" failed (add): netplugin failed with no error message: signal: killed""#],
    },
    Class {
        name: "cni_delete_failed",
        severity: Error,
        title: "CNI delete failed",
        any: &["failed (delete)", "failed to destroy network for sandbox", "NetworkPlugin cni failed to teardown pod", "failed to teardown pod"],
        also: &[],
        examples: &[r#"May 11 16:10:46 k8s-master01 containerd[765]: time="2023-05-11T16:10:46.800501486+08:00" level=error msg="StopPodSandbox for \"1977065b951e106cb8f86a5a3f30d11dd2bd3993d8be4056ed80f7d480705db1\" failed" error="failed to destroy network for sandbox \"1977065b951e106cb8f86a5a3f30d11dd2bd3993d8be4056ed80f7d480705db1\": plugin type=\"calico\" failed (delete): netplugin failed with no error message: signal: killed""#],
    },
    Class {
        name: "volume_mount_failed",
        severity: Error,
        title: "volume mount failed",
        any: &["MountVolume.SetUp failed", "Unable to attach or mount volumes", "Unable to mount volumes for pod", "MountVolume.MountDevice failed", "UnmountVolume.TearDown failed", "FailedMount"],
        also: &[],
        examples: &[r#"Oct 03 10:45:05 kind-control-plane kubelet[883]: E1003 10:45:05.721415     883 nestedpendingoperations.go:348] Operation for "{volumeName:kubernetes.io/configmap/afc08fd7-2b4e-4c38-85fc-d4623f1aad65-log-config podName:afc08fd7-2b4e-4c38-85fc-d4623f1aad65 nodeName:}" failed. No retries permitted until 2024-10-03 10:47:07.721403498 +0000 UTC m=+2117.364836695 (durationBeforeRetry 2m2s). Error: MountVolume.SetUp failed for volume "log-config" (UniqueName: "kubernetes.io/configmap/afc08fd7-2b4e-4c38-85fc-d4623f1aad65-log-config") pod "test-kafka-broker-default-2" (UID: "afc08fd7-2b4e-4c38-85fc-d4623f1aad65") : configmap "test-kafka-broker-default" not found"#],
    },
    Class {
        name: "image_gc_disk_pressure",
        severity: Warning,
        title: "image GC / disk pressure",
        any: &["Image garbage collection failed", "image filesystem is over the high threshold", "DiskPressure", "ImageGCFailed", "Failed to garbage collect required amount of images"],
        also: &[],
        examples: &["E1213 16:58:30.134698    2975 kubelet.go:1234] Image garbage collection failed once. Stats initialization may not have completed yet: failed to get imageFs info: unable to find data for container /"],
    },
    Class {
        name: "client_throttling",
        severity: Warning,
        title: "client-side throttling",
        any: &["due to client-side throttling", "Throttling request took"],
        also: &[],
        examples: &["I0316 07:39:49.543144       1 request.go:533] Waited for 22.823955974s due to client-side throttling, not priority and fairness, request: GET:https://10.100.0.1:443/apis/workspaces.aws.upbound.io/v1beta1?timeout=32s"],
    },
    Class {
        name: "apiserver_request",
        severity: Info,
        title: "apiserver request (httplog)",
        any: &["httplog.go", "\"HTTP\" verb="],
        also: &[],
        examples: &[r#"I0311 02:35:26.041556       1 httplog.go:131] "HTTP" verb="PUT" URI="/apis/ray.io/v1/namespaces/default/rayservices/rayservice-sample/status" latency="10.397049ms" userAgent="kuberay-operator" audit-ID="8b543d30-4d26-4e0f-96ff-7b2596d0ecb8" srcIP="10.244.0.3:54042" apf_pl="workload-low" apf_fs="service-accounts" apf_iseats=1 apf_fseats=0 apf_execution_time="8.0205ms" resp=200"#],
    },
    Class {
        name: "discovery_failed",
        severity: Warning,
        title: "API discovery failed",
        any: &["unable to retrieve the complete list of server APIs"],
        also: &[],
        examples: &["Aug 23 11:56:20 rancher rancherd[218506]: E0823 11:56:20.784842  218506 controllermanager.go:418] unable to get all supported resources from server: unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: the server is currently unable to handle the request"],
    },
    Class {
        name: "leader_lost",
        severity: Error,
        title: "leader election lost",
        any: &["failed to renew lease", "leaderelection lost", "Failed to release lock"],
        also: &[],
        examples: &["I0307 10:32:05.468202   23614 leaderelection.go:278] failed to renew lease default/ingress-apisix-leader: timed out waiting for the condition"],
    },
    Class {
        name: "leader_lock_error",
        severity: Warning,
        title: "leader election lock error",
        any: &["error retrieving resource lock", "error initially creating leader election record"],
        also: &[],
        examples: &[r#"E0227 22:49:30.007315       1 leaderelection.go:330] error retrieving resource lock kube-system/kube-controller-manager: Get "https://127.0.0.1:6443/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager?timeout=5s": net/http: request can"#],
    },
    Class {
        name: "leader_election",
        severity: Info,
        title: "leader election",
        any: &["successfully acquired lease", "attempting to acquire leader lease"],
        also: &[],
        examples: &[
            "I0227 22:49:57.219037       1 leaderelection.go:258] successfully acquired lease kube-system/kube-controller-manager",
            "I0227 22:49:25.006393       1 leaderelection.go:248] attempting to acquire leader lease kube-system/kube-controller-manager...",
        ],
    },
    Class {
        name: "list_watch_failed",
        severity: Warning,
        title: "list/watch failed",
        any: &["Failed to list *", "Failed to watch *"],
        also: &[],
        examples: &["E1213 16:58:29.855366    2975 reflector.go:205] k8s.io/kubernetes/pkg/kubelet/kubelet.go:413: Failed to list *v1.Service: Get https://10.0.9.206:6443/api/v1/services?resourceVersion=0: dial tcp 10.0.9.206:6443: getsockopt: connection refused"],
    },
    Class {
        name: "runtime_rpc_error",
        severity: Error,
        title: "runtime RPC error",
        any: &["rpc error: code = "],
        also: &[],
        examples: &[
            "E0820 21:10:41.186390    3312 remote_runtime.go:495] ListContainerStats with filter &ContainerStatsFilter{Id:,PodSandboxId:,LabelSelector:map[string]string{},} from runtime service failed: rpc error: code = Unknown desc = EOF",
            "Oct  8 16:29:51 worker9 k3s[1636]: E1008 16:23:31.956448    1636 remote_runtime.go:277] ListContainers with filter &ContainerFilter{Id:,State:nil,PodSandboxId:,LabelSelector:map[string]string{},} from runtime service failed: rpc error: code = DeadlineExceeded desc = context deadline exceeded",
        ],
    },
];

/// Index of the runtime RPC class, whose label carries the gRPC code.
pub fn is_rpc(class: usize) -> bool {
    CLASSES[class].name == "runtime_rpc_error"
}

struct Matcher {
    ac: AhoCorasick,
    /// Pattern index → class index.
    class_of: Vec<u16>,
}

fn matcher() -> &'static Matcher {
    static M: OnceLock<Matcher> = OnceLock::new();
    M.get_or_init(|| {
        let mut pats = Vec::new();
        let mut class_of = Vec::new();
        for (ci, c) in CLASSES.iter().enumerate() {
            for p in c.any {
                pats.push(*p);
                class_of.push(ci as u16);
            }
        }
        let ac = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&pats)
            .expect("static patterns build");
        Matcher { ac, class_of }
    })
}

/// The class of a line (index into [`CLASSES`]), if any.
pub fn classify(text: &[u8]) -> Option<usize> {
    let m = matcher();
    let mut best: Option<usize> = None;
    for hit in m.ac.find_overlapping_iter(text) {
        let c = m.class_of[hit.pattern().as_usize()] as usize;
        if best.is_some_and(|b| b <= c) {
            continue;
        }
        if CLASSES[c]
            .also
            .iter()
            .all(|a| contains_ci(text, a.as_bytes()))
        {
            best = Some(c);
            if c == 0 {
                break;
            }
        }
    }
    best
}

/// [`classify`], remembering the class of the messages seen lately (see `nodelog::recent`).
#[derive(Default)]
pub struct Remembered {
    seen: super::recent::Recent<Option<u16>>,
}

impl Remembered {
    /// The class of `text`, as [`classify`] says.
    pub fn classify(&mut self, text: &[u8]) -> Option<usize> {
        match self.seen.get(text) {
            Ok(c) => c.map(usize::from),
            Err(miss) => {
                let c = classify(text);
                self.seen.put(miss, text, c.map(|c| c as u16));
                c
            }
        }
    }
}

fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty()
        || hay
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
}

/// The gRPC status code in `rpc error: code = X desc = …`.
pub fn grpc_code(text: &[u8]) -> Option<&str> {
    let at = memchr::memmem::find(text, b"rpc error: code = ")? + 18;
    let rest = &text[at..];
    let end = rest
        .iter()
        .position(|c| !c.is_ascii_alphanumeric())
        .unwrap_or(rest.len());
    std::str::from_utf8(&rest[..end])
        .ok()
        .filter(|s| !s.is_empty())
}

/// Index of a class by name.
pub fn index_of(name: &str) -> Option<usize> {
    CLASSES.iter().position(|c| c.name == name)
}

/// Class by name.
pub fn by_name(name: &str) -> Option<&'static Class> {
    CLASSES.iter().find(|c| c.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembered_classes_are_classify_s() {
        let Some(p) = whodunnit_testdata::corpus("kubelet/windows-kubelet-klogfile-v1.17.log")
        else {
            return;
        };
        let b = whodunnit_testdata::read(p);
        let mut r = Remembered::default();
        let mut classified = 0;
        for l in b.split(|&c| c == b'\n').chain(b.split(|&c| c == b'\n')) {
            let c = classify(l);
            classified += usize::from(c.is_some());
            assert_eq!(r.classify(l), c, "{}", String::from_utf8_lossy(l));
        }
        assert!(classified > 0);
    }

    #[test]
    fn every_example_is_classified_as_its_own_class() {
        for (i, c) in CLASSES.iter().enumerate() {
            assert!(!c.examples.is_empty(), "{} has no example", c.name);
            for ex in c.examples {
                assert_eq!(
                    classify(ex.as_bytes()).map(|k| CLASSES[k].name),
                    Some(c.name),
                    "example of {} (row {i}): {ex}",
                    c.name
                );
            }
        }
    }

    #[test]
    fn names_are_unique_and_plain_lines_are_unclassified() {
        let mut names: Vec<_> = CLASSES.iter().map(|c| c.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), CLASSES.len());
        assert_eq!(
            classify(b"I0821 00:00:11.294886    3880 kubelet.go:1987] SyncLoop (housekeeping)"),
            None
        );
        assert_eq!(
            grpc_code(b"failed: rpc error: code = DeadlineExceeded desc = x"),
            Some("DeadlineExceeded")
        );
    }
}
