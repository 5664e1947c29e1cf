-- The LIST-storm rule of the findings (docs/findings.md §2, findings/list_storm.rs) over
-- audit_requests: one user's LISTs (not long-running, not rejected with 429) at least 20, at
-- >= 1/s over their window (first to last LIST start), taking >= 25% of the query time of all
-- served requests starting in that window; a user with >= 10% of its LISTs rejected is left to
-- the priority-and-fairness finding. Of candidates whose windows overlap, the one spending most
-- is the storm (`storm`), the others are named beside it (`beside`). Runs unchanged on DuckDB
-- and Spark SQL.
WITH served AS (
  SELECT coalesce(username, '') AS u, verb, start_us, coalesce(latency_us, 0) AS lat
  FROM audit_requests
  WHERE NOT long_running AND coalesce(code, 0) <> 429
),
rejected AS (
  SELECT coalesce(username, '') AS u, count(*) AS n
  FROM audit_requests
  WHERE NOT long_running AND code = 429 AND verb = 'list'
  GROUP BY coalesce(username, '')
),
users AS (
  SELECT u, count(*) AS lists, sum(lat) AS list_time_us, min(start_us) AS from_us,
         max(start_us) AS to_us
  FROM served WHERE verb = 'list'
  GROUP BY u
),
cands AS (
  SELECT x.*,
    x.lists / (greatest(x.to_us - x.from_us, 1) / 1e6) AS rate_per_s,
    (SELECT sum(s.lat) FROM served s WHERE s.start_us >= x.from_us AND s.start_us <= x.to_us)
      AS window_time_us,
    coalesce(j.n, 0) AS rejected
  FROM users x LEFT JOIN rejected j ON j.u = x.u
  WHERE x.lists >= 20
)
SELECT c.u AS user_key, c.lists, c.list_time_us, c.from_us, c.to_us, c.rate_per_s,
  c.list_time_us / CAST(c.window_time_us AS DOUBLE) AS share,
  NOT EXISTS (SELECT 1 FROM cands o
              WHERE o.list_time_us > c.list_time_us AND o.from_us <= c.to_us
                AND o.to_us >= c.from_us AND o.rejected * 10 < o.lists + o.rejected
                AND o.rate_per_s >= 1.0 AND o.window_time_us > 0
                AND o.list_time_us / CAST(o.window_time_us AS DOUBLE) >= 0.25) AS storm
FROM cands c
WHERE c.rejected * 10 < c.lists + c.rejected
  AND c.window_time_us > 0 AND c.rate_per_s >= 1.0
  AND c.list_time_us / CAST(c.window_time_us AS DOUBLE) >= 0.25
ORDER BY c.list_time_us DESC
