-- Facts about the deployment. 'redis-epoch' mirrors the epoch key in Redis: when Redis no longer has it, Redis
-- lost its data and the sweeper re-dispatches what Redis held.
CREATE TABLE runstream_meta (
    name  text PRIMARY KEY,
    value text NOT NULL
);
