-- The outbox: runs whose tasks are not known to be in Redis yet, one row per submit statement (a batch of runs, or
-- one run with an Idempotency-Key), written by the statement that inserts them and deleted once their tasks' XADDs
-- succeeded; the api's sweeper dispatches the queued runs of a row left past the grace (the api died, or Redis failed,
-- between the commit and the XADDs). It replaces setting runs.dispatched on every run: an UPDATE, a new row version
-- and new entries in every index of runs, per run. The flag stays for apps of schema 4 during a rolling update and
-- for the re-queue after Redis lost its data; rows written from now on keep its default, true.
CREATE TABLE outbox (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    run_ids    uuid[]      NOT NULL
);
