package io.runstream.worker.consume;

import io.runstream.queue.Priority;
import io.runstream.worker.WorkerConfig;
import io.runstream.worker.handler.internal.HandlerRegistry;
import jakarta.inject.Singleton;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The queues this worker reads: {@code runstream.worker.queues} when set, else the queue of every pipeline it has.
 * Sorted by name, no repeats; each is read at every priority ({@link #lanes()}).
 */
@Singleton
public class WorkerQueues {

    private final List<String> names;

    public WorkerQueues(WorkerConfig config, HandlerRegistry handlers) {
        this.names = List.copyOf(new TreeSet<>(config.queues().orElseGet(() -> List.copyOf(
                handlers.pipelines().values()))));
    }

    public List<String> names() {
        return names;
    }

    /** Every priority of every queue read, by queue, the highest priority first. */
    public List<Lane> lanes() {
        List<Lane> lanes = new ArrayList<>();
        for (String queue : names) {
            for (int priority : Priority.all()) {
                lanes.add(new Lane(queue, priority));
            }
        }
        return List.copyOf(lanes);
    }
}
