package io.runstream.api.queue;

import io.runstream.pipeline.PipelineDirectory;
import io.runstream.pipeline.PipelineInfo;
import io.runstream.queue.QueueInspector;
import io.runstream.queue.QueueStats;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.TreeSet;

/** The statistics of every queue: {@code default} and the queue of every known pipeline, by name. */
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
        return directory.list()
                .map(pipelines -> {
                    TreeSet<String> queues = new TreeSet<>(List.of("default"));
                    pipelines.stream().map(PipelineInfo::queue).forEach(queues::add);
                    return queues;
                })
                .onItem().transformToMulti(queues -> Multi.createFrom().iterable(queues))
                .onItem().transformToUniAndConcatenate(inspector::inspect)
                .collect().asList();
    }
}
