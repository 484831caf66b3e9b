package io.runstream.redis;

import io.runstream.batch.Batcher;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Groups of commands from many callers — the event writes of every run in a worker — sent to Redis together: a
 * group sent while fewer than {@code maxInFlight} pipelines are in flight leaves at once; groups sent meanwhile
 * leave together in the next one ({@link Batcher}). Under load that turns one round trip (and one connection taken
 * from the pool, one flush, one wake-up of Redis) per run into one per many runs; idle, it adds nothing.
 *
 * <p>A group's commands stay together and in order. Redis answers a pipeline command by command, but the client
 * fails the whole pipeline on the first error reply: every group in it then fails, including those whose commands
 * were applied, and their callers retry them. So only groups whose retry is harmless belong on one pipeline —
 * appends whose repeat readers tolerate, or idempotent scripts — and a pipeline that gets no answer within
 * {@code timeout} fails the same way, so a dead connection cannot hold the callers.
 */
public final class RedisPipeline {

    private final Batcher<List<Request>, List<Response>> groups;
    private final Duration timeout;

    public RedisPipeline(Redis redis, int maxGroups, int maxInFlight, Duration timeout) {
        this.timeout = timeout;
        this.groups = new Batcher<>(batch -> {
            List<Request> all = new ArrayList<>();
            batch.forEach(all::addAll);
            return redis.batch(all).ifNoItem().after(timeout).fail().map(responses -> split(batch, responses));
        }, maxGroups, maxInFlight);
    }

    /** Sends {@code commands} in the next pipeline; the answers are theirs, in order. */
    public Uni<List<Response>> send(List<Request> commands) {
        return groups.submit(commands);
    }

    /** How long a pipeline waits for its answer before it fails. */
    public Duration timeout() {
        return timeout;
    }

    private static List<List<Response>> split(List<List<Request>> batch, List<Response> responses) {
        List<List<Response>> answers = new ArrayList<>(batch.size());
        int at = 0;
        for (List<Request> group : batch) {
            answers.add(responses.subList(at, at + group.size()));
            at += group.size();
        }
        return answers;
    }
}
