-- Node NotReady episodes (docs/findings.md, findings/not_ready.rs) over node_events: per node,
-- the signals that mean or make a node NotReady, signals closer than 5 minutes forming one
-- episode; episodes under 5 s are kubelet start-up blips unless the node lifecycle controller
-- marked the node. The node a signal is about: the node or object its line names (about_node,
-- as the finding reads it), else the kubelet's own node; a line naming only a pod has no node.
-- Runs unchanged on DuckDB and Spark SQL.
WITH s AS (
  SELECT coalesce(about_node,
           CASE WHEN about_pod IS NULL AND component LIKE '%kubelet%' THEN node END) AS node_key,
         time_us, kind, component, lane
  FROM node_events
  WHERE kind IN ('node_not_ready', 'network_not_ready', 'pleg_unhealthy', 'pod_sync_skipped',
                 'node_status_failed', 'node_lease_failed')
    AND time_us IS NOT NULL
),
g AS (
  SELECT *,
    CASE WHEN time_us - lag(time_us) OVER (PARTITION BY node_key ORDER BY time_us) <= 300000000
         THEN 0 ELSE 1 END AS starts
  FROM s WHERE node_key IS NOT NULL
),
e AS (
  SELECT *, sum(starts) OVER (PARTITION BY node_key ORDER BY time_us
                              ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS episode
  FROM g
)
SELECT node_key AS node, episode, min(time_us) AS from_us, max(time_us) AS to_us,
  (max(time_us) - min(time_us)) / 1e6 AS seconds, count(*) AS signals,
  sum(CASE WHEN kind = 'node_not_ready' AND component NOT LIKE '%kubelet%' THEN 1 ELSE 0 END) > 0
    AS marked_by_controller,
  sum(CASE WHEN kind = 'network_not_ready' THEN 1 ELSE 0 END) AS network_not_ready,
  sum(CASE WHEN kind = 'pleg_unhealthy' THEN 1 ELSE 0 END) AS pleg_unhealthy,
  sum(CASE WHEN kind = 'pod_sync_skipped' THEN 1 ELSE 0 END) AS runtime_down,
  sum(CASE WHEN kind = 'node_status_failed' THEN 1 ELSE 0 END) AS status_failed,
  sum(CASE WHEN kind = 'node_lease_failed' THEN 1 ELSE 0 END) AS lease_failed,
  sum(CASE WHEN kind = 'node_not_ready' THEN 1 ELSE 0 END) AS marked_not_ready
FROM e
GROUP BY node_key, episode
HAVING max(time_us) - min(time_us) >= 5000000
    OR sum(CASE WHEN kind = 'node_not_ready' AND component NOT LIKE '%kubelet%' THEN 1 ELSE 0 END) > 0
ORDER BY from_us, node
