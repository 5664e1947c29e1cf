-- LISTs from etcd vs the watch cache, per pattern (user × resource × resourceVersion class):
-- the app's "LIST patterns" table and `whodunnit audit --json` list_model.patterns. Where each
-- LIST was served and what decided it (annotation evidence, else the apiserver version's rule)
-- is the core's decision, exported per request. Runs unchanged on DuckDB and Spark SQL.
SELECT
  coalesce(username, '(no user)') AS user_key,
  resource_key,
  list_class,
  count(*) AS lists,
  coalesce(sum(query_time_us), 0) AS query_time_us,
  min(list_source) AS list_source,
  min(list_decided_by) AS decided_by,
  sum(CASE WHEN annotated AND latency_annotations['etcd'] IS NOT NULL THEN 1 ELSE 0 END) AS annotated_etcd,
  sum(CASE WHEN annotated AND latency_annotations['etcd'] IS NULL THEN 1 ELSE 0 END) AS annotated_other,
  min(list_rule) AS rule
FROM audit_requests
WHERE list_source IS NOT NULL
GROUP BY coalesce(username, '(no user)'), resource_key, list_class
ORDER BY lists DESC, query_time_us DESC, user_key, resource_key, list_class
