-- Outbox flag: false from the insert until the run's task is in Redis. The api's sweeper dispatches runs left
-- undispatched (the api died, or Redis failed, between the commit and the XADD).
ALTER TABLE runs ADD COLUMN dispatched boolean NOT NULL DEFAULT true;
CREATE INDEX runs_undispatched ON runs (created_at) WHERE NOT dispatched AND status = 'queued';

-- Idempotent submits: one run per Idempotency-Key (for 24 h), remembered with a hash of the request it created.
ALTER TABLE runs ADD COLUMN idempotency_key text;
ALTER TABLE runs ADD COLUMN request_hash text;
CREATE UNIQUE INDEX runs_idempotency_key ON runs (idempotency_key) WHERE idempotency_key IS NOT NULL;
