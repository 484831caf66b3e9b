package io.runstream.worker;

import io.runstream.config.TaskChannelDefaults;
import jakarta.inject.Singleton;

/**
 * This worker's id: {@code runstream.worker.id} ({@code RUNSTREAM_WORKER_ID}, the pod name on Kubernetes), or the
 * host name and process id. It names the worker in the pipeline directory and is its consumer name in the task
 * streams' groups (every channel of {@code TaskIntake}; {@code WorkerTest} checks it).
 */
@Singleton
public class WorkerId {

    private final String value;

    public WorkerId(WorkerConfig config) {
        this.value = TaskChannelDefaults.workerId(config.id().orElse(null));
    }

    public String value() {
        return value;
    }

    @Override
    public String toString() {
        return value;
    }
}
