package io.runstream.pipeline;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * A pipeline as clients see it ({@code GET /api/pipelines}).
 *
 * @param name    stable pipeline name
 * @param queue   the queue its runs go to
 * @param workers live workers serving it now (0: runs are accepted and wait)
 */
@RegisterForReflection
public record PipelineInfo(String name, String queue, int workers) {
}
