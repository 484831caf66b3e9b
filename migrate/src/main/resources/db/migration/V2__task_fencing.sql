-- The task stream entry that started the running attempt. A delivery of that same entry (its worker died and it was
-- reclaimed) starts a new attempt; a delivery of any other entry for a running run (a duplicate dispatch) does not.
ALTER TABLE runs ADD COLUMN task_id text;
