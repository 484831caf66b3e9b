package io.runstream.keys;

import io.runstream.queue.Priority;
import java.util.Objects;
import java.util.UUID;

/**
 * The Redis key layout. Every key starts with the deployment's prefix ({@code RUNSTREAM_KEY_PREFIX}, default
 * {@code runstream}) and carries a hash tag, so keys that are used together live in one Redis Cluster slot:
 * <pre>
 * {prefix}:{q:<queue>}:tasks                task stream of a queue at the default priority (2; group workers)
 * {prefix}:{q:<queue>}:tasks:p<n>           task stream of a queue at priority n = 1, 3 or 4 (group workers)
 * {prefix}:{q:<queue>}:dead                 dead-letter stream of a queue
 * {prefix}:{q:<queue>}:delayed              sorted set of tasks due later (retries), scored by due time (epoch ms)
 * {prefix}:{q:<queue>}:delayed:p<n>         the same, of priority n = 1, 3 or 4
 * {prefix}:{run:<id>}:events                event stream of one run
 * {prefix}:{run:<id>}:cancel                set while a cancel of the running run is pending
 * {prefix}:{meta}:pipelines                 hash pipeline name → queue, of every pipeline ever advertised
 * {prefix}:{meta}:epoch                     set once; its absence means Redis lost its data
 * {prefix}:{meta}:sweeper                   lease of the api replica that sweeps
 * {prefix}:{meta}:pipeline:<name>:workers   sorted set worker id → last heartbeat (epoch ms)
 * {prefix}:{meta}:pipeline:<name>:queues    hash queue → last heartbeat (epoch ms) of a worker serving it there
 * {prefix}:{meta}:queue:<queue>:workers     sorted set worker id → last heartbeat (epoch ms) of workers reading it
 * {prefix}:{meta}:queues                    hash queue → last heartbeat (epoch ms), of every queue ever read
 * {prefix}:{meta}:workers                   sorted set worker id → last heartbeat (epoch ms) of every live worker
 * {prefix}:{meta}:worker:<id>               a worker's status (JSON), expiring after the liveness window
 * {prefix}:{feed}:events                    the activity feed: every run's lifecycle events, bounded (all tenants)
 * {prefix}:notify                           pub/sub channel announcing new run events
 * {prefix}:cancel                           pub/sub channel telling workers to cancel a run
 * </pre>
 * The layout is drawn in {@code docs/redis-keys.md}.
 */
public final class RedisKeys {

    /**
     * The consumer group every worker reads the task streams through. The worker's channel configuration names it
     * too: the worker's {@code TaskIntake} gives each queue's channel this group.
     */
    public static final String WORKERS_GROUP = "workers";

    private final String prefix;

    /**
     * @param prefix the namespace of every key; must not be blank nor contain braces
     */
    public RedisKeys(String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        if (prefix.isBlank() || prefix.contains("{") || prefix.contains("}")) {
            throw new IllegalArgumentException("prefix must be non-blank and contain no braces: '" + prefix + "'");
        }
        this.prefix = prefix;
    }

    public String prefix() {
        return prefix;
    }

    /** Task stream of {@code queue} at the default priority. */
    public String tasks(String queue) {
        return prefix + ":{q:" + queue + "}:tasks";
    }

    /** Task stream of {@code queue} at {@code priority} ({@link Priority}). */
    public String tasks(String queue, int priority) {
        return tasks(queue) + Priority.suffix(priority);
    }

    /** Dead-letter stream of {@code queue}. */
    public String deadLetter(String queue) {
        return prefix + ":{q:" + queue + "}:dead";
    }

    /** Sorted set of {@code queue}'s tasks due later, scored by when they are due (epoch ms). */
    public String delayed(String queue) {
        return prefix + ":{q:" + queue + "}:delayed";
    }

    /** Sorted set of {@code queue}'s tasks of {@code priority} due later. */
    public String delayed(String queue, int priority) {
        return delayed(queue) + Priority.suffix(priority);
    }

    /** Event stream of run {@code runId}. */
    public String events(UUID runId) {
        return prefix + ":{run:" + runId + "}:events";
    }

    /** Flag set while a cancel of running run {@code runId} is pending. */
    public String cancelFlag(UUID runId) {
        return prefix + ":{run:" + runId + "}:cancel";
    }

    /** Sorted set of live workers: id → last heartbeat (epoch ms). */
    public String workers() {
        return prefix + ":{meta}:workers";
    }

    /** A worker's status as it last told it (JSON, {@code io.runstream.pipeline.WorkerStatus}). */
    public String worker(String id) {
        return prefix + ":{meta}:worker:" + id;
    }

    /** Hash of known pipelines: name → queue. */
    public String pipelines() {
        return prefix + ":{meta}:pipelines";
    }

    /**
     * Sorted set of the runs waiting on a limit of their pipeline in {@code queue}: run id → until when it counts
     * (epoch ms; the task's next look at its limit, and a little).
     */
    public String limited(String queue) {
        return prefix + ":{q:" + queue + "}:limited";
    }

    /** Sorted set of the leases of {@code pipeline}'s concurrency limit: run id → lease expiry (epoch ms). */
    public String limitLeases(String pipeline) {
        return prefix + ":{limit:" + pipeline + "}:leases";
    }

    /** Hash of {@code pipeline}'s rate-limit token bucket: {@code tokens}, {@code at} (epoch ms). */
    public String limitBucket(String pipeline) {
        return prefix + ":{limit:" + pipeline + "}:bucket";
    }

    /**
     * Hash of the workers on which {@code pipeline} is unavailable (its circuit is open): worker id → JSON
     * {@code {"reason", "retryAt"}}.
     */
    public String pipelineUnavailable(String pipeline) {
        return prefix + ":{meta}:pipeline:" + pipeline + ":unavailable";
    }

    /** Sorted set of the workers serving {@code pipeline}, scored by their last heartbeat in epoch ms. */
    public String pipelineWorkers(String pipeline) {
        return prefix + ":{meta}:pipeline:" + pipeline + ":workers";
    }

    /** Hash of the queues {@code pipeline} is served on: queue → last heartbeat in epoch ms. */
    public String pipelineQueues(String pipeline) {
        return prefix + ":{meta}:pipeline:" + pipeline + ":queues";
    }

    /** Sorted set of the workers reading {@code queue}, scored by their last heartbeat in epoch ms. */
    public String queueWorkers(String queue) {
        return prefix + ":{meta}:queue:" + queue + ":workers";
    }

    /** Hash of every queue a worker ever read: queue → last heartbeat in epoch ms. */
    public String queues() {
        return prefix + ":{meta}:queues";
    }

    /** Set once by the sweeper; when it is missing, Redis lost its data (restart without persistence). */
    public String epoch() {
        return prefix + ":{meta}:epoch";
    }

    /** Lease of the api replica that sweeps. */
    public String sweeperLease() {
        return prefix + ":{meta}:sweeper";
    }

    /** Pub/sub channel on which the api tells workers to cancel a run (message: the run id). */
    public String cancelChannel() {
        return prefix + ":cancel";
    }

    /** The activity feed: one bounded stream of every run's lifecycle events ({@code io.runstream.feed}). */
    public String feed() {
        return prefix + ":{feed}:events";
    }

    /** Pub/sub channel on which workers announce new run events. */
    public String notifyChannel() {
        return prefix + ":notify";
    }
}
