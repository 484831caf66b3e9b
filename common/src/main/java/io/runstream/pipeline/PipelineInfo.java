package io.runstream.pipeline;

import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.List;

/**
 * A pipeline as clients see it ({@code GET /api/pipelines}).
 *
 * @param name    stable pipeline name
 * @param queue   its own queue: where a run goes that names none
 * @param queues  the queues it is served on (read by a worker that has it): where a run may go
 * @param workers live workers serving it now (0: runs are accepted and wait)
 * @param unavailable live workers on which it is unavailable now (its handler's init keeps failing: its runs there
 *                    fail at once), with why and when they try again
 */
@RegisterForReflection
public record PipelineInfo(String name, String queue, List<String> queues, int workers,
                           List<Unavailable> unavailable) {

    /**
     * A worker on which a pipeline is unavailable.
     *
     * @param worker  its id
     * @param reason  why: its handler's last init failure
     * @param retryAt when it makes a trial init
     */
    @RegisterForReflection
    public record Unavailable(String worker, String reason, String retryAt) {
    }
}
