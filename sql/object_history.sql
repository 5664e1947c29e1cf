-- An object's history: every request that touched it, oldest first (`whodunnit audit history`).
-- Set the object in `target` (the only lines to edit): a namespace (kind 'namespace', its
-- requests and those on every object inside it), or one object (kind 'object': namespace or
-- NULL for any, resource as in the log, e.g. 'pods', and name). Runs unchanged on DuckDB and
-- Spark SQL.
WITH target AS (
  SELECT 'namespace' AS kind, 'payments-legacy' AS ns, CAST(NULL AS STRING) AS res,
         CAST(NULL AS STRING) AS obj
),
hits AS (
  SELECT r.*,
    CASE WHEN t.kind = 'namespace' AND NOT (r.resource = 'namespaces'
              AND (r.name = t.ns OR (r.name IS NULL AND r.namespace = t.ns))) THEN true
         ELSE false END AS inside
  FROM audit_requests r CROSS JOIN target t
  WHERE NOT r.non_resource AND (
    (t.kind = 'namespace' AND ((r.resource = 'namespaces'
        AND (r.name = t.ns OR (r.name IS NULL AND r.namespace = t.ns))) OR r.namespace = t.ns))
    OR (t.kind = 'object' AND (t.ns IS NULL OR coalesce(r.namespace, '') = t.ns)
        AND (r.resource = t.res OR r.resource = t.res || 's' OR r.resource = t.res || 'es')
        AND (r.name = t.obj OR (r.name IS NULL AND r.verb = 'deletecollection'))))
)
SELECT start, start_us, username, verb, resource_key, namespace, name, code, latency_us, inside,
  verb NOT IN ('get', 'list', 'watch', 'watchList') AS mutating,
  user_agent, source_file, line, byte_offset, byte_len
FROM hits
ORDER BY CASE WHEN start_us IS NULL THEN 1 ELSE 0 END, start_us, source_file, byte_offset
