-- Per-user API cost: the rows of `whodunnit audit --by user` (and the app's API cost view),
-- over the audit_requests table (docs/schema.md). Runs unchanged on DuckDB and Spark SQL.
-- Query time counts finished requests that are not long-running (query_time_us, decided by the
-- core); percentiles are nearest-rank (percentile_disc), as the app computes them.
WITH r AS (
  SELECT coalesce(username, '(no user)') AS user_key, *
  FROM audit_requests
),
w AS (
  SELECT
    min(start_us) AS lo,
    max(CASE WHEN completed_us IS NOT NULL AND NOT long_running THEN completed_us
             ELSE start_us END) AS hi,
    sum(query_time_us) AS all_query_us
  FROM r
)
SELECT
  r.user_key AS user_key,
  count(*) AS requests,
  count(query_time_us) AS timed,
  sum(CASE WHEN NOT long_running AND query_time_us IS NULL THEN 1 ELSE 0 END) AS untimed,
  coalesce(sum(query_time_us), 0) AS query_time_us,
  coalesce(sum(query_time_us), 0) / CAST(max(w.all_query_us) AS DOUBLE) AS share,
  coalesce(sum(query_time_us), 0) / CAST(greatest(max(w.hi) - max(w.lo), 1) AS DOUBLE) AS mean_in_flight,
  coalesce(percentile_disc(0.50) WITHIN GROUP (ORDER BY query_time_us), 0) AS p50_us,
  coalesce(percentile_disc(0.95) WITHIN GROUP (ORDER BY query_time_us), 0) AS p95_us,
  coalesce(percentile_disc(0.99) WITHIN GROUP (ORDER BY query_time_us), 0) AS p99_us,
  coalesce(max(query_time_us), 0) AS max_us,
  sum(CASE WHEN code BETWEEN 400 AND 499 AND code <> 429 THEN 1 ELSE 0 END) AS errors_4xx,
  sum(CASE WHEN code BETWEEN 500 AND 599 THEN 1 ELSE 0 END) AS errors_5xx,
  sum(CASE WHEN code = 429 THEN 1 ELSE 0 END) AS throttled_429,
  count(list_source) AS lists,
  sum(CASE WHEN list_source = 'etcd' THEN 1 ELSE 0 END) AS lists_etcd,
  sum(CASE WHEN list_source = 'cache' THEN 1 ELSE 0 END) AS lists_cache,
  sum(CASE WHEN list_source = 'unknown' THEN 1 ELSE 0 END) AS lists_unknown,
  coalesce(sum(CASE WHEN list_source = 'etcd' THEN query_time_us END), 0) AS lists_etcd_time_us,
  sum(CASE WHEN long_running THEN 1 ELSE 0 END) AS long_running,
  coalesce(sum(CASE WHEN long_running THEN latency_us END), 0) AS long_running_us
FROM r CROSS JOIN w
GROUP BY r.user_key
ORDER BY query_time_us DESC, requests DESC, user_key
