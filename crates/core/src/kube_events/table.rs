//! `kubectl get events` and `kubectl get events -o wide` text tables (and the pre-1.14 layout
//! `LASTSEEN FIRSTSEEN COUNT NAME KIND …`): columns are cut where the header's words start
//! (kubectl's tabwriter pads every cell of a column to one width). Ages are relative to when
//! kubectl ran, which the table does not say.

/// The columns of a header line, by their start; `None` if the line is not an events header.
pub fn header(line: &str) -> Option<Vec<(String, usize)>> {
    let mut cols = Vec::new();
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let start = i;
        // A column name ends at two spaces (names such as `LAST SEEN` hold one).
        while i < b.len() && !(b[i] == b' ' && (i + 1 >= b.len() || b[i + 1] == b' ')) {
            i += 1;
        }
        cols.push((line[start..i].replace(' ', ""), start));
    }
    let has = |n: &str| cols.iter().any(|(c, _)| c == n);
    (has("LASTSEEN") && has("REASON") && has("MESSAGE")).then_some(cols)
}

/// One row cut by the header's columns: (column name, cell text).
pub fn cells<'a>(cols: &'a [(String, usize)], line: &'a str) -> Vec<(&'a str, &'a str)> {
    cols.iter()
        .enumerate()
        .map(|(k, (name, start))| {
            let end = cols.get(k + 1).map_or(line.len(), |c| c.1).min(line.len());
            let s = (*start).min(end);
            let cell = line.get(s..end).unwrap_or("").trim();
            (name.as_str(), cell)
        })
        .collect()
}

/// kubectl's human age (`45s`, `3m14s`, `5h`, `2d3h`, `3y`) in µs; `None` for `<unknown>`.
pub fn age(s: &str) -> Option<i64> {
    let mut total = 0i64;
    let mut n: Option<i64> = None;
    for c in s.chars() {
        if let Some(d) = c.to_digit(10) {
            n = Some(n.unwrap_or(0).checked_mul(10)?.checked_add(d as i64)?);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            'y' => 365 * 86_400,
            _ => return None,
        };
        total = total.checked_add(n.take()?.checked_mul(unit * 1_000_000)?)?;
    }
    (n.is_none() && !s.is_empty()).then_some(total)
}

/// The Kind named by an `OBJECT` cell prefix (`pod/x`, `replicaset/y`, `node/z`).
pub fn kind_of_resource(r: &str) -> String {
    const KNOWN: &[(&str, &str)] = &[
        ("pod", "Pod"),
        ("node", "Node"),
        ("replicaset", "ReplicaSet"),
        ("deployment", "Deployment"),
        ("daemonset", "DaemonSet"),
        ("statefulset", "StatefulSet"),
        ("job", "Job"),
        ("cronjob", "CronJob"),
        ("persistentvolumeclaim", "PersistentVolumeClaim"),
        ("persistentvolume", "PersistentVolume"),
        ("service", "Service"),
        ("endpoints", "Endpoints"),
        ("namespace", "Namespace"),
        ("horizontalpodautoscaler", "HorizontalPodAutoscaler"),
        ("lease", "Lease"),
        ("configmap", "ConfigMap"),
    ];
    let r = r.split('.').next().unwrap_or(r);
    if let Some((_, k)) = KNOWN.iter().find(|(n, _)| n.eq_ignore_ascii_case(r)) {
        return k.to_string();
    }
    let mut c = r.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_cells_ages() {
        let h = "LAST SEEN   TYPE      REASON             OBJECT                MESSAGE";
        let cols = header(h).unwrap();
        assert_eq!(
            cols.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(),
            ["LASTSEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
        );
        let row = "3m14s       Warning   BackOff            pod/custom-cmd        Back-off restarting failed container";
        let c = cells(&cols, row);
        assert_eq!(c[2], ("REASON", "BackOff"));
        assert_eq!(c[4].1, "Back-off restarting failed container");
        assert_eq!(age("3m14s"), Some(194_000_000));
        assert_eq!(age("2d3h"), Some((2 * 86_400 + 3 * 3_600) * 1_000_000));
        assert_eq!(age("<unknown>"), None);
        assert_eq!(age(""), None);
        assert_eq!(kind_of_resource("replicaset"), "ReplicaSet");
        assert!(header("NAME   READY   STATUS").is_none());
    }
}
