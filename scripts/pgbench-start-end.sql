-- What one batched start plus one batched end of N runs costs PostgreSQL, to see how much of it is per statement
-- and how much per run (issue 11). The two statements are RunStore.START_MANY and END_MANY with their arrays taken
-- from a table of queued runs instead of parameters; keep them in step with RunStore when it changes.
-- Setup, once, in a scratch database migrated by runstream-migrate (not the shared one's test databases):
--   insert into runs (id, pipeline, queue, status, input, attempt, created_at, updated_at)
--     select gen_random_uuid(), 'echo', 'default', 'queued', '{"a":1}', 0, now(), now() from generate_series(1, 400000);
--   create table ids as select row_number() over () as n, id from runs; create index on ids(n);
--   create sequence cur; vacuum analyze;
-- Then, per batch size N (each transaction takes the next N queued runs):
--   PGOPTIONS='-c plan_cache_mode=force_custom_plan -c random_page_cost=1.1' \
--     pgbench -n -c1 -t 500 -D N=10 -f scripts/pgbench-start-end.sql <database>
SELECT nextval('cur') * :N AS k \gset
WITH locked AS (
    SELECT r.id, w.entry_id
      FROM (SELECT * FROM unnest((SELECT array_agg(id) FROM ids WHERE n > :k AND n <= :k + :N), array_fill('1-0'::text, ARRAY[:N])) AS w(run_id, entry_id) ORDER BY run_id) w
     CROSS JOIN LATERAL (SELECT runs.id FROM runs WHERE runs.id = w.run_id AND (status = 'queued' OR (status = 'running' AND task_id = w.entry_id)) FOR UPDATE) r
)
UPDATE runs SET status = 'running', attempt = attempt + 1, started_at = now(), updated_at = now(),
                result = NULL, task_id = locked.entry_id
  FROM locked
 WHERE runs.id = locked.id AND runs.id = ANY((SELECT array_agg(id) FROM ids WHERE n > :k AND n <= :k + :N)::uuid[])
RETURNING runs.id, runs.task_id, runs.pipeline, runs.attempt, runs.input;
WITH locked AS (
    SELECT r.id, o.new_status, o.new_result, o.new_error
      FROM (SELECT * FROM unnest((SELECT array_agg(id) FROM ids WHERE n > :k AND n <= :k + :N), array_fill(1, ARRAY[:N]), array_fill('completed'::text, ARRAY[:N]), array_fill('{}'::text, ARRAY[:N]), array_fill(NULL::text, ARRAY[:N]))
                AS o(run_id, run_attempt, new_status, new_result, new_error) ORDER BY run_id) o
     CROSS JOIN LATERAL (SELECT runs.id FROM runs
                          WHERE runs.id = o.run_id AND runs.attempt = o.run_attempt AND status = 'running'
                          FOR UPDATE) r
)
UPDATE runs SET status = locked.new_status, result = locked.new_result, error = locked.new_error,
                completed_at = now(), updated_at = now()
  FROM locked
 WHERE runs.id = locked.id AND runs.id = ANY((SELECT array_agg(id) FROM ids WHERE n > :k AND n <= :k + :N)::uuid[])
RETURNING runs.id;
