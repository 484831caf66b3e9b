-- When a delayed run is due (POST with runAt or delay): its task waits in its queue's delayed set until then. NULL
-- for a run to start at once. PostgreSQL keeps it so that a Redis that lost its data gets the run back on time.
ALTER TABLE runs ADD COLUMN scheduled_for timestamptz;
