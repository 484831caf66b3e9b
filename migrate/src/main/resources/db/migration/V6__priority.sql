-- A run's priority within its queue: 1 the highest, 4 the lowest, 2 the default (io.runstream.queue.Priority). It
-- chooses the stream of the queue its task goes to, so the sweeper re-dispatches a run where it was first sent.
-- Existing rows, and rows of apps of schema 5 during a rolling update, take the default.
ALTER TABLE runs ADD COLUMN priority smallint NOT NULL DEFAULT 2 CHECK (priority BETWEEN 1 AND 4);
