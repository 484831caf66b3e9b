package io.runstream.worker.consume;

import io.runstream.keys.RedisKeys;

/**
 * One priority of one queue: a task stream of its own ({@link RedisKeys#tasks(String, int)}), read through its own
 * channel, with its own delayed set for retries.
 *
 * @param queue    the queue
 * @param priority the priority ({@link io.runstream.queue.Priority})
 */
public record Lane(String queue, int priority) {

    /** The lane's task stream. */
    public String stream(RedisKeys keys) {
        return keys.tasks(queue, priority);
    }

    /** The lane's delayed tasks (retries waiting for their time). */
    public String delayed(RedisKeys keys) {
        return keys.delayed(queue, priority);
    }

    @Override
    public String toString() {
        return queue + "/p" + priority;
    }
}
