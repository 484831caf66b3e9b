package io.runstream.queue;

import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.Map;

/**
 * The state of one queue (its priorities' streams together), as {@code GET /api/queues} shows it and the
 * {@code runstream_queue_*} gauges export it.
 *
 * @param name               the queue
 * @param length             entries in its task stream (read or not; acked entries stay until trimmed)
 * @param pending            entries delivered to a worker and not yet acked (runs in progress)
 * @param lag                entries not yet delivered to any worker (the backlog); null when Redis cannot tell
 * @param consumers          consumers in the workers' group
 * @param oldestPendingAgeMs age of the oldest pending entry, in ms; 0 when nothing is pending
 * @param delayed            tasks waiting for their retry time
 * @param deadLetters        entries in its dead-letter stream
 * @param workers            live workers reading it; 0: nobody serves it now, and its runs wait
 * @param lagByPriority      the backlog of each priority ("1" to "4"); a value is null when Redis cannot tell
 * @param waitingOnLimit     runs whose pipeline's concurrency or rate limit holds them back now (they wait among the
 *                           delayed tasks and try again)
 */
@RegisterForReflection
public record QueueStats(String name, long length, long pending, Long lag, long consumers, long oldestPendingAgeMs,
                         long delayed, long deadLetters, int workers, Map<String, Long> lagByPriority,
                         long waitingOnLimit) {
}
