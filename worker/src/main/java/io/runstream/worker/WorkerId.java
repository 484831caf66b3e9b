package io.runstream.worker;

import io.runstream.config.InstanceNames;
import jakarta.inject.Singleton;

/**
 * This worker's id: {@code runstream.worker.id} ({@code RUNSTREAM_WORKER_ID}, the pod name on Kubernetes), or the
 * host name and process id. It names the worker in the pipeline directory and is its consumer name in the task
 * stream's group ({@code mp.messaging.incoming.tasks.consumer} refers to the same setting, and the connector falls
 * back to the same host-and-pid name; {@code WorkerTest} checks the channel's consumer is this id).
 */
@Singleton
public class WorkerId {

    private final String value;

    public WorkerId(WorkerConfig config) {
        this.value = config.id().filter(id -> !id.isBlank()).orElseGet(InstanceNames::hostAndPid);
    }

    public String value() {
        return value;
    }

    @Override
    public String toString() {
        return value;
    }
}
