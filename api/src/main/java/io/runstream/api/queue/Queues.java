package io.runstream.api.queue;

import io.runstream.pipeline.PipelineDirectory;
import io.runstream.queue.QueueInspector;
import io.runstream.queue.QueueStats;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;

/**
 * The statistics of every known queue — {@code default}, each pipeline's own, each a worker ever read — by name,
 * with the live workers reading it.
 */
@ApplicationScoped
public class Queues {

    private final QueueInspector inspector;
    private final PipelineDirectory directory;

    public Queues(QueueInspector inspector, PipelineDirectory directory) {
        this.inspector = inspector;
        this.directory = directory;
    }

    /** Every queue's statistics now, sorted by name. */
    public Uni<List<QueueStats>> all() {
        return directory.queues()
                .onItem().transformToMulti(queues -> Multi.createFrom().iterable(queues.entrySet()))
                .onItem().transformToUniAndConcatenate(queue -> inspector.inspect(queue.getKey(), queue.getValue()))
                .collect().asList();
    }
}
