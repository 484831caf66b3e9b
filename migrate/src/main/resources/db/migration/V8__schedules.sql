-- Schedules (cron): each makes runs of a pipeline at the ticks of a cron expression in a time zone
-- (docs/scheduling.md). Every api replica looks for due schedules; a replica takes a schedule's row with
-- FOR UPDATE SKIP LOCKED, records the runs of its due ticks and moves its cursor in one transaction.
CREATE TABLE schedules (
    name             text        PRIMARY KEY,
    pipeline         text        NOT NULL,
    queue            text        NOT NULL,
    priority         smallint    NOT NULL DEFAULT 2 CHECK (priority BETWEEN 1 AND 4),
    input            text,                       -- JSON text, the input of every run it makes (null when none)
    cron             text        NOT NULL,
    time_zone        text        NOT NULL,       -- IANA name
    overlap          text        NOT NULL CHECK (overlap IN ('skip', 'allow', 'queue-one')),
    catch_up         text        NOT NULL CHECK (catch_up IN ('none', 'last', 'all')),
    catch_up_window_ms bigint    NOT NULL CHECK (catch_up_window_ms >= 0),
    paused           boolean     NOT NULL DEFAULT false,
    next_local       timestamp,                  -- the wall-clock time of the next tick (null: it has no more)
    next_tick        timestamptz,                -- the instant of the next tick
    pending_tick     timestamptz,                -- queue-one: a tick waiting for the schedule's run to end
    last_tick        timestamptz,                -- the tick of the newest run it made
    last_run_id      uuid,
    fired            bigint      NOT NULL DEFAULT 0, -- runs made
    skipped          bigint      NOT NULL DEFAULT 0, -- ticks passed over because its run was still going
    missed           bigint      NOT NULL DEFAULT 0, -- ticks passed over after downtime, per catch_up
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);
CREATE INDEX schedules_due ON schedules (next_tick) WHERE NOT paused;
CREATE INDEX schedules_pending ON schedules (name) WHERE pending_tick IS NOT NULL AND NOT paused;

-- The schedule and tick that made a run; one run per schedule and tick, whatever the number of replicas.
ALTER TABLE runs ADD COLUMN schedule_name text;
ALTER TABLE runs ADD COLUMN schedule_tick timestamptz;
CREATE UNIQUE INDEX runs_schedule_tick ON runs (schedule_name, schedule_tick) WHERE schedule_name IS NOT NULL;
