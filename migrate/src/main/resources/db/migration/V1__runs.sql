-- Runs: the source of truth for every run's state. Redis holds work in flight and event logs only.
CREATE TABLE runs (
    id           uuid        PRIMARY KEY,          -- UUIDv7: ordered by creation, the paging key
    pipeline     text        NOT NULL,
    queue        text        NOT NULL,
    status       text        NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
    input        text,                             -- JSON text as submitted (null when none)
    result       text,                             -- JSON text returned by the handler
    error        text,
    attempt      integer     NOT NULL DEFAULT 0,   -- number of the latest attempt; 0 until a worker starts it
    created_at   timestamptz NOT NULL,
    started_at   timestamptz,
    completed_at timestamptz,
    updated_at   timestamptz NOT NULL
);

CREATE INDEX runs_status_id ON runs (status, id DESC);
CREATE INDEX runs_pipeline_id ON runs (pipeline, id DESC);
